"""Comparing a document record with its kept archive page: every value copied from the page must be on it.

A record copies the page's title, date, citation, summary, credits, translator, "obtained by", original
language, record id, upload date and archival references. Each is compared with what
:func:`armistice.page.read_page` reads from the kept page, and a difference quotes both. Where the page
does not give a value, the record says so in ``source.not_on_page`` (a visible statement, not a
silent omission): a value there is an error, and so is a statement the page contradicts.

The archival references are parsed from the page's citation (or its "Source" field): each record
entry's ``as_written`` must be one of the references listed there, and its parsed parts (repository,
fond, opis, delo, papka, listy) must agree with its ``as_written``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from armistice.models import Document, PageItem, Repository
from armistice.page import Page, iso_date, split_heading

Problem = tuple[tuple[str | int, ...], str]
"""A field path in the record and the message about it."""

LANGUAGES = {"russian": "ru", "english": "en", "chinese": "zh", "korean": "ko", "german": "de", "french": "fr",
             "japanese": "ja", "polish": "pl", "czech": "cs", "hungarian": "hu", "romanian": "ro", "bulgarian": "bg",
             "mongolian": "mn", "vietnamese": "vi", "albanian": "sq", "serbian": "sr", "spanish": "es"}
"""Language names as the archive writes them, and their ISO 639-1 codes."""

_CREDIT_LINE = {"obtained_by": "Obtained by", "translated_by": "Translated by"}
_ARCHIVE_NAMES = ("Wilson Center Digital Archive", "History and Public Policy Program Digital Archive")
_TRAILING = re.compile(r"\.\s+(?:Obtained|Translated|Contributed|Donated|Provided)\b.*$", re.S)
_SPLIT = re.compile(r";\s+and\s+|;\s+|,\s+and\s+(?=[A-Z])|\s+and\s+(?=[A-Z][A-Za-z]+,)")
_PARTS = {
    "fond": r"(?:f\.|Fond)\s*(?P<v>[^,;\s]+)",
    "opis": r"(?:op\.|Opis)\s*(?P<v>[^,;\s]+)",
    "delo": r"(?:d\.|Delo)\s*(?P<v>[^,;\s]+)",
    "papka": r"(?:p\.|Papka)\s*(?P<v>[^,;\s]+)",
    "listy": r"(?:ll\.|l\.|Listy|List)\s*(?P<v>[^,;\s]+?)\.?(?=[,;\s]|$)",
}


def _quote(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 120 else text[:117] + "...")


def page_title(page: Page) -> tuple[str | None, str | None]:
    """The page's date as written and its title, from the 'Title'/'Date' labels or the heading."""
    date = page.get("date")
    title = page.get("title")
    heading_date, heading_title = split_heading(page.heading.value) if page.heading else (None, None)
    return (date.value if date else heading_date), (title.value if title else heading_title or None)


def credit(page: Page, item: str) -> str | None:
    """A person the page's citation or "Source" names after 'Obtained by' or 'Translated by'."""
    for name in ("citation", "source"):
        found = page.get(name)
        if found:
            match = re.search(re.escape(_CREDIT_LINE[item]) + r"\s+(?P<who>[^.]+?)\s*(?:\.|$)", found.value)
            if match:
                return match.group("who")
    return None


def listed_references(page: Page) -> list[str]:
    """The archival references the page's citation (after the archive's name) or "Source" field lists."""
    found: list[str] = []
    citation = page.get("citation")
    if citation:
        text = citation.value
        for name in _ARCHIVE_NAMES:
            if name in text:
                text = text.split(name, 1)[1].lstrip(" ,")
                break
        else:
            text = ""
        found += _split_references(text)
    source = page.get("source")
    if source:
        found += [ref for ref in _split_references(source.value) if ref not in found]
    return found


def _split_references(text: str) -> list[str]:
    text = _TRAILING.sub("", text.strip()).strip().rstrip(".").strip()
    return [part.strip().rstrip(".") for part in _SPLIT.split(text) if part.strip()] if text else []


def parse_reference(as_written: str) -> dict[str, str | None]:
    """Repository, fond, opis, delo, papka and listy as an archival reference writes them."""
    parts: dict[str, str | None] = {"repository": None}
    for repository in sorted(Repository, key=lambda r: -len(r.value)):
        if as_written.startswith(repository.value + ",") or as_written == repository.value \
                or f"({repository.value})" in as_written:
            parts["repository"] = repository.value
            break
    for name, pattern in _PARTS.items():
        match = re.search(r"(?:^|[,;]\s*)" + pattern, as_written, re.IGNORECASE)
        parts[name] = match.group("v") if match else None
    return parts


def _difference(ours: Any, theirs: Any) -> str:
    """Both values, quoted; for long texts, from a little before the first character that differs."""
    a, b = str(ours), str(theirs)
    if len(a) <= 120 and len(b) <= 120:
        return f"record has {_quote(a)}, page has {_quote(b)}"
    index = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, index - 40)
    return (f"at character {index}, record has {_quote('...' + a[start:index + 40])}, "
            f"page has {_quote('...' + b[start:index + 40])}")


def page_values(page: Page) -> dict[str, tuple[Any, int]]:
    """Each page item the page gives, as the record would hold it, with its line on the page.

    The one reading of what a page gives: the comparison below checks a record against it, and
    ``armistice draft`` fills a new record from it, so the two never disagree.
    """
    values: dict[str, tuple[Any, int]] = {}
    date, title = page_title(page)
    line = page.heading.line if page.heading else 1
    if title:
        values[PageItem.TITLE] = (title, line)
    if date:
        values[PageItem.DATE] = (iso_date(date) or date, line)
    for item, name in ((PageItem.CITATION, "citation"), (PageItem.SUMMARY, "summary"),
                       (PageItem.CREDITS, "credits"), (PageItem.UPLOADED, "uploaded")):
        found = page.get(name)
        if found:
            values[item] = (found.value, found.line)
    language = page.get("original_language") or page.get("language")
    if language:
        values[PageItem.ORIGINAL_LANGUAGE] = (LANGUAGES.get(language.value.casefold(), language.value), language.line)
    record_id = page.get("record_id")
    if record_id and record_id.value.isdigit():
        values[PageItem.RECORD_ID] = (int(record_id.value), record_id.line)
    elif page.address:
        match = re.search(r"/document/([0-9]+)/?$", page.address.value)
        if match:
            values[PageItem.RECORD_ID] = (int(match.group(1)), page.address.line)
    if page.address:
        values[PageItem.ADDRESS] = (page.address.value, page.address.line)
    for item in (PageItem.OBTAINED_BY, PageItem.TRANSLATED_BY):
        who = credit(page, item.value)
        if who:
            values[item] = (who, (page.get("citation") or page.get("source")).line)  # type: ignore[union-attr]
    if listed_references(page):
        values[PageItem.ARCHIVAL_REFERENCES] = (listed_references(page), (page.get("citation") or page.get("source")).line)  # type: ignore[union-attr]
    return values


RECORD_PATH: dict[PageItem, tuple[str, ...]] = {
    PageItem.TITLE: ("title",),
    PageItem.DATE: ("date",),
    PageItem.CITATION: ("source", "citation"),
    PageItem.SUMMARY: ("source", "summary"),
    PageItem.CREDITS: ("source", "credits"),
    PageItem.UPLOADED: ("source", "uploaded"),
    PageItem.ORIGINAL_LANGUAGE: ("source", "original_language"),
    PageItem.RECORD_ID: ("source", "record_id"),
    PageItem.ADDRESS: ("source", "retrieved_from"),
    PageItem.OBTAINED_BY: ("source", "obtained_by"),
    PageItem.TRANSLATED_BY: ("source", "translated_by"),
    PageItem.ARCHIVAL_REFERENCES: ("archival_references",),
}
"""Where the record holds each value the page gives."""


def _record_value(doc: Document, path: tuple[str, ...]) -> Any:
    value: Any = doc
    for part in path:
        value = getattr(value, part)
    return value if value != [] else None


def compare(doc: Document, page: Page) -> Iterator[Problem]:
    """Every difference between the record's page values and the kept page, each at the record's field."""
    given = page_values(page)
    absent = {PageItem(item) for item in doc.source.not_on_page}
    for index, item in enumerate(doc.source.not_on_page):
        if PageItem(item) in given:
            value, line = given[PageItem(item)]
            yield ("source", "not_on_page", index), (f"the page gives {item} (line {line}: {_quote(value)}): "
                                                     "copy it instead of saying it is not on the page")
    for item, path in RECORD_PATH.items():
        ours = _record_value(doc, path)
        if item in given:
            theirs, line = given[item]
            if item is PageItem.ARCHIVAL_REFERENCES:
                yield from _references(doc, theirs, line)
            elif ours is None:
                if item not in absent:
                    yield path, f"the page gives {item} (line {line}): {_quote(theirs)}; the record has none"
            elif ours != theirs:
                yield path, f"differs from the page (line {line}): {_difference(ours, theirs)}"
        elif ours is not None and item is not PageItem.ADDRESS:
            yield path, f"the page does not give {item}: a value here is not from the page"
        elif ours is None and item not in absent and item is not PageItem.ADDRESS:
            yield ("source", "not_on_page"), (f"the page does not give {item}: list {item.value!r} under "
                                              "source.not_on_page to say so")


def _references(doc: Document, listed: list[str], line: int) -> Iterator[Problem]:
    recorded = {reference.as_written for reference in doc.archival_references}
    for listed_reference in listed:
        if listed_reference not in recorded:
            yield ("archival_references",), (f"the page lists the reference {_quote(listed_reference)} (line {line}); "
                                             "the record has no entry for it")
    for index, reference in enumerate(doc.archival_references):
        here = ("archival_references", index)
        if reference.as_written not in listed:
            shown = "; ".join(listed)
            yield here + ("as_written",), (f"{_quote(reference.as_written)} is not one of the references the page "
                                           f"lists (line {line}: {shown})")
            continue  # its parts are compared once it is a reference the page gives
        parsed = parse_reference(reference.as_written)
        for part, value in parsed.items():
            ours = getattr(reference, part)
            ours = ours.value if hasattr(ours, "value") else ours
            if ours != value:
                written = "gives none" if value is None else f"gives {value!r}"
                yield here + (part,), (f"{ours!r} does not agree with as_written {_quote(reference.as_written)}, "
                                       f"which {written}")
