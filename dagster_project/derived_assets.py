"""One Dagster asset per ``assets/*.sql`` file: recomputed indicator tables with cell lineage.

Each asset sits downstream of the source tables its SQL declares and of the rule results, so an
unwaived ERROR finding (a blocking check on the results) stops the recomputation. All are computed
in one subsettable step (derived tables build on each other, so every spec is evaluated anyway),
and each published table's check runs there once every table and its lineage is written.
"""

from __future__ import annotations

from graphlib import TopologicalSorter

import dagster as dg

from .derive import DerivedSpec, build
from .project import Project
from .quality_assets import RESULTS_KEY, short_number
from .resources import Warehouse

REFERENCE = [dg.AssetKey(["reference", "catalogue"]), dg.AssetKey(["reference", "trend_breaks"])]


def _key(name: str, specs: list[DerivedSpec]) -> dg.AssetKey:
    return dg.AssetKey(["derived", name]) if any(s.name == name for s in specs) else dg.AssetKey(["sources", name])


# The stored columns of every derived table (derive.compare), as the asset's column schema.
COLUMNS = [
    ("row_label", "string", "row as printed in the published table"),
    ("column_label", "string", "column as printed"),
    ("op", "string", "how the cell is recomputed: sum, share, evolution, ratio, ..."),
    ("formula", "string", "the formula in the report's terms"),
    ("inputs", "int", "lineage edges into the cell"),
    ("recomputed", "float", "value recomputed from the source cells"),
    ("carried", "float", "rounding carried from rounded inputs (half units)"),
    ("published_printed", "string", "the published figure exactly as printed"),
    ("published", "float", "the published figure's value"),
    ("rounding", "float", "the published figure's printed unit"),
    ("published_minus_recomputed", "float", "published - recomputed"),
    ("status", "string", "equal at printed precision, differs, both blank, not published, ..."),
    ("breaks", "string", "trend breaks of the source cells"),
    ("comparable", "bool", "an evolution whose span crosses no trend break"),
]

# Every cell a differing derived cell rests on (itself, and down its lineage every source cell and the
# published counterpart of every derived cell), and the waived findings that involve any of them; a
# series warning explains no difference.
EXPLAINED = """
    WITH RECURSIVE walk(row_label0, column_label0, tbl, row_label, column_label) AS (
        SELECT row_label, column_label, '{name}', row_label, column_label FROM derived."{name}" WHERE status = 'differs'
        UNION
        SELECT w.row_label0, w.column_label0, e.input_table, e.input_row, e.input_column
        FROM walk w JOIN derived.edges e ON e.derived_table = w.tbl AND e.row_label = w.row_label
             AND e.column_label = w.column_label),
    beneath AS (
        SELECT w.row_label0, w.column_label0, coalesce(r.publishes, w.tbl) AS table_id, w.row_label, w.column_label
        FROM walk w LEFT JOIN derived.registry r ON r.name = w.tbl),
    waived AS (
        SELECT b.row_label0, b.column_label0, x.instance
        FROM beneath b JOIN checks.result_cells c USING (table_id, row_label, column_label)
        JOIN checks.results x ON x.instance = c.instance AND x.status = 'waived' AND x.kind <> 'series')
    SELECT d.row_label, d.column_label, d.published_printed, d.recomputed, d.published_minus_recomputed,
           string_agg(DISTINCT w.instance, '; ' ORDER BY w.instance) AS explained_by
    FROM derived."{name}" d LEFT JOIN waived w ON w.row_label0 = d.row_label AND w.column_label0 = d.column_label
    WHERE d.status = 'differs'
    GROUP BY ALL ORDER BY d.row_label, d.column_label"""


def _column_lineage(edges, specs, own: str) -> dg.TableColumnLineage:
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for (column, table, input_column), _ in edges.groupby(["column_label", "input_table", "input_column"]):
        if table in ("external", own):  # a share of its own cells is no lineage to another asset
            continue
        deps.setdefault(column, []).append(dg.TableColumnDep(asset_key=_key(table, specs), column_name=input_column))
    return dg.TableColumnLineage(deps_by_column=deps)


def derived_spec(spec: DerivedSpec, specs: list[DerivedSpec]) -> dg.AssetSpec:
    return dg.AssetSpec(
        dg.AssetKey(["derived", spec.name]), group_name="derived", description=spec.title,
        deps=[*(_key(d, specs) for d in spec.depends), RESULTS_KEY, *REFERENCE], kinds={"duckdb", "sql"},
        metadata={
            "dagster/table_name": f"derived.{spec.name}",
            "publishes": spec.publishes or "(not published)",
            "external_inputs": "; ".join(spec.external) or "none",
            "dagster/column_schema": dg.TableSchema(columns=[
                dg.TableColumn(name, kind, description=why) for name, kind, why in COLUMNS]),
            "dagster/code_references": dg.CodeReferencesMetadataValue(code_references=[
                dg.LocalFileCodeReference(file_path=str(spec.path.resolve()), line_number=1)]),
        })


CHECK = "published_equals_recomputed"


def check_spec(spec: DerivedSpec) -> dg.AssetCheckSpec:
    """Published equals recomputed at printed precision, except where a waived finding on a cell the
    figure rests on explains the difference: every differing cell listed with its explanation."""
    return dg.AssetCheckSpec(CHECK, asset=dg.AssetKey(["derived", spec.name]),
                             description=f"{spec.publishes} as printed equals the recomputation at printed "
                                         "precision, except where a waived finding on a cell it rests on explains it")


def _materialisation(spec: DerivedSpec, specs: list[DerivedSpec], table, edges) -> dg.MaterializeResult:
    status = table["status"].value_counts()
    return dg.MaterializeResult(asset_key=dg.AssetKey(["derived", spec.name]), metadata={
        "dagster/row_count": len(table),
        "lineage_edges": len(edges),
        "source_inputs": int((~edges["input_table"].isin([s.name for s in specs] + ["external"])).sum()),
        "by_status": dg.MetadataValue.json({k: int(v) for k, v in status.items()}),
        "not_comparable_evolutions": int((~table["comparable"]).sum()),
        "dagster/column_lineage": _column_lineage(edges, specs, spec.name),
    })


def _check_result(spec: DerivedSpec, con) -> dg.AssetCheckResult:
    diff = con.execute(EXPLAINED.format(name=spec.name)).df()
    unexplained = diff[diff.explained_by.isna()]
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["derived", spec.name]), check_name=CHECK,
        passed=unexplained.empty, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"differing": len(diff), "explained_by_waivers": len(diff) - len(unexplained),
                  "unexplained": len(unexplained), "cells": _diff_table(diff)})


def _upstream_first(specs: list[DerivedSpec]) -> list[DerivedSpec]:
    by_name = {s.name: s for s in specs}
    order = TopologicalSorter({s.name: [d for d in s.depends if d in by_name] for s in specs}).static_order()
    return [by_name[name] for name in order]


def derived_assets(project: Project) -> dg.AssetsDefinition:
    specs = project.specs

    @dg.multi_asset(name="derived_tables", specs=[derived_spec(s, specs) for s in specs], can_subset=True,
                    check_specs=[check_spec(s) for s in specs if s.publishes])
    def _derived(context, warehouse: Warehouse):
        from .rules.engine import prepare

        names = [s.name for s in specs if dg.AssetKey(["derived", s.name]) in context.selected_asset_keys]
        checked = [s for s in specs if s.publishes
                   and dg.AssetCheckKey(dg.AssetKey(["derived", s.name]), CHECK) in context.selected_asset_check_keys]
        with warehouse.connection() as con:
            prepare(con, project.tables, project.ref, project.rounded)
            built = build(con, specs, names)
            for spec in _upstream_first(specs):  # Dagster wants a multi-asset's outputs in that order
                if spec.name in built:
                    yield _materialisation(spec, specs, *built[spec.name])
            for spec in checked:
                yield _check_result(spec, con)

    return _derived


def _diff_table(diff) -> dg.TableMetadataValue:
    names = ["cell", "published", "recomputed", "published_minus_recomputed", "explained_by"]
    return dg.MetadataValue.table(
        records=[dg.TableRecord({"cell": f"{r.row_label} | {r.column_label}", "published": r.published_printed or "",
                                 "recomputed": short_number(r.recomputed),
                                 "published_minus_recomputed": short_number(r.published_minus_recomputed),
                                 "explained_by": r.explained_by or "(no waived finding: unexplained)"})
                 for r in diff.head(100).itertuples()],
        schema=dg.TableSchema(columns=[dg.TableColumn(n, "string") for n in names]))
