"""Every validation rule has a valid fixture and an invalid one, with the exact message and place.

``tests/fixtures/valid/`` is a small records root that passes every rule. Each folder in
``tests/fixtures/invalid/`` lays one mistake over a copy of it; its ``expected.txt`` holds the exact
lines ``armistice validate`` must print, one located line per problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import INVALID, overlay, run_cli

CASES = sorted(path for path in INVALID.iterdir() if path.is_dir())


def test_the_valid_fixture_passes_every_rule(valid_root: Path) -> None:
    run = run_cli("validate", "records")
    assert run.exception is None
    assert run.lines == [] and run.exit_code == 0, run.output


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_mistake_gives_its_located_message(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    run = run_cli("validate", "records")
    assert run.exception is None, "a data problem must never raise"
    assert run.lines == expected
    has_error = any(": warning: " not in line for line in expected)
    assert run.exit_code == (1 if has_error else 0)


def test_warnings_alone_do_not_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(INVALID / "unlinked-name-warning", tmp_path)
    monkeypatch.chdir(tmp_path)
    run = run_cli("validate", "records")
    assert run.exit_code == 0
    assert "0 errors, 1 warning in 9 files" in run.output


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_parallel_pipeline_reports_what_the_in_memory_path_reports(case: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`armistice validate` streams documents through worker processes; on every fixture, forced to
    use two workers, it reports exactly what the in-memory validator reports."""
    from armistice.rules import validate as pipeline
    from armistice.rules.checks import validate

    overlay(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pipeline, "SERIAL_BELOW", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    _, expected = validate([Path("records")])
    result = pipeline.scan([Path("records")], workers=2)
    assert result.findings == expected
    assert result.files == validate([Path("records")])[0].files
