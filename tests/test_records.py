"""The repository's own records: clean, complete and faithful to the kept sources.

Every test here holds for whatever documents the repository holds: each compares a record with its
own kept page (completeness is what `armistice draft` reads off that page), or checks what every
record must satisfy. No figure of the current records is written here.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from armistice.models import Document
from armistice.records.draft import draft
from armistice.rules import validate
from armistice.rules.fidelity import apply_corrections, source_body, squash
from conftest import REPO, run_cli


@pytest.fixture(scope="module")
def collection():
    result = validate([REPO / "records"], keep=True)
    assert result.findings == [], "\n".join(map(str, result.findings))
    return result.records


def document(collection, record_id: str) -> Document:
    record = collection.get("document", record_id)
    assert isinstance(record, Document), record_id
    return record


def test_the_records_validate_without_errors_or_warnings(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    run = run_cli("validate")
    assert run.exit_code == 0 and run.lines == [], run.output


def transcribing(collection, page: str) -> Document:
    """The document whose kept page is ``page``; the test is skipped when the page is no longer kept."""
    if not (REPO / "sources" / page).is_file():
        pytest.skip(f"sources/{page} is no longer kept: its document was withdrawn")
    found = [e.record for e in collection.entries("document") if e.record.source.transcription.file == f"sources/{page}"]
    assert len(found) == 1, page
    return found[0]


def _kept() -> list[str]:
    return sorted(p.name for p in (REPO / "sources").glob("*.txt"))


@pytest.mark.parametrize("page", _kept())
def test_each_record_holds_at_least_what_its_page_plainly_gives(collection, page) -> None:
    """Completeness measured against the page itself, for any document: the quoted telegrams, the
    archival references and the repairs that `armistice draft` reads off the kept page are all in the
    curated record (which may hold more: what a curator reads that the draft leaves open). The people
    and places its text names are checked by the grounding rule (an unlinked name is a warning, and
    the records have none)."""
    doc = transcribing(collection, page)
    drafted = draft(REPO / "sources" / page, REPO / "records", doc.id).record
    assert len(doc.messages) >= len(drafted.get("messages", []))
    assert len(doc.archival_references) >= len(drafted.get("archival_references", []))
    assert len(doc.corrections) >= len(drafted.get("corrections", []))


@pytest.mark.parametrize("page", _kept())
def test_each_text_equals_its_source_up_to_whitespace_and_recorded_repairs(collection, page) -> None:
    doc = transcribing(collection, page)
    raw = (REPO / "sources" / page).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == doc.source.transcription.sha256
    transcription = doc.source.transcription
    body = source_body(raw.decode("utf-8"), transcription.text_starts_after, transcription.text_ends_before)
    repaired, problems = apply_corrections(body, doc)
    assert problems == []
    assert squash(doc.text) == squash(repaired)
    # Paragraphs are kept: every paragraph of the source (repaired) is a paragraph of the record.
    ours = [squash(p) for p in doc.text.split("\n\n") if p.strip()]
    for paragraph in (squash(p) for p in repaired.split("\n\n") if p.strip()):
        assert any(paragraph in mine for mine in ours), paragraph[:80]


def test_every_kept_source_belongs_to_exactly_one_document(collection) -> None:
    kept = sorted(p.name for p in (REPO / "sources").glob("*.txt"))
    used = sorted(e.record.source.transcription.file.removeprefix("sources/") for e in collection.entries("document"))
    assert used == kept


def test_competing_agendas_are_numbered_lists_from_one(collection) -> None:
    agendas = [m.agenda for e in collection.entries("document") for m in e.record.messages if m.agenda]
    for agenda in agendas:
        assert [i.number for i in agenda.items] == list(range(1, len(agenda.items) + 1))
        assert all(item.text.strip() for item in agenda.items)


SLIPS = ["CABLi", "N^{o}", "N $^{\\circ}$", "<sup>", "Nam II", "Kim II Sung", "## "]
"""Slips of the seeds' transcriptions, which no record's text may keep."""
KEPT = ["[Stalin]", "[...]", "[Kindzyo]", "[Hamonten]", "[signature]", "Qiao Guanua", "Syngmann Rhee"]
"""Editorial marks and source spellings of the seed pages, which a record must keep where its page has them."""


def test_repairs_are_recorded_and_the_slips_are_gone(collection) -> None:
    texts = "\n".join(e.record.text for e in collection.entries("document"))
    for slip in SLIPS:
        assert slip not in texts, slip
    for entry in collection.entries("document"):
        doc = entry.record
        page = (REPO / doc.source.transcription.file).read_text(encoding="utf-8")
        body = source_body(page, doc.source.transcription.text_starts_after, doc.source.transcription.text_ends_before)
        for kept in KEPT:
            if kept in body:
                assert kept in doc.text, f"{doc.id}: editorial mark or source spelling {kept!r} must stay"


def test_names_and_identifications_are_recorded_not_guessed(collection) -> None:
    texts = "\n".join(f"{e.record.title}\n{e.record.text}" for e in collection.entries("document"))
    for entry in collection.entries("place"):
        place = entry.record
        if place.identification.value == "uncertain" or place.kind.value == "line":
            assert place.latitude is None and place.longitude is None, place.id
    code_names = {name for e in collection.entries("person") for name in e.record.code_names}
    for match in re.finditer(r"\b(?:TO|To) ([A-Z]+) \[([A-Z][a-z]+)\]", texts):  # 'TO FILIPPOV [Stalin]'
        assert match[1].title() in code_names, f"the code name {match[1]} is not recorded: {match[0]}"


def test_every_document_has_the_canonical_archive_address(collection) -> None:
    for entry in collection.entries("document"):
        source = entry.record.source
        if source.record_id is not None:
            assert source.url == f"https://digitalarchive.wilsoncenter.org/document/{source.record_id}"
        else:
            assert "record_id" in {item.value for item in source.not_on_page}
            assert re.fullmatch(r"https://digitalarchive\.wilsoncenter\.org/document/[a-z0-9]+(?:-[a-z0-9]+)*", source.url)
