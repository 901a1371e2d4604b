"""The benchmark runs (at a tiny N, so it cannot rot) and prints its table and the targets.

The numbers themselves are not asserted: speed is measured by `make bench`, not by timed tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_the_benchmark_prints_its_tables(tmp_path: Path) -> None:
    """Every target of the performance issue gets its row (holds or not, with the figure), each size
    its line, and the steps of a document their times: the quick subset of `make bench`."""
    run = subprocess.run([sys.executable, "scripts/bench.py", "--sizes", "8,12", "--runs", "1", "--queries", "3",
                          "--explorer-seconds", "1", "--work", str(tmp_path)], cwd=REPO, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("| documents | files |") for line in lines)
    rows = [line for line in lines if line.startswith("| 8 |") or line.startswith("| 12 |")]
    assert len(rows) == 2 and all(" s |" in row for row in rows)
    assert "JSON API" in run.stdout

    def targets(start: str) -> list[str]:
        found = [line for line in lines if line.startswith(f"| {start}")]
        assert all(line.split(" | ")[1] in ("yes", "NO") for line in found), found
        return found

    assert len(targets("1. validate <= 1.0x floor at ")) == 2
    assert len(targets("2. build <= 2x floor at ")) == 2
    assert len(targets("3. validate after one record changes < 1 s at ")) == 2  # every size when 10,000 is not one
    assert targets("4. ") and targets("5. ")  # the explorer's rows, or why they are missing
    assert len(targets("validate <= 1.5x floor")) == 2 and targets("peak memory <= 1 GiB")
    steps = [line for line in lines if line.startswith("| rule `")]
    assert len(steps) >= 10 and all(float(line.split(" | ")[-1].rstrip(" |")) >= 0 for line in steps)
    assert any(line.startswith("| **validate, every step** |") for line in lines)


def test_synthetic_records_are_reproducible_and_valid(tmp_path: Path) -> None:
    """Two runs give the same bytes, records and kept pages alike, and the records validate."""
    for name in ("a", "b"):
        subprocess.run([sys.executable, "scripts/synth.py", "--count", "30", "--out", str(tmp_path / name / "records")],
                       cwd=REPO, check=True, capture_output=True)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len([f for f in files if f.parts[:2] == ("records", "documents")]) == 30
    assert len([f for f in files if f.parts[0] == "sources"]) == 30
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    check = subprocess.run([str(Path(sys.executable).parent / "armistice"), "validate", str(tmp_path / "a" / "records")],
                           cwd=REPO, capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == "", check.stdout


def test_synth_refuses_to_write_inside_records(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "scripts/synth.py", "--count", "3", "--out", "records/synthetic"],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 2 and "must not be inside" in run.stderr
    assert not (REPO / "records/synthetic").exists()
