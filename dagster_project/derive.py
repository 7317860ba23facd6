"""Derived indicator tables recomputed from the sources, with cell-level lineage.

Each ``assets/<name>.sql`` file declares, in ``-- key: value`` header lines, its name, title, the
source tables it reads (``depends``) and the published table it recomputes (``publishes``). Its
query returns *lineage edges*, one per (derived cell, input cell):

    row_label, column_label     the derived cell, labelled as in the published table
    op                          sum | share | evolution
    input_table, input_row, input_column   a source cell, or a derived cell of this or another
                                derived table (input_table = its name), or 'external': a figure
                                from outside the tables (declared in the header's 'external' line)
    coef                        weight in a sum (1, 0.4 for SINE, -1 …); for 'external' the figure
    role                        share: num | den; evolution: base | current; else 'part'
    formula                     how the cell is built, as a person would write it

The engine evaluates the edges set-based in DuckDB, round by round until every derived cell that
can be computed is (derived cells may build on derived cells), and compares each recomputed cell
with the published one at the published precision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .catalogue import PHASING_OUT
from .files import SourceError, read_text

HEADER = re.compile(r"^--\s*(?P<key>[a-z_]+):\s*(?P<value>.*)$")
EDGE_COLUMNS = ["row_label", "column_label", "op", "input_table", "input_row", "input_column", "coef", "role",
                "formula"]
OPS = {"sum", "share", "evolution"}
SCHEMA = "derived"


@dataclass(frozen=True)
class DerivedSpec:
    name: str
    title: str
    depends: tuple[str, ...]
    publishes: str | None
    path: Path
    sql: str
    external: tuple[str, ...] = field(default=())


def load_specs(assets_dir: Path) -> list[DerivedSpec]:
    specs = []
    for path in sorted(assets_dir.glob("*.sql")):
        text = read_text(path)
        meta: dict[str, str] = {}
        for line in text.splitlines():
            m = HEADER.match(line.strip())
            if m:
                meta[m.group("key")] = m.group("value").strip()
            elif line.strip() and not line.strip().startswith("--"):
                break
        for key in ("asset", "title", "depends"):
            if key not in meta:
                raise SourceError(path, 1, f"header line '-- {key}: …' missing")
        if meta["asset"] != path.stem:
            raise SourceError(path, 1, f"asset name {meta['asset']!r} must equal the file name {path.stem!r}")
        specs.append(DerivedSpec(
            name=meta["asset"], title=meta["title"], depends=tuple(meta["depends"].split()),
            publishes=meta.get("publishes") or None, path=path, sql=text,
            external=tuple(x.strip() for x in meta.get("external", "").split(";") if x.strip())))
    return specs


def edges(con: duckdb.DuckDBPyConnection, spec: DerivedSpec) -> pd.DataFrame:
    """Run the spec's query (over the prepared temp tables) and check its shape."""
    try:
        frame = con.execute(spec.sql).df()
    except duckdb.Error as exc:
        raise SourceError(spec.path, None, f"query failed: {exc}") from None
    missing = [c for c in EDGE_COLUMNS if c not in frame]
    if missing:
        raise SourceError(spec.path, None, f"query must return columns {EDGE_COLUMNS}; missing {missing}")
    bad = sorted(set(frame["op"]) - OPS)
    if bad:
        raise SourceError(spec.path, None, f"unknown op(s) {bad}; allowed {sorted(OPS)}")
    # a query's row order is not fixed (DuckDB runs in parallel): store edges in one order
    frame = frame[EDGE_COLUMNS].sort_values(EDGE_COLUMNS, kind="stable", na_position="first").reset_index(drop=True)
    frame.insert(0, "derived_table", spec.name)
    return frame


def evaluate(con: duckdb.DuckDBPyConnection, all_edges: pd.DataFrame, names: set[str]) -> pd.DataFrame:
    """Values of every derived cell, computed round by round over the edges (set-based)."""
    con.register("edge_frame", all_edges)
    con.execute("CREATE OR REPLACE TEMP TABLE d_edges AS SELECT * FROM edge_frame")
    con.execute("""CREATE OR REPLACE TEMP TABLE d_values
                   (derived_table VARCHAR, row_label VARCHAR, column_label VARCHAR, value DOUBLE, half DOUBLE)""")
    derived = ", ".join(f"'{n}'" for n in names) or "''"
    for _ in range(12):
        added = con.execute(f"""
            INSERT INTO d_values
            WITH inputs AS (
                SELECT e.*,
                       CASE WHEN e.input_table = 'external' THEN e.coef
                            WHEN e.input_table IN ({derived}) THEN v.value ELSE c.value END AS v,
                       CASE WHEN e.input_table = 'external' THEN 1.0 ELSE e.coef END AS w,
                       CASE WHEN e.input_table = 'external' THEN TRUE
                            WHEN e.input_table IN ({derived}) THEN v.derived_table IS NOT NULL
                            ELSE TRUE END AS ready,
                       c.marker IN ('nb', 'n.b.') AS unknown,
                       CASE WHEN e.input_table IN ({derived}) THEN v.half ELSE coalesce(c.half, 0) END AS h
                FROM d_edges e
                LEFT JOIN d_values v ON v.derived_table = e.input_table AND v.row_label = e.input_row
                     AND v.column_label = e.input_column
                LEFT JOIN cells c ON c.table_id = e.input_table AND c.row_label = e.input_row
                     AND c.column_label = e.input_column
                WHERE NOT EXISTS (SELECT 1 FROM d_values d WHERE d.derived_table = e.derived_table
                                  AND d.row_label = e.row_label AND d.column_label = e.column_label))
            SELECT derived_table, row_label, column_label,
                   CASE WHEN bool_or(unknown) THEN NULL
                        WHEN any_value(op) = 'sum' THEN
                             CASE WHEN count(v) = 0 THEN NULL ELSE sum(w * coalesce(v, 0)) END
                        WHEN any_value(op) = 'share' THEN
                             100 * sum(v) FILTER (WHERE role = 'num') / nullif(sum(v) FILTER (WHERE role = 'den'), 0)
                        ELSE 100 * (sum(v) FILTER (WHERE role = 'current')
                                    / nullif(sum(v) FILTER (WHERE role = 'base'), 0) - 1) END,
                   -- uncertainty carried from rounded inputs (averages) through sums; 0 for ratios
                   CASE WHEN any_value(op) = 'sum' THEN sum(abs(w) * coalesce(h, 0)) ELSE 0 END
            FROM inputs GROUP BY derived_table, row_label, column_label
            HAVING bool_and(ready)""").fetchone()[0]
        if not added:
            break
    return con.execute("SELECT * FROM d_values").df()


def compare(con: duckdb.DuckDBPyConnection, spec: DerivedSpec) -> pd.DataFrame:
    """The derived table: recomputed value next to the published one, compared at printed precision."""
    published = spec.publishes or ""
    return con.execute("""
        WITH d AS (
            SELECT e.row_label, e.column_label, any_value(e.op) AS op, any_value(e.formula) AS formula,
                   count(*) AS inputs, any_value(v.value) AS recomputed, coalesce(any_value(v.half), 0) AS carried
            FROM d_edges e LEFT JOIN d_values v USING (derived_table, row_label, column_label)
            WHERE e.derived_table = ? GROUP BY e.row_label, e.column_label)
        SELECT d.*, p.printed AS published_printed, p.value AS published, p.rounding,
               p.value - d.recomputed AS published_minus_recomputed,
               CASE WHEN p.cell IS NULL THEN 'not published'
                    WHEN p.value IS NULL AND d.recomputed IS NULL THEN 'both blank'
                    WHEN p.printed = '' AND d.recomputed = 0 THEN 'published blank, recomputed 0'
                    WHEN p.value IS NULL OR d.recomputed IS NULL THEN 'differs'
                    WHEN abs(p.value - d.recomputed) <= 0.5 * p.rounding + d.carried + 1e-9
                         THEN 'equal at printed precision'
                    ELSE 'differs' END AS status
        FROM d LEFT JOIN cells p ON p.table_id = ? AND p.row_label = d.row_label AND p.column_label = d.column_label
        ORDER BY d.row_label, d.column_label""", [spec.name, published]).df()


def comparability(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Evolution cells whose span crosses a registered trend break of a source cell they rest on (a measure
    phasing out changes what it counts in no year: its falls are comparable)."""
    return con.execute("""
        WITH RECURSIVE walk(root_row, root_col, y1, y2, tbl, row_label, column_label) AS (
            SELECT row_label, column_label, split_part(regexp_extract(column_label, '(\\d{4}-\\d{4})'), '-', 1)::INT,
                   split_part(regexp_extract(column_label, '(\\d{4}-\\d{4})'), '-', 2)::INT,
                   derived_table, row_label, column_label
            FROM d_edges WHERE derived_table = ? AND op = 'evolution'
            GROUP BY ALL
            UNION
            SELECT w.root_row, w.root_col, w.y1, w.y2, e.input_table, e.input_row, e.input_column
            FROM walk w JOIN d_edges e ON e.derived_table = w.tbl AND e.row_label = w.row_label
                 AND e.column_label = w.column_label)
        SELECT w.root_row AS row_label, w.root_col AS column_label,
               string_agg(DISTINCT b.table_id || ' ' || b.year || ' ' || b.kind || ': ' || b.series, '; '
                          ORDER BY b.table_id || ' ' || b.year || ' ' || b.kind || ': ' || b.series) AS breaks
        FROM walk w
        JOIN break_cells b ON b.table_id = w.tbl AND b.row_label = w.row_label AND b.column_label = w.column_label
             AND b.year > w.y1 AND b.year <= w.y2 AND b.kind <> ?
        GROUP BY ALL""", [name, PHASING_OUT]).df()


def build(con: duckdb.DuckDBPyConnection, specs: list[DerivedSpec],
          names: list[str]) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Evaluate every spec once (derived tables build on each other) and write each of ``names``'s
    table and edges: derived.<name> and derived.<name>__edges, with the view derived.edges over all
    edge tables. Returns name -> (table, edges)."""
    from .warehouse import replace_table

    frames = {s.name: edges(con, s) for s in specs}
    evaluate(con, pd.concat(frames.values(), ignore_index=True), set(frames))
    built = {}
    for spec in (s for s in specs if s.name in names):
        table = compare(con, spec)
        breaks = comparability(con, spec.name)
        table = table.merge(breaks, on=["row_label", "column_label"], how="left")
        table["comparable"] = table["breaks"].isna() | (table["op"] != "evolution")
        replace_table(con, SCHEMA, spec.name, table)
        replace_table(con, SCHEMA, f"{spec.name}__edges", frames[spec.name])
        built[spec.name] = table, frames[spec.name]
    replace_table(con, SCHEMA, "registry", pd.DataFrame(
        [{"name": s.name, "publishes": s.publishes, "title": s.title, "sql_file": f"assets/{s.path.name}",
          "external_inputs": "; ".join(s.external)} for s in specs]))
    parts = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_name LIKE '%\\_\\_edges' "
        "ESCAPE '\\' AND table_type = 'BASE TABLE'", [SCHEMA]).fetchall()]
    con.execute(f"CREATE OR REPLACE VIEW {SCHEMA}.edges AS "
                + " UNION ALL ".join(f'SELECT * FROM {SCHEMA}."{p}"' for p in sorted(parts)))
    return built
