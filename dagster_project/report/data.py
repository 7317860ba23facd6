"""Everything the audit site shows, gathered from a built warehouse.

One numbered list of *nodes* holds every addressable figure: each printed cell (``src.*``), each derived
cell (``derived.<name>``), each body-text figure a rule checks (``narrative | line N | id``) and each
external input of a derivation. Rule instances, the cells they involve, lineage edges and trend breaks
then refer to nodes by number, so the page carries each address once. All joins are DuckDB SQL over the
tables the engine and the derivations wrote; only the report's line numbers of the rows are read from
the report text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..extract import _split_label, normalise
from ..files import read_text
from ..narrative.scan import classify, load_figures
from ..project import Project, load_project
from ..rules.engine import prepare
from ..rules.registry import FAMILIES
from ..rules.verdict import final_line, groups, totals

TITLE = ("Tewerkstelling en arbeidsmatige participatie van personen uit de kansengroepen in West-Vlaanderen "
         "(POM West-Vlaanderen, figures 2014-2019)")

NODES = """
    CREATE OR REPLACE TEMP TABLE site_nodes AS
    WITH src AS (
        SELECT table_id AS t, row_label AS r, column_label AS c, row_no, col_no, code, printed, value, stat,
               rounding, year, unit, 'source' AS kind FROM cells),
    der AS (
        SELECT d.t, d.r, d.c, NULL::BIGINT AS row_no, NULL::BIGINT AS col_no, NULL AS code, NULL AS printed,
               NULL::DOUBLE AS value,
               CASE d.op WHEN 'sum' THEN 'count' WHEN 'share' THEN 'share' ELSE 'evolution' END AS stat,
               d.rounding, TRY_CAST(regexp_extract(d.c, '(\\d{4})$', 1) AS BIGINT) AS year, NULL AS unit,
               'derived' AS kind
        FROM site_derived d),
    other AS (   -- body-text figures a rule checks, and the external figures a derivation reads
        SELECT DISTINCT table_id AS t, row_label AS r, column_label AS c FROM checks.result_cells
        UNION SELECT DISTINCT input_table, input_row, input_column FROM derived.edges),
    extra AS (
        SELECT o.t, o.r, o.c, NULL::BIGINT, NULL::BIGINT, NULL, NULL, NULL::DOUBLE, NULL, NULL::DOUBLE,
               NULL::BIGINT, NULL, CASE WHEN o.t = 'external' THEN 'external' ELSE 'narrative' END
        FROM other o
        WHERE NOT EXISTS (SELECT 1 FROM src s WHERE s.t = o.t AND s.r = o.r AND s.c = o.c)
          AND NOT EXISTS (SELECT 1 FROM der s WHERE s.t = o.t AND s.r = o.r AND s.c = o.c)),
    everything AS (SELECT * FROM src UNION ALL SELECT * FROM der UNION ALL SELECT * FROM extra)
    SELECT row_number() OVER (ORDER BY kind DESC, t, row_no NULLS LAST, r, col_no NULLS LAST, c) - 1 AS id, *
    FROM everything"""

# A cell's colour: the worst status among the instances it takes part in; whether it is their suspect.
CELL_STATUS = """
    SELECT n.id, coalesce(max(CASE r.status WHEN 'fail' THEN 4 WHEN 'waived' THEN 3
                                            WHEN 'not_verifiable' THEN 2 WHEN 'pass' THEN 1 END), 0) AS status,
           coalesce(bool_or(r.status = 'fail' AND n.t = r.suspect_table AND n.r = r.suspect_row
                            AND n.c = r.suspect_column), FALSE) AS suspect
    FROM site_nodes n
    LEFT JOIN checks.result_cells rc ON rc.table_id = n.t AND rc.row_label = n.r AND rc.column_label = n.c
    LEFT JOIN checks.results r USING (instance)
    GROUP BY n.id"""

# How each instance's tolerance follows from the rounding of the figures it involves (see rules/kinds.py).
INSTANCES = """
    WITH inv AS (
        SELECT rc.instance, sum(abs(rc.coef) * coalesce(c.half, 0)) FILTER (WHERE rc.role <> 'lhs') AS in_half,
               count(*) FILTER (WHERE rc.role <> 'lhs' AND c.half > 0) AS n_rounded,
               max(c.rounding) FILTER (WHERE rc.role <> 'lhs') AS in_unit
        FROM checks.result_cells rc
        LEFT JOIN cells c ON c.table_id = rc.table_id AND c.row_label = rc.row_label AND c.column_label = rc.column_label
        GROUP BY rc.instance)
    SELECT r.rule, r.status, r.printed, r.rhs, r.imbalance, r.tolerance, r.detail, r.waiver, chk.id AS checked,
           sus.id AS suspect, r.suggestion, r.pattern,
           CASE
             WHEN r.tolerance IS NULL THEN 'not computed: a figure it needs is a marker (nb, n.b., --) or blank'
             WHEN r.kind = 'markers' THEN 'none: the printed marker must be exactly the one the rule lists'
             WHEN r.kind = 'series' AND r.tolerance = 0 THEN
               format('fits its series: no jump beyond ×{:g} between neighbouring years', rl.ratio)
             WHEN r.kind = 'series' THEN
               format('{:g} = ({:g} − 1) × the smaller of the two years: a jump of up to ×{:g} passes',
                      r.tolerance, rl.ratio, rl.ratio)
             WHEN r.kind IN ('narrative', 'narrative_scan') THEN
               format('{:g}: half the unit the text prints the figure to, plus the rounding of the table figure(s) '
                      'it is compared with', r.tolerance)
             WHEN r.kind IN ('share', 'ratio', 'evolution', 'weighted_mean') THEN
               format('{:g} = half the printed unit {:g} of the checked figure, plus {:g} that the rounding of '
                      'its inputs allows{}', r.tolerance, coalesce(lhs.rounding, 0),
                      greatest(r.tolerance - coalesce(lhs.rounding, 0) / 2, 0),
                      CASE WHEN inv.n_rounded > 0 THEN format(' ({} rounded input(s), checks/rounding.yaml)',
                                                              inv.n_rounded) ELSE '' END)
             WHEN r.tolerance = 0 THEN '0: exact counts, so no rounding allowance'
             WHEN r.kind = 'cross_table' AND lhs.rounding <> inv.in_unit THEN
               format('{:g}: the two tables print at different precisions ({:g} and {:g}): half of each unit',
                      r.tolerance, lhs.rounding, inv.in_unit)
             ELSE format('{:g}: half a unit for each rounded figure it adds ({} of them: annual averages or '
                         'totals rounded in the source, checks/rounding.yaml)', r.tolerance,
                         inv.n_rounded + (coalesce(lhs.half, 0) > 0)::INT)
           END AS tolerance_reason
    FROM checks.results r
    JOIN site_nodes chk ON chk.t = r.table_id AND chk.r = r.row_label AND chk.c = r.column_label
    LEFT JOIN site_nodes sus ON sus.t = r.suspect_table AND sus.r = r.suspect_row AND sus.c = r.suspect_column
    LEFT JOIN cells lhs ON lhs.table_id = r.table_id AND lhs.row_label = r.row_label AND lhs.column_label = r.column_label
    LEFT JOIN inv USING (instance)
    LEFT JOIN site_rules rl ON rl.id = r.rule
    ORDER BY r.rule, chk.id"""


def _records(frame: pd.DataFrame) -> list[list]:
    """Rows as lists, NaN as None (JSON null)."""
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def _derived(con) -> pd.DataFrame:
    """Every derived cell of every derived table, with the table it publishes."""
    names = con.execute("SELECT name, publishes FROM derived.registry ORDER BY name").fetchall()
    frames = [con.execute(f'SELECT ? AS t, ? AS publishes, row_label AS r, column_label AS c, op, formula, recomputed, '
                          f'published_printed, rounding, published_minus_recomputed, status, comparable, breaks '
                          f'FROM derived."{name}"', [name, pub]).df() for name, pub in names]
    return pd.concat(frames, ignore_index=True)


def row_lines(project: Project, report: list[str] | None) -> pd.DataFrame:
    """The report line of each printed row, found as the extractor finds it (rows in printed order)."""
    out = []
    for table in project.tables if report else []:
        numbered = [(no, normalise(report[no - 1])) for start, end in table.extract.get("lines") or []
                    for no in range(start, end + 1)]
        skip = {normalise(s) for s in table.extract.get("skip") or []}
        numbered = [(no, text) for no, text in numbered if text and text not in skip]
        if table.rows:  # declared rows: each printed label is found in the body's stream, in order
            starts, stream = [], ""
            for no, text in numbered:
                starts.append((len(stream), no))
                stream += text + " "
            at = 0
            for row in table.rows:
                found = stream.find(normalise(row.printed), at)
                at = found if found >= 0 else at
                out.append((table.id, row.label, max(no for pos, no in starts if pos <= at) if found >= 0 else None))
        else:
            out += [(table.id, _split_label(text)[0], no) for no, text in numbered]
    return pd.DataFrame(out, columns=["t", "r", "line"]).drop_duplicates(["t", "r"])


def gather(con, project: Project | None = None, report: Path | None = None) -> dict:
    """All the site's data as one JSON-able dict; ``report`` (the report text) adds the body text and
    each row's report line."""
    project = project or load_project()
    text = read_text(report).splitlines() if report else None
    prepare(con, project.tables, project.ref, project.rounded)
    rules = pd.DataFrame([{"id": r.id, "family": r.family, "severity": r.severity, "kind": r.kind,
                           "description": r.description, "ratio": r.params.get("ratio")} for r in project.rules])
    con.register("site_rules", rules)
    con.register("site_derived", _derived(con))
    con.execute(NODES)
    con.register("site_lines", row_lines(project, text))
    results = con.execute("SELECT * FROM checks.results").df()
    counts = totals(results)

    nodes = con.execute("""
        SELECT n.id, n.t, n.r, n.c, n.printed, n.value, n.stat, n.rounding, n.year, s.status, s.suspect
        FROM site_nodes n JOIN (""" + CELL_STATUS + ") s USING (id) ORDER BY n.id").df()
    tables = _tables(con, project)
    rule_rows = con.execute("""
        SELECT rl.id, rl.family, rl.severity, rl.kind, rl.description, count(r.instance) AS instances,
               count(*) FILTER (WHERE r.status = 'pass') AS pass, count(*) FILTER (WHERE r.status = 'fail') AS fail,
               count(*) FILTER (WHERE r.status = 'waived') AS waived,
               count(*) FILTER (WHERE r.status = 'not_verifiable') AS not_verifiable
        FROM site_rules rl LEFT JOIN checks.results r ON r.rule = rl.id
        GROUP BY ALL ORDER BY rl.family, rl.id""").df()
    instances = con.execute(INSTANCES).df()
    involved = con.execute("""   -- instances numbered as INSTANCES orders them (rule, checked cell: unique)
        WITH i AS (SELECT r.instance, row_number() OVER (ORDER BY r.rule, n.id) - 1 AS k
                   FROM checks.results r JOIN site_nodes n
                     ON n.t = r.table_id AND n.r = r.row_label AND n.c = r.column_label)
        SELECT i.k, n.id, rc.coef, rc.role FROM checks.result_cells rc JOIN i USING (instance)
        JOIN site_nodes n ON n.t = rc.table_id AND n.r = rc.row_label AND n.c = rc.column_label
        ORDER BY ALL""").df()
    derived = con.execute("""
        SELECT n.id, d.op, d.formula, d.recomputed, p.id AS published, d.published_minus_recomputed, d.status,
               d.comparable, d.breaks
        FROM site_derived d JOIN site_nodes n ON n.t = d.t AND n.r = d.r AND n.c = d.c
        LEFT JOIN site_nodes p ON p.t = d.publishes AND p.r = d.r AND p.c = d.c AND p.kind = 'source'
        ORDER BY n.id""").df()
    edges = con.execute("""
        SELECT f.id AS node, i.id AS input, e.coef, e.role
        FROM derived.edges e
        JOIN site_nodes f ON f.t = e.derived_table AND f.r = e.row_label AND f.c = e.column_label
        JOIN site_nodes i ON i.t = e.input_table AND i.r = e.input_row AND i.c = e.input_column
        ORDER BY f.id, i.t = 'external', i.id, e.role, e.coef""").df()
    con.execute("""
        CREATE OR REPLACE TEMP TABLE site_breaks AS
        SELECT row_number() OVER (ORDER BY table_id, year, series, kind, description) - 1 AS k, *
        FROM (SELECT DISTINCT b.table_id, b.year, b.series, b.kind, b.description, t.report_line
              FROM break_cells b LEFT JOIN ref.trend_breaks t USING (table_id, year, series, kind, description))""")
    breaks = con.execute("SELECT * EXCLUDE (k) FROM site_breaks ORDER BY k").df()
    cell_breaks = con.execute("""
        SELECT DISTINCT n.id, k.k FROM break_cells b JOIN site_breaks k USING (table_id, year, series, kind, description)
        JOIN site_nodes n ON n.t = b.table_id AND n.r = b.row_label AND n.c = b.column_label
        ORDER BY ALL""").df()
    narrative = _narrative(con, project)

    found = groups(results)
    node_of = {f"{t} | {r} | {c}": i for i, t, r, c in nodes[["id", "t", "r", "c"]].itertuples(index=False)}
    return {
        "meta": {"title": TITLE, "totals": counts,
                 "final_line": final_line(counts), "families": FAMILIES},
        "nodes": _records(nodes.drop(columns=["id"])),
        "tables": tables,
        "rules": _records(rule_rows),
        "instances": _records(instances),
        "involved": _records(involved),
        "derived": _records(derived),
        "edges": _records(edges),
        "breaks": _records(breaks),
        "cell_breaks": _records(cell_breaks),
        "groups": [{**g, "node": node_of.get(g["suspect"])} for g in found],
        "narrative": narrative,
        "body": _body(text, project) if text else None,
    }


def _tables(con, project: Project) -> list[dict]:
    """Each table as printed: rows (label, code, report line) and columns in printed order; derived tables
    that publish no printed table take the order of the tables they read."""
    registry = dict(con.execute("SELECT name, publishes FROM derived.registry").fetchall())
    rows = con.execute("""
        WITH ref_tables AS (   -- where a derived table's labels are printed: its own table, else its inputs'
            SELECT DISTINCT e.derived_table AS t, coalesce(g.publishes, e.input_table) AS ref
            FROM derived.edges e LEFT JOIN derived.registry g ON g.name = e.input_table
            UNION SELECT name, publishes FROM derived.registry WHERE publishes IS NOT NULL),
        labels AS (SELECT DISTINCT t, r, kind FROM site_nodes WHERE kind IN ('source', 'derived'))
        SELECT l.t, l.r, any_value(c.code) FILTER (WHERE c.table_id = coalesce(g.publishes, l.t)) AS code,
               coalesce(min(c.row_no) FILTER (WHERE c.table_id = l.t), min(c.row_no)) AS pos, any_value(sl.line)
        FROM labels l LEFT JOIN ref_tables rt ON rt.t = l.t LEFT JOIN derived.registry g ON g.name = l.t
        LEFT JOIN cells c ON c.row_label = l.r AND (c.table_id = l.t OR c.table_id = rt.ref)
        LEFT JOIN site_lines sl ON sl.t = l.t AND sl.r = l.r
        GROUP BY l.t, l.r ORDER BY l.t, pos NULLS LAST, l.r""").fetchall()
    cols = con.execute("""
        WITH ref_tables AS (
            SELECT DISTINCT e.derived_table AS t, coalesce(g.publishes, e.input_table) AS ref
            FROM derived.edges e LEFT JOIN derived.registry g ON g.name = e.input_table),
        labels AS (SELECT DISTINCT t, c FROM site_nodes WHERE kind IN ('source', 'derived'))
        SELECT l.t, l.c, coalesce(min(c.col_no) FILTER (WHERE c.table_id = l.t), min(c.col_no)) AS pos
        FROM labels l LEFT JOIN ref_tables rt ON rt.t = l.t
        LEFT JOIN cells c ON c.column_label = l.c AND (c.table_id = l.t OR c.table_id = rt.ref)
        GROUP BY ALL ORDER BY l.t, pos NULLS LAST, l.c""").fetchall()
    by_rows: dict[str, list] = {}
    for t, r, code, _, line in rows:
        by_rows.setdefault(t, []).append([r, code, line])
    by_cols: dict[str, list] = {}
    for t, c, _ in cols:
        by_cols.setdefault(t, []).append(c)
    twin = {pub: name for name, pub in registry.items() if pub}
    titles = dict(con.execute("SELECT name, title FROM derived.registry").fetchall())
    out = []
    for table in project.tables:
        out.append({"id": table.id, "label": f"{table.part} {table.table}", "part": table.part, "title": table.title,
                    "bron": list(table.bron), "unit": table.unit, "period": table.period, "notes": list(table.notes),
                    "lines": table.extract.get("lines") or [], "rows": by_rows.get(table.id, []),
                    "cols": by_cols.get(table.id, []), "derived": twin.get(table.id),
                    "shown_as": None if table.available else next(  # a table whose body is an image
                        (n for n, title in titles.items() if registry[n] is None
                         and title.lower().startswith(f"{table.part} {table.table}".lower())), None)})
    for name in sorted(registry):
        out.append({"id": name, "label": f"derived {name}", "part": "derived", "title": titles[name],
                    "publishes": registry[name], "rows": by_rows.get(name, []), "cols": by_cols.get(name, []),
                    "bron": [], "unit": "", "period": "", "notes": [], "lines": [], "derived": None})
    return out


def _narrative(con, project: Project) -> list[list]:
    """Every body-text figure: id, line, section, figure, kind, class, how, linked nodes, source, sentence, value."""
    linked = classify(con, project.sources, project.tables)
    values = load_figures(project.sources)[["id", "value"]]
    con.register("site_figures", linked.merge(values, on="id", how="left"))
    return _records(con.execute("""
        SELECT f.id, f.line, f.section, f.figure, f.kind, f.cls, f.how,
               list(n.id ORDER BY n.id) FILTER (WHERE n.id IS NOT NULL) AS nodes, f.source, f.sentence, f.value
        FROM site_figures f
        LEFT JOIN site_nodes n ON (n.t = f.table_id AND n.r = f.row_label
             AND (n.c = f.column_label OR n.c = nullif(f.column0, ''))) OR (n.t = 'narrative' AND n.c = f.id)
        GROUP BY ALL ORDER BY f.line, f.id""").df())


def _body(text: list[str], project: Project) -> dict:
    """The report's lines, where its body ends (the appendix starts) and where the body tables are."""
    appendix = min(r[0] for t in project.tables if t.part != "body" for r in t.extract.get("lines") or [])
    tables = [[t.id, r[0], r[1]] for t in project.tables if t.part == "body" for r in t.extract.get("lines") or []]
    return {"lines": text, "end": appendix - 1, "tables": tables}
