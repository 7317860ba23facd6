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
from .warehouse import WarehouseError

SITE_KEY = dg.AssetKey(["report", "audit_site"])


class AuditSite(dg.ConfigurableResource):
    """The audit site's folder ($LADDER_SITE, else the project's audit-site/). A run writes the page into a
    private folder beside it and moves it in at the end only when no step and no ERROR check failed, so the
    site always shows the published warehouse."""

    _staged: Path | None = PrivateAttr(default=None)

    @property
    def target(self) -> Path:
        return site_dir()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """A folder the run cannot write is said before any work, in one line (exit 2 from the CLI)."""
        target = self.target
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"audit site folder {target} cannot be used: {exc.strerror or exc}; "
                                 "set $LADDER_SITE to a folder this run can write") from None
        if not os.access(target, os.W_OK | os.X_OK) or not os.access(target.parent, os.W_OK | os.X_OK):
            raise WarehouseError(f"audit site folder {target} (or the folder it is in) is not writable; "
                                 "set $LADDER_SITE to a folder this run can write")

    def stage(self) -> Path:
        """A fresh folder for this run's page, on the target's file system (the move is one rename). Runs
        hold the warehouse's writer lock, so an older staging folder is a killed run's: it is removed."""
        prefix = f".{self.target.name}.staging-"
        for stale in self.target.parent.glob(prefix + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self._staged = Path(tempfile.mkdtemp(prefix=prefix, dir=self.target.parent))
        return self._staged

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._staged is None:
            return
        try:
            if context.instance is not None and run_passed(context.instance, context.run.run_id):
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
