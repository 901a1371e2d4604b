"""Exploring in Datasette: search, facets, canned queries, metadata, reading view, and safety.

These use Datasette's own test client against a database built from a small fixture corpus
(tests/fixtures/valid with tests/fixtures/explorer laid over it), configured exactly as `armistice
serve` configures it, so they test the behaviour whatever the current records hold.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette

from armistice.dataset import load_dataset
from armistice.explore import serve
from armistice.publish import package as pkg
from armistice.publish.tables import ROLES, ArrayFacet, iter_tables
from armistice.release.citation import FORMATS
from conftest import FIXTURES, REPO, overlay, run_cli

DB = serve.DATABASE
EXPLORER = FIXTURES / "explorer"


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
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small records root: the valid fixture and the explorer fixture laid over it (two documents, two
    senders writing to each other, a place with two spellings, a quoted telegram, an event)."""
    root = tmp_path_factory.mktemp("corpus")
    overlay(EXPLORER, root)
    shutil.copy(REPO / "dataset.yaml", root / "dataset.yaml")
    return root


@pytest.fixture(scope="module")
def client(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("site")
    pkg.build(corpus / "records", out, REPO / "dataset.yaml")
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


def test_every_coded_column_and_every_array_facet_is_published_in_words() -> None:
    """Pages show words for codes and names for ids only for what the metadata lists: a new vocabulary
    column or array facet missing here would be shown raw."""
    vocabularies = serve.vocabularies()
    for table in iter_tables():
        for column in table.fields:
            values = column.schema.get("constraints", {}).get("enum")
            if (values and column.name != "role") or (column.name == "role" and table.name in ROLES):
                meanings = vocabularies[table.name][column.name]
                assert set(meanings) == set(values or ROLES[table.name]) and all(meanings.values()), (table.name, column)
        for facet in table.facets:
            if isinstance(facet, ArrayFacet):
                assert facet.column in serve.ARRAY_FACET_TABLES, facet.column


def _ids(response) -> list[str]:
    return sorted(row["id"] for row in response.json()["rows"])


def test_full_text_search_finds_the_documents_whose_words_match(client) -> None:
    response = client(f"/{DB}/documents.json?_search=forward&_shape=objects&_size=max")
    assert _ids(response) == ["1951-03-02-telegram-7"]


def test_a_search_for_any_recorded_spelling_finds_the_documents_that_link_it(client) -> None:
    """'Rivermouth' is in the text of one document; the other reads 'Rivermond', a recorded spelling."""
    for term in ("Rivermouth", "rivermond", "RIVERMOUTH"):
        response = client(f"/{DB}/documents.json?_search={term}&_shape=objects&_size=max")
        assert _ids(response) == ["1951-03-02-telegram-7", "1951-03-05-telegram-8"], term
    # a name that is not a recorded spelling widens nothing: only the full-text match
    assert _ids(client(f"/{DB}/documents.json?_search=Hilltown+safely&_shape=objects")) == []
    assert _ids(client(f"/{DB}/documents.json?_search=Reader&_shape=objects")) == [
        "1951-03-02-telegram-7", "1951-03-05-telegram-8"]


def test_search_covers_the_quoted_messages(client) -> None:
    response = client(f"/{DB}/messages.json?_search=arrive&_shape=objects")
    assert [row["id"] for row in response.json()["rows"]] == ["1951-03-02-telegram-7#m1"]


def test_documents_have_the_facets_a_reader_expects_and_read_in_date_order(client) -> None:
    response = client(f"/{DB}/documents.json?_shape=objects").json()
    assert set(response["facet_results"]) == {"kind", "sender_id", "recipient_ids", "year_month", "topic_ids", "person_ids"}
    kinds = {item["value"]: item["count"] for item in response["facet_results"]["kind"]["results"]}
    assert kinds == {"ciphered-telegram": 1, "telegram": 1}
    assert [row["date"] for row in response["rows"]] == sorted(row["date"] for row in response["rows"])


def test_the_documents_list_reads_as_a_list_of_documents(client) -> None:
    page = client(f"/{DB}/documents").text
    assert '<a class="document-title" href="/' + DB + '/documents/1951-03-05-telegram-8">Telegram No. 8, Ben Reader to Ana Sender</a>' in page
    assert '<span class="sender">Ben Reader</span> → <span class="recipient">Ana Sender</span>' in page
    assert "Ben Reader answers Ana Sender about the journey." in page  # the summary, without a search
    assert 'class="col-text' not in page and "traveller reached" not in page  # no text column, no full text
    assert page.index("1951-03-02") < page.index("1951-03-05")
    # the facets name people and topics, not ids
    facets = page[page.index('class="facet-results"'):]
    assert ">Ana Sender</a>" in facets and ">Travel</a>" in facets and ">ana-sender</a>" not in facets
    searched = client(f"/{DB}/documents?_search=forward").text
    assert 'I <mark>forward</mark> the telegram of Cora Clerk.' in searched and '<p class="snippet">' in searched
    # every column is still there as data, and as a table when asked for
    assert "text" in client(f"/{DB}/documents.json?_shape=objects").json()["rows"][0]
    assert 'class="col-text' in client(f"/{DB}/documents?_col=text").text


def test_foreign_keys_are_shown_by_name(client) -> None:
    row = client(f"/{DB}/documents.json?_shape=objects&_labels=on&id=1951-03-02-telegram-7").json()["rows"][0]
    assert row["sender_id"] == {"value": "ana-sender", "label": "Ana Sender"}
    row = client(f"/{DB}/document_places.json?_shape=objects&_labels=on&role=origin&_size=1").json()["rows"][0]
    assert row["place_id"]["label"] == "Hilltown"


def test_canned_correspondence_network(client) -> None:
    rows = client(f"/{DB}/correspondence.json?_shape=objects").json()["rows"]
    pairs = {(row["sender"], row["recipient"]): row for row in rows}
    assert pairs[("Ana Sender", "Ben Reader")]["documents"] == 1
    assert pairs[("Ben Reader", "Ana Sender")]["documents"] == 1
    assert pairs[("Cora Clerk", "Ana Sender")]["quoted_messages"] == 1


def test_canned_documents_involving_a_person(client) -> None:
    rows = client(f"/{DB}/documents_mentioning_person.json?person=cora-clerk&_shape=objects").json()["rows"]
    assert [(row["document_id"], row["roles"]) for row in rows] == [("1951-03-02-telegram-7", "message-sender")]
    by_name = client(f"/{DB}/documents_mentioning_person.json?person=Sender&_shape=objects").json()["rows"]
    assert sorted(row["document_id"] for row in by_name) == ["1951-03-02-telegram-7", "1951-03-05-telegram-8"]
    assert client(f"/{DB}/documents_mentioning_person.json?person=&_shape=objects").json()["rows"] == []


def test_canned_timeline_and_the_timeline_page(client) -> None:
    rows = client(f"/{DB}/timeline.json?_shape=objects").json()["rows"]
    assert len(rows) == 3 and [r["date_min"] for r in rows] == sorted(r["date_min"] for r in rows)
    page = client("/timeline")
    assert page.status_code == 200
    assert page.text.count('<li class="document">') == 2 and page.text.count('<li class="event">') == 1
    assert "<svg" in page.text


def test_the_timeline_has_a_dated_axis_and_marks_that_link_and_say_what_reports_an_event(client) -> None:
    page = client("/timeline").text
    chart = page[page.index("<svg"):page.index("</svg>")]
    connection = sqlite3.connect(client.database)
    months = {row[0] for row in connection.execute("select substr(date_min, 1, 7) from documents union "
                                                   "select substr(date_min, 1, 7) from events")}
    assert chart.count('class="tick"') >= len(months)
    for kind, table in (("document", "documents"), ("event", "events")):
        for (item,) in connection.execute(f"select id from {table}"):
            assert f'<a href="/{DB}/{table}/{item}" class="timeline-item {kind}"' in chart
    for event, document, title in connection.execute(
            "select ed.event_id, d.id, d.title from event_documents ed join documents d on d.id = ed.document_id"):
        (tip,) = re.findall(f'<a href="/{DB}/events/{event}" class="timeline-item event"[^>]*>\\s*<title>(.*?)</title>', chart)
        assert "reported in " in tip and title in html.unescape(tip)
        item = page[page.index(f'href="/{DB}/events/{event}">'):]
        assert f'(reported in <a href="/{DB}/documents/{document}">' in item.split("</li>")[0]


def _load_pages_plugin():
    import importlib.util

    spec = importlib.util.spec_from_file_location("armistice_pages", serve.config_dir(REPO) / "plugins" / "armistice_pages.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_timeline_layout_puts_labels_beside_bars_never_through_them() -> None:
    """Synthetic items: a month-long event, a day early in the month, one at the right edge."""
    layout = _load_pages_plugin().timeline_layout([
        {"item": "event", "id": "e1", "date": "1950-02", "date_min": "1950-02-01", "date_max": "1950-02-28", "title": "A month"},
        {"item": "document", "id": "d1", "date": "1950-02-03", "date_min": "1950-02-03", "date_max": "1950-02-03", "title": "Early"},
        {"item": "document", "id": "d2", "date": "1950-04-30", "date_min": "1950-04-30", "date_max": "1950-04-30",
         "title": "Late, with a long title that cannot fit after its mark at the right edge"},
    ], {"e1": [{"id": "d2", "date": "1950-04-30", "title": "Late"}]})
    assert [tick["label"] for tick in layout["ticks"]] == ["Feb 1950", "Mar 1950", "Apr 1950"]
    month, early, late = layout["rows"]
    assert month["bar"] and month["x_end"] - month["x"] > 100
    for row in layout["rows"]:
        if row["anchor"] == "start":
            assert row["label_x"] > max(row["x"], row["x_end"])
        else:
            assert row["label_x"] < row["x"]
    assert len({r["y"] for r in layout["rows"]}) == 3  # a row each
    assert late["anchor"] == "end" and early["anchor"] == "start"
    assert "reported in 1950-04-30 Late" in month["tip"]
    assert layout["links"] == [{"x1": month["x"], "y1": month["y"], "x2": late["x"], "y2": late["y"]}]


def test_canned_citation_of_a_document(client) -> None:
    row = client(f"/{DB}/citation.json?document=1951-03-02-telegram-7&_shape=objects").json()["rows"][0]
    assert row["archive_citation"].startswith('"Telegram No. 7, Ana Sender to Ben Reader"')
    assert row["archive_url"] == "https://digitalarchive.wilsoncenter.org/document/7"
    assert "(Version " in row["dataset_citation"] and row["dataset_citation"].endswith("Record 1951-03-02-telegram-7.")


def test_places_are_on_a_map_whose_markers_need_no_network(client) -> None:
    """The places page embeds a point for each place with coordinates (the markers are drawn from them,
    with Leaflet served by this site) and each point links to the place's page; every place is listed."""
    page = client(f"/{DB}/places")
    assert page.status_code == 200
    (points,) = re.findall(r'<script type="application/json" id="places-points">(.*?)</script>', page.text, flags=re.S)
    connection = sqlite3.connect(client.database)
    located = connection.execute("select id, name, latitude, longitude from places where latitude is not null "
                                 "order by name, id").fetchall()
    assert located, "the fixture has a place with coordinates"
    assert [(p["id"], p["name"], p["lat"], p["lon"]) for p in json.loads(points)] == located
    assert all(p["href"] == f"/{DB}/places/{p['id']}" for p in json.loads(points))
    for (place_id,) in connection.execute("select id from places"):
        assert f'class="place-name" href="/{DB}/places/{place_id}"' in page.text
    assert "/-/static-plugins/datasette-leaflet/" in page.text and "datasette-cluster-map.js" not in page.text
    assert "https://" not in page.text.split('id="places-map"')[1].split(">")[0]  # nothing online for the markers


def test_every_canned_query_with_a_parameter_returns_nothing_when_it_is_empty(client) -> None:
    queries = client("/-/metadata.json").json()["databases"][DB]["queries"]
    with_parameters = {name: sorted(set(re.findall(r":(\w+)", query["sql"]))) for name, query in queries.items()}
    assert any(with_parameters.values())
    for name, parameters in with_parameters.items():
        if parameters:
            empty = "&".join(f"{parameter}=" for parameter in parameters)
            assert client(f"/{DB}/{name}.json?{empty}&_shape=objects").json()["rows"] == [], name


def test_correspondence_links_to_the_telegrams_it_counts(client) -> None:
    """Each pair's count links to the telegrams it counts (as many rows as the count), each linking to its
    document (at the quoted telegram for a quoted one), and the documents' count to the documents list."""
    pairs = client(f"/{DB}/correspondence.json?_shape=objects").json()["rows"]
    page = client(f"/{DB}/correspondence").text
    for pair in pairs:
        sender, recipient = pair["sender_id"], pair["recipient_id"]
        link = f"/{DB}/correspondence_telegrams?sender={sender}&amp;recipient={recipient}"
        assert f'href="{link}"' in page, pair
        assert f'<a href="/{DB}/people/{sender}">{html.escape(pair["sender"])}</a>' in page
        rows = client(html.unescape(link).replace("telegrams?", "telegrams.json?") + "&_shape=objects").json()["rows"]
        assert len(rows) == pair["telegrams"]
        assert sum(row["level"] == "quoted message" for row in rows) == pair["quoted_messages"]
        shown = client(html.unescape(link)).text
        for row in rows:
            anchor = f"#message-{row['quoted_message']}" if row["quoted_message"] else ""
            assert f'href="/{DB}/documents/{row["document_id"]}{anchor}"' in shown
            if anchor:
                document = client(f"/{DB}/documents/{row['document_id']}").text
                assert f'id="message-{row["quoted_message"]}"' in document
        if pair["documents"]:
            documents = f"/{DB}/documents?sender_id={sender}&amp;recipient_ids__arraycontains={recipient}"
            assert f'href="{documents}"' in page
            listed = client(html.unescape(documents).replace("documents?", "documents.json?") + "&_shape=objects")
            assert len(listed.json()["rows"]) == pair["documents"]


def test_query_results_link_to_their_rows(client) -> None:
    page = client(f"/{DB}/documents_mentioning_person?person=cora-clerk").text
    assert f'<a href="/{DB}/documents/1951-03-02-telegram-7">1951-03-02-telegram-7</a>' in page
    assert f'<a href="/{DB}/people/cora-clerk">cora-clerk</a>' in page
    timeline = client(f"/{DB}/timeline").text
    for row in client(f"/{DB}/timeline.json?_shape=objects").json()["rows"]:
        assert f'href="/{DB}/{row["item"]}s/{row["id"]}"' in timeline


def _text(page: str) -> str:
    """What a reader sees of a page's body: the tags gone, entities read, whitespace collapsed."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


def test_a_document_reads_as_a_document(client) -> None:
    page = client(f"/{DB}/documents/1951-03-02-telegram-7")
    assert page.status_code == 200
    shown = _text(page.text)
    assert "<h2>Text</h2>" in page.text
    # the quoted telegram once, in its place in the text, with its header set apart
    assert shown.count("I arrive at Rivermouth on 1 March") == 1
    (block,) = re.findall(r'<blockquote class="message".*?</blockquote>', page.text, flags=re.S)
    assert "Quoted telegram: from" in _text(block) and "Cora Clerk" in _text(block) and "I arrive at Rivermouth" in block
    assert shown.index("I forward the telegram of Cora Clerk.") < shown.index("I arrive at Rivermouth") < shown.index(
        "Deciphered by Clerkson")
    assert f'href="/{DB}/people/cora-clerk"' in page.text and f'href="/{DB}/places/rivermouth"' in page.text
    assert "message sender" in shown and "message-sender" not in shown  # roles in words
    assert "APRF, fond 1, opis 2, delo 3, listy 4-5" in shown
    # no raw table of every field, but the row as data
    assert "All fields" not in page.text and 'class="rows-and-columns"' not in page.text
    assert f'href="/{DB}/documents/1951-03-02-telegram-7.json"' in page.text
    # the next document by date, and none before the first
    assert f'rel="next" href="/{DB}/documents/1951-03-05-telegram-8"' in page.text and 'rel="prev"' not in page.text
    later = client(f"/{DB}/documents/1951-03-05-telegram-8").text
    assert f'rel="prev" href="/{DB}/documents/1951-03-02-telegram-7"' in later and 'rel="next"' not in later


def test_a_document_is_cited_in_every_format_exactly_as_armistice_cite_does(client, corpus: Path, monkeypatch) -> None:
    monkeypatch.chdir(corpus)
    page = client(f"/{DB}/documents/1951-03-02-telegram-7").text
    shown = dict(re.findall(r'<pre class="citation-text" data-format="([^"]+)">(.*?)</pre>', page, flags=re.S))
    assert list(shown) == list(FORMATS)
    for fmt in FORMATS:
        cited = run_cli("cite", "1951-03-02-telegram-7", "--format", fmt).output
        assert html.unescape(shown[fmt]) == cited, fmt
    assert "version " + load_dataset(REPO / "dataset.yaml").version in _text(page)


def test_a_document_shows_its_organisations_and_proposals(client) -> None:
    page = client(f"/{DB}/documents/1951-03-05-telegram-8").text
    assert f'<a href="/{DB}/organisations/harbour-office">Harbour Office</a>' in page
    (section,) = re.findall(r'<section class="proposals">.*?</section>', page, flags=re.S)
    shown = _text(section)
    assert "proposed by Ben Reader: that the Harbour Office meet the traveller at Rivermond" in shown
    assert "I propose that the Harbour Office meet him there." in shown
    assert f'href="/{DB}/people/ben-reader"' in section
    assert '<section class="proposals">' not in client(f"/{DB}/documents/1951-03-02-telegram-7").text


def test_a_repair_shows_what_changed(client) -> None:
    """A repair that only joins a paragraph says so, instead of showing the same words twice; a
    changed word is shown struck out beside its repair."""
    page = client(f"/{DB}/documents/1951-03-05-telegram-8").text
    (repair,) = re.findall(r'<section class="corrections">.*?</section>', page, flags=re.S)
    assert "paragraph joined" in repair and "<del>" not in repair and "<q>Rivermond safely</q>" in repair
    assert "The traveller reached Rivermond safely." in _text(page)


def test_an_entry_reads_as_an_entry_with_its_documents_and_events(client) -> None:
    person = client(f"/{DB}/people/ana-sender")
    assert person.status_code == 200
    shown = _text(person.text)
    assert "<h1>Ana Sender</h1>" in person.text and "Links from other tables" not in person.text
    assert "1951-03-02 Telegram No. 7, Ana Sender to Ben Reader (author, message recipient)" in shown
    assert "1951-03-05 Telegram No. 8, Ben Reader to Ana Sender (recipient)" in shown
    assert f'href="/{DB}/documents/1951-03-05-telegram-8"' in person.text
    place = _text(client(f"/{DB}/places/rivermouth").text)
    assert "Rivermouth · Rivermond" in place and "uncertain" in place and "Documents (2)" in place
    assert "1951-03 Arrival at Rivermouth" in place
    event = client(f"/{DB}/events/1951-03-01-arrival-at-rivermouth").text
    assert f'href="/{DB}/places/rivermouth"' in event and f'href="/{DB}/documents/1951-03-02-telegram-7"' in event
    # the basis of identification, with the document whose words it rests on, and the curators' reason
    connection = sqlite3.connect(client.database)
    for table, kind in (("person_identification_basis", "people"), ("place_identification_basis", "places"),
                        ("person_side_basis", "people"), ("organisation_identification_basis", "organisations")):
        column = {"people": "person_id", "places": "place_id", "organisations": "organisation_id"}[kind]
        rows = connection.execute(f"select {column}, basis, document_id, words, reason from {table}").fetchall()
        assert rows or table == "person_side_basis", table
        for key, basis, document, said, reason in rows:
            entry = client(f"/{DB}/{kind}/{key}").text
            assert basis in _text(entry) and (said or reason) in html.unescape(entry), (table, key)
            if document:
                assert f'href="/{DB}/documents/{document}"' in entry
    organisation = client(f"/{DB}/organisations/harbour-office").text
    assert "Basis of identification" in organisation and f'href="/{DB}/documents/1951-03-05-telegram-8"' in organisation
    topic = _text(client(f"/{DB}/topics/travel").text)
    assert "Documents (2)" in topic
    # tables that are not entries keep Datasette's row page
    assert "Links from other tables" in client(f"/{DB}/messages/1951-03-02-telegram-7~23m1").text


def test_the_home_page_leads_everywhere_with_version_citation_and_licence(client) -> None:
    page = client("/").text
    for table in ("documents", "people", "places", "events", "topics", "correspondence"):
        assert f'href="/{DB}/{table}"' in page, table
    assert 'href="/timeline"' in page
    dataset = load_dataset(REPO / "dataset.yaml")
    assert f"Version {dataset.version}" in page and dataset.metadata_licence.title in page
    assert "Chicago" in page and "BibTeX" in page


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
    (valid_root / "datasette").symlink_to(serve.config_dir(REPO))
    launched: list[dict] = []
    monkeypatch.setattr(serve, "listen", lambda config: launched.append(vars(config)))  # the settings, no server
    monkeypatch.setenv(serve.SERVE_ENVIRONMENT, "")  # restored (removed) after the test: serve sets it
    run = run_cli("serve")
    assert run.exit_code == 0, run.output
    (options,) = launched
    database = valid_root / "dist" / pkg.DATABASE_NAME
    assert database.is_file(), "serve builds the missing database before it launches Datasette"
    assert (options["host"], options["port"], options["workers"]) == ("127.0.0.1", 8001, 1)
    assert options["app"] == "armistice.explore.serve:app" and options["factory"] is True
    assert options["lifespan"] == "on"
    # what every worker serves: the database, immutable, with the time limit and its inspection
    served = serve.configured()
    assert Path(served.get_database(DB).path).resolve() == database.resolve()
    assert served.get_database(DB).is_mutable is False
    assert served.setting("sql_time_limit_ms") == 1000
    assert served.inspect_data[DB]["tables"]["documents"]["count"] == len(list((valid_root / "records" / "documents").glob("*.yaml")))
    built = database.stat().st_mtime_ns
    assert run_cli("serve", "--host", "0.0.0.0", "--port", "8002", "--workers", "3").exit_code == 0
    assert (launched[1]["host"], launched[1]["port"], launched[1]["workers"]) == ("0.0.0.0", 8002, 3)
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
