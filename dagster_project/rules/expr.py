"""The arithmetic of narrative claims: + - * / and parentheses over named cells and numbers.

Parsed with ``ast`` and walked by hand, never eval'd. ``names_in`` lets the rule-file schema reject an
expression that names an unknown cell or uses anything else before a rule ever runs.
"""

from __future__ import annotations

import ast
import operator

OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


class ExpressionError(ValueError):
    """An expression outside the grammar, or one that cannot be evaluated (division by zero)."""


def _tree(expr: str) -> ast.Expression:
    try:
        return ast.parse(expr, mode="eval")
    except SyntaxError:
        raise ExpressionError(f"expression {expr!r} is not arithmetic over names and numbers") from None


def names_in(expr: str) -> set[str]:
    """The names an expression uses; raises ExpressionError on anything but + - * / ( ) names numbers."""
    out: set[str] = set()

    def walk(node):
        if isinstance(node, ast.Expression):
            walk(node.body)
        elif isinstance(node, ast.BinOp) and type(node.op) in OPS:
            walk(node.left), walk(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            walk(node.operand)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            pass
        elif isinstance(node, ast.Name):
            out.add(node.id)
        else:
            raise ExpressionError(f"expression {expr!r}: only + - * / ( ) over names and numbers are allowed")

    walk(_tree(expr))
    return out


def evaluate(expr: str, names: dict[str, float]) -> float:
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise ExpressionError(f"expression {expr!r} divides by zero with {names}")
            return OPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in names:
            return names[node.id]
        raise ExpressionError(f"expression {expr!r}: only + - * / ( ) over names {sorted(names)} and numbers")

    return walk(_tree(expr))
