"""Facets over a document's links, counted from the link tables and shown by name; every facet of an
immutable table counted in memory.

The documents table keeps JSON copies of its links (``recipient_ids``, ``topic_ids``, ``person_ids``)
for readers of the CSV. Datasette's own array facet counts such a list by selecting every column
of every matching row into a ``DISTINCT`` with ``json_each``: at 100,000 documents each of the three
ran into the facet time limit and was left off the page (BENCHMARKS.md). The ``link`` facet type
registered here counts the same thing from the link table the list copies (``document_people``
with a role, ``document_topics``; `armistice.publish.tables.LinkFacet` declares the facet, its
table and role).

**In memory, for an immutable database.** Counted in SQL, a searched page's facets cost a lookup
per matching document and facet: for a word in a third of 100,000 documents, "person in any role"
alone read 300,000 link rows and ran out of time, and the six facets together took 0.4 to 1 s. The
database never changes under the server, so each process reads, once (when it starts, and on first
use for a facet asked for in the query string), each facet's values as small integer arrays: a
plain column's value for every row (Datasette's ``column`` facet, replaced by `CountedColumnFacet`),
a link facet's ``(row, value)`` pairs (distinct when a row may link a value in several roles). A
page's facets then need only the set of its rows, asked of SQLite once for all of them (for a plain
search, the full-text index's own list of matches), and each facet is one ``numpy.bincount``: a few
milliseconds at 100,000 documents. The counts, their order (``count desc, value``) and truncation
are those of the SQL they replace, exactly: values are compared as SQLite compares them (no
collation is declared on the tables; text is UTF-8, whose byte order is code point order), and a
table or column where that cannot be promised (a collation, floats, blobs, a table without rowids,
a view) is counted in SQL as before. ``tests/test_serving.py`` compares both ways, and the link
facets with Datasette's array facets, on fixture corpora.

Each value is shown by its entry's name. Choosing one filters the documents through the same link
table (``?_link_recipient_ids=<id>``, an indexed ``id in (select ...)``), not through the JSON list.
A link facet counts each document once per value, exactly as the array facet did.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet, Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args, sqlite_timelimit

PARAMETER = "_link_"
"""``?_link_<column>=<id>``: only the rows linking that entry through the facet's link table."""

IN_MEMORY = True
"""Count the facets of immutable tables in memory (the tests turn it off to compare with the SQL)."""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _link_configs(datasette, database: str, table: str) -> dict[str, dict]:
    """The link facets the metadata declares for ``table``, by the column they stand for."""
    metadata = datasette.table_metadata(database, table) or {}
    found = {}
    for facet in metadata.get("facets", []):
        if isinstance(facet, dict) and isinstance(facet.get("link"), dict):
            found[facet["link"]["column"]] = facet["link"]
    return found


def _linking(config: dict, parameter: str) -> str:
    """The clause: rows of the faceted table linking the entry named by ``:parameter``."""
    role = f" and {escape_sqlite('role')} = {_literal(config['role'])}" if config.get("role") else ""
    return (f"{escape_sqlite(config['pk'])} in (select {escape_sqlite(config['key'])} from "
            f"{escape_sqlite(config['table'])} where {escape_sqlite(config['value'])} = :{parameter}{role})")


# Facets counted in memory


class Counted:
    """One facet's values over a table: ``rows[i]`` (a row's position in rowid order) has ``codes[i]``,
    a position in ``values`` (SQLite's order of the values); a row without a value has no pair."""

    def __init__(self, rows: np.ndarray, codes: np.ndarray, values: list) -> None:
        self.rows, self.codes, self.values = rows, codes, values
        self.whole = np.bincount(codes, minlength=len(values))

    def top(self, kept: np.ndarray | None, limit: int) -> list[tuple[Any, int]]:
        """``(value, count)`` of the ``limit`` values most counted over the rows ``kept`` (a mask over the
        table's rows; None for all), ``count desc, value`` as SQL orders them, values counted 0 left out."""
        counts = self.whole if kept is None else np.bincount(self.codes[kept[self.rows]], minlength=len(self.values))
        present = np.flatnonzero(counts)
        ordered = present[np.lexsort((present, -counts[present]))][:limit]
        return [(self.values[code], int(counts[code])) for code in ordered]


def _sqlite_order(value: Any) -> tuple:
    """SQLite's order of text and integers with no collation: integers first, then text by its UTF-8
    bytes (which is code point order, as Python compares strings)."""
    return (0, value, "") if isinstance(value, int) else (1, 0, value)


def _coded(pairs: Iterable[tuple[int, Any]]) -> tuple[np.ndarray, np.ndarray, list] | None:
    """``(row, value)`` pairs as two arrays, rows and codes into the distinct values in SQLite's order,
    read one pair at a time (a million rows held as Python tuples would take 100 MB); None when a
    value is not text or an integer (floats equal to integers, and blobs, group and order otherwise
    in SQLite: left to it)."""
    index: dict[Any, int] = {}
    rows, codes = array("q"), array("i")
    for row, value in pairs:
        rows.append(row)
        codes.append(index.setdefault(value, len(index)))
    if not all(type(value) in (str, int) for value in index):
        return None
    values = sorted(index, key=_sqlite_order)
    rank = np.empty(len(values), dtype=np.int32)
    rank[[index[value] for value in values]] = np.arange(len(values), dtype=np.int32)
    return np.frombuffer(rows, dtype=np.int64), rank[np.frombuffer(codes, dtype=np.int32)], values


class Table:
    """An immutable table's rowids in order, and the facets counted over it so far (None: left to SQL)."""

    def __init__(self, rowids: np.ndarray, indexed: set[str]) -> None:
        self.rowids = rowids
        self.indexed = indexed  # the first column of each index: a column read whole from its index
        self.keys: dict[str, dict[Any, int] | None] = {}  # a unique column's value -> the row's position
        self.facets: dict[tuple, Counted | None] = {}
        self.lock = threading.Lock()

    def positions(self, rowids: np.ndarray) -> np.ndarray:
        """A mask over the table's rows: those among ``rowids`` (any rowid not in the table ignored)."""
        kept = np.zeros(len(self.rowids), dtype=bool)
        if len(rowids) and len(self.rowids):
            at = np.minimum(np.searchsorted(self.rowids, rowids), len(self.rowids) - 1)
            kept[at[self.rowids[at] == rowids]] = True
        return kept


_TABLES: dict[tuple, Table | None] = {}
_TABLES_LOCK = threading.Lock()
_KEPT: OrderedDict[tuple, np.ndarray] = OrderedDict()
"""The rows of the last pages faceted (a page's facets share them), by database, version, table, clause."""


def _plain(connection: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor giving plain tuples: these reads are of integers and of values the facets keep, so the
    guard plugin's row factory (which measures every row shown) would only slow them."""
    cursor = connection.cursor()
    cursor.row_factory = None
    return cursor


def _strictly(connection: sqlite3.Connection, load: Callable[[], Any]) -> Any:
    """``load()`` reading text with Python's own UTF-8 decoder (Datasette's, which replaces bytes that
    are not UTF-8, is a Python call per value: a second for a million); None when a value is not UTF-8
    (then the facet is left to SQL, which shows it as Datasette decodes it)."""
    decoder = connection.text_factory
    connection.text_factory = str
    try:
        return load()
    except sqlite3.OperationalError as error:
        if "decode" in str(error):
            return None
        raise
    finally:
        connection.text_factory = decoder


def _comparable(connection: sqlite3.Connection, table: str) -> bool:
    """Whether a table's values compare in Python as SQLite compares them: a rowid table of UTF-8 text
    with no collation declared."""
    if connection.execute("pragma encoding").fetchone()[0] != "UTF-8":
        return False
    row = connection.execute("select sql from sqlite_master where type = 'table' and name = ?", (table,)).fetchone()
    return row is not None and row[0] is not None and not any(
        word in row[0].lower() for word in ("collate", "without rowid", "virtual table"))


def _load_table(connection: sqlite3.Connection, table: str) -> Table | None:
    if not _comparable(connection, table):
        return None
    name = escape_sqlite(table)
    indexed = {"rowid"}
    for index in connection.execute(f"pragma index_list({name})").fetchall():
        first = connection.execute(f"pragma index_info({escape_sqlite(index[1])})").fetchone()
        if first is not None and first[2] is not None:
            indexed.add(first[2])
    rowids = np.array([row[0] for row in _plain(connection).execute(f"select rowid from {name}").fetchall()],
                      dtype=np.int64)
    return Table(np.sort(rowids), indexed)


def _load_column(connection: sqlite3.Connection, table: str, held: Table, column: str) -> Counted | None:
    """A plain column's values, read from its index (a column without one is left to SQL: reading it
    would read the whole table, and its values may be long)."""
    if column not in held.indexed or column == "rowid":
        return None
    coded = _coded(_plain(connection).execute(f"select rowid, {escape_sqlite(column)} from {escape_sqlite(table)} "
                                              f"where {escape_sqlite(column)} is not null"))
    if coded is None:
        return None
    rowids, codes, values = coded
    return Counted(np.searchsorted(held.rowids, rowids).astype(np.int32), codes, values)


def _keys(connection: sqlite3.Connection, table: str, held: Table, pk: str) -> dict[Any, int] | None:
    """The table's unique column ``pk`` as value -> row position; None unless every value is distinct
    text (then SQL's equality with a link table's text key is Python's)."""
    if pk not in held.keys:
        found = _plain(connection).execute(f"select rowid, {escape_sqlite(pk)} from {escape_sqlite(table)}").fetchall()
        rowids = np.array([rowid for rowid, _ in found], dtype=np.int64)
        at = np.searchsorted(held.rowids, rowids)
        keys = {key: int(position) for (_, key), position in zip(found, at)}
        held.keys[pk] = keys if len(keys) == len(found) and all(type(key) is str for key in keys) else None
    return held.keys[pk]


def _load_link(connection: sqlite3.Connection, table: str, held: Table, config: dict) -> Counted | None:
    """The link table's ``(row, value)`` pairs, as the link facet's SQL counts them: every link row of a
    row of the table (in the facet's role), or each distinct pair when counted distinct."""
    keys = _keys(connection, table, held, config["pk"])
    if keys is None or not _comparable(connection, config["table"]):
        return None
    key, value = escape_sqlite(config["key"]), escape_sqlite(config["value"])
    role = f" where {escape_sqlite('role')} = {_literal(config['role'])}" if config.get("role") else ""
    found = _plain(connection).execute(f"select {'distinct ' if config.get('distinct') else ''}{key}, {value} "
                                       f"from {escape_sqlite(config['table'])}{role}")
    texts = True

    def joined() -> Iterator[tuple[int, Any]]:  # the join's rows: links of a row of the table
        nonlocal texts
        for linked, entry in found:
            if type(linked) is not str:
                texts = False
            at = keys.get(linked)
            if at is not None and entry is not None:
                yield at, entry

    coded = _coded(joined())
    if coded is None or not texts:
        return None
    rows, codes, values = coded
    return Counted(rows.astype(np.int32), codes, values)


async def _held(datasette, database: str, table: str | None) -> Table | None:
    """The table as held in memory (read on first use), or None when its facets are left to SQL: those
    of mutable databases, and of tables without link facets (the entries' tables and the link tables,
    whose pages are not searched: their facets stay Datasette's SQL, and memory is spent on one table)."""
    db = datasette.get_database(database)
    if not IN_MEMORY or table is None or db.is_mutable or not _link_configs(datasette, database, table):
        return None
    wanted = (database, db.hash, table)
    if wanted not in _TABLES:
        def load(connection: sqlite3.Connection) -> None:
            with _TABLES_LOCK:
                if wanted not in _TABLES:
                    _TABLES[wanted] = _strictly(connection, lambda: _load_table(connection, table))

        await db.execute_fn(load)
    return _TABLES[wanted]


async def _facet(datasette, database: str, table: str, held: Table, kind: str, config: dict) -> Counted | None:
    """One facet of a held table (read on first use): ``kind`` "column" (``config["column"]``) or "link"."""
    wanted = (kind, *sorted((name, str(value)) for name, value in config.items()))
    if wanted not in held.facets:
        def load(connection: sqlite3.Connection) -> None:
            with held.lock:
                if wanted not in held.facets:
                    held.facets[wanted] = _strictly(connection, lambda: (
                        _load_column(connection, table, held, config["column"]) if kind == "column"
                        else _load_link(connection, table, held, config)))

        await datasette.get_database(database).execute_fn(load)
    return held.facets[wanted]


async def _kept(facet: Facet, held: Table, where: str) -> np.ndarray | None:
    """The page's rows as a mask over the held table (None: the whole table), asked of SQLite once per
    page: a plain search from the full-text index's own matches, any other clause as the page gives it."""
    if not where:
        return None
    db = facet.ds.get_database(facet.database)
    params = dict(facet.params)
    wanted = (facet.database, db.hash, facet.table, where, tuple(sorted((str(k), repr(v)) for k, v in params.items())))
    if wanted in _KEPT:
        _KEPT.move_to_end(wanted)
        return _KEPT[wanted]
    searched = _plain_search(where)
    source = (f"from {searched[0]} where {searched[0]} match {searched[1]}" if searched
              else f"from {escape_sqlite(facet.table or '')} where {where}")
    limit = facet.ds.setting("facet_time_limit_ms")

    def rows(connection: sqlite3.Connection) -> np.ndarray:
        with sqlite_timelimit(connection, limit):
            try:
                return _rowids(_plain(connection), source, params)
            except sqlite3.OperationalError as error:
                if error.args == ("interrupted",):
                    raise QueryInterrupted(error, f"select rowid {source}", params) from error
                raise

    kept = held.positions(await db.execute_fn(rows))
    _KEPT[wanted] = kept
    while len(_KEPT) > 16:
        _KEPT.popitem(last=False)
    return kept


_SEARCH = re.compile(
    r'rowid in \(select rowid from (?P<fts>\[[^\]]+\]|"(?:[^"]|"")+"|\w+) '
    r"where (?P=fts) match (?P<match>escape_fts\(:search\)|:search)\)")
"""Datasette's search clause (as the ``armistice_search`` plugin also reads it)."""


def _rowids(cursor: sqlite3.Cursor, source: str, params: dict) -> np.ndarray:
    """The rowids ``select rowid <source>`` gives, read as one string of numbers: 90,000 rows one by
    one take 70 ms of Python, their text 15 ms. A list longer than SQLite's length limit is read row by row."""
    try:  # the page's clause inside a query of its own, as Datasette's facet queries hold it
        text = cursor.execute(f"select group_concat(r, ' ') from (select rowid as r {source})", params).fetchone()[0]
    except sqlite3.DataError:  # string or blob too big
        return np.array([row[0] for row in cursor.execute(f"select rowid {source}", params).fetchall()], dtype=np.int64)
    return np.fromstring(text or "", dtype=np.int64, sep=" ")


def _plain_search(where: str) -> tuple[str, str] | None:
    """``(fts table, match expression)`` when the page's only condition is Datasette's search clause
    (``rowid in (select rowid from <fts> where <fts> match ...)``, ``+`` or not): its rows are the index's
    matches that are rows of the table."""
    found = _SEARCH.fullmatch(where.removeprefix("+"))
    return (found["fts"], found["match"]) if found else None


# The facets


class LinkFacet(Facet):
    """``{"link": {"column", "table", "key", "value", "pk", "entries", "label", "role", "distinct"}}`` in a
    table's metadata (`armistice.publish.tables.LinkFacet.datasette` writes it)."""

    type = "link"

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            if "table" not in config:  # asked for with ?_facet_link=<column>: the declared one
                config = _link_configs(self.ds, self.database, self.table).get(config.get("simple"), {})
                if not config:
                    continue
            column = config["column"]
            try:
                rows = await self._rows(config, size)
            except QueryInterrupted:
                timed_out.append(column)
                continue
            shown = rows[:size]
            names = {}
            if shown and config.get("entries"):
                ids = ", ".join(_literal(str(value)) for value, _ in shown)
                label = escape_sqlite(config.get("label") or config["pk"])
                names = {row[0]: row[1] for row in (await self.ds.execute(
                    self.database, f"select {escape_sqlite('id')}, {label} from {escape_sqlite(config['entries'])} "
                                   f"where {escape_sqlite('id')} in ({ids})")).rows}
            parameter = PARAMETER + column
            values = []
            for value, count in shown:
                selected = (parameter, str(value)) in pairs
                toggle = (path_with_removed_args if selected else path_with_added_args)(
                    self.request, {parameter: str(value)})
                values.append({"value": value, "label": names.get(value) or value, "count": count, "selected": selected,
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle))})
            results.append({"name": column, "type": self.type, "hideable": source != "metadata",
                            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_link": column})),
                            "results": values, "truncated": len(rows) > size})
        return results, timed_out

    async def _rows(self, config: dict, size: int) -> list[tuple[Any, int]]:
        """The facet's ``(value, count)`` rows, most linked first, at most ``size + 1``."""
        where = await _where_of(self)
        declared = config in _link_configs(self.ds, self.database, self.table).values()
        held = await _held(self.ds, self.database, self.table) if where is not None and declared else None
        counted = await _facet(self.ds, self.database, self.table, held, "link", config) if held is not None else None
        if held is not None and counted is not None:
            return counted.top(await _kept(self, held, where or ""), size + 1)
        key, value = escape_sqlite(config["key"]), escape_sqlite(config["value"])
        link, pk = escape_sqlite(config["table"]), escape_sqlite(config["pk"])
        role = f" and p.{escape_sqlite('role')} = {_literal(config['role'])}" if config.get("role") else ""
        # A document links an entry once in each role: counted distinct over every role. Each matching
        # row's links are found in the link table's primary key (``key`` first), never a scan of every link.
        count = f"count(distinct p.{key})" if config.get("distinct") else "count(*)"
        sql = (f"select p.{value} as value, {count} as count from (select {pk} from ({self.sql})) as d "
               f"cross join {link} as p on p.{key} = d.{pk}{role} group by p.{value} "
               f"order by count desc, value limit {size + 1}")
        return [(row[0], row[1]) for row in (await self.ds.execute(
            self.database, sql, self.params, truncate=False,
            custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows]


class CountedColumnFacet(ColumnFacet):
    """Datasette's column facet (``?_facet=kind``, a table's plain facets), counted in memory over an
    immutable table; anything else is left to Datasette's own (the superclass). The results are built
    as Datasette 0.65.5's ``ColumnFacet.facet_results`` builds them, field by field."""

    async def facet_results(self):
        where = await _where_of(self)
        held = await _held(self.ds, self.database, self.table) if where is not None else None
        configs = [(item["config"].get("column") or item["config"]["simple"], item["source"]) for item in self.get_configs()]
        counted: list[Counted] = []
        for column, _ in configs if held is not None else ():
            found = (await _facet(self.ds, self.database, self.table, held, "column", {"column": column})
                     if held is not None and self.table is not None else None)
            if found is None:
                break
            counted.append(found)
        if held is None or not configs or len(counted) < len(configs):  # left to Datasette's SQL
            return await super().facet_results()
        results: list[dict] = []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        try:
            kept = await _kept(self, held, where or "")
        except QueryInterrupted:
            return [], [column for column, _ in configs]
        for (column, source), facet in zip(configs, counted):
            rows = facet.top(kept, size + 1)
            values: list[dict] = []
            results.append({"name": column, "type": self.type, "hideable": source != "metadata",
                            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                            "results": values, "truncated": len(rows) > size})
            shown = rows[:size]
            expanded = await self.ds.expand_foreign_keys(self.database, self.table, column,
                                                         [value for value, _ in shown])
            for value, count in shown:
                column_qs = f"{column}__exact" if column.startswith("_") else column
                selected = (column_qs, str(value)) in pairs
                if selected:
                    toggle_path = path_with_removed_args(self.request, {column_qs: str(value)})
                else:
                    toggle_path = path_with_added_args(self.request, {column_qs: value})
                values.append({"value": value, "label": expanded.get((column, value), value), "count": count,
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle_path)),
                               "selected": selected})
        return results, []


async def _where_of(facet: Facet) -> str | None:
    """The page's condition on the faceted table: "" for the whole table, None when the facets' SQL
    is not Datasette's ``select <every column> from <table> <where>`` (then only the SQL is used)."""
    if facet.table is None:
        return None
    db = facet.ds.get_database(facet.database)
    key = (facet.database, db.hash, facet.table)
    if key not in _SELECT or db.is_mutable:
        columns = ", ".join(escape_sqlite(column) for column in await db.table_columns(facet.table))
        _SELECT[key] = f"select {columns} from {escape_sqlite(facet.table)} "
    prefix = _SELECT[key]
    if not facet.sql.startswith(prefix):
        return None
    rest = facet.sql[len(prefix):].strip()
    if not rest:
        return ""
    return rest[len("where "):] if rest.startswith("where ") else None


_SELECT: dict[tuple, str] = {}


@hookimpl
def startup(datasette):
    """Read the facets each table's metadata declares, for every immutable database, before the first
    request is answered (Datasette runs this on its first request: a health check, say), rather than
    on the first page that shows them: at 100,000 documents about 2 s of one core."""

    async def warm() -> None:
        for name, db in list(datasette.databases.items()):
            if db.is_mutable or name.startswith("_"):
                continue
            for table in await db.table_names():
                declared = (datasette.table_metadata(name, table) or {}).get("facets") or []
                held = await _held(datasette, name, table) if declared else None
                if held is None:
                    continue
                for facet in declared:
                    if isinstance(facet, str):
                        await _facet(datasette, name, table, held, "column", {"column": facet})
                    elif isinstance(facet, dict) and isinstance(facet.get("link"), dict):
                        await _facet(datasette, name, table, held, "link", facet["link"])

    return warm


@hookimpl(wrapper=True)
def register_facet_classes():
    """Datasette's column facet replaced by `CountedColumnFacet` (the same results, counted in memory)."""
    classes = yield
    return [[LinkFacet], *([CountedColumnFacet if klass is ColumnFacet else klass for klass in group] for group in classes)]


@hookimpl
def filters_from_request(request, database, table, datasette):
    """``?_link_<column>=<id>`` for each link facet of the table: the rows linking that entry."""
    configs = _link_configs(datasette, database, table)
    clauses: list[str] = []
    params: dict[str, str] = {}
    described: list[str] = []
    for column, config in configs.items():
        for index, wanted in enumerate(request.args.getlist(PARAMETER + column)):
            parameter = f"link_{len(params)}_{index}"
            clauses.append(_linking(config, parameter))
            params[parameter] = wanted
            described.append(f'{column} contains "{wanted}"')
    return FilterArguments(clauses, params, described) if clauses else None
