"""Drafted records: every value ``armistice draft`` left open is an error until the curator decides it.

A draft never invents: what it cannot read from the page it leaves out, or proposes, and names in
``draft_open``. Each entry is reported where it stands, so a draft cannot be built or released before
a person has checked each one and removed the entry. A required value the draft had to word itself
(a reference's description, a repair's reason) starts with ``drafted: ``; it is reported wherever
it stands, even once its entry is gone, so a placeholder cannot be published by deleting the entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from armistice.models import PLACEHOLDER, Document
from armistice.records.files import Entry
from armistice.records.findings import FieldPath, Finding
from armistice.rules.context import Context
from armistice.rules.rule import at

_NOT_WALKED = {"draft_open", "text"}
"""What is not looked through for placeholders: the open entries (reported above) and the text."""

_PLACEHOLDER_JSON = '"' + PLACEHOLDER
"""How a string value starting with :data:`PLACEHOLDER` starts in JSON: its opening quote, then the
placeholder, which holds nothing JSON escapes. A document whose JSON lacks it has no placeholder,
so the slower walk through its values as Python objects is needed only when it is there."""

_JSON_AS_IS = PLACEHOLDER.isascii() and PLACEHOLDER.isprintable() and not {'"', "\\"} & set(PLACEHOLDER)


def _placeholders(value: Any, path: FieldPath) -> Iterator[FieldPath]:
    if isinstance(value, str) and value.startswith(PLACEHOLDER):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _placeholders(item, path + (index,))


def check_open(entry: Entry, context: Context) -> Iterator[Finding]:
    """One finding per open value of a drafted document, and one per placeholder left in it."""
    if isinstance(entry.record, Document):
        for index, what in enumerate(entry.record.draft_open):
            yield at(entry, ("draft_open", index), f"left open by armistice draft: {what}; decide it from the "
                     "page, then remove this entry")
        if _JSON_AS_IS and _PLACEHOLDER_JSON not in entry.record.model_dump_json(exclude=_NOT_WALKED):
            return  # no value starts with it: the JSON holds every string value whole, quoted
        data = entry.record.model_dump(mode="json", exclude=_NOT_WALKED)
        for path in _placeholders(data, ()):
            yield at(entry, path, "a placeholder armistice draft wrote: replace it with the curator's words")
