"""The models are the single source of truth: what is generated from them is committed and current."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from armistice.models import RECORD_KINDS, Vocabulary
from armistice.records import dictionary, schemas
from armistice.rules import validate
from conftest import REPO


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
