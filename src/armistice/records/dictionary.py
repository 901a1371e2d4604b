"""The data dictionary in ``records/README.md``, generated from the models.

Curators work in ``records/``; the README there documents every field of every record kind (type,
whether it is required, what it means, an example from the curated records) and every controlled vocabulary with the meaning of each
value. It is generated so it cannot drift from the models; a test fails when it is stale.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Iterable

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from armistice.models import RECORD_KINDS, Ref, Vocabulary, split_annotation
from armistice.records.schemas import schema_comment

INTRO = """\
# Records: the curator's data dictionary

<!-- Generated from src/armistice/models.py by `make generate`; do not edit by hand. -->

One YAML file per record, in the folder of its kind, named after the record's `id`
(`records/people/li-kenong.yaml` holds `id: li-kenong`). Ids are lowercase slugs (letters, digits,
single hyphens) and stable forever: once published, an id is never changed or reused.

Every file starts with a line that lets an editor check it against its JSON Schema while you type:

```yaml
{comment}
```

Start a record with `armistice new KIND ID` (for example `armistice new person <id>`): it writes the
file with every field of its kind, each commented with whether it is required, its type and its meaning.
Check your work with `armistice validate` (all records) or `armistice validate FILE`; every problem
is reported as `path:line:col: field: message`. CONTRIBUTING.md has the rules and the workflow.

Conventions:
- Quote dates and numbers that are text: `date: "1951-08-13"`, `number: "22834"`. Values are never
  guessed from their look: `NO` stays the text `NO`, `0123` stays `0123`.
- Dates are as precise as the source: `1951`, `1951-08`, `1951-08-13` or `1951-08-13T17:20` (a local
  clock time, no seconds or zone).
- Fields marked *verbatim* hold the source's own words; `armistice validate` checks that they occur in
  the document's text. A document's `text` must equal its source text in `sources/`, up to whitespace
  and the repairs listed in `corrections`.
- Names are grounded: every person or place a document links must occur in its title, summary or text
  under one of the record's `spellings` (or `code_names`), matched as whole words, ignoring case.
- Leave out what the source does not give. Never invent a role, a date or an identification.
"""


def _type_name(annotation: Any) -> str:
    base, metadata, _ = split_annotation(annotation)
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)
    ref = next((m for m in metadata if isinstance(m, Ref)), None)
    if ref:
        name = f"{ref.kind} id"
    elif typing.get_origin(base) is list:
        name = f"list of {_type_name(typing.get_args(base)[0])}"
    elif isinstance(base, type) and issubclass(base, Vocabulary):
        name = f"[{base.__name__}](#{base.__name__.lower()})"
    elif isinstance(base, type) and issubclass(base, BaseModel):
        name = f"[{base.__name__}](#{base.__name__.lower()})"
    elif base is str:
        name = "text"
        for marker in metadata:
            if "AfterValidator" in type(marker).__name__:
                func = marker.func.__name__
                name = {"_one_line": "text (one line)", "_not_blank": "text", "_partial_date": "partial date",
                        "_slug": "id"}.get(func, name)
    else:
        name = {int: "integer", float: "number", bool: "true/false"}.get(base, getattr(base, "__name__", str(base)))
    return f"{name} or nothing" if optional and not name.endswith("or nothing") else name


def field_type(info: FieldInfo) -> str:
    """A field's type in words, as the data dictionary shows it (vocabularies and parts as links)."""
    annotation = info.annotation
    if info.metadata:
        annotation = typing.Annotated[(annotation, *info.metadata)]
    return _type_name(annotation)


def _short(value: Any) -> str:
    """A value as the example column shows it: one line, at most about 50 characters."""
    if isinstance(value, list):
        shown = ", ".join(_short(item) for item in value[:2])
        return f"[{shown}{', …' if len(value) > 2 else ''}]"
    if isinstance(value, Vocabulary):
        return value.value
    text = str(value).strip().split("\n")[0]
    return text if len(text) <= 50 else text[:48].rstrip() + " …"


def examples(records: Iterable[BaseModel]) -> dict[tuple[type, str], str]:
    """The first value each field of each model takes in the given records, shown short.

    Taken from the curated records (in the order given), so every example is real; nested parts
    (messages, stamps ...) have their own tables and examples.
    """
    found: dict[tuple[type, str], str] = {}

    def walk(model: BaseModel) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, BaseModel):
                    walk(item)
            if value is None or value == [] or isinstance(value, BaseModel) or \
                    (isinstance(value, list) and isinstance(value[0], BaseModel)):
                continue
            found.setdefault((type(model), name), _short(value))

    for record in records:
        walk(record)
    return found


def _row(model: type[BaseModel], name: str, info: FieldInfo, shown: dict[tuple[type, str], str]) -> str:
    required = "yes" if info.is_required() else "no"
    description = (info.description or "").replace("|", "\\|").replace("\n", " ")
    example = shown.get((model, name))
    example = f"`{example.replace('`', '')}`".replace("|", "\\|") if example else ""
    return f"| `{name}` | {field_type(info)} | {required} | {description} | {example} |"


def _table(model: type[BaseModel], shown: dict[tuple[type, str], str]) -> list[str]:
    lines = ["| field | type | required | description | example |", "|---|---|---|---|---|"]
    lines += [_row(model, name, info, shown) for name, info in model.model_fields.items()]
    return lines


def _nested(model: type[BaseModel], seen: list[type[BaseModel]]) -> None:
    for info in model.model_fields.values():
        annotation = info.annotation
        stack = [annotation]
        while stack:
            current = stack.pop()
            base = split_annotation(current)[0]
            if typing.get_origin(base) is list:
                stack.append(typing.get_args(base)[0])
            elif isinstance(base, type) and issubclass(base, BaseModel) and base not in seen:
                seen.append(base)
                _nested(base, seen)


def _vocabularies(models: list[type[BaseModel]]) -> list[type[Vocabulary]]:
    found: list[type[Vocabulary]] = []
    for model in models:
        for info in model.model_fields.values():
            stack = [info.annotation]
            while stack:
                base = split_annotation(stack.pop())[0]
                if typing.get_origin(base) is list:
                    stack.append(typing.get_args(base)[0])
                elif isinstance(base, type) and issubclass(base, Vocabulary) and base not in found:
                    found.append(base)
    return found


def _doc(model: type) -> str:
    return " ".join((model.__doc__ or "").split())


def render(topics: list[Any] | None = None, records: Iterable[BaseModel] = ()) -> str:
    """The whole records/README.md; ``topics`` are the topic records, listed as the subject vocabulary,
    and ``records`` (all of them, in order) give each field its example."""
    shown = examples(records)
    out = [INTRO.format(comment=schema_comment(RECORD_KINDS[0])), "## Record kinds", ""]
    for model in RECORD_KINDS:
        out += [f"### {model.__name__}", "", f"{_doc(model)} Folder: `records/{model.folder}/`; schema: "
                f"`schema/{model.record_kind}.schema.json`.", ""]
        out += _table(model, shown) + [""]
    nested: list[type[BaseModel]] = []
    for model in RECORD_KINDS:
        _nested(model, nested)
    out += ["## Parts of records", "", "Mappings used inside the record kinds above.", ""]
    for model in nested:
        out += [f"### {model.__name__}", "", _doc(model), ""] + _table(model, shown) + [""]
    out += ["## Controlled vocabularies", "", "Closed lists: any other value is an error.", ""]
    for vocabulary in _vocabularies(list(RECORD_KINDS) + nested):
        out += [f"### {vocabulary.__name__}", "", _doc(vocabulary), "", "| value | meaning |", "|---|---|"]
        out += [f"| `{member.value}` | {member.meaning} |" for member in vocabulary] + [""]
    if topics:
        out += ["### Topics", "", "The subject vocabulary is itself a set of records, in `records/topics/`; a document's "
                "`topics` lists their ids. Add a topic only when no existing one fits.", "",
                "| id | name | covers |", "|---|---|---|"]
        out += [f"| `{t.id}` | {t.name} | {' '.join(t.description.split())} |" for t in sorted(topics, key=lambda t: t.id)]
    return "\n".join(out).rstrip() + "\n"
