"""Drafting a document record from a kept archive page, so that a curator checks instead of types.

``armistice draft PAGE`` reads a page in either layout (:mod:`armistice.page`), keeps it under
``sources/`` by its SHA-256, and writes a record in canonical form (the writer of ``armistice fmt``)
with what the page gives mechanically: the archive's fields (the same reading the page comparison
uses, :func:`armistice.rules.page.page_values`), the archival references parsed, the header lines
of the cipher office's forms, the handling notes under the signature, and the people and places of
the registry whose recorded spellings occur.

It never invents. A value it cannot read from the page is left out, and its field path is listed in
the record's ``draft_open``; ``armistice validate`` reports every entry there (and every required
field left out) until the curator has decided it and removed the entry. Names the registry lacks are
not guessed into ids either: the header words that name them are listed for the curator in
``draft_open`` with the field they belong to.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from armistice.models import Document, PageItem, Person, Place
from armistice.page import DATE_AS_WRITTEN, MONTHS, Page, label_of, read_page
from armistice.records.files import load_entry
from armistice.records.fmt import format_text
from armistice.rules.fidelity import BRACKET
from armistice.rules.names import NameIndex, names_of
from armistice.rules.page import RECORD_PATH, page_values, parse_reference

TRANSLATION_LABELS = {"translation - english": "en", "- english translation": "en", "english translation": "en"}
"""Lines under 'Contents' in the older layout that name the translation the page holds, and its language."""


class DraftError(Exception):
    """The page cannot be drafted (not UTF-8, no text found): one line for the curator."""


@dataclass
class Draft:
    """A drafted record, where its page is kept, and what is left for the curator."""

    record: dict[str, Any]
    source_name: str
    source_bytes: bytes
    open: list[str] = field(default_factory=list)

    def yaml(self) -> str:
        """The record in canonical form, exactly as ``armistice fmt`` would lay it out."""
        data = dict(self.record)
        if self.open:
            data["draft_open"] = list(self.open)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)
        return format_text(text, Document)


# --------------------------------------------------------------------------------------------
# The registry: which people and places a spelling names
# --------------------------------------------------------------------------------------------


@dataclass
class Registry:
    """The people and places of a records root, by every spelling and code name (case-insensitive)."""

    people: dict[str, Person]
    places: dict[str, Place]
    person_index: NameIndex
    place_index: NameIndex

    def who(self, words: str) -> str | None:
        """The one person whose recorded name occurs in ``words``, or None (none, or several)."""
        found = {self.people[name.casefold()].id for name in self.person_index.present(words)}
        return found.pop() if len(found) == 1 else None

    def where(self, words: str) -> str | None:
        found = {self.places[name.casefold()].id for name in self.place_index.present(words)}
        return found.pop() if len(found) == 1 else None


def registry(records: Path) -> Registry:
    """Every person and place under ``records`` that validates alone (a broken one is skipped: validate reports it)."""
    people: dict[str, Person] = {}
    places: dict[str, Place] = {}
    for folder, into in (("people", people), ("places", places)):
        for file in sorted((records / folder).glob("*.yaml")):
            loading = load_entry(file, records)
            record = loading.entry.record if loading.entry else None
            if isinstance(record, (Person, Place)):
                for name in names_of(record):
                    into.setdefault(name.casefold(), record)  # type: ignore[arg-type]
    return Registry(people, places, NameIndex(people), NameIndex(places))


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
"""Bracketed insertions whose kind their words alone decide; any other is left to the curator."""


def _insertions(text: str, record: dict[str, Any], open_: list[str]) -> None:
    """The editorial insertions of the text, in order; those whose kind is not certain are left open."""
    found = list(dict.fromkeys(b for b in BRACKET.findall(text) if not b.startswith("[Stamp:")))
    record["editorial_insertions"] = [{"as_written": b, "kind": SURE_INSERTIONS[b]} for b in found
                                      if b in SURE_INSERTIONS] or None
    if not record["editorial_insertions"]:
        del record["editorial_insertions"]
    undecided = [b for b in found if b not in SURE_INSERTIONS]
    if undecided:
        open_.append("editorial_insertions: say the kind of " + ", ".join(undecided))


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
            place = reg.where(match.group("place"))
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
            who = reg.who(match.group("name"))
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
    if block[0] == "Copies:":  # the list stands under its label
        return
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


def _handling(text: str, reg: Registry, record: dict[str, Any], year: str | None) -> None:
    notes = []
    for match in HANDLING.finditer(text):
        note: dict[str, Any] = {"action": "deciphered" if match.group("verb") == "Deciphered" else "printed",
                                "as_written": " ".join(match.group("all").split())}
        who = reg.who(match.group("who"))
        if who:
            note["by"] = who
        if year:
            clock = match.group("time")
            note["at"] = f"{year}-{MONTHS.index(match.group('month')) + 1:02d}-{int(match.group('day')):02d}T{clock[:2]}:{clock[2:]}"
        notes.append(note)
    if notes:
        record["handling"] = notes


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
    text = page.text.strip("\n")
    _header(text, reg := registry(records), record, open_)
    _signature(text, reg, record)
    _handling(text, reg, record, year)
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
    elif "retrieved_from" in src and re.search(r"/document/[a-z0-9-]+$", src["retrieved_from"]):
        src["url"] = "https://digitalarchive.wilsoncenter.org/document/" + src["retrieved_from"].rsplit("/", 1)[1]
    else:
        open_.append("source.url")
    if "retrieved_from" not in src:
        open_.append("source.retrieved_from")
    if language:
        src["translation_language"] = language
    else:
        open_.append("source.translation_language")
    src["transcription"] = {"file": f"sources/{name}", "sha256": digest, "text_starts_after": starts_after}
    if ends_before:
        src["transcription"]["text_ends_before"] = ends_before
    src["not_on_page"] = [item.value for item in RECORD_PATH if item not in given and item is not PageItem.ADDRESS]
    if not src["not_on_page"]:
        del src["not_on_page"]
    record["text"] = text + "\n"
    _insertions(text, record, open_)
    if record_id is None and date and record.get("kind") and record.get("number"):
        record_id = f"{date[:10]}-{record['kind']}-{record['number']}"
    for required in ("kind", "sender", "recipients"):
        if required not in record:
            open_.append(required)
    if '"' in text:
        open_.append("messages: the text quotes a telegram; record it with its sender, addressee and times")
    _mentions(record, reg, open_)
    open_.append("topics and events: the curator's reading, never drafted")
    ordered = {"id": record_id or "TODO-id"}
    for spec in Document.model_fields:
        if spec in record:
            ordered[spec] = record[spec]
    if record_id is None:
        open_.insert(0, "id: the page gives no date, kind and number to name the record by (use --id)")
    return Draft(ordered, f"sources/{name}", raw, open_)


def _mentions(record: dict[str, Any], reg: Registry, open_: list[str]) -> None:
    """People and places whose recorded names occur, other than those the header already links."""
    words = " ".join(str(record.get(k, "")) for k in ("title", "text")) + " " + record["source"].get("summary", "")
    linked = {record.get("sender"), *record.get("recipients", []), *(c["person"] for c in record.get("distribution", [])),
              *(n.get("by") for n in record.get("handling", []))}
    people = sorted({reg.people[n.casefold()].id for n in reg.person_index.present(words)} - linked)
    if people:  # mentioned, or holding a role in a quoted message or a note the draft leaves open: undecided
        open_.append("mentioned_people: the text names " + ", ".join(people) + "; list here those who hold "
                     "no other role (message, handling)")
        people = []
    places = sorted({reg.places[n.casefold()].id for n in reg.place_index.present(words)}
                    - {record.get("origin", {}).get("place")})
    if people:
        record["mentioned_people"] = people
    if places:
        record["mentioned_places"] = places


def write(result: Draft, records: Path, out: Path | None) -> tuple[Path, Path]:
    """Keep the page under ``sources/`` (beside ``records``) and write the record; nothing is overwritten."""
    root = records.resolve().parent
    kept = root / result.source_name
    target = out or records / "documents" / f"{result.record['id']}.yaml"
    if target.exists():
        raise DraftError(f"{target}: exists; drafting never overwrites a record")
    if kept.exists() and kept.read_bytes() != result.source_bytes:
        raise DraftError(f"{kept}: exists with other bytes")
    text = result.yaml()
    kept.parent.mkdir(parents=True, exist_ok=True)
    if not kept.exists():
        kept.write_bytes(result.source_bytes)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
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
    "links": ("mentioned_people", "mentioned_places", "topics", "events"),
    "insertions": ("editorial_insertions",),
    "text": ("text", "corrections", "notes"),
}
"""Field groups of the comparison table, by the record's top-level fields."""

UNORDERED = ("recipients", "mentioned_people", "mentioned_places", "topics", "events")
"""Lists of ids whose order carries no meaning: compared as sets."""


KEYED = {"editorial_insertions": "as_written"}
"""Lists of mappings compared item by item through a key (the draft may give only some of them)."""


def _leaves(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    if isinstance(value, list) and path and path[-1] in KEYED:
        key = KEYED[path[-1]]
        return {leaf: v for item in value for leaf, v in _leaves(item, path + (item[key],)).items()}
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

    A value the draft gives that the curated record lacks is wrong too (an invention). The text is right
    when the curated record's own repairs turn it into the curated text (repairs are the curator's).
    """
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
