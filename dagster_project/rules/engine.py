"""Run every rule on the warehouse and write ``checks.results`` (one row per rule instance) and
``checks.result_cells`` (the cells each instance involves), waivers applied, suspects named.

Everything stays in DuckDB. The templates fill the temp table ``instances``: per instance its rule, its
checked cell, lhs, rhs, tolerance and its parts by cell number; the status follows from them. Waivers,
copies and localisation read only the failing instances (and, for localisation, the passing ones that
share a cell with them) and record what they change in ``overrides``. Names, printed figures, digests
and the cells of every instance are formed when results are read (``results``, ``result_cells``), so
the engine holds a few numbers per passing instance however large the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ..catalogue import Table, trend_breaks_frame
from ..cells import parse_printed
from ..files import SourceError, cut
from ..narrative.scan import scan_rule
from ..reference import Reference
from .formulas import Row as FormulaRow
from .formulas import edges as formula_edges
from .formulas import leaf_weights
from .kinds import KIND_SQL, PARTS, SUM_DETAIL, lit
from .localise import LINEAR, TREND_BREAK_WAIVER, localise, swaps
from .narrative import narrative
from .registry import Rule, Waiver

RESULT_COLUMNS = [
    "instance", "rule", "family", "severity", "kind", "table_id", "row_label", "column_label", "printed",
    "lhs", "rhs", "imbalance", "tolerance", "status", "detail", "waiver", "suspect_table", "suspect_row",
    "suspect_column", "suggestion", "pattern", "cells_digest",
]
CELL_COLUMNS = ["instance", "table_id", "row_label", "column_label", "coef", "role"]
FRAME_KINDS = {"narrative": narrative, "narrative_scan": scan_rule}
"""Kinds evaluated in Python: a frame per rule with the columns of a template, cells named."""
FRAME_COLUMNS = ["table_id", "row_label", "column_label", "printed", "lhs", "rhs", "tolerance", "blocked",
                 "parts", "detail", "missing_row", "silenced", "pattern_hint"]
STATUS = """CASE WHEN coalesce(blocked, FALSE) OR rhs IS NULL THEN 'not_verifiable'
                 WHEN abs(lhs - rhs) <= tolerance + 1e-9 THEN 'pass'
                 WHEN coalesce(silenced, FALSE) THEN 'waived' ELSE 'fail' END"""
"""Holds within its tolerance; a failure a registered trend break explains is waived (``TREND_BREAK_WAIVER``)."""
INSTANCES = f"""
    CREATE OR REPLACE TEMP TABLE instances (
        rule_no INTEGER, cell_no BIGINT, table_id VARCHAR, row_label VARCHAR, column_label VARCHAR, printed VARCHAR,
        lhs DOUBLE, rhs DOUBLE, tolerance DOUBLE, blocked BOOLEAN, parts {PARTS}, detail VARCHAR,
        missing_row VARCHAR, silenced BOOLEAN, pattern_hint VARCHAR,
        status VARCHAR GENERATED ALWAYS AS ({STATUS}) VIRTUAL)"""
OVERRIDES = {"inst_no": "BIGINT", "status": "VARCHAR", "waiver": "VARCHAR", "note": "VARCHAR",
             "suspect_table": "VARCHAR", "suspect_row": "VARCHAR", "suspect_column": "VARCHAR",
             "suggestion": "DOUBLE", "pattern": "VARCHAR"}
"""What waivers, copies and localisation change of an instance (``note``: appended to its detail)."""
FAILING = "status = 'fail'"
FIGURE = "coalesce(printf('%.6f/%g', {a}.value, {a}.rounding), {a}.marker, '?')"


@dataclass
class Outcome:
    results: pd.DataFrame
    n_cells: int  # rows of the result cells, which stay in DuckDB
    stale_waivers: list[Waiver]  # match no failing instance at all
    mismatched_waivers: list[tuple[Waiver, str]] = field(default_factory=list)  # the finding changed: why


def prepare(con: duckdb.DuckDBPyConnection, tables: list[Table], ref: Reference, rounded: pd.DataFrame) -> None:
    """Temp tables the rule templates read: cells (all sources, numbered in order: ``cell_no``), geo,
    geo_names, trend_breaks, break_cells."""
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'src'").fetchall()}
    union = " UNION ALL BY NAME ".join(f'SELECT * FROM src."{t.id}"' for t in tables if t.id in present)
    con.register("rounded_spec", rounded)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cells AS
        SELECT c.*, c.table_id || ' | ' || c.row_label || ' | ' || c.column_label AS cell,
               CASE WHEN c.value IS NOT NULL AND EXISTS (
                    SELECT 1 FROM rounded_spec r WHERE r."table" = c.table_id
                      AND (r.code IS NULL OR r.code = c.code) AND (r."row" IS NULL OR r."row" = c.row_label))
                    THEN 0.5 * c.rounding ELSE 0 END AS half,
               row_number() OVER (ORDER BY c.table_id, c.row_no, c.col_no) AS cell_no
        FROM ({union}) c ORDER BY c.table_id, c.row_no, c.col_no""")
    con.register("geo_frame", ref.geography)
    con.execute("CREATE OR REPLACE TEMP TABLE geo AS SELECT code, name, level, parent FROM geo_frame ORDER BY code")
    names = pd.DataFrame([{"name": k, "code": v[0]} for k, v in sorted(ref.geo_lookup.items())])
    con.register("geo_names_frame", names)
    con.execute("CREATE OR REPLACE TEMP TABLE geo_names AS SELECT * FROM geo_names_frame")
    con.register("breaks_frame", trend_breaks_frame(tables))
    con.execute("CREATE OR REPLACE TEMP TABLE trend_breaks AS SELECT * FROM breaks_frame")
    # Which cells each break belongs to: the rows or columns its series names, or, when it names none,
    # the whole table (a table of areas holds one series). A break never silences another series.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE break_cells AS
        WITH b AS (SELECT *, lower(series) AS s FROM trend_breaks),
        c AS (SELECT table_id, row_label, column_label, lower(row_label) AS r, lower(column_label) AS k
              FROM cells SEMI JOIN trend_breaks USING (table_id)),
        pairs AS (SELECT b.*, c.row_label, c.column_label,
                         coalesce(contains(c.r, b.s) OR contains(b.s, c.r) OR contains(c.k, b.s), FALSE) AS named
                  FROM b JOIN c USING (table_id))
        SELECT table_id, year, series, kind, description, row_label, column_label FROM pairs
        QUALIFY named OR NOT bool_or(named) OVER (PARTITION BY table_id, series)
        ORDER BY ALL""")
    # A subtotal printed with a formula (Tabel 39/40) holds the series of its parts: their breaks are its own.
    con.register("formula_parts", _formula_parts(con))
    con.execute("""
        INSERT INTO break_cells
        SELECT DISTINCT b.table_id, b.year, b.series, b.kind, b.description, f.total_row, b.column_label
        FROM break_cells b JOIN formula_parts f ON f.table_id = b.table_id AND f.part_row = b.row_label
        EXCEPT SELECT * FROM break_cells
        ORDER BY ALL""")


def _formula_parts(con) -> pd.DataFrame:
    """(table, total row, part row) for every row a printed formula reaches, down to the leaves."""
    out = []
    for (table,) in con.execute("SELECT DISTINCT table_id FROM cells WHERE code IS NOT NULL ORDER BY 1").fetchall():
        rows = [FormulaRow(*r) for r in con.execute(
            "SELECT row_label, coalesce(code, ''), min(row_no) FROM cells WHERE table_id = ? GROUP BY ALL ORDER BY 3",
            [table]).fetchall()]
        for total in sorted({e["total_row"] for e in formula_edges(rows)}):
            out += [{"table_id": table, "total_row": total, "part_row": part} for part in leaf_weights(rows, total)]
    return pd.DataFrame(out, columns=["table_id", "total_row", "part_row"])


# --- evaluation --------------------------------------------------------------------------------------
def _insert(con, sql: str) -> None:
    """Add a template's instances; a NaN (0 / 0) is no number, as a blank is."""
    nan = ", ".join(f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END AS {c}" for c in ("lhs", "rhs", "tolerance"))
    con.execute(f"INSERT INTO instances BY NAME SELECT * REPLACE ({nan}) FROM ({sql})")


def _insert_frames(con, frames: list[tuple[int, pd.DataFrame]]) -> None:
    """Add the instances of rules given as frames (rule number, frame) with their cells named: a template's
    columns with table_id, row_label, column_label, printed for the checked cell and parts as {t, r, c, coef}."""
    frames = [f.assign(rule_no=no) for no, f in frames if len(f)]
    if not frames:
        return
    frame = pd.concat(frames, ignore_index=True).reindex(columns=[*FRAME_COLUMNS, "rule_no"])
    frame["silenced"] = frame["silenced"].eq(True)  # a kind without trend breaks silences nothing
    for c in ("missing_row", "pattern_hint"):  # text or nothing (NaN where a kind has no such column)
        frame[c] = [v if isinstance(v, str) else None for v in frame[c]]
    con.register("rule_frame", frame.assign(k=range(len(frame)), parts=[list(p) for p in frame["parts"]]))
    try:
        _insert(con, """
            WITH p AS (SELECT k, unnest(parts::STRUCT(t VARCHAR, r VARCHAR, c VARCHAR, coef DOUBLE)[]) AS x,
                              unnest(range(len(parts))) AS ord FROM rule_frame),
            numbered AS (SELECT p.k, list(struct_pack(cell := c.cell_no, coef := p.x.coef) ORDER BY p.ord) AS parts,
                                count(c.cell_no) = count(*) AS all_cells
                         FROM p LEFT JOIN cells c ON c.table_id = p.x.t AND c.row_label = p.x.r
                              AND c.column_label = p.x.c
                         GROUP BY p.k)
            SELECT f.rule_no, l.cell_no, f.table_id,
                   CASE WHEN l.cell_no IS NULL THEN f.row_label END AS row_label,
                   CASE WHEN l.cell_no IS NULL THEN f.column_label END AS column_label,
                   CASE WHEN l.printed IS DISTINCT FROM f.printed THEN f.printed END AS printed,
                   f.lhs, f.rhs, f.tolerance, f.blocked, coalesce(n.parts, []) AS parts, f.detail, f.missing_row,
                   f.silenced, f.pattern_hint
            FROM rule_frame f LEFT JOIN numbered n USING (k)
            LEFT JOIN cells l ON l.table_id = f.table_id AND l.row_label = f.row_label
                 AND l.column_label = f.column_label
            WHERE CASE WHEN n.all_cells IS FALSE THEN error('rule ' || f.rule_no || ': a part of ' || f.table_id
                                                           || ' | ' || f.row_label || ' | ' || f.column_label
                                                           || ' is no cell')
                       ELSE TRUE END""")
    finally:
        con.unregister("rule_frame")


def _batches(rules: list[Rule]) -> dict[str, list[tuple[int, Rule]]]:
    out: dict[str, list[tuple[int, Rule]]] = {}
    for no, rule in enumerate(rules):
        out.setdefault(rule.kind, []).append((no, rule))
    return out


def _cannot(rule: Rule, exc: duckdb.Error) -> SourceError:
    message = str(exc).splitlines()[0]
    return SourceError(rule.path, rule.line, f"rule {rule.id} cannot be evaluated: {cut(message, 160)}")


def evaluate(con, rules: list[Rule]) -> None:
    """Temp table ``instances``: every rule's instances, the rules of one kind in one statement; selectors
    checked first."""
    check_selectors(con, rules)
    con.execute(INSTANCES)
    frames = []
    for kind, batch in _batches(rules).items():
        if kind in FRAME_KINDS:
            for no, rule in batch:
                try:
                    frames.append((no, FRAME_KINDS[kind](con, rule)))
                except duckdb.Error as exc:
                    raise _cannot(rule, exc) from None
            continue
        # a rule's selectors apply to its own cells only (a CASE per rule): as joins (DuckDB's rewrite of a
        # long IN list) they would run over every rule's cells
        con.execute("SET disabled_optimizers = 'in_clause'")
        try:
            _insert(con, KIND_SQL[kind](con, batch))
        except duckdb.Error as exc:  # e.g. a selector value of the wrong type for its dimension: whose?
            for no, rule in batch:
                try:
                    con.execute(f"SELECT count(*) FROM ({KIND_SQL[kind](con, [(no, rule)])})").fetchall()
                except duckdb.Error as own:
                    raise _cannot(rule, own) from None
            raise _cannot(batch[0][1], exc) from None
        finally:
            con.execute("RESET disabled_optimizers")
    _insert_frames(con, frames)


def evaluate_rule(con, rule: Rule) -> pd.DataFrame:
    """One rule's instances as a frame, cells named (a template's columns, parts as {t, r, c, coef}), with
    the rule's id, family, severity and kind: what ``run_rules(frames=...)`` takes (the mutation benchmark
    re-evaluates only the rules a planted cell's table concerns). It replaces the engine's temp tables: read
    a run's results before."""
    if rule.kind in FRAME_KINDS:
        try:
            frame = FRAME_KINDS[rule.kind](con, rule)
        except duckdb.Error as exc:
            raise _cannot(rule, exc) from None
    else:
        con.execute(INSTANCES)
        try:
            _insert(con, KIND_SQL[rule.kind](con, [(0, rule)]))
        except duckdb.Error as exc:
            raise _cannot(rule, exc) from None
        _rule_meta(con, [rule])
        con.execute(f"CREATE OR REPLACE TEMP TABLE overrides ({', '.join(f'{k} {v}' for k, v in OVERRIDES.items())})")
        frame = con.execute(f"""
            WITH r AS ({results()}),
            p AS (SELECT inst_no, list(struct_pack(t := table_id, r := row_label, c := column_label, coef := coef)
                                       ORDER BY ord) AS parts FROM ({result_cells()}) WHERE role = 'rhs'
                  GROUP BY inst_no)
            SELECT r.table_id, r.row_label, r.column_label, r.printed, r.lhs, r.rhs, r.tolerance, i.blocked,
                   coalesce(p.parts, []) AS parts, r.detail, i.missing_row, i.silenced, i.pattern_hint
            FROM r JOIN instances i ON i.rowid = r.inst_no LEFT JOIN p USING (inst_no)
            ORDER BY r.inst_no""").df()
    if "silenced" not in frame:
        frame["silenced"] = False
    frame["rule"], frame["family"], frame["severity"], frame["kind"] = rule.id, rule.family, rule.severity, rule.kind
    return frame


def evaluate_rules(con, rules: list[Rule]) -> list[pd.DataFrame]:
    """Every rule's instances, one frame per rule (in the order of ``rules``), selectors checked first."""
    check_selectors(con, rules)
    return [evaluate_rule(con, rule) for rule in rules]


def _rule_meta(con, rules: list[Rule]) -> None:
    con.register("rule_meta_frame", pd.DataFrame(
        [{"rule_no": no, "rule": r.id, "family": r.family, "severity": r.severity, "kind": r.kind}
         for no, r in enumerate(rules)], columns=["rule_no", "rule", "family", "severity", "kind"]))
    con.execute("CREATE OR REPLACE TEMP TABLE rule_meta AS SELECT rule_no::INTEGER AS rule_no, rule, family, "
                "severity, kind FROM rule_meta_frame")
    con.unregister("rule_meta_frame")


def _status(frame: pd.DataFrame) -> pd.Series:
    """``STATUS`` (before trend breaks) of a frame of ``evaluate_rule``."""
    ok = (frame["lhs"] - frame["rhs"]).abs() <= frame["tolerance"] + 1e-9
    status = pd.Series("fail", index=frame.index)
    status[ok] = "pass"
    status[frame["blocked"].fillna(False).astype(bool) | frame["rhs"].isna()] = "not_verifiable"
    return status


def _cells(res: pd.DataFrame) -> pd.DataFrame:
    """Long form of frames of ``evaluate_rule``: the checked cell (role lhs, coefficient 1) and every
    right-hand cell."""
    lhs = res[["instance", "table_id", "row_label", "column_label"]].assign(coef=1.0, role="lhs")
    parts = res[["instance", "parts"]].explode("parts").dropna(subset=["parts"])
    rhs = pd.DataFrame({
        "instance": parts["instance"].values,
        "table_id": [p["t"] for p in parts["parts"]],
        "row_label": [p["r"] for p in parts["parts"]],
        "column_label": [p["c"] for p in parts["parts"]],
        "coef": [float(p["coef"]) for p in parts["parts"]],
        "role": "rhs",
    })
    return pd.concat([lhs, rhs], ignore_index=True)


# --- reading results ---------------------------------------------------------------------------------
def results(where: str = "TRUE") -> str:
    """SQL of the results (``RESULT_COLUMNS`` and ``inst_no``) of the instances for which ``where`` holds,
    a condition on ``instances`` (``i``), ``rule_meta`` and ``status`` / ``waiver`` as they stand."""
    return f"""
        WITH f AS (SELECT * FROM ({_current()}) WHERE {where}),
        n AS ({_named('f', 'cells')}),
        pc AS (SELECT p.inst_no, p.ord, c.* FROM ({_parts('f')}) p JOIN cells c ON c.cell_no = p.cell),
        digest AS (
            SELECT inst_no, left(md5(string_agg(t || '|' || r || '|' || c || '=' || figure, chr(10) ORDER BY t, r, c)),
                                 12) AS digest
            FROM (SELECT inst_no, table_id AS t, row_label AS r, column_label AS c, figure FROM n
                  UNION ALL SELECT inst_no, table_id, row_label, column_label, {FIGURE.format(a='pc')} FROM pc)
            GROUP BY inst_no),
        sums AS (
            SELECT l.inst_no, 'sum of ' || string_agg(CASE l.kind {' '.join(f"WHEN {lit(k)} THEN {e}" for k, e in
                                                                          SUM_DETAIL.items())} END,
                                                      ' + ' ORDER BY c.ord) AS detail
            FROM n l JOIN pc c USING (inst_no) LEFT JOIN geo g ON g.code = c.geo_code
            WHERE l.kind IN ({', '.join(lit(k) for k in SUM_DETAIL)}) AND l.detail IS NULL
            GROUP BY l.inst_no)
        SELECT n.instance, n.rule, n.family, n.severity, n.kind, n.table_id, n.row_label, n.column_label, n.printed,
               n.lhs, n.rhs, n.lhs - n.rhs AS imbalance, n.tolerance, n.status,
               coalesce(n.detail, s.detail) || coalesce(n.note, '') AS detail, n.waiver,
               n.suspect_table, n.suspect_row, n.suspect_column, n.suggestion, n.pattern, d.digest AS cells_digest,
               n.inst_no
        FROM n LEFT JOIN sums s USING (inst_no) LEFT JOIN digest d USING (inst_no)"""


def result_cells(where: str = "TRUE") -> str:
    """SQL of ``CELL_COLUMNS`` (and ``inst_no``, ``ord``: the place of a part, ``cell_no``) of the instances
    for which ``where`` holds."""
    return f"""
        WITH f AS (SELECT * FROM ({_current()}) WHERE {where}), r AS ({_named('f', 'cells')})
        {_cells_of('r', 'cells')}"""


def _named(source: str, cells: str) -> str:
    """The instances of ``source`` (rows of ``_current``) with their checked cell named as printed, their
    name (``instance``) and the checked cell's figure (value and precision, or marker: ``FIGURE``)."""
    row, column = "coalesce(l.row_label, f.row_label)", "coalesce(l.column_label, f.column_label)"
    return f"""
        SELECT f.* REPLACE ({row} AS row_label, {column} AS column_label, coalesce(f.printed, l.printed) AS printed),
               f.rule || ': ' || f.table_id || ' | ' || {row} || ' | ' || {column} AS instance,
               {FIGURE.format(a='l')} AS figure
        FROM {source} f LEFT JOIN {cells} l ON l.cell_no = f.cell_no"""


def _cells_of(named: str, cells: str) -> str:
    """Long form of the named instances ``named``: the checked cell (role lhs, coefficient 1) and every part
    (``cell_no``: none for a checked figure that is no cell)."""
    return f"""
        SELECT r.instance, r.table_id, r.row_label, r.column_label, 1.0::DOUBLE AS coef, 'lhs' AS role, r.inst_no,
               -1 AS ord, r.cell_no
        FROM {named} r
        UNION ALL
        SELECT r.instance, c.table_id, c.row_label, c.column_label, p.coef, 'rhs', p.inst_no, p.ord, p.cell
        FROM ({_parts(named)}) p JOIN {cells} c ON c.cell_no = p.cell JOIN {named} r USING (inst_no)"""


def _parts(source: str, ordered: bool = True) -> str:
    """One row per part (inst_no, cell, coef, and ``ordered``: ord, its place) of the instances in ``source``."""
    place = ", unnest(range(len(parts))) AS ord" if ordered else ""
    return f"""
        SELECT inst_no, x.cell, x.coef{', ord' if ordered else ''}
        FROM (SELECT inst_no, unnest(parts) AS x{place} FROM {source})"""


def _current() -> str:
    """Every instance with its rule and its status, waiver, suspect … as they stand (``overrides``)."""
    columns = ", ".join(f"o.{c}" for c in OVERRIDES if c not in ("inst_no", "status", "waiver"))
    return f"""
        SELECT i.rowid AS inst_no, i.* EXCLUDE (status), m.rule, m.family, m.severity, m.kind,
               coalesce(o.status, i.status) AS status,
               coalesce(o.waiver, CASE WHEN i.status = 'waived' THEN {lit(TREND_BREAK_WAIVER)} END) AS waiver,
               {columns}
        FROM instances i JOIN rule_meta m USING (rule_no) LEFT JOIN overrides o ON o.inst_no = i.rowid"""


# --- checks on the rules themselves --------------------------------------------------------------------
def _selectors(rule: Rule) -> list[tuple[tuple, list[str], str, object]]:
    """(location in the rule, tables, dimension, value) of every selector value a rule names."""
    params, own = rule.params, list(rule.tables)
    sides = {"component_sum": [(("total",), own), (("parts",), own)], "weighted_mean": [(("weight",), own)],
             **{kind: [((side, "where"), [params[side]["table"]]) for side in sides if side in params]
                for kind, sides in (("cross_table", ("target", "source")),
                                    ("ratio", ("target", "numerator", "denominator")))}}
    out = []
    for loc, tables in filter(None, sides.get(rule.kind, [])):
        selector = params
        for key in loc:
            selector = selector[key]
        for dim, values in selector.items():
            for i, value in enumerate(values if isinstance(values, list) else [values]):
                out.append(((*loc, dim, i) if isinstance(values, list) else (*loc, dim), tables, dim, value))
    if rule.kind == "sine_weight":
        out.append((("sine_row",), own, "row_label", params["sine_row"]))
        out += [(("totals", label), own, "row_label_prefix", label) for label in params["totals"]]
    return out


def check_selectors(con, rules: list[Rule]) -> None:
    """Every value a rule selects on must match a cell of its tables: a typo would check nothing."""
    wanted = [{"n": n, "rule": i, "tables": tables, "dim": dim, "value": str(value)}
              for i, rule in enumerate(rules) for n, (_, tables, dim, value) in enumerate(_selectors(rule))]
    if not wanted:
        return
    con.register("wanted_selectors", pd.DataFrame(wanted))
    # per dimension named, the values each table prints (few, however many cells) against the wanted ones
    found = " UNION ALL ".join(
        f"SELECT w.rule, w.n FROM wanted_selectors w SEMI JOIN (SELECT DISTINCT table_id, "
        f"{'row_label' if d == 'row_label_prefix' else d}::VARCHAR AS value FROM cells) c "
        f"ON {'starts_with(c.value, w.value)' if d == 'row_label_prefix' else 'c.value = w.value'} "
        f"AND (len(w.tables) = 0 OR list_contains(w.tables, c.table_id)) WHERE w.dim = '{d}'"
        for d in sorted({w["dim"] for w in wanted}))
    missing = con.execute(f"""SELECT rule, n FROM wanted_selectors EXCEPT ({found}) ORDER BY rule, n""").fetchall()
    con.unregister("wanted_selectors")
    if missing:
        rule = rules[missing[0][0]]
        loc, tables, dim, value = _selectors(rule)[missing[0][1]]
        raise SourceError(*rule.where(*loc), f"rule {rule.id}: {dim.replace('_prefix', '')} {cut(value)} matches no "
                                             f"cell of {', '.join(tables) or 'any table'}; check the spelling "
                                             "against the table as printed")


def check_instances(con, rules: list[Rule]) -> None:
    """A rule that yields no instance in a table it lists checks nothing there: an error unless it says
    ``allow_empty: true``."""
    pairs = con.execute("SELECT DISTINCT rule_no, table_id FROM instances").fetchall()
    found = {(rules[no].id, table) for no, table in pairs}
    any_found = {rules[no].id for no, _ in pairs}
    for rule in rules:
        if rule.allow_empty:
            continue
        if rule.kind in ("narrative", "cross_table", "ratio") or not rule.tables:
            if rule.id not in any_found:
                raise SourceError(rule.path, rule.line, f"rule {rule.id} matches no cell, so it checks nothing; "
                                                        "fix its scope or say 'allow_empty: true'")
            continue
        for i, table in enumerate(rule.tables):
            if (rule.id, table) not in found:
                raise SourceError(*rule.where("tables", i), f"rule {rule.id} yields no instance in {table}, so it "
                                                            "checks nothing there; fix its scope or parameters, or "
                                                            "say 'allow_empty: true'")


# --- waivers, copies, suspects -------------------------------------------------------------------------
def _same_figure(a: str, b: str) -> bool:
    """Two printings of one figure: the same value at the same precision (or the same text)."""
    try:
        return parse_printed(a) == parse_printed(b)
    except ValueError:
        return a == b


def _mismatch(w: Waiver, row) -> str | None:
    """Why a waiver no longer describes its finding, or None when it still does."""
    if not w.pinned:
        return "it is not pinned (run `ladder waivers pin` to record what it accepts)"
    why = []
    if not _same_figure(row.printed, w.printed):
        why.append(f"printed {row.printed!r} (pinned {w.printed!r})")
    if abs(float(row.rhs) - w.expected) > 1e-6:
        why.append(f"expected {float(row.rhs):.6g} (pinned {w.expected:.6g})")
    if abs(float(row.imbalance) - w.imbalance) > 1e-6:
        why.append(f"imbalance {float(row.imbalance):.6g} (pinned {w.imbalance:.6g})")
    if row.cells_digest != w.cells:
        why.append("a cell it involves changed")
    return "; ".join(why) or None


def _write_overrides(con, overrides: dict[int, dict]) -> None:
    frame = pd.DataFrame([{"inst_no": k, **v} for k, v in overrides.items()], columns=list(OVERRIDES))
    con.register("overrides_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE overrides AS SELECT "
                + ", ".join(f"{c}::{t} AS {c}" for c, t in OVERRIDES.items()) + " FROM overrides_frame")
    con.unregister("overrides_frame")


def _apply_waivers(con, waivers: list[Waiver], overrides: dict[int, dict]) -> tuple[list, list]:
    """A waiver turns its failing instance into a waived one while the finding is the one it pinned."""
    if not waivers:
        return [], []
    con.register("waiver_names", pd.DataFrame({"instance": [w.instance for w in waivers]}))
    failing = con.execute(f"SELECT * FROM ({results(FAILING)}) SEMI JOIN waiver_names USING (instance)").df()
    con.unregister("waiver_names")
    by_instance = {r.instance: r for r in failing.itertuples()}
    stale, mismatched = [], []
    for w in waivers:
        row = by_instance.get(w.instance)
        if row is None:
            stale.append(w)
            continue
        why = _mismatch(w, row)
        if why:
            mismatched.append((w, why))
            overrides[row.inst_no] = {"note": f" [waiver checks/waivers.yaml:{w.line} no longer matches: {why}]"}
        else:
            overrides[row.inst_no] = {"status": "waived", "waiver": f"{w.reason} ({w.date})"}
    return stale, mismatched


def _follow_copies(con, overrides: dict[int, dict]) -> dict[int, tuple]:
    """A cell that repeats another cell shares its series: an instance (pass, or waived) whose right-hand
    side is that one cell at weight 1 (the same figure in another table; a regio with one
    arrondissement). The original's trend break silences the copy's plausibility warning, and a
    warning on both is one finding about the original: inst_no -> the original, for those."""
    rows = con.execute(f"""
        WITH s AS ({_current()}),
        origin AS (SELECT cell_no, arg_max(parts[1].cell, rule_no) AS origin FROM s
                   WHERE len(parts) = 1 AND parts[1].coef = 1.0 AND status IN ('pass', 'waived') AND kind <> 'series'
                   GROUP BY cell_no),
        series AS (SELECT cell_no, arg_max(status, rule_no) AS status FROM s WHERE kind = 'series' GROUP BY cell_no)
        SELECT f.inst_no, x.status, c.table_id, c.row_label, c.column_label
        FROM s f JOIN origin o USING (cell_no) JOIN series x ON x.cell_no = o.origin
        JOIN cells c ON c.cell_no = o.origin
        WHERE f.kind = 'series' AND f.status = 'fail' AND x.status IN ('waived', 'fail')""").fetchall()
    copy_of = {}
    for inst_no, status, *origin in rows:
        if status == "waived":
            overrides[inst_no] = {"status": "waived",
                                  "waiver": f"{TREND_BREAK_WAIVER} ({' | '.join(origin)}, which this cell repeats)"}
        else:
            copy_of[inst_no] = tuple(origin)
    return copy_of


def _localise(con, overrides: dict[int, dict], copy_of: dict[int, tuple]) -> None:
    """Suspects of the failing and waived instances (``localise``) and of the series warnings (``swaps``),
    read with the passing instances that share a cell with them and the values they need."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nearby AS
        WITH s AS MATERIALIZED (SELECT inst_no, cell_no, kind, status, waiver FROM ({_current()})),
        flagged AS (SELECT inst_no FROM s WHERE kind <> 'series' AND status IN ('fail', 'waived')
                    AND NOT starts_with(coalesce(waiver, ''), {lit(TREND_BREAK_WAIVER)})),
        parts AS NOT MATERIALIZED ({_parts('(SELECT rowid AS inst_no, parts FROM instances)', ordered=False)}),
        near AS MATERIALIZED (SELECT cell_no AS cell FROM s SEMI JOIN flagged USING (inst_no)
                              UNION SELECT cell FROM parts SEMI JOIN flagged USING (inst_no)),
        hits AS (SELECT inst_no FROM s WHERE cell_no IN (SELECT cell FROM near)
                 UNION SELECT inst_no FROM parts WHERE cell IN (SELECT cell FROM near)),
        chosen AS (SELECT inst_no FROM flagged
                   UNION SELECT inst_no FROM hits JOIN s USING (inst_no) WHERE s.status = 'pass'
                   UNION SELECT inst_no FROM s WHERE kind = 'series' AND status = 'fail')
        SELECT c.*, c.inst_no IN (SELECT inst_no FROM flagged) AS flagged
        FROM ({_current()}) c SEMI JOIN chosen USING (inst_no)""")
    # Their cells, read once; then the rows of the flagged ones' cells (for the neighbouring years) and the
    # columns of the series warnings (a swap between rows). A passing sum (``LINEAR``) bears on a suspect
    # through the cells it shares with the flagged instances only: of it just those are read.
    linear = ", ".join(lit(k) for k in sorted(LINEAR))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE near_cells AS
        SELECT cell_no FROM nearby WHERE flagged
        UNION SELECT cell FROM ({_parts('(SELECT * FROM nearby WHERE flagged)', ordered=False)})""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nearby_cells AS
        SELECT * FROM cells SEMI JOIN (
            SELECT cell_no FROM nearby UNION ALL SELECT cell_no FROM near_cells
            UNION ALL SELECT cell FROM ({_parts(f'(SELECT * FROM nearby WHERE kind NOT IN ({linear}))', ordered=False)})
        ) m ON m.cell_no = cells.cell_no""")
    res = con.execute(f"""
        SELECT inst_no, instance, kind, status, waiver, table_id, row_label, column_label, lhs, rhs,
               lhs - rhs AS imbalance, tolerance, missing_row, pattern_hint
        FROM ({_named('nearby', 'nearby_cells')}) ORDER BY inst_no""").df()
    if not len(res):
        return
    cells = con.execute(f"""
        WITH r AS ({_named('nearby', 'nearby_cells')})
        SELECT c.* FROM ({_cells_of('r', 'nearby_cells')}) c JOIN r USING (inst_no)
        WHERE r.flagged OR r.kind NOT IN ({linear}) OR c.cell_no IN (SELECT cell_no FROM near_cells)
        ORDER BY c.inst_no, c.ord""").df()
    values = _values(con, series=bool((res["kind"] == "series").any()))
    res["copy_of"] = pd.Series([copy_of.get(k) for k in res.inst_no], index=res.index, dtype=object)
    found = swaps(localise(res, cells, values, swapped=lambda asked: _swapped(con, asked)), values)
    shown = ["suspect_table", "suspect_row", "suspect_column", "suggestion", "pattern"]
    for r in found[found[shown].notna().any(axis=1)].itertuples():
        overrides.setdefault(r.inst_no, {}).update(
            {c: (None if pd.isna(v) else v) for c, v in zip(shown, (getattr(r, c) for c in shown))})



def _values(con, series: bool) -> pd.DataFrame:
    """The cells in ``nearby_cells`` with, for the flagged instances' cells (``near_cells``), the mean of
    the neighbouring years and the previous year of a count; with ``series`` (warnings among them) also
    every cell of the columns of the series warnings (a swap between rows)."""
    columns = """UNION SELECT * FROM cells SEMI JOIN (
                     SELECT DISTINCT c.table_id, c.column_label FROM nearby n JOIN nearby_cells c USING (cell_no)
                     WHERE n.kind = 'series') s USING (table_id, column_label)""" if series else ""
    return con.execute(rf"""
        WITH lines AS (SELECT DISTINCT table_id, row_label FROM nearby_cells SEMI JOIN near_cells USING (cell_no)),
        line_cells AS MATERIALIZED (SELECT cell_no, table_id, row_label, column_label, stat, year, col_no, value
                                    FROM cells SEMI JOIN lines USING (table_id, row_label)),
        -- a column's series is its label without the year (worked out once per label, not per cell)
        labels AS (SELECT column_label, regexp_replace(column_label, '\d{{4}}\**', '', 'g') AS series
                   FROM (SELECT DISTINCT column_label FROM line_cells)),
        years AS (
            SELECT cell_no,
                   -- the mean of the neighbouring years of the same row and series: what a count 'should' be near
                   CASE WHEN stat = 'count' AND year IS NOT NULL THEN
                        (coalesce(lag(value) OVER w, lead(value) OVER w) + coalesce(lead(value) OVER w, lag(value) OVER w)) / 2
                   END AS neighbour,
                   CASE WHEN stat = 'count' AND year IS NOT NULL THEN lag(value) OVER w END AS previous
            FROM line_cells JOIN labels USING (column_label)
            WINDOW w AS (PARTITION BY table_id, row_label, series, stat ORDER BY year, col_no))
        SELECT c.table_id, c.row_label, c.column_label, c.value, c.rounding, c.stat, c.geo_level, c.geo_axis,
               y.neighbour, y.previous
        FROM (SELECT * FROM nearby_cells {columns}) c LEFT JOIN years y USING (cell_no)
        ORDER BY c.cell_no""").df()


def _swapped(con, asked: pd.DataFrame) -> dict:
    """(table, row, column, suggested) -> the first other count of the same row or column (in the table's
    order) that prints the suggested value: the cell the suspect may have swapped with."""
    con.register("asked_swaps", asked)
    rows = con.execute("""
        SELECT a.table_id, a.row_label, a.column_label, a.suggested,
               arg_min(CASE WHEN c.row_label = a.row_label THEN c.column_label ELSE c.row_label END, c.cell_no)
        FROM asked_swaps a JOIN cells c ON c.table_id = a.table_id AND c.value = a.suggested AND c.stat = 'count'
             AND (c.row_label = a.row_label) <> (c.column_label = a.column_label)
        GROUP BY ALL""").fetchall()
    con.unregister("asked_swaps")
    return {tuple(r[:4]): r[4] for r in rows}


# --- a whole run -----------------------------------------------------------------------------------------
def check_rules(con, rules: list[Rule], waivers: list[Waiver],
                frames: list[pd.DataFrame] | None = None) -> tuple[list[Waiver], list[tuple[Waiver, str]]]:
    """Evaluate ``rules`` (or load their frames from ``evaluate_rules``), apply waivers, follow copies,
    name suspects; the results stay in DuckDB (``results``, ``result_cells``). Returns the stale and the
    mismatched waivers."""
    if frames is None:
        evaluate(con, rules)
    else:
        con.execute(INSTANCES)
        number = {rule.id: no for no, rule in enumerate(rules)}
        _insert_frames(con, [(number[f["rule"].iloc[0]], f) for f in frames if len(f)])
    _rule_meta(con, rules)
    check_instances(con, rules)
    overrides: dict[int, dict] = {}
    _write_overrides(con, overrides)
    stale, mismatched = _apply_waivers(con, waivers, overrides)
    if overrides:
        _write_overrides(con, overrides)
    copy_of = _follow_copies(con, overrides)
    _write_overrides(con, overrides)
    _localise(con, overrides, copy_of)
    _write_overrides(con, overrides)
    return stale, mismatched


def store(con, results_table: str, cells_table: str) -> None:
    """Every result and every result cell, in the order they are stored in, as the tables named
    (``TEMP TABLE rule_results``, ``TABLE checks.results`` …; replaced)."""
    con.execute(f"CREATE OR REPLACE {results_table} AS SELECT {', '.join(RESULT_COLUMNS)} "
                f"FROM ({results()}) ORDER BY family, rule, instance")
    con.execute(f"CREATE OR REPLACE {cells_table} AS SELECT {', '.join(CELL_COLUMNS)} "
                f"FROM ({result_cells()}) ORDER BY instance, role, table_id, row_label, column_label, coef")


def run_rules(con, rules: list[Rule], waivers: list[Waiver], frames: list[pd.DataFrame] | None = None) -> Outcome:
    """``check_rules``, with every result read: temp tables ``rule_results`` and ``rule_cells``, the results
    as a frame."""
    stale, mismatched = check_rules(con, rules, waivers, frames)
    store(con, "TEMP TABLE rule_results", "TEMP TABLE rule_cells")
    return Outcome(results=con.execute("SELECT * FROM rule_results").df(),
                   n_cells=con.execute("SELECT count(*) FROM rule_cells").fetchall()[0][0], stale_waivers=stale,
                   mismatched_waivers=mismatched)
