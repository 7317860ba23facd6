"""The body-text scan: every figure extracted with its line, linked to its table quantity, classified."""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.narrative.figures import FIELDS
from dagster_project.narrative.scan import body_figures, classify, figures_path, load_figures

from conftest import SOURCES


def test_committed_figures_are_a_fresh_extraction(report_lines, tables):
    fresh = body_figures(report_lines, tables)
    committed = load_figures(SOURCES)
    assert len(fresh) == len(committed) >= 450
    assert [f["id"] for f in fresh] == committed.id.tolist()
    assert [f["figure"] for f in fresh] == committed.figure.tolist()


def test_figures_keep_line_footnote_and_kind():
    figs = load_figures(SOURCES).set_index("id")
    assert tuple(figs.loc["L211.1", ["line", "figure", "kind"]]) == (211, "26.518", "count")
    # '45.80220' is 45.802 with footnote 20 glued to it
    assert tuple(figs.loc["L539.1", ["figure", "footnote"]]) == ("45.802", "20")
    assert figs.loc["L752.1", "kind"] == "signed_count" and figs.loc["L189.1", "kind"] == "point"
    assert not figs.figure.str.contains("2019").any()  # years are no figures
    # the source the text gives: a footnote's organisation, or the Bron under the chart it refers to
    assert "Vlaamse arbeidsrekening" in figs.loc["L120.1", "source"]
    assert figs.loc["L211.1", "source"].startswith("VDAB")


def test_sources_follow_the_text_structure():
    figs = load_figures(SOURCES).set_index("id")
    # a footnote whose text goes on after a page break keeps its Bron ('32 Bron: Eurostat. ...')
    assert figs.loc["L953.1", ["figure", "source"]].tolist() == ["80,6%", "Eurostat"]
    # a measure's parameters come from its 'Regelgevend kader' (the IMW concept note, line 1358)
    assert figs.loc["L1410.1", "source"].startswith("Regelgevend kader: Conceptnota")
    # a labelled part ('Cijfers over doorstroom | Uit het jaarrapport ... van het Departement WSE') holds
    # for the bullets after it
    assert "Departement WSE" in figs.loc["L1635.1", "source"]
    # the sentence is the one the figure stands in, not the one its line starts with
    assert figs.loc["L1565.1", "sentence"].startswith("De voorwaarde tot 90% invulling")
    # a bullet dash before a date is no signed figure
    assert not ((figs.line == 1993) & (figs.figure == "-1")).any()


def _classify(warehouse, sources=SOURCES, tables=None):
    from dagster_project.catalogue import load_catalogue

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return classify(con, sources, tables or load_catalogue(SOURCES)).set_index("id")


def test_real_figures_are_linked_to_their_cells(built_warehouse):
    linked = _classify(built_warehouse[0])
    r = linked.loc["L264.1"]  # 'werkzoekenden die twee jaar of langer werkloos zijn (7.464 nwwz)'
    # appendix Tabel 2 and body Tabel 1 print the same series; either is the figure's cell
    assert (r.cls, r.row_label, r.column_label) == (
        "confirmed", "Langdurige werklozen (>= 2 jaar)", "West-Vlaanderen | 2019") and r.table_id in {"B02", "T01"}
    r = linked.loc["L970.1"]  # '+6,9%' invaliden loontrekkenden 2018-2019: an evolution of Tabel 3
    assert (r.cls, r.how, r.table_id) == ("confirmed", "evolution", "B03")
    assert linked.loc["L211.1", "how"] == "claim" and linked.loc["L211.1", "cls"] == "confirmed"
    # the waived curated claim (Tabel 6 prints 175.505 for the Vlaams Gewest 2019): the text contradicts it
    assert linked.loc["L602.2", "cls"] == "contradicts"
    assert linked.loc["L945.1", "table_id"] == "B03"
    # 'hun aantal' points back to the sentence before (langdurig werklozen of five years or more)
    assert linked.loc["L302.1", ["cls", "row_label"]].tolist() == ["confirmed", "Langdurige werklozen (>= 5 jaar)"]
    # dienstencheques are in no table: 20,1% is no RSZ share of Tabel 6 by chance, but external
    assert linked.loc["L469.1", "cls"] == "external"
    # the goal: nine in ten of the body's figures confirmed, contradicted or external
    assert (linked.cls != "unresolved").mean() >= 0.9
    assert set(linked.cls) <= {"confirmed", "contradicts", "external", "unresolved"}


def test_a_mistyped_figure_contradicts_its_cell(built_warehouse, sources_copy):
    path = figures_path(sources_copy)
    text = path.read_text(encoding="utf-8")
    assert ",7.464,count,7464," in text
    path.write_text(text.replace(",7.464,count,7464,", ",7.446,count,7446,"), encoding="utf-8")
    r = _classify(built_warehouse[0], sources_copy).loc["L264.1"]
    # two digits swapped: the text now contradicts the cell its sentence points to
    assert (r.cls, r.how, r.row_label, r.quantity) == ("contradicts", "near-miss", "Langdurige werklozen (>= 2 jaar)",
                                                       7464)


def test_a_malformed_figures_file_is_named(sources_copy):
    import pytest

    from dagster_project.files import SourceError

    path = figures_path(sources_copy)
    path.write_text(",".join(FIELDS[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match="figures.csv:1: header must be"):
        load_figures(sources_copy)


def test_a_figure_that_is_no_number_names_its_line(sources_copy):
    import pytest

    from dagster_project.files import SourceError

    path = figures_path(sources_copy)
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[6].split(",")
    fields[1] = "abc"
    lines[6] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"figures.csv:7: line, value and rounding must be numbers, not 'abc'"):
        load_figures(sources_copy)


def test_validate_fails_on_a_mistyped_figure_of_the_text(warehouse_copy, sources_copy, monkeypatch):
    import json

    from click.testing import CliRunner

    from dagster_project.cli import main

    path = figures_path(sources_copy)
    path.write_text(path.read_text(encoding="utf-8").replace(",7.464,count,7464,", ",7.446,count,7446,"),
                    encoding="utf-8")
    monkeypatch.setenv("LADDER_SOURCES", str(sources_copy))
    result = CliRunner().invoke(main, ["validate", "--json", "--warehouse", str(warehouse_copy)])
    report = json.loads(result.output)
    failed = [f for f in report["findings"] if f["status"] == "fail" and f["severity"] == "error"]
    # the text is the checked cell; every table figure still holds
    assert result.exit_code == 1 and [f["instance"] for f in failed] == ["narrative.scan: narrative | line 264 | L264.1"]
    assert (failed[0]["printed"], failed[0]["expected"]) == ("7.446", 7464.0)


def test_the_scan_checks_linked_figures_as_rule_instances(built_warehouse):
    from conftest import query

    rows = query(built_warehouse[0], """
        SELECT column_label, status, rhs FROM checks.results WHERE rule = 'narrative.scan' ORDER BY column_label""")
    passed = {label: rhs for label, status, rhs in rows if status == "pass"}
    assert len(passed) >= 40 and all(status == "pass" for _, status, _ in rows)
    assert passed["L970.1"] == pytest.approx(6.9, abs=0.05)  # '+6,9%' invaliden loontrekkenden 2018-2019 (Tabel 3)
