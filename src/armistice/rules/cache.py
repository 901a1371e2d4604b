"""Remembers each document's validation outcome between runs, so an unchanged document is not checked again.

A document's outcome (its findings, and what every rule gathered from it for the collection-wide
part) depends on the bytes of its file, the bytes of its kept page, the registry it was checked
against, and the code that checked it. The cache stores the outcome under all of these, and takes
it back only when every one is the same:

- the **code**: a hash of the source of every module of the ``armistice`` package (models, rules,
  loading...) and the versions of Python, pydantic, pydantic-core and PyYAML. Editing a model or a
  rule, or upgrading a library, throws the whole cache away;
- the **registry**: a hash of the name and bytes of every record file that is not a document
  (people, places, topics, events, tombstones), and of the records root and where ``sources/`` lies;
- per document: the bytes of its file, the path findings show for it, and the bytes of the kept
  page it names (or that the page is missing).

Only the outcome of a document checked alone is stored: the cached rule objects are merged into
the run's as if just checked, so a cached document still takes part in every cross-record rule,
and :meth:`~armistice.rules.rule.Rule.finish` runs on every run. Nothing is cached for a file
that is not a regular file or whose record is not named after its file.

Reading 10,000 outcomes back one by one (unpickling each rule's gathered sets) cost half a second,
so the outcomes of runs of consecutive documents are also kept merged, as one block each
(:class:`armistice.rules.engine.Block`), under the hash of their documents' keys: a block comes
back whole only when every one of its documents would, and a changed document costs its own
block (about 128 documents, read one by one) and nothing else. Blocks end after a file whose name
hashes to 0 modulo the block size, so adding or removing a document does not shift the others.

Reading every byte again would cost more than the one-second budget at 10,000 documents, so, as
git does, each file's content hash is remembered with its ``stat`` (device, inode, size,
modification and change times). The remembered hash is trusted only when both times were already
more than :data:`SETTLE_NS` in the past when it was computed: a write made after that always moves
the change time, which no program can set back, so the ``stat`` differs and the file is hashed
again. The cache lives out of the repository, under ``$XDG_CACHE_HOME/armistice/`` (by default
``~/.cache/armistice/``), one SQLite file per records root; when it cannot be read or written,
validation runs uncached and says nothing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import stat
import sys
import time
from contextlib import closing
from functools import lru_cache
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core
import yaml

import armistice

SETTLE_NS = 2_000_000_000
"""How old a file's timestamps must be for its remembered hash to be trusted (covers coarse clocks)."""

SCHEMA = 3
"""The layout of the cache file; part of the code key."""

Signature = tuple[int, int, int, int, int]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of every source file of the armistice package and the versions of what checks records."""
    digest = hashlib.sha256(f"schema {SCHEMA}\n{sys.version}\n".encode())
    # the versions the imported modules state: what runs (reading the installed metadata costs more)
    for name, version in (("pydantic", pydantic.VERSION), ("pydantic-core", pydantic_core.__version__),
                          ("PyYAML", yaml.__version__)):
        digest.update(f"{name} {version}\n".encode())
    package = Path(armistice.__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()


def location(root: Path) -> Path:
    """The cache file of a records root: under $XDG_CACHE_HOME (or ~/.cache), named after the root's real path."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    name = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()[:20]
    return Path(base) / "armistice" / f"validate-{name}.sqlite"


def file_digest(path: Path | str) -> str | None:
    """The SHA-256 of a file's bytes (following links), or None when it is not a readable regular file."""
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as stream:
            return hashlib.sha256(stream.read()).hexdigest()
    except (OSError, ValueError):
        return None


def _signature(result: os.stat_result) -> Signature:
    return (result.st_dev, result.st_ino, result.st_size, result.st_mtime_ns, result.st_ctime_ns)


class Cache:
    """One run's view of the cache file: the outcomes found there, and those to write back.

    A class because a run reads the file once, consults it for each document and writes what
    changed once at the end.
    """

    def __init__(self, file: Path, key: str) -> None:
        self.file = file
        self.key = key
        self.started = time.time_ns()
        self.hashes: dict[str, tuple[Signature, str]] = {}
        self.outcomes: dict[str, tuple[Any, ...]] = {}
        """By file: its key, its kept page and the page's hash ("-": missing); the pickled outcome is
        read only when needed (:meth:`take`): most documents come back in a block."""
        self._reader: sqlite3.Connection | None = None
        self.blocks: dict[str, bytes] = {}
        """Merged outcomes of runs of consecutive documents, by the hash of their keys (see :meth:`block`)."""
        self.new_hashes: dict[str, tuple[Signature, str]] = {}
        self.new_outcomes: dict[str, tuple[str, str, str, bytes]] = {}
        self.new_blocks: dict[str, bytes] = {}
        self.reused = 0
        try:
            if file.is_file():
                with closing(_connect(file)) as db:
                    row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
                    if row is not None and row[0] == key:
                        self.hashes = {row[0]: (row[1:6], row[6]) for row in db.execute(
                            "SELECT path, dev, ino, size, mtime, ctime, digest FROM hashes")}
                        self.outcomes = {row[0]: row[1:] for row
                                         in db.execute("SELECT path, key, page, page_digest FROM outcomes")}
                        self.blocks = dict(db.execute("SELECT key, outcome FROM blocks"))
        except (OSError, sqlite3.Error, ValueError):
            self.hashes, self.outcomes, self.blocks = {}, {}, {}

    def digest(self, path: Path | str, result: os.stat_result | None = None) -> str | None:
        """The SHA-256 of a file's bytes (following links), or None when it is not a readable regular
        file; ``result`` is its ``stat`` when already taken."""
        name = str(path)
        try:
            result = result or os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(result.st_mode):
            return None
        signature = _signature(result)
        known = self.new_hashes.get(name) or self.hashes.get(name)
        if known is not None and known[0] == signature:
            self.new_hashes.setdefault(name, known)
            return known[1]
        value = file_digest(path)
        if value is None:
            return None
        if max(result.st_mtime_ns, result.st_ctime_ns) < self.started - SETTLE_NS:
            self.new_hashes[name] = (signature, value)  # else hashed again next time: it may change within a tick
        return value

    def get(self, file: Path, shown: str) -> tuple[str, Any | None]:
        """The file's key (empty when it is never cached) and its stored outcome, if still valid.

        The file is hashed here, before any worker reads it: were it written meanwhile, what is
        stored would be filed under the older bytes, and so never taken back.
        """
        key, valid = self.peek(file, shown)
        return key, self.take(file) if valid else None

    def peek(self, file: Path, shown: str) -> tuple[str, bool]:
        """The file's key (empty when it is never cached) and whether an outcome is stored for it
        that is still valid (its bytes and its kept page's are those it was checked with); nothing
        is read back yet (see :meth:`take`, :meth:`keep`)."""
        try:
            result = os.lstat(file)
        except OSError:
            return "", False
        if not stat.S_ISREG(result.st_mode):
            return "", False  # a link or anything else: checked every time
        own = self.digest(file, result)
        if own is None:
            return "", False
        key = f"{shown}\0{own}"
        found = self.outcomes.get(str(file))
        if found is None or found[0] != key:
            return key, False
        page, page_digest = found[1:3]
        if page and (self.digest(page) or "-") != page_digest:
            return key, False
        return key, True

    def take(self, file: Path) -> Any | None:
        """The stored outcome of a file :meth:`peek` found valid, read back (None if it cannot be)."""
        try:
            outcome = self.stored(file)
        except Exception:
            return None
        self.keep(file)
        return outcome

    def stored(self, file: Path) -> Any:
        """The outcome stored for a file :meth:`peek` found valid, read back from the cache file."""
        if self._reader is None:
            self._reader = _connect(self.file)
        row = self._reader.execute("SELECT outcome FROM outcomes WHERE path = ?", (str(file),)).fetchone()
        return pickle.loads(row[0])

    def keep(self, file: Path) -> None:
        """Count the stored outcome of a file :meth:`peek` found valid as used, and keep it."""
        self.new_outcomes[str(file)] = self.outcomes[str(file)]
        self.reused += 1

    def block(self, key: str) -> Any | None:
        """The merged outcome stored for a run of documents under ``key`` (a hash of their keys, in
        order), read back; None when there is none. Reading one merged outcome instead of a
        hundred documents' is what keeps a run with one change under a second at 10,000."""
        blob = self.blocks.get(key)
        if blob is None:
            return None
        try:
            merged = pickle.loads(blob)
        except Exception:
            return None
        self.new_blocks[key] = blob
        return merged

    def put_block(self, key: str, merged: Any) -> None:
        """Remember the merged outcome of a run of documents whose outcomes are all stored."""
        self.new_blocks[key] = pickle.dumps(merged, protocol=pickle.HIGHEST_PROTOCOL)

    def put(self, file: Path, key: str, page: tuple[Path, str | None] | None, outcome: Any) -> None:
        """Remember ``outcome`` for ``file`` under ``key`` and its kept page's hash (taken before it was read)."""
        page_path, page_digest = (str(page[0]), page[1] or "-") if page is not None else ("", "")
        if page is not None:
            self.digest(page[0])  # remembered with its stat for the next run; what is stored is the worker's hash
        self.new_outcomes[str(file)] = (key, page_path, page_digest,
                                        pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))

    def save(self) -> None:
        """Write this run's hashes and outcomes back, replacing what was there for the same paths."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if not self.new_outcomes and not self.new_hashes and set(self.new_blocks) == set(self.blocks):
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with closing(_connect(self.file)) as db, db:
                row = db.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
                if row is None or row[0] != self.key:
                    db.execute("DELETE FROM hashes")
                    db.execute("DELETE FROM outcomes")
                    db.execute("DELETE FROM blocks")
                    self.blocks = {}
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('key', ?)", (self.key,))
                changed = {p: v for p, v in self.new_hashes.items() if self.hashes.get(p) != v}
                db.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [(p, *sig, d) for p, (sig, d) in changed.items()])
                fresh = {p: v for p, v in self.new_outcomes.items() if self.outcomes.get(p) != v}
                db.executemany("INSERT OR REPLACE INTO outcomes VALUES (?, ?, ?, ?, ?)",
                               [(p, *value) for p, value in fresh.items()])
                # only the blocks of this run are kept: a changed document's old block is never asked for again
                db.executemany("DELETE FROM blocks WHERE key = ?", [(k,) for k in self.blocks if k not in self.new_blocks])
                db.executemany("INSERT OR REPLACE INTO blocks VALUES (?, ?)",
                               [(k, v) for k, v in self.new_blocks.items() if k not in self.blocks])
        except (OSError, sqlite3.Error):
            pass  # an unwritable cache only makes the next run slower


def _connect(file: Path) -> sqlite3.Connection:
    db = sqlite3.connect(file, timeout=5)
    db.executescript("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);"
                     "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, size INTEGER, "
                     "mtime INTEGER, ctime INTEGER, digest TEXT);"
                     "CREATE TABLE IF NOT EXISTS outcomes (path TEXT PRIMARY KEY, key TEXT, page TEXT, page_digest TEXT, "
                     "outcome BLOB);"
                     "CREATE TABLE IF NOT EXISTS blocks (key TEXT PRIMARY KEY, outcome BLOB);")
    return db


def registry_key(root: Path, base: Path, files: list[tuple[str, Path]]) -> str:
    """The key of everything every document is checked against: the code, where the records and
    pages lie, the working directory (paths are shown relative to it) and each registry file's
    name and bytes."""
    digest = hashlib.sha256(f"{code_version()}\0{root.resolve()}\0{base.resolve()}\0{os.getcwd()}\0".encode())
    for shown, path in files:
        digest.update(f"{shown}\0{file_digest(path) or '-'}\0".encode())
    return digest.hexdigest()
