"""Exploring in Datasette: search, facets, canned queries, metadata, reading view, and safety.

These use Datasette's own test client against a database built from the repository's records,
configured exactly as `armistice serve` configures it.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette

from armistice.dataset import load_dataset
from armistice.publish import package as pkg
from armistice.explore import serve
from armistice.publish.tables import iter_tables
from conftest import REPO, run_cli

DB = serve.DATABASE


def make_datasette(database: Path, metadata: dict | None = None) -> Datasette:
    """Datasette as `armistice serve` runs it, with the committed metadata unless given other."""
    folder = serve.config_dir(REPO)
    return Datasette(
        immutables=[str(database)],
        metadata=metadata if metadata is not None else json.loads((folder / "metadata.json").read_text()),
        template_dir=str(folder / "templates"),
        plugins_dir=str(folder / "plugins"),
        static_mounts=[("assets", str(folder / "static"))],
        settings={"sql_time_limit_ms": serve.SQL_TIME_LIMIT_MS},
    )


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("site")
    pkg.build(REPO / "records", out, REPO / "dataset.yaml")
    datasette = make_datasette(out / "dist" / pkg.DATABASE_NAME)
    loop = asyncio.new_event_loop()

    def get(path: str):
        return loop.run_until_complete(datasette.client.get(path))

    get.database = out / "dist" / pkg.DATABASE_NAME  # type: ignore[attr-defined]
    get.datasette = datasette  # type: ignore[attr-defined]
    yield get
    loop.close()


def test_committed_metadata_is_current() -> None:
    expected = serve.render_metadata(load_dataset(REPO / "dataset.yaml"))
    assert (serve.config_dir(REPO) / "metadata.json").read_text() == expected, "run `make generate`"


def test_metadata_describes_the_database_every_table_and_every_column(client) -> None:
    metadata = client("/-/metadata.json").json()
    database = metadata["databases"][DB]
    assert database["title"] and database["description_html"] and database["license"] and database["source"]
    assert "Version " in database["description_html"] and "How to cite" in database["description_html"]
    connection = sqlite3.connect(client.database)
    for table in iter_tables():
        entry = database["tables"][table.name]
        assert entry["description"] and entry["license"] and entry["source_url"]
        columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table.name}")')]
        assert set(columns) == set(entry["columns"]), table.name
        assert all(entry["columns"].values()), table.name


def _titles(response) -> list[str]:
    return [row["id"] for row in response.json()["rows"]]


def test_search_for_38th_parallel_finds_every_document_that_mentions_it_and_nothing_else(client) -> None:
    connection = sqlite3.connect(client.database)
    expected = sorted(row[0] for row in connection.execute(
        "select id from documents where lower(title || ' ' || source_summary || ' ' || text) like '%38th parallel%'"))
    assert len(expected) == 2
    response = client(f"/{DB}/documents.json?_search=38th+parallel&_shape=objects&_size=max")
    assert sorted(_titles(response)) == expected


def test_search_covers_the_quoted_messages(client) -> None:
    response = client(f"/{DB}/messages.json?_search=Red+Cross&_shape=objects")
    assert [row["id"] for row in response.json()["rows"]] == ["1951-07-11-cable-21680#m3"]


def test_documents_have_the_facets_a_reader_expects_and_read_in_date_order(client) -> None:
    response = client(f"/{DB}/documents.json?_shape=objects").json()
    assert set(response["facet_results"]) == {"kind", "sender_id", "recipient_ids", "year_month", "topic_ids", "person_ids"}
    kinds = {item["value"]: item["count"] for item in response["facet_results"]["kind"]["results"]}
    assert kinds == {"ciphered-telegram": 3, "cable": 2}
    assert [row["date"] for row in response["rows"]] == sorted(row["date"] for row in response["rows"])


def test_foreign_keys_are_shown_by_name(client) -> None:
    row = client(f"/{DB}/documents.json?_shape=objects&_labels=on&id=1951-07-11-cable-21680").json()["rows"][0]
    assert row["sender_id"] == {"value": "mao-zedong", "label": "Mao Zedong"}
    row = client(f"/{DB}/document_places.json?_shape=objects&_labels=on&role=origin&_size=1").json()["rows"][0]
    assert row["place_id"]["label"] == "Beijing"


def test_canned_correspondence_network(client) -> None:
    rows = client(f"/{DB}/correspondence.json?_shape=objects").json()["rows"]
    pairs = {(row["sender"], row["recipient"]): row for row in rows}
    assert pairs[("Mao Zedong", "Joseph Stalin")]["documents"] == 5
    assert pairs[("Li Kenong", "Mao Zedong")]["quoted_messages"] == 5
    assert pairs[("Mao Zedong", "Li Kenong")]["quoted_messages"] == 2


def test_canned_documents_involving_a_person(client) -> None:
    rows = client(f"/{DB}/documents_mentioning_person.json?person=nam-il&_shape=objects").json()["rows"]
    assert [(row["document_id"], row["roles"]) for row in rows] == [("1951-07-11-cable-21680", "mentioned")]
    by_name = client(f"/{DB}/documents_mentioning_person.json?person=Kenong&_shape=objects").json()["rows"]
    assert len(by_name) == 4


def test_canned_timeline_and_the_timeline_page(client) -> None:
    documents = len(list((REPO / "records" / "documents").glob("*.yaml")))
    events = len(list((REPO / "records" / "events").glob("*.yaml")))
    rows = client(f"/{DB}/timeline.json?_shape=objects").json()["rows"]
    assert len(rows) == documents + events and [r["date_min"] for r in rows] == sorted(r["date_min"] for r in rows)
    page = client("/timeline")
    assert page.status_code == 200
    assert page.text.count('<li class="document">') == documents and page.text.count('<li class="event">') == events
    assert "<svg" in page.text


def test_canned_citation_of_a_document(client) -> None:
    row = client(f"/{DB}/citation.json?document=1951-08-13-ciphered-telegram-22834&_shape=objects").json()["rows"][0]
    assert row["archive_citation"].startswith('"Ciphered Telegram No. 22834, Mao Zedong to Cde. Filippov [Stalin]"')
    assert row["archive_url"] == "https://digitalarchive.wilsoncenter.org/document/113006"
    assert "(Version " in row["dataset_citation"] and row["dataset_citation"].endswith(
        "Record 1951-08-13-ciphered-telegram-22834.")


def test_places_are_on_a_map(client) -> None:
    page = client(f"/{DB}/places")
    assert page.status_code == 200 and "datasette-cluster-map" in page.text


def test_a_document_reads_as_a_document(client) -> None:
    page = client(f"/{DB}/documents/1951-07-11-cable-21680")
    assert page.status_code == 200
    html = page.text
    assert "<h2>Text</h2>" in html and html.count('class="message"') == 4
    assert "brief report N° 1" in html and "Agenda proposed by the un command side" in html
    assert f'href="/{DB}/people/li-kenong"' in html and f'href="/{DB}/places/kaesong"' in html
    assert "Archives of the Russian Ministry of Defense (TsAMO)" in html
    assert "History and Public Policy Program Digital Archive" in html and "Record 1951-07-11-cable-21680." in html
    paragraphs = re.findall(r"<p>([^<]*)</p>", html)
    assert "Cde. Nam Il replied there was no need for this." in paragraphs


def test_writes_are_refused(client) -> None:
    for statement in ["insert into topics (id, name, description) values ('x', 'X', 'x')", "drop table topics",
                      "update people set name = 'X'"]:
        response = client(f"/{DB}.json?sql={quote(statement)}")
        assert response.status_code == 400, statement
        assert "Statement must be a SELECT" in response.json()["error"]
    # opened immutable (what /-/databases.json showed before the guard refused that page: it shows the path too)
    assert client.datasette.get_database(DB).is_mutable is False
    assert client(f"/{DB}/topics.json?_shape=objects&_size=max").json()["rows"][0]["id"] != "x"


def test_a_heavy_query_is_stopped_by_the_time_limit(client) -> None:
    heavy = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    response = client(f"/{DB}.json?sql={quote(heavy)}")
    assert response.status_code == 400
    assert "took too long" in response.json()["error"]


def test_serve_builds_first_then_binds_loopback_and_opens_the_database_immutable(valid_root: Path, monkeypatch) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    launched: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: launched.append(argv))  # the command, not a server
    run = run_cli("serve")
    assert run.exit_code == 0, run.output
    (command,) = launched
    database = valid_root / "dist" / pkg.DATABASE_NAME
    assert database.is_file(), "serve builds the missing database before it launches Datasette"
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8001"
    assert Path(command[command.index("--immutable") + 1]).resolve() == database.resolve()
    assert command[command.index("sql_time_limit_ms") + 1] == "1000"
    built = database.stat().st_mtime_ns
    assert run_cli("serve", "--host", "0.0.0.0", "--port", "8002").exit_code == 0
    assert launched[1][launched[1].index("--host") + 1] == "0.0.0.0" and "8002" in launched[1]
    assert database.stat().st_mtime_ns == built, "a current database is not rebuilt"


def test_datasette_cites_the_dataset_exactly_as_armistice_cite_does(client, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    cited = run_cli("cite").output.strip()
    metadata = client("/-/metadata.json").json()
    assert metadata["plugins"]["armistice"]["citation"] == cited
    assert f"<strong>How to cite:</strong> {cited} " in metadata["databases"][DB]["description_html"]
    assert html.escape(cited, quote=False) in client("/").text
    (document,) = sqlite3.connect(client.database).execute("select id from documents order by id limit 1").fetchone()
    row = client(f"/{DB}/citation.json?document={document}&_shape=objects").json()["rows"][0]
    assert row["dataset_citation"] == f"{cited} Record {document}."
