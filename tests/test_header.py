"""The document's own header in full: sent, direction, via, destination, markings, refers_to and clocks.

``tests/fixtures/header/`` lays over the valid fixture an outgoing copy whose page gives every header
field (a marking "COPY OF AN OUTGOING TELEGRAM", a receipt before the sending, an intermediary, a
destination, a reference to another telegram and a stated clock). The invalid cases built on it
(``incoming-received-before-sent``, ``outgoing-sent-before-received``,
``outgoing-marking-without-direction``, ``document-reference-not-in-text``) are run with the others
by ``tests/test_rules.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from armistice.models import Document
from armistice.publish.tables import flatten, unflatten
from armistice.rules import validate
from conftest import overlay, run_cli

HEADER = Path(__file__).parent / "fixtures" / "header"


@pytest.fixture
def header_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    overlay(HEADER, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_outgoing_copy_received_before_it_was_sent_is_valid(header_root: Path) -> None:
    """Fails if the chronology reads every copy as incoming, or a header field is refused."""
    run = run_cli("validate", "records")
    assert run.exit_code == 0 and run.lines == [], run.output
    doc = next(e.record for e in validate([Path("records")], keep=True).records.entries("document"))
    assert isinstance(doc, Document)
    assert doc.received and doc.sent and doc.received.at < doc.sent.at  # the order the rule must accept
    assert doc.direction == "outgoing" and doc.sent.clock == "moscow"


def test_every_header_field_is_published_and_reads_back(header_root: Path) -> None:
    """Fails if a header field has no column or table, or flattening loses any of it."""
    kept = validate([Path("records")], keep=True)
    records = {kind: [e.record for e in kept.records.entries(kind)]
               for kind in ("document", "person", "place", "topic", "event", "tombstone")}
    doc = records["document"][0]
    rows = flatten(records)
    (row,) = rows["documents"]
    assert (row["direction"], row["sent"], row["sent_clock"], row["destination_place_id"]) == (
        doc.direction.value, doc.sent.at, doc.sent.clock.value, doc.destination.place)
    assert [r["person_id"] for r in rows["document_via"]] == [v.person for v in doc.via]
    assert [r["kind"] for r in rows["document_markings"]] == [m.kind.value for m in doc.markings]
    assert [r["as_written"] for r in rows["document_references"]] == [r.as_written for r in doc.refers_to]
    back = unflatten(rows)["document"][0]
    assert Document.model_validate(back, strict=False) == doc
