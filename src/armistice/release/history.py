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

from armistice.dataset import version_in
from armistice.models import VERSION_PATTERN


def git(repository: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run git in ``repository``, capturing its output as text."""
    return subprocess.run(["git", "-C", str(repository), *args], capture_output=True, text=True)


def _blobs(repository: Path, names: list[str]) -> list[str]:
    """The text of each ``commit:path`` in ``names`` ('' where missing), read by one git process."""
    if not names:
        return []
    result = subprocess.run(["git", "-C", str(repository), "cat-file", "--batch"],
                            input=("\n".join(names) + "\n").encode(), capture_output=True)
    texts, rest = [], result.stdout
    for _ in names:
        header, _, rest = rest.partition(b"\n")
        if not header or header.endswith((b" missing", b" ambiguous")):
            texts.append("")
            continue
        size = int(header.rsplit(b" ", 1)[1])
        texts.append(rest[:size].decode("utf-8", errors="replace"))
        rest = rest[size + 1:]
    return texts


def _boundary(repository: Path) -> set[str]:
    """The commits whose parents a shallow clone lacks (none in a full clone)."""
    result = git(repository, "rev-parse", "--git-path", "shallow")
    if result.returncode != 0:
        return set()
    path = Path(result.stdout.strip())
    path = path if path.is_absolute() else repository / path
    return set(path.read_text().split()) if path.is_file() else set()


def tagged(repository: Path) -> dict[str, str]:
    """Version -> commit, from the ``vX.Y.Z`` tags (annotated or not, peeled to the commit)."""
    names = git(repository, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/tags/v*").stdout.split()
    found: dict[str, str] = {}
    for name in names:
        commit = git(repository, "rev-parse", "--verify", "-q", f"refs/tags/{name}^{{commit}}").stdout.strip()
        if commit and re.match(VERSION_PATTERN, name[1:]):
            found[name[1:]] = commit
    return found


def has_entry(changelog: str, version: str) -> bool:
    """Whether a CHANGELOG.md text has the ``## [VERSION]`` section of that version."""
    return re.search(rf"^## \[{re.escape(version)}\]", changelog, re.MULTILINE) is not None


def committed(repository: Path, ref: str = "HEAD") -> dict[str, str]:
    """Version -> release commit, from the history of ``dataset.yaml`` and ``CHANGELOG.md`` up to ``ref``.

    Commits are read parents first (``--topo-order``), every branch of a merge included
    (``--full-history``); the first commit where the version has its CHANGELOG entry is its release.
    """
    log = git(repository, "log", "--reverse", "--topo-order", "--full-history", "--format=%H", ref, "--",
               "dataset.yaml", "CHANGELOG.md")
    if log.returncode != 0:
        return {}
    commits = log.stdout.split()
    prefix = git(repository, "rev-parse", "--show-prefix").stdout.strip()
    texts = _blobs(repository, [f"{commit}:{prefix}{name}" for commit in commits
                                for name in ("dataset.yaml", "CHANGELOG.md")])
    boundary = _boundary(repository)
    found: dict[str, str] = {}
    unknown: set[str] = set()
    for commit, dataset, changelog in zip(commits, texts[::2], texts[1::2]):
        version = version_in(dataset)
        if not version or version in found or version in unknown or not has_entry(changelog, version):
            continue
        if commit in boundary:  # its parents are not here: the release may be older than this commit
            unknown.add(version)
        else:
            found[version] = commit
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
