"""Shared test helpers: a throwaway copy of the valid fixture root, and the CLI run as a user runs it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from armistice.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"


@dataclass
class Run:
    exit_code: int
    output: str
    lines: list[str]
    exception: BaseException | None


def run_cli(*args: str) -> Run:
    """Run ``armistice ARGS`` in-process; ``lines`` are the findings without the count line."""
    result = CliRunner().invoke(main, list(args))
    lines = [line for line in result.stdout.splitlines() if line]
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.output, lines, exception)


def overlay(case: Path, target: Path, *, fresh: bool = True) -> None:
    """Copy the valid fixture root to ``target`` (unless ``fresh`` is false) and lay the case's files over it.

    The case's ``records/`` and ``sources/`` are laid over the copy's; a file named ``X.delete`` in the
    case removes ``X.yaml`` from the copy.
    """
    if fresh:
        shutil.copytree(VALID, target, dirs_exist_ok=True)
    for path in sorted(p for folder in ("records", "sources") for p in (case / folder).rglob("*")):
        if path.is_dir():
            continue
        destination = target / path.relative_to(case)
        if path.suffix == ".delete":
            destination.with_suffix(".yaml").unlink()
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own validation cache ($XDG_CACHE_HOME), so no test reads another's or the user's."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def valid_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the valid fixture (records/ and sources/), made the working directory."""
    shutil.copytree(VALID, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def asgi(app, path: bytes, query: bytes, method: str, headers: list):
    """One request through an ASGI app, as a server would make it: (status, headers, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path.decode("latin-1"), "raw_path": path, "query_string": query,
             "root_path": "", "headers": [(b"host", b"localhost"), *headers],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    answer: dict = {"body": b""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {name.decode().lower(): value.decode() for name, value in message["headers"]}
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]
