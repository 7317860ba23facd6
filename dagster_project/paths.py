"""Where the project's declarative files live (overridable for tests and mutation runs)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources_dir() -> Path:
    return Path(os.environ.get("LADDER_SOURCES", ROOT / "sources"))


def checks_dir() -> Path:
    return Path(os.environ.get("LADDER_CHECKS", ROOT / "checks"))


def site_dir() -> Path:
    """Where the audit site goes: $LADDER_SITE, else the project's audit-site/."""
    return Path(os.environ.get("LADDER_SITE") or ROOT / "audit-site")


def report_text() -> Path | None:
    """The report text ($LADDER_REPORT) when it names a file: the site shows the body text from it."""
    path = os.environ.get("LADDER_REPORT")
    return Path(path) if path and Path(path).is_file() else None


def dagster_home() -> Path:
    """The Dagster instance the CLI and the UI share: $DAGSTER_HOME, else the project's .dagster_home."""
    return Path(os.environ.get("DAGSTER_HOME") or ROOT / ".dagster_home")
