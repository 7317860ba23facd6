"""Mutation benchmark of the rule engine: plant one fault at a time, see whether `validate` finds it.

    .venv/bin/python benchmarks/mutation_bench.py [--warehouse warehouse.duckdb] [--faults 220] [--seed 7]

Runs on a built warehouse (after `make run`), in memory: the warehouse is never changed. For every
fault the planted cell is changed in the engine's `cells` table, every rule is evaluated, and the cell is
restored. Faults of every kind are spread over every table: one digit off, transposed digits, an extra
digit, a dropped digit, a wrong sign, two cells of one column swapped, the previous year's figure copied,
a share or percentage off by 3 printed units, a marker typed over as 0. Controls that must raise nothing:
a share or evolution re-rounded to a coarser precision, and a count reprinted without its thousands space.

Reported: detection (a new unwaived finding), exact localisation (a planted cell — either cell of a swap —
is the suspect of the largest new group), correct suggestion (that group suggests the cell's original
value), false alarms on the controls; per fault kind and overall.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dagster_project.project import load_project  # noqa: E402
from dagster_project.rules.engine import prepare, run_rules  # noqa: E402
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, default=Path("warehouse.duckdb"))
    ap.add_argument("--faults", type=int, default=220)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show-misses", action="store_true", help="Print every fault not detected or not localised.")
    args = ap.parse_args()
    if not args.warehouse.exists():
        sys.exit(f"error: {args.warehouse} does not exist: run `make run` first")
    project = load_project()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "w.duckdb"
        shutil.copyfile(args.warehouse, copy)
        con = duckdb.connect(str(copy))
        prepare(con, project.tables, project.ref, project.rounded)
        base = run_rules(con, project.rules, project.waivers).results
        baseline = set(base.loc[base.status == "fail", "instance"])
        faults = plan(con, random.Random(args.seed), args.faults)
        print(f"{len(faults)} planted cases ({sum(f['kind'] in KINDS for f in faults)} faults, "
              f"{sum(f['kind'] in CONTROLS for f in faults)} controls)", file=sys.stderr)
        tally: dict[str, Counter] = defaultdict(Counter)
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
            res = run_rules(con, project.rules, project.waivers).results
            _set(con, table, row, column, *saved)
            if other:
                _set(con, table, f["swap_with"][0], column, *other)
            new = res[(res.status == "fail") & ~res.instance.isin(baseline)]
            t = tally[f["kind"]]
            t["cases"] += 1
            if f["kind"] in CONTROLS:
                t["false alarm"] += int(len(new) > 0)
                continue
            t["detected"] += int(len(new) > 0)
            found = groups(new.assign(status="fail"))
            cell = " | ".join(f["cell"])
            planted = {cell: f["original"]}  # a swap plants two cells: naming either is exact
            if "swap_with" in f:
                planted[" | ".join((table, f["swap_with"][0], column))] = float(f["value"])
            top = found[0]["suspect"] if found else None
            if args.show_misses and top not in planted:
                print(f"  missed {f['kind']}: {cell} {f['original']} -> {f['printed']}; "
                      f"{'not detected' if not found else 'suspect ' + top}", file=sys.stderr)
            if top in planted:
                t["localised"] += 1
                original = planted[top]
                if original is not None and any(abs(s - original) < 1e-6 for s in found[0]["suggestions"]):
                    t["suggested"] += 1
            if i % 20 == 0:
                print(f"  {i}/{len(faults)} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        con.close()
    print(f"\n{'kind':18} {'cases':>5} {'detected':>9} {'localised':>9} {'suggested':>9} {'false alarm':>11}")
    total = Counter()
    for kind in KINDS + CONTROLS:
        t = tally.get(kind, Counter())
        total.update({k: v for k, v in t.items()} if kind in KINDS else {"controls": t["cases"],
                                                                          "false alarm": t["false alarm"]})
        print(f"{kind:18} {t['cases']:5} {t['detected']:9} {t['localised']:9} {t['suggested']:9} {t['false alarm']:11}")
    n = total["cases"] or 1
    print(f"\nfaults {total['cases']}: detected {100 * total['detected'] / n:.1f}%, exactly localised "
          f"{100 * total['localised'] / n:.1f}%, correct suggestion {100 * total['suggested'] / n:.1f}%; "
          f"controls {total['controls']}: false alarms {total['false alarm']}; "
          f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
