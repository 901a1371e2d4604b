"""`armistice build`: a valid, deterministic, atomic Frictionless package and SQLite database.

The committed datapackage.json and data/ are exactly what the build produces; the real Frictionless
validator finds them valid; the same records give the same bytes; a failed build changes nothing;
and reading the package back gives the records it was built from. A build reads a whole records
root, refuses one without records, removes only what a build wrote, and refuses what it cannot
publish before the first rename.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from frictionless import Package

from armistice.models import KIND_BY_NAME
from armistice.publish import package as pkg
from armistice.publish.tables import fields, iter_tables, table_by_name, unflatten
from armistice.rules import validate
from conftest import REPO, run_cli


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's records built into a fresh folder."""
    out = tmp_path_factory.mktemp("built")
    pkg.build(REPO / "records", out, REPO / "dataset.yaml")
    return out


def _tables(descriptor: dict) -> list[dict]:
    """The table resources (CSV); the others are their Parquet copies (see test_parquet.py)."""
    return [resource for resource in descriptor["resources"] if resource["type"] == "table"]


def _files(root: Path) -> dict[str, bytes]:
    names = ["datapackage.json", *(f"data/{p.name}" for p in sorted((root / "data").glob("*.csv"))),
             *(f"data/parquet/{p.name}" for p in sorted((root / "data" / "parquet").glob("*.parquet")))]
    return {name: (root / name).read_bytes() for name in names}


def test_the_committed_package_is_exactly_what_the_build_produces(built: Path) -> None:
    assert _files(REPO) == _files(built), "datapackage.json or data/ is stale: run `armistice build`"


def test_frictionless_finds_the_committed_package_valid() -> None:
    report = Package(str(REPO / "datapackage.json")).validate()
    assert report.valid, report.flatten(["title", "type", "note"])


def test_frictionless_enforces_the_published_constraints(built: Path, tmp_path: Path) -> None:
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    places = tmp_path / "data" / "places.csv"
    with open(tmp_path / "data" / "document_places.csv", newline="", encoding="utf-8") as stream:
        linked = next(csv.DictReader(stream))["place_id"]  # a place some document refers to
    with open(places, newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    for row in rows:
        if row[0] == linked:
            row[0], row[1] = linked.upper(), row[1] + " "
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    content = buffer.getvalue().encode("utf-8")
    places.write_bytes(content)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    resource = next(r for r in descriptor["resources"] if r["name"] == "places")
    resource["bytes"], resource["hash"] = len(content), "sha256:" + hashlib.sha256(content).hexdigest()
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    report = Package(str(tmp_path / "datapackage.json")).validate()
    found = {(error.type, getattr(error, "field_name", None)) for task in report.tasks for error in task.errors}
    assert ("constraint-error", "id") in found  # the id pattern
    assert ("constraint-error", "name") in found  # no trailing space
    assert any(kind == "foreign-key" for kind, _ in found)  # documents still refer to the place's old id


def test_the_same_records_give_byte_identical_outputs(built: Path, tmp_path: Path) -> None:
    pkg.build(REPO / "records", tmp_path, REPO / "dataset.yaml")
    assert _files(tmp_path) == _files(built)
    database = f"dist/{pkg.DATABASE_NAME}"
    assert (tmp_path / database).read_bytes() == (built / database).read_bytes()


def test_row_counts_agree_from_records_to_csv_to_sqlite(built: Path) -> None:
    collection = validate([REPO / "records"], keep=True).records
    descriptor = json.loads((built / "datapackage.json").read_text())
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    for kind, table in (("document", "documents"), ("person", "people"), ("place", "places"), ("topic", "topics"),
                        ("event", "events")):
        assert len(collection.entries(kind)) == connection.execute(f"select count(*) from {table}").fetchone()[0]
    for resource in _tables(descriptor):
        with open(built / resource["path"], newline="", encoding="utf-8") as stream:
            in_csv = sum(1 for _ in csv.DictReader(stream))
        in_sqlite = connection.execute(f'select count(*) from "{resource["name"]}"').fetchone()[0]
        assert in_csv == in_sqlite, resource["name"]
    messages = sum(len(e.record.messages) for e in collection.entries("document"))
    assert connection.execute("select count(*) from messages").fetchone()[0] == messages


def _typed(table: str, row: dict[str, str]) -> dict[str, object]:
    types = {column.name: column.schema["type"] for column in fields(table)}
    out: dict[str, object] = {}
    for name, value in row.items():
        if value == "":
            out[name] = None
        elif types[name] == "integer":
            out[name] = int(value)
        elif types[name] == "number":
            out[name] = float(value)
        else:
            out[name] = value
    return out


def _records_from_rows(rows: dict[str, list[dict]]) -> dict[str, list]:
    return {kind: [KIND_BY_NAME[kind].model_validate(item) for item in items] for kind, items in unflatten(rows).items()}


def test_reading_the_csv_resources_back_gives_the_records(built: Path) -> None:
    collection = validate([REPO / "records"], keep=True).records
    rows = {}
    for table in iter_tables():
        with open(built / "data" / f"{table.name}.csv", newline="", encoding="utf-8") as stream:
            rows[table.name] = [_typed(table.name, row) for row in csv.DictReader(stream)]
    back = _records_from_rows(rows)
    for kind in KIND_BY_NAME:
        assert back[kind] == [entry.record for entry in collection.entries(kind)], kind


def test_reading_the_database_back_gives_the_records(built: Path) -> None:
    collection = validate([REPO / "records"], keep=True).records
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    connection.row_factory = sqlite3.Row
    rows = {table.name: [dict(row) for row in connection.execute(f'select * from "{table.name}"')]
            for table in iter_tables()}
    back = _records_from_rows(rows)
    for kind in KIND_BY_NAME:
        assert back[kind] == [entry.record for entry in collection.entries(kind)], kind


def test_the_database_carries_the_same_keys_and_no_dangling_reference(built: Path) -> None:
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    descriptor = json.loads((built / "datapackage.json").read_text())
    for resource in _tables(descriptor):
        declared = {(tuple(k["fields"]), k["reference"]["resource"], tuple(k["reference"]["fields"]))
                    for k in resource["schema"].get("foreignKeys", [])}
        in_sqlite: dict[int, list] = {}
        for row in connection.execute(f'PRAGMA foreign_key_list("{resource["name"]}")'):
            in_sqlite.setdefault(row[0], []).append(row)
        actual = {(tuple(r[3] for r in rows), rows[0][2], tuple(r[4] for r in rows)) for rows in in_sqlite.values()}
        assert actual == declared, resource["name"]
        pk = [r[1] for r in sorted(connection.execute(f'PRAGMA table_info("{resource["name"]}")'), key=lambda r: r[5]) if r[5]]
        assert pk == resource["schema"]["primaryKey"], resource["name"]


def test_partial_dates_are_published_with_their_interval(built: Path) -> None:
    connection = sqlite3.connect(built / "dist" / pkg.DATABASE_NAME)
    from armistice.dates import first_day, last_day, sort_key

    rows = connection.execute("select date, date_min, date_max from events union all "
                              "select date, date_min, date_max from documents").fetchall()
    assert rows
    for date, date_min, date_max in rows:  # each partial date with the first and last day it can mean
        assert (date_min, date_max) == (first_day(date), last_day(date)), date
    ordered = [r[0] for r in connection.execute("select date from documents order by date_min, date")]
    assert ordered == sorted(ordered, key=sort_key)


def test_table_schemas_are_described_and_anchored(built: Path) -> None:
    descriptor = json.loads((built / "datapackage.json").read_text())
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["name"] == "korean-armistice-telegrams" and re.match(r"^\d+\.\d+\.\d+$", descriptor["version"])
    assert "T" in descriptor["created"] and descriptor["sources"][0]["title"] == "Wilson Center Digital Archive"
    for resource in descriptor["resources"]:
        assert resource["bytes"] > 0 and resource["hash"].startswith("sha256:") and resource["licenses"]
    for resource in _tables(descriptor):
        for field in resource["schema"]["fields"]:
            assert field["description"], (resource["name"], field["name"])
            pattern = field.get("constraints", {}).get("pattern")
            assert pattern is None or (pattern.startswith("^") and pattern.endswith("$")), field["name"]
    documents = table_by_name("documents")
    assert {"id", "date", "title", "kind", "number", "sender_id", "source_record_id", "source_url", "text"} <= {
        c.name for c in documents.fields}


def test_translated_texts_and_curated_metadata_carry_their_own_licences(built: Path) -> None:
    descriptor = json.loads((built / "datapackage.json").read_text())
    by_name = {r["name"]: r for r in descriptor["resources"]}
    assert [lic.get("name") for lic in by_name["documents"]["licenses"]] == ["CC-BY-4.0", None]
    assert [lic.get("name") for lic in by_name["people"]["licenses"]] == ["CC-BY-4.0"]


# --- atomicity -------------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()
            and "records" not in p.parts and "sources" not in p.parts}


def test_invalid_records_build_nothing_and_touch_nothing(valid_root: Path) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    assert run_cli("build").exit_code == 0
    before = _snapshot(valid_root)
    (valid_root / "records/topics/travel.yaml").write_text("id: travel\nname: Travel\n")
    run = run_cli("build")
    assert run.exit_code == 1
    assert run.lines == ["records/topics/travel.yaml:1:1: description: required field is missing"]
    assert "build failed: 1 error(s) in the records; nothing was built" in run.output
    assert _snapshot(valid_root) == before
    assert not list(valid_root.glob(".build-*"))


def test_a_failure_half_way_leaves_the_previous_outputs(valid_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    assert run_cli("build").exit_code == 0
    before = _snapshot(valid_root)
    (valid_root / "records/topics/travel.yaml").write_text(
        "id: travel\nname: Travel\ndescription: Journeys of the people in the telegrams.\n")

    def broken(connection: object) -> None:  # the database is half written when the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pkg.database, "finish", broken)
    run = run_cli("build")
    assert run.exit_code == 1 and "build failed: cannot write to .: No space left on device" in run.output
    assert run.exception is None
    assert _snapshot(valid_root) == before
    assert not list(valid_root.glob(".build-*"))


def test_a_read_only_output_folder_is_a_clear_error(valid_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    out = tmp_path_factory.mktemp("readonly")
    out.chmod(0o500)
    try:
        run = run_cli("build", "--out", str(out))
    finally:
        out.chmod(0o700)
    assert run.exit_code == 1 and "cannot write to" in run.output


def test_an_output_folder_that_refuses_writes_is_a_clear_error(valid_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")

    def refused(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pkg.tempfile, "mkdtemp", refused)
    run = run_cli("build", "--out", "package")
    assert run.exit_code == 1 and run.exception is None
    assert "build failed: cannot write to package: Permission denied" in run.output


def test_build_out_puts_everything_under_the_folder(valid_root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    out = tmp_path_factory.mktemp("out") / "nested" / "package"
    assert run_cli("build", "--out", str(out)).exit_code == 0
    assert (out / "datapackage.json").is_file() and (out / "data" / "documents.csv").is_file()
    assert (out / "dist" / pkg.DATABASE_NAME).is_file()
    assert not (valid_root / "datapackage.json").exists()


def _package_snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """The published files with their modification times, following data/ wherever it points."""
    files = [root / "datapackage.json", root / "dist" / pkg.DATABASE_NAME]
    for folder, _, names in os.walk(root / "data", followlinks=True):
        files += [Path(folder) / name for name in names]
    return {str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns) for path in files}


def _edit_topic(root: Path) -> None:
    (root / "records/topics/travel.yaml").write_text(
        "id: travel\nname: Travel\ndescription: Journeys of the people in the telegrams.\n")


def test_build_and_serve_read_a_whole_records_root_only(valid_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    assert run_cli("build").exit_code == 0
    before = _snapshot(valid_root)
    document = next((valid_root / "records/documents").glob("*.yaml"))
    document.write_text(document.read_text() + "nickname: x\n")  # invalid, outside the folders named below

    def no_datasette(*args: object) -> None:
        raise AssertionError("serve started Datasette from a kind folder")

    monkeypatch.setattr(os, "execv", no_datasette)
    for args in (["build", "--records", "records/topics"], ["build", "--records", "records/topics/travel.yaml"],
                 ["serve", "--records", "records/people"]):
        run = run_cli(*args)
        assert run.exit_code == 2, args
        assert "not a records folder" in run.output and "(use --records records)" in run.output, args
    assert _snapshot(valid_root) == before
    run = run_cli("build")
    assert run.exit_code == 1 and any(line.startswith(f"records/documents/{document.name}:") for line in run.lines)
    assert _snapshot(valid_root) == before


def test_a_records_root_without_records_is_refused_and_the_package_kept(valid_root: Path) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    assert run_cli("build").exit_code == 0
    before = _snapshot(valid_root)
    for folder in ("documents", "people", "topics"):
        (valid_root / "empty" / folder).mkdir(parents=True)
    run = run_cli("build", "--records", "empty")
    assert run.exit_code == 1 and run.exception is None
    assert "build failed: empty: no records in it; nothing was built" in run.output
    assert _snapshot(valid_root) == before


def test_a_build_removes_only_what_a_build_wrote(valid_root: Path) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    assert run_cli("build", "--out", "package").exit_code == 0
    out = valid_root / "package"
    descriptor = json.loads((out / "datapackage.json").read_text())
    retired = dict(descriptor["resources"][0], name="retired", path="data/retired.csv")
    descriptor["resources"].append(retired)  # a resource an earlier build published, that this one no longer has
    (out / "datapackage.json").write_text(json.dumps(descriptor))
    (out / "data/retired.csv").write_text("id\n")
    foreign = {"data/notes.csv": "mine\n", ".build-notes": "mine\n", ".build-abcdefgh/notes.txt": "mine\n",
               ".build-mine/data/documents.csv": "mine\n"}
    for name, content in foreign.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(content)
    killed = out / ".build-k1lled00"  # the staging folder of a build that died
    (killed / "data").mkdir(parents=True)
    (killed / "data" / "documents.csv").write_text("half a fi")
    assert run_cli("build", "--out", "package").exit_code == 0
    assert not (out / "data/retired.csv").exists()
    assert not killed.exists()
    assert {name: (out / name).read_text() for name in foreign} == foreign
    descriptor = json.loads((out / "datapackage.json").read_text())
    descriptor["name"] = "another-dataset"  # another package's descriptor: its resources are not a build's to remove
    descriptor["resources"].append(dict(retired, path="data/notes.csv"))
    (out / "datapackage.json").write_text(json.dumps(descriptor))
    assert run_cli("build", "--out", "package").exit_code == 0
    assert (out / "data/notes.csv").read_text() == "mine\n"


OBSTACLES = {
    "directory-in-the-way": "{victim} is a directory where the build publishes a file; nothing was published",
    "read-only-data": "cannot write to data: read-only or not permitted; nothing was published",
    "data-on-another-filesystem": "data is on another filesystem than .: a build publishes by renaming",
}


@pytest.mark.parametrize("obstacle", OBSTACLES)
def test_a_swap_that_cannot_finish_is_refused_before_any_rename(
        obstacle: str, valid_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO / "dataset.yaml", valid_root / "dataset.yaml")
    assert run_cli("build").exit_code == 0
    names = sorted(path.name for path in (valid_root / "data").glob("*.csv"))
    victim = Path("data") / names[len(names) // 2]  # half-way through the renames
    data = valid_root / "data"
    elsewhere: Path | None = None
    if obstacle == "directory-in-the-way":
        (valid_root / victim).unlink()
        (valid_root / victim).mkdir()
        (valid_root / victim / "keep.txt").write_text("mine\n")
    elif obstacle == "read-only-data" and os.geteuid() != 0:
        data.chmod(0o555)
    elif obstacle == "read-only-data":  # root writes through permissions: refuse as a read-only mount refuses root
        access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and Path(path).resolve() != data)
    else:
        shm = Path("/dev/shm")
        if not shm.is_dir() or shm.stat().st_dev == valid_root.stat().st_dev:
            pytest.skip("no second filesystem (/dev/shm) to put data/ on")
        elsewhere = Path(tempfile.mkdtemp(dir=shm))
        shutil.move(data, elsewhere / "data")
        data.symlink_to(elsewhere / "data")
    try:
        before = _package_snapshot(valid_root)
        _edit_topic(valid_root)
        run = run_cli("build")
        assert run.exit_code == 1 and run.exception is None
        assert "build failed: " + OBSTACLES[obstacle].format(victim=victim) in run.output
        assert _package_snapshot(valid_root) == before, "a file was published before the refusal"
        assert not list(valid_root.glob(".build-*"))
    finally:
        data.chmod(0o755)
        if elsewhere is not None:
            shutil.rmtree(elsewhere)


def test_every_role_value_has_a_meaning_and_is_published_as_an_enum() -> None:
    from armistice.publish.tables import PERSON_ROLES, ROLES, table_by_name

    assert set(ROLES["document_people"]) == {"recipient", "mentioned", *PERSON_ROLES}
    for name, meanings in ROLES.items():
        role = next(column for column in table_by_name(name).fields if column.name == "role")
        assert role.schema["constraints"]["enum"] == list(meanings)
        assert all(f"`{value}`" in role.description for value in meanings)
        with open(REPO / "data" / f"{name}.csv", newline="", encoding="utf-8") as stream:
            assert {row["role"] for row in csv.DictReader(stream)} <= set(meanings)
