"""What the records hold, computed from them: how many of each kind, the first and last date, the years.

Every sentence of the project that depends on which documents are in the collection (the README's
counts and dates, the years in the dataset's title, description and keywords and therefore in its
citation, the list of kept sources) is written from a :class:`Coverage`, never by hand, so that a
curator who adds a document dated 1952 or withdraws one of 1951 changes no prose: ``armistice
build`` regenerates it (:mod:`armistice.derived`). This module only computes and words; it writes
nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from armistice.dates import first_day, last_day, precision, sort_key
from armistice.models import KIND_BY_NAME, Document, Person
from armistice.page import MONTHS
from armistice.records.files import Collection


@dataclass(frozen=True)
class SourceRow:
    """One kept page and the document record that transcribes it (a row of sources/README.md)."""

    file: str
    record: str
    document: str
    record_id: int | None
    url: str
    retrieved_from: str
    sha256: str
    not_on_page: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """What a records root holds, in numbers and dates (see :func:`coverage`)."""

    counts: dict[str, int]
    """Records of each kind, by kind name (``document``, ``person`` ...)."""
    kinds: dict[str, int]
    """Documents of each kind (``ciphered-telegram`` ...), most frequent first."""
    first: str | None
    """The earliest document's date as recorded (``1951-07-11``, or ``1951-08`` when that is all it gives)."""
    last: str | None
    """The latest document's date as recorded."""
    senders: list[tuple[str, int]] = field(default_factory=list)
    """Who sent the documents, by name, with how many each, most first."""
    recipients: list[tuple[str, int]] = field(default_factory=list)
    """To whom, by name, with how many each, most first."""
    sources: list[SourceRow] = field(default_factory=list)
    """The kept pages, by file name."""
    dated_years: list[str] = field(default_factory=list)
    """The years in which at least one document is dated (the dataset's year keywords)."""

    @property
    def documents(self) -> int:
        return self.counts.get("document", 0)

    @property
    def years(self) -> list[int]:
        """Every calendar year from the first document's to the last one's (empty without documents)."""
        if self.first is None or self.last is None:
            return []
        return list(range(int(first_day(self.first)[:4]), int(last_day(self.last)[:4]) + 1))

    @property
    def span(self) -> str:
        """The years as a title gives them: ``1951``, ``1951–1952``; empty without documents."""
        years = self.years
        if not years:
            return ""
        return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _names(collection: Collection) -> dict[str, str]:
    return {entry.record.id: entry.record.name for entry in collection.entries("person")
            if isinstance(entry.record, Person)}


def coverage(collection: Collection) -> Coverage:
    """The coverage of a validated collection (as :func:`armistice.rules.validate` keeps it)."""
    counts = {kind: len(collection.entries(kind)) for kind in KIND_BY_NAME}
    documents = [entry.record for entry in collection.entries("document") if isinstance(entry.record, Document)]
    names = _names(collection)
    dates = sorted((document.date for document in documents), key=sort_key)
    latest = max((document.date for document in documents), key=lambda value: (last_day(value), sort_key(value)),
                 default=None)
    kinds = Counter(document.kind.value for document in documents)
    senders = Counter(names.get(document.sender, document.sender) for document in documents)
    recipients = Counter(names.get(person, person) for document in documents for person in document.recipients)
    sources = []
    for entry in collection.entries("document"):
        document = entry.record
        if not isinstance(document, Document):
            continue
        transcription = document.source.transcription
        sources.append(SourceRow(
            file=transcription.file.removeprefix("sources/"), record=f"records/documents/{document.id}.yaml",
            document=document.id, record_id=document.source.record_id, url=document.source.url,
            retrieved_from=document.source.retrieved_from, sha256=transcription.sha256,
            not_on_page=tuple(item.value for item in document.source.not_on_page)))
    return Coverage(counts=counts, kinds=dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0]))),
                    first=dates[0] if dates else None, last=latest,
                    senders=_ranked(senders), recipients=_ranked(recipients),
                    sources=sorted(sources, key=lambda row: row.file),
                    dated_years=sorted({document.date[:4] for document in documents}))


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


# --- wording ---------------------------------------------------------------------------------


def spoken_date(value: str, *, year: bool = True) -> str:
    """A recorded date as a reader says it: ``11 July 1951``, ``August 1951``, ``1951`` (a time is dropped)."""
    day = value[:10]
    kind = precision(day)
    parts = day.split("-")
    if kind == "year":
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    if kind == "month":
        return f"{month} {parts[0]}" if year else month
    return f"{int(parts[2])} {month} {parts[0]}" if year else f"{int(parts[2])} {month}"


def date_range(first: str | None, last: str | None) -> str:
    """The dates documents are dated: ``from 11 July to 1 November 1951``, ``from 11 July 1951 to
    14 May 1952``, or one date (``11 July 1951``) when first and last are the same day."""
    if first is None or last is None:
        return ""
    if first[:10] == last[:10]:
        return spoken_date(first)
    same_year = first[:4] == last[:4] and precision(first[:10]) != "year"
    return f"from {spoken_date(first, year=not same_year)} to {spoken_date(last)}"


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 document``, ``5 documents``."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


KIND_WORDS = {"ciphered-telegram": ("ciphered telegram", "ciphered telegrams"), "cable": ("cable", "cables"),
              "telegram": ("telegram", "telegrams")}
"""How the README names each document kind, in the singular and the plural."""


def kinds_phrase(kinds: dict[str, int]) -> str:
    """``3 ciphered telegrams and 2 cables``."""
    parts = [counted(number, *KIND_WORDS.get(kind, (kind, kind + "s"))) for kind, number in kinds.items()]
    return series(parts)


def series(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
