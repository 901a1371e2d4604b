"""Parquet resources: typed as the Table Schema, the same rows as the CSV and the database, the same bytes every build.

Each test builds the valid fixture (a tiny records root) or the repository's records into a fresh
folder and reads every Parquet file back with pyarrow.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from armistice.publish import package as pkg
from armistice.publish import parquet
from armistice.publish.tables import OVERVIEW, fields, iter_tables, table_by_name, vocabularies
from conftest import REPO, VALID

ARROW = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "date": pa.date32(),
         "array": pa.list_(pa.string()), "boolean": pa.bool_()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid fixture built into a fresh folder."""
    out = tmp_path_factory.mktemp("parquet")
    pkg.build(VALID / "records", out, REPO / "dataset.yaml")
    return out


def _typed(kind: str, text: str) -> object:
    """A CSV cell typed as the Table Schema type says (independently of the package's writer)."""
    if text == "":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "array":
        return json.loads(text)
    return text


def test_every_parquet_file_is_typed_exactly_as_its_table_schema(built: Path) -> None:
    descriptor = json.loads((built / "datapackage.json").read_text())
    tables = {r["name"]: r for r in descriptor["resources"] if r["type"] == "table"}
    for name, resource in tables.items():
        schema = pq.read_schema(built / parquet.path_of(name))
        declared = resource["schema"]["fields"]
        assert schema.names == [field["name"] for field in declared], name
        for field in declared:
            arrow = schema.field(field["name"])
            assert arrow.type == ARROW[field["type"]], (name, field["name"], arrow.type)
            assert arrow.nullable == (not field.get("constraints", {}).get("required", False)), (name, field["name"])


def test_every_parquet_file_holds_the_rows_of_its_csv_and_its_sqlite_table(built: Path) -> None:
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    for table in iter_tables():
        rows = parquet.read(built / parquet.path_of(table.name)).to_pylist()
        types = {column.name: column.schema["type"] for column in fields(table.name)}
        with open(built / "data" / f"{table.name}.csv", newline="", encoding="utf-8") as stream:
            from_csv = [{k: _typed(types[k], v) for k, v in row.items()} for row in csv.DictReader(stream)]
        assert rows == from_csv, table.name
        cursor = connection.execute(f'select * from "{table.name}"')
        names = [d[0] for d in cursor.description]
        from_sqlite = [{k: _typed(types[k], v) if isinstance(v, str) and types[k] in ("date", "array") else v
                        for k, v in zip(names, row)} for row in cursor]
        key = [names.index(k) for k in table.primary_key]
        assert sorted(rows, key=lambda r: [str(r[names[i]]) for i in key]) == \
            sorted(from_sqlite, key=lambda r: [str(r[names[i]]) for i in key]), table.name


def test_a_table_without_rows_keeps_its_types(built: Path) -> None:
    empty = [table.name for table in iter_tables() if not parquet.read(built / parquet.path_of(table.name)).num_rows]
    assert empty, "the fixture should leave some table empty (it has no tombstones)"
    for name in empty:
        schema = pq.read_schema(built / parquet.path_of(name))
        assert list(schema.types) == [ARROW[c.schema["type"]] for c in fields(name)], name


def test_the_descriptor_describes_every_parquet_file_with_its_size_and_hash(built: Path) -> None:
    descriptor = json.loads((built / "datapackage.json").read_text())
    typed = {r["name"]: r for r in descriptor["resources"] if r["type"] == "file"}
    assert sorted(typed) == sorted(f"{t.name}{pkg.PARQUET_SUFFIX}" for t in iter_tables())
    for resource in typed.values():
        content = (built / resource["path"]).read_bytes()
        assert resource["format"] == "parquet" and resource["mediatype"] == pkg.PARQUET_MEDIATYPE
        assert (resource["bytes"], resource["hash"]) == (len(content), "sha256:" + hashlib.sha256(content).hexdigest())


def test_parquet_bytes_do_not_depend_on_the_build_or_its_batches(built: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP", parquet.ROW_GROUP)  # the same cut, however rows arrive
    monkeypatch.setattr(pkg, "BATCH", 1)
    again = tmp_path / "again"
    pkg.build(VALID / "records", again, REPO / "dataset.yaml", workers=1)
    for table in iter_tables():
        path = parquet.path_of(table.name)
        assert (again / path).read_bytes() == (built / path).read_bytes(), path
    metadata = pq.ParquetFile(built / parquet.path_of("documents")).metadata.metadata
    assert set(metadata) == {b"ARROW:schema", b"name", b"description"}  # no time, host or path


def test_row_groups_are_cut_by_row_count_not_by_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP", 2)
    table = table_by_name("vocabularies")
    rows = [("v", f"x{i}", "meaning", "[]") for i in range(5)]
    for batches in ([rows], [rows[:1], rows[1:4], rows[4:]]):
        writer = parquet.TableWriter(table, tmp_path / "v.parquet")
        for batch in batches:
            writer.add(batch)
        writer.close()
        file = pq.ParquetFile(tmp_path / "v.parquet")
        assert [file.metadata.row_group(i).num_rows for i in range(file.num_row_groups)] == [2, 2, 1]
        assert file.read().column("value").to_pylist() == [f"x{i}" for i in range(5)]


def test_the_overview_names_who_wrote_to_whom_without_a_join(built: Path) -> None:
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    names = dict(connection.execute("select id, name from people"))
    documents = connection.execute("select id, sender_id, recipient_ids, title, date from documents order by id")
    overview = {row["document_id"]: row for row in parquet.read(built / parquet.path_of(OVERVIEW)).to_pylist()}
    count = 0
    for doc_id, sender, recipients, title, date in documents:
        row = overview[doc_id]
        assert row["sender"] == names[sender] and row["recipients"] == [names[p] for p in json.loads(recipients)]
        assert (row["title"], row["date"]) == (title, date)
        count += 1
    assert count == len(overview) > 0


def test_every_vocabulary_value_used_in_the_data_has_a_meaning(built: Path) -> None:
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    meanings = {(v, value): meaning for v, value, meaning in connection.execute(
        "select vocabulary, value, meaning from vocabularies")}
    assert all(meanings.values())
    assert ("repository", "APRF") in meanings and ("side", "prc") in meanings
    for _vocabulary, _value, _meaning, columns in connection.execute("select * from vocabularies"):
        for place in json.loads(columns):
            table, column = place.split(".")
            assert column in [c.name for c in fields(table)], place
    for table in iter_tables():
        for column in table.fields:
            if column.vocabulary is None:
                continue
            allowed = set(vocabularies()[column.vocabulary])
            for (value,) in connection.execute(f'select "{column.name}" from "{table.name}" where "{column.name}" is not null'):
                found = json.loads(value) if column.schema["type"] == "array" else [value]
                assert set(found) <= allowed, (table.name, column.name, value)
                assert all((column.vocabulary, v) in meanings for v in found)


def test_a_removed_table_s_parquet_file_is_removed_with_its_csv(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    descriptor = json.loads((out / "datapackage.json").read_text())
    descriptor["resources"].append(dict(descriptor["resources"][-1], name="retired-parquet",
                                        path="data/parquet/retired.parquet"))
    (out / "datapackage.json").write_text(json.dumps(descriptor))
    (out / "data/parquet/retired.parquet").write_bytes(b"PAR1")
    (out / "data/parquet/notes.parquet").write_bytes(b"mine")  # not a build's: never removed
    pkg.build(VALID / "records", out, REPO / "dataset.yaml")
    assert not (out / "data/parquet/retired.parquet").exists()
    assert (out / "data/parquet/notes.parquet").read_bytes() == b"mine"
