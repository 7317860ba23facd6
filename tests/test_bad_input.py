"""Bad input of every kind: one line `file:line: what is wrong`, exit 2, and the warehouse unchanged.

Each case plants one fault in a private copy of sources/ or checks/, runs a real command through the
CLI, and asserts the exit code, the message (file and line) and that every table of the warehouse
has the same content fingerprint as before.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from click.testing import CliRunner

from conftest import fingerprint_of
from dagster_project.cli import main
from dagster_project.paths import ROOT


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def prepend_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data + path.read_bytes())


@dataclass(frozen=True)
class Case:
    file: str                      # under the project root: sources/… or checks/…
    plant: Callable[[Path], None]  # the fault
    expected: str                  # regex on the one error line: file:line and what is wrong
    command: str = "validate"      # what a user would run
    exit_code: int = 2


B06 = "sources/catalogue/B06.yaml"
B06_CSV = "sources/data/B06.csv"
COMPONENTS = "checks/rules/components.yaml"
NARRATIVE = "checks/rules/narrative.yaml"
WAIVERS = "checks/waivers.yaml"
GEO = "sources/reference/geography.csv"
FIRST_CLAIM = '        text: "In 2019 telde West-Vlaanderen 26.518 nwwz"\n'

CASES = {
    # ------------------------------------------------------------------ catalogue (YAML)
    "catalogue broken YAML": Case(B06, lambda p: edit(p, "unit: persons", "unit: [persons"),
                                  r"B06\.yaml:\d+: broken YAML", "run"),
    "catalogue missing key": Case(B06, lambda p: edit(p, "bron: [RSZ]\n", ""),
                                  r"B06\.yaml:1: missing required key 'bron'", "run"),
    "catalogue year outside coverage": Case(
        B06, lambda p: edit(p, "years: [2014, 2015, 2016, 2017, 2018, 2019]", "years: [2014, 2015, 2016, 2017, 2018]"),
        r"B06\.yaml:\d+: column\(s\) \['2019'\] have a year outside", "run"),
    "catalogue typo in a key": Case(B06, lambda p: edit(p, "trend_breaks:", "trend_braeks:"),
                                    r"B06\.yaml:14: unknown key 'trend_braeks'", "run"),
    "catalogue duplicate key": Case(B06, lambda p: edit(p, "unit: persons\n", "unit: persons\nunit: starts\n"),
                                    r"B06\.yaml:7: duplicate key 'unit' \(first on line 6\)", "run"),
    "catalogue string for a boolean": Case(B06, lambda p: edit(p, "markers: []", 'available: "false"\nmarkers: []'),
                                           r"B06\.yaml:9: available: Input should be a valid boolean, got 'false'"),
    "catalogue wrong type inside a list": Case(B06, lambda p: edit(p, "years: [2014, 2015,", 'years: [2014, "2015",'),
                                               r"B06\.yaml:8: years\.1: Input should be a valid integer, got '2015'", "sources"),
    "catalogue unknown trend-break kind": Case(B06, lambda p: edit(p, "kind: registration change", "kind: reform"),
                                               r"B06\.yaml:17: trend_breaks\.0\.kind: Input should be", "trace"),
    "catalogue trend-break year as text": Case(B06, lambda p: edit(p, "  - year: 2016", '  - year: "2016"'),
                                               r"B06\.yaml:15: trend_breaks\.0\.year: Input should be a valid integer"),
    "catalogue unknown column stat": Case(B06, lambda p: edit(p, '{label: "2014"}', '{label: "2014", stat: counts}'),
                                          r"B06\.yaml:20: columns\.0\.stat: Input should be 'count'", "lineage"),
    "catalogue BOM": Case(B06, lambda p: prepend_bytes(p, b"\xef\xbb\xbf"), r"B06\.yaml:1: starts with a byte-order mark"),
    "catalogue not UTF-8": Case(B06, lambda p: p.write_bytes(p.read_bytes().replace(b"bron: [RSZ]", b"bron: [RSZ\xe9]")),
                                r"B06\.yaml:5: byte b'\\xe9' is not UTF-8"),
    "catalogue oversized value": Case(B06, lambda p: edit(p, 'title: "', 'title: "' + "x" * 6000),
                                      r"B06\.yaml:4: value of 6,\d+ characters; at most 5,000 expected", "sources"),
    "catalogue id differs from file": Case(B06, lambda p: edit(p, "id: B06", "id: B07"),
                                           r"B06\.yaml:1: id 'B07' must equal the file name 'B06'"),
    "catalogue undeclared column marker": Case(B06, lambda p: edit(p, '{label: "2019"}', '{label: "2019", marker: "*"}'),
                                               r"B06\.yaml:9: columns use marker\(s\) \['\*'\] that 'markers' does not declare"),
    # ------------------------------------------------------------------ transcription (CSV)
    "data missing column": Case(B06_CSV, lambda p: edit(p, "row,2014,2015,", "row,2015,"),
                                r"B06\.csv:1: missing column", "run"),
    "data text in a number": Case(B06_CSV, lambda p: edit(p, "Arr. Diksmuide,6 082", "Arr. Diksmuide,6O82"),
                                  r"B06\.csv:3: row 'Arr\. Diksmuide', column '2014': '6O82' is neither", "run"),
    "data duplicate row": Case(B06_CSV, lambda p: edit(p, "Arr. Ieper,", "Arr. Diksmuide,"),
                               r"B06\.csv:4: duplicate row 'Arr\. Diksmuide' \(first on line 3\)", "run"),
    "data unknown gemeente": Case("sources/data/B31.csv", lambda p: edit(p, "\nBrugge,", "\nBrugg,"),
                                  r"B31\.csv:\d+: unknown geography 'Brugg'", "run"),
    "data undeclared marker": Case(B06_CSV, lambda p: edit(p, "Arr. Diksmuide,6 082", "Arr. Diksmuide,nb"),
                                   r"B06\.csv:3: row 'Arr\. Diksmuide', column '2014': marker 'nb' in 'nb' is not "
                                   r"declared in B06\.yaml", "run"),
    "data undeclared star": Case(B06_CSV, lambda p: edit(p, "Arr. Diksmuide,6 082", "Arr. Diksmuide,6 082*"),
                                 r"B06\.csv:3: .*marker '\*' in '6 082\*' is not declared"),
    "data BOM": Case(B06_CSV, lambda p: prepend_bytes(p, b"\xef\xbb\xbf"), r"B06\.csv:1: starts with a byte-order mark",
                     "run"),
    "data not UTF-8": Case(B06_CSV, lambda p: p.write_bytes(p.read_bytes().replace(b"Arr. Ieper", b"Arr. I\xe9per")),
                           r"B06\.csv:4: byte b'\\xe9' is not UTF-8"),
    "data oversized field": Case(B06_CSV, lambda p: edit(p, "Arr. Ieper,", "Arr. Ieper" + "x" * 600 + ","),
                                 r"B06\.csv:4: field of 6\d\d characters .*at most 500 expected"),
    "data extra field": Case(B06_CSV, lambda p: edit(p, "Arr. Diksmuide,6 082,", "Arr. Diksmuide,6 082,1,"),
                             r"B06\.csv:3: 8 fields, expected 7", "run"),
    "data unterminated quote": Case(B06_CSV, lambda p: edit(p, "Arr. Ieper,", 'Arr. Ieper,"1'),
                                    r"B06\.csv:\d+: malformed CSV"),
    "data circular formula": Case("sources/data/B39.csv",
                                  lambda p: edit(p, "TREDE 5 - BETAALD WERK MET ONDERSTEUNING,a + b",
                                                 "TREDE 5 - BETAALD WERK MET ONDERSTEUNING,trede 5 + a + b"),
                                  r"B39\.csv:2: row 'TREDE 5 - BETAALD WERK MET ONDERSTEUNING': circular formula"),
    # ------------------------------------------------------------------ reference (CSV)
    "reference missing column": Case(GEO, lambda p: p.write_text("\n".join(
        line.rsplit(",", 1)[0] for line in p.read_text(encoding="utf-8").splitlines()) + "\n", encoding="utf-8"),
        r"geography\.csv:1: .*the header must be code, name, level, parent, aliases", "run"),
    "reference unknown level": Case(GEO, lambda p: edit(p, "31003,Beernem,gemeente", "31003,Beernem,gemeent"),
                                    r"geography\.csv:2: column 'level': isin.* failed on 'gemeent'"),
    "reference duplicate code": Case(GEO, lambda p: edit(p, "31004,Blankenberge", "31003,Blankenberge"),
                                     r"geography\.csv:\d: column 'code': field_uniqueness failed on '31003'"),
    "reference unknown parent": Case(GEO, lambda p: edit(p, "31003,Beernem,gemeente,31000", "31003,Beernem,gemeente,39000"),
                                     r"geography\.csv:2: parent '39000' of 'Beernem' is no area code"),
    "reference bad trede": Case("sources/reference/measures.csv", lambda p: edit(p, "a,a,5,", "a,a,6,"),
                                r"measures\.csv:2: column 'trede': isin.* failed on '6'", "sources"),
    # ------------------------------------------------------------------ rules (YAML)
    "rule typo in kind": Case(COMPONENTS, lambda p: edit(p, "  kind: component_sum", "  kind: component_sums"),
                              r"components\.yaml:3: kind: must be one of .*got 'component_sums'", "run"),
    "rule unknown key": Case(COMPONENTS, lambda p: edit(p, "    tables: [B03]", "    tabels: [B03]"),
                             r"components\.yaml:\d+: unknown key 'tabels'"),
    "rule unknown table": Case(COMPONENTS, lambda p: edit(p, "    tables: [B03]", "    tables: [B99]"),
                               r"components\.yaml:\d+: rule comp\.b03\.statuut: table 'B99' is not in the catalogue",
                               "trace"),
    "rule malformed table id": Case(COMPONENTS, lambda p: edit(p, "    tables: [B03]", "    tables: [B6]"),
                                    r"components\.yaml:10: \S*tables\.0: String should match pattern .*got 'B6'"),
    "rule selector matches no cell": Case(COMPONENTS, lambda p: edit(p, "parts: {breakdown: [loontr., zelfst.]}",
                                                                     "parts: {breakdown: [loontr., zelfstandig]}"),
                                          r"components\.yaml:\d+: rule comp\.b03\.statuut: breakdown 'zelfstandig' "
                                          r"matches no cell of B03"),
    "rule duplicate id": Case(COMPONENTS, lambda p: edit(p, "id: comp.b13.totaal", "id: comp.b13.afstand"),
                              r"components\.yaml:\d+: duplicate rule id 'comp\.b13\.afstand' \(first at components\.yaml:\d+\)"),
    "rule bad severity": Case(COMPONENTS, lambda p: edit(p, "  severity: error", "  severity: fatal"),
                              r"components\.yaml:4: .*severity: Input should be 'error' or 'warn'"),
    "rule yields no instance": Case("checks/rules/geography.yaml", lambda p: edit(p, "B33, B36", "B33, B35, B36"),
                                    r"geography\.yaml:\d+: rule geo\.hierarchy yields no instance in B35"),
    "rule with an alias": Case(COMPONENTS, lambda p: edit(p, "    tables: [B03]", "    tables: &t [B03, *t]"),
                               r"components\.yaml:\d+: alias \*t inside the value it names"),
    "rounding key that is a list": Case("checks/rounding.yaml", lambda p: edit(p, "rounded:", "? [rounded]\n: 1\nrounded:"),
                                        r"rounding\.yaml:\d+: a key must be plain text"),
    "rule duplicate key": Case(COMPONENTS, lambda p: edit(p, "    group_by: [row_label, year]\n",
                                                          "    group_by: [row_label, year]\n    group_by: [year]\n"),
                               r"components\.yaml:\d+: duplicate key 'group_by'"),
    "claim missing key": Case(NARRATIVE, lambda p: edit(p, '        quote: "26.518"\n', ""),
                              r"narrative\.yaml:\d+: missing required key 'quote' in .*claims\.0"),
    "claim names an unknown cell": Case(NARRATIVE, lambda p: edit(p, 'expr: "w / v * 100"', 'expr: "w / z * 100"'),
                                        r"narrative\.yaml:\d+: .*expr uses \['z'\], which 'cells' does not name"),
    "claim injects code": Case(NARRATIVE, lambda p: edit(p, 'expr: "w / v * 100"', 'expr: "__import__(\'os\').getcwd()"'),
                               r"narrative\.yaml:\d+: .*only \+ - \* / \( \) over names and numbers are allowed"),
    "claim divides by zero": Case(NARRATIVE, lambda p: edit(p, 'expr: "w / v * 100"', 'expr: "w / (v - v)"'),
                                  r"narrative\.yaml:\d+: claim nwwz-wvl-share-of-vg-2019: expression 'w / \(v - v\)' "
                                  r"divides by zero"),
    "claim cell not printed": Case(NARRATIVE, lambda p: edit(
        p, 'cell: {table: T01, row: "Alle nwwz", column: "West-Vlaanderen | 2019"}',
        'cell: {table: T01, row: "Alle nwwz", column: "West-Vlaanderen | 2029"}'),
        r"narrative\.yaml:\d+: claim nwwz-wvl-2019: no cell T01 \| Alle nwwz \| West-Vlaanderen \| 2029"),
    # ------------------------------------------------------------------ waivers and rounding (YAML)
    "waiver missing reason": Case(WAIVERS, lambda p: edit(p, '    reason: "Tabel 29 prints a share of 19,2%', '    reasn: "'),
                                  r"waivers\.yaml:9: unknown key 'reasn' in waivers\.0; did you mean 'reason'\?"),
    "waiver bad date": Case(WAIVERS, lambda p: edit(p, "date: 2026-11-27", "date: 27/11/2026"),
                            r"waivers\.yaml:\d+: waivers\.0\.date: Input should be a valid date"),
    "waiver twice": Case(WAIVERS, lambda p: edit(p, "cross.b39.dprime.voortrajecten: B39 | Voortrajecten | Aandeel "
                                                    "West-Vlaanderen in Vlaams Gewest | 2015",
                                                 "cross.b39.dprime.voortrajecten: B39 | Voortrajecten | Aandeel "
                                                 "West-Vlaanderen in Vlaams Gewest | 2014"),
                         r"waivers\.yaml:\d+: instance waived twice \(first on line \d+\)"),
    "rounding unknown table": Case("checks/rounding.yaml", lambda p: edit(p, "{table: B11,", "{table: B77,"),
                                   r"rounding\.yaml:\d+: table 'B77' is not in the catalogue"),
    "catalogue unknown group": Case("sources/catalogue/B01.yaml", lambda p: edit(p, "group: context", "group: kontext"),
                                    r"B01\.yaml:4: group: Input should be 'context'.*got 'kontext'", "run"),
    "catalogue table without group": Case("sources/catalogue/B13.yaml", lambda p: edit(p, "group: trede_5\n", ""),
                                          r"B13\.yaml:1: B13: measures\.csv names no single trede for it"),
    "narrative scan unknown key": Case("checks/rules/narrative.yaml",
                                       lambda p: p.write_text(p.read_text(encoding="utf-8") + "    figures: x\n",
                                                              encoding="utf-8"),
                                       r"narrative\.yaml:\d+: unknown key 'figures' in narrative_scan"),
    "rounding unknown key": Case("checks/rounding.yaml", lambda p: edit(p, "{table: B11,", "{tabel: B11,"),
                                 r"rounding\.yaml:\d+: unknown key 'tabel' in rounded\.0; did you mean 'table'\?"),
}


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """Private copies of sources/ and checks/, used by every command through the environment."""
    for name in ("sources", "checks"):
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.setenv("LADDER_SOURCES", str(tmp_path / "sources"))
    monkeypatch.setenv("LADDER_CHECKS", str(tmp_path / "checks"))
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_with_file_and_line(name, project_copy, warehouse_copy):
    case = CASES[name]
    before = fingerprint_of(warehouse_copy)
    case.plant(project_copy / case.file)
    extra = {"trace": ["Tabel 6", "WEST-VLAANDEREN", "2019"]}.get(case.command, [])
    result = invoke(case.command, *extra, "--warehouse", str(warehouse_copy))
    assert result.exit_code == case.exit_code, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and re.search(case.expected, errors[0]), result.output
    assert "Traceback" not in result.output
    assert fingerprint_of(warehouse_copy) == before


@pytest.mark.parametrize("command", ["run", "validate", "sources", "trace", "lineage", "ui"])
def test_every_command_reports_a_bad_file_in_one_line(command, project_copy, warehouse_copy):
    edit(project_copy / B06, "trend_breaks:", "trend_braeks:")
    extra = {"trace": ["Tabel 6", "WEST-VLAANDEREN", "2019"]}.get(command, [])
    warehouse = [] if command == "ui" else ["--warehouse", str(warehouse_copy)]
    result = invoke(command, *extra, *warehouse)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("error: ") and "B06.yaml:14: unknown key" in result.output


# --------------------------------------------------------------------------- unusable warehouses
def _random_bytes(p: Path) -> Path:
    p.write_bytes(bytes(range(256)) * 64)
    return p


def _empty_duckdb(p: Path) -> Path:
    import duckdb

    duckdb.connect(str(p)).close()
    return p


WAREHOUSES = {
    "not a DuckDB file": (_random_bytes, r"is not a DuckDB file"),
    "a directory": (lambda p: (p.mkdir(), p)[1], r"is a directory, not a DuckDB file"),
    "missing directory": (lambda p: p.parent / "nowhere" / "w.duckdb", r"directory .*nowhere does not exist"),
    "zero-byte file": (lambda p: (p.write_bytes(b""), p)[1], r"is an empty file, not a DuckDB warehouse"),
    "empty DuckDB file": (_empty_duckdb, r"has no .*: it is not built yet; run `ladder run`"),
    "missing file": (lambda p: p, r"does not exist: run `ladder run`"),
}


@pytest.mark.parametrize("command", ["validate", "trace", "lineage"])
@pytest.mark.parametrize("name", sorted(WAREHOUSES))
def test_unusable_warehouse_is_named(name, command, tmp_path):
    make, expected = WAREHOUSES[name]
    path = make(tmp_path / "w.duckdb")
    extra = {"trace": ["Tabel 6", "WEST-VLAANDEREN", "2019"]}.get(command, [])
    result = invoke(command, *extra, "--warehouse", str(path), "--wait", "1")
    assert result.exit_code == 2, result.output
    assert re.search(expected, result.output), result.output


def test_read_only_warehouse_is_refused_by_a_writer(warehouse_copy):
    before = fingerprint_of(warehouse_copy)
    warehouse_copy.chmod(0o444)
    try:
        result = invoke("validate", "--warehouse", str(warehouse_copy))
    finally:
        warehouse_copy.chmod(0o644)
    assert result.exit_code == 2 and "permission denied (the file is read-only)" in result.output
    assert fingerprint_of(warehouse_copy) == before


def test_busy_warehouse_waits_bounded_and_names_the_holder(warehouse_copy):
    """Another process holds the file read-write: a reader waits --wait seconds, then names its pid."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(warehouse_copy)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = invoke("sources", "--warehouse", str(warehouse_copy), "--wait", "1")
        assert result.exit_code == 2
        assert "is busy" in result.output and f"process {holder.pid}" in result.output
        assert "waiting up to 1 s" in result.output
    finally:
        holder.kill()


def test_unwritable_dagster_home_is_named(project_copy, warehouse_copy, monkeypatch):
    blocker = project_copy / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(blocker / "home"))
    result = invoke("run", "--warehouse", str(warehouse_copy))
    assert result.exit_code == 2 and re.search(r"error: DAGSTER_HOME .*a-file/home cannot be used", result.output)


@pytest.mark.parametrize("inside", [False, True], ids=["a file", "under a file"])
def test_unusable_site_folder_is_named_before_any_work(inside, warehouse_copy, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    site = blocker / "site" if inside else blocker
    monkeypatch.setenv("LADDER_SITE", str(site))
    before = fingerprint_of(warehouse_copy)
    result = invoke("run", "--warehouse", str(warehouse_copy))
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"error: audit site folder {site} cannot be used")
    assert fingerprint_of(warehouse_copy) == before and blocker.read_text(encoding="utf-8") == "not a directory"


# --------------------------------------------------------------------------- waivers pin what they accepted
def test_a_new_error_in_a_waived_sum_is_not_waived(warehouse_copy):
    """Tabel 31's wijk-werken sums are waived for being off by 1-2; one gemeente changed by 6 is a new
    error in the same sum: the waiver no longer applies, the finding fails, the warehouse is unchanged."""
    import duckdb

    con = duckdb.connect(str(warehouse_copy))
    instance, row = con.execute("""
        SELECT r.instance, c.row_label FROM checks.results r
        JOIN checks.result_cells c ON c.instance = r.instance AND c.role = 'rhs'
        WHERE r.status = 'waived' AND r.table_id = 'B31' AND r.rule = 'geo.hierarchy' ORDER BY 1, 2 LIMIT 1""").fetchone()
    column = instance.rsplit(" | ", 1)[1]
    con.execute("UPDATE src.B31 SET value = value + 6 WHERE row_label = ? AND column_label = ?", [row, column])
    con.close()
    before = fingerprint_of(warehouse_copy)
    result = invoke("validate", "--warehouse", str(warehouse_copy))
    assert result.exit_code == 1, result.output
    assert re.search(rf"CHANGED waiver \S*waivers\.yaml:\d+: no longer matches {re.escape(instance)}: .*imbalance",
                     result.output), result.output
    assert f"[geography] {instance}" in result.output  # listed as an unwaived error
    assert fingerprint_of(warehouse_copy) == before


def test_broken_pipe_is_not_a_failed_check(built_warehouse, tmp_path):
    import os
    import subprocess
    import sys

    copy = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse[0], copy)
    ladder = Path(sys.executable).parent / "ladder"
    proc = subprocess.run(f"'{ladder}' validate --warehouse '{copy}' | head -1; exit ${{PIPESTATUS[0]}}",
                          shell=True, executable="/bin/bash", capture_output=True, text=True,
                          env={**os.environ, "LADDER_WAREHOUSE": str(copy)})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_run_waits_for_the_writer_and_names_it(warehouse_copy):
    """A second writer waits --wait seconds for the first, naming it, then gives up with exit 2."""
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "from dagster_project.warehouse import writer_lock; import time\n"
                               f"with writer_lock(__import__('pathlib').Path({str(warehouse_copy)!r}), 'test writer'):\n"
                               "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = fingerprint_of(warehouse_copy)
        result = invoke("run", "--warehouse", str(warehouse_copy), "--wait", "1")
        assert result.exit_code == 2, result.output
        assert re.search(rf"error: warehouse .* is busy: test writer \(process {holder.pid} .*\) still holds it after 1 s",
                         result.output), result.output
        assert fingerprint_of(warehouse_copy) == before
    finally:
        holder.kill()
