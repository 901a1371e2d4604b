"""The lookups every record is checked against: the registry, the tombstones and the name indexes.

The registry is the records that are not documents (people, places, topics, events, tombstones):
few, loaded first and shared with every worker. Documents are checked one at a time against it, so
an archive of any size is never held in memory at once. Nothing here changes while records are
checked: what a rule gathers on the way is its own (see :mod:`armistice.rules.rule`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from armistice.models import NAMED_KINDS, Record, Tombstone
from armistice.records.files import Collection
from armistice.rules.names import NameIndex, names_of


@dataclass(frozen=True)
class Context:
    """What one record is checked against.

    ``unreadable`` holds, by kind, the ids (file names) of records that exist but failed to load,
    already reported so that references to them are not reported again; it is complete only in the
    context the engine hands to :meth:`~armistice.rules.rule.Rule.finish`, once every file is read.
    """

    registry: Collection
    base: Path
    """Where ``sources/`` lies."""
    tombstones: Mapping[tuple[str, str], Tombstone] = field(default_factory=dict)
    """Withdrawn ids, by ``(kind, id)``."""
    tombstone_paths: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """The file of each tombstone, as shown in findings."""
    index: Mapping[str, NameIndex] = field(default_factory=dict)
    """By kind (person, place): which recorded names occur in a text."""
    owners: Mapping[str, Mapping[str, list[tuple[Any, list[str]]]]] = field(default_factory=dict)
    """By kind, each recorded name: the records it belongs to, each with all its names."""
    unreadable: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def get(self, kind: str, record_id: str) -> Record | None:
        """The registry's record of that kind and id, if there is one."""
        return self.registry.get(kind, record_id)


def make_context(collection: Collection, base: Path | None = None) -> Context:
    """The context for checking records against ``collection``'s registry.

    ``base`` is where ``sources/`` lies: by default the folder holding the records root.
    """
    if base is None:
        base = collection.root.parent if collection.root else Path.cwd()
    tombstones: dict[tuple[str, str], Any] = {}
    tombstone_paths: dict[tuple[str, str], str] = {}
    for entry in collection.entries("tombstone"):
        assert isinstance(entry.record, Tombstone)
        key = (entry.record.kind.value, entry.record.id)
        tombstones[key] = entry.record
        tombstone_paths[key] = entry.loaded.path
    owners: dict[str, dict[str, list[tuple[Any, list[str]]]]] = {}
    index: dict[str, NameIndex] = {}
    for kind in NAMED_KINDS:
        by_name: dict[str, list[tuple[Any, list[str]]]] = {}
        for entry in collection.entries(kind):
            names = names_of(entry.record)  # type: ignore[arg-type]
            for name in names:
                by_name.setdefault(name, []).append((entry.record, names))
        owners[kind] = by_name
        index[kind] = NameIndex(by_name)
    return Context(collection, base, tombstones, tombstone_paths, index, owners, unreadable_ids(collection))


def unreadable_ids(collection: Collection) -> dict[str, frozenset[str]]:
    """The ids known broken in ``collection``, frozen for a context."""
    return {kind: frozenset(ids) for kind, ids in collection.unreadable.items()}
