"""Changing a copy of the corpus the way a curator would, for tests that must hold for any corpus.

``withdraw`` takes a document out as CONTRIBUTING.md says a record goes: its file is deleted, its kept
page too (when no other record names it), a tombstone is left, and what only it needed goes with it:
the bases in the registry that quote its words, the spellings only it used, the events only it
reported, and the records no document names any more. Each of those edits is one the validator asks
for (the loop below reads its findings), so the result is a corpus a curator could have committed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from armistice.models import KIND_BY_FOLDER
from armistice.records.fmt import format_file
from armistice.rules import validate

_PART = re.compile(r"\.(\w+)|\[(\d+)\]")


def _yaml() -> YAML:
    handler = YAML(typ="rt")
    handler.width = 4096
    handler.preserve_quotes = True
    return handler


def _parts(field: str) -> list[str | int]:
    head = field.partition("[")[0]
    parts: list[str | int] = [head.split(".")[0]]
    for name, index in _PART.findall(field[len(parts[0]):]):
        parts.append(int(index) if index else name)
    return parts


def _drop(file: Path, fields: list[str]) -> None:
    """Remove, from ``file``, the list item each field path ends in (``roles[1].document`` -> roles[1])."""
    handler = _yaml()
    tree = handler.load(file.read_text(encoding="utf-8"))
    targets: list[tuple[list[str | int], int]] = []
    for field in fields:
        parts = _parts(field)
        last = max((i for i, part in enumerate(parts) if isinstance(part, int)), default=None)
        if last is None:
            continue
        targets.append((parts[:last], int(parts[last])))
    for path, index in sorted(targets, key=lambda item: (str(item[0]), -item[1])):
        node: Any = tree
        for part in path:
            node = node[part]
        if index < len(node):
            del node[index]
    for key in [key for key, value in tree.items() if isinstance(value, list) and not value]:
        del tree[key]
    with file.open("w", encoding="utf-8") as stream:
        handler.dump(tree, stream)
    format_file(file, str(file), write=True)


def _rebase(file: Path, records: Path) -> bool:
    """Give a registry record whose every basis quoted the withdrawn document a basis in another
    document's own words: the first document whose text names it under one of its spellings (as the
    grounding rule reads names: whole words, any case). False when no document names it any more."""
    handler = _yaml()
    tree = handler.load(file.read_text(encoding="utf-8"))
    spellings = [str(s) for s in tree.get("spellings") or []] + [str(s) for s in tree.get("code_names") or []]
    for path in sorted((records / "documents").glob("*.yaml")):
        text = str(handler.load(path.read_text(encoding="utf-8")).get("text") or "")
        for spelling in spellings:
            match = re.search(rf"(?<!\w){re.escape(spelling)}(?!\w)", text, re.IGNORECASE)
            if match:
                tree["identified_by"] = [{"basis": "document", "document": path.stem, "words": match[0]}]
                with file.open("w", encoding="utf-8") as stream:
                    handler.dump(tree, stream)
                format_file(file, str(file), write=True)
                return True
    return False


def _tombstone(records: Path, record_id: str, kind: str, version: str, reason: str) -> None:
    (records / "tombstones" / f"{record_id}.yaml").write_text(
        "# yaml-language-server: $schema=../../schema/tombstone.schema.json\n"
        f"id: {record_id}\nkind: {kind}\nwithdrawn_in: \"{version}\"\nreason: {reason}\n", encoding="utf-8")
    path = records / "tombstones" / f"{record_id}.yaml"
    format_file(path, str(path), write=True)


def withdraw(root: Path, document_id: str, version: str = "2.0.0", reason: str = "Withdrawn from the collection.") -> None:
    """Take ``document_id`` out of the corpus under ``root`` (which holds records/ and sources/)."""
    records = (root / "records").resolve()
    path = records / "documents" / f"{document_id}.yaml"
    text = path.read_text(encoding="utf-8")
    page = re.search(r"^\s+file: (sources/\S+)$", text, re.MULTILINE)
    path.unlink()
    if page and not any(page[1] in other.read_text(encoding="utf-8") for other in (records / "documents").glob("*.yaml")):
        (records.parent / page[1]).unlink(missing_ok=True)
    _tombstone(records, document_id, "document", version, reason)
    for _ in range(10):
        findings = validate([records]).findings
        drops: dict[Path, list[str]] = {}
        deletions: set[Path] = set()
        for finding in findings:
            file = Path(finding.path).resolve()
            if "no document reports this event" in finding.message:
                deletions.add(file)
            elif file.parent.name == "documents":
                raise AssertionError(f"withdrawing {document_id} leaves another document wrong: {finding}")
            elif (f"'{document_id}'" in finding.message or "occurs in no document's" in finding.message
                  or finding.message.startswith("unknown ")) and "[" in finding.field:
                drops.setdefault(file, []).append(finding.field)
            elif finding.field == "identified_by" and _rebase(file, records):
                continue  # still named by other documents: their words are now its basis
            elif finding.severity == "error" and file.parent.parent == records:
                deletions.add(file)  # a registry record left without what made it valid: only the document needed it
        if not drops and not deletions:
            return
        for file in deletions:
            if file.exists():
                file.unlink()
                _tombstone(records, file.stem, KIND_BY_FOLDER[file.parent.name].record_kind, version,
                           f"Needed only by {document_id}, withdrawn.")
        for file, fields in drops.items():
            if file.exists() and file not in deletions:
                _drop(file, fields)
