"""What changed between two versions of the package, and which version bump that requires.

Each side is a package folder (``.`` for the working tree's built package), a release zip, or a git
ref (the committed ``datapackage.json`` and ``data/`` at that ref); a release such as ``v1.0.0`` is
found by its tag or, in a clone without tags, by its release commit (:mod:`armistice.release.history`).
The comparison is made on the published tables, keyed by their primary keys, so it sees exactly
what users download.

The version policy (RELEASING.md), semantic versioning for data:

- MAJOR: a resource or field is removed or renamed, or a record id disappears (withdrawn or renamed);
- MINOR: new records, resources or fields;
- PATCH: corrections of values (including the parts of a record: its messages, copies, links ...).

The descriptor is published too, so a change to it is a change: a field's type, a primary key or a
resource's path changed is MAJOR (what users load or join on breaks); a constraint (an enum, a
pattern, ``required`` ...), a foreign key or a format added, changed or removed is MINOR; any other
property (a title, a description, a licence, a keyword ...) is PATCH. The version and date, and each
resource's size and hash, are left out: they change with every release or follow the rows.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from armistice.publish.tables import ROOT_TABLE
from armistice.release import history

BUMPS = ("none", "patch", "minor", "major")
ROOTS = set(ROOT_TABLE.values())
NOISE = {"content_sha256"}
"""Columns derived from others: their changes are reported through the columns they derive from."""


class SideError(Exception):
    """A side of the comparison is not a package folder, a release zip, or a git ref."""


@dataclass
class Package:
    """A loaded package: its descriptor and rows by resource and primary key."""

    label: str
    descriptor: dict[str, Any]
    fields: dict[str, list[str]]
    rows: dict[str, dict[tuple, dict[str, str]]]

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", "?"))


@dataclass
class Diff:
    old: Package
    new: Package
    resources_added: list[str] = field(default_factory=list)
    resources_removed: list[str] = field(default_factory=list)
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    records_added: list[str] = field(default_factory=list)
    records_removed: list[str] = field(default_factory=list)
    records_changed: list[str] = field(default_factory=list)
    rows_added: list[str] = field(default_factory=list)
    rows_removed: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    descriptor_changes: list[tuple[str, str]] = field(default_factory=list)
    """Each change of the descriptor, in words, with the bump it needs."""

    @property
    def bump(self) -> str:
        """The smallest version bump the policy requires for these changes."""
        described = {bump for _, bump in self.descriptor_changes}
        if self.resources_removed or self.fields_removed or self.records_removed or "major" in described:
            return "major"
        if self.resources_added or self.fields_added or self.records_added or "minor" in described:
            return "minor"
        if self.records_changed or self.rows_added or self.rows_removed or self.changes or described:
            return "patch"
        return "none"


def _package_root(folder: Path) -> Path:
    """The folder holding datapackage.json: ``folder`` itself, or the one folder inside it that
    holds it, as in a release zip (``korean-armistice-telegrams-X/datapackage.json``)."""
    if (folder / "datapackage.json").is_file():
        return folder
    inside = [path for path in folder.iterdir() if path.is_dir() and (path / "datapackage.json").is_file()]
    return inside[0] if len(inside) == 1 else folder


def _load_folder(folder: Path, label: str) -> Package:
    descriptor_path = folder / "datapackage.json"
    if not descriptor_path.is_file():
        raise SideError(f"{label}: no datapackage.json")
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SideError(f"{label}: datapackage.json is not readable JSON ({error})") from None
    fields: dict[str, list[str]] = {}
    rows: dict[str, dict[tuple, dict[str, str]]] = {}
    for resource in descriptor.get("resources", []):
        if resource.get("type", "table") != "table":
            continue  # a file resource (a table's Parquet copy) holds the rows of a table resource
        name = resource["name"]
        schema = resource.get("schema", {})
        fields[name] = [f["name"] for f in schema.get("fields", [])]
        key = schema.get("primaryKey") or fields[name]
        with open(folder / resource["path"], newline="", encoding="utf-8") as stream:
            rows[name] = {tuple(row[k] for k in key): row for row in csv.DictReader(stream)}
    return Package(label, descriptor, fields, rows)


def load_side(spec: str, repository: Path, scratch: Path) -> Package:
    """A package folder, a release zip, or a git ref, loaded."""
    path = Path(spec)
    if path.is_dir():
        return _load_folder(path, spec)
    if path.is_file() and zipfile.is_zipfile(path):
        target = scratch / "zip"
        with zipfile.ZipFile(path) as archive:
            archive.extractall(target)
        return _load_folder(_package_root(target), spec)
    if spec.startswith("-"):  # never handed to git, where it would be read as an option (--output=FILE)
        raise SideError(f"{spec}: not a package folder, a release zip, or a git ref (a ref never starts with '-')")
    ref = history.resolve(repository, spec) or spec
    result = subprocess.run(["git", "-C", str(repository), "archive", "--format=tar", "--end-of-options", ref,
                             "datapackage.json", "data"],
                            capture_output=True)
    if result.returncode != 0:
        raise SideError(f"{spec}: not a package folder, a release zip, or a git ref with a built package"
                        + history.shallow_hint(repository))
    target = scratch / f"ref-{len(list(scratch.iterdir()))}"
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(target, filter="data")
    return _load_folder(target, spec)


def _short(value: str) -> str:
    value = " ".join(value.split())
    return repr(value if len(value) <= 60 else value[:57] + "...")


UNCOMPARED = {"version", "created", "resources", "bytes", "hash", "name", "schema", "fields"}
"""Descriptor properties not compared as such: the version and its date, the rows' size and hash,
the names things are matched by, and the containers compared part by part."""
BREAKING = {"type", "primaryKey", "path"}
"""Changes users' code breaks on (a column read as another type, a join key, a file moved): MAJOR."""
CONSTRAINING = {"constraints", "foreignKeys", "missingValues", "format", "mediatype", "encoding"}
"""Changes of what values are allowed or how they are read: MINOR."""


def _described(before: Any, after: Any) -> str:
    """A changed property in words: added, removed, list items added and removed, or old -> new."""
    def shown(value: Any) -> str:
        return _short(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True))

    words = lambda value: isinstance(value, list) and all(isinstance(v, str) for v in value)  # noqa: E731
    if (words(before) and after is None) or (before is None and words(after)):  # an enum, keywords ...: the items
        before, after = before or [], after or []
    if before is None:
        return f"added {shown(after)}"
    if after is None:
        return f"removed {shown(before)}"
    if words(before) and words(after):
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        parts = ([f"added {', '.join(map(repr, added))}"] if added else []) + (
            [f"removed {', '.join(map(repr, removed))}"] if removed else [])
        return "; ".join(parts) or "reordered"
    return f"{shown(before)} -> {shown(after)}"


def _properties(label: str, old: dict[str, Any], new: dict[str, Any], bump_of: Any) -> list[tuple[str, str]]:
    changes = []
    for key in sorted((set(old) | set(new)) - UNCOMPARED):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "constraints" and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            for name in sorted(set(before or {}) | set(after or {})):
                if (before or {}).get(name) != (after or {}).get(name):
                    changes.append((f"{label}: constraint {name}: "
                                    f"{_described((before or {}).get(name), (after or {}).get(name))}", "minor"))
            continue
        changes.append((f"{label}: {key}: {_described(before, after)}", bump_of(key)))
    return changes


def _bump_of(key: str) -> str:
    return "major" if key in BREAKING else "minor" if key in CONSTRAINING else "patch"


def descriptor_changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """Every change of the published descriptor between two versions, in words, with the bump it needs.

    Resources and fields added or removed are not listed here (:func:`compare` counts them).
    """
    changes = _properties("datapackage", old, new, _bump_of)
    old_resources = {r.get("name"): r for r in old.get("resources", [])}
    for resource in new.get("resources", []):
        name = resource.get("name")
        if name not in old_resources:
            continue
        before = old_resources[name]
        changes += _properties(name, before, resource, _bump_of)
        old_schema, new_schema = before.get("schema", {}), resource.get("schema", {})
        changes += _properties(f"{name} (schema)", old_schema, new_schema, _bump_of)
        old_fields = {f.get("name"): f for f in old_schema.get("fields", [])}
        for column in new_schema.get("fields", []):
            if column.get("name") in old_fields:
                changes += _properties(f"{name}.{column.get('name')}", old_fields[column.get("name")], column, _bump_of)
    return changes


def compare(old: Package, new: Package) -> Diff:
    diff = Diff(old, new)
    diff.descriptor_changes = descriptor_changes(old.descriptor, new.descriptor)
    diff.resources_added = sorted(set(new.fields) - set(old.fields))
    diff.resources_removed = sorted(set(old.fields) - set(new.fields))
    for name in sorted(set(old.fields) & set(new.fields)):
        diff.fields_added += [f"{name}.{f}" for f in new.fields[name] if f not in old.fields[name]]
        diff.fields_removed += [f"{name}.{f}" for f in old.fields[name] if f not in new.fields[name]]
        before, after = old.rows[name], new.rows[name]
        shared = [f for f in new.fields[name] if f in old.fields[name] and f not in NOISE]
        label = lambda key, name=name: f"{name}/{'/'.join(key)}"  # noqa: E731
        added = [label(k) for k in sorted(set(after) - set(before))]
        removed = [label(k) for k in sorted(set(before) - set(after))]
        if name in ROOTS:
            diff.records_added += added
            diff.records_removed += removed
        else:
            diff.rows_added += added
            diff.rows_removed += removed
        for key in sorted(set(before) & set(after)):
            changed = [f"{label(key)}: {f}: {_short(before[key][f])} -> {_short(after[key][f])}"
                       for f in shared if before[key][f] != after[key][f]]
            if changed and name in ROOTS:
                diff.records_changed.append(label(key))
            diff.changes += changed
    return diff


def report(diff: Diff) -> str:
    """The comparison in words, ending with the bump the version policy requires."""
    lines = [f"{diff.old.label} (version {diff.old.version}) -> {diff.new.label} (version {diff.new.version})"]
    for title, items in (
        ("Resources added", diff.resources_added), ("Resources removed", diff.resources_removed),
        ("Fields added", diff.fields_added), ("Fields removed", diff.fields_removed),
        ("Records added", diff.records_added), ("Records removed", diff.records_removed),
        ("Records changed", diff.records_changed), ("Rows added", diff.rows_added),
        ("Rows removed", diff.rows_removed), ("Values changed", diff.changes),
        ("Descriptor changed", [f"{change} ({bump.upper()})" for change, bump in diff.descriptor_changes]),
    ):
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines += [f"  {item}" for item in items]
    if len(lines) == 1:
        lines.append("No changes.")
    lines.append(f"Required version bump: {diff.bump.upper()}")
    return "\n".join(lines) + "\n"


def bumped(version: str, bump: str) -> str:
    """The smallest version the bump requires after ``version``."""
    major, minor, patch = (int(part) for part in version.split("."))
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return version


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


def diff_sides(old: str, new: str, repository: Path) -> Diff:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        return compare(load_side(old, repository, scratch), load_side(new, repository, scratch))
