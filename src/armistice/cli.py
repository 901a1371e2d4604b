"""The ``armistice`` command: a thin layer that parses arguments and calls the library.

Exit status: 0 success, 1 a data problem (reported as located findings), 2 a usage error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

# pydantic looks for plugins by reading the metadata of every installed distribution when it builds
# the first model: a fifth of the command's start. The records are validated by our models alone, so
# the command loads no pydantic plugin unless PYDANTIC_DISABLE_PLUGINS is set (to "" for all of them).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import click

from armistice import __version__
from armistice.explore import DEFAULT_HOST, DEFAULT_PORT
from armistice.models import KIND_BY_NAME

DEFAULT_RECORDS = Path("records")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="armistice")
def main() -> None:
    """Curate, check and publish the Korean Armistice Telegrams dataset.

    \b
    Example:
      armistice validate            # check every record under records/
    """



def _refuse(findings: Iterable[object], message: str) -> NoReturn:
    """Print the findings that stop a command (one located line each), then why, and exit 1."""
    for finding in findings:
        click.echo(str(finding))
    click.echo(message, err=True)
    sys.exit(1)

@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one 'path:line:col: field: message' line per finding; json: the same as JSON.")
@click.option("--no-cache", is_flag=True,
              help="Check every document again, neither using nor updating the cache of unchanged documents.")
def validate(paths: tuple[Path, ...], output: str, no_cache: bool) -> None:
    """Check records against the schemas and the cross-record rules.

    PATHS are records roots (folders holding documents/, people/ ...), kind folders or single
    files; the default is records/. Every problem is reported, then a count; exit status 1 when
    there are errors (warnings alone do not fail). Notes, on standard error beside the count, are no
    problem: each says what a document's page does not give (its source.not_on_page).

    A document none of whose inputs changed (its file, its kept page, the registry, the code) is
    not checked again: its findings and what it adds to the cross-record rules are remembered
    under $XDG_CACHE_HOME/armistice/ (default ~/.cache/armistice/), outside the repository.

    \b
    Example:
      armistice validate records/documents/1951-08-13-ciphered-telegram-22834.yaml
    """
    from armistice.records.files import UsageError
    from armistice.records.findings import summary, to_json
    from armistice.rules import validate as run

    try:
        result = run(list(paths) or [DEFAULT_RECORDS], cache=not no_cache)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    findings = result.findings
    if output == "json":
        click.echo(to_json(findings + result.notes, result.files))
    else:
        for finding in findings:
            click.echo(str(finding))
        for note in result.notes:  # stdout holds only the problems; notes go with the count
            click.echo(str(note), err=True)
        click.echo(summary(findings + result.notes, result.files), err=True)
    sys.exit(1 if any(f.severity == "error" for f in findings) else 0)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; list the files that are not in canonical form and exit 1.")
def fmt(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite records in the canonical YAML layout (key order from the models, quoting, comments kept).

    PATHS are records roots, kind folders or files; the default is records/.

    \b
    Example:
      armistice fmt --check         # what CI runs
    """
    from armistice.records.files import UsageError, discover, shown
    from armistice.records.fmt import FormatError, format_file
    from armistice.records.loading import LoadError

    try:
        _, targets, _ = discover(list(paths) or [DEFAULT_RECORDS])
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    changed, failed = 0, 0
    for file, _root in targets:
        name = shown(file)
        try:
            if format_file(file, name, write=not check):
                changed += 1
                click.echo(f"{name}: not in canonical form (run: armistice fmt {name})" if check else f"formatted {name}")
        except LoadError as error:
            failed += 1
            click.echo(str(error.finding))
        except (FormatError, OSError) as error:
            failed += 1
            click.echo(f"{name}:1:1: (file): {error}")
    verb = "would change" if check else "changed"
    click.echo(f"{len(targets)} files checked, {changed} {verb}, {failed} unreadable", err=bool(changed or failed))
    sys.exit(1 if failed or (check and changed) else 0)


@main.command()
@click.option("--records", "records", type=click.Path(path_type=Path), default=DEFAULT_RECORDS, show_default=True,
              help="The records root to build from.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("."), show_default=True,
              help="Where datapackage.json, data/ and dist/ are written.")
def build(records: Path, out: Path) -> None:
    """Build the Frictionless data package (datapackage.json, data/*.csv) and the SQLite database.

    Built into the folder holding the records (the default), it also regenerates what follows from
    the records: dataset.yaml's title, description, years and coverage, the README's generated
    blocks, sources/README.md, records/README.md, CITATION.cff and the Datasette metadata.

    The records are validated first (the whole records root: a kind folder or a file is refused);
    on any error nothing is written. Outputs are written aside and swapped in whole only when
    complete, so a failed or killed build leaves the previous ones as they were; one build at a time.

    \b
    Example:
      armistice build --out /tmp/package   # datapackage.json, data/, dist/ under /tmp/package
    """
    import tempfile
    from contextlib import ExitStack

    from armistice import derived
    from armistice.publish.package import BuildError, outputs
    from armistice.publish.package import build as run
    from armistice.records.files import root_problem

    problem = root_problem(records)
    if problem is not None:
        raise click.UsageError(problem)
    planned = None
    if derived.in_place(records, out):  # the repository's own build also regenerates what follows from the records
        try:
            planned = derived.plan(out, records, derived_files())
        except derived.DerivedError as error:
            if not error.in_records:  # records with errors: the build below reports them and refuses
                _refuse(error.findings, f"build failed: {error}; nothing was built")
    with ExitStack() as held:
        dataset_path = None
        try:
            if planned is not None:  # the package publishes the description as regenerated
                aside = Path(held.enter_context(tempfile.TemporaryDirectory(prefix="armistice-dataset-")))
                dataset_path = aside / derived.DATASET.name
                dataset_path.write_text(planned.files[derived.DATASET], encoding="utf-8")
            result = run(records, out, dataset_path)
        except OSError as error:
            click.echo(f"build failed: cannot write to {out}: {error.strerror or error}", err=True)
            sys.exit(1)
        except BuildError as error:
            _refuse(error.findings, f"build failed: {error}")
    try:
        written = derived.apply(planned) if planned is not None else []
    except OSError as error:  # the package is built; a derived file could not be replaced
        click.echo(f"build: published, but could not regenerate {error.filename}: {error.strerror}; "
                   "run armistice build again", err=True)
        sys.exit(1)
    for finding in result.warnings:
        click.echo(str(finding))
    paths = outputs(out)
    total = sum(result.counts.values())
    click.echo(f"built {paths['descriptor']} and {paths['data']}/ ({len(result.counts)} resources, {total} rows), "
               f"{paths['database']}", err=True)
    if written:
        click.echo("regenerated from the records: " + ", ".join(str(path) for path in written), err=True)


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on; loopback unless you mean to share it (e.g. 0.0.0.0).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--records", "records", type=click.Path(path_type=Path), default=DEFAULT_RECORDS, show_default=True,
              help="The records root to build from when the database is missing or stale.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes over the one immutable database (about one per core).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Print a line for every request.")
def serve(host: str, port: int, records: Path, workers: int, access_log: bool) -> None:
    """Explore the dataset in Datasette (builds first if the database is missing or stale).

    The database is opened immutable, with the generated metadata, the reading view of documents,
    the timeline page and a one-second SQL time limit. Pages carry an ETag naming the database's
    version and may be cached for an hour, so a CDN or a browser serves them again.

    \b
    Example:
      armistice serve --port 8002   # then open http://127.0.0.1:8002
      armistice serve --host 0.0.0.0 --workers 2 --no-access-log   # one process per core
    """
    from armistice.dataset import DatasetError, find_dataset
    from armistice.explore.serve import is_stale, run
    from armistice.publish.package import BuildError, build, outputs
    from armistice.publish.swap import PublishError, settle
    from armistice.records.files import root_problem

    problem = root_problem(records)
    if problem is not None:
        raise click.UsageError(problem)
    repository = Path(".")
    database = outputs(repository)["database"]
    try:
        settle(repository)  # a build killed mid-swap is finished before the database is looked at
        if is_stale(database, [records, find_dataset(records)]):
            build(records, repository)
    except PublishError as error:
        click.echo(f"serve: {error}", err=True)
        sys.exit(1)
    except (BuildError, DatasetError) as error:
        _refuse(error.findings, f"build failed: {error}")
    run(repository, database, host, port, workers=workers, access_log=access_log)


@main.command()
@click.argument("record_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["apa", "chicago", "bibtex", "ris", "csl-json"]), default="apa",
              show_default=True, help="Citation style or format.")
@click.option("--records", "records", type=click.Path(path_type=Path), default=DEFAULT_RECORDS, show_default=True,
              help="The records root (for document citations).")
def cite(record_id: str | None, fmt: str, records: Path) -> None:
    """Cite the dataset at this version, or a document as held in it (with the archive's citation).

    A document is cited only when the records validate (the findings are printed otherwise, exit 1).

    \b
    Example:
      armistice cite --format bibtex
      armistice cite 1951-08-13-ciphered-telegram-22834 --format chicago
    """
    from armistice.dataset import DatasetError, find_dataset, load_dataset
    from armistice.models import Document, Person
    from armistice.release.citation import dataset_item, document_item, render

    if record_id is not None:  # a document is looked up in the records
        from armistice.records.files import root_problem

        problem = root_problem(records)
        if problem is not None:
            raise click.UsageError(problem)
    try:
        dataset = load_dataset(find_dataset(records))
    except DatasetError as error:
        _refuse(error.findings, f"cite: {error}")
    if record_id is None:
        click.echo(render(dataset_item(dataset), fmt), nl=False)
        return
    from armistice.records.files import UsageError
    from armistice.records.findings import summary
    from armistice.rules import validate as run

    try:
        result = run([records], keep=True)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    if any(f.severity == "error" for f in result.findings):  # a citation of records that do not validate
        for finding in result.findings:
            click.echo(str(finding))
        click.echo(f"cite: {summary(result.findings, result.files)}; nothing cited", err=True)
        sys.exit(1)
    collection = result.records
    document = collection.get("document", record_id)
    if not isinstance(document, Document):
        click.echo(f"cite: no document {record_id!r} in {records}/documents/", err=True)
        sys.exit(1)
    names = {entry.record.id: entry.record.name for entry in collection.entries("person")
             if isinstance(entry.record, Person)}
    click.echo(render(document_item(document, dataset, names), fmt), nl=False)


@main.command()
@click.argument("old")
@click.argument("new", default=".")
def diff(old: str, new: str) -> None:
    """Compare two versions of the package and say which version bump they require.

    OLD and NEW are each a package folder ('.' for the working tree's built package), a release zip,
    or a git ref; a release such as v1.0.0 is found by its tag or, without tags, its release commit.
    Records added, removed and changed (field by field), resources and fields added or removed, then
    the bump the version policy requires.

    \b
    Example:
      armistice diff v1.0.0 .
    """
    from contextlib import ExitStack

    from armistice.publish.swap import PublishError, reading
    from armistice.release.diff import SideError, diff_sides, report

    try:
        with ExitStack() as held:
            for side in dict.fromkeys([old, new]):  # a package folder is read whole, never mid-swap
                if Path(side).is_dir():
                    held.enter_context(reading(Path(side)))
            compared = diff_sides(old, new, Path("."))
    except SideError as error:
        raise click.UsageError(str(error)) from None
    except PublishError as error:
        click.echo(f"diff: {error}", err=True)
        sys.exit(1)
    click.echo(report(compared), nl=False)


def derived_files() -> dict[Path, Any]:
    """The files a release regenerates from dataset.yaml besides CITATION.cff, by repository-relative
    path: the Datasette metadata, which shows the version and its citation. Wired here, so the
    release stage never imports the explore stage."""
    from armistice.explore.serve import config_dir, render_metadata

    return {config_dir(Path()) / "metadata.json": render_metadata}


def release_files() -> dict[Path, Any]:
    """What a release regenerates from dataset.yaml besides CITATION.cff: the derived files, and the
    README's citation block (the version and date a release sets are in it)."""
    from armistice import derived

    readme = Path(derived.README)
    files = derived_files()
    if readme.is_file():
        files[readme] = lambda dataset: derived.with_citation(readme.read_text(encoding="utf-8"), dataset)
    return files


def _release_date(_context: click.Context, _parameter: click.Parameter, value: str | None) -> str | None:
    """--date as a real date, checked before any work (a usage error, exit 2)."""
    from armistice.release.cut import ReleaseError, release_day

    if value is None:
        return None
    try:
        return release_day(value)
    except ReleaseError as error:
        raise click.BadParameter(str(error)) from None


@main.command()
@click.argument("version")
@click.option("--date", "day", default=None, callback=_release_date,
              help="Release date (YYYY-MM-DD) for a new version; default today (UTC).")
def release(version: str, day: str | None) -> None:
    """Cut release VERSION: check, bump, build, and write the zip with its SHA256SUMS.

    Refuses when the records do not validate, the working tree is dirty, CHANGELOG.md has no entry
    for VERSION, or VERSION is below the bump the changes since the previous release require.
    Everything is written aside first: a refused, failed or interrupted release leaves the tree as it was.

    \b
    Example:
      armistice release 1.1.0      # then commit and tag as printed
    """
    from armistice.publish.swap import PublishError, settle
    from armistice.release.cut import ReleaseError
    from armistice.release.cut import release as run

    try:
        settle(Path("."))  # a build killed mid-swap is finished before the release looks at the working tree
        result = run(Path("."), version, day, derived=release_files())
    except PublishError as error:
        click.echo(f"release refused: {error}", err=True)
        sys.exit(1)
    except ReleaseError as error:
        click.echo(f"release refused: {error}", err=True)
        sys.exit(1)
    since = f"since {result.previous}: {result.bump.upper()}" if result.previous else "first release"
    click.echo(f"released {result.version} ({since})")
    click.echo(f"  {result.zip_path}  sha256 {result.digest}")
    click.echo(f"  {result.sums_path}  (check with: cd {result.sums_path.parent} && sha256sum -c SHA256SUMS)")
    click.echo("Now commit and tag:")
    click.echo(f"  git commit -am 'Release {result.version}' && git tag -a v{result.version} -m 'Release {result.version}'")


@main.command()
@click.argument("version")
@click.argument("answer", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--records", "records", type=click.Path(path_type=Path), default=DEFAULT_RECORDS, show_default=True,
              help="The records root (dataset.yaml lies beside it).")
def doi(version: str, answer: Path, records: Path) -> None:
    """Record VERSION's DOI from Zenodo's ANSWER (the deposition as JSON) in dataset.yaml.

    Takes the published `doi` or the draft's `metadata.prereserve_doi.doi`, and `conceptdoi` when
    the answer has it and dataset.yaml has none; regenerates CITATION.cff and the Datasette metadata
    (run `armistice build` next). Refuses a second, different DOI for a version (exit 1).

    \b
    Example:
      armistice doi 1.1.0 zenodo-draft.json   # the release workflow saves Zenodo's answer there
    """
    from armistice.dataset import DatasetError, find_dataset
    from armistice.release.cut import generated
    from armistice.release.zenodo import ZenodoError, read_answer, record

    try:
        path = find_dataset(records)
        dataset = record(path, version, read_answer(answer), str(answer))
    except ZenodoError as error:
        click.echo(f"doi: {error}", err=True)
        sys.exit(1)
    except DatasetError as error:
        _refuse(error.findings, f"doi: {error}")
    root = path.parent
    for relative, text in generated(dataset, derived_files()).items():
        (root / relative).write_text(text, encoding="utf-8")
    click.echo(f"{path}: version {version} has DOI {dataset.version_dois[version]}"
               + (f" (concept DOI {dataset.concept_doi})" if dataset.concept_doi else ""))


RECORD_KINDS = list(KIND_BY_NAME)
"""The KIND choices of ``armistice new``: every record kind, by the name its class declares."""


@main.command()
@click.argument("kind", type=click.Choice(RECORD_KINDS), metavar="KIND")
@click.argument("record_id", metavar="ID")
@click.option("--records", "records", type=click.Path(path_type=Path), default=DEFAULT_RECORDS, show_default=True,
              help="The records root to write into.")
def new(kind: str, record_id: str, records: Path) -> None:
    """Write a skeleton of a new KIND record named ID, for a curator to fill in.

    KIND is document, person, place, topic, event or tombstone; the file is records/<kind folder>/ID.yaml.
    Every field is there, commented with whether it is required, its type and its description; the
    file fails `armistice validate` until the required fields are filled in. Refused (exit 1, nothing
    written) when ID is not a valid id, its file exists, or a tombstone withdrew it.

    \b
    Example:
      armistice new person matthew-ridgway   # writes records/people/matthew-ridgway.yaml
    """
    from armistice.records.files import shown
    from armistice.records.skeleton import NewError, create, is_records_root, required_fields

    if not is_records_root(records):
        raise click.UsageError(f"{records}: not a records folder (no documents/, people/ ... inside it)")
    try:
        path = create(records, kind, record_id)
    except NewError as error:
        click.echo(f"new: {error}", err=True)
        sys.exit(1)
    click.echo(f"wrote {shown(path)}: fill in {', '.join(required_fields(kind))}, "
               f"then run: armistice validate {shown(path)}")


@main.command()
@click.argument("page", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--id", "record_id", default=None, help="The new record's id (default: its date, kind and number).")
@click.option("-o", "out", type=click.Path(path_type=Path), default=None,
              help="Where to write the record (default: records/documents/ID.yaml).")
@click.option("--records", "records", type=click.Path(path_type=Path), default=DEFAULT_RECORDS, show_default=True,
              help="The records root whose people and places the draft links.")
def draft(page: Path, record_id: str | None, out: Path | None, records: Path) -> None:
    """Draft a document record from an archive PAGE (either layout), for a curator to check.

    Keeps the page under sources/ (named by its SHA-256), and writes the record in canonical form with
    every value the page gives mechanically; what it cannot decide is listed in the record's
    draft_open, which `armistice validate` reports until each entry is resolved. It never invents.

    \b
    Example:
      armistice draft page.txt   # writes sources/<sha>.txt and records/documents/<id>.yaml
    """
    from armistice.page import PageError
    from armistice.records.draft import DraftError, write
    from armistice.records.draft import draft as make_draft
    from armistice.records.files import shown
    from armistice.records.skeleton import is_records_root

    if not is_records_root(records):
        raise click.UsageError(f"{records}: not a records folder (no documents/, people/ ... inside it)")
    try:
        result = make_draft(page, records, record_id)
        kept, target = write(result, records, out)
    except (DraftError, PageError) as error:
        click.echo(f"draft: {error}", err=True)
        sys.exit(1)
    click.echo(f"kept {shown(kept)}; wrote {shown(target)} with {len(result.open)} values left open: "
               f"run armistice validate {shown(target)}")


if __name__ == "__main__":  # pragma: no cover
    main()
