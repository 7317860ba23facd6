"""The rule engine at scale: synthetic geography sums against a hand-written SQL check and pandas.

    .venv/bin/python benchmarks/engine_scale.py [--sizes 1e6 4e6 15e6] [--faults 300] [--dropped 3] [--repeat 3]

A four-level geography (provincie -> regio -> arrondissement -> gemeente) printed as the rows of as
many tables as it takes to reach N cells, every area in every table, columns ``<year> | totaal``,
``<year> | mannen``, ``<year> | vrouwen``: in the engine's own ``cells`` and ``geo`` shape. Every
parent area is the sum of its children and every ``totaal`` the sum of ``mannen`` and ``vrouwen``,
except where faults are planted: cells changed by a few units or hundreds (in a gemeente or an
arrondissement, a part or a total) and gemeente rows dropped from a table. Faults lie apart (one per
table, regio and year; a dropped row has its table and regio to itself), so every one of them has one
cell, or one missing row, that explains its failing equations.

Three implementations must find the same failing instances, with the same suspect cell and the same
cells on their right-hand side:
  project  the engine's own ``geo_sum`` and ``component_sum`` templates, statuses, waivers, copies and
           localisation (``engine.check_rules``): every instance with its status and parts in DuckDB, the
           failing ones read with names, digests and result cells (``engine.results``, ``result_cells``);
  sql      the same two checks and the suspects in a minimal hand-written DuckDB query;
  pandas   the same with groupby and merge.
Each runs ``--repeat`` times, the implementations in turn, each time in a process of its own, loading
the same cells first; reported: the median seconds of the check (loading excluded; wall and CPU of all
threads), seconds per million cells, the largest peak memory of its processes (loading included), and
the floor, one scan of the cells (``SELECT sum(value) FROM cells``). pandas runs up to ``--pandas-max``
cells (it needs 6 GiB at 4M).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = list(range(2010, 2020))
BREAKDOWNS = ["totaal", "mannen", "vrouwen"]
PARTS = BREAKDOWNS[1:]
SHAPE = {"provincies": 5, "regios": 4, "arrondissementen": 3, "gemeenten": 10}
"""Children per parent at each level (5 x 4 x 3 x 10 = 600 gemeenten, 685 areas)."""
GEO_RULE, COMP_RULE = "geo.sum", "comp.sum"
IMPLEMENTATIONS = ["floor", "project", "sql", "pandas"]


def geography(shape: dict[str, int] = SHAPE) -> pd.DataFrame:
    """code, name, level, parent of every area, and its row order (a parent before its children)."""
    rows = []

    def add(code, name, level, parent, path):
        rows.append({"code": code, "name": name, "level": level, "parent": parent, "path": path})

    for p in range(1, shape["provincies"] + 1):
        pc = f"P{p:02d}"
        add(pc, f"Provincie {p}", "provincie", "", (p,))
        for r in range(1, shape["regios"] + 1):
            rc = f"{pc}R{r:02d}"
            add(rc, f"Regio {p}-{r}", "regio", pc, (p, r))
            for a in range(1, shape["arrondissementen"] + 1):
                ac = f"{rc}A{a:02d}"
                add(ac, f"Arr. {p}-{r}-{a}", "arrondissement", rc, (p, r, a))
                for g in range(1, shape["gemeenten"] + 1):
                    add(f"{ac}G{g:02d}", f"Gemeente {p}-{r}-{a}-{g:02d}", "gemeente", ac, (p, r, a, g))
    frame = pd.DataFrame(rows).sort_values("path", kind="stable").reset_index(drop=True)
    frame["row_no"] = frame.index + 1
    return frame.drop(columns="path")


def build(con, n_cells: float, n_faults: int, n_dropped: int, seed: int = 7,
          shape: dict[str, int] = SHAPE) -> pd.DataFrame:
    """Temp tables ``cells`` and ``geo`` of about ``n_cells`` cells, faults planted; returns the faults
    (table, row, column of the planted cell or the dropped row, kind)."""
    geo = geography(shape)
    n_tables = max(1, round(n_cells / (len(geo) * len(YEARS) * len(BREAKDOWNS))))
    con.register("geo_frame", geo)
    con.execute("CREATE OR REPLACE TEMP TABLE geo AS SELECT code, name, level, parent FROM geo_frame ORDER BY code")
    # gemeente figures from a hash of their coordinates; every level above is the sum of the one below
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE leaf AS
        SELECT printf('T%04d', t) AS table_id, g.code, y AS year, b AS breakdown,
               (10 + hash(t, g.code, y, b) % 3000)::DOUBLE AS value
        FROM range(1, {n_tables + 1}) r(t), geo g, unnest({YEARS}) u(y), unnest({PARTS}) v(b)
        WHERE g.level = 'gemeente'""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE figures AS
        WITH RECURSIVE up(code, ancestor) AS (
            SELECT code, code FROM geo UNION ALL SELECT u.code, g.parent FROM up u JOIN geo g ON g.code = u.ancestor
            WHERE g.parent <> ''),
        parts AS (SELECT l.table_id, u.ancestor AS code, l.year, l.breakdown, sum(l.value) AS value
                  FROM leaf l JOIN up u ON u.code = l.code GROUP BY ALL)
        SELECT * FROM parts
        UNION ALL SELECT table_id, code, year, 'totaal', sum(value) FROM parts GROUP BY ALL""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cells AS
        SELECT f.table_id, 'Tabel ' || substr(f.table_id, 2)::INT AS table_label, g.row_no,
               (f.year - {YEARS[0]}) * {len(BREAKDOWNS)} + list_position({BREAKDOWNS}, f.breakdown) AS col_no,
               g.name AS row_label, NULL::VARCHAR AS code, f.year || ' | ' || f.breakdown AS column_label,
               replace(printf('%,d', f.value::BIGINT), ',', ' ') AS printed, f.value, '' AS marker,
               1.0 AS rounding, 'count' AS stat, 'persons' AS unit, g.code AS geo_code, g.level AS geo_level,
               f.year, NULL::VARCHAR AS school_year, NULL::VARCHAR AS span, NULL::VARCHAR AS measure,
               f.breakdown, 'row' AS geo_axis, f.table_id || ' | ' || g.name || ' | ' || f.year || ' | '
               || f.breakdown AS cell, 0.0 AS half,
               row_number() OVER (ORDER BY f.table_id, g.row_no, col_no) AS cell_no
        FROM figures f JOIN geo_frame g USING (code)
        ORDER BY f.table_id, g.row_no, col_no""")
    con.execute("DROP TABLE leaf; DROP TABLE figures")
    return plant(con, geo, n_tables, n_faults, n_dropped, random.Random(seed))


def plant(con, geo: pd.DataFrame, n_tables: int, n_faults: int, n_dropped: int, rng: random.Random) -> pd.DataFrame:
    """Changed cells, one per (table, regio, year), and dropped gemeente rows, each alone in its table
    and regio."""
    name = dict(zip(geo.code, geo.name))
    kids: dict[str, list[str]] = {}
    for code, up in zip(geo.code, geo.parent):
        kids.setdefault(up, []).append(code)
    regios = list(geo.code[geo.level == "regio"])
    taken, faults = set(), []
    for _ in range(n_dropped):
        table, regio = rng.randrange(1, n_tables + 1), rng.choice(regios)
        if any((table, regio, y) in taken for y in YEARS):
            continue
        taken |= {(table, regio, y) for y in YEARS}
        gemeente = rng.choice(kids[rng.choice(kids[regio])])
        faults.append({"table_id": f"T{table:04d}", "row_label": name[gemeente], "column_label": None,
                       "kind": "dropped row", "delta": None})
    slots = [(t, r, y) for t in range(1, n_tables + 1) for r in regios for y in YEARS if (t, r, y) not in taken]
    for table, regio, year in rng.sample(slots, min(n_faults, len(slots))):
        arr = rng.choice(kids[regio])
        kind = rng.choice(["gemeente part", "gemeente total", "arrondissement part"])
        area = arr if kind.startswith("arr") else rng.choice(kids[arr])
        breakdown = "totaal" if kind.endswith("total") else rng.choice(PARTS)
        delta = rng.choice([-1, 1]) * rng.randrange(2, 400)
        faults.append({"table_id": f"T{table:04d}", "row_label": name[area], "column_label": f"{year} | {breakdown}",
                       "kind": kind, "delta": float(delta)})
    frame = pd.DataFrame(faults, columns=["table_id", "row_label", "column_label", "kind", "delta"])
    con.register("planted", frame)
    con.execute("""
        UPDATE cells c SET value = greatest(c.value + p.delta, 0),
                           printed = replace(printf('%,d', greatest(c.value + p.delta, 0)::BIGINT), ',', ' ')
        FROM planted p
        WHERE p.delta IS NOT NULL AND c.table_id = p.table_id AND c.row_label = p.row_label
          AND c.column_label = p.column_label""")
    con.execute("""DELETE FROM cells c USING planted p WHERE p.delta IS NULL AND c.table_id = p.table_id
                   AND c.row_label = p.row_label""")
    con.unregister("planted")
    return frame


# --- the three implementations: each returns one row per failing instance ---------------------------
FINDINGS = ["instance", "suspect", "parts"]
"""A failing instance, its suspect cell ('table | row | column') and its right-hand cells ('cell*coef' sorted,
joined by '; ')."""


def project(con) -> pd.DataFrame:
    from dagster_project.rules.engine import FAILING, check_rules, result_cells, results
    from dagster_project.rules.registry import Rule

    rules = [Rule(GEO_RULE, "parent = sum of children", "geography", "geo_sum", "error", (),
                  {"blank_children": "unknown"}),
             Rule(COMP_RULE, "totaal = mannen + vrouwen", "components", "component_sum", "error", (),
                  {"group_by": ["row_label", "year"], "total": {"breakdown": "totaal"},
                   "parts": {"breakdown": PARTS}})]
    check_rules(con, rules, [])
    part = "c.table_id || ' | ' || c.row_label || ' | ' || c.column_label || '*' || c.coef"
    return con.execute(f"""
        SELECT r.instance, r.suspect_table || ' | ' || r.suspect_row || ' | ' || r.suspect_column AS suspect,
               string_agg({part}, '; ' ORDER BY {part}) AS parts
        FROM ({results(FAILING)}) r JOIN ({result_cells(FAILING)}) c USING (inst_no)
        WHERE c.role = 'rhs' GROUP BY ALL""").df()


HAND_SQL = f"""
    WITH kids AS (SELECT parent, count(*) AS n, list(name) AS names FROM geo WHERE parent <> '' GROUP BY parent),
    child AS (SELECT c.table_id, c.col_no, g.parent, sum(c.value) AS total, count(*) AS n
              FROM cells c JOIN geo g ON g.code = c.geo_code GROUP BY ALL),
    geo_fail AS (SELECT p.table_id, p.col_no, p.geo_code, p.cell, s.n < k.n AS incomplete, k.names
                 FROM cells p JOIN kids k ON k.parent = p.geo_code
                 JOIN child s ON s.table_id = p.table_id AND s.col_no = p.col_no AND s.parent = p.geo_code
                 WHERE s.n >= k.n - 1 AND p.value <> s.total),
    comp_fail AS (SELECT table_id, row_label, year FROM cells GROUP BY ALL
                  HAVING any_value(value) FILTER (WHERE breakdown = 'totaal')
                         <> sum(value) FILTER (WHERE breakdown <> 'totaal')),
    -- the cells of the failing equations only
    geo_cells AS MATERIALIZED (
        SELECT f.cell AS lhs, f.table_id, f.incomplete, f.names, c.cell, c.row_label, c.column_label
        FROM geo_fail f JOIN geo g ON g.parent = f.geo_code
        JOIN cells c ON c.table_id = f.table_id AND c.col_no = f.col_no AND c.geo_code = g.code),
    comp_cells AS MATERIALIZED (
        SELECT f.table_id, f.row_label, f.year, c.cell, c.breakdown
        FROM comp_fail f JOIN cells c USING (table_id, row_label, year)),
    fail AS (
        SELECT '{GEO_RULE}: ' || lhs AS instance, lhs, list(cell) AS cells,
               CASE WHEN any_value(incomplete) THEN any_value(table_id) || ' | '
                    || list_filter(any_value(names), lambda x: NOT list_contains(list(row_label), x))[1] || ' | '
                    || any_value(column_label) END AS missing
        FROM geo_cells GROUP BY lhs
        UNION ALL
        SELECT '{COMP_RULE}: ' || any_value(cell) FILTER (WHERE breakdown = 'totaal'),
               any_value(cell) FILTER (WHERE breakdown = 'totaal'), list(cell) FILTER (WHERE breakdown <> 'totaal'),
               NULL
        FROM comp_cells GROUP BY table_id, row_label, year),
    involved AS (SELECT instance, lhs AS cell FROM fail UNION ALL SELECT instance, unnest(cells) FROM fail),
    votes AS (SELECT cell, count(*) AS n FROM involved GROUP BY cell),
    best AS (SELECT i.instance, arg_max(i.cell, (v.n, i.cell)) AS cell FROM involved i JOIN votes v USING (cell)
             GROUP BY i.instance)
    SELECT f.instance, coalesce(f.missing, b.cell) AS suspect,
           array_to_string(list_sort(list_transform(f.cells, lambda x: x || '*1.0')), '; ') AS parts
    FROM fail f JOIN best b USING (instance)"""
"""The same checks and suspects by hand: a parent against the sum of its children per column, a total
against its parts, and only for the failing ones their cells; a missing child row is the suspect of its
sums, else the cell most failing equations share."""


def hand_sql(con) -> pd.DataFrame:
    return con.execute(HAND_SQL).df()


PANDAS_COLUMNS = ["table_id", "row_label", "column_label", "col_no", "value", "geo_code", "year", "breakdown"]


def with_pandas(cells: pd.DataFrame, geo: pd.DataFrame) -> pd.DataFrame:
    cells = cells[PANDAS_COLUMNS]
    cells = cells.assign(cell=cells.table_id + " | " + cells.row_label + " | " + cells.column_label)
    kids = geo[geo.parent != ""].groupby("parent").agg(n=("code", "size"), names=("name", list))
    child = cells.merge(geo[["code", "parent"]], left_on="geo_code", right_on="code")
    sums = child.groupby(["table_id", "col_no", "parent"]).agg(
        total=("value", "sum"), n=("value", "size"), present=("row_label", list), cells=("cell", list)).reset_index()
    geo_ = cells.merge(sums, left_on=["table_id", "col_no", "geo_code"], right_on=["table_id", "col_no", "parent"])
    geo_ = geo_.join(kids, on="geo_code", rsuffix="_kids")
    geo_ = geo_[(geo_.n >= geo_.n_kids - 1) & (geo_.value != geo_.total)]
    missing = [f"{t} | {next(x for x in names if x not in set(present))} | {c}" if n < k else None
               for t, c, n, k, names, present in zip(geo_.table_id, geo_.column_label, geo_.n, geo_.n_kids,
                                                     geo_.names, geo_.present)]
    geo_fail = pd.DataFrame({"instance": f"{GEO_RULE}: " + geo_.cell, "cell": geo_.cell, "cells": geo_.cells,
                             "missing": missing})
    totals = cells[cells.breakdown == "totaal"]
    parts = cells[cells.breakdown != "totaal"].groupby(["table_id", "row_label", "year"]).agg(
        parts=("value", "sum"), cells=("cell", list)).reset_index()
    comp = totals.merge(parts, on=["table_id", "row_label", "year"])
    comp = comp[comp.value != comp.parts]
    fail = pd.concat([geo_fail, pd.DataFrame({"instance": f"{COMP_RULE}: " + comp.cell, "cell": comp.cell,
                                              "cells": comp.cells, "missing": None})], ignore_index=True)
    involved = pd.concat([fail[["instance", "cell"]], fail[["instance", "cells"]].explode("cells")
                          .rename(columns={"cells": "cell"})], ignore_index=True)
    involved["n"] = involved.groupby("cell")["instance"].transform("size")
    best = involved.sort_values(["n", "cell"]).groupby("instance").tail(1).set_index("instance")["cell"]
    fail["suspect"] = fail.missing.fillna(fail.instance.map(best))
    fail["parts"] = ["; ".join(sorted(f"{c}*1.0" for c in cs)) for cs in fail.cells]
    return fail[FINDINGS]


# --- one implementation in a process of its own ------------------------------------------------------
def worker(name: str, data: Path, out: Path) -> None:
    if name == "pandas":
        with duckdb.connect() as con:  # pandas reads no parquet without pyarrow; only the columns it needs
            cells = con.execute(f"SELECT {', '.join(PANDAS_COLUMNS)} "
                                f"FROM read_parquet('{data / 'cells.parquet'}')").df()
            geo = con.execute(f"SELECT * FROM read_parquet('{data / 'geo.parquet'}')").df()
    else:
        con = duckdb.connect()
        for table in ("cells", "geo"):  # in the order written: by table, row, column; by code
            con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM read_parquet('{data / table}.parquet')")
    if name == "project":
        import dagster_project.rules.engine  # noqa: F401 - imported before the clock starts, as by the CLI
    started, cpu = time.perf_counter(), time.process_time()
    if name == "pandas":
        found = with_pandas(cells, geo)
    elif name == "floor":
        con.execute("SELECT sum(value) FROM cells").fetchall()
        found = pd.DataFrame(columns=FINDINGS)
    else:
        found = (project if name == "project" else hand_sql)(con)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    found.sort_values("instance").to_csv(out / f"{name}.csv", index=False)
    print(json.dumps({"seconds": seconds, "cpu": cpu}))


def generate(n_cells: float, n_faults: int, n_dropped: int, data: Path) -> None:
    """Write the cells, the geography and what the planted faults must give (``expected``) to ``data``."""
    con = duckdb.connect()
    faults = build(con, n_cells, n_faults, n_dropped)
    for table in ("cells", "geo"):
        con.execute(f"COPY {table} TO '{data / table}.parquet'")
    expected(faults, con).to_csv(data / "expected.csv", index=False)
    n = con.execute("SELECT count(*) FROM cells").fetchall()[0][0]
    (data / "size.json").write_text(json.dumps({"cells": n, "faults": len(faults)}))


def run_worker(name: str, data: Path, *size) -> dict:
    """Seconds (wall and CPU, all threads) of the check and peak resident memory of its process in GiB."""
    proc = subprocess.Popen([sys.executable, __file__, "--worker", name, "--data", str(data),
                             *(["--sizes", str(size[0]), "--faults", str(size[1]), "--dropped", str(size[2])] if size
                               else [])], stdout=subprocess.PIPE, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{name} failed (exit {os.waitstatus_to_exitcode(status)})")
    return {**(json.loads(output.splitlines()[-1]) if output.strip() else {}), "GiB": usage.ru_maxrss / 2**20}


def expected(faults: pd.DataFrame, con) -> pd.DataFrame:
    """instance -> suspect every planted fault must give (its failing equations, named by their checked cell)."""
    con.register("faults", faults)
    return con.execute(f"""
        WITH f AS (SELECT f.*, c.geo_code, c.year FROM faults f
                   LEFT JOIN cells c USING (table_id, row_label, column_label)),
        g AS (SELECT code, parent FROM geo)
        -- a changed cell: the sum it is a part of, the sum it is the total of (an arrondissement), its row's total
        SELECT '{GEO_RULE}: ' || p.cell AS instance, f.table_id || ' | ' || f.row_label || ' | ' || f.column_label
               AS suspect
        FROM f JOIN g ON g.code = f.geo_code JOIN cells p ON p.table_id = f.table_id AND p.geo_code = g.parent
             AND p.column_label = f.column_label
        UNION ALL
        SELECT '{GEO_RULE}: ' || f.table_id || ' | ' || f.row_label || ' | ' || f.column_label, f.table_id || ' | '
               || f.row_label || ' | ' || f.column_label FROM f WHERE f.kind = 'arrondissement part'
        UNION ALL
        SELECT '{COMP_RULE}: ' || f.table_id || ' | ' || f.row_label || ' | ' || f.year || ' | totaal',
               f.table_id || ' | ' || f.row_label || ' | ' || f.column_label FROM f WHERE f.delta IS NOT NULL
        UNION ALL
        -- a dropped row: its arrondissement's sum in every column
        SELECT '{GEO_RULE}: ' || p.table_id || ' | ' || p.row_label || ' | ' || p.column_label,
               p.table_id || ' | ' || f.row_label || ' | ' || p.column_label
        FROM faults f JOIN geo_frame g ON g.name = f.row_label JOIN cells p ON p.table_id = f.table_id
             AND p.geo_code = g.parent
        WHERE f.delta IS NULL""").df().sort_values("instance").reset_index(drop=True)


def agreement(found: dict[str, pd.DataFrame], want: pd.DataFrame) -> str:
    """'same' when the implementations agree with each other (findings, suspects, parts) and every planted
    fault is found with its suspect, else what differs."""
    problems = []
    for name, frame in found.items():
        frame = frame.sort_values("instance").reset_index(drop=True)
        if list(frame.instance) != list(want.instance) or list(frame.suspect) != list(want.suspect):
            problems.append(f"{name}: {len(frame)} findings, {len(want)} planted")
        if not frame.equals(found["sql"].sort_values("instance").reset_index(drop=True)):
            problems.append(f"{name} differs from sql")
    return "; ".join(problems) or "same"


def measure(n_cells: float, n_faults: int, n_dropped: int, tmp: Path, pandas_max: float, repeat: int) -> dict:
    """Each implementation ``repeat`` times, in turn (so a busy moment of the machine does not fall on one
    of them only): per implementation the median seconds and CPU seconds, and the largest peak memory."""
    data = tmp / f"{int(n_cells)}"
    data.mkdir()
    run_worker("build", data, n_cells, n_faults, n_dropped)
    row = json.loads((data / "size.json").read_text())
    names = [n for n in IMPLEMENTATIONS if n != "pandas" or n_cells <= pandas_max]
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            runs[name].append(r := run_worker(name, data))
            print(f"  {row['cells']:>11,} cells  {name:<8} {r['seconds']:7.2f} s  {r['cpu']:7.2f} s CPU  "
                  f"{r['GiB']:6.2f} GiB", file=sys.stderr, flush=True)
    for name, rs in runs.items():
        row[name] = {"seconds": statistics.median(r["seconds"] for r in rs),
                     "cpu": statistics.median(r["cpu"] for r in rs), "GiB": max(r["GiB"] for r in rs)}
    read = {name: pd.read_csv(data / f"{name}.csv", dtype=str, keep_default_na=False)
            for name in IMPLEMENTATIONS if name in row and name != "floor"}
    row["agree"] = agreement(read, pd.read_csv(data / "expected.csv", dtype=str, keep_default_na=False))
    return row


def in_process(n_cells: float, n_faults: int, n_dropped: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame,
                                                                        pd.DataFrame]:
    """The three implementations' findings, what the planted faults must give, and the faults, on one
    small synthetic set in this process (for the tests)."""
    con = duckdb.connect()
    faults = build(con, n_cells, n_faults, n_dropped)
    want = expected(faults, con)
    found = {"sql": hand_sql(con),
             "pandas": with_pandas(con.execute("SELECT * FROM cells").df(), con.execute("SELECT * FROM geo").df())}
    found["project"] = project(con)
    return found, want, faults


def report(rows: list[dict]) -> str:
    """One line per size: per implementation seconds, seconds per million cells, CPU seconds and peak GiB."""
    names = IMPLEMENTATIONS[1:]
    head = (f"{'cells':>11} {'faults':>6} {'floor s':>7}  "
            + "  ".join(f"{n + ' s':>9} {'s/Mcell':>7} {'CPU s':>6} {'GiB':>5}" for n in names)
            + "   project/sql: time  CPU  memory  findings")
    lines = [head]
    for r in rows:
        per = r["cells"] / 1e6
        cols = "  ".join(f"{r[n]['seconds']:9.2f} {r[n]['seconds'] / per:7.2f} {r[n]['cpu']:6.2f} {r[n]['GiB']:5.2f}"
                         if n in r else f"{'(not run)':>30}" for n in names)
        p, q = r["project"], r["sql"]
        lines.append(f"{r['cells']:>11,} {r['faults']:>6} {r['floor']['seconds']:7.3f}  {cols}   "
                     f"{p['seconds'] / q['seconds']:16.1f}x {p['cpu'] / q['cpu']:4.1f}x {p['GiB'] / q['GiB']:6.1f}x  "
                     f"{r['agree']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e6, 4e6, 15e6])
    ap.add_argument("--faults", type=int, default=300, help="changed cells per size")
    ap.add_argument("--dropped", type=int, default=3, help="dropped gemeente rows per size")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each implementation per size; the median time is reported (default 3)")
    ap.add_argument("--pandas-max", type=float, default=5e6,
                    help="largest size pandas runs at (at 4M cells it holds 6 GiB; 15M would not fit in 24)")
    ap.add_argument("--worker", choices=["build", *IMPLEMENTATIONS], help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if min(args.sizes) <= 0 or args.faults < 0 or args.dropped < 0:
        ap.error("--sizes must be positive, --faults and --dropped not negative")
    if args.worker == "build":
        generate(args.sizes[0], args.faults, args.dropped, args.data)
        return
    if args.worker:
        worker(args.worker, args.data, args.data)
        return
    with tempfile.TemporaryDirectory(prefix="engine_scale_") as tmp:
        rows = [measure(n, args.faults, args.dropped, Path(tmp), args.pandas_max, args.repeat) for n in args.sizes]
    print(report(rows))


if __name__ == "__main__":
    main()
