"""Planted faults in a copy of the sources: `ladder validate` exits 1 and names the planted cell."""

import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from dagster_project.catalogue import load_table
from dagster_project.cells import table_cells
from dagster_project.cli import main
from dagster_project.reference import Reference
from dagster_project.warehouse import replace_table


def _edit_cell(path, row, column, new):
    import csv

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for r in rows[1:]:
        if r[0] == row:
            old = r[header.index(column)]
            r[header.index(column)] = new
            break
    else:
        raise AssertionError(f"no row {row!r} in {path}")
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return old


def _drop_row(path, row):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [l for l in lines if not l.startswith(row + ",")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


def plant_one_digit(src):
    _edit_cell(src / "data" / "B06.csv", "Arr. Brugge", "2017", "5 698")  # printed 5 688
    return "B06", "Arr. Brugge", "2017", "one digit off"


def plant_swap(src):
    a = _edit_cell(src / "data" / "B06.csv", "Arr. Brugge", "2019", "3 053")
    b = _edit_cell(src / "data" / "B06.csv", "Arr. Oostende", "2019", a)
    assert b == "3 053"
    return "B06", "Arr. Brugge", "2019", "cells swapped with 'Arr. Oostende'"


def plant_dropped_row(src):
    _drop_row(src / "data" / "B07.csv", "Arr. Tielt")
    return "B07", "Arr. Tielt", "2019", "row missing from the table"


def plant_sine_at_100(src):
    # Trede 5 West-Vlaanderen 2019 with SINE at 100% instead of 40%: 51 901 + 0.6 x 1 412 = 52 748.
    _edit_cell(src / "data" / "B39.csv", "TREDE 5 - BETAALD WERK MET ONDERSTEUNING", "West-Vlaanderen | 2019", "52 748")
    return "B39", "TREDE 5 - BETAALD WERK MET ONDERSTEUNING", "West-Vlaanderen | 2019", "SINE counted at 100%"


def plant_share_off(src):
    _edit_cell(src / "data" / "B06.csv", "Aandeel West-Vlaanderen in Vlaams Gewest", "2019", "20,0%")  # printed 19,8%
    return "B06", "Aandeel West-Vlaanderen in Vlaams Gewest", "2019", None


def plant_wrong_sign(src):
    _edit_cell(src / "data" / "B39.csv", "TREDE 5 - BETAALD WERK MET ONDERSTEUNING",
               "Evolutie 2018-2019 | West-Vlaanderen", "-14,3%")
    return "B39", "TREDE 5 - BETAALD WERK MET ONDERSTEUNING", "Evolutie 2018-2019 | West-Vlaanderen", "wrong sign"


def plant_region_total(src):
    _edit_cell(src / "data" / "B07.csv", "Regio Westhoek", "2019", "1 066")  # printed 1 065
    return "B07", "Regio Westhoek", "2019", None


FAULTS = {f.__name__.removeprefix("plant_"): f for f in [
    plant_one_digit, plant_swap, plant_dropped_row, plant_sine_at_100, plant_share_off, plant_wrong_sign,
    plant_region_total]}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_planted_fault_is_caught_and_localised(fault, built_warehouse, sources_copy, tmp_path, monkeypatch):
    table_id, row, column, expected_pattern = FAULTS[fault](sources_copy)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], warehouse)
    table = load_table(sources_copy / "catalogue" / f"{table_id}.yaml")
    con = duckdb.connect(str(warehouse))
    try:
        replace_table(con, "src", table_id, table_cells(table, Reference(sources_copy)))
    finally:
        con.close()
    monkeypatch.setenv("LADDER_SOURCES", str(sources_copy))
    result = CliRunner().invoke(main, ["validate", "--json", "--warehouse", str(warehouse)])
    assert result.exit_code == 1, result.output
    findings = [f for f in json.loads(result.output)["findings"] if f["status"] == "fail" and f["severity"] == "error"]
    suspects = [f for f in findings if f["suspect"] == {"table": table_id, "row": row, "column": column}]
    assert suspects, f"planted cell not named; suspects: {[f['suspect'] for f in findings]}"
    if expected_pattern:
        assert expected_pattern in {f["pattern"] for f in suspects}, [f["pattern"] for f in suspects]


def test_real_report_passes_with_its_waivers(warehouse_copy):
    result = CliRunner().invoke(main, ["validate", "--json", "--warehouse", str(warehouse_copy)])
    assert result.exit_code == 0, [f["instance"] for f in json.loads(result.output)["findings"] if f["status"] == "fail"]
