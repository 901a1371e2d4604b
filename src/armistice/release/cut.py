"""Cutting a release: checks, version bump, build, and a byte-reproducible zip with SHA256SUMS.

``armistice release VERSION`` refuses (exit 1, one clear message) when the records do not validate,
the working tree has uncommitted changes, CHANGELOG.md has no entry for VERSION, or VERSION is
smaller than the bump the version policy requires against the previous release (the highest
release found by its ``vX.Y.Z`` tag or its release commit; see :mod:`armistice.release.history`).
Otherwise it sets the version (and the release date, for a new version) in dataset.yaml,
regenerates CITATION.cff and the files the caller derives from dataset.yaml (the CLI passes the
Datasette metadata), builds, and writes ``dist/korean-armistice-telegrams-VERSION.zip`` and
``dist/SHA256SUMS``. Run on the release commit of VERSION itself, it rebuilds that release.

Nothing in the working tree changes until everything is ready: every file is written into a
staging folder under ``dist/`` (the same layout as the repository), and only then moved into
place, each with ``os.replace``: the zip first, then SHA256SUMS, then the database and the
committed files, dataset.yaml last. A failure or interrupt before that leaves the tree as it was
(a rerun is not refused as dirty), a failure while moving puts the previous files back, and a
kill never leaves a truncated zip under its final name.

The zip is reproducible: members are sorted, their timestamps are the release date, their modes
fixed, and every member is itself built deterministically; the same commit gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import date as Date
from pathlib import Path

from armistice.dataset import DatasetError, load_dataset, write_fields
from armistice.models import VERSION_PATTERN, Dataset
from armistice.publish.package import DATABASE_NAME, BuildError, build
from armistice.publish.tables import iter_tables
from armistice.release import diff as diffs
from armistice.release import history, jsonld
from armistice.release.citation import citation_cff, dataset_item, render

NAME = "korean-armistice-telegrams"
STAGING_PREFIX = ".release-"
CITATION = Path("CITATION.cff")
DATASET = Path("dataset.yaml")

Derived = dict[Path, Callable[[Dataset], str]]
"""Files regenerated from dataset.yaml by a release: repository-relative path -> its text."""


class ReleaseError(Exception):
    """The release was refused or failed; the working tree was left as it was."""


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
    """Whether CHANGELOG.md has VERSION's entry; a file that is not UTF-8 is refused, located."""
    path = repository / "CHANGELOG.md"
    if not path.is_file():
        return False
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ReleaseError(f"CHANGELOG.md:{line}: not valid UTF-8 (byte 0x{raw[error.start]:02x}); "
                           "save it as UTF-8") from None
    return history.has_entry(text, version)


def release_day(day: str) -> str:
    """``day`` when it is a real date written YYYY-MM-DD; a ReleaseError otherwise."""
    try:
        parsed = Date.fromisoformat(day)
    except ValueError:
        parsed = None
    if parsed is None or parsed.isoformat() != day:
        raise ReleaseError(f"{day!r} is not a date: write YYYY-MM-DD, e.g. 2026-12-01")
    return day


def generated(dataset: Dataset, derived: Derived | None = None) -> dict[Path, str]:
    """Every file a release regenerates from dataset.yaml, by repository-relative path."""
    files = {CITATION: citation_cff(dataset)}
    for path, make in (derived or {}).items():
        files[path] = make(dataset)
    return files


def data_readme(dataset: Dataset) -> str:
    """The README that travels inside the release zip: the files, the columns, the licences, how to cite."""
    lines = [
        f"# {dataset.title}, version {dataset.version}", "",
        " ".join(dataset.description.split()), "",
        "## Files", "",
        "| file | what it is |", "|---|---|",
        "| `datapackage.json` | the Frictionless Data Package descriptor: every resource, its columns, types, keys, size and SHA-256 |",
        "| `data/*.csv` | one CSV file per resource (UTF-8, header row) |",
        "| `data/parquet/*.parquet` | the same tables as Parquet, each column typed as its Table Schema says |",
        "| `records/` | the curated YAML records the tables are built from |",
        "| `sources/` | the archive pages the records were curated from, byte for byte (`source_transcription_file`) |",
        f"| `{DATABASE_NAME}` | a SQLite database with the same tables, keys and full-text search |",
        "| `CITATION.cff` | how to cite this version (Citation File Format) |",
        f"| `{jsonld.FILE_NAME}` | the dataset described for search engines and catalogues (schema.org `Dataset`, JSON-LD) |",
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


ORIGINALS = ("records", "sources")
"""Folders of the repository that travel in the zip, so that every path in the data (a document's
``source_transcription_file`` in ``sources/``, a record's file in ``records/``) resolves inside it."""


def _originals(root: Path) -> dict[str, bytes]:
    """Every regular, non-hidden file under ``root``'s :data:`ORIGINALS`, by its path relative to ``root``."""
    files: dict[str, bytes] = {}
    for name in ORIGINALS:
        folder = root / name
        if not folder.is_dir():
            raise ReleaseError(f"{folder}: missing; the release zip carries the records and the kept pages")
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not path.is_symlink() and not any(part.startswith(".") for part in relative.parts):
                files[relative.as_posix()] = path.read_bytes()
    return files


def dataset_jsonld(repository: Path, dataset: Dataset, files: dict[str, bytes]) -> str:
    """The schema.org description of the release: its coverage from the built documents, its
    distribution the descriptor's resources and the database, beside it in the zip."""
    descriptor = json.loads(files["datapackage.json"])
    extra = {"datapackage.json": ("application/json", files["datapackage.json"]),
             DATABASE_NAME: ("application/vnd.sqlite3", files[DATABASE_NAME])}
    coverage = jsonld.coverage_from_csv(repository / "data" / "documents.csv")
    return jsonld.render(jsonld.describe(dataset, coverage, jsonld.package_distribution(descriptor, extra)))


def write_zip(repository: Path, dataset: Dataset, target: Path, originals: Path) -> None:
    """The release zip, reproducibly: sorted members, fixed dates and modes, and their SHA256SUMS.

    ``repository`` holds the build (descriptor, data, database) and the generated files;
    ``originals`` the ``records/`` and ``sources/`` the build was made from.
    """
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
    for path in sorted((repository / "data" / "parquet").glob("*.parquet")):
        files[f"data/parquet/{path.name}"] = path.read_bytes()
    files[jsonld.FILE_NAME] = dataset_jsonld(repository, dataset, files).encode("utf-8")
    files.update(_originals(originals))
    sums = "".join(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files))
    files["SHA256SUMS"] = sums.encode("utf-8")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            info, content = _member(f"{folder}/{name}", files[name], dataset.created)
            archive.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def _staging(dist: Path) -> Path:
    """A fresh staging folder under ``dist/`` (same file system, so moving into place is a rename);
    what a killed release left there is cleared first."""
    for stale in dist.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dist))


def _targets(dist: Path, zip_path: Path, sums_path: Path) -> None:
    """Refuse, before any work, output paths that cannot be written (a folder where the zip goes ...)."""
    if dist.exists() and not dist.is_dir():
        raise ReleaseError(f"{dist} is not a folder: move it away so the release can write into it")
    for path in (zip_path, sums_path):
        if path.exists() and not path.is_file():
            raise ReleaseError(f"{path} is not a file: move it away so the release can write it")


def publish(repository: Path, moves: list[tuple[Path, Path | None]], backup: Path) -> None:
    """Move each staged file onto its repository-relative target (None: delete the target), in order.

    Each replaced file is first moved into ``backup``; if a move fails, every file moved so far is
    put back, so the tree is either wholly updated or as it was.
    """
    done: list[tuple[Path, Path | None]] = []
    try:
        for relative, staged in moves:
            target = repository / relative
            kept = backup / relative if target.exists() else None
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, kept)
            done.append((target, kept))
            if staged is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
    except BaseException as error:  # an OSError, or an interrupt: put everything back either way
        for target, kept in reversed(done):
            try:
                if kept is not None:
                    os.replace(kept, target)
                else:
                    target.unlink(missing_ok=True)
            except OSError:
                pass
        if isinstance(error, OSError):
            raise ReleaseError(f"cannot write {error.filename or repository}: {error.strerror or error}; "
                               "the previous files were put back") from None
        raise


def release(repository: Path, version: str, day: str | None = None, *, derived: Derived | None = None) -> Release:
    """Run every check, then bump, build and package. Raises ReleaseError when refused.

    ``derived`` names the files the caller regenerates from dataset.yaml besides CITATION.cff (the
    CLI passes the Datasette metadata), so this stage needs to know no later one.
    """
    from armistice.rules import validate

    if not re.match(VERSION_PATTERN, version):
        raise ReleaseError(f"{version!r} is not a version: write MAJOR.MINOR.PATCH, e.g. 1.0.0")
    if day is not None:
        release_day(day)
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
    if previous is not None and diffs.version_key(version) <= diffs.version_key(previous):
        raise ReleaseError(f"{version} is not after the previous release {previous}")
    dist = repository / "dist"
    zip_path = dist / f"{NAME}-{version}.zip"
    sums_path = dist / "SHA256SUMS"
    _targets(dist, zip_path, sums_path)
    try:
        current = load_dataset(repository / DATASET)
    except DatasetError as error:
        raise ReleaseError(str(error)) from None
    released = current.created if current.version == version else (day or datetime.now(UTC).date().isoformat())
    try:
        dist.mkdir(exist_ok=True)
        staging = _staging(dist)
    except OSError as error:
        raise ReleaseError(f"cannot write to {dist}: {error.strerror or error}") from None
    try:
        return _cut(repository, staging, version, released, previous, previous_commit, derived,
                    zip_path, sums_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _cut(repository: Path, staging: Path, version: str, released: str, previous: str | None,
         previous_commit: str | None, derived: Derived | None, zip_path: Path, sums_path: Path) -> Release:
    """Everything after the checks, written under ``staging/tree`` (the repository's layout), then published."""
    tree = staging / "tree"
    tree.mkdir()
    try:
        dataset = write_fields(repository / DATASET, tree / DATASET, {"version": version, "created": released})
        build(repository / "records", tree, tree / DATASET)
    except DatasetError as error:
        raise ReleaseError(str(error)) from None
    except BuildError as error:
        raise ReleaseError(f"the build failed: {error}") from None
    except OSError as error:
        raise ReleaseError(f"cannot write to {staging}: {error.strerror or error}") from None
    bump = "major"
    if previous is not None:
        try:
            old = diffs.load_side(previous_commit, repository, staging)  # type: ignore[arg-type]
        except diffs.SideError as error:
            raise ReleaseError(str(error)) from None
        bump = diffs.compare(old, diffs.load_side(str(tree), repository, staging)).bump
        needed = diffs.bumped(previous, bump)
        if diffs.version_key(version) < diffs.version_key(needed):
            raise ReleaseError(f"the changes since {previous} need a {bump.upper()} release: at least {needed}, "
                               f"not {version} (see `armistice diff v{previous} .`)")
    try:
        files = generated(dataset, derived)
        for relative, text in files.items():
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            (tree / relative).write_text(text, encoding="utf-8")
        for name in ("CHANGELOG.md", "LICENSE-DATA.md"):  # read into the zip; never published back
            shutil.copyfile(repository / name, tree / name)
        staged_zip = staging / zip_path.name
        write_zip(tree, dataset, staged_zip, repository)
        digest = hashlib.sha256(staged_zip.read_bytes()).hexdigest()
        staged_sums = staging / sums_path.name
        staged_sums.write_text(f"{digest}  {zip_path.name}\n", encoding="utf-8")
    except OSError as error:
        raise ReleaseError(f"cannot write the release: {error.strerror or error} ({error.filename})") from None
    data = Path("data")
    csvs = sorted(path.name for path in (tree / data).glob("*.csv"))
    moves: list[tuple[Path, Path | None]] = [
        (zip_path.relative_to(repository), staged_zip),
        (sums_path.relative_to(repository), staged_sums),
        (Path("dist") / DATABASE_NAME, tree / "dist" / DATABASE_NAME),
        *[(data / name, tree / data / name) for name in csvs],
        *[(data / path.name, None) for path in sorted((repository / data).glob("*.csv")) if path.name not in csvs],
        (Path("datapackage.json"), tree / "datapackage.json"),
        *[(relative, tree / relative) for relative in files],
        (DATASET, tree / DATASET),
    ]
    publish(repository, moves, staging / "backup")
    return Release(version, zip_path, sums_path, digest, bump, previous)
