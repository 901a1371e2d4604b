"""Findable and citable: the homepage, the concept DOI and each version's DOI reach every output.

A fixture dataset.yaml records all three (an example.org address and DOIs of DataCite's test prefix
10.5072, which resolve nowhere); every output must carry them: ``datapackage.json``, CITATION.cff
(valid for cffconvert when it is installed), ``armistice cite`` in every format, the explorer's home
and document pages, and the schema.org JSON-LD. With the fields empty (as committed today), none of
those outputs holds a DOI or an address the dataset.yaml does not give.

The JSON-LD is expanded with pyld through a local document loader holding a small schema.org
context written here (no network). ``armistice doi`` is run on fake Zenodo answers. The README's
typed CSV readers (pandas, DuckDB) are run on a release zip and give every table, the empty ones
too, the Table Schema's types.
"""

from __future__ import annotations

import asyncio
import csv
import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from armistice.dataset import load_dataset
from armistice.explore import serve
from armistice.publish import package as pkg
from armistice.release import jsonld, zenodo
from armistice.release.citation import FORMATS, citation_cff, dataset_item
from armistice.release.cut import NAME, write_zip
from conftest import REPO, VALID, run_cli

HOMEPAGE = "https://example.org/korean-armistice-telegrams"
CONCEPT = "10.5072/zenodo.100000"
VERSION_DOI = "10.5072/zenodo.100001"
TOOLS = REPO / ".venv-tools" / "bin"


def _with_addresses(text: str, version: str) -> str:
    data = yaml.safe_load(text)
    data.update(homepage=HOMEPAGE, concept_doi=CONCEPT, version_dois={"0.9.0": "10.5072/zenodo.99999",
                                                                         version: VERSION_DOI})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two records roots of the valid fixture: one whose dataset.yaml records the addresses, one
    (the committed dataset.yaml) that records none."""
    out = {}
    committed = (REPO / "dataset.yaml").read_text(encoding="utf-8")
    version = load_dataset(REPO / "dataset.yaml").version
    for name, text in (("set", _with_addresses(committed, version)), ("empty", committed)):
        root = tmp_path_factory.mktemp(name)
        shutil.copytree(VALID / "records", root / "records")
        shutil.copytree(VALID / "sources", root / "sources")
        (root / "dataset.yaml").write_text(text, encoding="utf-8")
        out[name] = root
    return out


def _strings(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _found_addresses(text: str) -> set[str]:
    """Every DOI and web address in ``text`` but the archive's (the source of the documents)."""
    found = set(re.findall(r"10\.\d{4,9}/[^\s\"'}<>,;]+", text))
    found |= {u for u in re.findall(r"https?://[^\s\"'}<>,;)]+", text)
              if not any(known in u for known in ("wilsoncenter.org", "creativecommons.org", "schema.org", "datapackage.org"))}
    return {item.rstrip(".") for item in found}


def test_a_dataset_without_addresses_has_no_doi() -> None:
    dataset = load_dataset(REPO / "dataset.yaml")
    assert dataset.doi is None or dataset.doi == dataset.version_dois[dataset.version]


# --- datapackage.json --------------------------------------------------------------------------


def test_the_descriptor_carries_the_homepage_and_the_dois(roots: dict[str, Path], tmp_path: Path) -> None:
    pkg.build(roots["set"] / "records", tmp_path / "set", roots["set"] / "dataset.yaml")
    descriptor = json.loads((tmp_path / "set" / "datapackage.json").read_text())
    assert descriptor["id"] == f"https://doi.org/{VERSION_DOI}"
    assert descriptor["homepage"] == HOMEPAGE
    assert descriptor["concept_doi"] == f"https://doi.org/{CONCEPT}"
    from frictionless import Package

    report = Package(str(tmp_path / "set" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["title", "type", "note"])
    pkg.build(roots["empty"] / "records", tmp_path / "empty", roots["empty"] / "dataset.yaml")
    empty = json.loads((tmp_path / "empty" / "datapackage.json").read_text())
    assert not {"id", "homepage", "concept_doi"} & set(empty)
    top = {k: v for k, v in empty.items() if k != "resources"}
    assert not _found_addresses(_strings(top)), top


def test_a_version_without_its_own_doi_is_identified_by_the_concept_doi(roots: dict[str, Path]) -> None:
    dataset = load_dataset(roots["set"] / "dataset.yaml").model_copy(update={"version": "9.9.9"})
    assert dataset.doi is None  # never the DOI of another version
    assert pkg.addresses(dataset) == {"id": f"https://doi.org/{CONCEPT}", "homepage": HOMEPAGE}
    assert dataset_item(dataset)["DOI"] == CONCEPT


# --- CITATION.cff ------------------------------------------------------------------------------


def _validate_cff(text: str, tmp_path: Path) -> None:
    if not (TOOLS / "cffconvert").is_file():
        pytest.skip("cffconvert is not installed here (.venv-tools, requirements-tools.lock)")
    path = tmp_path / "CITATION.cff"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run([str(TOOLS / "cffconvert"), "--validate", "-i", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_citation_cff_carries_them_and_validates(roots: dict[str, Path], tmp_path: Path) -> None:
    text = citation_cff(load_dataset(roots["set"] / "dataset.yaml"))
    data = yaml.safe_load(text)
    assert data["doi"] == VERSION_DOI and data["url"] == HOMEPAGE and data["repository-code"] == HOMEPAGE
    assert {(i["type"], i["value"]) for i in data["identifiers"]} == {
        ("doi", VERSION_DOI), ("doi", CONCEPT), ("url", HOMEPAGE)}
    _validate_cff(text, tmp_path)


def test_citation_cff_without_them_invents_none(roots: dict[str, Path], tmp_path: Path) -> None:
    text = citation_cff(load_dataset(roots["empty"] / "dataset.yaml"))
    data = yaml.safe_load(text)
    assert not {"doi", "url", "repository-code", "identifiers"} & set(data)
    assert not _found_addresses(text)
    _validate_cff(text, tmp_path)


# --- armistice cite, every format --------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_citation_format_carries_them(fmt: str, roots: dict[str, Path]) -> None:
    run = run_cli("cite", "--format", fmt, "--records", str(roots["set"] / "records"))
    assert run.exit_code == 0, run.output
    for value in (VERSION_DOI, CONCEPT, HOMEPAGE):
        assert value in run.output, (fmt, value, run.output)
    assert "10.5072/zenodo.99999" not in run.output  # another version's DOI


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_them_no_citation_format_invents_one(fmt: str, roots: dict[str, Path]) -> None:
    run = run_cli("cite", "--format", fmt, "--records", str(roots["empty"] / "records"))
    assert run.exit_code == 0, run.output
    assert not _found_addresses(run.output), run.output
    assert "doi" not in run.output.lower()


def test_a_document_citation_names_the_version_s_doi(roots: dict[str, Path]) -> None:
    document = next((roots["set"] / "records" / "documents").glob("*.yaml")).stem
    for fmt in FORMATS:
        run = run_cli("cite", document, "--format", fmt, "--records", str(roots["set"] / "records"))
        assert run.exit_code == 0, run.output
        assert f"https://doi.org/{VERSION_DOI}" in run.output, fmt


# --- the explorer ------------------------------------------------------------------------------


def _pages(root: Path, tmp_path: Path) -> tuple[str, str]:
    from test_datasette import make_datasette

    pkg.build(root / "records", tmp_path / "site", root / "dataset.yaml")
    datasette = make_datasette(tmp_path / "site" / "dist" / pkg.DATABASE_NAME,
                               serve.metadata(load_dataset(root / "dataset.yaml")))
    document = next((root / "records" / "documents").glob("*.yaml")).stem
    loop = asyncio.new_event_loop()
    try:
        home = loop.run_until_complete(datasette.client.get("/"))
        page = loop.run_until_complete(datasette.client.get(f"/{serve.DATABASE}/documents/{document}"))
    finally:
        loop.close()
    assert home.status_code == page.status_code == 200
    return home.text, page.text


def _home_jsonld(page: str) -> dict[str, Any]:
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    return json.loads(script)


def _cite_block(page: str) -> str:
    return html.unescape(page.split('<section class="citation">', 1)[1].split("</section>", 1)[0])


def test_the_explorer_pages_carry_them(roots: dict[str, Path], tmp_path: Path) -> None:
    home, page = _pages(roots["set"], tmp_path)
    visible = html.unescape(home.split("<script", 1)[0] + home.split("</script>")[-1])
    for value in (VERSION_DOI, CONCEPT, HOMEPAGE):
        assert value in visible, value
    block = _cite_block(page)
    assert VERSION_DOI in block and HOMEPAGE in block
    described = _home_jsonld(home)
    assert described["url"] == HOMEPAGE
    assert described["identifier"] == [f"https://doi.org/{VERSION_DOI}", f"https://doi.org/{CONCEPT}"]


def test_without_them_the_explorer_pages_invent_none(roots: dict[str, Path], tmp_path: Path) -> None:
    home, page = _pages(roots["empty"], tmp_path)
    described = _home_jsonld(home)
    assert "url" not in described and "identifier" not in described
    assert "doi.org" not in home and "doi.org" not in _cite_block(page)


# --- schema.org JSON-LD ------------------------------------------------------------------------

SCHEMA_ORG = "https://schema.org/"
TERMS = ("Dataset", "DataDownload", "Organization", "CreativeWork", "name", "alternateName", "description",
         "version", "datePublished", "keywords", "creator", "isAccessibleForFree", "isBasedOn", "temporalCoverage",
         "distribution", "encodingFormat", "contentSize", "sha256", "isPartOf")
IDS = ("url", "license", "identifier", "contentUrl")
LOCAL_CONTEXT = {"@context": {**{term: f"{SCHEMA_ORG}{term}" for term in TERMS},
                              **{term: {"@id": f"{SCHEMA_ORG}{term}", "@type": "@id"} for term in IDS}}}
"""A small schema.org context: only the terms the description uses (a term missing here would be
dropped by the expansion, and the test would see it gone); addresses are typed as IRIs."""


def _loader(url: str, _options: dict[str, Any] | None = None) -> dict[str, Any]:
    if url.rstrip("/") + "/" != SCHEMA_ORG:
        raise AssertionError(f"the expansion asked for {url}: no document but the local schema.org context")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": LOCAL_CONTEXT}


def _expand(description: dict[str, Any]) -> dict[str, Any]:
    from pyld import jsonld as pyld

    (expanded,) = pyld.expand(description, {"documentLoader": _loader, "base": "https://example.invalid/release/"})
    return expanded


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.fixture(scope="module")
def release_zip(roots: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A release zip per records root, written by the function `armistice release` uses."""
    out = {}
    for name, root in roots.items():
        build = tmp_path_factory.mktemp(f"build-{name}")
        pkg.build(root / "records", build, root / "dataset.yaml")
        (build / "CITATION.cff").write_text(citation_cff(load_dataset(root / "dataset.yaml")), encoding="utf-8")
        for file in ("CHANGELOG.md", "LICENSE-DATA.md"):
            shutil.copyfile(REPO / file, build / file)
        dataset = load_dataset(root / "dataset.yaml")
        target = tmp_path_factory.mktemp(f"zip-{name}") / f"{NAME}-{dataset.version}.zip"
        write_zip(build, dataset, target, root)
        folder = tmp_path_factory.mktemp(f"unpacked-{name}")
        with zipfile.ZipFile(target) as archive:
            archive.extractall(folder)
        out[name] = folder / f"{NAME}-{dataset.version}"
    return out


def _coverage(documents_csv: Path) -> str:
    with documents_csv.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    first, last = min(r["date_min"] for r in rows), max(r["date_max"] for r in rows)
    return first if first == last else f"{first}/{last}"


def test_the_release_s_jsonld_expands_and_keeps_every_term(release_zip: dict[str, Path]) -> None:
    folder = release_zip["set"]
    described = json.loads((folder / jsonld.FILE_NAME).read_text(encoding="utf-8"))
    dataset = load_dataset(REPO / "dataset.yaml")
    assert (described["@type"], described["name"], described["version"]) == ("Dataset", dataset.title, dataset.version)
    assert described["temporalCoverage"] == _coverage(folder / "data" / "documents.csv")
    assert described["url"] == HOMEPAGE
    expanded = _expand(described)
    assert expanded["@type"] == [f"{SCHEMA_ORG}Dataset"]
    used = _keys(described) - {"@context", "@type"}
    assert {k for k in _keys(expanded) if not k.startswith("@")} == {f"{SCHEMA_ORG}{k}" for k in used}
    assert expanded[f"{SCHEMA_ORG}url"] == [{"@id": HOMEPAGE}]
    assert {i["@id"] for i in expanded[f"{SCHEMA_ORG}identifier"]} == {
        f"https://doi.org/{VERSION_DOI}", f"https://doi.org/{CONCEPT}"}
    descriptor = json.loads((folder / "datapackage.json").read_text())
    downloads = {d["contentUrl"]: d for d in described["distribution"]}
    for resource in descriptor["resources"]:
        content = (folder / resource["path"]).read_bytes()
        assert downloads[resource["path"]]["contentSize"] == f"{len(content)} B"
        assert "sha256:" + downloads[resource["path"]]["sha256"] == resource["hash"]
    assert {"datapackage.json", pkg.DATABASE_NAME} <= set(downloads)
    assert all((folder / path).is_file() for path in downloads)


def test_the_jsonld_without_addresses_has_no_url_or_identifier(release_zip: dict[str, Path]) -> None:
    described = json.loads((release_zip["empty"] / jsonld.FILE_NAME).read_text(encoding="utf-8"))
    assert not {"url", "identifier", "isPartOf"} & set(described)
    _expand(described)


def test_the_home_page_jsonld_expands_with_the_coverage_of_its_database(roots: dict[str, Path], tmp_path: Path) -> None:
    home, _page = _pages(roots["set"], tmp_path)
    described = _home_jsonld(home)
    assert described["temporalCoverage"] == _coverage(tmp_path / "site" / "data" / "documents.csv")
    assert _expand(described)[f"{SCHEMA_ORG}temporalCoverage"]


def test_the_zip_lists_its_jsonld(release_zip: dict[str, Path]) -> None:
    folder = release_zip["empty"]
    assert f"{jsonld.FILE_NAME}" in (folder / "SHA256SUMS").read_text()
    assert f"`{jsonld.FILE_NAME}`" in (folder / "README.md").read_text()


# --- armistice doi, from Zenodo's answer -------------------------------------------------------

DRAFT = {"id": 100001, "conceptrecid": "100000", "submitted": False, "state": "unsubmitted",
         "metadata": {"title": "synthetic", "prereserve_doi": {"doi": VERSION_DOI, "recid": 100001}},
         "links": {"bucket": "https://example.invalid/api/files/0"}}
PUBLISHED = {"id": 100001, "doi": VERSION_DOI, "conceptdoi": CONCEPT, "submitted": True, "state": "done",
             "metadata": {"title": "synthetic", "doi": VERSION_DOI}}


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder as the release workflow has it: dataset.yaml, records/, datasette/."""
    shutil.copyfile(REPO / "dataset.yaml", tmp_path / "dataset.yaml")
    (tmp_path / "records").mkdir()
    (tmp_path / "datasette").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _answer(folder: Path, value: Any, name: str = "answer.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_doi_records_the_reserved_doi_of_a_draft(repository: Path) -> None:
    version = "7.0.0"
    before = (repository / "dataset.yaml").read_text()
    run = run_cli("doi", version, str(_answer(repository, DRAFT)))
    assert run.exit_code == 0, run.output
    dataset = load_dataset(repository / "dataset.yaml")
    assert dataset.version_dois == {version: VERSION_DOI} and dataset.concept_doi is None  # not in a draft's answer
    after = (repository / "dataset.yaml").read_text()
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        "version_dois:", f"  {version}: {VERSION_DOI}"]
    assert VERSION_DOI not in yaml.safe_load((repository / "CITATION.cff").read_text()).get("doi", "")  # not this version
    assert (repository / "datasette" / "metadata.json").is_file()


def test_doi_of_the_current_version_reaches_citation_cff(repository: Path) -> None:
    version = load_dataset(repository / "dataset.yaml").version
    run = run_cli("doi", version, str(_answer(repository, PUBLISHED)))
    assert run.exit_code == 0, run.output
    dataset = load_dataset(repository / "dataset.yaml")
    assert (dataset.doi, dataset.concept_doi) == (VERSION_DOI, CONCEPT)
    cff = yaml.safe_load((repository / "CITATION.cff").read_text())
    assert cff["doi"] == VERSION_DOI
    assert VERSION_DOI in json.loads((repository / "datasette" / "metadata.json").read_text())[
        "plugins"]["armistice"]["citations"]["csl-json"]


def test_doi_refuses_a_second_doi_and_an_answer_without_one(repository: Path) -> None:
    assert run_cli("doi", "7.0.0", str(_answer(repository, DRAFT))).exit_code == 0
    before = (repository / "dataset.yaml").read_text()
    other = {**PUBLISHED, "doi": "10.5072/zenodo.100002"}
    run = run_cli("doi", "7.0.0", str(_answer(repository, other)))
    assert run.exit_code == 1 and "already has DOI" in run.output
    for answer, message in (({"id": 1, "metadata": {}}, "neither"), ({"doi": "zenodo.1"}, "not a DOI")):
        run = run_cli("doi", "7.0.0", str(_answer(repository, answer)))
        assert run.exit_code == 1 and message in run.output, run.output
    (repository / "broken.json").write_text('{"doi": ', encoding="utf-8")
    run = run_cli("doi", "7.0.0", str(repository / "broken.json"))
    assert run.exit_code == 1 and re.search(r"broken\.json:1:\d+: not JSON", run.output), run.output
    assert run_cli("doi", "seven", str(_answer(repository, DRAFT))).exit_code == 1
    assert (repository / "dataset.yaml").read_text() == before
    assert run.exception is None


def test_doi_reads_only_the_answer() -> None:
    assert zenodo.dois(PUBLISHED) == (VERSION_DOI, CONCEPT)
    assert zenodo.dois(DRAFT) == (VERSION_DOI, None)


# --- typed reading of the CSV, from the README -------------------------------------------------


def _readme_block(marker: str) -> str:
    from test_readme import blocks

    (block,) = [b for b in blocks("README.md") if b.lang == "python" and marker in b.text]
    return block.text


PANDAS_TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean",
                "date": "datetime64", "array": "object"}
"""The dtype each Table Schema type reads as (a date's unit, ns or us, is the pandas version's choice)."""
DUCKDB_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
                "array": "VARCHAR"}


def _run_block(text: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.chdir(folder.parent)
    namespace: dict[str, Any] = {}
    exec(compile(text, "README.md", "exec"), namespace)
    return namespace


def _readme_reader(block: str, release_zip: dict[str, Path], monkeypatch: pytest.MonkeyPatch
                   ) -> tuple[dict[str, Any], Path, list[dict[str, Any]]]:
    """The README's reader that starts with ``block``, run in the unzipped release that leaves some
    table empty (its folder named as the README names the current release), and that release's tables."""
    folder = release_zip["empty"]
    text = _readme_block(block).replace(f"{NAME}-{load_dataset(REPO / 'dataset.yaml').version}", folder.name)
    namespace = _run_block(text, folder, monkeypatch)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    return namespace, folder, [r for r in descriptor["resources"] if r["type"] == "table"]


def test_the_readme_pandas_csv_reader_gives_every_table_its_schema_types(release_zip: dict[str, Path],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas")
    namespace, _, tables = _readme_reader("def read_table", release_zip, monkeypatch)
    empty = 0
    for resource in tables:
        table = namespace["read_table"](resource["name"])
        fields = resource["schema"]["fields"]
        assert list(table.columns) == [f["name"] for f in fields]
        assert [re.sub(r"\[\w+\]$", "", str(t)) for t in table.dtypes] == [PANDAS_TYPES[f["type"]] for f in fields], \
            resource["name"]
        empty += table.empty
        for f in (f for f in fields if f["type"] == "array"):
            assert all(isinstance(v, list) for v in table[f["name"]].dropna()), (resource["name"], f["name"])
    assert empty, "the fixture should leave some table without rows"


def test_the_readme_duckdb_csv_reader_gives_every_table_its_schema_types(release_zip: dict[str, Path],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("duckdb")
    namespace, folder, tables = _readme_reader("def csv_table", release_zip, monkeypatch)
    for resource in tables:
        relation = namespace["csv_table"](resource["name"])
        fields = resource["schema"]["fields"]
        assert relation.columns == [f["name"] for f in fields]
        assert [str(t) for t in relation.types] == [DUCKDB_TYPES[f["type"]] for f in fields], resource["name"]
        with (folder / resource["path"]).open(newline="", encoding="utf-8") as stream:
            assert len(relation.fetchall()) == sum(1 for _ in csv.DictReader(stream)), resource["name"]
