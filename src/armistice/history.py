"""Where each released version lives in git: its ``vX.Y.Z`` tag or, failing that, its release commit.

Tags are the usual way to find a release, but many clones have none: CI checkouts, ``git clone
--no-tags``, mirrors that copy branches only, a fork. The release itself is still in the history, so
``armistice diff v1.0.0 .`` and the bump check of ``armistice release`` must not depend on the tag.

A release commit is the first commit whose ``dataset.yaml`` carries version X while ``CHANGELOG.md``
has a ``## [X]`` entry: ``armistice release`` refuses to cut X without that entry, so a version set
without one (a working version such as 0.1.0 before the first release) was never released. A tag,
where there is one, wins over the history.

In a shallow clone the commit at the boundary may only look like the one that set the version; it
is not taken, and :func:`shallow_hint` says how to fetch the history.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from armistice.models import VERSION_PATTERN

_VERSION_LINE = re.compile(r'^version:\s*["\']?([^"\'\s#]+)', re.MULTILINE)


def _git(repository: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repository), *args], capture_output=True, text=True)


def _show(repository: Path, commit: str, path: str) -> str:
    result = _git(repository, "show", f"{commit}:{path}")
    return result.stdout if result.returncode == 0 else ""


def _boundary(repository: Path) -> set[str]:
    """The commits whose parents a shallow clone lacks (none in a full clone)."""
    result = _git(repository, "rev-parse", "--git-path", "shallow")
    if result.returncode != 0:
        return set()
    path = Path(result.stdout.strip())
    path = path if path.is_absolute() else repository / path
    return set(path.read_text().split()) if path.is_file() else set()


def tagged(repository: Path) -> dict[str, str]:
    """Version -> commit, from the ``vX.Y.Z`` tags."""
    result = _git(repository, "for-each-ref", "--format=%(refname:short) %(objectname) %(*objectname)", "refs/tags/v*")
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, target, *peeled = line.split()
        version = name[1:]
        if re.match(VERSION_PATTERN, version):
            found[version] = peeled[0] if peeled else target
    return found


def has_entry(changelog: str, version: str) -> bool:
    """Whether a CHANGELOG.md text has the ``## [VERSION]`` section of that version."""
    return re.search(rf"^## \[{re.escape(version)}\]", changelog, re.MULTILINE) is not None


def committed(repository: Path, ref: str = "HEAD") -> dict[str, str]:
    """Version -> release commit, from the history of ``dataset.yaml`` and ``CHANGELOG.md`` up to ``ref``."""
    log = _git(repository, "log", "--reverse", "--topo-order", "--format=%H", ref, "--", "dataset.yaml")
    if log.returncode != 0:
        return {}
    boundary = _boundary(repository)
    found: dict[str, str] = {}
    previous = None
    for commit in log.stdout.split():
        match = _VERSION_LINE.search(_show(repository, commit, "dataset.yaml"))
        version = match.group(1) if match else None
        if version and version != previous and version not in found and commit not in boundary:
            if has_entry(_show(repository, commit, "CHANGELOG.md"), version):
                found[version] = commit
        previous = version
    return found


def releases(repository: Path) -> dict[str, str]:
    """Every release this clone can find: version -> commit (tags win over the history)."""
    return {**committed(repository), **tagged(repository)}


def resolve(repository: Path, spec: str) -> str | None:
    """The commit of release ``spec`` (``v1.0.0`` or ``1.0.0``), or None when it is no release found here."""
    version = spec[1:] if spec.startswith("v") else spec
    if not re.match(VERSION_PATTERN, version):
        return None
    return releases(repository).get(version)


def shallow_hint(repository: Path) -> str:
    """A sentence for an error message when the clone is shallow, else ''."""
    if _boundary(repository):
        return " (this clone is shallow: `git fetch --unshallow --tags` brings the history of the releases)"
    return ""
