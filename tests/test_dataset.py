"""dataset.yaml: read like a record (located errors, no traceback) and changed by a release in place.

A release sets two fields; the file a maintainer commits afterwards must differ in those two lines
only, comments, order and quoting kept, so the release commit's diff says exactly what it did.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from armistice.dataset import DatasetError, load_dataset, version_in, write_fields
from conftest import REPO, run_cli


def test_a_release_changes_only_the_version_and_date_lines_keeping_comments_and_quotes(tmp_path: Path) -> None:
    source, target = REPO / "dataset.yaml", tmp_path / "dataset.yaml"
    dataset = write_fields(source, target, {"version": "9.8.7", "created": "2031-02-03"})
    assert (dataset.version, dataset.created) == ("9.8.7", "2031-02-03")
    assert load_dataset(target) == dataset
    before, after = source.read_text().splitlines(), target.read_text().splitlines()
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert [old.split(":")[0] for old, _ in changed] == [key for key in ("version", "created")
                                                          if any(line.startswith(key + ":") for line in before)]
    for old, new in changed:  # the value's quoting is the one the maintainer chose
        assert old.split(":", 1)[1].strip()[0] == new.split(":", 1)[1].strip()[0]
    original = load_dataset(source)
    assert write_fields(source, tmp_path / "again.yaml",
                        {"version": original.version, "created": original.created}) == original
    assert (tmp_path / "again.yaml").read_bytes() == source.read_bytes(), "unchanged values give the same bytes"


def test_an_invalid_change_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as error:
        write_fields(REPO / "dataset.yaml", tmp_path / "dataset.yaml", {"version": "next"})
    assert [finding.field for finding in error.value.findings] == ["version"]
    assert not (tmp_path / "dataset.yaml").exists()


def test_the_version_of_an_old_dataset_yaml_is_read_as_yaml(tmp_path: Path) -> None:
    assert version_in('# a comment\nname: x\nversion: "1.2.3"  # released\n') == "1.2.3"
    assert version_in("name: x\nversion: 1.2.3\n") == "1.2.3"
    assert version_in("name: x\n") is None and version_in("- not\n- a mapping\n") is None and version_in("") is None


def test_a_broken_dataset_yaml_is_a_located_error_for_cite_and_serve(valid_root: Path) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    text = (valid_root / "dataset.yaml").read_text()
    (valid_root / "dataset.yaml").write_text(text.replace("\nkeywords:", "\nkeyword:", 1))
    for command in (["cite"], ["serve"]):
        run = run_cli(*command)
        assert run.exit_code == 1 and run.exception is None, command
        assert any(line.startswith("dataset.yaml:") and "keyword" in line for line in run.lines), run.output
