"""The declared schemas of the project's YAML files (pydantic v2, strict).

Every model forbids unknown keys and never coerces: ``available: "false"`` is an error, not True;
``year: "2016"`` is an error, not 2016. These models describe the files as written; the loaders in
``catalogue`` and ``rules.registry`` turn them into the runtime objects the engine uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from .rules.expr import ExpressionError, names_in
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, field_validator, model_validator

Text = Annotated[str, Field(min_length=1)]
Scalar = Union[str, int, float]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ------------------------------------------------------------------------- sources/catalogue/*.yaml
Stat = Literal["count", "share", "evolution", "percent", "decimal"]
Marker = Literal["nb", "n.b.", "--", "*", "**", "***", "****"]
TrendBreakKind = Literal["source change", "definition change", "measure replaced", "measure stopped",
                         "measure renamed", "measure started", "incomplete year", "registration change",
                         "measure phasing out"]
"""'measure phasing out' (uitdovend: no new entrants, the figure falls as running cases end) is no break in
what the series counts: it explains every fall of the series from its year on, and no other change."""


class ColumnKeys(Strict):
    stat: Stat = "count"
    rounding: float | None = Field(default=None, gt=0)
    year: int | None = Field(default=None, ge=1990, le=2100)
    school_year: Text | None = None
    geo: Text | None = None
    breakdown: Text | None = None
    measure: Text | None = None
    marker: Marker | None = None
    span: Annotated[str, Field(pattern=r"^\d{4}-\d{4}$")] | None = None


class SingleColumn(ColumnKeys):
    label: Scalar


class GroupColumn(ColumnKeys):
    group: Scalar
    labels: Annotated[list[Scalar], Field(min_length=1)]


def _column_tag(value: Any) -> str:
    return "Group" if isinstance(value, dict) and "group" in value else "Single"


ColumnEntry = Annotated[Union[Annotated[SingleColumn, Tag("Single")], Annotated[GroupColumn, Tag("Group")]],
                        Discriminator(_column_tag)]


class RowEntry(Strict):
    label: Scalar
    printed: Text | None = None
    code: Scalar | None = None
    geo: Text | None = None
    measure: Text | None = None
    breakdown: Text | None = None
    stat: Stat | None = None


class TrendBreakEntry(Strict):
    year: int = Field(ge=1990, le=2100)
    series: Text
    kind: TrendBreakKind
    description: Text
    line: int | None = Field(None, ge=1)  # the report line that documents the break


class SparseRow(Strict):
    row: Text
    present: list[Scalar]
    reason: Text


class SeparatorChoice(Strict):
    row: Text
    values: list[Text]
    reason: Text


class LogEntry(Strict):
    row: str
    column: str
    kind: Text
    choice: str
    reason: Text


class ExtractSpec(Strict):
    lines: Annotated[list[Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=2, max_length=2)]],
                     Field(min_length=1)]
    skip: list[str] = []
    sparse: list[SparseRow] = []
    separators: list[SeparatorChoice] = []
    log: list[LogEntry] = []


class CatalogueEntry(Strict):
    id: Annotated[str, Field(pattern=r"^[BT]\d{2}$")]
    table: Text
    part: Literal["appendix", "body"]
    title: Text
    bron: Union[Text, Annotated[list[Text], Field(min_length=1)]]
    unit: Text
    period: Text
    years: Annotated[list[Annotated[int, Field(ge=1990, le=2100)]], Field(min_length=1)]
    school_years: list[Text] = []
    markers: list[Marker] = []
    notes: list[Text] = []
    trend_breaks: list[TrendBreakEntry] = []
    columns: list[ColumnEntry] = []
    rows: list[Union[Text, RowEntry]] = []
    extract: ExtractSpec | None = None
    available: bool = True
    # Where the table sits in the asset graph when sources/reference/measures.csv names no trede for it
    group: Literal["context", "trede_5", "trede_4", "trede_3", "headline"] | None = None


# ------------------------------------------------------------------------------ checks/rules/*.yaml
Dimension = Literal["row_label", "column_label", "code", "breakdown", "year", "school_year", "span", "geo_code",
                    "stat"]
Selector = dict[Dimension, Union[Scalar, Annotated[list[Scalar], Field(min_length=1)]]]
TableId = Annotated[str, Field(pattern=r"^[BT]\d{2}$")]


class RuleBase(Strict):
    id: Text
    description: Text
    family: Literal["geography", "components", "formulas", "shares", "evolutions", "cross_table", "narrative",
                    "series", "markers"]
    severity: Literal["error", "warn"] = "error"
    tables: list[TableId] = []
    allow_empty: bool = False  # the rule may legitimately match no cell (say why in its description)

    @field_validator("tables", mode="before")
    @classmethod
    def _one_table(cls, value):
        return [value] if isinstance(value, str) else value


class GeoSumRule(RuleBase):
    kind: Literal["geo_sum"]
    blank_children: Literal["zero", "unknown"] = "unknown"


class ComponentSumRule(RuleBase):
    kind: Literal["component_sum"]
    group_by: Annotated[list[Dimension], Field(min_length=1)] = ["row_label"]
    total: Selector
    parts: Selector


class CodeFormulaRule(RuleBase):
    kind: Literal["code_formula"]


class SineWeightRule(RuleBase):
    kind: Literal["sine_weight"]
    sine_row: Text
    totals: dict[Text, Annotated[float, Field(ge=0, le=1)]]


class ShareRule(RuleBase):
    kind: Literal["share"]
    default_denominator: Text = "Vlaams Gewest"


class EvolutionRule(RuleBase):
    kind: Literal["evolution"]


class CellSide(Strict):
    table: TableId
    where: Selector = {}


class CrossTableRule(RuleBase):
    kind: Literal["cross_table"]
    target: CellSide
    source: CellSide
    match: Annotated[list[Dimension], Field(min_length=1)] = ["geo_code", "year", "stat", "span"]
    source_year: Literal["year", "school_year_end"] = "year"
    years: list[int] = []


class CellRef(Strict):
    table: TableId
    row: Text
    column: Text


class Claim(Strict):
    id: Text
    line: int = Field(ge=1)
    text: Text
    quote: Annotated[str, Field(pattern=r"^[+-]?(\d{1,3}(\.\d{3})*|\d+)(,\d+)?%?$")]
    cell: CellRef | None = None
    cells: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], CellRef] | None = None
    expr: Text | None = None

    @model_validator(mode="after")
    def _one_target(self):
        if (self.cell is None) == (self.cells is None):
            raise ValueError("a claim names either 'cell' or 'cells' (with 'expr'), not both or neither")
        names = set(self.cells or {"x": None})
        try:
            used = names_in(self.expr or "x")
        except ExpressionError as exc:
            raise ValueError(str(exc)) from None
        if used - names:
            raise ValueError(f"expr uses {sorted(used - names)}, which 'cells' does not name ({sorted(names)})")
        return self


class NarrativeRule(RuleBase):
    kind: Literal["narrative"]
    claims: Annotated[list[Claim], Field(min_length=1)]


class NarrativeScanRule(RuleBase):
    """Every figure of the body text (``sources/narrative/figures.csv``) not curated as a claim: a figure
    linked to its table quantity passes, a count one keystroke from the cell it points to fails."""
    kind: Literal["narrative_scan"]


class SeriesRule(RuleBase):
    kind: Literal["series"]
    ratio: float = Field(gt=1)
    min_level: float = Field(ge=0)


class RatioRule(RuleBase):
    kind: Literal["ratio"]
    target: CellSide
    numerator: CellSide
    denominator: CellSide
    numerator_match: Annotated[list[Dimension], Field(min_length=1)]
    denominator_match: Annotated[list[Dimension], Field(min_length=1)]


class MarkedCells(Strict):
    table: TableId
    marker: Literal["nb", "n.b.", "--"]
    reason: Text
    cells: Annotated[list[Annotated[list[Text], Field(min_length=2, max_length=2)]], Field(min_length=1)]


class MarkersRule(RuleBase):
    kind: Literal["markers"]
    markers: Annotated[list[MarkedCells], Field(min_length=1)]


class WeightedMeanRule(RuleBase):
    kind: Literal["weighted_mean"]
    weight: Selector


RuleEntry = Annotated[Union[GeoSumRule, ComponentSumRule, CodeFormulaRule, SineWeightRule, ShareRule, EvolutionRule,
                            CrossTableRule, NarrativeRule, NarrativeScanRule, SeriesRule, WeightedMeanRule, RatioRule, MarkersRule],
                      Field(discriminator="kind")]


class RuleDefaults(Strict):
    family: str | None = None
    kind: str | None = None
    severity: str | None = None


class RuleFile(Strict):
    defaults: RuleDefaults = RuleDefaults()
    rules: Annotated[list[dict[str, Any]], Field(min_length=1)]  # each checked as a RuleEntry with defaults


RULE = TypeAdapter(RuleEntry)
"""One rule after its file's defaults are applied."""


# ---------------------------------------------------------------------------- checks/waivers.yaml
class WaiverEntry(Strict):
    instance: Text
    reason: Text
    date: dt.date
    # What the waiver accepted; a change in any of them is a new finding, not the waived one.
    printed: str | None = None
    expected: float | None = None
    imbalance: float | None = None
    cells: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")] | None = None


class WaiverFile(Strict):
    waivers: list[WaiverEntry] = []


# --------------------------------------------------------------------------- checks/rounding.yaml
class RoundedEntry(Strict):
    table: TableId
    code: Text | None = None
    row: Text | None = None
    reason: Text


class RoundingFile(Strict):
    rounded: list[RoundedEntry] = []
