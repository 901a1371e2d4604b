"""What the explorer's own pages show: a document's reading view, an entry's page, words for codes.

The templates in ``datasette/templates/`` lay these out; the values are computed here, from the
database and the ``armistice`` plugin configuration that ``armistice.explore.serve`` generates from
the models (vocabulary meanings, which link tables tie an entry to documents and events, the
dataset's citation in every format). A document is cited exactly as ``armistice cite <id>`` cites it,
through the same function, from its published values.
"""

from __future__ import annotations

import json
import re
from typing import Any

from datasette import hookimpl
from datasette.utils import escape_sqlite, tilde_decode
from markupsafe import Markup, escape

from armistice.models import CorrectionKind
from armistice.release import jsonld
from armistice.release.citation import FORMATS, held_document_item, render
from armistice.rules.repairs import shown_change

QUOTES = "\"'«“„"
"""Quotation marks that open a quoted telegram in a document's text: they go with the telegram's block."""


def config(datasette) -> dict[str, Any]:
    return datasette.plugin_config("armistice") or {}


def words(value: Any, table: str, column: str, vocabularies: dict[str, Any]) -> Markup:
    """A coded value in words: the code with spaces for hyphens, its meaning (from the models) as a tooltip."""
    if value is None or value == "":
        return Markup("")
    meaning = vocabularies.get(table, {}).get(column, {}).get(str(value))
    shown = str(value).replace("-", " ")
    if not meaning:
        return escape(shown)
    return Markup('<span class="code-word" title="{}">{}</span>').format(meaning, shown)


def meaning(value: Any, table: str, column: str, vocabularies: dict[str, Any]) -> str:
    """The meaning of a coded value, or the value itself when it has none."""
    return vocabularies.get(table, {}).get(column, {}).get(str(value), str(value or ""))


def snippet_html(text: str | None) -> Markup:
    """An FTS snippet marked with \\x02 and \\x03 around each match: escaped, the matches in <mark>."""
    if not text:
        return Markup("")
    return Markup(str(escape(" ".join(text.split()))).replace("\x02", "<mark>").replace("\x03", "</mark>"))


@hookimpl
def prepare_jinja2_environment(env, datasette):
    def coded(value, table, column):
        return words(value, table, column, config(datasette).get("vocabularies", {}))

    def means(value, table, column):
        return meaning(value, table, column, config(datasette).get("vocabularies", {}))

    env.filters["words"] = coded
    env.filters["meaning"] = means
    env.filters["snippet_html"] = snippet_html
    env.filters["json_list"] = lambda value: json.loads(value) if value else []


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text with each run of whitespace as one space, and the original offset of every character."""
    out, offsets = [], []
    for match in re.finditer(r"\s+|\S", text):
        out.append(" " if match.group().isspace() else match.group())
        offsets.append(match.start())
    offsets.append(len(text))
    return "".join(out), offsets


def segments(text: str, messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The document's text cut into plain paragraphs and the quoted messages, each message in its place.

    A message's text equals a stretch of the document's text up to whitespace; that stretch (with an
    opening quotation mark just before it) becomes the message's block, so each telegram is shown
    once. Messages not found in the text are returned apart, to be shown after it.
    """
    flat, offsets = _normalised(text)
    found: list[tuple[int, int, dict[str, Any]]] = []
    apart = []
    for message in messages:
        needle = " ".join(message["text"].split())
        at = flat.find(needle) if needle else -1
        if at < 0 or any(start <= offsets[at] < end for start, end, _ in found):
            apart.append(message)
            continue
        start, end = offsets[at], offsets[at + len(needle) - 1] + 1
        while start > 0 and text[start - 1] in QUOTES:
            start -= 1
        while end < len(text) and text[end] in QUOTES:
            end += 1
        found.append((start, end, message))
    out: list[dict[str, Any]] = []
    cursor = 0
    for start, end, message in sorted(found, key=lambda item: item[0]):
        out += _paragraphs(text[cursor:start])
        out.append({"message": message, "text": text[start:end], "paragraphs": _split(text[start:end])})
        cursor = end
    out += _paragraphs(text[cursor:])
    return out, apart


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def _paragraphs(text: str) -> list[dict[str, Any]]:
    return [{"paragraph": part} for part in _split(text)]


async def _rows(db, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [dict(row) for row in (await db.execute(sql, params or {})).rows]


async def reading(db, document_id: str) -> dict[str, Any] | None:
    """Everything the reading view of one document shows beyond its own row."""
    found = await _rows(db, "select * from documents where id = :id", {"id": document_id})
    if not found:
        return None
    doc = found[0]
    people = {row["id"]: row["name"] for row in await _rows(
        db, "select id, name from people where id in (select person_id from document_people where document_id = :id"
            " union select person_id from message_people where message_id in"
            " (select id from messages where document_id = :id) union select :sender)",
        {"id": document_id, "sender": doc["sender_id"]})}
    messages = await _rows(db, "select * from messages where document_id = :id order by position", {"id": document_id})
    links = await _rows(db, "select message_id, person_id, role from message_people where message_id in "
                            "(select id from messages where document_id = :id) order by message_id, role, position",
                        {"id": document_id})
    for message in messages:
        mine = [link for link in links if link["message_id"] == message["id"]]
        message["recipients"] = [(link["person_id"], people.get(link["person_id"])) for link in mine
                                 if link["role"] == "recipient"]
        message["copies"] = [(link["person_id"], people.get(link["person_id"])) for link in mine
                             if link["role"] == "copy"]
        message["sender_name"] = people.get(message["sender_id"], message["sender_id"])
    shown, apart = segments(doc["text"] or "", messages)
    recipients = await _rows(db, "select person_id from document_people where document_id = :id and role = 'recipient'"
                                 " order by position", {"id": document_id})
    corrections = await _rows(db, "select * from corrections where document_id = :id order by position",
                              {"id": document_id})
    for correction in corrections:
        correction["shown"] = shown_change(CorrectionKind(correction["kind"]), correction["original"],
                                           correction["corrected"])
    references = await _rows(db, "select * from archival_references where document_id = :id order by position",
                             {"id": document_id})
    order = {"d": doc["date_min"], "id": document_id}
    previous = await _rows(db, "select id, date, title from documents where date_min < :d or (date_min = :d and "
                               "id < :id) order by date_min desc, id desc limit 1", order)
    following = await _rows(db, "select id, date, title from documents where date_min > :d or (date_min = :d and "
                                "id > :id) order by date_min, id limit 1", order)
    dataset = config(db.ds)
    item = held_document_item(
        id=doc["id"], title=doc["title"], kind=doc["kind"], number=doc["number"],
        author=people.get(doc["sender_id"], doc["sender_id"]),
        recipients=[people.get(row["person_id"], row["person_id"]) for row in recipients], date=doc["date"],
        archive=doc["source_archive"], locations=[reference["as_written"] for reference in references],
        url=doc["source_url"], archive_citation=doc["source_citation"], content_sha256=doc["content_sha256"],
        dataset_title=dataset.get("title", ""), dataset_version=dataset.get("version", ""),
        dataset_doi=dataset.get("doi") or dataset.get("concept_doi"))
    return {
        "segments": shown, "apart": apart, "corrections": corrections, "references": references,
        "recipients": [(row["person_id"], people.get(row["person_id"])) for row in recipients],
        "sender": (doc["sender_id"], people.get(doc["sender_id"], doc["sender_id"])),
        "previous": previous[0] if previous else None, "next": following[0] if following else None,
        "citations": {fmt: render(item, fmt) for fmt in FORMATS},
    }


async def entry(db, table: str, key: str, entries: dict[str, Any]) -> dict[str, Any] | None:
    """An entry's documents (date, title, roles), events and the entries it involves, in date order."""
    declared = entries.get(table)
    if declared is None:
        return None
    documents: dict[str, dict[str, Any]] = {}
    for link in declared["documents"]:
        role = "group_concat(l.role, ', ')" if link["role"] else "null"
        for row in await _rows(db, f"select d.id, d.date, d.date_min, d.title, {role} as roles from "
                                   f"{escape_sqlite(link['table'])} l join documents d on d.id = l.{link['via']} "
                                   f"where l.{escape_sqlite(link['column'])} = :key group by d.id", {"key": key}):
            here = documents.setdefault(row["id"], {**row, "roles": [], "link_table": link["table"]})
            here["roles"] += [role for role in (row["roles"] or "").split(", ") if role]
    events: dict[str, dict[str, Any]] = {}
    for link in declared["events"]:
        for row in await _rows(db, f"select e.id, e.date, e.date_min, e.title from {escape_sqlite(link['table'])} l "
                                   f"join events e on e.id = l.{link['via']} "
                                   f"where l.{escape_sqlite(link['column'])} = :key", {"key": key}):
            events.setdefault(row["id"], row)
    involves = []
    for link in declared["involves"]:
        label = entries.get(link["kind"], {}).get("label") or "id"
        rows = await _rows(db, f"select t.id, t.{escape_sqlite(label)} as label from {escape_sqlite(link['table'])} l "
                               f"join {escape_sqlite(link['kind'])} t on t.id = l.{escape_sqlite(link['target'])} "
                               f"where l.{escape_sqlite(link['column'])} = :key order by l.position", {"key": key})
        involves.append({"kind": link["kind"], "rows": rows})
    by_date = lambda row: (row["date_min"] or "", row["id"])  # noqa: E731 - a sort key
    return {"documents": sorted(documents.values(), key=by_date), "events": sorted(events.values(), key=by_date),
            "involves": [group for group in involves if group["rows"]]}


async def home_jsonld(db, description: dict[str, Any]) -> str:
    """The home page's schema.org description: the generated one with the coverage of the documents
    this database holds (the first and last day they can be dated to)."""
    rows = await _rows(db, "select min(date_min) as first, max(date_max) as last from documents")
    coverage = jsonld.coverage_of((row["first"], row["last"]) for row in rows)
    described = dict(description)
    if coverage:
        described = {**{k: v for k, v in described.items() if k != "distribution"}, "temporalCoverage": coverage,
                     "distribution": described.get("distribution", [])}
    return jsonld.render(described)


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        settings = config(datasette)
        out: dict[str, Any] = {"dataset_citation": settings.get("citation", ""),
                               "dataset_version": settings.get("version", ""), "explorer": settings}
        if view_name == "index" and settings.get("jsonld"):
            out["dataset_jsonld"] = await home_jsonld(datasette.get_database(settings["database"]), settings["jsonld"])
        if view_name == "row" and database and table and request is not None:
            db = datasette.get_database(database)
            key = tilde_decode(request.url_vars.get("pks", ""))
            if table == "documents":
                out["reading"] = await reading(db, key)
            elif table in settings.get("entries", {}):
                out["entry"] = await entry(db, table, key, settings["entries"])
        return out

    return inner


LABELS = {
    'select[name="_filter_column"]': "Filter by column",
    'select[name="_filter_op"]': "Filter operation",
    "input.filter-value": "Filter value",
    'select[name="_sort"]': "Sort by",
}
"""Accessible names for the controls of Datasette's table pages, which carry none of their own."""


@hookimpl
def extra_body_script():
    """Fill in what Datasette's own markup lacks for screen readers and keyboards: the page's language
    (``<html>`` has no ``lang``), names for the filter and sort controls, and keyboard focus for the
    blocks that scroll (the list of column descriptions, a wide ``pre``). Datasette's templates stay its own; this runs on every page."""
    labels = "".join(
        f"document.querySelectorAll({json.dumps(selector)}).forEach(e => e.setAttribute('aria-label', "
        f"{json.dumps(label)}));" for selector, label in LABELS.items())
    return ("document.documentElement.lang = 'en';" + labels +
            "document.querySelectorAll('dl.column-descriptions, pre').forEach(e => "
            "{ if (e.scrollHeight > e.clientHeight || e.scrollWidth > e.clientWidth) e.tabIndex = 0; });")
