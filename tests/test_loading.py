"""Safe YAML: the loader never changes what a curator typed, never runs code, and always says where."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from armistice.records.loading import MAX_BYTES, MAX_DEPTH, LoadError, load_file, parse_text
from conftest import REPO, run_cli


def test_yaml_1_1_surprises_stay_the_text_that_was_typed() -> None:
    data = parse_text("a: NO\nb: 0123\nc: 1951-08-13\nd: yes\ne: 0x1F\nf: 1e5\ng: .inf\nh: 12:30\n", "t.yaml").data
    assert data == {"a": "NO", "b": "0123", "c": "1951-08-13", "d": "yes", "e": "0x1F", "f": "1e5", "g": ".inf", "h": "12:30"}


def test_plain_numbers_booleans_and_nulls_resolve_as_in_yaml_1_2() -> None:
    data = parse_text("a: 5\nb: -3\nc: 38.25\nd: true\ne: false\nf: null\ng: ~\nh:\ni: '5'\n", "t.yaml").data
    assert data == {"a": 5, "b": -3, "c": 38.25, "d": True, "e": False, "f": None, "g": None, "h": None, "i": "5"}


def test_every_value_and_key_keeps_its_position() -> None:
    loaded = parse_text("id: x\nmessages:\n  - id: m1\n    sent: '1951'\n", "t.yaml")
    assert loaded.values[("messages", 0, "sent")] == (4, 11)
    assert loaded.keys[("messages", 0, "sent")] == (4, 5)
    assert loaded.position(("messages", 0, "missing")) == (3, 5)  # the enclosing mapping


def test_a_utf8_bom_and_crlf_line_ends_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes("\ufeffid: x\r\nname: Li Kenong\r\ntext: |\r\n  one\r\n  two\r\n".encode("utf-8"))
    assert load_file(path).data == {"id": "x", "name": "Li Kenong", "text": "one\ntwo\n"}


def test_an_alias_bomb_fails_fast() -> None:
    """Counted in function calls, not seconds, so a slow or busy machine cannot fail it (nor a fast one
    hide an expansion): the bomb writes 207 values and would expand to 9**23; refusing it at its first
    alias costs a few calls per value written."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghijklmnopqrstuvw":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    budget = 10 * (bomb.count("x") + bomb.count("*") + bomb.count(":"))  # a few calls per value written
    calls = 0

    class OverBudget(BaseException):
        """Stops an expanding loader at once, instead of letting it run for ever."""

    def count(frame, event, arg) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")
        if calls > budget:
            raise OverBudget

    sys.setprofile(count)
    try:
        with pytest.raises(LoadError) as error:
            parse_text(bomb, "bomb.yaml")
    except OverBudget:
        pytest.fail(f"more than {budget} function calls to refuse the bomb: the aliases are being expanded")
    finally:
        sys.setprofile(None)
    assert "aliases (*name) are not allowed" in str(error.value)


def test_a_very_large_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"text: " + b"x" * (MAX_BYTES + 1))
    with pytest.raises(LoadError) as error:
        load_file(path, "big.yaml")
    assert str(error.value) == f"big.yaml:1:1: (file): file is {MAX_BYTES + 7:,} bytes; a record may be at most {MAX_BYTES:,}"


def test_a_directory_where_a_record_file_is_expected(valid_root: Path) -> None:
    (valid_root / "records/topics/odd.yaml").mkdir()
    run = run_cli("validate", "records")
    assert run.lines == ["records/topics/odd.yaml:1:1: (file): a directory where a record file is expected"]
    assert run.exit_code == 1


def test_a_symlink_out_of_the_records_folder_is_refused(valid_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text("id: secret\nname: Secret\ndescription: Not ours.\n")
    (valid_root / "records/topics/secret.yaml").symlink_to(outside)
    run = run_cli("validate", "records")
    assert run.lines == [f"records/topics/secret.yaml:1:1: (file): symbolic link to {outside.resolve()}, outside the "
                         "records folder: records must live inside it"]
    assert run.exit_code == 1


def test_a_file_name_in_unicode_is_reported_not_crashed_on(valid_root: Path) -> None:
    source = (valid_root / "records/topics/travel.yaml").read_text()
    (valid_root / "records/topics/путь.yaml").write_text(source.replace("id: travel", "id: put"))
    run = run_cli("validate", "records")
    assert run.lines == ["records/topics/путь.yaml:2:5: id: id 'put' differs from the file name 'путь.yaml'; name the file put.yaml"]


def test_a_record_outside_any_kind_folder(valid_root: Path) -> None:
    (valid_root / "stray.yaml").write_text("id: stray\n")
    run = run_cli("validate", "stray.yaml")
    assert run.lines == ["stray.yaml:1:1: (file): a record belongs in a folder named for its kind: documents/, people/, "
                         "places/, organisations/, topics/, events/, tombstones/"]
    assert run.exit_code == 1


# --------------------------------------------------------------------------------------------
# Hostile files: never a crash, a hang or a traceback
# --------------------------------------------------------------------------------------------


def _armistice(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command in its own process: a crash (a signal) or a hang fails the test, not the suite."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "armistice.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_nesting_too_deep_for_the_c_stack_is_a_located_error_in_every_command(valid_root: Path) -> None:
    levels = 100_000  # libyaml's composer used to overflow the C stack (exit 139) from about 25,000
    (valid_root / "records/topics/zz.yaml").write_text("[" * levels + "]" * levels + "\n")
    # the first list too deep stands at the (MAX_DEPTH + 1)th bracket, inside MAX_DEPTH others
    expected = (f"records/topics/zz.yaml:1:{MAX_DEPTH + 1}: " + "[0]" * MAX_DEPTH
                + f": nested more than {MAX_DEPTH} levels deep; a record needs only a few levels")
    for command in (["validate"], ["fmt", "--check"], ["build", "--out", str(valid_root / "out")]):
        run = _armistice(*command, cwd=valid_root)
        assert run.returncode == 1, (command, run.returncode, run.stderr[-500:])
        assert "Traceback" not in run.stderr
        lines = [line for line in run.stdout.splitlines() if line.startswith("records/topics/zz.yaml")]
        assert lines == [expected], (command, lines)
    assert not list((valid_root / "out").rglob("*")), "a refused build writes nothing"


def test_nesting_is_refused_at_the_same_node_however_deep_it_goes() -> None:
    """Just past the limit the builder refuses; far past it the composer stops and the event
    stream says where: the same message at the same place."""
    def text(levels: int) -> str:  # two mappings, then ``levels`` lists
        return "a:\n  b: " + "[" * levels + "x" + "]" * levels + "\n"

    messages = set()
    for levels in (MAX_DEPTH - 1, MAX_DEPTH, 50, 5_000):
        with pytest.raises(LoadError) as error:
            parse_text(text(levels), "t.yaml")
        messages.add(str(error.value))
    first_too_deep = MAX_DEPTH - 1  # the bracket that makes MAX_DEPTH + 1 levels
    assert messages == {f"t.yaml:2:{5 + first_too_deep}: a.b" + "[0]" * (first_too_deep - 1)
                        + f": nested more than {MAX_DEPTH} levels deep; a record needs only a few levels"}
    assert parse_text(text(MAX_DEPTH - 2), "t.yaml").data["a"]["b"]  # the limit itself is fine


def test_a_fifo_is_refused_never_read(valid_root: Path) -> None:
    os.mkfifo(valid_root / "records/topics/pipe.yaml")
    (valid_root / "records/topics/link.yaml").symlink_to("pipe.yaml")
    for command in (["validate"], ["fmt", "--check"]):
        run = _armistice(*command, cwd=valid_root, timeout=60)  # a FIFO opened for reading waits for a writer
        assert run.returncode == 1, run.stderr
        message = "(file): a named pipe (FIFO) where a record file is expected: only regular files are read"
        assert [line for line in run.stdout.splitlines() if "(FIFO)" in line] == [
            f"records/topics/link.yaml:1:1: {message}", f"records/topics/pipe.yaml:1:1: {message}"]


def test_a_device_is_refused_never_read(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")  # would read until memory runs out
    with pytest.raises(LoadError) as error:
        load_file(link, "zero.yaml")
    assert str(error.value) == "zero.yaml:1:1: (file): a device where a record file is expected: only regular files are read"


def test_a_symlink_loop_is_a_located_error(valid_root: Path) -> None:
    (valid_root / "records/topics/loop.yaml").symlink_to("loop.yaml")
    run = run_cli("validate", "records")
    assert run.exception is None
    assert run.lines == ["records/topics/loop.yaml:1:1: (file): a symbolic link that leads back to itself (a loop)"]
    assert run.exit_code == 1


def test_a_kind_folder_that_cannot_be_read_is_reported_not_skipped(valid_root: Path) -> None:
    topics = valid_root / "records/topics"
    shutil.rmtree(topics)
    topics.symlink_to("topics")  # a loop: root or not, nobody can list it
    (valid_root / "records/events").rename(valid_root / "events-moved")
    (valid_root / "records/events").write_text("not a folder\n")
    run = run_cli("validate", "records")
    assert run.exception is None
    assert "records/events:1:1: (folder): not a folder: the events records were not read" in run.lines
    assert ("records/topics:1:1: (folder): a symbolic link that leads nowhere (or back to itself): the topics "
            "records were not read") in run.lines
    assert run.exit_code == 1


def test_a_kind_folder_linked_out_of_the_records_folder_is_refused(valid_root: Path,
                                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "topics"
    shutil.move(valid_root / "records/topics", outside)
    (valid_root / "records/topics").symlink_to(outside)
    run = run_cli("validate", "records")
    assert run.exception is None
    assert (f"records/topics:1:1: (folder): symbolic link to {outside.resolve()}, outside the records folder: records "
            "must live inside it; the topics records were not read") in run.lines
    assert run.exit_code == 1
    (outside / "travel.yaml").write_text("name: Travel\nid: travel\ndescription: Journeys of the correspondents.\n")
    assert run_cli("fmt", "records").exit_code == 0
    run = run_cli("fmt", "records/topics/travel.yaml")
    assert run.exit_code == 1
    assert run.lines == [f"records/topics/travel.yaml:1:1: (file): in a folder that is a symbolic link to {outside.resolve()}, "
                         "outside the records folder: records must live inside it"]
    assert (outside / "travel.yaml").read_text().startswith("name: Travel"), "fmt never rewrites a file outside records/"


def test_a_source_text_that_is_not_utf8_is_a_located_finding(valid_root: Path) -> None:
    source = next((valid_root / "sources").glob("*.txt"))
    raw = source.read_bytes()
    at = raw.rindex(b"Ana")  # in the document's text, near the end
    source.write_bytes(raw[:at] + b"An\xe9" + raw[at + 3:])
    run = run_cli("validate", "records")
    assert run.exception is None
    assert run.exit_code == 1
    assert any(": source.transcription.sha256: " in line for line in run.lines)
    assert any(": source.transcription.file: " in line and "is not UTF-8 text" in line for line in run.lines)


def test_control_characters_in_a_file_name_or_key_are_escaped_in_the_output(valid_root: Path) -> None:
    forged = "x.yaml:1:1: (file): all is well\n\x1b[2Jy"
    (valid_root / f"records/topics/{forged}.yaml").write_text('id: y\nname: Y\ndescription: Z.\n"a\\nb\\e": 1\n')
    run = run_cli("validate", "records")
    assert run.exception is None
    assert all("\x1b" not in line for line in run.output.splitlines())
    shown = "records/topics/x.yaml:1:1: (file): all is well\\n\\x1b[2Jy.yaml"
    assert f"{shown}:4:1: a\\nb\\x1b: unknown field 'a\\nb\\x1b'; known fields: id, name, description" in run.lines


def test_a_key_beginning_with_an_unusual_space_shows_that_space(valid_root: Path) -> None:
    """A no-break space before a key looks like nothing at all: the finding writes it as an escape."""
    (valid_root / "records/topics/y.yaml").write_text("id: y\nname: Y\ndescription: Z.\n\u00a0name: 1\n")
    run = run_cli("validate", "records")
    assert "records/topics/y.yaml:4:1: \\xa0name: unknown field '\\xa0name'; did you mean 'name'?" in run.lines, run.lines


def test_a_records_option_that_is_not_a_records_folder_is_a_usage_error(valid_root: Path) -> None:
    (valid_root / "elsewhere").mkdir()
    for command in (["build", "--records", "elsewhere", "--out", "out"], ["serve", "--records", "elsewhere"],
                    ["cite", "1951-03-02-telegram-7", "--records", "elsewhere"]):
        run = run_cli(*command)
        assert run.exception is None, command
        assert run.exit_code == 2, command
        assert "elsewhere: not a records folder" in run.output
    assert not (valid_root / "out").exists()


def test_a_trailing_newline_never_matches_a_pattern() -> None:
    from pydantic import ValidationError

    from armistice.models import Dataset, Source

    for model, field, value in ((Source, "url", "https://digitalarchive.wilsoncenter.org/document/7\n"),
                                (Dataset, "created", "2026-11-24\n")):
        with pytest.raises(ValidationError) as error:
            model.model_validate({field: value})
        assert any(item["loc"] == (field,) and item["type"] == "string_pattern_mismatch" for item in error.value.errors())
