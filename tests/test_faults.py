"""Faults: a build killed, full, refused or raced never leaves a mixed package, and the next build succeeds.

A build stopped at a chosen step of the swap (``ARMISTICE_TEST_PAUSE_AT``, see armistice.publish.swap)
leaves the whole old package or the whole new one for every command that reads it; a full disk
anywhere while staging is one clear message; a rename that fails half-way is finished by the next
reader, and nothing reads the package until then; a second build into the same folder is refused.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from armistice.publish import package as pkg
from armistice.publish import swap
from conftest import REPO, VALID, run_cli

DOCUMENT = "records/documents/1951-03-02-telegram-7.yaml"


def _big_root(root: Path, copies: int = 400) -> None:
    """The valid fixture with its document copied under new ids, so a build takes a second or two."""
    shutil.copytree(VALID, root, dirs_exist_ok=True)
    shutil.copy(REPO / "dataset.yaml", root / "dataset.yaml")
    source = (root / DOCUMENT).read_text()
    for number in range(1, copies):
        record_id = f"1951-03-02-telegram-7-copy-{number}"
        (root / "records/documents" / f"{record_id}.yaml").write_text(
            source.replace("id: 1951-03-02-telegram-7\n", f"id: {record_id}\n"))


def _build(root: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "armistice.cli", "build", "--records", str(root / "records"),
                             "--out", str(out)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_a_build_killed_mid_way_leaves_whole_files_and_the_next_build_succeeds(tmp_path: Path) -> None:
    root, out, reference = tmp_path / "root", tmp_path / "out", tmp_path / "reference"
    _big_root(root)
    assert _build(root, out).wait() == 0
    previous = _outputs(out)
    topic = root / "records/topics/travel.yaml"
    topic.write_text(topic.read_text().replace("Journeys of the correspondents.", "Journeys and arrivals."))
    assert _build(root, reference).wait() == 0
    expected = _outputs(reference)
    assert expected != previous
    for delay in (0.3, 0.6, 0.9, 1.2):
        process = _build(root, out)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name, content in _outputs(out).items():
            if name.startswith(".build-"):
                continue  # the killed build's own staging folder, never a published path
            assert content in (previous.get(name), expected.get(name)), f"{name} is half-written after a kill at {delay}s"
    assert _build(root, out).wait() == 0
    assert _outputs(out) == expected
    assert not list(out.glob(".build-*")), "the next build clears what a killed one left"


# --- the swap, stopped at each of its steps ---------------------------------------------------------


def _published(out: Path) -> dict[str, bytes]:
    """The package's published files: the descriptor, every CSV and Parquet file in data/, the database."""
    files = [out / "datapackage.json", *sorted((out / "data").glob("*.csv")),
             *sorted((out / "data" / "parquet").glob("*.parquet")), out / "dist" / pkg.DATABASE_NAME]
    return {str(path.relative_to(out)): path.read_bytes() for path in files if path.is_file()}


def _assert_whole(out: Path) -> None:
    """Every resource of the descriptor is in data/ with the size and SHA-256 the descriptor gives, and
    data/ holds no other CSV or Parquet file: the descriptor and its files come from one build."""
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    listed = {resource["path"] for resource in descriptor["resources"]}
    assert {f"data/{path.name}" for path in (out / "data").glob("*.csv")} | \
        {f"data/parquet/{path.name}" for path in (out / "data" / "parquet").glob("*.parquet")} == listed
    for resource in descriptor["resources"]:
        content = (out / resource["path"]).read_bytes()
        assert (len(content), "sha256:" + hashlib.sha256(content).hexdigest()) == (resource["bytes"], resource["hash"]), \
            f"{resource['path']} is not the file the descriptor describes"


def _fixture_root(root: Path) -> None:
    shutil.copytree(VALID, root, dirs_exist_ok=True)
    shutil.copy(REPO / "dataset.yaml", root / "dataset.yaml")


def _edit_topic(root: Path) -> None:
    topic = root / "records/topics/travel.yaml"
    topic.write_text(topic.read_text().replace("Journeys of the correspondents.", "Journeys and arrivals."))


def _build_child(root: Path, out: Path, pause: str) -> int:
    """Build ``root`` into ``out`` in a forked child told to stop at a step (``step`` or ``step:stop``); its pid.

    Forked rather than started afresh so that stopping at each of thirty steps takes seconds; the
    child runs the same build as `armistice build` and never returns into pytest.
    """
    pid = os.fork()
    if pid == 0:
        status = 3
        try:
            os.environ[swap.PAUSE_AT] = pause
            pkg.build(root / "records", out, root / "dataset.yaml", workers=1)
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)
    return pid


def _read_with_diff(root: Path, reference: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("diff", ".", str(reference)).exit_code == 0


def _read_with_serve(root: Path, reference: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from armistice.explore import serve

    launched: list = []
    monkeypatch.setenv(serve.SERVE_ENVIRONMENT, "")  # serve sets it for its workers: removed after the test
    monkeypatch.setattr(serve, "listen", launched.append)  # the server's settings, no server
    assert run_cli("serve").exit_code == 0 and launched, "serve reached Datasette"


def _read_with_build(root: Path, reference: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("build").exit_code == 0


READERS: list[tuple[Callable[[Path, Path, pytest.MonkeyPatch], None], bool]] = [
    (_read_with_diff, False), (_read_with_serve, True), (_read_with_build, True)]
"""Every command that reads a package, and whether it builds first (serve does, the records being newer)."""


def test_a_build_killed_at_any_step_of_the_swap_leaves_the_old_package_or_the_new_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, reference, pristine = tmp_path / "root", tmp_path / "reference", tmp_path / "pristine"
    _fixture_root(root)
    monkeypatch.chdir(root)
    assert run_cli("build").exit_code == 0
    shutil.copytree(root, pristine, symlinks=True)
    old = _published(root)
    _edit_topic(root)
    edited = (root / "records/topics/travel.yaml").read_bytes()
    pkg.build(root / "records", reference, root / "dataset.yaml")
    new = _published(reference)
    assert new != old
    renames = len(new)  # every published file is one rename
    steps = ["preflight", "journal", *(f"moved-{n}" for n in range(1, renames + 1)), "removed", "published"]
    for number, step in enumerate(steps):
        work = tmp_path / f"killed-at-{step}"
        shutil.copytree(pristine, work, symlinks=True)
        (work / "records/topics/travel.yaml").write_bytes(edited)
        monkeypatch.chdir(work)
        _, status = os.waitpid(_build_child(work, work, step), 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"the build never reached {step}"
        read, rebuilds = READERS[number % len(READERS)]
        read(work, reference, monkeypatch)
        expected = old if step == "preflight" and not rebuilds else new  # the journal commits the new package
        assert _published(work) == expected, f"killed at {step}, {read.__name__} did not see one whole package"
        _assert_whole(work)
        assert not list(work.glob(".build-*/journal.json")), f"killed at {step}: the swap was left unfinished"


def test_a_second_build_into_the_same_folder_is_refused_and_the_first_finishes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, reference = tmp_path / "root", tmp_path / "reference"
    _fixture_root(root)
    monkeypatch.chdir(root)
    assert run_cli("build").exit_code == 0
    _edit_topic(root)
    pkg.build(root / "records", reference, root / "dataset.yaml")
    first = _build_child(root, root, "preflight:stop")  # staged, checked, holding the build lock
    try:
        _, status = os.waitpid(first, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the first build never reached its swap"
        staged = sorted(root.glob(".build-*"))
        assert staged, "the first build's staging folder"
        second = run_cli("build")
        assert second.exit_code == 1 and second.exception is None
        assert "build failed: another build is writing into .; nothing was built" in second.output
        assert sorted(root.glob(".build-*")) == staged, "the second build removed the first's staging folder"
    finally:
        with contextlib.suppress(ProcessLookupError):  # already gone if it never stopped
            os.kill(first, signal.SIGCONT)
    _, status = os.waitpid(first, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the first build did not finish"
    assert _published(root) == _published(reference)
    assert not list(root.glob(".build-*"))


def test_a_rename_failing_after_the_preflight_is_finished_by_the_next_reader(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, reference = tmp_path / "root", tmp_path / "reference"
    _fixture_root(root)
    monkeypatch.chdir(root)
    assert run_cli("build").exit_code == 0
    names = sorted(path.name for path in (root / "data").glob("*.csv"))
    victim = names[len(names) // 2]  # half-way through the renames
    _edit_topic(root)
    pkg.build(root / "records", reference, root / "dataset.yaml")
    replace = os.replace

    def failing(source: Any, target: Any) -> None:
        if Path(target).name == victim:
            raise OSError(errno.EIO, "Input/output error", str(target))
        replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    run = run_cli("build")
    assert run.exit_code == 1 and run.exception is None
    assert "build failed: publishing into . stopped half-way: Input/output error" in run.output
    assert "the next `armistice build` finishes it" in run.output
    refused = run_cli("diff", ".", str(reference))
    assert refused.exit_code == 1 and "stopped half-way" in refused.output, "a mixed package must not be read"
    monkeypatch.setattr(os, "replace", replace)  # the disk is mended
    assert run_cli("diff", ".", str(reference)).exit_code == 0
    assert _published(root) == _published(reference)
    _assert_whole(root)
    assert not list(root.glob(".build-*"))


# --- a full disk while staging ---------------------------------------------------------------------


class _FullDisk(io.RawIOBase):
    """A file on a disk with ``room[0]`` bytes left, shared by every file: a write beyond it fails with ENOSPC."""

    def __init__(self, path: Any, room: list[int]):
        self.file, self.room = open(path, "wb", buffering=0), room

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.room[0] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = self.file.write(bytes(data[:self.room[0]]))
        self.room[0] -= written
        return written

    def close(self) -> None:
        self.file.close()
        super().close()


def _sqlite_full(*args: object) -> None:
    raise sqlite3.OperationalError("database or disk is full")


def _csv_room(left: Callable[[int], int]) -> Callable[[pytest.MonkeyPatch, int], None]:
    def fault(monkeypatch: pytest.MonkeyPatch, csv_bytes: int) -> None:
        room = [left(csv_bytes)]
        monkeypatch.setattr(pkg, "open", lambda path, mode: io.BufferedWriter(_FullDisk(path, room)), raising=False)
    return fault


def _database_full(step: str) -> Callable[[pytest.MonkeyPatch, int], None]:
    def fault(monkeypatch: pytest.MonkeyPatch, csv_bytes: int) -> None:
        monkeypatch.setattr(pkg.database, step, _sqlite_full)
    return fault


def _file_full(name: str) -> Callable[[pytest.MonkeyPatch, int], None]:
    def fault(monkeypatch: pytest.MonkeyPatch, csv_bytes: int) -> None:
        write = swap.write_file

        def full(path: Path, content: bytes) -> None:
            if path.name == name:
                raise OSError(errno.ENOSPC, "No space left on device")
            write(path, content)

        monkeypatch.setattr(swap, "write_file", full)
    return fault


FULL_DISK = {
    "csv-no-room": (_csv_room(lambda size: 0), "No space left on device"),
    "csv-a-third": (_csv_room(lambda size: size // 3), "No space left on device"),
    "csv-all-but-a-byte": (_csv_room(lambda size: size - 1), "No space left on device"),
    "database-created": (_database_full("create"), "database or disk is full"),
    "database-rows": (_database_full("insert"), "database or disk is full"),
    "database-indexes": (_database_full("finish"), "database or disk is full"),
    "descriptor": (_file_full("datapackage.json"), "No space left on device"),
    "journal": (_file_full("journal.json.tmp"), "No space left on device"),
}


@pytest.mark.parametrize("where", FULL_DISK)
def test_a_full_disk_anywhere_while_staging_is_a_clear_error_and_publishes_nothing(
        where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    _fixture_root(root)
    monkeypatch.chdir(root)
    assert run_cli("build").exit_code == 0
    before = _published(root)
    _edit_topic(root)
    pkg.build(root / "records", tmp_path / "reference", root / "dataset.yaml")
    csv_bytes = sum(len(content) for name, content in _published(tmp_path / "reference").items()
                    if name.endswith(".csv"))  # what the build has to write
    fault, reason = FULL_DISK[where]
    fault(monkeypatch, csv_bytes)
    run = run_cli("build")
    assert run.exception is None, f"a traceback when the disk fills at {where}"
    assert run.exit_code == 1 and f"build failed: cannot write to .: {reason}" in run.output
    assert _published(root) == before
    assert not list(root.glob(".build-*"))
