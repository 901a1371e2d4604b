"""`armistice fmt`: one canonical layout, comments kept, meaning never changed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from armistice.models import Document, Person, Place
from armistice.records.fmt import format_text
from armistice.records.loading import MAX_BYTES, LoadError, load_file, parse_text
from conftest import INVALID, REPO, overlay, run_cli

MESSY = """# A curator's note that must survive.
spellings: [Li Kenong, LI KENONG]
name: Li Kenong   # trailing comment
id: li-kenong
side: prc
note: NO
"""


def test_keys_follow_the_model_and_comments_are_kept() -> None:
    assert format_text(MESSY, Person) == (
        "# yaml-language-server: $schema=../../schema/person.schema.json\n"
        "# A curator's note that must survive.\n"
        "id: li-kenong\n"
        "name: Li Kenong   # trailing comment\n"
        "spellings:\n"
        "  - Li Kenong\n"
        "  - LI KENONG\n"
        "side: prc\n"
        'note: "NO"\n'
    )


def test_formatting_is_idempotent_and_never_changes_a_value() -> None:
    once = format_text(MESSY, Person)
    assert format_text(once, Person) == once
    assert parse_text(once, "x").data == parse_text(MESSY, "x").data


def test_values_any_yaml_reader_could_misread_are_quoted() -> None:
    text = "id: x\nname: 0123\nspellings: [yes, 1951-08-13, '22834', on, 1951]\n"
    out = format_text(text, Place)
    assert 'name: "0123"' in out
    for quoted in ['"yes"', '"1951-08-13"', '"on"']:
        assert f"  - {quoted}\n" in out
    assert "  - 1951\n" in out  # an integer stays an integer (and the model will refuse it)


def test_multi_line_text_becomes_a_literal_block() -> None:
    out = format_text('id: x\ntext: "one\\n\\ntwo\\n"\n', Document)
    assert "text: |\n  one\n\n  two\n" in out


def test_check_lists_files_out_of_form_and_changes_nothing(valid_root: Path) -> None:
    path = valid_root / "records/people/ana-sender.yaml"
    path.write_text("name: Ana Sender\nid: ana-sender\nspellings: [Ana Sender]\nidentified_by:\n"
                    "  - {basis: curators, reason: Out of order on purpose.}\nidentification: certain\n")
    before = path.read_bytes()
    run = run_cli("fmt", "--check")
    assert run.exit_code == 1
    assert run.lines == ["records/people/ana-sender.yaml: not in canonical form (run: armistice fmt "
                         "records/people/ana-sender.yaml)"]
    assert path.read_bytes() == before
    assert run_cli("fmt").exit_code == 0
    assert run_cli("fmt", "--check").exit_code == 0
    assert run_cli("validate").exit_code == 0
    assert not list(path.parent.glob(".*.tmp")), "no temporary file is left behind"


def test_an_unreadable_file_is_reported_not_rewritten(valid_root: Path) -> None:
    path = valid_root / "records/people/ana-sender.yaml"
    path.write_text("id: ana-sender\nname: [Ana\n")
    run = run_cli("fmt")
    assert run.exit_code == 1
    assert run.lines[0].startswith("records/people/ana-sender.yaml:3:1: (yaml): malformed YAML")
    assert path.read_text() == "id: ana-sender\nname: [Ana\n"


def test_the_repository_records_are_in_canonical_form(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    run = run_cli("fmt", "--check", "records")
    assert run.exit_code == 0, run.output


CASES = sorted(path for path in INVALID.iterdir() if path.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fmt_refuses_what_validation_cannot_read_with_the_same_message(case: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    overlay(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    unreadable = []
    for path in sorted(Path("records").rglob("*.yaml")):
        try:
            load_file(path, str(path))
        except LoadError as error:
            unreadable.append(str(error.finding))
    before = {path: path.read_bytes() for path in Path("records").rglob("*.yaml")}
    run = run_cli("fmt", "--check")
    assert run.exception is None, "fmt must never raise on a file validation reports"
    for line in unreadable:
        assert line in run.lines
    assert run.exit_code == (1 if unreadable or any("not in canonical form" in line for line in run.lines) else 0)
    assert {path: path.read_bytes() for path in Path("records").rglob("*.yaml")} == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_fmt_refuses_a_file_in_another_encoding(valid_root: Path, encoding: str) -> None:
    path = valid_root / "records/topics/travel.yaml"
    path.write_bytes(path.read_text().encode(encoding))
    before = path.read_bytes()
    run = run_cli("fmt")
    assert run.exception is None
    assert run.exit_code == 1
    assert len(run.lines) == 1 and run.lines[0].startswith("records/topics/travel.yaml:1:1: (file): not valid UTF-8")
    assert path.read_bytes() == before


def test_fmt_keeps_the_files_permissions(valid_root: Path) -> None:
    path = valid_root / "records/people/ana-sender.yaml"
    path.write_text("name: Ana Sender\nid: ana-sender\nspellings: [Ana Sender]\nidentified_by:\n"
                    "  - {basis: curators, reason: Out of order on purpose.}\nidentification: certain\n")
    path.chmod(0o664)
    assert run_cli("fmt").exit_code == 0
    assert path.read_text().startswith("# yaml-language-server:")
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_fmt_never_rewrites_a_file_outside_the_records_folder(valid_root: Path,
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text("name: Secret\nid: secret\ndescription: Not ours.\n")
    (valid_root / "records/topics/secret.yaml").symlink_to(outside)
    run = run_cli("fmt")
    assert run.exit_code == 1
    assert run.lines == [f"records/topics/secret.yaml:1:1: (file): symbolic link to {outside.resolve()}, outside the "
                         "records folder: records must live inside it"]
    assert outside.read_text() == "name: Secret\nid: secret\ndescription: Not ours.\n"


def test_fmt_refuses_a_file_too_large_before_reading_it(valid_root: Path) -> None:
    path = valid_root / "records/topics/big.yaml"
    path.write_bytes(b"description: " + b"x" * MAX_BYTES + b"\n")
    run = run_cli("fmt", "records/topics/big.yaml")
    assert run.exit_code == 1
    assert run.lines == [f"records/topics/big.yaml:1:1: (file): file is {MAX_BYTES + 14:,} bytes; a record may be at "
                         f"most {MAX_BYTES:,}"]
