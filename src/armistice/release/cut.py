"""Cutting a release: checks, version bump, build, and a byte-reproducible zip with SHA256SUMS.

``armistice release VERSION`` refuses (exit 1, one clear message) when the records do not validate,
the working tree has uncommitted changes, CHANGELOG.md has no entry for VERSION, or VERSION is
smaller than the bump the version policy requires against the previous release (the highest
release found by its ``vX.Y.Z`` tag or its release commit; see :mod:`armistice.release.history`).
Otherwise it sets the version (and the release date, for a new version) in dataset.yaml,
regenerates CITATION.cff and the Datasette metadata, builds, and writes
``dist/korean-armistice-telegrams-VERSION.zip`` and ``dist/SHA256SUMS``. Run on the release
commit of VERSION itself, it rebuilds that release.

The zip is reproducible: members are sorted, their timestamps are the release date, their modes
fixed, and every member is itself built deterministically; the same commit gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, timezone
from pathlib import Path

from armistice.release import diff as diffs
from armistice.release import history
from armistice.release.citation import citation_cff, dataset_item, render
from armistice.models import VERSION_PATTERN, Dataset
from armistice.publish.package import DATABASE_NAME, BuildError, build, load_dataset
from armistice.publish.tables import iter_tables

NAME = "korean-armistice-telegrams"


class ReleaseError(Exception):
    """The release was refused; nothing was changed."""


@dataclass
class Release:
    version: str
    zip_path: Path
    sums_path: Path
    digest: str
    bump: str
    previous: str | None


def previous_release(repository: Path, version: str | None = None) -> tuple[str, str] | None:
    """The highest released version and its commit, from the tags or the release commits
    (:mod:`armistice.release.history`).

    When HEAD is itself the release commit of ``version``, that release is being rebuilt (as the
    release workflow does from the tagged commit), and the release before it is the previous one.
    """
    found = history.releases(repository)
    head = history.git(repository, "rev-parse", "HEAD").stdout.strip()
    if version is not None and found.get(version) == head:
        del found[version]
    if not found:
        return None
    highest = max(found, key=diffs.version_key)
    return highest, found[highest]


def changelog_has(repository: Path, version: str) -> bool:
    text = (repository / "CHANGELOG.md").read_text(encoding="utf-8") if (repository / "CHANGELOG.md").is_file() else ""
    return history.has_entry(text, version)


def set_version(path: Path, version: str, day: str) -> None:
    """Set version and release date in dataset.yaml, keeping the rest of the file as it is."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^version: .*$', f'version: "{version}"', text, count=1, flags=re.MULTILINE)
    text = re.sub(r'^created: .*$', f'created: "{day}"', text, count=1, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")


def write_generated(repository: Path) -> None:
    """Files derived from dataset.yaml: CITATION.cff and the Datasette metadata."""
    from armistice.explore.serve import write_metadata

    dataset = load_dataset(repository / "dataset.yaml")
    (repository / "CITATION.cff").write_text(citation_cff(dataset), encoding="utf-8")
    write_metadata(repository)


def data_readme(dataset: Dataset) -> str:
    """The README that travels inside the release zip: the files, the columns, the licences, how to cite."""
    lines = [
        f"# {dataset.title}, version {dataset.version}", "",
        " ".join(dataset.description.split()), "",
        "## Files", "",
        "| file | what it is |", "|---|---|",
        "| `datapackage.json` | the Frictionless Data Package descriptor: every resource, its columns, types, keys, size and SHA-256 |",
        "| `data/*.csv` | one CSV file per resource (UTF-8, header row) |",
        f"| `{DATABASE_NAME}` | a SQLite database with the same tables, keys and full-text search |",
        "| `CITATION.cff` | how to cite this version (Citation File Format) |",
        "| `CHANGELOG.md` | what changed in each version |",
        "| `LICENSE-DATA.md` | the licences of the metadata and of the translated texts |",
        "| `SHA256SUMS` | checksums of the files above (`sha256sum -c SHA256SUMS`) |", "",
        "## Resources and columns", "",
    ]
    for table in iter_tables():
        lines += [f"### {table.name}", "", table.description, "", "| column | type | description |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.schema['type']} | {c.description.replace('|', '/')} |" for c in table.fields]
        lines.append("")
    lines += [
        "## Licences", "",
        f"Curated metadata: {dataset.metadata_licence.title} ({dataset.metadata_licence.path}). "
        f"Translated texts and words quoted from the archive: {dataset.texts_licence.title} "
        f"({dataset.texts_licence.path}). Each resource in `datapackage.json` lists the licences that apply to it.", "",
        "## How to cite", "",
        render(dataset_item(dataset), "apa").strip(), "",
        "Cite each document with the archive's citation as well (column `source_citation` of `documents`).", "",
    ]
    return "\n".join(lines)


def _member(name: str, content: bytes, day: str) -> tuple[zipfile.ZipInfo, bytes]:
    year, month, dayofmonth = (int(part) for part in day.split("-"))
    info = zipfile.ZipInfo(name, date_time=(year, month, dayofmonth, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info, content


def write_zip(repository: Path, dataset: Dataset, target: Path) -> None:
    """The release zip, reproducibly: sorted members, fixed dates and modes, and their SHA256SUMS."""
    folder = f"{NAME}-{dataset.version}"
    files: dict[str, bytes] = {
        "datapackage.json": (repository / "datapackage.json").read_bytes(),
        DATABASE_NAME: (repository / "dist" / DATABASE_NAME).read_bytes(),
        "CITATION.cff": (repository / "CITATION.cff").read_bytes(),
        "CHANGELOG.md": (repository / "CHANGELOG.md").read_bytes(),
        "LICENSE-DATA.md": (repository / "LICENSE-DATA.md").read_bytes(),
        "README.md": data_readme(dataset).encode("utf-8"),
    }
    for path in sorted((repository / "data").glob("*.csv")):
        files[f"data/{path.name}"] = path.read_bytes()
    sums = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files))
    files["SHA256SUMS"] = sums.encode("utf-8")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info, content = _member(f"{folder}/{name}", files[name], dataset.created)
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def release(repository: Path, version: str, day: str | None = None) -> Release:
    """Run every check, then bump, build and package. Raises ReleaseError when refused."""
    from armistice.rules import validate

    if not re.match(VERSION_PATTERN, version):
        raise ReleaseError(f"{version!r} is not a version: write MAJOR.MINOR.PATCH, e.g. 1.0.0")
    findings = validate([repository / "records"]).findings
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise ReleaseError(f"the records do not validate ({len(errors)} errors; run `armistice validate`)")
    status = history.git(repository, "status", "--porcelain")
    if status.returncode != 0:
        raise ReleaseError(f"{repository} is not a git working tree")
    if status.stdout.strip():
        raise ReleaseError("the working tree has uncommitted changes; commit or stash them first:\n" + status.stdout.rstrip())
    if not changelog_has(repository, version):
        raise ReleaseError(f"CHANGELOG.md has no entry for {version}: add a '## [{version}] - YYYY-MM-DD' section")
    found = previous_release(repository, version)
    previous, previous_commit = found if found else (None, None)
    if previous is None and (hint := history.shallow_hint(repository)):
        raise ReleaseError("no earlier release found, so the version bump cannot be checked" + hint)
    bump = "major"
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        try:
            build(repository / "records", scratch / "new", repository / "dataset.yaml")
        except BuildError as error:
            raise ReleaseError(f"the build failed: {error}") from None
        if previous is not None:
            if diffs.version_key(version) <= diffs.version_key(previous):
                raise ReleaseError(f"{version} is not after the previous release {previous}")
            try:
                old = diffs.load_side(previous_commit, repository, scratch)
            except diffs.SideError as error:
                raise ReleaseError(str(error)) from None
            bump = diffs.compare(old, diffs.load_side(str(scratch / "new"), repository, scratch)).bump
            needed = diffs.bumped(previous, bump)
            if diffs.version_key(version) < diffs.version_key(needed):
                raise ReleaseError(f"the changes since {previous} need a {bump.upper()} release: at least {needed}, "
                                   f"not {version} (see `armistice diff v{previous} .`)")
    dataset = load_dataset(repository / "dataset.yaml")
    released = dataset.created if dataset.version == version else (day or datetime.now(timezone.utc).date().isoformat())
    Date.fromisoformat(released)
    set_version(repository / "dataset.yaml", version, released)
    write_generated(repository)
    build(repository / "records", repository, repository / "dataset.yaml")
    dataset = load_dataset(repository / "dataset.yaml")
    dist = repository / "dist"
    dist.mkdir(exist_ok=True)
    zip_path = dist / f"{NAME}-{version}.zip"
    write_zip(repository, dataset, zip_path)
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    sums_path = dist / "SHA256SUMS"
    sums_path.write_text(f"{digest}  {zip_path.name}\n", encoding="utf-8")
    return Release(version, zip_path, sums_path, digest, bump, previous)
