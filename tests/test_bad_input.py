"""Malformed sources fail loudly with file and line, and never damage the warehouse."""

import re
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from dagster_project.cli import main


def _snapshot(path, table="B06"):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f'SELECT * FROM src."{table}" ORDER BY row_no, col_no').fetchall()
    finally:
        con.close()


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], path)
    return path


def _run(sources, warehouse, monkeypatch):
    monkeypatch.setenv("LADDER_SOURCES", str(sources))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return CliRunner().invoke(main, ["run", "--warehouse", str(warehouse)])


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


CSV_FAULTS = {
    "missing column": ("B06", lambda p: _edit(p, "row,2014,2015,", "row,2015,"), r"B06\.csv:1: missing column"),
    "text in a number": ("B06", lambda p: _edit(p, "Arr. Diksmuide,6 082", "Arr. Diksmuide,6O82"),
                         r"B06\.csv:3: row 'Arr. Diksmuide', column '2014': '6O82' is neither"),
    "duplicate row": ("B06", lambda p: _edit(p, "Arr. Ieper,", "Arr. Diksmuide,"),
                      r"B06\.csv:4: duplicate row 'Arr. Diksmuide' \(first on line 3\)"),
    "unknown gemeente": ("B31", lambda p: _edit(p, "\nBrugge,", "\nBrugg,"),
                         r"B31\.csv:\d+: unknown geography 'Brugg'"),
}


@pytest.mark.parametrize("fault", sorted(CSV_FAULTS))
def test_bad_data_file_names_file_and_line_and_keeps_the_warehouse(fault, sources_copy, warehouse_copy, monkeypatch):
    table_id, plant, expected = CSV_FAULTS[fault]
    before = _snapshot(warehouse_copy, table_id)
    plant(sources_copy / "data" / f"{table_id}.csv")
    result = _run(sources_copy, warehouse_copy, monkeypatch)
    assert result.exit_code == 1, result.output
    assert re.search(expected, result.output), result.output
    assert _snapshot(warehouse_copy, table_id) == before


CATALOGUE_FAULTS = {
    "broken YAML": (lambda p: _edit(p, "unit: persons", "unit: [persons"), r"B06\.yaml:\d+: broken YAML"),
    "missing key": (lambda p: _edit(p, "bron: [RSZ]\n", ""), r"B06\.yaml:1: missing required key 'bron'"),
    "year outside coverage": (lambda p: _edit(p, 'years: [2014, 2015, 2016, 2017, 2018, 2019]', "years: [2014, 2015, 2016, 2017, 2018]"),
                              r"B06\.yaml:\d+: column\(s\) \['2019'\] have a year outside"),
}


@pytest.mark.parametrize("fault", sorted(CATALOGUE_FAULTS))
def test_bad_catalogue_names_file_and_line_and_keeps_the_warehouse(fault, sources_copy, warehouse_copy, monkeypatch):
    plant, expected = CATALOGUE_FAULTS[fault]
    before = _snapshot(warehouse_copy)
    plant(sources_copy / "catalogue" / "B06.yaml")
    result = _run(sources_copy, warehouse_copy, monkeypatch)
    assert result.exit_code == 2, result.output
    assert re.search(expected, result.output), result.output
    assert _snapshot(warehouse_copy) == before


def test_busy_warehouse_gives_a_clear_error(warehouse_copy, monkeypatch):
    """DuckDB lets one process hold the file; another process gets a 'busy' message, not a hang."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(warehouse_copy)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(main, ["sources", "--warehouse", str(warehouse_copy)])
        assert result.exit_code == 2
        assert "is busy" in result.output and str(holder.pid) in result.output
    finally:
        holder.kill()
