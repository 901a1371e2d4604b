"""Keeping the explorer up: no single request or query can exhaust the server's memory, time or threads.

Datasette (0.65.5, pinned) stops a query after the SQL time limit by checking between SQLite's
virtual-machine steps. A function that does all its work in one step escapes that check: before this
plugin, three ``select printf('%.*c', 999999999, 'x')`` at once ran 67 s each and took 9 GB, and
``select 1`` waited behind them. So every connection Datasette opens is bounded here:

- SQLite's own limits (``LIMITS``): no string or blob longer than ``MAX_LENGTH`` (``randomblob``,
  ``zeroblob``, ``replace``, ``group_concat`` ... fail at once with "string or blob too big"), no
  result wider than ``MAX_COLUMNS``, no ``LIKE``/``GLOB`` pattern longer than ``MAX_LIKE_PATTERN``;
- the built-in functions whose one call can still run for seconds inside those limits are replaced
  by equal ones that cannot (``BOUNDED_FUNCTIONS``): ``printf``'s ``%c`` repeats a character
  ``precision`` times whatever the length limit, and ``instr``, ``replace`` and two-argument ``trim``
  compare every position of one long text with another;
- a query's result is at most ``MAX_RESULT_BYTES`` (a million rows of ``zeroblob`` cost SQLite
  nothing and Python gigabytes);
- the database's absolute path cannot be read through ``pragma_database_list``.

Before Datasette sees a request, the middleware refuses what would cost it more than a page: a long
URL (414), too many query parameters or facets (400: Datasette 0.65.5 parses parameters in quadratic
time, 10,000 of them blocked every request for a minute), large headers (431), anything but GET and
HEAD (405: the database is immutable). It answers 404 for paths with empty or dot segments
(``//etc/passwd``, ``/pages/../..``), 403 for the debug pages, and lets only ``sql_slots`` requests
carrying arbitrary SQL (``sql=`` or ``_where=``) run at once, so that a flood of hostile queries
waits for its own slots while every other page keeps Datasette's remaining SQL threads. Every
response carries security headers (``SECURITY_HEADERS``).

The database is immutable, so a URL always gives the same page while the same files are served:
every successful GET answer carries a weak ETag naming that version (``fingerprint``: the database's
SHA-256, the metadata, templates, plugins and static files, the versions of Datasette and armistice),
and a request whose ``If-None-Match`` names it is answered 304 at once, whichever worker or machine
rendered the page first. Each process also keeps the pages it rendered (``ResponseCache``, at most
``CACHE_BYTES``), as a CDN in front of it would: a page asked for again is sent without rendering.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import threading
import traceback
import weakref
from collections import OrderedDict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from datasette import Response, hookimpl
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Base400
from datasette.views.base import DatasetteError
from markupsafe import Markup

from armistice.records.loading import MAX_BYTES

MAX_LENGTH = 2 * MAX_BYTES
"""The longest string or blob a query may make or read: 2 MiB.

No published value can be longer than the record file it comes from, and the loader refuses record
files over ``MAX_BYTES`` (1 MiB); the largest row of the current database (a document: its text,
summary and citation) is under 9 KB. Twice the file limit leaves room for a row sorted whole."""

MAX_COLUMNS = 100
"""The widest result or table: the widest table (documents) has 46 columns; a join of two fits."""

MAX_LIKE_PATTERN = 100
"""The longest LIKE or GLOB pattern: a pattern is matched at every position of the text, so its
length multiplies the cost of one call; a name or phrase searched for is far shorter."""

LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_LENGTH,
    sqlite3.SQLITE_LIMIT_COLUMN: MAX_COLUMNS,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: MAX_LIKE_PATTERN,
}

MAX_RESULT_BYTES = 64 * 1024 * 1024
"""The most text and blob bytes one query may return: Datasette's 1,000 rows of documents of a few
kilobytes are a few megabytes. It is checked after each row, so a query holds at most this and one
more row (``MAX_COLUMNS`` values of at most ``MAX_LENGTH``)."""

MAX_PATH = 2048
MAX_QUERY_STRING = 8192
"""Bytes of the path and of the query string; the longest canned-query or table URL is far shorter,
and 8 KB of SQL is a long query."""
MAX_PARAMETERS = 100
MAX_FACETS = 10
"""Query parameters, and of them ``_facet``, ``_facet_array`` and ``_facet_date`` (each facet is a
query of its own), in one request."""
MAX_HEADER_BYTES = 16384
MAX_HEADERS = 64
MAX_WAITING = 50
"""Requests with arbitrary SQL waiting for a slot; beyond that the server answers 503 at once."""
CACHE_BYTES = 64 * 1024 * 1024
"""The most bytes of rendered pages one process keeps: a documents page is about 60 KB, so a
thousand pages."""
CACHE_ENTRY_BYTES = 2 * 1024 * 1024
"""The largest single response kept (a CSV export streamed whole is not)."""

DEBUG_PAGES = ("/-/messages", "/-/allow-debug", "/-/permissions", "/-/threads", "/-/actor",
               "/-/databases", "/-/patterns", "/-/create-token", "/-/auth-token", "/-/logout")
"""Datasette's debugging pages: they set messages, try permission rules, and show threads, the
actor, and the database's absolute path. Nobody exploring the dataset needs them."""

SECURITY_HEADERS = {
    # Datasette's pages and the map plugin run inline scripts, so 'unsafe-inline' stays; everything
    # else (scripts, styles, connections) comes from this server only, map tiles excepted.
    "content-security-policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https://*.tile.openstreetmap.org; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


# Each connection Datasette opens


@hookimpl
def prepare_connection(conn, database, datasette):
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    conn.set_authorizer(authorize)
    for name, arguments, function in BOUNDED_FUNCTIONS:
        conn.create_function(name, arguments, function, deterministic=True)
    conn.row_factory = counted_rows(conn.row_factory)


def authorize(action, first, second, database, trigger):
    """Refuse reading the file column of ``pragma_database_list``: it is the database's absolute path."""
    if action == sqlite3.SQLITE_READ and first == "pragma_database_list" and second == "file":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def counted_rows(make_row):
    """A row factory that refuses a query once its rows hold more than ``MAX_RESULT_BYTES``."""
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def row_factory(cursor, values):
        size = spent.get(cursor, 0) + sum(len(v) for v in values if isinstance(v, (str, bytes)))
        if size > MAX_RESULT_BYTES:
            raise sqlite3.DataError(f"result over {MAX_RESULT_BYTES:,} bytes: ask for fewer rows or columns")
        spent[cursor] = size
        return make_row(cursor, values) if make_row is not None else values

    return row_factory


_BUILTIN = threading.local()


def bare() -> sqlite3.Connection:
    """This thread's connection without the replacements, with the same limits: SQLite's own functions."""
    connection = getattr(_BUILTIN, "connection", None)
    if connection is None:
        connection = _BUILTIN.connection = sqlite3.connect(":memory:")
        connection.text_factory = lambda value: str(value, "utf-8", "replace")  # as Datasette reads text
        for limit, value in LIMITS.items():
            connection.setlimit(limit, value)
    return connection


def builtin(name: str, arguments: tuple):
    """Call SQLite's own function ``name``."""
    marks = ", ".join("?" * len(arguments))
    return bare().execute(f"select {name}({marks})", arguments).fetchone()[0]


TOO_BIG = bytes(MAX_LENGTH + 1)
"""What a replaced function returns instead of a result over the length limit: SQLite refuses it
with its own "string or blob too big", as the built-in would. (Raising instead would print a
traceback on the server for every refused query: Datasette turns on callback tracebacks.)"""


_CONVERSION = re.compile(r"%[-+ #!0,]*(\*|\d+)?(?:\.(\*|\d*))?(?:ll|l)?(.)", re.DOTALL)


def bounded_printf(name: str):
    """``printf`` and ``format`` refusing a width or precision over the length limit.

    SQLite's ``%c`` writes its character ``precision`` times, one at a time, even after the output
    is over the limit: 8 s in one step at the largest precision. No output can be that wide anyway.
    """

    def function(*arguments):
        if arguments and isinstance(arguments[0], str):
            rest = iter(arguments[1:])
            for found in _CONVERSION.finditer(arguments[0]):
                if found[3] in "%n":  # these take no argument
                    continue
                for size in found[1], found[2]:
                    if size == "*":  # the next argument, cast to an integer as SQLite reads it
                        size = bare().execute("select cast(? as integer)", (next(rest, 0),)).fetchone()[0]
                    if size and abs(int(size)) > MAX_LENGTH:
                        return TOO_BIG
                next(rest, None)
        return builtin(name, arguments)

    return function


def _texts(*values, blobs: bool = False):
    """The arguments as SQLite's text functions read them, or None when one is not text or a blob.

    Blobs are read as UTF-8 text, except by ``instr`` (``blobs``) when all its arguments are blobs:
    then it counts bytes."""
    if not all(isinstance(v, (str, bytes)) for v in values):
        return None
    if blobs and all(isinstance(v, bytes) for v in values):
        return values
    return tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in values)


def bounded_instr(text, part):
    """``instr`` in linear time (Python's search), where SQLite's compares ``part`` at every position."""
    values = _texts(text, part, blobs=True)
    if values is None:
        return builtin("instr", (text, part))
    return values[0].find(values[1]) + 1


def bounded_replace(text, old, new):
    """``replace`` in linear time, refusing a result over the length limit before making it."""
    values = _texts(text, old, new)
    if values is None:
        return builtin("replace", (text, old, new))
    text, old, new = values
    if not old:
        return text
    if len(text.encode()) + text.count(old) * (len(new.encode()) - len(old.encode())) > MAX_LENGTH:
        return TOO_BIG
    return text.replace(old, new)


def bounded_trim(name: str):
    """Two-argument ``trim``, ``ltrim`` and ``rtrim`` in linear time (SQLite scans the set for each character)."""

    def function(text, characters):
        values = _texts(text, characters)
        if values is None:
            return builtin(name, (text, characters))
        text, characters = values
        kept = set(characters)
        start, end = 0, len(text)
        if name != "rtrim":
            while start < end and text[start] in kept:
                start += 1
        if name != "ltrim":
            while end > start and text[end - 1] in kept:
                end -= 1
        return text[start:end]

    return function


BOUNDED_FUNCTIONS = [
    ("printf", -1, bounded_printf("printf")),
    ("format", -1, bounded_printf("format")),
    ("instr", 2, bounded_instr),
    ("replace", 3, bounded_replace),
    ("trim", 2, bounded_trim("trim")),
    ("ltrim", 2, bounded_trim("ltrim")),
    ("rtrim", 2, bounded_trim("rtrim")),
]


# Each request, before Datasette parses it


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        slots: dict[str, Any] = {"free": None, "waiting": 0}

        cache = ResponseCache(CACHE_BYTES)

        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            send = with_security_headers(send)
            refusal = refused(scope)
            if refusal is not None:
                return await answer(send, *refusal)
            tag = fingerprint(datasette)
            if tag is not None:
                if not_modified(scope, tag):
                    return await answer_not_modified(send, tag, datasette.setting("default_cache_ttl"))
                key = cache.key(scope)
                if key is not None and await cache.replay(key, scope, send):
                    return None
                send = with_etag(cache.keeping(key, send), tag)
            if not runs_arbitrary_sql(scope):
                return await app(scope, receive, send)
            if slots["free"] is None:
                slots["free"] = asyncio.Semaphore(sql_slots(datasette.setting("num_sql_threads")))
            if slots["waiting"] >= MAX_WAITING:
                return await answer(send, 503, "too many SQL queries waiting: try again in a moment")
            slots["waiting"] += 1
            try:
                await slots["free"].acquire()
            finally:
                slots["waiting"] -= 1
            try:
                await app(scope, receive, send)
            finally:
                slots["free"].release()

        return guarded

    return wrap


def sql_slots(threads: int) -> int:
    """How many requests with arbitrary SQL may run at once: a third of the SQL threads, at least one.

    Datasette runs every request's queries one after another on one thread, so the other two thirds
    are always left to the pages, canned queries and searches that the time limit keeps short."""
    return max(1, threads // 3)


def refused(scope) -> tuple[int, str] | None:
    """The status and reason for refusing a request before Datasette parses it, or None to serve it."""
    if scope["method"] not in ("GET", "HEAD"):
        return 405, "only GET and HEAD: the database is read-only"
    headers = scope.get("headers", [])
    size = sum(len(name) + len(value) for name, value in headers)
    if len(headers) > MAX_HEADERS or size > MAX_HEADER_BYTES:
        return 431, f"request headers over {MAX_HEADERS} or {MAX_HEADER_BYTES:,} bytes"
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    raw_path = raw_path.partition(b"?")[0]
    query = scope.get("query_string", b"")
    if len(raw_path) > MAX_PATH:
        return 414, f"path of {len(raw_path):,} bytes; at most {MAX_PATH:,}"
    if len(query) > MAX_QUERY_STRING:
        return 414, f"query string of {len(query):,} bytes; at most {MAX_QUERY_STRING:,}"
    segments = unquote_to_bytes(raw_path).split(b"/")[1:]
    if any(segment in (b".", b"..") for segment in segments) or b"" in segments[:-1]:
        return 404, "not found"
    path = scope["path"]
    if any(path == page or path.startswith((page + ".", page + "/")) for page in DEBUG_PAGES):
        return 403, "debugging pages are turned off"
    parameters = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    if len(parameters) > MAX_PARAMETERS:
        return 400, f"{len(parameters):,} query parameters; at most {MAX_PARAMETERS}"
    facets = sum(name in ("_facet", "_facet_array", "_facet_date") for name, _ in parameters)
    if facets > MAX_FACETS:
        return 400, f"{facets:,} facets; at most {MAX_FACETS}"
    return None


def runs_arbitrary_sql(scope) -> bool:
    """Whether the request carries SQL of its own (a query, or a table page's ``_where``)."""
    names = {name for name, _ in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)}
    return bool(names & {"sql", "_where"})


def with_security_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers += [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()
                        if name.encode() not in present]
            message = dict(message, headers=headers)
        await send(message)

    return sending


# Caching: ETags, 304 answers and the pages already rendered


_FINGERPRINTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fingerprint(datasette) -> str | None:
    """The served version, as an ETag's opaque value; None when a database can change (nothing is cached).

    The same on every machine serving the same files: the databases' SHA-256 (from the inspection
    `armistice serve` computes once), the metadata, every file of the templates, plugins and static
    folders, and the versions of Datasette and armistice."""
    key = datasette
    if key not in _FINGERPRINTS:
        databases = [db for name, db in sorted(datasette.databases.items()) if not db.is_memory]
        if not databases or any(db.is_mutable for db in databases):
            _FINGERPRINTS[key] = None
        else:
            digest = hashlib.sha256()
            for db in databases:
                digest.update(f"{db.name}={db.hash}\n".encode())
            digest.update(json.dumps(datasette.metadata(), sort_keys=True, default=str).encode())
            folders = [datasette.template_dir, datasette.plugins_dir,
                       *(folder for _, folder in getattr(datasette, "static_mounts", None) or ())]
            for folder in filter(None, folders):
                for path in sorted(Path(folder).rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts:
                        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
            for package in ("datasette", "armistice"):
                try:
                    digest.update(f"{package}={version(package)}\n".encode())
                except PackageNotFoundError:
                    pass
            _FINGERPRINTS[key] = digest.hexdigest()[:32]
    return _FINGERPRINTS[key]


def etag(tag: str) -> bytes:
    """Weak: the same page, not always the same bytes (Datasette's JSON says how long its query took)."""
    return f'W/"{tag}"'.encode()


def not_modified(scope, tag: str) -> bool:
    """Whether the request is a GET or HEAD whose ``If-None-Match`` names the served version."""
    if scope["method"] not in ("GET", "HEAD"):
        return False
    wanted = b",".join(value for name, value in scope.get("headers", []) if name.lower() == b"if-none-match")
    if not wanted:
        return False
    ours = etag(tag)
    # Weak comparison (RFC 9110, 13.1.2): W/ is ignored on both sides.
    return any(part.strip() in (b"*", ours, ours[2:]) or part.strip().removeprefix(b"W/") == ours[2:]
               for part in wanted.split(b","))


def cache_control(ttl: int) -> bytes:
    return f"max-age={ttl}".encode() if ttl else b"no-cache"


async def answer_not_modified(send, tag: str, ttl: int) -> None:
    await send({"type": "http.response.start", "status": 304,
                "headers": [(b"etag", etag(tag)), (b"cache-control", cache_control(ttl)),
                            (b"vary", b"Cookie, Authorization")]})
    await send({"type": "http.response.body", "body": b""})


def with_etag(send, tag: str):
    """Add the ETag to a successful answer that may be stored (not one setting a cookie or forbidding storage)."""

    async def sending(message):
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = list(message.get("headers", []))
            names = {name.lower(): value for name, value in headers}
            if b"set-cookie" not in names and b"no-store" not in names.get(b"cache-control", b""):
                message = dict(message, headers=[*headers, (b"etag", etag(tag))])
        await send(message)

    return sending


class ResponseCache:
    """The successful GET answers this process rendered, by host, path and query, least recently used first out.

    Only requests without cookies or credentials are kept or answered from here (Datasette's pages
    vary by them), and only answers carrying an ETag (so none that set a cookie)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.entries: OrderedDict[tuple, tuple[int, list, bytes]] = OrderedDict()

    @staticmethod
    def key(scope) -> tuple | None:
        if scope["method"] not in ("GET", "HEAD"):
            return None
        headers = scope.get("headers", [])
        if any(name.lower() in (b"cookie", b"authorization") for name, _ in headers):
            return None
        host = b",".join(value for name, value in headers if name.lower() == b"host")
        return (scope.get("scheme"), host, scope.get("root_path", ""), scope.get("raw_path") or scope["path"],
                scope.get("query_string", b""))

    async def replay(self, key: tuple, scope, send) -> bool:
        found = self.entries.get(key)
        if found is None:
            return False
        self.entries.move_to_end(key)
        status, headers, body = found
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
        return True

    def keeping(self, key: tuple | None, send):
        """``send``, keeping a copy of the answer when it has an ETag and fits."""
        if key is None:
            return send
        kept: dict[str, Any] = {"parts": [], "size": 0, "start": None}

        async def sending(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if any(name.lower() == b"etag" for name, _ in headers):
                    kept["start"] = (message["status"], headers)
            elif message["type"] == "http.response.body" and kept["start"] is not None:
                kept["parts"].append(message.get("body", b""))
                kept["size"] += len(kept["parts"][-1])
                if kept["size"] > CACHE_ENTRY_BYTES:
                    kept["start"] = None
                elif not message.get("more_body"):
                    self.store(key, kept["start"], b"".join(kept["parts"]))
            await send(message)

        return sending

    def store(self, key: tuple, start: tuple[int, list], body: bytes) -> None:
        status, headers = start
        # uvicorn adds its own date and server headers; a stored body is sent whole, so its length is known.
        headers = [(name, value) for name, value in headers
                   if name.lower() not in (b"transfer-encoding", b"content-length", b"date", b"server")]
        headers.append((b"content-length", str(len(body)).encode()))
        if key in self.entries:
            self.size -= len(self.entries.pop(key)[2])
        self.entries[key] = (status, headers, body)
        self.size += len(body)
        while self.size > self.budget and self.entries:
            self.size -= len(self.entries.popitem(last=False)[1][2])


async def answer(send, status: int, reason: str) -> None:
    body = f"{status} {reason}\n".encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# Errors


@hookimpl(wrapper=True)
def handle_exception(datasette, request, exception):
    """Render every error page as Datasette does, but print only a server error's traceback, plainly.

    Datasette's handler prints every error's traceback with rich, each frame's variables included:
    about a second of the event loop per error, during which no other request is answered, so a
    stream of bad requests stalled every page. And outside an ``except`` block that printing fails:
    a path no route matches (``/a/b/c/d/e``) was a 500 instead of a 404."""
    yield
    return [error_page(datasette, request, exception)]


def error_page(datasette, request, exception):
    """The error page (JSON for a ``.json`` path), with the status, message and title Datasette gives."""

    async def inner():
        title, info = None, {}
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0] if exception.args else ""
        elif isinstance(exception, DatasetteError):
            status, info, title = exception.status, dict(exception.error_dict), exception.title
            message = Markup(exception.message) if exception.message_is_html else exception.message
        else:
            status, message = 500, str(exception)
        if status >= 500:
            traceback.print_exception(exception)
        info.update({"ok": False, "error": message, "status": status, "title": title})
        headers: dict = {}
        if datasette.cors:
            add_cors_headers(headers)
        if request.path.endswith(".json"):
            return Response.json(info, status=status, headers=headers)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        context = dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=list)
        return Response.html(await template.render_async(context), status=status, headers=headers)

    return inner
