"""How people browse the tables: each table's default order and its facets.

Shared by the database, which indexes the orders and the plain (non-array) facets, and the
Datasette configuration, which shows them. Without the indexes, the first page of 100,000 documents in date order is a sort
of the whole table, and each facet over a common search word reads every matching row.
"""

from __future__ import annotations

from typing import Any

SORT = {"documents": "date_min", "events": "date_min", "people": "name", "places": "name", "topics": "name"}
"""The order a table is shown in (ascending), when the reader has not chosen one."""

FACETS: dict[str, list[Any]] = {
    "documents": ["kind", "sender_id", {"array": "recipient_ids"}, "year_month", {"array": "topic_ids"},
                  {"array": "person_ids"}],
    "people": ["side"],
    "places": ["kind", "identification"],
    "document_people": ["role", "person_id"],
    "document_places": ["role", "place_id"],
    "document_topics": ["topic_id"],
    "messages": ["sender_id", "document_id"],
    "handling_notes": ["action", "person_id"],
    "corrections": ["kind", "document_id"],
    "archival_references": ["repository"],
}
"""Facets shown on a table's page: a column, or {"array": column} for a JSON list of ids."""


def indexes(table: str, primary_key: list[str]) -> list[list[str]]:
    """The indexes browsing ``table`` needs: its order (ties broken by the key), then each plain facet.

    Array facets get none: Datasette counts them over whole rows (``json_each`` joined to every
    column of the matching rows), which no index covers, and a JSON list makes a wide index.
    """
    wanted = []
    if table in SORT:
        wanted.append([SORT[table], *primary_key])
    wanted += [[facet] for facet in FACETS.get(table, []) if isinstance(facet, str)]
    return wanted
