"""Releases are found by their tag or, in a clone without tags, by their release commit.

CI checkouts, ``git clone --no-tags`` and branch-only mirrors have no tags; ``armistice diff v1.0.0 .``
and the bump check of ``armistice release`` must work there all the same. Each test builds a small
repository of its own: dataset.yaml and CHANGELOG.md, committed in the order a project would.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from armistice.release import history

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org"}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                            env={**os.environ, **GIT_ENV})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def commit(repo: Path, message: str, version: str, changelog: list[str]) -> str:
    (repo / "dataset.yaml").write_text(f'id: example\nversion: "{version}"\n')
    entries = "".join(f"\n## [{v}] - 2026-11-24\n\n- {message}.\n" for v in reversed(changelog))
    (repo / "CHANGELOG.md").write_text("# Changelog\n" + entries)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def project(tmp_path: Path) -> dict[str, str]:
    """A working version never released, release 1.0.0, later work, release 1.1.0, later work."""
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return {
        "repo": str(repo),
        "working": commit(repo, "first records", "0.1.0", []),
        "1.0.0": commit(repo, "Release 1.0.0", "1.0.0", ["1.0.0"]),
        "after": commit(repo, "a new document", "1.0.0", ["1.0.0"]),
        "1.1.0": commit(repo, "Release 1.1.0", "1.1.0", ["1.0.0", "1.1.0"]),
        "head": commit(repo, "a correction", "1.1.0", ["1.0.0", "1.1.0"]),
    }


def test_without_tags_each_release_is_its_release_commit(project: dict[str, str]) -> None:
    repo = Path(project["repo"])
    assert history.releases(repo) == {"1.0.0": project["1.0.0"], "1.1.0": project["1.1.0"]}
    assert history.resolve(repo, "v1.0.0") == history.resolve(repo, "1.0.0") == project["1.0.0"]


def test_a_version_without_a_changelog_entry_was_never_released(project: dict[str, str]) -> None:
    assert history.resolve(Path(project["repo"]), "v0.1.0") is None


def test_names_that_are_not_versions_are_left_to_git(project: dict[str, str]) -> None:
    repo = Path(project["repo"])
    assert history.resolve(repo, "main") is None
    assert history.resolve(repo, "v1.0") is None


def test_a_tag_wins_over_the_history(project: dict[str, str]) -> None:
    repo = Path(project["repo"])
    git(repo, "tag", "-a", "v1.0.0", project["after"], "-m", "1.0.0")
    git(repo, "tag", "v1.1.0", project["1.1.0"])  # a lightweight tag counts too
    assert history.releases(repo) == {"1.0.0": project["after"], "1.1.0": project["1.1.0"]}


def test_a_shallow_clone_takes_no_guess_and_says_how_to_fetch_the_history(project: dict[str, str],
                                                                          tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{project['repo']}", str(shallow)], check=True)
    assert history.releases(shallow) == {}, "the boundary commit only looks like the one that set 1.1.0"
    assert "git fetch --unshallow --tags" in history.shallow_hint(shallow)
    assert history.shallow_hint(Path(project["repo"])) == ""


def test_outside_a_repository_there_are_no_releases(tmp_path: Path) -> None:
    assert history.releases(tmp_path) == {}
    assert history.shallow_hint(tmp_path) == ""


def test_a_working_version_set_before_its_entry_is_released_where_the_entry_joins_it(tmp_path: Path) -> None:
    repo = tmp_path / "working"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "start 1.1.0", "1.1.0", [])
    released = commit(repo, "Release 1.1.0", "1.1.0", ["1.1.0"])
    commit(repo, "later", "1.1.0", ["1.1.0"])
    assert history.releases(repo) == {"1.1.0": released}


def test_a_release_made_on_a_merged_branch_is_found(project: dict[str, str]) -> None:
    repo = Path(project["repo"])
    git(repo, "checkout", "-q", "-b", "release-1.2.0")
    released = commit(repo, "Release 1.2.0", "1.2.0", ["1.0.0", "1.1.0", "1.2.0"])
    git(repo, "checkout", "-q", "main")
    (repo / "records.txt").write_text("a record\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a record on main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge the release", "release-1.2.0")
    assert history.releases(repo)["1.2.0"] == released


def test_tags_are_peeled_to_their_commit_and_not_confused_with_branches(project: dict[str, str]) -> None:
    repo = Path(project["repo"])
    git(repo, "tag", "-a", "inner", project["1.0.0"], "-m", "inner")
    git(repo, "tag", "-a", "v1.0.0", "inner", "-m", "a tag of a tag")
    git(repo, "branch", "v1.1.0", project["after"])  # a branch named like a tag
    git(repo, "tag", "v1.1.0", project["1.1.0"])
    assert history.tagged(repo) == {"1.0.0": project["1.0.0"], "1.1.0": project["1.1.0"]}
    git(repo, "tag", "v9.0.0", f"{project['head']}^{{tree}}")  # a tag of a tree is no release
    assert "9.0.0" not in history.tagged(repo)
