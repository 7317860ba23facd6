"""The Excel export read back with openpyxl: published beside recomputed, findings, lineage, formats."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.report import export_xlsx
from dagster_project.report.excel import FILL, number_format

openpyxl = pytest.importorskip("openpyxl", reason="openpyxl is not installed (make install)")

TOTAL = "TEWERKSTELLING EN ARBEIDSMATIGE PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN"


@pytest.fixture(scope="module")
def book(built_warehouse, tmp_path_factory):
    """(workbook, read-only connection to the warehouse it was exported from)."""
    con = duckdb.connect(str(built_warehouse[0]), read_only=True)
    path = export_xlsx(con, tmp_path_factory.mktemp("xlsx") / "ladder.xlsx")
    yield openpyxl.load_workbook(path), con
    con.close()


def _fill(cell) -> str:
    return "#" + cell.fill.fgColor.rgb[-6:].upper()


def _find(ws, value, column: int = 1):
    return next(row for row in range(1, ws.max_row + 1) if ws.cell(row, column).value == value)


def _header_column(ws, labels: list[str], start: int, header_rows: range) -> int:
    """The first column from ``start`` whose header cells read ``labels`` (merged group cells span theirs)."""
    def at(row, col):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                return ws.cell(rng.min_row, rng.min_col).value
        return ws.cell(row, col).value
    return next(c for c in range(start, ws.max_column + 1)
                if [at(r, c) for r in header_rows if at(r, c) is not None] == labels)


def test_number_formats_follow_the_printed_figures():
    assert number_format("count", 1.0) == "#,##0"
    assert number_format("share", 0.1) == "0.0%"
    assert number_format("evolution", 0.1, signed=True) == "+0.0%;-0.0%;0.0%"  # Tabel 39 prints '+22,3%'
    assert number_format("evolution", 0.1) == "0.0%"  # body Tabel 1 prints '3,7%'
    assert number_format("percent", 0.01) == "0.00%"


def test_published_beside_recomputed(book):
    wb, con = book
    printed, published, recomputed, diff = con.execute(
        "SELECT published_printed, published, recomputed, published_minus_recomputed FROM derived.tabel39 "
        "WHERE row_label = ? AND column_label = 'West-Vlaanderen | 2019'", [TOTAL]).fetchone()
    assert printed == "63 552" and recomputed != published  # 0.4 × SINE's annual averages
    ws = wb["B39 vs tabel39"]
    assert ws.freeze_panes == "C5"  # two header rows of labels below the block titles; row label and code
    row = _find(ws, TOTAL)
    assert ws.cell(row, 2).value == "trede 3 + trede 4 + trede 5"
    pub = _header_column(ws, ["published, as printed (fill: rule status)", "West-Vlaanderen", "2019"], 3,
                         range(2, 5))
    rec = _header_column(ws, ["recomputed", "West-Vlaanderen", "2019"], pub + 1, range(2, 5))
    dif = _header_column(ws, ["published − recomputed", "West-Vlaanderen", "2019"], rec + 1, range(2, 5))
    assert ws.cell(row, pub).value == published == 63552
    assert ws.cell(row, rec).value == pytest.approx(recomputed)
    assert ws.cell(row, dif).value == pytest.approx(diff)
    assert ws.cell(row, pub).number_format == ws.cell(row, rec).number_format == "#,##0"
    assert _fill(ws.cell(row, rec)) == FILL["pass"]  # equal at printed precision
    share = _header_column(ws, ["published, as printed (fill: rule status)", "Aandeel West-Vlaanderen in Vlaams Gewest",
                                "2018"], 3, range(2, 5))
    assert ws.cell(row, share).value == pytest.approx(0.206) and ws.cell(row, share).number_format == "0.0%"
    differs = con.execute("SELECT count(*) FROM derived.tabel39 WHERE status = 'differs'").fetchone()[0]
    block = next(r for r in ws.merged_cells.ranges if r.min_row == 2 and ws.cell(2, r.min_col).value == "recomputed")
    filled = sum(_fill(c) == FILL["finding"] for r in ws.iter_rows(min_row=5, min_col=block.min_col,
                                                                     max_col=block.max_col) for c in r)
    assert filled == differs


def test_findings_with_suspects_and_waivers(book):
    wb, con = book
    ws = wb["Findings"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1")
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    expected = con.execute("SELECT count(*) FROM checks.results WHERE status <> 'pass'").fetchone()[0]
    assert len(rows) == expected
    suggestion = con.execute("""SELECT suggestion FROM checks.results WHERE status = 'fail' AND table_id = 'B06'
                                AND row_label = 'Arr. Kortrijk' AND column_label = '2014'""").fetchone()[0]
    kortrijk = next(i for i, r in enumerate(rows, start=2) if r["table_id"] == "B06" and r["row_label"] == "Arr. Kortrijk")
    r = rows[kortrijk - 2]
    assert (r["status"], r["rule"], r["suspect_row"], r["suggestion"]) == ("fail", "series.jump", "Arr. Kortrijk",
                                                                          suggestion)
    assert _fill(ws.cell(kortrijk, 1)) == FILL["finding"]
    waived = [r for r in rows if r["status"] == "waived"]
    assert waived and all(r["waiver"] for r in waived)
    suspects = wb["Suspects"]
    assert any(c.value == "B06 | Arr. Kortrijk | 2014" for c in suspects["A"])


def test_lineage_and_rules(book):
    wb, con = book
    edges = con.execute("SELECT count(*) FROM derived.edges").fetchone()[0]
    assert wb["Lineage"].max_row - 1 == edges
    rules = wb["Rules"]
    header = [c.value for c in rules[1]]
    counted = {r[0].value: r[header.index("instances")].value for r in rules.iter_rows(min_row=2)}
    assert counted == dict(con.execute("SELECT rule, count(*) FROM checks.results GROUP BY 1").fetchall())
