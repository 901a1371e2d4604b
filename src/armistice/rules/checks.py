"""Cross-record rules: what no single-record schema can say.

- identity: the file name is the id; ids are unique within their kind;
- references: every person, place, topic and event id used anywhere resolves (found generically
  from the ``Ref`` markers on the model fields, so a new reference field is checked without code);
- chronology: a quoted message is not dated after the document that forwards it, an earlier
  telegram it refers to is not dated after it, a telegram is not received before it was sent or
  dated, the cipher office does not handle it before receiving it, an event is not reported before
  it happened; clock times are local, so comparisons allow :data:`armistice.dates.CLOCK_MARGIN`;
- grounding: every person and place a document claims occurs in its title, summary or text under a
  recorded spelling, every recorded spelling occurs somewhere, and a name that occurs but is not
  linked is a warning;
- faithfulness: every verbatim field (``as_written``, quoted messages, agenda items ...) is found in
  the document's text, and the text equals the kept source transcription up to whitespace and the
  recorded corrections.
"""

from __future__ import annotations

import hashlib
import re
import typing
from functools import lru_cache
from pathlib import Path
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

from pydantic import BaseModel

from armistice import dates
from armistice.records.findings import Finding, FieldPath, format_field
from armistice.models import Document, Event, Person, Place, Record, Ref, split_annotation
from armistice.records.files import Collection, Entry

Check = Callable[["Entry", "Context"], Iterator[Finding]]


def _at(entry: Entry, path: FieldPath, message: str, severity: str = "error", *, key: bool = False) -> Finding:
    line, column = entry.loaded.position(path, key=key)
    return Finding(entry.loaded.path, line, column, format_field(path), message, severity)  # type: ignore[arg-type]


def squash(text: str) -> str:
    """Whitespace-insensitive form used to compare texts: runs of whitespace become one space."""
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# The context a record is checked in
# --------------------------------------------------------------------------------------------


@dataclass
class Unresolved:
    """A reference to an id no record of the registry has: reported at the end unless resolved."""

    finding: Finding
    kind: str
    value: str


@dataclass
class Context:
    """What one record is checked against, and what the collection-wide rules gather on the way.

    ``registry`` holds the records that are not documents (people, places, topics, events,
    tombstones): few, loaded first and shared with every worker. Documents are checked one at a
    time against it, so an archive of any size is never held in memory at once.
    """

    registry: Collection
    base: Path
    tombstones: dict[tuple[str, str], Any] = field(default_factory=dict)
    tombstone_paths: dict[tuple[str, str], str] = field(default_factory=dict)
    index: dict[str, "NameIndex"] = field(default_factory=dict)
    owners: dict[str, dict[str, list[tuple[Any, list[str]]]]] = field(default_factory=dict)
    # gathered while checking
    documents: set[str] = field(default_factory=set)
    reported: set[str] = field(default_factory=set)
    named: dict[str, set[str]] = field(default_factory=lambda: {"person": set(), "place": set()})
    unresolved: list[Unresolved] = field(default_factory=list)
    unreadable: dict[str, set[str]] = field(default_factory=dict)

    def get(self, kind: str, record_id: str) -> Record | None:
        return self.registry.get(kind, record_id)

    def exists(self, kind: str, record_id: str) -> bool:
        return self.get(kind, record_id) is not None or (kind == "document" and record_id in self.documents)

    def fresh(self) -> "Context":
        """The same registry with nothing gathered yet (for a worker)."""
        return replace(self, documents=set(), reported=set(), named={"person": set(), "place": set()}, unresolved=[])


def make_context(collection: Collection, base: Path | None = None) -> Context:
    """The context for checking records against ``collection``'s registry.

    ``base`` is where ``sources/`` lies: by default the folder holding the records root.
    """
    if base is None:
        base = collection.root.parent if collection.root else Path.cwd()
    context = Context(registry=collection, base=base, unreadable=collection.unreadable)
    for entry in collection.entries("tombstone"):
        key = (entry.record.kind.value, entry.record.id)
        context.tombstones[key] = entry.record
        context.tombstone_paths[key] = entry.loaded.path
    for kind in ("person", "place"):
        owners: dict[str, list[tuple[Any, list[str]]]] = {}
        for entry in collection.entries(kind):
            names = _names(entry.record)  # type: ignore[arg-type]
            for name in names:
                owners.setdefault(name, []).append((entry.record, names))
        context.owners[kind] = owners
        context.index[kind] = NameIndex(owners)
    return context


# --------------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------------


def check_identity(entry: Entry, context: Context) -> Iterator[Finding]:
    stem = entry.file.name.removesuffix(".yaml")
    if stem != entry.record.id:
        yield _at(entry, ("id",), f"id {entry.record.id!r} differs from the file name {entry.file.name!r}; "
                  f"name the file {entry.record.id}.yaml")


# --------------------------------------------------------------------------------------------
# References
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _plan(model: type[BaseModel]) -> tuple[tuple[str, str, Any], ...]:
    """The fields of ``model`` that can hold a reference, worked out once per model class.

    Each entry is ``(field, how, what)``: ``("ref", kind)`` for an id, ``("refs", kind)`` for a list
    of ids, ``("model", None)`` for a nested model and ``("models", None)`` for a list of them.
    """
    plan = []
    for name, info in model.model_fields.items():
        base, metadata, _ = split_annotation(info.annotation)
        metadata = list(info.metadata) + metadata
        kinds = [m.kind for m in metadata if isinstance(m, Ref)]
        if isinstance(base, type) and issubclass(base, BaseModel):
            plan.append((name, "model", None))
        elif typing.get_origin(base) is list and typing.get_args(base):
            item, item_metadata, _ = split_annotation(typing.get_args(base)[0])
            item_kinds = [m.kind for m in item_metadata if isinstance(m, Ref)]
            if isinstance(item, type) and issubclass(item, BaseModel):
                plan.append((name, "models", None))
            elif item_kinds:
                plan.append((name, "refs", item_kinds[0]))
        elif kinds:
            plan.append((name, "ref", kinds[0]))
    return tuple(plan)


def references(model: BaseModel, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str, str]]:
    """Every ``(field path, kind, id)`` a record refers to, found from the ``Ref`` markers."""
    for name, how, kind in _plan(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        if how == "ref":
            yield path + (name,), kind, value
        elif how == "refs":
            for index, item in enumerate(value):
                yield path + (name, index), kind, item
        elif how == "model":
            yield from references(value, path + (name,))
        else:
            for index, item in enumerate(value):
                yield from references(item, path + (name, index))


FOLDERS = {"person": "people", "place": "places", "topic": "topics", "event": "events", "document": "documents"}


def check_references(entry: Entry, context: Context) -> Iterator[Finding]:
    """Every id resolves; one that does not is held back as :class:`Unresolved` until the end of the
    run, since the record it names may turn up later (a document) or be known broken (reported once)."""
    for path, target, value in references(entry.record):
        if context.get(target, value) is not None:
            continue
        stone = context.tombstones.get((target, value))
        if stone is not None:
            instead = f"; use {stone.replaced_by!r}" if stone.replaced_by else ""
            yield _at(entry, path, f"{target} {value!r} was withdrawn in version {stone.withdrawn_in}{instead}")
        else:
            finding = _at(entry, path, f"unknown {target} {value!r} (no {FOLDERS[target]}/{value}.yaml)")
            context.unresolved.append(Unresolved(finding, target, value))


def check_tombstones(entry: Entry, context: Context) -> Iterator[Finding]:
    """Ids are never reused: a withdrawn id stays withdrawn."""
    stone = context.tombstones.get((entry.record.record_kind, entry.record.id))
    if stone is not None and entry.record.record_kind != "tombstone":
        yield _at(entry, ("id",), f"id {stone.id!r} was withdrawn in version {stone.withdrawn_in} "
                  f"({context.tombstone_paths[(entry.record.record_kind, stone.id)]}); ids are never reused: choose another")


# --------------------------------------------------------------------------------------------
# Chronology
# --------------------------------------------------------------------------------------------


def _not_after(entry: Entry, path: FieldPath, earlier: str, later: str, what: str) -> Iterator[Finding]:
    if not dates.may_precede(earlier, later):
        yield _at(entry, path, f"{earlier} is after {later}: {what}")


def check_chronology(entry: Entry, context: Context) -> Iterator[Finding]:
    """Each impossible order is reported once, at the value most likely wrong."""
    if isinstance(entry.record, Document):
        doc = entry.record
        received_ok = doc.received is None or dates.may_precede(doc.date, doc.received.at)
        for index, message in enumerate(doc.messages):
            here = ("messages", index)
            if message.sent:
                after_date = list(_not_after(entry, here + ("sent", "at"), message.sent.at, doc.date,
                                             "a quoted message cannot be dated after the document that forwards it"))
                yield from after_date
                if doc.received and received_ok and not after_date:
                    yield from _not_after(entry, here + ("sent", "at"), message.sent.at, doc.received.at,
                                          "a quoted message cannot be sent after the document was received")
            if message.sent and message.received:
                yield from _not_after(entry, here + ("received", "at"), message.sent.at, message.received.at,
                                      "a message cannot be received before it was sent")
            for ref_index, ref in enumerate(message.refers_to):
                if ref.date and message.sent:
                    yield from _not_after(entry, here + ("refers_to", ref_index, "date"), ref.date, message.sent.at,
                                          "a telegram referred to cannot be dated after the message citing it")
        if doc.received:
            yield from _not_after(entry, ("received", "at"), doc.date, doc.received.at,
                                  "a telegram cannot be received before its date")
            if doc.origin and doc.origin.time:
                yield from _not_after(entry, ("origin", "time"), doc.origin.time, doc.received.at,
                                      "the time beside the origin cannot be after receipt")
            for index, note in enumerate(doc.handling):
                if note.at:
                    yield from _not_after(entry, ("handling", index, "at"), doc.received.at, note.at,
                                          "the cipher office cannot handle a telegram before receiving it")
        for index, event_id in enumerate(doc.events):
            event = context.get("event", event_id)
            if isinstance(event, Event):
                yield from _not_after(entry, ("events", index), event.date, doc.date,
                                      f"event {event_id!r} is dated after the document reporting it")


# --------------------------------------------------------------------------------------------
# Grounding
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=None)  # one per recorded name: bounded by the registry
def _pattern(spelling: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(spelling) + r"(?!\w)", re.IGNORECASE)


def occurs(spelling: str, text: str) -> bool:
    """Whole-word, case-insensitive occurrence: 'Korea' does not occur in 'Korean'."""
    return _pattern(spelling).search(text) is not None


def _names(record: Person | Place) -> list[str]:
    return list(record.spellings) + list(getattr(record, "code_names", []))


def document_corpus(doc: Document) -> str:
    """What a document's names are grounded in: its title, the archive's summary and its text."""
    return "\n".join((doc.title, doc.source.summary, doc.text))


def claims(doc: Document) -> dict[str, list[tuple[FieldPath, str]]]:
    """Every person and place the document links, by kind, with the field that links them."""
    found: dict[str, list[tuple[FieldPath, str]]] = {"person": [], "place": []}
    for path, kind, value in references(doc):
        if kind in found:
            found[kind].append((path, value))
    return found


def claimed_people(doc: Document) -> list[tuple[FieldPath, str]]:
    return claims(doc)["person"]


def claimed_places(doc: Document) -> list[tuple[FieldPath, str]]:
    return claims(doc)["place"]


_TOKEN = re.compile(r"\w+")


@lru_cache(maxsize=None)
def _caseless(char: str) -> bool:
    return char.lower() == char == char.upper()


_UNUSUAL = re.compile("[^\x00-\x7f°№]")  # beyond ASCII and the caseless signs the sources use


def _plain(text: str) -> bool:
    """True when every letter with a case is ASCII: then ``re.IGNORECASE`` equates exactly the
    characters ``str.lower`` equates (it also equates 'ı' and 'i', 'ſ' and 's', the Kelvin sign and
    'k', which only a text with such letters can contain)."""
    if text.isascii() or _UNUSUAL.search(text) is None:
        return True
    return all(_caseless(char) for char in set(text) if char > "\x7f")


class _Keys(dict):
    """``str.translate`` table for texts that are not plain: a key in which every pair of characters
    ``re.IGNORECASE`` equates is equal. ASCII letters are lowercased, but 'i', 's', 'k' and every
    non-ASCII letter with a case become 'x' (coarse, but never splits an equated pair); a character
    that has a case but is not a word character (a combining mark) makes the key unusable (None)."""

    def __missing__(self, code: int) -> Any:
        char = chr(code)
        if _caseless(char):
            key: Any = char
        elif not char.isalnum():
            raise LookupError(char)
        elif char.isascii() and char.lower() not in "isk":
            key = char.lower()
        else:
            key = "x"
        self[code] = key
        return key


_KEYS = _Keys()


def _key(text: str) -> str | None:
    try:
        return text.translate(_KEYS)
    except LookupError:
        return None


class NameIndex:
    """Which recorded names occur in a text, without trying every name of the registry on it.

    Trying each of P names on each of D documents costs D x P regex searches: minutes at archive
    scale. A name can only occur (whole-word, case-insensitive) if its first word, compared by a key
    that keeps apart nothing ``re.IGNORECASE`` equates, is one of the text's words; those words pick
    the few candidates, and the pattern of :func:`occurs`, tried only where the name's key starts in
    the text's key, decides. The result is exactly the names for which :func:`occurs` holds (a
    property-based test compares them). Plain texts (every cased letter ASCII, the usual case) are
    keyed by ``str.lower``; others by :class:`_Keys`; what neither can key is searched in full.
    """

    def __init__(self, names: Iterable[str]):
        # name -> (key, the key's words): a candidate must have all its words in the text
        self.by_word: dict[str, list[tuple[str, str, frozenset[str]]]] = {}  # plain texts, by lowercased first word
        self.by_key: dict[str, list[tuple[str, str, frozenset[str]]]] = {}  # other texts, by keyed first word
        self.always: list[str] = []  # searched in every text
        self.names = sorted(set(names))
        for name in self.names:
            lowered = name.lower() if _plain(name) else ""
            words = _TOKEN.findall(lowered)
            keyed = _key(name)
            key_words = _TOKEN.findall(keyed) if keyed is not None else []
            if not words or not key_words:
                self.always.append(name)  # no word character, or letters only a full search can compare
                continue
            self.by_word.setdefault(words[0], []).append((name, lowered, frozenset(words)))
            self.by_key.setdefault(key_words[0], []).append((name, keyed, frozenset(key_words)))  # type: ignore[arg-type]

    def present(self, text: str) -> set[str]:
        """The names that occur in ``text``."""
        plain, folded, words = _analyse(text)
        if folded is None:
            return {name for name in self.names if occurs(name, text)}
        table = self.by_word if plain else self.by_key
        found = {name for name in self.always if occurs(name, text)}
        for word in table.keys() & words:
            for name, key, needed in table[word]:
                if needed <= words and _occurs_at(name, text, folded, key):
                    found.add(name)
        return found


@lru_cache(maxsize=4)
def _analyse(text: str) -> tuple[bool, str | None, set[str]]:
    """Whether the text is plain, its key, and the words of its key (kept for the next index asking)."""
    plain = _plain(text)
    folded = text.lower() if plain else _key(text)
    return plain, folded, set(_TOKEN.findall(folded)) if folded is not None else set()


def _occurs_at(name: str, text: str, folded: str, key: str) -> bool:
    """:func:`occurs`, trying the pattern only where the name's key starts in the text's key (both
    keep every character one character long, so positions agree)."""
    pattern = _pattern(name)
    start = folded.find(key)
    while start != -1:
        if pattern.match(text, start):
            return True
        start = folded.find(key, start + 1)
    return False


def check_grounding(entry: Entry, context: Context) -> Iterator[Finding]:
    """The people and places a document links are named in it, and those it names are linked.

    The names found are kept in ``context.named``, for the rule that every recorded spelling occurs
    somewhere (:func:`check_names_occur`).
    """
    if not isinstance(entry.record, Document):
        return
    doc = entry.record
    corpus = document_corpus(doc)
    linked_by_kind = claims(doc)
    for kind in ("person", "place"):
        present = context.index[kind].present(corpus)
        context.named[kind] |= present
        linked: set[str] = set()
        for path, value in linked_by_kind[kind]:
            linked.add(value)
            record = context.get(kind, value)
            if record is not None and not any(n in present for n in _names(record)):  # type: ignore[arg-type]
                yield _at(entry, path, f"{kind} {value!r} is not named in this document under any recorded "
                          f"spelling ({', '.join(_names(record))})")  # type: ignore[arg-type]
        unlinked = {record.id: names for name in present for record, names in context.owners[kind][name]
                    if record.id not in linked}
        for record_id in sorted(unlinked):
            found = [n for n in unlinked[record_id] if n in present]
            field = "mentioned_people" if kind == "person" else "mentioned_places"
            yield _at(entry, ("text",), f"the text names {found[0]!r} ({kind} {record_id!r}) "
                      f"but the document does not link it; add it to {field}", "warning")


# --------------------------------------------------------------------------------------------
# Faithfulness to the source
# --------------------------------------------------------------------------------------------

# Verbatim fields quoted from somewhere other than the document's text: the archive's description
# (``source``) and the citation (``archival_references``, checked against it below).
_CHECKED_ELSEWHERE = {"source", "archival_references"}
_VERBATIM_FIELDS = {"as_written", "issuer", "signature", "salutation", "addressed_as", "distribution_as_written"}


@lru_cache(maxsize=None)
def _verbatim_plan(model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """The fields of ``model`` to visit for verbatim text: ``(field, "text" | "model" | "models")``."""
    plan = []
    for name, info in model.model_fields.items():
        if name in _CHECKED_ELSEWHERE:
            continue
        base = split_annotation(info.annotation)[0]
        item = typing.get_args(base)[0] if typing.get_origin(base) is list and typing.get_args(base) else None
        if isinstance(base, type) and issubclass(base, BaseModel):
            plan.append((name, "model"))
        elif item is not None and isinstance(split_annotation(item)[0], type) and issubclass(split_annotation(item)[0], BaseModel):
            plan.append((name, "models"))
        elif name in _VERBATIM_FIELDS:
            plan.append((name, "text"))
    return tuple(plan)


def _verbatim(model: BaseModel, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    for name, how in _verbatim_plan(type(model)):
        value = getattr(model, name)
        if value is None:
            continue
        if how == "model":
            yield from _verbatim(value, path + (name,))
        elif how == "models":
            for index, item in enumerate(value):
                yield from _verbatim(item, path + (name, index))
        elif isinstance(value, str):
            yield path + (name,), value


def check_verbatim(entry: Entry, context: Context) -> Iterator[Finding]:
    if isinstance(entry.record, Document):
        doc = entry.record
        text = squash(doc.text)
        seen_ids: dict[str, int] = {}
        for index, message in enumerate(doc.messages):
            if message.id in seen_ids:
                yield _at(entry, ("messages", index, "id"), f"message id {message.id!r} is used twice "
                          f"(also messages[{seen_ids[message.id]}])")
            seen_ids.setdefault(message.id, index)
            body = squash(message.text)
            if body not in text:
                yield _at(entry, ("messages", index, "text"), "the message text is not found verbatim in the "
                          "document's text")
            if message.agenda:
                for item_index, item in enumerate(message.agenda.items):
                    if squash(item.text) not in body:
                        yield _at(entry, ("messages", index, "agenda", "items", item_index, "text"),
                                  "agenda item not found verbatim in the message text")
            for ref_index, ref in enumerate(message.refers_to):
                if squash(ref.as_written) not in body:
                    yield _at(entry, ("messages", index, "refers_to", ref_index, "as_written"),
                              "not found verbatim in the message text")
        for path, value in _verbatim(doc):
            if path[0] == "messages" and path[-1] == "as_written" and "refers_to" in path:
                continue
            if squash(value) not in text:
                yield _at(entry, path, f"{value!r} is not found verbatim in the document's text")
        citation = squash(doc.source.citation)
        for index, reference in enumerate(doc.archival_references):
            if squash(reference.as_written) not in citation:
                yield _at(entry, ("archival_references", index, "as_written"),
                          "not found verbatim in the archive's citation")
        expected = f"https://digitalarchive.wilsoncenter.org/document/{doc.source.record_id}"
        if doc.source.url != expected:
            yield _at(entry, ("source", "url"), f"the canonical address of record {doc.source.record_id} is {expected}")


def source_body(source_text: str, starts_after: str) -> str | None:
    """The document's own text in a kept transcription: everything after the archive's label line."""
    lines = source_text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == starts_after:
            return "\n".join(lines[index + 1:])
    return None


def apply_corrections(body: str, doc: Document) -> tuple[str, list[tuple[int, str]]]:
    """Apply the recorded repairs to the source body; report repairs whose count does not match."""
    problems = []
    for index, correction in enumerate(doc.corrections):
        found = body.count(correction.original)
        if found != correction.count:
            problems.append((index, f"{correction.original!r} occurs {found} time(s) in the source text, "
                                    f"the record says {correction.count}"))
        body = body.replace(correction.original, correction.corrected)
    return body, problems


def _first_difference(ours: str, theirs: str) -> str:
    index = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    start = max(0, index - 30)
    return (f"the text differs from the source at character {index}: record has "
            f"{ours[start:index + 30]!r}, source has {theirs[start:index + 30]!r}")


def check_transcription(entry: Entry, context: Context) -> Iterator[Finding]:
    if isinstance(entry.record, Document) and entry.record.source.transcription is not None:
        doc = entry.record
        kept = doc.source.transcription
        path = context.base / kept.file
        if not path.is_file():
            yield _at(entry, ("source", "transcription", "file"), f"source text {kept.file} not found")
            return
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != kept.sha256:
            yield _at(entry, ("source", "transcription", "sha256"), f"{kept.file} has changed since it was "
                      "recorded: its SHA-256 differs")
        body = source_body(raw.decode("utf-8", errors="replace"), kept.text_starts_after)  # a bad byte shows as a difference
        if body is None:
            yield _at(entry, ("source", "transcription", "text_starts_after"),
                      f"no line {kept.text_starts_after!r} in {kept.file}")
            return
        repaired, problems = apply_corrections(body, doc)
        for index, message in problems:
            yield _at(entry, ("corrections", index, "original"), message)
        ours, theirs = squash(doc.text), squash(repaired)
        if ours != theirs:
            yield _at(entry, ("text",), _first_difference(ours, theirs) + " (only whitespace and recorded "
                      "corrections may differ)")


RECORD_CHECKS: tuple[Check, ...] = (
    check_identity,
    check_references,
    check_tombstones,
    check_chronology,
    check_grounding,
    check_verbatim,
    check_transcription,
)
"""The rules for one record, given the context; run for every record, in parallel for documents."""


def check_record(entry: Entry, context: Context) -> list[Finding]:
    """Every per-record finding for ``entry``; what the collection-wide rules need is kept in ``context``."""
    if isinstance(entry.record, Document):
        context.documents.add(entry.record.id)
        context.reported.update(entry.record.events)
    return [finding for check in RECORD_CHECKS for finding in check(entry, context)]


# --------------------------------------------------------------------------------------------
# Collection-wide rules, once every record has been checked
# --------------------------------------------------------------------------------------------


def check_replacements(context: Context) -> Iterator[Finding]:
    for entry in context.registry.entries("tombstone"):
        stone = entry.record
        kind = stone.kind.value
        if stone.replaced_by and not context.exists(kind, stone.replaced_by):
            yield _at(entry, ("replaced_by",), f"unknown {kind} {stone.replaced_by!r}")


def check_names_occur(context: Context) -> Iterator[Finding]:
    """Every recorded spelling occurs in some document (unless a document failed to load: its names
    would be reported again)."""
    if not context.documents or context.unreadable["document"]:
        return
    for kind in ("person", "place"):
        for entry in context.registry.entries(kind):
            for field in ("spellings", "code_names"):
                for index, name in enumerate(getattr(entry.record, field, [])):
                    if name not in context.named[kind]:
                        yield _at(entry, (field, index), f"{name!r} occurs in no document's title, summary or text")


def check_events_reported(context: Context) -> Iterator[Finding]:
    if not context.documents:
        return
    for entry in context.registry.entries("event"):
        if entry.record.id not in context.reported:
            yield _at(entry, ("id",), "no document reports this event (list it under a document's events)", "warning")


def check_unresolved(context: Context) -> Iterator[Finding]:
    """References to no record, except to one that exists but failed to load (already reported)."""
    for item in context.unresolved:
        if not context.exists(item.kind, item.value) and item.value not in context.unreadable[item.kind]:
            yield item.finding


COLLECTION_CHECKS = (check_unresolved, check_replacements, check_names_occur, check_events_reported)


def finish(context: Context) -> list[Finding]:
    """The collection-wide findings, once every record went through :func:`check_record`."""
    return [finding for check in COLLECTION_CHECKS for finding in check(context)]


def merge(context: Context, other: Context) -> None:
    """Fold what a worker learned about its documents into the main context."""
    context.documents |= other.documents
    context.reported |= other.reported
    for kind in context.named:
        context.named[kind] |= other.named[kind]
    context.unresolved.extend(other.unresolved)


def check_collection(collection: Collection, context: Context) -> list[Finding]:
    """The per-record findings of every record in ``collection``, then the collection-wide ones."""
    findings = [f for kind in collection.by_kind for entry in collection.entries(kind) for f in check_record(entry, context)]
    return findings + finish(context)


def run_checks(collection: Collection, base: Path | None = None) -> list[Finding]:
    """Every cross-record finding for a collection already loaded in full."""
    return check_collection(collection, make_context(collection, base))


def validate(paths: list[Path]) -> tuple[Collection, list[Finding]]:
    """Load, model-validate and cross-check records; the findings to report, sorted by file and line.

    Every record stays in memory (the returned collection): for the repository's records and for
    tests. :mod:`armistice.rules.validate` checks an archive-sized root in parallel and streaming.
    """
    from armistice.records.files import load_records

    collection, findings, report = load_records(paths)
    extra = run_checks(collection)
    if report is not None:
        extra = [f for f in extra if f.path in report]
    return collection, sorted(findings + extra, key=lambda f: (f.path, f.line, f.column, f.field))
