"""Records as tables: the published resources, flattened from the nested records without loss.

One declaration (:data:`TABLES`) drives everything tabular: writing rows, reading them back into
records (the round trip that proves nothing is lost), the Frictionless Table Schemas and the SQLite
schema. Columns are derived from the model fields, so their types, constraints and descriptions
come from the models too:

- a scalar field is a column (a reference gets ``_id``: ``sender`` -> ``sender_id``);
- a nested mapping is inlined with its name as prefix (``source_url``); a :class:`~armistice.models.Timed`
  value becomes ``received`` and ``received_as_written``;
- a partial date column ``X`` is followed by ``X_min`` and ``X_max``, the first and last calendar
  day it covers, so programs can sort and filter (SQLite's ``date('1951-08')`` is NULL);
- a list of mappings is a child table keyed by its parent and a 1-based ``position``;
- a list of references is a link table (``document_topics``); a list of plain strings (spellings)
  is a JSON array column.

``document_people`` and ``document_places`` also carry derived rows (the author, copy recipients,
the senders and recipients of quoted messages, the cipher office staff, the origin) so that one
table answers "which documents involve this person, and how"; only their ``recipient`` and
``mentioned`` rows are data of their own, the rest is recomputed from the other tables.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable

from pydantic import BaseModel, TypeAdapter

from armistice import dates
from armistice.hashing import content_hash
from armistice.models import (
    AgendaItem,
    ArchivalReference,
    Copy,
    Correction,
    Document,
    Event,
    HandlingNote,
    Message,
    Person,
    Place,
    Record,
    Ref,
    Reference,
    RegistrationNumber,
    Stamp,
    StampNumber,
    Timed,
    Tombstone,
    Topic,
    Vocabulary,
    split_annotation,
)

ROOT_TABLE = {"document": "documents", "person": "people", "place": "places", "topic": "topics", "event": "events",
              "tombstone": "tombstones"}
_RENAME_REF = {"by": "person", "person": "person", "place": "place"}


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One published column and where its value lives in the item it flattens."""

    name: str
    description: str
    schema: dict[str, Any]  # Table Schema field properties except name/description/constraints.required
    required: bool = False
    path: tuple[str, ...] = ()  # field path inside the item; () for key columns
    bound: str | None = None  # "min" or "max": computed from the date at ``path``
    ref: str | None = None  # record kind referenced
    array: bool = False  # a JSON array of strings
    unique: bool = False
    derive: Callable[[Any], Any] | None = None  # computed from the item; not read back (a convenience copy)


def _full(info: Any) -> Any:
    return typing.Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


@lru_cache(maxsize=None)
def _json_schema_of(annotation: Any) -> dict[str, Any]:
    return TypeAdapter(annotation).json_schema()


def _anchored(pattern: str) -> str:
    """Table Schema matches the whole value; JSON Schema and pydantic search inside it."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return pattern
    return f"^[\\s\\S]*(?:{pattern})[\\s\\S]*$"


def _field_schema(annotation: Any) -> dict[str, Any]:
    """Table Schema type and constraints of one scalar field, from its JSON Schema."""
    base, metadata, _ = split_annotation(annotation)
    if isinstance(base, type) and issubclass(base, Vocabulary):
        return {"type": "string", "constraints": {"enum": [m.value for m in base]}}
    schema = _json_schema_of(annotation)
    schema = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
    kind = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}[schema["type"]]
    out: dict[str, Any] = {"type": kind, "constraints": {}}
    if "pattern" in schema:
        out["constraints"]["pattern"] = _anchored(schema["pattern"])
    for source, target in (("minimum", "minimum"), ("maximum", "maximum"), ("minLength", "minLength")):
        if source in schema:
            out["constraints"][target] = schema[source]
    return out


def _describe(info: Any) -> str:
    return " ".join((info.description or "").split())


def model_columns(model: type[BaseModel], prefix: str = "", path: tuple[str, ...] = (), required: bool = True,
                  rename: dict[str, str] | None = None) -> list[Column]:
    """The columns a model's scalar and nested-mapping fields flatten into (lists are tables)."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        annotation = _full(info)
        base, metadata, optional = split_annotation(annotation)
        here = path + (name,)
        needed = required and info.is_required()
        ref = next((m.kind for m in metadata if isinstance(m, Ref)), None)
        if typing.get_origin(base) is list:
            item, item_meta, _ = split_annotation(typing.get_args(base)[0])
            if item is str and not any(isinstance(m, Ref) for m in item_meta):
                columns.append(Column(prefix + name, _describe(info) + " (a JSON array)", {"type": "array"},
                                      needed, here, array=True))
            continue  # lists of mappings or references are tables of their own
        if isinstance(base, type) and issubclass(base, BaseModel):
            if base is Timed:
                at, written = base.model_fields["at"], base.model_fields["as_written"]
                columns += _date_columns(prefix + name, f"{_describe(info)} {_describe(at)}", _full(at), needed,
                                         here + ("at",))
                columns.append(Column(f"{prefix}{name}_as_written", _describe(written), _field_schema(_full(written)),
                                      needed, here + ("as_written",)))
            else:
                columns += model_columns(base, f"{prefix}{name}_", here, needed)
            continue
        column_name = (rename or {}).get(name) or (f"{_RENAME_REF.get(name, name)}_id" if ref else name)
        column_name = prefix + column_name
        if any(getattr(m, "func", None) and m.func.__name__ == "_partial_date" for m in metadata):
            columns += _date_columns(column_name, _describe(info), annotation, needed, here)
        else:
            columns.append(Column(column_name, _describe(info), _field_schema(annotation), needed, here, ref=ref))
    return columns


def _date_columns(name: str, description: str, annotation: Any, required: bool, path: tuple[str, ...]) -> list[Column]:
    return [
        Column(name, description + " As precise as the source: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM.",
               _field_schema(annotation), required, path),
        Column(f"{name}_min", f"First calendar day `{name}` can denote (for sorting and filtering).",
               {"type": "date", "constraints": {}}, required, path, bound="min"),
        Column(f"{name}_max", f"Last calendar day `{name}` can denote (for sorting and filtering).",
               {"type": "date", "constraints": {}}, required, path, bound="max"),
    ]


def _key(name: str, description: str, ref: str | None = None, kind: str = "string") -> Column:
    schema: dict[str, Any] = {"type": kind, "constraints": {"minimum": 1} if kind == "integer" else {}}
    return Column(name, description, schema, True, ref=ref)


POSITION = _key("position", "Order in the list it comes from, starting at 1.", kind="integer")


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


@dataclass
class Table:
    """One published resource."""

    name: str
    title: str
    description: str
    keys: list[Column]
    columns: list[Column]
    primary_key: list[str]
    model: type[BaseModel] | None = None
    parent: str | None = None  # the table whose items hold this table's items
    list_path: tuple[str, ...] = ()  # path inside the parent item to the list
    parent_columns: tuple[str, ...] = ()  # this table's columns equal to the parent's key columns
    parent_keys: tuple[str, ...] = ()
    target: str | None = None  # for link tables: the id column of the linked record
    role: str | None = None  # for link tables sharing a table: the role value of this list
    derived_roles: tuple[str, ...] = ()
    item_id: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None
    texts: bool = False  # holds words of the translated source (licensed as the archive's)
    fields: list[Column] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fields = self.keys + self.columns


def _ids(values: Iterable[str]) -> str:
    return json.dumps(list(dict.fromkeys(values)), ensure_ascii=False)


def involved_people(doc: Document) -> list[str]:
    """Everyone a document involves, in order of appearance: author, recipients, copies, messages, handlers, mentions."""
    people = [doc.sender, *doc.recipients, *(copy.person for copy in doc.distribution)]
    for message in doc.messages:
        people += [message.sender, *message.recipients, *message.copies_to]
    people += [note.by for note in doc.handling if note.by]
    return list(dict.fromkeys(people + list(doc.mentioned_people)))


def _year_month(doc: Document) -> str | None:
    return doc.date[:7] if len(doc.date) >= 7 else None


DOCUMENT_FACETS = [
    Column("year_month", "The document's year and month (YYYY-MM), for faceting; empty when only the year is known.",
           {"type": "string", "constraints": {"pattern": "^[0-9]{4}-[0-9]{2}$"}}, derive=_year_month),
    Column("recipient_ids", "Ids of the recipients (a JSON array; a copy of the document_people rows with role "
           "'recipient', for faceting).", {"type": "array"}, derive=lambda d: _ids(d.recipients)),
    Column("person_ids", "Ids of everyone the document involves, in any role (a JSON array; a copy of "
           "document_people, for faceting).", {"type": "array"}, derive=lambda d: _ids(involved_people(d))),
    Column("place_ids", "Ids of the places the document involves (a JSON array; a copy of document_places, for "
           "faceting).", {"type": "array"},
           derive=lambda d: _ids(([d.origin.place] if d.origin else []) + list(d.mentioned_places))),
    Column("topic_ids", "Ids of the document's topics (a JSON array; a copy of document_topics, for faceting).",
           {"type": "array"}, derive=lambda d: _ids(d.topics)),
]


CONTENT_HASH = Column("content_sha256", "SHA-256 of the record's canonical JSON (fields at their defaults omitted, keys "
                      "sorted): equal in two releases exactly when the record is unchanged.",
                      {"type": "string", "constraints": {"pattern": "^[0-9a-f]{64}$"}}, True, derive=content_hash)


def _root(model: type[Record], name: str, title: str, texts: bool = False) -> Table:
    columns = model_columns(model) + [CONTENT_HASH]
    if model is Document:
        at = next(i for i, c in enumerate(columns) if c.name == "text")
        columns[at:at] = DOCUMENT_FACETS
    columns = [Column(c.name, c.description, c.schema, True, c.path, unique=True) if c.name == "id" else c
               for c in columns]
    return Table(name, title, " ".join((model.__doc__ or "").split()), [], columns, ["id"], model=model, texts=texts)


def _child(name: str, title: str, model: type[BaseModel], parent: str, list_path: tuple[str, ...],
           parent_columns: tuple[str, ...], parent_keys: tuple[str, ...], descriptions: tuple[str, ...],
           refs: tuple[str | None, ...], texts: bool = False, rename: dict[str, str] | None = None,
           own_id: tuple[Column, Callable[[dict[str, Any], Any], dict[str, Any]]] | None = None) -> Table:
    """A list of mappings; ``own_id`` gives the items a single-column key of their own (for links to them)."""
    keys = [_key(col, text, ref, "integer" if col.endswith("position") else "string")
            for col, text, ref in zip(parent_columns, descriptions, refs)] + [POSITION]
    primary = list(parent_columns) + ["position"]
    if own_id is not None:
        keys.insert(0, own_id[0])
        primary = [own_id[0].name]
    return Table(name, title, " ".join((model.__doc__ or "").split()), keys, model_columns(model, rename=rename),
                 primary, model=model, parent=parent, list_path=list_path, parent_columns=parent_columns,
                 parent_keys=parent_keys, texts=texts, item_id=own_id[1] if own_id else None)


def _link(name: str, title: str, description: str, parent: str, list_path: tuple[str, ...],
          parent_columns: tuple[str, ...], parent_keys: tuple[str, ...], parent_refs: tuple[str | None, ...],
          target_kind: str, role: str | None = None, derived_roles: tuple[str, ...] = ()) -> Table:
    target = f"{target_kind}_id"
    keys = [_key(col, f"The {ref or 'parent'} this row belongs to.", ref,
                 "integer" if col.endswith("position") else "string")
            for col, ref in zip(parent_columns, parent_refs)]
    keys.append(_key(target, f"The linked {target_kind}.", target_kind))
    primary = list(parent_columns)
    if role is not None:
        meanings = ROLES[name]
        column = _key("role", "How the record is involved: " + "; ".join(f"`{value}`: {meaning}" for value, meaning
                                                                      in meanings.items()) + ".")
        column.schema["constraints"] = {"enum": list(meanings)}
        keys.append(column)
        primary.append("role")
    primary.append(target)
    return Table(name, title, description, keys, [POSITION], primary, parent=parent, list_path=list_path,
                 parent_columns=parent_columns, parent_keys=parent_keys, target=target, role=role,
                 derived_roles=derived_roles)


DOC = ("document_id",)
DOC_KEY = ("id",)
DOC_TEXT = ("The document this row belongs to.",)
MSG = ("message_id",)
MSG_TEXT = ("The message this row belongs to (`documents.id` + '#' + the message's id).",)

MESSAGE_ID = Column("id", "Identifier of the message: the document's id, '#', and the message's id within it.",
                    {"type": "string", "constraints": {}}, True, unique=True)

PERSON_ROLES = ("author", "copy-recipient", "message-sender", "message-recipient", "message-copy-recipient", "handler")

ROLES: dict[str, dict[str, str]] = {
    "message_people": {
        "recipient": "the quoted message is addressed to the person",
        "copy": "a copy of the quoted message went to the person",
    },
    "document_people": {
        "recipient": "the document is addressed to the person",
        "mentioned": "the document names the person",
        "author": "the person sent the document",
        "copy-recipient": "a copy of the document went to the person (its distribution)",
        "message-sender": "the person sent a message the document quotes",
        "message-recipient": "a message the document quotes is addressed to the person",
        "message-copy-recipient": "a copy of a message the document quotes went to the person",
        "handler": "the person handled the telegram in the cipher office (deciphered, printed, verified ...)",
    },
    "document_places": {
        "mentioned": "the document names the place",
        "origin": "the document was sent from the place",
    },
}
"""The values of the ``role`` column of each link table, with their meanings (published as an enum)."""

TABLES: list[Table] = [
    _root(Document, "documents", "Documents", texts=True),
    _root(Person, "people", "People"),
    _root(Place, "places", "Places"),
    _root(Topic, "topics", "Topics"),
    _root(Event, "events", "Events"),
    _root(Tombstone, "tombstones", "Withdrawn records"),
    _child("messages", "Quoted messages", Message, "documents", ("messages",), DOC, DOC_KEY, DOC_TEXT, ("document",),
           texts=True, rename={"id": "local_id"}, own_id=(MESSAGE_ID, lambda parent, item: {"id": f"{parent['id']}#{item.id}"})),
    _link("message_people", "Recipients of quoted messages", "Who a quoted message is addressed or copied to.",
          "messages", ("recipients",), MSG, ("id",), ("message",), "person", role="recipient"),
    _link("message_people", "", "", "messages", ("copies_to",), MSG, ("id",), ("message",), "person", role="copy"),
    _child("message_references", "Earlier telegrams referred to", Reference, "messages", ("refers_to",), MSG, ("id",),
           MSG_TEXT, ("message",), texts=True),
    _link("reference_recipients", "Recipients of telegrams referred to", "To whom an earlier telegram was sent.",
          "message_references", ("recipients",), ("message_id", "reference_position"), ("message_id", "position"),
          (None, None), "person"),
    _child("agenda_items", "Agenda items", AgendaItem, "messages",
           ("agenda", "items"), MSG, ("id",), MSG_TEXT, ("message",), texts=True),
    _child("distribution", "Distribution of copies", Copy, "documents", ("distribution",), DOC, DOC_KEY, DOC_TEXT,
           ("document",)),
    _child("stamps", "Stamps", Stamp, "documents", ("stamps",), DOC, DOC_KEY, DOC_TEXT, ("document",), texts=True),
    _child("stamp_numbers", "Numbers in stamps", StampNumber, "stamps", ("numbers",), ("document_id", "stamp_position"),
           ("document_id", "position"), ("The document.", "The stamp's position on the document."), (None, None),
           texts=True),
    _child("registration_numbers", "Registration numbers", RegistrationNumber, "documents", ("numbers",), DOC, DOC_KEY,
           DOC_TEXT, ("document",), texts=True),
    _child("handling_notes", "Cipher office handling notes", HandlingNote, "documents", ("handling",), DOC, DOC_KEY,
           DOC_TEXT, ("document",), texts=True),
    _child("archival_references", "Archival references", ArchivalReference, "documents", ("archival_references",),
           DOC, DOC_KEY, DOC_TEXT, ("document",), texts=True),
    _child("corrections", "Corrections of the transcription", Correction, "documents", ("corrections",), DOC, DOC_KEY,
           DOC_TEXT, ("document",), texts=True),
    _link("document_people", "People in documents",
          "Every person a document involves and how: its author, recipients, copy recipients, people mentioned, "
          "the senders and recipients of messages it quotes, and the cipher office staff who handled it.",
          "documents", ("recipients",), DOC, DOC_KEY, ("document",), "person", role="recipient",
          derived_roles=PERSON_ROLES),
    _link("document_people", "", "", "documents", ("mentioned_people",), DOC, DOC_KEY, ("document",), "person",
          role="mentioned"),
    _link("document_places", "Places in documents", "Every place a document involves: its origin and places it names.",
          "documents", ("mentioned_places",), DOC, DOC_KEY, ("document",), "place", role="mentioned",
          derived_roles=("origin",)),
    _link("document_topics", "Topics of documents", "The subjects each document deals with.", "documents", ("topics",),
          DOC, DOC_KEY, ("document",), "topic"),
    _link("event_documents", "Events reported in documents", "Which documents report which events.", "documents",
          ("events",), DOC, DOC_KEY, ("document",), "event"),
    _link("event_places", "Places of events", "Where events happened.", "events", ("places",), ("event_id",), ("id",),
          ("event",), "place"),
    _link("event_people", "People in events", "Who took part in events.", "events", ("people",), ("event_id",),
          ("id",), ("event",), "person"),
]



_FIRST: dict[str, Table] = {}
for _table in TABLES:
    _FIRST.setdefault(_table.name, _table)


def resources() -> list[str]:
    """Published resource names, in order, each once."""
    return list(dict.fromkeys(table.name for table in TABLES))


def table_by_name(name: str) -> Table:
    """The first declaration of a resource (the one carrying its title and keys)."""
    return _FIRST[name]


# --------------------------------------------------------------------------------------------
# Records -> rows
# --------------------------------------------------------------------------------------------


def _get(item: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if item is None:
            return None
        item = getattr(item, part)
    return item


def _cell(column: Column, item: Any) -> Any:
    if column.derive is not None:
        return column.derive(item)
    value = _get(item, column.path)
    if value is None:
        return None
    if column.bound == "min":
        return dates.first_day(value)
    if column.bound == "max":
        return dates.last_day(value)
    if column.array:
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, Vocabulary):
        return value.value
    return value


def _row(table: Table, item: Any, keys: dict[str, Any]) -> dict[str, Any]:
    row = dict(keys)
    row.update({column.name: _cell(column, item) for column in table.columns})
    return row


def flatten(records: dict[str, list[Record]]) -> dict[str, list[dict[str, Any]]]:
    """Rows of every resource, from records by kind (each list sorted by id)."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in resources()}
    items: dict[str, list[tuple[dict[str, Any], Any]]] = {}  # table -> (row, item) for children to walk
    for table in TABLES:
        if table.parent is None:
            kind = next(k for k, t in ROOT_TABLE.items() if t == table.name)
            pairs = [(_row(table, record, {}), record) for record in records.get(kind, [])]
            items[table.name] = pairs
            rows[table.name].extend(row for row, _ in pairs)
            continue
        produced = []
        for parent_row, parent_item in items[table.parent]:
            values = _get(parent_item, table.list_path) or []
            base = {col: parent_row[key] for col, key in zip(table.parent_columns, table.parent_keys)}
            for position, value in enumerate(values, start=1):
                if table.target is not None:
                    row = dict(base)
                    if table.role is not None:
                        row["role"] = table.role
                    row[table.target] = value
                    row["position"] = position
                else:
                    keys = dict(table.item_id(parent_row, value)) if table.item_id else {}
                    keys.update(base)
                    keys["position"] = position
                    row = _row(table, value, keys)
                    produced.append((row, value))
                rows[table.name].append(row)
        if table.target is None:
            items[table.name] = items.get(table.name, []) + produced
    _derive_involvement(records.get("document", []), rows)
    for name in rows:
        table = table_by_name(name)
        names = [column.name for column in _published_fields(name)]
        rows[name] = [{column: row.get(column) for column in names} for row in rows[name]]
        if len(rows[name]) > 1:
            rows[name].sort(key=lambda row: tuple(_sortable(row[k]) for k in table.primary_key))
    return rows


def published_rows(records: dict[str, list[Record]]) -> dict[str, list[tuple[Any, ...]]]:
    """Like :func:`flatten`, each row a tuple in the order of the published fields (compact to send)."""
    return {name: [tuple(row.values()) for row in rows] for name, rows in flatten(records).items() if rows}


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _derive_involvement(documents: list[Record], rows: dict[str, list[dict[str, Any]]]) -> None:
    """The derived rows of document_people and document_places, deduplicated, in order of appearance."""
    for doc in documents:
        assert isinstance(doc, Document)
        found: dict[str, list[str]] = {role: [] for role in PERSON_ROLES}
        found["author"].append(doc.sender)
        found["copy-recipient"] += [copy.person for copy in doc.distribution]
        for message in doc.messages:
            found["message-sender"].append(message.sender)
            found["message-recipient"] += message.recipients
            found["message-copy-recipient"] += message.copies_to
        found["handler"] += [note.by for note in doc.handling if note.by]
        for role in PERSON_ROLES:
            for position, person in enumerate(dict.fromkeys(found[role]), start=1):
                rows["document_people"].append(
                    {"document_id": doc.id, "role": role, "person_id": person, "position": position})
        if doc.origin:
            rows["document_places"].append(
                {"document_id": doc.id, "role": "origin", "place_id": doc.origin.place, "position": 1})


# --------------------------------------------------------------------------------------------
# Rows -> records (the round trip)
# --------------------------------------------------------------------------------------------


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _item(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for column in table.columns:
        value = row.get(column.name)
        if value is None or column.bound or column.derive:
            continue
        _set(item, column.path, json.loads(value) if column.array else value)
    return item


def unflatten(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Record dicts by kind rebuilt from typed rows (the inverse of :func:`flatten`)."""
    built: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for table in TABLES:
        if table.parent is None:
            built[table.name] = [(row, _item(table, row)) for row in rows[table.name]]
            continue
        children: dict[tuple, list[tuple[int, Any, dict[str, Any] | None, dict[str, Any]]]] = {}
        for row in rows[table.name]:
            if table.role is not None and row["role"] != table.role:
                continue
            key = tuple(row[col] for col in table.parent_columns)
            if table.target is not None:
                children.setdefault(key, []).append((row["position"], row[table.target], None, row))
            else:
                children.setdefault(key, []).append((row["position"], None, _item(table, row), row))
        produced = []
        for parent_row, parent_item in built[table.parent]:
            key = tuple(parent_row[k] for k in table.parent_keys)
            entries = sorted(children.get(key, []), key=lambda entry: entry[0])
            if not entries:
                continue
            if table.target is not None:
                _set(parent_item, table.list_path, [entry[1] for entry in entries])
            else:
                _set(parent_item, table.list_path, [entry[2] for entry in entries])
                produced += [(entry[3], entry[2]) for entry in entries]
        if table.target is None:
            built[table.name] = built.get(table.name, []) + produced
    return {kind: [item for _, item in built[name]] for kind, name in ROOT_TABLE.items()}


def _published_fields(name: str) -> list[Column]:
    """All columns of a resource (link tables declared twice share the first declaration's columns)."""
    return table_by_name(name).fields


def fields(name: str) -> list[Column]:
    return _published_fields(name)


def row_counts(rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {name: len(values) for name, values in rows.items()}


def iter_tables() -> Iterable[Table]:
    """One declaration per resource (the first), for schemas and the database."""
    seen = set()
    for table in TABLES:
        if table.name not in seen:
            seen.add(table.name)
            yield table


def foreign_keys(table: Table) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """``(fields, resource, referenced fields)`` for every foreign key of a resource, each once."""
    keys: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
    if table.parent is not None:
        keys.append((table.parent_columns, table.parent, table.parent_keys))
    for column in table.fields:
        if column.ref and (column.name,) != table.parent_columns:
            keys.append(((column.name,), ROOT_TABLE[column.ref], ("id",)))
    return list(dict.fromkeys(keys))
