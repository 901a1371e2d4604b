"""The Frictionless data package: ``datapackage.json``, CSV resources under ``data/``, and the database.

The build is deterministic and atomic:

- deterministic: rows are sorted by primary key (documents are streamed in id order, and every
  document-derived table's key starts with the document's id), files are written with fixed
  formatting, and the descriptor carries the version's date from ``dataset.yaml``, never the time
  of the build; the same records give the same bytes;
- streaming: documents are checked and turned into rows in worker processes and written as they
  come, so memory does not grow with the archive;
- atomic: everything is written into a staging folder beside the outputs and checked (row counts
  agree between records, CSV and SQLite; no foreign key points nowhere) before any published file
  is touched; :mod:`armistice.publish.swap` then swaps it in whole (preflight, a journal of the
  renames that any later command finishes, one build at a time), so a reader sees the previous
  ``datapackage.json``, ``data/`` and database or the new ones, never a mix;
- whole: a build reads a whole records root, never a kind folder or file (whose errors elsewhere
  would be hidden), and refuses a root without records rather than publish an empty package.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
import tempfile
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from armistice.dataset import DatasetError, find_dataset, load_dataset
from armistice.models import Dataset
from armistice.publish import database, parquet, swap
from armistice.publish.tables import (
    DOCUMENTS,
    OVERVIEW,
    VOCABULARIES,
    iter_tables,
    overview_ids,
    overview_row,
    published_rows,
    record_names,
    table_by_name,
    vocabulary_rows,
)
from armistice.records.files import root_problem
from armistice.records.findings import Finding

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
DATABASE_NAME = "korean-armistice-telegrams.db"
PARQUET_SUFFIX = "-parquet"
"""The name of a table's Parquet resource is the table's name with this suffix."""
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
STAGING_PREFIX = swap.STAGING_PREFIX


class BuildError(Exception):
    """The build cannot proceed; nothing published was changed."""

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.findings = findings or []


@dataclass
class BuildResult:
    """What a build wrote, and how many rows each resource has."""

    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)


def outputs(out: Path) -> dict[str, Path]:
    """The published paths of a build into ``out``."""
    return {"descriptor": out / swap.DESCRIPTOR, "data": out / "data", "database": out / "dist" / DATABASE_NAME}


def _cannot_write(out: Path, error: OSError | sqlite3.Error) -> BuildError:
    """A disk or permission failure while staging, as the build reports it (nothing published changed)."""
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return BuildError(f"cannot write to {out}: {reason}")


def dataset_for(records: Path, dataset_path: Path | None = None) -> Dataset:
    """The dataset description a build publishes; its problems fail the build like the records' do."""
    try:
        return load_dataset(dataset_path or find_dataset(records))
    except DatasetError as error:
        raise BuildError(str(error), error.findings) from None


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _licence(licence: Any) -> dict[str, Any]:
    return {key: value for key, value in licence.model_dump().items() if value is not None}


def descriptor(dataset: Dataset, files: dict[str, tuple[int, str]],
               typed: dict[str, tuple[int, str]] | None = None) -> dict[str, Any]:
    """``datapackage.json``: Data Package v2, every resource with bytes, sha256 and its Table Schema.

    ``files`` gives each resource's CSV size and SHA-256, ``typed`` its Parquet file's. Each table is
    a table resource (CSV) named after it; after all of them come the Parquet files, one ``file``
    resource ``<table>-parquet`` each, with its size and SHA-256. They are not declared tables:
    Frictionless reads Parquet through pandas, which turns a missing integer into NaN and a list
    into a NumPy array, and would report the correct files as invalid. Their types are the Table
    Schema's by construction (:meth:`armistice.publish.tables.Table.parquet_schema`), which the
    tests check against the schema, the CSV and the database.
    """
    metadata, texts = _licence(dataset.metadata_licence), _licence(dataset.texts_licence)
    resources = []
    for table in iter_tables():
        size, sha256 = files[table.name]
        resource: dict[str, Any] = {
            "name": table.name,
            "type": "table",
            "path": f"data/{table.name}.csv",
            "title": table.title,
            "description": table.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": size,
            "hash": "sha256:" + sha256,
            "licenses": [metadata, texts] if table.text_licence else [metadata],
            "schema": table.table_schema(),
        }
        resources.append(resource)
    for table in iter_tables():
        if typed is None:
            break
        size, sha256 = typed[table.name]
        resources.append({
            "name": f"{table.name}{PARQUET_SUFFIX}",
            "type": "file",
            "path": parquet.path_of(table.name),
            "title": f"{table.title} (Parquet)",
            "description": f"The rows of resource `{table.name}` as Parquet, each column typed as its Table Schema "
                           "says (text, int64, float64, date32, list<string>; empty cells are nulls).",
            "format": "parquet",
            "mediatype": PARQUET_MEDIATYPE,
            "bytes": size,
            "hash": "sha256:" + sha256,
            "licenses": [metadata, texts] if table.text_licence else [metadata],
        })
    return {
        "$schema": PROFILE,
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "version": dataset.version,
        "created": f"{dataset.created}T00:00:00Z",
        "keywords": list(dataset.keywords),
        **addresses(dataset),
        "contributors": [{k: v for k, v in c.model_dump().items() if v is not None} for c in dataset.contributors],
        "licenses": [metadata, texts],
        "sources": [dataset.source.model_dump()],
        "resources": resources,
    }


def addresses(dataset: Dataset) -> dict[str, str]:
    """The descriptor's identifiers, each only when ``dataset.yaml`` records it (never a guessed one):
    ``id`` is this version's DOI as an address (the Data Package convention for a DOI), or the
    concept DOI while the version has none; ``homepage`` the repository's public address; and
    ``concept_doi`` (an extra property) the DOI of every version beside this version's own."""
    out: dict[str, str] = {}
    doi = dataset.doi or dataset.concept_doi
    if doi:
        out["id"] = f"https://doi.org/{doi}"
    if dataset.homepage:
        out["homepage"] = dataset.homepage
    if dataset.concept_doi and dataset.doi:
        out["concept_doi"] = f"https://doi.org/{dataset.concept_doi}"
    return out


def render_descriptor(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------


BATCH = 64
"""Documents whose rows are written together."""

AHEAD = 8
"""Batches a writing thread may have waiting before the documents wait for it (memory stays bounded)."""


class _Writer:
    """One thread doing one output's writes, in the order they are given.

    The database and the files are each written by a thread of their own, so their work in C (SQLite's
    inserts, indexes and full-text index; Parquet's compression; SHA-256) runs beside this process's
    reading of the documents the workers send, and beside each other at the end, instead of after
    them. Each output still receives its rows in document order from one thread, so its bytes do not
    depend on timing. A job's exception is raised again here at the next :meth:`submit` or
    :meth:`wait` (the build then reports it as it would have in this thread).
    """

    def __init__(self, name: str):
        self.name = name
        self.executor: ThreadPoolExecutor | None = None
        self.pending: deque[Future[Any]] = deque()

    def submit(self, job: Callable[..., Any], *args: Any) -> Future[Any]:
        """Queue ``job(*args)`` after the jobs given before; its future (its result, once :meth:`wait`-ed)."""
        if self.executor is None:  # started on the first job: after the worker processes are forked
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"armistice-{self.name}")
        while self.pending and (self.pending[0].done() or len(self.pending) >= AHEAD):
            self.pending.popleft().result()
        future = self.executor.submit(job, *args)
        self.pending.append(future)
        return future

    def wait(self) -> None:
        """Every job done; the first failure raised."""
        while self.pending:
            self.pending.popleft().result()

    def stop(self) -> None:
        """Drop the jobs not started, wait for the one running (the build has failed or is done)."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        self.pending.clear()


class _Staging:
    """The CSV and Parquet files and the database being written in the staging folder, a batch of
    documents at a time: the files by one thread, the database by another (see :class:`_Writer`)."""

    def __init__(self, staging: Path):
        (staging / "data").mkdir()
        (staging / "dist").mkdir()
        parquet.folder(staging).mkdir()
        self.staging = staging
        self.streams: dict[str, Any] = {}
        self.parquet: dict[str, parquet.TableWriter] = {}  # opened by the files' thread (pyarrow is imported there)
        self.counts: dict[str, int] = {}
        self.digests: dict[str, Any] = {}  # SHA-256 and size kept as the bytes are written: no second read
        self.sizes: dict[str, int] = {}
        for table in iter_tables():
            self.streams[table.name] = open(staging / "data" / f"{table.name}.csv", "wb")
            self.digests[table.name] = hashlib.sha256()
            self.sizes[table.name] = 0
            self._write(table.name, csv_text([[column.name for column in table.fields]]))
            self.counts[table.name] = 0
        self.pending: dict[str, tuple[list[tuple[Any, ...]], list[str]]] = {}
        self.overview: list[tuple[Any, ...]] = []  # documents_overview rows with ids, named at the end
        self.batched = 0
        self.connection = database.create(staging / "dist" / DATABASE_NAME)
        self.files = _Writer("files")
        self.database = _Writer("database")

    def add(self, prepared: dict[str, tuple[list[tuple[Any, ...]], str]]) -> None:
        """Append rows (from :func:`prepare`) to the resources, in primary-key order.

        Rows wait in a batch: one write and one ``executemany`` per table per batch, not per document.
        """
        for name, (values, text) in prepared.items():
            if name == OVERVIEW and not text:
                self.overview.extend(values)
                continue
            rows, texts = self.pending.setdefault(name, ([], []))
            rows.extend(values)
            texts.append(text)
        self.batched += 1
        if self.batched >= BATCH:
            self.flush()

    def _write(self, name: str, text: str) -> None:
        content = text.encode("utf-8")
        self.streams[name].write(content)
        self.digests[name].update(content)
        self.sizes[name] += len(content)

    def _write_files(self, batch: dict[str, tuple[list[tuple[Any, ...]], list[str]]]) -> None:
        """A batch into the CSV and Parquet files (in the files' thread)."""
        for name, (rows, texts) in batch.items():
            self._write(name, "".join(texts))
            self._parquet(name).add(rows)

    def _parquet(self, name: str) -> parquet.TableWriter:
        writer = self.parquet.get(name)
        if writer is None:
            writer = self.parquet[name] = parquet.TableWriter(table_by_name(name), self.staging / parquet.path_of(name))
        return writer

    def _insert(self, batch: dict[str, tuple[list[tuple[Any, ...]], list[str]]]) -> None:
        """A batch into the database (in the database's thread)."""
        for name, (rows, _texts) in batch.items():
            database.insert(self.connection, name, rows)

    def flush(self) -> None:
        batch, self.pending, self.batched = self.pending, {}, 0
        if not batch:
            return
        for name, (rows, _texts) in batch.items():
            self.counts[name] += len(rows)
        self.files.submit(self._write_files, batch)
        self.database.submit(self._insert, batch)

    def _close_files(self) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
        for table in iter_tables():
            self._parquet(table.name)  # a table without rows still gets its file, with its schema
        for stream in self.streams.values():
            stream.close()
        for writer in self.parquet.values():
            writer.close()
        written = {name: (self.sizes[name], self.digests[name].hexdigest()) for name in self.streams}
        typed = {}
        for table in iter_tables():
            content = (self.staging / parquet.path_of(table.name)).read_bytes()
            typed[table.name] = (len(content), hashlib.sha256(content).hexdigest())
        return written, typed

    def close(self) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
        """Write the last rows, close the CSV and Parquet files while the database is indexed
        (:func:`armistice.publish.database.finish`, in its thread): the size and SHA-256 of each file,
        for the descriptor, once both are done."""
        self.flush()
        self.database.submit(database.finish, self.connection)
        closed = self.files.submit(self._close_files)
        self.files.wait()
        self.database.wait()
        return closed.result()

    def abandon(self) -> None:
        """Close everything, once the build is done or has failed: a close that fails (the disk is full,
        the last buffer cannot be written) changes nothing, the staging folder is discarded."""
        self.files.stop()
        self.database.stop()
        for stream in self.streams.values():
            try:
                stream.close()
            except OSError:
                pass
        for writer in self.parquet.values():
            try:
                writer.writer.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except sqlite3.Error:
            pass


def prepare(records: dict[str, list[Any]]) -> dict[str, tuple[list[tuple[Any, ...]], str]]:
    """Each resource's rows from ``records``, with the same rows as CSV text.

    Runs in the worker that checked a document, so that both cores format CSV.
    """
    prepared = {}
    for name, values in published_rows(records).items():
        text = csv_text(values)
        read_back = read_back_count(text)
        if read_back != len(values):
            raise BuildError(f"{name}: {len(values)} rows from the records, {read_back} read back from their CSV")
        prepared[name] = (values, text)
    return prepared


def read_back_count(text: str) -> int:
    """How many rows a CSV reader finds in ``text``: the check that every cell was quoted where needed.

    Without a quote or a carriage return in it, the text has no quoted cell, so each line feed ends a
    row (as a reader sees it too, an empty line being an empty row, an unended last line a row); only
    text with quotes is read.
    """
    if '"' not in text and "\r" not in text:
        return text.count("\n") + (not text.endswith("\n") and text != "")
    return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))


_QUOTE = re.compile(r'[",\r\n]')


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV: a comma between cells, LF after each row, quotes only where needed.

    The same text as ``csv.writer(lineterminator="\\n")`` (a test compares them), three times faster
    on long texts, and a carriage return inside a cell is quoted too, which csv.writer omits.
    """
    search = _QUOTE.search
    lines = []
    for row in rows:
        cells = []
        for value in row:
            text = value if value.__class__ is str else _csv_value(value)
            if search(text):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(",".join(cells) + "\n")
    return "".join(lines)


def prepare_document(document: Any) -> dict[str, tuple[list[tuple[Any, ...]], str]]:
    """A document's rows, and its ``documents_overview`` row with ids for names (no CSV text yet: the
    names are known only once the registry is; see :func:`finish_rows`)."""
    prepared = prepare({"document": [document]})
    prepared[OVERVIEW] = ([overview_ids(document, prepared[DOCUMENTS.name][0][0])], "")
    return prepared


def finish_rows(overview: list[tuple[Any, ...]], registry: dict[str, list[Any]]) -> dict[str, tuple[list[tuple[Any, ...]], str]]:
    """The rows written after the documents: the overview with names (documents arrive in id order, so
    its rows are in key order) and the vocabularies, from the models."""
    names = record_names(registry)
    rows = {OVERVIEW: [overview_row(ids, names) for ids in overview], VOCABULARIES: vocabulary_rows()}
    return {name: (values, csv_text(values)) for name, values in rows.items() if values}


def build(records: Path, out: Path, dataset_path: Path | None = None, *, workers: int | None = None) -> BuildResult:
    """Validate ``records`` and publish into ``out`` (see :func:`_build`); a refused build into a folder
    that did not exist leaves no folder behind (not even its lock file)."""
    created = not out.exists()
    try:
        return _build(records, out, dataset_path, workers=workers)
    except BuildError:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise


def _build(records: Path, out: Path, dataset_path: Path | None, *, workers: int | None) -> BuildResult:
    """Validate ``records`` and publish the package and database into ``out``.

    Documents stream through :func:`armistice.rules.validate` (in parallel, a document at a time)
    straight into the staging CSV files and database, so memory does not grow with the archive.
    Raises :class:`BuildError` (with the findings) when the records are invalid, ``records`` is not a
    records root or holds no records, another build is writing into ``out``, or an output cannot be
    written; nothing published is changed then (see :mod:`armistice.publish.swap` for the one
    exception, a rename failing after its preflight, which the next command finishes).
    """
    from armistice.rules import validate

    problem = root_problem(records)
    if problem is not None:
        raise BuildError(problem)
    held = ExitStack()
    try:
        out.mkdir(parents=True, exist_ok=True)
        held.enter_context(swap.build_lock(out))  # one build at a time: see armistice.publish.swap
        swap.settle(out)
        swap.remove_stale(out)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    except OSError as error:
        held.close()
        raise _cannot_write(out, error) from None
    except swap.PublishError as error:
        held.close()
        raise BuildError(str(error)) from None
    try:
        try:
            writing = _Staging(staging)
        except (OSError, sqlite3.OperationalError) as error:
            raise _cannot_write(out, error) from None
        try:
            result = validate([records], prepare=prepare_document, sink=lambda _id, prepared: writing.add(prepared),
                          workers=workers)
            errors = [f for f in result.findings if f.severity == "error"]
            if errors:
                raise BuildError(f"{len(errors)} error(s) in the records; nothing was built", errors)
            if result.files == 0:
                raise BuildError(f"{records}: no records in it; nothing was built (a package without records "
                                 "would replace the published one)")
            dataset = dataset_for(records, dataset_path)
            registry = {kind: [entry.record for entry in result.records.entries(kind)]
                        for kind in result.records.by_kind if kind != "document"}
            writing.add(prepare(registry))
            writing.add(finish_rows(writing.overview, registry))
            files, typed = writing.close()
            swap.write_file(staging / swap.DESCRIPTOR, render_descriptor(descriptor(dataset, files, typed)))
        except (OSError, sqlite3.OperationalError) as error:
            raise _cannot_write(out, error) from None
        except database.DatabaseError as error:
            raise BuildError(str(error)) from None
        finally:
            writing.abandon()
        _check_counts(staging, writing.counts)
        _publish(staging, out, set(files))
    finally:
        swap.discard(staging)
        held.close()
    return BuildResult(out, writing.counts, [f for f in result.findings if f.severity == "warning"])


def _check_counts(staging: Path, counts: dict[str, int]) -> None:
    """Rows agree everywhere: records -> CSV (each batch of rows is read back as CSV where it is
    written, see :func:`prepare`) -> SQLite."""
    in_database = database.counts(staging / "dist" / DATABASE_NAME)
    for name, expected in counts.items():
        if expected != in_database[name]:
            raise BuildError(f"{name}: {expected} rows from the records and in CSV, {in_database[name]} in SQLite")


def _publish(staging: Path, out: Path, names: set[str]) -> None:
    """Swap the checked outputs in whole (:func:`armistice.publish.swap.publish`): the database, the
    CSV and Parquet files, the descriptor last."""
    paths = [f"dist/{DATABASE_NAME}", *(f"data/{name}.csv" for name in sorted(names)),
             *(parquet.path_of(name) for name in sorted(names)), swap.DESCRIPTOR]
    try:
        swap.publish(staging, out, paths)
    except swap.PublishError as error:
        raise BuildError(str(error)) from None
