"""The Excel workbook an auditor filters and sorts: published beside recomputed, findings, lineage.

POM publishes its figures as Excel, so the checks travel the same way. One sheet per derived table lays
the published table out as printed (rows and columns in printed order, number formats as printed) with
the recomputed table and the difference beside it; cells are filled by status. Further sheets list the
rules, every finding with its suspect, suggestion and waiver, the suspects, and the lineage edges.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..rules.verdict import final_line, groups, totals

FILL = {"pass": "#E3F2E6", "finding": "#FBD3CF", "waived": "#FFF0BF", "not verifiable": "#E3E6F3", "no rule": None}
RANK = ["no rule", "pass", "not verifiable", "waived", "finding"]
DERIVED_FILL = {"equal at printed precision": FILL["pass"], "differs": FILL["finding"]}
STATUS_FILL = {"fail": FILL["finding"], "waived": FILL["waived"], "not_verifiable": FILL["not verifiable"]}

CELLS = """
    WITH c AS ({union}),
    s AS (SELECT rc.table_id, rc.row_label, rc.column_label,
                 max(CASE r.status WHEN 'fail' THEN 4 WHEN 'waived' THEN 3 WHEN 'not_verifiable' THEN 2
                                   ELSE 1 END) AS status
          FROM checks.result_cells rc JOIN checks.results r USING (instance) GROUP BY ALL)
    SELECT c.table_id, c.row_label, c.code, c.column_label, c.row_no, c.col_no, c.printed, c.value, c.stat,
           c.rounding, coalesce(s.status, 0) AS status
    FROM c LEFT JOIN s USING (table_id, row_label, column_label)"""

DERIVED_COLUMNS = ["derived_table", "publishes", "row_label", "column_label", "op", "formula", "published_printed",
                   "published", "recomputed", "published_minus_recomputed", "status", "comparable", "breaks"]


def number_format(stat: str | None, rounding: float | None, signed: bool = False) -> str:
    """The Excel format that prints a value as the report does: thousands grouped, the printed decimals,
    percentages as % (their values are written divided by 100), a rise with '+' where the table prints one."""
    decimals = max(0, round(-math.log10(rounding))) if rounding and rounding < 1 else 0
    digits = "0" + ("." + "0" * decimals if decimals else "")
    if stat == "evolution" and signed:
        return f"+{digits}%;-{digits}%;{digits}%"
    if stat in ("share", "percent", "evolution"):
        return f"{digits}%"
    return "#,##" + digits


def _excel_value(value, stat):
    return value / 100 if stat in ("share", "percent", "evolution") else value


class Book:
    """An XlsxWriter workbook with its formats made once per (number format, fill, bold)."""

    def __init__(self, path: Path):
        self.wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
        self._formats: dict[tuple, object] = {}
        self.head = self.fmt(bold=True, fill="#F3F4F6", wrap=True)

    def fmt(self, num: str | None = None, fill: str | None = None, bold: bool = False, wrap: bool = False):
        k = (num, fill, bold, wrap)
        if k not in self._formats:
            spec = {"border": 1, "border_color": "#D6D6D6", "valign": "top"}
            spec.update({"num_format": num} if num else {})
            spec.update({"bg_color": fill} if fill else {})
            spec.update({"bold": True} if bold else {})
            spec.update({"text_wrap": True} if wrap else {})
            self._formats[k] = self.wb.add_format(spec)
        return self._formats[k]

    def listing(self, name: str, frame: pd.DataFrame, widths: dict[str, int], fills: pd.Series | None = None) -> None:
        """A filterable list: bold frozen header, one row per record, rows filled by ``fills``."""
        ws = self.wb.add_worksheet(name)
        for j, col in enumerate(frame.columns):
            ws.write_string(0, j, col, self.head)
            ws.set_column(j, j, widths.get(col, 12))
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            fill = None if fills is None or not isinstance(fills.iloc[i - 1], str) else fills.iloc[i - 1]
            for j, value in enumerate(row):
                _write(ws, i, j, value, self.fmt(fill=fill, wrap=isinstance(value, str) and len(value) > 40))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def _write(ws, row: int, col: int, value, fmt) -> None:
    if value is None or (isinstance(value, float) and value != value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (bool, int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _header(ws, book: Book, top: int, left: int, columns: list[str]) -> int:
    """Column labels 'group | label' as printed: one header row per level, equal groups merged."""
    parts = [c.split(" | ") for c in columns]
    levels = max((len(p) for p in parts), default=1)
    for level in range(levels):
        j = 0
        while j < len(parts):
            p = parts[j]
            if len(p) <= level:
                j += 1
                continue
            span = 1
            while j + span < len(parts) and parts[j + span][:level + 1] == p[:level + 1]:
                span += 1
            last_row = top + (levels - 1 if len(p) == level + 1 else level)
            if span > 1 or last_row > top + level:
                ws.merge_range(top + level, left + j, last_row, left + j + span - 1, p[level], book.head)
            else:
                ws.write_string(top + level, left + j, p[level], book.head)
            j += span
    return levels


def _side_by_side(book: Book, name: str, title: str, published: pd.DataFrame | None, derived: pd.DataFrame,
                  rows: list[tuple[str, str | None]], columns: list[str]) -> None:
    """Published (as printed, filled by rule status), recomputed and published − recomputed (filled by the
    comparison's status), side by side, header rows and row labels frozen."""
    ws = book.wb.add_worksheet(name[:31])
    ws.write_string(0, 0, title, book.fmt(bold=True))
    has_code = any(code for _, code in rows)
    left = 2 if has_code else 1
    blocks = ([("published, as printed (fill: rule status)", "published")] if published is not None else []) \
        + [("recomputed", "recomputed")] + ([("published − recomputed", "difference")] if published is not None else [])
    width = len(columns) + 1
    for b, (label, _) in enumerate(blocks):
        ws.merge_range(1, left + b * width, 1, left + b * width + len(columns) - 1, label, book.head) \
            if len(columns) > 1 else ws.write_string(1, left + b * width, label, book.head)
        levels = _header(ws, book, 2, left + b * width, columns)
    top = 2 + levels
    ws.write_string(top - 1, 0, "row", book.head)
    if has_code:
        ws.write_string(top - 1, 1, "code", book.head)
    pub = {} if published is None else {(r.row_label, r.column_label): r for r in published.itertuples()}
    plus = published is None or published.printed.str.startswith("+").any()  # the table's style for rises
    der = {(r.row_label, r.column_label): r for r in derived.itertuples()}
    for i, (label, code) in enumerate(rows, start=top):
        ws.write_string(i, 0, label, book.fmt(bold=label.isupper()))
        if has_code:
            ws.write_string(i, 1, code or "", book.fmt())
        for j, col in enumerate(columns):
            p, d = pub.get((label, col)), der.get((label, col))
            stat = p.stat if p is not None else d.stat if d is not None else None
            rounding = p.rounding if p is not None and p.rounding == p.rounding else None
            num = number_format(stat, rounding if rounding else (1.0 if stat == "count" else 0.1), plus)
            for b, (_, kind) in enumerate(blocks):
                at = left + b * width + j
                if kind == "published":
                    fill = FILL[RANK[p.status]] if p is not None else None
                    value = None if p is None else (p.printed if p.value != p.value else _excel_value(p.value, stat))
                    _write(ws, i, at, value, book.fmt(num if isinstance(value, float) else None, fill))
                    continue
                fill = DERIVED_FILL.get(d.status) if d is not None else None
                if kind == "recomputed":
                    value = None if d is None else _excel_value(d.recomputed, stat)
                    _write(ws, i, at, value, book.fmt(num, fill))
                else:
                    value = None if d is None else d.published_minus_recomputed
                    _write(ws, i, at, value, book.fmt("0.0###", fill))
    ws.set_column(0, 0, 46)
    ws.set_column(1, left + len(blocks) * width, 11)
    ws.freeze_panes(top, left)


def export_xlsx(con, path: Path) -> Path:
    """Write the workbook from an open warehouse connection (read only) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    present = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = 'src' ORDER BY 1").fetchall()]
    cells = con.execute(CELLS.format(union=" UNION ALL BY NAME ".join(f'SELECT * FROM src."{t}"' for t in present))
                        ).df()
    registry = con.execute("SELECT name, publishes, title FROM derived.registry ORDER BY publishes IS NULL, publishes, name"
                           ).fetchall()
    derived = pd.concat([con.execute(
        f"SELECT ? AS derived_table, ? AS publishes, row_label, column_label, op, formula, published_printed, published, "
        f"recomputed, published_minus_recomputed, status, comparable, breaks, "
        f"CASE op WHEN 'sum' THEN 'count' WHEN 'share' THEN 'share' ELSE 'evolution' END AS stat "
        f'FROM derived."{name}" ORDER BY row_label, column_label', [name, pub]).df() for name, pub, _ in registry],
        ignore_index=True)
    results = con.execute("SELECT * FROM checks.results ORDER BY rule, table_id, row_label, column_label").df()
    catalogue = dict(con.execute("SELECT table_id, table_label || ': ' || title FROM ref.catalogue").fetchall())

    book = Book(path)
    rules = results.groupby(["rule", "family", "severity", "kind"]).status.value_counts().unstack(fill_value=0)
    rules = rules.reindex(columns=["pass", "fail", "waived", "not_verifiable"], fill_value=0).reset_index()
    rules.insert(4, "instances", rules[["pass", "fail", "waived", "not_verifiable"]].sum(axis=1))
    book.listing("Rules", rules, {"rule": 34, "family": 12, "kind": 14},
                 rules.apply(lambda r: FILL["finding"] if r["fail"] else FILL["waived"] if r["waived"] else None, axis=1))
    book.wb.worksheets()[0].write_string(0, len(rules.columns) + 1, final_line(totals(results)), book.fmt(bold=True))

    for name, pub, title in registry:
        mine = derived[derived.derived_table == name]
        source = pub or _printed_of(con, name, registry)
        order = cells[cells.table_id == source] if source else cells.iloc[0:0]
        rows = _ordered(mine.row_label, order, "row_label", "row_no")
        cols = _ordered(mine.column_label, order, "column_label", "col_no")
        codes = dict(zip(order.row_label, order.code)) if pub else {}  # its own printed codes only
        _side_by_side(book, f"{pub} vs {name}" if pub else name,
                      f"{catalogue.get(pub, '') + ' — ' if pub else ''}{title}",
                      cells[cells.table_id == pub] if pub else None, mine, [(r, codes.get(r)) for r in rows], cols)

    findings = results[results.status != "pass"][
        ["status", "severity", "rule", "family", "table_id", "row_label", "column_label", "printed", "rhs", "imbalance",
         "tolerance", "detail", "suspect_table", "suspect_row", "suspect_column", "suggestion", "pattern", "waiver"]
    ].rename(columns={"rhs": "expected"})
    book.listing("Findings", findings, {"rule": 30, "row_label": 30, "column_label": 24, "detail": 50,
                                        "suspect_row": 26, "suspect_column": 20, "waiver": 70, "pattern": 30},
                 findings.status.map(STATUS_FILL))
    suspects = pd.DataFrame([{"suspect": g["suspect"], "severity": g["severity"],
                              "suggestions": " or ".join(f"{v:g}" for v in g["suggestions"]),
                              "patterns": "; ".join(g["patterns"]), "failing equations": len(g["instances"]),
                              "instances": "; ".join(i["instance"] for i in g["instances"])} for g in groups(results)],
                            columns=["suspect", "severity", "suggestions", "patterns", "failing equations", "instances"])
    book.listing("Suspects", suspects, {"suspect": 50, "patterns": 40, "instances": 80},
                 pd.Series([FILL["finding"]] * len(suspects), dtype=object))
    book.listing("Derived cells", derived[DERIVED_COLUMNS],
                 {"row_label": 40, "column_label": 30, "formula": 40, "breaks": 50, "status": 20},
                 derived.status.map(DERIVED_FILL))
    edges = con.execute("SELECT * FROM derived.edges ORDER BY ALL").df()
    book.listing("Lineage", edges, {"row_label": 40, "column_label": 30, "input_row": 40, "input_column": 30,
                                    "formula": 40})
    book.wb.close()
    return path


def _printed_of(con, name: str, registry) -> str | None:
    """The printed table whose labels a derived table that publishes nothing takes (body Tabel 2: Tabel 39)."""
    published = {n: p for n, p, _ in registry}
    inputs = [r[0] for r in con.execute("SELECT DISTINCT input_table FROM derived.edges WHERE derived_table = ? "
                                        "AND input_table NOT IN (?, 'external') ORDER BY 1", [name, name]).fetchall()]
    return next((published.get(t) or t for t in inputs if published.get(t) or t not in published), None)


def _ordered(labels: pd.Series, printed: pd.DataFrame, label: str, position: str) -> list[str]:
    """Labels in the order the printed table has them; labels it lacks after them, sorted."""
    pos = printed.groupby(label)[position].min()
    return sorted(set(labels), key=lambda x: (x not in pos.index, pos.get(x, 0), x))
