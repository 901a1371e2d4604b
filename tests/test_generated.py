"""The models are the single source of truth: what is generated from them is committed and current."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from armistice import derived
from armistice.cli import derived_files
from armistice.models import RECORD_KINDS, Vocabulary
from armistice.records import dictionary, schemas
from armistice.rules import validate
from conftest import FIXTURES, REPO, run_cli
from corpus import withdraw


def _all_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    stack: list[typing.Any] = list(RECORD_KINDS)
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item in found:
                continue
            found.append(item)
            stack.extend(info.annotation for info in item.model_fields.values())
        else:
            stack.extend(typing.get_args(item))
    return found


def test_committed_json_schemas_are_current() -> None:
    for name, content in schemas.generated().items():
        committed = (REPO / "schema" / name).read_text(encoding="utf-8")
        assert committed == content, f"schema/{name} is stale: run `make generate`"


def test_records_readme_is_current() -> None:
    collection = validate([REPO / "records"], keep=True).records
    topics = [entry.record for entry in collection.entries("topic")]
    records = [entry.record for kind in collection.by_kind for entry in collection.entries(kind)]
    committed = (REPO / "records" / "README.md").read_text(encoding="utf-8")
    assert committed == dictionary.render(topics, records), "records/README.md is stale: run `make generate`"


def test_every_field_of_every_model_is_described() -> None:
    for model in _all_models():
        for name, info in model.model_fields.items():
            assert info.description and len(info.description) > 10, f"{model.__name__}.{name} has no description"


def test_every_vocabulary_value_has_a_meaning() -> None:
    for vocabulary in Vocabulary.__subclasses__():
        for member in vocabulary:
            assert member.meaning, f"{vocabulary.__name__}.{member.name} has no meaning"


def test_the_readme_documents_every_field() -> None:
    readme = (REPO / "records" / "README.md").read_text(encoding="utf-8")
    for model in _all_models():
        assert f"### {model.__name__}" in readme
        for name in model.model_fields:
            assert f"| `{name}` |" in readme, f"{model.__name__}.{name} missing from records/README.md"


def test_every_record_file_points_its_editor_at_its_schema() -> None:
    for model in RECORD_KINDS:
        for path in sorted((REPO / "records" / model.folder).glob("*.yaml")):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            assert first == schemas.schema_comment(model), path


def test_every_test_and_case_named_in_testing_md_exists() -> None:
    import re

    text = (REPO / "TESTING.md").read_text(encoding="utf-8")
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    for name in re.findall(r"`(?:tests/[\w/]+\.py::)?(test_\w+)`", text):
        assert f"def {name}(" in sources, f"TESTING.md names {name}, which does not exist"
    cases = {p.name for p in (REPO / "tests/fixtures/invalid").iterdir()}
    for name in re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", text):
        if not name.startswith("test"):
            assert name in cases, f"TESTING.md names fixture case {name}, which does not exist"
    for case in cases:
        assert f"`{case}`" in text, f"fixture case {case} is not listed in TESTING.md"


# --- what follows from the records is generated, and follows any change of the corpus -------------


PAGE = FIXTURES / "pages" / "worked-example.txt"
WORKED = FIXTURES / "worked-example" / "records"
REPOSITORY_FILES = ["records", "sources", "schema", "datasette", "data", "dataset.yaml", "datapackage.json",
                    "README.md", "CITATION.cff"]


def test_everything_derived_from_the_records_is_current() -> None:
    """Fails while dataset.yaml's title, description, years or coverage, the README's generated blocks,
    sources/README.md, records/README.md, CITATION.cff or the Datasette metadata differ from what the
    records give: run `armistice build` (or `make generate`)."""
    assert derived.stale(REPO, extra=derived_files()) == [], "stale: run `armistice build`"


def test_a_readme_block_the_build_does_not_know_is_a_located_error(tmp_path: Path) -> None:
    text = "# T\n\nintro\n<!-- generated:nonsense -->\nold\n<!-- /generated:nonsense -->\n"
    with pytest.raises(derived.DerivedError, match=r"README.md:4: generated block 'nonsense'"):
        derived.fill(text, {"opening": ""}, "README.md")


def _copy_repository(target: Path) -> Path:
    import shutil

    for name in REPOSITORY_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copyfile(source, target / name)
    return target


def _add_worked_example(root: Path, year: int) -> str:
    """Add CONTRIBUTING's worked example, dated ``year``, as its curator does: `armistice draft` the page,
    then the curated records in place of the draft. Returns the new document's id."""
    page = PAGE.read_text(encoding="utf-8").replace("1952", str(year))
    record_id = f"{year}-05-14-telegram-41"
    written = root / f"page-{year}.txt"
    written.write_text(page, encoding="utf-8")
    registry = {p for p in (root / "records").rglob("*.yaml") if p.parent.name != "documents"}
    run = run_cli("draft", str(written), "--id", record_id)
    assert run.exit_code == 0, run.output
    for proposed in {p for p in (root / "records").rglob("*.yaml") if p.parent.name != "documents"} - registry:
        proposed.unlink()  # a record the draft proposed: the curator decides it (here: the curated records below)
    drafted = yaml.safe_load((root / "records/documents" / f"{record_id}.yaml").read_text(encoding="utf-8"))
    kept = drafted["source"]["transcription"]
    for path in WORKED.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8").replace("1952-05-14-telegram-41", record_id)
        text = text.replace('"1952-05-14"', f'"{year}-05-14"').replace("May 14, 1952", f"May 14, {year}")
        original = yaml.safe_load(path.read_text(encoding="utf-8"))
        if original["id"] == "1952-05-14-telegram-41":
            text = text.replace(original["source"]["transcription"]["file"], kept["file"])
            text = text.replace(original["source"]["transcription"]["sha256"], kept["sha256"])
        name = record_id if original["id"] == "1952-05-14-telegram-41" else original["id"]
        (root / "records" / path.parent.name / f"{name}.yaml").write_text(text, encoding="utf-8")
    written.unlink()
    return record_id


def _latest_document(root: Path) -> str:
    return sorted((root / "records/documents").glob("*.yaml"))[-1].stem


CHANGES = {
    "withdraw-the-latest": ("withdraw",),
    "add-one-of-1952": ("add-1952",),
    "add-one-of-1949-and-withdraw-the-latest": ("add-1949", "withdraw"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_documented_workflow_follows_any_change_of_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  change: str) -> None:
    """Fails if, after a curator withdraws a document or adds one outside 1951 and runs CONTRIBUTING's
    commands (validate, fmt --check, build), the records do not validate, or the title, years, counts,
    citation and sources/README.md do not follow the records, or anything derived is left stale."""
    root = _copy_repository(tmp_path / "repository")
    monkeypatch.chdir(root)
    withdrawn = None
    for step in CHANGES[change]:
        if step == "withdraw":
            withdrawn = _latest_document(root)
            withdraw(root, withdrawn)
        else:
            _add_worked_example(root, int(step.split("-")[1]))
    for command in (["validate"], ["fmt", "--check"], ["build"]):  # the commands CONTRIBUTING.md names
        run = run_cli(*command)
        assert run.exit_code == 0, f"armistice {' '.join(command)}\n{run.output}"
    assert derived.stale(root, extra=derived_files()) == []

    documents = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((root / "records/documents").glob("*.yaml"))]
    years = sorted({int(d["date"][:4]) for d in documents})
    span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
    dataset = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))
    assert dataset["title"] == f"{dataset['short_title']}, {span}"
    assert dataset["coverage"]["documents"] == len(documents)
    assert [k for k in dataset["keywords"] if k.isdigit()] == sorted({d["date"][:4] for d in documents})
    assert dataset["description"].startswith(dataset["scope"]) and f"holds {len(documents)} documents" in dataset["description"]
    assert yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))["title"] == dataset["title"]
    assert json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["title"] == dataset["title"]
    assert f"{dataset['title']} (Version" in (root / "README.md").read_text(encoding="utf-8")
    opening = (root / "README.md").read_text(encoding="utf-8").split("<!-- /generated:opening -->")[0]
    assert f"holds {len(documents)} documents" in " ".join(opening.split())
    listed = (root / "sources/README.md").read_text(encoding="utf-8")
    for document in documents:
        assert f"`records/documents/{document['id']}.yaml`" in listed
    if withdrawn is not None:
        assert withdrawn not in listed and withdrawn not in opening
        assert (root / "records/tombstones" / f"{withdrawn}.yaml").is_file()
    assert run_cli("cite").output.count(dataset["title"]) == 1


def test_a_release_renames_the_current_release_in_the_readme_and_nothing_else() -> None:
    """The download examples name the current release's zip and folder; a release rewrites them (with
    the citation), while a reference to an earlier version stays as written."""
    from armistice.dataset import load_dataset

    dataset = load_dataset(REPO / "dataset.yaml").model_copy(update={"version": "3.1.4"})
    name = dataset.name
    text = (f"unzip {name}-1.0.0.zip\nopen {name}-2.0.0/data/documents.csv\n"
            "Cite the version you used (release 2.0.0 is the current one).\narmistice diff v1.0.0 .\n")
    assert derived.with_release_names(text, dataset) == (
        f"unzip {name}-3.1.4.zip\nopen {name}-3.1.4/data/documents.csv\n"
        "Cite the version you used (release 3.1.4 is the current one).\narmistice diff v1.0.0 .\n")
