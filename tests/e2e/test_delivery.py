"""`pipeline.delivery: pull_request` with the real engine against the double (issue 20): a
repository whose existing protection refuses a direct commit gets its pipeline through a pull
request, and the baseline's protection requires the pipeline's checks only once it has merged."""

from __future__ import annotations

from typing import Any

from testing.github_double import GitHubDouble, User
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import review_and_merge, writes
from tests.e2e.test_github_double import call

WORKFLOW = ".github/workflows/backend-ci.yml"
REVIEWER = "test-reviewer-token"
PULL_REQUEST = "github:index/repositoryPullRequest:RepositoryPullRequest"
WORKFLOW_FILE = "github:index/repositoryFile:RepositoryFile"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"

CONFIG = {
    "repo-baseline:defaults": {
        "pipeline": {"delivery": "pull_request"},
        "settings": {"sha_pinning_required": False},
    },
    "repo-baseline:repositories": [{"name": "billing", "adopt": True}],
}


def existing_protection(github: GitHubDouble) -> None:
    """The team's own ruleset: pull requests with one approval on the default branch."""
    body = {
        "name": "team: reviews",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": 1,
                    "dismiss_stale_reviews_on_push": False,
                    "require_code_owner_review": False,
                    "require_last_push_approval": False,
                    "required_review_thread_resolution": False,
                },
            }
        ],
    }
    answer = call(github, "POST", f"/repos/{github.org}/billing/rulesets", body)
    assert answer.status == 201, answer.body


def required_checks(github: GitHubDouble) -> list[str]:
    """The checks GitHub requires on billing's main branch, whatever ruleset requires them."""
    answer = call(github, "GET", f"/repos/{github.org}/billing/rules/branches/main")
    assert answer.status == 200, answer.body
    return [
        check["context"]
        for rule in answer.body
        if rule["type"] == "required_status_checks"
        for check in rule["parameters"]["required_status_checks"]
    ]


def types(stack: Any) -> list[str]:
    return [r["type"] for r in stack.resources()]


def test_protection_that_requires_pull_requests_gets_the_baseline_through_one(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.seed_repository("billing", {"README.md": "# billing\n"})
    existing_protection(github)
    github.add_token(REVIEWER, User("octo-reviewer", role="write", org_admin=False))
    stack = project(CONFIG)

    stack.up().check()
    billing = github.state()["repositories"]["billing"]
    # Nothing was committed to main (the team's ruleset would refuse it: 409).
    assert WORKFLOW not in billing["branches"]["main"]["files"]
    (pull,) = billing["pulls"].values()
    head = pull["head"]
    assert head.startswith("repo-baseline/")
    assert (pull["state"], pull["base"]) == ("open", "main")
    assert WORKFLOW in billing["branches"][head]["files"]
    # No check is required before the pipeline that reports it is on main.
    assert required_checks(github) == []
    assert RULESET not in types(stack)
    outputs = stack.run(["stack", "output", "--json", "--stack", stack.stack]).check().json()
    assert outputs["repositories"]["billing"]["protection_kind"] == "pending"

    # Until someone merges it, every run changes nothing.
    stack.preview(expect_no_changes=True).check()

    # A person reviews and merges it, as the team's ruleset asks.
    review_and_merge(github, "billing", pull["number"], REVIEWER)
    before = writes(github)

    # The next run finds the pipeline on main: it takes the file in as it is (no commit) and
    # only now requires the pipeline's checks.
    stack.up().check()
    after = writes(github)[len(before) :]
    assert not [w for w in after if "/contents/" in w[1]]
    checks = required_checks(github)
    assert "Test Suite (Pytest)" in checks
    assert "Lint Check (Ruff)" in checks
    kinds = types(stack)
    assert RULESET in kinds
    assert kinds.count(WORKFLOW_FILE) == 1
    assert PULL_REQUEST not in kinds
    stack.preview(expect_no_changes=True).check()
