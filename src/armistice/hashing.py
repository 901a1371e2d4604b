"""A record's content hash: the one fingerprint the package publishes and a citation quotes.

It lives apart from both stages that use it, so the build (a ``content_sha256`` column) and the
release (a document's citation) compute it the same way without one reaching into the other.
"""

from __future__ import annotations

import hashlib
import json

from armistice.models import Record


def content_hash(record: Record) -> str:
    """SHA-256 of the record's canonical JSON (fields left at their defaults omitted, keys sorted).

    Equal hashes in two releases mean the record is unchanged, so a citation of record X at
    version V can be checked against any later release.
    """
    data = record.model_dump(mode="json", exclude_defaults=True)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
