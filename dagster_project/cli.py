"""`ladder`: the project's command line (sources, extract, run, validate, waivers, trace, find, report,
export, lineage, narrative, ui).

Every command checks the declarative files first. Exit codes: 0 all checked and consistent; 1 a check
failed (an unwaived error, a stale or changed waiver, a failed step); 2 the command could not do its
work (a malformed file, a busy or unusable warehouse): one line, never a traceback.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

# A command is a short process that allocates much and frees little before it exits (pandas, YAML, pydantic
# models, rule results, Dagster events). At Python's default thresholds `ladder validate` collects 299 times
# (0.11-0.14 s of collector time, much of it over older generations of a heap that only grows); with these, 4
# times (0.035 s). Set before the heavy imports below, which allocate most; cycles are still collected.
gc.set_threshold(100_000, 50, 50)

import click  # noqa: E402

from .files import SourceError  # noqa: E402
from .paths import ROOT, dagster_home, report_text, site_dir, sources_dir  # noqa: E402
from .warehouse import (DEFAULT_WAIT, WarehouseError, connect, default_path, fingerprint, publishing,  # noqa: E402
                        require_tables)

REPORT_ENV = "LADDER_REPORT"
SHOWN_CELLS = 10


def out(text: str = "") -> None:
    """Print to stdout; once the reader has gone (`ladder … | head`), drop the rest quietly so the exit
    code still says what the command found."""
    try:
        click.echo(text)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def one_line_errors(command):
    """A malformed file or an unusable warehouse ends the command with one line and exit 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (SourceError, WarehouseError) as exc:
            _fail(str(exc))
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    return wrapper


WAREHOUSE = click.option("--warehouse", type=click.Path(path_type=Path), default=None,
                         help="DuckDB file (default $LADDER_WAREHOUSE or warehouse.duckdb).")
WAIT = click.option("--wait", type=click.FloatRange(min=0), default=DEFAULT_WAIT, show_default=True,
                    metavar="SECONDS", help="How long to wait for a busy warehouse before giving up.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Data quality and lineage for POM West-Vlaanderen's kansengroepen inventory (2014-2019).

    The warehouse is a DuckDB file: $LADDER_WAREHOUSE or ./warehouse.duckdb. Exit codes: 0 every figure
    checked and consistent, 1 a check failed, 2 bad input or an unusable warehouse.
    """


def _warehouse_counts(path: Path, wait: float) -> dict[str, tuple[int, int]]:
    """table id -> (cells, cells holding a figure), from the warehouse when it exists."""
    if not path.exists():
        return {}
    with connect(path, read_only=True, wait=wait) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'src' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FILTER (WHERE printed <> \'\'), count(value) FROM src."{t}"')
                .fetchone() for t in tables}


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Emit a JSON list for machines.")
@WAREHOUSE
@WAIT
@one_line_errors
def sources(as_json: bool, warehouse: Path | None, wait: float) -> None:
    """List every source table: id, title, Bron, years and printed-cell count (from the warehouse)."""
    from .project import load_project

    tables = load_project().tables
    counts = _warehouse_counts(warehouse or default_path(), wait)
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
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not counts:
        click.echo("(warehouse not built yet: run `make run` for cell counts)", err=True)
    out(f"{'id':4} {'table':9} {'years':9} {'cells':>6}  {'bron':28} title")
    for r in rows:
        years = "-".join(str(y) for y in r["years"])
        cells = "n/a" if not r["available_in_text"] else ("" if r["cells"] is None else r["cells"])
        out(f"{r['id']:4} {r['table']:9} {years:9} {cells!s:>6}  {', '.join(r['bron'])[:28]:28} {r['title'][:70]}")
    out(f"{len(rows)} tables, {sum(r['cells'] or 0 for r in rows)} printed cells")


@main.command()
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=lambda: os.environ.get(REPORT_ENV), required=False)
@click.option("--only", multiple=True, help="Table id(s) to re-extract (repeatable); the log is not rewritten.")
@one_line_errors
def extract(report: Path | None, only: tuple[str, ...]) -> None:
    """Re-transcribe the tables from the report text into sources/data/*.csv and the resolution log.

    REPORT defaults to $LADDER_REPORT.
    """
    from .extract import run

    if report is None:
        _fail(f"give the report text file or set ${REPORT_ENV}")
    for ex in run(Path(report), sources_dir(), set(only) or None):
        out(f"{ex.table.id:4} {len(ex.rows):3} rows {len(ex.log):3} resolutions -> {ex.table.data_path}")
    if not only:
        from .catalogue import load_catalogue
        from .files import read_text
        from .narrative.figures import write
        from .narrative.scan import body_figures, figures_path

        found = body_figures(read_text(Path(report)).splitlines(), load_catalogue(sources_dir()))
        write(figures_path(sources_dir()), found)
        out(f"body text: {len(found)} figures -> {figures_path(sources_dir())}")


def _instance():
    """The Dagster instance in $DAGSTER_HOME, else in the project's .dagster_home: the one the UI shows
    (initialised once, under a lock)."""
    import dagster as dg
    from filelock import FileLock

    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        home.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(home / ".ladder-instance.lock"))
        with lock.acquire(timeout=120):
            if not (home / "dagster.yaml").exists():
                shutil.copyfile(ROOT / "dagster-instance.yaml", home / "dagster.yaml")
            instance = dg.DagsterInstance.get()
            instance.get_runs_count()  # creates or migrates the storage now, not in two processes at once
            return instance
    except OSError as exc:
        raise WarehouseError(f"DAGSTER_HOME {home} cannot be used: {exc.strerror or exc}") from None


def _root_error(event):
    error = event.event_specific_data.error
    while error.cause is not None:  # the user error sits under Dagster's wrapper
        error = error.cause
    return error


def _failed_cells(evaluation) -> list[str]:
    """The failing cells a check lists in its 'failures' / 'failing' table metadata."""
    for key in ("failures", "failing"):
        value = evaluation.metadata.get(key)
        records = getattr(value, "records", None)
        if records:
            lines = []
            for rec in records[:SHOWN_CELLS]:
                d = rec.data
                if "instance" in d:
                    lines.append(f"      {d['instance']}: printed {d['printed']}, expected {d['expected'] or 'n/a'}"
                                 f" (imbalance {d['imbalance']}, tolerance {d['tolerance']})"
                                 + (f"; suspect {d['suspect']}" if d.get("suspect") else "")
                                 + (f" -> {d['suggestion']}" if d.get("suggestion") else ""))
                else:
                    lines.append(f"      {d['table']} | {d['row']} | {d['column_label']} = {d['value']!r}: {d['check']}")
            more = len(records) - SHOWN_CELLS
            return lines + ([f"      … and {more} more (see the check in the Dagster UI)"] if more > 0 else [])
    return []


@main.command()
@WAREHOUSE
@WAIT
@one_line_errors
def run(warehouse: Path | None, wait: float) -> None:
    """Materialise every asset and check into the warehouse and print a summary.

    The run works on a staged copy and replaces the warehouse only when every step and every ERROR
    check passed; otherwise the warehouse is left as it was. One writer at a time: a second run waits
    (--wait). Records the run in the Dagster instance the UI shows ($DAGSTER_HOME, else the project's
    .dagster_home). Exits 1 when an asset or an ERROR check fails, 2 on a malformed file.
    """
    import dagster as dg

    from .definitions import build_defs
    from .progress import progress_logger
    from .run_instance import run_instance

    started = time.perf_counter()
    target = warehouse or default_path()
    defs = build_defs(warehouse=target, wait=wait)
    home = _instance()
    assets = len(defs.resolve_implicit_global_asset_job_def().asset_layer.executable_asset_keys)
    defs = dg.Definitions.merge(defs, dg.Definitions(loggers={"progress": progress_logger(assets)}))
    job = defs.resolve_implicit_global_asset_job_def()
    out(f"materialising {assets} assets into {target} ...")
    with run_instance(home) as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False,
                                        run_config={"loggers": {"progress": {}}})
    materialised = result.get_asset_materialization_events()
    checks = result.get_asset_check_evaluations()
    failed_checks = [c for c in checks if not c.passed]
    out(f"assets materialised: {len(materialised)}; checks: {len(checks)} run, {len(failed_checks)} failed")
    for c in failed_checks:
        word = "FAILED" if c.severity == dg.AssetCheckSeverity.ERROR else "warning"
        out(f"  {word} check {'/'.join(c.asset_key.path)}:{c.check_name} ({c.severity.value})")
        for line in _failed_cells(c) if c.severity == dg.AssetCheckSeverity.ERROR else []:
            out(line)
    file_errors: list[str] = []  # a malformed file or an unusable warehouse met inside the run: exit 2
    for e in result.all_events:
        if getattr(e.event_specific_data, "error", None) is None:
            continue
        error = _root_error(e)
        message = error.message.strip().splitlines()[0]
        if error.cls_name in ("SourceError", "WarehouseError", "WarehouseBusy"):
            message = re.sub(r"^[\w.]+: ", "", message)
            file_errors += [] if message in file_errors else [message]
        elif e.event_type_value == "STEP_FAILURE" and error.cls_name != "DagsterAssetCheckFailedError":
            out(f"  FAILED step {e.step_key}: {message}")
    errors = [c for c in failed_checks if c.severity == dg.AssetCheckSeverity.ERROR]
    passed = result.success and not errors and not file_errors
    if passed:
        with connect(target, read_only=True, wait=wait) as con:
            digest = _digest(fingerprint(con))
        out(f"warehouse {target} published (content fingerprint {digest})")
    else:
        failed_copy = target.with_name(f"{target.stem}.failed{target.suffix or '.duckdb'}")
        out(f"warehouse {target} left unchanged"
            + (f"; this run's tables are in {failed_copy}" if failed_copy.exists() else ""))
    out(f"wall time {time.perf_counter() - started:.1f} s")
    if file_errors:
        _fail(file_errors[0])
    sys.exit(0 if passed else 1)


def _digest(prints: dict[str, str]) -> str:
    import hashlib

    return hashlib.md5("\n".join(f"{k}={v}" for k, v in sorted(prints.items())).encode()).hexdigest()[:16]


@main.command()
@click.option("--json", "as_json", is_flag=True,
              help="Emit JSON: totals, findings grouped by suspect cell, every finding, waiver problems.")
@click.option("--coverage", "show_coverage", is_flag=True, help="List printed cells that no rule touches.")
@click.option("--all", "show_all", is_flag=True, help="Also list waived findings in full.")
@click.option("--fail-on", type=click.Choice(["error", "warn"]), default="error", show_default=True,
              help="Exit 1 on unwaived errors only, or on warnings too.")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write the results as JUnit XML (one test case per rule instance) for CI servers.")
@WAREHOUSE
@WAIT
@one_line_errors
def validate(as_json: bool, show_coverage: bool, show_all: bool, fail_on: str, junit: Path | None,
             warehouse: Path | None, wait: float) -> None:
    """Run every consistency rule (checks/rules/*.yaml) on the warehouse.

    Prints counts per rule family, the unwaived findings grouped by suspect cell (each with its failing
    equations, imbalance, tolerance and suggested value), waiver problems, and a final line
    `PASS n  WARN n  ERROR n  WAIVED n  SKIP n`. Results are stored in checks.results /
    checks.result_cells when no error is left; otherwise the warehouse is left as it was. Exit code 1 on
    an unwaived error (or warning, with --fail-on warn), a stale waiver or a waiver that no longer
    matches its finding; 2 on a malformed file; 0 otherwise.
    """
    from .project import load_project
    from .rules.validate import coverage, findings, validate as run_validation
    from .rules.verdict import final_line, groups, totals, write_junit
    from .rules.verdict import failed as verdict_failed

    path = warehouse or default_path()
    project = load_project()
    started = time.perf_counter()
    with connect(path, read_only=True, wait=wait) as con:
        require_tables(con, path, "ref.catalogue")
    with publishing(path, "ladder validate", wait) as staging:
        with connect(staging.path, wait=wait) as con:
            outcome = run_validation(con, project)
            uncovered = coverage(con) if show_coverage else None
        res = outcome.results
        counts = totals(res)
        waiver_problems = len(outcome.stale_waivers) + len(outcome.mismatched_waivers)
        staging.publish = not verdict_failed(counts, "error", waiver_problems)
    failed = verdict_failed(counts, fail_on, waiver_problems)
    if junit is not None:
        try:
            write_junit(res, junit, fail_on)
        except OSError as exc:
            _fail(f"{junit}: cannot write the JUnit report: {exc.strerror or exc}")
    if as_json:
        out(json.dumps({"totals": counts, "failed": failed, "groups": groups(res), "findings": findings(outcome)},
                       ensure_ascii=False, indent=2))
        sys.exit(1 if failed else 0)
    table = res.pivot_table(index="family", columns="status", values="instance", aggfunc="count", fill_value=0)
    out(table.to_string())
    found = groups(res)
    if found:
        n = sum(len(g["instances"]) for g in found)
        out(f"\n{n} unwaived finding(s) on {len(found)} suspect cell(s):")
    for g in found:
        hint = f" -> {' or '.join(f'{v:.6g}' for v in g['suggestions'])}" if g["suggestions"] else ""
        patterns = f" ({'; '.join(g['patterns'])})" if g["patterns"] else ""
        out(f"  {g['severity'].upper():5} {g['suspect']}{hint}{patterns}: {len(g['instances'])} failing equation(s)")
        for i in g["instances"]:
            expected = "n/a" if i["expected"] is None else f"{i['expected']:.6g}"
            out(f"      [{i['family']}] {i['instance']}\n          printed {i['printed']} expected {expected} "
                f"(imbalance {i['imbalance']:.4g}, tolerance {i['tolerance']:.4g}); {i['detail']}")
    waived = res[(res["status"] == "waived") & res["waiver"].fillna("").str.len().gt(0)]
    out(f"\n{len(waived)} waived finding(s) (checks/waivers.yaml, trend breaks){'' if show_all else '; --all lists them'}")
    if show_all:
        for r in waived.itertuples():
            out(_finding_line(r) + f"\n      waived: {r.waiver}")
    waivers = project.checks / "waivers.yaml"
    for w in outcome.stale_waivers:
        out(f"STALE waiver {waivers}:{w.line}: {w.instance} matches no failing instance")
    for w, why in outcome.mismatched_waivers:
        out(f"CHANGED waiver {waivers}:{w.line}: no longer matches {w.instance}: {why}")
    if uncovered is not None:
        out(f"\n{len(uncovered)} printed cell(s) no rule touches:")
        for table_id, group in uncovered.groupby("table_id", sort=True):
            out(f"  {table_id}: {len(group)} cells, e.g. {group.iloc[0].row_label} | {group.iloc[0].column_label}")
    out(f"\n{len(res)} rule instances, {len(outcome.stale_waivers)} stale and {len(outcome.mismatched_waivers)} "
        f"changed waiver(s); {time.perf_counter() - started:.1f} s"
        + ("" if staging.publish else f"; warehouse {path} left unchanged"))
    out(final_line(counts))
    sys.exit(1 if failed else 0)


def _finding_line(r) -> str:
    expected = "n/a" if r.rhs is None or r.rhs != r.rhs else f"{r.rhs:.6g}"
    suspect = f"{r.suspect_table} | {r.suspect_row} | {r.suspect_column}" if r.suspect_table else "?"
    hint = "" if r.suggestion is None or r.suggestion != r.suggestion else f" -> {r.suggestion:.6g}"
    return (f"  [{r.family}] {r.instance}\n      printed {r.printed} expected {expected} "
            f"(imbalance {r.imbalance:.4g}, tolerance {r.tolerance:.4g}); {r.detail}\n"
            f"      suspect: {suspect}{hint}{' (' + r.pattern + ')' if r.pattern else ''}")


@main.group()
def waivers() -> None:
    """Accepted findings (checks/waivers.yaml), each pinned to the figures it accepted."""


@waivers.command("pin")
@click.option("--all", "every", is_flag=True, help="Re-pin waivers that are pinned already (review the diff).")
@WAREHOUSE
@WAIT
@one_line_errors
def waivers_pin(every: bool, warehouse: Path | None, wait: float) -> None:
    """Record, for every waiver that has none yet, the printed value, expected value, imbalance and cell
    digest of its failing finding (run after adding a waiver by hand; review the diff)."""
    from .project import load_project
    from .rules.pins import pin_waivers

    path = warehouse or default_path()
    project = load_project()
    with connect(path, read_only=True, wait=wait) as con:  # pinning reads the figures, never writes them
        require_tables(con, path, "ref.catalogue")
        pinned, unmatched = pin_waivers(con, project, every)
    for w in unmatched:
        out(f"not pinned {project.checks / 'waivers.yaml'}:{w.line}: {w.instance} matches no failing instance")
    out(f"{pinned} waiver(s) pinned in {project.checks / 'waivers.yaml'}")
    sys.exit(1 if unmatched else 0)


@main.command()
@click.argument("table")
@click.argument("row")
@click.argument("column")
@click.option("--json", "as_json", is_flag=True, help="Emit the tree as JSON (nodes with table, row, column, "
              "value, coefficient, code, report_lines, children).")
@click.option("--breaks", is_flag=True, help="Show every trend break in full (they are counted otherwise).")
@click.option("--depth", type=click.IntRange(min=0), default=None, metavar="N",
              help="Show N levels below the figure; deeper parts are summed up in one line.")
@WAREHOUSE
@WAIT
@one_line_errors
def trace(table: str, row: str, column: str, as_json: bool, breaks: bool, depth: int | None,
          warehouse: Path | None, wait: float) -> None:
    """Trace one published figure down to the source cells behind it.

    \b
    Examples:
      ladder trace "Tabel 39" totaal "West-Vlaanderen 2019"
      ladder trace "Tabel 39" "trede 3 + trede 4 + trede 5" "West-Vlaanderen 2019" --depth 1
      ladder trace "body Tabel 2" totaal "West-Vlaanderen | 2019"
      ladder trace narrative "line 707" 63.552
    TABLE is an id (B39, T01, tabel39), 'Tabel N' ('body Tabel 1' / 'bijlage Tabel 1' where both exist)
    or 'narrative' for a figure of the body text (ROW its report line, COLUMN the figure as printed).
    ROW is a label, its printed code ('h', 'trede 3 + trede 4 + trede 5') or 'totaal'; ROW and COLUMN
    are matched forgivingly, with candidates listed when unknown or ambiguous. Each node names its
    formula letter and coefficient (0.4 for SINE), value, formula, report lines, Bron, rule results and
    waivers, and published minus recomputed; children follow the formula's letters.
    """
    from .narrative.scan import classify
    from .project import load_project
    from .trace import NARRATIVE, TraceError, Tracer, render, trace_figure

    project = load_project()
    path = warehouse or default_path()
    try:
        with connect(path, read_only=True, wait=wait) as con:
            require_tables(con, path, "ref.catalogue", "derived.edges", "checks.results")
            tracer = Tracer.for_project(con, project.tables)
            if table.casefold() in NARRATIVE:
                tree = trace_figure(tracer, classify(con, project.sources, project.tables), row, column)
            else:
                tree = tracer.trace(table, row, column)
    except TraceError as exc:
        _fail(str(exc))
    if as_json:
        out(json.dumps(tree, ensure_ascii=False, indent=2, default=_jsonable))
        return
    out("\n".join(render(tree, breaks=breaks, depth=depth)))
    out(f"({tree['source_cells']} source cell(s))")


@main.command()
@click.argument("query")
@click.option("--json", "as_json", is_flag=True, help="Emit a JSON list (found, where, printed, status, "
              "report_line, detail).")
@WAREHOUSE
@WAIT
@one_line_errors
def find(query: str, as_json: bool, warehouse: Path | None, wait: float) -> None:
    """Find a figure as quoted, a label, or a report line, in the tables and in the body text.

    \b
    Examples:
      ladder find 63.552        (also '63 552', '63552': the Dutch and the table's printing)
      ladder find "20,6%"
      ladder find "arbeidszorg (buiten"
      ladder find "line 707"
    Cells come with the worst status of their rules (fail, waived, not_verifiable, pass, no rule) and the
    report lines of their table; body-text figures with their class (confirmed, contradicts, external,
    unresolved) and the cell or source they were linked to. Exit 1 when nothing matches.
    """
    from .find import find as find_in
    from .narrative.scan import classify
    from .project import load_project

    project = load_project()
    path = warehouse or default_path()
    lines = {t.id: [tuple(span) for span in t.extract.get("lines", [])] for t in project.tables if t.available}
    with connect(path, read_only=True, wait=wait) as con:
        require_tables(con, path, "ref.geography", "checks.results", "checks.result_cells")
        found = find_in(con, query, classify(con, project.sources, project.tables), lines)
    if as_json:
        out(found.to_json(orient="records", force_ascii=False, indent=1))
    elif len(found):
        out(found.to_string(index=False, max_colwidth=90))
    else:
        out(f"nothing printed as or labelled {query!r}")
    sys.exit(0 if len(found) else 1)


def _jsonable(value):
    if hasattr(value, "item"):
        return value.item()
    if value != value:  # NaN
        return None
    return str(value)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=site_dir,
              show_default="$LADDER_SITE, else audit-site/", help="Folder to write index.html into.")
@WAREHOUSE
@WAIT
@one_line_errors
def report(out_dir: Path, warehouse: Path | None, wait: float) -> None:
    """Build the audit site: one self-contained index.html that opens from file:// with no network.

    \b
    It holds the verdict and one row per rule, findings by suspect cell, every table as printed with
    its cells coloured by status, a panel per cell (report line, Bron, notes, trend breaks, rule
    instances and tolerances, suspects, waivers, lineage down and up, published minus recomputed),
    the body text with its figures marked by class ($LADDER_REPORT, else their sentences only), a
    chart per count series, and search by printed value, label or report line.
    """
    from .project import load_project
    from .report import build_site

    started = time.perf_counter()
    project = load_project()
    path = warehouse or default_path()
    with connect(path, read_only=True, wait=wait) as con:
        require_tables(con, path, "ref.catalogue", "derived.edges", "checks.results", "checks.result_cells")
        site = build_site(con, out_dir, project, report_text())
    size = site.stat().st_size / 1e6
    out(f"audit site {site} ({size:.1f} MB, {time.perf_counter() - started:.1f} s); open it in a browser")


@main.command()
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False, path_type=Path), required=True, metavar="FILE",
              help="Workbook to write.")
@WAREHOUSE
@WAIT
@one_line_errors
def export(xlsx: Path, warehouse: Path | None, wait: float) -> None:
    """Export to Excel: each recomputed table beside the published one, the findings with suspects and
    waivers, and the lineage edges; frozen headers, number formats as printed, colours by status."""
    from .report import export_xlsx

    path = warehouse or default_path()
    with connect(path, read_only=True, wait=wait) as con:
        require_tables(con, path, "ref.catalogue", "derived.edges", "checks.results", "checks.result_cells")
        book = export_xlsx(con, xlsx)
    out(f"workbook {book} ({book.stat().st_size / 1e6:.1f} MB)")


@main.command()
@WAREHOUSE
@WAIT
@one_line_errors
def lineage(warehouse: Path | None, wait: float) -> None:
    """Print the derived tables' column lineage as OpenLineage ColumnLineageDatasetFacets (JSON)."""
    from .openlineage_export import facets
    from .project import load_project

    load_project()
    path = warehouse or default_path()
    with connect(path, read_only=True, wait=wait) as con:
        require_tables(con, path, "derived.edges", "derived.registry")
        out(json.dumps(facets(con), ensure_ascii=False, indent=2))


@main.command()
@click.option("--list", "show", type=click.Choice(["confirmed", "contradicts", "external", "unresolved", "all"]),
              help="Also list the figures of this class, one line each.")
@click.option("--json", "as_json", is_flag=True, help="Every figure with its class and link, as JSON.")
@WAREHOUSE
@WAIT
@one_line_errors
def narrative(show: str | None, as_json: bool, warehouse: Path | None, wait: float) -> None:
    """Classify every figure of the body text against the tables: counts per section and class.

    \b
    confirmed    a table cell, difference, evolution or %-point change gives it (or a curated claim passes)
    contradicts  a curated claim fails or is waived: the text disagrees with its table
    external     no table holds it; the text names its source
    unresolved   none of these
    """
    from .narrative.link import counts
    from .narrative.scan import classify
    from .project import load_project

    project = load_project()
    path = warehouse or default_path()
    with connect(path, read_only=True, wait=wait) as con:
        require_tables(con, path, "ref.geography", "checks.results")
        linked = classify(con, project.sources, project.tables)
    if as_json:
        out(linked.drop(columns=["sentence"]).to_json(orient="records", force_ascii=False, indent=1))
        return
    out(counts(linked).to_string())
    if show:
        for r in linked[linked.cls.eq(show) | (show == "all")].itertuples():
            where = f"{r.table_id} | {r.row_label} | {r.column_label}" if r.table_id else r.source or "-"
            out(f"line {r.line:<5} {r.figure:>10}  {r.cls:<11} {r.how or '':<10} {where}")


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=3000, show_default=True)
@one_line_errors
def ui(port: int) -> None:
    """Start the Dagster UI (`dg dev`, code location `ladder`) on this project's warehouse and instance."""
    from .project import load_project

    load_project()
    _instance()
    dg_cli = shutil.which("dg", path=str(Path(sys.executable).parent))
    if dg_cli is None:
        _fail("the 'dg' command is not installed in this environment (run `make install`)")
    os.environ["VIRTUAL_ENV"] = sys.prefix  # dg checks that it runs in the project's environment
    os.chdir(ROOT)
    # Dagster stops on SIGTERM by handling it as it handles Ctrl-C; started in the background by a script,
    # Ctrl-C comes ignored, and so would SIGTERM be: `kill` could not stop the UI and what it started.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(dg_cli, [dg_cli, "dev", "--port", str(port)])


def entry() -> None:
    """The `ladder` console script: the command, then exit without tearing the interpreter down.

    A run leaves millions of objects (Dagster's definitions and events, frames, models); freeing them
    one by one at interpreter shutdown took 0.7-1 s after `ladder run` had printed its result, and
    0.15 s after `ladder validate`. Every file and connection is closed by then and the exit handlers
    (logging's flush among them) still run; the process then ends at once. With a thread still running
    (none of ours starts one) the normal exit waits for it as usual.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        if not isinstance(exc.code, (int, type(None))):
            raise  # a message to print: Python's own exit prints it
        code = exc.code or 0
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    entry()
