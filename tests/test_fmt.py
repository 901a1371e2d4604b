"""`armistice fmt`: one canonical layout, comments kept, meaning never changed."""

from __future__ import annotations

from pathlib import Path

from armistice.records.fmt import format_text
from armistice.records.loading import parse_text
from armistice.models import Document, Person, Place
from conftest import REPO, run_cli

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
    path.write_text("name: Ana Sender\nid: ana-sender\nspellings: [Ana Sender]\n")
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
