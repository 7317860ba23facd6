"""One Dagster asset per ``assets/*.sql`` file: recomputed indicator tables with cell lineage.

Each asset sits downstream of the source tables its SQL declares and of the rule results, so an
unwaived ERROR finding (a blocking check on the results) stops the recomputation.
"""

from __future__ import annotations

import dagster as dg

from .derive import DerivedSpec, build
from .project import Project
from .quality_assets import RESULTS_KEY
from .resources import Warehouse

REFERENCE = [dg.AssetKey(["reference", "catalogue"]), dg.AssetKey(["reference", "trend_breaks"])]


def _key(name: str, specs: list[DerivedSpec]) -> dg.AssetKey:
    return dg.AssetKey(["derived", name]) if any(s.name == name for s in specs) else dg.AssetKey(["sources", name])


def _column_lineage(edges, specs) -> dg.TableColumnLineage:
    deps: dict[str, list[dg.TableColumnDep]] = {}
    for (column, table, input_column), _ in edges.groupby(["column_label", "input_table", "input_column"]):
        if table == "external":
            continue
        deps.setdefault(column, []).append(dg.TableColumnDep(asset_key=_key(table, specs), column_name=input_column))
    return dg.TableColumnLineage(deps_by_column=deps)


def build_derived_asset(spec: DerivedSpec, project: Project) -> dg.AssetsDefinition:
    specs = project.specs

    @dg.asset(
        key=dg.AssetKey(["derived", spec.name]), group_name="derived", description=spec.title,
        deps=[*(_key(d, specs) for d in spec.depends), RESULTS_KEY, *REFERENCE], kinds={"duckdb", "sql"},
        metadata={
            "dagster/table_name": f"derived.{spec.name}",
            "publishes": spec.publishes or "(not published)",
            "external_inputs": "; ".join(spec.external) or "none",
            "dagster/code_references": dg.CodeReferencesMetadataValue(code_references=[
                dg.LocalFileCodeReference(file_path=str(spec.path.resolve()), line_number=1)]),
        },
    )
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        from .rules.engine import prepare

        with warehouse.connection() as con:
            prepare(con, project.tables, project.ref, project.rounded)
            table, edges = build(con, specs, spec.name)
        status = table["status"].value_counts()
        return dg.MaterializeResult(metadata={
            "dagster/row_count": len(table),
            "lineage_edges": len(edges),
            "source_inputs": int((~edges["input_table"].isin([s.name for s in specs] + ["external"])).sum()),
            "by_status": dg.MetadataValue.json({k: int(v) for k, v in status.items()}),
            "not_comparable_evolutions": int((~table["comparable"]).sum()),
            "dagster/column_lineage": _column_lineage(edges, specs),
        })

    return _asset


def derived_assets(project: Project) -> list[dg.AssetsDefinition]:
    return [build_derived_asset(s, project) for s in project.specs]
