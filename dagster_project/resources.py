"""The warehouse as a Dagster resource: one run, one writer, all or nothing.

At the start of a run the resource takes the warehouse's writer lock (waiting, bounded, and saying for
whom) and stages a private copy; every step of the run reads and writes that copy, through one
connection the run keeps open (opening the file costs tens of milliseconds, and a run asked 14 times).
When the run ends the copy replaces the warehouse only if no step failed and no ERROR check failed;
otherwise the warehouse stays as it was and the copy is kept as ``<name>.failed.duckdb``. A killed run
releases the lock with its process, and its leftover copy is removed by the next writer.

Also the Great Expectations worker a run validates its rule results with.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr

from .gx_suites import SuiteOutcome
from .warehouse import DEFAULT_WAIT, DEFAULT_WAREHOUSE, Staging, begin, connect, finish, writer_lock

_VERDICT_EVENTS = {dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.ASSET_CHECK_EVALUATION}


_VERDICTS: dict[str, bool] = {}


def run_passed(instance: dg.DagsterInstance, run_id: str) -> bool:
    """No failed step and no failed ERROR check in the run (what `ladder run` exits 1 on). Asked at the
    end of a run by each resource that publishes (warehouse, site): the run's events are read once."""
    if run_id not in _VERDICTS:
        _VERDICTS[run_id] = _passed(instance, run_id)
    return _VERDICTS[run_id]


def _passed(instance: dg.DagsterInstance, run_id: str) -> bool:
    for record in instance.all_logs(run_id, of_type=_VERDICT_EVENTS):
        event = record.dagster_event
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            return False
        data = event.event_specific_data
        if not data.passed and data.severity == dg.AssetCheckSeverity.ERROR:
            return False
    return True


class Warehouse(dg.ConfigurableResource):
    """Path to the DuckDB file; a run works on a staged copy and publishes it when it passes."""

    path: str = DEFAULT_WAREHOUSE
    wait: float = DEFAULT_WAIT
    _stack: ExitStack | None = PrivateAttr(default=None)
    _staging: Staging | None = PrivateAttr(default=None)
    _con: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        target = Path(self.path)
        stack = ExitStack()
        def announce(message: str) -> None:  # on the console of `ladder run` and in the run's log
            print(message, file=sys.stderr, flush=True)
            if context.log:
                context.log.info(message)

        stack.enter_context(writer_lock(target, "dagster run", self.wait, run_id=context.run.run_id,
                                        announce=announce))
        try:
            self._staging = begin(target)
            self._con = stack.enter_context(connect(self._staging.path, wait=self.wait))
        except BaseException:
            stack.close()
            raise
        self._stack = stack

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._stack is None:
            return
        try:
            self._con.close()  # before the copy moves: a clean close leaves no WAL beside it
            passed = context.instance is not None and run_passed(context.instance, context.run.run_id)
            where = finish(self._staging, publish=passed)
            if context.log and where is not None:
                context.log.info(f"warehouse {'published to' if passed else 'left unchanged; this run is kept in'} "
                                 f"{where}")
        finally:
            self._stack.close()
            self._stack, self._staging, self._con = None, None, None

    @property
    def active_path(self) -> Path:
        """Where this run reads and writes: the staged copy during a run, else the warehouse itself."""
        return self._staging.path if self._staging is not None else Path(self.path)

    @contextmanager
    def connection(self, read_only: bool = False):
        """The run's connection to its staged copy; outside a run, a connection of its own."""
        if self._con is not None:
            yield self._con
            return
        with connect(self.active_path, read_only=read_only, wait=self.wait) as con:
            yield con

    def read(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self.connection() as con:
            return con.execute(sql, params or []).df()


class GreatExpectations(dg.ConfigurableResource):
    """The GX suites over the rule results, run in a worker process that starts with the run and
    imports Great Expectations (seconds) while the run computes the tables and the rules."""

    python: str = sys.executable  # the worker's interpreter: this environment's
    _worker: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._worker = subprocess.Popen([self.python, "-m", "dagster_project.gx_suites"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._worker.stdin.close()
        self._worker.terminate()  # a run that failed early does not wait for the import
        self._worker.wait()
        self._worker.stdout.close()

    def validate(self, results: pd.DataFrame, severities: list[str]) -> list[SuiteOutcome]:
        pickle.dump((results, severities), self._worker.stdin)
        self._worker.stdin.flush()
        try:
            outcome = pickle.load(self._worker.stdout)
        except EOFError:
            raise RuntimeError(f"the Great Expectations worker ended (exit {self._worker.wait()}); "
                               "its error is on stderr") from None
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
