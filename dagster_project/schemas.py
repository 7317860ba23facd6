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


def known_year(years: tuple[int, ...]):
    """A check bound to the table's coverage in the catalogue."""
    return pa.Check(lambda s: s.isna() | s.isin(list(years)), name="year_in_coverage",
                    error=f"year outside the table's coverage {list(years)}")


def validate(table: Table, cells: pd.DataFrame, geo_codes: set[str]) -> pd.DataFrame:
    """Failure cases (empty when valid), each with the table, row and column as printed."""
    schema = schema_for(table, cells).to_schema()
    schema = schema.update_columns({
        "geo_code": {"checks": [*schema.columns["geo_code"].checks, known_geo(geo_codes)]},
        "year": {"checks": [known_year(table.years)]},
    })
    columns = ["table", "row", "column_label", "value", "check", "field"]
    try:
        schema.validate(cells, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases.drop_duplicates(subset=["index", "check"]).reset_index(drop=True)

        def address(i, field):
            return cells.at[int(i), field] if pd.notna(i) and int(i) in cells.index else None
        fc["table"] = table.table
        fc["row"] = [address(i, "row_label") for i in fc["index"]]
        fc["column_label"] = [address(i, "column_label") for i in fc["index"]]
        # the cell as printed; a table-level failure (no row) shows what pandera reports
        fc["value"] = [address(i, "printed") if pd.notna(i) else case for i, case in zip(fc["index"], fc["failure_case"])]
        fc["field"] = fc["column"].where(fc["column"].isin(cells.columns), "")
        return fc.sort_values("index", na_position="first", kind="stable")[columns].reset_index(drop=True)
    return pd.DataFrame(columns=columns)
