"""Print how well `armistice draft` recovers each curated document: per field group, right / open / wrong.

Drafts each document's kept page (its `source.transcription.file`) against the records root's own
registry, compares the draft with the curated record field by field
(:func:`armistice.records.draft.compare_records`) and prints the Markdown table published in
BENCHMARKS.md. "filled" is right / (right + open) over every group but the curator's reading
(topics, events, proposals, notes), which a draft never proposes; "incl. reading" counts those too.
A second table does the same for the synthetic current-layout pages of the tests
(`tests/fixtures/pages/draft-*.txt`, drafted against the valid fixture's registry and compared with
the curated record beside each page). Run: `PYTHONPATH=src .venv/bin/python scripts/draft_report.py [RECORDS]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from armistice.records.draft import GROUPS, NEVER_DRAFTED, compare_records, draft, filled
from armistice.records.loading import load_file

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
FIXTURE_RECORDS = PAGES.parent / "valid" / "records"


def report(records: Path) -> tuple[list[str], dict[str, int]]:
    """The table's lines for each curated document of ``records``, and the totals over them."""
    root = records.resolve().parent
    pairs = []
    for file in sorted((records / "documents").glob("*.yaml")):
        curated = load_file(file).data
        pairs.append((curated, draft(root / curated["source"]["transcription"]["file"], records, curated["id"]).data()))
    return table(pairs)


def synthetic() -> tuple[list[str], dict[str, int]]:
    """The table for the synthetic current-layout pages, each against the record curated from it."""
    return table([(load_file(page.with_suffix(".yaml")).data, draft(page, FIXTURE_RECORDS).data())
                  for page in sorted(PAGES.glob("draft-*.txt"))])


def table(pairs: list[tuple[dict, dict]]) -> tuple[list[str], dict[str, int]]:
    """Rows of curated record against draft: per group right / open / wrong, and the shares filled."""
    header = "| document | " + " | ".join(GROUPS) + " | all: right / open / wrong | filled | incl. reading |"
    lines = [header, "|" + "---|" * (len(GROUPS) + 4)]
    totals = {"right": 0, "open": 0, "wrong": 0}
    for curated, drafted in pairs:
        counts = compare_records(drafted, curated)
        cells = [f"{c['right']} / {c['open']} / {c['wrong']}" for c in counts.values()]
        row = {key: sum(c[key] for c in counts.values()) for key in totals}
        for key in totals:
            totals[key] += row[key]
        lines.append(f"| `{curated['id']}` | " + " | ".join(cells)
                     + f" | {row['right']} / {row['open']} / {row['wrong']} | {filled(counts, NEVER_DRAFTED):.0%}"
                     f" | {filled(counts, ()):.0%} |")
    return lines, totals


if __name__ == "__main__":
    lines, totals = report(Path(sys.argv[1] if len(sys.argv) > 1 else "records"))
    print("\n".join(lines))
    print(f"\nall documents: {totals['right']} right, {totals['open']} left open, {totals['wrong']} wrong")
    lines, totals = synthetic()
    print("\nSynthetic pages in the current layout (tests/fixtures/pages/draft-*.txt):\n")
    print("\n".join(lines))
    print(f"\nall pages: {totals['right']} right, {totals['open']} left open, {totals['wrong']} wrong")
