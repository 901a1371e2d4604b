"""Provenance: every identification, side, role and event date that cites a document's words is found in it.

People and places say on what their identification, side and roles rest (:class:`armistice.models.Attestation`,
:class:`armistice.models.Role`). An attestation in the document's words must quote that document's text;
one in the archive's words must quote the page's title, summary or citation, or a bracketed insertion
in the text (the editors' words, such as ``[Stalin]``). The curators' basis carries its reason (the
models refuse one without). Since people and places are checked before the documents stream past,
this rule collects every quotation from the registry once, checks each against its document when that
document is checked (in whichever worker), and reports at the end the quotations no document held.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from armistice.models import NAMED_KINDS, Attestation, Basis, Document, Event, Person, Role
from armistice.records.files import Entry
from armistice.records.findings import FieldPath, Finding
from armistice.rules.context import Context
from armistice.rules.fidelity import squash
from armistice.rules.rule import at

KINDS = NAMED_KINDS
"""The kinds of record whose assertions carry a basis."""

Quote = tuple[str, str, FieldPath]
"""A quotation to find: the record's kind, its id, and the field path of the attestation or role."""


def quotations(record: object) -> Iterator[tuple[FieldPath, str, str, str]]:
    """Every ``(path, document, words, basis)`` an identification, side or role quotes."""
    for name in ("identified_by", "side_basis"):
        for index, item in enumerate(getattr(record, name, [])):
            if isinstance(item, Attestation) and item.basis is not Basis.CURATORS and item.document and item.words:
                yield (name, index), item.document, item.words, item.basis.value
    for index, role in enumerate(getattr(record, "roles", [])):
        if isinstance(role, Role):
            yield ("roles", index), role.document, role.words, Basis.DOCUMENT.value


def holds(doc: Document, words: str, basis: str) -> bool:
    """Whether ``doc`` holds ``words`` as the basis says: in its text for the document's words; in its
    page's title, summary or citation, or as a bracketed insertion of its text, for the archive's."""
    wanted = squash(words)
    if basis == Basis.DOCUMENT.value:
        return wanted in squash(doc.text)
    editorial = (doc.title, doc.source.summary or "", doc.source.citation or "")
    if any(wanted in squash(part) for part in editorial):
        return True
    return "[" in wanted and wanted in squash(doc.text)


_Index = dict[str, list[tuple[str, str, FieldPath, str, str]]]
_CACHE: list[tuple[object, _Index]] = []


def _by_document(context: Context) -> _Index:
    """The registry's quotations by the document they quote, worked out once per registry (per process;
    the registry itself is kept with them, so a new registry is never mistaken for it)."""
    if not _CACHE or _CACHE[0][0] is not context.registry:
        index: _Index = {}
        for kind in KINDS:
            for registered in context.registry.entries(kind):
                for path, document, words, basis in quotations(registered.record):
                    index.setdefault(document, []).append((kind, registered.record.id, path, words, basis))
        _CACHE[:] = [(context.registry, index)]
    return _CACHE[0][1]


@dataclass
class Provenance:
    """Quotations of the registry found in the documents checked (what it gathers: their keys)."""

    found: set[tuple[str, str, FieldPath]] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    dated: set[str] = field(default_factory=set)
    """Events whose date words a reporting document holds."""
    reported: set[str] = field(default_factory=set)
    """Events some document reports (one no document reports has its own warning)."""

    def check(self, entry: Entry, context: Context) -> Iterator[Finding]:
        """A side without its basis, on a person; on a document, which quotations of the registry it holds."""
        if isinstance(entry.record, Person) and entry.record.side is not None and not entry.record.side_basis:
            yield at(entry, ("side",), "a side needs its basis (side_basis): whose words state it, or the curators' reason")
        if not isinstance(entry.record, Document):
            return
        doc = entry.record
        self.documents.add(doc.id)
        for kind, record_id, path, words, basis in _by_document(context).get(doc.id, ()):
            if holds(doc, words, basis):
                self.found.add((kind, record_id, path))
        self.reported.update(doc.events)
        for event_id in doc.events:
            event = context.get("event", event_id)
            if isinstance(event, Event) and event.date_words and holds(doc, event.date_words, Basis.DOCUMENT.value):
                self.dated.add(event_id)

    def merge(self, other: Provenance) -> None:
        self.found |= other.found
        self.documents |= other.documents
        self.dated |= other.dated
        self.reported |= other.reported

    def finish(self, context: Context) -> Iterator[Finding]:
        """Each quotation no document held (unless its document did not load: that is reported already)."""
        if not self.documents:
            return
        for kind in KINDS:
            for registered in context.registry.entries(kind):
                for path, document, words, basis in quotations(registered.record):
                    if (kind, registered.record.id, path) in self.found or document in context.unreadable["document"]:
                        continue
                    if document not in self.documents:
                        continue  # an unknown document: the reference rule reports it
                    where = ("its text" if basis == Basis.DOCUMENT.value
                             else "its page's title, summary or citation, nor as a bracketed insertion in its text")
                    yield at(registered, path + ("words",), f"document {document!r} does not have {words!r} in {where}: "
                             f"a basis in the {basis}'s words must quote them exactly")
        if context.unreadable["document"]:
            return
        for registered in context.registry.entries("event"):
            event = registered.record
            if isinstance(event, Event) and event.date_words and event.id in self.reported and event.id not in self.dated:
                yield at(registered, ("date_words",), f"{event.date_words!r} is in no document that reports this event: "
                         "the date's basis must quote a reporting document exactly")
