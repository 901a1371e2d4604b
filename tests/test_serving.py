"""Serving the explorer to many readers: link facets, cache headers, several workers, the load bench.

The facets over a document's links count the link tables (the ``armistice_facets`` plugin); they must
give exactly what Datasette's own array facet gives over the JSON copies of the same links. Over the
immutable database every facet of the documents table is counted in memory; it must give exactly
what the same page counted by SQL gives (Datasette's column facet, the link facets' queries). Pages
carry an ETag naming the served version and are answered 304 when a client already has it, and
each process keeps the pages it rendered. `armistice serve --workers 2` starts and answers, and the
load bench (scripts/bench_explorer.py) runs at a tiny size so it cannot rot. How fast all this is
is measured by the bench, not here (BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from armistice.explore import serve
from armistice.publish import package as pkg
from armistice.publish.tables import LinkFacet, table_by_name
from conftest import REPO, asgi

sys.path.insert(0, str(REPO / "scripts"))
import bench_explorer
import synth

DB = serve.DATABASE
LINKED = [facet for facet in table_by_name("documents").facets if isinstance(facet, LinkFacet)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    """60 synthetic documents, built, served in-process as `armistice serve` serves them."""
    root = tmp_path_factory.mktemp("serving")
    synth.write(60, root / "records")
    pkg.build(root / "records", root / "out", REPO / "dataset.yaml")
    database = root / "out" / "dist" / pkg.DATABASE_NAME
    datasette = serve.datasette(REPO, database, serve.inspect(database))
    loop = asyncio.new_event_loop()

    def get(path: str, headers: dict | None = None):
        return loop.run_until_complete(datasette.client.get(path, headers=headers or {}))

    get.database = database  # type: ignore[attr-defined]
    get.datasette = datasette  # type: ignore[attr-defined]
    get.app = datasette.app()  # type: ignore[attr-defined]
    get.loop = loop  # type: ignore[attr-defined]
    yield get
    loop.close()


def _counts(facet: dict) -> dict[str, int]:
    return {item["value"]: item["count"] for item in facet["results"]}


def _both(corpus, **args) -> dict:
    """The page's facets with Datasette's array facet over each JSON copy asked for beside the link facet."""
    query = [*args.items(), *(("_facet_array", facet.column) for facet in LINKED), ("_facet_size", "max")]
    response = corpus(f"/{DB}/documents.json?{urlencode(query)}")
    assert response.status_code == 200, response.text
    return response.json()


def test_the_documents_page_facets_its_links_through_the_link_tables() -> None:
    metadata = json.loads((serve.config_dir(REPO) / "metadata.json").read_text())
    facets = metadata["databases"][DB]["tables"]["documents"]["facets"]
    linked = [facet["link"] for facet in facets if isinstance(facet, dict) and "link" in facet]
    assert [link["column"] for link in linked] == [facet.column for facet in LINKED]
    assert not [facet for facet in facets if isinstance(facet, dict) and "array" in facet]
    assert len(facets) == bench_explorer.FACETS


def _words(database: Path) -> tuple[str, str]:
    """A word in more than half of the corpus's documents, and one in fewer than half (but several)."""
    connection = sqlite3.connect(database)
    connection.execute("create virtual table temp.vocabulary using fts5vocab(main, documents_fts, row)")
    total = connection.execute("select count(*) from documents").fetchone()[0]
    words = connection.execute("select term, doc from temp.vocabulary where term glob '[a-z]*' "
                               "order by doc desc, term").fetchall()
    common = next(term for term, documents in words if 2 * documents > total)
    rare = next(term for term, documents in words if 2 < documents < total / 4)
    return common, rare


@pytest.mark.parametrize("args", [{}, {"kind": "cable"}, {"_search": "the"}, {"_search": "armistice"},
                                  {"_search": "common"}, {"_search": "rare"}, {"_search": "common", "kind": "cable"},
                                  {"_search": "common", "date_min__gt": "0"},
                                  {"_search": "rare", "kind": "cable"}, {"_search": "common", "_facet_size": "3"},
                                  {"_search": "rare", "_facet_size": "2"}, {"_search": "no-such-word-anywhere"}])
def test_link_facets_count_what_the_array_facets_counted(corpus, args) -> None:
    """Same values, same counts, same order and truncation, on the whole table, a filtered page and
    searches common (more than half the documents: counted as the whole table less the rest) and rare
    (counted directly), alone and with a filter."""
    common, rare = _words(corpus.database)
    args = {name: {"common": common, "rare": rare}.get(wanted, wanted) for name, wanted in args.items()}
    size = args.pop("_facet_size", "max")
    query = [*args.items(), *(("_facet_array", facet.column) for facet in LINKED), ("_facet_size", size)]
    response = corpus(f"/{DB}/documents.json?{urlencode(query)}")
    assert response.status_code == 200, response.text
    page = response.json()
    results = page["facet_results"]
    for facet in LINKED:  # a facet that timed out would be missing
        link, array = results[facet.column], results[facet.column + "_2"]
        assert (link["type"], array["type"]) == ("link", "array")
        assert [(item["value"], item["count"]) for item in link["results"]] == [
            (item["value"], item["count"]) for item in array["results"]], (facet.column, args)
        assert link["truncated"] == array["truncated"], (facet.column, args)
        assert bool(link["results"]) == bool(page["filtered_table_rows_count"]), (facet.column, args)


def _facets_plugin():
    """The ``armistice_facets`` plugin module Datasette loaded from the plugins directory."""
    from datasette.plugins import pm

    return pm.get_plugin("armistice_facets.py")


@pytest.mark.parametrize("args", [{}, {"kind": "cable"}, {"_search": "common"}, {"_search": "rare"},
                                  {"_search": "common", "kind": "cable"}, {"_search": "rare", "date_min__gt": "0"},
                                  {"_search": "common", "_facet_size": "3"}, {"_search": "rare", "_facet_size": "1"},
                                  {"_search": "common", "_facet": "direction"}, {"_search": "common", "_facet": "kind"},
                                  {"_search": "no-such-word-anywhere"}, {"_search": "common", "_link_person_ids": "first"},
                                  {"_where": "kind != 'cable'"}, {"_search": "common", "_sort": "title"}])
def test_facets_counted_in_memory_give_what_datasettes_sql_gives(corpus, monkeypatch, args) -> None:
    """Every facet of the documents page (Datasette's column facets and the link facets), counted in
    memory over the immutable database, equals the same page counted by SQL (Datasette's own
    ``ColumnFacet`` and the link facets' queries): values, labels, counts, order, truncation, links."""
    common, rare = _words(corpus.database)
    first = sqlite3.connect(corpus.database).execute("select person_id from document_people order by rowid").fetchone()[0]
    args = {name: {"common": common, "rare": rare, "first": first}.get(wanted, wanted) for name, wanted in args.items()}
    query = urlencode({**args, "_size": 3})
    plugin = _facets_plugin()
    rendered = {"cookie": "bench=render"}  # never from the page cache
    in_memory = corpus(f"/{DB}/documents.json?{query}", rendered).json()
    assert plugin._TABLES, "the documents table is held in memory"
    monkeypatch.setattr(plugin, "IN_MEMORY", False)
    by_sql = corpus(f"/{DB}/documents.json?{query}", rendered).json()
    assert in_memory["facet_results"] == by_sql["facet_results"], args
    # a facet that timed out would be missing
    assert set(in_memory["facet_results"]) >= {"kind", "sender_id", "year_month", *(facet.column for facet in LINKED)}
    # and the HTML page shows the same facets
    assert corpus(f"/{DB}/documents?{query}").text.count('class="facet-info"') >= bench_explorer.FACETS


def test_a_facet_memory_cannot_promise_is_left_to_sql(corpus) -> None:
    """A column without an index (read whole it would read the whole table), or one holding numbers
    (SQLite and Python group 1 and 1.0 differently) is counted by Datasette's SQL."""
    plugin = _facets_plugin()
    corpus(f"/{DB}/documents.json?_facet=direction&_facet=source_record_id&_size=1")
    key = (DB, corpus.datasette.get_database(DB).hash, "documents")  # this corpus's, not another test's
    held = plugin._TABLES[key]
    assert held.facets[("column", ("column", "direction"))] is None  # no index
    assert plugin._coded(enumerate(["a", 1, "b", 1])) is not None
    assert plugin._coded(enumerate(["a", 1.0])) is None and plugin._coded(enumerate([b"x"])) is None
    rows, codes, values = plugin._coded(enumerate(["b", 2, "a", "é", 10, "b"]))
    assert values == [2, 10, "a", "b", "é"] and list(codes) == [3, 0, 2, 4, 1, 3]  # SQLite's order
    assert list(rows) == [0, 1, 2, 3, 4, 5]


def test_the_searches_compared_take_both_ways_of_counting(corpus) -> None:
    """The common word's page keeps more than half the table, also with a filter every row passes;
    the rare word's fewer: both ways of counting are compared with the array facets above."""
    common, rare = _words(corpus.database)
    total = corpus(f"/{DB}/documents.json?_nofacet=1").json()["filtered_table_rows_count"]

    def matching(**args: str) -> int:
        return corpus(f"/{DB}/documents.json?{urlencode({**args, '_nofacet': 1})}").json()["filtered_table_rows_count"]

    assert 2 * matching(_search=common) > total > 2 * matching(_search=rare) > 0
    assert matching(_search=common, date_min__gt="0") == matching(_search=common)


def test_link_facets_show_names_and_choosing_one_filters_through_the_link_table(corpus) -> None:
    page = _both(corpus)
    names = dict(sqlite3.connect(corpus.database).execute(
        "select id, name from people union all select id, name from topics").fetchall())
    for facet in LINKED:
        for item in page["facet_results"][facet.column]["results"]:
            assert item["label"] == names[item["value"]], item
        chosen = page["facet_results"][facet.column]["results"][-1]
        assert f"_link_{facet.column}=" in chosen["toggle_url"]
        toggle = urlsplit(chosen["toggle_url"])
        assert toggle.path == f"/{DB}/documents.json"  # the page it was counted on
        through = corpus(f"{toggle.path}?{toggle.query}&_size=max&_nofacet=1")
        by_array = corpus(f"/{DB}/documents.json?" + urlencode(
            {f"{facet.column}__arraycontains": chosen["value"], "_size": "max", "_nofacet": 1}))
        assert through.status_code == 200, through.text
        ids = [row[0] for row in through.json()["rows"]]
        assert ids == [row[0] for row in by_array.json()["rows"]] and len(ids) == chosen["count"]
        assert "json_each" not in through.json()["query"]["sql"]


def test_the_kind_facet_shows_words_not_codes(corpus) -> None:
    html = corpus(f"/{DB}/documents").text
    facets = html[html.index('class="facet-results"'):]
    kinds = _counts(_both(corpus)["facet_results"]["kind"])
    coded = [kind for kind in kinds if "-" in kind]
    for kind in kinds:
        assert f">{kind.replace('-', ' ')}</span>" in facets, kind
    for kind in coded:
        assert f">{kind}</a>" not in facets
    assert facets.count('class="facet-info"') == bench_explorer.FACETS


def _asgi(corpus, path: str, headers: list | None = None) -> tuple[int, dict, bytes]:
    return corpus.loop.run_until_complete(asgi(corpus.app, path.encode(), b"", "GET", headers or []))


def test_pages_carry_an_etag_of_the_served_version_and_a_client_that_has_it_gets_304(corpus) -> None:
    path = f"/{DB}/documents"
    status, headers, _ = _asgi(corpus, path)
    assert status == 200 and headers["etag"].startswith('W/"') and headers["cache-control"] == "max-age=3600"
    again = _asgi(corpus, f"/{DB}/people")
    assert again[1]["etag"] == headers["etag"], "one version, one tag, whatever the page"
    status, revalidated, empty = _asgi(corpus, path, [(b"if-none-match", headers["etag"].encode())])
    assert (status, empty, revalidated["etag"]) == (304, b"", headers["etag"])
    assert "content-security-policy" in revalidated
    assert _asgi(corpus, path, [(b"if-none-match", b'W/"another-version"')])[0] == 200
    missing = _asgi(corpus, f"/{DB}/no-such-table")
    assert missing[0] == 404 and "etag" not in missing[1]
    # the tag names the database's version: another hash, another tag
    other = serve.datasette(REPO, corpus.database, {DB: {"hash": "0" * 64, "tables": {}}})
    response = asyncio.new_event_loop().run_until_complete(other.client.get(path))
    assert response.status_code == 200 and response.headers["etag"] not in ("", headers["etag"])


def test_a_page_asked_for_again_comes_from_the_page_cache_byte_for_byte(corpus) -> None:
    path = f"/{DB}/documents?_search=the"
    first = _asgi(corpus, path)
    second = _asgi(corpus, path)
    assert first[0] == second[0] == 200
    assert second[1]["content-length"] == str(len(second[2]))
    assert second[2] == first[2] or b"Queries took" in first[2]
    third = _asgi(corpus, path)
    assert third[2] == second[2], "served from the cache: the same bytes"
    # a request with a cookie is rendered (pages vary by it) and never stored
    rendered = _asgi(corpus, path, [(b"cookie", b"a=b")])
    assert rendered[0] == 200 and "content-length" not in rendered[1] and "etag" not in rendered[1]


def test_a_mutable_database_gets_no_etag(tmp_path: Path, corpus) -> None:
    from datasette.app import Datasette

    mutable = Datasette([str(corpus.database)], plugins_dir=str(serve.config_dir(REPO) / "plugins"))
    response = asyncio.new_event_loop().run_until_complete(mutable.client.get(f"/{DB}/documents.json?_nofacet=1"))
    assert response.status_code == 200 and "etag" not in response.headers


def test_serve_with_two_workers_starts_and_answers_and_the_load_bench_runs(corpus) -> None:
    with bench_explorer.serving(corpus.database, workers=2, timeout=60) as base:
        page = urllib.request.urlopen(base + f"/{DB}/documents", timeout=30)
        assert page.status == 200 and page.headers["etag"]
        tag = page.headers["etag"]
        for _ in range(4):  # every worker gives the same tag
            assert urllib.request.urlopen(base + f"/{DB}/people.json", timeout=30).headers["etag"] == tag
        bench_explorer.load(base, [f"/{DB}/documents"], clients=2, seconds=1)  # the first pages are slow
        figures = {way: bench_explorer.load(base, [f"/{DB}/documents"], clients=2, seconds=1, headers=headers,
                                            revalidate=way == "revalidated")
                   for way, headers in (("rendered", bench_explorer.RENDER), ("served", {}), ("revalidated", {}))}
    assert all(figure.requests > 0 and figure.per_second > 0 for figure in figures.values()), figures
    assert set(figures["rendered"].statuses) == {200} and 304 in figures["revalidated"].statuses
    assert figures["served"].percentile(0.95) >= figures["served"].percentile(0.5)


def test_the_cli_serves_with_workers(tmp_path: Path) -> None:
    (tmp_path / "datasette").symlink_to(serve.config_dir(REPO))
    port = bench_explorer.free_port()
    command = [str(Path(sys.executable).with_name("armistice")), "serve", "--port", str(port), "--workers", "2",
               "--no-access-log", "--records", str(REPO / "records")]
    server = subprocess.Popen(command, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/{DB}/documents.json?_nofacet=1", timeout=10)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
                time.sleep(0.3)
        assert answer.status == 200 and answer.headers["etag"]
        assert len(json.loads(answer.read())["rows"]) == len(list((REPO / "records" / "documents").glob("*.yaml")))
    finally:
        server.terminate()
        server.wait(timeout=30)
