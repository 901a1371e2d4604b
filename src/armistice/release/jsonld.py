"""The dataset described for search engines and catalogues: a schema.org ``Dataset`` in JSON-LD.

Google Dataset Search, DataCite-style catalogues and harvesters read schema.org markup, not a
Frictionless descriptor, so the release zip carries ``dataset.jsonld`` and the explorer's home page
embeds the same description in a ``<script type="application/ld+json">``. Everything in it comes from
``dataset.yaml`` (name, description, version, licences, creator, source, keywords) and from the
records (``temporalCoverage``: the first and last day the documents can be dated to); ``url`` and
``identifier`` appear only when ``dataset.yaml`` records the homepage or a DOI, so nothing is ever
invented. ``distribution`` lists each file a reader can download, with its format, size and SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from armistice.models import Dataset
from armistice.release.citation import doi_address

FILE_NAME = "dataset.jsonld"
CONTEXT = "https://schema.org/"


def coverage_of(days: Iterable[tuple[str | None, str | None]]) -> str | None:
    """``temporalCoverage`` (ISO 8601 interval ``first/last``) from ``(date_min, date_max)`` pairs,
    or None when no document is dated."""
    firsts, lasts = [], []
    for first, last in days:
        if first:
            firsts.append(first)
        if last:
            lasts.append(last)
    if not firsts or not lasts:
        return None
    start, end = min(firsts), max(lasts)
    return start if start == end else f"{start}/{end}"


def coverage_from_csv(documents_csv: Path) -> str | None:
    """The coverage of a built package's ``documents.csv``."""
    with documents_csv.open(newline="", encoding="utf-8") as stream:
        return coverage_of((row["date_min"], row["date_max"]) for row in csv.DictReader(stream))


def download(path: str, mediatype: str, size: int | None = None, sha256: str | None = None) -> dict[str, Any]:
    """One ``DataDownload``: ``path`` is relative to where the description lies (the zip's folder)."""
    item: dict[str, Any] = {"@type": "DataDownload", "name": path, "contentUrl": path, "encodingFormat": mediatype}
    if size is not None:
        item["contentSize"] = f"{size} B"
    if sha256 is not None:
        item["sha256"] = sha256
    return item


def describe(dataset: Dataset, coverage: str | None, distribution: list[dict[str, Any]]) -> dict[str, Any]:
    """The schema.org ``Dataset`` of this version."""
    creators = [{"@type": "Organization", "name": c.title} for c in dataset.contributors if "creator" in c.roles]
    # The metadata's licence by its address; the texts' terms are the archive's, named with their page.
    licences: list[Any] = [dataset.metadata_licence.path] if dataset.metadata_licence.path else []
    licences.append({"@type": "CreativeWork", "name": dataset.texts_licence.title, "url": dataset.texts_licence.path}
                    if dataset.texts_licence.path else dataset.texts_licence.title)
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "name": dataset.title,
        "alternateName": dataset.name,
        "description": " ".join(dataset.description.split()),
        "version": dataset.version,
        "datePublished": dataset.created,
        "keywords": list(dataset.keywords),
        "license": licences,
        "creator": creators,
        "isAccessibleForFree": True,
        "isBasedOn": {"@type": "CreativeWork", "name": dataset.source.title, "url": dataset.source.path},
    }
    if coverage:
        out["temporalCoverage"] = coverage
    if dataset.homepage:
        out["url"] = dataset.homepage
    identifiers = [doi_address(doi) for doi in (dataset.doi, dataset.concept_doi) if doi]
    if identifiers:
        out["identifier"] = identifiers[0] if len(identifiers) == 1 else identifiers
    if dataset.doi and dataset.concept_doi:
        out["isPartOf"] = {"@type": "Dataset", "name": dataset.title, "identifier": doi_address(dataset.concept_doi)}
    out["distribution"] = distribution
    return out


def package_distribution(descriptor: dict[str, Any], extra: dict[str, tuple[str, bytes]]) -> list[dict[str, Any]]:
    """The downloads of a built package: ``extra`` files (path -> mediatype, bytes) first, then
    every resource of the descriptor with its size and hash as the descriptor gives them."""
    items = [download(path, mediatype, len(content), hashlib.sha256(content).hexdigest())
             for path, (mediatype, content) in extra.items()]
    for resource in descriptor["resources"]:
        digest = resource.get("hash", "").removeprefix("sha256:") or None
        items.append(download(resource["path"], resource.get("mediatype", "application/octet-stream"),
                              resource.get("bytes"), digest))
    return items


def render(description: dict[str, Any]) -> str:
    """The JSON-LD text; safe inside an HTML ``<script>`` too (``<`` is escaped)."""
    return json.dumps(description, indent=2, ensure_ascii=False).replace("<", "\\u003c") + "\n"
