"""`pipeline.replaces` with the real engine against the double (issue 20): an adopted repository's
own CI is deleted through a pull request once the baseline's pipeline has landed, never on the
default branch directly, proposed once, and forgotten once merged."""

from __future__ import annotations

from typing import Any

from baseline.resources import replaces
from baseline.resources.component import GITHUB_ACTIONS_APP_ID
from baseline.stack.inventory import api_root
from testing.github_double import GitHubDouble, User
from testing.github_double.pytest_plugin import ADMIN_TOKEN
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import first, review_and_merge, writes
from tests.e2e.test_adoption_safety import EXISTING_CI
from tests.e2e.test_github_double import call

OLD_CI = ".github/workflows/ci.yml"
RELEASE = ".github/workflows/release.yml"
PIPELINE = ".github/workflows/backend-ci.yml"
REMOVAL = "pulumi-python:dynamic:WorkflowRemoval"
REVIEWER = "test-reviewer-token"
ACTIONS = "test-actions-token"

RELEASE_YML = """name: Release
on:
  push:
    tags: ["v*"]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: make release
"""

CONFIG = {
    "repo-baseline:defaults": {"settings": {"sha_pinning_required": False}},
    "repo-baseline:repositories": [
        {"name": "billing", "adopt": True, "pipeline": {"replaces": ["ci.yml"]}}
    ],
}


def branch_files(github: GitHubDouble, branch: str) -> dict[str, Any]:
    files: dict[str, Any] = github.state()["repositories"]["billing"]["branches"][branch]["files"]
    return files


def pulls(github: GitHubDouble) -> list[dict[str, Any]]:
    return list(github.state()["repositories"]["billing"]["pulls"].values())


def removals(stack: Any) -> list[dict[str, Any]]:
    return [r for r in stack.resources() if r["type"] == REMOVAL]


def test_replaced_ci_is_deleted_through_one_pull_request_after_the_pipeline_landed(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.seed_repository(
        "billing", {"README.md": "# billing\n", OLD_CI: EXISTING_CI, RELEASE: RELEASE_YML}
    )
    github.add_token(REVIEWER, User("octo-reviewer", role="write", org_admin=False))
    # The app every required check is pinned to.
    github.add_app_token(ACTIONS, GITHUB_ACTIONS_APP_ID, "github-actions")
    stack = project(CONFIG)

    # The preview shows the proposal and writes nothing.
    preview = stack.preview().check().json()
    planned = [s for s in preview["steps"] if s["newState"]["type"] == REMOVAL]
    assert [s["op"] for s in planned] == ["create"]
    assert planned[0]["newState"]["inputs"]["removing"] == [OLD_CI]
    assert writes(github) == []

    stack.up().check()
    # The pipeline landed on main; the old CI is still there, and deleted on a branch of its own.
    main = branch_files(github, "main")
    assert PIPELINE in main
    assert OLD_CI in main
    (pull,) = pulls(github)
    head = pull["head"]
    assert head.startswith("repo-baseline/replaces-")
    assert (pull["state"], pull["base"]) == ("open", "main")
    proposed = branch_files(github, head)
    assert OLD_CI not in proposed
    assert RELEASE in proposed
    assert PIPELINE in proposed
    history = call(github, "GET", f"/repos/{github.org}/billing/commits?sha={head}&path={OLD_CI}")
    assert history.status == 200, history.body
    assert history.body[0]["commit"]["message"] == (
        f"ci: remove {OLD_CI}, replaced by {PIPELINE} (repo-baseline)"
    )
    # The pipeline file was committed before the removal was proposed.
    log = writes(github)
    assert first(log, "PUT", f"/contents/{PIPELINE}") < first(log, "DELETE", f"/contents/{OLD_CI}")

    # Proposed once: later runs change nothing while it waits.
    before = writes(github)
    stack.up().check()
    assert writes(github) == before
    stack.preview(expect_no_changes=True).check()
    assert len(pulls(github)) == 1

    # The team reviews it, the required checks pass, and it merges.
    sha = call(github, "GET", f"/repos/{github.org}/billing/git/ref/heads/{head}").body["object"][
        "sha"
    ]
    for name in stack_required_checks(stack):
        reported = call(
            github,
            "POST",
            f"/repos/{github.org}/billing/check-runs",
            {"name": name, "head_sha": sha, "status": "completed", "conclusion": "success"},
            token=ACTIONS,
        )
        assert reported.status == 201, reported.body
    review_and_merge(github, "billing", pull["number"], REVIEWER)
    assert OLD_CI not in branch_files(github, "main")

    # The next run finds nothing left to replace: the proposal leaves the stack, no request made.
    before = writes(github)
    stack.up().check()
    assert writes(github) == before
    assert removals(stack) == []
    assert len(pulls(github)) == 1
    stack.preview(expect_no_changes=True).check()


def stack_required_checks(stack: Any) -> list[str]:
    outputs = stack.run(["stack", "output", "--json", "--stack", stack.stack]).check().json()
    checks: list[str] = outputs["repositories"]["billing"]["required_checks"]
    return checks


def test_nothing_is_proposed_before_a_pull_request_delivered_pipeline_has_merged(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.seed_repository("billing", {"README.md": "# billing\n", OLD_CI: EXISTING_CI})
    config = {
        **CONFIG,
        "repo-baseline:defaults": {
            "pipeline": {"delivery": "pull_request"},
            "settings": {"sha_pinning_required": False},
        },
    }
    stack = project(config)
    stack.up().check()
    # Only the pipeline's own pull request: the old CI stays until the pipeline is on main.
    (pull,) = pulls(github)
    assert not pull["head"].startswith("repo-baseline/replaces-")
    assert OLD_CI in branch_files(github, pull["head"])
    assert removals(stack) == []


def test_an_interrupted_proposal_is_finished_and_never_opened_twice(github: GitHubDouble) -> None:
    # `up` calls `replaces.propose` once; a run that died half-way leaves its branch, or even its
    # pull request, behind, and the next attempt must finish it rather than fail on GitHub's 422s.
    github.seed_repository("billing", {"README.md": "# billing\n", OLD_CI: EXISTING_CI})
    root = api_root(github.url)
    removing = replaces.paths(["ci.yml"])
    head = replaces.branch(removing)
    args: dict[str, Any] = {
        "owner": github.org,
        "repository": "billing",
        "base": "main",
        "head": head,
        "removing": removing,
        "title": replaces.TITLE,
        "description": replaces.body(removing, PIPELINE),
        "commit_message": replaces.message(removing, PIPELINE),
    }
    main = call(github, "GET", f"/repos/{github.org}/billing/git/ref/heads/main").body
    made = call(
        github,
        "POST",
        f"/repos/{github.org}/billing/git/refs",
        {"ref": f"refs/heads/{head}", "sha": main["object"]["sha"]},
    )
    assert made.status == 201, made.body

    first_try = replaces.propose(root, ADMIN_TOKEN, **args)
    assert first_try.removed == (OLD_CI,)
    assert first_try.number is not None
    assert OLD_CI not in branch_files(github, head)
    assert OLD_CI in branch_files(github, "main")
    # Its answer lost, it is asked again: the same pull request, no second deletion.
    before = writes(github)
    again = replaces.propose(root, ADMIN_TOKEN, **args)
    assert (again.number, again.url) == (first_try.number, first_try.url)
    assert writes(github) == before
    assert len(pulls(github)) == 1


def test_nothing_is_written_when_the_files_are_already_gone(github: GitHubDouble) -> None:
    github.seed_repository("billing", {"README.md": "# billing\n"})
    removing = replaces.paths(["ci.yml"])
    proposal = replaces.propose(
        api_root(github.url),
        ADMIN_TOKEN,
        owner=github.org,
        repository="billing",
        base="main",
        head=replaces.branch(removing),
        removing=removing,
        title=replaces.TITLE,
        description=replaces.body(removing, PIPELINE),
        commit_message=replaces.message(removing, PIPELINE),
    )
    assert proposal == replaces.Proposal(None, None, ())
    assert writes(github) == []
