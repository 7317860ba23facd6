"""The narrative scan end to end: figures file <-> report text, and figures x warehouse -> classes.

The figures are extracted once into ``sources/narrative/figures.csv`` (by ``ladder extract``), so the
scan, like every table check, runs from committed files and needs the report only to re-extract.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..catalogue import Table
from ..files import SourceError, read_csv
from . import figures as fig
from .link import bare, link

NO_CLAIMS = pd.DataFrame(columns=["line", "printed", "status", "rhs", "claim", "table_id", "row_label", "column_label"])


def figures_path(sources: Path) -> Path:
    return sources / "narrative" / "figures.csv"


def body_figures(report: list[str], tables: list[Table]) -> list[dict]:
    """Figures of the body: every line before the first appendix table, table bodies skipped."""
    skip = [tuple(r) for t in tables for r in (t.extract.get("lines") or [])]
    appendix = [r[0] for t in tables if t.part != "body" for r in (t.extract.get("lines") or [])]
    return fig.extract(report, min(appendix) - 1, skip)


def load_figures(sources: Path) -> pd.DataFrame:
    path = figures_path(sources)
    header, rows = read_csv(path, " (`ladder extract REPORT` writes it)")
    if header != fig.FIELDS:
        raise SourceError(path, 1, f"header must be {','.join(fig.FIELDS)}")
    for no, r in enumerate(rows, start=2):
        if len(r) != len(header):
            raise SourceError(path, no, f"{len(r)} fields, expected {len(header)}")
        try:
            int(r[1]), float(r[5]), float(r[6])
        except ValueError:
            raise SourceError(path, no, f"line, value and rounding must be numbers, not {r[1]!r}, {r[5]!r}, "
                                        f"{r[6]!r}") from None
    return pd.DataFrame(rows, columns=header).astype({"line": int, "value": float, "rounding": float})


def classify(con, sources: Path, tables: list[Table]) -> pd.DataFrame:
    """Every body figure with its class and link, read from the warehouse's published cells and claims."""
    present = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'src' ORDER BY 1").fetchall()]
    con.execute("CREATE OR REPLACE TEMP VIEW narrative_cells AS "
                + " UNION ALL BY NAME ".join(f'SELECT * FROM src."{t}"' for t in present))
    geo = con.execute("SELECT name, code FROM ref.geography").df()
    claims = con.execute("""
        SELECT CAST(substr(row_label, 6) AS INTEGER) AS line, printed, status, rhs, column_label AS claim,
               table_id, row_label, column_label
        FROM checks.results WHERE table_id = 'narrative' AND kind = 'narrative'""").df()
    return link(con, load_figures(sources), {t.id: t.title for t in tables}, dict(zip(geo.name, geo.code)), claims)


def scan_params(rules: list, sources: Path, tables: list[Table]) -> None:
    """Give every ``narrative_scan`` rule the figures file, the table titles and what the curated claims
    already check (line, figure), when the project loads: a malformed figures file stops it there."""
    scans = [r for r in rules if r.kind == "narrative_scan"]
    if not scans:
        return
    figures = load_figures(sources)
    claimed = {(int(c["line"]), bare(c["quote"])) for r in rules if r.kind == "narrative" for c in r.params["claims"]}
    for rule in scans:
        rule.params.update(figures=figures, claimed=claimed, titles={t.id: t.title for t in tables})


def scan_rule(con, rule) -> pd.DataFrame:
    """The ``narrative_scan`` rule kind, on the engine's ``cells``: one instance per figure the scan links
    (passes at the figure's printed precision) or finds one keystroke from its cell (fails: the text is
    the checked cell, 'narrative | line N | L<line>.<n>'). Figures a curated claim checks are left to it."""
    figures = rule.params["figures"]
    claimed = rule.params["claimed"]
    figures = figures[[(int(f.line), bare(f.figure)) not in claimed for f in figures.itertuples()]]
    con.execute("CREATE OR REPLACE TEMP VIEW narrative_cells AS SELECT * FROM cells")
    geo = con.execute("SELECT name, code FROM geo").df()
    linked = link(con, figures, rule.params["titles"], dict(zip(geo.name, geo.code)), NO_CLAIMS)
    out = []
    for r in linked[linked.cls.isin(["confirmed", "contradicts"])].itertuples():
        fig_value, rounding = fig.number(r.figure)
        signed = r.kind in ("signed_count", "signed_percent")
        expected = float(r.quantity) if signed else abs(float(r.quantity))
        columns = [r.column0, r.column_label] if r.column0 else [r.column_label]
        out.append({
            "table_id": "narrative", "row_label": f"line {r.line}", "column_label": r.id, "printed": r.figure,
            "lhs": fig_value if signed else abs(fig_value), "rhs": expected,
            "tolerance": rounding / 2 + float(r.half), "blocked": False,
            "parts": [{"t": r.table_id, "r": r.row_label, "c": c, "coef": 1.0} for c in columns],
            "detail": f"{r.sentence[:200]} — {r.how} of {r.table_id} | {r.row_label} | {r.column_label}"
                      + (f" (from {r.column0})" if r.column0 else ""),
        })
    return pd.DataFrame(out, columns=["table_id", "row_label", "column_label", "printed", "lhs", "rhs", "tolerance",
                                      "blocked", "parts", "detail"])
