"""Every declarative file of the project, loaded and validated once, before any work starts.

``load_project`` reads the catalogue, the reference CSVs, the rule files, the waivers, the rounding
list, the derived-table SQL headers and the body text's figures, each against its declared schema, and
parses every transcription CSV. The first problem is a ``SourceError`` whose message starts with ``file:line``:
every command turns it into one line and exit code 2, before the warehouse is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import project_cache
from .catalogue import Table, load_catalogue
from .cells import cell_records
from .derive import DerivedSpec, load_specs
from .files import SourceError, check, load_yaml
from .narrative.scan import scan_params
from .paths import ROOT, checks_dir, sources_dir
from .reference import Reference
from .rules.registry import Rule, Waiver, load_rules, load_waivers


@dataclass(frozen=True)
class Project:
    sources: Path
    checks: Path
    tables: list[Table]
    ref: Reference
    rules: list[Rule]
    waivers: list[Waiver]
    rounded: pd.DataFrame
    specs: list[DerivedSpec]


def load_rounding(checks: Path, table_ids: set[str]) -> pd.DataFrame:
    """``checks/rounding.yaml``: the figures that are themselves rounded (annual averages)."""
    from .models import RoundingFile

    path = checks / "rounding.yaml"
    doc = load_yaml(path) if path.exists() else None
    entries = check(RoundingFile, doc if doc is not None else {}, path).rounded
    for i, entry in enumerate(entries):
        if entry.table not in table_ids:
            raise SourceError(path, doc["rounded"].line_of(i), f"table {entry.table!r} is not in the catalogue")
    return pd.DataFrame([{"table": e.table, "code": e.code, "row": e.row, "reason": e.reason} for e in entries],
                        columns=["table", "code", "row", "reason"]).astype(object)


def load_project(sources: Path | None = None, checks: Path | None = None) -> Project:
    """The project, from the cache when none of its files (nor the code) changed since it last loaded
    without error (``project_cache``)."""
    sources, checks = sources or sources_dir(), checks or checks_dir()
    digest = project_cache.key(sources, checks, ROOT / "assets")
    name = digest and f"project-{digest}"
    project = project_cache.read(name)
    if not isinstance(project, Project):
        project = _load(sources, checks)
        project_cache.write(name, project)
    return project


def _load(sources: Path, checks: Path) -> Project:
    tables = load_catalogue(sources)
    ids = {t.id for t in tables}
    ref = Reference(sources)
    ref.geography  # noqa: B018 - reads and validates every reference CSV now
    for t in tables:  # every transcription parses (the assets parse them again, into frames, when they run)
        ref.graph_group(t)
        if t.available:
            cell_records(t, ref)
    rules = load_rules(checks, ids)
    scan_params(rules, sources, tables)
    return Project(sources=sources, checks=checks, tables=tables, ref=ref, rules=rules,
                   waivers=load_waivers(checks), rounded=load_rounding(checks, ids), specs=load_specs(ROOT / "assets"))

