"""The command line as a curator meets it: exit statuses, output formats, single files, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from armistice.cli import main
from conftest import INVALID, REPO, overlay, run_cli


def test_exit_status_is_0_valid_1_invalid_2_usage(valid_root: Path) -> None:
    assert run_cli("validate").exit_code == 0  # records/ is the default
    (valid_root / "records/topics/travel.yaml").write_text("id: travel\nname: Travel\n")
    assert run_cli("validate").exit_code == 1
    assert run_cli("validate", "no-such-folder").exit_code == 2
    assert run_cli("validate", "--format", "xml").exit_code == 2


def test_a_plain_folder_is_a_usage_error(valid_root: Path) -> None:
    run = run_cli("validate", "sources")
    assert run.exit_code == 2
    assert "not a records folder" in run.output


def test_all_problems_are_reported_in_one_run_then_a_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(INVALID / "impossible-date", tmp_path)
    overlay(INVALID / "misspelt-key", tmp_path, fresh=False)
    monkeypatch.chdir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "armistice.cli", "validate"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "records/documents/1951-03-02-telegram-7.yaml:31:11: messages[0].sent.at: invalid date '1951-02-30T09:00': "
        "February 1951 has 28 days",
        "records/people/ana-sender.yaml:4:1: spelings: unknown field 'spelings'; did you mean 'spellings'?",
    ]
    assert result.stderr == "2 errors, 0 warnings in 9 files\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_json_output_carries_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(INVALID / "impossible-date", tmp_path)
    monkeypatch.chdir(tmp_path)
    run = run_cli("validate", "--format", "json")
    report = json.loads(run.output[: run.output.rindex("}") + 1])
    assert run.exit_code == 1
    assert report["errors"] == 1 and report["files"] == 9
    assert report["findings"] == [{
        "path": "records/documents/1951-03-02-telegram-7.yaml", "line": 31, "column": 11,
        "field": "messages[0].sent.at", "message": "invalid date '1951-02-30T09:00': February 1951 has 28 days",
        "severity": "error",
    }]


def test_a_single_file_is_checked_against_the_rest_of_its_records_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(INVALID / "misspelt-key", tmp_path)
    monkeypatch.chdir(tmp_path)
    # The document refers to people and places in other files: those references resolve.
    assert run_cli("validate", "records/documents/1951-03-02-telegram-7.yaml").exit_code == 0
    # Problems in other files are not reported when one file is asked about...
    assert run_cli("validate", "records/topics").exit_code == 0
    # ...but are when their file is.
    assert run_cli("validate", "records/people/ana-sender.yaml").exit_code == 1


def test_validation_never_writes_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(INVALID / "impossible-date", tmp_path)
    monkeypatch.chdir(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    run_cli("validate")
    run_cli("validate", "--format", "json")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


def test_every_command_has_a_purpose_and_an_example() -> None:
    top = run_cli("--help")
    assert top.exit_code == 0 and (main.help or "").strip() and "Example:" in top.output
    for name, command in main.commands.items():
        run = run_cli(name, "--help")
        assert run.exit_code == 0
        assert (command.help or "").strip(), name
        assert "Example:" in run.output, f"`armistice {name} --help` shows no example"


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "armistice"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and result.stdout.startswith("armistice, version ")


def test_validate_starts_without_what_it_does_not_use(valid_root: Path) -> None:
    """Starting the command is paid on every run, a tenth of a second at a time: ``armistice validate``
    loads neither the draft's machinery (ruamel.yaml, the page drafter), nor the build, the explorer
    or the release, and pydantic does not read every installed distribution's metadata for plugins."""
    probe = ("import sys, runpy\n"
             "sys.argv = ['armistice', 'validate', '--no-cache']\n"
             "try:\n    runpy.run_module('armistice.cli', run_name='__main__')\n"
             "except SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
             "import pydantic.plugin._loader as loader\n"
             "print(sorted(name for name in sys.modules if name.split('.')[0] in ('ruamel', 'jinja2', 'datasette', "
             "'frictionless', 'sqlite_utils', 'pyarrow') or name.startswith(('armistice.records.draft', 'armistice.publish', "
             "'armistice.explore.', 'armistice.release'))))\n"
             "print(loader._plugins)\n")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["[]", "None"]
