"""The validator: every record under some paths checked against its model and every rule, documents streamed.

The records that are not documents (the registry: people, places, topics, events, tombstones; few,
and what every document is checked against) are loaded first. Then the documents go, in id order
and in chunks, through a pool of worker processes (one per core, forked once the registry is
built, so they inherit it) that read, validate and check each one and send back only its findings
and, for a build, what ``prepare`` made of it (its table rows); with ``keep``, the record too.
What the rules gather for the collection-wide part is added up over each chunk in the worker and
sent once per chunk (see :func:`_chunk`). Memory stays flat whatever the number of documents, and
every core parses. A few documents are checked in this process: starting workers would cost more
than it saves.

Two documents with one id: as for every kind (:func:`armistice.records.files.admit`), the one kept
is the first read whose file is named after the id, else the first read; the others are reported
as duplicates and not checked. A document whose file is named after its id is settled as it
arrives. One whose file is not (already an error) is held back until every document is read, then
settled by replaying the order the files are read in; so what is reported never depends on the
number of workers, and only documents with errors are ever held.

With ``cache``, a document nothing of which changed since the last run is not read at all: its
outcome comes back from :mod:`armistice.rules.cache` and goes through the same steps as one just
checked, so the cross-record rules and the duplicate settling see it as before.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from armistice.models import Document
from armistice.records.files import Collection, Entry, Loading, admit, duplicate, load_entry, named_after_id, plan, shown
from armistice.records.findings import Finding
from armistice.records.loading import Loaded
from armistice.rules import chronology, drafted, fidelity, grounding, identity, provenance, references
from armistice.rules.cache import Cache, file_digest, location, registry_key
from armistice.rules.context import Context, make_context, unreadable_ids
from armistice.rules.rule import RecordRule, Rule

CHUNK = 32
"""Documents per task: large enough that sending a task costs little, small enough to balance."""

MIN_CHUNK = 4
"""The shortest task, at the end of a run (see :func:`_spans`)."""

SERIAL_BELOW = 200
"""Fewer documents than this are checked in this process: starting workers would cost more."""

RULES: tuple[Callable[[], Rule], ...] = (
    partial(RecordRule, identity.check_file_name),
    references.References,
    partial(RecordRule, identity.check_not_withdrawn),
    partial(RecordRule, chronology.check_order),
    grounding.Grounding,
    partial(RecordRule, fidelity.check_verbatim),
    partial(RecordRule, fidelity.check_transcription),
    provenance.Provenance,
    references.EventsReported,
    partial(RecordRule, drafted.check_open),
)
"""Every rule, in the order its findings on one record are reported (and its collection-wide
findings at the end); each call gives the rule with nothing gathered yet."""

Prepare = Callable[[Document], Any]
"""Run in the worker on each valid document (e.g. to turn it into table rows); must be picklable."""

Sink = Callable[[str, Any], None]
"""Run here on what ``prepare`` gave for each document kept, in document id order."""


@dataclass
class Validation:
    """What a run found."""

    findings: list[Finding]
    """Every finding, sorted by file, line, column and field."""
    files: int
    """The number of record files read."""
    records: Collection
    """The valid records: every one but the documents, and the documents too when asked to keep them."""
    reused: int = 0
    """How many documents' outcomes were taken from the cache instead of checked again."""
    notes: list[Finding] = field(default_factory=list)
    """What is no problem but worth saying (each value a document's page does not give), apart from
    the findings so that "no findings" still means "valid"."""


def jobs() -> int:
    """Worker processes to use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# --------------------------------------------------------------------------------------------
# The work of one document (in a worker, or here)
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One document's result, as a worker sends it back."""

    index: int
    """The file's place in the order files are read (which settles duplicate ids)."""
    loading: Loading
    """Its loading findings and the ids known broken; its entry only when kept or held back."""
    record_id: str | None = None
    named: bool = True
    """Whether the file is named after the record's id."""
    findings: list[Finding] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    """Each rule of :data:`RULES`, with what it gathered from this document alone."""
    prepared: Any = None
    page: tuple[Path, str | None] | None = None
    """When the outcome is to be cached: the document's kept page and its hash, taken before it was read."""


Item = tuple[int, Path, Path, bool]
"""A document to check: its file's place in the read order, the file, its records root, and whether
it is *solo*: its outcome must come back with its own rules (see :func:`_chunk`)."""

Merged = list[Rule] | None
"""What the rules gathered from a chunk's documents that are not solo, added up (None: no such document)."""


@dataclass
class _Run:
    """What every document of a run is checked with: set in this process, inherited by forked workers."""

    context: Context
    prepare: Prepare | None
    keep: bool
    remember: bool
    documents: list[Item]
    """Every document to check: a task names a range of it, so no path is sent to a worker."""


_RUN: _Run | None = None


def _start(run: _Run) -> None:
    global _RUN
    _RUN = run
    if gc.get_freeze_count() == 0:
        gc.freeze()  # what the worker inherited (the registry, the models) lives to its end: never scan it


def _document(item: Item) -> Outcome:
    assert _RUN is not None
    context, prepare, keep, remember = _RUN.context, _RUN.prepare, _RUN.keep, _RUN.remember
    index, file, root, _ = item
    loading = load_entry(file, root)
    outcome = Outcome(index, loading)
    entry = loading.entry
    if entry is not None:
        outcome.record_id = entry.record.id
        outcome.named = named_after_id(entry.file, entry.record.id)
        if remember and isinstance(entry.record, Document):
            page = fidelity.kept_page(entry.record, context.base)
            outcome.page = (page, file_digest(page))
        outcome.rules = [make() for make in RULES]
        outcome.findings = [finding for rule in outcome.rules for finding in rule.check(entry, context)]
        if prepare is not None and isinstance(entry.record, Document):
            outcome.prepared = prepare(entry.record)
        entry.loaded.drop_tree()  # its own findings are located: nothing sent back or kept carries the tree
        if outcome.named and not keep:
            loading.entry = None  # the record is not sent back: its findings and rows are
    return outcome


def _chunk(span: tuple[int, int]) -> tuple[list[Outcome], Merged]:
    """The outcomes of the documents ``span`` names, in order, and what the rules gathered from
    those that are not solo, merged here: such a document is certain to be kept (its file is named
    after its id and no other document file has its name), so it sends back only its findings (and
    rows) and one merged set of rules goes back per chunk instead of ten rule objects per document.
    The others (held back, or sharing a file name with a document of another records root) keep
    their own rules, for the main process to merge only if it keeps them."""
    assert _RUN is not None
    outcomes = []
    merged: Merged = None
    for item in _RUN.documents[span[0]:span[1]]:
        outcome = _document(item)
        if outcome.rules and outcome.named and not item[3] and not _RUN.remember:
            if merged is None:
                merged = outcome.rules
            else:
                for mine, theirs in zip(merged, outcome.rules):
                    mine.merge(theirs)
            outcome.rules = []
        outcomes.append(outcome)
    return outcomes, merged


def _spans(count: int, size: int, workers: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges of ``count`` documents, ``size`` long until the last few: then shorter
    (down to :data:`MIN_CHUNK`), so no worker waits long at the end for another's last chunk."""
    start = 0
    while start < count:
        step = min(size, max(MIN_CHUNK, (count - start) // (4 * workers)))
        yield start, min(count, start + step)
        start += step


def _results(documents: list[Item], context: Context, prepare: Prepare | None, keep: bool,
             workers: int, remember: bool = False) -> Iterator[tuple[list[Outcome], Merged]]:
    """Every chunk's outcomes, in order: from a pool of workers, or here when few.

    The pool is forked once the registry and its lookups are built, so each worker inherits them
    (and the documents' paths) instead of receiving them pickled."""
    run = _Run(context, prepare, keep, remember, documents)
    if workers <= 1 or len(documents) < SERIAL_BELOW:
        global _RUN
        previous, _RUN = _RUN, run
        try:
            for span in _spans(len(documents), CHUNK, 1):
                yield _chunk(span)
        finally:
            _RUN = previous
        return
    Document.model_rebuild()  # its validator is built on first use (defer_build): once here, not in each worker
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers, initializer=_start, initargs=(run,)) as pool:
        yield from pool.imap(_chunk, _spans(len(documents), CHUNK, workers))


def _outcomes(documents: list[Item], context: Context, prepare: Prepare | None, keep: bool,
              workers: int, remember: bool = False) -> Iterator[Outcome]:
    """Every document's outcome, in order, each with its own rules (for the cache, which stores them)."""
    for outcomes, merged in _results(documents, context, prepare, keep, workers, remember):
        assert merged is None or not remember
        yield from outcomes


@dataclass
class Gathered:
    """What the rules gathered from a chunk's documents that are not solo (see :func:`_chunk`),
    streamed after their outcomes."""

    rules: list[Rule]


def _gathered(results: Iterator[tuple[list[Outcome], Merged]]) -> Iterator[Outcome | Gathered]:
    """Chunks' results as one stream: each chunk's outcomes, then what its rules gathered."""
    for outcomes, merged in results:
        yield from outcomes
        if merged is not None:
            yield Gathered(merged)


def _freeze(outcome: Outcome) -> tuple[Any, ...]:
    """What the cache keeps of a document's outcome: no paths (quick to read back), and only the
    rules that gather something."""
    gathered = [None if isinstance(rule, RecordRule) else rule for rule in outcome.rules]
    return (outcome.record_id, outcome.named, outcome.loading.findings, outcome.loading.unreadable,
            outcome.findings, gathered)


def _thaw(frozen: tuple[Any, ...], index: int, file: Path, blank: list[Rule]) -> Outcome:
    """A cached outcome back, for the file at ``index`` in this run's order; ``blank`` holds a rule
    of each kind, shared by every document for the rules that gather nothing."""
    record_id, named, loading_findings, unreadable, findings, gathered = frozen
    rules = [fresh if rule is None else rule for fresh, rule in zip(blank, gathered)] if gathered else []
    return Outcome(index, Loading(file, None, loading_findings, unreadable), record_id, named, findings, rules)


BLOCK = 128
"""Documents per cached block, on average (see :func:`_block_ends`)."""


@dataclass
class Block:
    """The merged outcomes of a run of consecutive documents, every one unchanged and taken from the
    cache together: what each document's own outcome would add, already added up."""

    documents: list[tuple[int, str | None]]
    """``(index, record id)`` of each document, in order: every file is named after its record, or
    failed to load (no id)."""
    loading_findings: list[Finding]
    unreadable: list[tuple[str, str]]
    findings: list[Finding]
    rules: list[Rule]
    singles: Callable[[], list[Outcome]]
    """Each document's own outcome, should one of them not be accepted (an id already taken)."""


def _block_ends(documents: list[Item]) -> list[int]:
    """Where each block of documents ends: after a file whose name hashes to 0 modulo :data:`BLOCK`
    (and at the end). The boundaries depend on the names alone, so adding or removing a document
    changes only its own block."""
    ends = [at + 1 for at, (_, file, _, _) in enumerate(documents) if zlib.crc32(file.name.encode()) % BLOCK == 0]
    if not ends or ends[-1] != len(documents):
        ends.append(len(documents))
    return ends


def _merged(frozen: list[tuple[Any, ...]], blank: list[Rule]) -> tuple[Any, ...]:
    """The frozen outcomes of a block's documents (see :func:`_freeze`), added up, as the cache keeps it."""
    ids, loading_findings, unreadable, findings = [], [], [], []
    rules: list[Rule | None] = [None if isinstance(rule, RecordRule) else make() for rule, make in zip(blank, RULES)]
    for record_id, _named, loading, broken, found, gathered in frozen:
        ids.append(record_id)
        loading_findings.extend(loading)
        unreadable.extend(broken)
        findings.extend(found)
        for mine, theirs in zip(rules, gathered or [None] * len(rules)):
            if mine is not None and theirs is not None:
                mine.merge(theirs)
    return ids, loading_findings, unreadable, findings, rules


def _cached_outcomes(documents: list[Item], context: Context, store: Cache,
                     workers: int) -> Iterator[Outcome | Block]:
    """Every document's outcome, in order: from the cache when nothing it depends on changed, else
    checked (by workers when many) and stored. A run of unchanged documents whose merged outcome is
    stored (a :class:`Block`) comes back as one."""
    blank = [make() for make in RULES]
    folders: dict[str, str] = {}  # each folder as shown: relpath per file would cost a tenth of a second
    keys: list[str] = []
    valid: list[bool] = []
    for _, file, _, _ in documents:
        parent = os.path.dirname(file)
        folder = folders.get(parent)
        if folder is None:
            folder = folders[parent] = shown(Path(parent))
        key, ok = store.peek(file, file.name if folder == "." else os.path.join(folder, file.name))
        keys.append(key)
        valid.append(ok)
    plan: list[tuple[int, int, str, Any]] = []  # per block: start, end, its key, its merged outcome if stored
    found: dict[int, Outcome] = {}
    missing = []
    start = 0
    for end in _block_ends(documents):
        block_key = hashlib.sha256("\n".join(keys[start:end]).encode()).hexdigest()
        merged = store.block(block_key) if all(valid[start:end]) else None
        if merged is not None:
            for _, file, _, _ in documents[start:end]:
                store.keep(file)
        else:
            for at in range(start, end):
                index, file, _, _ = documents[at]
                frozen = store.take(file) if valid[at] else None
                if frozen is not None:
                    found[index] = _thaw(frozen, index, file, blank)
                else:
                    missing.append(documents[at])
        plan.append((start, end, block_key, merged))
        start = end
    checked = _outcomes(missing, context, None, False, workers, remember=True)
    for start, end, block_key, merged in plan:
        if merged is not None:
            ids, loading_findings, unreadable, findings, gathered = merged
            part = documents[start:end]
            yield Block([(index, record_id) for (index, _, _, _), record_id in zip(part, ids)], loading_findings,
                        unreadable, findings, [fresh if rule is None else rule for fresh, rule in zip(blank, gathered)],
                        partial(_singles, part, store))
            continue
        frozen_all: list[tuple[Any, ...]] | None = []
        for at in range(start, end):
            index, file, _, _ = documents[at]
            outcome = found.get(index) or next(checked)
            if index not in found and keys[at] and outcome.named and outcome.loading.entry is None:
                store.put(file, keys[at], outcome.page, _freeze(outcome))  # what a document alone gave
            elif index not in found:
                frozen_all = None  # not stored: the block is not either
            if frozen_all is not None:
                frozen_all.append(_freeze(outcome))
            yield outcome
        if frozen_all:
            store.put_block(block_key, _merged(frozen_all, blank))
    for _ in checked:  # pragma: no cover - every one was taken; this lets the pool close
        pass


def _singles(part: list[Item], store: Cache) -> list[Outcome]:
    """Each document of a block on its own, from the cache (see :attr:`Block.singles`)."""
    blank = [make() for make in RULES]
    outcomes = []
    for index, file, _, _ in part:
        frozen = store.stored(file)
        outcomes.append(_thaw(frozen, index, file, blank))
    return outcomes


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def validate(paths: Iterable[Path], *, keep: bool = False, prepare: Prepare | None = None, sink: Sink | None = None,
             workers: int | None = None, cache: bool = False) -> Validation:
    """Validate the records under ``paths``: load each against its model, then apply every rule.

    With ``keep`` the valid documents are kept in the result as well (for tools and tests that
    want the records; an archive's documents then all stay in memory). With ``prepare`` and
    ``sink``, each document kept is also processed: ``prepare(document)`` runs in the worker that
    checked it, ``sink(document_id, prepared)`` here. Documents are handed over before the last
    rule has run, so a build must still refuse to publish when the findings hold an error.
    ``workers`` is the number of processes (default: one per core). With ``cache`` (and neither
    ``keep`` nor ``sink``), the outcome of each document is taken from and stored in the cache
    of :mod:`armistice.rules.cache` when there is a single records root.

    Raises :class:`armistice.records.files.UsageError` when the paths do not name records.
    """
    files, findings, report, root = plan(list(paths))
    registry = Collection(root=root)
    documents: list[tuple[str, int, Path, Path]] = []
    for index, (file, file_root) in enumerate(files):
        if file.parent.name == Document.folder:
            documents.append((file.stem, index, file, file_root))
        else:
            admit(load_entry(file, file_root), registry, findings)
    documents.sort(key=lambda item: (item[0], item[1]))
    context = make_context(registry)
    for kind in registry.by_kind:
        for entry in registry.by_kind[kind].values():
            entry.loaded.drop_tree()  # kept to the end (and inherited by workers): a finding parses again
    rules = [make() for make in RULES]
    accepted: dict[str, int] = {}  # document id -> the index of the file kept under it
    held: list[Outcome] = []  # documents whose file is not named after their id
    kept: dict[str, Entry] = {}

    def accept(outcome: Outcome) -> None:
        assert outcome.record_id is not None
        accepted[outcome.record_id] = outcome.index
        findings.extend(outcome.findings)
        for rule, gathered in zip(rules, outcome.rules):
            rule.merge(gathered)
        if sink is not None and outcome.prepared is not None:
            sink(outcome.record_id, outcome.prepared)
        if keep and outcome.loading.entry is not None:
            kept[outcome.record_id] = outcome.loading.entry

    stems = Counter(stem for stem, _, _, _ in documents)  # a name shared by two roots' documents: solo
    items = [(index, file, file_root, stems[stem] > 1) for stem, index, file, file_root in documents]
    store = None
    outcomes: Iterator[Outcome | Block | Gathered]
    if cache and not keep and sink is None and root is not None:
        store = Cache(location(root), registry_key(root, context.base, [
            (shown(file), file) for file, _ in files if file.parent.name != Document.folder]))
        outcomes = _cached_outcomes(items, context, store, workers or jobs())
    else:
        outcomes = _gathered(_results(items, context, prepare if sink is not None else None, keep, workers or jobs()))
    def blocks_expanded(outcomes: Iterator[Outcome | Block | Gathered]) -> Iterator[Outcome | Block | Gathered]:
        for outcome in outcomes:
            if isinstance(outcome, Block) and any(record_id is not None and record_id in accepted
                                                  for _, record_id in outcome.documents):
                yield from outcome.singles()  # one of its ids is taken: each document settles on its own
            else:
                yield outcome

    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()  # the registry, its lookups and the models live to the end: no collection need scan them
    try:
        for outcome in blocks_expanded(outcomes):
            if isinstance(outcome, Gathered):  # a chunk's documents kept for certain: what their rules gathered
                for rule, gathered in zip(rules, outcome.rules):
                    rule.merge(gathered)
                continue
            if isinstance(outcome, Block):
                registry.files += len(outcome.documents)
                findings.extend(outcome.loading_findings)
                for kind, stem in outcome.unreadable:
                    registry.unreadable[kind].add(stem)
                accepted.update((record_id, index) for index, record_id in outcome.documents if record_id is not None)
                findings.extend(outcome.findings)
                for rule, gathered in zip(rules, outcome.rules):
                    rule.merge(gathered)
                continue
            registry.files += 1
            findings.extend(outcome.loading.findings)
            for kind, stem in outcome.loading.unreadable:
                registry.unreadable[kind].add(stem)
            if outcome.record_id is None:
                continue
            if not outcome.named:
                held.append(outcome)
            elif outcome.record_id in accepted:  # two files named after one id, in two records roots (solo: see _chunk)
                file = files[outcome.index][0]
                findings.append(duplicate(Loaded(shown(file), None, file=file), outcome.record_id,
                                          shown(files[accepted[outcome.record_id]][0])))
            else:
                accept(outcome)
    finally:
        if frozen:
            gc.unfreeze()
    for outcome in _settle(held, accepted, [file for file, _ in files], findings):
        accept(outcome)

    for kind in registry.by_kind:  # the registry's own records, checked here
        for entry in registry.entries(kind):
            for rule in rules:
                findings.extend(rule.check(entry, context))
    finishing = replace(context, unreadable=unreadable_ids(registry))  # every file read: complete now
    for rule in rules:
        findings.extend(rule.finish(finishing))
    registry.by_kind[Document.record_kind].update(kept)
    if store is not None:
        store.save()
    if report is not None:
        findings = [f for f in findings if f.path in report]
    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.column, f.field))
    return Validation([f for f in ordered if f.severity != "note"], registry.files, registry,
                      store.reused if store is not None else 0, [f for f in ordered if f.severity == "note"])


def _settle(held: list[Outcome], accepted: dict[str, int], files: list[Path], findings: list[Finding]) -> list[Outcome]:
    """The held-back documents to keep; the others are reported as duplicates.

    For each id, the files that hold it (the held ones, and the one named after it if it was kept)
    are taken in the order files are read, each displacing the one kept so far only when it is
    named after the id and that one is not: what :func:`armistice.records.files.admit` does when
    every record is read in turn.
    """
    by_id: dict[str, list[tuple[int, Outcome | None]]] = {}
    for outcome in held:
        assert outcome.record_id is not None
        by_id.setdefault(outcome.record_id, []).append((outcome.index, outcome))
    settled = []
    for record_id, contenders in by_id.items():
        if record_id in accepted:
            contenders.append((accepted[record_id], None))  # None: the file named after the id, already kept
        contenders.sort(key=lambda contender: contender[0])
        kept = contenders[0]
        for contender in contenders[1:]:
            if kept[1] is not None and contender[1] is None:
                findings.append(_duplicate(kept[1], record_id, shown(files[contender[0]])))
                kept = contender
            else:
                findings.append(_duplicate(contender[1], record_id, shown(files[kept[0]])))  # type: ignore[arg-type]
        if kept[1] is not None:
            settled.append(kept[1])
    return settled


def _duplicate(outcome: Outcome, record_id: str, kept: str) -> Finding:
    assert outcome.loading.entry is not None  # held-back documents are sent back whole
    return duplicate(outcome.loading.entry.loaded, record_id, kept)
