"""Fidelity to the source: verbatim fields are found where they are quoted from, and the text is the source's.

Every field marked verbatim (``as_written``, quoted messages, agenda items ...) is found in the text it
quotes (the document's, or its quoted message's); the text equals the kept page's, between the record's
declared boundary lines, up to whitespace and the recorded repairs, each of which changes only what its
kind allows (:mod:`armistice.rules.repairs`); and every value copied from the page is on it
(:mod:`armistice.rules.page`), so no page field and no word of the text goes unchecked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from armistice.models import Basis, Document, PageItem, verbatim_values
from armistice.page import BRACKET, PageError, read_page
from armistice.records.files import Entry
from armistice.records.findings import Finding
from armistice.rules.context import Context
from armistice.rules.page import compare
from armistice.rules.repairs import repair_problem
from armistice.rules.rule import at


def squash(text: str) -> str:
    """Whitespace-insensitive form used to compare texts: runs of whitespace become one space."""
    return " ".join(text.split())


def _within(part: str, whole: str) -> bool:
    """``part in whole``, for a long part (a quoted message) found where its first words are: Python
    searches a needle of a hundred characters or more another way, ten times slower here."""
    if len(part) < _HEAD:
        return part in whole
    head = part[:_HEAD // 2]
    at = whole.find(head)
    for _ in range(8):
        if at == -1:
            return False  # not even its start is there
        if whole.startswith(part, at):
            return True
        at = whole.find(head, at + 1)
    return part in whole  # its start is in many places: the general search


_HEAD = 100


def check_verbatim(entry: Entry, context: Context) -> Iterator[Finding]:
    """Every field marked verbatim occurs in the text it is quoted from (see :class:`armistice.models.Verbatim`)."""
    if not isinstance(entry.record, Document):
        return
    doc = entry.record
    text = squash(doc.text)
    seen_ids: dict[str, int] = {}
    found_in_text: dict[int, str] = {}  # each message found in the text, squashed, by index
    for index, message in enumerate(doc.messages):
        if message.id in seen_ids:
            yield at(entry, ("messages", index, "id"), f"message id {message.id!r} is used twice "
                     f"(also messages[{seen_ids[message.id]}])")
        seen_ids.setdefault(message.id, index)
        body = squash(message.text)
        if not _within(body, text):
            yield at(entry, ("messages", index, "text"), "the message text is not found verbatim in the "
                     "document's text")
        else:
            found_in_text[index] = body
        for path, value in verbatim_values(message, "message", ("messages", index)):
            if squash(value) not in body:
                what = "agenda item not" if "agenda" in path else "not"
                yield at(entry, path, f"{what} found verbatim in the message text")
    messages = {message.id for message in doc.messages}
    for index, proposal in enumerate(doc.proposals):
        if proposal.message is not None and proposal.message not in messages:
            yield at(entry, ("proposals", index, "message"), f"no quoted message {proposal.message!r} in this document "
                     f"(its messages: {', '.join(sorted(messages)) or 'none'})")
    for path, value in verbatim_values(doc, "message"):
        if path[0] != "messages" and squash(value) not in text:  # no message holds it: the document's words
            yield at(entry, path, f"{value!r} is not found verbatim in the document's text")
    for path, value in verbatim_values(doc, "document"):
        if path[0] == "messages" and path[-1] == "text":
            continue  # reported above, in the message's own words
        words = squash(value)
        holder = path[1] if path[0] == "messages" else None
        quoted = found_in_text.get(holder) if isinstance(holder, int) else None
        if quoted is not None and words in quoted:
            continue  # in its message, which is in the text: in the text (a shorter search)
        if words not in text:
            yield at(entry, path, f"{value!r} is not found verbatim in the document's text")
    recorded = {insertion.as_written for insertion in doc.editorial_insertions}
    left_open = any(entry.startswith("editorial_insertions") for entry in doc.draft_open)  # reported as open
    for bracket in [] if left_open else sorted(set(BRACKET.findall(doc.text)) - recorded):
        if not bracket.startswith("[Stamp:"):  # a stamp is described under stamps
            where = ("editorial_insertions",) if doc.editorial_insertions else ("text",)
            yield at(entry, where, f"the text has the editorial insertion {bracket!r}: record it under editorial_insertions "
                     "(the translator's or the archive's words, not the document's)")
    for index, insertion in enumerate(doc.editorial_insertions):
        if not BRACKET.fullmatch(insertion.as_written):
            yield at(entry, ("editorial_insertions", index, "as_written"), "an editorial insertion is one bracketed "
                     "segment, brackets included (e.g. '[Stalin]')")
    if doc.origin is not None and (doc.origin.basis is Basis.ARCHIVE) != ("[" in doc.origin.as_written):
        yield at(entry, ("origin", "basis"), "the origin's basis is the archive's exactly when its words are in "
                 "the editors' brackets ('from [BEIJING]')")
    if doc.source.record_id is not None:
        expected = f"https://digitalarchive.wilsoncenter.org/document/{doc.source.record_id}"
        if doc.source.url != expected:
            yield at(entry, ("source", "url"), f"the canonical address of record {doc.source.record_id} is {expected}")


def source_body(source_text: str, starts_after: str, ends_before: str | None = None) -> str | None:
    """The document's own text in a kept page: between the record's declared boundary lines."""
    try:
        return read_page(source_text, starts_after, ends_before).text
    except PageError:
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


def kept_page(doc: Document, base: Path) -> Path:
    """The file of the document's kept page (which its outcome depends on, as well as its own file)."""
    return base / doc.source.transcription.file


def check_transcription(entry: Entry, context: Context) -> Iterator[Finding]:
    """The text is the kept page's, up to whitespace and the recorded repairs, and every value copied
    from the page is on it; each repair changes only what its kind allows."""
    if not isinstance(entry.record, Document):
        return
    doc = entry.record
    kept = doc.source.transcription
    path = kept_page(doc, context.base)
    if not path.is_file():
        yield at(entry, ("source", "transcription", "file"), f"source text {kept.file} not found")
        return
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != kept.sha256:
        yield at(entry, ("source", "transcription", "sha256"), f"{kept.file} has changed since it was "
                 "recorded: its SHA-256 differs")
    try:
        source_text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        yield at(entry, ("source", "transcription", "file"), f"{kept.file} is not UTF-8 text (byte {error.start})")
        return
    try:
        page = read_page(source_text, kept.text_starts_after, kept.text_ends_before)
    except PageError as error:
        field = "text_ends_before" if "ends" in str(error) else "text_starts_after"
        yield at(entry, ("source", "transcription", field), f"{error} ({kept.file})")
        return
    for field_path, message in compare(doc, page):
        yield at(entry, field_path, message)
    if doc.source.not_on_page:  # said plainly on every run, so a reader of the report knows what is missing
        missing = ", ".join(PageItem(item).value for item in doc.source.not_on_page)
        yield at(entry, ("source", "not_on_page"), f"the page ({kept.file}) does not give: {missing}", "note")
    for index, correction in enumerate(doc.corrections):
        problem = repair_problem(correction.kind, correction.original, correction.corrected)
        if problem:
            yield at(entry, ("corrections", index, "kind"), problem)
    repaired, problems = apply_corrections(page.text, doc)
    for index, message in problems:
        yield at(entry, ("corrections", index, "original"), message)
    if doc.text.strip() == repaired.strip():
        return  # equal up to whitespace at the ends: squashed, equal too (the usual case; squashing costs more)
    ours, theirs = squash(doc.text), squash(repaired)
    if ours != theirs:
        yield at(entry, ("text",), _first_difference(ours, theirs) + " (only whitespace and recorded "
                 "corrections may differ)")
