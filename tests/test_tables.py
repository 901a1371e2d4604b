"""One declaration per published table, rendered the same way to the package, the database and Datasette.

Each table is declared once (`armistice.publish.tables.TABLES`) with its keys, its sources in the
records, its licence and how it is browsed; the Table Schema, the SQL and the Datasette entry are
rendered from that one declaration, so they cannot disagree.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from armistice.models import KIND_BY_NAME, Source, fields
from armistice.publish.tables import (
    ROLES,
    ArrayFacet,
    LinkFacet,
    flatten,
    iter_tables,
    overview_ids,
    published_rows,
    table_by_name,
)
from armistice.rules import validate
from conftest import FIXTURES, REPO, overlay


def test_each_table_is_declared_once() -> None:
    names = [table.name for table in iter_tables()]
    assert len(names) == len(set(names)), "a table is declared twice"
    committed = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    assert [resource["name"] for resource in committed["resources"] if resource["type"] == "table"] == names


def test_each_role_of_a_link_table_comes_from_one_list_or_is_derived() -> None:
    for table in iter_tables():
        roles = [source.role for source in table.lists if source.role is not None]
        if not roles:
            assert table.name not in ROLES and not table.derived_roles, table.name
            continue
        assert len(roles) == len(set(roles)), f"{table.name}: two lists give the same role"
        assert list(ROLES[table.name]) == [*roles, *table.derived_roles], table.name


def test_browsing_and_search_name_columns_of_their_own_table() -> None:
    for table in iter_tables():
        columns = {column.name: column for column in table.fields}
        named = [*table.search, *([table.order] if table.order else []), *([table.label] if table.label else [])]
        named += [facet if isinstance(facet, str) else facet.column for facet in table.facets]
        assert set(named) <= set(columns), f"{table.name}: {set(named) - set(columns)} are not its columns"
        for facet in table.facets:
            if isinstance(facet, (ArrayFacet, LinkFacet)):
                assert columns[facet.column].schema["type"] == "array", f"{table.name}.{facet.column}"
            if isinstance(facet, LinkFacet):  # counted from a link table of this table's rows, in one of its roles
                link = table_by_name(facet.table)
                assert link.target and link.parent == table.name, facet
                assert facet.role is None or facet.role in ROLES[link.name], facet
        for name in table.search:
            assert columns[name].schema["type"] == "string", f"{table.name}.{name} is text to search"


def test_a_child_keeps_its_parents_key_with_the_parents_types() -> None:
    for table in iter_tables():
        if table.parent is None:
            continue
        parent = {column.name: column.schema["type"] for column in table_by_name(table.parent).fields}
        own = {column.name: column.schema["type"] for column in table.fields}
        for column, key in zip(table.parent_columns, table.parent_keys, strict=True):
            assert own[column] == parent[key], f"{table.name}.{column} is typed as {table.parent}.{key}"


def test_the_sql_and_the_table_schema_say_the_same_of_every_column() -> None:
    connection = sqlite3.connect(":memory:")
    for table in iter_tables():
        connection.execute(table.create_sql())
        schema = table.table_schema()
        info = {row[1]: row for row in connection.execute(f'PRAGMA table_info("{table.name}")')}
        assert list(info) == [field["name"] for field in schema["fields"]], table.name
        for field in schema["fields"]:
            _cid, _name, sql_type, not_null, _default, _pk = info[field["name"]]
            assert bool(not_null) == field.get("constraints", {}).get("required", False), f"{table.name}.{field['name']}"
            assert sql_type == {"integer": "INTEGER", "number": "REAL"}.get(field["type"], "TEXT"), field["name"]
        primary = sorted((row[5], name) for name, row in info.items() if row[5])
        assert [name for _, name in primary] == schema["primaryKey"], table.name
        foreign = {(tuple(key["fields"]), key["reference"]["resource"]) for key in schema.get("foreignKeys", [])}
        in_sql = {}
        for row in connection.execute(f'PRAGMA foreign_key_list("{table.name}")'):
            in_sql.setdefault((row[0], row[2]), []).append(row[3])
        assert {(tuple(columns), resource) for (_, resource), columns in in_sql.items()} == foreign, table.name
        for statement in table.index_sql():
            connection.execute(statement)


def test_a_column_is_a_web_address_exactly_when_its_field_is_marked_one() -> None:
    marked = [spec.name for spec in fields(Source) if spec.uri]
    assert marked, "the archive's canonical address is marked a web address"
    documents = table_by_name("documents")
    assert {c.name for c in documents.fields if c.uri} == {f"source_{name}" for name in marked}
    for table in iter_tables():
        uris = [c.name for c in table.fields if c.uri]
        assert uris == [f["name"] for f in table.table_schema()["fields"] if f.get("format") == "uri"], table.name
        with open(REPO / "data" / f"{table.name}.csv", newline="", encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                assert all(row[name].startswith("https://") for name in uris if row[name]), table.name


def _lists(model: type, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every list field under ``model``'s items (through nested mappings, not through lists)."""
    found = []
    for spec in fields(model):
        if spec.many and (spec.is_model or spec.ref):
            found.append((prefix + (spec.name,), spec))
        elif spec.is_model and not spec.many:
            found += _lists(spec.base, prefix + (spec.name,))
    return found


def test_every_list_of_records_or_references_is_published_as_a_table() -> None:
    """Nothing a curator writes is dropped by the build: a new list of mappings or of ids in the models
    must get a child or link table under its parent, or this test names it."""
    tables = list(iter_tables())

    def check(table_name: str, model: type) -> None:
        for path, spec in _lists(model):
            holders = [t for t in tables if t.parent == table_name and any(link.path == path for link in t.lists)]
            assert holders, f"{model.__name__}.{'.'.join(path)} (under {table_name}) is published by no table"
            if spec.is_model:  # type: ignore[attr-defined]
                check(holders[0].name, spec.base)  # type: ignore[attr-defined]

    for table in tables:
        if table.kind is not None:
            check(table.name, KIND_BY_NAME[table.kind])


def _corpus(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A records root: the repository's, the header fixture (every header field set), or synthetic."""
    if name == "repository":
        return REPO / "records"
    if name == "header":
        overlay(FIXTURES / "header", tmp_path)
        monkeypatch.chdir(tmp_path)
        return tmp_path / "records"
    sys.path.insert(0, str(REPO / "scripts"))
    import synth

    synth.write(40, tmp_path / "records")
    return tmp_path / "records"


@pytest.mark.parametrize("name", ["repository", "header", "synthetic"])
def test_the_rows_a_build_makes_are_the_reference_walks(name: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`published_rows` (each table's walk planned once, what a build runs for every document) gives
    exactly the rows of `flatten` (the declarations walked for every item, which the round trip
    reads back), for a whole collection and for each document alone; and a document's overview
    row taken from its `documents` row is the one computed from the document."""
    kept = validate([_corpus(name, tmp_path, monkeypatch)], keep=True)
    assert not [f for f in kept.findings if f.severity == "error"]
    records = {kind: [entry.record for entry in kept.records.entries(kind)] for kind in kept.records.by_kind}
    assert records.get("document")

    def reference(given: dict) -> dict:
        return {table: [tuple(row.values()) for row in rows] for table, rows in flatten(given).items() if rows}

    assert published_rows(records) == reference(records)
    assert list(published_rows(records)) == list(reference(records))  # tables in published order
    for doc in records["document"]:
        alone = published_rows({"document": [doc]})
        assert alone == reference({"document": [doc]}), doc.id
        assert overview_ids(doc, alone["documents"][0]) == overview_ids(doc), doc.id
