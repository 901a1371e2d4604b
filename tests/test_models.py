"""The models say what each field means, once: markers on the fields, one walk over them, one map of kinds.

What a field is to the rest of the package (a reference, a partial date, the source's own words, a web
address) is a marker on the field, read through `models.fields`; what a record kind is called (its
name, folder and table) is said once on its class. These tests hold the markers to what the fields
do: a field marked verbatim is one `armistice validate` checks against the text, a field marked a
partial date validates as one, and the kind names agree everywhere a user meets them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from ruamel.yaml import YAML

from armistice import cli
from armistice.dates import PARTIAL_DATE_PATTERN
from armistice.models import (
    KIND_BY_FOLDER,
    KIND_BY_NAME,
    RECORD_KINDS,
    WITHDRAWABLE,
    Agenda,
    AgendaItem,
    Document,
    Message,
    RecordKind,
    Reference,
    fields,
    reference_values,
    verbatim_paths,
    verbatim_values,
)
from armistice.publish.tables import table_by_name
from armistice.records.findings import format_field
from armistice.records.loading import load_file
from conftest import VALID, run_cli

DOCUMENT = VALID / "records" / "documents" / "1951-03-02-telegram-7.yaml"


def _models() -> list[type[BaseModel]]:
    """Every model a record is made of: the record kinds and their parts, each once."""
    found: list[type[BaseModel]] = []
    stack: list[type[BaseModel]] = list(RECORD_KINDS)
    while stack:
        model = stack.pop()
        if model not in found:
            found.append(model)
            stack += [spec.base for spec in fields(model) if spec.is_model]
    return found


def _document() -> Document:
    return Document.model_validate(load_file(DOCUMENT, str(DOCUMENT)).data)


def test_the_field_walk_describes_every_field_as_pydantic_validates_it() -> None:
    for model in _models():
        specs = fields(model)
        assert [spec.name for spec in specs] == list(model.model_fields), model.__name__
        for spec, info in zip(specs, model.model_fields.values()):
            assert spec.required == info.is_required(), f"{model.__name__}.{spec.name}"
            assert spec.description == info.description, f"{model.__name__}.{spec.name}"
            if spec.optional:
                TypeAdapter(spec.annotation).validate_python(None)  # None is accepted where the walk says so


def test_a_field_is_marked_a_partial_date_exactly_when_it_validates_as_one() -> None:
    for model in _models():
        for spec in fields(model):
            if spec.many or spec.base is not str:
                continue
            schema = TypeAdapter(spec.annotation).json_schema()
            schema = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
            assert spec.partial == (schema.get("pattern") == PARTIAL_DATE_PATTERN), f"{model.__name__}.{spec.name}"
            if spec.partial:
                adapter = TypeAdapter(spec.annotation)
                assert adapter.validate_python("1951-08") == "1951-08"
                with pytest.raises(ValueError):
                    adapter.validate_python("1951-02-30")


def test_references_are_found_from_the_markers_in_the_order_of_the_fields() -> None:
    found = list(reference_values(_document()))
    assert found == [
        (("sender",), "person", "ana-sender"),
        (("recipients", 0), "person", "ben-reader"),
        (("origin", "place"), "place", "hilltown"),
        (("handling", 0, "by"), "person", "clerkson"),
        (("messages", 0, "sender"), "person", "cora-clerk"),
        (("messages", 0, "recipients", 0), "person", "ana-sender"),
        (("mentioned_places", 0), "place", "rivermouth"),
        (("topics", 0), "topic", "travel"),
        (("events", 0), "event", "1951-03-01-arrival-at-rivermouth"),
    ]
    assert all(kind in KIND_BY_NAME for _path, kind, _id in found), "every reference names a record kind"


def _set(data: Any, path: tuple[str | int, ...], value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


VERBATIM_MESSAGE = {"document": "not found verbatim", "page": "is not one of the references the page lists"}


@pytest.mark.parametrize("within", sorted(VERBATIM_MESSAGE))
def test_every_field_marked_verbatim_is_checked_against_its_text(valid_root: Path, within: str) -> None:
    """Change any value the markers call verbatim and `armistice validate` reports that very field."""
    original = valid_root / DOCUMENT.relative_to(VALID)
    values = list(verbatim_values(_document(), within))
    assert values, f"the fixture document has fields that must occur in its {within}"
    yaml = YAML()
    yaml.preserve_quotes = True
    for path, value in values:
        assert value, path
        data = yaml.load(DOCUMENT.read_text(encoding="utf-8"))
        _set(data, path, "Words found in no text at all")
        with open(original, "w", encoding="utf-8") as stream:
            yaml.dump(data, stream)
        run = run_cli("validate", str(valid_root / "records"))
        assert run.exit_code == 1, path
        located = [line for line in run.lines if f": {format_field(path)}: " in line]
        assert located and all(VERBATIM_MESSAGE[within] in line for line in located), (path, run.output)
    original.write_bytes(DOCUMENT.read_bytes())
    assert run_cli("validate", str(valid_root / "records")).exit_code == 0


def test_words_of_a_quoted_message_are_checked_within_the_message() -> None:
    message = Message(
        id="m1", sender="ana-sender", recipients=["ben-reader"], text="Your telegram of 1 March. Agenda: 1. Peace.",
        refers_to=[Reference(description="An earlier telegram", as_written="Your telegram of 1 March")],
        agenda=Agenda(proposed_by="un-command", status="proposed", items=[AgendaItem(number=1, text="Peace.")]),
    )
    assert list(verbatim_values(message, "message")) == [
        (("refers_to", 0, "as_written"), "Your telegram of 1 March"),
        (("agenda", "items", 0, "text"), "Peace."),
    ]
    assert ("messages", "refers_to", "as_written") in verbatim_paths(Document, "message")
    assert ("messages", "refers_to", "as_written") not in verbatim_paths(Document, "document")
    assert ("messages", "text") in verbatim_paths(Document, "document")


def test_each_record_kind_is_named_once_and_the_same_everywhere() -> None:
    assert [model.record_kind for model in RECORD_KINDS] == cli.RECORD_KINDS, "the choices of `armistice new`"
    for model in RECORD_KINDS:
        assert KIND_BY_FOLDER[model.folder] is model and KIND_BY_NAME[model.record_kind] is model
        assert table_by_name(model.folder).kind == model.record_kind, "its table is named after its folder"
    assert [kind.value for kind in RecordKind] == [model.record_kind for model in WITHDRAWABLE]
    for kind, model in zip(RecordKind, WITHDRAWABLE):
        assert f"(records/{model.folder}/)" in kind.meaning, "a tombstone's kind says where such records live"
    assert "tombstone" not in {kind.value for kind in RecordKind}, "a tombstone is never withdrawn"
