"""Faults: a build killed mid-way never leaves a half-written file, and the next build succeeds."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO, VALID

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
