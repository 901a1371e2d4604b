"""Canonical layout of record files, so diffs between curators stay small.

The canonical form:
- first line ``# yaml-language-server: $schema=../../schema/<kind>.schema.json``;
- keys in the order the model declares its fields (unknown keys last, untouched);
- block style, two-space indentation, list items indented under their key;
- a string that any YAML reader could take for something else (``NO``, ``0123``, ``1951-08-13``,
  ``22834``) is double-quoted; multi-line text is a literal block (``|``); other strings are plain
  where YAML allows;
- no line wrapping: a one-line value stays on one line, so an edit shows as a one-line diff;
- comments are kept.

ruamel.yaml (round-trip) provides the comment-preserving layout. The values themselves always come
from :mod:`armistice.records.loading`, the strict loader validation uses, and the result is parsed again
and compared, so formatting can never change what a record says. A file is read the way validation
reads it (a regular file, at most ``MAX_BYTES``, strict UTF-8 and YAML) before ruamel.yaml sees it,
so whatever validation refuses, formatting refuses with the same located message, and a file is
rewritten only inside its records folder, atomically, keeping its permissions.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from armistice.models import KIND_BY_FOLDER, Record
from armistice.records.files import escapes, model_at
from armistice.records.findings import Finding
from armistice.records.loading import LoadError, decode, parse_text, read_bytes, reads_as_text
from armistice.records.schemas import schema_comment

WIDTH = 4096
_DATE_SHAPE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2})?)?)?$")
_YAML11 = yaml.resolver.Resolver()


class FormatError(Exception):
    """Formatting would change the record's meaning (a bug, never written to disk)."""


def _needs_quotes(value: str) -> bool:
    """True when a plain scalar would not read back as this string under YAML 1.1 or our loader."""
    if not reads_as_text(value) or _DATE_SHAPE.match(value):
        return True
    return _YAML11.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str"


_ESCAPED_ONLY = re.compile("[^\n\t\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029\ufeff]")
"""Characters YAML can carry only as escapes in a double-quoted string: controls, and the ones a
reader would take for a line break or a byte order mark."""


def _style(value: Any) -> Any:
    if isinstance(value, str):
        if _ESCAPED_ONLY.search(value):
            return DoubleQuotedScalarString(value)
        if "\n" in value:
            return LiteralScalarString(value)
        if _needs_quotes(value):
            return DoubleQuotedScalarString(value)
    return value


def _canon(node: Any, data: Any, model: type[BaseModel] | None, path: tuple) -> Any:
    """Rewrite the round-trip tree in place: our values, model key order, block style."""
    if isinstance(node, CommentedMap) and isinstance(data, dict):
        holder = model_at(model, path) if model is not None else None
        order = list(holder.model_fields) if holder is not None else []
        for key in list(node.keys()):
            node[key] = _canon(node[key], data[str(key)], model, path + (str(key),))
        for key in [k for k in order if k in node]:
            node.move_to_end(key)
        for key in [k for k in list(node.keys()) if k not in order]:
            node.move_to_end(key)
        node.fa.set_block_style()
        return node
    if isinstance(node, CommentedSeq) and isinstance(data, list):
        for index in range(len(node)):
            node[index] = _canon(node[index], data[index], model, path + (index,))
        if len(node):
            node.fa.set_block_style()
        return node
    return _style(data)


def _yaml() -> YAML:
    handler = YAML(typ="rt")
    handler.width = WIDTH
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.preserve_quotes = False
    return handler


def format_text(text: str, model: type[Record] | None, path: str = "<text>") -> str:
    """The canonical form of one record's YAML text. Raises LoadError for unreadable input."""
    ours = parse_text(text, path)
    body = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = body.split("\n")
    if lines and lines[0].startswith("# yaml-language-server:"):
        body = "\n".join(lines[1:])
    handler = _yaml()
    try:
        tree = handler.load(body)
    except YAMLError as error:  # a reading ruamel.yaml does not share with the strict loader
        raise FormatError(f"ruamel.yaml cannot lay this record out ({type(error).__name__}); left as it is") from None
    _canon(tree, ours.data, model, ())
    stream = io.StringIO()
    handler.dump(tree, stream)
    result = stream.getvalue().lstrip("\n")
    if model is not None:
        result = schema_comment(model) + "\n" + result
    try:
        again = parse_text(result, path)
    except LoadError:  # the error would point into the new text, not the file: say what happened
        raise FormatError(f"{path}: formatting would change the record; left as it is") from None
    if again.data != ours.data:
        raise FormatError(f"{path}: formatting would change the record; left as it is")
    return result


def model_for(path: Path) -> type[Record] | None:
    return KIND_BY_FOLDER.get(path.parent.name)


def format_file(path: Path, shown: str, *, write: bool, root: Path | None = None) -> bool:
    """Format one file; returns True when it was (or would be) changed. Raises :class:`LoadError`
    for what validation refuses too (a symbolic link out of ``root``, by default the folder above
    the kind folder; a file that is not a regular one, too large, or not strict UTF-8 YAML).

    The new text is written to a temporary file beside the record, with the record's permissions,
    and moved over it: a reader sees the old file or the new one, never half of one.
    """
    problem = escapes(path, root if root is not None else path.parent.parent)
    if problem:
        raise LoadError(Finding(shown, 1, 1, "(file)", problem))
    raw = read_bytes(path, shown)
    text = decode(raw, shown)
    result = format_text(text, model_for(path), shown)
    if result.encode("utf-8") == raw:
        return False
    if write:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(result)
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return True
