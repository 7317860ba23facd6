"""Parse the printed formulas of Tabel 39/40 ('a + b + 40%h* + i', 'a t/m h', 'trede 3 + trede 4 + trede 5')
and of numbered rows ('1+2+3+4+5') into weighted edges between rows, one level and down to leaves."""

from __future__ import annotations

import re
from dataclasses import dataclass

LEAF = re.compile(r"^([a-z]'?|\d+)$")
TERM = re.compile(r"^(?:(?P<pct>\d+)%)?(?P<code>[a-z]'?|\d+|trede \d)\*?$")


def _order(code: str) -> tuple[int, str]:
    """Letter sequence a … z, a' … z'; numbers in numeric order."""
    if code.isdigit():
        return (0, f"{int(code):04d}")
    return (1 if not code.endswith("'") else 2, code.rstrip("'"))


@dataclass(frozen=True)
class Row:
    label: str
    code: str
    row_no: int


def parse(code: str, leaves: list[str]) -> list[tuple[str, float]] | None:
    """Terms of a formula code as (code or 'trede N', weight); None when ``code`` is a leaf."""
    text = " ".join(code.replace("+", " + ").split())
    if LEAF.match(text):
        return None
    terms: list[tuple[str, float]] = []
    for part in text.split(" + "):
        part = part.strip()
        if " t/m " in part:
            start, end = (p.strip() for p in part.split(" t/m "))
            lo, hi = _order(start), _order(end)
            terms.extend((leaf, 1.0) for leaf in leaves if lo <= _order(leaf) <= hi)
            continue
        m = TERM.match(part)
        if not m:
            raise ValueError(f"cannot read formula term {part!r} in {code!r}")
        terms.append((m.group("code"), int(m.group("pct")) / 100 if m.group("pct") else 1.0))
    return terms


def edges(rows: list[Row]) -> list[dict]:
    """One edge per (total row, part row) with its weight; parts resolved to row labels.

    A leaf code printed on two rows (Tabel 40's 'j') resolves to the last, most detailed row;
    'trede N' resolves to the row whose label starts with 'TREDE N'.
    """
    by_code: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: r.row_no):
        if row.code and LEAF.match(row.code):
            by_code[row.code] = row
    for row in rows:
        if row.label.upper().startswith("TREDE "):
            by_code[f"trede {row.label.split()[1]}"] = row
    leaves = sorted(by_code, key=_order)
    leaves = [c for c in leaves if LEAF.match(c)]
    out = []
    for row in rows:
        terms = parse(row.code, leaves) if row.code else None
        if not terms:
            continue
        for code, weight in terms:
            if code not in by_code:
                raise ValueError(f"formula {row.code!r} of row {row.label!r} refers to unknown code {code!r}")
            out.append({"total_row": row.label, "part_row": by_code[code].label, "part_code": code, "weight": weight})
    return out


class FormulaError(ValueError):
    """A printed formula that cannot be read or that refers to itself; ``row`` is the row at fault."""

    def __init__(self, row: str, message: str):
        self.row = row
        super().__init__(message)


def check_formulas(rows: list[Row]) -> None:
    """Every formula parses, names known codes, and no row reaches itself through its parts."""
    try:
        graph: dict[str, list[str]] = {}
        for e in edges(rows):
            graph.setdefault(e["total_row"], []).append(e["part_row"])
    except ValueError as exc:
        row = next((r.label for r in rows if r.code and repr(r.code) in str(exc)), rows[0].label)
        raise FormulaError(row, str(exc)) from None
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(label: str, path: list[str]) -> None:
        if state.get(label) == 2:
            return
        if state.get(label) == 1:
            cycle = path[path.index(label):] + [label]
            raise FormulaError(label, "circular formula: " + " -> ".join(cycle))
        state[label] = 1
        for part in graph.get(label, []):
            visit(part, path + [label])
        state[label] = 2

    for label in graph:
        visit(label, [])


def leaf_weights(rows: list[Row], total_label: str) -> dict[str, float]:
    """Transitive weight of every leaf row in ``total_label`` (e.g. SINE's 0.4 in the grand total)."""
    graph: dict[str, list[tuple[str, float]]] = {}
    for e in edges(rows):
        graph.setdefault(e["total_row"], []).append((e["part_row"], e["weight"]))
    out: dict[str, float] = {}

    def walk(label: str, w: float) -> None:
        if label not in graph:
            out[label] = out.get(label, 0.0) + w
            return
        for part, weight in graph[label]:
            walk(part, w * weight)

    walk(total_label, 1.0)
    return out
