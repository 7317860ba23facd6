"""Shared fixtures: the real sources, a copy of them to plant faults in, temporary warehouses."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.events import DagsterEventType
from filelock import FileLock

from dagster_project.catalogue import load_catalogue
from dagster_project.definitions import build_defs
from dagster_project.paths import ROOT
from dagster_project.warehouse import fingerprint

SOURCES = ROOT / "sources"


SLOW_FIRST = ("test_processes.py", "test_bad_input.py", "test_ui.py", "test_rules_real.py", "test_site.py",
              "test_rules_mutations.py")
"""The longest files, longest first. xdist hands each worker whole files in collection order
(``--dist loadfile --no-loadscope-reorder``), so these start at once and the workers end together; the
first (test_processes) opens with a test that needs no session build, which another worker makes."""


def pytest_collection_modifyitems(items):
    rank = {name: no for no, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))  # stable: file order kept within


@pytest.fixture(scope="session", autouse=True)
def dagster_home(tmp_path_factory):
    """One Dagster instance, one audit-site folder and one project cache for the whole session: runs in
    tests never land in the project's own .dagster_home (the one `ladder ui` shows) nor its audit-site/,
    and the many edited copies tests load never push the real project out of its .ladder-cache."""
    home = tmp_path_factory.mktemp("dagster_home")
    settings = {"DAGSTER_HOME": str(home), "LADDER_SITE": str(tmp_path_factory.mktemp("audit_site")),
                "LADDER_CACHE": str(tmp_path_factory.mktemp("ladder_cache"))}
    previous = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    yield home
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def tables():
    return load_catalogue(SOURCES)


@pytest.fixture(scope="session")
def report_lines():
    path = os.environ.get("LADDER_REPORT")
    if not path or not Path(path).exists():
        pytest.skip("report text not available: set LADDER_REPORT to the report .txt (.ci/run does)")
    return Path(path).read_text(encoding="utf-8").splitlines()


def materialise(warehouse: Path, sources: Path = SOURCES):
    """Run every asset and check in process, against ``warehouse``."""
    defs = build_defs(warehouse=warehouse, sources=sources)
    job = defs.resolve_implicit_global_asset_job_def()
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, run_config=quiet)


@dataclass
class BuiltRun:
    """What the session build's run left, read back from its serialised events: the questions tests ask of
    an ExecuteInProcessResult, answered the same way on every xdist worker."""

    success: bool
    all_events: list[dg.DagsterEvent]
    site: Path  # the audit site folder the run wrote

    def get_asset_check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return [e.event_specific_data for e in self.all_events
                if e.event_type_value == DagsterEventType.ASSET_CHECK_EVALUATION.value]

    def get_asset_materialization_events(self) -> list[dg.DagsterEvent]:
        return [e for e in self.all_events if e.is_step_materialization]


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory):
    """The real sources materialised once for the whole session: the first xdist worker to get here builds
    (its own audit site folder, under a lock), the others wait and share the file, which tests only read."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    build = root / "session_build"
    events = build / "run.json"
    with FileLock(str(root / "session_build.lock")):
        if not events.exists():
            build.mkdir(exist_ok=True)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("LADDER_SITE", str(build / "site"))
                result = materialise(build / "warehouse.duckdb")
            events.write_text(json.dumps({"success": result.success, "events": dg.serialize_value(result.all_events)}),
                              encoding="utf-8")
    run = json.loads(events.read_text(encoding="utf-8"))
    return build / "warehouse.duckdb", BuiltRun(run["success"], dg.deserialize_value(run["events"], list),
                                                build / "site")


@pytest.fixture
def sources_copy(tmp_path):
    """A private copy of sources/ to plant faults in."""
    dest = tmp_path / "sources"
    shutil.copytree(SOURCES, dest)
    return dest


@pytest.fixture
def warehouse_copy(built_warehouse, tmp_path):
    """A private copy of the built warehouse, to run commands against."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse[0], path)
    return path


_FINGERPRINTS: dict[str, dict[str, str]] = {}
"""Content fingerprints by the bytes they were read from (``fingerprint_of``)."""


def fingerprint_of(warehouse: Path) -> dict[str, str]:
    """Content fingerprint of every table of a warehouse file (see warehouse.fingerprint). Remembered by the
    bytes of the file and its WAL: the copy of the session's warehouse that most tests start from, or a
    file a refused command left alone, is not read table by table again."""
    digest = hashlib.sha256()
    for label, part in ((b"file", warehouse), (b"wal", warehouse.with_name(warehouse.name + ".wal"))):
        digest.update(label)
        if part.exists():
            with part.open("rb") as f:
                digest.update(hashlib.file_digest(f, "sha256").digest())
    key = digest.hexdigest()
    if key not in _FINGERPRINTS:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            _FINGERPRINTS[key] = fingerprint(con)
        finally:
            con.close()
    return dict(_FINGERPRINTS[key])


def plant_and_validate(warehouse: Path, sql: str, params: list | None = None) -> tuple[int, dict]:
    """Plant a fault in a warehouse with one SQL statement, then run `ladder validate --json` on it."""
    from click.testing import CliRunner

    from dagster_project.cli import main

    con = duckdb.connect(str(warehouse))
    try:
        con.execute(sql, params or [])
    finally:
        con.close()
    result = CliRunner().invoke(main, ["validate", "--json", "--warehouse", str(warehouse)])
    return result.exit_code, json.loads(result.output)


def query(warehouse: Path, sql: str) -> list[tuple]:
    """Run one read-only query on a warehouse file and close it (DuckDB allows one process at a time)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
