"""Figures quoted in the report's text, checked against the tables.

A claim names its text location, the figure as quoted ('63.552', '14,3%', '+6.090') and what it
should equal: one cell, or a small arithmetic expression over named cells. Expressions are parsed
with ``ast`` and only + - * / and parentheses over names and numbers are allowed: never eval'd.
"""

from __future__ import annotations

import ast
import operator
import re

import pandas as pd

OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
QUOTED = re.compile(r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:\.\d{3})*|\d+)(?:,(?P<dec>\d+))?(?P<pct>%?)$")


def parse_quote(text: str) -> tuple[float, float]:
    """Value and rounding unit of a figure as the narrative prints it (dot thousands, comma decimals)."""
    m = QUOTED.match(text.strip())
    if not m:
        raise ValueError(f"cannot read quoted figure {text!r}")
    dec = m.group("dec") or ""
    value = float(f"{m.group('sign')}{m.group('int').replace('.', '')}.{dec or 0}")
    return value, 10.0 ** -len(dec)


def evaluate(expr: str, names: dict[str, float]) -> float:
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        raise ValueError(f"expression {expr!r}: only + - * / ( ) over names {sorted(names)} and numbers")

    return walk(ast.parse(expr, mode="eval"))


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
    found = con.execute("""
        SELECT k.claim, k.name, k.table_id, k.row_label, k.column_label, c.value, c.half, c.rounding, c.printed,
               c.cell IS NOT NULL AS exists
        FROM claim_cells k LEFT JOIN cells c USING (table_id, row_label, column_label)""").df()
    out = []
    for claim in rule.params["claims"]:
        mine = found[found.claim == claim["id"]]
        missing = mine[~mine.exists]
        if len(missing):
            raise ValueError(f"rule {rule.id}, claim {claim['id']}: no cell "
                             + "; ".join(f"{r.table_id} | {r.row_label} | {r.column_label}" for r in missing.itertuples()))
        quoted, rounding = parse_quote(claim["quote"])
        names = dict(zip(mine.name, mine.value))
        blocked = any(v is None or pd.isna(v) for v in names.values())
        expected = None if blocked else evaluate(claim.get("expr", "x"), names)
        # Rounded inputs widen the tolerance by their half unit, scaled through the expression.
        spread = 0.0
        if not blocked:
            for name, half in zip(mine.name, mine.half):
                if half:
                    bumped = dict(names, **{name: names[name] + half})
                    spread += abs(evaluate(claim.get("expr", "x"), bumped) - expected)
        out.append({
            "table_id": "narrative", "row_label": f"line {claim['line']}", "column_label": claim["id"],
            "printed": claim["quote"], "lhs": quoted, "rhs": expected, "tolerance": rounding / 2 + spread,
            "blocked": blocked,
            "parts": [{"t": r.table_id, "r": r.row_label, "c": r.column_label, "coef": 1.0} for r in mine.itertuples()],
            "detail": f"{claim['text']} — {claim.get('expr', 'x')}",
        })
    return pd.DataFrame(out)
