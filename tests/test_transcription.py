"""Every stored cell equals the report as printed, in order, with nothing lost or added."""

import csv

import pytest

from dagster_project.extract import body_lines


def _stored_stream(table) -> str:
    with table.data_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    first = 2 if header[:2] == ["row", "code"] else 1
    printed = {r.label: r.printed for r in table.rows}
    parts = []
    for raw in body:
        parts.append(printed.get(raw[0], raw[0]))
        parts.extend(cell for cell in raw[first:] if cell != "")
    return " ".join(" ".join(parts).split())


def test_every_table_matches_the_report_text(tables, report_lines):
    mismatches = []
    for table in tables:
        if not table.available:
            continue
        expected = " ".join(body_lines(table, report_lines))
        stored = _stored_stream(table)
        if stored != expected:
            at = next((i for i, (a, b) in enumerate(zip(stored, expected)) if a != b), min(len(stored), len(expected)))
            mismatches.append(f"{table.id}: stored …{stored[max(0, at - 40):at + 40]!r}… "
                              f"report …{expected[max(0, at - 40):at + 40]!r}…")
    assert not mismatches, "\n".join(mismatches)


def test_a_changed_figure_is_caught(tables, report_lines, tmp_path):
    """The comparison is not vacuous: one digit changed in a copy fails it."""
    table = next(t for t in tables if t.id == "B06")
    text = table.data_path.read_text(encoding="utf-8").replace("6 082", "6 083")
    copy = tmp_path / "B06.csv"
    copy.write_text(text, encoding="utf-8")
    fake = type("T", (), {"data_path": copy, "rows": table.rows})()
    assert _stored_stream(fake) != " ".join(body_lines(table, report_lines))


@pytest.mark.parametrize("table_id, row, column, printed", [
    ("B06", "Arr. Diksmuide", "2014", "6 082"),      # printed as is, though it breaks the series
    ("B06", "WEST-VLAANDEREN", "2019", "34 480"),
    ("B11", "BELGIË", "2019", "9 602"),
])
def test_known_cells(tables, table_id, row, column, printed):
    table = next(t for t in tables if t.id == table_id)
    with table.data_path.open(newline="", encoding="utf-8") as fh:
        found = {r["row"]: r for r in csv.DictReader(fh)}
    assert found[row][column] == printed


def test_extraction_reproduces_the_committed_files(report_lines, sources_copy, tmp_path):
    """`ladder extract` over the report rebuilds every CSV and the resolution log byte for byte."""
    from conftest import SOURCES
    from dagster_project.extract import run

    report = tmp_path / "report.txt"
    report.write_text("\n".join(report_lines) + "\n", encoding="utf-8")
    for csv_file in (sources_copy / "data").glob("*.csv"):
        csv_file.unlink()
    results = run(report, sources_copy)
    assert len(results) == 41
    for name in sorted(p.name for p in (SOURCES / "data").glob("*.csv")):
        assert (sources_copy / "data" / name).read_bytes() == (SOURCES / "data" / name).read_bytes(), name
    log = (sources_copy / "resolution_log.csv").read_text(encoding="utf-8")
    assert log == (SOURCES / "resolution_log.csv").read_text(encoding="utf-8")
    assert log.count("\n") > 300  # every choice the text did not settle is logged


def test_every_cited_break_line_is_in_the_report(tables, report_lines):
    """A trend break that cites its report line cites a printed line (Tabel 16's phase-out: line 5257)."""
    cited = [(t.id, b.kind, b.line) for t in tables for b in t.trend_breaks if b.line is not None]
    assert all(1 <= line <= len(report_lines) and report_lines[line - 1].strip() for _, _, line in cited)
    assert [line for t, kind, line in cited if (t, kind) == ("B16", "measure phasing out")] == [5257]
    assert "uitdovend" in report_lines[5257 - 1]
