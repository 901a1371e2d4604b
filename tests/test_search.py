"""Search and browsing stay fast on a large archive, and give exactly the rows Datasette's own query gives.

The database indexes each table's default order and facets (each table's declaration in
`armistice.publish.tables` names them). The Datasette plugin `armistice_search` writes the search
clause as ``+rowid in (...)`` when a word matches a large share of the table and the page's order
and facets are indexed, so SQLite walks the order's index instead of looking up and sorting every
match. These tests run on a synthetic corpus of 60 documents (scripts/synth.py), big enough to hold
both common and rare words; the speed itself is measured by `make bench`.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
from urllib.parse import urlencode

import pytest

from armistice.explore import serve
from armistice.publish import package as pkg
from armistice.publish.tables import iter_tables
from conftest import REPO
from test_datasette import make_datasette

sys.path.insert(0, str(REPO / "scripts"))
import synth

TABLE = f"/{serve.DATABASE}/documents.json"
PLAIN = "rowid in (select rowid from documents_fts where documents_fts match escape_fts(:search))"
BY_WORD = PLAIN.replace("escape_fts(:search)", "?")  # the same clause, for a quoted word as its parameter


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus")
    synth.write(60, root / "records")
    pkg.build(root / "records", root / "out", REPO / "dataset.yaml")
    database = root / "out" / "dist" / pkg.DATABASE_NAME
    datasette = make_datasette(database)
    loop = asyncio.new_event_loop()

    def get(**args):
        response = loop.run_until_complete(datasette.client.get(f"{TABLE}?{urlencode({**args, '_shape': 'objects'})}"))
        return response

    get.connection = sqlite3.connect(database)  # type: ignore[attr-defined]
    yield get
    loop.close()


def _matches(connection: sqlite3.Connection, word: str, order: str = "date_min, id") -> list[str]:
    """Every matching document id in the page order, by Datasette's own clause."""
    return [row[0] for row in connection.execute(
        f"select id from documents where {BY_WORD} order by {order}", ('"' + word + '"',))]


def _every_page(corpus, **args) -> list[str]:
    """The ids of every page of a table view, following its next links."""
    seen = []
    while True:
        page = corpus(**args).json()
        seen += [row["id"] for row in page["rows"]]
        if not page["next"]:
            return seen
        args["_next"] = page["next"]


def _word(connection: sqlite3.Connection, low: int, high: int) -> str:
    """A word of the texts found in between ``low`` and ``high`` documents."""
    for word in synth.VOCABULARY:
        count = len(_matches(connection, word))
        if low <= count <= high:
            return word
    raise AssertionError(f"no word in {low}-{high} documents")


def _where(response) -> str:
    return re.search(r" where (.*?) (?:order by|limit)", response.json()["query"]["sql"]).group(1)


def test_every_default_order_and_facet_is_indexed(corpus) -> None:
    for table in iter_tables():
        leading = {corpus.connection.execute(f"PRAGMA index_info('{index[1]}')").fetchone()[2]
                   for index in corpus.connection.execute(f"PRAGMA index_list('{table.name}')")}
        wanted = [f for f in table.facets if isinstance(f, str)] + ([table.order] if table.order else [])
        assert set(wanted) <= leading, f"{table.name}: {set(wanted) - leading} not indexed"


def test_the_first_page_in_date_order_reads_the_index_not_the_whole_table(corpus) -> None:
    plan = " ".join(row[3] for row in corpus.connection.execute(
        "explain query plan select * from documents order by date_min limit 51"))
    assert "idx_documents_date_min_id" in plan and "TEMP B-TREE" not in plan, plan


def test_a_common_word_walks_the_date_index_and_gives_the_same_rows_on_every_page(corpus) -> None:
    word = _word(corpus.connection, 30, 59)
    expected = _matches(corpus.connection, word)
    response = corpus(_search=word, _size=7)
    assert _where(response) == "+" + PLAIN
    assert response.json()["filtered_table_rows_count"] == len(expected)
    plan = " ".join(row[3] for row in corpus.connection.execute(
        "explain query plan select * from documents where +rowid in "
        "(select rowid from documents_fts where documents_fts match ?) order by date_min limit 8", ('"x"',)))
    assert "idx_documents_date_min_id" in plan and "TEMP B-TREE" not in plan, plan
    assert _every_page(corpus, _search=word, _size=7) == expected


def test_a_rare_word_keeps_datasettes_lookup_of_each_match(corpus) -> None:
    word = _word(corpus.connection, 1, 2)  # fewer than 60 / SHARE matches
    response = corpus(_search=word)
    assert _where(response) == PLAIN
    assert [row["id"] for row in response.json()["rows"]] == _matches(corpus.connection, word)


def test_facets_of_a_common_word_count_the_same_as_without_the_walk(corpus) -> None:
    word = _word(corpus.connection, 30, 59)
    response = corpus(_search=word)
    assert _where(response) == "+" + PLAIN
    facets = response.json()["facet_results"]
    kinds = dict(corpus.connection.execute(
        f"select kind, count(*) from documents where {BY_WORD} group by kind",
        ('"' + word + '"',)).fetchall())
    assert {item["value"]: item["count"] for item in facets["kind"]["results"]} == kinds


def test_an_order_or_facet_without_an_index_keeps_datasettes_clause(corpus) -> None:
    word = _word(corpus.connection, 30, 59)
    by_title = corpus(_search=word, _sort="title")
    assert _where(by_title) == PLAIN
    assert [row["id"] for row in by_title.json()["rows"]] == _matches(corpus.connection, word, "title, id")[:100]
    assert _where(corpus(_search=word, _facet="issuer")) == PLAIN
    assert _where(corpus(_search=word, _sort="date_min", _nofacet="1")) == "+" + PLAIN


def test_a_descending_order_keeps_datasettes_clause_and_its_pages(corpus) -> None:
    """Walked backwards, an index gives tied rows in descending key order; Datasette's pages expect ascending."""
    word = _word(corpus.connection, 30, 59)
    assert _where(corpus(_search=word, _sort_desc="date_min")) == PLAIN
    seen = _every_page(corpus, _search=word, _sort_desc="date_min", _size=7)
    assert sorted(seen) == sorted(_matches(corpus.connection, word)) and len(set(seen)) == len(seen)


def test_a_search_sqlite_refuses_is_reported_as_datasette_reports_it(corpus) -> None:
    response = corpus(_search='"unterminated', _searchmode="raw")
    assert response.status_code == 400 and "unterminated string" in response.json()["error"]
