"""Six reader's tasks in the explorer, done in a real browser from the home page, clicks counted.

The done-when of the explorer (issue 18): each task takes at most three clicks from the home page at
1400 px and at 390 px wide. The tasks, as a historian states them:

1. read the 13 August 1951 telegram from top to bottom;
2. find every document that involves Nam Il;
3. see who wrote to whom and open those telegrams;
4. find what happened at Kaesong in August 1951;
5. copy a Chicago citation of a document;
6. find a document's fond/opis/delo.

Each task is a function that only clicks what a reader sees (link texts, buttons) and checks the page
shows what the task asks for (every document of the person, every event of the place in the month, the
clipboard holding the citation...); a click is one ``Reader.click``, scrolling is not a click. The
targets are values of the database, so ``tests/test_browser.py`` runs these same functions on the fixture
corpus with targets it computes from there, and this script runs them on the repository's records:

    PYTHONPATH=src .venv/bin/python scripts/explorer_tasks.py            # builds records/ into a temp dir
    PYTHONPATH=src .venv/bin/python scripts/explorer_tasks.py --out test-artifacts/tasks

It prints a table (task, clicks at 1400, clicks at 390, screenshot) and exits 1 when a task fails or
takes more than three clicks. With ``--readme`` it also rewrites the README's screenshots in docs/.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WIDTHS = (1400, 390)
MOST_CLICKS = 3


@dataclass
class Targets:
    """What the six tasks look for, as values of the database (ids, titles, names)."""

    telegram: str
    """The document to read top to bottom (its id)."""
    person: str
    """The person whose documents to find (id)."""
    sender: str
    recipient: str
    """A pair of the correspondence network, whose telegrams to open."""
    place: str
    month: str
    """The place and month (YYYY-MM) whose events to find."""
    cited: str
    """The document whose Chicago citation to copy and whose fond/opis/delo to find."""


class TaskFailed(AssertionError):
    pass


class Reader:
    """A browser page that counts clicks from the home page."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base, self.clicks = page, base, 0

    def home(self) -> None:
        self.page.goto(self.base + "/")
        self.clicks = 0

    def click(self, locator: Any) -> None:
        target = locator.first
        target.scroll_into_view_if_needed()
        target.click()
        self.clicks += 1
        self.page.wait_for_load_state("load")

    def link(self, text: str, within: str = "body") -> None:
        """Click the link whose visible text is exactly ``text`` (inside ``within``)."""
        self.click(self.page.locator(within).get_by_role("link", name=text, exact=True))

    def see(self, condition: bool, what: str) -> None:
        if not condition:
            raise TaskFailed(what)


def _one(db: sqlite3.Connection, sql: str, *params: Any) -> Any:
    row = db.execute(sql, params).fetchone()
    if row is None:
        raise TaskFailed(f"no row for {sql} {params}")
    return row[0] if len(row) == 1 else row


def read_telegram(reader: Reader, db: sqlite3.Connection, t: Targets) -> None:
    title = _one(db, "select title from documents where id = ?", t.telegram)
    reader.link("Documents: read each telegram", "nav.home-links")
    reader.link(title, "ol.document-list")
    page = reader.page
    reader.see(page.locator("article.document-view h1").inner_text() == title, "the telegram's title heads the page")
    last = page.locator("section.text p").last
    last.scroll_into_view_if_needed()
    text = " ".join(_one(db, "select text from documents where id = ?", t.telegram).split())
    shown = " ".join(page.locator("section.text").inner_text().split())
    reader.see(text[-60:].strip() in shown and text[:40].strip() in shown, "the text from its first to its last words")


def documents_of_person(reader: Reader, db: sqlite3.Connection, t: Targets) -> None:
    name = _one(db, "select name from people where id = ?", t.person)
    reader.link("People", "nav.home-links")
    reader.link(name, "ul.entry-list-page")
    titles = [row[0] for row in db.execute(
        "select distinct d.title from document_people dp join documents d on d.id = dp.document_id "
        "where dp.person_id = ?", (t.person,))]
    listed = reader.page.locator("section.entry-documents a").all_inner_texts()
    reader.see(bool(titles) and sorted(set(listed)) == sorted(titles), f"every document of {name}: {titles}")


def correspondence(reader: Reader, db: sqlite3.Connection, t: Targets) -> None:
    reader.link("Who wrote to whom", "nav.home-links")
    page = reader.page
    count = page.locator(f'a[href*="correspondence_telegrams?sender={t.sender}&recipient={t.recipient}"]')
    expected = int(count.first.inner_text())
    reader.click(count)
    links = page.locator("table.rows-and-columns td.col-document_id a")
    reader.see(links.count() == expected, f"the {expected} telegrams the network counts")
    first = links.first.get_attribute("href") or ""
    reader.click(links)
    reader.see(page.locator("article.document-view h1").count() == 1 and first.split("#")[0] in page.url,
               "the first of those telegrams opens")


def events_at_place(reader: Reader, db: sqlite3.Connection, t: Targets) -> None:
    name = _one(db, "select name from places where id = ?", t.place)
    reader.link("Places, on a map", "nav.home-links")
    reader.link(name, "ul.place-list")
    titles = [row[0] for row in db.execute(
        "select e.title from event_places ep join events e on e.id = ep.event_id where ep.place_id = ? "
        "and substr(e.date_min, 1, 7) <= ? and substr(e.date_max, 1, 7) >= ?", (t.place, t.month, t.month))]
    listed = reader.page.locator("section.entry-events li").all_inner_texts()
    in_month = [line for line in listed if line.split()[0][:7] == t.month]
    reader.see(bool(titles) and all(any(title in line for line in in_month) for title in titles),
               f"the events at {name} in {t.month}: {titles}")


def copy_chicago(reader: Reader, db: sqlite3.Connection, t: Targets) -> None:
    title = _one(db, "select title from documents where id = ?", t.cited)
    reader.link("Documents: read each telegram", "nav.home-links")
    reader.link(title, "ol.document-list")
    page = reader.page
    reader.click(page.locator("button.copy-citation", has_text="Chicago"))
    page.locator(".copy-status", has_text="copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = page.locator('pre.citation-text[data-format="chicago"]').text_content()
    reader.see(copied == shown and title in copied, "the Chicago citation is on the clipboard")


def fond_opis_delo(reader: Reader, db: sqlite3.Connection, t: Targets) -> None:
    title = _one(db, "select title from documents where id = ?", t.cited)
    reader.link("Documents: read each telegram", "nav.home-links")
    reader.link(title, "ol.document-list")
    references = reader.page.locator("ul.references")
    references.scroll_into_view_if_needed()
    shown = references.inner_text()
    rows = db.execute("select fond, opis, delo from archival_references where document_id = ? and fond is not null",
                      (t.cited,)).fetchall()
    reader.see(bool(rows) and all(f"fond {f}, opis {o}, delo {d}" in shown for f, o, d in rows),
               f"fond, opis and delo: {rows}")


TASKS: dict[str, tuple[str, Callable[[Reader, sqlite3.Connection, Targets], None]]] = {
    "telegram": ("Read the telegram top to bottom", read_telegram),
    "person": ("Every document that involves the person", documents_of_person),
    "correspondence": ("Who wrote to whom, and open those telegrams", correspondence),
    "place": ("What happened at the place in the month", events_at_place),
    "chicago": ("Copy a Chicago citation of a document", copy_chicago),
    "archive": ("A document's fond/opis/delo", fond_opis_delo),
}


@dataclass
class Outcome:
    task: str
    width: int
    clicks: int
    screenshot: Path
    error: str = ""


def run_tasks(browser: Any, base: str, database: Path, targets: Targets, out: Path) -> list[Outcome]:
    """Every task at every width, each from the home page in a fresh page; a screenshot of where it ends."""
    out.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    outcomes = []
    try:
        for width in WIDTHS:
            context = browser.new_context(viewport={"width": width, "height": 900})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            for key, (_, task) in TASKS.items():
                page = context.new_page()
                reader = Reader(page, base)
                reader.home()
                shot = out / f"task-{key}-{width}.png"
                error = ""
                try:
                    task(reader, db, targets)
                except Exception as failure:  # reported in the table; the run goes on
                    error = f"{type(failure).__name__}: {failure}".splitlines()[0][:300]
                page.screenshot(path=str(shot), full_page=False)
                outcomes.append(Outcome(key, width, reader.clicks, shot, error))
                page.close()
            context.close()
    finally:
        db.close()
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    """The outcomes as a Markdown table: task, clicks at each width, the screenshots."""
    lines = ["| task | clicks at 1400 | clicks at 390 | screenshots |", "|---|---|---|---|"]
    for key, (words, _) in TASKS.items():
        mine = {o.width: o for o in outcomes if o.task == key}
        cells = [f"{mine[w].clicks}" + (f" (FAILED: {mine[w].error})" if mine[w].error else "") for w in WIDTHS]
        shots = ", ".join(str(_shown(mine[w].screenshot)) for w in WIDTHS)
        lines.append(f"| {words} | {cells[0]} | {cells[1]} | {shots} |")
    return "\n".join(lines)


def _shown(path: Path) -> Path:
    try:
        return path.resolve().relative_to(REPO)
    except ValueError:
        return path


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.error or o.clicks > MOST_CLICKS]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def site(database: Path) -> Iterator[str]:
    """Datasette serving ``database`` on a free loopback port, exactly as `armistice serve` runs it."""
    from armistice.explore import serve

    port = free_port()
    command = serve.datasette_command(REPO, database, "127.0.0.1", port)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise RuntimeError("Datasette did not start: " + output) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


README_SHOTS = {"datasette-documents.png": "/{db}/documents", "explorer-timeline.png": "/timeline"}
"""The README's screenshots (docs/), of the repository's records at 1280 x 1000: the documents list with
its facets, and the timeline."""


def readme_screenshots(browser: Any, base: str, out: Path) -> list[Path]:
    from armistice.explore import serve

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    shots = []
    for name, path in README_SHOTS.items():
        page.goto(base + path.format(db=serve.DATABASE))
        page.wait_for_load_state("load")
        if page.locator(".facet-results").count():  # the facets and the list's first documents below them
            page.evaluate("() => window.scrollTo(0, document.querySelector('.facet-results').offsetTop - 40)")
        page.screenshot(path=str(out / name), full_page=False)
        shots.append(out / name)
    page.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=Path, default=REPO / "records")
    parser.add_argument("--out", type=Path, default=REPO / "test-artifacts" / "tasks", help="where screenshots go")
    parser.add_argument("--telegram-date", default="1951-08-13", help="the date of the telegram to read")
    parser.add_argument("--person", default="nam-il")
    parser.add_argument("--place", default="kaesong")
    parser.add_argument("--month", default="1951-08")
    parser.add_argument("--readme", action="store_true", help="also rewrite the README's screenshots in docs/")
    args = parser.parse_args(argv)
    from armistice.publish import package as pkg

    with tempfile.TemporaryDirectory() as temporary:
        pkg.build(args.records, Path(temporary), REPO / "dataset.yaml")
        database = Path(temporary) / "dist" / pkg.DATABASE_NAME
        db = sqlite3.connect(database)
        telegram = _one(db, "select id from documents where date_min = ? order by id", args.telegram_date)
        sender, recipient = _one(db, "select c.sender_id, c.recipient_id from (select d.sender_id, p.person_id as "
                                     "recipient_id from documents d join document_people p on p.document_id = d.id "
                                     "and p.role = 'recipient') c group by 1, 2 order by count(*) desc, 1, 2")
        db.close()
        targets = Targets(telegram=telegram, person=args.person, sender=sender, recipient=recipient,
                          place=args.place, month=args.month, cited=telegram)
        with site(database) as base, chromium() as browser:
            outcomes = run_tasks(browser, base, database, targets, args.out)
            if args.readme:
                for shot in readme_screenshots(browser, base, REPO / "docs"):
                    print(f"wrote {_shown(shot)}")
    print(f"targets: {targets}")
    print(table(outcomes))
    return 1 if failures(outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
