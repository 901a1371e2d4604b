"""Chronology: no record puts a sending, a receipt, a handling or an event in an impossible order.

A quoted message is not dated after the document that forwards it, an earlier telegram it refers to
is not dated after it, a telegram is not received before it was sent or dated, the cipher office
does not handle it before receiving it, and an event is not reported before it happened. Clock
times are local, so comparisons allow :data:`armistice.dates.CLOCK_MARGIN` (which also spans the
hours between Moscow and Beijing time when a page states its clocks).

The order of receipt and sending follows the copy's ``direction``: an incoming telegram is sent,
then received; an outgoing copy ("COPY OF AN OUTGOING TELEGRAM") is received by the cipher office
from its author, then sent, so its receipt before its sending is the normal order. A copy marked as
outgoing must say ``direction: outgoing``, so the reading view and these rules read it as such.
"""

from __future__ import annotations

from collections.abc import Iterator

from armistice import dates
from armistice.models import Direction, Document, Event, MarkingKind
from armistice.records.files import Entry
from armistice.records.findings import FieldPath, Finding
from armistice.rules.context import Context
from armistice.rules.rule import at


def _not_after(entry: Entry, path: FieldPath, earlier: str, later: str, what: str) -> Iterator[Finding]:
    if not dates.may_precede(earlier, later):
        yield at(entry, path, f"{earlier} is after {later}: {what}")


def check_order(entry: Entry, context: Context) -> Iterator[Finding]:
    """Each impossible order is reported once, at the value most likely wrong."""
    if isinstance(entry.record, Document):
        doc = entry.record
        received_ok = doc.received is None or dates.may_precede(doc.date, doc.received.at)
        for index, message in enumerate(doc.messages):
            here = ("messages", index)
            if message.sent:
                after_date = list(_not_after(entry, here + ("sent", "at"), message.sent.at, doc.date,
                                             "a quoted message cannot be dated after the document that forwards it"))
                yield from after_date
                if doc.received and received_ok and not after_date:
                    yield from _not_after(entry, here + ("sent", "at"), message.sent.at, doc.received.at,
                                          "a quoted message cannot be sent after the document was received")
            if message.sent and message.received:
                yield from _not_after(entry, here + ("received", "at"), message.sent.at, message.received.at,
                                      "a message cannot be received before it was sent")
            for ref_index, ref in enumerate(message.refers_to):
                if ref.date and message.sent:
                    yield from _not_after(entry, here + ("refers_to", ref_index, "date"), ref.date, message.sent.at,
                                          "a telegram referred to cannot be dated after the message citing it")
        if doc.received:
            yield from _not_after(entry, ("received", "at"), doc.date, doc.received.at,
                                  "a telegram cannot be received before its date")
            if doc.origin and doc.origin.time:
                yield from _not_after(entry, ("origin", "time"), doc.origin.time, doc.received.at,
                                      "the time beside the origin cannot be after receipt")
            for index, note in enumerate(doc.handling):
                if note.at:
                    yield from _not_after(entry, ("handling", index, "at"), doc.received.at, note.at,
                                          "the cipher office cannot handle a telegram before receiving it")
        yield from _sending(entry, doc)
        for index, event_id in enumerate(doc.events):
            event = context.get("event", event_id)
            if isinstance(event, Event):
                yield from _not_after(entry, ("events", index), event.date, doc.date,
                                      f"event {event_id!r} is dated after the document reporting it")




def _sending(entry: Entry, doc: Document) -> Iterator[Finding]:
    """The covering telegram's own sending, in the order its copy's direction gives."""
    outgoing = doc.direction == Direction.OUTGOING
    for index, marking in enumerate(doc.markings):
        if marking.kind == MarkingKind.COPY_OF_OUTGOING_TELEGRAM and not outgoing:
            yield at(entry, ("markings", index, "kind"), "the copy is marked as an outgoing telegram: "
                     "say direction: outgoing, so it is read as sent after the cipher office received it")
    if doc.sent is None:
        return
    if doc.received and outgoing:
        yield from _not_after(entry, ("sent", "at"), doc.received.at, doc.sent.at,
                              "an outgoing copy cannot be sent before the cipher office received it")
    elif doc.received:
        yield from _not_after(entry, ("sent", "at"), doc.sent.at, doc.received.at,
                              "an incoming telegram cannot be received before it was sent "
                              "(an outgoing copy says direction: outgoing)")
    for index, message in enumerate(doc.messages):
        if message.sent:
            yield from _not_after(entry, ("messages", index, "sent", "at"), message.sent.at, doc.sent.at,
                                  "a quoted message cannot be sent after the telegram that forwards it")
