"""One Dagster asset per catalogue entry, each with a blocking pandera schema check.

Built by factory functions that take the entry as an argument (a closure in a loop would
capture only the last entry). Adding a table needs a YAML and a CSV, no Python.
"""

from __future__ import annotations

import warnings

import dagster as dg
import pandas as pd

from .catalogue import Table
from .cells import table_cells
from .reference import Reference
from .schemas import schema_for, validate
from .resources import Warehouse

SCHEMA = "src"
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
            "\n".join(f"- {b.year} · {b.series} · *{b.kind}*: {b.description}" for b in table.trend_breaks)
            or "(none)"
        ),
        "dagster/table_name": f"{SCHEMA}.{table.id}",
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(c.label, "text", description=f"{c.stat}, rounding {c.rounding:g}")
                     for c in table.columns]
        ),
        "dagster/code_references": dg.CodeReferencesMetadataValue(
            code_references=[dg.LocalFileCodeReference(file_path=str(table.path.resolve()), line_number=1)]
        ),
    }


def build_source_asset(table: Table, ref: Reference) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(table),
        group_name="sources",
        description=f"{table.table} ({table.part}): {table.title}",
        metadata=_metadata(table),
        kinds={"duckdb", "csv"},
        pool="warehouse",
    )
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        cells = table_cells(table, ref) if table.available else pd.DataFrame()
        if table.available:
            warehouse.write(SCHEMA, table.id, cells)
        return dg.MaterializeResult(metadata={
            "dagster/row_count": len(cells),
            "cells_with_figure": int(cells["value"].notna().sum()) if len(cells) else 0,
            "rows": int(cells["row_label"].nunique()) if len(cells) else 0,
            "available_in_text": table.available,
        })

    return _asset


def build_schema_check(table: Table, ref: Reference) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset_key(table), name="pandera_schema", blocking=True,
                    description="pandera: types, markers, non-negative counts, shares in [0, 100], "
                                "unique cell addresses, known geography and years", pool="warehouse")
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        if not table.available:
            return dg.AssetCheckResult(passed=True, metadata={"note": "figures not in the report text"})
        cells = warehouse.read(f'SELECT * FROM {SCHEMA}."{table.id}" ORDER BY row_no, col_no')
        cells["year"] = cells["year"].astype("Int64")
        failures = validate(table, cells, ref.geo_codes)
        return dg.AssetCheckResult(
            passed=failures.empty,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "schema": schema_for(table, cells).__name__,
                "failing_cells": len(failures),
                "failures": dg.MetadataValue.md(failures.head(50).to_markdown(index=False)) if len(failures)
                else "none",
            },
        )

    return _check
