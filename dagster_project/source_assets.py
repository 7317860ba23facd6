"""One Dagster asset per catalogue entry, each with a blocking pandera schema check.

The check runs inside the asset, on the parsed cells, before anything is written (check before
publish). Built by factory functions that take the entry as an argument (a closure in a loop would
capture only the last entry). Adding a table needs a YAML and a CSV, no Python.
"""

from __future__ import annotations

import warnings

import dagster as dg
import pandas as pd

from .catalogue import Table
from .cells import CELL_COLUMNS, table_cells
from .reference import Reference
from .schemas import schema_for, validate
from .resources import Warehouse

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


def build_source_asset(table: Table, ref: Reference) -> dg.AssetsDefinition:
    """Parse, check with pandera, and only then write: a rejected table never replaces the stored one."""

    @dg.asset(
        key=asset_key(table),
        group_name=ref.graph_group(table),
        deps=[csv_key(table)] if table.available else [],
        description=f"{table.table} ({table.part}): {table.title}",
        metadata=_metadata(table),
        kinds={"duckdb", "csv"},
        check_specs=[dg.AssetCheckSpec(
            "pandera_schema", asset=asset_key(table), blocking=True,
            description="pandera, before the table is written: types, markers, non-negative counts, shares in "
                        "[0, 100], unique cell addresses, known geography and years")],
    )
    def _asset(warehouse: Warehouse):
        if not table.available:
            yield dg.MaterializeResult(metadata={"dagster/row_count": 0, "available_in_text": False})
            yield dg.AssetCheckResult(check_name="pandera_schema", passed=True,
                                      metadata={"note": "figures not in the report text"})
            return
        cells = table_cells(table, ref)
        failures = validate(table, cells, ref.geo_codes)
        check_metadata = {"schema": schema_for(table, cells).__name__, "failing_cells": len(failures),
                          "failures": failures_table(failures)}
        if len(failures):
            yield dg.AssetCheckResult(check_name="pandera_schema", passed=False,
                                      severity=dg.AssetCheckSeverity.ERROR, metadata=check_metadata)
            first = failures.iloc[0]
            raise dg.Failure(
                description=f"{table.id} rejected, not written: {len(failures)} failing cell(s), first "
                            f"{first['table']} | {first['row']} | {first['column_label']} = {first['value']!r} "
                            f"({first['check']})",
                allow_retries=False)
        warehouse.write(SCHEMA, table.id, cells)
        yield dg.MaterializeResult(metadata={
            "dagster/row_count": len(cells),
            "cells_with_figure": int(cells["value"].notna().sum()),
            "rows": int(cells["row_label"].nunique()),
            "available_in_text": True,
        })
        yield dg.AssetCheckResult(check_name="pandera_schema", passed=True, severity=dg.AssetCheckSeverity.ERROR,
                                  metadata=check_metadata)

    return _asset
