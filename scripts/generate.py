"""Regenerate the committed artefacts derived from the models: schema/*.json, records/README.md and
datasette/metadata.json and CITATION.cff.

Run with `make generate` after changing src/armistice/models.py or a topic record.
"""

from pathlib import Path

from armistice.cli import derived_files
from armistice.dataset import load_dataset
from armistice.records import dictionary, schemas
from armistice.release.cut import generated
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
    for relative, text in generated(load_dataset(ROOT / "dataset.yaml"), derived_files()).items():
        (ROOT / relative).write_text(text, encoding="utf-8")
        print(f"wrote {relative}")


if __name__ == "__main__":
    main()
