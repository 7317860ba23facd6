"""The audit site: one self-contained ``index.html`` that works from ``file://`` without any request.

The page is the template's HTML with its stylesheet, script and data (``data.gather``) written inline;
its Content-Security-Policy forbids loading anything, so a link to the web could not slip in unnoticed.
The same warehouse gives the same bytes (no build time is written).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..project import Project
from .data import TITLE, gather

TEMPLATE = Path(__file__).with_name("template")


def _jsonable(value):
    if hasattr(value, "tolist"):  # numpy arrays and scalars from DuckDB's frames
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def render(data: dict) -> str:
    """The page for ``data``: template with CSS, JS and JSON inline (``</`` escaped inside the JSON)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_jsonable).replace("</", "<\\/")
    html = (TEMPLATE / "index.html").read_text(encoding="utf-8")
    parts = {"/*STYLE*/": (TEMPLATE / "style.css").read_text(encoding="utf-8"),
             "/*SCRIPT*/": (TEMPLATE / "app.js").read_text(encoding="utf-8"),
             "__TITLE__": TITLE, "__DATA__": payload}
    # one pass, so that inserted text is never searched for markers
    return re.sub("|".join(map(re.escape, parts)), lambda m: parts[m.group()], html)


def build_site(con, out_dir: Path, project: Project | None = None, report: Path | None = None) -> Path:
    """Write ``out_dir/index.html`` from an open warehouse connection (read only) and return its path.

    ``report`` is the report text ($LADDER_REPORT): with it the site shows the body text with its figures
    marked, and each row's report line; without it each body figure is shown with its sentence."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(render(gather(con, project, report)), encoding="utf-8")
    return path
