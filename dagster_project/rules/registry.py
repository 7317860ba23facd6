"""The rule registry: plain YAML files under ``checks/rules/``, parsed safely, never evaluated as code.

A rule file holds a list of rules. Each rule has an id, a description, a family (a–h of the
rules issue, by name), a kind (which set-based SQL template evaluates it), a severity, a scope
and kind-specific parameters, declared per kind in ``models``. ``checks/waivers.yaml`` lists accepted
findings, one per instance, each pinned to the figures it accepted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..files import LineDict, SourceError, check, cut, line_at, load_yaml

FAMILIES = {
    "geography": "a. gemeenten → arrondissement → regio → provincie → Vlaams Gewest",
    "components": "b. component sums inside a table",
    "formulas": "c. lettered trede formulas of Tabel 39/40 and the SINE rule",
    "shares": "d. shares at the printed precision",
    "evolutions": "e. evolutions at the printed precision",
    "cross_table": "f. figures printed in two places",
    "narrative": "g. figures quoted in the report's text",
    "series": "h. time-series plausibility",
    "markers": "i. markers (nb, --) exactly where they are listed: never a figure in their place, nor the reverse",
}


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    family: str
    kind: str
    severity: str
    tables: tuple[str, ...]  # empty = every table
    params: dict = field(default_factory=dict)
    path: Path | None = None
    line: int | None = None
    allow_empty: bool = False
    source: LineDict | None = field(default=None, compare=False, hash=False, repr=False)

    def where(self, *loc) -> tuple[Path | None, int | None]:
        """(file, line) of a key of this rule, for a SourceError about what the rule names."""
        return self.path, line_at(self.source, loc) if self.source is not None else self.line


@dataclass(frozen=True)
class Waiver:
    """An accepted finding, pinned to what was accepted: the printed figure, the expected value, the
    imbalance and a digest of every cell involved. Any change makes it no longer apply."""

    instance: str
    reason: str
    date: dt.date
    line: int
    printed: str | None = None
    expected: float | None = None
    imbalance: float | None = None
    cells: str | None = None

    @property
    def pinned(self) -> bool:
        return None not in (self.printed, self.expected, self.imbalance, self.cells)


def _rule(entry: LineDict, path: Path, defaults: LineDict, table_ids: set[str] | None) -> Rule:
    from ..models import RULE

    merged = LineDict({**defaults, **entry})
    merged.line, merged.lines = entry.line, {**{k: defaults.line_of(k) for k in defaults}, **entry.lines}
    model = check(RULE, merged, path)
    for table, where in _named_tables(model):
        if table_ids is not None and table not in table_ids:
            raise SourceError(path, line_at(merged, where),
                              f"rule {model.id}: table {table!r} is not in the catalogue (sources/catalogue/)")
    params = model.model_dump(exclude={"id", "description", "family", "kind", "severity", "tables", "allow_empty"},
                              exclude_defaults=False)
    return Rule(id=model.id, description=model.description, family=model.family, kind=model.kind,
                severity=model.severity, tables=tuple(model.tables), params=params, path=path, line=entry.line,
                allow_empty=model.allow_empty, source=merged)


def _named_tables(model) -> list[tuple[str, tuple]]:
    """Every table a rule names, with where in the rule it is named (a pydantic-style location)."""
    out = [(t, ("tables", i)) for i, t in enumerate(model.tables)]
    for side in ("target", "source", "numerator", "denominator"):
        if hasattr(model, side):
            out.append((getattr(model, side).table, (side, "table")))
    if model.kind == "narrative":
        for i, claim in enumerate(model.claims):
            refs = {"x": claim.cell} if claim.cell else (claim.cells or {})
            for name, ref in refs.items():
                out.append((ref.table, ("claims", i, "cell") if claim.cell else ("claims", i, "cells", name)))
    return out


def load_rules(checks: Path, table_ids: set[str] | None = None) -> list[Rule]:
    """Every rule under ``checks/rules``; a file may set shared keys under ``defaults``.

    ``table_ids`` (the catalogue) makes a rule naming an unknown table an error."""
    from ..models import RuleFile  # the models are built only when files are parsed (``project_cache``)

    rules: list[Rule] = []
    paths = sorted((checks / "rules").glob("*.yaml"))
    if not paths:
        raise SourceError(checks / "rules", None, "no rule files (*.yaml) found")
    seen: dict[str, tuple[Path, int]] = {}
    for path in paths:
        doc = load_yaml(path)
        if not isinstance(doc, LineDict):
            raise SourceError(path, 1, "a rule file is a mapping with a 'rules' list (and optional 'defaults')")
        check(RuleFile, doc, path)
        defaults = doc.get("defaults") or LineDict()
        if not hasattr(defaults, "line"):
            defaults.line, defaults.lines = 1, {}
        for i, entry in enumerate(doc["rules"]):
            if not isinstance(entry, LineDict):
                raise SourceError(path, doc["rules"].line_of(i), f"rule {i + 1} must be a mapping, got {cut(entry)}")
            rule = _rule(entry, path, defaults, table_ids)
            if rule.id in seen:
                first = seen[rule.id]
                raise SourceError(path, entry.line_of("id"),
                                  f"duplicate rule id {rule.id!r} (first at {first[0].name}:{first[1]})")
            seen[rule.id] = (path, entry.line_of("id"))
            rules.append(rule)
    return rules


def load_waivers(checks: Path) -> list[Waiver]:
    path = checks / "waivers.yaml"
    if not path.exists():
        return []
    doc = load_yaml(path)
    if doc is None:
        return []
    from ..models import WaiverFile

    entries = check(WaiverFile, doc, path).waivers
    out, seen = [], {}
    for i, w in enumerate(entries):
        line = doc["waivers"].line_of(i)
        if w.instance in seen:
            raise SourceError(path, line, f"instance waived twice (first on line {seen[w.instance]}): {cut(w.instance)}")
        seen[w.instance] = line
        out.append(Waiver(instance=w.instance, reason=w.reason, date=w.date, line=line, printed=w.printed,
                          expected=w.expected, imbalance=w.imbalance, cells=w.cells))
    return out
