"""The rule results as a Dagster asset, with one check per rule family on every source asset it
covers, and Great Expectations gates on the results.

Each family reports on every source table it covers and, blocking for ERROR families, on the results
asset: an unwaived error stops everything downstream of the results. WARN families (time-series
plausibility) report without blocking.
"""

from __future__ import annotations

import time

import dagster as dg
import pandas as pd

from .catalogue import Table
from .project import Project
from .rules.registry import FAMILIES, Rule
from .rules.validate import validate
from .source_assets import asset_key
from .resources import Warehouse

RESULTS_KEY = dg.AssetKey(["quality", "rule_results"])
SHOWN = ["instance", "printed", "expected", "imbalance", "tolerance", "suspect", "suggestion", "pattern", "waiver"]


def short_number(value) -> str:
    """A number for a metadata table: blank when missing, six significant digits otherwise."""
    return "" if value is None or pd.isna(value) else f"{float(value):.6g}"


def findings_table(frame: pd.DataFrame, limit: int = 50) -> dg.TableMetadataValue:
    """Findings as a Dagster table: blanks stay blank, numbers as short decimals, the suspect cell whole."""
    records = []
    for r in frame.head(limit).itertuples():
        suspect = f"{r.suspect_table} | {r.suspect_row} | {r.suspect_column}" if isinstance(r.suspect_table, str) else ""
        records.append(dg.TableRecord({
            "instance": r.instance, "printed": str(r.printed), "expected": short_number(r.rhs),
            "imbalance": short_number(r.imbalance),
            "tolerance": short_number(r.tolerance), "suspect": suspect, "suggestion": short_number(r.suggestion),
            "pattern": r.pattern if isinstance(r.pattern, str) else "",
            "waiver": r.waiver if isinstance(r.waiver, str) else ""}))
    return dg.MetadataValue.table(records=records,
                                  schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in SHOWN]))


def build_results_asset(upstream: list[dg.AssetKey], project: Project) -> dg.AssetsDefinition:
    @dg.asset(key=RESULTS_KEY, group_name="quality", deps=upstream, kinds={"duckdb"},
              description="One row per rule instance (checks.results) and the cells it involves "
                          "(checks.result_cells): rules from checks/rules/*.yaml, waivers applied, suspects named.",
              metadata={"dagster/table_name": "checks.results"})
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        started = time.perf_counter()
        with warehouse.connection() as con:
            outcome = validate(con, project)
        res = outcome.results
        counts = res.groupby(["family", "status"]).size().unstack(fill_value=0)
        return dg.MaterializeResult(metadata={
            "dagster/row_count": len(res),
            "instances_by_family": dg.MetadataValue.md(counts.to_markdown()),
            "unwaived_errors": int(((res.status == "fail") & (res.severity == "error")).sum()),
            "unwaived_warnings": int(((res.status == "fail") & (res.severity == "warn")).sum()),
            "waived": int((res.status == "waived").sum()),
            "stale_waivers": len(outcome.stale_waivers),
            "mismatched_waivers": len(outcome.mismatched_waivers),
            "result_cells": len(outcome.cells),
            "seconds": round(time.perf_counter() - started, 2),
        })

    return _asset


def _scope(rule: Rule, tables: list[Table]) -> set[str]:
    if rule.kind == "cross_table":
        return {rule.params["target"]["table"]}
    if rule.kind in ("narrative", "narrative_scan"):  # checks the text: reported on the results asset
        return set()
    return set(rule.tables) if rule.tables else {t.id for t in tables if t.available}


def build_family_check(family: str, rules: list[Rule], tables: list[Table]) -> dg.AssetChecksDefinition | None:
    covered = sorted(set().union(*(_scope(r, tables) for r in rules)))
    blocking = any(r.severity == "error" for r in rules)
    name = f"rules_{family}"
    by_id = {t.id: t for t in tables}
    # On each source table the family reports (a check there cannot block: it needs the results,
    # which are downstream of the sources); on the results asset it blocks everything downstream.
    specs = [dg.AssetCheckSpec(name, asset=asset_key(by_id[t]), additional_deps=[RESULTS_KEY],
                               description=FAMILIES[family]) for t in covered if t in by_id]
    specs.append(dg.AssetCheckSpec(name, asset=RESULTS_KEY, blocking=blocking, description=FAMILIES[family]))
    rule_ids = [r.id for r in rules]

    @dg.multi_asset_check(name=f"check_{family}", specs=specs)
    def _check(warehouse: Warehouse):
        res = warehouse.read("SELECT * FROM checks.results WHERE rule IN (SELECT unnest(?))", [rule_ids])
        for spec in specs:
            mine = res if spec.asset_key == RESULTS_KEY else res[res.table_id == spec.asset_key.path[-1]]
            failing = mine[mine.status == "fail"]
            errors = failing[failing.severity == "error"]
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key, check_name=name, passed=failing.empty,
                severity=dg.AssetCheckSeverity.ERROR if len(errors) else dg.AssetCheckSeverity.WARN,
                metadata={
                    "instances": len(mine),
                    "by_status": dg.MetadataValue.json({k: int(v) for k, v in sorted(mine.status.value_counts().items())}),
                    "failing": findings_table(failing),
                    "waived": findings_table(mine[mine.status == "waived"], limit=20),
                    "full_list": dg.MetadataValue.text(
                        f"SELECT * FROM checks.results WHERE family = '{family}' AND status <> 'pass'"
                        + ("" if spec.asset_key == RESULTS_KEY else f" AND table_id = '{spec.asset_key.path[-1]}'")),
                })

    return _check


def build_gx_checks() -> list[dg.AssetChecksDefinition]:
    """Two GX gates: 'error' blocks (ERROR), 'warn' reports (WARN)."""

    def make(severity: str) -> dg.AssetChecksDefinition:
        @dg.asset_check(asset=RESULTS_KEY, name=f"gx_rule_results_{severity}", blocking=severity == "error",
                        description=f"Great Expectations suite rule_results.{severity} over checks.results")
        def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
            from .gx_suites import validate_results

            outcome = next(o for o in validate_results(warehouse.read("SELECT * FROM checks.results"))
                           if o.name.endswith(severity))
            return dg.AssetCheckResult(
                passed=outcome.success,
                severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
                metadata={"suite": outcome.name, "failed_expectations": len(outcome.failures),
                          "failures": dg.MetadataValue.json(outcome.failures[:20])})

        return _check

    return [make("error"), make("warn")]


def quality_definitions(project: Project, upstream: list[dg.AssetKey]) -> tuple[list, list]:
    rules, tables = project.rules, project.tables
    checks = [build_family_check(f, [r for r in rules if r.family == f], tables)
              for f in FAMILIES if any(r.family == f for r in rules)]
    return [build_results_asset(upstream, project)], [*checks, *build_gx_checks()]
