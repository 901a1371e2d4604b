"""Safe YAML loading with positions.

PyYAML's C loader (libyaml) parses, but its default resolution would change what curators wrote:
``NO`` becomes ``False``, ``0123`` becomes ``83``, a bare ``1951-08-13`` becomes a ``date``, and
duplicate keys silently keep the last value. So we let libyaml compose the node tree only, with
every implicit resolver removed, and build values ourselves:

- plain scalars resolve by the YAML 1.2 core schema, narrowed: ``null``/``~``/empty, ``true`` /
  ``false``, decimal integers without leading zeros, decimal floats; everything else (``NO``,
  ``0123``, ``1951-08-13``, ``.inf``) stays the string that was typed, and the strict models
  decide whether a string is acceptable;
- explicit tags (``!!python/object``, ``!!binary`` ...) are errors and are never constructed;
- aliases are errors, which also makes an alias bomb fail at its first repetition;
- duplicate keys and non-string keys are errors;
- every value and key keeps its line and column, so a model error can point at it.

Files are read as bytes and decoded as UTF-8 (a BOM is accepted, CRLF line ends are accepted);
anything else gives a located message instead of a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from armistice.records.findings import Finding, FieldPath, format_field

MAX_BYTES = 1024 * 1024
"""A record larger than this is refused: the longest telegram is under 10 KB."""

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ComposeOnly(_BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml's composer with no implicit resolvers: every untagged node gets its kind's plain tag.

    The resolver methods are replaced outright (not just emptied): libyaml calls them for every
    node, and the generic versions walk path-resolver bookkeeping that records never use.
    """

    yaml_implicit_resolvers: dict = {}

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        return _TAG_OF[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_TAG_OF = {yaml.ScalarNode: _STR, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}

_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")


@dataclass
class Loaded:
    """A parsed file: its data, and where each value and key stands (1-based line, column).

    Positions are needed only to report a problem, which is rare, so they are not recorded while
    loading (that would cost a dictionary entry per value, for every record of a large archive):
    the first call to :meth:`position` parses the text again, from ``text`` or from ``file``, and
    records them then.
    """

    path: str
    data: Any
    schema_comment: str | None = None
    text: str | None = field(default=None, repr=False)
    file: Path | None = None
    _positions: tuple[dict[FieldPath, tuple[int, int]], dict[FieldPath, tuple[int, int]]] | None = field(
        default=None, repr=False)

    def _tables(self) -> tuple[dict[FieldPath, tuple[int, int]], dict[FieldPath, tuple[int, int]]]:
        if self._positions is None:
            self._positions = ({}, {})
            try:
                text = self.text if self.text is not None else _decode(self.file.read_bytes(), self.path)  # type: ignore[union-attr]
                node = _compose(text, self.path)
                if node is not None:
                    _Builder(self.path, self._positions).build(node, ())
            except (LoadError, OSError, AttributeError):
                pass  # the file changed or vanished since it was loaded: positions fall back to 1:1
        return self._positions

    @property
    def values(self) -> dict[FieldPath, tuple[int, int]]:
        """Position of every value, by field path."""
        return self._tables()[0]

    @property
    def keys(self) -> dict[FieldPath, tuple[int, int]]:
        """Position of every mapping key, by the field path of its value."""
        return self._tables()[1]

    def position(self, path: FieldPath, *, key: bool = False) -> tuple[int, int]:
        """Position of the value at ``path`` (or its key), else of the nearest enclosing value."""
        values, keys = self._tables()
        if key and path in keys:
            return keys[path]
        for cut in range(len(path), -1, -1):
            if path[:cut] in values:
                return values[path[:cut]]
        return (1, 1)


class LoadError(Exception):
    """The file could not be read as a record; carries the located finding."""

    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


def _fail(path: str, line: int, column: int, field: str, message: str) -> LoadError:
    return LoadError(Finding(path, line, column, field, message))


_NUMERIC_START = frozenset("+-.0123456789")


def resolve_plain(value: str) -> Any:
    """What an unquoted scalar means to this loader: None, a bool, an int, a float, or the string itself.

    Public because the formatter must know when a string has to be quoted to stay a string.
    """
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if value[0] not in _NUMERIC_START:  # most values are words: skip the number patterns
        return value
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node tree into plain values, refusing what is unsafe.

    With ``positions`` (a pair of dictionaries) it also records where every value and key stands.
    """

    def __init__(self, path: str, positions: tuple[dict, dict] | None = None):
        self.path = path
        self.values, self.keys = positions if positions is not None else (None, None)
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: FieldPath, parent: yaml.Node | None = None) -> Any:
        """The value of ``node``; ``parent`` is the key (or sequence) it stands under, for messages."""
        if id(node) in self.seen:  # an alias: point at where it is used, not at its anchor
            line, column = _mark(parent if parent is not None else node)
            raise _fail(
                self.path, line, column, format_field(path),
                "YAML aliases (*name) are not allowed in records: write the value out",
            )
        self.seen.add(id(node))
        if self.values is not None:
            self.values[path] = _mark(node)
        tag = node.tag
        if tag is _STR or tag == _STR:
            if isinstance(node, yaml.ScalarNode):
                return node.value if node.style else resolve_plain(node.value)  # plain style is '' or None
        elif tag != _SEQ and tag != _MAP:
            line, column = _mark(node)
            raise _fail(
                self.path, line, column, format_field(path),
                f"YAML tag {tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in records; "
                "write a plain value (quote it if it must stay text)",
            )
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,), node) for index, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode):  # an explicit !!seq or !!map on a scalar
            return node.value if node.style else resolve_plain(node.value)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise _fail(self.path, *_mark(key_node), format_field(path), "keys must be plain words")
            key = key_node.value if key_node.style else resolve_plain(key_node.value)
            if not isinstance(key, str):
                raise _fail(
                    self.path, *_mark(key_node), format_field(path),
                    f"key {key_node.value!r} is not a word (YAML reads it as {type(key).__name__})",
                )
            if key in result:
                first = next(_mark(k) for k, _ in node.value if k.value == key_node.value)
                raise _fail(
                    self.path, *_mark(key_node), format_field(path + (key,)),
                    f"duplicate key {key!r} (first at line {first[0]}); YAML would silently keep only the last",
                )
            if self.keys is not None:
                self.keys[path + (key,)] = _mark(key_node)
            result[key] = self.build(value_node, path + (key,), key_node)
        return result


class _Retry(Exception):
    """Raised by :func:`_fast` at anything unusual; :class:`_Builder` then finds and reports it."""


def _fast(node: yaml.Node, seen: set[int]) -> Any:
    """:class:`_Builder`'s values for the usual record (no alias, tag, odd or duplicate key), without
    keeping field paths: most files are fine, and the paths matter only for a message."""
    if id(node) in seen:
        raise _Retry
    seen.add(id(node))
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        if tag != _STR:
            raise _Retry
        return node.value if node.style else resolve_plain(node.value)
    if kind is yaml.SequenceNode:
        if tag != _SEQ:
            raise _Retry
        return [_fast(item, seen) for item in node.value]
    if tag != _MAP or kind is not yaml.MappingNode:
        raise _Retry
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if type(key_node) is not yaml.ScalarNode or key_node.tag != _STR:
            raise _Retry
        key = key_node.value if key_node.style else resolve_plain(key_node.value)
        if type(key) is not str or key in result:
            raise _Retry
        result[key] = _fast(value_node, seen)
    return result


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise _fail(
            path, line, column, "(file)",
            f"not valid UTF-8 (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
        ) from None


def _yaml_problem(error: yaml.MarkedYAMLError, text: str, path: str) -> LoadError:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = error.problem or str(error)
    at_tab = mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t"
    if at_tab or "'\\t'" in problem:
        problem = "tab character: indent with spaces, never tabs"
    elif error.context:
        problem = f"{error.context}, {problem}"
    return _fail(path, line, column, "(yaml)", f"malformed YAML: {problem}")


def _compose(text: str, path: str) -> yaml.Node | None:
    """libyaml's node tree of ``text``, or a located :class:`LoadError`."""
    try:
        loader = _ComposeOnly(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        raise _yaml_problem(error, text, path) from None
    except yaml.reader.ReaderError as error:  # control characters and the like
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise _fail(
            path, line, column, "(yaml)",
            f"character U+{ord(error.character) if isinstance(error.character, str) else error.character:04X} "
            "is not allowed in YAML text",
        ) from None


def parse_text(text: str, path: str, *, file: Path | None = None) -> Loaded:
    """Parse one record's YAML text. Raises :class:`LoadError` with a located finding.

    Without ``file`` the text is kept, to find positions later; with it, the file is read again.
    """
    loaded = Loaded(path=path, data=None, text=None if file else text, file=file)
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if first.startswith("# yaml-language-server:"):
        loaded.schema_comment = first.rstrip("\r")
    node = _compose(text, path)
    if node is None:
        raise _fail(path, 1, 1, "(record)", "empty file: a record is a YAML mapping of fields")
    try:
        loaded.data = _fast(node, set())
    except _Retry:  # something to refuse: the full builder says what and where
        loaded.data = _Builder(path).build(node, ())
    if not isinstance(loaded.data, dict):
        raise _fail(path, *_mark(node), "(record)", "a record must be a mapping of fields (key: value)")
    return loaded


def load_file(path: Path, shown_as: str | None = None) -> Loaded:
    """Read and parse one record file. Raises :class:`LoadError` with a located finding."""
    shown = shown_as or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(shown, 1, 1, "(file)", f"file is {size:,} bytes; a record may be at most {MAX_BYTES:,}")
        raw = path.read_bytes()
    except IsADirectoryError:
        raise _fail(shown, 1, 1, "(file)", "a directory where a record file is expected") from None
    except OSError as error:
        raise _fail(shown, 1, 1, "(file)", f"cannot read: {error.strerror or error}") from None
    return parse_text(_decode(raw, shown), shown, file=path)
