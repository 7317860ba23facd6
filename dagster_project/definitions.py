"""Dagster definitions, built from the declarative files under sources/, checks/ and assets/."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .catalogue import load_catalogue
from .derived_assets import derived_assets
from .paths import sources_dir
from .quality_assets import quality_definitions
from .reference import Reference
from .reference_assets import reference_assets
from .source_assets import build_schema_check, build_source_asset
from .resources import Warehouse
from .warehouse import default_path


def build_defs(warehouse: Path | str | None = None, sources: Path | None = None) -> dg.Definitions:
    """Assets and checks for the given source tree (tests pass a copy) and warehouse file."""
    sources = sources or sources_dir()
    ref = Reference(sources)
    tables = load_catalogue(sources)
    base = [*reference_assets(ref, tables), *(build_source_asset(t, ref) for t in tables)]
    quality, quality_checks = quality_definitions(tables, [a.key for a in base], sources)
    return dg.Definitions(
        assets=[*base, *quality, *derived_assets(sources)],
        asset_checks=[*(build_schema_check(t, ref) for t in tables), *quality_checks],
        resources={"warehouse": Warehouse(path=str(warehouse or default_path()))},
        executor=dg.in_process_executor,
    )


defs = build_defs()
