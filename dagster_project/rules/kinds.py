"""Set-based SQL templates, one per rule kind, evaluated over the temp table ``cells``.

A template takes every rule of its kind (``Batch``: each with its number in the rule list) and returns
one query with one row per rule instance:
  rule_no, cell_no, table_id                 -- the rule and the checked (left-hand) cell
  lhs, rhs                                   -- printed value and what the rule expects
  tolerance                                  -- from the rounding of the figures involved
  blocked                                    -- a needed cell is nb / -- (not verifiable)
  parts                                      -- cells on the right-hand side (cell_no) with their coefficient
  detail                                     -- one line on how rhs was formed (a sum's: ``SUM_DETAIL``)
A checked cell the table does not print has no cell_no and gives row_label, column_label and printed.
Cells are named by number: the names, the printed figures and a sum's detail are read when results are
(``engine.results``), so an instance is a few numbers however large the tables.
Tolerance is never a constant: exact counts give 0; a rounded figure (rounding unit r, see
checks/rounding.yaml) contributes r/2 times its weight; a printed share or evolution passes
when it lies within r/2 of the interval its rounded numerator and denominator allow.
"""

from __future__ import annotations

import pandas as pd

from ..catalogue import PHASING_OUT
from .formulas import Row, edges, leaf_weights
from .registry import Rule

Batch = list[tuple[int, Rule]]
DIMENSIONS = {"row_label", "column_label", "code", "breakdown", "year", "school_year", "span", "geo_code", "stat"}
MARKER_NULL = "c.marker IN ('nb', 'n.b.', '--')"
PART = "struct_pack(cell := {a}.cell_no, coef := ({w})::DOUBLE)"
PARTS = "STRUCT(cell BIGINT, coef DOUBLE)[]"
ONE = "lambda x: struct_pack(cell := x, coef := 1.0::DOUBLE)"
"""A part at weight 1, from its cell number: sums aggregate numbers (in cell order), not structs."""
SUM_DETAIL = {
    "geo_sum": "g.name",
    "component_sum": "CASE WHEN c.row_label = l.row_label THEN c.column_label ELSE c.row_label END",
}
"""'sum of ' and, joined by ' + ' in the order of the parts, this of each part ``c`` (``g``: its area; ``l``:
the checked cell)."""


def lit(value) -> str:
    """A SQL literal for a value read from a rule file (strings quoted, never spliced raw)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def dim(name: str) -> str:
    if name not in DIMENSIONS:
        raise ValueError(f"unknown cell dimension {name!r}; known: {sorted(DIMENSIONS)}")
    return name


def where(alias: str, selector: dict | None) -> str:
    """``{code: a, breakdown: [x, y]}`` -> SQL conditions on ``alias``."""
    out = []
    for key, value in (selector or {}).items():
        values = value if isinstance(value, list) else [value]
        out.append(f"{alias}.{dim(key)} IN ({', '.join(lit(v) for v in values)})")
    return " AND ".join(out) or "TRUE"


def in_tables(alias: str, rule: Rule) -> str:
    return f"{alias}.table_id IN ({', '.join(lit(t) for t in rule.tables)})" if rule.tables else "TRUE"


def each(batch: Batch, tables_of) -> str:
    """The rules of a batch with the tables each reads (``tables_of(rule)``; none: every table), as a
    relation (rule_no, table_id): joined on the table, one scan selects the cells of every rule."""
    named = [f"({no}, {lit(t)})" for no, rule in batch for t in tables_of(rule)]
    every = [str(no) for no, rule in batch if not tables_of(rule)]
    out = [f"SELECT * FROM (VALUES {', '.join(named)}) v(rule_no, table_id)"] if named else []
    if every:
        out.append(f"SELECT * FROM (SELECT unnest([{', '.join(every)}]) AS rule_no), "
                   "(SELECT DISTINCT table_id FROM cells)")
    return f"({' UNION ALL '.join(out)})"


def pick(batch: Batch, of, rule_no: str = "r.rule_no") -> str:
    """``of(rule)`` for the rule numbered ``rule_no``: one scan of the cells selects for every rule."""
    return "CASE " + rule_no + "".join(f" WHEN {no} THEN {of(rule)}" for no, rule in batch) + " END"


SIDE_DIMENSIONS = sorted(DIMENSIONS)
DIM_TEXT = "CASE {m} " + "".join(f"WHEN '{d}' THEN {{a}}.{d}::VARCHAR " for d in SIDE_DIMENSIONS) + "END"


def _text(value) -> str:
    """A selector value as a cell's dimension prints as text (2019, not 2019.0)."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def sides(con, name: str, rows: list[dict]) -> None:
    """Temp table ``name``: one row per rule and side it selects cells for (rule_no, side, table_id, the
    dimensions ``match`` it pairs cells on, ``school``: its year is the end of the school year, and per
    dimension the values its selector accepts, as text). The selections are data, so one short query
    selects for every rule, however many."""
    columns = ["rule_no", "side", "table_id", "match", "school", *SIDE_DIMENSIONS]
    con.register(f"{name}_frame", pd.DataFrame(rows, columns=columns).astype(object))
    types = {"rule_no": "INTEGER", "side": "VARCHAR", "table_id": "VARCHAR", "match": "VARCHAR[]", "school": "BOOLEAN",
             **{d: "VARCHAR[]" for d in SIDE_DIMENSIONS}}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT "
                + ", ".join(f"{c}::{t} AS {c}" for c, t in types.items()) + f" FROM {name}_frame")
    con.unregister(f"{name}_frame")


def side(no: int, name: str, table: str, selector: dict | None, match=(), school: bool = False,
         years: list | None = None) -> dict:
    """A row of ``sides``: rule ``no`` selects on side ``name`` the cells of ``table`` its selector accepts
    (and, given ``years``, of those years)."""
    row = {"rule_no": no, "side": name, "table_id": table, "match": [dim(m) for m in match], "school": school}
    for key, value in (selector or {}).items():
        row[dim(key)] = [_text(v) for v in (value if isinstance(value, list) else [value])]
    if years:
        row["year"] = [v for v in row.get("year", [_text(y) for y in years]) if v in {_text(y) for y in years}]
    return row


def selected(cell: str, row: str) -> str:
    """SQL: the side ``row`` (of ``sides``) accepts ``cell``."""
    return " AND ".join(f"({row}.{d} IS NULL OR list_contains({row}.{d}, {cell}.{d}::VARCHAR))"
                        for d in SIDE_DIMENSIONS)


def pairing(cell: str, row: str) -> str:
    """SQL: what ``cell`` shares with the cells it pairs with (side ``row``'s ``match``), as a list of text."""
    year = f"split_part({cell}.school_year, '-', 2)::INT::VARCHAR"
    return (f"list_transform({row}.match, lambda m: CASE WHEN m = 'year' AND {row}.school THEN {year} "
            f"ELSE {DIM_TEXT.format(m='m', a=cell)} END)")


def one_by_one(template):
    """A kind whose rules need a query each (their own helper tables, their own joins), in one statement."""
    def batched(con, batch: Batch) -> str:
        return " UNION ALL BY NAME ".join(f"SELECT {no} AS rule_no, * FROM ({template(con, no, rule)})"
                                          for no, rule in batch)

    batched.__doc__ = template.__doc__
    return batched


@one_by_one
def geo_sum(con, no: int, rule: Rule) -> str:
    """Parent area = sum of its child areas, per printed slot (same column, or same row for column geographies).

    Checked where every child of one level is printed; where exactly one is absent from the table the
    instance fails and names the missing row (a dropped row), unless the level has a single child."""
    # A blank child is unknown unless the rule says blanks mean zero (Tabel 40: no regional split).
    blank_is_unknown = "" if rule.params.get("blank_children") == "zero" else " OR c.printed = ''"
    blank = f"(c.value IS NULL AND ({MARKER_NULL}{blank_is_unknown}))"
    # A slot is a column of a table of areas, or a row (and year, breakdown) of one with areas across; a
    # line the row (column) an area is printed on.
    return f"""
        WITH base AS (
            SELECT c.cell_no, c.table_id, c.geo_code, c.value, c.half, {blank} AS blank,
                   coalesce(c.geo_axis = 'row', FALSE) AS by_row,
                   CASE WHEN c.geo_axis = 'row' THEN c.col_no ELSE c.row_no END AS slot_no,
                   CASE WHEN c.geo_axis = 'row' THEN 0 ELSE coalesce(c.year, 0) END AS slot_year,
                   CASE WHEN c.geo_axis = 'row' THEN '' ELSE coalesce(c.breakdown, '') END AS slot_part,
                   CASE WHEN c.geo_axis = 'row' THEN c.row_no ELSE c.col_no END AS line
            FROM cells c WHERE c.stat = 'count' AND c.geo_code IS NOT NULL AND {in_tables('c', rule)}),
        -- an area printed twice in one slot counts once, where first printed: only an area printed on two
        -- lines can be
        twice AS (SELECT table_id, geo_code, by_row, slot_year, slot_part FROM base GROUP BY ALL
                  HAVING min(line) <> max(line)),
        dup AS (SELECT * FROM base SEMI JOIN twice USING (table_id, geo_code, by_row, slot_year, slot_part)),
        later AS (SELECT DISTINCT b.cell_no FROM dup b JOIN dup o USING (table_id, geo_code, by_row, slot_no,
                                                                       slot_year, slot_part)
                  WHERE o.cell_no < b.cell_no),
        cc AS (SELECT b.*, g.level AS area_level, g.parent AS area_parent
               FROM base b ANTI JOIN later USING (cell_no) LEFT JOIN geo g ON g.code = b.geo_code),
        kids AS (SELECT parent, level, count(*) AS n, list(name ORDER BY code) AS names
                 FROM geo WHERE parent <> '' AND level <> 'bucket' GROUP BY ALL),
        -- one instance per level of children (regio's, ROP areas …)
        parents AS (SELECT p.*, k.level, k.n FROM cc p JOIN kids k ON k.parent = p.geo_code WHERE p.value IS NOT NULL),
        sums AS (
            SELECT p.cell_no, p.level, any_value(p.table_id) AS table_id, any_value(p.geo_code) AS geo_code,
                   any_value(p.value) AS lhs, coalesce(sum(c.value), 0) AS rhs,
                   any_value(p.half) + sum(c.half) AS tolerance, bool_or(c.blank) AS blocked,
                   list_sort(list(c.cell_no)) AS part_cells,
                   count(*) FILTER (WHERE c.area_level = p.level) AS present, any_value(p.n) AS n
            FROM parents p
            JOIN cc c ON c.table_id = p.table_id AND c.by_row = p.by_row AND c.slot_no = p.slot_no
                 AND c.slot_year = p.slot_year AND c.slot_part = p.slot_part AND c.area_parent = p.geo_code
                 AND (c.area_level = p.level OR c.area_level = 'bucket')
            GROUP BY p.cell_no, p.level
            HAVING present >= greatest(any_value(p.n) - 1, 1) AND bool_or(c.value IS NOT NULL)),
        -- the child of its level an incomplete sum lacks: a dropped row
        missing AS (
            SELECT s.cell_no, s.level,
                   list_filter(any_value(k.names), lambda x: NOT list_contains(list(g.name), x))[1] AS missing_row
            FROM (SELECT cell_no, level, geo_code, unnest(part_cells) AS part FROM sums WHERE present < n) s
            JOIN kids k ON k.parent = s.geo_code AND k.level = s.level
            JOIN cells c ON c.cell_no = s.part JOIN geo g ON g.code = c.geo_code
            GROUP BY s.cell_no, s.level)
        SELECT cell_no, table_id, lhs, rhs, tolerance, blocked, list_transform(part_cells, {ONE}) AS parts,
               NULL AS detail, missing_row
        FROM sums LEFT JOIN missing USING (cell_no, level)"""


def component_sum(con, batch: Batch) -> str:
    """Total cell = sum of its component cells, matched on ``group_by`` dimensions."""
    shapes: dict[tuple, Batch] = {}
    for no, rule in batch:
        shapes.setdefault(tuple(rule.params.get("group_by") or ["row_label"]), []).append((no, rule))
    return " UNION ALL ".join(f"SELECT * FROM ({_component_sum(group_by, rules)})"
                              for group_by, rules in shapes.items())


def _component_sum(group_by: tuple, batch: Batch) -> str:
    """The component sums of the rules that group on ``group_by``: one grouping of the cells for them all,
    each group its parts' sum and its total (a group printing several totals checks each: a second,
    usually empty, join)."""
    keys = ", ".join(dim(g) for g in group_by)
    same = " AND ".join(f"t.{dim(g)} IS NOT DISTINCT FROM g.{dim(g)}" for g in group_by)
    total = f"({pick(batch, lambda rule: where('c', rule.params['total']))} AND c.value IS NOT NULL)"
    part = pick(batch, lambda rule: where("c", rule.params["parts"]))

    def n_parts(rule):
        return max(len(v) if isinstance(v, list) else 1 for v in rule.params["parts"].values())

    def tables(rule):  # a part sits in its total's table
        return rule.tables

    return f"""
        WITH g AS (
            SELECT rule_no, table_id, {keys}, count(*) FILTER (is_total) AS totals,
                   any_value(cell_no) FILTER (is_total) AS cell_no, any_value(value) FILTER (is_total) AS lhs,
                   any_value(half) FILTER (is_total) AS lhs_half, coalesce(sum(value) FILTER (is_part), 0) AS rhs,
                   sum(half) FILTER (is_part) AS half, bool_or(value IS NULL AND {MARKER_NULL}) FILTER (is_part)
                   AS blocked, list(cell_no) FILTER (is_part) AS part_cells
            FROM (SELECT r.rule_no, c.*, {total} AS is_total, {part} AS is_part
                  FROM cells c JOIN {each(batch, tables)} r USING (table_id) WHERE c.stat = 'count') c
            WHERE is_total OR is_part
            GROUP BY rule_no, table_id, {keys}
            HAVING totals > 0 AND count(*) FILTER (is_part) = {pick(batch, n_parts, 'rule_no')}
               AND bool_or(value IS NOT NULL) FILTER (is_part))
        SELECT rule_no, cell_no, table_id, lhs, rhs, lhs_half + half AS tolerance, blocked,
               list_transform(list_sort(part_cells), {ONE}) AS parts, NULL AS detail
        FROM g WHERE totals = 1
        UNION ALL
        SELECT g.rule_no, t.cell_no, g.table_id, t.value, g.rhs, t.half + g.half, g.blocked,
               list_transform(list_sort(g.part_cells), {ONE}), NULL
        FROM g JOIN cells t ON t.table_id = g.table_id AND {same}
        WHERE g.totals > 1 AND t.stat = 'count' AND t.value IS NOT NULL
          AND {pick(batch, lambda rule: where('t', rule.params['total']), 'g.rule_no')}"""


def _inexact(e: pd.DataFrame, rounded: set[str]):
    """Row label -> whether its printed figure is rounded: a rounded average itself, or a formula with
    a fractional weight (40% SINE) or a rounded part, transitively."""
    parts: dict[str, list[tuple[str, float]]] = {}
    for total, part, weight in zip(e.total_row, e.part_row, e.weight):
        parts.setdefault(total, []).append((part, weight))
    memo: dict[str, bool] = {}

    def inexact(label: str) -> bool:
        if label not in memo:
            sub = parts.get(label, [])
            memo[label] = label in rounded or any(w % 1 != 0 or inexact(p) for p, w in sub)
        return memo[label]

    return inexact


def _rows(con, table: str) -> list[Row]:
    return [Row(*r) for r in con.execute(
        "SELECT row_label, coalesce(code, ''), min(row_no) FROM cells WHERE table_id = ? GROUP BY ALL ORDER BY 3",
        [table]).fetchall()]


def _formula_edges(con, batch: Batch) -> pd.DataFrame:
    """Edges of every printed formula, with whether each side is an inexact (rounded) figure."""
    frames = []
    for no, rule in batch:
        for table in rule.tables:
            rounded = {r[0] for r in con.execute(
                "SELECT DISTINCT row_label FROM cells WHERE table_id = ? AND half > 0", [table]).fetchall()}
            e = pd.DataFrame(edges(_rows(con, table)))
            if e.empty:
                continue
            inexact = _inexact(e, rounded)
            e["rule_no"], e["table_id"] = no, table
            e["total_inexact"] = [inexact(t) for t in e.total_row]
            e["part_inexact"] = [inexact(p) for p in e.part_row]
            frames.append(e)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["total_row", "part_row", "part_code", "weight", "rule_no", "table_id", "total_inexact",
                 "part_inexact"])


def code_formula(con, batch: Batch) -> str:
    """A row printed with a formula ('a + b + 40%h*', 'a t/m h', '1+2+3') equals that weighted sum of rows.

    A blank part is a measure not in force that year and counts 0; nb / -- makes it not verifiable.
    """
    con.register("formula_edges", _formula_edges(con, batch))
    return f"""
        SELECT e.rule_no, t.cell_no, t.table_id, t.value AS lhs,
               sum(e.weight * coalesce(c.value, 0)) AS rhs,
               any_value(CASE WHEN e.total_inexact THEN 0.5 * t.rounding ELSE 0 END)
                 + sum(abs(e.weight) * CASE WHEN e.part_inexact THEN 0.5 * coalesce(c.rounding, 1) ELSE 0 END) AS tolerance,
               bool_or(c.value IS NULL AND {MARKER_NULL}) AS blocked,
               list({PART.format(a='c', w='e.weight')} ORDER BY c.row_no) AS parts,
               any_value(t.code) AS detail
        FROM cells t
        JOIN formula_edges e ON e.table_id = t.table_id AND e.total_row = t.row_label
        JOIN cells c ON c.table_id = t.table_id AND c.row_label = e.part_row AND c.col_no = t.col_no
        WHERE t.value IS NOT NULL AND t.stat = 'count'
        GROUP BY e.rule_no, t.cell_no, t.table_id, t.value"""


def _sine_leaves(con, batch: Batch) -> pd.DataFrame:
    """Every leaf of every total a SINE rule names, with its weight there and whether it is SINE."""
    out = []
    for no, rule in batch:
        sine = rule.params["sine_row"]
        for table in rule.tables:
            rows = _rows(con, table)
            for total, expected in rule.params["totals"].items():
                label = next((r.label for r in rows if r.label.startswith(total)), None)
                if label is None:
                    continue
                weights = leaf_weights(rows, label)
                out += [{"rule_no": no, "table_id": table, "total_row": label, "part_row": leaf, "weight": w,
                         "is_sine": leaf == sine, "expected": float(expected), "declared": weights.get(sine, 0.0)}
                        for leaf, w in weights.items()]
    return pd.DataFrame(out)


def sine_weight(con, batch: Batch) -> str:
    """SINE enters each total at exactly its registered weight (0.4 in trede 5 and the grand total,
    1 in 'individuele inschakeling'): declared in the printed formula and borne out by the figures."""
    con.register("sine_leaves", _sine_leaves(con, batch))
    return f"""
        WITH per AS (
            SELECT l.rule_no, t.cell_no, t.table_id, t.value AS total, t.rounding,
                   any_value(l.expected) AS expected, any_value(l.declared) AS declared,
                   sum(l.weight * coalesce(c.value, 0)) FILTER (WHERE NOT l.is_sine) AS others,
                   sum(abs(l.weight) * c.half) FILTER (WHERE NOT l.is_sine) AS others_half,
                   any_value(c.value) FILTER (WHERE l.is_sine) AS sine,
                   any_value(c.half) FILTER (WHERE l.is_sine) AS sine_half,
                   bool_or(c.value IS NULL AND {MARKER_NULL}) AS blocked,
                   list({PART.format(a='c', w='l.weight')} ORDER BY c.row_no) AS parts
            FROM cells t
            JOIN sine_leaves l ON l.table_id = t.table_id AND l.total_row = t.row_label
            JOIN cells c ON c.table_id = t.table_id AND c.row_label = l.part_row AND c.col_no = t.col_no
            WHERE t.value IS NOT NULL AND t.stat = 'count'
            GROUP BY l.rule_no, t.cell_no, t.table_id, t.value, t.rounding)
        SELECT rule_no, cell_no, table_id,
               total - others AS lhs, expected * sine AS rhs,
               CASE WHEN declared <> expected THEN 0
                    ELSE 0.5 * rounding * (expected % 1 <> 0 OR sine_half > 0 OR others_half > 0)::INT
                         + others_half + expected * sine_half END AS tolerance,
               blocked OR sine IS NULL OR sine = 0 AS blocked, parts,
               printf('SINE weight declared %.2f, expected %.2f, implied by the figures %.3f',
                      declared, expected, (total - others) / nullif(sine, 0)) AS detail,
               CASE WHEN declared <> expected THEN printf('SINE declared at %.0f%% in the formula', 100 * declared)
                    WHEN expected <> 1 AND abs(total - others - sine) <= 0.5 * rounding + others_half + sine_half
                    THEN 'SINE counted at 100%' END AS pattern_hint
        FROM per"""


def _interval(lo: str, hi: str, mid: str) -> str:
    return f"greatest({hi} - {mid}, {mid} - {lo})"


@one_by_one
def share(con, no: int, rule: Rule) -> str:
    """'Aandeel X in Y' = 100 × X / Y at the printed precision (as a row or as columns); a bare
    'Aandeel X' column is a share in the rule's ``default_denominator``."""
    default_den = rule.params.get("default_denominator", "Vlaams Gewest")
    pair = f"""
            SELECT s.*, n.value AS nv, n.half AS nh, d.value AS dv, d.half AS dh,
                   n.marker AS nm, d.marker AS dm,
                   [{PART.format(a='n', w='1.0')}, {PART.format(a='d', w='-1.0')}] AS parts
            FROM sg s
            JOIN cells n ON n.table_id = s.table_id AND n.stat = 'count' AND n.geo_code = s.num_geo
            JOIN cells d ON d.table_id = s.table_id AND d.stat = 'count' AND d.geo_code = s.den_geo"""
    # a share printed as a row divides the counts of its column, one printed as a column those of its row
    return f"""
        WITH s AS (
            SELECT c.*, regexp_extract(CASE WHEN row_label LIKE 'Aandeel %' THEN row_label
                                            ELSE split_part(column_label, ' | ', 1) END,
                                       '^Aandeel (.+?)(?: in (.+))?$', ['num', 'den']) AS names
            FROM cells c WHERE stat = 'share' AND printed <> '' AND value IS NOT NULL AND {in_tables('c', rule)}),
        sg AS (
            SELECT s.*, n.code AS num_geo, d.code AS den_geo, s.row_label LIKE 'Aandeel %' AS as_row FROM s
            JOIN geo_names n ON n.name = lower(s.names.num)
            JOIN geo_names d ON d.name = lower(coalesce(nullif(s.names.den, ''), {lit(default_den)}))),
        pairs AS (
            {pair} AND n.column_label = s.column_label AND d.column_label = s.column_label
            WHERE s.as_row
            UNION ALL
            {pair} AND n.row_label = s.row_label AND d.row_label = s.row_label
                 AND n.year IS NOT DISTINCT FROM s.year AND d.year IS NOT DISTINCT FROM s.year
                 AND n.school_year IS NOT DISTINCT FROM s.school_year
                 AND d.school_year IS NOT DISTINCT FROM s.school_year
                 AND n.breakdown IS NOT DISTINCT FROM s.breakdown AND d.breakdown IS NOT DISTINCT FROM s.breakdown
            WHERE NOT s.as_row)
        SELECT cell_no, table_id, value AS lhs,
               100 * nv / nullif(dv, 0) AS rhs,
               0.5 * rounding + coalesce({_interval('100 * (nv - nh) / nullif(dv + dh, 0)',
                                                     '100 * (nv + nh) / nullif(dv - dh, 0)',
                                                     '100 * nv / nullif(dv, 0)')}, 0) AS tolerance,
               nv IS NULL OR dv IS NULL OR dv = 0 AS blocked, parts,
               printf('100 × %s / %s', coalesce(nv::VARCHAR, nm), coalesce(dv::VARCHAR, dm)) AS detail
        FROM pairs"""


@one_by_one
def evolution(con, no: int, rule: Rule) -> str:
    """'Evolutie Y1-Y2' = 100 × (V(Y2) / V(Y1) − 1) of the same series, at the printed precision."""
    return f"""
        WITH e AS (
            SELECT c.*, split_part(span, '-', 1)::INT AS y1, split_part(span, '-', 2)::INT AS y2
            FROM cells c WHERE stat = 'evolution' AND value IS NOT NULL AND span IS NOT NULL AND {in_tables('c', rule)}),
        pairs AS (
            SELECT e.*, a.value AS v1, a.half AS h1, b.value AS v2, b.half AS h2,
                   [{PART.format(a='b', w='1.0')}, {PART.format(a='a', w='-1.0')}] AS parts
            FROM e
            JOIN cells a ON a.table_id = e.table_id AND a.row_label = e.row_label AND a.stat = 'count'
                 AND a.geo_code IS NOT DISTINCT FROM e.geo_code AND a.breakdown IS NOT DISTINCT FROM e.breakdown
                 AND a.year = e.y1
            JOIN cells b ON b.table_id = e.table_id AND b.row_label = e.row_label AND b.stat = 'count'
                 AND b.geo_code IS NOT DISTINCT FROM e.geo_code AND b.breakdown IS NOT DISTINCT FROM e.breakdown
                 AND b.year = e.y2)
        SELECT cell_no, table_id, value AS lhs,
               100 * (v2 / nullif(v1, 0) - 1) AS rhs,
               0.5 * rounding + coalesce({_interval('100 * ((v2 - h2) / nullif(v1 + h1, 0) - 1)',
                                                     '100 * ((v2 + h2) / nullif(v1 - h1, 0) - 1)',
                                                     '100 * (v2 / nullif(v1, 0) - 1)')}, 0) AS tolerance,
               v1 IS NULL OR v2 IS NULL OR v1 = 0 AS blocked, parts,
               printf('100 × (%s / %s − 1)', coalesce(v2::VARCHAR, 'blank'), coalesce(v1::VARCHAR, 'blank')) AS detail
        FROM pairs"""


def cross_table(con, batch: Batch) -> str:
    """A figure printed in two tables is the same figure (compared at the coarser printed precision)."""
    rows = []
    for no, rule in batch:
        p = rule.params
        match = p.get("match") or ["geo_code", "year", "stat", "span"]
        rows.append(side(no, "target", p["target"]["table"], p["target"].get("where"), match, years=p.get("years")))
        rows.append(side(no, "source", p["source"]["table"], p["source"].get("where"), match,
                         school=p.get("source_year") == "school_year_end"))
    sides(con, "copy_sides", rows)
    return f"""
        WITH picked AS (
            SELECT r.rule_no, r.side, {pairing('c', 'r')} AS k, c.*
            FROM cells c JOIN copy_sides r USING (table_id)
            WHERE {selected('c', 'r')} AND (r.side = 'source' OR c.value IS NOT NULL))
        SELECT t.rule_no, t.cell_no, t.table_id, t.value AS lhs, s.value AS rhs,
               t.half + s.half + CASE WHEN t.rounding = s.rounding THEN 0 ELSE (t.rounding + s.rounding) / 2 END
                 AS tolerance,
               s.value IS NULL AS blocked,
               [{PART.format(a='s', w='1.0')}] AS parts,
               s.table_label || ' · ' || s.row_label || ' · ' || s.column_label || ' = ' || s.printed AS detail
        FROM picked t JOIN picked s ON s.rule_no = t.rule_no AND s.k = t.k
        WHERE t.side = 'target' AND s.side = 'source'"""


@one_by_one
def series(con, no: int, rule: Rule) -> str:
    """A count out of line with its neighbouring years by more than a factor ``ratio`` (the larger
    figure at least ``min_level``) suggests a shifted or swapped cell. The odd cell is the one that
    jumps away from its neighbours (a first year that does not fit the next two is odd itself).
    A trend break of that series (``break_cells``) in the odd year or its neighbour's silences the warning;
    a measure phasing out silences every fall of its series from the break's year on, and no rise."""
    ratio, level = float(rule.params["ratio"]), float(rule.params["min_level"])

    def jump(a: str, b: str) -> str:
        return (f"({a} IS NOT NULL AND {b} IS NOT NULL AND greatest({a}, {b}) >= {level} "
                f"AND (least({a}, {b}) = 0 OR greatest({a}, {b}) / least({a}, {b}) > {ratio}))")

    return f"""
        WITH s AS (
            SELECT c.*, regexp_replace(column_label, '\\d{{4}}\\**', '', 'g') AS series_key
            FROM cells c WHERE stat = 'count' AND year IS NOT NULL AND value IS NOT NULL AND {in_tables('c', rule)}),
        w AS (
            SELECT *, lag(value) OVER w AS prev, lead(value) OVER w AS nxt, lead(value, 2) OVER w AS nxt2,
                   lag(cell_no) OVER w AS prev_cell, lead(cell_no) OVER w AS next_cell,
                   lag(year) OVER w AS prev_year, lead(year) OVER w AS next_year
            FROM s WINDOW w AS (PARTITION BY table_id, row_label, series_key ORDER BY year, col_no)),
        odd AS (
            SELECT *, CASE WHEN prev IS NULL THEN nxt ELSE prev END AS ref,
                   CASE WHEN prev IS NULL THEN next_cell ELSE prev_cell END AS ref_cell,
                   CASE WHEN prev IS NULL THEN next_year ELSE prev_year END AS ref_year,
                   ({jump('value', 'prev')} AND (nxt IS NULL OR {jump('value', 'nxt')}))
                   OR (prev IS NULL AND {jump('value', 'nxt')} AND NOT coalesce({jump('nxt', 'nxt2')}, FALSE)) AS is_odd
            FROM w WHERE prev IS NOT NULL OR nxt IS NOT NULL)
        SELECT cell_no, table_id, value AS lhs,
               CASE WHEN is_odd THEN ref ELSE value END AS rhs,   -- a cell that fits its series passes
               CASE WHEN is_odd THEN ({ratio} - 1) * least(value, ref) ELSE 0 END AS tolerance, FALSE AS blocked,
               [struct_pack(cell := ref_cell, coef := 1.0::DOUBLE)] AS parts,
               printf('%d: %s against %s in %d (× %.2f)', year, printed, ref::BIGINT::VARCHAR, ref_year,
                      greatest(value, ref) / nullif(least(value, ref), 0)) AS detail,
               is_odd AND EXISTS (SELECT 1 FROM break_cells b WHERE b.table_id = odd.table_id
                                  AND b.row_label = odd.row_label AND b.column_label = odd.column_label
                                  AND CASE WHEN b.kind = {lit(PHASING_OUT)}
                                           -- later year lower than the earlier one, both within the phase-out
                                           THEN least(odd.year, odd.ref_year) >= b.year
                                                AND (odd.value < odd.ref) = (odd.year > odd.ref_year)
                                           ELSE b.year IN (odd.year, odd.ref_year) END) AS silenced
        FROM odd"""


@one_by_one
def weighted_mean(con, no: int, rule: Rule) -> str:
    """A parent area's printed percentage = the mean of its children's percentages weighted by their
    population (a count column of the same row and year, named by ``weight``). Each child percentage
    is rounded (half its unit, weighted), and so is each weight when it is a rounded figure."""
    return f"""
        WITH pc AS (
            SELECT * FROM cells c WHERE stat = 'percent' AND geo_axis = 'row' AND {in_tables('c', rule)}),
        wt AS (
            SELECT table_id, row_label, cell_no AS wcell, year, value AS n, half AS nh FROM cells c
            WHERE stat = 'count' AND {where('c', rule.params['weight'])} AND {in_tables('c', rule)}),
        kids AS (SELECT parent, level, count(*) AS n FROM geo WHERE parent <> '' AND level <> 'bucket' GROUP BY ALL),
        pairs AS (
            SELECT p.cell_no, p.table_id, p.value AS lhs, p.rounding, k.level, k.n AS kids,
                   c.row_label AS child, c.cell_no AS child_cell, c.value AS pv, c.rounding AS pr, c.marker,
                   w.n, w.nh, w.wcell
            FROM pc p
            JOIN kids k ON k.parent = p.geo_code
            JOIN pc c ON c.table_id = p.table_id AND c.col_no = p.col_no
            JOIN geo g ON g.code = c.geo_code AND g.parent = p.geo_code AND g.level = k.level
            JOIN wt w ON w.table_id = c.table_id AND w.row_label = c.row_label AND w.year = c.year
            WHERE p.value IS NOT NULL),
        agg AS (
            SELECT cell_no, any_value(table_id) AS table_id, any_value(lhs) AS lhs,
                   any_value(rounding) AS rounding, sum(pv * n) / nullif(sum(n) FILTER (WHERE pv IS NOT NULL), 0) AS rhs,
                   sum(n) AS total, bool_or(pv IS NULL) AS blocked, count(DISTINCT child) AS present, any_value(kids) AS kids,
                   -- the children's percentages and, as candidates with no weight of their own, their populations
                   list_concat(list(struct_pack(cell := child_cell, coef := n::DOUBLE) ORDER BY child),
                               list(struct_pack(cell := wcell, coef := 0.0::DOUBLE) ORDER BY child)) AS parts,
                   list(struct_pack(pv := pv, pr := pr, n := n, nh := nh) ORDER BY child) AS terms
            FROM pairs GROUP BY cell_no, level)
        SELECT cell_no, table_id, lhs, rhs,
               0.5 * rounding
                 + list_sum(list_transform(terms, lambda x: (0.5 * x.pr * x.n + abs(x.pv - rhs) * x.nh) / total))
                 AS tolerance,
               blocked, parts,
               printf('mean of %d areas weighted by their nwwz', present) AS detail
        FROM agg WHERE present = kids"""


def ratio(con, batch: Batch) -> str:
    """A printed percentage = 100 × (sum of the numerator cells) / (sum of the denominator cells), at
    its printed precision; numerator and denominator may sit in other tables (paired on ``match``)."""
    rows = []
    for no, rule in batch:
        p = rule.params
        rows.append(side(no, "target", p["target"]["table"], p["target"].get("where")))
        rows += [side(no, s, p[s]["table"], p[s].get("where"), p[f"{s}_match"]) for s in ("numerator", "denominator")]
    sides(con, "ratio_sides", rows)
    return f"""
        WITH t AS (SELECT r.rule_no, c.* FROM cells c JOIN ratio_sides r USING (table_id)
                   WHERE r.side = 'target' AND {selected('c', 'r')} AND c.stat IN ('percent', 'share')
                     AND c.value IS NOT NULL),
        -- each target with what it shares with the cells of each side, and those cells
        wants AS (SELECT t.rule_no, t.cell_no, r.side, {pairing('t', 'r')} AS k
                  FROM t JOIN ratio_sides r ON r.rule_no = t.rule_no AND r.side <> 'target'),
        offers AS (SELECT r.rule_no, r.side, {pairing('c', 'r')} AS k, c.*
                   FROM cells c JOIN ratio_sides r USING (table_id)
                   WHERE r.side <> 'target' AND {selected('c', 'r')} AND c.stat = 'count'),
        sums AS (
            SELECT w.rule_no, w.cell_no, w.side, sum(o.value) AS v, sum(o.half) AS h,
                   bool_or(o.value IS NULL AND o.marker IN ('nb', 'n.b.', '--')) AS blocked,
                   list({PART.format(a='o', w="CASE w.side WHEN 'numerator' THEN 1.0 ELSE -1.0 END")}
                        ORDER BY o.cell_no) AS parts
            FROM wants w JOIN offers o ON o.rule_no = w.rule_no AND o.side = w.side AND o.k = w.k
            GROUP BY w.rule_no, w.cell_no, w.side)
        SELECT t.rule_no, t.cell_no, t.table_id, t.value AS lhs, 100 * n.v / nullif(d.v, 0) AS rhs,
               0.5 * t.rounding + coalesce({_interval('100 * (n.v - n.h) / nullif(d.v + d.h, 0)',
                                                      '100 * (n.v + n.h) / nullif(d.v - d.h, 0)',
                                                      '100 * n.v / nullif(d.v, 0)')}, 0) AS tolerance,
               n.blocked OR d.blocked OR d.v IS NULL OR d.v = 0 AS blocked, list_concat(n.parts, d.parts) AS parts,
               printf('100 × %s / %s', n.v::VARCHAR, d.v::VARCHAR) AS detail
        FROM t JOIN sums n ON n.rule_no = t.rule_no AND n.cell_no = t.cell_no AND n.side = 'numerator'
        JOIN sums d ON d.rule_no = t.rule_no AND d.cell_no = t.cell_no AND d.side = 'denominator'"""


@one_by_one
def markers(con, no: int, rule: Rule) -> str:
    """Every listed cell prints its marker, and every printed nb / n.b. / -- is listed: a figure typed over
    a marker (nb -> 0) and a marker typed over a figure (697 -> nb) both fail. lhs is 1 when the cell is
    as listed, 0 when not."""
    listed = pd.DataFrame([{"table_id": m["table"], "row_label": r, "column_label": c, "marker": m["marker"]}
                           for m in rule.params["markers"] for r, c in m["cells"]],
                          columns=["table_id", "row_label", "column_label", "marker"])
    con.register(f"listed_markers_{no}", listed)
    return f"""
        WITH seen AS (SELECT table_id, row_label, column_label, printed FROM cells
                      WHERE printed IN ('nb', 'n.b.', '--') AND {in_tables('cells', rule)}),
        found AS (
            SELECT l.marker, s.printed AS seen, coalesce(l.table_id, s.table_id) AS table_id,
                   coalesce(l.row_label, s.row_label) AS row_label,
                   coalesce(l.column_label, s.column_label) AS column_label
            FROM listed_markers_{no} l FULL JOIN seen s USING (table_id, row_label, column_label))
        SELECT c.cell_no, f.table_id,
               -- a listed cell the table does not print is named as listed
               CASE WHEN c.cell_no IS NULL THEN f.row_label END AS row_label,
               CASE WHEN c.cell_no IS NULL THEN f.column_label END AS column_label,
               CASE WHEN c.cell_no IS NULL THEN '' END AS printed,
               CASE WHEN c.printed = f.marker THEN 1.0 ELSE 0.0 END AS lhs, 1.0 AS rhs, 0.0 AS tolerance,
               FALSE AS blocked, []::{PARTS} AS parts,
               CASE WHEN f.marker IS NULL THEN 'printed ' || f.seen || ', which the marker list does not hold'
                    WHEN c.printed IS NULL THEN 'listed as ' || f.marker || ' but the table has no such cell'
                    WHEN c.printed = f.marker THEN 'printed ' || f.marker || ' as listed'
                    ELSE 'listed as ' || f.marker || ', printed ' || coalesce(nullif(c.printed, ''), 'blank') END
                 AS detail
        FROM found f LEFT JOIN cells c USING (table_id, row_label, column_label)"""


KIND_SQL = {
    "markers": markers,
    "ratio": ratio,
    "geo_sum": geo_sum,
    "component_sum": component_sum,
    "code_formula": code_formula,
    "sine_weight": sine_weight,
    "share": share,
    "evolution": evolution,
    "cross_table": cross_table,
    "series": series,
    "weighted_mean": weighted_mean,
}
