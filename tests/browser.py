"""Headless Chromium for the browser tests: the system's Chromium (Debian's package) driven by Playwright.

Playwright's own browser download is never used (no network here): we point it at the installed binary.
Where none is found, the tests skip and say how to get one.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Without the background-networking flags Chromium keeps dialling out, which a closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    """$LADDER_CHROMIUM, else the first Chromium on PATH."""
    if os.environ.get("LADDER_CHROMIUM"):
        return os.environ["LADDER_CHROMIUM"]
    return next(filter(None, map(shutil.which, CANDIDATES)), None)


@contextmanager
def chromium(allow: tuple[str, ...] = ()):
    """A fresh browser context. Every request whose URL starts with none of ``allow`` is aborted and
    recorded in ``context.blocked`` (an offline page must make none); console errors go to ``context.errors``."""
    path = chromium_path()
    if path is None:
        pytest.skip("no Chromium found: install Debian's 'chromium' package (as .ci/run does) or set LADDER_CHROMIUM")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (make install)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=FLAGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.blocked, context.errors = [], []

        def route(r):
            if r.request.url.startswith(allow):
                r.continue_()
            else:
                context.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        context.on("console", lambda m: m.type == "error" and context.errors.append(m.text))
        try:
            yield context
        finally:
            browser.close()


def screenshot(page, default: Path, name: str) -> Path:
    """Save a screenshot under $LADDER_SCREENSHOTS when set (to look at), else under ``default``."""
    folder = Path(os.environ.get("LADDER_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
