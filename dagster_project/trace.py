"""Trace a published figure down to the source cells behind it.

Reads only DuckDB (derived.edges, derived.<table>, src.*, ref.catalogue, ref.trend_breaks,
checks.results / checks.result_cells), so an auditor's question is answered in well under a second.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import duckdb

from .find import readings
from .narrative.figures import number
from .rules.formulas import Row as FormulaRow
from .rules.formulas import edges as formula_edges
from .rules.formulas import leaf_weights


class TraceError(LookupError):
    """An unknown or ambiguous table, row or column; the message lists candidates."""


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[|·,]", " ", text).casefold().split())


def match_label(kind: str, query: str, options: list[str], extra: list[str] = ()) -> str:
    """Exact, then normalised, then containment, then close matches; ambiguity is an error. An unknown
    label is answered with the closest labels, else those sharing a word with it, else all of them
    (``extra`` first: the printed codes)."""
    if query in options:
        return query
    q = _norm(query)
    for test in (lambda o: _norm(o) == q, lambda o: q in _norm(o),
                 lambda o: all(word in _norm(o) for word in q.split())):
        hits = [o for o in options if test(o)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            exact_word = [h for h in hits if _norm(h).startswith(q)]
            if len(exact_word) == 1:
                return exact_word[0]
            raise TraceError(f"{kind} '{query}' is ambiguous; candidates:\n  " + "\n  ".join(hits[:15]))
    close = difflib.get_close_matches(q, [_norm(o) for o in options], n=5, cutoff=0.5)
    suggestions = [o for o in options if _norm(o) in close]
    if not suggestions:
        words = set(q.split())
        suggestions = [o for o in options if words & set(_norm(o).split())][:5]
    if suggestions:
        hint = "; did you mean:\n  " + "\n  ".join(suggestions)
    else:  # nothing close: say what there is
        shown = [*extra, *options] if extra else options
        hint = f"; the {kind}s are:\n  " + "\n  ".join(shown[:12]) + ("\n  …" if len(shown) > 12 else "")
    raise TraceError(f"unknown {kind} '{query}'{hint}")


NO_PAGES = "no page marks in the text extraction"


@dataclass
class Tracer:
    con: duckdb.DuckDBPyConnection
    lines: dict[str, str] = field(default_factory=dict)  # table id -> report lines it was transcribed from

    @classmethod
    def for_project(cls, con, tables) -> "Tracer":
        """A tracer that names, for every node, the report lines its table was read from."""
        return cls(con, {t.id: ", ".join(f"{a}-{b}" for a, b in t.extract.get("lines", []))
                         for t in tables if t.available})

    def __post_init__(self):
        q = self.con.execute
        self.catalogue = {r[0]: r for r in q(
            "SELECT table_id, table_label, part, title, bron, notes FROM ref.catalogue").fetchall()}
        self.breaks: dict[str, list[tuple]] = {}
        for b in q("SELECT table_id, year, series, kind, description || coalesce(' (report line ' || report_line "
                   "|| ')', '') FROM ref.trend_breaks ORDER BY year").fetchall():
            self.breaks.setdefault(b[0], []).append(b)
        registry = q("SELECT name, publishes, title FROM derived.registry").fetchall() \
            if self._has("derived", "registry") else []
        self.derived = {r[0]: r[1] for r in registry}
        self.derived_titles = {r[0]: r[2] for r in registry}
        self.codes: dict[str, dict[tuple, str]] = {}  # printed table -> (total, part row) -> formula term
        self.stored = {r[0] for r in q("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_schema = 'src'").fetchall()}

    def _has(self, schema: str, table: str) -> bool:
        return bool(self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                                     "AND table_name = ?", [schema, table]).fetchone()[0])

    # --- resolving what the auditor typed -------------------------------------------------------
    def resolve_table(self, query: str) -> str:
        q = _norm(query)
        ids = {t.casefold(): t for t in [*self.catalogue, *self.derived]}
        if q in ids:
            return ids[q]
        number = re.search(r"(\d+)", q)
        body = "body" in q or "hoofd" in q or re.match(r"^t\d", q) is not None
        appendix = "bijlage" in q or "appendix" in q
        if number:
            n = int(number.group(1))
            hits = [t for t, r in self.catalogue.items() if r[1].casefold() == f"tabel {n}"
                    and (not body or r[2] == "body") and (not appendix or r[2] == "appendix")]
            if len(hits) == 1:
                return self._stand_in(hits[0])
            if len(hits) > 1:
                raise TraceError(f"table '{query}' is ambiguous: " + ", ".join(
                    f"{h} ({self.catalogue[h][2]} {self.catalogue[h][1]})" for h in hits)
                    + " — say 'body Tabel N' or 'bijlage Tabel N', or give the id")
        raise TraceError(f"unknown table '{query}'; tables: "
                         + ", ".join(f"{t} ({r[2]} {r[1]})" for t, r in self.catalogue.items())
                         + (", derived: " + ", ".join(self.derived) if self.derived else ""))

    def _stand_in(self, table: str) -> str:
        """A printed table that was not transcribed (an image in the PDF) is traced through the derived
        table that recomputes it: the one whose title names it ('Body Tabel 2 recomputed: ...')."""
        if table in self.stored or table in self.derived:
            return table
        _, label, part, *_ = self.catalogue[table]
        named = f"{'body ' if part == 'body' else ''}{label}".casefold()
        for name, title in self.derived_titles.items():
            if (title or "").casefold().startswith(named + " "):
                return name
        notes = [n for n in (self.catalogue[table][5] or "").split(" | ") if n]
        raise TraceError(f"{table} ({part} {label}) holds no transcribed figures"
                         + (f": {notes[0]}" if notes else ""))

    def labels(self, table: str) -> tuple[list[str], list[str]]:
        source = self.derived_of(table) if table in self.derived else None
        if source:
            q = f"SELECT DISTINCT row_label, column_label FROM derived.\"{table}\""
        else:
            q = f'SELECT DISTINCT row_label, column_label FROM src."{table}"'
        rows = self.con.execute(q).fetchall()
        return sorted({r[0] for r in rows}), sorted({r[1] for r in rows})

    def printed_of(self, table: str) -> str | None:
        """The printed table whose rows ``table`` holds: itself, the one a derived table publishes, or that
        of the one derived table it is built from (body Tabel 2 is a slice of the recomputed Tabel 39)."""
        if table in self.stored or table not in self.derived:
            return table if table in self.stored else None
        if self.derived[table]:
            return self.derived[table]
        inputs = {r[0] for r in self.con.execute("SELECT DISTINCT input_table FROM derived.edges WHERE "
                                                 "derived_table = ? AND input_table <> ?", [table, table]).fetchall()}
        return self.printed_of(inputs.pop()) if len(inputs) == 1 else None

    def row_codes(self, table: str) -> list[tuple[str, str, int]]:
        """(row label, printed code, printed position) of the printed table behind ``table``."""
        source = self.printed_of(table)
        if source is None:
            return []
        return self.con.execute(f'SELECT row_label, coalesce(code, \'\'), min(row_no) FROM src."{source}" '
                                'GROUP BY ALL ORDER BY 3').fetchall()

    def resolve_row(self, table: str, query: str, rows: list[str]) -> str:
        """A row by its label, its printed code ('h', 'trede 3 + trede 4 + trede 5'), or 'totaal' for the
        one row that is no other row's part (the grand total of a formula table)."""
        codes = self.row_codes(table)
        by_code = {}
        for label, code, _ in codes:
            if code:
                by_code.setdefault(_norm(code), []).append(label)
        hit = by_code.get(_norm(query))
        if hit and query not in rows:
            if len(hit) > 1:
                raise TraceError(f"code '{query}' is printed on {len(hit)} rows; candidates:\n  " + "\n  ".join(hit))
            return hit[0]
        if _norm(query) in ("totaal", "total", "totaal generaal") and not any("totaal" in _norm(r) for r in rows):
            roots = self._roots(codes)
            if len(roots) == 1:
                return roots[0]
        return match_label("row", query, rows, extra=[f"{code} ({label})" for label, code, _ in codes if code])

    @staticmethod
    def _roots(codes: list[tuple[str, str, int]]) -> list[str]:
        """Totals whose leaves include every other total's leaves (subtotals add up letters, not subtotals)."""
        rows = [FormulaRow(label, code, no) for label, code, no in codes]
        try:
            totals = {e["total_row"] for e in formula_edges(rows)}
        except ValueError:
            return []
        leaves = {t: set(leaf_weights(rows, t)) for t in totals}
        every = set().union(*leaves.values())
        return sorted(t for t, mine in leaves.items() if mine == every)

    def derived_of(self, table: str) -> str | None:
        if table in self.derived:
            return table
        return next((name for name, pub in self.derived.items() if pub == table), None)

    # --- building the tree -----------------------------------------------------------------------
    def _load_derived(self) -> None:
        """All lineage edges and derived values in memory: a deep tree is then walked without queries."""
        self.edges: dict[tuple, list[tuple]] = {}
        self.values: dict[tuple, tuple] = {}
        if not self.derived:
            return
        for e in self.con.execute("SELECT derived_table, row_label, column_label, input_table, input_row, "
                                  "input_column, coef, op, role FROM derived.edges").fetchall():
            self.edges.setdefault(e[:3], []).append(e[3:])
        for name in self.derived:
            for v in self.con.execute(f'SELECT row_label, column_label, recomputed, op, formula, published_printed, '
                                      f'published_minus_recomputed, status, comparable, breaks FROM derived."{name}"'
                                      ).fetchall():
                self.values[(name, v[0], v[1])] = v[2:]

    def _fill_sources(self, leaves: list[dict]) -> None:
        """Values, metadata and rule results of every source leaf, one query per table and one for rules."""
        by_table: dict[str, list[dict]] = {}
        for leaf in leaves:
            by_table.setdefault(leaf["table"], []).append(leaf)
        for table, group in by_table.items():
            keys = sorted({(n["row"], n["column"]) for n in group})
            found = {(r[0], r[1]): r[2:] for r in self.con.execute(
                f'SELECT s.row_label, s.column_label, s.printed, s.value, s.marker, s.geo_axis FROM src."{table}" s '
                f"JOIN (VALUES {', '.join(['(?, ?)'] * len(keys))}) k(r, c) ON s.row_label = k.r AND s.column_label = k.c",
                [x for key in keys for x in key]).fetchall()}
            for n in group:
                printed, value, marker, axis = found.get((n["row"], n["column"]), (None, None, None, None))
                n.update({"kind": "source", "value": value, "printed": printed, "marker": marker},
                         **self.table_info(table, n["row"], axis))
        rules: dict[tuple, list[dict]] = {}
        if leaves and self._has("checks", "results"):
            keys = sorted({(n["table"], n["row"], n["column"]) for n in leaves})
            cur = self.con.execute(f"""
                SELECT c.table_id, c.row_label, c.column_label, r.rule, r.family, r.status, r.instance, r.imbalance,
                       r.tolerance, r.waiver, coalesce(r.suspect_table = c.table_id AND r.suspect_row = c.row_label
                       AND r.suspect_column = c.column_label, FALSE) AS suspect
                FROM checks.result_cells c JOIN checks.results r USING (instance)
                JOIN (VALUES {', '.join(['(?, ?, ?)'] * len(keys))}) k(t, r, c)
                  ON c.table_id = k.t AND c.row_label = k.r AND c.column_label = k.c
                ORDER BY r.status <> 'pass' DESC, r.rule""", [x for key in keys for x in key])
            names = [d[0] for d in cur.description][3:]
            for r in cur.fetchall():
                rules.setdefault(r[:3], []).append(dict(zip(names, r[3:])))
        for n in leaves:
            n["rules"] = rules.get((n["table"], n["row"], n["column"]), [])

    def table_info(self, table: str, row_label: str, axis: str | None) -> dict:
        """Title, Bron and notes of the table, and the trend breaks that concern this row: all of them
        when the rows are areas (one series per table), else those naming the row."""
        row = self.catalogue.get(table)
        breaks = [b for b in self.breaks.get(table, []) if axis == "row"
                  or b[2].casefold() in row_label.casefold() or row_label.casefold().lstrip("- ") in b[2].casefold()]
        return {} if row is None else {
            "table_label": f"{row[2]} {row[1]}", "title": row[3], "bron": row[4],
            "notes": [n for n in (row[5] or "").split(" | ") if n],
            "trend_breaks": [f"{year} {kind}: {series} — {text}" for _, year, series, kind, text in breaks],
        }

    def node(self, table: str, row: str, column: str, leaves: list[dict], coefficient: float = 1.0,
             effective: float = 1.0) -> dict:
        out = {"table": table, "row": row, "column": column, "coefficient": coefficient,
               "effective_coefficient": effective, "children": []}
        if table not in self.derived:
            leaves.append(out)  # filled in one batch by _fill_sources
            return out
        rec = self.values.get((table, row, column))
        if rec:
            out.update(dict(zip(["value", "op", "formula", "published", "published_minus_recomputed", "status",
                                 "comparable", "breaks_spanned"], rec)))
        out["kind"] = "derived"
        basis = self.values.get(("comparable_evolutions", row, column))
        if self.derived.get(table) and basis:
            out["comparable_basis"] = {"value": basis[0], "formula": basis[2]}
        for t, r, c, coef, op, role in self.edges.get((table, row, column), []):
            if t == "external":
                out["children"].append({"table": "external", "row": r, "column": c, "value": coef,
                                        "coefficient": 1.0, "kind": "external", "children": []})
                continue
            linear = op == "sum"
            child = self.node(t, r, c, leaves, coef if linear else 1.0, effective * coef if linear else 0.0)
            child["role"] = role
            child["code"] = self.letter(table, row, t, r)
            out["children"].append(child)
        out["children"].sort(key=lambda n: _letter_order(n.get("code")))  # stable: unlettered keep their order
        return out

    def letter(self, table: str, row: str, part_table: str, part_row: str) -> str | None:
        """The term of the printed formula of ``row`` that names ``part_row`` ('h', 'trede 3'), when both
        rows belong to the same printed table."""
        printed = self.printed_of(table)
        if printed is None or self.printed_of(part_table) != printed:
            return None
        if printed not in self.codes:
            rows = [FormulaRow(label, code, no) for label, code, no in self.row_codes(table)]
            try:
                self.codes[printed] = {(e["total_row"], e["part_row"]): e["part_code"] for e in formula_edges(rows)}
            except ValueError:
                self.codes[printed] = {}
        return self.codes[printed].get((row, part_row))

    def trace(self, table_query: str, row_query: str, column_query: str) -> dict:
        table = self.resolve_table(table_query)
        derived = self.derived_of(table)
        rows, columns = self.labels(derived or table)
        row = self.resolve_row(derived or table, row_query, rows)
        column = match_label("column", column_query, columns)
        self._load_derived()
        leaves: list[dict] = []
        root = self.node(derived or table, row, column, leaves)
        published = self.derived.get(derived) if derived else None
        if published:
            anchor = {"table": published, "row": row, "column": column}
            self._fill_sources([*leaves, anchor])
            root.update({"published_table": published, "printed": anchor.get("printed"),
                         "published_value": anchor.get("value"), "rules": anchor.get("rules", []),
                         **{k: anchor[k] for k in ("table_label", "title", "bron", "notes", "trend_breaks")
                            if k in anchor}})
        else:
            self._fill_sources(leaves)
        root["source_cells"] = sum(1 for _ in _leaves(root))
        self._name_lines(root)
        return root

    def _name_lines(self, node: dict) -> None:
        """Each node names the report lines its printed table was read from (the extraction has no pages)."""
        printed = node.get("published_table") or (node["table"] if node["table"] in self.stored else None)
        if printed and printed in self.lines:
            node["report_lines"] = self.lines[printed]
            node["page"] = None
        for child in node.get("children", []):
            self._name_lines(child)


NARRATIVE = ("narrative", "text", "tekst", "body text")


def trace_figure(tracer: Tracer, figures, line_query: str, figure_query: str) -> dict:
    """A figure of the body text ('line 707', '63.552'): its sentence and class, and the trace of the cell
    it was linked to. ``figures`` is the classified body text (narrative.scan.classify)."""
    m = re.search(r"\d+", line_query)
    if not m:
        raise TraceError(f"say which report line: 'line 707', not {line_query!r}")
    on_line = figures[figures.line == int(m.group())]
    if on_line.empty:
        raise TraceError(f"no figure of the body text on line {m.group()}")
    values = readings(figure_query)
    hits = on_line[[bool(values) and any(abs(_value(f) - v) < 1e-9 for v in values) for f in on_line.figure]]
    if len(hits) != 1:
        raise TraceError(f"line {m.group()} prints " + ", ".join(on_line.figure)
                         + (f"; which one is {figure_query!r}?" if len(hits) else f", not {figure_query!r}"))
    fig = hits.iloc[0]
    node = {"table": "narrative", "table_label": "body text", "row": f"line {fig.line}", "column": fig.figure,
            "printed": fig.figure, "kind": "narrative", "class": fig.cls, "how": fig.how, "section": fig.section,
            "sentence": fig.sentence, "source": fig.source, "report_lines": str(fig.line), "page": None,
            "children": []}
    if fig.how == "claim":  # a curated claim: its rule instance and the cells on its right-hand side
        claim = tracer.con.execute(
            "SELECT instance, status, rhs, detail, waiver FROM checks.results WHERE table_id = 'narrative' "
            "AND row_label = ? AND column_label = ?", [fig.row_label, fig.column_label]).fetchone()
        node["claim"] = dict(zip(["instance", "status", "expected", "detail", "waiver"], claim))
        cells = tracer.con.execute("SELECT table_id, row_label, column_label FROM checks.result_cells "
                                   "WHERE instance = ? AND role = 'rhs' ORDER BY ALL", [claim[0]]).fetchall()
    else:
        cells = [(fig.table_id, fig.row_label, fig.column_label)] if fig.table_id else []
    for table, row, column in cells:
        child = tracer.trace(table, row, column)
        child["role"] = fig.how
        node["children"].append(child)
    node["source_cells"] = sum(c["source_cells"] for c in node["children"])
    return node


def _value(printed: str) -> float:
    return number(printed)[0]


def _letter_order(code: str | None) -> tuple:
    """Formula order: trede 3, 4, 5; a … z; a' … z'; then rows with no letter, as they came."""
    if not code:
        return (3,)
    if code.startswith("trede "):
        return (0, int(code.split()[1]))
    return (1 if not code.endswith("'") else 2, code.rstrip("'"))


def _leaves(node: dict):
    if not node.get("children"):
        if node.get("kind") in ("source", "external"):
            yield node
        return
    for child in node["children"]:
        yield from _leaves(child)


def render(node: dict, breaks: bool = False, depth: int | None = None, indent: str = "", last: bool = True,
           level: int = 0) -> list[str]:
    """A text tree: one line per cell (its formula letter and coefficient first, report lines last),
    details indented under it. Trend breaks are counted unless ``breaks``; below ``depth`` levels the
    children are summed up in one line."""
    def fmt(v):
        return "blank" if v is None or v != v else (f"{v:,.0f}".replace(",", " ") if float(v).is_integer()
                                                     else f"{v:,.3f}".replace(",", " "))
    root = level == 0
    label = f"{node.get('table_label') or node['table']} · {node['row']} · {node['column']}"
    letter = f"{node['code']} " if node.get("code") else ""
    coef = "" if root else f"×{node['coefficient']:g} " if node.get("role") in (None, "part") else f"[{node['role']}] "
    branch = "" if root else ("└─ " if last else "├─ ")
    where = f"  [report lines {node['report_lines']}]" if node.get("report_lines") else ""
    lines = [f"{indent}{branch}{letter}{coef}{label} = {node.get('printed') or fmt(node.get('value'))}{where}"]
    pad = indent + ("" if root else ("   " if last else "│  "))
    if node.get("kind") == "narrative":
        lines.append(f"{pad}   {node['class']}" + (f" ({node['how']})" if node.get("how") else "")
                     + f" — {node['section']}" + (f" — source named: {node['source']}" if node.get("source") else ""))
        lines.append(f"{pad}   “{node['sentence']}”")
        if node.get("claim"):
            c = node["claim"]
            lines.append(f"{pad}   claim {c['instance']}: {c['status']}, expected {fmt(c['expected'])} ({c['detail']})"
                         + (f" — waived: {c['waiver']}" if c.get("waiver") else ""))
    if node.get("kind") == "derived":
        extra = f"recomputed {fmt(node.get('value'))} ({node.get('op')}: {node.get('formula')})"
        if node.get("published_table"):
            extra += (f"; published {node.get('printed')}, published − recomputed "
                      f"{fmt(node.get('published_minus_recomputed'))} ({node.get('status')})")
        lines.append(f"{pad}   {extra}")
        if node.get("comparable") is False:
            lines.append(f"{pad}   NOT COMPARABLE across trend break(s): {node.get('breaks_spanned')}")
        if node.get("comparable_basis"):
            basis = node["comparable_basis"]
            lines.append(f"{pad}   on a comparable basis: {fmt(basis['value'])} ({basis['formula']})")
    if node.get("kind") == "source" or node.get("published_table"):
        if node.get("title"):
            lines.append(f"{pad}   {node['title']} — Bron: {node.get('bron')}")
        found = node.get("trend_breaks", [])
        if breaks:
            lines.extend(f"{pad}   trend break {tb}" for tb in found)
        elif found:
            lines.append(f"{pad}   {len(found)} trend break(s) (--breaks shows them)")
        bad = [r for r in node.get("rules", []) if r["status"] != "pass"]
        passed = len(node.get("rules", [])) - len(bad)
        if node.get("rules"):
            lines.append(f"{pad}   rules: {passed} pass" + (f", {len(bad)} other:" if bad else ""))
        for r in bad:
            waiver = f" — waived: {r['waiver']}" if r.get("waiver") else ""
            lines.append(f"{pad}     {r['status']}: {r['instance']} (imbalance {r['imbalance']:.4g}, "
                         f"tolerance {r['tolerance']:.4g}){' ← suspect' if r.get('suspect') else ''}{waiver}")
    children = node.get("children", [])
    if children and depth is not None and level >= depth:
        below = sum(1 for _ in _leaves(node))
        lines.append(f"{pad}   … {len(children)} part(s), {below} source cell(s) below (--depth shows more)")
        return lines
    for i, child in enumerate(children):
        lines.extend(render(child, breaks, depth, pad, i == len(children) - 1, level + 1))
    return lines
