"""`ladder find`: where a figure an auditor quotes, a label or a report line occurs, in the tables and the text.

A quoted number is read every way it may have been printed ('63.552' and '63 552' are 63 552 in the
report's Dutch style, '63.552' may also be a decimal; '20,6%' and '20.6' are 20.6), and matched on value
against every table cell and every figure of the body text. Text is matched against row and column
labels and the text's sentences; 'line 707' lists the figures on that line and the table read from it.
"""

from __future__ import annotations

import re

import pandas as pd

from .narrative.figures import number

LINE = re.compile(r"^\s*(?:line|regel|lijn|l\.?)\s*(\d+)\s*$", re.IGNORECASE)
NUMBER = re.compile(r"^\s*[+-]?\s?\d[\d .,\u00a0\u202f]*\s?%?\s*$")
COLUMNS = ["found", "where", "printed", "status", "report_line", "detail"]
# the worst status of a cell's rule instances is its status
STATUS_ORDER = "CASE status WHEN 'fail' THEN 0 WHEN 'waived' THEN 1 WHEN 'not_verifiable' THEN 2 ELSE 3 END"


def readings(query: str) -> list[float]:
    """Every value a printed number may stand for: '.', ',' and spaces as thousands or decimal separators."""
    text = re.sub(r"[\s\u00a0\u202f%]", "", query)
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("+-")
    out = set()
    for thousands, decimal in ((".", ","), (",", "."), ("", ","), ("", ".")):
        core = text.replace(thousands, "") if thousands else text
        if core.count(decimal) > 1 or (thousands and not _grouped(text, thousands, decimal)):
            continue
        try:
            out.add(sign * float(core.replace(decimal, ".")))
        except ValueError:
            continue
    return sorted(out)


def _grouped(text: str, thousands: str, decimal: str) -> bool:
    """'63.552' has thousands groups of three digits; '6.35' has none."""
    whole = text.split(decimal)[0]
    groups = whole.split(thousands)
    return len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3


def _cells(con) -> str:
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = 'src' ORDER BY 1").fetchall()]
    return " UNION ALL BY NAME ".join(f'SELECT * FROM src."{t}"' for t in tables)


def find(con, query: str, figures: pd.DataFrame, lines: dict[str, list[tuple[int, int]]]) -> pd.DataFrame:
    """Matching cells (with the worst status of their rules) and body-text figures (with their class).

    ``figures`` is the classified body text (narrative.scan.classify); ``lines`` the report line ranges
    each table was transcribed from."""
    line = LINE.match(query)
    if line:
        return _at_line(int(line.group(1)), figures, lines)
    numeric = bool(NUMBER.match(query)) and any(ch.isdigit() for ch in query)
    values = readings(query) if numeric else []
    con.register("find_values", pd.DataFrame({"v": values}, dtype=float))
    needle = " ".join(query.casefold().split())
    matched = con.execute(f"""
        WITH c AS ({_cells(con)}),
        hit AS (SELECT * FROM c WHERE CASE WHEN ? THEN EXISTS (SELECT 1 FROM find_values f
                                                           WHERE abs(c.value - f.v) < 1e-9)
                                      ELSE contains(lower(c.row_label || ' | ' || c.column_label), ?) END),
        status AS (SELECT r.table_id, r.row_label, r.column_label,
                          arg_min(s.status, {STATUS_ORDER.replace('status', 's.status')}) AS status, count(*) AS rules
                   FROM checks.result_cells r JOIN checks.results s ON s.instance = r.instance
                   WHERE (r.table_id, r.row_label, r.column_label) IN (SELECT (table_id, row_label, column_label)
                                                                        FROM hit)
                   GROUP BY ALL)
        SELECT 'cell' AS found, h.table_id || ' | ' || h.row_label || ' | ' || h.column_label AS "where",
               h.printed, coalesce(s.status, 'no rule') AS status, h.table_id, h.table_label, h.row_no, h.col_no,
               coalesce(s.rules, 0) AS rules
        FROM hit h LEFT JOIN status s USING (table_id, row_label, column_label)
        WHERE h.printed <> '' ORDER BY h.table_id, h.row_no, h.col_no""", [numeric, needle]).df()
    matched["report_line"] = [_lines(lines.get(t)) for t in matched.table_id]
    matched["detail"] = [f"{label}, {n} rule instance(s)" for label, n in zip(matched.table_label, matched.rules)]
    text = figures.copy()
    if numeric:
        text = text[[any(abs(v - x) < 1e-9 for x in values) for v in _figure_values(text.figure)]]
    else:
        text = text[text.sentence.str.casefold().str.contains(needle, regex=False)]
    return pd.concat([matched[COLUMNS], _as_found(text)], ignore_index=True)


def _figure_values(printed: pd.Series) -> list[float]:
    return [number(p)[0] for p in printed]


def _as_found(figures: pd.DataFrame) -> pd.DataFrame:
    """Body-text figures in the shape of ``find``'s answer; the cell a figure links to is its detail."""
    return pd.DataFrame({
        "found": "text", "where": [f"line {n} ({s})" for n, s in zip(figures.line, figures.section)],
        "printed": figures.figure, "status": figures.cls, "report_line": figures.line.astype(str),
        "detail": [f"{t} | {r} | {c}" if t else (src or "") for t, r, c, src in
                   zip(figures.table_id, figures.row_label, figures.column_label, figures.source)]},
        columns=COLUMNS)


def _at_line(no: int, figures: pd.DataFrame, lines: dict[str, list[tuple[int, int]]]) -> pd.DataFrame:
    tables = [{"found": "table", "where": t, "printed": "", "status": "", "report_line": _lines(spans),
               "detail": "transcribed from these lines"}
              for t, spans in sorted(lines.items()) if any(a <= no <= b for a, b in spans)]
    return pd.concat([pd.DataFrame(tables, columns=COLUMNS), _as_found(figures[figures.line == no])],
                     ignore_index=True)


def _lines(spans: list[tuple[int, int]] | None) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans or [])
