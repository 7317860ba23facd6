"""Strict reading of the project's declarative files (YAML and CSV): every error names ``file:line``.

YAML is parsed with libyaml (PyYAML's C loader); every mapping and list remembers the line of each
key and item, so a schema error deep inside a file still points at its line. Duplicate keys, a BOM,
bytes that are not UTF-8 and oversized values are errors, never silently accepted. Schemas are pydantic
models (``check``); their errors are turned into one ``file:line: what is wrong`` message.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

MAX_FILE_BYTES = 5_000_000
MAX_VALUE_CHARS = 5_000
MAX_FIELD = 500
MAX_ALIASES = 200
SHOWN_CHARS = 60

M = TypeVar("M", bound=BaseModel)


class SourceError(ValueError):
    """A malformed declarative file; the message always starts with ``file:line``."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")


def cut(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value for an error message: repr'd, one line, long values cut."""
    text = repr(value).replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class LineDict(dict):
    """A mapping from a YAML file that knows its own line and the line of each key."""

    lines: dict[str, int]
    line: int

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A list from a YAML file that knows its own line and the line of each item."""

    lines: list[int]
    line: int

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


class _Duplicate(Exception):
    def __init__(self, key: str, line: int, first: int):
        self.key, self.line, self.first = key, line, first


class _NotText(Exception):
    def __init__(self, line: int):
        self.line = line


class _LineLoader(yaml.CSafeLoader):
    def construct_mapping(self, node, deep=False):  # noqa: D102 - PyYAML hook
        lines: dict[str, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise _NotText(line)
            if key in lines:
                raise _Duplicate(str(key), line, lines[key])
            lines[key] = line
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line, mapping.lines = node.start_mark.line + 1, {str(k): v for k, v in lines.items()}
        return mapping

    def construct_sequence(self, node, deep=False):  # noqa: D102 - PyYAML hook
        items = LineList(super().construct_sequence(node, deep=True))
        items.line, items.lines = node.start_mark.line + 1, [n.start_mark.line + 1 for n in node.value]
        return items


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)


def read_text(path: Path) -> str:
    """A declarative file's text: UTF-8 without BOM, of sane size; else a SourceError naming the line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, None, "file not found") from None
    except IsADirectoryError:
        raise SourceError(path, None, "is a directory, expected a file") from None
    except PermissionError:
        raise SourceError(path, None, "permission denied: cannot read the file") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(path, None, f"file of {len(data):,} bytes; at most {MAX_FILE_BYTES:,} expected")
    if data.startswith(b"\xef\xbb\xbf"):
        raise SourceError(path, 1, "starts with a byte-order mark (BOM); save the file as UTF-8 without BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(path, line, f"byte {data[exc.start:exc.start + 1]!r} is not UTF-8; "
                                      "save the file as UTF-8") from None
    if "\x00" in text:
        raise SourceError(path, text[: text.index("\x00")].count("\n") + 1, "NUL byte; expected text")
    return text


def _oversized(node: Any, path: Path, line: int) -> None:
    if isinstance(node, str) and len(node) > MAX_VALUE_CHARS:
        raise SourceError(path, line, f"value of {len(node):,} characters; at most {MAX_VALUE_CHARS:,} expected")
    if isinstance(node, LineDict):
        for key, value in node.items():
            _oversized(value, path, node.line_of(str(key)))
    elif isinstance(node, LineList):
        for i, value in enumerate(node):
            _oversized(value, path, node.line_of(i))


def load_yaml(path: Path) -> Any:
    """Parse ``path`` strictly; every problem becomes a SourceError naming the line."""
    text = read_text(path)
    try:
        # an alias inside the list or mapping it names nests without end; thousands of aliases
        # can expand a small file into an enormous document
        open_anchors: list[str | None] = []
        aliases = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                open_anchors.append(event.anchor)
            elif isinstance(event, yaml.CollectionEndEvent):
                open_anchors.pop()
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if event.anchor in open_anchors or aliases > MAX_ALIASES:
                    raise SourceError(path, event.start_mark.line + 1,
                                      f"alias *{event.anchor} inside the value it names" if event.anchor in open_anchors
                                      else f"more than {MAX_ALIASES} aliases; write the values out")
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a CSafeLoader subclass
    except _NotText as bad:
        raise SourceError(path, bad.line, "a key must be plain text, not a list or mapping") from None
    except _Duplicate as dup:
        raise SourceError(path, dup.line, f"duplicate key {cut(dup.key)} (first on line {dup.first}); "
                                          "each key may appear once") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(path, line, f"broken YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise SourceError(path, None, f"broken YAML: {cut(str(exc), 120)}") from None
    _oversized(doc, path, 1)
    return doc


def line_at(doc: Any, loc: tuple) -> int | None:
    """The line of the deepest node of ``doc`` that ``loc`` (a pydantic error location) reaches."""
    node, line = doc, getattr(doc, "line", None)
    for step in loc:
        if isinstance(node, LineDict) and step in node:
            line, node = node.line_of(str(step)), node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line, node = node.line_of(step), node[step]
        elif not isinstance(node, (LineDict, LineList)):
            break
        # else: a union tag or a missing key in the location; stay on this node
    return line


def _describe(err: dict) -> str:
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper())]  # drop union tags
    where, parent = ".".join(map(str, loc)), ".".join(map(str, loc[:-1]))
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        hint = err["msg"] if err["msg"].startswith("did you mean") else "see the file's schema"
        return f"unknown key {cut(loc[-1])}" + (f" in {parent}" if parent else "") + f"; {hint}"
    if kind == "missing":
        return f"missing required key {cut(loc[-1])}" + (f" in {parent}" if parent else "")
    if kind.startswith("union_tag"):
        tags = err.get("ctx", {}).get("expected_tags", "")
        return f"{where + '.' if where else ''}kind: must be one of {tags}, got {cut(err.get('ctx', {}).get('tag'))}"
    if kind == "value_error":  # a check across keys: the message says what is wrong
        return f"{where or 'document'}: {err['msg'].removeprefix('Value error, ')}"
    return f"{where or 'document'}: {err['msg'].rstrip('.')}, got {cut(value)}"


def check(schema: type[M] | TypeAdapter, doc: Any, path: Path) -> Any:
    """Validate ``doc`` against a pydantic model or TypeAdapter; the first error becomes ``file:line: message``."""
    try:
        if isinstance(schema, TypeAdapter):
            return schema.validate_python(doc)
        return schema.model_validate(doc)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # a typo shows as an unknown key plus a missing one: name the typo, suggest the key
        errors.sort(key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        loc = tuple(first["loc"])
        if first["type"] == "extra_forbidden":
            missing = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == loc[:-1]]
            close = difflib.get_close_matches(str(loc[-1]), missing, n=1)
            if close:
                first = {**first, "msg": f"did you mean {close[0]!r}?"}
        if first["type"].startswith("union_tag"):
            loc += ("kind",)
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise SourceError(path, line_at(doc, loc), _describe(first) + more) from None


def read_csv(path: Path, missing_hint: str = "") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV: UTF-8 without BOM, well-quoted, no field over MAX_FIELD characters."""
    if not path.exists():
        raise SourceError(path, None, f"file not found{missing_hint}")
    text = read_text(path)
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for raw in reader:
            for field in raw:
                if len(field) > MAX_FIELD:
                    raise SourceError(path, reader.line_num, f"field of {len(field):,} characters "
                                                             f"({cut(field)}); at most {MAX_FIELD} expected")
            rows.append(raw)
    except csv.Error as exc:
        raise SourceError(path, reader.line_num, f"malformed CSV: {exc}") from None
    if not rows:
        raise SourceError(path, 1, "empty file; expected a header line")
    return rows[0], rows[1:]
