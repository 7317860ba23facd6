"""Figures quoted in the report's text, checked against the tables.

A claim names its text location, the figure as quoted ('63.552', '14,3%', '+6.090') and what it
should equal: one cell, or a small arithmetic expression over named cells (``expr``: never eval'd).
"""

from __future__ import annotations

import re
from collections import namedtuple

import pandas as pd

from ..files import SourceError
from .expr import ExpressionError, evaluate
QUOTED = re.compile(r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:\.\d{3})*|\d+)(?:,(?P<dec>\d+))?(?P<pct>%?)$")


def parse_quote(text: str) -> tuple[float, float]:
    """Value and rounding unit of a figure as the narrative prints it (dot thousands, comma decimals)."""
    m = QUOTED.match(text.strip())
    if not m:
        raise ValueError(f"cannot read quoted figure {text!r}")
    dec = m.group("dec") or ""
    value = float(f"{m.group('sign')}{m.group('int').replace('.', '')}.{dec or 0}")
    return value, 10.0 ** -len(dec)


ClaimCell = namedtuple("ClaimCell", "claim name table_id row_label column_label value half exists")


def claims_frame(rule) -> pd.DataFrame:
    """One row per (claim, named cell) for a single set-based lookup in DuckDB."""
    rows = []
    for claim in rule.params["claims"]:
        cells = claim.get("cells") or {"x": claim["cell"]}
        for name, ref in cells.items():
            rows.append({"claim": claim["id"], "name": name, "table_id": ref["table"], "row_label": ref["row"],
                         "column_label": ref["column"]})
    return pd.DataFrame(rows)


def narrative(con, rule) -> pd.DataFrame:
    con.register("claim_cells", claims_frame(rule))
    found: dict[str, list[ClaimCell]] = {}  # per claim, in the join's order
    for row in con.execute("""
            SELECT k.claim, k.name, k.table_id, k.row_label, k.column_label, c.value, c.half,
                   c.cell IS NOT NULL AS exists
            FROM claim_cells k LEFT JOIN cells c USING (table_id, row_label, column_label)""").fetchall():
        found.setdefault(row[0], []).append(ClaimCell(*row))
    out = []
    for i, claim in enumerate(rule.params["claims"]):
        mine = found.get(claim["id"], [])
        missing = [r for r in mine if not r.exists]
        if missing:
            r = missing[0]
            raise SourceError(*rule.where("claims", i, *(("cell",) if claim.get("cell") else ("cells", r.name))),
                              f"claim {claim['id']}: no cell {r.table_id} | {r.row_label} | {r.column_label} "
                              "(table, row and column as printed)")
        quoted, rounding = parse_quote(claim["quote"])
        names = {r.name: r.value for r in mine}
        blocked = any(v is None or pd.isna(v) for v in names.values())
        expr = claim.get("expr") or "x"
        try:
            expected = None if blocked else evaluate(expr, names)
            # Rounded inputs widen the tolerance by their half unit, scaled through the expression.
            spread = 0.0
            if not blocked:
                for r in mine:
                    if r.half:
                        spread += abs(evaluate(expr, dict(names, **{r.name: names[r.name] + r.half})) - expected)
        except ExpressionError as exc:
            raise SourceError(*rule.where("claims", i, "expr"), f"claim {claim['id']}: {exc}") from None
        out.append({
            "table_id": "narrative", "row_label": f"line {claim['line']}", "column_label": claim["id"],
            "printed": claim["quote"], "lhs": quoted, "rhs": expected, "tolerance": rounding / 2 + spread,
            "blocked": blocked,
            "parts": [{"t": r.table_id, "r": r.row_label, "c": r.column_label, "coef": 1.0} for r in mine],
            "detail": f"{claim['text']} — {claim.get('expr') or 'x'}",
        })
    return pd.DataFrame(out)
