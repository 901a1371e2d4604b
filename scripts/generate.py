"""Regenerate the committed artefacts derived from the models: schema/*.json, records/README.md and
datasette/metadata.json and CITATION.cff.

Run with `make generate` after changing src/armistice/models.py or a topic record.
"""

from pathlib import Path

from armistice.records import dictionary
from armistice.records import schemas
from armistice.explore import serve
from armistice.release.cut import write_generated
from armistice.rules import validate

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for path in schemas.write(ROOT / "schema"):
        print(f"wrote {path.relative_to(ROOT)}")
    collection = validate([ROOT / "records"], keep=True).records
    topics = [entry.record for entry in collection.entries("topic")]
    records = [entry.record for kind in collection.by_kind for entry in collection.entries(kind)]
    (ROOT / "records" / "README.md").write_text(dictionary.render(topics, records), encoding="utf-8")
    print("wrote records/README.md")
    write_generated(ROOT)
    print("wrote CITATION.cff and datasette/metadata.json")


if __name__ == "__main__":
    main()
