"""Full-text search that finds a document by any recorded name of what it links, and stays fast.

A search of ``documents`` for a recorded spelling, code name or name of a person, place or any
entry kind with ``spellings`` (``armistice.explore.serve.entries`` lists them and their link tables)
also finds the documents that link that entry, beside the full-text matches: "Panmunjom" finds a
telegram that reads "[Hamonten]", "Stalin" one addressed to "Filippov". The name must equal the
search, ignoring case; only then is the clause widened, so a plain search keeps its plan.

Datasette's search box (0.65.5, pinned) restricts a table with
``rowid in (select rowid from FTS where FTS match ...)``. SQLite always starts from that list: it
looks up every matching row, then sorts them for the first page; the count and each facet look
them up again. For a word found in most of 100,000 documents that is 100,000 lookups in a table of
3 GB per query, 150-250 ms each (BENCHMARKS.md).

When the matches are a large share of the table (at least one row in ``SHARE``), and the page's order
and each of its plain facets are indexed (`armistice.publish.tables.Table.indexes` says which the build indexes), this
wrapper around Datasette's search filter writes ``+rowid in (...)`` instead. The rows are the same; the unary plus only stops SQLite from
using the list of matches as an index, so it walks the index of the page's order and stops after a
page of matches, and counts over the smallest index. Otherwise Datasette's clause is left alone: for
a rare word the lookups are cheaper than any walk, walking a table without a suitable index would
read all of it, and a descending order would give tied rows in another order than Datasette's.
The page keeps the rows Datasette's own clause gives because the build inserts rows in key order:
ties in an index come in rowid order, as they do from the lookups.
"""

from __future__ import annotations

import re
import weakref

from datasette import hookimpl
from datasette.utils import await_me_maybe, escape_sqlite

SHARE = 20
"""Walk an index instead of looking up the matches when they are at least 1/SHARE of the rows.

Measured at 100,000 documents: looking up a match costs about 8 us (count and first page together),
walking the whole order index about 35 ms, so the two meet near 4,500 matches, one row in 22."""

_SEARCH = re.compile(
    r'rowid in \(select rowid from (?P<fts>\[[^\]]+\]|"(?:[^"]|"")+"|\w+) '
    r"where (?P=fts) match (?P<match>escape_fts\(:search\)|:search)\)")
_LEADING: dict[tuple[str, str], set[str]] = {}


MMAP_BYTES = 1 << 31
"""SQLite reads an immutable database through a memory map of up to this much (SQLite's own ceiling
is 2 GB less 64 KB): a match looked up in the documents table costs a memory read, not a ``read``
call copying the page into SQLite's cache (at 100,000 documents, 8,500 lookups took 8 ms instead of 31)."""


@hookimpl
def prepare_connection(conn, database, datasette):
    db = datasette.databases.get(database)
    if db is not None and not db.is_mutable:
        conn.execute(f"pragma mmap_size = {MMAP_BYTES}")


@hookimpl(wrapper=True)
def filters_from_request(request, database, table, datasette):
    results = yield
    return [_planned(result, request, database, table, datasette) for result in results]


def _planned(result, request, database, table, datasette):
    async def inner():
        arguments = await await_me_maybe(result)
        if arguments is None:
            return arguments
        for index, clause in enumerate(arguments.where_clauses):
            found = _SEARCH.fullmatch(clause)
            if found and await _walk(found, arguments.params, request, database, table, datasette):
                clause = arguments.where_clauses[index] = "+" + clause
            if found:
                linked = await _linked_by_name(arguments.params.get("search"), database, table, datasette)
                if linked:
                    arguments.where_clauses[index] = f"({clause} or {linked})"
        return arguments

    return inner


async def _walk(found, params, request, database, table, datasette) -> bool:
    """Whether walking an index beats looking up each match, for this page of this search."""
    db = datasette.get_database(database)
    try:
        rows = await _largest_rowid(db, table)
        fts = found["fts"]
        matches = (await db.execute(f"select count(*) from {fts} where {fts} match {found['match']}",
                                    {"search": params["search"]}, log_sql_errors=False)).first()[0]
    except Exception:  # a search SQLite refuses: Datasette's own query reports it
        return False
    if matches * SHARE < rows:
        return False
    metadata = datasette.table_metadata(database, table)
    if request.args.get("_sort_desc") or (not request.args.get("_sort") and metadata.get("sort_desc")):
        # Datasette's first page has no tie-breaker and its next pages expect ties in ascending key
        # order; an index walked backwards gives them in descending order, so pages would differ.
        return False
    indexed = await _leading_columns(db, table)
    return all(column in indexed for column in _page_columns(request, metadata))


async def _largest_rowid(db, table) -> int:
    """The table's largest rowid (its size, as the build numbers rows): asked once of an immutable database."""
    key = (db.name, db.hash, table)
    if key not in _LARGEST or db.is_mutable:
        _LARGEST[key] = (await db.execute(f"select max(rowid) from {escape_sqlite(table)}")).first()[0] or 0
    return _LARGEST[key]


_LARGEST: dict[tuple, int] = {}


def _page_columns(request, metadata) -> list[str]:
    """The columns the page orders by (ascending) or counts facets of (none for the primary key order).

    Array facets are left out: Datasette counts them over every column of the matching rows, which
    no index covers. With the walk they scan the table instead of looking up the matches; at 100,000
    documents both run into Datasette's facet time limit.
    """
    args = request.args
    sort = args.get("_sort") or metadata.get("sort")
    columns = [sort] if sort else []
    if not args.get("_nofacet") and args.get("_shape") not in ("array", "object"):
        columns += [facet for facet in metadata.get("facets", []) if isinstance(facet, str)]
        columns += args.getlist("_facet") + args.getlist("_facet_date")
    return columns


async def _leading_columns(db, table) -> set[str]:
    """The first column of each index of ``table`` (and rowid): the orders SQLite can walk."""
    key = (db.name, table)
    if key not in _LEADING or db.is_mutable:
        leading = {"rowid"}
        for index in (await db.execute(f"PRAGMA index_list({escape_sqlite(table)})")).rows:
            first = (await db.execute(f"PRAGMA index_info({escape_sqlite(index['name'])})")).first()
            if first is not None:
                leading.add(first["name"])
        _LEADING[key] = leading
    return _LEADING[key]


async def _linked_by_name(search, database, table, datasette) -> str | None:
    """``id in (...)`` for the documents linking an entry whose name, spelling or code name is ``search``."""
    if table != "documents" or not isinstance(search, str) or not search.strip():
        return None
    db = datasette.get_database(database)
    parts = []
    for kind, ids in (await _named(datasette, db, search.strip())).items():
        for link in _entries(datasette).get(kind, {}).get("documents", []) if ids else ():
            quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in ids)
            parts.append(f"select {escape_sqlite(link['via'])} from {escape_sqlite(link['table'])} "
                         f"where {escape_sqlite(link['column'])} in ({quoted})")
    return f"id in ({' union '.join(parts)})" if parts else None


def _entries(datasette) -> dict:
    """The ``armistice`` plugin configuration's entry kinds, read once per Datasette instance
    (``plugin_config`` resolves the whole configuration again on every call: about 2 ms)."""
    found = _ENTRIES.get(datasette)
    if found is None:
        found = _ENTRIES[datasette] = (datasette.plugin_config("armistice") or {}).get("entries", {})
    return found


_ENTRIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _named(datasette, db, search: str) -> dict[str, list[str]]:
    """Each entry kind's ids whose name (label), spelling or code name equals ``search`` ignoring case
    (SQLite's ``lower``, which folds ASCII letters only). For an immutable database every kind's names
    are read once, folded by SQLite itself, and looked up in memory; otherwise asked of SQLite each time."""
    found: dict[str, list[str]] = {}
    if db.is_mutable:
        for kind, declared in _entries(datasette).items():
            names = await _name_clauses(db, kind, declared)
            if names:
                found[kind] = [row[0] for row in (await db.execute(
                    f"select id from {escape_sqlite(kind)} where {' or '.join(names)}", {"search": search})).rows]
        return found
    key = (db.name, db.hash, id(datasette))
    if key not in _NAMES:
        every: dict[str, dict[str, list[str]]] = {}
        for kind, declared in _entries(datasette).items():
            names = await _name_clauses(db, kind, declared)
            if not names:
                continue
            columns = [f"lower({escape_sqlite(declared['label'])})"] if declared.get("label") else []
            folded = [f"select id as id, {column} as name from {escape_sqlite(kind)}" for column in columns] + [
                f"select {escape_sqlite(kind)}.id as id, lower(j.value) as name from {escape_sqlite(kind)}, "
                f"json_each({escape_sqlite(kind)}.{column}) as j"
                for column in ("spellings", "code_names") if column in await _columns(db, kind)]
            by_name: dict[str, list[str]] = {}
            # in the table's order, once each: as ``select id from <kind> where ...`` lists them
            for entry, name in (await db.execute(f"select id, name from ({' union all '.join(folded)}) "
                                                 f"where name is not null", truncate=False)).rows:
                ids = by_name.setdefault(str(name), [])
                if entry not in ids:
                    ids.append(entry)
            order = {entry: index for index, (entry,) in enumerate(
                (await db.execute(f"select id from {escape_sqlite(kind)} order by rowid", truncate=False)).rows)}
            for ids in by_name.values():
                ids.sort(key=order.__getitem__)
            every[kind] = by_name
        _NAMES[key] = every
    folded = (await db.execute("select lower(:search)", {"search": search})).first()[0]
    return {kind: by_name.get(folded, []) for kind, by_name in _NAMES[key].items()}


_NAMES: dict[tuple, dict[str, dict[str, list[str]]]] = {}


async def _columns(db, kind: str) -> set[str]:
    return {row["name"] for row in (await db.execute(f"PRAGMA table_info({escape_sqlite(kind)})")).rows}


async def _name_clauses(db, kind: str, declared: dict) -> list[str]:
    """The conditions on ``kind``'s rows whose name, spelling or code name is ``:search`` (none for a
    kind without spellings)."""
    columns = await _columns(db, kind)
    if "spellings" not in columns:
        return []
    names = [f"lower({escape_sqlite(declared['label'])}) = lower(:search)"] if declared.get("label") else []
    return names + [f"exists (select 1 from json_each({escape_sqlite(kind)}.{column}) "
                    f"where lower(value) = lower(:search))" for column in ("spellings", "code_names") if column in columns]
