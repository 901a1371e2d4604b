"""The repository's own records: clean, complete for each seed, and faithful to the kept sources.

A reader comparing a seed with its record should find nothing missing; these counts are what
completeness means for each of the five documents, and the text comparison proves that no
paragraph was dropped or changed beyond whitespace and the recorded repairs.
"""

from __future__ import annotations

import hashlib

import pytest

from armistice.models import Document
from armistice.rules import validate
from armistice.rules.fidelity import apply_corrections, source_body, squash
from armistice.rules.grounding import claimed_people, claimed_places
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


# seed, record id, messages, archival references, people, places, corrections (entries, repaired occurrences)
SEEDS = [
    ("000_9cf00891abe46533.txt", "1951-08-13-ciphered-telegram-22834", 1, 2, 10, 3, (2, 2)),
    ("001_a73fb120225a1bfb.txt", "1951-07-11-cable-21680", 4, 1, 11, 4, (4, 6)),
    ("002_af61676edd64bbc7.txt", "1951-08-27-ciphered-telegram-23256", 0, 3, 8, 8, (1, 1)),
    ("003_9f93c5bc8e2ae310.txt", "1951-11-01-ciphered-telegram-25465", 1, 1, 8, 3, (3, 6)),
    ("004_9ca81161b9bbe51c.txt", "1951-10-18-cable-25025", 1, 1, 12, 4, (1, 1)),
]


@pytest.mark.parametrize(("seed", "record_id", "messages", "references", "people", "places", "repairs"), SEEDS,
                         ids=[seed[0][:3] for seed in SEEDS])
def test_each_seed_is_curated_completely(collection, seed, record_id, messages, references, people, places, repairs) -> None:
    doc = document(collection, record_id)
    assert doc.source.transcription is not None and doc.source.transcription.file == f"sources/{seed}"
    assert len(doc.messages) == messages
    assert len(doc.archival_references) == references
    assert len({person for _, person in claimed_people(doc)}) == people
    assert len({place for _, place in claimed_places(doc)}) == places
    assert (len(doc.corrections), sum(c.count for c in doc.corrections)) == repairs


@pytest.mark.parametrize("seed", [s[0] for s in SEEDS], ids=[s[0][:3] for s in SEEDS])
def test_each_text_equals_its_source_up_to_whitespace_and_recorded_repairs(collection, seed) -> None:
    doc = next(d.record for d in collection.entries("document") if d.record.source.transcription.file == f"sources/{seed}")
    raw = (REPO / "sources" / seed).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == doc.source.transcription.sha256
    body = source_body(raw.decode("utf-8"), doc.source.transcription.text_starts_after)
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


def test_the_two_competing_agendas_of_10_july_are_numbered_lists(collection) -> None:
    doc = document(collection, "1951-07-11-cable-21680")
    agendas = {m.agenda.proposed_by.value: m.agenda for m in doc.messages if m.agenda}
    assert [i.number for i in agendas["korean-chinese"].items] == [1, 2, 3, 4, 5]
    assert [i.number for i in agendas["un-command"].items] == list(range(1, 10))
    assert "38th parallel" in agendas["korean-chinese"].items[1].text


def test_repairs_are_recorded_and_the_slips_are_gone(collection) -> None:
    texts = "\n".join(e.record.text for e in collection.entries("document"))
    for slip in ["CABLi", "N^{o}", "N $^{\\circ}$", "<sup>", "Nam II", "Kim II Sung", "## "]:
        assert slip not in texts, slip
    for kept in ["[Stalin]", "[...]", "[Kindzyo]", "[Hamonten]", "[signature]", "Qiao Guanua", "Syngmann Rhee"]:
        assert kept in texts, f"editorial mark or source spelling {kept!r} must stay"


def test_names_and_identifications_are_recorded_not_guessed(collection) -> None:
    stalin = collection.get("person", "joseph-stalin")
    assert "Filippov" in stalin.code_names
    kindzyo = collection.get("place", "kindzyo")
    assert kindzyo.identification.value == "uncertain" and kindzyo.latitude is None
    parallel = collection.get("place", "38th-parallel")
    assert parallel.kind.value == "line" and parallel.latitude is None
    assert "Hamonten" in collection.get("place", "panmunjom").spellings
    assert "Bunsan" in collection.get("place", "munsan").spellings
    assert {"Kaesong", "Gaeseong", "Kaeseong"} <= set(collection.get("place", "kaesong").spellings)


def test_every_document_has_the_canonical_archive_address(collection) -> None:
    for entry in collection.entries("document"):
        source = entry.record.source
        assert source.url == f"https://digitalarchive.wilsoncenter.org/document/{source.record_id}"
        assert source.retrieved_from.endswith(f"/document/{source.record_id}")
