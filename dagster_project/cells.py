"""Turn one transcription CSV into tidy cells with a stable address and typed dimensions.

Every problem is reported as ``file:line: message`` (CSV lines count from 1 = header).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .catalogue import PERCENT_STATS, Table
from .reference import Reference
from .rules.formulas import FormulaError, check_formulas
from .rules.formulas import Row as FormulaRow
from .files import SourceError, cut, read_csv

# Thousands are separated by a space (appendix) or a dot (body Tabel 1); decimals by a comma.
NUMBER = re.compile(r"^(?P<sign>[+-]?)(?P<digits>\d{1,3}(?:[ .]\d{3})*|\d+)(?:,(?P<dec>\d+))?(?P<pct>%?)(?P<star>\**)$")
MARKERS = {"nb", "n.b.", "--"}

CELL_COLUMNS = [
    "table_id", "table_label", "row_no", "col_no", "row_label", "code", "column_label", "printed",
    "value", "marker", "rounding", "stat", "unit", "geo_code", "geo_level", "year", "school_year",
    "span", "measure", "breakdown", "geo_axis",
]
NUMERIC = {"row_no": "int64", "col_no": "int64", "value": "float64", "rounding": "float64"}  # and year: Int64


def parse_printed(printed: str) -> tuple[float | None, str, float | None]:
    """(value, marker, rounding unit) of a printed cell; raises ValueError on text that is no figure."""
    if printed == "":
        return None, "", None
    if printed in MARKERS:
        return None, printed, None
    m = NUMBER.match(printed)
    if not m:
        raise ValueError(f"{cut(printed)} is neither a printed figure nor a marker ({', '.join(sorted(MARKERS))})")
    dec = m.group("dec") or ""
    digits = m.group("digits").replace(" ", "").replace(".", "")
    value = float(f"{m.group('sign')}{digits}.{dec or 0}")
    return value, m.group("star"), 10.0 ** -len(dec)


SHARE_ROW = re.compile(r"^Aandeel (?P<num>.+?) in (?P<den>.+)$")


def _share_numerator(label: str, ref: Reference) -> tuple[str, str] | None:
    """'Aandeel West-Vlaanderen in Vlaams Gewest' is a figure about West-Vlaanderen."""
    m = SHARE_ROW.match(label)
    return ref.geo(m.group("num")) if m else None


def table_cells(table: Table, ref: Reference) -> pd.DataFrame:
    """All cells of ``table`` as a tidy frame (one row per printed cell, blanks included)."""
    columns = dict(zip(CELL_COLUMNS, map(list, zip(*cell_records(table, ref))))) or {c: [] for c in CELL_COLUMNS}
    typed = {c: np.array(columns[c], dtype=dtype) for c, dtype in NUMERIC.items()}  # None -> NaN
    return pd.DataFrame({**columns, **typed, "year": pd.array(columns["year"], dtype="Int64")}, columns=CELL_COLUMNS)


def cell_records(table: Table, ref: Reference) -> list[tuple]:
    """Every cell of ``table``, checked, as a tuple of CELL_COLUMNS: ``load_project`` only checks the
    transcriptions, and a frame costs more than reading them."""
    path = table.data_path
    header, body = read_csv(path, f" (the data file of {table.id}; `ladder extract` writes it)")
    labels = [c.label for c in table.columns]
    fixed = ["row", "code"] if header[:2] == ["row", "code"] else ["row"]
    missing = [c for c in labels if c not in header]
    if missing or header[: len(fixed)] != fixed:
        raise SourceError(path, 1, f"missing column(s) {missing or fixed}; header must be {fixed + labels}")
    extra = [c for c in header[len(fixed):] if c not in labels]
    if extra:
        raise SourceError(path, 1, f"column(s) {extra} are not in the catalogue entry {table.path}")
    geo_rows = sum(ref.geo(r[0]) is not None for r in body if r)
    geo_table = not table.rows and geo_rows * 2 > len(body)
    row_specs = {r.label: r for r in table.rows}
    seen: dict[str, int] = {}
    records = []
    for line_no, raw in enumerate(body, start=2):
        if len(raw) != len(header):
            raise SourceError(path, line_no, f"{len(raw)} fields, expected {len(header)}")
        label = raw[0]
        if label in seen:
            raise SourceError(path, line_no, f"duplicate row {cut(label)} (first on line {seen[label]})")
        seen[label] = line_no
        spec = row_specs.get(label)
        row_stat = table.row_stat(label)
        geo = ref.geo(label) or _share_numerator(label, ref)
        if spec and spec.geo:
            geo = (spec.geo, ref.geo_levels.get(spec.geo, ""))
        if geo_table and geo is None and row_stat is None:
            raise SourceError(path, line_no, f"unknown geography {cut(label)} (not in sources/reference/geography.csv)")
        code = raw[1] if fixed == ["row", "code"] else ""
        for col_no, col in enumerate(table.columns):
            printed = raw[len(fixed) + col_no]
            try:
                value, marker, rounding = parse_printed(printed)
            except ValueError as exc:
                raise SourceError(path, line_no, f"row {cut(label)}, column {cut(col.label)}: {exc}") from None
            if marker and marker not in table.markers:
                raise SourceError(path, line_no, f"row {cut(label)}, column {cut(col.label)}: marker {marker!r} "
                                                 f"in {cut(printed)} is not declared in {table.path.name} "
                                                 f"(markers: {list(table.markers)})")
            stat = row_stat or col.stat
            geo_code = geo[0] if geo else col.geo
            records.append((  # in the order of CELL_COLUMNS
                table.id, table.table, line_no - 1, col_no + 1, label, code or None, col.label, printed,
                value, marker or (col.marker or ""), rounding, stat, "%" if stat in PERCENT_STATS else table.unit,
                geo_code, ref.geo_levels.get(geo_code) if geo_code else None,
                col.year, col.school_year, col.span,
                spec.measure if spec and spec.measure else col.measure,
                (spec.breakdown if spec and spec.breakdown else col.breakdown) or (None if geo or row_stat else label),
                "row" if geo else ("column" if col.geo else None),
            ))
    if fixed == ["row", "code"]:
        try:
            check_formulas([FormulaRow(label, code, line - 1) for label, code, line in
                            ((r[0], r[1], seen[r[0]]) for r in body if r)])
        except FormulaError as exc:
            raise SourceError(path, seen.get(exc.row), f"row {cut(exc.row)}: {exc}") from None
    return records
