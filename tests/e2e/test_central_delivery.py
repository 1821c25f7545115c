"""`pipeline.delivery: central` with the real engine against the double (plan enterprise): nothing
committed to the repositories, the pipeline committed once to a pinned branch of the central
repository, the organization ruleset's workflows rule requiring it there, a merge waiting for
it, and a Team organization refused before anything changes."""

from __future__ import annotations

import io
import json
from argparse import Namespace
from typing import Any

import pytest

from baseline import verify
from baseline.resources.delivery import proposal_branch
from policies.guardrails.pipeline import job_checks, load_workflow, unconditional_job_ids
from testing.github_double import GitHubDouble, User
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import changes, expected
from tests.e2e.test_github_double import call

CENTRAL = "baseline-ci"
WORKFLOW = ".github/workflows/backend-ci.yml"
ACTIONS, ACTIONS_APP_ID = "github-actions-token", 15368
AUTHOR, REVIEWER = "author-token", "reviewer-token"
NAMES = ["svc-a", "svc-b"]
CONFIG: dict[str, Any] = {
    "repo-baseline:defaults": {
        "pipeline": {"gate": True, "delivery": "central", "central_repository": CENTRAL},
        "protection": {"scope": "organization"},
    },
    "repo-baseline:repositories": [{"name": name} for name in NAMES],
}


def _awaited_checks(content: str) -> list[str]:
    """The checks of the jobs that run whenever the workflow runs (what a merge waits for)."""
    workflow = load_workflow(content)
    jobs = workflow["jobs"]
    return [
        check for job in unconditional_job_ids(workflow) for check in job_checks(job, jobs[job])
    ]


def test_nothing_is_committed_and_the_organization_requires_the_pinned_central_workflow(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.seed_repository(CENTRAL, {"README.md": "# CI\n"}, visibility="private")
    stack = project(CONFIG)
    stack.up().check()

    state = github.state()
    pipeline = expected(stack.stack_file)["svc-a"].pipeline
    branch = proposal_branch(pipeline)
    for name in NAMES:
        assert WORKFLOW not in state["repositories"][name]["branches"]["main"]["files"]
    central = state["repositories"][CENTRAL]
    assert central["branches"][branch]["files"][WORKFLOW]["content"] == pipeline.content
    assert WORKFLOW not in central["branches"]["main"]["files"]  # main is the central repo's
    [ruleset] = state["org_rulesets"]
    assert ruleset["conditions"]["repository_name"]["include"] == NAMES
    rules = {rule["type"]: rule.get("parameters") for rule in ruleset["rules"]}
    assert "required_status_checks" not in rules
    [required] = rules["workflows"]["workflows"]
    central_id = call(github, "GET", f"/repos/{github.org}/{CENTRAL}").body["id"]
    assert (required["path"], required["repository_id"], required["ref"]) == (
        WORKFLOW,
        central_id,
        f"refs/heads/{branch}",
    )
    assert changes(stack.preview(refresh=True).check().json()) == {}

    # verify: the rule in force requires the central file at its ref; nothing else to read.
    github.add_token("reader", User("octo-reader"), read_only=True)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", "reader")
        code = verify.main(
            Namespace(config=str(stack.stack_file), format="json", base_url=None), out
        )
    reports = json.loads(out.getvalue())
    assert code == 0, reports
    assert [(r["status"], r["requests"]) for r in reports] == [("compliant", 3)] * 2

    # A pull request of svc-a merges only once the central workflow has passed on its head.
    github.add_token(AUTHOR, User("octo-dev", role="write", org_admin=False))
    github.add_token(REVIEWER, User("octo-reviewer", role="write", org_admin=False))
    github.add_app_token(ACTIONS, ACTIONS_APP_ID, "github-actions")
    github.seed_branch("svc-a", "feature", {"app.py": "print('hi')\n"})
    pulls = f"/repos/{github.org}/svc-a/pulls"
    opened = call(
        github, "POST", pulls, {"title": "Hi", "head": "feature", "base": "main"}, token=AUTHOR
    )
    assert opened.status == 201, opened.body
    head = opened.body["head"]["sha"]
    approved = call(github, "POST", f"{pulls}/1/reviews", {"event": "APPROVE"}, token=REVIEWER)
    assert approved.status == 200, approved.body
    refused = call(github, "PUT", f"{pulls}/1/merge", {"merge_method": "squash"}, token=AUTHOR)
    assert refused.status == 501, refused.body
    [violation] = github.take_violations()
    assert "before its ruleset workflows passed" in violation.detail
    assert '"Gate"' in violation.detail

    for check in _awaited_checks(pipeline.content):
        body = {"name": check, "head_sha": head, "status": "completed", "conclusion": "success"}
        posted = call(github, "POST", f"/repos/{github.org}/svc-a/check-runs", body, token=ACTIONS)
        assert posted.status == 201, posted.body
    merged = call(github, "PUT", f"{pulls}/1/merge", {"merge_method": "squash"}, token=AUTHOR)
    assert merged.status == 200, merged.body


def test_a_pipeline_change_moves_the_pin_to_a_new_branch_in_the_same_run(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.seed_repository(CENTRAL, {"README.md": "# CI\n"}, visibility="private")
    stack = project(CONFIG)
    stack.up().check()
    old = proposal_branch(expected(stack.stack_file)["svc-a"].pipeline)

    changed = json.loads(json.dumps(CONFIG))
    changed["repo-baseline:defaults"]["pipeline"]["coverage_threshold"] = 90
    stack.reconfigure(changed)
    stack.up().check()

    new = proposal_branch(expected(stack.stack_file)["svc-a"].pipeline)
    assert new != old
    branches = github.state()["repositories"][CENTRAL]["branches"]
    assert {old, new} <= set(branches)  # the old pin is kept, history is never deleted
    [ruleset] = github.state()["org_rulesets"]
    [rule] = [r for r in ruleset["rules"] if r["type"] == "workflows"]
    assert rule["parameters"]["workflows"][0]["ref"] == f"refs/heads/{new}"
    assert "coverage" in branches[new]["files"][WORKFLOW]["content"]


def test_a_team_organization_is_refused_before_anythingchanges(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.seed_repository(CENTRAL, {"README.md": "# CI\n"}, visibility="private")
    github.backend.plan = "team"
    stack = project(CONFIG)

    refused = stack.up()
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "pipeline.delivery central needs GitHub Enterprise Cloud" in said
    assert f"{github.org} is on the team plan. Nothing was changed." in said
    assert "Deliver the pipeline to each repository instead" in said
    assert set(github.state()["repositories"]) == {CENTRAL}
    assert github.state()["org_rulesets"] == []
