"""Records as tables: each published table declared once, and the rows flattened from the records.

Every table is one :class:`Table` declaration in :data:`TABLES`, with named fields: its keys, where
its rows come from, its licence, and how people browse it (order, facets, label, full-text
search). The declaration drives everything tabular: writing rows, reading them back into records
(the round trip that proves nothing is lost), and it renders itself as a Frictionless Table Schema
(:meth:`Table.table_schema`), as SQL (:meth:`Table.create_sql`, :meth:`Table.index_sql`) and as
its Datasette metadata (:meth:`Table.datasette`). Columns are derived from the model fields
(:func:`armistice.models.fields`), so their types, constraints and descriptions come from the
models too:

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from operator import attrgetter
from typing import Any

from pydantic import BaseModel, TypeAdapter

from armistice import dates
from armistice.hashing import content_hash
from armistice.models import (
    RECORD_KINDS,
    AgendaItem,
    ArchivalReference,
    Attestation,
    Copy,
    Correction,
    Dataset,
    Document,
    EditorialInsertion,
    Event,
    FieldSpec,
    HandlingNote,
    Intermediary,
    Marking,
    Message,
    Organisation,
    Person,
    Place,
    Proposal,
    Record,
    Reference,
    RegistrationNumber,
    Role,
    Stamp,
    StampNumber,
    Timed,
    Tombstone,
    Topic,
    Vocabulary,
)
from armistice.models import (
    fields as model_fields,
)

ROOT_TABLE = {model.record_kind: model.folder for model in RECORD_KINDS}
"""The table of each record kind: named after its folder (see :class:`armistice.models.Record`)."""

_RENAME_REF = {"by": "person", "person": "person", "place": "place"}

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT", "array": "TEXT", "boolean": "INTEGER"}

PARQUET_TYPES = {"string": "string", "integer": "int64", "number": "float64", "date": "date32", "array": "list<string>",
                 "boolean": "bool"}
"""The Parquet (Arrow) type of each Table Schema type: a partial date's text stays a string beside its
``_min``/``_max`` dates, a JSON array column is a real list, an integer is a nullable 64-bit integer."""


def quote(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


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
    uri: bool = False  # a web address (Table Schema format "uri")
    derive: Callable[[Any], Any] | None = None  # computed from the item; not read back (a convenience copy)
    vocabulary: str | None = None  # the name of the vocabulary its values (or items) come from (see VOCABULARIES)

    def descriptor(self, unique: bool = False) -> dict[str, Any]:
        """The column's Frictionless field descriptor; ``unique`` when it is its table's whole key."""
        constraints = dict(self.schema.get("constraints", {}))
        if self.required:
            constraints["required"] = True
        if self.unique or unique:
            constraints["unique"] = True
        descriptor: dict[str, Any] = {"name": self.name, "title": _title(self.name), "description": self.description,
                                      "type": self.schema["type"]}
        if self.uri:
            descriptor["format"] = "uri"
        if constraints:
            descriptor["constraints"] = constraints
        return descriptor

    def arrow_field(self) -> Any:
        """The column as a Parquet (Arrow) field, typed by :data:`PARQUET_TYPES`, nullable unless required."""
        import pyarrow as pa

        kind = PARQUET_TYPES[self.schema["type"]]
        arrow_type = pa.list_(pa.string()) if kind == "list<string>" else pa.type_for_alias(kind)
        return pa.field(self.name, arrow_type, nullable=not self.required,
                        metadata={"description": self.description})

    def sql(self) -> str:
        """The column's definition in CREATE TABLE."""
        return f"{quote(self.name)} {SQL_TYPES[self.schema['type']]}" + (" NOT NULL" if self.required else "")


def _title(name: str) -> str:
    words = name.replace("_id", "").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@cache
def _json_schema_of(annotation: Any) -> dict[str, Any]:
    return TypeAdapter(annotation).json_schema()


def _anchored(pattern: str) -> str:
    """Table Schema matches the whole value; JSON Schema and pydantic search inside it."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return pattern
    return f"^[\\s\\S]*(?:{pattern})[\\s\\S]*$"


def _field_schema(spec: FieldSpec) -> dict[str, Any]:
    """Table Schema type and constraints of one scalar field, from its JSON Schema."""
    if spec.is_vocabulary:
        return {"type": "string", "constraints": {"enum": [m.value for m in spec.base]}}
    schema = _json_schema_of(spec.annotation)
    schema = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
    kind = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}[schema["type"]]
    out: dict[str, Any] = {"type": kind, "constraints": {}}
    if "pattern" in schema:
        out["constraints"]["pattern"] = _anchored(schema["pattern"])
    for source, target in (("minimum", "minimum"), ("maximum", "maximum"), ("minLength", "minLength")):
        if source in schema:
            out["constraints"][target] = schema[source]
    return out


def _describe(spec: FieldSpec) -> str:
    return " ".join(spec.description.split())


def model_columns(model: type[BaseModel], prefix: str = "", path: tuple[str, ...] = (), required: bool = True,
                  rename: dict[str, str] | None = None) -> list[Column]:
    """The columns a model's scalar and nested-mapping fields flatten into (lists are tables)."""
    columns: list[Column] = []
    for spec in model_fields(model):
        name = spec.name
        here = path + (name,)
        needed = required and spec.required
        if spec.many:
            if isinstance(spec.base, type) and issubclass(spec.base, str) and not spec.ref:  # text or vocabulary values
                columns.append(Column(prefix + name, _describe(spec) + " (a JSON array)", {"type": "array"},
                                      needed, here, array=True,
                                      vocabulary=vocabulary_name(spec.base) if spec.is_vocabulary else None))
            elif not (spec.is_model or spec.ref):
                raise TypeError(f"{model.__name__}.{name}: a list of {spec.base!r} has no published form")
            continue  # lists of mappings or references are tables of their own
        if spec.is_model:
            if spec.base is Timed:
                at, written, *others = model_fields(Timed)
                columns += _date_columns(prefix + name, f"{_describe(spec)} {_describe(at)}", at, needed,
                                         here + (at.name,))
                columns.append(Column(f"{prefix}{name}_{written.name}", _describe(written), _field_schema(written),
                                      needed, here + (written.name,), uri=written.uri))
                columns += [Column(f"{prefix}{name}_{other.name}", _describe(other), _field_schema(other),
                                   needed and other.required, here + (other.name,), uri=other.uri)
                            for other in others]
            else:
                columns += model_columns(spec.base, f"{prefix}{name}_", here, needed)
            continue
        column_name = (rename or {}).get(name) or (f"{_RENAME_REF.get(name, name)}_id" if spec.ref else name)
        column_name = prefix + column_name
        if spec.partial:
            columns += _date_columns(column_name, _describe(spec), spec, needed, here)
        else:
            columns.append(Column(column_name, _describe(spec), _field_schema(spec), needed, here, ref=spec.ref,
                                  uri=spec.uri, vocabulary=vocabulary_name(spec.base) if spec.is_vocabulary else None))
    return columns


def vocabulary_name(vocabulary: type) -> str:
    """A vocabulary's published name: its class name in snake case (``DocumentKind`` -> ``document_kind``)."""
    name = vocabulary.__name__
    return "".join("_" + char.lower() if char.isupper() and index else char.lower() for index, char in enumerate(name))


def _date_columns(name: str, description: str, spec: FieldSpec, required: bool, path: tuple[str, ...]) -> list[Column]:
    return [
        Column(name, description + " As precise as the source: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM.",
               _field_schema(spec), required, path),
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


@dataclass(frozen=True)
class Link:
    """A list inside the parent's items that a child or link table's rows come from.

    ``role`` is the value of the ``role`` column of the rows this list gives, for link tables whose
    rows come from several lists (``document_people``: ``recipients`` and ``mentioned_people``).
    """

    path: tuple[str, ...]
    role: str | None = None


@dataclass(frozen=True)
class ArrayFacet:
    """A Datasette facet over a column holding a JSON list of ids."""

    column: str


@dataclass(frozen=True)
class LinkFacet:
    """A facet over what each row links through the link table ``table`` (in ``role``, or in any role):
    each linked entry, by name, with how many rows link it.

    It stands for the row's JSON list ``column`` (a copy of the same links, kept for readers of the
    CSV) and is named after it, but the explorer (the ``armistice_facets`` plugin) counts the link
    table over an index made for it (:meth:`index`), never the JSON list: Datasette's array facet
    reads every matching row whole and ran out of time at 100,000 documents."""

    column: str
    table: str
    role: str | None = None

    @property
    def distinct(self) -> bool:
        """Whether a row can link an entry twice (in two roles), so rows are counted distinct."""
        return self.role is None and any(column.name == "role" for column in table_by_name(self.table).fields)

    def index(self) -> tuple[str, ...] | None:
        """The link table's columns the whole table's count walks in order (role and entry, or entry and
        row when counted distinct); None when the index of the entry's foreign key is enough."""
        link = table_by_name(self.table)
        assert link.target is not None, f"{self.table} is not a link table"
        if self.role:
            return ("role", link.target)
        return (link.target, link.parent_columns[0]) if self.distinct else None

    def datasette(self) -> dict[str, Any]:
        """The facet's entry in Datasette's metadata: what the plugin needs to count and name."""
        link = table_by_name(self.table)
        assert link.target is not None, f"{self.table} is not a link table"
        entries = dict((columns[0], resource) for columns, resource, _ in link.foreign_keys())[link.target]
        config: dict[str, Any] = {"column": self.column, "table": self.table, "key": link.parent_columns[0],
                  "pk": link.parent_keys[0], "value": link.target, "entries": entries,
                  "label": table_by_name(entries).label or "id"}
        if self.role:
            config["role"] = self.role
        if self.distinct:
            config["distinct"] = True
        return {"link": config}


@dataclass(frozen=True)
class Table:
    """One published resource: declared once, it renders its Table Schema, SQL and Datasette entry."""

    name: str
    title: str
    description: str
    primary_key: tuple[str, ...]
    keys: tuple[Column, ...] = ()  # columns the flattening fills in: parent key, position, own id, link target
    columns: tuple[Column, ...] = ()  # columns read from the item
    kind: str | None = None  # for a record kind's table: the kind
    parent: str | None = None  # the table whose items hold this table's items
    lists: tuple[Link, ...] = ()  # where in the parent's items this table's items are
    parent_columns: tuple[str, ...] = ()  # this table's columns equal to the parent's key columns
    parent_keys: tuple[str, ...] = ()
    target: str | None = None  # for link tables: the id column of the linked record
    derived_roles: tuple[str, ...] = ()  # link-table roles computed from other tables, not read back
    item_id: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None
    text_licence: bool = False  # holds words of the translated source (licensed as the archive's)
    search: tuple[str, ...] = ()  # columns indexed for full-text search
    order: str | None = None  # the order it is shown in (ascending) when the reader has not chosen one
    facets: tuple[str | ArrayFacet | LinkFacet, ...] = ()  # facets shown on its page
    label: str | None = None  # the column naming a row where another table links to it

    @cached_property
    def fields(self) -> list[Column]:
        """Every column, in published order."""
        return list(self.keys + self.columns)

    def foreign_keys(self) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
        """``(fields, resource, referenced fields)`` for every foreign key, each once."""
        keys: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
        if self.parent is not None:
            keys.append((self.parent_columns, self.parent, self.parent_keys))
        for column in self.fields:
            if column.ref and (column.name,) != self.parent_columns:
                keys.append(((column.name,), ROOT_TABLE[column.ref], ("id",)))
        return list(dict.fromkeys(keys))

    def table_schema(self) -> dict[str, Any]:
        """The Frictionless Table Schema, from the models."""
        schema: dict[str, Any] = {
            "fields": [column.descriptor(unique=self.primary_key == (column.name,)) for column in self.fields],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
        }
        keys = self.foreign_keys()
        if keys:
            schema["foreignKeys"] = [{"fields": list(columns), "reference": {"resource": resource,
                                                                          "fields": list(references)}}
                                     for columns, resource, references in keys]
        return schema

    def parquet_schema(self) -> Any:
        """The Parquet (Arrow) schema: the Table Schema's columns in order, each typed as it declares."""
        import pyarrow as pa

        return pa.schema([column.arrow_field() for column in self.fields],
                         metadata={"name": self.name, "description": self.description})

    def create_sql(self) -> str:
        """CREATE TABLE, with NOT NULL, the primary and foreign keys."""
        lines = [f"  {column.sql()}" for column in self.fields]
        lines.append(f"  PRIMARY KEY ({', '.join(map(quote, self.primary_key))})")
        for columns, resource, references in self.foreign_keys():
            lines.append(f"  FOREIGN KEY ({', '.join(map(quote, columns))}) REFERENCES {quote(resource)} "
                         f"({', '.join(map(quote, references))})")
        return f"CREATE TABLE {quote(self.name)} (\n" + ",\n".join(lines) + "\n)"

    def insert_sql(self) -> str:
        """INSERT of one row, its values in the order of :attr:`fields`."""
        names = [column.name for column in self.fields]
        return (f"INSERT INTO {quote(self.name)} ({', '.join(map(quote, names))}) "
                f"VALUES ({', '.join('?' for _ in names)})")

    def indexes(self) -> list[tuple[str, ...]]:
        """The indexed columns: each foreign key, then what browsing needs that no key index leads with.

        Browsing needs the default order (ties broken by the primary key): without it, the first
        page of 100,000 documents in date order is a sort of the whole table; and each plain facet,
        else a facet over a common search word reads every matching row. Array facets get none:
        Datasette counts them over whole rows (``json_each`` joined to every column of the matching
        rows), which no index covers, and a JSON list makes a wide index.
        """
        keys = [columns for columns, _resource, _references in self.foreign_keys()]
        wanted = [(self.order, *self.primary_key)] if self.order else []
        wanted += [(facet,) for facet in self.facets if isinstance(facet, str)]
        leading = {self.primary_key[0], *(columns[0] for columns in keys)}
        # A link facet of another table counts this one: the index its whole-table count walks (it
        # also serves this table's own facet on the same leading column, which it replaces).
        linked = [index for index in dict.fromkeys(facet.index() for table in TABLES for facet in table.facets
                                                   if isinstance(facet, LinkFacet) and facet.table == self.name)
                  if index is not None]
        plain = [columns for columns in wanted if columns[0] not in leading
                 and not any(index[:len(columns)] == columns for index in linked)]
        return keys + plain + [index for index in linked if index not in keys]

    def index_sql(self) -> list[str]:
        """CREATE INDEX for each of :meth:`indexes`."""
        return [f"CREATE INDEX {quote('idx_' + self.name + '_' + '_'.join(columns))} ON {quote(self.name)} "
                f"({', '.join(map(quote, columns))})" for columns in self.indexes()]

    def datasette(self, dataset: Dataset) -> dict[str, Any]:
        """The table's entry in Datasette's metadata: described, licensed, sourced, ordered, faceted."""
        metadata_licence, texts_licence = dataset.metadata_licence, dataset.texts_licence
        entry: dict[str, Any] = {
            "title": self.title,
            "description": self.description,
            "source": dataset.source.title,
            "source_url": dataset.source.path,
            "license": metadata_licence.title + (f"; texts: {texts_licence.title}" if self.text_licence else ""),
            "license_url": metadata_licence.path,
            "columns": {column.name: column.description for column in self.fields},
        }
        if self.label:
            entry["label_column"] = self.label
        if self.order:
            entry["sort"] = self.order
        if self.facets:
            entry["facets"] = [{"array": f.column} if isinstance(f, ArrayFacet)
                               else f.datasette() if isinstance(f, LinkFacet) else f for f in self.facets]
        return entry


_JSON = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)``, with the encoder made once rather than for every cell."""


def _ids(values: Iterable[str]) -> str:
    return _JSON(list(dict.fromkeys(values)))


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
"""Convenience copies of the document's links, as columns of ``documents`` to facet by."""


CONTENT_HASH = Column("content_sha256", "SHA-256 of the record's canonical JSON (fields at their defaults omitted, keys "
                      "sorted): equal in two releases exactly when the record is unchanged.",
                      {"type": "string", "constraints": {"pattern": "^[0-9a-f]{64}$"}}, True, derive=content_hash)


def _squashed(text: str | None) -> str:
    return " ".join((text or "").split())


def root(model: type[Record], *, title: str, text_licence: bool = False, search: tuple[str, ...] = (),
         order: str | None = None, facets: tuple[str | ArrayFacet | LinkFacet, ...] = (), label: str | None = None,
         derived: tuple[list[Column], str] | None = None) -> Table:
    """The table of a record kind: one row per record, keyed by its id, named after its folder.

    ``derived`` gives computed columns and the column they are published before.
    """
    columns = model_columns(model) + [CONTENT_HASH]
    if derived is not None:
        extra, before = derived
        at = next(i for i, c in enumerate(columns) if c.name == before)
        columns[at:at] = extra
    columns = [Column(c.name, c.description, c.schema, True, c.path, unique=True) if c.name == "id" else c
               for c in columns]
    return Table(model.folder, title, _squashed(model.__doc__), ("id",), columns=tuple(columns),
                 kind=model.record_kind, text_licence=text_licence, search=search, order=order, facets=facets,
                 label=label)


def _parent_key_columns(parent: Table, parent_columns: tuple[str, ...], parent_keys: tuple[str, ...],
                        descriptions: tuple[str, ...], refs: tuple[str | None, ...]) -> list[Column]:
    """This table's copies of its parent's key columns, typed as the parent's columns are."""
    types = {column.name: column.schema["type"] for column in parent.fields}
    return [_key(column, text, ref, types[key])
            for column, key, text, ref in zip(parent_columns, parent_keys, descriptions, refs, strict=True)]


def child(name: str, *, title: str, model: type[BaseModel], parent: Table, list_path: tuple[str, ...],
          parent_columns: tuple[str, ...], parent_keys: tuple[str, ...], descriptions: tuple[str, ...],
          refs: tuple[str | None, ...], text_licence: bool = False, rename: dict[str, str] | None = None,
          own_id: tuple[Column, Callable[[dict[str, Any], Any], dict[str, Any]]] | None = None,
          search: tuple[str, ...] = (), facets: tuple[str | ArrayFacet | LinkFacet, ...] = ()) -> Table:
    """A list of mappings; ``own_id`` gives the items a single-column key of their own (for links to them)."""
    keys = _parent_key_columns(parent, parent_columns, parent_keys, descriptions, refs) + [POSITION]
    primary = (*parent_columns, "position")
    if own_id is not None:
        keys.insert(0, own_id[0])
        primary = (own_id[0].name,)
    return Table(name, title, _squashed(model.__doc__), primary, tuple(keys), tuple(model_columns(model, rename=rename)),
                 parent=parent.name, lists=(Link(list_path),), parent_columns=parent_columns, parent_keys=parent_keys,
                 text_licence=text_licence, item_id=own_id[1] if own_id else None, search=search, facets=facets)


def link(name: str, *, title: str, description: str, parent: Table, lists: tuple[Link, ...],
         parent_columns: tuple[str, ...], parent_keys: tuple[str, ...], parent_refs: tuple[str | None, ...],
         target_kind: str, derived_roles: tuple[str, ...] = (), facets: tuple[str | ArrayFacet | LinkFacet, ...] = ()) -> Table:
    """A list (or several, each with its role) of ids in the parent's items: one row per id."""
    target = f"{target_kind}_id"
    keys = _parent_key_columns(parent, parent_columns, parent_keys,
                               tuple(f"The {ref or 'parent'} this row belongs to." for ref in parent_refs), parent_refs)
    keys.append(_key(target, f"The linked {target_kind}.", target_kind))
    primary = list(parent_columns)
    if any(item.role is not None for item in lists):
        meanings = ROLES[name]
        keys.append(Column("role", "How the record is involved: " + "; ".join(
            f"`{value}`: {meaning}" for value, meaning in meanings.items()) + ".",
            {"type": "string", "constraints": {"enum": list(meanings)}}, True, vocabulary=f"{name}_role"))
        primary.append("role")
    primary.append(target)
    return Table(name, title, description, tuple(primary), tuple(keys), (POSITION,), parent=parent.name, lists=lists,
                 parent_columns=parent_columns, parent_keys=parent_keys, target=target, derived_roles=derived_roles,
                 facets=facets)


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
        "co-author": "the quoted message names the person as writing it with its sender",
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

DOCUMENTS = root(Document, title="Documents", text_licence=True, search=("title", "source_summary", "text"),
                 order="date_min", label="title", derived=(DOCUMENT_FACETS, "text"),
                 facets=("kind", "sender_id", LinkFacet("recipient_ids", "document_people", "recipient"), "year_month",
                         LinkFacet("topic_ids", "document_topics"), LinkFacet("person_ids", "document_people")))
PEOPLE = root(Person, title="People", order="name", facets=("side",), label="name")
PLACES = root(Place, title="Places", order="name", facets=("kind", "identification"), label="name")
ORGANISATIONS = root(Organisation, title="Organisations", order="name", facets=("kind", "identification"), label="name")
TOPICS = root(Topic, title="Topics", order="name", label="name")
EVENTS = root(Event, title="Events", order="date_min", label="title")
TOMBSTONES = root(Tombstone, title="Withdrawn records")
MESSAGES = child("messages", title="Quoted messages", model=Message, parent=DOCUMENTS, list_path=("messages",),
                 parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",), text_licence=True,
                 rename={"id": "local_id"},
                 own_id=(MESSAGE_ID, lambda parent, item: {"id": f"{parent['id']}#{item.id}"}),
                 search=("title", "text"), facets=("sender_id", "document_id"))
MESSAGE_REFERENCES = child("message_references", title="Earlier telegrams referred to", model=Reference,
                           parent=MESSAGES, list_path=("refers_to",), parent_columns=MSG, parent_keys=("id",),
                           descriptions=MSG_TEXT, refs=("message",), text_licence=True)
DOCUMENT_REFERENCES = child("document_references", title="Telegrams the document refers to", model=Reference,
                            parent=DOCUMENTS, list_path=("refers_to",), parent_columns=DOC, parent_keys=DOC_KEY,
                            descriptions=DOC_TEXT, refs=("document",), text_licence=True)
STAMPS = child("stamps", title="Stamps", model=Stamp, parent=DOCUMENTS, list_path=("stamps",), parent_columns=DOC,
               parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",), text_licence=True)

PERSON = ("person_id",)
PLACE = ("place_id",)
PROPOSALS = child("proposals", title="Proposals and plans", model=Proposal, parent=DOCUMENTS, list_path=("proposals",),
                  parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",),
                  text_licence=True, rename={"id": "local_id"}, facets=("status", "document_id"))


def _basis(name: str, title: str, parent: Table, key: tuple[str, ...], what: str, kind: str, path: str) -> Table:
    return child(name, title=title, model=Attestation, parent=parent, list_path=(path,), parent_columns=key,
                 parent_keys=("id",), descriptions=(f"The {what} the assertion is about.",), refs=(kind,),
                 facets=("basis",))


TABLES: list[Table] = [
    DOCUMENTS, PEOPLE, PLACES, ORGANISATIONS, TOPICS, EVENTS, TOMBSTONES,
    _basis("person_identification_basis", "Basis of each person's identification", PEOPLE, PERSON, "person", "person",
           "identified_by"),
    _basis("person_side_basis", "Basis of each person's side", PEOPLE, PERSON, "person", "person", "side_basis"),
    child("person_roles", title="Roles of people, as documents state them", model=Role, parent=PEOPLE,
          list_path=("roles",), parent_columns=PERSON, parent_keys=("id",), descriptions=("The person.",),
          refs=("person",)),
    _basis("place_identification_basis", "Basis of each place's identification", PLACES, PLACE, "place", "place",
           "identified_by"),
    _basis("organisation_identification_basis", "Basis of each organisation's identification", ORGANISATIONS,
           ("organisation_id",), "organisation", "organisation", "identified_by"),
    MESSAGES,
    link("message_people", title="Recipients of quoted messages", description="Who a quoted message is addressed or "
         "copied to, and who wrote it with its sender.", parent=MESSAGES,
         lists=(Link(("recipients",), "recipient"), Link(("copies_to",), "copy"), Link(("co_authors",), "co-author")),
         parent_columns=MSG, parent_keys=("id",), parent_refs=("message",), target_kind="person"),
    MESSAGE_REFERENCES,
    link("reference_recipients", title="Recipients of telegrams referred to", description="To whom an earlier "
         "telegram was sent.", parent=MESSAGE_REFERENCES, lists=(Link(("recipients",)),),
         parent_columns=("message_id", "reference_position"), parent_keys=("message_id", "position"),
         parent_refs=(None, None), target_kind="person"),
    child("agenda_items", title="Agenda items", model=AgendaItem, parent=MESSAGES, list_path=("agenda", "items"),
          parent_columns=MSG, parent_keys=("id",), descriptions=MSG_TEXT, refs=("message",), text_licence=True),
    child("document_via", title="Intermediaries", model=Intermediary, parent=DOCUMENTS, list_path=("via",),
          parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",), text_licence=True),
    child("document_markings", title="Markings", model=Marking, parent=DOCUMENTS, list_path=("markings",),
          parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",), text_licence=True,
          facets=("kind",)),
    DOCUMENT_REFERENCES,
    link("document_reference_recipients", title="Recipients of telegrams the document refers to",
         description="To whom a telegram the document refers to was sent.", parent=DOCUMENT_REFERENCES,
         lists=(Link(("recipients",)),), parent_columns=("document_id", "reference_position"),
         parent_keys=("document_id", "position"), parent_refs=(None, None), target_kind="person"),
    child("distribution", title="Distribution of copies", model=Copy, parent=DOCUMENTS, list_path=("distribution",),
          parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",)),
    STAMPS,
    child("stamp_numbers", title="Numbers in stamps", model=StampNumber, parent=STAMPS, list_path=("numbers",),
          parent_columns=("document_id", "stamp_position"), parent_keys=("document_id", "position"),
          descriptions=("The document.", "The stamp's position on the document."), refs=(None, None),
          text_licence=True),
    child("registration_numbers", title="Registration numbers", model=RegistrationNumber, parent=DOCUMENTS,
          list_path=("numbers",), parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",),
          text_licence=True),
    child("handling_notes", title="Cipher office handling notes", model=HandlingNote, parent=DOCUMENTS,
          list_path=("handling",), parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT, refs=("document",),
          text_licence=True, facets=("action", "person_id")),
    child("archival_references", title="Archival references", model=ArchivalReference, parent=DOCUMENTS,
          list_path=("archival_references",), parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT,
          refs=("document",), text_licence=True, facets=("repository",)),
    child("editorial_insertions", title="Editorial insertions", model=EditorialInsertion, parent=DOCUMENTS,
          list_path=("editorial_insertions",), parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT,
          refs=("document",), text_licence=True, facets=("kind",)),
    child("corrections", title="Corrections of the transcription", model=Correction, parent=DOCUMENTS,
          list_path=("corrections",), parent_columns=DOC, parent_keys=DOC_KEY, descriptions=DOC_TEXT,
          refs=("document",), text_licence=True, facets=("kind", "document_id")),
    link("document_people", title="People in documents",
         description="Every person a document involves and how: its author, recipients, copy recipients, people "
         "mentioned, the senders and recipients of messages it quotes, and the cipher office staff who handled it. "
         "One row per document, role and person: a person holding two roles in a document (a recipient who also "
         "got a copy) has two rows, so count documents with COUNT(DISTINCT document_id), or keep one role; the "
         "`message-*` roles repeat `message_people` at the document's level. `documents_overview` has the same "
         "people by name, one row per document.",
         parent=DOCUMENTS, lists=(Link(("recipients",), "recipient"), Link(("mentioned_people",), "mentioned")),
         parent_columns=DOC, parent_keys=DOC_KEY, parent_refs=("document",), target_kind="person",
         derived_roles=PERSON_ROLES, facets=("role", "person_id")),
    link("document_places", title="Places in documents", description="Every place a document involves: its origin "
         "and places it names.", parent=DOCUMENTS, lists=(Link(("mentioned_places",), "mentioned"),),
         parent_columns=DOC, parent_keys=DOC_KEY, parent_refs=("document",), target_kind="place",
         derived_roles=("origin",), facets=("role", "place_id")),
    PROPOSALS,
    link("proposal_people", title="Who put proposals forward", description="The people a document names as "
         "putting a proposal or plan forward.", parent=PROPOSALS, lists=(Link(("proposed_by",)),),
         parent_columns=("document_id", "proposal_position"), parent_keys=("document_id", "position"),
         parent_refs=(None, None), target_kind="person"),
    link("document_topics", title="Topics of documents", description="The subjects each document deals with.",
         parent=DOCUMENTS, lists=(Link(("topics",)),), parent_columns=DOC, parent_keys=DOC_KEY,
         parent_refs=("document",), target_kind="topic", facets=("topic_id",)),
    link("event_documents", title="Events reported in documents", description="Which documents report which events.",
         parent=DOCUMENTS, lists=(Link(("events",)),), parent_columns=DOC, parent_keys=DOC_KEY,
         parent_refs=("document",), target_kind="event"),
    link("document_organisations", title="Organisations in documents", description="The organisations each "
         "document names.", parent=DOCUMENTS, lists=(Link(("mentioned_organisations",)),), parent_columns=DOC,
         parent_keys=DOC_KEY, parent_refs=("document",), target_kind="organisation"),
    link("event_places", title="Places of events", description="Where events happened.", parent=EVENTS,
         lists=(Link(("places",)),), parent_columns=("event_id",), parent_keys=("id",), parent_refs=("event",),
         target_kind="place"),
    link("event_people", title="People in events", description="Who took part in events.", parent=EVENTS,
         lists=(Link(("people",)),), parent_columns=("event_id",), parent_keys=("id",), parent_refs=("event",),
         target_kind="person"),
    link("event_organisations", title="Organisations in events", description="Which organisations took part in "
         "events.", parent=EVENTS, lists=(Link(("organisations",)),), parent_columns=("event_id",),
         parent_keys=("id",), parent_refs=("event",), target_kind="organisation"),
]
"""Every published resource, once each, in published order (a parent before its children)."""


# --------------------------------------------------------------------------------------------
# Tables for reading without joins: built from the others and from the models
# --------------------------------------------------------------------------------------------


OVERVIEW = "documents_overview"
VOCABULARIES = "vocabularies"


def _document_column(name: str) -> Column:
    return next(column for column in DOCUMENTS.fields if column.name == name)


def _names(name: str, description: str, array: bool = True) -> Column:
    if array:
        return Column(name, description + " (a JSON array, in order of appearance)", {"type": "array"}, True)
    return Column(name, description, {"type": "string", "constraints": {}}, True)


OVERVIEW_COLUMNS = (
    *(_document_column(name) for name in ("date", "date_min", "date_max", "kind", "number", "title")),
    _names("sender", "Name of the person who sent the document (`people.name` of `documents.sender_id`).", False),
    _names("recipients", "Names of the people the document is addressed to."),
    _names("copy_recipients", "Names of the people a copy of the document went to (its distribution)."),
    _names("people", "Names of everyone the document involves, in any role, each once (as `documents.person_ids`)."),
    _names("places", "Names of the places the document involves (its origin and the places it names), each once."),
    _names("topics", "Names of the document's topics."),
    _names("events", "Titles of the events the document reports."),
    Column("archival_references", "The archival references of the Russian originals as the citation gives them, "
           "separated by '; ' (e.g. 'APRF, f. 45, op. 1, d. 341, ll. 56-58').", {"type": "string", "constraints": {}}),
    _document_column("source_summary"),
    _document_column("source_url"),
)

DOCUMENTS_OVERVIEW = Table(
    OVERVIEW, "Documents at a glance",
    "One row per document, for reading without joins: who wrote to whom, when, about what, with the people, "
    "places, topics and events by name and the archival references as text. A convenience copy of `documents` "
    "and its link tables, rebuilt by every build; each list is in the order of appearance and names each once.",
    ("document_id",), (_key("document_id", "The document (`documents.id`).", "document"),), OVERVIEW_COLUMNS,
    text_licence=True, order="date_min", label="title", facets=("kind", "sender"))

VOCABULARY_TABLE = Table(
    VOCABULARIES, "Codes and their meanings",
    "Every value of every closed vocabulary (sides such as `prc` and `dprk`, the archives' abbreviations APRF, "
    "RGASPI, AVP RF and TsAMO, document kinds, handling actions, roles in the link tables ...), with its meaning "
    "and the columns that use it. Generated from the models.",
    ("vocabulary", "value"),
    (_key("vocabulary", "The vocabulary's name (e.g. `side`, `repository`, `document_people_role`)."),
     _key("value", "A value as the data holds it.")),
    (Column("meaning", "What the value means.", {"type": "string", "constraints": {}}, True),
     Column("columns", "The columns holding values of this vocabulary, as `table.column` (a JSON array).",
            {"type": "array"}, True)),
    order="vocabulary", facets=("vocabulary",))

TABLES += [DOCUMENTS_OVERVIEW, VOCABULARY_TABLE]


def vocabularies() -> dict[str, dict[str, str]]:
    """Every vocabulary a published column uses, by name: each value with its meaning, in declared order."""
    found: dict[str, dict[str, str]] = {}
    for model in _models():
        for spec in model_fields(model):
            if spec.is_vocabulary:
                found.setdefault(vocabulary_name(spec.base), {member.value: member.meaning for member in spec.base})
    for table, meanings in ROLES.items():
        found[f"{table}_role"] = dict(meanings)
    return found


def _models() -> list[type[BaseModel]]:
    """Every model the records are made of, each once, parents before what they contain."""
    seen: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = list(RECORD_KINDS)
    while pending:
        model = pending.pop(0)
        if model in seen:
            continue
        seen.append(model)
        pending += [spec.base for spec in model_fields(model) if spec.is_model]
    return seen


def vocabulary_rows() -> list[tuple[Any, ...]]:
    """The rows of ``vocabularies``, from the models (the same for every build of a version of the code)."""
    used: dict[str, list[str]] = {}
    for table in TABLES:
        for column in table.fields:
            if column.vocabulary is not None:
                used.setdefault(column.vocabulary, []).append(f"{table.name}.{column.name}")
    rows = [(name, value, meaning, json.dumps(used.get(name, []), ensure_ascii=False))
            for name, meanings in vocabularies().items() for value, meaning in meanings.items()]
    return sorted(rows, key=lambda row: (row[0], row[1]))


def overview_ids(doc: Document, row: tuple[Any, ...] | None = None) -> tuple[Any, ...]:
    """A document's ``documents_overview`` row with ids where names go (names are resolved by
    :func:`overview_row` once the people, places, topics and events are known).

    ``row`` is the document's ``documents`` row when it is already made (:func:`published_rows`):
    its cells are taken from it rather than computed again (the content hash above all)."""
    if row is None:
        row = tuple(_cell(column, doc) for column in DOCUMENTS.fields)
    values = dict(zip(_DOCUMENT_NAMES, row, strict=True))
    own = tuple(values[column.name] for column in OVERVIEW_COLUMNS[:6])
    places = ([doc.origin.place] if doc.origin else []) + list(doc.mentioned_places)
    links = (doc.sender, list(doc.recipients), [copy.person for copy in doc.distribution], involved_people(doc),
             places, list(doc.topics), list(doc.events))
    references = "; ".join(reference.as_written for reference in doc.archival_references) or None
    return (doc.id, *own, *links, references, values["source_summary"], values["source_url"])


NAME_KINDS = ("person", "person", "person", "person", "place", "topic", "event")
"""The record kind of each id column of :func:`overview_ids`, in order (sender ... events)."""


def overview_row(ids: tuple[Any, ...], names: dict[str, dict[str, str]]) -> tuple[Any, ...]:
    """The published row from :func:`overview_ids`: each id replaced by its record's name (or title)."""
    resolved: list[Any] = list(ids[:7])
    for kind, value in zip(NAME_KINDS, ids[7:14], strict=True):
        known = names[kind]
        if isinstance(value, list):
            resolved.append(json.dumps(list(dict.fromkeys(known.get(v, v) for v in value)), ensure_ascii=False))
        else:
            resolved.append(known.get(value, value))
    return (*resolved, *ids[14:])


def record_names(records: dict[str, list[Record]]) -> dict[str, dict[str, str]]:
    """Each record's name by kind and id (an event's title): what the overview shows instead of ids."""
    names: dict[str, dict[str, str]] = {}
    for kind, items in records.items():
        names[kind] = {record.id: getattr(record, "name", None) or getattr(record, "title", None) or record.id
                       for record in items}
    return names

_BY_NAME: dict[str, Table] = {table.name: table for table in TABLES}


def resources() -> list[str]:
    """Published resource names, in order."""
    return [table.name for table in TABLES]


def table_by_name(name: str) -> Table:
    """The declaration of a resource."""
    return _BY_NAME[name]


def iter_tables() -> Iterable[Table]:
    """Every resource's declaration, in published order."""
    return iter(TABLES)


def fields(name: str) -> list[Column]:
    """All columns of a resource, in published order."""
    return _BY_NAME[name].fields


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
        return _JSON(list(value))
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
        if table.kind is not None:
            pairs = [(_row(table, record, {}), record) for record in records.get(table.kind, [])]
            items[table.name] = pairs
            rows[table.name].extend(row for row, _ in pairs)
            continue
        produced: list[Any] = []
        for source in table.lists:
            for parent_row, parent_item in items[table.parent or ""]:
                values = _get(parent_item, source.path) or []
                base = {col: parent_row[key] for col, key in zip(table.parent_columns, table.parent_keys)}
                for position, value in enumerate(values, start=1):
                    if table.target is not None:
                        row = dict(base)
                        if source.role is not None:
                            row["role"] = source.role
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
            items[table.name] = produced
    for doc in records.get("document", []):
        assert isinstance(doc, Document)
        for name, row in _involvement(doc):
            rows[name].append(row)
    for name in rows:
        table = table_by_name(name)
        names = [column.name for column in table.fields]
        rows[name] = [{column: row.get(column) for column in names} for row in rows[name]]
        if len(rows[name]) > 1:
            rows[name].sort(key=lambda row: tuple(_sortable(row[k]) for k in table.primary_key))
    return rows


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def _involvement(doc: Document) -> Iterator[tuple[str, dict[str, Any]]]:
    """The derived rows of document_people and document_places, deduplicated, in order of appearance."""
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
            yield "document_people", {"document_id": doc.id, "role": role, "person_id": person, "position": position}
    if doc.origin:
        yield "document_places", {"document_id": doc.id, "role": "origin", "place_id": doc.origin.place, "position": 1}


# --------------------------------------------------------------------------------------------
# Records -> rows, fast: the same rows as flatten, each table's walk worked out once
# --------------------------------------------------------------------------------------------


def _walk(path: tuple[str, ...]) -> Callable[[Any], Any]:
    """:func:`_get` for one path, chosen once: an attribute getter, or a walk that stops at None."""
    if len(path) == 1:
        return attrgetter(path[0])
    first, *rest = path

    def walk(item: Any) -> Any:
        item = getattr(item, first)
        for part in rest:
            if item is None:
                return None
            item = getattr(item, part)
        return item
    return walk


def _cell_of(column: Column) -> Callable[[Any], Any]:
    """:func:`_cell` for one column, its conversion chosen once (a date bound, a JSON array, a code)."""
    if column.derive is not None:
        return column.derive
    get = _walk(column.path)
    if column.bound is not None:
        bound = dates.first_day if column.bound == "min" else dates.last_day
        return lambda item: None if (value := get(item)) is None else bound(value)
    if column.array:
        return lambda item: None if (value := get(item)) is None else _JSON(list(value))
    return lambda item: value.value if isinstance(value := get(item), Vocabulary) else value


@dataclass(frozen=True)
class _Plan:
    """How :func:`published_rows` makes one table's rows: what :func:`flatten` does, with every
    column's getter and every key's place in the row known in advance, rows made as tuples."""

    table: Table
    cells: tuple[Callable[[Any], Any], ...]  # one per column read from the item (not for link tables)
    lists: tuple[tuple[Callable[[Any], Any], str | None], ...]  # each list's getter in the parent's items, its role
    parent_at: tuple[int, ...]  # where the parent's key columns are in the parent's row
    order: tuple[int, ...]  # where the primary key's columns are in the row
    names: tuple[str, ...]


def _plan(table: Table) -> _Plan:
    names = tuple(column.name for column in table.fields)
    if len(set(names)) != len(names):  # pragma: no cover - a declaration error, caught at import
        raise TypeError(f"{table.name}: a column name appears twice")
    parent_at: tuple[int, ...] = ()
    if table.parent is not None:
        parent_names = [column.name for column in table_by_name(table.parent).fields]
        parent_at = tuple(parent_names.index(key) for key in table.parent_keys)
        # the layout child() and link() give: [own id], parent's key columns, [position | target, [role], position]
        own = (table.keys[0].name,) if table.item_id is not None else ()
        if table.target is not None:
            roles = ("role",) if any(source.role is not None for source in table.lists) else ()
            layout = (*table.parent_columns, table.target, *roles, "position")
        else:
            layout = (*own, *table.parent_columns, "position", *(column.name for column in table.columns))
        if names != layout:  # pragma: no cover - a declaration error, caught at import
            raise TypeError(f"{table.name}: columns {names} are not in the order rows are made {layout}")
    cells = () if table.target is not None else tuple(_cell_of(column) for column in table.columns)
    return _Plan(table, cells, tuple((_walk(source.path), source.role) for source in table.lists), parent_at,
                 tuple(names.index(key) for key in table.primary_key), names)


def _plans() -> list[_Plan]:
    return [_plan(table) for table in TABLES if table.kind is not None or table.parent is not None]


_PLANS = _plans()
_DOCUMENT_NAMES = tuple(column.name for column in DOCUMENTS.fields)


def published_rows(records: dict[str, list[Record]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of :func:`flatten`, each a tuple in the order of the published fields (compact to
    send), only the tables that have rows; made from plans (:class:`_Plan`) rather than by walking
    every declaration for every item: this runs for every document of a build. A test checks that
    both give the same rows."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    items: dict[str, list[tuple[tuple[Any, ...], Any]]] = {}  # table -> (row, item) for children to walk
    for plan in _PLANS:
        table, cells = plan.table, plan.cells
        made: list[tuple[Any, ...]] = []
        if table.kind is not None:
            pairs = [(tuple([cell(record) for cell in cells]), record) for record in records.get(table.kind, [])]
            items[table.name] = pairs
            made = [row for row, _ in pairs]
        else:
            produced: list[tuple[tuple[Any, ...], Any]] = []
            own = table.item_id
            for get, role in plan.lists:
                for parent_row, parent_item in items[table.parent or ""]:
                    values = get(parent_item) or []
                    if not values:
                        continue
                    base = tuple([parent_row[at] for at in plan.parent_at])
                    if table.target is not None:
                        extra = () if role is None else (role,)
                        made += [(*base, value, *extra, position) for position, value in enumerate(values, start=1)]
                        continue
                    named = dict(zip(_plan_names(table.parent or ""), parent_row, strict=True)) if own else None
                    for position, value in enumerate(values, start=1):
                        ids = tuple(own(named, value).values()) if own is not None and named is not None else ()
                        row = (*ids, *base, position, *[cell(value) for cell in cells])
                        made.append(row)
                        produced.append((row, value))
            if table.target is None:
                items[table.name] = produced
        if made:
            rows[table.name] = made
    for doc in records.get("document", []):
        assert isinstance(doc, Document)
        for name, derived in _involvement(doc):
            rows.setdefault(name, []).append(tuple(derived[column] for column in _PLAN_BY_NAME[name].names))
    published: dict[str, list[tuple[Any, ...]]] = {}
    for plan in _PLANS:  # in published order, as flatten gives them
        made = rows.get(plan.table.name, [])
        if len(made) > 1:
            order = plan.order
            made.sort(key=lambda row: tuple([_sortable(row[at]) for at in order]))
        if made:
            published[plan.table.name] = made
    return published


_PLAN_BY_NAME = {plan.table.name: plan for plan in _PLANS}


def _plan_names(name: str) -> tuple[str, ...]:
    return _PLAN_BY_NAME[name].names


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
        if table.kind is not None:
            built[table.name] = [(row, _item(table, row)) for row in rows[table.name]]
            continue
        produced: list[Any] = []
        for source in table.lists:
            children: dict[tuple, list[tuple[int, Any, dict[str, Any] | None, dict[str, Any]]]] = {}
            for row in rows[table.name]:
                if source.role is not None and row["role"] != source.role:
                    continue
                key = tuple(row[col] for col in table.parent_columns)
                if table.target is not None:
                    children.setdefault(key, []).append((row["position"], row[table.target], None, row))
                else:
                    children.setdefault(key, []).append((row["position"], None, _item(table, row), row))
            for parent_row, parent_item in built[table.parent or ""]:
                key = tuple(parent_row[k] for k in table.parent_keys)
                entries = sorted(children.get(key, []), key=lambda entry: entry[0])
                if not entries:
                    continue
                if table.target is not None:
                    _set(parent_item, source.path, [entry[1] for entry in entries])
                else:
                    _set(parent_item, source.path, [entry[2] for entry in entries])
                    produced += [(entry[3], entry[2]) for entry in entries]
        if table.target is None:
            built[table.name] = produced
    return {table.kind: [item for _, item in built[table.name]] for table in TABLES if table.kind is not None}
