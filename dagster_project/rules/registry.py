"""The rule registry: plain YAML files under ``checks/rules/``, parsed safely, never evaluated as code.

A rule file holds a list of rules. Each rule has an id, a description, a family (a–h of the
rules issue, by name), a kind (which set-based SQL template evaluates it), a severity, a scope
and kind-specific parameters. ``checks/waivers.yaml`` lists accepted findings, one per instance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..yamlfile import LineDict, SourceError, load_yaml

FAMILIES = {
    "geography": "a. gemeenten → arrondissement → regio → provincie → Vlaams Gewest",
    "components": "b. component sums inside a table",
    "formulas": "c. lettered trede formulas of Tabel 39/40 and the SINE rule",
    "shares": "d. shares at the printed precision",
    "evolutions": "e. evolutions at the printed precision",
    "cross_table": "f. figures printed in two places",
    "narrative": "g. figures quoted in the report's text",
    "series": "h. time-series plausibility",
}
KINDS = {"geo_sum", "component_sum", "code_formula", "sine_weight", "share", "evolution",
         "cross_table", "narrative", "series", "weighted_mean"}
SEVERITIES = {"error", "warn"}


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


@dataclass(frozen=True)
class Waiver:
    instance: str
    reason: str
    date: dt.date
    line: int


def _rule(entry: LineDict, path: Path, defaults: dict) -> Rule:
    merged = {**defaults, **entry}
    for key in ("id", "description", "kind"):
        if key not in merged:
            raise SourceError(path, entry.line, f"rule without '{key}'")
    if merged["kind"] not in KINDS:
        raise SourceError(path, entry.line_of("kind"), f"unknown rule kind {merged['kind']!r}; known: {sorted(KINDS)}")
    family = merged.get("family")
    if family not in FAMILIES:
        raise SourceError(path, entry.line_of("family"), f"rule {merged['id']}: family must be one of {sorted(FAMILIES)}")
    severity = merged.get("severity", "error")
    if severity not in SEVERITIES:
        raise SourceError(path, entry.line_of("severity"), f"rule {merged['id']}: severity must be error or warn")
    tables = merged.get("tables") or []
    tables = [tables] if isinstance(tables, str) else tables
    params = {k: v for k, v in merged.items()
              if k not in ("id", "description", "family", "kind", "severity", "tables")}
    return Rule(id=str(merged["id"]), description=str(merged["description"]), family=family,
                kind=merged["kind"], severity=severity, tables=tuple(tables), params=params,
                path=path, line=entry.line)


def load_rules(checks: Path) -> list[Rule]:
    """Every rule under ``checks/rules``; a file may set shared keys under ``defaults``."""
    rules: list[Rule] = []
    for path in sorted((checks / "rules").glob("*.yaml")):
        doc = load_yaml(path)
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            raise SourceError(path, 1, "a rule file is a mapping with a 'rules' list (and optional 'defaults')")
        defaults = dict(doc.get("defaults") or {})
        rules.extend(_rule(entry, path, defaults) for entry in doc["rules"])
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SourceError(checks / "rules", None, f"duplicate rule ids {dupes}")
    return rules


def load_waivers(checks: Path) -> list[Waiver]:
    path = checks / "waivers.yaml"
    if not path.exists():
        return []
    doc = load_yaml(path) or {}
    out = []
    for entry in doc.get("waivers") or []:
        for key in ("instance", "reason", "date"):
            if not entry.get(key):
                raise SourceError(path, entry.line, f"waiver without '{key}'")
        date = entry["date"]
        if not isinstance(date, dt.date):
            raise SourceError(path, entry.line_of("date"), f"waiver date must be YYYY-MM-DD, got {date!r}")
        out.append(Waiver(instance=str(entry["instance"]), reason=str(entry["reason"]), date=date, line=entry.line))
    instances = [w.instance for w in out]
    dupes = sorted({i for i in instances if instances.count(i) > 1})
    if dupes:
        raise SourceError(path, None, f"instances waived twice: {dupes}")
    return out
