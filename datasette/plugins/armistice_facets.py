"""Facets over a document's links, counted from the link tables and their indexes, shown by name.

The documents table keeps JSON copies of its links (``recipient_ids``, ``topic_ids``, ``person_ids``)
for readers of the CSV. Datasette's own array facet counts such a list by selecting every column
of every matching row into a ``DISTINCT`` with ``json_each``: at 100,000 documents each of the three
ran into the facet time limit and was left off the page (BENCHMARKS.md). The ``link`` facet type
registered here counts the same thing from the link table the list copies (``document_people``
with a role, ``document_topics``), over an index the build makes for it
(`armistice.publish.tables.LinkFacet` declares the facet, its table and role;
`armistice.publish.tables.Table.indexes` the index):

- on the whole table, one pass over the index in the value's order (``role, person_id``), once per
  process: the database is immutable, so the counts (every value's) are kept;
- on a filtered or searched page matching at most half the table, the link rows of the matching
  documents only, each document's found in the link table's primary key index (which covers them);
- on a page matching more than half the table (a search for a common word matches nearly every
  document), the whole table's counts minus the counts over the documents that do NOT match, which
  are few: the same numbers, exactly, for a fraction of the lookups (97% of 100,000 documents took
  2.2 s counted directly, BENCHMARKS.md).

Each value is shown by its entry's name. Choosing one filters the documents through the same link
table (``?_link_recipient_ids=<id>``, an indexed ``id in (select ...)``), not through the JSON list.
A link facet counts each document once per value, exactly as the array facet did (a test compares
both on a fixture corpus).
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

PARAMETER = "_link_"
"""``?_link_<column>=<id>``: only the rows linking that entry through the facet's link table."""


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


class LinkFacet(Facet):
    """``{"link": {"column", "table", "key", "value", "pk", "entries", "label", "role", "distinct"}}`` in a
    table's metadata (`armistice.publish.tables.LinkFacet.datasette` writes it)."""

    type = "link"

    async def facet_results(self):
        results, timed_out = [], []
        size = self.get_facet_size()
        pairs = self.get_querystring_pairs()
        where = await self._where()
        complement = await self._complement(where)
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            if "table" not in config:  # asked for with ?_facet_link=<column>: the declared one
                config = _link_configs(self.ds, self.database, self.table).get(config.get("simple"), {})
                if not config:
                    continue
            column = config["column"]
            try:
                rows = await self._rows(config, where, complement, size)
            except QueryInterrupted:
                timed_out.append(column)
                continue
            shown = rows[:size]
            names = {}
            if shown and config.get("entries"):
                ids = ", ".join(_literal(str(row["value"])) for row in shown)
                label = escape_sqlite(config.get("label") or config["pk"])
                names = {row[0]: row[1] for row in (await self.ds.execute(
                    self.database, f"select {escape_sqlite('id')}, {label} from {escape_sqlite(config['entries'])} "
                                   f"where {escape_sqlite('id')} in ({ids})")).rows}
            parameter = PARAMETER + column
            values = []
            for row in shown:
                selected = (parameter, str(row["value"])) in pairs
                toggle = (path_with_removed_args if selected else path_with_added_args)(
                    self.request, {parameter: str(row["value"])})
                values.append({"value": row["value"], "label": names.get(row["value"]) or row["value"],
                               "count": row["count"], "selected": selected,
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle))})
            results.append({"name": column, "type": self.type, "hideable": source != "metadata",
                            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_link": column})),
                            "results": values, "truncated": len(rows) > size})
        return results, timed_out

    async def _where(self) -> str | None:
        """The page's condition on the faceted table: "" for the whole table, None when the facets' SQL
        is not Datasette's ``select <every column> from <table> <where>`` (then only the SQL is used)."""
        if self.table is None:
            return None
        db = self.ds.get_database(self.database)
        key = (self.database, db.hash, "select", self.table)
        if key not in _WHOLE or db.is_mutable:
            columns = ", ".join(escape_sqlite(column) for column in await db.table_columns(self.table))
            _WHOLE[key] = [f"select {columns} from {escape_sqlite(self.table)} "]
        prefix = _WHOLE[key][0]
        if not self.sql.startswith(prefix):
            return None
        rest = self.sql[len(prefix):].strip()
        if not rest:
            return ""
        return rest[len("where "):] if rest.startswith("where ") else None

    async def _complement(self, where: str | None) -> bool:
        """Whether to count the page's rows as the whole table less the rows it leaves out: when it keeps
        more than half of the rows of an immutable rowid table (the whole table's counts are kept)."""
        db = self.ds.get_database(self.database)
        if not where or db.is_mutable or self.row_count is None:
            return False
        table = escape_sqlite(self.table)
        key = (self.database, db.hash, "count", self.table)
        if key not in _WHOLE:
            rowid = await db.execute("select 1 from sqlite_master where type = 'table' and name = :name "
                                     "and sql like '%without rowid%'", {"name": self.table})
            total = (await db.execute(f"select count(*) from {table}", custom_time_limit=self.ds.setting(
                "sql_time_limit_ms"))).rows[0][0]
            _WHOLE[key] = [None if rowid.rows else total]
        total = _WHOLE[key][0]
        return total is not None and 2 * self.row_count > total

    async def _rows(self, config: dict, where: str | None, complement: bool, size: int) -> list:
        """The facet's ``(value, count)`` rows, most linked first, at most ``size + 1``."""
        key, value = escape_sqlite(config["key"]), escape_sqlite(config["value"])
        link, pk, table = escape_sqlite(config["table"]), escape_sqlite(config["pk"]), escape_sqlite(self.table or "")
        role = f" and p.{escape_sqlite('role')} = {_literal(config['role'])}" if config.get("role") else ""
        # A document links an entry once in each role: counted distinct over every role.
        counted = f"count(distinct p.{key})" if config.get("distinct") else "count(*)"

        def over(rows: str) -> str:
            """Counts over the link rows of the table's rows ``rows`` (a query of their keys): each row's
            links found in the link table's primary key (``key`` first), never a scan of every link."""
            return (f"select p.{value} as value, {counted} as count from ({rows}) as d cross join {link} as p "
                    f"on p.{key} = d.{pk}{role} group by p.{value}")

        # The whole table: one pass over the link table's index in the value's order.
        every = (f"select p.{value} as value, {counted} as count from {link} as p"
                 f"{' where ' + role[len(' and '):] if role else ''} group by p.{value}")
        if where == "":  # kept in order: the first ones
            return [{"value": entry, "count": count} for entry, count in (await self._whole(every))[:size + 1]]
        if complement:  # every link row belongs to a row of the table (a foreign key): rows kept + left out
            whole = await self._whole(every)
            left_out = over(f"select {pk} from {table} where rowid not in (select rowid from {table} where {where})")
            fewer = {row[0]: row[1] for row in await self._run(left_out)}
            return _top([(row[0], row[1] - fewer.get(row[0], 0)) for row in whole], size)
        return list(await self._run(f"{over(f'select {pk} from ({self.sql})')} order by count desc, value "
                                    f"limit {size + 1}"))

    async def _run(self, sql: str) -> list:
        """A page's count, within the facet time limit."""
        return list((await self.ds.execute(self.database, sql, self.params, truncate=False,
                                           custom_time_limit=self.ds.setting("facet_time_limit_ms"))).rows)

    async def _whole(self, sql: str) -> list[tuple]:
        """Every value's count over the whole table, in the facet's order. In an immutable database they
        never change: counted once per process, within the SQL time limit rather than the facet's
        (counting everyone in any role reads every link row: 0.3 s at 100,000 documents), then kept."""
        db = self.ds.get_database(self.database)
        cached = (self.database, db.hash, sql)
        if not db.is_mutable and cached in _WHOLE:
            return _WHOLE[cached]
        limit = self.ds.setting("facet_time_limit_ms" if db.is_mutable else "sql_time_limit_ms")
        rows = [(row["value"], row["count"]) for row in _top([tuple(row) for row in (await self.ds.execute(
            self.database, sql, truncate=False, custom_time_limit=limit)).rows], None)]
        if not db.is_mutable:
            _WHOLE[cached] = rows
        return rows


def _top(rows: list[tuple], size: int | None) -> list[dict]:
    """The ``size + 1`` values linked most (all when ``size`` is None), in the facet's SQL order
    (``count desc, value``): SQLite orders NULL, then numbers, then text (byte order, which is code
    point order), then blobs. Values no row links (a count of 0) are left out, as SQL's would be."""
    def order(row: tuple) -> tuple:
        value = row[0]
        kind = 0 if value is None else 1 if isinstance(value, int | float) else 2 if isinstance(value, str) else 3
        return (-row[1], kind, 0 if value is None else value)

    kept = sorted((row for row in rows if row[1] > 0), key=order)
    return [{"value": value, "count": count} for value, count in (kept if size is None else kept[:size + 1])]


_WHOLE: dict[tuple, list] = {}
"""The link facets' counts over whole tables of immutable databases (and the tables' sizes), by
database, version and query."""


@hookimpl
def register_facet_classes():
    return [LinkFacet]


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
