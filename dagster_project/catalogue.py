"""The source catalogue: one YAML file per published table under ``sources/catalogue/``.

The catalogue is data, not code: adding a table means adding a YAML file (and its CSV).
Each entry is validated against ``models.CatalogueEntry``; problems are reported as ``file:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .files import LineDict, SourceError, check, cut, load_yaml

if TYPE_CHECKING:  # pandas is imported where frames are built, the models where files are parsed
    import pandas as pd

    from .models import CatalogueEntry

PERCENT_STATS = {"share", "evolution", "percent"}
"""Stats printed as percentages (the others: count, and decimal for a printed figure that is neither)."""
YEAR_LABEL = re.compile(r"^(\d{4})\**$")
PHASING_OUT = "measure phasing out"
"""The trend-break kind of a measure that takes no new entrants: it explains the falls of its series from
its year on (the series rule), and breaks no comparability (what the series counts stays the same)."""


@dataclass(frozen=True)
class Column:
    label: str
    stat: str
    rounding: float
    year: int | None = None
    school_year: str | None = None
    geo: str | None = None
    breakdown: str | None = None
    measure: str | None = None
    marker: str | None = None
    span: str | None = None


@dataclass(frozen=True)
class Row:
    label: str
    printed: str
    code: str | None = None
    geo: str | None = None
    measure: str | None = None
    breakdown: str | None = None
    stat: str | None = None


@dataclass(frozen=True)
class TrendBreak:
    year: int
    series: str
    kind: str
    description: str
    line: int | None = None  # the report line that documents it


@dataclass(frozen=True)
class Table:
    id: str
    table: str
    part: str
    title: str
    bron: tuple[str, ...]
    unit: str
    period: str
    years: tuple[int, ...]
    markers: tuple[str, ...]
    notes: tuple[str, ...]
    trend_breaks: tuple[TrendBreak, ...]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    extract: dict
    path: Path
    available: bool = True
    school_years: tuple[str, ...] = field(default=())
    group: str | None = None  # the catalogue's, where the measures name no trede for the table

    @property
    def data_path(self) -> Path:
        return self.path.parent.parent / "data" / f"{self.id}.csv"

    def row_stat(self, label: str) -> str | None:
        """A row-level stat overrides the columns' ('Aandeel ...' rows hold shares)."""
        for row in self.rows:
            if row.label == label and row.stat:
                return row.stat
        return "share" if label.startswith("Aandeel") else None

    def column(self, label: str) -> Column:
        for col in self.columns:
            if col.label == label:
                return col
        raise KeyError(label)


def _columns(entry: CatalogueEntry, path: Path, lines) -> tuple[Column, ...]:
    """Expand column entries; a ``group`` entry yields 'group | label' for each of its labels."""
    from .models import GroupColumn

    out: list[tuple[Column, int]] = []
    for i, item in enumerate(entry.columns):
        shared = item.model_dump(exclude={"group", "labels", "label"})
        if isinstance(item, GroupColumn):
            labels = [(f"{item.group} | {lab}", str(lab)) for lab in item.labels]
        else:
            labels = [(str(item.label), str(item.label))]
        for label, leaf in labels:
            fields = dict(shared)
            match = YEAR_LABEL.match(leaf) or (YEAR_LABEL.match(str(item.group)) if isinstance(item, GroupColumn)
                                               else None)
            if fields["year"] is None and match:
                fields["year"] = int(match.group(1))
            if fields["marker"] is None and leaf.endswith("*"):
                fields["marker"] = "*" * (len(leaf) - len(leaf.rstrip("*")))
            if fields["rounding"] is None:
                fields["rounding"] = 1.0 if fields["stat"] == "count" else 0.1
            out.append((Column(label=label, **fields), lines.line_of(i)))
    seen: dict[str, int] = {}
    for col, line in out:
        if col.label in seen:
            raise SourceError(path, line, f"duplicate column label {cut(col.label)} (first on line {seen[col.label]})")
        seen[col.label] = line
    return tuple(c for c, _ in out)


def _rows(entry: CatalogueEntry) -> tuple[Row, ...]:
    out = []
    for item in entry.rows:
        if isinstance(item, str):
            out.append(Row(label=item, printed=item))
            continue
        label, code = str(item.label), None if item.code is None else str(item.code)
        out.append(Row(label=label, printed=item.printed or (f"{label} {code}" if code else label), code=code,
                       geo=item.geo, measure=item.measure, breakdown=item.breakdown, stat=item.stat))
    return tuple(out)


def load_table(path: Path) -> Table:
    from .models import CatalogueEntry  # the models are built only when files are parsed (``project_cache``)

    doc = load_yaml(path)
    if not isinstance(doc, LineDict):
        raise SourceError(path, 1, "a catalogue entry is a YAML mapping (id, table, part, title, bron, …)")
    entry = check(CatalogueEntry, doc, path)
    if path.stem != entry.id:
        raise SourceError(path, doc.line_of("id"), f"id {cut(entry.id)} must equal the file name {path.stem!r}")
    if entry.available and not entry.columns:
        raise SourceError(path, doc.line, "an available table needs columns")
    if entry.available and entry.extract is None:
        raise SourceError(path, doc.line, "an available table needs an 'extract' spec (report line ranges)")
    columns = _columns(entry, path, doc.get("columns", doc))
    outside = [c.label for c in columns if c.year is not None and c.year not in entry.years]
    if outside:
        raise SourceError(path, doc.line_of("columns"),
                          f"column(s) {outside} have a year outside the table's coverage {list(entry.years)}")
    undeclared = sorted({c.marker for c in columns if c.marker} - set(entry.markers))
    if undeclared:
        raise SourceError(path, doc.line_of("markers"),
                          f"columns use marker(s) {undeclared} that 'markers' does not declare")
    return Table(
        id=entry.id, table=entry.table, part=entry.part, title=entry.title,
        bron=tuple([entry.bron] if isinstance(entry.bron, str) else entry.bron),
        unit=entry.unit, period=entry.period, years=tuple(entry.years), school_years=tuple(entry.school_years),
        markers=tuple(entry.markers), notes=tuple(entry.notes),
        trend_breaks=tuple(TrendBreak(year=b.year, series=b.series, kind=b.kind, description=b.description,
                                      line=b.line) for b in entry.trend_breaks),
        columns=columns, rows=_rows(entry),
        extract=entry.extract.model_dump() if entry.extract else {}, path=path, available=entry.available,
        group=entry.group,
    )


def load_catalogue(sources: Path) -> list[Table]:
    """Every catalogue entry under ``sources/catalogue``, in table order."""
    paths = sorted((sources / "catalogue").glob("*.yaml"))
    if not paths:
        raise SourceError(sources / "catalogue", None, "no catalogue entries found")
    return [load_table(p) for p in paths]


def catalogue_frame(tables: list[Table]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([{
        "table_id": t.id, "table_label": t.table, "part": t.part, "title": t.title, "bron": ", ".join(t.bron),
        "unit": t.unit, "period": t.period, "years": f"{min(t.years)}-{max(t.years)}" if t.years else "",
        "notes": " | ".join(t.notes), "available": t.available, "catalogue_file": f"sources/catalogue/{t.id}.yaml",
    } for t in tables])


def trend_breaks_frame(tables: list[Table]) -> pd.DataFrame:
    """The trend-break registry: every break each table's notes and Deel 3 imply."""
    import pandas as pd

    return pd.DataFrame([{"table_id": t.id, "year": b.year, "series": b.series, "kind": b.kind,
                          "description": b.description, "report_line": b.line}
                         for t in tables for b in t.trend_breaks],
                        columns=["table_id", "year", "series", "kind", "description", "report_line"]
                        ).astype({"report_line": "Int64"})
