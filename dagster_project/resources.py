"""The warehouse as a Dagster resource: every use opens and closes its own connection."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd

from .warehouse import DEFAULT_WAREHOUSE, connect, replace_table


class Warehouse(dg.ConfigurableResource):
    """Path to the DuckDB file; every use opens and closes its own connection."""

    path: str = DEFAULT_WAREHOUSE

    @contextmanager
    def connection(self, read_only: bool = False):
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with connect(self.path, read_only=read_only) as con:
            yield con

    def write(self, schema: str, name: str, frame: pd.DataFrame) -> None:
        with self.connection() as con:
            replace_table(con, schema, name, frame)

    def read(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self.connection() as con:
            return con.execute(sql, params or []).df()
