"""Drafted records: every value ``armistice draft`` left open is an error until the curator decides it.

A draft never invents: what it cannot read from the page it leaves out and names in ``draft_open``.
Each entry is reported where it stands, so a draft cannot be built or released before a person has
checked each one and removed the entry.
"""

from __future__ import annotations

from collections.abc import Iterator

from armistice.models import Document
from armistice.records.files import Entry
from armistice.records.findings import Finding
from armistice.rules.context import Context
from armistice.rules.rule import at


def check_open(entry: Entry, context: Context) -> Iterator[Finding]:
    """One finding per open value of a drafted document."""
    if isinstance(entry.record, Document):
        for index, what in enumerate(entry.record.draft_open):
            yield at(entry, ("draft_open", index), f"left open by armistice draft: {what}; decide it from the "
                     "page, then remove this entry")
