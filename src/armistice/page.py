"""Reading a kept archive page: the fields the archive gives, and where the document's own text lies.

The Wilson Center Digital Archive has published its pages in two layouts, and the project keeps each
page as captured, byte for byte, under ``sources/``:

- the older one (the seeds'): a heading with the date and the title, then labelled sections
  (``Citation:``, ``Summary:``, ``Credits:``, ``Original Language:``, ``Contents:``) and, after a label
  line such as ``Translation - English``, the document's text to the end of the page;
- the current one: the document's text first, then the summary and a ``Document Information``
  section (``Source``, ``Rights``, ``Original Uploaded Date``, ``Type``, ``Language``, ``Record ID``).

A label is a line holding only a known label, in any of the markups the captures use (``**Citation:**``,
``Citation:``, ``#### Record ID``); its value is the text up to the next label. Which lines are the
document's text is never guessed: the record declares the line after which it starts and, when page
matter follows it, the line before which it ends (``source.transcription``). Labels are looked for
only outside that span, so a telegram that happens to contain the word "Summary:" on a line of its
own is still text.

This module only reads: :func:`page_values` is the one reading of what a page gives, which
:mod:`armistice.rules.page` compares a record with and ``armistice draft`` fills a new record from.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from armistice.models import PageItem, Repository

LABELS: dict[str, str] = {
    "citation": "citation",
    "summary": "summary",
    "credits": "credits",
    "original language": "original_language",
    "contents": "contents",
    "document information": "document_information",
    "source": "source",
    "rights": "rights",
    "original uploaded date": "uploaded",
    "type": "type",
    "language": "language",
    "record id": "record_id",
    "date": "date",
    "title": "title",
}
"""The archive's labels (compared without markup, case or a trailing colon) and the field each gives."""

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

DATE_AS_WRITTEN = re.compile(
    r"(?:(?P<month>" + "|".join(MONTHS) + r")\s+(?:(?P<day>[0-9]{1,2}),\s+)?)?(?P<year>1[89][0-9]{2}|20[0-9]{2})"
)
"""How the archive writes a date: 'August 13, 1951', 'August 1951' or '1951'."""

_ADDRESS = re.compile(r"\s*<?(?P<url>https?://[^\s<>]+?)>?\s*$")
_MARKUP = re.compile(r"\*\*|__")


class PageError(Exception):
    """The page cannot be read as the record declares it (e.g. its boundary line is not on it)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class PageField:
    """One value the page gives, as written (markup and line breaks inside a paragraph removed)."""

    value: str
    line: int
    """The 1-based line of the page where the value starts."""


@dataclass(frozen=True)
class Page:
    """What a kept page gives: its labelled fields, its heading, and the document's own text."""

    fields: dict[str, PageField]
    heading: PageField | None
    text: str
    text_start: int
    """1-based line of the first line of the text."""
    text_end: int
    """1-based line after the last line of the text."""
    address: PageField | None = None
    """The page's own address, as the capture gives it at the end of the citation."""
    labels: dict[str, int] = field(default_factory=dict)
    """Each label the page has, by field, with its line (a label may stand with an empty value)."""

    def get(self, name: str) -> PageField | None:
        return self.fields.get(name)


def label_of(line: str) -> str | None:
    """The field a label line gives ('**Citation:**', 'Citation:', '#### Record ID'), or None."""
    text = _MARKUP.sub("", line.strip().lstrip("#")).strip()
    return LABELS.get(text.removesuffix(":").strip().casefold())


def _clean(lines: list[str]) -> str:
    """A value's lines as one text: markup removed, lines of a paragraph joined, paragraphs kept apart."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        stripped = _MARKUP.sub("", line).strip()
        if stripped:
            paragraphs[-1].append(stripped)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


def _boundary(lines: list[str], wanted: str, start: int, what: str) -> int:
    for index in range(start, len(lines)):
        if lines[index].strip() == wanted:
            return index
    raise PageError(f"no line {wanted!r} on the page ({what})")


def read_page(source_text: str, starts_after: str, ends_before: str | None = None) -> Page:
    """Read a kept page, with the text between the record's declared boundary lines.

    ``starts_after`` is the page line after which the document's text begins; ``ends_before`` the
    line before which it ends (None: the text runs to the end of the page). Both are compared with
    the page's lines stripped of surrounding spaces; the first match after the start is taken.
    """
    lines = source_text.splitlines()
    start = _boundary(lines, starts_after, 0, "where the text starts") + 1
    end = len(lines) if ends_before is None else _boundary(lines, ends_before, start, "where the text ends")
    text = "\n".join(lines[start:end])
    fields: dict[str, PageField] = {}
    labels: dict[str, int] = {}
    heading: list[tuple[int, str]] = []
    current: tuple[str, int] | None = None
    gathered: list[tuple[int, str]] = []
    address: list[PageField] = []

    def close() -> None:
        if current is None:
            return
        name, _ = current
        value_lines = [line for _, line in gathered]
        first = next((number for number, line in gathered if line.strip()), current[1])
        value = _clean(value_lines)
        if name == "citation":
            match = _ADDRESS.search(value)
            if match:
                url = match.group("url")
                where = next((number for number, line in gathered if url in line), first)
                address.append(PageField(url, where))
                value = value[: match.start()].strip()
        if value and name not in fields:
            fields[name] = PageField(value, first)

    outside = itertools.chain(enumerate(lines[:start]), enumerate(lines[end:], end))  # labels are not in the text
    for index, line in outside:
        if index == start - 1:  # the boundary line itself belongs to what precedes it
            if current is None:
                heading.append((index + 1, line))
            else:
                gathered.append((index + 1, line))
            continue
        name = label_of(line)
        if name is not None:
            close()
            current, gathered = (name, index + 1), []
            labels.setdefault(name, index + 1)
            continue
        if current is None and index < start:
            heading.append((index + 1, line))
        elif current is not None:
            gathered.append((index + 1, line))
        elif line.strip():  # page matter after the text that no label introduces
            heading.append((index + 1, line))
    close()
    head_text = _clean([line.lstrip("#") for _, line in heading]).replace("\n\n", " ")
    first_line = next((number for number, line in heading if line.strip()), 1)
    return Page(fields, PageField(head_text, first_line) if head_text else None, text, start + 1, end + 1,
                address[0] if address else None, labels)


def split_heading(heading: str) -> tuple[str | None, str]:
    """The date as written and the title in a page heading ('August 13, 1951 Ciphered Telegram ...').

    The date stands first (the older layout) or last; None when the heading has no date.
    """
    match = DATE_AS_WRITTEN.match(heading)
    if match and (match.end() == len(heading) or heading[match.end()].isspace()):
        return match.group(0), heading[match.end():].strip()
    for match in DATE_AS_WRITTEN.finditer(heading):
        if match.end() == len(heading) and match.start() > 0 and heading[match.start() - 1].isspace():
            return match.group(0), heading[: match.start()].strip()
    return None, heading


def iso_date(as_written: str) -> str | None:
    """The partial date an archive date means: 'August 13, 1951' -> '1951-08-13', 'August 1951' -> '1951-08'."""
    match = DATE_AS_WRITTEN.fullmatch(as_written.strip())
    if match is None:
        return None
    out = match.group("year")
    if match.group("month"):
        out += f"-{MONTHS.index(match.group('month')) + 1:02d}"
        if match.group("day"):
            out += f"-{int(match.group('day')):02d}"
    return out


BRACKET = re.compile(r"\[[^\[\]]*\]")
"""One bracketed segment: in the archive's translations, the editors' or the translator's words."""


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


_CREDIT_PATTERN = {item: re.compile(re.escape(line) + r"\s+(?P<who>[^.]+?)\s*(?:\.|$)") for item, line in _CREDIT_LINE.items()}
_PART_PATTERN = {name: re.compile(r"(?:^|[,;]\s*)" + pattern, re.IGNORECASE) for name, pattern in _PARTS.items()}
_REPOSITORIES = sorted(Repository, key=lambda r: -len(r.value))
"""The repositories, longest name first (so that a name containing another is tried first)."""


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
            match = _CREDIT_PATTERN[item].search(found.value)
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
    for repository in _REPOSITORIES:
        if as_written.startswith(repository.value + ",") or as_written == repository.value \
                or f"({repository.value})" in as_written:
            parts["repository"] = repository.value
            break
    for name, pattern in _PART_PATTERN.items():
        match = pattern.search(as_written)
        parts[name] = match.group("v") if match else None
    return parts


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
    listed = listed_references(page)
    if listed:
        values[PageItem.ARCHIVAL_REFERENCES] = (listed, (page.get("citation") or page.get("source")).line)  # type: ignore[union-attr]
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
