"""The explorer cannot be stopped by one request: bounded queries, bounded requests, safe pages.

Most of these drive Datasette in-process, configured as `armistice serve` configures it, some
through its ASGI app directly so that a path reaches it exactly as a client typed it. The last
starts the real `armistice serve` on a loopback port and sends it hostile and ordinary requests at
once.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from armistice.explore import serve
from armistice.publish import package as pkg
from armistice.records.loading import MAX_BYTES
from conftest import REPO, asgi
from test_datasette import make_datasette

DB = serve.DATABASE
FOREVER = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"


def _guard():
    """The guard plugin, loaded from its file as Datasette loads it, for its documented limits."""
    path = serve.config_dir(REPO) / "plugins" / "armistice_guard.py"
    spec = importlib.util.spec_from_file_location("armistice_guard", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


guard = _guard()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """The built database served in-process: ``site.get(path)`` through Datasette's client,
    ``site.raw(path, ...)`` through its ASGI app, the path sent as is."""
    out = tmp_path_factory.mktemp("site")
    pkg.build(REPO / "records", out, REPO / "dataset.yaml")
    datasette = make_datasette(out / "dist" / pkg.DATABASE_NAME)
    app = datasette.app()
    loop = asyncio.new_event_loop()

    class Site:
        database = out / "dist" / pkg.DATABASE_NAME

        @staticmethod
        def get(path: str):
            return loop.run_until_complete(datasette.client.get(path))

        @staticmethod
        def raw(path: bytes, query: bytes = b"", method: str = "GET", headers: list | None = None):
            return loop.run_until_complete(asgi(app, path, query, method, headers or []))

    yield Site
    loop.close()


def _sql(site, sql: str):
    started = time.perf_counter()
    response = site.get(f"/{DB}.json?sql={quote(sql)}")
    return response, time.perf_counter() - started


# Queries


def test_no_query_can_make_a_value_over_the_length_limit(site) -> None:
    over = guard.MAX_LENGTH + 1
    for expression in [f"zeroblob({over})", f"randomblob({over})", f"printf('%.*c', {over}, 'x')",
                       "printf('%.*c', 999999999, 'x')", "zeroblob(1e9)", "randomblob(1e9)",
                       f"replace(hex(zeroblob({over // 4 + 1})), '0', '00')",
                       f"substr(hex(zeroblob({over // 2})) || 'x', 1)"]:
        response, elapsed = _sql(site, f"select length({expression})")
        assert response.status_code == 400, expression
        assert "string or blob too big" in response.json()["error"], expression
        assert elapsed < 1, expression
    grown = "with recursive s(x) as (select 'x' union all select x || x from s) select length(x) from s"
    assert "string or blob too big" in _sql(site, grown)[0].json()["error"]
    # up to the limit, the same functions work
    response, _ = _sql(site, f"select length(zeroblob({guard.MAX_LENGTH})), printf('%5.1f|%-3s|%c', 2.5, 'a', 'yes')")
    assert response.json()["rows"] == [[guard.MAX_LENGTH, "  2.5|a  |y"]]


def test_every_stored_row_reads_and_sorts_whole_under_the_limits(site) -> None:
    # The length limit applies to reading too; it is derived from the largest record file, which
    # bounds every value and row the build can publish.
    assert guard.MAX_LENGTH >= 2 * MAX_BYTES
    tables = [row[0] for row in site.get(f"/{DB}.json?sql=" + quote(
        "select name from sqlite_master where type = 'table'")).json()["rows"]]
    assert "documents" in tables
    for table in tables:
        response, _ = _sql(site, f'select * from "{table}" order by random()')
        assert response.status_code == 200, (table, response.text[:300])


def test_functions_that_work_in_one_step_answer_within_the_time_limit(site) -> None:
    # Each compares one long text with another at every position in a single step of SQLite,
    # where the time limit cannot interrupt it (seconds each before the guard replaced them).
    long, half = "hex(zeroblob(400000))", "hex(zeroblob(200000)) || '1'"
    cases = {f"instr({long}, {half})": 0,
             f"length(replace({long}, {half}, ''))": 800000,
             f"length(trim({long}, replace(hex(zeroblob(30000)), '0', 'a') || '0'))": 0,
             f"length(ltrim({long}, replace(hex(zeroblob(30000)), '0', 'a') || '0'))": 0,
             "printf('%.*c', 2147483647, 'x') is null": None}
    for expression, expected in cases.items():
        response, elapsed = _sql(site, f"select {expression}")
        assert elapsed < serve.SQL_TIME_LIMIT_MS / 1000, (expression, elapsed)
        if expected is None:
            assert "string or blob too big" in response.json()["error"]
        else:
            assert response.json()["rows"] == [[expected]], expression
    pattern = f"'%' || hex(zeroblob({guard.MAX_LIKE_PATTERN})) || '1'"
    response, _ = _sql(site, f"select {long} like {pattern}")
    assert "LIKE or GLOB pattern too complex" in response.json()["error"]


def test_a_query_result_is_bounded_in_bytes(site) -> None:
    # zeroblob costs SQLite nothing per row; each row costs Python its full size
    size = 600_000
    rows = guard.MAX_RESULT_BYTES // size + 10
    sql = (f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}) "
           f"select zeroblob({size}) from n")
    response, elapsed = _sql(site, sql)
    assert response.status_code == 400 and "ask for fewer rows or columns" in response.json()["error"]
    assert elapsed < 2
    response, _ = _sql(site, f"select count(*) from ({sql})")
    assert response.json()["rows"] == [[rows]]


def test_a_never_ending_query_is_stopped_by_the_time_limit(site) -> None:
    response, elapsed = _sql(site, FOREVER)
    assert response.status_code == 400 and "took too long" in response.json()["error"]
    assert elapsed < 3 * serve.SQL_TIME_LIMIT_MS / 1000


def test_the_database_path_cannot_be_read(site) -> None:
    path = str(site.database)
    for sql in ["select * from pragma_database_list", "select file from pragma_database_list()"]:
        response, _ = _sql(site, sql)
        assert response.status_code == 400 and path not in response.text, sql
        assert "prohibited" in response.json()["error"]
    assert _sql(site, "select name from pragma_database_list")[0].json()["rows"] == [["main"]]
    for page in ["/-/databases.json", f"/{DB}.json", "/", f"/{DB}"]:
        assert path not in site.get(page).text, page


# Requests


def test_oversized_requests_are_refused_before_datasette_parses_them(site) -> None:
    table = f"/{DB}/documents.json".encode()
    many = "&".join(f"p{i}=1" for i in range(10_000)).encode()
    facets = "&".join(["_facet=kind"] * 5_000).encode()
    short_many = "&".join(f"p{i}" for i in range(guard.MAX_PARAMETERS + 1)).encode()
    some_facets = "&".join(["_facet=kind"] * (guard.MAX_FACETS + 1)).encode()
    cases = [(many, [], 414), (facets, [], 414), (short_many, [], 400), (some_facets, [], 400),
             (b"", [(b"x-filler", b"x" * guard.MAX_HEADER_BYTES)], 431),
             (b"", [(f"x-{i}".encode(), b"1") for i in range(guard.MAX_HEADERS + 1)], 431)]
    for query, headers, status in cases:
        started = time.perf_counter()
        got, _, body = site.raw(table, query, headers=headers)
        assert (got, time.perf_counter() - started < 0.5) == (status, True), (query[:40], headers[:1])
        assert body.decode().startswith(f"{status} ")
    assert site.raw(table, b"_size=1&" + "&".join(["_facet=kind"] * guard.MAX_FACETS).encode())[0] == 200
    assert site.raw(table, method="POST")[0] == 405


def test_path_tricks_are_not_found_never_an_error(site) -> None:
    for path in [b"//etc/passwd", b"/pages/../..", b"/pages/..", b"/%2e%2e/%2e%2e/etc/passwd", b"/./-/versions",
                 f"/{DB}//documents".encode(), b"/a/b/c/d/e", f"/{DB}/documents/x/y".encode()]:
        assert site.raw(path)[0] == 404, path


def test_a_bad_request_is_answered_at_once(site) -> None:
    # Datasette printed each error's traceback with every frame's variables: about a second of the
    # event loop per error, when no other request is answered.
    started = time.perf_counter()
    for page in [f"/{DB}/no-such-table.json", f"/{DB}/no-such-table", "/no-such-database", f"/{DB}/documents/x/y"]:
        assert site.get(page).status_code == 404, page
    response = site.get(f"/{DB}/documents.json?_sort=no_such_column")  # Datasette says 500
    assert response.json()["error"] == "Cannot sort table by no_such_column"
    assert time.perf_counter() - started < 1


def test_debugging_pages_are_refused(site) -> None:
    for path in ["/-/messages", "/-/allow-debug", "/-/threads.json", "/-/databases.json", "/-/actor.json",
                 "/-/permissions", "/-/patterns"]:
        assert site.get(path).status_code == 403, path
    assert site.get("/-/metadata.json").status_code == 200


def test_every_response_carries_security_headers(site) -> None:
    for path, status in [(b"/", 200), (f"/{DB}/documents".encode(), 200), (f"/{DB}/places".encode(), 200),
                         (b"/a/b/c/d/e", 404), (b"/-/messages", 403), (b"//etc/passwd", 404)]:
        got, headers, _ = site.raw(path)
        assert got == status, path
        directives = headers["content-security-policy"].split("; ")
        policy = {directive.split()[0]: set(directive.split()[1:]) for directive in directives}
        assert policy["frame-ancestors"] == policy["object-src"] == {"'none'"}, path
        assert policy["default-src"] == policy["connect-src"] == {"'self'"}, path
        assert policy["script-src"] == {"'self'", "'unsafe-inline'"}, path  # Datasette's own inline scripts
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] in ("same-origin", "no-referrer"), path  # never to another site


def test_html_in_the_dataset_description_and_a_contributors_title_is_shown_as_text(tmp_path: Path, site) -> None:
    dataset = pkg.load_dataset(REPO / "dataset.yaml")
    hostile = "<script>alert('description')</script>"
    contributors = [c.model_copy(update={"title": "<img src=x onerror=alert(1)>"}) for c in dataset.contributors]
    dataset = dataset.model_copy(update={"description": hostile, "contributors": contributors})
    metadata = serve.metadata(dataset)
    assert "<script>" not in metadata["description_html"] and "<img" not in metadata["description_html"]
    assert "&lt;script&gt;alert('description')&lt;/script&gt;" in metadata["description_html"]
    datasette = make_datasette(site.database, metadata)
    for page in ["/", f"/{DB}"]:
        html = asyncio.run(datasette.client.get(page)).text
        assert hostile not in html and "<img src=x" not in html and "&lt;script&gt;" in html, page


# The real server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _timed_get(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def test_ordinary_pages_answer_in_under_a_second_while_hostile_requests_run(tmp_path: Path) -> None:
    (tmp_path / "datasette").symlink_to(serve.config_dir(REPO))
    port = _free_port()
    command = [str(Path(sys.executable).with_name("armistice")), "serve", "--port", str(port),
               "--records", str(REPO / "records")]
    environment = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    server = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while _ready(base) is False:
            assert server.poll() is None and time.monotonic() < deadline, server.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        started = time.monotonic()
        # more never-ending queries than Datasette has SQL threads, the longest query strings, the largest values
        hostile = [f"{base}/{DB}.json?sql={quote(FOREVER)}"] * (serve.SQL_THREADS + 2) + [
            f"{base}/{DB}.json?sql={quote(sql)}" for sql in
            ["select printf('%.*c', 999999999, 'x')", "select randomblob(1e9)", "select zeroblob(1e9)"]] + [
            f"{base}/{DB}/documents.json?" + "&".join(f"p{i}=1" for i in range(10_000)),
            f"{base}/{DB}/documents.json?" + "&".join(["_facet=kind"] * 5_000)]
        search = urlencode({"_search": "telegram", "_size": 3, "_nofacet": 1})
        ordinary = [f"{base}/{DB}/people.json?_size=5", f"{base}/{DB}/documents.json?_size=3&_nofacet=1",
                    f"{base}/{DB}/correspondence.json", f"{base}/{DB}/documents.json?{search}"]
        with ThreadPoolExecutor(len(hostile) + 20) as pool:
            attacks = [pool.submit(_timed_get, url) for url in hostile]
            time.sleep(0.3)  # the hostile queries hold their threads
            answers = [pool.submit(_timed_get, ordinary[i % len(ordinary)]) for i in range(20)]
            answered = [future.result() for future in answers]
            attacked = [future.result() for future in attacks]
        assert all(status == 200 for status, _ in answered), answered
        assert max(seconds for _, seconds in answered) < 1, sorted(seconds for _, seconds in answered)
        # refused by the guard (or, for the longest, by the HTTP server itself), none kept waiting
        assert all(400 <= status < 500 for status, _ in attacked), attacked
        assert time.monotonic() - started < 15
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)


def _ready(base: str) -> bool:
    try:
        return _timed_get(base + "/-/versions.json")[0] == 200
    except OSError:
        return False
