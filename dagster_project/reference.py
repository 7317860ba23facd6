"""Reference data read from ``sources/reference/*.csv``: geography, ROP areas, measures, measure links.

Each file is read strictly (UTF-8, no BOM, well-quoted) and validated against a declared pandera
schema before anything uses it: exact columns, known levels, unique codes, parents that exist.
A failure names the file and the CSV line of the first bad row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .files import SourceError, cut, read_csv

LEVELS = ["gemeente", "arrondissement", "regio", "provincie", "gewest", "land", "bucket", "totaal", "rop"]
TEXT = {"nullable": False, "coerce": False}


def _area_schema(levels: list[str]) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({
        "code": pa.Column(str, pa.Check.str_length(min_value=1), unique=True, **TEXT),
        "name": pa.Column(str, pa.Check.str_length(min_value=1), **TEXT),
        "level": pa.Column(str, pa.Check.isin(levels), **TEXT),
        "parent": pa.Column(str, **TEXT),
        "aliases": pa.Column(str, **TEXT),
    }, strict=True, ordered=True)


SCHEMAS = {
    "geography": _area_schema([lv for lv in LEVELS if lv != "rop"]),
    "rop": _area_schema(["rop"]),
    "measures": pa.DataFrameSchema({
        "measure": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), unique=True, **TEXT),
        "name": pa.Column(str, pa.Check.str_length(min_value=1), **TEXT),
        **{c: pa.Column(str, **TEXT) for c in ("letter_t39", "letter_t40")},
        "trede": pa.Column(str, pa.Check.isin(["3", "4", "5"]), **TEXT),
        **{c: pa.Column(str, **TEXT) for c in ("grouping", "policy_domain", "bron")},
        **{c: pa.Column(str, pa.Check.str_matches(r"^(\d{4})?$"), **TEXT) for c in ("from_year", "to_year")},
        "source_table": pa.Column(str, pa.Check.str_matches(r"^([BT]\d{2}( [BT]\d{2})*)?$"), **TEXT),
    }, strict=True, ordered=True),
    "measure_links": pa.DataFrameSchema({
        **{c: pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), **TEXT) for c in ("predecessor", "successor")},
        "year": pa.Column(str, pa.Check.str_matches(r"^\d{4}$"), **TEXT),
        "kind": pa.Column(str, pa.Check.str_length(min_value=1), **TEXT),
        "description": pa.Column(str, pa.Check.str_length(min_value=1), **TEXT),
    }, strict=True, ordered=True),
}


def read_reference(path: Path, name: str) -> pd.DataFrame:
    """One reference CSV, validated against its schema; the first failure names its CSV line."""
    header, body = read_csv(path)
    for line_no, raw in enumerate(body, start=2):
        if len(raw) != len(header):
            raise SourceError(path, line_no, f"{len(raw)} fields, expected {len(header)} ({', '.join(header)})")
    frame = pd.DataFrame(body, columns=header, dtype=str)
    schema = SCHEMAS[name]
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
    return frame


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
