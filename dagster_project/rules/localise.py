"""Error localisation: the smallest set of cells that explains every failing equation, a suggested
value for each suspect, and the fault pattern when one fits.

A wrong cell breaks every equation it sits in, so cells are picked greedily by how many unexplained
failing instances they cover; ties go to the cell that takes part in fewer passing instances (a cell
whose other equations hold is less likely wrong), then to a cell whose suggested value fits a fault
pattern; cells that stay tied are all named. Waived findings are never evidence against a cell.
"""

from __future__ import annotations

import pandas as pd

LINEAR = {"geo_sum", "component_sum", "code_formula", "cross_table", "sine_weight"}
FAILED = {"fail", "waived"}
TREND_BREAK_WAIVER = "registered trend break of this series in this year"
SERIES_MARGIN = 0.001
"""A suggestion restores a cell's series when it brings the cell closer to its neighbouring years by more
than this share of their level (and clearly more than the other candidates' suggestions do)."""


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


def _cover(instances: set[str], by_cell: pd.Series, n_pass: pd.Series, fit, series_gain) -> tuple[dict, dict]:
    """Greedy cover of failing instances by cells: most instances explained first, then fewer passing
    equations, then a recognisable fault pattern, then the suggestion that best restores the cell's own
    series; cells still tied are all listed."""
    assigned: dict[str, tuple] = {}
    ties: dict[str, list[tuple]] = {}
    open_instances = set(instances)
    by_cell, n_pass = dict(by_cell.items()), dict(n_pass.items())
    cells_of: dict[str, set] = {}
    for c, insts in by_cell.items():
        for inst in insts:
            cells_of.setdefault(inst, set()).add(c)
    while open_instances:
        near = set().union(*(cells_of.get(i, ()) for i in open_instances))
        scores = {c: (len(by_cell[c] & open_instances), -int(n_pass.get(c, 0))) for c in near}
        if not scores:
            break
        top = max(scores.values())
        best_cells = sorted(c for c, v in scores.items() if v == top)
        if len(best_cells) > 1:  # evidence beyond counts: does the suggested value fit a fault pattern?
            fits = [c for c in best_cells if fit(c, by_cell[c] & open_instances)]
            best_cells = fits or best_cells
        if len(best_cells) > 1:  # ... and bring the cell back in line with its neighbouring years?
            gains = {c: series_gain(c, by_cell[c] & open_instances) for c in best_cells}
            best_gain = min(gains.values())
            if best_gain < -SERIES_MARGIN:
                best_cells = [c for c in best_cells if gains[c] <= best_gain + SERIES_MARGIN]
        best = best_cells[0]
        explained = by_cell[best] & open_instances
        tied = [c for c in best_cells[1:] if by_cell[c] & explained]
        for inst in explained:
            assigned[inst] = best
            if tied:
                ties[inst] = [best, *tied]
        open_instances -= by_cell[best]
    return assigned, ties


def localise(res: pd.DataFrame, cells: pd.DataFrame, values: pd.DataFrame | None = None) -> pd.DataFrame:
    res = res.copy()
    for col in ("suspect_table", "suspect_row", "suspect_column", "suggestion", "pattern"):
        res[col] = None
    # Series warnings are localised by `swaps`; trend-break silencing is not a finding.
    candidate = (res["kind"] != "series") & ~res["waiver"].fillna("").str.startswith(TREND_BREAK_WAIVER)
    key = ["table_id", "row_label", "column_label"]
    passing = set(res.loc[res["status"] == "pass", "instance"])
    involved = cells.assign(ok=cells["instance"].isin(passing))
    n_pass = involved[involved.ok].groupby(key).size()
    value_of = {} if values is None else dict(zip(zip(values.table_id, values.row_label, values.column_label),
                                                   values.value))
    unit_of = {} if values is None or "rounding" not in values else dict(
        zip(zip(values.table_id, values.row_label, values.column_label), values.rounding))
    neighbour_of = {} if values is None or "neighbour" not in values else dict(
        zip(zip(values.table_id, values.row_label, values.column_label), values.neighbour))
    row_kind = dict(zip(res["instance"], res["kind"]))
    rows = {r["instance"]: r for r in res[["instance", "kind", "lhs", "rhs", "imbalance"]].to_dict("records")}
    flagged = set(res.loc[candidate & res["status"].isin(FAILED), "instance"])
    cells_by_instance = dict(iter(cells[cells["instance"].isin(flagged)].groupby("instance", sort=False)))
    role_of = {(r.instance, r.table_id, r.row_label, r.column_label): (r.role, float(r.coef))
               for r in cells.itertuples()}
    rhs_of: dict[str, list[tuple]] = {}
    for r in cells[cells["role"] == "rhs"].itertuples():
        rhs_of.setdefault(r.instance, []).append((r.table_id, r.row_label, r.column_label))

    def suggestion(cell: tuple, inst: str) -> tuple[float | None, float | None]:
        """(current value, suggested value) of ``cell`` to make instance ``inst`` hold."""
        role, coef = role_of.get((inst, *cell), ("rhs", 0.0))
        current = value_of.get(cell)
        others = [c for c in rhs_of.get(inst, []) if c != cell] if row_kind.get(inst) in ("share", "evolution") else []
        other = value_of.get(others[0]) if len(others) == 1 else None
        return current, _suggest(rows[inst], role, coef, current, other)

    def fit(cell: tuple, insts: set[str]) -> bool:
        inst = min(insts)
        current, suggested = suggestion(cell, inst)
        return (suggested is not None and current is not None and not pd.isna(current)
                and pattern(float(current), suggested, float(rows[inst]["imbalance"]), []) is not None)

    def series_gain(cell: tuple, insts: set[str]) -> float:
        """How much closer the suggested value brings the cell to its neighbouring years (negative: closer)."""
        near = neighbour_of.get(cell)
        current, suggested = suggestion(cell, min(insts))
        if near is None or pd.isna(near) or not near or suggested is None or current is None or pd.isna(current):
            return 0.0
        return (abs(suggested - near) - abs(float(current) - near)) / abs(near)

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
        fail_cells = involved[involved["instance"].isin(todo)]
        by_cell = fail_cells.groupby(key)["instance"].apply(set)
        found, tied = _cover(todo, by_cell, n_pass, fit, series_gain)
        assigned.update(found)
        ties.update(tied)
    named: dict[int, dict] = {}
    for idx in res.index[candidate & res["status"].isin(FAILED)]:
        row = rows[res.at[idx, "instance"]]
        suspect = assigned.get(row["instance"])
        if suspect is None:
            continue
        out = named[idx] = {"suspect_table": suspect[0], "suspect_row": suspect[1], "suspect_column": suspect[2]}
        mine = cells_by_instance[row["instance"]]
        me = mine[(mine.table_id == suspect[0]) & (mine.row_label == suspect[1]) & (mine.column_label == suspect[2])]
        hint = res.at[idx, "pattern_hint"] if "pattern_hint" in res else None
        if me.empty:  # the suspect is a row the table does not print
            out.update(suggestion=float(row["imbalance"]), pattern="row missing from the table")
            continue
        current, suggested = suggestion(suspect, row["instance"])
        if suggested is None:
            continue
        parts = [value_of.get((r.table_id, r.row_label, r.column_label)) for r in mine[mine.role == "rhs"].itertuples()]
        unit = unit_of.get(suspect)  # the value that makes the equations hold, as it would be printed
        unit = unit if unit and unit == unit else 0.001
        out["suggestion"] = round(round(suggested / unit) * unit, 6)
        if isinstance(hint, str):
            out["pattern"] = hint
        elif current is not None and not pd.isna(current):
            out["pattern"] = (pattern(float(current), suggested, float(row["imbalance"]),
                                      [p for p in parts if p is not None and not pd.isna(p)])
                              or _swapped(values, suspect, suggested))
    if named:
        update = pd.DataFrame.from_dict(named, orient="index")
        for col in update:
            res.loc[update.index, col] = update[col].astype(object).where(update[col].notna(), None)
    # A share or an evolution holds for a range of values; a sum holds for one. Where a suspect's sums name
    # a value, that value is the suggestion for all its equations.
    for cell, value in _exact_suggestions(res).items():
        at = (res["suspect_table"] == cell[0]) & (res["suspect_row"] == cell[1]) & (res["suspect_column"] == cell[2]) \
            & ~res["kind"].isin(LINEAR) & res["suggestion"].notna()
        res.loc[at, "suggestion"] = value
    for inst, cands in ties.items():
        at = res.index[res["instance"] == inst]
        note = f"one of {len(cands)} equally likely cells: " + "; ".join(" | ".join(c) for c in cands)
        res.loc[at, "pattern"] = [f"{p}; {note}" if isinstance(p, str) else note for p in res.loc[at, "pattern"]]
    return res


def _exact_suggestions(res: pd.DataFrame) -> dict[tuple, float]:
    """Suspect cell -> the one value its sums (linear equations) agree it should have."""
    exact = res[res["kind"].isin(LINEAR) & res["suggestion"].notna() & res["suspect_table"].notna()]
    by_suspect = exact.groupby(["suspect_table", "suspect_row", "suspect_column"])["suggestion"].agg(
        lambda s: s.iloc[0] if s.nunique() == 1 else None).dropna()
    return {cell: float(v) for cell, v in by_suspect.items()}


def values_at(values: pd.DataFrame, cell: tuple) -> float:
    hit = values[(values.table_id == cell[0]) & (values.row_label == cell[1]) & (values.column_label == cell[2])]
    return float(hit.value.iloc[0]) if len(hit) and pd.notna(hit.value.iloc[0]) else float("nan")


def _swapped(values: pd.DataFrame | None, cell: tuple, suggested: float) -> str | None:
    """The value the equation wants sits in another cell of the same row or column: a swap."""
    if values is None or suggested != round(suggested) or abs(suggested - values_at(values, cell)) <= 1:
        return None
    table, row, column = cell
    same = values[(values.table_id == table) & ((values.row_label == row) ^ (values.column_label == column))
                  & (values.value == suggested) & (values.stat == "count")]
    if same.empty:
        return None
    other = same.iloc[0]
    where = other.column_label if other.row_label == row else other.row_label
    return f"cells swapped with '{where}'"


def swaps(res: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """For series warnings: the suspect is the cell itself, or the cell it repeats when that one is
    warned too. A row of areas of the same level, same table and column, whose figure fits this row's
    series better suggests cells swapped between rows (a total never swaps with its parts, nor one
    measure with another)."""
    res = res.copy()
    flagged = res.index[(res["kind"] == "series") & (res["status"] == "fail")]
    level = dict(zip(zip(values.table_id, values.row_label, values.column_label), values.geo_level))
    exact = _exact_suggestions(res[res["status"] == "fail"])
    for idx in flagged:
        row = res.loc[idx]
        origin = row.get("copy_of")
        if isinstance(origin, tuple):
            res.loc[idx, ["suspect_table", "suspect_row", "suspect_column"]] = list(origin)
            res.loc[idx, "pattern"] = f"repeats {' | '.join(origin)}, warned there"
            continue
        res.loc[idx, ["suspect_table", "suspect_row", "suspect_column"]] = [row.table_id, row.row_label,
                                                                         row.column_label]
        mine = level.get((row.table_id, row.row_label, row.column_label))
        if not isinstance(mine, str):
            continue
        same_col = values[(values.table_id == row.table_id) & (values.column_label == row.column_label)
                          & (values.row_label != row.row_label) & values.value.notna() & (values.stat == "count")
                          & (values.geo_level == mine) & (values.geo_axis == "row")]
        if not len(same_col) or not row["rhs"]:
            continue
        closeness = (same_col.value - row["rhs"]).abs() / row["rhs"]
        best = closeness.idxmin()
        known = exact.get((row.table_id, row.row_label, row.column_label))
        if known is not None:  # the cell's failing sums name its value: that is the suggestion
            res.loc[idx, "suggestion"] = known
            if closeness[best] < 0.2 and abs(same_col.loc[best, "value"] - known) < 1e-6:
                res.loc[idx, "pattern"] = f"cells swapped between rows? '{same_col.loc[best, 'row_label']}' " \
                                          "fits this series"
        elif closeness[best] < 0.2:
            res.loc[idx, "suggestion"] = float(same_col.loc[best, "value"])
            res.loc[idx, "pattern"] = f"cells swapped between rows? '{same_col.loc[best, 'row_label']}' fits this series"
    return res
