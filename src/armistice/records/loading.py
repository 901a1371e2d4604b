"""Safe YAML loading with positions.

PyYAML's C loader (libyaml) parses, but its default resolution would change what curators wrote:
``NO`` becomes ``False``, ``0123`` becomes ``83``, a bare ``1951-08-13`` becomes a ``date``, and
duplicate keys silently keep the last value. So we let libyaml compose the node tree only, with
every implicit resolver removed, and build values ourselves:

- plain scalars resolve by the YAML 1.2 core schema, narrowed: ``null``/``~``/empty, ``true`` /
  ``false``, decimal integers without leading zeros, decimal floats; everything else (``NO``,
  ``0123``, ``1951-08-13``, ``.inf``) stays the string that was typed, and the strict models
  decide whether a string is acceptable;
- whole numbers must fit SQLite's signed 64-bit integers, and a number too large for a float is
  refused, so whatever validates can be published;
- every explicit tag is an error and is never constructed: ``!!python/object``, ``!!binary``, and
  the standard ones too (``!!str``, ``!!seq``, the non-specific ``!``), since a record that needs a
  tag to mean what it says would read differently in another YAML reader: quote the value instead;
- aliases are errors, which also makes an alias bomb fail at its first repetition; merge keys
  (``<<``) are errors too;
- duplicate keys and non-string keys are errors;
- nesting deeper than :data:`MAX_DEPTH` is an error, stopped before libyaml's recursive composer
  could overflow the C stack on a file of brackets;
- every value and key keeps its line and column, so a model error can point at it.

Two paths build the values, and give the same ones. The strict one, :func:`_build`, checks every
node and knows every field path and position; it reports each problem above and finds positions
when a message needs them. The fast one, :func:`_values`, used first for every file, keeps no paths
and no marks and stops at the first thing it is not sure of (a tag, an odd or repeated key, a number
out of range, nesting too deep, and any file with an anchor, since only the strict path tells an
alias apart), leaving that file to the strict path; ``tests/test_loading_paths.py`` loads random
documents both ways.

Only regular files are read (a FIFO, a device or a directory is a located error, never a hang),
and at most :data:`MAX_BYTES` of them. Files are read as bytes and decoded as UTF-8 (a BOM is
accepted, CRLF line ends are accepted); anything else gives a located message instead of a
traceback.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from armistice.records.findings import FieldPath, Finding, format_field

MAX_BYTES = 1024 * 1024
"""A record larger than this is refused: the longest telegram is under 10 KB."""

MAX_DEPTH = 32
"""Deepest nesting of mappings and lists allowed in a record; the curated ones nest fewer than 10."""

INT_RANGE = (-(2**63), 2**63 - 1)
"""Whole numbers a record may hold: SQLite's signed 64-bit integers."""

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Composer = getattr(getattr(yaml, "cyaml", None), "CParser", yaml.SafeLoader)
"""libyaml's parser and composer alone (CSafeLoader adds a constructor and a resolver that are
never used here, and their set-up costs a tenth of the compose of a small record)."""

# The tags our resolver gives untagged nodes. They are fresh objects compared by identity, so no
# tag written in a file (which libyaml hands over as a new string) can pass for them.
_PLAIN_SCALAR = "untagged scalar"
_PLAIN_SEQ = "untagged sequence"
_PLAIN_MAP = "untagged mapping"
_NON_SPECIFIC = "!"


class _TooDeep(Exception):
    """Raised by the composer past :data:`MAX_DEPTH`; :func:`_check_events` then says where."""


class _ComposeOnly(_Composer):  # type: ignore[misc, valid-type]
    """libyaml's composer with no implicit resolvers: every untagged node gets its kind's own mark.

    The resolver methods are replaced outright (not just emptied): libyaml calls them for every
    node, and the generic versions walk path-resolver bookkeeping that records never use. libyaml
    also calls :meth:`resolve` for a collection tagged ``!``, with ``implicit`` false: that one is
    marked as tagged.

    libyaml's composer recurses in C, one level per level of nesting (about 330 bytes of stack
    each: a file of 25,000 brackets overflows an 8 MB stack and kills the process). Before each
    node it calls ``descend_resolver(parent, index)`` and after it ``ascend_resolver()``: bound to a
    dictionary's ``__setitem__`` and ``popitem``, they keep the open ancestors of the node being
    composed (each a distinct node, so one key each) at C speed, and :meth:`resolve`, called for
    every collection before its contents, stops the composer a level past :data:`MAX_DEPTH` (the
    builder refuses the deepest collection itself, with the same message), long before the stack
    is at risk.
    """

    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream: str | bytes):
        super().__init__(stream)
        self.ancestors: dict[Any, Any] = {}
        self.descend_resolver = self.ancestors.__setitem__
        self.ascend_resolver = self.ancestors.popitem

    def resolve(self, kind: type, value: Any, implicit: Any, scalar: type = yaml.ScalarNode) -> str:
        if kind is scalar:  # most nodes: bound once, not looked up in the module for each
            return _PLAIN_SCALAR
        if len(self.ancestors) > MAX_DEPTH + 1:  # a collection a level past the limit
            raise _TooDeep
        if implicit is False:
            return _NON_SPECIFIC
        return _PLAIN_SEQ if kind is yaml.SequenceNode else _PLAIN_MAP


_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INT_DIGITS = len(str(2**63))
"""More digits than this is out of range whatever they are (and ``int()`` refuses past 4,300)."""


@dataclass
class Loaded:
    """A parsed file: its data, and where each value and key stands (1-based line, column).

    Positions are needed only to report a problem, which is rare, so they are not recorded while
    loading (that would cost a dictionary entry per value, for every record of a large archive):
    the first call to :meth:`position` records them then, from the node tree the file was composed
    into while it is held (composing again cost more than the whole load), else by parsing the text
    again, from ``text`` or from ``file``. The tree is let go with :meth:`drop_tree` once the record's
    own checks are done, so that records kept or sent between processes do not carry it.
    """

    path: str
    data: Any
    schema_comment: str | None = None
    text: str | None = field(default=None, repr=False)
    file: Path | None = None
    _positions: tuple[dict[FieldPath, tuple[int, int]], dict[FieldPath, tuple[int, int]]] | None = field(
        default=None, repr=False)
    _tree: yaml.Node | None = field(default=None, repr=False, compare=False)

    def drop_tree(self) -> None:
        """Let go of the composed node tree: positions not yet recorded come from parsing again."""
        self._tree = None

    def _tables(self) -> tuple[dict[FieldPath, tuple[int, int]], dict[FieldPath, tuple[int, int]]]:
        if self._positions is None:
            self._positions = ({}, {})
            tree, self._tree = self._tree, None
            try:
                if tree is not None:
                    _build(tree, self.path, self._positions)
                    return self._positions
                if self.text is not None:
                    text = self.text
                elif self.file is not None:
                    text = read_text(self.file, self.path)
                else:
                    return self._positions
                node = _compose(text, self.path)
                if node is not None:
                    _build(node, self.path, self._positions)
            except LoadError:
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


class _Unrepresentable(ValueError):
    """A plain number no record may hold; the message says why."""


_NUMERIC_START = frozenset("+-.0123456789")


def _resolve_plain(value: str) -> Any:
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if value[0] not in _NUMERIC_START:  # most values are words: skip the number patterns
        return value
    if _INT.fullmatch(value):
        digits = len(value.lstrip("+-"))
        number = int(value) if digits <= _INT_DIGITS else None
        if number is None or not INT_RANGE[0] <= number <= INT_RANGE[1]:
            raise _Unrepresentable(
                f"whole number of {digits:,} digits is out of range: records hold whole numbers from "
                f"{INT_RANGE[0]} to {INT_RANGE[1]} (quote it if it is text)")
        return number
    if _FLOAT.fullmatch(value):
        real = float(value)
        if not math.isfinite(real):
            shown = value if len(value) <= 30 else value[:27] + "..."
            raise _Unrepresentable(f"number {shown} is too large to hold (quote it if it is text)")
        return real
    return value


def reads_as_text(value: str) -> bool:
    """True when ``value``, written as a plain (unquoted) YAML scalar, loads back as this string."""
    try:
        return _resolve_plain(value) == value
    except _Unrepresentable:
        return False


def _mark(node: yaml.Node | yaml.Event) -> tuple[int, int]:
    mark = node.start_mark
    assert mark is not None, "libyaml marks every node and event"
    return mark.line + 1, mark.column + 1


def _tag_problem(path: str, at: yaml.Node | yaml.Event, where: FieldPath, tag: str) -> LoadError:
    return _fail(
        path, *_mark(at), format_field(where),
        f"YAML tag {tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed in records; "
        "write a plain value (quote it if it must stay text)",
    )


def _depth_problem(path: str, at: yaml.Node | yaml.Event, where: FieldPath) -> LoadError:
    return _fail(path, *_mark(at), format_field(where),
                 f"nested more than {MAX_DEPTH} levels deep; a record needs only a few levels")


def _build(root: yaml.Node, file: str, positions: tuple[dict, dict] | None = None) -> Any:
    """The plain value of a composed node tree, refusing what is unsafe (aliases, tags, odd or
    duplicate keys, merge keys, numbers out of range, nesting past :data:`MAX_DEPTH`).

    With ``positions`` (a pair of dictionaries) it also records where every value and key stands:
    the same walk serves loading, where positions are not kept, and :meth:`Loaded.position`.
    """
    seen: set[int] = set()
    values, keys = positions if positions is not None else (None, None)

    def build(node: yaml.Node, path: FieldPath, parent: yaml.Node | None, depth: int) -> Any:
        # ``parent`` is the key (or sequence) the node stands under, for messages; ``depth`` counts
        # the collections around it.
        if id(node) in seen:  # an alias: point at where it is used, not at its anchor
            line, column = _mark(parent if parent is not None else node)
            raise _fail(file, line, column, format_field(path),
                        "YAML aliases (*name) are not allowed in records: write the value out")
        seen.add(id(node))
        if values is not None:
            values[path] = _mark(node)
        tag = node.tag
        if tag is _PLAIN_SCALAR:
            if typing.cast(yaml.ScalarNode, node).style:  # quoted or block: text as written
                return node.value
            try:
                return _resolve_plain(node.value)
            except _Unrepresentable as error:
                raise _fail(file, *_mark(node), format_field(path), str(error)) from None
        if tag is _PLAIN_SEQ:
            if depth >= MAX_DEPTH:
                raise _depth_problem(file, node, path)
            return [build(item, path + (index,), node, depth + 1) for index, item in enumerate(node.value)]
        if tag is not _PLAIN_MAP:
            raise _tag_problem(file, node, path, tag)
        if depth >= MAX_DEPTH:
            raise _depth_problem(file, node, path)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag is not _PLAIN_SCALAR:
                raise _fail(file, *_mark(key_node), format_field(path), "keys must be plain words")
            key = key_node.value
            if not key_node.style:
                if key == "<<":
                    raise _fail(file, *_mark(key_node), format_field(path),
                                "YAML merge keys (<<) are not allowed in records: write the fields out")
                try:
                    word = _resolve_plain(key) is key  # a word resolves to itself
                except _Unrepresentable:
                    word = False
                if not word:
                    raise _fail(file, *_mark(key_node), format_field(path), f"key {key!r} is not a word "
                                f"(YAML reads it as {_kind_of_plain(key)})")
            if key in result:
                first = next(_mark(k) for k, _ in node.value if k.value == key)
                raise _fail(file, *_mark(key_node), format_field(path + (key,)),
                            f"duplicate key {key!r} (first at line {first[0]}); YAML would silently keep only the last")
            here = path + (key,)
            if keys is not None:
                keys[here] = _mark(key_node)
            result[key] = build(value_node, here, key_node, depth + 1)
        return result

    return build(root, (), None, 0)


class _Refused(Exception):
    """:func:`_values` met something it does not build: :func:`_build` then says what and where."""


_SPECIAL: dict[str, Any] = {**dict.fromkeys(_NULL), **_BOOL}
"""The plain scalars that are not text and not numbers, with their values."""

_MISSING = object()

_WORDS: set[str] = set()
"""Plain keys already found to be words (a record has a few dozen distinct ones); bounded, so a
hostile archive of distinct keys cannot grow it without end."""

_WORDS_MAX = 10_000


def _values(root: yaml.Node) -> Any:
    """The plain value of a composed node tree, as :func:`_build` gives it, built faster.

    It keeps no field paths and no marks, builds each scalar inside its parent's loop (a Python
    call per collection, not per value), and cannot tell an alias from a copy: :func:`parse_text`
    uses it only on a text with no anchor (no ``&``), where an alias is a libyaml error. Whatever it is not sure to build exactly as :func:`_build` would
    (a tag, an odd or repeated key, a number out of range, nesting past :data:`MAX_DEPTH`) raises
    :class:`_Refused`: the caller then walks the tree again with :func:`_build`, which reports it.
    """
    special, missing, words, numeric = _SPECIAL, _MISSING, _WORDS, _NUMERIC_START
    plain_scalar, plain_seq, plain_map = _PLAIN_SCALAR, _PLAIN_SEQ, _PLAIN_MAP

    def scalar(node: Any) -> Any:
        value = node.value
        if node.style:
            return value
        known = special.get(value, missing)
        if known is not missing:
            return known
        if value[0] in numeric:
            try:
                return _resolve_plain(value)
            except _Unrepresentable:
                raise _Refused from None
        return value

    def build(node: Any, depth: int) -> Any:
        tag = node.tag
        if depth >= MAX_DEPTH:
            raise _Refused
        if tag is plain_seq:
            items = []
            for item in node.value:
                if item.tag is plain_scalar:
                    items.append(scalar(item))
                else:
                    items.append(build(item, depth + 1))
            return items
        if tag is not plain_map:
            raise _Refused
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag is not plain_scalar:
                raise _Refused
            key = key_node.value
            if key in result:
                raise _Refused
            if not key_node.style and key not in words:
                if key == "<<" or not reads_as_text(key):
                    raise _Refused
                if len(words) < _WORDS_MAX:
                    words.add(key)
            if value_node.tag is plain_scalar:
                result[key] = scalar(value_node)
            else:
                result[key] = build(value_node, depth + 1)
        return result

    if root.tag is plain_scalar:
        return scalar(root)
    return build(root, 0)


def _kind_of_plain(value: str) -> str:
    try:
        return type(_resolve_plain(value)).__name__
    except _Unrepresentable:
        return "a number out of range"


_BEFORE_TAG = frozenset(" \t\r\n[{,:\ufeff")
"""What may stand just before the ``!`` of a tag."""


def _may_carry_bare_tag(text: str) -> bool:
    """True when ``text`` may hold the non-specific tag ``!``, which composing erases from a scalar
    (``! 5`` composes as ``5``): the rare text that :func:`_check_events` then reads."""
    at = text.find("!")
    while at != -1:
        if at == 0 or text[at - 1] in _BEFORE_TAG:
            return True
        at = text.find("!", at + 1)
    return False


def _check_events(text: str, path: str) -> None:
    """Refuse over-deep nesting and explicit tags from libyaml's event stream, which keeps no stack.

    Reports what :func:`_build` would report for the same node, at the same place: the first tag,
    non-scalar key or collection deeper than :data:`MAX_DEPTH`, in the order of the text.
    """
    open_: list[list[Any]] = []  # per open collection: [field path, is mapping, next index or key, awaiting a key]
    for event in yaml.parse(text, Loader=_BaseLoader):
        kind = type(event)
        if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            open_.pop()
            if open_ and open_[-1][1]:
                open_[-1][3] = True
            continue
        if kind is not yaml.ScalarEvent and kind is not yaml.SequenceStartEvent \
                and kind is not yaml.MappingStartEvent and kind is not yaml.AliasEvent:
            continue
        top = open_[-1] if open_ else None
        is_key = False
        if top is None:
            where: FieldPath = ()
        elif not top[1]:
            where = top[0] + (top[2],)
            top[2] += 1
        elif top[3]:
            where, is_key = top[0], True
        else:
            where = top[0] + (top[2],)
        tag = getattr(event, "tag", None)
        if is_key:
            if tag is not None or kind is not yaml.ScalarEvent:
                raise _fail(path, *_mark(event), format_field(where), "keys must be plain words")
            assert top is not None  # a key is read only inside an open mapping
            top[2], top[3] = typing.cast(yaml.ScalarEvent, event).value, False
            continue
        if tag is not None:
            raise _tag_problem(path, event, where, tag)
        if kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
            if top is not None and top[1]:
                top[3] = True
            continue
        if len(open_) >= MAX_DEPTH:
            raise _depth_problem(path, event, where)
        open_.append([where, kind is yaml.MappingStartEvent, 0, True])


_UTF8_BOM = "\ufeff".encode()


def decode(raw: bytes, path: str) -> str:
    """The text of a record file's bytes: UTF-8, a BOM dropped; else a located :class:`LoadError`."""
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


def _compose(text: str, path: str, source: bytes | None = None) -> yaml.Node | None:
    """libyaml's node tree of ``text``, or a located :class:`LoadError`.

    ``source``, when given, is ``text`` as UTF-8 bytes (the file's bytes without their BOM):
    libyaml reads UTF-8, so handed a string PyYAML encodes it again, which costs a tenth of the
    compose. The bytes are the same either way; a problem is reported from the text all the same.
    """
    if source is not None and not _may_carry_bare_tag(text):
        try:
            loader = _ComposeOnly(source)
            try:
                return loader.get_single_node()
            finally:
                loader.dispose()
        except (yaml.YAMLError, _TooDeep):
            pass  # reported below, from the text, exactly as without the bytes
    try:
        if _may_carry_bare_tag(text):
            _check_events(text, path)
        loader = _ComposeOnly(text)
        try:
            return loader.get_single_node()
        except _TooDeep:
            _check_events(text, path)
            raise _fail(path, 1, 1, "(yaml)", f"nested more than {MAX_DEPTH} levels deep") from None
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


def parse_text(text: str, path: str, *, file: Path | None = None, source: bytes | None = None) -> Loaded:
    """Parse one record's YAML text. Raises :class:`LoadError` with a located finding.

    Without ``file`` the text is kept, to find positions later; with it, the file is read again.
    ``source`` is the text's UTF-8 bytes, when the caller holds them (see :func:`_compose`).
    """
    loaded = Loaded(path=path, data=None, text=None if file else text, file=file)
    head = text.lstrip("\ufeff") if text.startswith("\ufeff") else text
    if head.startswith("# yaml-language-server:"):
        end = head.find("\n")
        loaded.schema_comment = (head if end == -1 else head[:end]).rstrip("\r")
    node = _compose(text, path, source)
    if node is None:
        raise _fail(path, 1, 1, "(record)", "empty file: a record is a YAML mapping of fields")
    if "&" in text:  # an anchor, so perhaps aliases: only _build tells them apart
        loaded.data = _build(node, path)
    else:
        try:
            loaded.data = _values(node)
        except _Refused:
            loaded.data = _build(node, path)
    if not isinstance(loaded.data, dict):
        raise _fail(path, *_mark(node), "(record)", "a record must be a mapping of fields (key: value)")
    loaded._tree = node
    return loaded


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory where a record file is expected"
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"{what} where a record file is expected: only regular files are read"


def read_bytes(path: Path, shown: str) -> bytes:
    """The bytes of one record file, or a located :class:`LoadError`: never hangs, never reads more
    than :data:`MAX_BYTES` (+1, to know it is more).

    The file is opened without blocking, so a FIFO cannot stall the run, then checked to be a
    regular file before a byte is read (a device such as ``/dev/zero`` would never end).
    """
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise _fail(shown, 1, 1, "(file)", "a directory where a record file is expected") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _fail(shown, 1, 1, "(file)", "a symbolic link that leads back to itself (a loop)") from None
        raise _fail(shown, 1, 1, "(file)", f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(handle)
        mode, size = info.st_mode, info.st_size
        if not stat.S_ISREG(mode):
            raise _fail(shown, 1, 1, "(file)", _not_regular(mode))
        if size > MAX_BYTES:
            raise _fail(shown, 1, 1, "(file)", f"file is {size:,} bytes; a record may be at most {MAX_BYTES:,}")
        chunks, left = [], MAX_BYTES + 1
        while left > 0:
            chunk = os.read(handle, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise _fail(shown, 1, 1, "(file)", f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(handle)
    raw = b"".join(chunks)
    if len(raw) > MAX_BYTES:
        raise _fail(shown, 1, 1, "(file)", f"file grew past {MAX_BYTES:,} bytes while it was read; a record "
                    f"may be at most {MAX_BYTES:,}")
    return raw


def read_text(path: Path, shown: str) -> str:
    """The text of one record file (see :func:`read_bytes`), decoded from UTF-8."""
    return decode(read_bytes(path, shown), shown)


def load_file(path: Path, shown_as: str | None = None) -> Loaded:
    """Read and parse one record file. Raises :class:`LoadError` with a located finding."""
    shown = shown_as or str(path)
    raw = read_bytes(path, shown)
    text = decode(raw, shown)
    return parse_text(text, shown, file=path, source=raw[3:] if raw.startswith(_UTF8_BOM) else raw)

