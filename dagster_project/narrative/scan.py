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
from .link import link


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
        FROM checks.results WHERE table_id = 'narrative'""").df()
    return link(con, load_figures(sources), {t.id: t.title for t in tables}, dict(zip(geo.name, geo.code)), claims)
