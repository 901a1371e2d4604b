"""dataset.yaml, the dataset's own description: found, loaded and validated, and changed in place.

Every stage needs it: the build publishes it in ``datapackage.json``, Datasette shows its title,
licences and citation, ``armistice cite`` cites it, and ``armistice release`` sets its version and
date. It is read by the same hardened loader as the records (so a mistake in it is a located
finding, never a traceback) and validated against :class:`armistice.models.Dataset`.

The release changes two fields of it (and ``armistice doi`` one entry of ``version_dois``). The change is made by ruamel.yaml's round-trip mode, which
keeps the comments, the key order and each value's quoting, so the file a maintainer commits
differs from the one before in exactly those two lines; no regular expression edits the YAML.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import ScalarString

from armistice.models import Dataset
from armistice.records.files import model_findings
from armistice.records.findings import Finding
from armistice.records.loading import LoadError, load_file, parse_text

FILE_NAME = "dataset.yaml"


class DatasetError(Exception):
    """dataset.yaml is missing, unreadable or invalid; ``findings`` locate each problem."""

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.findings = findings or []


def find_dataset(records: Path) -> Path:
    """dataset.yaml beside the records root, else in the working directory."""
    for candidate in (records.parent / FILE_NAME, Path(FILE_NAME)):
        if candidate.is_file():
            return candidate
    raise DatasetError(f"no {FILE_NAME} beside {records} or in the working directory")


def load_dataset(path: Path) -> Dataset:
    """The dataset's description from ``path``, strictly validated like a record."""
    try:
        loaded = load_file(path)
    except LoadError as error:
        raise DatasetError(str(error.finding), [error.finding]) from None
    try:
        return Dataset.model_validate(loaded.data)
    except Exception as error:  # pydantic.ValidationError
        findings = model_findings(loaded, Dataset, error)  # type: ignore[arg-type]
        raise DatasetError(f"{path}: invalid dataset description", findings) from None


def version_in(text: str) -> str | None:
    """The ``version`` a dataset.yaml text declares, or None when it declares none or is unreadable.

    For old versions of the file found in the history, which need not satisfy today's model.
    """
    try:
        data = parse_text(text, FILE_NAME).data
    except LoadError:
        return None
    version = data.get("version")
    return version if isinstance(version, str) else None


def _round_trip() -> YAML:
    handler = YAML(typ="rt")
    handler.width = 4096  # never wrap: a changed value stays a one-line diff
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.preserve_quotes = True
    return handler


def with_fields(text: str, changes: dict[str, Any]) -> str:
    """``text`` with top-level ``changes`` made, everything else (comments, order, quoting) kept.

    A changed value keeps the quoting style of the value it replaces, so ``version: "1.0.0"``
    becomes ``version: "1.1.0"``; a new key is appended at the end. A mapping value (such as
    ``version_dois``) adds or replaces those entries of the mapping and keeps the others; an
    empty ``{}`` becomes a block mapping, one entry a line.
    """
    handler = _round_trip()
    tree = handler.load(text)
    if not hasattr(tree, "keys"):
        raise DatasetError(f"{FILE_NAME}: not a mapping of fields")
    for key, value in changes.items():
        old: Any = tree.get(key)
        if isinstance(value, dict):
            mapping = old if isinstance(old, CommentedMap) and old else CommentedMap()
            for entry, entry_value in value.items():
                mapping[entry] = entry_value
            tree[key] = mapping
            continue
        tree[key] = type(old)(value) if isinstance(old, ScalarString) else value
    stream = io.StringIO()
    handler.dump(tree, stream)
    return stream.getvalue()


def write_fields(source: Path, target: Path, changes: dict[str, Any]) -> Dataset:
    """Write ``source`` with ``changes`` made to ``target`` (which may be ``source``), and return
    the result validated; nothing is written when the result would be invalid."""
    text = with_fields(source.read_text(encoding="utf-8"), changes)
    loaded = parse_text(text, str(target))
    try:
        dataset = Dataset.model_validate(loaded.data)
    except Exception as error:  # pydantic.ValidationError
        findings = model_findings(loaded, Dataset, error)  # type: ignore[arg-type]
        raise DatasetError(f"{target}: the changed dataset description is invalid", findings) from None
    target.write_text(text, encoding="utf-8")
    return dataset
