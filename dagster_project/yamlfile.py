"""YAML loading that remembers line numbers, so every catalogue error can name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class SourceError(ValueError):
    """A malformed source file; the message always starts with ``file:line``."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


class LineDict(dict):
    """A mapping from a YAML file that knows the line of each key."""

    lines: dict[str, int]
    line: int

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.lines = {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


def load_yaml(path: Path) -> Any:
    """Parse ``path`` safely; a syntax error becomes a SourceError naming the line."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(path, line, f"broken YAML: {exc.problem or exc}") from None
