"""The DuckDB warehouse: short-lived connections, a clear 'busy' error, atomic table loads.

No Dagster import here: the CLI's quick commands (trace, sources) must start fast."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_WAREHOUSE = "warehouse.duckdb"


def default_path() -> Path:
    return Path(os.environ.get("LADDER_WAREHOUSE", DEFAULT_WAREHOUSE))


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one process at a time)."""


@contextmanager
def connect(path: Path | str, read_only: bool = False):
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        holder = re.search(r"PID (\d+)", str(exc))
        who = f"process {holder.group(1)}" if holder else "another process"
        raise WarehouseBusy(
            f"warehouse {path} is busy: {who} holds it (DuckDB lets one process open the file). "
            "Stop that process (e.g. the Dagster UI run or another ladder command) and retry."
        ) from None
    try:
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, frame: pd.DataFrame) -> None:
    """Swap in a table's new content in one transaction: readers see the old or the new, never half."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.register("_incoming", frame)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(f'CREATE OR REPLACE TABLE {schema}."{name}" AS SELECT * FROM _incoming')
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_incoming")
