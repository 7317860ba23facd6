"""Reference data read from ``sources/reference/*.csv``: geography, ROP areas, measures, measure links.

Each file is read strictly (UTF-8, no BOM, well-quoted) and validated against its declared schema
before anything uses it: exact columns, known levels, unique codes, parents that exist. The schema is
declared once (``SCHEMAS``, every column text) and checked by a plain pass over the values; only a file
that fails is handed to the equivalent pandera schema, whose report names the CSV line of the first bad
row. Valid files (every command, every time) so never pay for importing pandera.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .files import SourceError, cut, read_csv

if TYPE_CHECKING:
    import pandera.pandas as pa

LEVELS = ["gemeente", "arrondissement", "regio", "provincie", "gewest", "land", "bucket", "totaal", "rop"]


@dataclass(frozen=True)
class Text:
    """A column of a reference CSV: never empty (``required``), one of ``isin``, matching ``pattern``
    (from its start, as pandera's str_matches), ``unique``."""

    required: bool = False
    isin: tuple[str, ...] | None = None
    pattern: str | None = None
    unique: bool = False

    def bad(self, values: list[str]) -> bool:
        """Whether any value breaks the column's checks."""
        if self.required and not all(values):
            return True
        if self.isin is not None and not set(values) <= set(self.isin):
            return True
        if self.pattern is not None:
            match = re.compile(self.pattern).match
            if not all(match(v) for v in values):
                return True
        return self.unique and len(set(values)) < len(values)


def _area_columns(levels: list[str]) -> dict[str, Text]:
    return {"code": Text(required=True, unique=True), "name": Text(required=True), "level": Text(isin=tuple(levels)),
            "parent": Text(), "aliases": Text()}


CODE = r"^[a-z0-9_]+$"
SCHEMAS: dict[str, dict[str, Text]] = {
    "geography": _area_columns([lv for lv in LEVELS if lv != "rop"]),
    "rop": _area_columns(["rop"]),
    "measures": {
        "measure": Text(pattern=CODE, unique=True), "name": Text(required=True),
        "letter_t39": Text(), "letter_t40": Text(), "trede": Text(isin=("3", "4", "5")),
        "grouping": Text(), "policy_domain": Text(), "bron": Text(),
        "from_year": Text(pattern=r"^(\d{4})?$"), "to_year": Text(pattern=r"^(\d{4})?$"),
        "source_table": Text(pattern=r"^([BT]\d{2}( [BT]\d{2})*)?$"),
    },
    "measure_links": {
        "predecessor": Text(pattern=CODE), "successor": Text(pattern=CODE), "year": Text(pattern=r"^\d{4}$"),
        "kind": Text(required=True), "description": Text(required=True),
    },
}


def pandera_schema(name: str) -> pa.DataFrameSchema:
    """``SCHEMAS[name]`` as a pandera schema: exact columns in order, every value a non-null string."""
    import pandera.pandas as pa

    def column(text: Text) -> pa.Column:
        checks = ([pa.Check.str_length(min_value=1)] if text.required else []) \
            + ([pa.Check.isin(list(text.isin))] if text.isin is not None else []) \
            + ([pa.Check.str_matches(text.pattern)] if text.pattern is not None else [])
        return pa.Column(str, checks, unique=text.unique, nullable=False, coerce=False)

    return pa.DataFrameSchema({c: column(t) for c, t in SCHEMAS[name].items()}, strict=True, ordered=True)


def read_reference(path: Path, name: str) -> pd.DataFrame:
    """One reference CSV, validated against its schema; the first failure names its CSV line."""
    header, body = read_csv(path)
    for line_no, raw in enumerate(body, start=2):
        if len(raw) != len(header):
            raise SourceError(path, line_no, f"{len(raw)} fields, expected {len(header)} ({', '.join(header)})")
    columns = SCHEMAS[name]
    frame = pd.DataFrame(body, columns=header, dtype=str)
    if header != list(columns) or any(t.bad([r[i] for r in body]) for i, t in enumerate(columns.values())):
        _explain(path, name, frame)
    return frame


def _explain(path: Path, name: str, frame: pd.DataFrame) -> None:
    """Raise pandera's first failure of ``frame`` (the plain pass found one) as ``file:line``."""
    import pandera.pandas as pa

    schema = pandera_schema(name)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        first = fc.iloc[0]
        index = first["index"]
        line = int(index) + 2 if pd.notna(index) else 1
        expected = ", ".join(schema.columns)
        column = "" if pd.isna(first["column"]) else f"column {first['column']!r}: "
        what = f"{column}{first['check']} failed on {cut(first['failure_case'])}"
        if line == 1:
            what += f"; the header must be {expected}"
        raise SourceError(path, line, what + (f" (and {len(fc) - 1} more)" if len(fc) > 1 else "")) from None


@dataclass(frozen=True)
class Reference:
    sources: Path

    def frame(self, name: str) -> pd.DataFrame:
        return self._frames[name].copy()

    @cached_property
    def _frames(self) -> dict[str, pd.DataFrame]:
        frames = {name: read_reference(self.sources / "reference" / f"{name}.csv", name) for name in SCHEMAS}
        areas = pd.concat([frames["geography"], frames["rop"]], ignore_index=True)
        known = set(areas["code"]) | {""}
        for name in ("geography", "rop"):
            bad = frames[name].index[~frames[name]["parent"].isin(known)]
            if len(bad):
                row = frames[name].loc[bad[0]]
                raise SourceError(self.sources / "reference" / f"{name}.csv", int(bad[0]) + 2,
                                  f"parent {cut(row['parent'])} of {cut(row['name'])} is no area code of "
                                  "geography.csv or rop.csv")
        return frames

    @cached_property
    def geography(self) -> pd.DataFrame:
        """Administrative areas plus the ROP areas of the education tables (level 'rop')."""
        return pd.concat([self._frames["geography"], self._frames["rop"]], ignore_index=True)

    @cached_property
    def geo_lookup(self) -> dict[str, tuple[str, str]]:
        """Printed label (name or alias, case-insensitive) -> (code, level)."""
        out: dict[str, tuple[str, str]] = {}
        for row in self.geography.itertuples():
            for label in [row.name, *filter(None, row.aliases.split("|"))]:
                out[label.casefold()] = (row.code, row.level)
        return out

    def geo(self, label: str) -> tuple[str, str] | None:
        return self.geo_lookup.get(" ".join(label.split()).casefold())

    @cached_property
    def geo_codes(self) -> set[str]:
        return set(self.geography["code"])

    @cached_property
    def geo_levels(self) -> dict[str, str]:
        return dict(zip(self.geography["code"], self.geography["level"]))

    def graph_group(self, table) -> str:
        """A source table's group in the asset graph: the trede of the measures it counts (measures.csv),
        else the catalogue's ``group`` (context tables, headline tables)."""
        measures = self.frame("measures")
        tredes = sorted({str(t) for t, tables in zip(measures.trede, measures.source_table)
                         if table.id in str(tables).split(";")})
        group = f"trede_{tredes[0]}" if len(tredes) == 1 else table.group
        if group is None:
            raise SourceError(table.path, 1, f"{table.id}: measures.csv names no single trede for it "
                                             f"({tredes or 'none'}); say which group it belongs to with 'group:'")
        return f"sources_{group}"
