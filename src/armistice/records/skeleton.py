"""Record skeletons for curators: ``armistice new KIND ID``.

A skeleton is the YAML file of a new record with every field of its kind present, each preceded by a
comment saying whether it is required, its type and its description (from the models, like the data
dictionary). It is meant to be filled in, never to pass as it stands:

- required fields are left empty (``title:``) or as an empty list (``recipients: []``), so
  ``armistice validate`` reports each of them, located, until it is filled in;
- optional fields are left empty or as ``[]``, which is valid; an optional field with a default
  value that is not empty (``identification``) is shown commented out with that default;
- a required part (a nested mapping such as a document's ``source``) is written out field by field
  under the same rules; an optional part, and the items of a list of parts, are shown as commented
  lines to uncomment, one level deep (deeper parts are named with their fields).

So once the required fields are filled in with valid values, the record validates. The same kind and
id always give the same bytes.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from armistice.models import KIND_BY_NAME, SLUG_PATTERN, FieldSpec, Record, Vocabulary, fields
from armistice.records.dictionary import field_type
from armistice.records.schemas import schema_comment

SUFFIX = ".yaml"
WIDTH = 100


class NewError(Exception):
    """The skeleton was refused (exit status 1); nothing was written."""


# --------------------------------------------------------------------------------------------
# Describing a field
# --------------------------------------------------------------------------------------------


def _type(spec: FieldSpec) -> str:
    """The type in words: the data dictionary's, without its links, vocabularies spelled out."""
    if spec.is_vocabulary and not spec.many:
        words = "one of " + " | ".join(member.value for member in spec.base)
    else:
        words = re.sub(r"\[(\w+)\]\(#\w+\)", r"\1", field_type(spec)).removesuffix(" or nothing")
    if spec.is_model:
        words += " (" + ", ".join(part.name for part in fields(spec.base)) + ")"
    if spec.many and spec.min_items:
        words += ", at least one"
    return words


def _default(spec: FieldSpec) -> Any:
    """The default worth showing: one that is neither empty nor nothing."""
    if spec.required or spec.default in (None, [], ""):
        return None
    return spec.default.value if isinstance(spec.default, Vocabulary) else spec.default


def describe(spec: FieldSpec) -> str:
    """``required, <type>: <description>``, as the comment above a field says it."""
    status = "required" if spec.required else "optional"
    default = _default(spec)
    shown = f" (default {default})" if default is not None else ""
    return f"{status}, {_type(spec)}{shown}: " + " ".join(spec.description.split())


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH - len(indent) - 2, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}#   ",
                         break_long_words=False, break_on_hyphens=False)


# --------------------------------------------------------------------------------------------
# Writing the skeleton
# --------------------------------------------------------------------------------------------


def _commented_fields(model: type[BaseModel], indent: str, first: str = "") -> list[str]:
    """A part's fields as commented lines to uncomment: ``# key:  # required, ...`` (one level)."""
    specs = fields(model)
    width = max(len(spec.name) for spec in specs) + 2
    lines = []
    for index, spec in enumerate(specs):
        lead = first if index == 0 else " " * len(first)
        key = f"{spec.name}:".ljust(width)
        lines.append(f"{indent}# {lead}{key}# {describe(spec)}")
    return lines


def _fields(model: type[BaseModel], indent: str, record_id: str | None = None) -> list[str]:
    """Every field of ``model`` as YAML lines at ``indent``, each after its comment."""
    lines: list[str] = []
    for spec in fields(model):
        name = spec.name
        lines += _comment(describe(spec), indent)
        if name == "id" and record_id is not None:
            lines.append(f"{indent}{name}: {record_id}")
        elif spec.many:
            lines.append(f"{indent}{name}: []")
            if spec.is_model:
                lines += _commented_fields(spec.base, indent + "  ", "- ")
        elif spec.is_model and spec.required:
            lines.append(f"{indent}{name}:")
            lines += _fields(spec.base, indent + "  ")
        elif spec.is_model:
            lines.append(f"{indent}{name}:")
            lines += _commented_fields(spec.base, indent + "  ")
        elif _default(spec) is not None:
            lines.append(f"{indent}# {name}: {_default(spec)}")
        else:
            lines.append(f"{indent}{name}:")
    return lines


def header(model: type[Record], record_id: str) -> list[str]:
    path = f"records/{model.folder}/{record_id}{SUFFIX}"
    return [
        schema_comment(model),
        f"# A new {model.record_kind} record, written by `armistice new {model.record_kind} {record_id}`.",
        "# It does not validate until every field marked 'required' is filled in from the source.",
        "# Fill in an 'optional' field when the source gives it; otherwise leave it empty or delete it.",
        "# A list shown as [] takes items shaped like the commented lines under it: replace [] by them.",
        "# Text on several lines: write 'text: |' and indent the lines under it by two spaces.",
        "# Every field and vocabulary is described in records/README.md. When done, delete these comments",
        f"# and run: armistice validate {path}",
    ]


def render(kind: str, record_id: str) -> str:
    """The skeleton of a record of ``kind`` (``document``, ``person`` ...) with id ``record_id``."""
    model = KIND_BY_NAME[kind]
    return "\n".join(header(model, record_id) + _fields(model, "", record_id)) + "\n"


# --------------------------------------------------------------------------------------------
# Refusals and the file
# --------------------------------------------------------------------------------------------


def withdrawn(root: Path, kind: str, record_id: str) -> str | None:
    """Where a tombstone withdraws ``record_id`` of ``kind``, with its version and replacement, if one does."""
    from armistice.records.loading import LoadError, load_file

    folder = root / KIND_BY_NAME["tombstone"].folder
    for path in sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []:
        try:
            data = load_file(path, str(path)).data
        except LoadError:
            data = None
        if not isinstance(data, dict):
            if path.stem == record_id:
                return f"{path} (unreadable: fix it first)"
            continue
        if record_id in (data.get("id"), path.stem) and data.get("kind") in (kind, None):
            instead = f"; use {data['replaced_by']!r} instead" if data.get("replaced_by") else ""
            return f"{path}, withdrawn in version {data.get('withdrawn_in')}{instead}"
    return None


def is_records_root(path: Path) -> bool:
    """A folder holding at least one kind folder (documents/, people/ ...)."""
    return path.is_dir() and any((path / model.folder).is_dir() for model in KIND_BY_NAME.values())


def create(root: Path, kind: str, record_id: str) -> Path:
    """Write the skeleton into ``root``; raise NewError (writing nothing) for a bad, taken or withdrawn id."""
    model = KIND_BY_NAME[kind]
    if not re.match(SLUG_PATTERN, record_id):
        raise NewError(f"invalid id {record_id!r}: use lowercase letters, digits and single hyphens, "
                       "e.g. '1951-08-13-ciphered-telegram-22834' or 'li-kenong'")
    path = root / model.folder / f"{record_id}{SUFFIX}"
    if path.exists() or path.is_symlink():
        raise NewError(f"{path} already exists; nothing written")
    if kind != "tombstone":
        stone = withdrawn(root, kind, record_id)
        if stone:
            raise NewError(f"the {kind} id {record_id!r} was withdrawn ({stone}); ids are never reused, "
                           "so choose another; nothing written")
    path.parent.mkdir(exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as stream:
        stream.write(render(kind, record_id))
    return path


def required_fields(kind: str) -> list[str]:
    """The dotted names of the fields a curator must fill in (the id is filled in already)."""
    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for spec in fields(model):
            if not spec.required or (not prefix and spec.name == "id"):
                continue
            if spec.is_model and not spec.many:
                walk(spec.base, f"{prefix}{spec.name}.")
            else:
                out.append(prefix + spec.name)

    walk(KIND_BY_NAME[kind], "")
    return out
