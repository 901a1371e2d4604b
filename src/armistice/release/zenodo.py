"""A release's DOI, taken from Zenodo's answer and written into dataset.yaml.

Zenodo mints the DOIs: the concept DOI (every version, resolving to the latest) with the first
upload, and one per version. The release workflow asks Zenodo's deposit API for a new version
with a pre-reserved DOI before the release is cut, so the zip, CITATION.cff, ``datapackage.json``
and every citation of that version can carry its own DOI. Zenodo answers with the deposition as
JSON: a draft holds the reserved DOI in ``metadata.prereserve_doi.doi``, a published deposition in
``doi``, and ``conceptdoi`` once the concept DOI exists. This module reads that answer, and only
that answer: a DOI is never built from an id or guessed, and one the answer lacks stays empty.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from armistice.dataset import load_dataset, write_fields
from armistice.models import VERSION_PATTERN, Dataset

DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")


class ZenodoError(Exception):
    """Zenodo's answer holds no usable DOI, or contradicts what dataset.yaml records."""


def read_answer(path: Path) -> dict[str, Any]:
    """Zenodo's answer (a deposition, as JSON) from ``path``."""
    try:
        answer = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ZenodoError(f"{path}: cannot read Zenodo's answer: {error}") from None
    except json.JSONDecodeError as error:
        raise ZenodoError(f"{path}:{error.lineno}:{error.colno}: not JSON: {error.msg}") from None
    if not isinstance(answer, dict):
        raise ZenodoError(f"{path}: Zenodo's answer is not a JSON object (a deposition)")
    return answer


def _doi(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not DOI.match(value):
        raise ZenodoError(f"{where}: {value!r} is not a DOI (10.NNNN/...)")
    return value


def dois(answer: dict[str, Any], source: str = "answer") -> tuple[str, str | None]:
    """``(version DOI, concept DOI or None)`` from a deposition: the published ``doi``, else the
    draft's pre-reserved one."""
    metadata = answer.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    reserved = metadata.get("prereserve_doi")
    reserved = reserved if isinstance(reserved, dict) else {}
    version = _doi(answer.get("doi"), f"{source}: doi") or _doi(reserved.get("doi"), f"{source}: metadata.prereserve_doi.doi")
    if version is None:
        raise ZenodoError(f"{source}: Zenodo's answer has neither `doi` nor `metadata.prereserve_doi.doi`")
    return version, _doi(answer.get("conceptdoi"), f"{source}: conceptdoi")


def record(dataset_path: Path, version: str, answer: dict[str, Any], source: str = "answer") -> Dataset:
    """Write ``version``'s DOI from ``answer`` into ``dataset_path`` (and the concept DOI when the
    answer has one and the file none); refuses a second, different DOI for a version or the concept."""
    if not re.match(VERSION_PATTERN, version):
        raise ZenodoError(f"{version!r} is not a version (MAJOR.MINOR.PATCH)")
    version_doi, concept_doi = dois(answer, source)
    current = load_dataset(dataset_path)
    known = current.version_dois.get(version)
    if known and known != version_doi:
        raise ZenodoError(f"{dataset_path}: version {version} already has DOI {known}, not {version_doi}")
    if concept_doi and current.concept_doi and current.concept_doi != concept_doi:
        raise ZenodoError(f"{dataset_path}: the concept DOI is {current.concept_doi}, Zenodo answers {concept_doi}")
    changes: dict[str, Any] = {"version_dois": {version: version_doi}}
    if concept_doi and not current.concept_doi:
        changes["concept_doi"] = concept_doi
    return write_fields(dataset_path, dataset_path, changes)
