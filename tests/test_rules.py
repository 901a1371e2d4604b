"""Every validation rule has a valid fixture and an invalid one, with the exact message and place.

``tests/fixtures/valid/`` is a small records root that passes every rule. Each folder in
``tests/fixtures/invalid/`` lays one mistake over a copy of it; its ``expected.txt`` holds the exact
lines ``armistice validate`` must print, one located line per problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from armistice.models import RECORD_KINDS, Document
from armistice.records.files import load_entry
from armistice.rules import engine, validate
from conftest import INVALID, overlay, run_cli

CASES = sorted(path for path in INVALID.iterdir() if path.is_dir())


def test_the_valid_fixture_passes_every_rule(valid_root: Path) -> None:
    run = run_cli("validate", "records")
    assert run.exception is None
    assert run.lines == [] and run.exit_code == 0, run.output


@pytest.fixture(params=[1, 2], ids=["in-process", "two-workers"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the validator in this process, or with two worker processes sharing even one or two documents."""
    monkeypatch.setattr(engine, "jobs", lambda: request.param)
    if request.param > 1:
        monkeypatch.setattr(engine, "SERIAL_BELOW", 0)
        monkeypatch.setattr(engine, "CHUNK", 1)
    return request.param


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_mistake_gives_its_located_message(case: Path, workers: int, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether documents are checked here or by two workers, the same lines, in the same order."""
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
    assert "0 errors, 1 warning, " in run.output  # and a note: what the page does not give


def test_kept_records_are_the_valid_records_read_from_their_files(valid_root: Path, workers: int) -> None:
    """``keep=True`` hands back every valid record, documents included, as its file validates alone;
    without it the documents only stream through."""
    kept = validate([Path("records")], keep=True)
    assert kept.findings == []
    for model in RECORD_KINDS:
        files = sorted((valid_root / "records" / model.folder).glob("*.yaml"))
        expected = [load_entry(file, Path("records")).entry.record for file in files]  # type: ignore[union-attr]
        assert [entry.record for entry in kept.records.entries(model.record_kind)] == expected, model.folder
    streamed = validate([Path("records")])
    assert streamed.records.entries("document") == []
    assert streamed.findings == [] and streamed.files == kept.files


def test_of_two_documents_with_one_id_the_one_named_after_it_is_kept(tmp_path: Path, workers: int,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The copies are reported and not checked, whichever worker read which file first; one record
    is kept, from the file named after the id, and only it is handed to a build."""
    overlay(INVALID / "duplicate-document-id", tmp_path)
    monkeypatch.chdir(tmp_path)
    given: list[str] = []
    result = validate([Path("records")], keep=True, prepare=_id_of, sink=lambda _id, prepared: given.append(prepared))
    (document,) = result.records.entries("document")
    assert document.file.name == f"{document.record.id}.yaml"
    assert given == [document.record.id]
    copies = sorted(path.name for path in (tmp_path / "records" / "documents").glob("*.yaml") if path.name != document.file.name)
    assert [(Path(f.path).name, f.field) for f in result.findings] == [(name, "id") for name in copies]
    assert all(f"duplicate id {document.record.id!r}" in f.message for f in result.findings)


def _id_of(document: Document) -> str:
    return document.id


def test_validate_says_plainly_what_each_page_does_not_give(valid_root: Path) -> None:
    """Each value a page lacks (the record's source.not_on_page) is stated on every run, as a note: on
    standard error beside the count, so stdout still holds only problems and the exit status stays 0."""
    import subprocess
    import sys

    lacking = {}
    for file in sorted((valid_root / "records" / Document.folder).glob("*.yaml")):
        record = load_entry(file, Path("records")).entry.record  # type: ignore[union-attr]
        if record.source.not_on_page:
            lacking[f"records/{Document.folder}/{file.name}"] = [item.value for item in record.source.not_on_page]
    assert lacking, "the valid fixture has a page that lacks some values"
    result = subprocess.run([sys.executable, "-m", "armistice.cli", "validate"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == ""
    notes = [line for line in result.stderr.splitlines() if ": note: " in line]
    assert len(notes) == len(lacking)
    for note, (path, items) in zip(notes, lacking.items(), strict=True):
        assert note.startswith(f"{path}:") and "source.not_on_page: the page" in note
        assert note.endswith("does not give: " + ", ".join(items))
    assert f", {len(lacking)} note{'s' if len(lacking) > 1 else ''} in " in result.stderr.splitlines()[-1]
