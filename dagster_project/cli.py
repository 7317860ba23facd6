"""`ladder`: the project's command line (sources, extract, run, validate, trace, lineage)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from .catalogue import load_catalogue
from .paths import checks_dir, sources_dir
from .warehouse import WarehouseBusy, connect, default_path
from .yamlfile import SourceError

REPORT_ENV = "LADDER_REPORT"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Data quality and lineage for POM West-Vlaanderen's kansengroepen inventory (2014-2019).

    The warehouse is a DuckDB file: $LADDER_WAREHOUSE or ./warehouse.duckdb.
    """


def _warehouse_counts(path: Path) -> dict[str, tuple[int, int]]:
    """table id -> (cells, cells holding a figure), from the warehouse when it exists."""
    if not path.exists():
        return {}
    with connect(path, read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'src'").fetchall()]
        return {t: con.execute(f'SELECT count(*) FILTER (WHERE printed <> \'\'), count(value) FROM src."{t}"')
                .fetchone() for t in tables}


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Emit a JSON list for machines.")
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB file (default $LADDER_WAREHOUSE or warehouse.duckdb).")
def sources(as_json: bool, warehouse: Path | None) -> None:
    """List every source table: id, title, Bron, years and printed-cell count (from the warehouse)."""
    try:
        tables = load_catalogue(sources_dir())
        counts = _warehouse_counts(warehouse or default_path())
    except (SourceError, WarehouseBusy) as exc:
        _fail(str(exc))
    rows = []
    for t in tables:
        printed, figures = counts.get(t.id, (None, None))
        rows.append({
            "id": t.id, "table": t.table, "part": t.part, "title": t.title, "bron": list(t.bron),
            "years": [min(t.years), max(t.years)] if t.years else [], "unit": t.unit,
            "available_in_text": t.available, "cells": printed, "figures": figures,
            "trend_breaks": len(t.trend_breaks),
        })
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not counts:
        click.echo("(warehouse not built yet: run `make run` for cell counts)", err=True)
    click.echo(f"{'id':4} {'table':9} {'years':9} {'cells':>6}  {'bron':28} title")
    for r in rows:
        years = "-".join(str(y) for y in r["years"])
        cells = "n/a" if not r["available_in_text"] else ("" if r["cells"] is None else r["cells"])
        click.echo(f"{r['id']:4} {r['table']:9} {years:9} {cells!s:>6}  {', '.join(r['bron'])[:28]:28} {r['title'][:70]}")
    click.echo(f"{len(rows)} tables, {sum(r['cells'] or 0 for r in rows)} printed cells")


@main.command()
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=lambda: os.environ.get(REPORT_ENV), required=False)
@click.option("--only", multiple=True, help="Table id(s) to re-extract (repeatable); the log is not rewritten.")
def extract(report: Path | None, only: tuple[str, ...]) -> None:
    """Re-transcribe the tables from the report text into sources/data/*.csv and the resolution log.

    REPORT defaults to $LADDER_REPORT.
    """
    from .extract import run

    if report is None:
        _fail(f"give the report text file or set ${REPORT_ENV}")
    try:
        results = run(Path(report), sources_dir(), set(only) or None)
    except SourceError as exc:
        _fail(str(exc))
    for ex in results:
        click.echo(f"{ex.table.id:4} {len(ex.rows):3} rows {len(ex.log):3} resolutions -> {ex.table.data_path}")


@main.command()
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB file (default $LADDER_WAREHOUSE or warehouse.duckdb).")
def run(warehouse: Path | None) -> None:
    """Materialise every asset and check into the warehouse and print a summary.

    Uses the Dagster instance in $DAGSTER_HOME when set (so the UI shows the run), else a
    throwaway one. Exits 1 when an asset or an ERROR check fails (WARN checks are reported only).
    """
    import dagster as dg

    from .definitions import build_defs

    started = time.perf_counter()
    try:
        defs = build_defs(warehouse=warehouse or default_path())
    except SourceError as exc:
        _fail(str(exc))
    from .progress import progress_logger

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    steps = len(defs.resolve_implicit_global_asset_job_def().graph.node_defs)
    defs = dg.Definitions.merge(defs, dg.Definitions(loggers={"progress": progress_logger(steps)}))
    job = defs.resolve_implicit_global_asset_job_def()
    click.echo(f"materialising {len(job.asset_layer.executable_asset_keys)} assets into {warehouse or default_path()} ...")
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config={"loggers": {"progress": {}}})
    materialised = [e for e in result.get_asset_materialization_events()]
    checks = result.get_asset_check_evaluations()
    failed_checks = [c for c in checks if not c.passed]
    click.echo(f"assets materialised: {len(materialised)}; checks: {len(checks)} run, {len(failed_checks)} failed")
    for c in failed_checks:
        word = "FAILED" if c.severity == dg.AssetCheckSeverity.ERROR else "warning"
        click.echo(f"  {word} check {'/'.join(c.asset_key.path)}:{c.check_name} ({c.severity.value})")
    for e in result.all_events:
        if e.event_type_value == "STEP_FAILURE":
            error = e.event_specific_data.error
            while error.cause is not None:  # the user error sits under Dagster's wrapper
                error = error.cause
            click.echo(f"  FAILED step {e.step_key}: {error.message.strip()}")
    click.echo(f"wall time {time.perf_counter() - started:.1f} s")
    errors = [c for c in failed_checks if c.severity == dg.AssetCheckSeverity.ERROR]
    sys.exit(0 if result.success and not errors else 1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Emit the findings as a JSON list.")
@click.option("--coverage", "show_coverage", is_flag=True, help="List printed cells that no rule touches.")
@click.option("--all", "show_all", is_flag=True, help="Also list waived findings in full.")
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB file (default $LADDER_WAREHOUSE or warehouse.duckdb).")
def validate(as_json: bool, show_coverage: bool, show_all: bool, warehouse: Path | None) -> None:
    """Run every consistency rule (checks/rules/*.yaml) on the warehouse.

    Prints counts per rule family and every failure with its cell address, imbalance, tolerance and
    the most likely wrong cell. Results are stored in checks.results / checks.result_cells.
    Exit code 1 on any unwaived error or stale waiver, 0 otherwise.
    """
    from .rules.validate import coverage, findings, unwaived_errors, validate as run_validation

    path = warehouse or default_path()
    if not path.exists():
        _fail(f"warehouse {path} does not exist: run `make run` (or `ladder run`) first")
    started = time.perf_counter()
    try:
        with connect(path) as con:
            outcome = run_validation(con, sources_dir(), checks_dir())
            uncovered = coverage(con) if show_coverage else None
    except (SourceError, WarehouseBusy, ValueError) as exc:
        _fail(str(exc))
    res = outcome.results
    errors = unwaived_errors(res)
    failed = bool(len(errors) or outcome.stale_waivers)
    if as_json:
        click.echo(json.dumps(findings(outcome), ensure_ascii=False, indent=2))
        sys.exit(1 if failed else 0)
    counts = res.pivot_table(index="family", columns="status", values="instance", aggfunc="count", fill_value=0)
    click.echo(counts.to_string())
    for severity in ("error", "warn"):
        shown = res[(res["status"] == "fail") & (res["severity"] == severity)]
        if len(shown):
            click.echo(f"\n{len(shown)} unwaived {severity} finding(s):")
        for r in shown.itertuples():
            click.echo(_finding_line(r))
    waived = res[(res["status"] == "waived") & res["waiver"].fillna("").str.len().gt(0)]
    click.echo(f"\n{len(waived)} waived finding(s) (checks/waivers.yaml, trend breaks){'' if show_all else '; --all lists them'}")
    if show_all:
        for r in waived.itertuples():
            click.echo(_finding_line(r) + f"\n      waived: {r.waiver}")
    for w in outcome.stale_waivers:
        click.echo(f"STALE waiver checks/waivers.yaml:{w.line}: {w.instance} matches no failing instance")
    if uncovered is not None:
        click.echo(f"\n{len(uncovered)} printed cell(s) no rule touches:")
        for table_id, group in uncovered.groupby("table_id", sort=True):
            click.echo(f"  {table_id}: {len(group)} cells, e.g. {group.iloc[0].row_label} | {group.iloc[0].column_label}")
    click.echo(f"\n{len(res)} rule instances, {len(errors)} unwaived error(s), "
               f"{len(outcome.stale_waivers)} stale waiver(s); {time.perf_counter() - started:.1f} s")
    sys.exit(1 if failed else 0)


def _finding_line(r) -> str:
    expected = "n/a" if r.rhs is None or r.rhs != r.rhs else f"{r.rhs:.6g}"
    suspect = f"{r.suspect_table} | {r.suspect_row} | {r.suspect_column}" if r.suspect_table else "?"
    hint = "" if r.suggestion is None or r.suggestion != r.suggestion else f" -> {r.suggestion:.6g}"
    return (f"  [{r.family}] {r.instance}\n      printed {r.printed} expected {expected} "
            f"(imbalance {r.imbalance:.4g}, tolerance {r.tolerance:.4g}); {r.detail}\n"
            f"      suspect: {suspect}{hint}{' (' + r.pattern + ')' if r.pattern else ''}")


@main.command()
@click.argument("table")
@click.argument("row")
@click.argument("column")
@click.option("--json", "as_json", is_flag=True, help="Emit the tree as JSON (nodes with table, row, column, "
              "value, coefficient, children).")
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB file (default $LADDER_WAREHOUSE or warehouse.duckdb).")
def trace(table: str, row: str, column: str, as_json: bool, warehouse: Path | None) -> None:
    """Trace one published figure down to the source cells behind it.

    \b
    Example:  ladder trace "Tabel 39" "TREDE 5" "West-Vlaanderen 2019"
    TABLE is an id (B39, T01, tabel39) or 'Tabel N' ('body Tabel 1' / 'bijlage Tabel 1' where both
    exist); ROW and COLUMN are matched forgivingly, with candidates listed when ambiguous. The tree
    shows values, coefficients (0.4 for SINE), formulas, Bron, notes, trend breaks, rule results and
    waivers on each source cell, and published minus recomputed.
    """
    from .trace import TraceError, Tracer, render

    path = warehouse or default_path()
    if not path.exists():
        _fail(f"warehouse {path} does not exist: run `make run` first")
    try:
        with connect(path, read_only=True) as con:
            tree = Tracer(con).trace(table, row, column)
    except (TraceError, WarehouseBusy) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(tree, ensure_ascii=False, indent=2, default=_jsonable))
        return
    click.echo("\n".join(render(tree)))
    click.echo(f"({tree['source_cells']} source cell(s))")


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if value != value:  # NaN
        return None
    return str(value)


@main.command()
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB file (default $LADDER_WAREHOUSE or warehouse.duckdb).")
def lineage(warehouse: Path | None) -> None:
    """Print the derived tables' column lineage as OpenLineage ColumnLineageDatasetFacets (JSON)."""
    from .openlineage_export import facets

    path = warehouse or default_path()
    if not path.exists():
        _fail(f"warehouse {path} does not exist: run `make run` first")
    try:
        with connect(path, read_only=True) as con:
            click.echo(json.dumps(facets(con), ensure_ascii=False, indent=2))
    except WarehouseBusy as exc:
        _fail(str(exc))


if __name__ == "__main__":
    main()
