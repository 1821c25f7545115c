"""Adopting, removing, re-protecting and destroying, with the real engine against the double."""

from __future__ import annotations

from typing import Any

from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import expected, first, repo_path, seed_matching, writes

WORKFLOW = ".github/workflows/backend-ci.yml"


def _repositories(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"repo-baseline:repositories": list(entries)}


def _deletes_of_repositories_or_files(github: GitHubDouble) -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, path in writes(github)
        if method == "DELETE" and (path.count("/") == 5 or "/contents/" in path)
    ]


def test_adopting_imports_the_repository_and_commits_over_its_workflow(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(_repositories({"name": "billing", "adopt": True}))
    config = expected(stack.stack_file)["billing"]
    seed_matching(github, config.config, {WORKFLOW: "name: hand-written\n", "README.md": "# b\n"})
    repo_id = github.state()["repositories"]["billing"]["id"]

    stack.up().check()

    repo = github.state()["repositories"]["billing"]
    assert repo["id"] == repo_id  # imported: the same repository, never re-created
    assert not [p for m, p in writes(github) if m == "POST" and p.endswith("/repos")]
    assert repo["branches"]["main"]["files"][WORKFLOW]["content"] == config.pipeline.content
    history = [
        c["message"] for c in repo["commits"] if any(ch["path"] == WORKFLOW for ch in c["changes"])
    ]
    assert len(history) == 2  # the hand-written file stays in the history, under the new commit
    [state] = [r for r in stack.resources() if r["urn"].endswith("billing-repository")]
    assert state["id"] == "billing"


def test_a_repository_removed_from_the_config_keeps_everything_but_its_protection(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(_repositories({"name": "kept"}, {"name": "leaving"}))
    stack.up().check()
    before = github.state()["repositories"]["leaving"]
    ruleset_id = before["rulesets"][0]["id"]

    stack.reconfigure(_repositories({"name": "kept"}))
    stack.up().check()

    after = github.state()["repositories"]["leaving"]
    assert after["branches"] == before["branches"]
    assert after["commits"] == before["commits"]
    assert after["settings"] == before["settings"]
    assert after["rulesets"] == []
    assert ("DELETE", repo_path(github, "leaving", f"/rulesets/{ruleset_id}")) in writes(github)
    assert _deletes_of_repositories_or_files(github) == []
    assert not [r for r in stack.resources() if "leaving" in r["urn"]]


def test_destroy_deletes_no_repository_and_no_file(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(_repositories({"name": "svc"}))
    stack.up().check()
    files = github.state()["repositories"]["svc"]["branches"]

    stack.destroy().check()

    assert github.state()["repositories"]["svc"]["branches"] == files
    assert _deletes_of_repositories_or_files(github) == []
    assert stack.resources() == []


def test_changing_the_protection_kind_protects_before_it_unprotects(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(_repositories({"name": "svc"}))
    stack.up().check()
    ruleset_id = github.state()["repositories"]["svc"]["rulesets"][0]["id"]
    before = len(writes(github))

    stack.reconfigure(_repositories({"name": "svc", "protection": {"kind": "classic"}}))
    stack.up().check()

    change = writes(github)[before:]
    protected = first(change, "PUT", repo_path(github, "svc", "/branches/main/protection"))
    unprotected = first(change, "DELETE", repo_path(github, "svc", f"/rulesets/{ruleset_id}"))
    assert protected < unprotected
    repo = github.state()["repositories"]["svc"]
    assert repo["rulesets"] == []
    assert set(repo["classic_protection"]) == {"main"}
