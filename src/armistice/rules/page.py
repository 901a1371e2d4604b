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

from collections.abc import Iterator
from typing import Any

from armistice.models import Document, PageItem
from armistice.page import (
    LANGUAGES,
    RECORD_PATH,
    Page,
    credit,
    listed_references,
    page_title,
    page_values,
    parse_reference,
)

__all__ = ["LANGUAGES", "RECORD_PATH", "compare", "credit", "listed_references", "page_title", "page_values",
           "parse_reference"]

Problem = tuple[tuple[str | int, ...], str]
"""A field path in the record and the message about it."""


def _quote(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 120 else text[:117] + "...")


def _difference(ours: Any, theirs: Any) -> str:
    """Both values, quoted; for long texts, from a little before the first character that differs."""
    a, b = str(ours), str(theirs)
    if len(a) <= 120 and len(b) <= 120:
        return f"record has {_quote(a)}, page has {_quote(b)}"
    index = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, index - 40)
    return (f"at character {index}, record has {_quote('...' + a[start:index + 40])}, "
            f"page has {_quote('...' + b[start:index + 40])}")


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
