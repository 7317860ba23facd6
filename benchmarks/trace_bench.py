"""Benchmark: trace every published cell of Tabel 39, 40, body Tabel 1 and the derived body Tabel 2.

Run after `make run`:  .venv/bin/python benchmarks/trace_bench.py [warehouse.duckdb]
Prints per-table counts, the slowest trace, the median, and one full CLI invocation's wall time.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from dagster_project.trace import Tracer

warehouse = Path(sys.argv[1] if len(sys.argv) > 1 else "warehouse.duckdb")
con = duckdb.connect(str(warehouse), read_only=True)
tracer = Tracer(con)
timings = []
for table, source in [("B39", 'src."B39"'), ("B40", 'src."B40"'), ("T01", 'src."T01"'),
                      ("body_tabel2", "derived.body_tabel2")]:
    cells = con.execute(f"SELECT DISTINCT row_label, column_label FROM {source}"
                        + (" WHERE printed <> ''" if source.startswith("src") else "")).fetchall()
    started = time.perf_counter()
    for row, column in cells:
        t0 = time.perf_counter()
        tree = tracer.trace(table, row, column)
        timings.append((time.perf_counter() - t0, table, row, column, tree["source_cells"]))
    print(f"{table}: {len(cells)} cells traced in {time.perf_counter() - started:.2f} s")
con.close()
slowest = max(timings)
print(f"median {statistics.median(t[0] for t in timings) * 1000:.1f} ms, slowest {slowest[0] * 1000:.1f} ms "
      f"({slowest[1]} | {slowest[2]} | {slowest[3]}, {slowest[4]} source cells)")
t0 = time.perf_counter()
subprocess.run([sys.executable, "-m", "dagster_project.cli", "trace", "--warehouse", str(warehouse),
                "Tabel 39", "TREDE 5", "West-Vlaanderen 2019"], check=True, capture_output=True)
print(f"one CLI call (process start included): {time.perf_counter() - t0:.2f} s")
