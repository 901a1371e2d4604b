"""Findings: located problems, reported as ``path:line:col: field: message``.

Every stage (loading, model validation, cross-record checks) reports problems the same way, so a
curator sees all of them in one run, each pointing at the offending value in the file.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
"""A note is no problem: it states what the curator should know (such as what a page does not give)."""

FieldPath = tuple[str | int, ...]


def format_field(path: FieldPath) -> str:
    """``("messages", 1, "sent")`` -> ``messages[1].sent``; the empty path is the whole record."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(record)"


def printable(text: str) -> str:
    """``text`` with every control, format and line-separator character written as an escape
    (``\\n``, ``\\x1b``, ``\\u202e``), so that a file name or key cannot forge a line of output or
    send escape sequences to the terminal; a space other than the plain one (``\\xa0``) is written so
    too, or a key that begins with it would look like the key without it."""
    if text.isprintable():
        return text
    return "".join(
        char if char == " " or unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp", "Zs") else _escape(char)
        for char in text
    )


def _escape(char: str) -> str:
    """One character as Python writes it in a string literal (``\\xa0``, ``\\u2003``)."""
    text = repr(char)[1:-1]
    return text if text != char else f"\\u{ord(char):04x}"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file, with 1-based line and column of the value it concerns."""

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = f"{printable(self.path)}:{self.line}:{self.column}: "
        if self.severity != "error":
            prefix += f"{self.severity}: "
        return f"{prefix}{printable(self.field)}: {printable(self.message)}"


def summary(findings: Iterable[Finding], files: int) -> str:
    """The count line printed after the findings."""
    items = list(findings)
    errors = sum(1 for f in items if f.severity == "error")
    warnings = sum(1 for f in items if f.severity == "warning")
    notes = len(items) - errors - warnings
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"  # noqa: E731
    counted = f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    if notes:
        counted += f", {plural(notes, 'note')}"
    return f"{counted} in {plural(files, 'file')}"


def to_json(findings: Iterable[Finding], files: int) -> str:
    """The same findings as JSON, for editors and scripts."""
    items = sorted(findings)
    return json.dumps(
        {
            "files": files,
            "errors": sum(1 for f in items if f.severity == "error"),
            "warnings": sum(1 for f in items if f.severity == "warning"),
            "notes": sum(1 for f in items if f.severity == "note"),
            "findings": [asdict(f) for f in items],
        },
        indent=2,
        ensure_ascii=False,
    )
