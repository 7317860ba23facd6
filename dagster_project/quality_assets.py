"""The rule results as a Dagster asset, with one check per rule family on every source asset it
covers, and Great Expectations gates on the results.

Each family reports on every source table it covers and, blocking for ERROR families, on the results
asset: an unwaived error stops everything downstream of the results. WARN families (time-series
plausibility) report without blocking. Every family check and both GX gates are evaluated in one
step, over one read of checks.results (per-check steps cost more in Dagster's bookkeeping than the
checks themselves).
"""

from __future__ import annotations

import time
from collections import Counter, namedtuple

import dagster as dg
import pandas as pd

from .catalogue import Table
from .project import Project
from .rules.registry import FAMILIES, Rule
from .rules.validate import validate
from .source_assets import asset_key
from .resources import GreatExpectations, Warehouse

RESULTS_KEY = dg.AssetKey(["quality", "rule_results"])
SHOWN = ["instance", "printed", "expected", "imbalance", "tolerance", "suspect", "suggestion", "pattern", "waiver"]


def short_number(value) -> str:
    """A number for a metadata table: blank when missing, six significant digits otherwise."""
    return "" if value is None or pd.isna(value) else f"{float(value):.6g}"


Finding = namedtuple("Finding", ["instance", "printed", "rhs", "imbalance", "tolerance", "suspect_table",
                                 "suspect_row", "suspect_column", "suggestion", "pattern", "waiver"])


def findings_table(frame: pd.DataFrame, limit: int = 50) -> dg.TableMetadataValue:
    """Findings as a Dagster table: blanks stay blank, numbers as short decimals, the suspect cell whole."""
    head = frame.head(limit)  # column by column: a run builds hundreds of these tables, most of them empty
    records = []
    for r in map(Finding._make, zip(*(head[c].tolist() for c in Finding._fields)) if len(head) else ()):
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
            "result_cells": outcome.n_cells,
            "seconds": round(time.perf_counter() - started, 2),
        })

    return _asset


def _scope(rule: Rule, tables: list[Table]) -> set[str]:
    if rule.kind == "cross_table":
        return {rule.params["target"]["table"]}
    if rule.kind in ("narrative", "narrative_scan"):  # checks the text: reported on the results asset
        return set()
    return set(rule.tables) if rule.tables else {t.id for t in tables if t.available}


def family_specs(family: str, rules: list[Rule], tables: list[Table]) -> list[dg.AssetCheckSpec]:
    """The family's check on each source table it covers (a check there cannot block: it needs the
    results, which are downstream of the sources) and on the results asset, blocking for ERROR rules."""
    covered = sorted(set().union(*(_scope(r, tables) for r in rules)))
    by_id = {t.id: t for t in tables}
    name = f"rules_{family}"
    specs = [dg.AssetCheckSpec(name, asset=asset_key(by_id[t]), additional_deps=[RESULTS_KEY],
                               description=FAMILIES[family]) for t in covered if t in by_id]
    specs.append(dg.AssetCheckSpec(name, asset=RESULTS_KEY, blocking=any(r.severity == "error" for r in rules),
                                   description=FAMILIES[family]))
    return specs


def family_result(family: str, spec: dg.AssetCheckSpec, mine: pd.DataFrame) -> dg.AssetCheckResult:
    """The family's findings on the spec's asset (``mine``: the rows of checks.results they are)."""
    on_results = spec.asset_key == RESULTS_KEY
    status = mine.status.to_numpy()
    failing, waived = mine[status == "fail"], mine[status == "waived"]
    return dg.AssetCheckResult(
        asset_key=spec.asset_key, check_name=spec.name, passed=failing.empty,
        severity=dg.AssetCheckSeverity.ERROR if (failing.severity == "error").any() else dg.AssetCheckSeverity.WARN,
        metadata={
            "instances": len(mine),
            "by_status": dg.MetadataValue.json(dict(sorted(Counter(status.tolist()).items()))),
            "failing": findings_table(failing),
            "waived": findings_table(waived, limit=20),
            "full_list": dg.MetadataValue.text(
                f"SELECT * FROM checks.results WHERE family = '{family}' AND status <> 'pass'"
                + ("" if on_results else f" AND table_id = '{spec.asset_key.path[-1]}'")),
        })


GX_SEVERITIES = ("error", "warn")


def gx_spec(severity: str) -> dg.AssetCheckSpec:
    """Two GX gates: 'error' blocks (ERROR), 'warn' reports (WARN)."""
    return dg.AssetCheckSpec(f"gx_rule_results_{severity}", asset=RESULTS_KEY, blocking=severity == "error",
                             description=f"Great Expectations suite rule_results.{severity} over checks.results")


def gx_results(gx: GreatExpectations, results: pd.DataFrame, severities: list[str]):
    for outcome in gx.validate(results, severities):
        severity = outcome.name.rsplit(".", 1)[1]
        yield dg.AssetCheckResult(
            asset_key=RESULTS_KEY, check_name=f"gx_rule_results_{severity}", passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if severity == "error" else dg.AssetCheckSeverity.WARN,
            metadata={"suite": outcome.name, "failed_expectations": len(outcome.failures),
                      "failures": dg.MetadataValue.json(outcome.failures[:20])})


def build_rule_checks(project: Project) -> dg.AssetChecksDefinition:
    """Every family's checks and the GX gates, in one subsettable step over checks.results."""
    families = {f: [r for r in project.rules if r.family == f] for f in FAMILIES}
    families = {f: rules for f, rules in families.items() if rules}
    specs = {f: family_specs(f, rules, project.tables) for f, rules in families.items()}

    @dg.multi_asset_check(name="rule_checks", can_subset=True,
                          specs=[*(s for f in specs for s in specs[f]), *map(gx_spec, GX_SEVERITIES)])
    def _check(context, warehouse: Warehouse, gx: GreatExpectations):
        selected = context.selected_asset_check_keys
        res = warehouse.read("SELECT * FROM checks.results")
        for family, rules in families.items():
            found = res[res.rule.isin([r.id for r in rules])]
            per_table = dict(tuple(found.groupby("table_id", sort=False)))  # each in stored order
            for spec in specs[family]:
                if spec.key in selected:
                    mine = found if spec.asset_key == RESULTS_KEY else per_table.get(spec.asset_key.path[-1], found[:0])
                    yield family_result(family, spec, mine)
        gates = [s for s in GX_SEVERITIES if gx_spec(s).key in selected]
        if gates:
            yield from gx_results(gx, res, gates)

    return _check


def quality_definitions(project: Project, upstream: list[dg.AssetKey]) -> tuple[dg.AssetsDefinition,
                                                                                 dg.AssetChecksDefinition]:
    return build_results_asset(upstream, project), build_rule_checks(project)
