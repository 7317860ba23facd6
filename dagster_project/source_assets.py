"""One Dagster asset per catalogue entry, each with a blocking pandera schema check, all computed in
one step.

The check runs on the parsed cells before anything is written (check before publish): a rejected
table is not written and not materialised, the others still are, and the step then fails, so nothing
downstream runs. One step for every table, not one per table: Dagster's per-step bookkeeping cost
more than the tables themselves. The step can be subset (one table from the UI). Adding a table needs
a YAML and a CSV, no Python.
"""

from __future__ import annotations

import warnings

import dagster as dg
import pandas as pd

from .catalogue import Table
from .cells import CELL_COLUMNS, table_cells
from .reference import Reference
from .resources import Warehouse
from .schemas import schema_for, validate_tables
from .warehouse import replace_table

SCHEMA = "src"
STORED_COLUMNS = [(c, {"row_no": "int", "col_no": "int", "value": "float", "rounding": "float", "year": "int"}
                   .get(c, "string")) for c in CELL_COLUMNS]
warnings.filterwarnings("ignore", category=dg.BetaWarning)


def asset_key(table: Table) -> dg.AssetKey:
    return dg.AssetKey(["sources", table.id])


def _metadata(table: Table) -> dict:
    return {
        "title": table.title,
        "table": table.table,
        "bron": ", ".join(table.bron),
        "unit": table.unit,
        "period": table.period,
        "years": f"{min(table.years)}-{max(table.years)}" if table.years else "",
        "notes": dg.MetadataValue.md("\n".join(f"- {n}" for n in table.notes) or "(none)"),
        "trend_breaks": dg.MetadataValue.md(
            "\n".join(f"- {b.year} · {b.series} · *{b.kind}*: {b.description}"
                      + (f" (report line {b.line})" if b.line else "") for b in table.trend_breaks)
            or "(none)"
        ),
        "dagster/table_name": f"{SCHEMA}.{table.id}",
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, kind) for name, kind in STORED_COLUMNS]),
        "printed_layout": dg.MetadataValue.table(
            records=[dg.TableRecord({"column": c.label, "stat": c.stat, "rounding": f"{c.rounding:g}"})
                     for c in table.columns],
            schema=dg.TableSchema(columns=[dg.TableColumn(n, "string") for n in ("column", "stat", "rounding")])),
        "dagster/code_references": dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(table.path.resolve()), line_number=1)]
        ),
    }


FAILURE_COLUMNS = ["table", "row", "column_label", "value", "check"]


def failures_table(failures: pd.DataFrame, limit: int = 100) -> dg.TableMetadataValue:
    """Failing cells as a Dagster table (cell addresses hold '|', which breaks Markdown tables)."""
    shown = failures.head(limit).astype(object).where(failures.head(limit).notna(), "")
    return dg.MetadataValue.table(
        records=[dg.TableRecord({c: str(r[c]) for c in FAILURE_COLUMNS}) for r in shown.to_dict("records")],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in FAILURE_COLUMNS]))


REPORT_KEY = dg.AssetKey(["inputs", "report_text"])


def csv_key(table: Table) -> dg.AssetKey:
    return dg.AssetKey(["inputs", f"{table.id}_csv"])


def input_specs(tables: list[Table]) -> list[dg.AssetSpec]:
    """The report text and each transcription CSV, upstream of the source assets: lineage starts at the report."""
    report = dg.AssetSpec(REPORT_KEY, group_name="inputs", kinds={"text"},
                          description="The report's full text (PDF extraction): every table and the body text "
                                      "are transcribed from it (`ladder extract`).",
                          metadata={"path": "../shared/report/000_694cfc149f605398.txt"})
    return [report, *(dg.AssetSpec(csv_key(t), group_name="inputs", kinds={"csv"}, deps=[REPORT_KEY],
                                   description=f"{t.table} as transcribed: sources/data/{t.id}.csv",
                                   metadata={"path": f"sources/data/{t.id}.csv"})
                      for t in tables if t.available)]


SCHEMA_CHECK = "pandera_schema"
SCHEMA_CHECK_TEXT = ("pandera, before the table is written: types, markers, non-negative counts, shares in [0, 100], "
                     "unique cell addresses, known geography and years")


def source_spec(table: Table, ref: Reference) -> dg.AssetSpec:
    return dg.AssetSpec(asset_key(table), group_name=ref.graph_group(table),
                        deps=[csv_key(table)] if table.available else [],
                        description=f"{table.table} ({table.part}): {table.title}", metadata=_metadata(table),
                        kinds={"duckdb", "csv"})


def _materialise(table: Table, cells: pd.DataFrame | None, failures: pd.DataFrame | None, con, write: bool,
                 check: bool, rejected: list[str]):
    """One table's events (``write``: store and materialise it; ``check``: report its schema check) from its
    cells and their schema failures (None: not in the report text); a rejected table adds its reason to
    ``rejected`` and is not written."""
    key = asset_key(table)
    if cells is None:
        if write:
            yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": 0, "available_in_text": False})
        if check:
            yield dg.AssetCheckResult(asset_key=key, check_name=SCHEMA_CHECK, passed=True,
                                      metadata={"note": "figures not in the report text"})
        return
    check_metadata = {"schema": schema_for(table, cells).__name__, "failing_cells": len(failures),
                      "failures": failures_table(failures)}
    if len(failures):
        if check:
            yield dg.AssetCheckResult(asset_key=key, check_name=SCHEMA_CHECK, passed=False,
                                      severity=dg.AssetCheckSeverity.ERROR, metadata=check_metadata)
        first = failures.iloc[0]
        rejected.append(f"{table.id} rejected, not written: {len(failures)} failing cell(s), first "
                        f"{first['table']} | {first['row']} | {first['column_label']} = {first['value']!r} "
                        f"({first['check']})")
        return
    if write:
        replace_table(con, SCHEMA, table.id, cells)
        yield dg.MaterializeResult(asset_key=key, metadata={
            "dagster/row_count": len(cells),
            "cells_with_figure": int(cells["value"].notna().sum()),
            "rows": int(cells["row_label"].nunique()),
            "available_in_text": True,
        })
    if check:
        yield dg.AssetCheckResult(asset_key=key, check_name=SCHEMA_CHECK, passed=True,
                                  severity=dg.AssetCheckSeverity.ERROR, metadata=check_metadata)


def build_source_assets(tables: list[Table], ref: Reference) -> dg.AssetsDefinition:
    """Parse, check with pandera, and only then write: a rejected table never replaces the stored one."""

    @dg.multi_asset(
        name="source_tables", specs=[source_spec(t, ref) for t in tables], can_subset=True,
        check_specs=[dg.AssetCheckSpec(SCHEMA_CHECK, asset=asset_key(t), blocking=True, description=SCHEMA_CHECK_TEXT)
                     for t in tables],
    )
    def _sources(context, warehouse: Warehouse):
        assets, checks, rejected = context.selected_asset_keys, context.selected_asset_check_keys, []
        wanted = {t.id: (asset_key(t) in assets, dg.AssetCheckKey(asset_key(t), SCHEMA_CHECK) in checks)
                  for t in tables}
        cells = {t.id: table_cells(t, ref) for t in tables if any(wanted[t.id]) and t.available}
        failures = validate_tables([(t, cells[t.id]) for t in tables if t.id in cells], ref.geo_codes)
        with warehouse.connection() as con:  # one connection for every table
            for table in tables:
                if any(wanted[table.id]):
                    yield from _materialise(table, cells.get(table.id), failures.get(table.id), con,
                                            *wanted[table.id], rejected)
        if rejected:
            raise dg.Failure(description="; ".join(rejected), allow_retries=False)

    return _sources
