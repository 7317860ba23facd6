"""The real sources materialise into DuckDB with every schema check passing."""

import json
from pathlib import Path

import dagster as dg
from click.testing import CliRunner

from dagster_project.cli import main
from dagster_project.reference import Reference
from dagster_project.cells import table_cells
from dagster_project.schemas import validate, validate_tables
from conftest import SOURCES, materialise, query


def test_catalogue_has_all_42_tables(tables):
    ids = [t.id for t in tables]
    assert ids == [f"B{n:02d}" for n in range(1, 41)] + ["T01", "T02"]
    for t in tables:
        assert t.bron and t.title and t.unit and t.period, t.id


def test_every_asset_and_error_check_succeeds(built_warehouse):
    _, result = built_warehouse
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    schema = [e for e in evaluations if e.check_name == "pandera_schema"]
    assert len(schema) == 42 and all(e.passed for e in schema)
    errors = [(e.asset_key.path, e.check_name) for e in evaluations
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert not errors
    # Only the time-series plausibility warnings (and the GX gate that mirrors them) may fail.
    assert {e.check_name for e in evaluations if not e.passed} == {"rules_series", "gx_rule_results_warn"}
    families = {e.check_name for e in evaluations if e.asset_key.path == ["quality", "rule_results"]}
    assert {"rules_geography", "rules_formulas", "rules_cross_table", "rules_narrative", "gx_rule_results_error"} <= families
    # the run's last asset is the audit site, put in place because the run passed
    site = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["report", "audit_site"]]
    page = Path(site[0].materialization.metadata["path"].value)
    assert page == (result.site / "index.html").resolve() and "default-src 'none'" in page.read_text()


def test_failing_error_check_blocks_downstream(sources_copy, tmp_path):
    """A blocking schema failure on a source: the table is not written and the rule results downstream
    of it do not run."""
    path = sources_copy / "data" / "B11.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Arr. Ieper,216,", "Arr. Ieper,-216,"), encoding="utf-8")
    result = materialise(tmp_path / "warehouse.duckdb", sources_copy)
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key.path, e.check_name) for e in failed] == [(["sources", "B11"], "pandera_schema")]
    materialised = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("sources", "B11") not in materialised and ("quality", "rule_results") not in materialised
    assert ("sources", "B10") in materialised


def test_warehouse_holds_sources_and_reference(built_warehouse):
    tables = {r[0] for r in query(built_warehouse[0], "SELECT table_name FROM information_schema.tables WHERE table_schema='src'")}
    gemeenten = query(built_warehouse[0], "SELECT count(*) FROM ref.geography WHERE level = 'gemeente'")[0][0]
    resoc = query(built_warehouse[0], "SELECT code FROM ref.geography WHERE aliases LIKE '%Resoc%'")[0][0]
    cell = query(built_warehouse[0], "SELECT printed, value, geo_code, year FROM src.B06 "
                                     "WHERE row_label = 'WEST-VLAANDEREN' AND column_label = '2019'")[0]
    nb = query(built_warehouse[0], "SELECT count(*) FROM src.B01 WHERE printed = 'nb' AND marker = 'nb' AND value IS NULL")[0][0]
    assert len(tables) == 41  # T02's figures are not in the report text
    assert gemeenten == 64 and resoc == "REG-ZWV"
    assert cell == ("34 480", 34480.0, "30000", 2019)
    assert nb == 5  # Lo-Reninge, Mesen, Vleteren, Spiere-Helkijn, Ruiselede 2017: kept as nb, never 0


def test_ladder_sources_json_lists_cell_counts(built_warehouse):
    result = CliRunner().invoke(main, ["sources", "--json", "--warehouse", str(built_warehouse[0])])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert len(rows) == 42
    assert rows["B06"]["cells"] == 16 * 6 and rows["B06"]["bron"] == ["RSZ"]
    assert rows["T02"]["available_in_text"] is False and rows["T02"]["cells"] is None


def test_schema_check_names_the_failing_cell():
    ref = Reference(SOURCES)
    from dagster_project.catalogue import load_table
    table = load_table(SOURCES / "catalogue" / "B11.yaml")
    cells = table_cells(table, ref)
    at = cells.index[(cells.row_label == "Arr. Ieper") & (cells.column_label == "2017")][0]
    cells.loc[at, "value"] = -209.0
    failures = validate(table, cells, ref.geo_codes)
    assert failures[["table", "row", "column_label"]].values.tolist() == [["Tabel 11", "Arr. Ieper", "2017"]]
    assert failures["check"].iloc[0] == "a count is negative"


def test_schema_check_names_an_impossible_share():
    ref = Reference(SOURCES)
    from dagster_project.catalogue import load_table
    table = load_table(SOURCES / "catalogue" / "B06.yaml")
    cells = table_cells(table, ref)
    at = cells.index[(cells.row_label == "Aandeel West-Vlaanderen in Vlaams Gewest") & (cells.column_label == "2019")][0]
    cells.loc[at, ["printed", "value"]] = ["150,0%", 150.0]
    failures = validate(table, cells, ref.geo_codes)
    assert failures[["row", "column_label", "value", "check"]].values.tolist() == [
        ["Aandeel West-Vlaanderen in Vlaams Gewest", "2019", "150,0%", "a share or percentage lies outside [0, 100]"]]


def test_tables_checked_together_keep_their_own_failures():
    """One pandera call for many tables: each table gets its own failures only, the year check names its
    own coverage, and a whole-row check names no field."""
    from dagster_project.catalogue import load_table
    ref = Reference(SOURCES)
    tables = [load_table(SOURCES / "catalogue" / f"{t}.yaml") for t in ("B06", "B11", "B31", "B39")]
    cells = {t.id: table_cells(t, ref) for t in tables}
    b11, b31 = cells["B11"], cells["B31"]
    b11.loc[b11.index[3], "value"] = -5.0
    b31.loc[b31.index[2], "year"] = 1999
    failures = validate_tables([(t, cells[t.id]) for t in tables], ref.geo_codes)
    assert {k: len(v) for k, v in failures.items()} == {"B06": 0, "B11": 1, "B31": 1, "B39": 0}
    assert failures["B11"][["table", "row", "check", "field"]].values.tolist() == [
        ["Tabel 11", b11.row_label.iloc[3], "a count is negative", ""]]
    years = list(tables[2].years)
    assert failures["B31"][["row", "column_label", "check", "field"]].values.tolist() == [
        [b31.row_label.iloc[2], b31.column_label.iloc[2], f"year outside the table's coverage {years}", "year"]]
    # the same as each table checked alone
    for t in tables:
        assert failures[t.id].equals(validate(t, cells[t.id], ref.geo_codes))


def test_the_graph_reads_as_the_report_does():
    import dagster as dg

    from dagster_project.definitions import build_defs

    defs = build_defs()
    graph = defs.resolve_asset_graph()
    group = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    # sources by rung of the ladder (the measures they count), context and headline tables apart
    assert (group["sources/B06"], group["sources/B25"], group["sources/B38"]) == (
        "sources_trede_5", "sources_trede_4", "sources_trede_3")
    assert (group["sources/B02"], group["sources/B39"]) == ("sources_context", "sources_headline")
    # lineage starts at the report text, through each transcription CSV
    assert graph.get(dg.AssetKey(["sources", "B06"])).parent_keys >= {dg.AssetKey(["inputs", "B06_csv"])}
    assert graph.get(dg.AssetKey(["inputs", "B06_csv"])).parent_keys == {dg.AssetKey(["inputs", "report_text"])}
    assert {j.name for j in defs.jobs} == {"sources", "quality", "derived", "report"}
    # the audit site sits after the rule results and every derived table
    assert graph.get(dg.AssetKey(["report", "audit_site"])).parent_keys >= {
        dg.AssetKey(["quality", "rule_results"]), dg.AssetKey(["derived", "tabel39"])}
