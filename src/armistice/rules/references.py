"""Reference rules: every id a record uses resolves, and every event is reported by some document.

References are found generically from the ``Ref`` markers on the model fields, so a new reference
field is checked without code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import BaseModel

from armistice.models import KIND_BY_NAME, Document, Tombstone, reference_values
from armistice.records.files import Entry
from armistice.records.findings import FieldPath, Finding
from armistice.rules.context import Context
from armistice.rules.rule import at


def references(model: BaseModel) -> Iterator[tuple[FieldPath, str, str]]:
    """Every ``(field path, kind, id)`` a record refers to, found from the ``Ref`` markers."""
    return reference_values(model)


@dataclass
class Unresolved:
    """A reference to an id no record of the registry has: reported at the end unless resolved."""

    finding: Finding
    kind: str
    value: str


@dataclass
class References:
    """Every id resolves, and a tombstone's replacement exists.

    A reference to an id the registry lacks is held back as :class:`Unresolved` until every record
    has been checked, since the record it names may turn up later (a document) or be known broken
    (already reported once); so this rule gathers the ids of the documents checked.
    """

    documents: set[str] = field(default_factory=set)
    unresolved: list[Unresolved] = field(default_factory=list)

    def check(self, entry: Entry, context: Context) -> Iterator[Finding]:
        if isinstance(entry.record, Document):
            self.documents.add(entry.record.id)
        for path, target, value in references(entry.record):
            if context.get(target, value) is not None:
                continue
            stone = context.tombstones.get((target, value))
            if stone is not None:
                instead = f"; use {stone.replaced_by!r}" if stone.replaced_by else ""
                yield at(entry, path, f"{target} {value!r} was withdrawn in version {stone.withdrawn_in}{instead}")
            else:
                finding = at(entry, path, f"unknown {target} {value!r} (no {KIND_BY_NAME[target].folder}/{value}.yaml)")
                self.unresolved.append(Unresolved(finding, target, value))

    def merge(self, other: References) -> None:
        self.documents |= other.documents
        self.unresolved.extend(other.unresolved)

    def finish(self, context: Context) -> Iterator[Finding]:
        for item in self.unresolved:  # except a reference to a record that failed to load: already reported
            if not self._exists(context, item.kind, item.value) and item.value not in context.unreadable[item.kind]:
                yield item.finding
        for entry in context.registry.entries("tombstone"):
            stone = entry.record
            assert isinstance(stone, Tombstone)
            kind = stone.kind.value
            if stone.replaced_by and not self._exists(context, kind, stone.replaced_by):
                yield at(entry, ("replaced_by",), f"unknown {kind} {stone.replaced_by!r}")

    def _exists(self, context: Context, kind: str, record_id: str) -> bool:
        return context.get(kind, record_id) is not None or (kind == "document" and record_id in self.documents)


@dataclass
class EventsReported:
    """Every event is listed under some document's ``events`` (a warning: it may be reported later)."""

    reported: set[str] = field(default_factory=set)
    documents: int = 0
    """Documents checked: with none (a single event file validated alone) nothing is reported."""

    def check(self, entry: Entry, context: Context) -> Iterator[Finding]:
        if isinstance(entry.record, Document):
            self.documents += 1
            self.reported.update(entry.record.events)
        return iter(())

    def merge(self, other: EventsReported) -> None:
        self.reported |= other.reported
        self.documents += other.documents

    def finish(self, context: Context) -> Iterator[Finding]:
        if not self.documents:
            return
        for entry in context.registry.entries("event"):
            if entry.record.id not in self.reported:
                yield at(entry, ("id",), "no document reports this event (list it under a document's events)",
                         "warning")
