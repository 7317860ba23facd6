"""Strict reading of the project's declarative files (YAML and CSV): every error names ``file:line``.

YAML is parsed with libyaml (PyYAML's C parser) and its events are read into values in one pass,
with PyYAML's safe-loader scalars (PyYAML's own constructor machinery costs more than the parse); every
mapping and list remembers the line of each key and item, so a schema error deep inside a file still
points at its line. Duplicate keys, a BOM,
bytes that are not UTF-8 and oversized values are errors, never silently accepted. Schemas are pydantic
models (``check``); their errors are turned into one ``file:line: what is wrong`` message.
"""

from __future__ import annotations

import csv
import difflib
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

MAX_FILE_BYTES = 5_000_000
MAX_VALUE_CHARS = 5_000
MAX_FIELD = 500
MAX_ALIASES = 200
SHOWN_CHARS = 60

M = TypeVar("M", bound="BaseModel")


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


_RESOLVER = yaml.resolver.Resolver()
_SCALARS = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_COLLECTION_TAGS = {yaml.MappingStartEvent: (None, "!", yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG),
                    yaml.SequenceStartEvent: (None, "!", yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG)}
_KEY = (str, int, float, bool, type(None))
_NO_KEY = object()


@lru_cache(maxsize=4096)
def _implicit_tag(value: str, implicit: tuple[bool, bool]) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, value, implicit)


def _scalar(event: yaml.ScalarEvent) -> Any:
    """A scalar as PyYAML's safe loader reads it (YAML 1.1 resolution: 'yes' is True, 2019-01-02 a date)."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = _implicit_tag(event.value, event.implicit)
    if tag == _STR:
        return event.value
    construct = _SCALARS.yaml_constructors.get(tag, _SCALARS.yaml_constructors[None])
    try:
        return construct(_SCALARS, yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style))
    except ValueError as exc:  # '2019-13-45' looks like a date but is none
        raise yaml.constructor.ConstructorError(None, None, f"{cut(event.value)} is no valid {tag.rsplit(':', 1)[-1]}: "
                                                            f"{exc}", event.start_mark) from None


class _Open:
    """A list or mapping being read: its anchor, and for a mapping the key awaiting its value."""

    __slots__ = ("node", "anchor", "key", "key_line", "first")

    def __init__(self, node: LineDict | LineList, anchor: str | None):
        self.node, self.anchor, self.key, self.key_line, self.first = node, anchor, _NO_KEY, 0, {}


def _document(events: list, path: Path) -> Any:
    """The one document of a parsed event stream, as LineDicts, LineLists and scalars, in one pass.

    Aliases are resolved to the value they name; an alias inside the list or mapping it names (which
    nests without end) and more than MAX_ALIASES aliases (which can expand a small file into an enormous
    document) are errors, as are a second document, a tagged list or mapping, and a value over
    MAX_VALUE_CHARS (reported once the document is read, at the key or item that holds it)."""
    anchors: dict[str, tuple[Any, Any]] = {}
    stack: list[_Open] = []
    root, aliases, oversized, started = None, 0, None, None
    for event in events:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = _scalar(event)
        elif kind is yaml.AliasEvent:
            if event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
            aliases += 1
            if any(o.anchor == event.anchor for o in stack) or aliases > MAX_ALIASES:
                raise SourceError(path, event.start_mark.line + 1,
                                  f"alias *{event.anchor} inside the value it names" if aliases <= MAX_ALIASES
                                  else f"more than {MAX_ALIASES} aliases; write the values out")
            value = anchors[event.anchor][0]
        elif kind in _COLLECTION_TAGS:
            if event.tag not in _COLLECTION_TAGS[kind]:
                raise yaml.constructor.ConstructorError(
                    None, None, f"could not determine a constructor for the tag {event.tag!r}", event.start_mark)
            if stack and stack[-1].key is _NO_KEY and isinstance(stack[-1].node, LineDict):
                raise _NotText(event.start_mark.line + 1)
            node = LineDict() if kind is yaml.MappingStartEvent else LineList()
            node.line, node.lines = event.start_mark.line + 1, {} if kind is yaml.MappingStartEvent else []
            if event.anchor is not None:
                _anchor(anchors, event, node)
            stack.append(_Open(node, event.anchor))
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop().node
        elif kind is yaml.DocumentStartEvent:
            if started is not None:
                raise yaml.composer.ComposerError("expected a single document in the stream", started,
                                                  "but found another document", event.start_mark)
            started = event.start_mark
            continue
        else:
            continue
        if kind is yaml.ScalarEvent and event.anchor is not None:
            _anchor(anchors, event, value)
        line = value.line if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent \
            else event.start_mark.line + 1
        if not stack:
            root, holder = value, 1
        else:
            parent = stack[-1]
            if isinstance(parent.node, LineList):
                parent.node.append(value)
                parent.node.lines.append(line)
                holder = line
            elif parent.key is _NO_KEY:
                if not isinstance(value, _KEY):
                    raise _NotText(line)
                if value in parent.first:
                    raise _Duplicate(str(value), line, parent.first[value])
                parent.first[value], parent.key, parent.key_line = line, value, line
                continue
            else:
                parent.node[parent.key] = value
                parent.node.lines[str(parent.key)] = holder = parent.key_line
                parent.key = _NO_KEY
        if oversized is None and isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
            oversized = (holder, len(value))
    if oversized:
        raise SourceError(path, oversized[0], f"value of {oversized[1]:,} characters; at most {MAX_VALUE_CHARS:,} "
                                              "expected")
    return root


def _anchor(anchors: dict, event, value: Any) -> None:
    if event.anchor in anchors:
        raise yaml.composer.ComposerError(None, None, f"anchor &{event.anchor} defined twice (first on line "
                                                      f"{anchors[event.anchor][1].line + 1})", event.start_mark)
    anchors[event.anchor] = (value, event.start_mark)


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


def load_yaml(path: Path) -> Any:
    """Parse ``path`` strictly; every problem becomes a SourceError naming the line."""
    text = read_text(path)
    try:
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))  # libyaml: a syntax error anywhere comes first
        return _document(events, path)
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
    from pydantic import TypeAdapter, ValidationError  # only a cache miss parses files (``project_cache``)

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
