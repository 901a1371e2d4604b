"""Identity rules: a record's file is named after its id, and a withdrawn id is never used again.

Ids unique within their kind are settled while loading (:func:`armistice.records.files.admit` and
the engine), since which of two records sharing an id is kept decides what is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from armistice.records.files import Entry
from armistice.records.findings import Finding
from armistice.rules.context import Context
from armistice.rules.rule import at


def check_file_name(entry: Entry, context: Context) -> Iterator[Finding]:
    """The file name is the id: ``li-kenong`` lives in ``li-kenong.yaml``."""
    stem = entry.file.name.removesuffix(".yaml")
    if stem != entry.record.id:
        yield at(entry, ("id",), f"id {entry.record.id!r} differs from the file name {entry.file.name!r}; "
                 f"name the file {entry.record.id}.yaml")


def check_not_withdrawn(entry: Entry, context: Context) -> Iterator[Finding]:
    """Ids are never reused: a withdrawn id stays withdrawn."""
    kind = entry.record.record_kind
    stone = context.tombstones.get((kind, entry.record.id))
    if stone is not None and kind != "tombstone":
        yield at(entry, ("id",), f"id {stone.id!r} was withdrawn in version {stone.withdrawn_in} "
                 f"({context.tombstone_paths[(kind, stone.id)]}); ids are never reused: choose another")
