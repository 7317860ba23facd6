"""The auditor's CLI on the real report: `ladder find` for a quoted figure, `ladder trace` from the body text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dagster_project.cli import main
from dagster_project.find import readings


def _cli(warehouse, *args):
    result = CliRunner().invoke(main, [*args, "--warehouse", str(warehouse)])
    return result


@pytest.mark.parametrize("quoted, values", [("63.552", [63.552, 63552.0]), ("63 552", [63552.0]),
                                            ("20,6%", [20.6]), ("-3,5", [-3.5]), ("1.318", [1.318, 1318.0])])
def test_a_quoted_number_is_read_every_way_it_may_be_printed(quoted, values):
    assert readings(quoted) == values


@pytest.mark.parametrize("quoted", ["63.552", "63 552", "63552"])
def test_find_lists_the_cells_and_the_text_figures_printed_as_quoted(built_warehouse, quoted):
    result = _cli(built_warehouse[0], "find", quoted, "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    cells = {f["where"] for f in found if f["found"] == "cell"}
    assert cells == {"B39 | TEWERKSTELLING EN ARBEIDSMATIGE PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN | "
                     "West-Vlaanderen | 2019",
                     "B40 | TEWERKSTELLING EN PARTICIPATIE VAN PERSONEN UIT DE KANSENGROEPEN | West-Vlaanderen"}
    lines = {f["report_line"] for f in found if f["found"] == "text"}
    assert {"33", "707", "729"} <= lines


def test_find_by_report_line_and_by_label(built_warehouse):
    at_line = json.loads(_cli(built_warehouse[0], "find", "line 6400", "--json").output)
    assert [f["where"] for f in at_line] == ["B39"]
    by_label = json.loads(_cli(built_warehouse[0], "find", "arbeidszorg (buiten ama)", "--json").output)
    assert {f["where"].split(" | ")[0] for f in by_label if f["found"] == "cell"} >= {"B39"}


def test_trace_takes_totaal_and_the_printed_code_and_orders_children_by_letter(built_warehouse):
    by_word = json.loads(_cli(built_warehouse[0], "trace", "Tabel 39", "totaal", "West-Vlaanderen 2019", "--json").output)
    by_code = json.loads(_cli(built_warehouse[0], "trace", "Tabel 39", "trede 3 + trede 4 + trede 5",
                              "West-Vlaanderen 2019", "--json").output)
    assert by_word["row"] == by_code["row"] == "TEWERKSTELLING EN ARBEIDSMATIGE PARTICIPATIE VAN PERSONEN UIT DE " \
                                               "KANSENGROEPEN"
    assert by_word["printed"] == "63 552" and by_word["report_lines"] == "6359-6473"
    assert [c["code"] for c in by_word["children"]] == ["trede 3", "trede 4", "trede 5"]
    trede5 = by_word["children"][2]
    letters = [c["code"] for c in trede5["children"] if c["code"]]
    assert letters == sorted(letters) and "h" in letters
    assert next(c for c in trede5["children"] if c["code"] == "h")["coefficient"] == pytest.approx(0.4)


def test_trace_folds_trend_breaks_and_cuts_at_depth(built_warehouse):
    folded = _cli(built_warehouse[0], "trace", "Tabel 39", "totaal", "West-Vlaanderen 2019", "--depth", "1")
    assert folded.exit_code == 0, folded.output
    assert "source cell(s) below (--depth shows more)" in folded.output
    assert len(folded.output.splitlines()) < 30
    full = _cli(built_warehouse[0], "trace", "Tabel 39", "totaal", "West-Vlaanderen 2019", "--breaks")
    assert "trend break 2018" in full.output and "--breaks shows them" not in full.output
    assert "--breaks shows them" in _cli(built_warehouse[0], "trace", "Tabel 39", "totaal",
                                         "West-Vlaanderen 2019").output


def test_body_tabel_2_is_traced_through_its_recomputation(built_warehouse):
    result = _cli(built_warehouse[0], "trace", "body Tabel 2", "totaal", "West-Vlaanderen | 2019", "--depth", "1")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("body_tabel2 · TEWERKSTELLING")


def test_a_narrative_figure_is_traced_to_its_claim_and_cells(built_warehouse):
    result = _cli(built_warehouse[0], "trace", "narrative", "line 602", "175.504", "--depth", "1")
    assert result.exit_code == 0, result.output
    assert "contradicts (claim)" in result.output and "expected 174 504" in result.output
    assert "RSZ-korting 54-plus · Vlaams Gewest | 2019 = 174 504" in result.output
    wrong = _cli(built_warehouse[0], "trace", "narrative", "line 602", "12")
    assert wrong.exit_code == 2 and "line 602 prints 54,7%, 175.504" in wrong.output


def test_an_unknown_row_gets_suggestions(built_warehouse):
    result = _cli(built_warehouse[0], "trace", "Tabel 40", "trede vijf", "West-Vlaanderen")
    assert result.exit_code == 2
    assert "did you mean" in result.output and "TREDE 5" in result.output


def test_report_and_export_write_the_site_and_the_workbook(built_warehouse, tmp_path):
    site = _cli(built_warehouse[0], "report", "--out", str(tmp_path / "site"))
    assert site.exit_code == 0, site.output
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "63 552" in html and "<script src=" not in html
    book = _cli(built_warehouse[0], "export", "--xlsx", str(tmp_path / "audit.xlsx"))
    assert book.exit_code == 0, book.output
    assert (tmp_path / "audit.xlsx").stat().st_size > 10_000
