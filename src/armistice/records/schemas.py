"""JSON Schemas for editors and plain validators, generated from the models.

Each record kind gets ``schema/<kind>.schema.json`` (Draft 2020-12). Records point at theirs with a
first line ``# yaml-language-server: $schema=../../schema/<kind>.schema.json`` so an editor checks
them while typing. The files are committed; a test regenerates them and fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from armistice.models import RECORD_KINDS, Record

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_name(model: type[Record]) -> str:
    return f"{model.record_kind}.schema.json"


def schema_comment(model: type[Record]) -> str:
    """The first line of every record file of this kind."""
    return f"# yaml-language-server: $schema=../../schema/{schema_name(model)}"


def json_schema(model: type[Record]) -> dict[str, Any]:
    """The JSON Schema of one record kind, with dialect and a stable key order."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": schema_name(model), **schema}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generated() -> dict[str, str]:
    """File name -> content for every schema file."""
    return {schema_name(model): render(json_schema(model)) for model in RECORD_KINDS}


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in generated().items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
