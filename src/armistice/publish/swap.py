"""Publishing a staged build whole: one build at a time, a journal of renames, nothing removed that a build did not write.

The published package lives in three places of the output folder: ``datapackage.json`` at the top,
``data/*.csv`` beside it and the database in ``dist/`` (the layout the project commits), so no single
rename can swap it. This module makes the swap whole all the same, and the argument goes:

1. **Staged in full.** The build writes its complete output (descriptor, CSV files, database) into a
   staging folder ``.build-XXXXXXXX/`` inside the output folder, in the published layout, and checks
   it there. Until the journal exists (3), nothing published has been touched, so any failure or
   crash leaves the old package whole.
2. **Preflight.** Before the journal, every rename and removal is checked to be possible: the target
   folders are folders (created empty when missing), on the staging folder's filesystem (a rename
   cannot cross filesystems), writable, and no target is a directory. The staged files are flushed to
   disk. A failure here is reported and nothing is published.
3. **Journal.** ``journal.json`` is written into the staging folder atomically (written aside,
   flushed, renamed). It lists every rename (staged file -> the same path in the output folder, with
   its size) and the files the build replaces but no longer writes. From this moment the new package
   is committed: every step after it is idempotent (a rename whose staged file is gone was done, as
   its target's size confirms), so it can be finished by anyone, any number of times.
4. **Roll forward.** The renames run, the database first and the descriptor last, then the removals;
   the journal is deleted, then the staging folder. Every command that reads a package (``build``,
   ``serve``, ``diff``, ``release``) first finishes a journal that a killed build left (:func:`settle`).
   So a reader sees the whole old package (a build stopped before 3) or the whole new one (after 3).
5. **Locks.** ``.build.lock`` in the output folder is held (``flock``, exclusive) for a whole build: a
   second build into the same folder is refused at once with a clear message rather than queued
   (it could otherwise publish older records last), and staging folders are removed as stale only by
   the holder, so never a live build's. The swap (3-4) holds an exclusive ``flock`` on the output
   folder itself, and :func:`reading` holds a shared one while a command reads, so a reader never
   reads in the middle of the renames.
6. **Ownership.** A build removes only what a build wrote: the CSV files of the resources that the
   descriptor it replaces lists (when it is a build of the same dataset), and stale staging folders
   that hold only what a build writes. Any other file in ``data/`` or the output folder is left alone.

A rename that fails after a good preflight (an I/O error) leaves the journal in place: the build
says so, and the next command finishes the swap once the cause is fixed; until then every command
that reads the package refuses with the same message rather than read a mixed one.

:func:`checkpoint` marks the steps where a test stops the process, to prove what a crash there leaves.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

STAGING_PREFIX = ".build-"
LOCK_NAME = ".build.lock"
JOURNAL_NAME = "journal.json"
DESCRIPTOR = "datapackage.json"
PAUSE_AT = "ARMISTICE_TEST_PAUSE_AT"
LOCK_WAIT = 30.0
"""Seconds a reader waits for a swap in progress (it takes milliseconds; a longer hold is a stuck process)."""

_STAGING_NAME = re.compile(re.escape(STAGING_PREFIX) + r"[a-z0-9_]{8}")  # the names tempfile.mkdtemp gives
_STAGED_ENTRIES = {"data", "dist", DESCRIPTOR, JOURNAL_NAME, JOURNAL_NAME + ".tmp"}
_RESOURCE_PATH = re.compile(r"data/[^/\\]+\.csv|data/parquet/[^/\\]+\.parquet")


class PublishError(Exception):
    """The output cannot be published, or an interrupted publish finished; the message says what was left."""


def checkpoint(step: str) -> None:
    """A named step of the publish where a test stops the process, to prove what a crash there leaves.

    With ``ARMISTICE_TEST_PAUSE_AT=<step>`` the process kills itself with SIGKILL at that step (no
    handler, no cleanup: as a power cut would); with ``<step>:stop`` it stops (SIGSTOP) until the test
    lets it go on (SIGCONT). The steps are ``preflight``, ``journal``, ``moved-N`` (after the N-th
    rename), ``removed`` and ``published``. Unset, it does nothing.
    """
    wanted = os.environ.get(PAUSE_AT)
    if not wanted:
        return
    name, _, how = wanted.partition(":")
    if name == step:
        os.kill(os.getpid(), signal.SIGSTOP if how == "stop" else signal.SIGKILL)


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` and flush it to the disk: a journal must never name data still in memory."""
    with open(path, "wb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------------------------
# Locks
# --------------------------------------------------------------------------------------------


@contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold ``out``'s build lock for one build; refuse (PublishError) while another build holds it."""
    try:
        descriptor = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise PublishError(f"cannot write to {out}: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"another build is writing into {out}; nothing was built: "
                               "wait for it to finish, then build again") from None
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextmanager
def _swap_lock(out: Path, exclusive: bool) -> Iterator[None]:
    """The lock on the output folder itself: exclusive for a swap, shared for readers."""
    descriptor = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError(f"{out}: another process has been publishing into it for {LOCK_WAIT:.0f} s; "
                                       "try again when it is done") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------------------------
# Reading: finish an interrupted swap first
# --------------------------------------------------------------------------------------------


def _pending(out: Path) -> list[Path]:
    """Staging folders holding a journal: swaps committed but not finished (at most one, by the locks)."""
    return sorted(path.parent for path in out.glob(STAGING_PREFIX + "*/" + JOURNAL_NAME)
                  if _STAGING_NAME.fullmatch(path.parent.name))


def settle(out: Path) -> None:
    """Finish the swap a killed build left half-done (roll forward), so what follows reads one whole package.

    Writes nothing when no swap is pending (or ``out`` is no folder). Raises PublishError when the
    swap cannot be finished; the message says why.
    """
    if not out.is_dir() or not _pending(out):
        return
    with _swap_lock(out, exclusive=True):
        for staged in _pending(out):  # read again under the lock: another reader may have finished it
            _finish(staged, out)


@contextmanager
def reading(out: Path) -> Iterator[None]:
    """Read the package in ``out`` whole: finish an interrupted swap, then keep any other out while reading."""
    settle(out)
    if not out.is_dir():
        yield
        return
    with _swap_lock(out, exclusive=False):
        yield


# --------------------------------------------------------------------------------------------
# The swap
# --------------------------------------------------------------------------------------------


def remove_stale(out: Path) -> None:
    """Remove the staging folders of builds that died. Only the holder of the build lock calls this,
    so none of them is live; a folder is removed only when it looks like a build's own (mkdtemp's
    name, nothing in it but what a build writes)."""
    for entry in out.glob(STAGING_PREFIX + "*"):
        if not _STAGING_NAME.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        if (entry / JOURNAL_NAME).exists() or not {child.name for child in entry.iterdir()} <= _STAGED_ENTRIES:
            continue
        shutil.rmtree(entry, ignore_errors=True)


def discard(staged: Path) -> None:
    """Remove a build's staging folder, unless it holds a journal (then the swap is still to be finished)."""
    if not (staged / JOURNAL_NAME).exists():
        shutil.rmtree(staged, ignore_errors=True)


def replaced(out: Path, staged: Path) -> set[str]:
    """The CSV files of the package being replaced: the resources of its descriptor, when that describes
    the same dataset as the staged one. Only these may be removed; any other file is someone else's."""
    try:
        old = json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))
        new = json.loads((staged / DESCRIPTOR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(old, dict) or not isinstance(new, dict) or old.get("name") != new.get("name"):
        return set()
    resources = old.get("resources")
    paths = {resource.get("path") for resource in resources if isinstance(resource, dict)} \
        if isinstance(resources, list) else set()
    return {path for path in paths if isinstance(path, str) and _RESOURCE_PATH.fullmatch(path)}


def preflight(staged: Path, out: Path, paths: list[str], remove: list[str]) -> None:
    """Every rename and removal of the swap is possible: checked before the first, so nothing is half-published."""
    device = os.stat(staged).st_dev
    for folder in sorted({(out / path).parent for path in [*paths, *remove]}):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise PublishError(f"{folder} is not a folder; nothing was published") from None
        except OSError as error:
            raise PublishError(f"cannot write to {folder}: {error.strerror or error}; nothing was published") from None
        if os.stat(folder).st_dev != device:
            raise PublishError(f"{folder} is on another filesystem than {out}: a build publishes by renaming its "
                               "staged files, which cannot cross filesystems; nothing was published")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PublishError(f"cannot write to {folder}: read-only or not permitted; nothing was published")
    for path in paths:
        target = out / path
        if os.path.lexists(target) and stat.S_ISDIR(os.lstat(target).st_mode):
            raise PublishError(f"{target} is a directory where the build publishes a file; nothing was published")


def publish(staged: Path, out: Path, paths: list[str]) -> None:
    """Swap the staged output in whole: preflight, journal, renames, removals (see the module's note).

    ``paths`` are the staged files, relative to ``staged`` and in the order they are renamed; each goes
    to the same relative path in ``out``. Raises PublishError; before the journal nothing published
    has changed, after it the swap is finished by the next command that reads the package.
    """
    remove = sorted(replaced(out, staged) - set(paths))
    preflight(staged, out, paths, remove)
    try:
        for path in paths:
            _fsync(staged / path)
        for folder in sorted({staged, *((staged / path).parent for path in paths)}):
            _fsync(folder)
    except OSError as error:
        raise PublishError(f"cannot write to {out}: {error.strerror or error}; nothing was published") from None
    checkpoint("preflight")
    with _swap_lock(out, exclusive=True):
        journal = {"moves": [[path, (staged / path).stat().st_size] for path in paths], "remove": remove}
        try:
            write_file(staged / (JOURNAL_NAME + ".tmp"), (json.dumps(journal, indent=1) + "\n").encode("utf-8"))
            os.replace(staged / (JOURNAL_NAME + ".tmp"), staged / JOURNAL_NAME)
            _fsync(staged)
        except OSError as error:
            (staged / JOURNAL_NAME).unlink(missing_ok=True)
            raise PublishError(f"cannot write to {out}: {error.strerror or error}; nothing was published") from None
        checkpoint("journal")
        _finish(staged, out)


def _safe(path: object) -> bool:
    if not isinstance(path, str) or not path:
        return False
    parts = PurePosixPath(path).parts
    return not PurePosixPath(path).is_absolute() and ".." not in parts and "\\" not in path


def _read_journal(staged: Path) -> tuple[list[tuple[str, int]], list[str]]:
    journal = staged / JOURNAL_NAME
    try:
        value = json.loads(journal.read_text(encoding="utf-8"))
        moves = [(path, size) for path, size in value["moves"]]
        remove = list(value["remove"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PublishError(f"{journal}: unreadable journal of an interrupted build ({error}); "
                           f"remove {staged} and build again") from None
    if not all(_safe(path) and isinstance(size, int) for path, size in moves) or not all(map(_safe, remove)):
        raise PublishError(f"{journal}: a path in the journal of an interrupted build leaves the output folder; "
                           f"remove {staged} and build again")
    return moves, remove


def _finish(staged: Path, out: Path) -> None:
    """Carry out the journal in ``staged`` (idempotent), then delete it and the staging folder."""
    moves, remove = _read_journal(staged)
    try:
        for number, (path, size) in enumerate(moves, 1):
            source, target = staged / path, out / path
            if os.path.lexists(source):
                os.replace(source, target)
            elif not (target.is_file() and target.stat().st_size == size):
                raise PublishError(f"cannot finish publishing {staged}: its {path} is gone and {target} is not it; "
                                   f"remove {staged} and build again")
            checkpoint(f"moved-{number}")
        for path in remove:
            target = out / path
            if os.path.lexists(target) and stat.S_ISREG(os.lstat(target).st_mode):
                target.unlink()
        checkpoint("removed")
        for folder in sorted({out, *((out / path).parent for path, _ in moves)}):
            _fsync(folder)
        (staged / JOURNAL_NAME).unlink()
    except OSError as error:
        raise PublishError(f"publishing into {out} stopped half-way: {error.strerror or error} "
                           f"({getattr(error, 'filename', None) or out}); the next `armistice build` finishes it "
                           "once that is fixed, and until then nothing reads the package") from None
    checkpoint("published")
    shutil.rmtree(staged, ignore_errors=True)
