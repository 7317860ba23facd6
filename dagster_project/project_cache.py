"""A loaded project remembered by the bytes it was loaded from, so a command does not parse and validate
unchanged files again, nor build the pydantic models that takes (together a quarter of a second of every
command's start, a sixth of `ladder validate`).

The key is a digest of every file under the sources, checks and assets folders (path and content), of
the package's own code and of the Python version: any change to any of them is a miss, and a miss loads
and validates everything as if there were no cache. Only a project that loaded without error is kept,
so a malformed file is reported every time. ``$LADDER_CACHE`` names the folder (default: the project's
``.ladder-cache``); ``off`` turns the cache off. A cache that cannot be read or written is skipped.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from .paths import ROOT

KEEP = 16
"""Entries kept; older ones are removed when a new one is written (tests load many edited copies)."""


def folder() -> Path | None:
    value = os.environ.get("LADDER_CACHE")
    if value == "off":
        return None
    return Path(value) if value else ROOT / ".ladder-cache"


@lru_cache(maxsize=1)
def _code() -> bytes:
    """The package's code and the interpreter's version: what the pickled objects' classes come from."""
    digest = hashlib.blake2b(sys.version.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def key(*folders: Path) -> str | None:
    """Digest of the code and of every file under ``folders`` (its place and its bytes); None when a
    file cannot be read (loading will say which)."""
    digest = hashlib.blake2b(_code())
    try:
        for top in folders:
            top = top.absolute()
            digest.update(b"\1" + str(top).encode())
            for path in sorted(p for p in top.rglob("*") if p.is_file()):
                digest.update(b"\0" + str(path.relative_to(top)).encode() + b"\0" + path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()[:32]


def read(name: str | None):
    """The object stored under ``name``, or None."""
    where = folder()
    if where is None or name is None:
        return None
    try:
        return pickle.loads((where / f"{name}.pickle").read_bytes())
    except Exception:  # missing, damaged or from elsewhere (unpickling raises many kinds): a miss
        return None


def write(name: str | None, value) -> None:
    """Store ``value`` under ``name`` (atomically: a reader sees the whole entry or none), keeping the
    ``KEEP`` newest entries."""
    where = folder()
    if where is None or name is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, where / f"{name}.pickle")
        finally:
            Path(tmp).unlink(missing_ok=True)  # left only when writing failed
        entries = sorted(where.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
