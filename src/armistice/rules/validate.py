"""Checking an archive-sized records root: documents streamed through worker processes.

:func:`armistice.rules.checks.validate` keeps every record in memory, which is what tests and small
tools want. An archive holds thousands of documents, so here the records that are not documents
(the registry: people, places, topics, events, tombstones; few, and what every document is checked
against) are loaded first, and then the documents go, in id order and in chunks, through a pool of
worker processes (one per core) that read, validate and check each one and send back only its
findings, what the collection-wide rules need, and, for a build, its table rows. Memory stays flat
whatever the number of documents, and both cores parse.

The findings are exactly those of :func:`armistice.rules.checks.validate` (a test compares the two). In
one rare case, two documents with the same id, which of them is kept decides which is checked, so
the run is redone in memory to report exactly what the in-memory path reports.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from armistice.rules.checks import Context, check_collection, check_record, make_context, merge, validate
from armistice.records.findings import Finding
from armistice.models import Document
from armistice.records.files import Collection, Loading, admit, load_entry, plan

CHUNK = 32
"""Documents per task: large enough that sending a task costs little, small enough to balance."""

SERIAL_BELOW = 200
"""Fewer documents than this are checked in this process: starting workers would cost more."""

Prepare = Callable[[Document], Any]
"""Run in the worker on each valid document (e.g. to turn it into table rows); must be picklable."""

Sink = Callable[[str, Any], None]
"""Run here, in document id order, on what ``prepare`` gave for each valid document."""


@dataclass
class Gathered:
    """What the collection-wide rules need from one document (see :func:`armistice.rules.checks.merge`)."""

    documents: set[str]
    reported: set[str]
    named: dict[str, set[str]]
    unresolved: list[Any]


@dataclass
class Outcome:
    """One document's result, as a worker sends it back."""

    loading: Loading
    record_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    gathered: Gathered | None = None
    prepared: Any = None


@dataclass
class Scan:
    """What a run found: the registry, the number of files read and the findings, sorted."""

    registry: Collection
    files: int
    findings: list[Finding]


def jobs() -> int:
    """Worker processes to use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------------------------
# The work of one document (in a worker, or here)
# --------------------------------------------------------------------------------------------

_CONTEXT: Context | None = None
_PREPARE: Prepare | None = None


def _start(context: Context, prepare: Prepare | None) -> None:
    global _CONTEXT, _PREPARE
    _CONTEXT, _PREPARE = context, prepare


def _document(item: tuple[Path, Path]) -> Outcome:
    assert _CONTEXT is not None
    loading = load_entry(*item)
    outcome = Outcome(loading)
    entry = loading.entry
    if entry is not None:
        context = _CONTEXT.fresh()  # the shared registry; this document's facts gathered apart
        outcome.findings = check_record(entry, context)
        outcome.gathered = Gathered(context.documents, context.reported, context.named, context.unresolved)
        if _PREPARE is not None and isinstance(entry.record, Document):
            outcome.prepared = _PREPARE(entry.record)
        outcome.record_id = entry.record.id
        loading.entry = None  # the record is not sent back: its findings and rows are
    return outcome


def _chunk(items: list[tuple[Path, Path]]) -> list[Outcome]:
    return [_document(item) for item in items]


def _chunks(items: list[tuple[Path, Path]], size: int) -> Iterator[list[tuple[Path, Path]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _outcomes(documents: list[tuple[Path, Path]], context: Context, prepare: Prepare | None,
              workers: int) -> Iterator[Outcome]:
    """Every document's outcome, in order: from a pool of workers, or here when few."""
    if workers <= 1 or len(documents) < SERIAL_BELOW:
        _start(context, prepare)
        for item in documents:
            yield _document(item)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers, initializer=_start, initargs=(context, prepare)) as pool:
        for chunk in pool.imap(_chunk, _chunks(documents, CHUNK)):
            yield from chunk


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def _is_document(file: Path) -> bool:
    return file.parent.name == Document.folder


def scan(paths: Iterable[Path], *, prepare: Prepare | None = None, sink: Sink | None = None,
         workers: int | None = None) -> Scan:
    """Validate the records under ``paths``; with ``prepare`` and ``sink``, also process each valid document.

    ``prepare(document)`` runs in the worker that checked the document, ``sink(document_id, prepared)``
    here, in document id order. A build must still refuse to publish when the returned findings hold
    an error: documents are handed over before the last rule has run.
    """
    paths = list(paths)
    files, findings, report, root = plan(paths)
    registry = Collection(root=root)
    documents = sorted(((f, r) for f, r in files if _is_document(f)), key=lambda item: (item[0].stem, str(item[0])))
    others = [(f, r) for f, r in files if not _is_document(f)]
    for file, file_root in others:
        admit(load_entry(file, file_root), registry, findings)
    context = make_context(registry)
    seen: set[str] = set()
    for outcome in _outcomes(documents, context, prepare if sink is not None else None, workers or jobs()):
        registry.files += 1
        findings.extend(outcome.loading.findings)
        for kind, stem in outcome.loading.unreadable:
            registry.unreadable[kind].add(stem)
        if outcome.record_id is None:
            continue
        if outcome.record_id in seen:
            return _in_memory(paths)  # which duplicate is kept decides what is checked: see the module's note
        seen.add(outcome.record_id)
        findings.extend(outcome.findings)
        if outcome.gathered is not None:
            merge(context, outcome.gathered)
        if sink is not None and outcome.prepared is not None:
            sink(outcome.record_id, outcome.prepared)
    findings.extend(check_collection(registry, context))  # the registry's own records, then collection-wide rules
    if report is not None:
        findings = [f for f in findings if f.path in report]
    return Scan(registry, registry.files, sorted(findings, key=lambda f: (f.path, f.line, f.column, f.field)))


def _in_memory(paths: list[Path]) -> Scan:
    collection, findings = validate(paths)
    return Scan(collection, collection.files, findings)
