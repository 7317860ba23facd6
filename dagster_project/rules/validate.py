"""Validate a warehouse: run every rule, store the results, and report findings and coverage."""

from __future__ import annotations

import pandas as pd

from ..project import Project
from .engine import Outcome, check_rules, prepare, store

SCHEMA = "checks"


def validate(con, project: Project) -> Outcome:
    """Run the rules on an open connection and write checks.results / checks.result_cells (in one
    transaction: readers see the old results or the new)."""
    prepare(con, project.tables, project.ref, project.rounded)
    stale, mismatched = check_rules(con, project.rules, project.waivers)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute("BEGIN TRANSACTION")
    try:
        store(con, f"TABLE {SCHEMA}.results", f"TABLE {SCHEMA}.result_cells")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return Outcome(results=con.execute(f"SELECT * FROM {SCHEMA}.results").df(),
                   n_cells=con.execute(f"SELECT count(*) FROM {SCHEMA}.result_cells").fetchall()[0][0],
                   stale_waivers=stale,
                   mismatched_waivers=mismatched)


def coverage(con) -> pd.DataFrame:
    """Printed cells (figures and markers) that no rule instance touches."""
    return con.execute("""
        SELECT c.table_id, c.row_label, c.column_label, c.printed, c.stat
        FROM cells c
        WHERE c.printed <> '' AND NOT EXISTS (
            SELECT 1 FROM checks.result_cells r
            WHERE r.table_id = c.table_id AND r.row_label = c.row_label AND r.column_label = c.column_label)
        ORDER BY c.table_id, c.row_no, c.col_no""").df()


def findings(outcome: Outcome) -> list[dict]:
    """Failures, waived findings and stale waivers in the shape `ladder validate --json` promises."""
    res = outcome.results
    out = []
    for r in res[res["status"].isin(["fail", "waived"])].itertuples():
        out.append({
            "rule": r.rule, "family": r.family, "severity": r.severity, "status": r.status,
            "instance": r.instance, "table": r.table_id, "row": r.row_label, "column": r.column_label,
            "printed": r.printed, "expected": _num(r.rhs), "imbalance": _num(r.imbalance),
            "tolerance": _num(r.tolerance), "detail": r.detail, "waiver": r.waiver,
            "suspect": None if r.suspect_table is None else
            {"table": r.suspect_table, "row": r.suspect_row, "column": r.suspect_column},
            "suggestion": _num(r.suggestion), "pattern": r.pattern,
        })
    for w in outcome.stale_waivers:
        out.append({"rule": w.instance.split(":")[0], "family": None, "severity": "error", "status": "stale_waiver",
                    "instance": w.instance, "table": None, "row": None, "column": None, "printed": None,
                    "expected": None, "imbalance": None, "tolerance": None,
                    "detail": f"waiver (checks/waivers.yaml:{w.line}) matches no failing instance",
                    "waiver": w.reason, "suspect": None, "suggestion": None, "pattern": None})
    for w, why in outcome.mismatched_waivers:
        out.append({"rule": w.instance.split(":")[0], "family": None, "severity": "error",
                    "status": "waiver_mismatch", "instance": w.instance, "table": None, "row": None, "column": None,
                    "printed": w.printed, "expected": w.expected, "imbalance": w.imbalance, "tolerance": None,
                    "detail": f"waiver (checks/waivers.yaml:{w.line}) no longer matches its finding: {why}",
                    "waiver": w.reason, "suspect": None, "suggestion": None, "pattern": None})
    return out


def _num(value):
    return None if value is None or pd.isna(value) else round(float(value), 6)
