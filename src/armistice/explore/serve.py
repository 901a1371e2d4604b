"""Exploring the dataset in Datasette: generated metadata, canned queries, and the launcher.

``datasette/metadata.json`` is generated from the same table declarations as the package (so every
table and column is described as the models describe it) plus ``dataset.yaml`` (title, version,
licences, source, how to cite). It is committed; a test fails when it is stale. The templates in
``datasette/templates/`` give documents a reading view and add a timeline page; the plugins in
``datasette/plugins/`` add the citation to every page and keep searches of common words fast.

Datasette 0.65.5 is pinned exactly (1.0 alphas read configuration differently), and the database
is always opened immutable with an SQL time limit. `armistice serve --workers N` runs N processes
of uvicorn (Datasette's own pinned server) over the one immutable file: each worker builds the same
Datasette from :func:`app`, so nothing is shared between them but the listening socket, and any
number of machines can serve copies of the file behind a load balancer (README, "Serving").
"""

from __future__ import annotations

import json
import os
import sys
from html import escape
from pathlib import Path
from typing import Any

from armistice import models
from armistice.dataset import load_dataset
from armistice.models import Dataset
from armistice.publish.package import DATABASE_NAME
from armistice.publish.tables import ROLES, ArrayFacet, iter_tables
from armistice.release import jsonld
from armistice.release.citation import FORMATS, dataset_item, render

DATABASE = DATABASE_NAME.removesuffix(".db")
HERE = Path(__file__).resolve().parent
SQL_TIME_LIMIT_MS = 1000
"""A heavy query is stopped after a second so it cannot hang the server."""
SQL_THREADS = 6
"""Datasette's threads for SQL (its default is 3). The guard plugin (``datasette/plugins/armistice_guard.py``)
lets a third of them run requests with SQL of their own, so hostile queries, each stopped by the time
limit, never hold the threads the pages need; more threads than cores only wait, which is cheap."""
SETTINGS = {
    "sql_time_limit_ms": SQL_TIME_LIMIT_MS,
    "num_sql_threads": SQL_THREADS,
    "default_page_size": 50,
    # Suggesting facets runs a query per column on every table page: seconds at archive scale.
    "suggest_facets": False,
    # The database never changes under a running server: a page may be reused for an hour by a
    # browser or a CDN, and revalidated after that with its ETag (the guard plugin answers 304).
    "default_cache_ttl": 3600,
}
"""Datasette's settings, as `armistice serve` gives them."""


def dataset_citation(dataset: Dataset) -> str:
    """The dataset's citation at this version: the APA line ``armistice cite`` prints, word for word."""
    return render(dataset_item(dataset), "apa").strip()


def queries(dataset: Dataset) -> dict[str, dict[str, Any]]:
    """Canned queries: the correspondence network and the telegrams behind each of its links, a person's
    documents, the timeline, a document's citation. A query with a parameter returns nothing when it is
    empty; ``datasette/plugins/armistice_pages.py`` makes the ids in their results links."""
    cite = dataset_citation(dataset).replace("'", "''")
    return {
        "correspondence": {
            "title": "Correspondence network: who wrote to whom, how often",
            "description": "Senders and recipients of the documents and of the telegrams quoted inside them.",
            "sql": (
                "select s.name as sender, r.name as recipient, count(*) as telegrams,\n"
                "  sum(c.level = 'document') as documents, sum(c.level = 'quoted message') as quoted_messages,\n"
                "  c.sender_id, c.recipient_id\n"
                "from (\n"
                "  select d.sender_id, p.person_id as recipient_id, 'document' as level\n"
                "  from documents d join document_people p on p.document_id = d.id and p.role = 'recipient'\n"
                "  union all\n"
                "  select m.sender_id, p.person_id, 'quoted message'\n"
                "  from messages m join message_people p on p.message_id = m.id and p.role = 'recipient'\n"
                ") c join people s on s.id = c.sender_id join people r on r.id = c.recipient_id\n"
                "group by c.sender_id, c.recipient_id\n"
                "order by telegrams desc, sender, recipient"
            ),
        },
        "correspondence_telegrams": {
            "title": "Telegrams from one person to another",
            "description": "The documents and the quoted telegrams that the correspondence network counts for one "
                           "sender and one recipient (ids, as the network's links give them), in date order.",
            "sql": (
                "select d.date, d.id as document_id, d.title, 'document' as level, null as quoted_message\n"
                "from documents d join document_people p on p.document_id = d.id and p.role = 'recipient'\n"
                "where :sender != '' and :recipient != '' and d.sender_id = :sender and p.person_id = :recipient\n"
                "union all\n"
                "select coalesce(m.sent, d.date), d.id, coalesce(m.title, 'quoted telegram') || ' in ' || d.title,\n"
                "  'quoted message', m.local_id\n"
                "from messages m join message_people p on p.message_id = m.id and p.role = 'recipient'\n"
                "join documents d on d.id = m.document_id\n"
                "where :sender != '' and :recipient != '' and m.sender_id = :sender and p.person_id = :recipient\n"
                "order by 1, 2, 5"
            ),
        },
        "documents_mentioning_person": {
            "title": "Documents involving a person",
            "description": "Every document a person is involved in, and how. Give a person's id or part of a name.",
            "sql": (
                "select d.date, d.id as document_id, d.title, p.name as person, p.id as person_id,\n"
                "  group_concat(dp.role, ', ') as roles\n"
                "from document_people dp\n"
                "join people p on p.id = dp.person_id\n"
                "join documents d on d.id = dp.document_id\n"
                "where :person != '' and (p.id = :person or p.name like '%' || :person || '%')\n"
                "group by d.id, p.id\n"
                "order by d.date_min, d.date, p.name"
            ),
        },
        "timeline": {
            "title": "Timeline of documents and events",
            "description": "Documents and the events they report, in chronological order (partial dates sort by "
                           "their first day).",
            "sql": (
                "select date, date_min, date_max, 'document' as item, id, title from documents\n"
                "union all\n"
                "select date, date_min, date_max, 'event', id, title from events\n"
                "order by date_min, date, item"
            ),
        },
        "citation": {
            "title": "How to cite a document",
            "description": "The archive's citation of a document, its canonical address, and this dataset's citation.",
            "sql": (
                "select id as document_id, title, source_citation as archive_citation, source_url as archive_url,\n"
                f"  '{cite} Record ' || id || '.' as dataset_citation\n"
                "from documents where id = :document"
            ),
        },
    }


def metadata(dataset: Dataset) -> dict[str, Any]:
    """Datasette metadata: titles, descriptions, licences and sources for the database, every table and column."""
    metadata_licence = dataset.metadata_licence
    tables = {table.name: table.datasette(dataset) for table in iter_tables()}
    # The places page draws its own map (datasette/templates/_table-...-places.html); no second one there.
    tables["places"]["plugins"] = {"datasette-cluster-map": {"latitude_column": "-", "longitude_column": "-"}}
    citation = dataset_citation(dataset)
    # Datasette shows description_html as markup: the dataset's own words are escaped into it.
    description = (
        f"<p>{escape(dataset.description, quote=False)}</p>"
        f"<p>Version {escape(dataset.version)} ({escape(dataset.created)}). "
        '<a href="/timeline">Timeline</a> · '
        f'<a href="/{DATABASE}/places">Map of places</a> · '
        f'<a href="/{DATABASE}/correspondence">Who wrote to whom</a> · '
        f'<a href="/{DATABASE}/documents">Documents</a></p>'
        f"<p><strong>How to cite:</strong> {escape(citation, quote=False)} "
        "Each document page also gives the archive's own citation.</p>"
    )
    return {
        "title": dataset.title,
        "description_html": description,
        "license": metadata_licence.title,
        "license_url": metadata_licence.path,
        "source": dataset.source.title,
        "source_url": dataset.source.path,
        "databases": {
            DATABASE: {
                "title": dataset.title,
                "description_html": description,
                "license": metadata_licence.title,
                "license_url": metadata_licence.path,
                "source": dataset.source.title,
                "source_url": dataset.source.path,
                "tables": tables,
                "queries": queries(dataset),
            }
        },
        "plugins": {
            "datasette-cluster-map": {"latitude_column": "latitude", "longitude_column": "longitude"},
            "armistice": explorer(dataset),
        },
        "extra_css_urls": ["/assets/armistice.css"],
    }


ARRAY_FACET_TABLES = {"recipient_ids": "people", "person_ids": "people", "place_ids": "places",
                      "topic_ids": "topics"}
"""The table each JSON list of ids names rows of, so a facet over the list shows names (a test checks
that every array facet of the tables is here)."""


def _vocabularies() -> list[type[models.Vocabulary]]:
    found, todo = [], list(models.Vocabulary.__subclasses__())
    while todo:
        vocabulary = todo.pop(0)
        found.append(vocabulary)
        todo += vocabulary.__subclasses__()
    return found


def vocabularies() -> dict[str, dict[str, dict[str, str]]]:
    """Every coded column's values with their meanings, by table and column: the vocabularies' meanings
    in models.py (a column's enum is matched to the vocabulary with the same values) and the link tables'
    roles, so that pages show words where the data holds codes."""
    by_values = {tuple(member.value for member in vocabulary): {m.value: m.meaning for m in vocabulary}
                 for vocabulary in _vocabularies()}
    out: dict[str, dict[str, dict[str, str]]] = {}
    for table in iter_tables():
        for column in table.fields:
            values = tuple(column.schema.get("constraints", {}).get("enum", ()))
            if column.name == "role" and table.name in ROLES:
                out.setdefault(table.name, {})[column.name] = dict(ROLES[table.name])
            elif values in by_values:
                out.setdefault(table.name, {})[column.name] = by_values[values]
    return out


def entries() -> dict[str, dict[str, Any]]:
    """The record tables that read as entries (every kind but documents and tombstones), each with the
    link tables that tie its rows to documents or events: ``(link table, column naming the entry, column
    naming the document or event, whether the link has a role)``, the entries it involves itself (an
    event's places and people), and its own lists (``details``: what its identification and side rest on,
    the roles documents give a person). Derived from the foreign keys and parents, so a new
    kind (organisations) gets its page from its declaration."""
    tables = list(iter_tables())
    kinds = {table.name: table for table in tables if table.kind and table.kind not in ("document", "tombstone")}
    out: dict[str, dict[str, Any]] = {name: {"label": table.label, "documents": [], "events": [], "involves": [],
                                             "details": []} for name, table in kinds.items()}
    parents = {"document_id": "documents", "event_id": "events"}
    for table in tables:
        if table.target is None:
            if table.parent in kinds and len(table.parent_columns) == 1:
                out[table.parent]["details"].append({
                    "table": table.name, "column": table.parent_columns[0], "list": table.lists[0].path[-1],
                    "title": table.title, "basis": any(c.name == "basis" for c in table.fields)})
            continue
        keys = {columns[0]: resource for columns, resource, _ in table.foreign_keys() if len(columns) == 1}
        for column, resource in keys.items():
            if resource not in kinds:
                continue
            for via, group in parents.items():
                if via != column and keys.get(via) == group:
                    out[resource][group].append({"table": table.name, "column": column, "via": via,
                                                 "role": any(c.name == "role" for c in table.fields)})
            if column != table.target and keys.get(table.target) in kinds:
                out[resource]["involves"].append({"table": table.name, "column": column, "target": table.target,
                                                  "kind": keys[table.target]})
    return out


def explorer(dataset: Dataset) -> dict[str, Any]:
    """What the explorer's pages need beyond the tables: the dataset's citation in every format, its
    version, licences and addresses, the words for coded values, and how entries link to documents."""
    item = dataset_item(dataset)
    return {
        "database": DATABASE,
        "citation": dataset_citation(dataset),
        "version": dataset.version,
        "title": dataset.title,
        "homepage": dataset.homepage,
        "doi": dataset.doi,
        "concept_doi": dataset.concept_doi,
        "licence": {"title": dataset.metadata_licence.title, "path": dataset.metadata_licence.path},
        "texts_licence": {"title": dataset.texts_licence.title, "path": dataset.texts_licence.path},
        "citations": {fmt: render(item, fmt) for fmt in FORMATS},
        "jsonld": jsonld.describe(dataset, None, [
            jsonld.download(f"/{DATABASE}/{table.name}.csv?_stream=on", "text/csv") for table in iter_tables()]),
        "vocabularies": vocabularies(),
        "entries": entries(),
        "array_facets": {table.name: {facet.column: ARRAY_FACET_TABLES[facet.column] for facet in table.facets
                                      if isinstance(facet, ArrayFacet)}
                         for table in iter_tables() if any(isinstance(f, ArrayFacet) for f in table.facets)},
    }


def render_metadata(dataset: Dataset) -> str:
    return json.dumps(metadata(dataset), indent=2, ensure_ascii=False) + "\n"


def config_dir(repository: Path) -> Path:
    return repository / "datasette"


def is_stale(database: Path, inputs: list[Path]) -> bool:
    """True when the database is missing or older than any record or the dataset description."""
    if not database.is_file():
        return True
    built = database.stat().st_mtime
    for path in inputs:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        if any(f.stat().st_mtime > built for f in files):
            return True
    return False


def datasette_command(repository: Path, database: Path, host: str, port: int) -> list[str]:
    """The Datasette command line: immutable database, generated metadata, templates, plugins, settings."""
    folder = config_dir(repository)
    settings = [part for name, value in SETTINGS.items()
                for part in ("--setting", name, ("off", "on")[value] if isinstance(value, bool) else str(value))]
    return [
        sys.executable, "-m", "datasette", "serve",
        "--immutable", str(database),
        "--metadata", str(folder / "metadata.json"),
        "--template-dir", str(folder / "templates"),
        "--plugins-dir", str(folder / "plugins"),
        "--static", f"assets:{folder / 'static'}",
        "--host", host, "--port", str(port),
        *settings,
    ]


SERVE_ENVIRONMENT = "ARMISTICE_SERVE"
"""The environment variable that tells each worker process what to serve (JSON: repository, database,
and the database's inspection: its hash and table counts, computed once by the parent)."""


def inspect(database: Path) -> dict[str, Any]:
    """Datasette's inspection of the immutable database: its SHA-256 and every table's row count.

    Computed once before the workers start, so that no worker hashes a large file again; Datasette
    uses the counts for the unfiltered count of a table page and the hash names the database's
    version in the ETag of every page (the guard plugin)."""
    import sqlite3

    from datasette.inspect import inspect_hash

    connection = sqlite3.connect(f"file:{database}?immutable=1", uri=True)
    try:
        names = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        counts = {name: connection.execute(f'select count(*) from "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
                  for name in names}
    finally:
        connection.close()
    return {DATABASE: {"hash": inspect_hash(database), "file": database.name,
                       "tables": {name: {"count": count} for name, count in counts.items()}}}


def datasette(repository: Path, database: Path, inspect_data: dict[str, Any] | None = None) -> Any:
    """The Datasette instance `armistice serve` runs: what :func:`datasette_command` gives on the command line."""
    from datasette.app import Datasette

    folder = config_dir(repository)
    return Datasette(
        immutables=[str(database)],
        metadata=json.loads((folder / "metadata.json").read_text(encoding="utf-8")),
        template_dir=str(folder / "templates"),
        plugins_dir=str(folder / "plugins"),
        static_mounts=[("assets", str(folder / "static"))],
        settings=dict(SETTINGS),
        inspect_data=inspect_data,
    )


def configured() -> Any:
    """The Datasette instance ``SERVE_ENVIRONMENT`` describes (set by :func:`run` for its workers)."""
    settings = json.loads(os.environ[SERVE_ENVIRONMENT])
    database = Path(settings["database"])
    return datasette(Path(settings["repository"]), database, settings.get("inspect") or inspect(database))


def app() -> Any:
    """The ASGI application of one worker (uvicorn's ``--factory``)."""
    return configured().app()


def run(repository: Path, database: Path, host: str, port: int, workers: int = 1, access_log: bool = True) -> None:
    """Serve ``database`` (built beforehand: the CLI sees to it) with ``workers`` processes until stopped.

    uvicorn starts the workers itself (``--workers``), each importing :func:`app`; with one worker
    the application runs in this process."""
    import uvicorn

    os.environ[SERVE_ENVIRONMENT] = json.dumps({"repository": str(repository.resolve()),
                                                "database": str(database.resolve()),
                                                "inspect": inspect(database)})
    listen(uvicorn.Config("armistice.explore.serve:app", factory=True, host=host, port=port, workers=workers,
                          lifespan="on", log_level="info", access_log=access_log))


def listen(config: Any) -> None:
    """Run uvicorn as ``uvicorn.run`` does, with Nagle's algorithm off on the workers' shared socket.

    For several workers uvicorn makes one listening socket without naming TCP as its protocol, and
    asyncio then leaves Nagle's algorithm on for the connections it accepts: a page's body waited for
    the acknowledgement of its headers, 40 ms a page (measured: 393 pages/s from two workers against
    4,200 from one). Linux gives each accepted connection the listening socket's TCP_NODELAY."""
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if config.workers <= 1:
        server = uvicorn.Server(config=config)
        server.run()
        if not server.started:  # the port is taken, say: uvicorn has said why
            sys.exit(3)
        return
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()


def write_metadata(repository: Path) -> Path:
    path = config_dir(repository) / "metadata.json"
    path.write_text(render_metadata(load_dataset(repository / "dataset.yaml")), encoding="utf-8")
    return path
