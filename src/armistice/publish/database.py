"""The SQLite database: the same tables as the CSV resources, with their keys, plus full-text search.

The tables, indexes and full-text search are written from the table declarations
(:mod:`armistice.publish.tables`), which the Table Schemas come from too, so both carry the same
primary and foreign keys. SQLite ignores foreign keys unless told, so the build runs
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

from armistice.publish.tables import iter_tables, quote


class DatabaseError(Exception):
    """The rows do not make a consistent database (e.g. a foreign key points nowhere)."""


def create(path: Path) -> sqlite3.Connection:
    """A new database at ``path`` (which must not exist yet) with every resource's table, ready for rows.

    Durability is off while it is written: it is built in a staging folder and published only when
    complete, so a crash loses nothing but the staging file. The connection may be handed to another
    thread (the build writes the database in a thread of its own), one thread at a time.
    """
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode = OFF")  # nothing is ever rolled back: a failed build is discarded
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -65536")  # 64 MiB (bounded) for the indexes and full-text index; not kept in the file
    for table in iter_tables():
        connection.execute(table.create_sql())
    return connection


_INSERT = {table.name: table.insert_sql() for table in iter_tables()}


def insert(connection: sqlite3.Connection, name: str, rows: list[tuple[Any, ...]]) -> None:
    """Add rows (tuples in the order of the resource's fields) to a table of :func:`create`."""
    connection.executemany(_INSERT[name], rows)


def finish(connection: sqlite3.Connection) -> None:
    """Index the foreign keys and what people browse by (:meth:`~armistice.publish.tables.Table.indexes`),
    refuse a key that points nowhere, add full-text search, close."""
    try:
        for table in iter_tables():
            for statement in table.index_sql():
                connection.execute(statement)
        connection.commit()
        dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
        if dangling:
            table_name, rowid, parent, _ = dangling[0]
            raise DatabaseError(f"{len(dangling)} foreign key violation(s), e.g. a row of {table_name} (rowid {rowid}) "
                                f"refers to a missing row of {parent}")
        db = sqlite_utils.Database(connection)
        for table in iter_tables():
            if table.search:
                db.table(table.name).enable_fts(list(table.search), fts_version="FTS5", create_triggers=False,
                                          tokenize="porter")
        connection.commit()
    finally:
        connection.close()


def counts(path: Path) -> dict[str, int]:
    """Row count of every resource table in a built database."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {table.name: connection.execute(f"SELECT count(*) FROM {quote(table.name)}").fetchone()[0]
                for table in iter_tables()}
    finally:
        connection.close()
