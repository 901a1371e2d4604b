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
import urllib.parse
import weakref
from datetime import date, timedelta
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
    """The plugin's configuration, read once per Datasette instance: ``plugin_config`` resolves it
    again on every call (walking every vocabulary), and the templates ask for it once per cell shown
    in words, 50 times a documents page (about 2 ms a call)."""
    found = _CONFIG.get(datasette)
    if found is None:
        found = _CONFIG[datasette] = datasette.plugin_config("armistice") or {}
    return found


_CONFIG: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
    proposals = await _rows(db, "select * from proposals where document_id = :id order by position", {"id": document_id})
    proposers = await _rows(db, "select pp.proposal_position, p.id, p.name from proposal_people pp join people p on "
                                "p.id = pp.person_id where pp.document_id = :id order by pp.proposal_position, "
                                "pp.position", {"id": document_id})
    quoted = {message["local_id"]: message["title"] or "quoted telegram" for message in messages}
    for proposal in proposals:
        proposal["in"] = quoted.get(proposal["message"]) if proposal["message"] else None
        proposal["by"] = [(row["id"], row["name"]) for row in proposers if row["proposal_position"] == proposal["position"]]
    organisations = await _rows(db, "select o.id, o.name from document_organisations l join organisations o on "
                                    "o.id = l.organisation_id where l.document_id = :id order by l.position",
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
        "proposals": proposals, "organisations": organisations,
    }


DETAIL_HEADINGS = {"identified_by": "Basis of identification", "side_basis": "Basis of the side",
                   "roles": "Roles, as the documents state them"}
"""Headings for an entry's own lists (by the model's field name); another list is headed by its table's title."""


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
    details = []
    for detail in declared.get("details", []):
        rows = await _rows(db, f"select l.*, d.title as document_title, d.date as document_date from "
                               f"{escape_sqlite(detail['table'])} l left join documents d on d.id = l.document_id "
                               f"where l.{escape_sqlite(detail['column'])} = :key order by l.position", {"key": key})
        if rows:
            details.append({**detail, "heading": DETAIL_HEADINGS.get(detail["list"], detail["title"]), "rows": rows})
    by_date = lambda row: (row["date_min"] or "", row["id"])  # noqa: E731 - a sort key
    return {"documents": sorted(documents.values(), key=by_date), "events": sorted(events.values(), key=by_date),
            "involves": [group for group in involves if group["rows"]], "details": details}


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
        if view_name == "page" and request is not None and request.path.rstrip("/") == "/timeline":
            out["timeline"] = await timeline(datasette.get_database(settings.get("database")))
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
    blocks that scroll (the list of column descriptions, a wide ``pre``), and the buttons that copy a citation.
    Datasette's templates stay its own; this runs on every page."""
    labels = "".join(
        f"document.querySelectorAll({json.dumps(selector)}).forEach(e => e.setAttribute('aria-label', "
        f"{json.dumps(label)}));" for selector, label in LABELS.items())
    return ("document.documentElement.lang = 'en';" + labels +
            "document.querySelectorAll('dl.column-descriptions, pre').forEach(e => "
            "{ if (e.scrollHeight > e.clientHeight || e.scrollWidth > e.clientWidth) e.tabIndex = 0; });"
            + COPY_SCRIPT)


COPY_SCRIPT = """
document.querySelectorAll('button.copy-citation').forEach(button => button.addEventListener('click', () => {
  const pre = document.querySelector('pre.citation-text[data-format="' + button.dataset.format + '"]');
  const status = document.querySelector('.copy-status');
  const done = () => { status.textContent = button.textContent + ' citation copied'; };
  const select = () => {
    pre.closest('details').open = true;
    const range = document.createRange(); range.selectNodeContents(pre);
    const selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
    if (document.execCommand('copy')) { done(); } else { status.textContent = 'Selected: press Ctrl+C to copy'; }
  };
  if (navigator.clipboard) { navigator.clipboard.writeText(pre.textContent).then(done, select); } else { select(); }
}));
"""
"""A document's "Copy it" buttons put that format of its citation on the clipboard (or, where the page may
not write there, select it and say so), and say what they did to screen readers too."""


CHART = {"width": 1000, "left": 16, "right": 16, "top": 46, "row": 24, "char": 6.1, "gap": 8}
"""The timeline chart's geometry in SVG units: the plotted band, the height of a row, the width of a
label's character at the chart's font size (an estimate, on the generous side) and the gap between a
mark or bar and its label."""

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def timeline_layout(items: list[dict[str, Any]], reports: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Where each document and event of the timeline goes, one to a row in date order, on an axis of days.

    ``items`` have ``item`` (document or event), ``id``, ``date``, ``date_min``, ``date_max`` and ``title``;
    ``reports`` names, for each event, the documents that report it. The axis runs from the first day of
    the first month to the last day of the last; a month is ticked and labelled. A date that spans days
    (a month, say) is a bar from its first to its last day; each label goes after its mark or bar, or
    before it when it would run off the chart, so no bar is drawn through a label. Each event is tied by a
    line to the rows of the documents that report it.
    """
    width, left, right = CHART["width"], CHART["left"], CHART["right"]
    if not items:
        return {"rows": [], "ticks": [], "height": CHART["top"] + CHART["row"], "width": width, "links": []}
    first = min(_day(i["date_min"]) for i in items).replace(day=1)
    last_day = max(_day(i["date_max"] or i["date_min"]) for i in items)
    end = (last_day.replace(day=28) + timedelta(days=4)).replace(day=1)  # the first day after the last month
    days = (end - first).days
    band = width - left - right

    def x(day: date) -> float:
        return round(left + band * (day - first).days / days, 1)

    ticks = []
    month = first
    while month < end:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        ticks.append({"x": x(month), "label": f"{MONTHS[month.month - 1]} {month.year}",
                      "middle": round((x(month) + x(following)) / 2, 1), "wide": x(following) - x(month) > 60})
        month = following
    rows, where = [], {}
    for index, item in enumerate(items):
        start, stop = _day(item["date_min"]), _day(item["date_max"] or item["date_min"])
        x0 = x(start)
        x1 = x(stop + timedelta(days=1)) if stop > start else x0
        y = CHART["top"] + index * CHART["row"] + CHART["row"] / 2
        reported = reports.get(item["id"], []) if item["item"] == "event" else []
        label = f"{item['date']} · {item['title']}"
        room_after = width - right - (max(x0, x1) + CHART["gap"] + 6)
        needed = len(label) * CHART["char"]
        after = needed <= room_after or room_after >= (min(x0, x1) - CHART["gap"] - 6 - left)
        if not after and needed > min(x0, x1) - left - CHART["gap"] - 6:
            label = label[: int((min(x0, x1) - left - CHART["gap"] - 6) / CHART["char"]) - 1] + "…"
        elif after and needed > room_after:
            label = label[: max(int(room_after / CHART["char"]) - 1, 8)] + "…"
        tip = f"{item['date']}, {item['item']}: {item['title']}"
        if reported:
            tip += "; reported in " + "; ".join(f"{d['date']} {d['title']}" for d in reported)
        rows.append({**item, "x": x0, "x_end": x1, "bar": x1 > x0, "y": y, "label": label, "tip": tip,
                     "label_x": round(max(x0, x1) + CHART["gap"] + 6, 1) if after else round(min(x0, x1) - CHART["gap"] - 6, 1),
                     "anchor": "start" if after else "end", "reported": reported})
        where[(item["item"], item["id"])] = (x0, y)
    links = []
    for row in rows:
        for document in row["reported"]:
            if ("document", document["id"]) in where:
                dx, dy = where[("document", document["id"])]
                links.append({"x1": row["x"], "y1": row["y"], "x2": dx, "y2": dy})
    height = CHART["top"] + len(items) * CHART["row"] + 8
    return {"rows": rows, "ticks": ticks, "height": height, "width": width, "links": links}


async def timeline(db) -> dict[str, Any]:
    """The timeline page's items (the ``timeline`` canned query's rows) laid out by :func:`timeline_layout`."""
    items = await _rows(db, "select date, date_min, date_max, 'document' as item, id, title from documents union all "
                            "select date, date_min, date_max, 'event', id, title from events order by date_min, date, item")
    reports: dict[str, list[dict[str, Any]]] = {}
    for row in await _rows(db, "select ed.event_id, d.id, d.date, d.title from event_documents ed join documents d "
                               "on d.id = ed.document_id order by d.date_min, d.id"):
        reports.setdefault(row["event_id"], []).append(row)
    return timeline_layout(items, reports)


PEOPLE_COLUMNS = ("sender_id", "recipient_id", "person_id")
"""Columns of the canned queries' results that hold a person's id."""


def query_cell(row: Any, value: Any, column: str, base: str) -> Markup | None:
    """A cell of a query's result as a link to what it names: a document (at its quoted message when the
    row names one), a person (by id, or by name when the row has the id beside it), a timeline item (by its ``item``), and the correspondence network's counts
    to the telegrams and documents they count. None leaves the cell as Datasette shows it."""
    keys = set(row.keys())
    if value is None or value == "":
        return None
    if column == "document_id":
        anchor = f"#message-{row['quoted_message']}" if "quoted_message" in keys and row["quoted_message"] else ""
        return Markup('<a href="{}/documents/{}{}">{}</a>').format(base, _quoted(value), anchor, value)
    if column in ("sender", "recipient", "person") and f"{column}_id" in keys and row[f"{column}_id"]:
        return Markup('<a href="{}/people/{}">{}</a>').format(base, _quoted(row[f"{column}_id"]), value)
    if column in PEOPLE_COLUMNS:
        return Markup('<a href="{}/people/{}">{}</a>').format(base, _quoted(value), value)
    if column == "id" and "item" in keys and row["item"] in ("document", "event"):
        return Markup('<a href="{}/{}s/{}">{}</a>').format(base, row["item"], _quoted(value), value)
    if {"sender_id", "recipient_id"} <= keys and column in ("telegrams", "documents") and row["sender_id"]:
        sender, recipient = _quoted(row["sender_id"]), _quoted(row["recipient_id"])
        if column == "telegrams":
            href = f"{base}/correspondence_telegrams?sender={sender}&recipient={recipient}"
            label = f"{value} telegrams from {row['sender_id']} to {row['recipient_id']}"
        elif value:
            href = f"{base}/documents?sender_id={sender}&recipient_ids__arraycontains={recipient}"
            label = f"{value} documents from {row['sender_id']} to {row['recipient_id']}"
        else:
            return None
        return Markup('<a href="{}" aria-label="{}">{}</a>').format(href, label, value)
    return None


def _quoted(value: Any) -> str:
    return urllib.parse.quote(str(value), safe="")


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Links in the results of queries (the canned ones and any other): tables link their rows already."""
    if table is not None or database != config(datasette).get("database"):
        return None
    return query_cell(row, value, column, datasette.urls.database(database))
