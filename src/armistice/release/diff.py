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

from armistice.release import history
from armistice.publish.tables import ROOT_TABLE

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

    @property
    def bump(self) -> str:
        """The smallest version bump the policy requires for these changes."""
        if self.resources_removed or self.fields_removed or self.records_removed:
            return "major"
        if self.resources_added or self.fields_added or self.records_added:
            return "minor"
        if self.records_changed or self.rows_added or self.rows_removed or self.changes:
            return "patch"
        return "none"


def _load_folder(folder: Path, label: str) -> Package:
    descriptor_path = folder / "datapackage.json"
    if not descriptor_path.is_file():
        raise SideError(f"{label}: no datapackage.json")
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    fields: dict[str, list[str]] = {}
    rows: dict[str, dict[tuple, dict[str, str]]] = {}
    for resource in descriptor.get("resources", []):
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
        return _load_folder(target, spec)
    ref = history.resolve(repository, spec) or spec
    result = subprocess.run(["git", "-C", str(repository), "archive", "--format=tar", ref, "datapackage.json", "data"],
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


def compare(old: Package, new: Package) -> Diff:
    diff = Diff(old, new)
    diff.resources_added = sorted(set(new.fields) - set(old.fields))
    diff.resources_removed = sorted(set(old.fields) - set(new.fields))
    for name in sorted(set(old.fields) & set(new.fields)):
        diff.fields_added += [f"{name}.{f}" for f in new.fields[name] if f not in old.fields[name]]
        diff.fields_removed += [f"{name}.{f}" for f in old.fields[name] if f not in new.fields[name]]
        before, after = old.rows[name], new.rows[name]
        shared = [f for f in new.fields[name] if f in old.fields[name] and f not in NOISE]
        label = lambda key: f"{name}/{'/'.join(key)}"  # noqa: E731
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
