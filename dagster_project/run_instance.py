"""The Dagster instance a `ladder run` records its run in: the one in $DAGSTER_HOME, with a lighter
event log writer.

Dagster's SQLite event log opens a new engine, connection and transaction for every event and closes
it again, and a closing connection checkpoints the WAL: about five fsyncs per event, and a run writes
over a thousand events (a planned and an actual evaluation for each of its ~270 checks). This writer
keeps one pooled engine per database file for the run and commits with ``synchronous=NORMAL``, which
SQLite recommends for WAL databases: safe against a killed process, and after a power loss only the
last commits may be missing. The files are the same; the UI reads them with the stock storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import create_engine, event

BUSY_TIMEOUT = 30  # seconds SQLite waits for another writer (Dagster's own SQLITE_BUSY_TIMEOUT_SECONDS)


def _pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event log with one engine per shard (run file or index) kept for the process's life."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines = {}
        super().__init__(base_dir, inst_data=inst_data)

    def _engine(self, shard: str):
        if shard not in self._engines:
            engine = create_engine(self.conn_string_for_shard(shard), connect_args={"timeout": BUSY_TIMEOUT})
            event.listen(engine, "connect", _pragmas)
            self._engines[shard] = engine
        return self._engines[shard]

    @contextmanager
    def _connect(self, shard: str) -> Iterator:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        with self._engine(INDEX_SHARD_NAME).connect() as conn:  # no lock: called inside _connect
            return bool(conn.dialect.has_table(conn, table_name))

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()  # the last connection to close checkpoints the WAL into the file
        self._engines.clear()


class RunSqliteStorage(DagsterSqliteStorage):
    """The default SQLite storage of a Dagster home, with the pooled event log."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> RunSqliteStorage:
        return cls(inst_data=inst_data, **config_value)


@contextmanager
def run_instance(instance: dg.DagsterInstance) -> Iterator[dg.DagsterInstance]:
    """``instance`` (persistent, initialised) reopened with the pooled event log when it uses the
    default SQLite storage; any other storage (Postgres, a custom class) is used as it is."""
    ref = instance.get_ref()
    if ref.storage_data is None or ref.storage_data.class_name != DagsterSqliteStorage.__name__:
        yield instance
        return
    home = instance.root_directory
    light = dg.DagsterInstance.from_ref(InstanceRef.from_dir(home, overrides={"storage": {"custom": {
        "module": __name__, "class": RunSqliteStorage.__name__, "config": {"base_dir": home}}}}))
    try:
        yield light
    finally:
        light.dispose()
