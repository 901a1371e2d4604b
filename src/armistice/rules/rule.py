"""What a rule is: the protocol the engine runs every cross-record rule through.

A rule checks one record at a time against the shared, read-only :class:`~armistice.rules.context.Context`.
Documents are checked in worker processes, each with its own fresh rule objects, so a rule that
must see the whole collection (every recorded spelling occurs in some document, every reference
resolves once every document is known) keeps what it gathers on the rule object itself: small and
picklable, folded into another instance's with :meth:`Rule.merge` (in the worker, over the documents
of a chunk; then in the main process, over the chunks). :meth:`Rule.finish` then reports what only the whole collection shows.

A rule that needs nothing beyond the record and the lookups is a plain function, run as a rule by
:class:`RecordRule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Self

from armistice.records.files import Entry
from armistice.records.findings import FieldPath, Finding, format_field

if TYPE_CHECKING:
    from armistice.rules.context import Context

Check = Callable[[Entry, "Context"], Iterable[Finding]]
"""A rule on one record alone: its findings, given the shared lookups."""


class Rule(Protocol):
    """A rule, with whatever it gathers from the records it has checked."""

    def check(self, entry: Entry, context: Context) -> Iterable[Finding]:
        """The findings on one record; anything the collection-wide part needs is kept on ``self``."""
        ...

    def merge(self, other: Self) -> None:
        """Fold in what another instance of the same rule gathered (in a worker)."""
        ...

    def finish(self, context: Context) -> Iterable[Finding]:
        """The findings only the whole collection shows, once every record has been checked."""
        ...


@dataclass(frozen=True)
class RecordRule:
    """A :data:`Check` run as a rule: it gathers nothing, so there is nothing to merge or finish."""

    check: Check

    def merge(self, other: RecordRule) -> None:
        pass

    def finish(self, context: Context) -> Iterable[Finding]:
        return ()


def at(entry: Entry, path: FieldPath, message: str, severity: str = "error", *, key: bool = False) -> Finding:
    """A finding located at the value (or, with ``key``, the key) of ``path`` in the entry's file."""
    line, column = entry.loaded.position(path, key=key)
    return Finding(entry.loaded.path, line, column, format_field(path), message, severity)  # type: ignore[arg-type]
