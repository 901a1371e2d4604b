"""README.md and CONTRIBUTING.md as a newcomer meets them: what they show runs as shown.

- The README opens with what the dataset is, with counts taken from records/, and its sections come in
  the order a newcomer needs them; every command of `armistice` is named in it.
- The download examples run on a real release zip, written by the function `armistice release` uses
  (release.write_zip) from a build of the current records, then checked and unpacked as a user does:
  every ```python block, the R example (when Rscript is installed) and the shell commands.
- Every ```sh and ```console command elsewhere in the two files runs, in document order, in a sandbox:
  a git clone of the repository (so tags and `git diff` work) with the working tree laid over it. A
  command exits 0 unless its comment starts `# exit N`; a ```console block's shown output must appear
  in the real output, in order (`...` skips lines). Three things are not run, for the reasons in SKIPPED.
  The one step no test can take, filling in a record in an editor, is played by a perfect curator:
  the editor command puts the curated record in place.
- CONTRIBUTING's excerpts are real: source excerpts occur in sources/, record excerpts in records/,
  and the skeleton it shows is what `armistice new` writes.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from armistice.cli import main
from armistice.dataset import load_dataset
from armistice.models import KIND_BY_NAME
from armistice.publish import package as pkg
from armistice.records import skeleton
from armistice.release.cut import NAME, write_zip
from conftest import REPO

DOCS = ("README.md", "CONTRIBUTING.md")
DOWNLOAD = "Download a release and open it"
SECTIONS = ["Set up", DOWNLOAD, "Explore it in Datasette", "How to cite", "Licences", "Where the records come from"]
SKIPPED = {
    "make": "sets up .venv/ and runs this suite: it is how these tests are run",
    "armistice serve": "serves until stopped; tests/test_datasette.py and tests/test_browser.py serve the same way",
    "armistice release": "cuts a release from a clean committed tree; tests/test_release.py runs it in a clone",
}
EDITORS = {"code"}
WORKED = REPO / "tests" / "fixtures" / "worked-example"
"""The records of CONTRIBUTING's worked example as the curator leaves them (its page is in tests/fixtures/pages/)."""
VERSION = load_dataset(REPO / "dataset.yaml").version


@dataclass
class Block:
    doc: str
    lang: str
    text: str
    heading: str
    line: int

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks(doc: str) -> list[Block]:
    """The fenced code blocks of a Markdown file, each with the heading it stands under."""
    lines = (REPO / doc).read_text(encoding="utf-8").splitlines()
    found, heading, index = [], "", 0
    while index < len(lines):
        line = lines[index]
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence:
            end = lines.index("```", index + 1)
            found.append(Block(doc, fence[1], "\n".join(lines[index + 1:end]) + "\n", heading, index + 1))
            index = end + 1
            continue
        if re.match(r"^#{2,3} ", line):
            heading = line.lstrip("#").strip()
        index += 1
    return found


def headings(doc: str) -> list[str]:
    """The ``##`` headings, outside code blocks."""
    text = re.sub(r"^```.*?^```$", "", (REPO / doc).read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"^## (.+)$", text, re.MULTILINE)


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """``(command, shown output)`` pairs: every line of a sh block, every ``$ `` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    pending = ""
    for line in block.text.splitlines():
        if block.lang == "console":
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif out:
                out[-1][1].append(line)
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        out.append((pending + line, []))
        pending = ""
    return out


def expected_status(command: str) -> int:
    match = re.search(r"\s#\s*exit (\d+)\b", command)
    return int(match[1]) if match else 0


def skipped(command: str) -> str | None:
    words = shlex.split(command, comments=True)
    for prefix, reason in SKIPPED.items():
        if words[: len(prefix.split())] == prefix.split():
            return reason
    return None


def _environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONUNBUFFERED": "1", "GIT_PAGER": "cat", "NO_COLOR": "1"}


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, env=_environment(),
                          stdin=subprocess.DEVNULL, timeout=300)


def _in_order(shown: list[str], actual: list[str]) -> bool:
    position = 0
    for line in shown:
        if line.strip() == "...":
            continue
        try:
            position = actual.index(line, position) + 1
        except ValueError:
            return False
    return True


def run_blocks(selected: list[Block], cwd: Path) -> list[str]:
    """Run the commands of the blocks in order in ``cwd``, checking status and output; returns those run."""
    ran = []
    for block in selected:
        for command, shown in commands(block):
            if skipped(command):
                continue
            words = shlex.split(command, comments=True)
            if words[0] in EDITORS:  # the curator's edit, done perfectly: the curated record
                curated = WORKED / words[1] if (WORKED / words[1]).is_file() else REPO / words[1]
                shutil.copyfile(curated, cwd / words[1])
                continue
            result = run(command, cwd)
            output = result.stdout + result.stderr
            assert result.returncode == expected_status(command), f"{block}: {command}\n{output}"
            assert _in_order(shown, output.splitlines()), f"{block}: {command}: output differs\n{output}"
            ran.append(command)
    return ran


# --- the README as a newcomer reads it -------------------------------------------------------------


def _count(folder: str) -> int:
    return len(list((REPO / "records" / folder).glob("*.yaml")))


def _first_document() -> tuple[str, str]:
    """The date and title of the repository's earliest document (by the date its file name begins with)."""
    import yaml

    path = sorted((REPO / "records/documents").glob("*.yaml"))[0]
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    return record["date"], record["title"]


def test_the_readme_opens_with_what_the_dataset_is_in_numbers_that_match_the_records() -> None:
    """The opening's counts and dates are the records' (counted here from the files, independently of
    armistice.coverage, which writes them)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    opening = text.split("\n## ", 1)[0]
    paragraph = " ".join(opening.split("<!-- generated:opening -->")[1].split("<!-- /generated:opening -->")[0].split())
    for folder, word in [("documents", "documents?"), ("people", "(?:people|person)"), ("places", "places?"),
                         ("organisations", "organisations?"), ("topics", "topics?"), ("events", "events?")]:
        counts = re.findall(rf"(\d+) {word}\b", paragraph)
        assert counts == [str(_count(folder))], f"README says {counts} {word}; records/{folder}/ has {_count(folder)}"
    days = sorted(datetime.date.fromisoformat(p.name[:10]) for p in (REPO / "records/documents").glob("*.yaml"))
    first, last = days[0], days[-1]
    if first == last:
        assert f"dated {last.day} {last:%B} {last.year}" in paragraph
    elif first.year == last.year:
        assert f"from {first.day} {first:%B} to {last.day} {last:%B} {last.year}" in paragraph
    else:
        assert f"from {first.day} {first:%B} {first.year} to {last.day} {last:%B} {last.year}" in paragraph
    assert "Wilson Center Digital Archive" in paragraph
    resources = [r for r in json.loads((REPO / "datapackage.json").read_text())["resources"] if r["type"] == "table"]
    assert f"into {len(resources)} tables" in " ".join(text.split())


def test_the_readme_states_the_scope_of_dataset_yaml() -> None:
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert " ".join(load_dataset(REPO / "dataset.yaml").scope.split()) in text


def test_the_readme_sections_come_in_the_order_a_newcomer_needs() -> None:
    found = headings("README.md")
    assert found[: len(SECTIONS)] == SECTIONS, found
    opening = (REPO / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    for target in ("CONTRIBUTING.md", "#download-a-release-and-open-it", "#explore-it-in-datasette"):
        assert f"]({target})" in opening, f"the opening does not point to {target}"


def test_every_command_is_documented_in_the_readme() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"armistice {name}" in text, f"`armistice {name}` is not in README.md"


def test_the_readme_shows_the_screenshot_of_the_documents_page() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"!\[[^\]]+\]\((docs/datasette-documents\.png)\)", text)
    assert match, "README.md does not show docs/datasette-documents.png"
    assert (REPO / match[1]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # tests/test_browser.py takes it


# --- downloading a release and opening it ----------------------------------------------------------


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the release zip and its SHA256SUMS, as downloaded; nothing unpacked yet."""
    build = tmp_path_factory.mktemp("release-build")
    pkg.build(REPO / "records", build, REPO / "dataset.yaml")
    for name in ("CITATION.cff", "CHANGELOG.md", "LICENSE-DATA.md"):
        shutil.copyfile(REPO / name, build / name)
    folder = tmp_path_factory.mktemp("downloads")
    archive = folder / f"{NAME}-{VERSION}.zip"
    write_zip(build, load_dataset(REPO / "dataset.yaml"), archive, REPO)
    (folder / "SHA256SUMS").write_text(f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n")
    return folder


@pytest.fixture(scope="module")
def unpacked(downloads: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(downloads / f"{NAME}-{VERSION}.zip") as archive:
        archive.extractall(folder)
    assert (folder / f"{NAME}-{VERSION}" / "datapackage.json").is_file()
    return folder


def _download_blocks(lang: str) -> list[Block]:
    return [b for doc in DOCS for b in blocks(doc) if b.lang == lang and (lang != "sh" or b.heading == DOWNLOAD)]


def test_the_download_section_names_the_current_release() -> None:
    section = [b for b in blocks("README.md") if b.heading == DOWNLOAD]
    assert {b.lang for b in section} >= {"sh", "python", "r"}
    text = (REPO / "README.md").read_text(encoding="utf-8").split(f"\n## {DOWNLOAD}\n")[1].split("\n## ")[0]
    versions = set(re.findall(rf"{NAME}-(\d+\.\d+\.\d+)", text))
    assert versions == {VERSION}, f"the download section shows release {versions}, the current one is {VERSION}"


def test_the_download_commands_check_unpack_and_query_the_release(downloads: Path, tmp_path: Path) -> None:
    for path in downloads.iterdir():
        shutil.copyfile(path, tmp_path / path.name)
    section = _download_blocks("sh")
    shown = [command for block in section for command, _ in commands(block)]
    missing = sorted({shlex.split(c)[0] for c in shown if not shutil.which(shlex.split(c)[0])})
    if missing:
        pytest.skip(f"not installed here: {', '.join(missing)} (Debian packages coreutils, unzip, sqlite3)")
    run_blocks(section, tmp_path)
    assert (tmp_path / f"{NAME}-{VERSION}" / "datapackage.json").is_file()
    query = next(c for c in shown if c.startswith("sqlite3 "))
    date, title = _first_document()
    assert f"{date}|{title}" in run(query, tmp_path).stdout


@pytest.mark.parametrize("block", _download_blocks("python"), ids=str)
def test_every_python_example_runs_on_the_release(block: Block, unpacked: Path) -> None:
    if "pandas" in block.text and importlib.util.find_spec("pandas") is None:
        pytest.skip("pandas is not in requirements.lock, so this environment cannot run the pandas example")
    result = subprocess.run([sys.executable, "-c", block.text], cwd=unpacked, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"{block}\n{result.stderr}"


@pytest.mark.parametrize("block", _download_blocks("r"), ids=str)
def test_the_r_example_runs_on_the_release(block: Block, unpacked: Path) -> None:
    if not shutil.which("Rscript"):
        pytest.skip("R is not installed here (Debian package r-base-core)")
    result = subprocess.run(["Rscript", "-e", block.text], cwd=unpacked, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{block}\n{result.stderr}"
    assert _first_document()[1][:30] in result.stdout


# --- every command shown runs as shown ------------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """A git clone of the repository with the working tree laid over it: what a contributor has.

    Its tags are removed, as in a CI checkout or a branch-only mirror: the commands shown must work
    there too (a release such as v1.0.0 is then found by its release commit).
    """
    root = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-tags", str(REPO), str(root)], check=True)
    assert not subprocess.run(["git", "-C", str(root), "tag"], capture_output=True, text=True).stdout
    shutil.copytree(REPO, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".venv-tools", "node_modules", "dist", "test-artifacts", ".hypothesis", ".pytest_cache",
        "__pycache__", "*.egg-info"))
    tracked = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, text=True, check=True)
    for name in filter(None, tracked.stdout.split("\0")):  # a file the working tree deleted is gone here too
        if not (REPO / name).exists():
            (root / name).unlink()
    return root


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_shown_runs_as_shown(doc: str, sandbox: Path) -> None:
    selected = [b for b in blocks(doc) if b.lang in ("sh", "console") and b.heading != DOWNLOAD]
    assert selected, f"{doc} shows no commands"
    ran = run_blocks(selected, sandbox)
    assert any(command.startswith("armistice ") for command in ran), ran


def test_contributing_runs_the_new_document_and_shows_its_failure() -> None:
    """The worked example starts from a page with `armistice draft`, writes registry skeletons with
    `armistice new`, and shows `armistice validate` failing on what the page did not give."""
    shown = [c for b in blocks("CONTRIBUTING.md") if b.lang in ("sh", "console") for c, _ in commands(b)]
    assert any(c.startswith("armistice draft tests/fixtures/pages/") for c in shown)
    assert any(c.startswith("armistice new ") for c in shown)
    assert any(c.startswith("armistice validate ") and expected_status(c) == 1 for c in shown)
    for step in ("armistice validate", "armistice fmt", "armistice build", "git diff", "armistice diff"):
        assert any(c.startswith(step) for c in shown), step


# --- CONTRIBUTING's excerpts are real ------------------------------------------------------------


def _chunks(text: str) -> list[str]:
    return [chunk.strip("\n") for chunk in re.split(r"^\.\.\.$", text, flags=re.MULTILINE) if chunk.strip()]


def test_contributings_excerpts_are_quoted_from_the_sources_records_and_skeleton() -> None:
    """Each excerpt is in a kept page or the worked example's page, a record or the worked example's
    curated records, or is the skeleton `armistice new` writes."""
    sources = [p.read_text(encoding="utf-8") for p in [*(REPO / "sources").glob("*.txt"),
                                                        *(REPO / "tests/fixtures/pages").glob("*.txt")]]
    records = [p.read_text(encoding="utf-8") for p in [*(REPO / "records").rglob("*.yaml"), *WORKED.rglob("*.yaml")]]
    checked = {"text": 0, "yaml": 0, "skeleton": 0}
    for block in blocks("CONTRIBUTING.md"):
        if block.lang == "text":
            for chunk in _chunks(block.text):
                assert any(chunk in source for source in sources), f"{block}: not in sources/: {chunk[:60]!r}"
                checked["text"] += 1
        elif block.lang == "yaml" and "armistice new" in block.text.splitlines()[1]:
            kind, record_id = re.search(r"`armistice new (\w+) ([\w-]+)`", block.text).groups()
            assert kind in KIND_BY_NAME
            assert skeleton.render(kind, record_id).startswith(block.text), f"{block}: not what armistice new writes"
            checked["skeleton"] += 1
        elif block.lang == "yaml":
            for chunk in _chunks(block.text):
                assert any(chunk in record for record in records), f"{block}: not in records/: {chunk[:60]!r}"
                checked["yaml"] += 1
    assert checked["text"] >= 3 and checked["yaml"] >= 3 and checked["skeleton"] == 1, checked


def test_every_path_in_the_data_resolves_inside_the_release(unpacked: Path) -> None:
    folder = unpacked / f"{NAME}-{VERSION}"
    descriptor = json.loads((folder / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        assert (folder / resource["path"]).is_file(), resource["path"]
    import csv

    with open(folder / "data" / "documents.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert rows
    for row in rows:
        assert (folder / row["source_transcription_file"]).is_file(), row["source_transcription_file"]
        assert (folder / "records" / "documents" / f"{row['id']}.yaml").is_file(), row["id"]
