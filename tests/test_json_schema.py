"""An editor's JSON Schema check and `armistice validate` agree on every single record.

Records that the models accept pass a plain JSON Schema validator against ``schema/``, and the
reverse: every per-record mistake in the fixtures is refused by both. (Cross-record rules, such as
references and grounding, are beyond JSON Schema and are checked by ``armistice validate`` only.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from armistice.models import KIND_BY_FOLDER
from armistice.records.loading import LoadError, load_file
from conftest import INVALID, REPO, VALID


def _validator(folder: str) -> Draft202012Validator:
    schema = json.loads((REPO / "schema" / f"{KIND_BY_FOLDER[folder].record_kind}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _record_files() -> list[Path]:
    roots = [REPO / "records", VALID / "records"] + [case / "records" for case in sorted(INVALID.iterdir())]
    return [path for root in roots for folder in KIND_BY_FOLDER for path in sorted((root / folder).glob("*.yaml"))]


@pytest.mark.parametrize("path", _record_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_json_schema_and_models_agree(path: Path) -> None:
    try:
        data = load_file(path).data
    except LoadError:
        pytest.skip("not YAML a JSON Schema validator could read either")
    model = KIND_BY_FOLDER[path.parent.name]
    try:
        model.model_validate(data)
        models_accept = True
    except ValidationError:
        models_accept = False
    schema_errors = list(_validator(path.parent.name).iter_errors(data))
    assert models_accept == (not schema_errors), [e.message for e in schema_errors]
