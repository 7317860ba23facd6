"""Error localisation by evidence: the smallest set of cells that explains every failing equation, the
value for each suspect that makes all its failing equations hold, and the fault pattern when one fits.

Every instance says for which values of each of its cells it holds (``_interval``: exact for sums and
copies, a range for rounded shares, evolutions, ratios and weighted means, where weights count too).
A wrong cell breaks every equation it sits in, so cells are picked greedily by the failing instances
they explain less the passing ones their suggested value would break (a copy in another table that
agrees, a sum that holds); then a cell that can print such a value; then one whose value is a
mistyping of the printed figure (one digit off, transposed digits, a digit too many or too few, the
sign) or whose printed figure repeats the previous year's; then one whose value brings it back to its
own series. Cells that stay tied are all named, in a note on every finding they explain, and the
suspect column holds the first of them only for sorting. Waived findings are never evidence against a
cell: they are localised in a pass of their own.
"""

from __future__ import annotations

import gc
import math
from functools import lru_cache, wraps

import numpy as np
import pandas as pd

LINEAR = {"geo_sum", "component_sum", "code_formula", "cross_table", "sine_weight"}
FAILED = {"fail", "waived"}
TREND_BREAK_WAIVER = "registered trend break of this series in this year"
SERIES_MARGIN = 0.001
SERIES_SHARE = 0.25
"""A suggestion restores a cell's series when it cuts the cell's distance to the mean of its neighbouring
years by at least SERIES_SHARE of that distance and by more than SERIES_MARGIN of their level: a change of
a unit or two is no evidence against a series that moves by tens from year to year."""


def _digits(value: float) -> str:
    return str(int(round(abs(value))))


def pattern(printed_value: float, suggested: float, imbalance: float, part_values: list[float]) -> str | None:
    """Name the fault when it fits; digit patterns for counts only, never for a one-unit gap (rounding noise)."""
    if printed_value * suggested < 0 and abs(printed_value + suggested) <= 0.05 * abs(suggested) + 1e-6:
        return "wrong sign"
    if abs(imbalance) <= 1 or printed_value != round(printed_value):
        return None
    a, b = _digits(printed_value), _digits(suggested)
    if len(a) == len(b) and a != b:
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return "one digit off"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return "transposed digits"
    if len(a) == len(b) + 1 and any(a[:i] + a[i + 1:] == b for i in range(len(a))):
        return "an extra digit"
    if len(b) == len(a) + 1 and any(b[:i] + b[i + 1:] == a for i in range(len(b))):
        return "a dropped digit"
    if any(abs(abs(imbalance) - abs(v)) < 1e-6 and v for v in part_values):
        return "a component counted twice or left out"
    return None


def _suggest(row, role: str, coef: float, current, other: float | None = None) -> float | None:
    """The value of a suspect cell that makes this equation hold; ``other`` is the other part of a
    share or evolution (numerator / denominator, current / base year)."""
    if row["kind"] == "markers":  # a figure where a marker belongs (or the reverse): no value to suggest
        return None
    if current is None or pd.isna(current) or pd.isna(row["rhs"]):
        return float(row["rhs"]) if role == "lhs" and not pd.isna(row["rhs"]) else None
    if role == "lhs":  # lhs may be a function of the cell (SINE: total - others): undo the imbalance
        return float(current) - float(row["imbalance"]) if row["kind"] in LINEAR else float(row["rhs"])
    if row["kind"] in LINEAR and coef:
        return float(current) + float(row["imbalance"]) / coef
    printed = float(row["lhs"])
    if other is None or pd.isna(other) or row["kind"] not in ("share", "evolution"):
        return None
    factor = printed / 100 if row["kind"] == "share" else 1 + printed / 100
    if coef > 0:  # numerator, or the later year
        return other * factor
    return other / factor if factor else None


def _cover(instances: set[str], by_cell: dict[tuple, set], printable, penalty, fit, restores) -> tuple[dict, dict]:
    """Greedy cover of failing instances by cells. A cell scores the failing instances it explains less
    the passing ones its suggested value would break (each of those would need a second fault); then a
    cell that can print a value making them hold goes first, then the one breaking fewer, then a
    recognisable fault pattern, then a value that restores the cell's own series; cells still tied are
    all listed. Instances that share no cell are covered apart: the picks are the same as in one cover of
    them all, and each pick looks only at its own few cells."""
    cells_of: dict[str, set] = {}
    for c, insts in by_cell.items():
        for inst in insts:
            cells_of.setdefault(inst, set()).add(c)
    assigned: dict[str, tuple] = {}
    ties: dict[str, list[tuple]] = {}
    memo: dict[tuple, object] = {}

    def remembered(test, c, mine):
        if (test, c, mine) not in memo:
            memo[test, c, mine] = test(c, mine)
        return memo[test, c, mine]

    def score(c, mine):
        broken = remembered(penalty, c, mine)
        return len(mine) - broken, remembered(printable, c, mine), -broken

    for component in _components(instances, cells_of):
        open_instances = set(component)
        while open_instances:
            near = set().union(*(cells_of.get(i, ()) for i in open_instances))
            mine_of = {c: frozenset(by_cell[c] & open_instances) for c in near}
            scores: dict[tuple, tuple] = {}
            top = None
            for c in sorted(near, key=lambda c: -len(mine_of[c])):
                if top is not None and len(mine_of[c]) < top[0]:  # it scores at most the instances it explains
                    break
                scores[c] = score(c, mine_of[c])
                top = scores[c] if top is None else max(top, scores[c])
            if not scores:
                break
            best_cells = sorted(c for c, v in scores.items() if v == top)
            if len(best_cells) > 1:  # evidence beyond counts: does the suggested value fit a fault pattern?
                fits = [c for c in best_cells if remembered(fit, c, mine_of[c])]
                best_cells = fits or best_cells
            if len(best_cells) > 1:  # ... and bring the cell back in line with its neighbouring years?
                back = [c for c in best_cells if remembered(restores, c, mine_of[c])]
                best_cells = back or best_cells
            best = best_cells[0]
            explained = by_cell[best] & open_instances
            tied = [c for c in best_cells[1:] if by_cell[c] & explained]
            for inst in explained:
                assigned[inst] = best
                if tied:
                    ties[inst] = [best, *tied]
            open_instances -= by_cell[best]
    return assigned, ties


def _components(instances: set[str], cells_of: dict[str, set]) -> list[set[str]]:
    """The instances grouped by shared cells (connected components), in a fixed order."""
    parent = {i: i for i in instances}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, str] = {}
    for inst in sorted(instances):
        for c in cells_of.get(inst, ()):
            if c in first:
                parent[root(inst)] = root(first[c])
            else:
                first[c] = inst
    groups: dict[str, set[str]] = {}
    for inst in sorted(instances):
        groups.setdefault(root(inst), set()).add(inst)
    return list(groups.values())


@lru_cache(maxsize=4096)
def fault_candidates(value: float, unit: float) -> frozenset[float]:
    """Values a printed figure may have been mistyped from, at its printed precision: one digit
    off, two adjacent digits transposed, a digit too many or too few, the sign."""
    unit = unit if unit and unit == unit and unit > 0 else 1.0
    n = int(round(abs(value) / unit))
    text, sign = str(n), -1 if value < 0 else 1
    texts = set()
    for i in range(len(text)):
        texts |= {text[:i] + d + text[i + 1:] for d in "0123456789"}
        texts.add(text[:i] + text[i + 1:])
        if i + 1 < len(text):
            texts.add(text[:i] + text[i + 1] + text[i] + text[i + 2:])
    for i in range(len(text) + 1):
        texts |= {text[:i] + d + text[i:] for d in "0123456789"}
    out = {round(sign * int(t) * unit, 6) for t in texts if t and (len(t) == 1 or t[0] != "0")}
    out.add(round(-value, 6))
    out.discard(round(value, 6))
    return frozenset(out)


def _one_edit(text: str, other: str) -> bool:
    """``other`` is ``text`` with one digit changed, two adjacent digits swapped, one left out or one
    added (or ``text`` itself): a text ``fault_candidates`` spells out."""
    if len(other) == len(text):
        diff = [i for i, (a, b) in enumerate(zip(text, other)) if a != b]
        return len(diff) <= 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and text[diff[0]] == other[diff[1]]
                                  and text[diff[1]] == other[diff[0]])
    short, long = (other, text) if len(other) < len(text) else (text, other)
    return len(long) == len(short) + 1 and any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def mistypings(value: float, unit: float, lo: float, hi: float) -> list[float]:
    """The ``fault_candidates`` of ``value`` from lo to hi (1e-9 either side). A range of a few printed
    units (a sum wants one value) is tried value by value instead of spelling out every mistyping."""
    unit = unit if unit and unit == unit and unit > 0 else 1.0
    lo, hi = lo - 1e-9, hi + 1e-9
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo > 40 * unit:
        return sorted(v for v in fault_candidates(value, unit) if lo <= v <= hi)
    text, sign = str(int(round(abs(value) / unit))), -1 if value < 0 else 1
    own, flipped = round(value, 6), round(-value, 6)
    out = set()
    for k in range(math.floor(lo / unit) - 1, math.ceil(hi / unit) + 2):
        v = round(sign * (sign * k) * unit, 6)
        if sign * k >= 0 and lo <= v <= hi and v != own and _one_edit(text, str(sign * k)):
            out.add(v)
    if lo <= flipped <= hi and flipped != own:
        out.add(flipped)
    return sorted(out)


def _collector_paused(function):
    """Run ``function`` with the cyclic garbage collector off: localisation builds tens of thousands of small
    tuples, dicts and sets that live until it returns and form no cycles, and the collections they would
    set off scan the whole heap (300 faults in 1M cells: 0.16-0.22 s with it on, 0.14 s off)."""
    @wraps(function)
    def paused(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused


@_collector_paused
def localise(res: pd.DataFrame, cells: pd.DataFrame, values: pd.DataFrame | None = None,
             swapped=None) -> pd.DataFrame:
    """Suspect, suggestion and pattern of every failing and waived instance of ``res``: ``cells`` holds the
    cells of each (in order, as ``engine.result_cells``), ``values`` their values. ``res`` needs only the
    instances to localise and the passing ones that share a cell with them, and ``cells`` of a passing sum
    (``LINEAR``) only the cells it shares with them: its interval for a cell needs no other.
    ``swapped(asked)`` maps (table, row, column, suggested) to the other cell of the same row or column that
    prints the suggested value (a swap); None looks in ``values``."""
    res = res.copy()
    for col in ("suspect_table", "suspect_row", "suspect_column", "suggestion", "pattern"):
        res[col] = None
    # Series warnings are localised by `swaps`; trend-break silencing is not a finding.
    candidate = (res["kind"] != "series") & ~res["waiver"].fillna("").str.startswith(TREND_BREAK_WAIVER)
    passing = set(res.loc[res["status"] == "pass", "instance"])
    keys = list(zip(values.table_id, values.row_label, values.column_label)) if values is not None else []

    def of(column: str) -> dict:
        return dict(zip(keys, values[column])) if values is not None and column in values else {}

    value_of, unit_of, neighbour_of, stat_of, previous_of = (of(c) for c in ("value", "rounding", "neighbour",
                                                                              "stat", "previous"))
    row_kind = dict(zip(res["instance"], res["kind"]))
    shown = [c for c in ("instance", "kind", "lhs", "rhs", "imbalance", "tolerance") if c in res]
    rows = {r["instance"]: r for r in res[shown].to_dict("records")}
    flagged = set(res.loc[candidate & res["status"].isin(FAILED), "instance"])
    rows_status = dict(zip(res["instance"], res["status"]))
    parts_of: dict[str, list[tuple]] = {}
    pass_of: dict[tuple, list[str]] = {}
    cells_of: dict[str, list[tuple]] = {}  # of the flagged instances: (cell, role)
    role_of: dict[tuple, tuple] = {}
    for inst, table, row, column, coef, role in zip(*(cells[c].tolist() for c in ("instance", "table_id", "row_label",
                                                                                  "column_label", "coef", "role"))):
        cell = (table, row, column)
        role_of[inst, cell] = (role, coef)
        if role == "rhs":
            parts_of.setdefault(inst, []).append((cell, coef))
        if inst in passing:
            pass_of.setdefault(cell, []).append(inst)
        if inst in flagged:
            cells_of.setdefault(inst, []).append((cell, role))

    def suggestion(cell: tuple, inst: str) -> tuple[float | None, float | None]:
        """(current value, suggested value) of ``cell`` to make instance ``inst`` hold."""
        role, coef = role_of.get((inst, cell), ("rhs", 0.0))
        current = value_of.get(cell)
        others = [c for c, _ in parts_of.get(inst, []) if c != cell] if row_kind.get(inst) in ("share", "evolution") \
            else []
        other = value_of.get(others[0]) if len(others) == 1 else None
        return current, _suggest(rows[inst], role, coef, current, other)

    def interval(inst: str, cell: tuple) -> tuple[float, float] | None:
        """The values of ``cell`` (every other cell as printed) for which instance ``inst`` holds."""
        return _interval(rows[inst], role_of.get((inst, cell)), value_of.get(cell), parts_of.get(inst, []),
                         value_of, cell)

    memo: dict[tuple, object] = {}

    def feasible(cell: tuple, insts: frozenset) -> tuple[float, float] | None:
        """Where the intervals of ``insts`` for ``cell`` meet (lo > hi: they do not), a count never below
        0, a share or percentage between 0 and 100; None if none is known."""
        if ("feasible", cell, insts) not in memo:
            known = [iv for iv in (interval(i, cell) for i in sorted(insts)) if iv is not None]
            if known and stat_of.get(cell) in ("count", "share", "percent"):
                known.append((0.0, 100.0 if stat_of.get(cell) in ("share", "percent") else np.inf))
            memo["feasible", cell, insts] = (max(a for a, _ in known), min(b for _, b in known)) if known else None
        return memo["feasible", cell, insts]

    def choose(cell: tuple, insts: frozenset) -> float | None:
        """The value that makes every one of ``insts`` hold: a mistyping of the printed figure when one
        does (the one nearest the middle of what they allow, then nearest the neighbouring years), else
        the printable value nearest that middle."""
        if ("choose", cell, insts) in memo:
            return memo["choose", cell, insts]
        iv, current, unit = feasible(cell, insts), value_of.get(cell), unit_of.get(cell)
        unit = unit if unit and unit == unit else 1.0
        out = None
        if iv is not None and iv[0] <= iv[1] + 1e-9 and current is not None and not pd.isna(current):
            lo, hi = iv
            middle = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else (lo if np.isfinite(lo) else hi)
            typed = mistypings(float(current), unit, lo, hi)
            near = neighbour_of.get(cell)
            near = near if near is not None and not pd.isna(near) else middle
            if typed:  # several mistypings fit: the one nearest the middle, then the neighbouring years
                out = min(typed, key=lambda v: (round(abs(v - middle), 6), abs(v - near), v))
            elif np.isfinite(middle):
                out = round(round(middle / unit) * unit, 6)
                if not lo - 1e-9 <= out <= hi + 1e-9:
                    up = round(np.ceil((lo - 1e-9) / unit) * unit, 6)
                    out = up if up <= hi + 1e-9 else round(middle, 6)
        memo["choose", cell, insts] = out
        return out

    def printable(cell: tuple, insts: frozenset) -> bool:
        """Some value at the cell's printed precision makes ``insts`` hold (True when that is not known)."""
        iv, unit = feasible(cell, insts), unit_of.get(cell)
        unit = unit if unit and unit == unit else 1.0
        if iv is None:
            return True
        return iv[0] <= iv[1] + 1e-9 and np.ceil((iv[0] - 1e-9) / unit) * unit <= iv[1] + 1e-9

    def penalty(cell: tuple, insts: frozenset) -> int:
        """Passing equations of ``cell`` that its suggested value would break (all of them when no value
        is known): a cell whose other equations would hold either way is not cleared by them."""
        value = choose(cell, insts)
        mine = pass_of.get(cell, [])
        if value is None:
            return len(mine)
        broken = 0
        for inst in mine:
            iv = interval(inst, cell)
            broken += iv is not None and not iv[0] - 1e-9 <= value <= iv[1] + 1e-9
        return broken

    def fit(cell: tuple, insts: frozenset) -> bool:
        """The value the equations want is a mistyping of the printed one (more than one printed unit
        away: a unit is rounding noise), or the printed figure repeats the previous year's."""
        current, unit = value_of.get(cell), unit_of.get(cell)
        if current is None or pd.isna(current):
            return False
        unit = unit if unit and unit == unit else 1.0
        iv = feasible(cell, insts)
        if iv is None:
            inst = min(insts)
            _, suggested = suggestion(cell, inst)
            return suggested is not None and pattern(float(current), suggested, float(rows[inst]["imbalance"]),
                                                     []) is not None
        if iv[0] > iv[1] + 1e-9:
            return False
        typed = [v for v in mistypings(float(current), unit, *iv) if abs(v - current) > unit + 1e-9]
        previous = previous_of.get(cell)
        copied = (previous is not None and not pd.isna(previous) and abs(current) >= 10 and previous == current
                  and not iv[0] - unit - 1e-9 <= current <= iv[1] + unit + 1e-9)
        return bool(typed) or copied

    def restores(cell: tuple, insts: frozenset) -> bool:
        """The suggested value brings the cell back towards its neighbouring years: cuts its distance to
        their mean by at least SERIES_SHARE, and by more than SERIES_MARGIN of their level."""
        near, current = neighbour_of.get(cell), value_of.get(cell)
        value = choose(cell, insts)
        if value is None:
            value = suggestion(cell, min(insts))[1]
        if near is None or pd.isna(near) or not near or value is None or current is None or pd.isna(current):
            return False
        before, after = abs(float(current) - near), abs(value - near)
        return before - after >= SERIES_SHARE * before and before - after > SERIES_MARGIN * abs(near)

    assigned: dict[str, tuple] = {}
    ties: dict[str, list[tuple]] = {}
    # Unwaived findings are localised on their own evidence: an old, accepted finding near a cell is no
    # reason to suspect it. Waived findings get their suspects in a pass of their own.
    for status in ("fail", "waived"):
        scope = candidate & (res["status"] == status)
        if not scope.any():
            continue
        if "missing_row" in res:  # a dropped row explains its equation by itself
            for r in res[scope & res["missing_row"].notna()].itertuples():
                assigned[r.instance] = (r.table_id, r.missing_row, r.column_label)
        todo = set(res.loc[scope, "instance"]) - set(assigned)
        by_cell: dict[tuple, set] = {}
        for inst in todo:
            for cell, _ in cells_of.get(inst, ()):
                by_cell.setdefault(cell, set()).add(inst)
        found, tied = _cover(todo, by_cell, printable, penalty, fit, restores)
        assigned.update(found)
        ties.update(tied)
    mine_of: dict[tuple, set] = {}
    for inst, cell in assigned.items():
        mine_of.setdefault((cell, "fail" if rows_status[inst] == "fail" else "waived"), set()).add(inst)
    agreed = {k: choose(k[0], frozenset(v)) for k, v in mine_of.items()}
    named: dict[int, dict] = {}
    unnamed: list[tuple] = []  # (idx, suspect, suggested, current): no digit pattern, perhaps a swap
    for idx in res.index[candidate & res["status"].isin(FAILED)]:
        row = rows[res.at[idx, "instance"]]
        suspect = assigned.get(row["instance"])
        if suspect is None:
            continue
        out = named[idx] = {"suspect_table": suspect[0], "suspect_row": suspect[1], "suspect_column": suspect[2]}
        mine = cells_of[row["instance"]]
        hint = res.at[idx, "pattern_hint"] if "pattern_hint" in res else None
        if all(cell != suspect for cell, _ in mine):  # the suspect is a row the table does not print
            out.update(suggestion=float(row["imbalance"]), pattern="row missing from the table")
            continue
        current, suggested = suggestion(suspect, row["instance"])
        both = agreed.get((suspect, "fail" if rows_status[row["instance"]] == "fail" else "waived"))
        suggested = both if both is not None else suggested
        if suggested is None:
            continue
        if both is not None:
            out["agreed"] = True
        parts = [value_of.get(cell) for cell, role in mine if role == "rhs"]
        unit = unit_of.get(suspect)  # the value that makes the equations hold, as it would be printed
        unit = unit if unit and unit == unit else 0.001
        out["suggestion"] = round(round(suggested / unit) * unit, 6)
        if isinstance(hint, str):
            out["pattern"] = hint
        elif current is not None and not pd.isna(current):
            gap = float(row["imbalance"]) if row["kind"] in LINEAR else float(current) - suggested
            out["pattern"] = pattern(float(current), suggested, gap,
                                     [p for p in parts if p is not None and not pd.isna(p)])
            if out["pattern"] is None:
                unnamed.append((idx, suspect, suggested, float(current)))
    # A figure the equations want that another cell of the same row or column prints: a swap.
    asked = pd.DataFrame([(*cell, suggested) for _, cell, suggested, current in unnamed
                          if suggested == round(suggested) and abs(suggested - current) > 1],
                         columns=["table_id", "row_label", "column_label", "suggested"]).drop_duplicates()
    others = (swapped or _swapped_in(values))(asked) if len(asked) else {}
    for idx, cell, suggested, current in unnamed:
        other = others.get((*cell, suggested))
        named[idx]["pattern"] = (f"cells swapped with '{other}'" if other is not None
                                 else _copied(previous_of.get(cell), current, suggested))
    agreed_rows = {idx for idx, out in named.items() if out.pop("agreed", False)}
    if named:
        update = pd.DataFrame.from_dict(named, orient="index")
        for col in update:
            res.loc[update.index, col] = update[col].astype(object).where(update[col].notna(), None)
    # A share or an evolution holds for a range of values; a sum holds for one. Where a suspect's sums name
    # a value, that value is the suggestion for all its equations.
    exact = _exact_suggestions(res.drop(index=list(agreed_rows)))
    if exact:
        named_rows = res.loc[list(named)]
        value = pd.Series([exact.get(k) for k in zip(named_rows.suspect_table, named_rows.suspect_row,
                                                      named_rows.suspect_column)], index=named_rows.index, dtype=object)
        at = value.notna() & ~named_rows["kind"].isin(LINEAR) & named_rows["suggestion"].notna() \
            & ~named_rows.index.isin(list(agreed_rows))
        res.loc[at[at].index, "suggestion"] = value[at]
    index_of = dict(zip(res["instance"], res.index))
    for inst, cands in ties.items():
        note = f"one of {len(cands)} equally likely cells: " + "; ".join(" | ".join(c) for c in cands)
        p = res.at[index_of[inst], "pattern"]
        res.at[index_of[inst], "pattern"] = f"{p}; {note}" if isinstance(p, str) else note
    return res


def _interval(row: dict, role: tuple | None, current, parts: list[tuple], value_of: dict,
              cell: tuple) -> tuple[float, float] | None:
    """The values of one cell for which one instance holds (the other cells as printed), or None where the
    instance does not say (a plausibility check, a marker, a quoted expression, an unknown cell)."""
    kind, tol = row["kind"], float(row.get("tolerance", 0.0) or 0.0)
    imb, printed, rhs = row["imbalance"], row.get("lhs"), row["rhs"]
    if role is None or current is None or pd.isna(current) or kind in ("series", "markers") \
            or any(v is None or pd.isna(v) for v in (imb, rhs)):
        return None
    side, coef = role
    current, imb, rhs = float(current), float(imb), float(rhs)
    if side == "lhs":  # the printed side moves with the cell (SINE: the total less the other parts)
        return current - imb - tol, current - imb + tol
    if kind in LINEAR or (kind == "narrative" and len(parts) == 1):
        if not coef:
            return None
        a, b = current + (imb - tol) / coef, current + (imb + tol) / coef
        return min(a, b), max(a, b)
    vals = [value_of.get(c) for c, _ in parts]
    if printed is None or pd.isna(printed) or any(v is None or pd.isna(v) for v in vals):
        return None
    printed = float(printed)
    if kind in ("share", "ratio", "evolution"):
        off = 100.0 if kind == "evolution" else 0.0
        num = sum(v for v, (_, k) in zip(vals, parts) if k > 0)
        den = sum(v for v, (_, k) in zip(vals, parts) if k < 0)
        if den <= 0 or abs(100 * num / den - off - rhs) > 1e-6 * max(1.0, abs(rhs)):
            return None
        lo_q, hi_q = printed - tol + off, printed + tol + off  # what 100 × num / den may be
        if coef > 0:
            return den * lo_q / 100 - (num - current), den * hi_q / 100 - (num - current)
        if num <= 0 or hi_q <= 0:
            return None
        return 100 * num / hi_q - (den - current), (100 * num / lo_q if lo_q > 0 else np.inf) - (den - current)
    if kind == "weighted_mean":
        total = sum(k for _, k in parts if k > 0)
        if not total:
            return None
        if coef > 0:  # a child's percentage, weighted by its population
            return current + (imb - tol) * total / coef, current + (imb + tol) * total / coef
        # a child's population: the mean moves towards that child's percentage
        pv = next((value_of.get(c) for c, k in parts if k > 0 and c[1] == cell[1]), None)
        if pv is None or pd.isna(pv) or printed - tol <= pv <= printed + tol:
            return None
        ends = [total * (q - rhs) / (pv - q) for q in (printed - tol, printed + tol)]
        if min(ends) <= -total:
            return None
        return current + min(ends), current + max(ends)
    return None


def _exact_suggestions(res: pd.DataFrame) -> dict[tuple, float]:
    """Suspect cell -> the one value its sums (linear equations) agree it should have."""
    exact = res[res["kind"].isin(LINEAR) & res["suggestion"].notna() & res["suspect_table"].notna()]
    by_suspect = exact.groupby(["suspect_table", "suspect_row", "suspect_column"])["suggestion"].agg(
        lambda s: s.iloc[0] if s.nunique() == 1 else None).dropna()
    return {cell: float(v) for cell, v in by_suspect.items()}


def _copied(previous, current: float, suggested: float) -> str | None:
    """The printed figure is the previous year's of the same series, and the equations want another."""
    if previous is None or pd.isna(previous) or abs(current) < 10 or previous != current \
            or abs(suggested - current) <= 1:
        return None
    return "the previous year's figure"


def _swapped_in(values: pd.DataFrame | None):
    """``localise``'s swap lookup over ``values`` (cells in their table's order): the first other count of
    the same row or column that prints the suggested value."""
    def lookup(asked: pd.DataFrame) -> dict:
        out = {}
        for a in ([] if values is None else asked.itertuples()):
            same = values[(values.table_id == a.table_id) & (values.value == a.suggested)
                          & ((values.row_label == a.row_label) ^ (values.column_label == a.column_label))
                          & (values.stat == "count")]
            if len(same):
                other = same.iloc[0]
                out[a.table_id, a.row_label, a.column_label, a.suggested] = (
                    other.column_label if other.row_label == a.row_label else other.row_label)
        return out

    return lookup


def swaps(res: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """For series warnings: the suspect is the cell itself, or the cell it repeats when that one is
    warned too. A row of areas of the same level, same table and column, whose figure fits this row's
    series better suggests cells swapped between rows (a total never swaps with its parts, nor one
    measure with another)."""
    res = res.copy()
    flagged = res[(res["kind"] == "series") & (res["status"] == "fail")]
    level = dict(zip(zip(values.table_id, values.row_label, values.column_label), values.geo_level))
    exact = _exact_suggestions(res[res["status"] == "fail"])
    found: dict[int, dict] = {}
    for row in flagged.itertuples():
        origin = getattr(row, "copy_of", None)
        if isinstance(origin, tuple):
            found[row.Index] = dict(zip(("suspect_table", "suspect_row", "suspect_column"), origin),
                                    pattern=f"repeats {' | '.join(origin)}, warned there")
            continue
        out = found[row.Index] = {"suspect_table": row.table_id, "suspect_row": row.row_label,
                                  "suspect_column": row.column_label}
        mine = level.get((row.table_id, row.row_label, row.column_label))
        if not isinstance(mine, str):
            continue
        same_col = values[(values.table_id == row.table_id) & (values.column_label == row.column_label)
                          & (values.row_label != row.row_label) & values.value.notna() & (values.stat == "count")
                          & (values.geo_level == mine) & (values.geo_axis == "row")]
        if not len(same_col) or not row.rhs:
            continue
        closeness = (same_col.value - row.rhs).abs() / row.rhs
        best = closeness.idxmin()
        known = exact.get((row.table_id, row.row_label, row.column_label))
        if known is not None:  # the cell's failing sums name its value: that is the suggestion
            out["suggestion"] = known
            if closeness[best] < 0.2 and abs(same_col.loc[best, "value"] - known) < 1e-6:
                out["pattern"] = f"cells swapped between rows? '{same_col.loc[best, 'row_label']}' fits this series"
        elif closeness[best] < 0.2:
            out["suggestion"] = float(same_col.loc[best, "value"])
            out["pattern"] = f"cells swapped between rows? '{same_col.loc[best, 'row_label']}' fits this series"
    for idx, out in found.items():
        for col, value in out.items():
            res.at[idx, col] = value
    return res
