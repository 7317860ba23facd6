"""Mutation benchmark of the rule engine: plant one fault at a time, see whether `validate` finds it.

    .venv/bin/python benchmarks/mutation_bench.py [--warehouse warehouse.duckdb] [--faults 220] [--seed 7]
        [--show-misses] [--by-table] [--check-subset N]

Runs on a copy of a built warehouse (after `ladder run`): the warehouse is never changed. For every
fault the planted cell is changed in the engine's `cells` table, the rules are evaluated, and the cell is
restored. Faults of every kind are spread over every table: one digit off, transposed digits, an extra
digit, a dropped digit, a wrong sign, two cells of one column swapped, the previous year's figure copied,
a share or percentage off by 3 printed units, a marker typed over as 0. Controls that must raise nothing:
a share or evolution re-rounded to a coarser precision, and a count reprinted without its thousands space.

Only the rules that read the planted cell's table are evaluated again (``reads``); every other rule's
instances are the baseline's, unchanged, and the waivers, copies and localisation run over all of them as
in `ladder validate`. ``--check-subset N`` evaluates every rule for the first N cases as well and stops
at the first difference.

A fault is *rule-visible* when some rule instance that involves a planted cell (as its checked cell or
on its right-hand side) fails with the fault in place — its printed side and expected side differ by
more than its tolerance, as the engine's own templates compute them, before any waiver — and, without
the fault, holds, is not verifiable, does not exist, or fails by a different amount (a waiver pinned to
the old figures no longer fits). A change inside every tolerance (the last digit of a rounded figure),
or in a cell no equation involves (only its marker is checked), is invisible by design: no rule can
see it.

Reported per fault kind (and with ``--by-table`` per table), over all faults and over visible ones:
  detected   a new unwaived finding (raw: of all faults; visible: of the rule-visible ones);
  exact      the largest new group (a waived finding whose waiver the fault undid does not compete: it
             was an inconsistency before) names only planted cells: one planted cell as its suspect, or, tied,
             only the two cells of a swap; a group whose cells stayed tied with an unplanted cell counts
             under `tied`, however the tie is ordered;
  tied       a planted cell is among the cells listed as equally likely, with others;
  suggested  exact, and the group suggests exactly one value: the planted cell's original;
  false alarms on the controls (any new unwaived finding).
Exact localisation is given as a share of the visible faults, suggestion as a share of the visible faults
with a value to restore (a figure typed over a marker has none: its finding names the marker).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dagster_project.project import load_project  # noqa: E402
from dagster_project.rules.engine import _cells, _status, evaluate_rule, evaluate_rules, prepare, run_rules  # noqa: E402,I001
from dagster_project.rules.verdict import groups  # noqa: E402

KINDS = ["one_digit", "transposition", "extra_digit", "dropped_digit", "sign", "swap", "previous_year", "share_off",
         "marker_to_number"]
CONTROLS = ["coarser_rounding", "cosmetic_reprint"]


def _digits_fault(value: float, kind: str, rng: random.Random) -> float | None:
    text = str(int(abs(value)))
    if kind == "one_digit":
        i = rng.randrange(len(text))
        choices = [d for d in "0123456789" if d != text[i] and not (i == 0 and d == "0")]
        text = text[:i] + rng.choice(choices) + text[i + 1:]
    elif kind == "transposition":
        pairs = [i for i in range(len(text) - 1) if text[i] != text[i + 1] and not (i == 0 and text[1] == "0")]
        if not pairs:
            return None
        i = rng.choice(pairs)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
    elif kind == "extra_digit":
        i = rng.randrange(1, len(text) + 1)
        text = text[:i] + rng.choice("0123456789") + text[i:]
    elif kind == "dropped_digit":
        if len(text) < 3:
            return None
        i = rng.randrange(1, len(text))
        text = text[:i] + text[i + 1:]
    return float(text) * (1 if value >= 0 else -1)


def plan(con, rng: random.Random, n: int) -> list[dict]:
    """Faults spread over tables and kinds: (kind, cell, new value/printed/rounding/marker, original)."""
    cells = con.execute("""SELECT table_id, row_label, column_label, printed, value, rounding, stat, year, marker,
                                  row_no, col_no FROM cells ORDER BY table_id, row_no, col_no""").df()
    counts = cells[(cells.stat == "count") & cells.value.notna() & (cells.value.abs() >= 10)]
    pct = cells[cells.stat.isin(["share", "percent", "evolution"]) & cells.value.notna()]
    marks = cells[cells.printed.isin(["nb", "n.b.", "--"])]
    out: list[dict] = []
    tables = sorted(counts.table_id.unique())
    per_kind = max(1, n // len(KINDS))
    for kind in KINDS:
        made = 0
        for attempt in range(per_kind * 20):
            if made >= per_kind:
                break
            if kind == "share_off":
                pool = pct[pct.stat != "evolution"]
            elif kind == "marker_to_number":
                pool = marks
            elif kind == "sign":
                pool = pct[pct.stat == "evolution"]
            else:
                pool = counts[counts.table_id == tables[(made + attempt) % len(tables)]]
            if pool.empty:
                break
            cell = pool.iloc[rng.randrange(len(pool))]
            new = _fault(kind, cell, cells, rng)
            if new is None or new["value"] == cell.value:
                continue
            out.append({"kind": kind, "cell": (cell.table_id, cell.row_label, cell.column_label),
                        "original": None if cell.value != cell.value else float(cell.value), **new})
            made += 1
    for kind in CONTROLS:
        # a value printed as x,5 may hide x,45 (rounds down) or x,55 (rounds up): no valid coarser print
        pool = (pct[(pct.rounding < 1) & ((pct.value % 1).round(6) != 0.5)] if kind == "coarser_rounding"
                else counts[counts.printed.str.contains(" ")])
        for _ in range(max(5, n // 20)):
            cell = pool.iloc[rng.randrange(len(pool))]
            if kind == "coarser_rounding":
                new = {"value": float(round(cell.value)), "rounding": 1.0,
                       "printed": f"{round(cell.value):+d}%" if cell.stat == "evolution" else f"{round(cell.value)}%",
                       "marker": cell.marker}
            else:
                new = {"value": cell.value, "rounding": cell.rounding, "printed": cell.printed.replace(" ", ""),
                       "marker": cell.marker}
            out.append({"kind": kind, "cell": (cell.table_id, cell.row_label, cell.column_label),
                        "original": float(cell.value), **new})
    return out


def _fault(kind, cell, cells, rng) -> dict | None:
    same = {"rounding": cell.rounding, "marker": cell.marker}
    if kind in ("one_digit", "transposition", "extra_digit", "dropped_digit"):
        value = _digits_fault(cell.value, kind, rng)
        return None if value is None else {"value": value, "printed": f"{int(value)}", **same}
    if kind == "sign":
        return {"value": -cell.value, "printed": f"{-cell.value:+.1f}%", **same}
    if kind == "share_off":
        value = round(cell.value + rng.choice([-3, 3]) * cell.rounding, 6)
        return {"value": value, "printed": f"{value}%", **same} if 0 <= value <= 100 else None
    if kind == "marker_to_number":
        return {"value": 0.0, "printed": "0", "rounding": 1.0, "marker": ""}
    peers = cells[(cells.table_id == cell.table_id) & cells.value.notna() & (cells.stat == "count")]
    if kind == "swap":
        other = peers[(peers.column_label == cell.column_label) & (peers.value != cell.value)
                      & (peers.row_label != cell.row_label)]
        if other.empty:
            return None
        o = other.iloc[rng.randrange(len(other))]
        return {"value": float(o.value), "printed": o.printed, "swap_with": (o.row_label, float(cell.value)), **same}
    if kind == "previous_year" and not pd.isna(cell.year):
        prev = peers[(peers.row_label == cell.row_label) & (peers.year == cell.year - 1)
                     & (peers.column_label.str.replace(str(int(cell.year) - 1), str(int(cell.year)))
                        == cell.column_label)]
        if len(prev) == 1 and prev.iloc[0].value != cell.value:
            return {"value": float(prev.iloc[0].value), "printed": prev.iloc[0].printed, **same}
    return None


def _set(con, table, row, column, value, printed, rounding, marker) -> None:
    con.execute("UPDATE cells SET value = ?, printed = ?, rounding = ?, marker = ? "
                "WHERE table_id = ? AND row_label = ? AND column_label = ?",
                [value, printed, rounding, marker, table, row, column])


def reads(rule) -> set[str] | None:
    """The tables a rule reads cells of, None for every table."""
    p = rule.params
    if rule.kind == "cross_table":
        return {p["target"]["table"], p["source"]["table"]}
    if rule.kind == "ratio":
        return {p[side]["table"] for side in ("target", "numerator", "denominator")}
    if rule.kind == "narrative":
        return {ref["table"] for c in p["claims"] for ref in ([c["cell"]] if c.get("cell") else c["cells"].values())}
    return set(rule.tables) or None


PER_TABLE = {"geo_sum", "component_sum", "code_formula", "sine_weight", "share", "evolution", "series",
             "weighted_mean", "markers"}
"""Kinds whose instances in a table read only that table's cells."""


def _again(con, rule, before: pd.DataFrame, table: str) -> pd.DataFrame:
    """The rule's instances with ``table`` changed: a per-table kind is evaluated on that table alone and
    keeps its baseline instances elsewhere; any other kind is evaluated whole."""
    if rule.kind not in PER_TABLE:
        return evaluate_rule(con, rule)
    mine = evaluate_rule(con, replace(rule, tables=(table,)))
    mine = mine[mine["table_id"] == table]
    rest = before[before["table_id"] != table] if len(before) else before
    return pd.concat([rest, mine], ignore_index=True) if len(rest) else mine.reset_index(drop=True)


def raw(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Instances as the templates give them, before waivers: instance, status, imbalance, involved cells."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["instance", "status", "imbalance", "cell"])
    res = pd.concat(frames, ignore_index=True)
    res["instance"] = res["rule"] + ": " + res["table_id"] + " | " + res["row_label"] + " | " + res["column_label"]
    res["imbalance"] = res["lhs"] - res["rhs"]
    res["status"] = _status(res)
    cells = _cells(res)
    cells["cell"] = cells["table_id"] + " | " + cells["row_label"] + " | " + cells["column_label"]
    return cells[["instance", "cell"]].merge(res[["instance", "status", "imbalance"]], on="instance")


def visible_by(before: pd.DataFrame, after: pd.DataFrame, planted: set[str]) -> list[str]:
    """Instances involving a planted cell that fail with the fault and held (or were not evaluated, or
    failed by another amount) without it: the rule instances that can see the fault."""
    now = after[after["cell"].isin(planted) & (after["status"] == "fail")].drop_duplicates("instance")
    was = before.drop_duplicates("instance").set_index("instance")
    out = []
    for r in now.itertuples():
        old = was.loc[r.instance] if r.instance in was.index else None
        if old is None or old["status"] != "fail" or abs(float(old["imbalance"]) - float(r.imbalance)) > 1e-9:
            out.append(r.instance)
    return sorted(out)


def _invisible(before: pd.DataFrame, after: pd.DataFrame, planted: set[str]) -> str:
    """Why no rule can see a fault: no equation involves the cell, only its marker is checked, or the
    change stays inside the tolerance of every equation that involves it."""
    mine = pd.concat([before[before["cell"].isin(planted)], after[after["cell"].isin(planted)]])
    rules = {i.split(":")[0] for i in mine["instance"]}
    if not rules:
        return "no rule instance involves the cell"
    if all(r.startswith("markers") for r in rules):
        return "only its marker is checked"
    if set(mine.loc[mine["status"] == "fail", "instance"]) and not set(
            mine.loc[mine["status"] != "fail", "instance"]):
        return "its equations fail already without the fault (by the same amount)"
    return "inside the tolerance of every equation involving it (" + ", ".join(sorted(rules)) + ")"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, default=Path("warehouse.duckdb"))
    ap.add_argument("--faults", type=int, default=220)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show-misses", action="store_true", help="Print every visible fault not detected or not "
                                                               "exactly localised, and every false alarm.")
    ap.add_argument("--by-table", action="store_true", help="Also report per table.")
    ap.add_argument("--check-subset", type=int, default=0, metavar="N",
                    help="For the first N cases also evaluate every rule and check the results are the same.")
    ap.add_argument("--only", default="", help="Run only the cases of these kinds (comma-separated).")
    args = ap.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"error: {args.warehouse} does not exist: run `ladder run` first")
    project = load_project()
    rules = project.rules
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "w.duckdb"
        shutil.copyfile(args.warehouse, copy)
        con = duckdb.connect(str(copy))
        prepare(con, project.tables, project.ref, project.rounded)
        base_frames = evaluate_rules(con, rules)
        base = run_rules(con, rules, project.waivers, frames=base_frames).results
        baseline = set(base.loc[base.status == "fail", "instance"])
        waived = set(base.loc[base.status == "waived", "instance"])
        base_raw = raw(base_frames)
        faults = plan(con, random.Random(args.seed), args.faults)
        if args.only:
            faults = [f for f in faults if f["kind"] in args.only.split(",")]
        print(f"{len(faults)} planted cases ({sum(f['kind'] in KINDS for f in faults)} faults, "
              f"{sum(f['kind'] in CONTROLS for f in faults)} controls)", file=sys.stderr)
        scope = [reads(r) for r in rules]
        tally: dict[str, Counter] = defaultdict(Counter)
        by_table: dict[str, Counter] = defaultdict(Counter)
        unseen: Counter = Counter()
        started = time.perf_counter()
        for i, f in enumerate(faults, 1):
            table, row, column = f["cell"]
            saved = con.execute("SELECT value, printed, rounding, marker FROM cells WHERE table_id = ? AND "
                                "row_label = ? AND column_label = ?", [table, row, column]).fetchone()
            _set(con, table, row, column, f["value"], f["printed"], f["rounding"], f["marker"])
            other = None
            if "swap_with" in f:
                other = con.execute("SELECT value, printed, rounding, marker FROM cells WHERE table_id = ? AND "
                                    "row_label = ? AND column_label = ?", [table, f["swap_with"][0], column]).fetchone()
                _set(con, table, f["swap_with"][0], column, f["swap_with"][1], saved[1], saved[2], saved[3])
            touched = [k for k, tables in enumerate(scope) if tables is None or table in tables]
            frames = list(base_frames)
            for k in touched:
                frames[k] = _again(con, rules[k], base_frames[k], table)
            res = run_rules(con, rules, project.waivers, frames=frames).results
            if i <= args.check_subset:
                full = run_rules(con, rules, project.waivers).results
                pd.testing.assert_frame_equal(res, full)
            planted_cells = {" | ".join(f["cell"])}
            if "swap_with" in f:
                planted_cells.add(" | ".join((table, f["swap_with"][0], column)))
            after_raw = raw([frames[k] for k in touched])
            seen_by = visible_by(base_raw, after_raw, planted_cells)
            if not seen_by and f["kind"] in KINDS:
                why = _invisible(base_raw, after_raw, planted_cells)
                unseen[f["kind"], why] += 1
                if args.show_misses:
                    print(f"  invisible {f['kind']}: {' | '.join(f['cell'])} {f['original']} -> {f['printed']}: {why}",
                          file=sys.stderr)
            _set(con, table, row, column, *saved)
            if other:
                _set(con, table, f["swap_with"][0], column, *other)
            new = res[(res.status == "fail") & ~res.instance.isin(baseline)]
            counters = [tally[f["kind"]], by_table[table]]
            if f["kind"] in CONTROLS:
                for t in counters:
                    t["controls"] += 1
                    t["false alarm"] += int(len(new) > 0)
                if args.show_misses and len(new):
                    print(f"  false alarm {f['kind']}: {' | '.join(f['cell'])} -> {f['printed']}: "
                          f"{sorted(new.instance)[:3]}", file=sys.stderr)
                continue
            # A waived finding whose waiver the fault undid is detection, not the fault's own evidence:
            # it does not compete for the largest group unless nothing else is new.
            own = new[~new.instance.isin(waived)]
            found = groups((own if len(own) else new).assign(status="fail"))
            cell = " | ".join(f["cell"])
            planted = {cell: f["original"]}  # a swap plants two cells: naming either is exact
            if "swap_with" in f:
                planted[" | ".join((table, f["swap_with"][0], column))] = float(f["value"])
            top = found[0] if found else None
            tie = next((p for p in (top["patterns"] if top else []) if "equally likely cells:" in p), None)
            candidates = {c.strip() for c in tie.split("equally likely cells:", 1)[1].split(";")} if tie else set()
            named = candidates or ({top["suspect"]} if top else set())
            exact = bool(named) and named <= set(planted)  # a swap's two cells tied with each other is exact
            tied = not exact and bool(candidates & set(planted))
            suggested = exact and planted[top["suspect"]] is not None and len(top["suggestions"]) == 1 \
                and abs(top["suggestions"][0] - planted[top["suspect"]]) < 1e-6
            flags = {"cases": 1, "visible": bool(seen_by), "detected": len(new) > 0,
                     "detected visible": bool(seen_by) and len(new) > 0, "exact": exact, "tied": tied,
                     "suggested": suggested, "detected invisible": not seen_by and len(new) > 0,
                     "to suggest": bool(seen_by) and f["original"] is not None}
            for t in counters:
                t.update({k: int(v) for k, v in flags.items()})
            if args.show_misses and seen_by and not exact:
                what = ("not detected" if not found else
                        f"tied among {sorted(candidates)}" if tie else f"suspect {top['suspect']}")
                print(f"  missed {f['kind']}: {cell} {f['original']} -> {f['printed']}; {what}; seen by "
                      f"{seen_by[:3]}", file=sys.stderr)
            elif args.show_misses and exact and not suggested:
                print(f"  no suggestion {f['kind']}: {cell} {f['original']} -> {f['printed']}; suggested "
                      f"{top['suggestions']}", file=sys.stderr)
            if i % 20 == 0:
                print(f"  {i}/{len(faults)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        con.close()
    elapsed = time.perf_counter() - started
    _report("kind", [(k, tally.get(k, Counter())) for k in KINDS + CONTROLS])
    if args.by_table:
        _report("table", sorted(by_table.items()))
    if unseen:
        print("\ninvisible faults, why:")
        for (kind, why), n in sorted(unseen.items()):
            print(f"  {kind:18} {n:4}  {why}")
    total = Counter()
    for t in tally.values():
        total.update(t)
    n, v = total["cases"] or 1, total["visible"] or 1
    print(f"\nfaults {total['cases']} ({total['visible']} rule-visible): detected {100 * total['detected'] / n:.1f}% "
          f"of all, {100 * total['detected visible'] / v:.1f}% of visible; exactly localised "
          f"{100 * total['exact'] / v:.1f}% of visible ({total['tied']} tied with the planted cell among the "
          f"candidates); correct suggestion {100 * total['suggested'] / (total['to suggest'] or 1):.1f}% of the "
          f"{total['to suggest']} visible faults with a value to restore; controls "
          f"{total['controls']}: false alarms {total['false alarm']}; {elapsed:.0f} s "
          f"({elapsed / max(len(faults), 1):.2f} s per case)")


def _report(what: str, rows: list[tuple[str, Counter]]) -> None:
    cols = ["cases", "visible", "detected", "detected visible", "exact", "tied", "suggested", "false alarm"]
    print(f"\n{what:18} " + " ".join(f"{c:>8}" if c != "detected visible" else "det.vis." for c in cols))
    for name, t in rows:
        cases = t["cases"] + t["controls"]
        print(f"{name:18} " + " ".join(f"{(cases if c == 'cases' else t[c]):8}" for c in cols))


if __name__ == "__main__":
    main()
