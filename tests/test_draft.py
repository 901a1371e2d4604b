"""`armistice draft PAGE`: a record drafted from a page gets no value wrong and marks what it leaves open.

Each seed is drafted from its own kept page and compared with its curated record field by field
(iterating over the records, never naming one); synthetic pages in the current layout
(``tests/fixtures/pages/draft-*.txt``) are drafted against the valid fixture's registry and compared
with the record a curator makes of them (``draft-*.yaml`` beside each). The share filled comes from
that comparison. What the draft leaves open is reported by `armistice validate` until resolved.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
import yaml

from armistice.models import Document
from armistice.records.draft import compare_records, draft, filled
from armistice.records.fmt import format_text
from armistice.records.loading import load_file
from conftest import run_cli

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted((REPO / "records" / "documents").glob("*.yaml"))
PAGES = Path(__file__).parent / "fixtures" / "pages"
CURRENT = sorted(PAGES.glob("draft-*.txt"))
VALID = Path(__file__).parent / "fixtures" / "valid"
FILLED = 0.8
"""The share of a curated record's values (the curator's reading aside) a draft must have right."""


@pytest.mark.parametrize("seed", SEEDS, ids=[seed.stem for seed in SEEDS])
def test_a_drafted_seed_gets_no_value_wrong_and_every_page_value_right(seed: Path) -> None:
    """Fails if the draft invents or misreads any value, or leaves out a value the page gives."""
    curated = load_file(seed).data
    drafted = draft(REPO / curated["source"]["transcription"]["file"], REPO / "records", curated["id"]).data()
    counts = compare_records(drafted, curated)
    assert {group: c["wrong"] for group, c in counts.items() if c["wrong"]} == {}
    assert counts["page"]["open"] == 0 and counts["page"]["right"] > 0
    assert counts["text"]["right"] == 1  # the page's text, which the curated repairs turn into the record's
    assert filled(counts) >= FILLED, counts


@pytest.mark.parametrize("page", CURRENT, ids=[page.stem for page in CURRENT])
def test_a_current_layout_page_drafts_with_no_value_wrong(page: Path) -> None:
    """Fails if a synthetic current-layout page drafts a value its curated record does not have, or too few."""
    curated = load_file(page.with_suffix(".yaml")).data
    drafted = draft(page, VALID / "records").data()
    assert drafted["id"] == curated["id"]
    counts = compare_records(drafted, curated)
    assert {group: c["wrong"] for group, c in counts.items() if c["wrong"]} == {}
    assert counts["text"]["right"] == 1
    assert filled(counts) >= FILLED, counts
    # what the page does not give (its address, the translation's language) is open, and said so
    assert all(entry.startswith("source.") for entry in drafted["draft_open"] if "the page does not" in entry)


def test_a_page_without_record_id_or_references_keeps_its_slug_address(valid_root: Path) -> None:
    """Fails if an empty 'Record ID', a slug address or a missing reference is misread or goes unsaid."""
    page = PAGES / "draft-current-slug.txt"
    run = run_cli("draft", str(page))
    assert run.exit_code == 0, run.output
    written = next(Path("records/documents").glob("*-telegram-12.yaml"))
    record = load_file(written).data
    assert "record_id" not in record["source"] and "record_id" in record["source"]["not_on_page"]
    assert "archival_references" in record["source"]["not_on_page"] and not record.get("archival_references")
    slug = record["source"]["retrieved_from"].rsplit("/", 1)[1]
    assert record["source"]["url"].endswith("/document/" + slug) and not slug.isdigit()
    run = run_cli("validate", "records")
    assert run.exit_code == 1 and _only_open_values_reported(run.lines, record["draft_open"]), run.output


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS, ids=[seed.stem for seed in SEEDS])
def test_a_drafted_seed_validates_except_for_what_it_leaves_open(seed: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails if a draft written in place of the seed has an error other than its open values."""
    for folder in ("records", "sources"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    (tmp_path / "records" / "documents" / seed.name).unlink()
    monkeypatch.chdir(tmp_path)
    curated = load_file(seed).data
    run = run_cli("draft", curated["source"]["transcription"]["file"], "--id", curated["id"])
    assert run.exit_code == 0, run.output
    written = load_file(Path("records/documents") / seed.name).data
    assert written["source"]["transcription"] == curated["source"]["transcription"]  # the kept page, by name
    assert run_cli("fmt", "--check", "records").exit_code == 0  # canonical form
    run = run_cli("validate", "records")
    mine = [line for line in run.lines if line.startswith(f"records/documents/{seed.name}:")]
    assert run.exit_code == 1 and _only_open_values_reported(mine, written["draft_open"]), run.output
    others = [line for line in run.lines if ".yaml:" in line and line not in mine and ": warning: " not in line]
    # a spelling only the curator's repair of a transcription slip brings into the text ('Nam II' -> 'Nam Il'),
    # and the registry's quotations of the repaired words: the draft leaves repairs to the curator
    repaired = [c["corrected"] for c in curated.get("corrections", [])]
    assert all("occurs in no document's title, summary or text" in line
               or (": a basis in the" in line and any(word in line for word in repaired)) for line in others), run.output


def _only_open_values_reported(lines: list[str], open_: list[str]) -> bool:
    """Every error names an entry of draft_open, or a field one of them leaves open; each entry is reported."""
    fields = [line.split(": ")[1] for line in lines if ".yaml:" in line and ": warning: " not in line]
    allowed = {f"draft_open[{i}]" for i in range(len(open_))} | {entry.split(":")[0] for entry in open_}
    reported = {f"draft_open[{i}]" for i in range(len(open_))} <= set(fields) or any(
        f in {entry.split(":")[0] for entry in open_} for f in fields)  # model errors come before the rules
    return bool(fields) and set(fields) <= allowed and reported


def test_a_page_in_the_current_layout_drafts_with_its_open_values_reported(valid_root: Path) -> None:
    """Fails if a current-layout page is misread, or a required value it lacks goes unreported."""
    run = run_cli("draft", str(PAGES / "current-layout.txt"), "--id", "1950-06-05-telegram-9")
    assert run.exit_code == 0, run.output
    record = load_file(Path("records/documents/1950-06-05-telegram-9.yaml")).data
    kept = Path(record["source"]["transcription"]["file"])
    assert kept.read_bytes() == (PAGES / "current-layout.txt").read_bytes()
    assert record["source"]["transcription"]["text_ends_before"].endswith("Summary")
    assert record["markings"][0]["as_written"] in record["text"]
    assert "record_id" in record["source"]["not_on_page"]
    run = run_cli("validate", "records")
    assert run.exit_code == 1 and _only_open_values_reported(run.lines, record["draft_open"]), run.output


def test_drafting_never_overwrites_a_record(valid_root: Path) -> None:
    """Fails if a draft replaces a curated record of the same id."""
    existing = next(Path("records/documents").glob("*.yaml"))
    before = existing.read_bytes()
    run = run_cli("draft", "sources/sample.txt", "--id", existing.stem)
    assert run.exit_code == 1 and run.exception is None and "never overwrites" in run.output
    assert existing.read_bytes() == before


def test_a_name_the_registry_lacks_is_proposed_as_a_new_record(valid_root: Path) -> None:
    """Fails if an unrecorded name is guessed into an existing id, or its proposed record goes unreported."""
    run = run_cli("draft", str(PAGES / "draft-current-forwarded.txt"))
    assert run.exit_code == 0, run.output
    record = load_file(next(Path("records/documents").glob("*-ciphered-telegram-31.yaml"))).data
    links = [entry for entry in record["draft_open"] if "proposed for" in entry]
    assert links and all(entry.split(":")[0].endswith(".by") for entry in links)
    proposed = [Path("records") / entry.split("links ")[1].split(",")[0] for entry in links]
    for path in proposed:
        person = load_file(path).data
        assert person["identification"] == "uncertain" and person["spellings"] == [person["name"]]
        assert " ".join(person["identified_by"][0]["words"].split()) in " ".join(record["text"].split())
    # the curator settles the two required values this page does not give, so that every rule runs
    written = next(Path("records/documents").glob("*-ciphered-telegram-31.yaml"))
    record["source"]["retrieved_from"] = "https://digitalarchive.wilsoncenter.org/document/731"
    record["source"]["translation_language"] = "en"
    record["draft_open"] = [entry for entry in record["draft_open"] if not entry.startswith("source.")]
    written.write_text(format_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), Document))
    run = run_cli("validate", "records")
    assert run.exit_code == 1 and _only_open_values_reported(run.lines, record["draft_open"]), run.output
    assert all(f"draft_open[{i}]" in run.output for i in range(len(record["draft_open"])))  # the rules ran


def test_a_placeholder_is_reported_even_once_its_entry_is_removed(valid_root: Path) -> None:
    """Fails if deleting draft_open is enough to publish a value the draft worded itself."""
    run = run_cli("draft", str(PAGES / "draft-current-forwarded.txt"))
    assert run.exit_code == 0, run.output
    written = next(Path("records/documents").glob("*-ciphered-telegram-31.yaml"))
    record = load_file(written).data
    record["source"]["retrieved_from"] = "https://digitalarchive.wilsoncenter.org/document/731"
    record["source"]["translation_language"] = "en"
    del record["draft_open"]
    written.write_text(format_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), Document))
    run = run_cli("validate", "records")
    placeholders = [line for line in run.lines if "a placeholder armistice draft wrote" in line]
    assert run.exit_code == 1 and placeholders, run.output
    assert any(": messages[0].refers_to[0].description: " in line for line in placeholders)
    assert any(": corrections[0].reason: " in line for line in placeholders)


def test_the_comparison_counts_open_wrong_and_invented_values() -> None:
    """Fails if a value marked open is credited, or a misread or invented value is not counted wrong."""
    curated = {"id": "x", "kind": "cable", "number": "7", "sender": "a", "text": "T\n",
               "handling": [{"action": "printed", "by": "b"}]}
    drafted = {"id": "x", "kind": "cable", "number": "8", "sender": "a", "issuer": "INVENTED", "text": "T\n",
               "handling": [{"action": "printed", "by": "b"}], "draft_open": ["handling[0].by: check"]}
    counts = compare_records(drafted, curated)
    assert counts["header"] == {"right": 2, "open": 0, "wrong": 2}  # kind, sender right; number, issuer wrong
    assert counts["notes"] == {"right": 1, "open": 1, "wrong": 0}  # the open 'by' is not credited
    assert counts["text"]["right"] == 1
    assert filled(counts) == 4 / 5


def test_the_published_draft_tables_are_current() -> None:
    """Fails if BENCHMARKS.md's draft tables are not what scripts/draft_report.py prints today."""
    spec = importlib.util.spec_from_file_location("draft_report", REPO / "scripts" / "draft_report.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    published = (REPO / "BENCHMARKS.md").read_text(encoding="utf-8")
    for lines, _ in (module.report(REPO / "records"), module.synthetic()):
        assert "\n".join(lines) in published, "run: PYTHONPATH=src .venv/bin/python scripts/draft_report.py"
