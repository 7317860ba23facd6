"""Run every rule on the warehouse and write ``checks.results`` (one row per rule instance) and
``checks.result_cells`` (the cells each instance involves), waivers applied, suspects named."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from ..catalogue import Table, trend_breaks_frame
from ..cells import parse_printed
from ..reference import Reference
from ..files import SourceError, cut
from ..narrative.scan import scan_rule
from .formulas import Row as FormulaRow
from .formulas import edges as formula_edges
from .formulas import leaf_weights
from .kinds import KIND_SQL
from .localise import TREND_BREAK_WAIVER, localise, swaps
from .narrative import narrative
from .registry import Rule, Waiver

RESULT_COLUMNS = [
    "instance", "rule", "family", "severity", "kind", "table_id", "row_label", "column_label", "printed",
    "lhs", "rhs", "imbalance", "tolerance", "status", "detail", "waiver", "suspect_table", "suspect_row",
    "suspect_column", "suggestion", "pattern", "cells_digest",
]


@dataclass
class Outcome:
    results: pd.DataFrame
    cells: pd.DataFrame
    stale_waivers: list[Waiver]  # match no failing instance at all
    mismatched_waivers: list[tuple[Waiver, str]] = field(default_factory=list)  # the finding changed: why


def prepare(con: duckdb.DuckDBPyConnection, tables: list[Table], ref: Reference, rounded: pd.DataFrame) -> None:
    """Temp tables the rule templates read: cells (all sources), geo, geo_names, trend_breaks, break_cells."""
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
                    THEN 0.5 * c.rounding ELSE 0 END AS half
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
        CREATE OR REPLACE TEMP MACRO names_series(label, series) AS
            contains(lower(label), lower(series)) OR contains(lower(series), lower(label));
        CREATE OR REPLACE TEMP TABLE break_cells AS
        WITH named AS (
            SELECT b.*, EXISTS (SELECT 1 FROM cells c WHERE c.table_id = b.table_id
                                AND (names_series(c.row_label, b.series)
                                     OR contains(lower(c.column_label), lower(b.series)))) AS names_part
            FROM trend_breaks b)
        SELECT n.table_id, n.year, n.series, n.kind, n.description, c.row_label, c.column_label
        FROM named n JOIN cells c ON c.table_id = n.table_id
        WHERE NOT n.names_part OR names_series(c.row_label, n.series)
              OR contains(lower(c.column_label), lower(n.series))
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


def evaluate_rule(con, rule: Rule) -> pd.DataFrame:
    try:
        frame = {**KIND_SQL, "narrative": narrative, "narrative_scan": scan_rule}[rule.kind](con, rule)
    except duckdb.Error as exc:  # e.g. a selector value of the wrong type for its dimension
        message = str(exc).splitlines()[0]
        raise SourceError(rule.path, rule.line, f"rule {rule.id} cannot be evaluated: {cut(message, 160)}") from None
    if "silenced" not in frame:
        frame["silenced"] = False
    frame["rule"], frame["family"], frame["severity"], frame["kind"] = rule.id, rule.family, rule.severity, rule.kind
    return frame


def _status(frame: pd.DataFrame) -> pd.Series:
    ok = (frame["lhs"] - frame["rhs"]).abs() <= frame["tolerance"] + 1e-9
    status = pd.Series("fail", index=frame.index)
    status[ok] = "pass"
    status[frame["blocked"].fillna(False).astype(bool) | frame["rhs"].isna()] = "not_verifiable"
    return status


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
    dims = ["row_label", "column_label", "code", "breakdown", "year", "school_year", "span", "geo_code", "stat"]
    match = " OR ".join(f"(w.dim = '{d}' AND c.{d}::VARCHAR = w.value)" for d in dims)
    missing = con.execute(f"""
        SELECT w.rule, w.n FROM wanted_selectors w
        WHERE NOT EXISTS (SELECT 1 FROM cells c WHERE (len(w.tables) = 0 OR list_contains(w.tables, c.table_id))
                          AND ({match} OR (w.dim = 'row_label_prefix' AND starts_with(c.row_label, w.value))))
        ORDER BY w.rule, w.n""").fetchall()
    if missing:
        rule = rules[missing[0][0]]
        loc, tables, dim, value = _selectors(rule)[missing[0][1]]
        raise SourceError(*rule.where(*loc), f"rule {rule.id}: {dim.replace('_prefix', '')} {cut(value)} matches no "
                                             f"cell of {', '.join(tables) or 'any table'}; check the spelling "
                                             "against the table as printed")


def check_instances(res: pd.DataFrame, rules: list[Rule]) -> None:
    """A rule that yields no instance in a table it lists checks nothing there: an error unless it says
    ``allow_empty: true``."""
    found = set(zip(res["rule"], res["table_id"]))
    any_found = set(res["rule"])
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


def follow_copies(res: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """A cell that repeats another cell shares its series: an instance (pass, or waived) whose right-hand
    side is that one cell at weight 1 (the same figure in another table; a regio with one
    arrondissement). The original's trend break silences the copy's plausibility warning, and a
    warning on both is one finding about the original."""
    key = ["table_id", "row_label", "column_label"]
    rhs = cells[cells["role"] == "rhs"]
    n_rhs = rhs.groupby("instance")["coef"].transform("size")
    single = rhs[(n_rhs == 1) & (rhs["coef"] == 1.0)]
    copied = res.loc[res["status"].isin(["pass", "waived"]) & (res["kind"] != "series"), ["instance", *key]]
    origins = single.merge(copied, on="instance", suffixes=("_origin", ""))
    origin_of = dict(zip(zip(*(origins[k] for k in key)), zip(*(origins[f"{k}_origin"] for k in key))))
    series = res[res["kind"] == "series"]
    status_of = dict(zip(zip(*(series[k] for k in key)), series["status"]))
    res = res.copy()
    res["copy_of"] = pd.Series([None] * len(res), index=res.index, dtype=object)
    for idx in series.index[series["status"] == "fail"]:
        origin = origin_of.get(tuple(res.loc[idx, k] for k in key))
        mine = status_of.get(origin) if origin else None
        if mine is None:
            continue
        cell = " | ".join(origin)
        if mine == "waived":
            res.loc[idx, ["status", "waiver"]] = ["waived", f"{TREND_BREAK_WAIVER} ({cell}, which this cell repeats)"]
        elif mine == "fail":
            res.at[idx, "copy_of"] = origin
    return res


def _digests(con, cells: pd.DataFrame) -> pd.Series:
    """instance -> digest of the figure (value and printed precision, or marker) of every cell it involves:
    what a waiver accepted. A cosmetic reprint ('3 359' as '3359') keeps the digest."""
    con.register("instance_cells", cells[["instance", "table_id", "row_label", "column_label"]])
    frame = con.execute("""
        SELECT i.instance, left(md5(string_agg(i.table_id || '|' || i.row_label || '|' || i.column_label || '='
                                              || coalesce(printf('%.6f/%g', c.value, c.rounding), c.marker, '?'),
                                              chr(10)
                                    ORDER BY i.table_id, i.row_label, i.column_label)), 12) AS digest
        FROM instance_cells i LEFT JOIN cells c USING (table_id, row_label, column_label)
        GROUP BY i.instance""").df()
    return frame.set_index("instance")["digest"]


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


def evaluate_rules(con, rules: list[Rule]) -> list[pd.DataFrame]:
    """Every rule's instances, one frame per rule (in the order of ``rules``), selectors checked first."""
    check_selectors(con, rules)
    return [evaluate_rule(con, rule) for rule in rules]


def run_rules(con, rules: list[Rule], waivers: list[Waiver], frames: list[pd.DataFrame] | None = None) -> Outcome:
    """Evaluate ``rules`` (or take their frames from ``evaluate_rules``), apply waivers, name suspects."""
    frames = evaluate_rules(con, rules) if frames is None else frames
    frames = [f.copy() for f in frames if len(f)]
    res = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=RESULT_COLUMNS + ["parts"])
    check_instances(res, rules)
    res["instance"] = res["rule"] + ": " + res["table_id"] + " | " + res["row_label"] + " | " + res["column_label"]
    res["imbalance"] = res["lhs"] - res["rhs"]
    res["status"] = _status(res)
    res.loc[res["silenced"].astype(bool) & (res["status"] == "fail"), "status"] = "waived"
    res["waiver"] = None
    res.loc[res["status"] == "waived", "waiver"] = TREND_BREAK_WAIVER
    cells = _cells(res)
    digests = _digests(con, cells)
    res["cells_digest"] = res["instance"].map(digests)
    failing = res.index[res["status"] == "fail"]
    by_instance = dict(zip(res.loc[failing, "instance"], failing))
    stale, mismatched = [], []
    for w in waivers:
        idx = by_instance.get(w.instance)
        if idx is None:
            stale.append(w)
            continue
        why = _mismatch(w, res.loc[idx])
        if why:
            mismatched.append((w, why))
            res.loc[idx, "detail"] = f"{res.loc[idx, 'detail']} [waiver checks/waivers.yaml:{w.line} no longer " \
                                     f"matches: {why}]"
        else:
            res.loc[idx, ["status", "waiver"]] = ["waived", f"{w.reason} ({w.date})"]
    res = follow_copies(res, cells)
    values = con.execute(r"""
        SELECT table_id, row_label, column_label, value, rounding, stat, geo_level, geo_axis,
               -- the mean of the neighbouring years of the same row and series: what a count 'should' be near
               CASE WHEN stat = 'count' AND year IS NOT NULL THEN
                    (coalesce(lag(value) OVER w, lead(value) OVER w) + coalesce(lead(value) OVER w, lag(value) OVER w)) / 2
               END AS neighbour,
               CASE WHEN stat = 'count' AND year IS NOT NULL THEN lag(value) OVER w END AS previous
        FROM cells
        WINDOW w AS (PARTITION BY table_id, row_label, regexp_replace(column_label, '\d{4}\**', '', 'g'), stat
                     ORDER BY year, col_no)
        ORDER BY table_id, row_no, col_no""").df()
    res = swaps(localise(res, cells, values), values)
    # templates return rows in no fixed order (DuckDB runs in parallel): store one order
    res = res.sort_values(["family", "rule", "instance"], kind="stable")
    cells = cells.sort_values(["instance", "role", "table_id", "row_label", "column_label", "coef"], kind="stable")
    return Outcome(results=res[RESULT_COLUMNS].reset_index(drop=True), cells=cells, stale_waivers=stale,
                   mismatched_waivers=mismatched)


def _cells(res: pd.DataFrame) -> pd.DataFrame:
    """Long form: the checked cell (role lhs, coefficient 1) and every right-hand cell. A narrative
    claim's checked 'cell' is its place in the text (table 'narrative', row 'line N')."""
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
