"""Every validation rule has a valid fixture and an invalid one, with the exact message and place.

``tests/fixtures/valid/`` is a small records root that passes every rule. Each folder in
``tests/fixtures/invalid/`` lays one mistake over a copy of it; its ``expected.txt`` holds the exact
lines ``armistice validate`` must print, one located line per problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from armistice.models import RECORD_KINDS, Document
from armistice.records.files import load_entry
from armistice.rules import engine, validate
from conftest import INVALID, REPO, overlay, run_cli

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


def _hostile_corpus(root: Path, broken: bool) -> tuple[list[Path], dict[str, str]]:
    """A synthetic corpus laid out so that documents are kept late, or not at all, and the rules
    gathered across documents all report: copies of one id under other names (held back), a file
    not named after its id, two files of one id neither named after it, a second records root with
    a file of the same name, an unknown reference, a spelling, a quotation and an event no document
    holds; with ``broken``, documents that do not load too. Gives the paths to validate and, per
    kind of mistake, what its finding says (worked out from the records changed)."""
    import shutil

    sys.path.insert(0, str(REPO / "scripts"))
    import synth

    synth.write(24, root / "records")
    documents = sorted((root / "records" / "documents").glob("*.yaml"))
    people = sorted((root / "records" / "people").glob("*.yaml"))
    shutil.copyfile(documents[3], documents[3].with_name("0-" + documents[3].name))  # before the one named after it
    shutil.copyfile(documents[12], documents[12].with_name(documents[12].stem + "-copy.yaml"))
    documents[8].rename(documents[8].with_name("z-renamed.yaml"))
    documents[16].rename(documents[16].with_name("a-one.yaml"))
    shutil.copyfile(documents[16].with_name("a-one.yaml"), documents[16].with_name("b-two.yaml"))
    other = root / "more" / "records" / "documents"
    other.mkdir(parents=True)
    text = documents[20].read_text(encoding="utf-8")  # not kept, so what it names counts for nothing
    (other / documents[20].name).write_text(text.replace("\ntitle: ", "\ntitle: Nowhere Usedname, ", 1), encoding="utf-8")
    text = documents[5].read_text(encoding="utf-8")
    documents[5].write_text(text.replace("\nsender: ", "\nsender: nobody-known\n# sender: ", 1), encoding="utf-8")
    text = people[2].read_text(encoding="utf-8")
    people[2].write_text(text.replace("spellings:\n", "spellings:\n- Nowhere Usedname\n", 1), encoding="utf-8")
    text = people[4].read_text(encoding="utf-8")
    people[4].write_text(text.replace("identified_by:\n", f"identified_by:\n- basis: document\n  document: {documents[10].stem}"
                                      "\n  words: not in there at all\n", 1), encoding="utf-8")
    event = sorted((root / "records" / "events").glob("*.yaml"))[0]
    (event.parent / "1953-01-01-unreported.yaml").write_text(
        event.read_text(encoding="utf-8").replace(event.stem, "1953-01-01-unreported"), encoding="utf-8")
    if broken:
        documents[14].write_text("id: [unclosed\n", encoding="utf-8")
        documents[18].write_text(documents[18].read_text(encoding="utf-8") + "id: again\n", encoding="utf-8")
    expected = {"held copy": f"duplicate id '{documents[3].stem}'", "named copy": f"duplicate id '{documents[12].stem}'",
                "renamed": "differs from the file name 'z-renamed.yaml'", "neither named": f"duplicate id '{documents[16].stem}'",
                "other root": f"duplicate id '{documents[20].stem}'", "unknown": "unknown person 'nobody-known'",
                "quotation": "does not have 'not in there at all'", "event": "no document reports this event"}
    if not broken:
        expected["spelling"] = "'Nowhere Usedname' occurs in no document's"
    return [Path("records"), Path("more/records")], expected


@pytest.mark.parametrize("broken", [False, True], ids=["all-load", "some-broken"])
def test_workers_merging_their_chunks_report_what_one_process_reports(tmp_path: Path, broken: bool,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers add up what the rules gather over each chunk and send one merged set back; the
    documents that may not be kept (held back, or sharing a file name across roots) send their own.
    Whatever the chunk size, the findings, notes, kept records and rows handed over are those of
    one process checking every document in turn."""
    paths, expected = _hostile_corpus(tmp_path, broken)
    monkeypatch.chdir(tmp_path)

    def run(workers: int) -> tuple[object, ...]:
        given: list[str] = []
        result = validate(paths, workers=workers, keep=True, prepare=_id_of, sink=lambda _id, prepared: given.append(prepared))
        streamed = validate(paths, workers=workers)
        assert streamed.findings == result.findings and streamed.notes == result.notes
        kept = {kind: [entry.file for entry in result.records.entries(kind)] for kind in result.records.by_kind}
        return result.findings, result.notes, result.files, kept, given

    alone = run(1)
    for what, words in expected.items():
        assert any(words in finding.message for finding in alone[0]), what
    monkeypatch.setattr(engine, "SERIAL_BELOW", 0)
    for chunk in (1, 3, 32):
        monkeypatch.setattr(engine, "CHUNK", chunk)
        monkeypatch.setattr(engine, "MIN_CHUNK", min(chunk, engine.MIN_CHUNK))
        assert run(2) == alone, chunk
