"""Safe YAML: the loader never changes what a curator typed, never runs code, and always says where."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from armistice.records.loading import MAX_BYTES, LoadError, load_file, parse_text
from conftest import run_cli


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
                         "places/, topics/, events/, tombstones/"]
    assert run.exit_code == 1
