"""Regenerate the committed artefacts: schema/*.json from the models, and everything that follows from
the records and dataset.yaml (see armistice.derived): dataset.yaml's derived fields, the README's
generated blocks, sources/README.md, records/README.md, CITATION.cff and datasette/metadata.json.

Run with `make generate` after changing src/armistice/models.py or a topic record; `armistice build`
regenerates the same derived files (not the schemas) and the package with them.
"""

from pathlib import Path

from armistice import derived
from armistice.cli import derived_files
from armistice.records import schemas

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for path in schemas.write(ROOT / "schema"):
        print(f"wrote {path.relative_to(ROOT)}")
    for relative in derived.apply(derived.plan(ROOT, extra=derived_files())):
        print(f"wrote {relative}")


if __name__ == "__main__":
    main()
