"""`armistice new KIND ID`: a skeleton a curator fills in, which never passes as it stands.

Each kind's skeleton is read by the project's own loader, shows every field of its model (and of the
parts one level down), fails `armistice validate` with one located error per required field, and
validates once those fields are filled in. Refusals write nothing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from armistice import cli
from armistice.models import KIND_BY_NAME, fields
from armistice.records import skeleton
from armistice.records.loading import load_file
from armistice.records.schemas import schema_comment
from armistice.rules.page import RECORD_PATH
from conftest import REPO, run_cli

KINDS = list(KIND_BY_NAME)


def _first(kind: str) -> str:
    """The first record of ``kind`` in the repository's records (whichever records it holds)."""
    return sorted((REPO / "records" / KIND_BY_NAME[kind].folder).glob("*.yaml"))[0].stem


# A record of each kind: removed from a copy of records/, then curated again from its skeleton.
SEEDS = {kind: _first(kind) for kind in ("document", "person", "place", "topic", "event")}
LOCATED = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<field>[\w.\[\]]+): (?P<message>.+)$")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the repository's records and sources, made the working directory."""
    for name in ("records", "sources", "schema"):
        shutil.copytree(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _path(kind: str, record_id: str) -> Path:
    return Path("records") / KIND_BY_NAME[kind].folder / f"{record_id}.yaml"


def test_the_commands_kinds_are_the_models_kinds() -> None:
    assert cli.RECORD_KINDS == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_each_kinds_skeleton_lists_every_field_and_fails_validation_where_it_is_empty(root: Path, kind: str) -> None:
    record_id = f"new-{kind}-1"
    run = run_cli("new", kind, record_id)
    assert run.exit_code == 0, run.output
    path = _path(kind, record_id)
    assert f"wrote {path}" in run.output
    text = path.read_text(encoding="utf-8")
    model = KIND_BY_NAME[kind]
    assert text.splitlines()[0] == schema_comment(model)
    loaded = load_file(path, str(path))  # the loader validation uses reads it
    assert loaded.data["id"] == record_id
    keys = re.findall(r"^(?:# )?(\w+):", text, re.MULTILINE)
    assert keys == list(model.model_fields), "every field, once, in the model's order"
    for spec in fields(model):
        name = spec.name
        assert re.search(rf"^# (required|optional), .+\n(# .*\n)*(# )?{name}:", text, re.MULTILINE), name
        if spec.is_model:  # a part's own fields are shown one level down
            for inner in spec.base.model_fields:
                assert re.search(rf"^  (# )?(- )?\s*{inner}:", text, re.MULTILINE), f"{name}.{inner}"
    assert run_cli("fmt", "--check", str(path)).exit_code == 0, "a skeleton is already in canonical layout"
    check = run_cli("validate", str(path))
    assert check.exit_code == 1
    findings = [LOCATED.match(line) for line in check.lines]
    assert all(findings), check.output
    assert {m["path"] for m in findings} == {str(path)}
    assert [m["field"] for m in findings] == skeleton.required_fields(kind)
    lines = text.splitlines()
    for match in findings:  # each error points at the empty field's own line
        key = match["field"].split(".")[-1]
        assert re.match(rf"^\s*{key}:", lines[int(match["line"]) - 1]), match.group(0)


def _fill(text: str, kind: str, values: dict, extra: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """Fill in exactly the required fields (and ``extra`` ones), as a curator would, with JSON (which is YAML) values."""
    required = set(skeleton.required_fields(kind)) | set(extra)
    out, parents = [], []
    for line in text.splitlines():
        match = re.match(r"^( *)(\w+):( \[\])?$", line)
        if match:
            depth = len(match[1]) // 2
            parents = parents[:depth] + [match[2]]
            dotted = ".".join(parents)
            if dotted in required:
                value = values
                for part in parents:
                    value = value[part]
                line = f"{match[1]}{match[2]}: {json.dumps(value)}"
                required.discard(dotted)
        out.append(line)
    assert not required, f"not found in the skeleton: {required}"
    return "\n".join(out) + "\n"


def _get(values: dict, parts: list[str]) -> object:
    for part in parts:
        values = values.get(part) if isinstance(values, dict) else None  # type: ignore[assignment]
    return values


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_filling_in_the_required_fields_makes_the_skeleton_valid(root: Path, kind: str) -> None:
    record_id = SEEDS[kind]
    path = _path(kind, record_id)
    curated = load_file(path, str(path)).data
    path.unlink()
    assert run_cli("new", kind, record_id).exit_code == 0
    # A document also copies every value its page gives, says which it does not, and records the
    # repairs its text needs (the validator compares all three with the page): filled in too.
    given = {".".join(path) for path in RECORD_PATH.values()} | {"source.not_on_page", "corrections", "editorial_insertions"} \
        if kind == "document" else set()
    extra = {dotted for dotted in given if _get(curated, dotted.split(".")) is not None}
    filled = _fill(path.read_text(encoding="utf-8"), kind, curated, extra)
    assert "#" in filled and filled.count(": null") == 0
    path.write_text(filled, encoding="utf-8")
    run = run_cli("validate")  # the whole records root: references to and from it resolve
    assert run.exit_code == 0, run.output


def test_a_tombstone_skeleton_filled_in_is_valid(root: Path) -> None:
    assert run_cli("new", "tombstone", "kenong-li").exit_code == 0
    path = _path("tombstone", "kenong-li")
    values = {"kind": "person", "withdrawn_in": "1.0.0", "reason": f"Duplicate of {SEEDS['person']}."}
    path.write_text(_fill(path.read_text(encoding="utf-8"), "tombstone", values), encoding="utf-8")
    assert run_cli("validate").exit_code == 0
    refused = run_cli("new", "person", "kenong-li")
    assert refused.exit_code == 1 and "was withdrawn" in refused.output and "1.0.0" in refused.output
    assert run_cli("new", "place", "kenong-li").exit_code == 0, "a tombstone withdraws an id of its own kind only"


@pytest.mark.parametrize(("args", "status", "message"), [
    (["new", "person", "Nam Il"], 1, "invalid id 'Nam Il'"),
    (["new", "person", "../../etc/passwd"], 1, "invalid id"),
    (["new", "person", SEEDS["person"]], 1, f"records/people/{SEEDS['person']}.yaml already exists"),
    (["new", "document", SEEDS["document"]], 1, "already exists"),
    (["new", "animal", "x"], 2, "'animal' is not one of"),
    (["new", "person"], 2, "Missing argument 'ID'"),
    (["new", "person", "x", "--records", "no-such-folder"], 2, "not a records folder"),
    (["new", "person", "x", "--records", "sources"], 2, "not a records folder"),
])
def test_refusals_write_nothing(root: Path, args: list[str], status: int, message: str) -> None:
    before = _snapshot(root)
    run = run_cli(*args)
    assert run.exit_code == status and message in run.output, run.output
    assert run.exception is None
    assert _snapshot(root) == before


def test_skeletons_are_deterministic(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(REPO / "records", other / "records")
    for kind in KINDS:
        assert run_cli("new", kind, "same-id").exit_code == 0
        assert run_cli("new", kind, "same-id", "--records", str(other / "records")).exit_code == 0
        mine, theirs = _path(kind, "same-id"), other / _path(kind, "same-id")
        assert mine.read_bytes() == theirs.read_bytes() == skeleton.render(kind, "same-id").encode("utf-8")
