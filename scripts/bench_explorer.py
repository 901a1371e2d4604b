"""Benchmark the explorer: the documents page and search at archive scale, and the server under load.

    python scripts/bench_explorer.py --database .bench/build-100000/dist/korean-armistice-telegrams.db
    python scripts/bench_explorer.py --load-only          # the load test on the repository's own database

Needs nothing beyond the project's environment (requirements.lock): the servers are `armistice
serve`'s own (uvicorn workers over the immutable database, ``armistice.explore.serve.run``) and the
load generator is the small asyncio HTTP/1.1 client below (keep-alive connections, one request at a
time on each, like a browser's), so it runs wherever the tests run. It shares the machine's cores
with the server it measures: on 2 cores the client takes part of one.

What is measured (``explorer_targets`` returns the rows `scripts/bench.py` prints):

- at the largest N, the HTML documents page with every facet, on its own and with a search, each
  page rendered (a ``Cookie`` header keeps the server's page cache out of it) and checked to show
  every facet (none dropped at Datasette's facet time limit); and the JSON API's search;
- on the given database (the repository's by default), ``clients`` concurrent connections asking for
  the documents page for ``seconds``: requests per second, p50 and p95 latency, with 1 and with
  ``workers`` processes, three ways: every page rendered, as served (repeated pages come from each
  process's page cache, as from a CDN), and browsers revalidating (``If-None-Match``: 304).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATABASE = "korean-armistice-telegrams"
PAGE = f"/{DATABASE}/documents"
RENDER = {"cookie": "bench=render"}
"""A request with a cookie is never answered from the page cache (Datasette's pages vary by cookie)."""
FACETS = 6
"""The documents page's facets (a test checks this against the table's declaration)."""

START = """
import sys
from pathlib import Path
from armistice.explore import serve
serve.run(Path(sys.argv[1]), Path(sys.argv[2]), "127.0.0.1", int(sys.argv[3]), workers=int(sys.argv[4]),
          access_log=False)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(database: Path, workers: int = 1, timeout: float = 300) -> Iterator[str]:
    """`armistice serve`'s server (``workers`` processes) over ``database``; yields its base URL."""
    port = free_port()
    env = {"PYTHONPATH": str(REPO / "src")}
    import os

    server = subprocess.Popen([sys.executable, "-c", START, str(REPO), str(database), str(port), str(workers)],
                              cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=30).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    said = server.stderr.read().decode() if server.stderr else ""
                    raise SystemExit("the explorer did not start: " + said[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


# A small HTTP/1.1 client: keep-alive, Content-Length or chunked bodies


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if status in (204, 304):
        return status, headers, b""
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, headers, bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _request(host: str, target: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


@dataclass
class Load:
    """What ``clients`` connections got in ``seconds``: requests per second, latency percentiles (ms), statuses."""

    requests: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else float("nan")

    def __str__(self) -> str:
        return (f"{self.per_second:.0f} requests/s, p50 {self.percentile(0.5):.1f} ms, "
                f"p95 {self.percentile(0.95):.1f} ms ({self.requests} requests, {dict(self.statuses)})")


async def _load(base: str, targets: list[str], clients: int, seconds: float, headers: dict[str, str],
                revalidate: bool) -> Load:
    parsed = urllib.parse.urlsplit(base)
    host = parsed.netloc
    result = Load(0, seconds)
    tags: dict[str, str] = {}
    stop = time.perf_counter() + seconds

    async def client(number: int) -> None:
        reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        index = number
        try:
            while time.perf_counter() < stop:
                target = targets[index % len(targets)]
                index += 1
                sent = dict(headers)
                if revalidate and target in tags:
                    sent["if-none-match"] = tags[target]
                started = time.perf_counter()
                writer.write(_request(host, target, sent))
                status, answer, _ = await _read_response(reader)
                # every request sent before the end counts, and the time until the last one is answered
                result.latencies.append((time.perf_counter() - started) * 1000)
                result.statuses[status] += 1
                result.requests += 1
                if "etag" in answer:
                    tags[target] = answer["etag"]
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


def load(base: str, targets: list[str], clients: int = 20, seconds: float = 10, headers: dict[str, str] | None = None,
         revalidate: bool = False) -> Load:
    """``clients`` keep-alive connections asking for ``targets`` in turn for ``seconds``.

    With ``revalidate``, a client that got an ETag for a page sends it back (``If-None-Match``), as
    a browser does once its copy is older than ``max-age``."""
    return asyncio.run(_load(base, targets, clients, seconds, headers or {}, revalidate))


def timed(url: str, headers: dict[str, str] | None = None) -> tuple[float, bytes]:
    """Milliseconds and body of one GET."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    body = urllib.request.urlopen(request, timeout=120).read()
    return (time.perf_counter() - started) * 1000, body


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def page_latency(base: str, words: list[str], queries: int, runs: int = 3) -> dict[str, tuple[float, float, int]]:
    """p50, p95 (ms) and the number of pages that lacked a facet: the documents page on its own
    (``runs`` x 10 renders), with a search (``queries`` words), and the JSON API's search."""
    rng = random.Random(1951)
    asked = [rng.choice(words) for _ in range(queries + 10)]
    out = {}
    plain, missing = [], 0
    for index in range(runs * 10 + 2):
        elapsed, body = timed(base + PAGE, RENDER)
        if index >= 2:  # the first two warm the caches
            plain.append(elapsed)
            missing += body.count(b'class="facet-info"') != FACETS
    out["page"] = (statistics.median(plain), _p(plain, 0.95), missing)
    for way, url_of in (("search page", lambda w: f"{base}{PAGE}?" + urllib.parse.urlencode({"_search": w})),
                        ("search API", lambda w: f"{base}{PAGE}.json?" + urllib.parse.urlencode(
                            {"_search": w, "_size": 20, "_nofacet": 1}))):
        latencies, missing = [], 0
        for index, word in enumerate(asked):
            elapsed, body = timed(url_of(word), RENDER)
            if index >= 10:
                latencies.append(elapsed)
                if way == "search page":
                    missing += body.count(b'class="facet-info"') != FACETS
        out[way] = (statistics.median(latencies), _p(latencies, 0.95), missing)
    return out


def search_words(count: int) -> list[str]:
    """What people search for: as scripts/bench.py draws them (words past the commonest few, and names)."""
    sys.path.insert(0, str(REPO / "scripts"))
    import synth

    return synth.VOCABULARY[20:2000] + [p["name"].split()[0] for p in synth.registry(random.Random(1951), count)[0]]


def under_load(database: Path, workers: list[int], clients: int, seconds: float) -> dict[tuple[int, str], Load]:
    """The documents page under ``clients`` connections, per number of workers, three ways."""
    out = {}
    for count in workers:
        with serving(database, count) as base:
            load(base, [PAGE], clients, min(2.0, seconds))  # warm every worker
            out[(count, "rendered")] = load(base, [PAGE], clients, seconds, RENDER)
            out[(count, "served")] = load(base, [PAGE], clients, seconds)
            out[(count, "revalidated")] = load(base, [PAGE], clients, seconds, revalidate=True)
    return out


def explorer_targets(largest: Path | None, count: int, real: Path, workers: int = 2, clients: int = 20,
                     seconds: float = 10, queries: int = 200, runs: int = 3,
                     under: bool = True) -> tuple[str, list[tuple[str, bool, str]]]:
    """The explorer's figures (text to print) and its target rows ``(target, holds, measured)``.

    ``largest`` is the database of ``count`` synthetic documents (None leaves those rows out); ``real``
    the database the load test serves (the repository's); ``under`` False leaves the load test out."""
    lines, targets = [], []
    if largest is not None:
        with serving(largest, 1) as base:
            pages = page_latency(base, search_words(count), queries, runs)
        page, searched, api = pages["page"], pages["search page"], pages["search API"]
        lines.append(f"Explorer at {count:,} documents, one process, each page rendered:")
        lines.append(f"- documents page with every facet: p50 {page[0]:.1f} ms, p95 {page[1]:.1f} ms "
                     f"({page[2]} of {runs * 10} lacked a facet);")
        lines.append(f"- the same page with a search ({queries} words): p50 {searched[0]:.1f} ms, "
                     f"p95 {searched[1]:.1f} ms ({searched[2]} lacked a facet);")
        lines.append(f"- JSON API search (`_nofacet=1`): p50 {api[0]:.1f} ms, p95 {api[1]:.1f} ms.")
        targets.append((f"documents page, every facet, p50 < 300 ms at {count:,}", page[0] < 300 and not page[2],
                        f"{page[0]:.1f} ms, {page[2]} pages lacked a facet"))
        targets.append((f"documents page with a search, every facet, p50 < 300 ms at {count:,}",
                        searched[0] < 300 and not searched[2], f"{searched[0]:.1f} ms, {searched[2]} lacked a facet"))
        targets.append((f"FTS p95 < 50 ms at {count:,} (JSON API)", api[1] < 50, f"{api[1]:.1f} ms"))
    if not under:
        return "\n".join(lines), targets
    counts = sorted({1, workers})
    loads = under_load(real, counts, clients, seconds)
    lines.append(f"Documents page of {real.name}, {clients} clients on 127.0.0.1 for {seconds:.0f} s:")
    lines.append("| workers | every page rendered | as served (page cache) | revalidated (304) |")
    lines.append("|---:|---|---|---|")
    for number in counts:
        lines.append(f"| {number} | {loads[(number, 'rendered')]} | {loads[(number, 'served')]} "
                     f"| {loads[(number, 'revalidated')]} |")
    best = loads[(workers, "served")]
    rendered = loads[(workers, "rendered")]
    targets.append((f"documents page under {clients} clients, {workers} workers: >= 300/s, p95 < 150 ms",
                    best.per_second >= 300 and best.percentile(0.95) < 150,
                    f"{best.per_second:.0f}/s, p95 {best.percentile(0.95):.1f} ms "
                    f"(every page rendered: {rendered.per_second:.0f}/s, p95 {rendered.percentile(0.95):.1f} ms)"))
    return "\n".join(lines), targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, help="the database of --count synthetic documents")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--real", type=Path, default=REPO / "dist" / f"{DATABASE}.db",
                        help="the database served under load (the repository's, built by `armistice build`)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--load-only", action="store_true", help="only the load test")
    parser.add_argument("--no-load", action="store_true", help="only the pages at --count documents, no load test")
    args = parser.parse_args(argv)
    if args.load_only and args.no_load:
        parser.error("--load-only and --no-load leave nothing to measure")
    text, targets = explorer_targets(None if args.load_only else args.database, args.count, args.real, args.workers,
                                     args.clients, args.seconds, args.queries, args.runs, under=not args.no_load)
    print(text)
    print("| target | holds | measured |\n|---|---|---|")
    for name, holds, shown in targets:
        print(f"| {name} | {'yes' if holds else 'NO'} | {shown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
