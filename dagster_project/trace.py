"""Trace a published figure down to the source cells behind it.

Reads only DuckDB (derived.edges, derived.<table>, src.*, ref.catalogue, ref.trend_breaks,
checks.results / checks.result_cells), so an auditor's question is answered in well under a second.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import duckdb


class TraceError(LookupError):
    """An unknown or ambiguous table, row or column; the message lists candidates."""


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[|·,]", " ", text).casefold().split())


def match_label(kind: str, query: str, options: list[str]) -> str:
    """Exact, then normalised, then containment, then close matches; ambiguity is an error."""
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
    hint = ("; did you mean:\n  " + "\n  ".join(suggestions)) if suggestions else ""
    raise TraceError(f"unknown {kind} '{query}'{hint}")


@dataclass
class Tracer:
    con: duckdb.DuckDBPyConnection

    def __post_init__(self):
        q = self.con.execute
        self.catalogue = {r[0]: r for r in q(
            "SELECT table_id, table_label, part, title, bron, notes FROM ref.catalogue").fetchall()}
        self.breaks: dict[str, list[tuple]] = {}
        for b in q("SELECT table_id, year, series, kind, description || coalesce(' (report line ' || report_line "
                   "|| ')', '') FROM ref.trend_breaks ORDER BY year").fetchall():
            self.breaks.setdefault(b[0], []).append(b)
        self.derived = {r[0]: r[1] for r in q(
            "SELECT name, publishes FROM derived.registry").fetchall()} if self._has("derived", "registry") else {}

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
                return hits[0]
            if len(hits) > 1:
                raise TraceError(f"table '{query}' is ambiguous: " + ", ".join(
                    f"{h} ({self.catalogue[h][2]} {self.catalogue[h][1]})" for h in hits)
                    + " — say 'body Tabel N' or 'bijlage Tabel N', or give the id")
        raise TraceError(f"unknown table '{query}'; tables: "
                         + ", ".join(f"{t} ({r[2]} {r[1]})" for t, r in self.catalogue.items())
                         + (", derived: " + ", ".join(self.derived) if self.derived else ""))

    def labels(self, table: str) -> tuple[list[str], list[str]]:
        source = self.derived_of(table) if table in self.derived else None
        if source:
            q = f"SELECT DISTINCT row_label, column_label FROM derived.\"{table}\""
        else:
            q = f'SELECT DISTINCT row_label, column_label FROM src."{table}"'
        rows = self.con.execute(q).fetchall()
        return sorted({r[0] for r in rows}), sorted({r[1] for r in rows})

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
            out["children"].append(child)
        return out

    def trace(self, table_query: str, row_query: str, column_query: str) -> dict:
        table = self.resolve_table(table_query)
        derived = self.derived_of(table)
        rows, columns = self.labels(derived or table)
        row = match_label("row", row_query, rows)
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
        return root


def _leaves(node: dict):
    if not node.get("children"):
        if node.get("kind") in ("source", "external"):
            yield node
        return
    for child in node["children"]:
        yield from _leaves(child)


def render(node: dict, indent: str = "", last: bool = True, root: bool = True) -> list[str]:
    """A text tree: one line per cell, details indented under it."""
    def fmt(v):
        return "blank" if v is None or v != v else (f"{v:,.0f}".replace(",", " ") if float(v).is_integer()
                                                     else f"{v:,.3f}".replace(",", " "))
    label = f"{node.get('table_label') or node['table']} · {node['row']} · {node['column']}"
    coef = "" if root else f"×{node['coefficient']:g} " if node.get("role") in (None, "part") else f"[{node['role']}] "
    branch = "" if root else ("└─ " if last else "├─ ")
    lines = [f"{indent}{branch}{coef}{label} = {node.get('printed') or fmt(node.get('value'))}"]
    pad = indent + ("" if root else ("   " if last else "│  "))
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
        for tb in node.get("trend_breaks", []):
            lines.append(f"{pad}   trend break {tb}")
        bad = [r for r in node.get("rules", []) if r["status"] != "pass"]
        passed = len(node.get("rules", [])) - len(bad)
        if node.get("rules"):
            lines.append(f"{pad}   rules: {passed} pass" + (f", {len(bad)} other:" if bad else ""))
        for r in bad:
            waiver = f" — waived: {r['waiver']}" if r.get("waiver") else ""
            lines.append(f"{pad}     {r['status']}: {r['instance']} (imbalance {r['imbalance']:.4g}, "
                         f"tolerance {r['tolerance']:.4g}){' ← suspect' if r.get('suspect') else ''}{waiver}")
    children = node.get("children", [])
    for i, child in enumerate(children):
        lines.extend(render(child, pad, i == len(children) - 1, root=False))
    return lines
