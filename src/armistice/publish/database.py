"""The SQLite database: the same tables as the CSV resources, with their keys, plus full-text search.

The schema is written from the same table declarations as the Table Schemas, so both carry the
same primary and foreign keys. SQLite ignores foreign keys unless told, so the build runs
``PRAGMA foreign_key_check`` and refuses a database with dangling references. Full-text search
(FTS5, set up with sqlite-utils) covers the documents' title, summary and text and the quoted
messages. The file is written in one pass, in a fixed order, with nothing ever deleted: the
same rows give the same bytes and no free pages (a VACUUM would only copy it again).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from armistice.publish import browsing
from armistice.publish.tables import Table, foreign_keys, iter_tables

SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "date": "TEXT", "array": "TEXT", "boolean": "INTEGER"}

FTS = {
    "documents": ["title", "source_summary", "text"],
    "messages": ["title", "text"],
}
"""Columns indexed for full-text search, per table."""


class DatabaseError(Exception):
    """The rows do not make a consistent database (e.g. a foreign key points nowhere)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_sql(table: Table) -> str:
    """CREATE TABLE for one resource, with NOT NULL, primary and foreign keys."""
    lines = []
    for column in table.fields:
        line = f"  {_quote(column.name)} {SQL_TYPES[column.schema['type']]}"
        if column.required:
            line += " NOT NULL"
        lines.append(line)
    lines.append(f"  PRIMARY KEY ({', '.join(map(_quote, table.primary_key))})")
    for fields, resource, references in foreign_keys(table):
        lines.append(f"  FOREIGN KEY ({', '.join(map(_quote, fields))}) REFERENCES {_quote(resource)} "
                     f"({', '.join(map(_quote, references))})")
    return f"CREATE TABLE {_quote(table.name)} (\n" + ",\n".join(lines) + "\n)"


def create(path: Path) -> sqlite3.Connection:
    """A new database at ``path`` (which must not exist yet) with every resource's table, ready for rows.

    Durability is off while it is written: it is built in a staging folder and published only when
    complete, so a crash loses nothing but the staging file.
    """
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = DELETE")
    connection.execute("PRAGMA synchronous = OFF")
    for table in iter_tables():
        connection.execute(create_sql(table))
    return connection


def _insert_sql(table: Table) -> str:
    names = [column.name for column in table.fields]
    return (f"INSERT INTO {_quote(table.name)} ({', '.join(map(_quote, names))}) "
            f"VALUES ({', '.join('?' for _ in names)})")


_INSERT = {table.name: _insert_sql(table) for table in iter_tables()}


def insert(connection: sqlite3.Connection, name: str, rows: list[tuple[Any, ...]]) -> None:
    """Add rows (tuples in the order of the resource's fields) to a table of :func:`create`."""
    connection.executemany(_INSERT[name], rows)


def finish(connection: sqlite3.Connection) -> None:
    """Index the foreign keys and what people browse by, refuse a key that points nowhere, add
    full-text search, close."""
    try:
        for table in iter_tables():
            keys = [fields for fields, _resource, _references in foreign_keys(table)]
            leading = {table.primary_key[0], *(fields[0] for fields in keys)}
            browsed = [fields for fields in browsing.indexes(table.name, table.primary_key) if fields[0] not in leading]
            for fields in keys + browsed:
                index = f"idx_{table.name}_{'_'.join(fields)}"
                connection.execute(f"CREATE INDEX {_quote(index)} ON {_quote(table.name)} "
                                   f"({', '.join(map(_quote, fields))})")
        connection.commit()
        dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            table_name, rowid, parent, _ = dangling[0]
            raise DatabaseError(f"{len(dangling)} foreign key violation(s), e.g. a row of {table_name} (rowid {rowid}) "
                                f"refers to a missing row of {parent}")
        db = sqlite_utils.Database(connection)
        for name, columns in FTS.items():
            db[name].enable_fts(columns, fts_version="FTS5", create_triggers=False, tokenize="porter")
        connection.commit()
    finally:
        connection.close()


def counts(path: Path) -> dict[str, int]:
    """Row count of every resource table in a built database."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table.name: connection.execute(f"SELECT count(*) FROM {_quote(table.name)}").fetchone()[0]
                for table in iter_tables()}
    finally:
        connection.close()
