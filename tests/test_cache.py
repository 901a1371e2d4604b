"""The validation cache gives exactly the findings a full check gives, and is ignored when anything a document depends on changes.

Each test compares a cached run with an uncached one on the same files: a document taken from the
cache must still take part in the cross-record rules (an unresolved reference is reported only at
the end, from what the rules gathered), and a changed record, kept page, registry record, rule or
model must be checked again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from armistice.rules import cache, validate
from conftest import INVALID, REPO, VALID, overlay, run_cli

CASES = sorted(path for path in INVALID.iterdir() if path.is_dir())


def documents_in(root: Path) -> int:
    return len(list((root / "records" / "documents").glob("*.yaml")))


@pytest.mark.parametrize("case", [None, *CASES], ids=["valid", *(case.name for case in CASES)])
def test_a_cached_run_reports_what_a_full_check_reports(case: Path | None, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Cold, then warm: the same findings as without the cache, on every fixture case (cross-record ones too)."""
    if case is None:
        shutil.copytree(VALID, tmp_path, dirs_exist_ok=True)
    else:
        overlay(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    full = validate([Path("records")]).findings
    cold = validate([Path("records")], cache=True)
    warm = validate([Path("records")], cache=True)
    assert cold.findings == full and warm.findings == full
    assert cold.reused == 0
    if case is None:
        assert warm.reused == documents_in(tmp_path) > 0


def test_a_cached_document_still_takes_part_in_the_cross_record_rules(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown reference is held back and reported by the rule's finish: from the cache too."""
    overlay(INVALID / "unknown-reference", tmp_path)
    monkeypatch.chdir(tmp_path)
    full = validate([Path("records")]).findings
    warm = [validate([Path("records")], cache=True) for _ in range(2)][-1]
    assert warm.reused == documents_in(tmp_path)
    assert any("unknown person" in finding.message for finding in full)
    assert warm.findings == full


def test_a_changed_page_is_compared_again(valid_root: Path) -> None:
    assert validate([Path("records")], cache=True).findings == []
    page = valid_root / "sources" / "sample.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("forward the telegram", "forward a telegram"),
                    encoding="utf-8")
    warm = validate([Path("records")], cache=True)
    assert warm.reused == 0
    assert warm.findings == validate([Path("records")]).findings != []


def test_a_changed_record_is_checked_again(valid_root: Path) -> None:
    assert validate([Path("records")], cache=True).findings == []
    record = next((valid_root / "records" / "documents").glob("*.yaml"))
    record.write_text(record.read_text(encoding="utf-8").replace("ben-reader", "ben-raeder", 1), encoding="utf-8")
    warm = validate([Path("records")], cache=True)
    assert warm.reused == 0
    assert warm.findings == validate([Path("records")]).findings != []


def test_a_changed_registry_record_checks_every_document_again(valid_root: Path) -> None:
    assert validate([Path("records")], cache=True).findings == []
    (valid_root / "records" / "people" / "ben-reader.yaml").unlink()
    warm = validate([Path("records")], cache=True)
    assert warm.reused == 0
    assert warm.findings == validate([Path("records")]).findings != []


def test_a_rewrite_that_keeps_size_and_modification_time_is_seen(valid_root: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered hash is trusted by ``stat``; the change time still moves, so the file is hashed again."""
    monkeypatch.setattr(cache, "SETTLE_NS", 0)  # trust every remembered hash at once (the worst case)
    assert validate([Path("records")], cache=True).findings == []
    page = valid_root / "sources" / "sample.txt"
    before = page.stat()
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("forward the telegram", "forward thy telegram"), encoding="utf-8")
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert page.stat().st_size == before.st_size and page.stat().st_mtime_ns == before.st_mtime_ns
    warm = validate([Path("records")], cache=True)
    assert warm.reused == 0 and warm.findings != []


def test_an_unusable_cache_only_costs_time(valid_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = valid_root / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert [validate([Path("records")], cache=True).reused for _ in range(2)] == [0, 0]
    assert validate([Path("records")], cache=True).findings == []


def test_the_cache_lives_outside_the_records(valid_root: Path, private_cache: Path) -> None:
    assert run_cli("validate", "--no-cache", "records").exit_code == 0
    assert not list(private_cache.rglob("*.sqlite"))
    assert run_cli("validate", "records").exit_code == 0
    assert [path.parent.name for path in private_cache.rglob("*.sqlite")] == ["armistice"]
    assert not [path for path in valid_root.rglob("*") if "cache" in path.name]


PROBE = """
import sys
from pathlib import Path
from armistice.rules import validate
result = validate([Path("records")], cache=True)
print(result.reused, len(result.findings), *(finding.message for finding in result.findings), sep="\\n")
"""


def test_a_changed_rule_or_model_ignores_the_cache(valid_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A copy of the package, run twice (second from the cache), then with a rule and then a model edited."""
    package = tmp_path_factory.mktemp("package")
    shutil.copytree(REPO / "src" / "armistice", package / "armistice",
                    ignore=shutil.ignore_patterns("__pycache__"))

    def probe() -> list[str]:
        env = {**os.environ, "PYTHONPATH": str(package)}
        done = subprocess.run([sys.executable, "-c", PROBE], cwd=valid_root, env=env, capture_output=True,
                              text=True, check=True)
        return done.stdout.splitlines()

    documents = str(documents_in(valid_root))
    assert probe() == ["0", "0"]
    assert probe() == [documents, "0"]
    rule = package / "armistice" / "rules" / "identity.py"
    rule.write_text(rule.read_text(encoding="utf-8") + '''

def check_file_name(entry, context):  # a changed rule: it now reports every record
    yield Finding(entry.loaded.path, 1, 1, "(file)", "changed rule")
''', encoding="utf-8")
    assert "Finding" in rule.read_text(encoding="utf-8").split("def check_file_name", 1)[0]  # the name is imported
    changed = probe()
    assert changed[0] == "0" and "changed rule" in changed
    assert probe()[0] == documents
    model = package / "armistice" / "models.py"
    model.write_text(model.read_text(encoding="utf-8") + "\n# a changed model\n", encoding="utf-8")
    assert probe()[0] == "0"



@pytest.mark.parametrize("block", [1, 3, 1_000_000])
def test_blocks_of_unchanged_documents_give_what_each_document_gives(tmp_path: Path, block: int,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of unchanged documents come back merged (blocks of one, of a few, or one for all); a
    changed record invalidates its own block only, and the findings are a full check's every time."""
    from armistice.rules import engine

    sys.path.insert(0, str(REPO / "scripts"))
    import synth

    synth.write(12, tmp_path / "records")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(engine, "BLOCK", block)
    records = [Path("records")]
    assert validate(records, cache=True).reused == 0
    assert validate(records, cache=True).reused == 12  # from each document's outcome
    warm = validate(records, cache=True)  # from the blocks the run before stored
    assert warm.reused == 12 and warm.findings == validate(records).findings
    record = sorted((tmp_path / "records" / "documents").glob("*.yaml"))[5]
    record.write_text(record.read_text(encoding="utf-8") + "unknown_field: 1\n", encoding="utf-8")
    changed = validate(records, cache=True)
    assert changed.findings == validate(records).findings != warm.findings
    assert changed.reused == 11
    again = validate(records, cache=True)
    assert again.reused == 12 and again.findings == changed.findings  # its findings are cached too
