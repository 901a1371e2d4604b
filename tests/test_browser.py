"""One real browser: Debian's Chromium, headless, reads every kind of page as a reader would.

`make test` installs Chromium (Debian's package) before running the suite; Playwright only drives
it and never downloads a browser of its own. The pages are served from a fixture corpus
(tests/fixtures/valid with tests/fixtures/explorer laid over it), so what is asserted does not depend
on the current records. The six reader's tasks of scripts/explorer_tasks.py run here on the fixture,
with targets computed from it. The screenshots are kept in test-artifacts/; the ones README.md shows
(docs/datasette-documents.png, docs/explorer-timeline.png) are taken of the repository's records and
rewritten only when the test runs with UPDATE_SCREENSHOTS=1 (pixels vary between machines, so they
are checked, not compared).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from armistice.explore import serve
from armistice.publish import package as pkg
from conftest import FIXTURES, REPO, VALID, overlay

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
README_SCREENSHOT = REPO / "docs" / "datasette-documents.png"
AXE = REPO / "tools" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, pinned in tools/package.json (`make test` installs it with npm ci), injected into each page."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_site(records: Path, out: Path):
    """Build ``records`` into ``out`` and serve it on a free loopback port, as `armistice serve` runs it."""
    pkg.build(records, out, REPO / "dataset.yaml")
    port = _free_port()
    command = serve.datasette_command(REPO, out / "dist" / pkg.DATABASE_NAME, "127.0.0.1", port)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("Datasette did not start: " + process.stdout.read().decode()) from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("browser-corpus")
    overlay(FIXTURES / "explorer", root)
    out = tmp_path_factory.mktemp("browser-site")
    process, base = start_site(root / "records", out)
    yield base, out / "dist" / pkg.DATABASE_NAME
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: run `make test`, which installs Debian's chromium package")
    with _tasks_module().chromium() as launched:  # the same launch as scripts/explorer_tasks.py
        yield launched


def _tasks_module():
    """scripts/explorer_tasks.py: the six reader's tasks, shared by this test and the script."""
    spec = importlib.util.spec_from_file_location("explorer_tasks", REPO / "scripts" / "explorer_tasks.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["explorer_tasks"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


tasks = _tasks_module()


def test_the_readme_screenshots_are_of_the_documents_list_and_the_timeline(tmp_path: Path, browser) -> None:
    """Taken of the repository's records (what a reader of README.md will see), by the function
    scripts/explorer_tasks.py --readme uses; nothing of the records is asserted."""
    ARTIFACTS.mkdir(exist_ok=True)
    process, base = start_site(REPO / "records", tmp_path / "out")
    try:
        shots = tasks.readme_screenshots(browser, base, ARTIFACTS)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert [shot.name for shot in shots] == list(tasks.README_SHOTS)
    for shot in shots:
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            README_SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copyfile(shot, README_SCREENSHOT.parent / shot.name)
        assert_png(README_SCREENSHOT.parent / shot.name, width=1280)
        assert f"docs/{shot.name}" in (REPO / "README.md").read_text(encoding="utf-8")


def fixture_targets(database: Path):
    """The six tasks' targets, computed from the fixture's records: the document quoting the most
    telegrams, the person in the most documents, the first pair of the correspondence network, the place
    and month with the most events, and a document with a fond."""
    db = sqlite3.connect(database)
    try:
        one = lambda sql: db.execute(sql).fetchone()  # noqa: E731 - a short query
        telegram = one("select document_id from messages group by document_id order by count(*) desc, document_id")[0]
        person = one("select person_id from document_people group by person_id "
                     "order by count(distinct document_id) desc, person_id")[0]
        sender, recipient = one("select d.sender_id, p.person_id from documents d join document_people p on "
                                "p.document_id = d.id and p.role = 'recipient' group by 1, 2 order by count(*) desc, 1, 2")
        place, month = one("select ep.place_id, substr(e.date_min, 1, 7) from event_places ep join events e on "
                           "e.id = ep.event_id group by 1, 2 order by count(*) desc, 1, 2")
        cited = one("select document_id from archival_references where fond is not null order by document_id")[0]
    finally:
        db.close()
    return tasks.Targets(telegram=telegram, person=person, sender=sender, recipient=recipient, place=place,
                         month=month, cited=cited)


def test_six_reader_tasks_each_take_at_most_three_clicks_at_desktop_and_phone_width(site, browser) -> None:
    """The explorer's done-when, on the fixture corpus: each task from the home page, clicks counted, a
    screenshot of where it ends in test-artifacts/tasks/ (scripts/explorer_tasks.py runs the same on the
    repository's records)."""
    base, database = site
    outcomes = tasks.run_tasks(browser, base, database, fixture_targets(database), ARTIFACTS / "tasks")
    assert {(o.task, o.width) for o in outcomes} == {(t, w) for t in tasks.TASKS for w in tasks.WIDTHS}
    assert tasks.failures(outcomes) == [], tasks.table(outcomes)
    assert all(o.screenshot.is_file() for o in outcomes)


def test_the_map_shows_its_markers_and_popups_offline(site, browser) -> None:
    """Every request off this site refused (no tile server, no CDN): the markers are drawn, one per place
    with coordinates, and a marker's popup links to the place's page."""
    base, database = site
    located = sqlite3.connect(database).execute(
        "select id, name from places where latitude is not null order by name, id").fetchall()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    refused: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
               else (refused.append(route.request.url), route.abort()))
    page.goto(f"{base}/{serve.DATABASE}/places")
    page.wait_for_selector("#places-map[data-markers]")
    assert page.locator("#places-map").get_attribute("data-markers") == str(len(located))
    assert page.locator("path.place-marker").count() == len(located)
    page.locator("path.place-marker").first.click(force=True)
    popup = page.locator(".leaflet-popup-content a")
    popup.wait_for()
    assert (popup.inner_text(), popup.get_attribute("href")) in {
        (name, f"/{serve.DATABASE}/places/{place}") for place, name in located}
    assert all("tile.openstreetmap.org" in url for url in refused), refused  # only the background was asked for
    page.screenshot(path=str(ARTIFACTS / "places-offline.png"), full_page=False)
    popup.click()
    page.wait_for_selector("article.entry-view")


def test_a_reader_searches_by_a_spelling_and_reads_the_telegram(site, browser) -> None:
    site, _ = site
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{site}/{serve.DATABASE}/documents")
    page.fill('input[name="_search"]', "Rivermouth")
    page.press('input[name="_search"]', "Enter")
    page.wait_for_url("**_search=Rivermouth**")
    titles = page.locator("ol.document-list a.document-title").all_inner_texts()
    assert titles == ["Telegram No. 7, Ana Sender to Ben Reader", "Telegram No. 8, Ben Reader to Ana Sender"]
    assert page.locator("ol.document-list mark").first.inner_text() == "Rivermouth"
    page.screenshot(path=str(ARTIFACTS / "documents-search.png"), full_page=False)
    page.click("text=Telegram No. 7, Ana Sender to Ben Reader")
    page.wait_for_selector("article.document-view")
    quoted = page.locator("section.text blockquote.message")
    assert quoted.count() == 1 and "I arrive at Rivermouth on 1 March" in quoted.inner_text()
    assert page.locator("section.text").inner_text().count("I arrive at Rivermouth") == 1
    page.click("details.cite-format summary:has-text('Chicago')")
    assert "Telegram No. 7" in page.locator('pre[data-format="chicago"]').inner_text()
    page.screenshot(path=str(ARTIFACTS / "document-page.png"), full_page=False)
    page.click("a[rel=next]")
    page.wait_for_url("**/documents/1951-03-05-telegram-8")
    assert "paragraph joined" in page.locator("section.corrections").inner_text()


PAGES = {
    "home": ("/", "h1", "Korean Armistice Telegrams"),
    "documents": ("/{db}/documents", "ol.document-list", "Telegram No. 8, Ben Reader to Ana Sender"),
    "document": ("/{db}/documents/1951-03-02-telegram-7", "article.document-view", "Quoted telegram: from Cora Clerk"),
    "person": ("/{db}/people/ana-sender", "article.entry-view", "Telegram No. 8, Ben Reader to Ana Sender"),
    "place": ("/{db}/places/rivermouth", "article.entry-view", "Arrival at Rivermouth"),
    "topic": ("/{db}/topics/travel", "article.entry-view", "Documents (2)"),
    "event": ("/{db}/events/1951-03-01-arrival-at-rivermouth", "article.entry-view", "Rivermouth"),
    "timeline": ("/timeline", "ol.timeline", "Arrival at Rivermouth"),
    "organisation": ("/{db}/organisations/harbour-office", "article.entry-view", "Basis of identification"),
    "people": ("/{db}/people", "ul.entry-list-page", "Cora Clerk"),
    "places": ("/{db}/places", "ul.place-list", "Rivermouth"),
    "correspondence": ("/{db}/correspondence", "table.rows-and-columns", "Ana Sender"),
    "telegrams": ("/{db}/correspondence_telegrams?sender=ana-sender&recipient=ben-reader", "table.rows-and-columns",
                  "1951-03-02-telegram-7"),
}


@pytest.mark.parametrize("kind", list(PAGES))
@pytest.mark.parametrize("width", [1400, 390])
def test_every_kind_of_page_reads_at_desktop_and_phone_width(site, browser, kind: str, width: int) -> None:
    """What a reader sees on each kind of page, and no sideways scrolling of the page on a phone."""
    site, _ = site
    path, selector, seen = PAGES[kind]
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(site + path.format(db=serve.DATABASE))
    assert seen in page.locator(selector).first.inner_text(), (kind, width)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{kind} at {width} px scrolls sideways by {overflow} px"
    if width == 390:
        page.screenshot(path=str(ARTIFACTS / f"phone-{kind}.png"), full_page=False)
    problems = audit(page)
    assert problems == [], "\n".join([f"{kind} at {width} px:", *problems])


def audit(page) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the page, one line each."""
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make test`, which runs npm ci in tools/")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in violations if v["impact"] in ("serious", "critical")]


def assert_png(path: Path, width: int) -> None:
    """A real PNG of the viewport's width, of a plausible height and size (not compared pixel by pixel)."""
    assert path.is_file(), f"{path} is missing: run the browser test with UPDATE_SCREENSHOTS=1"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    shown_width, height = struct.unpack(">II", data[16:24])
    assert shown_width == width and 600 <= height <= 1200, (shown_width, height)
    assert 20_000 <= len(data) <= 2_000_000, len(data)


HOSTILE = '<script>window.pwned = true</script> <img src="x" onerror="window.pwned = true"> <b>not bold</b>'


def test_record_text_with_html_is_shown_as_text_never_run(tmp_path: Path, browser) -> None:
    root = tmp_path / "root"
    shutil.copytree(VALID, root)
    document = root / "records/documents/1951-03-02-telegram-7.yaml"
    page = root / "sources/sample.txt"  # the hostile words are on the kept page too, as the rules require
    page.write_text(page.read_text() + f"\n{HOSTILE}\n")
    digest = hashlib.sha256(page.read_bytes()).hexdigest()
    text = re.sub(r"sha256: [0-9a-f]{64}", f"sha256: {digest}", document.read_text())
    document.write_text(text + f"\n  {HOSTILE}\n")
    person = root / "records/people/ana-sender.yaml"
    person.write_text(person.read_text() + f"note: '{HOSTILE}'\n")
    process, base = start_site(root / "records", tmp_path / "out")
    try:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in ["documents/1951-03-02-telegram-7", "people/ana-sender", "documents?_search=script"]:
            page.goto(f"{base}/{serve.DATABASE}/{path}")
            page.wait_for_load_state("load")
            assert page.evaluate("window.pwned === undefined"), path
            assert "<script>window.pwned = true</script>" in page.locator("body").inner_text(), path
            assert page.locator("b", has_text="not bold").count() == 0, path
        assert dialogs == []
    finally:
        process.terminate()
        process.wait(timeout=10)
