"""Fidelity to the source: verbatim fields are found where they are quoted from, and the text is the source's.

Every verbatim field (``as_written``, quoted messages, agenda items ...) is found in the document's
text (or the archive's citation, for archival references), and the text equals the kept source
transcription up to whitespace and the recorded corrections.
"""

from __future__ import annotations

import hashlib
import typing
from functools import lru_cache
from typing import Iterator

from pydantic import BaseModel

from armistice.models import Document, split_annotation
from armistice.records.findings import FieldPath, Finding
from armistice.records.files import Entry
from armistice.rules.context import Context
from armistice.rules.rule import at


def squash(text: str) -> str:
    """Whitespace-insensitive form used to compare texts: runs of whitespace become one space."""
    return " ".join(text.split())


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
                yield at(entry, ("messages", index, "id"), f"message id {message.id!r} is used twice "
                         f"(also messages[{seen_ids[message.id]}])")
            seen_ids.setdefault(message.id, index)
            body = squash(message.text)
            if body not in text:
                yield at(entry, ("messages", index, "text"), "the message text is not found verbatim in the "
                         "document's text")
            if message.agenda:
                for item_index, item in enumerate(message.agenda.items):
                    if squash(item.text) not in body:
                        yield at(entry, ("messages", index, "agenda", "items", item_index, "text"),
                                 "agenda item not found verbatim in the message text")
            for ref_index, ref in enumerate(message.refers_to):
                if squash(ref.as_written) not in body:
                    yield at(entry, ("messages", index, "refers_to", ref_index, "as_written"),
                             "not found verbatim in the message text")
        for path, value in _verbatim(doc):
            if path[0] == "messages" and path[-1] == "as_written" and "refers_to" in path:
                continue
            if squash(value) not in text:
                yield at(entry, path, f"{value!r} is not found verbatim in the document's text")
        citation = squash(doc.source.citation)
        for index, reference in enumerate(doc.archival_references):
            if squash(reference.as_written) not in citation:
                yield at(entry, ("archival_references", index, "as_written"),
                         "not found verbatim in the archive's citation")
        expected = f"https://digitalarchive.wilsoncenter.org/document/{doc.source.record_id}"
        if doc.source.url != expected:
            yield at(entry, ("source", "url"), f"the canonical address of record {doc.source.record_id} is {expected}")


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
            yield at(entry, ("source", "transcription", "file"), f"source text {kept.file} not found")
            return
        raw = path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != kept.sha256:
            yield at(entry, ("source", "transcription", "sha256"), f"{kept.file} has changed since it was "
                     "recorded: its SHA-256 differs")
        body = source_body(raw.decode("utf-8"), kept.text_starts_after)
        if body is None:
            yield at(entry, ("source", "transcription", "text_starts_after"),
                     f"no line {kept.text_starts_after!r} in {kept.file}")
            return
        repaired, problems = apply_corrections(body, doc)
        for index, message in problems:
            yield at(entry, ("corrections", index, "original"), message)
        ours, theirs = squash(doc.text), squash(repaired)
        if ours != theirs:
            yield at(entry, ("text",), _first_difference(ours, theirs) + " (only whitespace and recorded "
                     "corrections may differ)")

