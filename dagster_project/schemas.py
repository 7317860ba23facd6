"""pandera schemas for source cells, one per table family, validated lazily so every bad cell is listed.

Cross-record arithmetic (sums, shares against counts) is not here: it belongs to the SQL rules.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from .catalogue import Table

ALLOWED_MARKERS = ["", "nb", "n.b.", "--", "*", "**", "***", "****"]


class SourceCells(pa.DataFrameModel):
    """Every source table: typed cells, known markers, sane values, unique addresses."""

    table_id: Series[str]
    row_label: Series[str] = pa.Field(str_length={"min_value": 1})
    column_label: Series[str] = pa.Field(str_length={"min_value": 1})
    printed: Series[str]
    value: Series[float] = pa.Field(nullable=True)
    marker: Series[str] = pa.Field(isin=ALLOWED_MARKERS)
    stat: Series[str] = pa.Field(isin=["count", "share", "evolution", "percent", "decimal"])
    year: Series[pd.Int64Dtype] = pa.Field(nullable=True)
    geo_code: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check(error="a count is negative")
    def counts_non_negative(cls, df: pd.DataFrame) -> Series[bool]:
        return ~((df["stat"] == "count") & (df["value"] < 0))

    @pa.dataframe_check(error="a share or percentage lies outside [0, 100]")
    def shares_in_range(cls, df: pd.DataFrame) -> Series[bool]:
        pct = df["stat"].isin(["share", "percent"])
        return ~(pct & ((df["value"] < 0) | (df["value"] > 100)))

    @pa.dataframe_check(error="a marker cell carries a value, or a figure lost its value")
    def marker_xor_value(cls, df: pd.DataFrame) -> Series[bool]:
        is_marker = df["printed"].isin(["nb", "n.b.", "--"])
        blank = df["printed"] == ""
        return (is_marker | blank) == df["value"].isna()

    class Config:
        unique = ["table_id", "row_label", "column_label"]
        strict = False
        coerce = False


class GeographyCells(SourceCells):
    """Tables whose rows are areas: every cell has a known geography code."""

    geo_code: Series[str] = pa.Field(nullable=False)


class HeadlineCells(SourceCells):
    """Tables 39 and 40: every row carries its letter code or formula."""

    code: Series[str] = pa.Field(nullable=False)


def schema_for(table: Table, cells: pd.DataFrame) -> type[SourceCells]:
    if table.id in ("B39", "B40"):
        return HeadlineCells
    if not table.rows and cells["geo_code"].notna().all():
        return GeographyCells
    return SourceCells


def known_geo(codes: set[str]):
    """A check bound to the reference geography (codes come from data, not from the schema)."""
    return pa.Check(lambda s: s.isna() | s.isin(codes), name="known_geo_code",
                    error="geography code not in sources/reference/geography.csv")


YEAR_ERROR = "year outside the table's coverage"


def known_year(allowed: pd.Series):
    """A check bound to each table's coverage in the catalogue: ``allowed`` says, per row of the frame
    validated, whether its year is one of its own table's years."""
    return pa.Check(lambda s: s.isna() | allowed.reindex(s.index, fill_value=False), name="year_in_coverage",
                    error=YEAR_ERROR)


COLUMNS = ["table", "row", "column_label", "value", "check", "field"]


def validate(table: Table, cells: pd.DataFrame, geo_codes: set[str]) -> pd.DataFrame:
    """Failure cases (empty when valid), each with the table, row and column as printed."""
    return validate_tables([(table, cells)], geo_codes)[table.id]


def validate_tables(tables: list[tuple[Table, pd.DataFrame]], geo_codes: set[str]) -> dict[str, pd.DataFrame]:
    """Failure cases per table id, as ``validate`` gives them. The tables of one schema are validated in
    one pandera call: its cost is per call and per column, hardly per row."""
    out = {table.id: pd.DataFrame(columns=COLUMNS) for table, _ in tables}
    by_schema: dict[type[SourceCells], list[tuple[Table, pd.DataFrame]]] = {}
    for table, cells in tables:
        by_schema.setdefault(schema_for(table, cells), []).append((table, cells))
    for model, members in by_schema.items():
        frame = pd.concat([cells for _, cells in members], ignore_index=True)
        owner = pd.Series([t for t, cells in members for _ in range(len(cells))], dtype=object)
        allowed = pd.concat([cells["year"].isin(list(t.years)) for t, cells in members], ignore_index=True)
        schema = model.to_schema()
        schema = schema.update_columns({
            "geo_code": {"checks": [*schema.columns["geo_code"].checks, known_geo(geo_codes)]},
            "year": {"checks": [known_year(allowed)]},
        })
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            cases = _one_per_cell_and_check(err.failure_cases, schema)
            for table, _ in members:
                mine = cases[[pd.isna(i) or owner.at[int(i)] is table for i in cases["index"]]]
                if len(mine):  # a failure of no row (the frame's shape) belongs to every table
                    out[table.id] = _addressed(table, frame, mine)
    return out


def _one_per_cell_and_check(cases: pd.DataFrame, schema) -> pd.DataFrame:
    """One failure per cell and check, in pandera's order. A whole-row check fails on every column of its
    row and names none of them as the field at fault."""
    whole_row = cases["check"].isin({c.error for c in schema.checks})
    cases = cases.assign(column=cases["column"].where(~whole_row, ""))
    return cases.drop_duplicates(subset=["index", "check"]).reset_index(drop=True)


def _addressed(table: Table, frame: pd.DataFrame, fc: pd.DataFrame) -> pd.DataFrame:
    """Failure cases with the table, row and column as printed; the cell as printed, or for a failure of no
    row what pandera reports."""
    fc = fc.copy()

    def address(i, field):
        return frame.at[int(i), field] if pd.notna(i) and int(i) in frame.index else None
    fc["table"] = table.table
    fc["row"] = [address(i, "row_label") for i in fc["index"]]
    fc["column_label"] = [address(i, "column_label") for i in fc["index"]]
    fc["value"] = [address(i, "printed") if pd.notna(i) else case for i, case in zip(fc["index"], fc["failure_case"])]
    fc["field"] = fc["column"].where(fc["column"].isin(frame.columns), "")
    fc["check"] = fc["check"].where(fc["check"] != YEAR_ERROR, f"{YEAR_ERROR} {list(table.years)}")
    return fc.sort_values("index", na_position="first", kind="stable")[COLUMNS].reset_index(drop=True)
