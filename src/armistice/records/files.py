"""Finding record files, and validating each against the model of its kind.

A records root holds one folder per kind (``documents/``, ``people/`` ...), one ``<id>.yaml`` file
per record. This module turns a set of paths into a :class:`Collection` of validated records and a
list of located findings; cross-record rules are applied afterwards by :mod:`armistice.rules`.
"""

from __future__ import annotations

import difflib
import os
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from armistice.models import CUSTOM_ERRORS, KIND_BY_FOLDER, RECORD_KINDS, Record, split_annotation
from armistice.records.findings import FieldPath, Finding, format_field
from armistice.records.loading import Loaded, LoadError, load_file

SUFFIX = ".yaml"


class UsageError(Exception):
    """The paths given do not name records (exit status 2, not a data problem)."""


@dataclass
class Entry:
    """A valid record with the parsed file it came from (for positions)."""

    record: Record
    loaded: Loaded
    file: Path


@dataclass
class Collection:
    """All valid records of a run, by kind and id, plus the number of files read."""

    root: Path | None = None
    by_kind: dict[str, dict[str, Entry]] = field(default_factory=lambda: {m.record_kind: {} for m in RECORD_KINDS})
    files: int = 0
    unreadable: dict[str, set[str]] = field(default_factory=lambda: {m.record_kind: set() for m in RECORD_KINDS})
    """Ids (file names) of records that exist but failed to load or validate: already reported, so
    references to them are not reported again."""

    def get(self, kind: str, record_id: str) -> Record | None:
        entry = self.by_kind[kind].get(record_id)
        return entry.record if entry else None

    def entries(self, kind: str) -> list[Entry]:
        return [self.by_kind[kind][key] for key in sorted(self.by_kind[kind])]


def shown(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


# --------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------


def _is_root(path: Path) -> bool:
    return path.is_dir() and any((path / folder).is_dir() for folder in KIND_BY_FOLDER)


def root_problem(records: Path) -> str | None:
    """Why a command cannot read ``records`` as a records root, or None when it is one.

    Building, serving and citing read a whole root: given a kind folder or a file, validation would
    report only its findings, and a package missing the records in error elsewhere would be published.
    """
    if _is_root(records):
        return None
    if not records.exists():
        return f"{records}: no such records folder"
    if records.name in KIND_BY_FOLDER:
        root = records.parent
    elif records.parent.name in KIND_BY_FOLDER:
        root = records.parent.parent
    else:
        root = None
    hint = f" (use --records {root})" if root is not None else ""
    return (f"{records}: not a records folder; these commands read the whole folder holding "
            + ", ".join(f"{name}/" for name in sorted(KIND_BY_FOLDER)) + f" so that every record is checked{hint}")


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, Path]], list[Finding]]:
    """Resolve the command-line paths into records roots and the files to report on.

    Returns the roots (whose every record is loaded, so references can be resolved), the
    ``(file, root)`` pairs to report findings for, and findings about the layout itself.
    """
    roots: list[Path] = []
    targets: list[tuple[Path, Path]] = []
    findings: list[Finding] = []
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{path}: no such file or directory")
        if _is_root(path):
            root = path
            files = list(_root_files(root, findings))
        elif path.is_dir() and path.name in KIND_BY_FOLDER:
            root = path.parent
            files = list(_folder_files(root, path, findings))
        elif path.is_dir():
            raise UsageError(
                f"{path}: not a records folder (expected one or more of "
                + ", ".join(f"{name}/" for name in KIND_BY_FOLDER)
                + " inside it)"
            )
        else:
            root = path.parent.parent
            files = [path]
        if root not in roots:
            roots.append(root)
        targets.extend((file, root) for file in files)
    return roots, targets, findings


def _root_files(root: Path, findings: list[Finding]) -> Iterator[Path]:
    for folder in sorted(KIND_BY_FOLDER):
        path = root / folder
        if path.is_dir():
            yield from _folder_files(root, path, findings)
        elif path.is_symlink() or path.exists():  # a file, a broken or looping link: never silently skipped
            problem = "a symbolic link that leads nowhere (or back to itself)" if not path.exists() else "not a folder"
            findings.append(Finding(shown(path), 1, 1, "(folder)", f"{problem}: the {folder} records were not read"))


def _folder_files(root: Path, folder: Path, findings: list[Finding]) -> Iterator[Path]:
    problem = escapes(folder, root)
    if problem:
        findings.append(Finding(shown(folder), 1, 1, "(folder)", f"{problem}; the {folder.name} records were not read"))
        return
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)  # one folder: the names order them
    except OSError as error:
        findings.append(Finding(shown(folder), 1, 1, "(folder)", f"cannot read the folder: "
                                f"{error.strerror or error}; the {folder.name} records were not read"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            if entry.suffix in (SUFFIX, ".yml"):
                findings.append(Finding(shown(entry), 1, 1, "(file)", "a hidden file (its name starts with '.') "
                                        f"is not read: rename it to {entry.name.lstrip('.')} if it is a record",
                                        "warning"))
            continue
        if entry.name == "README.md":
            continue
        if entry.suffix == ".yml":
            findings.append(Finding(shown(entry), 1, 1, "(file)", "use the .yaml extension (rename to "
                                    f"{entry.stem}.yaml); this file was not read"))
            continue
        if entry.suffix != SUFFIX:
            findings.append(Finding(shown(entry), 1, 1, "(file)", "not a record file (records end in .yaml); "
                                    "ignored", "warning"))
            continue
        yield entry


def _kind_of(file: Path) -> type[Record] | None:
    return KIND_BY_FOLDER.get(file.parent.name)


# --------------------------------------------------------------------------------------------
# Model validation with positions
# --------------------------------------------------------------------------------------------


def _unwrap(annotation: Any) -> Any:
    """The model class an annotation holds, looking through Optional, list and Annotated."""
    base = split_annotation(annotation)[0]
    while typing.get_origin(base) is list:
        base = split_annotation(typing.get_args(base)[0])[0]
    return base


def model_at(model: type[BaseModel], path: FieldPath) -> type[BaseModel] | None:
    """The nested model class that holds the field at ``path`` (for suggestions)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false value {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value}"
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f"text {text!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def _message(error: Any, model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        holder = model_at(model, loc[:-1])
        known = list(holder.model_fields) if holder else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else (f"; known fields: {', '.join(known)}" if known else "")
        return f"unknown field {loc[-1]!r}{hint}"
    if kind == "string_type":
        hint = f" (quote it: \"{value}\")" if isinstance(value, (int, float, bool)) else ""
        return f"expected text, got {_describe(value)}{hint}"
    if kind in ("int_type", "float_type", "bool_type"):
        wanted = {"int_type": "a whole number", "float_type": "a number", "bool_type": "true or false"}[kind]
        hint = " (remove the quotes)" if isinstance(value, str) else ""
        return f"expected {wanted}, got {_describe(value)}{hint}"
    if kind in ("list_type", "model_type", "dict_type", "model_attributes_type"):
        wanted = "a list" if kind == "list_type" else "a mapping of fields"
        return f"expected {wanted}, got {_describe(value)}"
    if kind == "enum":
        return f"{value!r} is not one of the allowed values: {error['ctx']['expected']}"
    if kind in ("too_short", "too_long") and isinstance(value, list):
        return error["msg"].replace("List", "list")
    if kind in CUSTOM_ERRORS:
        return error["msg"]
    return f"{error['msg']} (got {_describe(value)})"


def model_findings(loaded: Loaded, model: type[Record], error: ValidationError) -> list[Finding]:
    """Located findings for a pydantic ValidationError raised on ``loaded.data``.

    A misspelt key gives one finding, not two: when an unknown key's suggestion is a required
    field reported missing beside it, only the unknown key (with its suggestion) is reported.
    """
    errors = error.errors(include_url=False)
    suggested = set()
    for item in errors:
        if item["type"] == "extra_forbidden":
            loc = tuple(item["loc"])
            holder = model_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), list(holder.model_fields) if holder else [], n=1, cutoff=0.6)
            if close:
                suggested.add(loc[:-1] + (close[0],))
    out = []
    for item in errors:
        loc = tuple(item["loc"])
        if item["type"] == "missing" and loc in suggested:
            continue
        line, column = loaded.position(loc, key=item["type"] == "extra_forbidden")
        out.append(Finding(loaded.path, line, column, format_field(loc), _message(item, model)))
    return out


def misplaced_kind(data: Any, model: type[Record]) -> type[Record] | None:
    """The other record kind ``data`` is valid as, if any: the file is in the wrong folder."""
    for other in RECORD_KINDS:
        if other is not model:
            try:
                other.model_validate(data)
            except ValidationError:
                continue
            return other
    return None


def validate_loaded(loaded: Loaded, model: type[Record]) -> tuple[Record | None, list[Finding]]:
    """Validate one parsed file against ``model``; say so when it is a record of another kind."""
    try:
        return model.model_validate(loaded.data), []
    except ValidationError as error:
        findings = model_findings(loaded, model, error)
    other = misplaced_kind(loaded.data, model)
    if other is not None:
        return None, [Finding(loaded.path, 1, 1, "(record)", f"this is a {other.record_kind} record, not a "
                              f"{model.record_kind}: move it to {other.folder}/")]
    return None, findings


@dataclass
class Loading:
    """What reading one file gave: the record (or None), its findings, and the ids known broken."""

    file: Path
    entry: Entry | None
    findings: list[Finding]
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def load_entry(file: Path, root: Path) -> Loading:
    """Read, parse and model-validate one record file; never raises for a data problem."""
    name = shown(file)
    kind = _kind_of(file)
    if kind is None:
        return Loading(file, None, [Finding(name, 1, 1, "(file)", "a record belongs in a folder named for its kind: "
                                            + ", ".join(f"{folder}/" for folder in KIND_BY_FOLDER))])
    problem = escapes(file, root)
    if problem:
        return Loading(file, None, [Finding(name, 1, 1, "(file)", problem)])
    stem = file.name.removesuffix(SUFFIX)
    try:
        loaded = load_file(file, name)
    except LoadError as error:
        return Loading(file, None, [error.finding], [(kind.record_kind, stem)])
    record, problems = validate_loaded(loaded, kind)
    if record is None:
        others = (kind, misplaced_kind(loaded.data, kind))
        return Loading(file, None, problems, [(other.record_kind, stem) for other in others if other is not None])
    loaded.data = None  # the record holds the values now; positions are found again from the file if needed
    return Loading(file, Entry(record, loaded, file), problems)


def admit(loading: Loading, collection: Collection, findings: list[Finding]) -> Entry | None:
    """Add a loaded record to ``collection`` (or report it as a duplicate); the entry kept, if any."""
    collection.files += 1
    findings.extend(loading.findings)
    for kind, stem in loading.unreadable:
        collection.unreadable[kind].add(stem)
    entry = loading.entry
    if entry is None:
        return None
    record = entry.record
    existing = collection.by_kind[record.record_kind].get(record.id)
    if existing is not None:
        # Keep the record whose file is named after its id; report the other (usually a copy).
        if not named_after_id(existing.file, record.id) and named_after_id(entry.file, record.id):
            collection.by_kind[record.record_kind][record.id] = entry
            entry, existing = existing, entry
        findings.append(duplicate(entry.loaded, record.id, existing.loaded.path))
        return None
    collection.by_kind[record.record_kind][record.id] = entry
    return entry


def named_after_id(file: Path, record_id: str) -> bool:
    """Whether ``file`` is where the record ``record_id`` belongs: of two records sharing an id, the
    one in such a file is kept, else the first read."""
    return file.name == f"{record_id}{SUFFIX}"


def duplicate(loaded: Loaded, record_id: str, kept: str) -> Finding:
    """The finding on a record whose id the record in file ``kept`` (as shown) already has."""
    line, column = loaded.position(("id",))
    return Finding(loaded.path, line, column, "id", f"duplicate id {record_id!r}: also used by {kept}")


def plan(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path]], list[Finding], set[str] | None, Path | None]:
    """Every ``(file, root)`` to load, in order, the layout findings, the paths to report on (None:
    everything) and the single records root, if there is one."""
    paths = list(paths)
    roots, targets, findings = discover(paths)
    report: set[str] | None = None
    if any(not _is_root(p) for p in paths):
        report = {shown(file) for file, _ in targets}
    files: list[tuple[Path, Path]] = []
    for root in roots:
        if paths == [root]:  # the one root asked for, listed whole already: its files are the targets
            files.extend(targets)
        elif _is_root(root):
            files.extend((file, root) for file in _root_files(root, []))
    listed = set(files)
    files.extend(target for target in targets if target not in listed)
    return files, findings, report, roots[0] if len(roots) == 1 else None


def escapes(path: Path, root: Path) -> str | None:
    """Why ``path`` (a record file or a kind folder) may not be read: it, or the folder holding it,
    is a symbolic link that leads outside the records root (it would publish foreign data, and
    ``fmt`` would rewrite it). None when it may; a link that loops is left for reading to report."""
    for link, what in ((path, "symbolic link"), (path.parent, "in a folder that is a symbolic link")):
        if not link.is_symlink():
            continue
        try:
            target = link.resolve(strict=True)
            inside = target.is_relative_to(root.resolve(strict=True))
        except (OSError, RuntimeError):  # a loop or a dangling link: reading it says so
            return None
        if not inside:
            return f"{what} to {target}, outside the records folder: records must live inside it"
    return None
