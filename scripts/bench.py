"""Benchmark validation, build and search at archive scale; print the table BENCHMARKS.md shows.

    python scripts/bench.py                       # N = 1,000, 10,000 and 100,000 (what `make bench` runs)
    python scripts/bench.py --sizes 20 --runs 1   # a quick look (the test suite runs this)

For each N, synthetic records (scripts/synth.py, seeded) are written once into --work and reused.
Every measurement is a whole process, started the way a user starts it, timed on the wall clock
(median of --runs), with its peak memory: the resident set summed over the process and its
children (the validator's workers), sampled every 50 ms. Beside ours, in the same run:

- the floor: parsing the same files with PyYAML's C loader and nothing else;
- check-jsonschema validating the same YAML files against schema/ (one process per kind, in
  batches that fit a command line; their times are added up);
- ``frictionless validate`` of the package our build wrote.

Then Datasette serves the built database and full-text searches are timed through HTTP, and the
targets of the performance issue are checked against what was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import typing
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "scripts"))

import synth  # noqa: E402  (a sibling script)

FLOOR = """
import sys, pathlib, yaml
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.yaml")):
    with open(path, "rb") as stream:
        yaml.load(stream, Loader=yaml.CSafeLoader)
"""
KINDS = {"documents": "document", "people": "person", "places": "place", "topics": "topic", "events": "event"}
BATCH = 2000  # files per check-jsonschema process: a command line holds this many paths
# Commands run as on a user's machine, where Python caches compiled modules (some sandboxes turn it off).
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Measure:
    """Wall seconds (median) and peak memory (MiB, the largest seen) of repeated runs of a command."""

    seconds: float
    peak_mib: float
    runs: list[float] = field(default_factory=list)
    cpu: float = 0.0
    """CPU seconds (user and system, the process and its workers) of the median run."""


def _tree_rss(root: int) -> int:
    """Resident memory (KiB) of a process and all its descendants, from /proc (children lists)."""
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as stream:
                total += next((int(line.split()[1]) for line in stream if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as stream:
                    stack.extend(int(child) for child in stream.read().split())
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def run_once(command: list[str], cwd: Path = REPO) -> tuple[float, float, float]:
    """Run a command to completion: (wall seconds, peak MiB of its process tree, CPU seconds of the
    process and the children it waited for). Fails loudly."""
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, peak / 1024, cpu


def measure(commands: list[list[str]], runs: int, before=None) -> Measure:
    """Median wall time of ``runs`` repetitions of a sequence of commands (their times added)."""
    totals, peaks, cpus = [], [], []
    for _ in range(runs):
        if before:
            before()
        results = [run_once(command) for command in commands]
        totals.append(sum(seconds for seconds, _, _ in results))
        peaks.append(max(peak for _, peak, _ in results))
        cpus.append(sum(cpu for _, _, cpu in results))
    middle = sorted(range(len(totals)), key=totals.__getitem__)[len(totals) // 2]
    return Measure(statistics.median(totals), max(peaks), totals, cpus[middle])


def side_by_side(commands: dict[str, list[str]], runs: int, before: dict[str, typing.Callable[[], object]]
                 ) -> dict[str, Measure]:
    """Each command once per round, in turn, for ``runs`` rounds: the median of each. Run in turn
    rather than one after the other, the commands see the same machine (its speed drifts over
    minutes, and other jobs share it), so the ratios between them hold better than the times."""
    seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            if name in before:
                before[name]()
            seen[name].append(run_once(command))
    result = {}
    for name, runs_of in seen.items():
        ordered = sorted(runs_of)
        middle = ordered[len(ordered) // 2]
        result[name] = Measure(statistics.median(r[0] for r in runs_of), max(r[1] for r in runs_of),
                               [r[0] for r in runs_of], middle[2])
    return result


def records_for(count: int, work: Path) -> Path:
    """The synthetic records root for ``count`` documents, written once and reused."""
    root = work / f"records-{count}"
    stamp = root / ".synth"
    key = json.dumps({"count": count, "seed": 1951, "synth": (REPO / "scripts/synth.py").read_text()})
    if not (stamp.is_file() and stamp.read_text() == key):
        synth.write(count, root)
        stamp.write_text(key)
    return root


def check_jsonschema_commands(root: Path) -> list[list[str]]:
    commands = []
    for folder, kind in KINDS.items():
        files = sorted(str(path) for path in (root / folder).glob("*.yaml"))
        for start in range(0, len(files), BATCH):
            commands.append([str(BIN / "check-jsonschema"), "--schemafile", str(REPO / f"schema/{kind}.schema.json"),
                             *files[start:start + BATCH]])
    return commands


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def search_latency(database: Path, queries: int, words: list[str]) -> dict[str, tuple[float, float, int]]:
    """p50 and p95 (ms) of full-text searches of documents through Datasette, and how many had hits.

    Two ways in: the JSON API as a program asks (``_search``, no facets), and the HTML table page
    a person sees in the browser, with the configured facets counted over the matches.
    """
    sys.path.insert(0, str(REPO / "src"))
    from armistice.explore.serve import datasette_command

    port = _free_port()
    server = subprocess.Popen(datasette_command(REPO, database, "127.0.0.1", port), cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/korean-armistice-telegrams/documents"
    ways = {"api": lambda word: f"{base}.json?" + urllib.parse.urlencode({"_search": word, "_size": 20, "_nofacet": 1}),
            "page": lambda word: f"{base}?" + urllib.parse.urlencode({"_search": word})}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("Datasette did not start") from None
                time.sleep(0.2)
        results = {}
        for way, url_of in ways.items():
            rng = random.Random(1951)
            asked = [rng.choice(words) for _ in range(queries + 10)]
            latencies, hits = [], 0
            for index, word in enumerate(asked):
                start = time.perf_counter()
                body = urllib.request.urlopen(url_of(word), timeout=60).read()
                elapsed = (time.perf_counter() - start) * 1000
                if index >= 10:  # the first ten warm the caches
                    latencies.append(elapsed)
                    hits += bool(json.loads(body)["rows"]) if way == "api" else (b"<td" in body)
            latencies.sort()
            results[way] = (statistics.median(latencies), latencies[max(0, round(0.95 * len(latencies)) - 1)], hits)
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def profile(root: Path) -> int:
    """Where a document's time goes: validate, then the build's extra work, in one process."""
    import cProfile
    import pstats

    sys.path.insert(0, str(REPO / "src"))
    from armistice.publish.package import prepare_document
    from armistice.rules import validate

    runs: tuple[tuple[str, dict[str, typing.Any]], ...] = (("validate", {}), ("build (validate + rows + CSV)", {"prepare": prepare_document,
                                                                               "sink": lambda _id, _rows: None}))
    for title, options in runs:
        profiler = cProfile.Profile()
        profiler.runcall(validate, [root], workers=1, **options)
        print(f"## {title}, {root.name}, one process\n")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    return 0


def _check_all(make: typing.Callable[[], typing.Any], entries: list[typing.Any], context: typing.Any) -> None:
    rule = make()
    for entry in entries:
        list(rule.check(entry, context))


def stages(root: Path, repeat: int = 3) -> list[tuple[str, float]]:
    """Per document, in milliseconds (best of ``repeat``, one process, no profiler): what each step
    of ``armistice validate`` and of the build costs, beside the floor's own parse of the same bytes.

    Says why validation is not faster than the floor: the steps are timed on the documents alone,
    after the registry is loaded, so their sum is the CPU time a document costs (the workers share
    it over the cores, and the process start and imports come on top).
    """
    import yaml

    sys.path.insert(0, str(REPO / "src"))
    from armistice.models import Document
    from armistice.publish.package import prepare_document
    from armistice.records.loading import load_file
    from armistice.rules import engine, validate
    from armistice.rules.context import make_context
    from armistice.rules.rule import RecordRule

    files = sorted((root / "documents").glob("*.yaml"))
    raw = [path.read_bytes() for path in files]
    datas = [load_file(path, str(path)).data for path in files]
    kept = validate([root], workers=1, keep=True).records
    context = make_context(kept)
    entries = list(kept.entries("document"))
    records = [entry.record for entry in entries]

    def best(step: typing.Callable[[], object]) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return min(times) * 1000 / len(files)

    results = [("floor: PyYAML's C loader, `yaml.load`", best(lambda: [yaml.load(b, Loader=yaml.CSafeLoader) for b in raw])),
               ("read and parse (`armistice.records.loading`)", best(lambda: [load_file(path, str(path)).data for path in files])),
               ("pydantic model validation", best(lambda: [Document.model_validate(data) for data in datas]))]
    for make in engine.RULES:
        rule = make()
        name = rule.check.__name__ if isinstance(rule, RecordRule) else type(rule).__name__
        results.append((f"rule `{name}`", best(partial(_check_all, make, entries, context))))
    results.append(("build: table rows and CSV (`prepare_document`)", best(lambda: [prepare_document(r) for r in records])))
    try:
        import ryml  # type: ignore[import-not-found]  # not a dependency: measured only where installed
    except ImportError:
        return results
    texts = [json.dumps(data) for data in datas]
    results.append(("not used: rapidyaml parse, emit JSON, `json.loads`",
                    best(lambda: [json.loads(ryml.emit_json_malloc(tree, tree.root_id())) for b in raw for tree in [ryml.parse_in_arena(b)]])))
    results.append(("not used: pydantic from JSON text (`model_validate_json`)",
                    best(lambda: [Document.model_validate_json(text) for text in texts])))
    return results


def incremental(armistice: str, root: Path, runs: int) -> Measure:
    """``armistice validate`` with its cache, each run after one document's bytes changed.

    The cache is filled first by two runs (the first checks everything; the second also remembers
    the kept pages' hashes), as it is on a curator's machine after a few validations.
    """
    for _ in range(2):
        run_once([armistice, "validate", str(root)])
    record = sorted((root / "documents").glob("*.yaml"))[len(list((root / "documents").glob("*.yaml"))) // 2]
    original = record.read_bytes()
    edits = iter(range(1, runs + 1))

    def change_one() -> None:
        record.write_bytes(original + f"# edit {next(edits)}\n".encode())

    try:
        return measure([[armistice, "validate", str(root)]], runs, before=change_one)
    finally:
        record.write_bytes(original)


def _target_table(rows: Sequence[tuple[str, bool | None, str]]) -> str:
    """The Markdown table of targets, one row each: the target, whether it holds, the figure."""
    return "\n".join(["| target | holds | measured |", "|---|---|---|",
                      *(f"| {name} | {_verdict(holds)} | {shown} |" for name, holds, shown in rows)])


def _verdict(holds: bool | None) -> str:
    """A target's cell: it holds, it does not, or it was not measured in this run."""
    return "not run" if holds is None else "yes" if holds else "NO"


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "-"


def _explorer() -> typing.Any:
    """The explorer's measurements (``scripts/bench_explorer.py``), when that script is there.

    The explorer targets of the performance issue (the documents page with every facet at the
    largest N, search through the JSON API, the documents page under load) are measured there; this
    script only calls :func:`bench_explorer.explorer_targets` and adds its rows to the table. Without
    it, search through Datasette is timed here (:func:`search_latency`) and the other rows say so.
    """
    try:
        import bench_explorer  # a sibling script (scripts/ is on the path when run)
    except ImportError:
        return None
    return bench_explorer if hasattr(bench_explorer, "explorer_targets") else None


def real_database(work: Path) -> Path:
    """The repository's records built into ``work`` (never into the repository): what the load test serves."""
    out = work / "build-repository"
    shutil.rmtree(out, ignore_errors=True)
    run_once([str(BIN / "armistice"), "build", "--records", str(REPO / "records"), "--out", str(out)])
    return out / "dist" / "korean-armistice-telegrams.db"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="document counts (comma-separated)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (the median is shown)")
    parser.add_argument("--tool-runs", type=int, default=1, help="runs of check-jsonschema and frictionless")
    parser.add_argument("--queries", type=int, default=200, help="full-text searches at the largest N")
    parser.add_argument("--work", type=Path, default=REPO / ".bench", help="where records and builds are kept")
    parser.add_argument("--profile", type=int, metavar="N",
                        help="instead of timing, profile validate and build of N documents in one process "
                             "(where the time goes, by function) and exit")
    parser.add_argument("--tools-max", type=int, default=10_000,
                        help="run check-jsonschema and frictionless only up to this N (check-jsonschema takes "
                             "about 20 ms a file: half an hour at 100,000); 0 leaves them out")
    parser.add_argument("--stages-at", type=int, default=1000,
                        help="time each step per document at this N (the first size if it is not measured)")
    parser.add_argument("--explorer-seconds", type=float, default=10,
                        help="how long each load test of the explorer runs (scripts/bench_explorer.py)")
    parser.add_argument("--no-explorer", action="store_true", help="leave the explorer out")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    ENV["XDG_CACHE_HOME"] = str(args.work / "cache")  # the validation cache of these runs, not the user's
    if args.profile:
        return profile(records_for(args.profile, args.work))
    armistice = str(BIN / "armistice")

    rows = []
    for count in sizes:
        root = records_for(count, args.work)
        out = args.work / f"build-{count}"
        files = sum(1 for _ in root.rglob("*.yaml"))
        megabytes = sum(p.stat().st_size for p in root.rglob("*.yaml")) / 1e6
        print(f"N={count}: {files} files, {megabytes:.0f} MB", file=sys.stderr, flush=True)
        timed = side_by_side({"floor": [sys.executable, "-c", FLOOR, str(root)],
                              "validate": [armistice, "validate", "--no-cache", str(root)],
                              "build": [armistice, "build", "--records", str(root), "--out", str(out)]},
                             args.runs, {"build": partial(shutil.rmtree, out, ignore_errors=True)})
        floor, validate, build = timed["floor"], timed["validate"], timed["build"]
        tools = count <= args.tools_max
        schema = measure(check_jsonschema_commands(root), args.tool_runs) if tools else None
        package = None if not tools else measure(
            [[str(BIN / "frictionless"), "validate", str(out / "datapackage.json")]], args.tool_runs)
        again = incremental(armistice, root, args.runs)
        rows.append((count, files, megabytes, floor, validate, build, schema, package, again))
        print(f"  floor {floor.seconds:.2f}s validate {validate.seconds:.2f}s build {build.seconds:.2f}s "
              f"validate after one change {again.seconds:.2f}s", file=sys.stderr, flush=True)

    largest = sizes[-1]
    largest_db = args.work / f"build-{largest}" / "dist" / "korean-armistice-telegrams.db"
    explorer = None if args.no_explorer else _explorer()
    search = None
    explorer_text, explorer_rows = "", []
    explorer_failed = ""
    if explorer is not None:
        try:
            explorer_text, explorer_rows = explorer.explorer_targets(
                largest_db, largest, real_database(args.work), seconds=args.explorer_seconds, queries=args.queries)
        except (Exception, SystemExit) as error:  # the other rows still print; the explorer's say why not
            explorer_failed = f"failed: {str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__}"
            print(f"the explorer's benchmark failed: {error}", file=sys.stderr)
    elif not args.no_explorer:
        # What people search for: words of the texts past the commonest few (the vocabulary follows
        # Zipf's law, so these still range from very common to rare), and names of people.
        words = synth.VOCABULARY[20:2000] + [p["name"].split()[0]
                                             for p in synth.registry(random.Random(1951), largest)[0]]
        search = search_latency(largest_db, args.queries, words)
    at = args.stages_at if args.stages_at in sizes else sizes[0]
    steps = stages(records_for(at, args.work))
    small = measure([[armistice, "--help"]], max(args.runs, 5))
    own = measure([[armistice, "validate", "--no-cache"]], max(args.runs, 5))

    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end; median of {args.runs} runs, the floor, "
          f"validate and build run in turn in each round (check-jsonschema and frictionless: {args.tool_runs}, "
          f"up to N = {args.tools_max:,}); CPU is user + system seconds of the median run, workers included; "
          "peak memory summed over the process tree.\n")
    print("| documents | files | MB | C-loader parse (floor) | armistice validate | vs floor | CPU validate "
          "| armistice build | vs floor | check-jsonschema | vs validate | frictionless validate | peak MiB validate "
          "| peak MiB build | validate after one change (cached) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count, files, megabytes, floor, validate, build, schema, package, again in rows:
        print(f"| {count:,} | {files:,} | {megabytes:.0f} | {floor.seconds:.2f} s | {validate.seconds:.2f} s "
              f"| {_ratio(validate.seconds, floor.seconds)} | {validate.cpu:.2f} s | {build.seconds:.2f} s "
              f"| {_ratio(build.seconds, floor.seconds)} "
              f"| {f'{schema.seconds:.2f} s' if schema else '-'} | {_ratio(schema.seconds, validate.seconds) if schema else '-'} "
              f"| {f'{package.seconds:.2f} s' if package else '-'} | {validate.peak_mib:.0f} | {build.peak_mib:.0f} "
              f"| {again.seconds:.2f} s |")
    print(f"\nWhere a document's time goes at {at:,} documents (one process, best of 3, ms per document):\n")
    print("| step | ms per document |\n|---|---:|")
    for name, ms in steps:
        print(f"| {name} | {ms:.3f} |")
    checked = sum(ms for name, ms in steps if name.startswith(("read and parse", "pydantic", "rule ")))
    floor_ms = steps[0][1]
    print(f"| **validate, every step** | **{checked:.3f}** ({checked / floor_ms:.2f}x the floor's parse) |")
    if explorer_text:
        print(f"\n{explorer_text}")
    if search is not None:
        print(f"\nFull-text search of documents through Datasette at {largest:,} documents, {args.queries} queries:")
        print(f"- JSON API (`documents.json?_search=...&_nofacet=1`): p50 {search['api'][0]:.1f} ms, "
              f"p95 {search['api'][1]:.1f} ms ({search['api'][2]} with hits);")
        print(f"- HTML page with facets (`documents?_search=...`): p50 {search['page'][0]:.1f} ms, "
              f"p95 {search['page'][1]:.1f} ms.")
    print(f"\n`armistice --help`: {small.seconds:.2f} s; `armistice validate --no-cache` on the repository's records: "
          f"{own.seconds:.2f} s.\n")

    # The targets of the performance issue (21), in its order, then the earlier ones still measured.
    targets: list[tuple[str, bool | None, str]] = []
    for count, _, _, floor, validate, _, _, _, _ in rows:
        targets.append((f"1. validate <= 1.0x floor at {count:,}", validate.seconds <= floor.seconds,
                        f"{_ratio(validate.seconds, floor.seconds)} ({validate.seconds:.2f} s vs {floor.seconds:.2f} s)"))
    for count, _, _, floor, _, build, _, _, _ in rows:
        targets.append((f"2. build <= 2x floor at {count:,}", build.seconds <= 2 * floor.seconds,
                        f"{_ratio(build.seconds, floor.seconds)} ({build.seconds:.2f} s vs {floor.seconds:.2f} s)"))
    for count, *_, again in rows:
        if count == 10_000 or 10_000 not in sizes:
            targets.append((f"3. validate after one record changes < 1 s at {count:,} (cached)", again.seconds < 1,
                            f"{again.seconds:.2f} s (runs {', '.join(f'{x:.2f}' for x in again.runs)})"))
    if explorer is not None and not explorer_failed:
        targets.extend((f"{'5' if 'clients' in name else '4'}. {name}", holds, shown)
                       for name, holds, shown in explorer_rows)
    else:
        why = ("left out (--no-explorer)" if args.no_explorer else explorer_failed
               or "not measured: scripts/bench_explorer.py is missing")
        targets.append(("4. explorer at the largest N (scripts/bench_explorer.py)", None, why))  # not run: neither
        targets.append(("5. explorer under load (scripts/bench_explorer.py)", None, why))
        if search is not None:
            targets.append((f"4. FTS p95 < 50 ms at {largest:,} (JSON API)", search["api"][1] < 50,
                            f"{search['api'][1]:.1f} ms"))
    earlier: list[tuple[str, bool, str]] = []
    for count, _, _, floor, validate, build, schema, _, _ in rows:
        earlier.append((f"validate <= 1.5x floor at {count:,}", validate.seconds <= 1.5 * floor.seconds,
                        _ratio(validate.seconds, floor.seconds)))
        earlier.append((f"build <= 3x floor at {count:,}", build.seconds <= 3 * floor.seconds,
                        _ratio(build.seconds, floor.seconds)))
        if schema:
            earlier.append((f"validate faster than check-jsonschema at {count:,}", validate.seconds < schema.seconds,
                            f"{validate.seconds:.2f} s vs {schema.seconds:.2f} s"))
    by_size = {row[0]: row for row in rows}
    for name, index in (("validate", 4), ("build", 5)):
        if 10_000 in by_size and 100_000 in by_size:
            ratio = typing.cast(Measure, by_size[100_000][index]).seconds / typing.cast(Measure, by_size[10_000][index]).seconds
            earlier.append((f"{name} linear: 100k <= 11x 10k", ratio <= 11, f"{ratio:.1f}x"))
    peak = max(max(row[4].peak_mib, row[5].peak_mib) for row in rows)
    earlier.append((f"peak memory <= 1 GiB (largest N {largest:,})", peak <= 1024, f"{peak:.0f} MiB"))
    earlier.append(("`armistice --help` < 0.5 s", small.seconds < 0.5, f"{small.seconds:.2f} s"))
    earlier.append(("`armistice validate --no-cache` (repository) < 0.5 s", own.seconds < 0.5, f"{own.seconds:.2f} s"))
    print("Targets of issue 21 (6: this table, printed by `make bench`):\n")
    print(_target_table(targets))
    print("\nEarlier targets:\n")
    print(_target_table(earlier))
    return 0


if __name__ == "__main__":
    sys.exit(main())
