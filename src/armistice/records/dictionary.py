"""The data dictionary in ``records/README.md``, generated from the models.

Curators work in ``records/``; the README there documents every field of every record kind (type,
whether it is required, what it means, an example from the curated records) and every controlled vocabulary with the meaning of each
value. It is generated so it cannot drift from the models; a test fails when it is stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from armistice.models import RECORD_KINDS, FieldSpec, Vocabulary, fields
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


def field_type(spec: FieldSpec) -> str:
    """A field's type in words, as the data dictionary shows it (vocabularies and parts as links).

    "or nothing" follows an optional field's type unless the field carries constraints of its own
    (``copies: int | None = Field(ge=1)`` reads "integer"): the published dictionary has always
    read so, and changing it changes ``records/README.md``.
    """
    if spec.ref:
        name = f"{spec.ref} id"
    elif spec.is_vocabulary or spec.is_model:
        name = f"[{spec.base.__name__}](#{spec.base.__name__.lower()})"
    elif spec.base is str:
        name = spec.type_name or "text"
    else:
        name = {int: "integer", float: "number", bool: "true/false"}.get(spec.base, getattr(spec.base, "__name__", str(spec.base)))
    if spec.many:
        return f"list of {name}"
    return f"{name} or nothing" if spec.optional and not spec.field_metadata else name


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
        for spec in fields(type(model)):
            name, value = spec.name, getattr(model, spec.name)
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


def _row(model: type[BaseModel], spec: FieldSpec, shown: dict[tuple[type, str], str]) -> str:
    required = "yes" if spec.required else "no"
    description = spec.description.replace("|", "\\|").replace("\n", " ")
    example = shown.get((model, spec.name))
    example = f"`{example.replace('`', '')}`".replace("|", "\\|") if example else ""
    return f"| `{spec.name}` | {field_type(spec)} | {required} | {description} | {example} |"


def _table(model: type[BaseModel], shown: dict[tuple[type, str], str]) -> list[str]:
    lines = ["| field | type | required | description | example |", "|---|---|---|---|---|"]
    lines += [_row(model, spec, shown) for spec in fields(model)]
    return lines


def _nested(model: type[BaseModel], seen: list[type[BaseModel]]) -> None:
    """The parts used inside ``model``, depth first, each once, in the order they are first met."""
    for spec in fields(model):
        if spec.is_model and spec.base not in seen:
            seen.append(spec.base)
            _nested(spec.base, seen)


def _vocabularies(models: list[type[BaseModel]]) -> list[type[Vocabulary]]:
    found: list[type[Vocabulary]] = []
    for model in models:
        for spec in fields(model):
            if spec.is_vocabulary and spec.base not in found:
                found.append(spec.base)
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
    for part in nested:
        out += [f"### {part.__name__}", "", _doc(part), ""] + _table(part, shown) + [""]
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
