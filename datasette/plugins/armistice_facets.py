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
  process: the database is immutable, so the counts are kept;
- on a filtered or searched page, the link rows of the matching documents only, found by the
  primary key index of the link table.

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
        # Datasette's SQL for the facets is "select <columns> from <table> <where>": no where, every row.
        whole = self.table is not None and self.sql.rstrip().endswith(f" from {escape_sqlite(self.table)}")
        for source_and_config in self.get_configs():
            config, source = source_and_config["config"], source_and_config["source"]
            if "table" not in config:  # asked for with ?_facet_link=<column>: the declared one
                config = _link_configs(self.ds, self.database, self.table).get(config.get("simple"), {})
                if not config:
                    continue
            column, key, value = config["column"], escape_sqlite(config["key"]), escape_sqlite(config["value"])
            conditions = [f"{escape_sqlite('role')} = {_literal(config['role'])}"] if config.get("role") else []
            if not whole:
                conditions.append(f"{key} in (select {escape_sqlite(config['pk'])} from ({self.sql}))")
            # A document links an entry once in each role: counted distinct over every role.
            counted = f"count(distinct {key})" if config.get("distinct") else "count(*)"
            sql = (f"select {value} as value, {counted} as count from {escape_sqlite(config['table'])}"
                   f"{' where ' + ' and '.join(conditions) if conditions else ''} "
                   f"group by {value} order by count desc, value limit {size + 1}")
            try:
                rows = await self._count(sql, whole)
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


    async def _count(self, sql: str, whole: bool) -> list:
        """The facet's rows. Over the whole table of an immutable database they never change: counted
        once per process, within the SQL time limit rather than the facet's (counting everyone in
        any role reads every link row: 0.3 s at 100,000 documents), then kept."""
        db = self.ds.get_database(self.database)
        key = (self.database, db.hash, sql)
        if whole and not db.is_mutable and key in _WHOLE:
            return _WHOLE[key]
        limit = self.ds.setting("sql_time_limit_ms" if whole and not db.is_mutable else "facet_time_limit_ms")
        rows = list((await self.ds.execute(self.database, sql, self.params if not whole else {}, truncate=False,
                                           custom_time_limit=limit)).rows)
        if whole and not db.is_mutable:
            _WHOLE[key] = rows
        return rows


_WHOLE: dict[tuple, list] = {}
"""The link facets' counts over whole tables of immutable databases, by database, version and query."""


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
