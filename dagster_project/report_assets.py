"""The audit site as the last asset of a run: built from the run's own tables, downstream of the rule
results and every derived table, and put in place only when the run passes (as the warehouse is)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from .paths import report_text, site_dir
from .project import Project
from .quality_assets import RESULTS_KEY
from .resources import Warehouse, run_passed

SITE_KEY = dg.AssetKey(["report", "audit_site"])


class AuditSite(dg.ConfigurableResource):
    """Folder of the audit site. A run writes it into a private folder beside it and moves the page in at
    the end only when no step and no ERROR check failed, so the site always shows the published warehouse."""

    out_dir: str = ""  # empty: $LADDER_SITE, else the project's audit-site/
    _staged: Path | None = PrivateAttr(default=None)

    @property
    def target(self) -> Path:
        return Path(self.out_dir) if self.out_dir else site_dir()

    def stage(self) -> Path:
        """A fresh folder for this run's page, on the target's file system (the move is one rename). Runs
        hold the warehouse's writer lock, so an older staging folder is a killed run's: it is removed."""
        prefix = f".{self.target.name}.staging-"
        self.target.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.target.parent.glob(prefix + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self._staged = Path(tempfile.mkdtemp(prefix=prefix, dir=self.target.parent))
        return self._staged

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._staged is None:
            return
        try:
            if context.instance is not None and run_passed(context.instance, context.run.run_id):
                self.target.mkdir(parents=True, exist_ok=True)
                os.replace(self._staged / "index.html", self.target / "index.html")
        finally:
            shutil.rmtree(self._staged, ignore_errors=True)
            self._staged = None


def report_assets(project: Project) -> dg.AssetsDefinition:
    derived = [dg.AssetKey(["derived", s.name]) for s in project.specs]

    @dg.asset(key=SITE_KEY, group_name="report", deps=[RESULTS_KEY, *derived], kinds={"html"},
              description="The audit site (ladder report): verdict and rules, every table as printed coloured "
                          "by status, a panel per cell with its lineage, the body text with its figures, series "
                          "charts and search; one self-contained index.html that opens offline from file://")
    def audit_site(context, warehouse: Warehouse, site: AuditSite) -> dg.MaterializeResult:
        from .report import build_site

        with warehouse.connection() as con:
            page = build_site(con, site.stage(), project, report_text())
        size = page.stat().st_size
        context.log.info(f"audit site built ({size / 1e6:.1f} MB); it replaces {site.target / 'index.html'} "
                         "when the run passes")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str((site.target / "index.html").resolve())),
            "bytes": dg.MetadataValue.int(size),
            "body_text": dg.MetadataValue.text("from the report text" if report_text() else
                                               "sentences only ($LADDER_REPORT not set)")})

    return audit_site
