"""The source catalogue: one YAML file per published table under ``sources/catalogue/``.

The catalogue is data, not code: adding a table means adding a YAML file (and its CSV).
Loading validates every entry and reports problems as ``file:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .yamlfile import LineDict, SourceError, load_yaml

if TYPE_CHECKING:  # pandas is imported where frames are built: the CLI must start fast
    import pandas as pd

STATS = {"count", "share", "evolution", "percent", "decimal"}
"""What a column holds: counts; a share of another area's figure; a growth rate;
a percentage of a population (e.g. % of nwwz); a printed decimal that is none of these."""

PERCENT_STATS = {"share", "evolution", "percent"}
TREND_BREAK_KINDS = {
    "source change",
    "definition change",
    "measure replaced",
    "measure stopped",
    "measure renamed",
    "measure started",
    "incomplete year",
    "registration change",
}
MARKERS = {"nb", "n.b.", "--", "*", "**", "***", "****"}
YEAR_LABEL = re.compile(r"^(\d{4})\**$")


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


def _require(entry: LineDict, key: str, path: Path, kind=None):
    if key not in entry:
        raise SourceError(path, entry.line, f"missing required key '{key}'")
    value = entry[key]
    if kind is not None and not isinstance(value, kind):
        raise SourceError(path, entry.line_of(key), f"'{key}' must be {kind.__name__}, got {value!r}")
    return value


def _columns(raw: list, path: Path) -> tuple[Column, ...]:
    """Expand column entries; a ``group`` entry yields 'group | label' for each of its labels."""
    out: list[Column] = []
    for item in raw:
        if not isinstance(item, dict):
            raise SourceError(path, None, f"column entry must be a mapping, got {item!r}")
        shared = {k: v for k, v in item.items() if k not in ("group", "labels", "label")}
        if "group" in item:
            labels = [f"{item['group']} | {lab}" for lab in _require(item, "labels", path, list)]
            leaves = [str(lab) for lab in item["labels"]]
        else:
            labels = [str(_require(item, "label", path))]
            leaves = labels
        for label, leaf in zip(labels, leaves):
            fields = dict(shared)
            match = YEAR_LABEL.match(leaf) or YEAR_LABEL.match(str(item.get("group", "")))
            if "year" not in fields and match:
                fields["year"] = int(match.group(1))
            if "marker" not in fields and leaf.endswith("*"):
                fields["marker"] = "*" * (len(leaf) - len(leaf.rstrip("*")))
            stat = fields.pop("stat", "count")
            if stat not in STATS:
                raise SourceError(path, item.line, f"column '{label}': stat must be one of {sorted(STATS)}, got {stat!r}")
            rounding = fields.pop("rounding", 1 if stat == "count" else 0.1)
            unknown = set(fields) - {"year", "school_year", "geo", "breakdown", "measure", "marker", "span"}
            if unknown:
                raise SourceError(path, item.line, f"column '{label}': unknown keys {sorted(unknown)}")
            out.append(Column(label=label, stat=stat, rounding=float(rounding), **fields))
    labels = [c.label for c in out]
    dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dupes:
        raise SourceError(path, None, f"duplicate column labels {dupes}")
    return tuple(out)


def _rows(raw: list, path: Path) -> tuple[Row, ...]:
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Row(label=item, printed=item))
            continue
        label = str(_require(item, "label", path))
        unknown = set(item) - {"label", "printed", "code", "geo", "measure", "breakdown", "stat"}
        if unknown:
            raise SourceError(path, item.line, f"row '{label}': unknown keys {sorted(unknown)}")
        code = item.get("code")
        printed = item.get("printed") or (f"{label} {code}" if code else label)
        out.append(
            Row(label=label, printed=str(printed), code=None if code is None else str(code),
                geo=item.get("geo"), measure=item.get("measure"), breakdown=item.get("breakdown"),
                stat=item.get("stat"))
        )
    return tuple(out)


def load_table(path: Path) -> Table:
    entry = load_yaml(path)
    if not isinstance(entry, LineDict):
        raise SourceError(path, 1, "catalogue entry must be a YAML mapping")
    breaks = []
    for tb in entry.get("trend_breaks") or []:
        kind = _require(tb, "kind", path, str)
        if kind not in TREND_BREAK_KINDS:
            raise SourceError(path, tb.line_of("kind"), f"trend break kind must be one of {sorted(TREND_BREAK_KINDS)}, got {kind!r}")
        breaks.append(TrendBreak(year=int(_require(tb, "year", path)), series=str(_require(tb, "series", path)),
                                 kind=kind, description=str(_require(tb, "description", path))))
    markers = tuple(entry.get("markers") or ())
    bad = set(markers) - MARKERS
    if bad:
        raise SourceError(path, entry.line_of("markers"), f"unknown markers {sorted(bad)}; allowed {sorted(MARKERS)}")
    bron = _require(entry, "bron", path)
    table = Table(
        id=str(_require(entry, "id", path, str)),
        table=str(_require(entry, "table", path, str)),
        part=str(_require(entry, "part", path, str)),
        title=str(_require(entry, "title", path, str)),
        bron=tuple(bron if isinstance(bron, list) else [bron]),
        unit=str(_require(entry, "unit", path, str)),
        period=str(_require(entry, "period", path, str)),
        years=tuple(int(y) for y in _require(entry, "years", path, list)),
        school_years=tuple(str(y) for y in entry.get("school_years") or ()),
        markers=markers,
        notes=tuple(str(n) for n in entry.get("notes") or ()),
        trend_breaks=tuple(breaks),
        columns=_columns(entry.get("columns") or [], path),
        rows=_rows(entry.get("rows") or [], path),
        extract=dict(entry.get("extract") or {}),
        path=path,
        available=bool(entry.get("available", True)),
    )
    if table.part not in ("appendix", "body"):
        raise SourceError(path, entry.line_of("part"), f"part must be 'appendix' or 'body', got {table.part!r}")
    if table.available and not table.columns:
        raise SourceError(path, entry.line, "an available table needs columns")
    outside = [c.label for c in table.columns if c.year is not None and c.year not in table.years]
    if outside:
        raise SourceError(path, entry.line_of("columns"),
                          f"column(s) {outside} have a year outside the table's coverage {list(table.years)}")
    if path.stem != table.id:
        raise SourceError(path, entry.line_of("id"), f"id {table.id!r} must equal the file name {path.stem!r}")
    return table


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
                          "description": b.description} for t in tables for b in t.trend_breaks],
                        columns=["table_id", "year", "series", "kind", "description"])
