"""Runs that heal (issue 21), with the real engine against the double: a repository that exists in
GitHub but not in the stack's last run (a run that died after GitHub created it) is adopted, not
created again, so it is protected, and the stack's next run changes nothing."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import writes
from tests.e2e.test_adoption_safety import messages, protected
from tests.github_double import Fault
from tests.github_double.server import GitHubDouble


def config(*names: str) -> dict[str, Any]:
    return {
        "repo-baseline:defaults": {"settings": {"sha_pinning_required": False}},
        "repo-baseline:repositories": [{"name": name} for name in names],
    }


def test_a_repository_github_has_but_the_last_run_did_not_baseline_is_adopted(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(config("shop"))
    stack.up().check()
    # What a run killed after GitHub answered the create leaves: the repository exists, and the
    # stack's last outputs do not name it (creating it again: 422 "name already exists").
    github.seed_repository("ledger", {"README.md": "# ledger\n"}, visibility="private")
    stack.reconfigure(config("shop", "ledger"))

    preview = stack.preview().check()
    (warning,) = [m for m in messages(preview, "warning") if "not created" in m]
    assert "ledger: example-org already has it, but the stack's last run" in warning
    ops = [
        s["op"]
        for s in preview.json()["steps"]
        if s["newState"]["urn"].endswith("::ledger-repository")
    ]
    # Imported, then set as the baseline says (what changes is in the preview's diff).
    assert ops[0] == "import"
    assert "create" not in ops

    before = writes(github)
    stack.up().check()
    created = [w for w in writes(github)[len(before) :] if w == ("POST", "/orgs/example-org/repos")]
    assert created == []
    assert protected(github, "ledger")
    assert protected(github, "shop")
    # Now it is the stack's own: the next run neither warns nor changes anything.
    again = stack.preview(expect_no_changes=True).check()
    assert not [m for m in messages(again, "warning") if "not created" in m]
    outputs = stack.run(["stack", "output", "--json", "--stack", stack.stack]).check().json()
    assert outputs["repositories"]["ledger"]["adopted"] is True


def test_a_create_whose_answer_was_lost_is_adopted_by_the_next_run(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    # GitHub creates the repository, and the answer never reaches the provider (a connection
    # reset): the run fails, and the state has no repository. Created again, GitHub would answer
    # 422 "name already exists on this account".
    lost = github.inject(Fault.lost_answer("POST", "/orgs/{org}/repos"))
    stack = project(config("ledger"))
    assert stack.up().returncode != 0
    assert lost.fired == 1
    assert "ledger" in github.state()["repositories"]

    stack.up().check()
    assert protected(github, "ledger")
    creates = [e for e in github.log_json() if e["template"] == "/orgs/{org}/repos"]
    assert [e["method"] for e in creates if e["method"] == "POST"] == ["POST"]
    stack.preview(expect_no_changes=True).check()
