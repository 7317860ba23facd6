"""Split a row of printed tokens into cells.

The report prints thousands with a space ('3 359'), so '1 202 1 054 650' can be read
as (1 202)(1 054)(650) or (1)(202)(1 054 650)... Each column's kind (count or percentage)
and the row's expected number of cells constrain the split; where several splits remain,
the one with the smallest largest count is chosen (it keeps every figure at the order of
magnitude of its neighbours) and the choice is reported so it can be logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

GROUP = re.compile(r"^\d+\**$")
PERCENT = re.compile(r"^[+-]?\d+(,\d+)?%\**$")
DECIMAL = re.compile(r"^[+-]?\d+,\d+\**$")
MARKER = re.compile(r"^(nb|n\.b\.|--)$")


def is_value_token(token: str) -> bool:
    return bool(GROUP.match(token) or PERCENT.match(token) or DECIMAL.match(token) or MARKER.match(token))


@dataclass(frozen=True)
class Split:
    cells: tuple[str, ...]
    alternatives: int  # how many splits fit; 1 means no choice was needed


def _count_value(tokens: tuple[str, ...]) -> int | None:
    """Integer value of groups joined as one number, or None when they cannot form one."""
    first, rest = tokens[0], tokens[1:]
    stars = any(t.endswith("*") for t in tokens[:-1])
    if stars or (len(first.rstrip("*")) > 1 and first.startswith("0")):
        return None
    if rest and (len(first.rstrip("*")) > 3 or any(len(t.rstrip("*")) != 3 for t in rest)):
        return None
    return int("".join(t.rstrip("*") for t in tokens))


def split_row(tokens: list[str], kinds: list[str]) -> Split | None:
    """Assign ``tokens`` to columns of the given kinds ('count' | 'percent' | 'decimal').

    Returns None when no assignment exists.
    """
    toks = tuple(tokens)
    n_tok, n_col = len(toks), len(kinds)

    @lru_cache(maxsize=None)
    def best(i: int, c: int):
        """(number of splits, (largest count, cells)) for tokens[i:] into columns[c:]."""
        if c == n_col:
            return (1, (0, ())) if i == n_tok else (0, None)
        if i == n_tok:
            return (0, None)
        total, choice = 0, None
        options = []
        token = toks[i]
        kind = kinds[c]
        if MARKER.match(token):
            options.append((1, 0))
        elif kind == "percent" and PERCENT.match(token):
            options.append((1, 0))
        elif kind == "decimal" and DECIMAL.match(token):
            options.append((1, 0))
        elif kind == "count" and GROUP.match(token):
            for width in range(1, n_tok - i + 1):
                group = toks[i : i + width]
                if not all(GROUP.match(t) for t in group):
                    break
                value = _count_value(group)
                if value is not None:
                    options.append((width, value))
        for width, value in options:
            n, sub = best(i + width, c + 1)
            if not n:
                continue
            total += n
            candidate = (max(value, sub[0]), (" ".join(toks[i : i + width]),) + sub[1])
            if choice is None or candidate[0] < choice[0]:
                choice = candidate
        return (total, choice)

    n, choice = best(0, 0)
    if not n:
        return None
    return Split(cells=choice[1], alternatives=n)
