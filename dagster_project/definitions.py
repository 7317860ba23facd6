"""Dagster definitions, built from the declarative files under sources/, checks/ and assets/.

Nothing is read at import: ``defs`` is built when Dagster loads the code location (``dagster dev``),
and the CLI calls ``build_defs`` inside its own error handling, so a malformed file is one line.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .derived_assets import derived_assets, derived_checks
from .project import Project, load_project
from .quality_assets import quality_definitions
from .reference_assets import reference_assets
from .resources import Warehouse
from .source_assets import build_source_asset, input_specs
from .warehouse import DEFAULT_WAIT, default_path


def build_defs(warehouse: Path | str | None = None, sources: Path | None = None, project: Project | None = None,
               wait: float = DEFAULT_WAIT) -> dg.Definitions:
    """Assets and checks for the given source tree (tests pass a copy) and warehouse file."""
    project = project or load_project(sources)
    base = [*reference_assets(project.ref, project.tables), *(build_source_asset(t, project.ref) for t in project.tables)]
    quality, quality_checks = quality_definitions(project, [a.key for a in base])
    # A family check reads the rule results and reports on every table it covers: it runs whole, in the
    # quality job, never split between jobs (a multi-asset check cannot be subset).
    family = dg.AssetSelection.checks(*(key for check in quality_checks for key in check.check_keys))
    sources = dg.AssetSelection.assets(*(a.key for a in base)) - family
    return dg.Definitions(
        assets=[*input_specs(project.tables), *base, *quality, *derived_assets(project)],
        jobs=[dg.define_asset_job("sources", selection=sources,
                                  description="Reference tables and every transcribed table, each pandera-checked"),
              dg.define_asset_job("quality", selection=dg.AssetSelection.groups("quality") | family,
                                  description="Every rule on the stored tables (checks.results), with its checks"),
              dg.define_asset_job("derived", selection=dg.AssetSelection.groups("derived"),
                                  description="The recomputed headline tables with cell lineage and their checks")],
        asset_checks=[*quality_checks, *derived_checks(project)],
        resources={"warehouse": Warehouse(path=str(warehouse or default_path()), wait=wait)},
        executor=dg.in_process_executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs()
