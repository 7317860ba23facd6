"""The DuckDB warehouse: connections that wait (bounded) and say why they cannot open, one writer at a
time, and all-or-nothing publishing.

A writer (``ladder run``, a Dagster run from the UI, ``ladder validate``) never writes the warehouse in
place: under the writer lock it copies the warehouse to a private staging file, works there, and
replaces the warehouse with it (one atomic rename) only when everything it checked passed. A failed or
killed writer leaves the warehouse exactly as it was; a failed one keeps its staging file as
``<name>.failed.duckdb`` for inspection. Readers are never blocked by a writer's work.

No Dagster import here: the CLI's quick commands (trace, sources) must start fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from filelock import FileLock, Timeout

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_WAREHOUSE = "warehouse.duckdb"
DEFAULT_WAIT = 60.0
"""Seconds a command waits for a busy warehouse before it gives up (``--wait``)."""


def default_path() -> Path:
    return Path(os.environ.get("LADDER_WAREHOUSE", DEFAULT_WAREHOUSE))


class WarehouseError(RuntimeError):
    """The warehouse cannot be used; the message says why in one line."""


class WarehouseBusy(WarehouseError):
    """Another process holds the DuckDB file, or another writer holds the writer lock."""


def _announce(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _process(pid: int) -> str:
    """'process 123 (ladder run)' from /proc when it can be read."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return f"process {pid}"
    words = [Path(w).name if i == 0 or "/" in w else w for i, w in enumerate(cmd.split()[:4])]
    return f"process {pid} ({' '.join(words)[:60]})" if words else f"process {pid}"


# ----------------------------------------------------------------------------------- writer lock
def _holder_file(path: Path) -> Path:
    return path.with_name(path.name + ".holder")


def holder(path: Path) -> str | None:
    """Who holds the writer lock of ``path``: 'ladder run (process 123, run ab12…, since 05:30:01)'."""
    try:
        info = json.loads(_holder_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not Path(f"/proc/{info.get('pid')}").exists():
        return None
    run = f", run {info['run_id'][:8]}" if info.get("run_id") else ""
    return f"{info.get('what', 'a writer')} ({_process(int(info['pid']))}{run}, since {info.get('since', '?')})"


@contextmanager
def writer_lock(path: Path, what: str, wait: float = DEFAULT_WAIT, run_id: str | None = None,
                announce: Callable[[str], None] = _announce) -> Iterator[None]:
    """Hold the one writer lock of warehouse ``path`` (a kernel lock: a killed holder releases it)."""
    _check_directory(path)
    lock = FileLock(str(path.with_name(path.name + ".lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        announce(f"waiting up to {wait:.0f} s for the warehouse {path}: {holder(path) or 'another writer'} "
                 "is writing it")
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise WarehouseBusy(f"warehouse {path} is busy: {holder(path) or 'another writer'} still holds it "
                                f"after {wait:.0f} s; retry later or pass --wait SECONDS") from None
    try:
        _holder_file(path).write_text(json.dumps({"pid": os.getpid(), "what": what, "run_id": run_id,
                                                  "since": time.strftime("%H:%M:%S")}), encoding="utf-8")
        yield
    finally:
        _holder_file(path).unlink(missing_ok=True)
        lock.release()


# ---------------------------------------------------------------------------------- connections
def _check_directory(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise WarehouseError(f"warehouse {path}: directory {parent} does not exist")
    if not parent.is_dir():
        raise WarehouseError(f"warehouse {path}: {parent} is not a directory")


def _check_file(path: Path, read_only: bool) -> None:
    _check_directory(path)
    if path.is_dir():
        raise WarehouseError(f"warehouse {path} is a directory, not a DuckDB file")
    if not path.exists():
        if read_only:
            raise WarehouseError(f"warehouse {path} does not exist: run `ladder run` (or `make run`) first")
        return
    if path.stat().st_size == 0:
        raise WarehouseError(f"warehouse {path} is an empty file, not a DuckDB warehouse: delete it and run "
                             "`ladder run`")
    mode = path.stat().st_mode
    if not os.access(path, os.R_OK) or not mode & 0o444:
        raise WarehouseError(f"warehouse {path}: permission denied (cannot read the file)")
    if not read_only and (not os.access(path, os.W_OK) or not mode & 0o222):
        raise WarehouseError(f"warehouse {path}: permission denied (the file is read-only)")


def _open_error(path: Path, exc: duckdb.Error) -> WarehouseError:
    text = str(exc)
    if "not a valid DuckDB database file" in text:
        return WarehouseError(f"warehouse {path} is not a DuckDB file: delete or move it and run `ladder run`")
    if "Permission denied" in text:
        return WarehouseError(f"warehouse {path}: permission denied")
    if "No such file or directory" in text:
        return WarehouseError(f"warehouse {path}: directory {path.parent} does not exist")
    if "database does not exist" in text:
        return WarehouseError(f"warehouse {path} does not exist: run `ladder run` (or `make run`) first")
    if "Is a directory" in text:
        return WarehouseError(f"warehouse {path} is a directory, not a DuckDB file")
    return WarehouseError(f"warehouse {path} cannot be opened: {text.splitlines()[0][:160]}")


def _lock_holder(exc: duckdb.Error) -> int | None:
    if "Could not set lock" not in str(exc) and "Conflicting lock" not in str(exc):
        return None
    pid = re.search(r"PID (\d+)", str(exc))
    return int(pid.group(1)) if pid else 0


@contextmanager
def connect(path: Path | str, read_only: bool = False, wait: float = DEFAULT_WAIT,
            announce: Callable[[str], None] = _announce) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse. While another process holds the file, wait up to ``wait``
    seconds (saying for whom), then raise WarehouseBusy; other open errors are told apart."""
    path = Path(path)
    _check_file(path, read_only)
    deadline, said = time.monotonic() + wait, False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as exc:
            pid = _lock_holder(exc)
            if pid is None:
                raise _open_error(path, exc) from None
            writer = holder(path)
            who = writer if writer and f"process {pid} " in writer else (_process(pid) if pid else "another process")
            if time.monotonic() >= deadline:
                raise WarehouseBusy(f"warehouse {path} is busy: {who} holds it (DuckDB lets one process open the "
                                    f"file) and did not let go within {wait:.0f} s; stop it or pass --wait "
                                    "SECONDS") from None
            if not said:
                announce(f"waiting up to {wait:.0f} s for the warehouse {path}: {who} holds it")
                said = True
            time.sleep(0.2)
    try:
        yield con
    finally:
        con.close()


# ------------------------------------------------------------------------------------ publishing
@dataclass
class Staging:
    """A writer's private copy of the warehouse; ``publish`` decides what happens to it at the end."""

    target: Path
    path: Path
    publish: bool = True  # the writer sets False when what it wrote did not pass

    @property
    def failed_path(self) -> Path:
        return self.target.with_name(f"{self.target.stem}.failed{self.target.suffix or '.duckdb'}")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def begin(target: Path) -> Staging:
    """Copy the warehouse (if any) to a fresh staging file; the caller holds the writer lock, so any
    older staging file is left over from a killed writer and is removed."""
    _check_file(target, read_only=False)
    for stale in target.parent.glob(f".{target.name}.staging-*"):
        stale.unlink(missing_ok=True)
    staging = Staging(target=target, path=target.with_name(f".{target.name}.staging-{os.getpid()}"))
    if target.exists():
        shutil.copyfile(target, staging.path)
        if _wal(target).exists():
            shutil.copyfile(_wal(target), _wal(staging.path))
    return staging


def finish(staging: Staging, publish: bool) -> Path | None:
    """Swap the staging file in (publish) or keep it aside as ``.failed``; returns where it went."""
    if not staging.path.exists():
        return None
    if _wal(staging.path).exists():  # fold the WAL into the file before it moves (a clean close leaves none)
        with connect(staging.path) as con:
            con.execute("CHECKPOINT")
    if publish:
        _wal(staging.target).unlink(missing_ok=True)
        os.replace(staging.path, staging.target)
        staging.failed_path.unlink(missing_ok=True)  # an older failed run's copy no longer says anything
        return staging.target
    os.replace(staging.path, staging.failed_path)
    return staging.failed_path


@contextmanager
def publishing(target: Path, what: str, wait: float = DEFAULT_WAIT) -> Iterator[Staging]:
    """Writer lock + staging copy; published when the block ends without an exception and the writer
    left ``publish`` set."""
    with writer_lock(target, what, wait):
        staging = begin(target)
        try:
            yield staging
        except BaseException:
            finish(staging, publish=False)
            raise
        finish(staging, publish=staging.publish)


def require_tables(con: duckdb.DuckDBPyConnection, path: Path, *tables: str) -> None:
    """A warehouse that ``ladder run`` has built: the named tables exist (schema.table)."""
    present = {f"{s}.{t}" for s, t in con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables").fetchall()}
    missing = [t for t in tables if t not in present]
    if missing:
        raise WarehouseError(f"warehouse {path} has no {', '.join(missing)}: it is not built yet; run `ladder run` "
                             "(or `make run`) first")


# ------------------------------------------------------------------------------------ tables
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


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """schema.table -> md5 of its rows in stored order: equal fingerprints, equal content. One statement
    for all tables (a query per table cost a third more)."""
    tables = con.execute("""SELECT table_schema, table_name FROM information_schema.tables
                            WHERE table_type = 'BASE TABLE' ORDER BY 1, 2""").fetchall()
    if not tables:
        return {}
    return dict(con.execute(" UNION ALL ".join(
        f"SELECT ? AS name, md5(coalesce(string_agg(t::VARCHAR, chr(10) ORDER BY rowid), '')) FROM \"{s}\".\"{t}\" t"
        for s, t in tables), [f"{s}.{t}" for s, t in tables]).fetchall())
