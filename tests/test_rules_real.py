"""Specific findings on the real report, and the rule registry's own guard rails."""

import json
import re
import shutil

import pytest
from click.testing import CliRunner

from conftest import fingerprint_of, plant_and_validate, query
from dagster_project.cli import main
from dagster_project.paths import ROOT
from dagster_project.rules.registry import load_rules
from dagster_project.files import SourceError


@pytest.fixture(scope="module")
def findings(built_warehouse, tmp_path_factory):
    copy = tmp_path_factory.mktemp("validate") / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], copy)
    result = CliRunner().invoke(main, ["validate", "--json", "--warehouse", str(copy)])
    assert result.exit_code == 0, result.output
    return {f["instance"]: f for f in json.loads(result.output)["findings"]}


@pytest.mark.parametrize("instance, suspect_table, suspect_row", [
    # Tabel 39 prints +0,0% for invoegbedrijven 2018-2019 although 5 -> 0 is -100%.
    ("evolution.printed: B39 | Invoegbedrijven | Evolutie 2018-2019 | West-Vlaanderen", "B39", "Invoegbedrijven"),
    # Tabel 29's shares do not follow from its counts; the suspect is Tabel 29, not Tabel 39.
    ("cross.b39.dprime.voortrajecten: B39 | Voortrajecten | Aandeel West-Vlaanderen in Vlaams Gewest | 2018",
     "B29", "Aandeel West-Vlaanderen in Vlaams Gewest"),
    # The text quotes 175.504 where the tables print 174 504: the text is the suspect.
    ("narrative.trede5: narrative | line 602 | rsz54-vg-2019", "narrative", "line 602"),
    # Tabel 40: wijk-werken regio's + niet toe te wijzen = 1 112 against 1 113.
    ("geo.tabel40: B40 | Wijk-werken | West-Vlaanderen", "B40", "Wijk-werken"),
])
def test_known_inconsistencies_are_found_waived_and_localised(findings, instance, suspect_table, suspect_row):
    f = findings[instance]
    assert f["status"] == "waived" and f["severity"] == "error" and f["waiver"]
    assert abs(f["imbalance"]) > f["tolerance"]
    assert (f["suspect"]["table"], f["suspect"]["row"]) == (suspect_table, suspect_row)


def test_shifted_cells_in_tabel_6_are_flagged_as_swaps(findings):
    """Tabel 6 (54-plus) 2014: sums hold but Diksmuide, Ieper and Kortrijk carry each other's figures."""
    f = findings["series.jump: B06 | Arr. Diksmuide | 2014"]
    assert f["status"] == "fail" and f["severity"] == "warn"
    assert f["suggestion"] == 697 and "Arr. Ieper" in f["pattern"]


def test_rounding_alone_is_never_an_error(built_warehouse):
    """SINE annual averages (Tabel 11) miss their totals by one and Tabel 39's trede 5 for 2018 prints
    45 424 for 45 424,6 with SINE at 40%: both lie within the tolerance their rounding implies."""
    rows = query(built_warehouse[0], """
        SELECT instance, status, abs(imbalance) AS gap, tolerance FROM checks.results
        WHERE instance IN ('geo.hierarchy: B11 | WEST-VLAANDEREN | 2017',
                           'formula.lettered: B39 | TREDE 5 - BETAALD WERK MET ONDERSTEUNING | West-Vlaanderen | 2018')
        ORDER BY instance""")
    assert [r[1] for r in rows] == ["pass", "pass"]
    assert all(0 < gap <= tol for _, _, gap, tol in rows)


def test_exact_counts_get_zero_tolerance(built_warehouse):
    tol = query(built_warehouse[0], "SELECT max(tolerance) FROM checks.results WHERE rule = 'geo.hierarchy' "
                                    "AND table_id = 'B06'")[0][0]
    assert tol == 0


def test_stale_waiver_fails_validation(built_warehouse, tmp_path, monkeypatch):
    checks = tmp_path / "checks"
    shutil.copytree(ROOT / "checks", checks)
    with (checks / "waivers.yaml").open("a", encoding="utf-8") as fh:
        fh.write('  - instance: "share.printed: B06 | Aandeel West-Vlaanderen in Vlaams Gewest | 2019"\n'
                 '    reason: "planted: this share is right"\n    date: 2026-11-27\n')
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], copy)
    monkeypatch.setenv("LADDER_CHECKS", str(checks))
    result = CliRunner().invoke(main, ["validate", "--warehouse", str(copy)])
    assert result.exit_code == 1
    assert re.search(r"STALE waiver \S*checks/waivers\.yaml:\d+: share\.printed: B06", result.output), result.output


def test_waivers_pin_writes_the_pins_of_a_new_waiver_and_names_one_that_matches_nothing(warehouse_copy, tmp_path,
                                                                                        monkeypatch):
    """`ladder waivers pin`, end to end: a waiver added by hand (its pins removed) gets back exactly the pins
    the file held, comments and the other waivers untouched, and validation accepts it again; a waiver
    whose finding does not fail is named, left unpinned, and the command exits 1. The warehouse is only read."""
    checks = tmp_path / "checks"
    shutil.copytree(ROOT / "checks", checks)
    path = checks / "waivers.yaml"
    original = path.read_text(encoding="utf-8")
    entry = re.search(r'  - instance: "share\.printed: B29[^\n]*\n(?:    [^\n]*\n)+', original).group(0)
    pins = re.compile(r"    (printed|expected|imbalance|cells): [^\n]*\n")
    assert len(pins.findall(entry)) == 4
    path.write_text(original.replace(entry, pins.sub("", entry)), encoding="utf-8")
    monkeypatch.setenv("LADDER_CHECKS", str(checks))
    before = fingerprint_of(warehouse_copy)

    result = CliRunner().invoke(main, ["waivers", "pin", "--warehouse", str(warehouse_copy)])
    assert result.exit_code == 0, result.output
    assert "1 waiver(s) pinned" in result.output
    assert path.read_text(encoding="utf-8") == original
    assert fingerprint_of(warehouse_copy) == before
    assert CliRunner().invoke(main, ["validate", "--warehouse", str(warehouse_copy)]).exit_code == 0

    with path.open("a", encoding="utf-8") as fh:
        fh.write('  - instance: "share.printed: B06 | Aandeel West-Vlaanderen in Vlaams Gewest | 2019"\n'
                 '    reason: "planted: this share is right"\n    date: 2026-11-27\n')
    result = CliRunner().invoke(main, ["waivers", "pin", "--warehouse", str(warehouse_copy)])
    assert result.exit_code == 1
    assert re.search(r"not pinned \S*checks/waivers\.yaml:\d+: share\.printed: B06 .* matches no failing instance",
                     result.output), result.output
    assert "0 waiver(s) pinned" in result.output


def test_rule_file_errors_name_file_and_line(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text(
        "rules:\n  - id: x\n    description: y\n    family: shares\n    kind: eval_this\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.yaml:5: kind: must be one of .*got 'eval_this'"):
        load_rules(tmp_path)


def test_tabel_1_percentages_are_checked_as_weighted_means(findings, built_warehouse):
    """Arr. Diksmuide's 2018 share of allochtonen (6,4%) does not follow from its gemeenten (6,24%)."""
    f = findings["geo.weighted_percentages: B01 | Arr. Diksmuide | Allochtonen | 2018"]
    assert f["status"] == "waived" and f["expected"] == pytest.approx(6.24, abs=0.01)
    passing = query(built_warehouse[0], "SELECT count(*) FROM checks.results WHERE rule = 'geo.weighted_percentages' "
                                        "AND status = 'pass'")[0][0]
    assert passing > 250


def test_ci_output_final_line_fail_on_and_junit(warehouse_copy, tmp_path):
    """The real report: errors all waived, the time-series warnings open. The final line counts every
    instance; --fail-on warn turns the warnings into a failure; JUnit lists every instance."""
    from junitparser import Failure, JUnitXml, Skipped

    result = CliRunner().invoke(main, ["validate", "--warehouse", str(warehouse_copy)])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    counts = dict(zip(last.split()[::2], map(int, last.split()[1::2])))
    assert list(counts) == ["PASS", "WARN", "ERROR", "WAIVED", "SKIP"] and counts["ERROR"] == 0
    assert counts["WARN"] > 0 and counts["WAIVED"] > 0 and counts["PASS"] > 7000
    assert re.search(r"WARN  B06 \| Arr\. Diksmuide \| 2014 -> 697 .*: 1 failing equation", result.output)

    junit = tmp_path / "results.xml"
    strict = CliRunner().invoke(main, ["validate", "--fail-on", "warn", "--junit", str(junit),
                                       "--warehouse", str(warehouse_copy)])
    assert strict.exit_code == 1
    cases = [case for suite in JUnitXml.fromfile(str(junit)) for case in suite]
    assert len(cases) == sum(counts.values())
    assert sum(isinstance(r, Failure) for c in cases for r in c.result) == counts["WARN"]
    assert sum(isinstance(r, Skipped) for c in cases for r in c.result) == counts["SKIP"]


def test_one_bad_cell_is_one_group_with_all_its_equations(warehouse_copy):
    """A planted digit error in a gemeente of Tabel 31 breaks its arrondissement sum and more: the JSON
    report shows one group for that cell, holding every equation it breaks."""
    code, report = plant_and_validate(
        warehouse_copy, "UPDATE src.B31 SET value = value + 90 WHERE row_label = 'Brugge' AND column_label = '2019'")
    assert code == 1
    assert report["failed"] and report["totals"]["ERROR"] >= 1
    mine = [g for g in report["groups"] if g["suspect"] == "B31 | Brugge | 2019"]
    assert len(mine) == 1 and mine[0]["severity"] == "error"
    assert {i["family"] for i in mine[0]["instances"]} >= {"geography"}


def test_series_warnings_follow_their_own_series(warehouse_copy):
    """A trend break silences only its own series: Tabel 39 registers many breaks, but a jump in a line
    without one (Gesco, planted) is warned. A figure that repeats another cell (Tabel 39's BIS line repeats
    Tabel 25) is one finding about the original, and a swap is only suggested between areas of one level."""
    _, report = plant_and_validate(warehouse_copy, "UPDATE src.B39 SET value = value * 10 WHERE row_label = "
                                                   "'- Gesco (o.a. BKO)' AND column_label = 'Vlaams Gewest | 2016'")
    groups = {g["suspect"]: g for g in report["groups"]}
    gesco = groups["B39 | - Gesco (o.a. BKO) | Vlaams Gewest | 2016"]["instances"]
    assert "series" in {i["family"] for i in gesco}  # besides the sums it breaks
    bis = groups["B25 | VLAAMS GEWEST | 2015"]
    assert {i["instance"].split(": ")[1].split(" | ")[0] for i in bis["instances"]} == {"B25", "B39"}
    assert bis["suggestions"] == []  # no swap with an arrondissement
    assert "B39 | TIW (Tender Intensief Werkplekleren) | West-Vlaanderen | 2016" not in groups  # Tabel 18's break


def test_a_phase_out_silences_only_the_falls_of_its_own_series(findings, warehouse_copy):
    """Tabel 16's note (report line 5257) explains the falling invoegbedrijven by the measure's phasing
    out: the fall 243 -> 73 in 2017 is silenced, and so is Tabel 39's copy of it; a rise is still warned."""
    assert findings["series.jump: B16 | VLAAMS GEWEST | 2017"]["status"] == "waived"
    copy = findings["series.jump: B39 | Invoegbedrijven | Vlaams Gewest | 2017"]
    assert copy["status"] == "waived" and "B16 | VLAAMS GEWEST | 2017" in copy["waiver"]
    _, report = plant_and_validate(warehouse_copy, "UPDATE src.B16 SET value = 900 WHERE row_label = "
                                                   "'VLAAMS GEWEST' AND column_label = '2017'")
    planted = {f["instance"]: f for f in report["findings"]}["series.jump: B16 | VLAAMS GEWEST | 2017"]
    assert planted["status"] == "fail" and planted["expected"] == 243


def test_a_copy_is_no_pattern_of_its_own_original(findings, warehouse_copy):
    """The heading of a warned cell does not say it repeats itself (Tabel 39 repeats Tabel 25's BIS line)."""
    result = CliRunner().invoke(main, ["validate", "--json", "--warehouse", str(warehouse_copy)])
    groups = {g["suspect"]: g for g in json.loads(result.output)["groups"]}
    assert len(groups["B25 | VLAAMS GEWEST | 2015"]["instances"]) == 2
    assert groups["B25 | VLAAMS GEWEST | 2015"]["patterns"] == []
    assert findings["series.jump: B39 | Beroepsinlevingsstages (BIS, voorheen BIO) | Vlaams Gewest | 2015"][
        "pattern"] == "repeats B25 | VLAAMS GEWEST | 2015, warned there"


def test_every_printed_cell_is_checked(warehouse_copy):
    result = CliRunner().invoke(main, ["validate", "--coverage", "--warehouse", str(warehouse_copy)])
    assert result.exit_code == 0
    assert "\n0 printed cell(s) no rule touches" in result.output


def test_tabel_27_percentages_follow_from_its_counts(findings, built_warehouse):
    f = findings["ratio.b27.zelfstandig: B27 | uitstroom zelfst. statuut (hoofd/bijberoep) | Vlaams Gewest | 2014"]
    assert f["status"] == "waived" and f["expected"] == 62.5 and f["printed"] == "68%"
    passing = query(built_warehouse[0], "SELECT count(*) FROM checks.results WHERE rule LIKE 'ratio.b27.%' "
                                        "AND status = 'pass'")[0][0]
    assert passing == 47


@pytest.mark.parametrize("row, column, printed, value, detail", [
    ("Lo-Reninge", "Ouderen (>= 55 jaar) | 2017", "0,0%", 0.0, "listed as nb, printed 0,0%"),  # nb -> 0
    ("Arr. Ieper", "2014", "nb", None, "printed nb, which the marker list does not hold"),  # 697 -> nb
])
def test_a_marker_never_turns_into_a_figure_or_back(warehouse_copy, row, column, printed, value, detail):
    table = "B01" if row == "Lo-Reninge" else "B06"
    code, report = plant_and_validate(
        warehouse_copy, f"UPDATE src.{table} SET printed = ?, value = ?, marker = ? WHERE row_label = ? "
                        "AND column_label = ?", [printed, value, printed if value is None else "", row, column])
    assert code == 1
    found = {f["instance"]: f for f in report["findings"]}
    f = found[f"markers.listed: {table} | {row} | {column}"]
    assert f["status"] == "fail" and f["detail"] == detail
    assert f["suspect"] == {"table": table, "row": row, "column": column}
