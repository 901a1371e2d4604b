"""Drafting a document record from a kept archive page, so that a curator checks instead of types.

``armistice draft PAGE`` reads a page in either layout (:mod:`armistice.page`), keeps it under
``sources/`` by its SHA-256, and writes a record in canonical form (the writer of ``armistice fmt``)
with what the page gives mechanically: the archive's fields (the same reading the page comparison
uses, :func:`armistice.page.page_values`), the archival references parsed, the repairs the
transcription needs by their form, the header lines and stamps of the cipher office's forms, the
registration numbers and handling notes under the signature, each quoted telegram as a message
(by the form it is quoted in: an address after the opening quotation mark, the sender's name and
time before the closing one), the kinds of the editorial insertions, and the people, places and
organisations of the registry whose recorded spellings occur.

It never invents. A value it cannot read from the page is left out; a value it can only propose
(a guess from words, a placeholder for a required value, a link to a proposed new record) is
written and marked. Either way its field path is listed in the record's ``draft_open``;
``armistice validate`` reports every entry there (and every required field left out) until the
curator has decided it and removed the entry, and every placeholder (``drafted: ...``) until it is
rewritten. A name the registry lacks is never guessed into a recorded id: it is proposed as a new
person or place, holding only the name as written and the words it stands in.

:func:`compare_records` measures a draft against a curated record, field by field, for the tests
and ``scripts/draft_report.py``.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from armistice.models import PLACEHOLDER, Document, Organisation, PageItem, Person, Place
from armistice.names import NameIndex, names_of
from armistice.page import (
    BRACKET,
    DATE_AS_WRITTEN,
    MONTHS,
    RECORD_PATH,
    Page,
    label_of,
    page_values,
    parse_reference,
    read_page,
)
from armistice.records.files import load_entry
from armistice.records.fmt import format_text

TRANSLATION_LABELS = {"translation - english": "en", "- english translation": "en", "english translation": "en"}
"""Lines under 'Contents' in the older layout that name the translation the page holds, and its language."""


class DraftError(Exception):
    """The page cannot be drafted (not UTF-8, no text found): one line for the curator."""


@dataclass
class Draft:
    """A drafted record, where its page is kept, the new records it proposes, and what is left for the curator."""

    record: dict[str, Any]
    source_name: str
    source_bytes: bytes
    open: list[str] = field(default_factory=list)
    new_records: dict[str, str] = field(default_factory=dict)
    """Proposed registry records (people, places) by their path under the records root, in canonical form."""

    def data(self) -> dict[str, Any]:
        """The record with its ``draft_open`` list, as it is written."""
        data = dict(self.record)
        if self.open:
            data["draft_open"] = list(self.open)
        return data

    def yaml(self) -> str:
        """The record in canonical form, exactly as ``armistice fmt`` would lay it out."""
        data = self.data()
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)
        return format_text(text, Document)


# --------------------------------------------------------------------------------------------
# The registry: which people and places a spelling names
# --------------------------------------------------------------------------------------------


@dataclass
class Registry:
    """The people, places and organisations of a records root, by every spelling and code name (case-insensitive)."""

    people: dict[str, Person]
    places: dict[str, Place]
    organisations: dict[str, Organisation]
    person_index: NameIndex
    place_index: NameIndex
    organisation_index: NameIndex
    proposed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """New records the draft proposes, by folder and id: a name the registry lacks, and the words it stands in."""

    def person(self, name: str, words: str) -> str | None:
        """The recorded person ``name`` names, or a new person proposed for it (None: neither can be)."""
        if self.person_index.present(name):
            return self.who(name)  # a recorded name, or several: never a new person
        return self._propose("people", name, words)

    def place(self, name: str, words: str) -> str | None:
        """The recorded place ``name`` names, or a new place proposed for it."""
        if self.place_index.present(name):
            return self.where(name)
        return self._propose("places", name, words)

    def _propose(self, folder: str, name: str, words: str) -> str | None:
        bare = name.strip().strip("[]").strip()
        slug = re.sub(r"[^a-z0-9]+", "-", bare.casefold()).strip("-")
        taken = {record.id for record in [*self.people.values(), *self.places.values(), *self.organisations.values()]}
        if not re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", slug) or slug in taken:
            return None  # no usable id, or one a recorded name holds: the curator decides
        self.proposed.setdefault((folder, slug), {"name": bare, "words": " ".join(words.split())})
        return slug

    def who(self, words: str) -> str | None:
        """The one person whose recorded name occurs in ``words``, or None (none, or several)."""
        found = {self.people[name.casefold()].id for name in self.person_index.present(words)}
        return found.pop() if len(found) == 1 else None

    def where(self, words: str) -> str | None:
        found = {self.places[name.casefold()].id for name in self.place_index.present(words)}
        return found.pop() if len(found) == 1 else None

    def named(self, words: str) -> Person | Place | None:
        """The one person or place a bracketed name is a recorded spelling of (the whole words), or None."""
        bare = words.strip()
        found = {id(r): r for r in (self.people.get(bare.casefold()), self.places.get(bare.casefold())) if r}
        return next(iter(found.values())) if len(found) == 1 else None


def registry(records: Path) -> Registry:
    """Every person, place and organisation under ``records`` that validates alone (a broken one is
    skipped: validate reports it)."""
    people: dict[str, Person] = {}
    places: dict[str, Place] = {}
    organisations: dict[str, Organisation] = {}
    for folder, into in (("people", people), ("places", places), ("organisations", organisations)):
        for file in sorted((records / folder).glob("*.yaml")):
            loading = load_entry(file, records)
            record = loading.entry.record if loading.entry else None
            if isinstance(record, (Person, Place, Organisation)):
                for name in names_of(record):  # type: ignore[arg-type]
                    into.setdefault(name.casefold(), record)  # type: ignore[arg-type]
    return Registry(people, places, organisations, NameIndex(people), NameIndex(places), NameIndex(organisations))


# --------------------------------------------------------------------------------------------
# Where the text lies on the page
# --------------------------------------------------------------------------------------------


def boundaries(lines: list[str]) -> tuple[str, str | None, str | None]:
    """The line after which the text starts, the line before which it ends, and the translation's language.

    Older layout: the line under 'Contents' naming the translation. Current layout: the date line
    under the heading, and the first label line after it ('### Summary').
    """
    for index, line in enumerate(lines):
        if label_of(line) == "contents":
            for after in lines[index + 1:]:
                if after.strip():
                    language = TRANSLATION_LABELS.get(after.strip().casefold())
                    return after.strip(), None, language
    nonblank = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    for position, (index, line) in enumerate(nonblank[:3]):
        if position and DATE_AS_WRITTEN.fullmatch(line):
            end = next((later.strip() for later in lines[index + 1:] if label_of(later) is not None), None)
            return line, end, None
    raise DraftError("the page shows neither layout: no 'Contents' label, and no date line under the heading")


# --------------------------------------------------------------------------------------------
# The header, the signature and the handling notes
# --------------------------------------------------------------------------------------------

NUMERO = r"(?:No\.|N°|№|Nº|N\^\{o\}|N \$\^\{\\circ\}\$)"
KIND_LINE = re.compile(r"^(?P<kind>CIPHERED TELEGRAM|CABL\w|TELEGRAM)\s+" + NUMERO + r"\s*(?P<number>[0-9]+)\s*$")
ISSUER = re.compile(r"^(?:#+\s*)?(?P<issuer>[A-Z][A-Z ]*(?:ADMINISTRATION|DIRECTORATE)[A-Z ]*)$")
COPY = re.compile(r"\bCopy " + NUMERO + r"\s*(?P<n>[0-9]+)\s*$")
SERIES = re.compile(r"^(?:SERIES|Series)\s+(?P<series>.+)$")
ORIGIN = re.compile(r"^(?P<all>[Ff]rom\s+(?P<place>\[?[A-Z][A-Za-z]+\]?)(?:\s+(?P<time>[0-9]{1,2}:[0-9]{2}\s+[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}))?)")
RECEIVED = re.compile(r"(?P<all>[Rr]eceived\s+(?:at\s+)?(?P<time>[0-9]{1,2}:?[0-9]{2})\s+(?P<date>[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}|[0-9]{1,2} (?:" + "|".join(MONTHS) + r") [0-9]{4}))")
ADDRESS = re.compile(r"^(?:TO|To|to)\s+(?:Comrade\s+|Cde\.\s+)?(?P<name>[A-Z][A-Z]+(?: [A-Z][A-Z]+)*)(?:\s+\[[^\]]+\])?\.?$")
SALUTATION = re.compile(r"^(?:Comrade|Cde\.)\s+\w+!$")
MARKINGS = {"TOP PRIORITY": "top-priority", "URGENT": "urgent", "SPECIAL": "special", "TOP SECRET": "top-secret",
            "SECRET": "secret", "COPY OF AN OUTGOING TELEGRAM": "copy-of-outgoing-telegram"}
HANDLING = re.compile(r"(?P<all>(?P<verb>Deciphered|Printed)\s+by\s+(?P<who>[A-Z][a-z]+)\s+(?P<time>[0-9]{4})\s+(?P<day>[0-9]{1,2})\s+(?P<month>" + "|".join(MONTHS) + r"))")


def _moment(time: str, date: str) -> str | None:
    """'17:20' or '1750' and '13.8.1951' or '11 July 1951' as a partial date, or None."""
    clock = time.replace(":", "").zfill(4)
    if "." in date:
        day, month, year = date.split(".")
    else:
        day, name, year = date.split()
        month = str(MONTHS.index(name) + 1)
    return f"{year}-{int(month):02d}-{int(day):02d}T{clock[:2]}:{clock[2:]}"


SURE_INSERTIONS = {"[...]": "omission", "[signature]": "description"}
"""Bracketed insertions whose kind their words alone decide."""


def _insertion_kind(bracket: str, before: str, reg: Registry) -> str | None:
    """The kind of an editorial insertion, from its words and the word it follows; None: undecided.

    Words in lower case are the translator's, supplied for sense. A recorded name after a code name of
    the same person identifies him ('FILIPPOV [Stalin]'); after another spelling of the same place it
    glosses it ('Gaeseong [Kaesong]'); standing alone it names where or who the document means
    ('from [BEIJING]'), unless the registry cannot identify the name with certainty: then it is a
    name the translator could only transliterate ('[Hamonten]').
    """
    if bracket in SURE_INSERTIONS:
        return SURE_INSERTIONS[bracket]
    words = bracket[1:-1].strip()
    if words[:1].islower():
        return "supplied"
    named = reg.named(words)
    if named is None:
        return None
    previous = re.search(r"([A-Za-z]+)\W*$", before)
    if previous:
        word = previous.group(1).casefold()
        if word in {c.casefold() for c in getattr(named, "code_names", [])}:
            return "identification"
        if word in {s.casefold() for s in named.spellings} and word != words.casefold():
            return "gloss"
        if reg.named(previous.group(1)) is not None or word in reg.people or word in reg.places:
            return None  # after another recorded name: the curator reads what the brackets do
    return "identification" if named.identification.value == "certain" else "transliteration"


def _insertions(text: str, reg: Registry, record: dict[str, Any], open_: list[str]) -> None:
    """The editorial insertions of the text, in order, with their kinds; an undecided kind is left open."""
    seen: dict[str, dict[str, Any]] = {}
    for match in BRACKET.finditer(text):
        bracket = match.group(0)
        if bracket.startswith("[Stamp:") or bracket in seen:
            continue
        kind = _insertion_kind(bracket, text[max(0, match.start() - 40):match.start()], reg)
        seen[bracket] = {"as_written": bracket, "kind": kind or "supplied"}
        if kind is None:
            open_.append(f"editorial_insertions[{len(seen) - 1}].kind: say what {bracket} does")
    if seen:
        record["editorial_insertions"] = list(seen.values())


def _header(text: str, reg: Registry, record: dict[str, Any], open_: list[str]) -> None:
    lines = [line.strip().rstrip("\\").strip() for line in text.splitlines()]
    head: list[str] = []
    for line in lines:
        if line.startswith('"') or (SALUTATION.match(line) and head):
            if SALUTATION.match(line):
                record["salutation"] = line
            break
        head.append(line)
    for line in head:
        plain = line.lstrip("#").strip()
        if (match := ISSUER.match(line)) and "issuer" not in record:
            record["issuer"] = match.group("issuer").strip()
        elif (match := KIND_LINE.match(plain)) and "kind" not in record:
            word = match.group("kind")
            record["kind"] = "ciphered-telegram" if word.startswith("CIPHERED") else (
                "cable" if word.startswith("CABL") else "telegram")
            record["number"] = match.group("number")
        elif plain in MARKINGS:
            record.setdefault("markings", []).append({"kind": MARKINGS[plain], "as_written": plain})
        if (match := COPY.search(plain)) and "copy_number" not in record:
            record["copy_number"] = match.group("n")
        if (match := ORIGIN.match(plain)) and "origin" not in record:
            place = reg.place(match.group("place"), match.group("all"))
            if place:
                # the editors' brackets around the place make the words theirs, not the telegram's
                origin: dict[str, Any] = {"place": place, "as_written": match.group("all"),
                                          "basis": "archive" if "[" in match.group("all") else "document"}
                if match.group("time"):
                    time, date = match.group("time").split()
                    origin["time"] = _moment(time, date)
                record["origin"] = origin
            else:
                open_.append(f"origin: {match.group('all')!r} names no recorded place")
        if (match := RECEIVED.search(plain)) and "received" not in record:
            record["received"] = {"at": _moment(match.group("time"), match.group("date")),
                                  "as_written": match.group("all")}
        if (match := ADDRESS.match(plain)) and "addressed_as" not in record:
            who = reg.person(match.group("name"), plain)
            record["addressed_as"] = match.group("name")
            record["address"] = plain
            if who:
                record["recipients"] = [who]
    for index, line in enumerate(head):
        if match := SERIES.match(line):  # it may run over the next line ('Series G.' / 'T'), up to a blank line
            words = [match.group("series")] + _run(head, index + 1, lambda later: True)
            record["series"] = " ".join(" ".join(words).split())
            break
    _distribution(head, reg, record)
    if any(m["kind"] == "copy-of-outgoing-telegram" for m in record.get("markings", [])):
        record["direction"] = "outgoing"


def _run(lines: list[str], start: int, more: Any) -> list[str]:
    """The lines from ``start`` up to the first blank line (or one ``more`` refuses)."""
    out = []
    for line in lines[start:]:
        if not line or not more(line):
            break
        out.append(line)
    return out


COPY_TO = re.compile(r"(?:" + NUMERO + r"\s*(?P<n>[0-9]+)\s+)?to Cde\.\s+(?P<name>[A-Z][a-z]+)")
COPIES_LIST = re.compile(r"^Copies:\s+(?P<list>.+)$")
ENTRY = re.compile(r"(?P<name>[A-Z][a-z]+)(?:\s+\((?P<count>[0-9]+)\))?")


def _distribution(head: list[str], reg: Registry, record: dict[str, Any]) -> None:
    """The distribution list: 'Copies: Stalin (2), Molotov' or one 'to Cde. X' per copy, verbatim and parsed."""
    start = next((i for i, line in enumerate(head) if line.startswith(("Copies", "Copy "))), None)
    if start is None:
        return
    block = [head[start]]
    index = start + 1
    while index < len(head):
        line = head[index]
        nxt = next((later for later in head[index:] if later), "")
        if (line and (line.startswith("to Cde.") or re.match(NUMERO, line))) or (not line and (nxt.startswith("to Cde.") or re.match(NUMERO + r"\s*[0-9]+\s+to", nxt))):
            block.append(line)
        else:
            break
        index += 1
    entries: list[dict[str, Any]] = []
    listed = COPIES_LIST.match(block[0])
    if listed and len(block) == 1:
        for match in ENTRY.finditer(listed.group("list")):
            entries.append({"name": match.group("name"), "copies": match.group("count")})
    else:
        for match in COPY_TO.finditer("\n".join(block)):
            entries.append({"name": match.group("name"), "copy_number": match.group("n")})
    people = [reg.who(entry["name"]) for entry in entries]
    if not entries or None in people:
        return  # a name the registry lacks: the curator writes the list
    record["distribution"] = []
    for entry, person in zip(entries, people, strict=True):
        previous = record["distribution"][-1] if record["distribution"] else None
        if previous and previous["person"] == person and not entry.get("copy_number") \
                and "copy_number" not in previous:  # 'to Cde. Stalin' twice: two copies, as 'Stalin (2)' is
            previous["copies"] = previous.get("copies", 1) + 1
            continue
        copy: dict[str, Any] = {"person": person}
        if entry.get("copies"):
            copy["copies"] = int(entry["copies"])
        if entry.get("copy_number"):
            copy["copy_number"] = entry["copy_number"]
        record["distribution"].append(copy)
    record["distribution_as_written"] = block[0] if len(block) == 1 else "\n".join(block) + "\n"


def _signature(text: str, reg: Registry, record: dict[str, Any]) -> None:
    """The sender's signature: the last line that is a recorded name alone, outside any quotation mark.

    Counting quotation marks is no guide (quoted telegrams quote speeches in turn), so the line is
    looked for from the end, where the covering telegram is signed below what it forwards.
    """
    for line in reversed(text.splitlines()):
        line = line.strip().rstrip("\\").strip()
        if line and '"' not in line and _only_a_name(line, reg):
            record["signature"], record["sender"] = line, reg.who(line)
            return


def _only_a_name(line: str, reg: Registry) -> bool:
    bare = line.rstrip(".")
    return any(bare.casefold() == name.casefold() for name in reg.person_index.present(line))


NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty")
VERIFIED = re.compile(r"(?P<all>Verified:\s*(?P<rank>[A-Za-z][A-Za-z ]*?)\s*\[signature\]\s*\((?P<who>[A-Za-z]+)\))")
COPIES_PRINTED = re.compile(r"(?P<all>(?P<n>[A-Z][a-z]+|[0-9]+) copies printed\.?)")
FILED = re.compile(r"(?P<all>(?:" + NUMERO + r"\s*)+(?P<numbers>[0-9]+(?:\s*(?:-|and|,)\s*[0-9]+)*)\s+filed)")


def _handling(text: str, reg: Registry, record: dict[str, Any], year: str | None, open_: list[str]) -> None:
    """The cipher office's notes under the signature, in the order they stand: who deciphered, printed
    and verified the copy, how many copies were printed and which were filed."""
    notes: list[tuple[int, dict[str, Any]]] = []
    for match in HANDLING.finditer(text):
        note: dict[str, Any] = {"action": "deciphered" if match.group("verb") == "Deciphered" else "printed"}
        who = reg.person(match.group("who"), match.group("all"))
        if who:
            note["by"] = who
        if year:
            clock = match.group("time")
            note["at"] = f"{year}-{MONTHS.index(match.group('month')) + 1:02d}-{int(match.group('day')):02d}T{clock[:2]}:{clock[2:]}"
        note["as_written"] = " ".join(match.group("all").split())
        notes.append((match.start(), note))
    for match in VERIFIED.finditer(text):
        note = {"action": "verified"}
        who = reg.person(match.group("who"), match.group("all"))
        if who:
            note["by"] = who
        note["rank"] = " ".join(match.group("rank").split())
        note["as_written"] = " ".join(match.group("all").split())
        notes.append((match.start(), note))
    for match in COPIES_PRINTED.finditer(text):
        word = match.group("n")
        count = int(word) if word.isdigit() else (NUMBER_WORDS.index(word.casefold()) + 1
                                                  if word.casefold() in NUMBER_WORDS else None)
        if count:
            notes.append((match.start(), {"action": "copies-printed", "copies": count, "as_written": match.group("all")}))
    for match in FILED.finditer(text):
        notes.append((match.start(), {"action": "filed", "copy_numbers": match.group("numbers"),
                                      "as_written": " ".join(match.group("all").split())}))
    if notes:
        record["handling"] = [note for _, note in sorted(notes, key=lambda pair: pair[0])]


# --------------------------------------------------------------------------------------------
# Repairs of the transcription: what the web page or the transcriber added, found by its form
# --------------------------------------------------------------------------------------------

HTML_SUP = re.compile(r"[0-9A-Za-z]*<(?P<tag>sup|sub)>(?P<inner>[^<]*)</(?P=tag)>")
TEX_NUMERO = re.compile(r"N\s*\$?\^\{(?:o|\\circ)\}\$?")
HEADING_MARK = re.compile(r"^(?P<all>#{1,6} (?P<words>\S.*?))\s*$", re.M)
TRAILING_MARK = re.compile(r"(?P<all>(?P<last>\S[^\n]*?)[ \t]*\n\s*\n?[ \t]*(?:#{1,6}|-{3,}|\*{3,}))\s*\Z")
PAGE_BREAK = re.compile(r"(?P<all>(?P<before>\b[a-z]+)[ \t]*\n[ \t]*\n[ \t]*(?P<after>[a-z]+\b))")
KIND_WORDS = ("CABLE", "TELEGRAM")


def _corrections(text: str, reg: Registry, open_: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """The repairs the page's text needs, by the forms of markup and slips, and the repaired text.

    Markup (HTML and TeX superscripts, heading marks, a rule after the text) and a kind word with a
    misread last letter ('CABLi') are certain from their form; a recorded name written with capital
    I's for l's ('Nam II' for 'Nam Il') is a slip of the kind the translations show; a paragraph that
    ends without punctuation and one that goes on in lower case are a page break. Each repair's
    reason is the curator's to write: it is left open.
    """
    found: list[tuple[str, str, str]] = []  # original, corrected, kind

    def add(original: str, corrected: str, kind: str) -> None:
        if original != corrected and original not in [f[0] for f in found]:
            found.append((original, corrected, kind))

    for match in HEADING_MARK.finditer(text):
        add(match.group("all"), match.group("words"), "markup")
    for match in HTML_SUP.finditer(text):
        add(match.group(0), match.group(0).replace(f"<{match.group('tag')}>", "").replace(f"</{match.group('tag')}>", ""),
            "markup")
    for match in TEX_NUMERO.finditer(text):
        add(match.group(0), "N°", "markup")
    if trailing := TRAILING_MARK.search(text):
        add(trailing.group("all"), trailing.group("last"), "markup")
    for match in re.finditer(r"\b(?P<word>[A-Z]{3,}[a-z])\s+(?:" + NUMERO + r"|N°)", text):
        word = match.group("word")
        for kind in KIND_WORDS:
            if len(word) == len(kind) and word[:-1] == kind[:-1]:
                add(word, kind, "transcription-slip")
    named: list[Person | Place] = [*reg.people.values(), *reg.places.values()]
    spellings = {name for record in named for name in record.spellings}
    for name in sorted(spellings, key=lambda n: (-len(n), n)):
        if " " in name and re.search(r"\bIl\b", name):
            misread = re.sub(r"\bIl\b", "II", name)
            if re.search(r"(?<!\w)" + re.escape(misread) + r"(?!\w)", text):
                add(misread, name, "transcription-slip")
    for match in PAGE_BREAK.finditer(text):
        add(match.group("all"), f"{match.group('before')} {match.group('after')}", "page-break")
    corrections = []
    for original, corrected, kind in found:
        count = text.count(original)
        if count == 0:
            continue  # an earlier repair took it
        text = text.replace(original, corrected)
        corrections.append({"original": original, "corrected": corrected, "kind": kind,
                            "reason": f"{PLACEHOLDER}{kind} found by its form", "count": count})
    return text, corrections


# --------------------------------------------------------------------------------------------
# Stamps and registration numbers
# --------------------------------------------------------------------------------------------

STAMP = re.compile(r"\[Stamp:\s*(?P<body>[^\[\]]*?)\s*\]")
DAY_MONTH = r"[0-9]{1,2}\s+(?:" + "|".join(MONTHS) + r")"
STAMP_DATE = re.compile(r"(?P<day>[0-9]{1,2})\s+(?P<month>" + "|".join(MONTHS) + r")\s+(?P<year>[0-9]{4})\s*$")
STAMP_NUMBER = re.compile(r"(?:(?P<label>[A-Z][a-z]+\s+(?:N°|№|Nº|No\.))\s*)?(?P<number>(?<![\w/])[0-9]+(?:/[0-9A-Za-z]+)*[A-Za-z]*(?![\w/]))")


def _stamps(text: str) -> list[dict[str, Any]]:
    """Each '[Stamp: ...]' of the text: its words, instruction, unit, numbers and date."""
    stamps = []
    for match in STAMP.finditer(text):
        lines = [line.strip().rstrip("\\").strip() for line in match.group("body").splitlines()]
        written = lines[0] if len(lines) == 1 else "\n".join(lines) + "\n"
        flat = " ".join(match.group("body").split())
        stamp: dict[str, Any] = {"as_written": written}
        instruction = re.match(r"[A-Z]{2,}(?:\s+[A-Z]{2,})*", flat)
        if instruction is None:
            continue
        stamp["instruction"] = instruction.group(0)
        rest = flat[instruction.end():]
        date = STAMP_DATE.search(rest)
        if date:
            stamp["date"] = f"{date.group('year')}-{MONTHS.index(date.group('month')) + 1:02d}-{int(date.group('day')):02d}"
            rest = rest[:date.start()]
        unit = re.match(r"\s*to the (?P<unit>.+?)(?=\s+(?:[A-Z][a-z]+\s+(?:N°|№|Nº|No\.)\s*)?[0-9]|\s*$)", rest)
        if unit:
            stamp["unit"] = unit.group("unit")
            rest = rest[unit.end():]
        numbers = []
        for number in STAMP_NUMBER.finditer(rest):
            item = {"number": number.group("number")}
            if number.group("label"):
                item["label"] = number.group("label")
            numbers.append(item)
        if numbers:
            stamp["numbers"] = numbers
        stamps.append(stamp)
    return stamps


REG_NUMBER = re.compile(r"(?<![\w°№º}$])(?P<sign>" + NUMERO + r"|N°)\s*(?P<number>[0-9]+)(?![\w/-])(?!\s*(?:and|-|,)\s*[0-9])(?!\s+filed)")
NUMBER_DATE = re.compile(r"^\s*(?P<date>" + DAY_MONTH + r"(?:\s+[0-9]{4})?|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4})\s*$")


def _numeric_date(written: str, year: str | None) -> str | None:
    """'11 July' (the document's year), '19 October 1951' or '13.8.51' as a date."""
    parts = written.split()
    if "." in written and len(parts) == 1:
        day, month, yy = written.split(".")
        full = yy if len(yy) == 4 else (year[:2] + yy if year else None)
        return f"{full}-{int(month):02d}-{int(day):02d}" if full else None
    given = parts[2] if len(parts) > 2 else year
    return f"{given}-{MONTHS.index(parts[1]) + 1:02d}-{int(parts[0]):02d}" if given else None


def _numbers(tail: list[str], signature_at: int | None, notes_at: int | None, year: str | None) -> list[dict[str, Any]]:
    """The unlabelled registration numbers after the quoted text, by where they stand.

    ``tail`` is the text's lines after the last quoted message (or the salutation); a number on a line
    of its own may have its date on the next line. Before the signature: 'before-signature'; after it:
    'after-signature'; among the cipher office's notes: 'handling-notes' (their dates are the notes').
    """
    found = []
    for index, line in enumerate(tail):
        for match in REG_NUMBER.finditer(line):
            if "filed" in line[match.end():match.end() + 12]:
                continue
            placement = ("handling-notes" if notes_at is not None and index >= notes_at else
                         "before-signature" if signature_at is not None and index < signature_at else "after-signature")
            written = match.group(0)
            item: dict[str, Any] = {"number": match.group("number"), "placement": placement}
            rest = line[match.end():]
            if placement != "handling-notes" and not rest.strip():
                nxt = next((later for later in tail[index + 1:] if later.strip()), "")
                date = NUMBER_DATE.match(nxt)
                if date:
                    written += " " + date.group("date")
                    when = _numeric_date(date.group("date"), year)
                    if when:
                        item["date"] = when
            item["as_written"] = written
            found.append(item)
    return found


# --------------------------------------------------------------------------------------------
# Quoted telegrams
# --------------------------------------------------------------------------------------------

CLOCK = r"(?:[0-9]{4}|[0-9]{1,2}:[0-9]{2})"
WHEN = (r"(?:" + CLOCK + r"\s+" + DAY_MONTH + r"(?:\s+[0-9]{4})?|" + DAY_MONTH + r"\s+[0-9]{4}(?:\s+" + CLOCK + r")?|"
        + DAY_MONTH + r"(?:\s+" + CLOCK + r")?|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}(?:\s+" + CLOCK + r")?)")
SIGN_OFF = re.compile(r"(?P<all>(?P<name>[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+){0,3})\.?\s+(?P<when>" + WHEN + r"))(?P<stop>\.?)\"\.?[ \t]*$", re.M)
OPENING = re.compile(r"^\"(?=(?:To\s|Cde\.|Comrade\s))", re.M)
ADDRESSED = re.compile(r"^(?P<all>To\s+(?:(?:Cde|Cdes)\.\s+|Comrade\s+)?(?P<name>[A-Z][A-Za-z]*(?:\s+[A-Z][A-Za-z]*)*)\.)"
                       r"|^(?P<all2>(?:Cde\.|Comrade)\s+(?P<name2>[A-Z][A-Za-z]*(?:\s+[A-Z][A-Za-z]*)*))(?=,)")
COPIES_SENT = re.compile(r"\b[Cc]op(?:y|ies):?\s+to\s+(?:Cdes?\.\s+|Comrades?\s+)?(?P<names>[A-Z][^.:]*?)\.")
TITLE = re.compile(r"\bsubmit(?:ting)?\s+(?:a\s+|an\s+)?(?P<title>[a-z]+(?:\s+[a-z]+)?\s+(?:" + NUMERO
                   + r"|N°)\s*[0-9]+(?:\s+to\s+[a-z]+(?:\s+[a-z]+)?\s+(?:" + NUMERO + r"|N°)\s*[0-9]+)?)")
YOUR_TELEGRAM = re.compile(r"\byour telegrams? of (?P<moments>" + WHEN + r"(?:,?\s+and\s+" + WHEN + r")*)")
CO_AUTHORS = re.compile(r"\bWe \((?P<names>[^()]+)\)")
AGENDA_ITEM = re.compile(r"^(?P<n>[0-9]{1,2})\.\s+(?P<text>\S.*)$", re.M)


def _when(written: str, year: str | None) -> str | None:
    """A time as the telegrams write it ('1145 10 July', '12.8.51 4:00', '10 July 1951') as a partial date."""
    clock = re.search(r"(?<![0-9.])(?P<c>[0-9]{4}|[0-9]{1,2}:[0-9]{2})(?![0-9.])", written)
    date_part = re.search(DAY_MONTH + r"(?:\s+[0-9]{4})?|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2,4}", written)
    if date_part is None:
        return None
    day = _numeric_date(date_part.group(0), year)
    if day is None:
        return None
    if clock and not (len(clock.group("c")) == 4 and clock.group("c") == date_part.group(0)[-4:]):
        digits = clock.group("c").replace(":", "").zfill(4)
        return f"{day}T{digits[:2]}:{digits[2:]}"
    return day


def _names(words: str, reg: Registry) -> list[str] | None:
    """The people a list of names ('KIM IL SUNG and PENG DEHUAI') names, in order; None if one is unknown."""
    out = []
    for part in re.split(r",\s*|\s+and\s+", words):
        who = reg.who(part.strip())
        if who is None:
            return None
        if who not in out:
            out.append(who)
    return out


def _messages(text: str, reg: Registry, year: str | None, open_: list[str]) -> tuple[list[dict[str, Any]], int | None]:
    """The telegrams the text quotes, each with its sender, addressee, copies, times and references.

    A quoted telegram opens with a quotation mark before its address ('"To Cde. MAO ZEDONG.', '"Cde. Le
    Kenong,') and closes with the sender's name and time before the closing mark ('Li Kenong. 1145 10
    July"'); quotations inside it (speeches) neither open nor close one. Returns the messages and
    where the last one ends in the text.
    """
    messages: list[dict[str, Any]] = []
    end: int | None = None
    position = 0
    while (start := OPENING.search(text, position)) is not None:
        close = SIGN_OFF.search(text, start.end())
        if close is None:
            break
        body_end = close.end("all") + len(close.group("stop"))
        body = "\n".join(line.rstrip().rstrip("\\").rstrip() for line in text[start.end():body_end].splitlines()) + "\n"
        index = len(messages)
        here = f"messages[{index}]"
        message: dict[str, Any] = {"id": f"m{index + 1}"}
        title = TITLE.search(body)
        if title:
            message["title"] = title.group("title")
        sender = reg.person(close.group("name"), close.group("all"))
        if sender is None:
            open_.append(f"quoted telegram signed {close.group('name')!r}: names no person a record or a new one can hold; "
                         "record it under messages")
            position = body_end
            continue
        message["sender"] = sender
        co = CO_AUTHORS.search(body)
        if co and (names := _names(co.group("names"), reg)) and sender in names:
            message["co_authors"] = [who for who in names if who != sender]
            open_.append(f"{here}.co_authors_as_written: quote the words that name the co-authors")
        address = ADDRESSED.match(body)
        if address:
            name = address.group("name") or address.group("name2")
            message["addressed_as"] = address.group("all") or address.group("all2")
            who = reg.person(name, message["addressed_as"])
            if who:
                message["recipients"] = [who]
        if "recipients" not in message:
            open_.append(f"{here}.recipients: the telegram's addressee is not a recorded person")
        copies = COPIES_SENT.search(body[:400])
        if copies and (names := _names(copies.group("names"), reg)):
            message["copies_to"] = names
        message["sent"] = {"at": _when(close.group("when"), year), "as_written": " ".join(close.group("all").split())}
        if message["sent"]["at"] is None:
            del message["sent"]
        references = _your_telegrams(body, message, year, here, open_)
        attached = re.search(r"\bto\s+(?P<title>[a-z]+(?:\s+[a-z]+)?\s+(?:" + NUMERO + r"|N°)\s*[0-9]+)$", message.get("title", ""))
        if attached:
            for earlier in messages:
                if _numero(earlier.get("title", "")) == _numero(attached.group("title")):
                    references.append({"description": f"{PLACEHOLDER}{attached.group('title')} (message {earlier['id']})",
                                       "sender": earlier["sender"], "recipients": list(earlier.get("recipients", [])),
                                       "as_written": attached.group("title")})
                    open_.append(f"{here}.refers_to[{len(references) - 1}].description: describe the telegram referred to")
        if references:
            message["refers_to"] = references
        agenda = _agenda(body, close.group("all"))
        if agenda:
            message["agenda"] = agenda
            open_.append(f"{here}.agenda.proposed_by: which side puts the agenda forward")
            open_.append(f"{here}.agenda.status: what the agenda is when the telegram speaks of it")
        message["text"] = body
        messages.append(message)
        position = end = body_end
    return messages, end


def _numero(words: str) -> str:
    return re.sub(NUMERO + r"|N°", "N°", words)


def _your_telegrams(body: str, message: dict[str, Any], year: str | None, here: str,
                    open_: list[str]) -> list[dict[str, Any]]:
    """'your telegram(s) of 0200 30 October and 2120 30 October': telegrams of the addressee to the sender.

    One reference per moment, in time order, quoted in the fewest words that name it.
    """
    seen: dict[str, str] = {}
    for match in YOUR_TELEGRAM.finditer(body):
        for moment in re.finditer(WHEN, match.group("moments")):
            at = _when(moment.group(0), year)
            if at and (at not in seen or len(match.group(0)) < len(seen[at])):
                seen[at] = match.group(0)
    references = []
    for at in sorted(seen):
        reference: dict[str, Any] = {"description": f"{PLACEHOLDER}telegram of {at}"}
        if message.get("recipients"):
            reference["sender"] = message["recipients"][0]
        reference["recipients"] = [message["sender"]]
        reference["date"] = at
        reference["as_written"] = seen[at]
        references.append(reference)
        open_.append(f"{here}.refers_to[{len(references) - 1}].description: describe the telegram referred to")
    return references


def _agenda(body: str, sign_off: str) -> dict[str, Any] | None:
    """A numbered list under a paragraph that speaks of an agenda and introduces it with a colon."""
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    for index, paragraph in enumerate(paragraphs[:-1]):
        first = paragraphs[index + 1].lstrip()
        if "agenda" in paragraph.casefold() and ":" in paragraph and AGENDA_ITEM.match(first) and first.startswith("1."):
            items: list[dict[str, Any]] = []
            for later in paragraphs[index + 1:]:
                lines = later.strip().splitlines()
                if not all(AGENDA_ITEM.match(line.strip()) for line in lines):
                    break
                for line in lines:
                    item = AGENDA_ITEM.match(line.strip())
                    assert item is not None
                    words = item.group("text").removesuffix(sign_off).strip()
                    if int(item.group("n")) != len(items) + 1:
                        return None
                    items.append({"number": int(item.group("n")), "text": words})
            proposed_by = "un-command" if re.search(r"\b(?:American|enemy)\b", paragraph) else "korean-chinese"
            status = "intended" if re.search(r"\bintend", paragraph) else "proposed"
            return {"proposed_by": proposed_by, "status": status, "items": items}
    return None


# --------------------------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------------------------


def _put(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        record = record.setdefault(part, {})
    record[path[-1]] = value


def draft(page_path: Path, records: Path, record_id: str | None = None) -> Draft:
    """A draft record of the page at ``page_path``, linked to the people and places under ``records``."""
    raw = page_path.read_bytes()
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DraftError(f"{page_path}: not UTF-8 (byte {error.start}); keep the page as the archive serves it") from None
    digest = hashlib.sha256(raw).hexdigest()
    kept_already = page_path.resolve().parent == (records.resolve().parent / "sources").resolve()
    name = page_path.name if kept_already else f"{digest[:16]}.txt"  # a kept page keeps its name
    starts_after, ends_before, language = boundaries(source.splitlines())
    page: Page = read_page(source, starts_after, ends_before)
    given = page_values(page)
    record: dict[str, Any] = {}
    open_: list[str] = []
    for item, path in RECORD_PATH.items():
        if item in given and item is not PageItem.ARCHIVAL_REFERENCES:
            _put(record, path, given[item][0])
    date = record.get("date")
    year = date[:4] if isinstance(date, str) and re.match(r"^[0-9]{4}", date) else None
    reg = registry(records)
    text, corrections = _corrections(page.text.strip("\n"), reg, open_)
    messages, messages_end = _messages(text, reg, year, open_)
    first = min((m.start() for m in OPENING.finditer(text)), default=0)
    outside = text if messages_end is None else text[:first] + text[messages_end:]
    _header(text, reg, record, open_)
    _signature(outside, reg, record)
    stamps = _stamps(text)
    if stamps:
        record["stamps"] = stamps
    tail_text = text[messages_end:] if messages_end is not None else text
    tail = tail_text.splitlines()
    signature_at = next((i for i, line in enumerate(tail) if record.get("signature")
                         and line.strip().rstrip("\\").strip() == record["signature"]), None)
    if messages_end is None:
        tail, signature_at = (tail[signature_at:], 0) if signature_at is not None else ([], None)
    notes_at = next((i for i, line in enumerate(tail) if re.match(r"\s*(?:-{3,}|Deciphered|Printed)", line)), None)
    numbers = _numbers(tail, signature_at, notes_at, year)
    if numbers:
        record["numbers"] = numbers
    _handling(tail_text, reg, record, year, open_)
    if messages:
        record["messages"] = messages
    references = [{"repository": parts["repository"], **{k: v for k, v in parts.items() if v and k != "repository"},
                   "as_written": written}
                  for written in given.get(PageItem.ARCHIVAL_REFERENCES, ([], 0))[0]
                  for parts in [parse_reference(written)]]
    if any(ref["repository"] is None for ref in references):
        open_.append("archival_references: a repository the vocabulary lacks")
    record["archival_references"] = [ref for ref in references if ref["repository"]]
    src = record.setdefault("source", {})
    src["archive"] = "Wilson Center Digital Archive"
    if "record_id" in src:
        src["url"] = f"https://digitalarchive.wilsoncenter.org/document/{src['record_id']}"
    elif "retrieved_from" in src and re.search(r"/document/[a-z0-9]+(?:-[a-z0-9]+)*/?$", src["retrieved_from"]):
        src["url"] = "https://digitalarchive.wilsoncenter.org/document/" + src["retrieved_from"].rstrip("/").rsplit("/", 1)[1]
    else:
        open_.append("source.url: the page gives neither a record id nor an address")
    if "retrieved_from" not in src:
        open_.append("source.retrieved_from: the page does not give its own address")
    if language:
        src["translation_language"] = language
    else:
        open_.append("source.translation_language: the page does not name the translation's language")
    src["transcription"] = {"file": f"sources/{name}", "sha256": digest, "text_starts_after": starts_after}
    if ends_before:
        src["transcription"]["text_ends_before"] = ends_before
    src["not_on_page"] = [item.value for item in RECORD_PATH if item not in given and item is not PageItem.ADDRESS]
    if not src["not_on_page"]:
        del src["not_on_page"]
    record["text"] = text + "\n"
    _insertions(text, reg, record, open_)
    if corrections:
        record["corrections"] = corrections
        for index, correction in enumerate(corrections):
            open_.append(f"corrections[{index}].reason: say why the page needs this repair")
            if correction["kind"] == "page-break" or correction["original"].startswith("#"):
                open_.append(f"corrections[{index}].original: check how much of the text the repair should quote")
    if record_id is None and date and record.get("kind") and record.get("number"):
        record_id = f"{date[:10]}-{record['kind']}-{record['number']}"
    for required in ("kind", "sender", "recipients"):
        if required not in record:
            open_.append(f"{required}: the page does not settle it")
    _mentions(record, reg)
    open_.append("topics: the curator's reading, never drafted")
    open_.append("events: the curator's reading, never drafted")
    open_.append("proposals: the curator's reading, never drafted")
    ordered = {"id": record_id or "TODO-id"}
    for spec in Document.model_fields:
        if spec in record:
            ordered[spec] = record[spec]
    if record_id is None:
        open_.insert(0, "id: the page gives no date, kind and number to name the record by (use --id)")
    new_records = _proposals(reg, ordered, open_)
    return Draft(ordered, f"sources/{name}", raw, list(dict.fromkeys(open_)), new_records)


def _proposals(reg: Registry, record: dict[str, Any], open_: list[str]) -> dict[str, str]:
    """The new people and places the draft proposes, written out, and each link to one marked open.

    A proposed record holds only what the page says: the name as written, as its one spelling, and
    the words it stands in as its basis, identified as 'uncertain'. The curator identifies it (or
    links a recorded one under another spelling) and removes the open entries.
    """
    out: dict[str, str] = {}
    for (folder, slug), proposal in sorted(reg.proposed.items()):
        data = {"id": slug, "name": proposal["name"], "spellings": [proposal["name"]], "identification": "uncertain",
                "identified_by": [{"basis": "document", "document": record["id"], "words": proposal["words"]}]}
        model = Person if folder == "people" else Place
        out[f"{folder}/{slug}.yaml"] = format_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096),
                                                   model)
        for path in _paths_of(record, slug):
            open_.append(f"{path}: links {folder}/{slug}.yaml, proposed for {proposal['name']!r}, a name no record "
                         "has; identify the new record or link a recorded one")
    return out


def _paths_of(value: Any, wanted: str, path: str = "") -> list[str]:
    """Where in the record the id ``wanted`` stands, as draft_open paths ('handling[2].by')."""
    if isinstance(value, dict):
        return [p for key, item in value.items() if key != "text"
                for p in _paths_of(item, wanted, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _paths_of(item, wanted, f"{path}[{index}]")]
    return [path] if value == wanted else []


def _roles(record: dict[str, Any]) -> set[str]:
    """Everyone the draft gives a role: sender, addressee, copies, notes, and in each quoted telegram."""
    held = {record.get("sender"), *record.get("recipients", []), *(c["person"] for c in record.get("distribution", [])),
            *(n.get("by") for n in record.get("handling", []))}
    for message in record.get("messages", []):
        held |= {message.get("sender"), *message.get("recipients", []), *message.get("copies_to", []),
                 *message.get("co_authors", [])}
        for reference in message.get("refers_to", []):
            held |= {reference.get("sender"), *reference.get("recipients", [])}
    return {who for who in held if who}


def _mentions(record: dict[str, Any], reg: Registry) -> None:
    """People, places and organisations whose recorded names occur, other than those holding a role."""
    words = " ".join(str(record.get(k, "")) for k in ("title", "text")) + " " + record["source"].get("summary", "")
    people = sorted({reg.people[n.casefold()].id for n in reg.person_index.present(words)} - _roles(record))
    places = sorted({reg.places[n.casefold()].id for n in reg.place_index.present(words)}
                    - {record.get("origin", {}).get("place")})
    organisations = sorted({reg.organisations[n.casefold()].id for n in reg.organisation_index.present(words)})
    if people:
        record["mentioned_people"] = people
    if places:
        record["mentioned_places"] = places
    if organisations:
        record["mentioned_organisations"] = organisations


def write(result: Draft, records: Path, out: Path | None) -> tuple[Path, Path]:
    """Keep the page under ``sources/`` (beside ``records``) and write the record; nothing is overwritten."""
    root = records.resolve().parent
    kept = root / result.source_name
    target = out or records / "documents" / f"{result.record['id']}.yaml"
    if target.exists():
        raise DraftError(f"{target}: exists; drafting never overwrites a record")
    if kept.exists() and kept.read_bytes() != result.source_bytes:
        raise DraftError(f"{kept}: exists with other bytes")
    for relative in result.new_records:
        if (records / relative).exists():
            raise DraftError(f"{records / relative}: exists but does not load; fix it before drafting")
    text = result.yaml()
    kept.parent.mkdir(parents=True, exist_ok=True)
    if not kept.exists():
        kept.write_bytes(result.source_bytes)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    for relative, content in result.new_records.items():
        (records / relative).parent.mkdir(parents=True, exist_ok=True)
        (records / relative).write_text(content, encoding="utf-8")
    return kept, target


# --------------------------------------------------------------------------------------------
# Measuring a draft against the curated record
# --------------------------------------------------------------------------------------------

GROUPS: dict[str, tuple[str, ...]] = {
    "page": ("title", "date", "source", "archival_references"),
    "header": ("kind", "number", "issuer", "series", "copy_number", "sender", "signature", "recipients",
               "addressed_as", "address", "salutation", "origin", "received", "direction", "sent", "via", "destination",
               "markings", "refers_to", "distribution", "distribution_as_written"),
    "notes": ("stamps", "numbers", "handling"),
    "messages": ("messages",),
    "links": ("mentioned_people", "mentioned_places", "mentioned_organisations"),
    "reading": ("topics", "events", "proposals", "notes"),
    "insertions": ("editorial_insertions",),
    "repairs": ("corrections",),
    "text": ("text",),
}
"""Field groups of the comparison table, by the record's top-level fields."""

UNORDERED = ("recipients", "mentioned_people", "mentioned_places", "topics", "events")
"""Lists of ids whose order carries no meaning: compared as sets."""


KEYED = {"editorial_insertions": "as_written", "corrections": "original"}
"""Lists of mappings compared item by item through a key (the draft may give only some of them)."""


def _leaves(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    if isinstance(value, list) and path and path[-1] in KEYED:
        key = KEYED[path[-1]]
        return {leaf: v for item in value if key in item for leaf, v in _leaves(item, path + (item[key],)).items()}
    if isinstance(value, dict):
        return {leaf: v for key, item in value.items() for leaf, v in _leaves(item, path + (key,)).items()}
    if isinstance(value, list) and path and path[-1] in UNORDERED:
        return {path + (item,): True for item in value}
    if isinstance(value, list):
        return {leaf: v for index, item in enumerate(value) for leaf, v in _leaves(item, path + (index,)).items()}
    return {path: value}


def _repaired(text: str, corrections: list[dict[str, Any]]) -> str:
    for correction in corrections:
        text = text.replace(correction["original"], correction["corrected"])
    return " ".join(text.split())


def compare_records(drafted: dict[str, Any], curated: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Per field group, how many of the curated record's values the draft has right, left open, or wrong.

    A value the draft gives that the curated record lacks is wrong too (an invention). A value the
    draft proposes but marks undecided in ``draft_open`` counts as open, whatever it is: the validator
    refuses the record until a curator has decided it. The text is right
    when the curated record's own repairs turn it into the curated text (repairs are the curator's).
    """
    drafted = without_open(drafted)
    counts = {group: {"right": 0, "open": 0, "wrong": 0} for group in GROUPS}
    group_of = {name: group for group, names in GROUPS.items() for name in names}
    ours = _leaves({k: v for k, v in drafted.items() if k not in ("id", "draft_open", "text")})
    theirs = _leaves({k: v for k, v in curated.items() if k not in ("id", "text")})
    for path in theirs.keys() | ours.keys():
        group = group_of.get(path[0])
        if group is None:
            continue
        if path not in ours:
            counts[group]["open"] += 1
        elif path not in theirs or ours[path] != theirs[path]:
            counts[group]["wrong"] += 1
        else:
            counts[group]["right"] += 1
    text_right = _repaired(drafted.get("text", ""), curated.get("corrections", [])) == " ".join(curated["text"].split())
    counts["text"]["right" if text_right else "wrong"] += 1
    return counts


def _open_path(entry: str) -> tuple[str | int, ...] | None:
    """The field path an entry of ``draft_open`` names ('messages[0].refers_to[1].description: ...')."""
    head = entry.split(":", 1)[0].strip()
    if not re.fullmatch(r"[a-z_]+(?:\[[0-9]+\]|\.[a-z_]+)*", head):
        return None
    return tuple(int(part[1:-1]) if part.startswith("[") else part for part in re.findall(r"\[[0-9]+\]|[a-z_]+", head))


def without_open(record: dict[str, Any]) -> dict[str, Any]:
    """The record without the values its ``draft_open`` marks undecided (a deep copy)."""
    out = copy.deepcopy(record)
    paths = [path for entry in record.get("draft_open", []) if (path := _open_path(entry))]
    for path in sorted(paths, key=lambda p: [str(x) for x in p], reverse=True):
        holder: Any = out
        for part in path[:-1]:
            try:
                holder = holder[part]
            except (KeyError, IndexError, TypeError):
                holder = None
                break
        if isinstance(holder, dict):
            holder.pop(path[-1], None)
        elif isinstance(holder, list) and isinstance(path[-1], int) and path[-1] < len(holder):
            holder[path[-1]] = {}
    return out


NEVER_DRAFTED = ("reading",)
"""Field groups that are the curator's reading of the document, which a draft never proposes."""


def filled(counts: dict[str, dict[str, int]], leaving_out: tuple[str, ...] = NEVER_DRAFTED) -> float:
    """The share of the curated record's values the draft has right, over the groups not left out."""
    right = sum(c["right"] for group, c in counts.items() if group not in leaving_out)
    left = sum(c["open"] for group, c in counts.items() if group not in leaving_out)
    return right / max(1, right + left)
