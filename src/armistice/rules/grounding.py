"""Grounding: the people, places and organisations a document links are named in it, and every recorded name is used.

Every person and place a document claims must occur in its title, summary or text under a recorded
spelling or code name (whole words, ignoring case); a recorded name that occurs but whose record
the document does not link is a warning; and every recorded spelling must occur in some document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from armistice.models import KIND_BY_NAME, NAMED_KINDS, Document, reference_values
from armistice.records.files import Entry
from armistice.records.findings import FieldPath, Finding
from armistice.rules.context import Context
from armistice.rules.names import names_of
from armistice.rules.rule import at

KINDS = NAMED_KINDS
"""The kinds of record a document names in its words."""


def document_corpus(doc: Document) -> str:
    """What a document's names are grounded in: its title, the archive's summary and its text."""
    return "\n".join(part for part in (doc.title, doc.source.summary, doc.text) if part)


def claims(doc: Document) -> dict[str, list[tuple[FieldPath, str]]]:
    """Every person and place the document links, by kind, with the field that links them."""
    found: dict[str, list[tuple[FieldPath, str]]] = {kind: [] for kind in KINDS}
    for path, kind, value in reference_values(doc, kinds=_KINDS):
        found[kind].append((path, value))
    return found


_KINDS = frozenset(KINDS)


def claimed_people(doc: Document) -> list[tuple[FieldPath, str]]:
    return claims(doc)["person"]


def claimed_places(doc: Document) -> list[tuple[FieldPath, str]]:
    return claims(doc)["place"]


@dataclass
class Grounding:
    """Links are named, names are linked; and, once every document is checked, every name was used.

    What it gathers: the recorded names found in the documents checked, by kind, and whether a
    document was checked at all (a person validated alone is not reported for names no document uses).
    """

    named: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    documents: int = 0

    def check(self, entry: Entry, context: Context) -> Iterator[Finding]:
        if not isinstance(entry.record, Document):
            return
        doc = entry.record
        self.documents += 1
        corpus = document_corpus(doc)
        linked_by_kind = claims(doc)
        for kind in KINDS:
            present = context.index[kind].present(corpus)
            if present:
                self.named[kind] |= present
            linked: set[str] = set()
            for path, value in linked_by_kind[kind]:
                linked.add(value)
                record = context.get(kind, value)
                if record is not None and present.isdisjoint(names_of(record)):  # type: ignore[arg-type]
                    yield at(entry, path, f"{kind} {value!r} is not named in this document under any recorded "
                             f"spelling ({', '.join(names_of(record))})")  # type: ignore[arg-type]
            if not present:
                continue
            owners = context.owners[kind]
            unlinked = {record.id: names for name in present for record, names in owners[name]
                        if record.id not in linked}
            for record_id in sorted(unlinked):
                found = [n for n in unlinked[record_id] if n in present]
                links = f"mentioned_{KIND_BY_NAME[kind].folder}"
                yield at(entry, ("text",), f"the text names {found[0]!r} ({kind} {record_id!r}) "
                         f"but the document does not link it; add it to {links}", "warning")

    def merge(self, other: Grounding) -> None:
        for kind in KINDS:
            self.named[kind] |= other.named[kind]
        self.documents += other.documents

    def finish(self, context: Context) -> Iterator[Finding]:
        """Every recorded spelling occurs in some document (unless a document failed to load: its
        names would be reported again)."""
        if not self.documents or context.unreadable["document"]:
            return
        for kind in KINDS:
            for entry in context.registry.entries(kind):
                for names in ("spellings", "code_names"):
                    for index, name in enumerate(getattr(entry.record, names, [])):
                        if name not in self.named[kind]:
                            yield at(entry, (names, index), f"{name!r} occurs in no document's title, summary or text")
