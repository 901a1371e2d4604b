"""Property-based tests (hypothesis).

1. Any small world of records generated from the models' rules validates, builds, and reads back
   from the published CSV unchanged.
2. Any random mutation of a valid record file is either still valid or rejected with located
   findings, never a crash, and validation changes no file.
3. The fast paths taken for speed give exactly what the plain ones give: the CSV formatter and
   csv.writer, the name index and a search of every name.
4. Whatever characters a one-line field, a free-text field or an id holds, the models and the JSON
   Schema agree on it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tempfile
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armistice.models import KIND_BY_NAME, RECORD_KINDS
from armistice.publish import package as pkg
from armistice.publish.tables import fields, iter_tables, unflatten
from armistice.records.schemas import schema_comment
from armistice.rules import validate
from conftest import REPO, VALID, run_cli

WORD = st.from_regex(r"[a-z]{3,9}", fullmatch=True)
NAME = st.tuples(st.from_regex(r"[A-Z][a-z]{3,8}", fullmatch=True), st.from_regex(r"[A-Z][a-z]{3,8}", fullmatch=True)).map(" ".join)
SENTENCE = st.lists(WORD, min_size=3, max_size=12).map(lambda words: " ".join(words).capitalize() + ".")
START = date(1951, 1, 1)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def partial(day: date, precision: int, hour: int, minute: int) -> str:
    return [f"{day:%Y}", f"{day:%Y-%m}", f"{day:%Y-%m-%d}", f"{day:%Y-%m-%d}T{hour:02d}:{minute:02d}"][precision]


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, list[dict]]:
    names = draw(st.lists(NAME, min_size=5, max_size=8, unique_by=lambda n: n.lower()))
    people_names, place_names = names[:3], names[3:]
    basis = [{"basis": "curators", "reason": "A generated record."}]
    people = [{"id": slug(n), "name": n, "spellings": [n], "identification": "certain", "identified_by": basis}
              for n in people_names]
    places = []
    for n in place_names:
        place = {"id": slug(n), "name": n, "spellings": [n], "identification": "certain", "identified_by": basis}
        if draw(st.booleans()):
            place.update(latitude=draw(st.floats(-90, 90)), longitude=draw(st.floats(-180, 180)))
        places.append(place)
    topics = [{"id": f"topic-{i}", "name": f"Topic {i}", "description": draw(SENTENCE)} for i in range(draw(st.integers(1, 3)))]
    documents, events = [], []
    page_date_of: dict[str, str] = {}
    for number in range(1, draw(st.integers(1, 3)) + 1):
        day = START + timedelta(days=draw(st.integers(30, 300)))
        precision = draw(st.integers(0, 2))  # as the archive dates a page: a year, a month or a day
        date_text = partial(day, precision, 0, 0)
        page_date = [f"{day:%Y}", f"{day:%B %Y}", f"{day:%B} {day.day}, {day:%Y}"][precision]
        sender, recipient, other = draw(st.permutations(people))
        place = draw(st.sampled_from(places))
        messages, paragraphs = [], [f"From {sender['name']} to {recipient['name']}.", draw(SENTENCE)]
        for index in range(draw(st.integers(0, 2))):
            sent = partial(day - timedelta(days=draw(st.integers(1, 20))), 3, draw(st.integers(0, 23)), 0)
            text = f"To {recipient['name']}. {draw(SENTENCE)} {other['name']}."
            paragraphs.append(f'"{text}"')
            messages.append({"id": f"m{index + 1}", "sender": other["id"], "recipients": [recipient["id"]],
                             "sent": {"at": sent, "as_written": f"{other['name']}."}, "text": text})
        mentioned = [other["id"]] if not messages else []
        if mentioned:
            paragraphs.append(f"{draw(SENTENCE)} As {other['name']} reports.")
        paragraphs.append(f"{draw(SENTENCE)} In {place['name']}.")
        title = f"Telegram No. {number}, {sender['name']} to {recipient['name']}"
        fond = str(draw(st.integers(1, 999)))
        reference = f"RGASPI, f. {fond}, op. 1, d. 2, ll. 3-4"
        event_ids = []
        if draw(st.booleans()):
            event = {"id": f"event-{number}", "title": draw(SENTENCE).rstrip("."), "date": f"{day - timedelta(days=1):%Y-%m-%d}",
                     "date_basis": "inferred",
                     "description": draw(SENTENCE), "places": [place["id"]]}
            events.append(event)
            event_ids.append(event["id"])
        page_date_of[f"{day:%Y-%m-%d}-telegram-{number}"] = page_date
        documents.append({
            "id": f"{day:%Y-%m-%d}-telegram-{number}", "title": title, "date": date_text,
            "kind": draw(st.sampled_from(["ciphered-telegram", "cable", "telegram"])), "number": str(number),
            "sender": sender["id"], "recipients": [recipient["id"]],
            **({"messages": messages} if messages else {}),
            "archival_references": [{"repository": "RGASPI", "fond": fond, "opis": "1", "delo": "2", "listy": "3-4",
                                     "as_written": reference}],
            "source": {"archive": "Wilson Center Digital Archive", "record_id": 1000 + number,
                       "url": f"https://digitalarchive.wilsoncenter.org/document/{1000 + number}",
                       "retrieved_from": f"https://example.org/document/{1000 + number}",
                       "citation": f'"{title}", {page_date}, Wilson Center Digital Archive, {reference}.',
                       "summary": draw(SENTENCE), "original_language": "ru", "translation_language": "en"},
            **({"mentioned_people": mentioned} if mentioned else {}),
            "mentioned_places": [place["id"]],
            "topics": [draw(st.sampled_from(topics))["id"]],
            **({"events": event_ids} if event_ids else {}),
            "text": "\n\n".join(paragraphs) + "\n",
        })
    pages = {}
    for doc in documents:  # each document's page, in the archive's older layout, kept beside the records
        source = doc["source"]
        page = (f"**{page_date_of[doc['id']]}**  \n**{doc['title']}**\n\n**Citation:**\n\n{source['citation']} "
                f"<{source['retrieved_from']}>\n\n**Summary:**\n\n{source['summary']}\n\n**Original Language:**\n\n"
                f"Russian\n\n**Contents:**\n\nTranslation - English\n\n{doc['text']}")
        pages[f"{doc['id']}.txt"] = page
        source["transcription"] = {"file": f"sources/{doc['id']}.txt",
                                   "sha256": hashlib.sha256(page.encode()).hexdigest(),
                                   "text_starts_after": "Translation - English"}
        source["not_on_page"] = ["credits", "uploaded", "obtained_by", "translated_by"]
    used_places = {d["mentioned_places"][0] for d in documents}
    used_people = {p for d in documents for p in [d["sender"], *d["recipients"], *d.get("mentioned_people", [])]
                   + [m["sender"] for m in d.get("messages", [])]}
    return {"pages": pages, "tombstone": [], "organisation": [], "document": documents, "person": [p for p in people if p["id"] in used_people],
            "place": [p for p in places if p["id"] in used_places], "topic": topics, "event": events}


def write_world(world: dict[str, list[dict]], root: Path) -> None:
    for model in RECORD_KINDS:
        folder = root / "records" / model.folder
        folder.mkdir(parents=True, exist_ok=True)
        for record in world.get(model.record_kind, []):
            text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=4096)
            (folder / f"{record['id']}.yaml").write_text(schema_comment(model) + "\n" + text, encoding="utf-8")
    (root / "sources").mkdir(exist_ok=True)
    for name, page in world.get("pages", {}).items():
        (root / "sources" / name).write_text(page, encoding="utf-8")
    shutil.copy(REPO / "dataset.yaml", root / "dataset.yaml")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_generated_records_validate_build_and_round_trip(world: dict[str, list[dict]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_world(world, root)
        result = validate([root / "records"], keep=True)
        collection, findings = result.records, result.findings
        assert [f for f in findings if f.severity == "error"] == [], "\n".join(map(str, findings))
        expected = {kind: [KIND_BY_NAME[kind].model_validate(r) for r in sorted(records, key=lambda r: r["id"])]
                    for kind, records in world.items() if kind != "pages"}
        for kind in expected:
            assert [entry.record for entry in collection.entries(kind)] == expected[kind]
        pkg.build(root / "records", root / "out")
        rows = {}
        for table in iter_tables():
            types = {c.name: c.schema["type"] for c in fields(table.name)}
            with open(root / "out" / "data" / f"{table.name}.csv", newline="", encoding="utf-8") as stream:
                rows[table.name] = [{k: (None if v == "" else int(v) if types[k] == "integer" else
                                         float(v) if types[k] == "number" else v) for k, v in row.items()}
                                    for row in csv.DictReader(stream)]
        back = {kind: [KIND_BY_NAME[kind].model_validate(item) for item in items] for kind, items in unflatten(rows).items()}
        assert back == expected


MUTATIONS = st.sampled_from(["delete-line", "duplicate-line", "swap-lines", "replace-char", "insert-bytes", "truncate",
                             "indent-line", "tab-indent"])
LOCATED = re.compile(r"^records/[^:]+:\d+:\d+: (warning: )?\S.*$")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(str(p.relative_to(VALID)) for p in (VALID / "records").rglob("*.yaml"))), MUTATIONS,
       st.integers(0, 10_000), st.binary(min_size=1, max_size=6), st.characters())
def test_mutated_records_are_valid_or_rejected_with_located_findings(relative: str, mutation: str, at: int,
                                                                     noise: bytes, char: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(VALID, root, dirs_exist_ok=True)
        path = root / relative
        raw = path.read_bytes()
        lines = raw.split(b"\n")
        i = at % len(lines)
        if mutation == "delete-line":
            del lines[i]
        elif mutation == "duplicate-line":
            lines.insert(i, lines[i])
        elif mutation == "swap-lines":
            j = (i + 1) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
        elif mutation == "indent-line":
            lines[i] = b"  " + lines[i]
        elif mutation == "tab-indent":
            lines[i] = b"\t" + lines[i]
        mutated = b"\n".join(lines)
        if mutation == "replace-char":
            k = at % len(raw)
            mutated = raw[:k] + char.encode("utf-8", "surrogatepass") + raw[k + 1:]
        elif mutation == "insert-bytes":
            k = at % len(raw)
            mutated = raw[:k] + noise + raw[k:]
        elif mutation == "truncate":
            mutated = raw[: at % len(raw)]
        path.write_bytes(mutated)
        before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
        import os

        previous = os.getcwd()
        os.chdir(root)
        try:
            run = run_cli("validate", "records")
        finally:
            os.chdir(previous)
        assert run.exception is None, f"{mutation}: {run.exception!r}"
        assert run.exit_code in (0, 1)
        assert all(LOCATED.match(line) for line in run.lines), run.lines
        if run.exit_code == 1:
            assert any(": warning: " not in line for line in run.lines)
        assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


CELL = st.one_of(st.none(), st.integers(-10**6, 10**6), st.text(alphabet=st.sampled_from(list('ab ,"\n\t\'\\;°№éß\x00')), max_size=8))


TRICKY = st.sampled_from(list("a Z-\n\t\r\v\f\x00\x1b\x1c\x7f\x85\xa0\xad\u2028\u2029\u200b\u200d\u202e"
                              "\u2066\ufeff\u3000\u3164\U0001d173"))
VALUES = st.text(alphabet=st.one_of(TRICKY, st.characters(codec="utf-8")), max_size=8)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["id", "name", "description"]), VALUES)
def test_the_json_schema_and_the_models_agree_on_every_character(field: str, value: str) -> None:
    """A one-line field, a free-text field and an id: whatever characters a value holds, the
    models accept it exactly when the published JSON Schema does."""
    import json

    from jsonschema import Draft202012Validator
    from pydantic import ValidationError

    topic = {"id": "travel", "name": "Travel", "description": "Journeys.", field: value}
    schema = json.loads((REPO / "schema" / "topic.schema.json").read_text())
    schema_accepts = not list(Draft202012Validator(schema).iter_errors(topic))
    try:
        KIND_BY_NAME["topic"].model_validate(topic)
        models_accept = True
    except ValidationError:
        models_accept = False
    assert models_accept == schema_accepts
    allowed = "\t\n" if field == "description" else ""
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") and char not in allowed for char in value):
        assert not models_accept, "a control character or a line separator never passes"
    if any(char in "\u200b\u200d\u202e\u2066\ufeff\xad" for char in value):
        assert not models_accept, "an invisible or direction-changing character never passes"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(CELL, min_size=2, max_size=5), max_size=6))
def test_the_csv_formatter_writes_what_csv_writer_writes(rows: list[list[object]]) -> None:
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows([pkg._csv_value(value) for value in row] for row in rows)
    assert pkg.csv_text(rows) == expected.getvalue()


def test_a_carriage_return_in_a_cell_is_quoted_and_reads_back() -> None:
    text = pkg.csv_text([["a\rb", "c"]])
    assert text == '"a\rb",c\n'
    assert list(csv.reader(text.splitlines(keepends=True))) == [["a\rb", "c"]]


ODD_CASES = list("abkKsSiI ſßẞİı\u212a.-'°№ΣσςµμιΙ\u0345éÉ")
NAME_TEXT = st.text(alphabet=st.sampled_from(ODD_CASES), max_size=40)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(ODD_CASES), min_size=1, max_size=6), min_size=1, max_size=6),
       NAME_TEXT)
def test_the_name_index_finds_exactly_the_names_a_search_finds(names: list[str], text: str) -> None:
    from armistice.rules.names import NameIndex, occurs

    assert NameIndex(names).present(text) == {name for name in names if occurs(name, text)}


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,"\r\n ')), max_size=30))
def test_the_read_back_counts_the_rows_a_csv_reader_finds(text: str) -> None:
    """The build's check of its CSV text counts rows as a reader does, whether or not it reads them."""
    assert pkg.read_back_count(text) == sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
