"""Dagster definitions, built from the declarative files under sources/, checks/ and assets/.

Nothing is read at import: ``defs`` is built when Dagster loads the code location (``dagster dev``),
and the CLI calls ``build_defs`` inside its own error handling, so a malformed file is one line.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .derived_assets import derived_assets
from .project import Project, load_project
from .quality_assets import quality_definitions
from .reference_assets import reference_assets
from .report_assets import AuditSite, report_assets
from .resources import GreatExpectations, Warehouse
from .source_assets import build_source_assets, input_specs
from .warehouse import DEFAULT_WAIT, default_path


def build_defs(warehouse: Path | str | None = None, sources: Path | None = None, project: Project | None = None,
               wait: float = DEFAULT_WAIT) -> dg.Definitions:
    """Assets and checks for the given source tree (tests pass a copy) and warehouse file."""
    project = project or load_project(sources)
    base = [reference_assets(project.ref, project.tables), build_source_assets(project.tables, project.ref)]
    results, rule_checks = quality_definitions(project, [k for a in base for k in a.keys])
    # the rule checks on the source tables read the results: they belong to the quality job
    sources = dg.AssetSelection.assets(*base) - dg.AssetSelection.checks(rule_checks)
    quality = dg.AssetSelection.groups("quality") | dg.AssetSelection.checks(rule_checks)
    return dg.Definitions(
        assets=[*input_specs(project.tables), *base, results, derived_assets(project), report_assets(project)],
        jobs=[dg.define_asset_job("sources", selection=sources,
                                  description="Reference tables and every transcribed table, each pandera-checked"),
              dg.define_asset_job("quality", selection=quality,
                                  description="Every rule on the stored tables (checks.results), with its checks"),
              dg.define_asset_job("derived", selection=dg.AssetSelection.groups("derived"),
                                  description="The recomputed headline tables with cell lineage and their checks"),
              dg.define_asset_job("report", selection=dg.AssetSelection.groups("report"),
                                  description="The audit site from the warehouse's tables (ladder report)")],
        asset_checks=[rule_checks],
        resources={"warehouse": Warehouse(path=str(warehouse or default_path()), wait=wait),
                   "gx": GreatExpectations(), "site": AuditSite()},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs()
