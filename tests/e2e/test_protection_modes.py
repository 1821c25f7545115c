"""With the real engine against the double: the workflow file locked by a push ruleset (the
stack's app may change it, a person may not), protection rolled out in evaluate mode (a dry run
whose rule insights `repo-baseline verify` reads), the removal guard stopping a bulk switch to
evaluate, and the rules a ruleset can require beyond reviews and checks."""

from __future__ import annotations

import io
import json
from argparse import Namespace
from typing import Any

import pytest

from baseline import verify
from baseline.resources.resource_types import WORKFLOW_LOCK_NAME
from testing.github_double import GitHubDouble, User
from testing.github_double.pytest_plugin import ADMIN_TOKEN
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import changes
from tests.e2e.harness import Project
from tests.e2e.test_github_double import b64, call

APP_ID = 4242  # the automation's GitHub App in these tests (the double knows no other)
APP_TOKEN = "automation-app-token"
READ_TOKEN = "verify-read-only-token"
WORKFLOW = ".github/workflows/backend-ci.yml"


def _verify(github: GitHubDouble, stack: Project) -> dict[str, dict[str, Any]]:
    github.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", READ_TOKEN)
        verify.main(Namespace(config=str(stack.stack_file), format="json", base_url=None), out)
    return {report["repository"]: report for report in json.loads(out.getvalue())}


def _files(github: GitHubDouble, repository: str) -> dict[str, Any]:
    files: dict[str, Any] = github.state()["repositories"][repository]["branches"]["main"]["files"]
    return files


def _person_writes_workflow(github: GitHubDouble, repository: str, text: str) -> Any:
    """A person (an organization admin) commits `text` as the workflow file to a branch other
    than main, as a pull request's author would."""
    path = f"/repos/{github.org}/{repository}"
    main = call(github, "GET", f"{path}/git/ref/heads/main").body["object"]["sha"]
    made = call(github, "POST", f"{path}/git/refs", {"ref": "refs/heads/edit", "sha": main})
    assert made.status == 201, made.body
    current = call(github, "GET", f"{path}/contents/{WORKFLOW}?ref=edit").body["sha"]
    body = {"message": "ci: run nothing", "content": b64(text), "branch": "edit", "sha": current}
    return call(github, "PUT", f"{path}/contents/{WORKFLOW}", body, token=ADMIN_TOKEN)


# --- The workflow file locked --------------------------------------------------------------------


def _locked(versions: list[str]) -> dict[str, Any]:
    return {
        "repo-baseline:defaults": {
            "protection": {"lock_workflow": True, "bypass_actors": [{"app_id": APP_ID}]},
            "pipeline": {"python_versions": versions},
        },
        "repo-baseline:repositories": [
            {"name": "vault"},
            {"name": "site", "settings": {"visibility": "public"}},
        ],
    }


def test_the_lock_lets_the_stack_s_app_change_the_workflow_file_and_nobody_else(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.add_app_token(APP_TOKEN, APP_ID, slug="repo-baseline-automation")
    stack = project(_locked(["3.12"]), token=APP_TOKEN)
    stack.up().check()

    rulesets = {r["name"]: r for r in github.state()["repositories"]["vault"]["rulesets"]}
    lock = rulesets[WORKFLOW_LOCK_NAME]
    assert (lock["target"], lock["enforcement"], lock["conditions"]) == ("push", "active", None)
    assert lock["rules"] == [
        {"type": "file_path_restriction", "parameters": {"restricted_file_paths": [WORKFLOW]}}
    ]
    assert [(a["actor_type"], a["actor_id"]) for a in lock["bypass_actors"]] == [
        ("Integration", APP_ID)
    ]
    # Public: push rulesets do not exist there; the preview warned.
    site = github.state()["repositories"]["site"]["rulesets"]
    assert [r["name"] for r in site] == ["repo-baseline: default branch"]

    # A person's commit that empties the pipeline: refused (loudly: GitHub's words for it are
    # not known to the double), and nothing changed.
    before = _files(github, "vault")[WORKFLOW]["content"]
    refused = _person_writes_workflow(github, "vault", "name: ci\njobs: {}\n")
    assert refused.status == 501, refused.body
    [violation] = github.take_violations()
    assert violation.kind == "unmodelled"
    assert "file_path_restriction" in violation.detail
    assert _files(github, "vault")[WORKFLOW]["content"] == before

    # The stack's app changes it: the lock and the branch ruleset both let it through.
    stack.reconfigure(_locked(["3.12", "3.13"]))
    stack.up().check()
    assert "3.13" in _files(github, "vault")[WORKFLOW]["content"]
    assert changes(stack.preview().check().json()) == {}

    reports = _verify(github, stack)
    assert reports["vault"]["status"] == "compliant", reports["vault"]
    assert reports["vault"]["requests"] == 5  # 3, and the push rulesets and the lock's rules


def test_verify_reports_a_lock_taken_away_by_hand(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.add_app_token(APP_TOKEN, APP_ID, slug="repo-baseline-automation")
    stack = project(_locked(["3.12"]), token=APP_TOKEN)
    stack.up().check()
    [lock] = [
        r
        for r in github.state()["repositories"]["vault"]["rulesets"]
        if r["name"] == WORKFLOW_LOCK_NAME
    ]
    deleted = call(github, "DELETE", f"/repos/{github.org}/vault/rulesets/{lock['id']}")
    assert deleted.status == 204

    vault = _verify(github, stack)["vault"]
    assert vault["status"] == "drifted"
    assert [f["reason"] for f in vault["findings"]] == [
        f"{WORKFLOW} is not locked: no active push ruleset restricts it, so anyone who can push "
        "can change what the required checks run"
    ]
    # The refreshed preview sees it too, and the next up puts the lock back.
    assert changes(stack.preview(refresh=True).check().json()) == {"vault-workflow-lock": "create"}


# --- Evaluate mode -------------------------------------------------------------------------------


def _evaluating(names: list[str], enforcement: str = "evaluate") -> dict[str, Any]:
    return {
        "repo-baseline:defaults": {
            "pipeline": {"gate": True},
            "protection": {"scope": "organization", "enforcement": enforcement},
        },
        "repo-baseline:repositories": [{"name": name} for name in names],
    }


def test_in_evaluate_mode_nothing_is_blocked_and_verify_says_what_would_have_been(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(_evaluating(["shop", "billing"]))
    stack.up().check()
    [ruleset] = github.state()["org_rulesets"]
    assert ruleset["enforcement"] == "evaluate"

    # A person's direct commit to main: an active ruleset would refuse it; this one records it.
    notes = {"message": "docs", "content": b64("# notes\n"), "branch": "main"}
    written = call(github, "PUT", f"/repos/{github.org}/shop/contents/NOTES.md", notes)
    assert written.status in (200, 201), written.body

    reports = _verify(github, stack)
    shop, billing = reports["shop"], reports["billing"]
    assert shop["status"] == "compliant", shop  # the checks it would require are reported
    assert shop["evaluation"].startswith(
        "evaluate mode: 1 of the 1 pushes and merges to main evaluated in the last month would "
        "have been blocked: octo-admin at "
    ), shop["evaluation"]
    assert "pull_request: Changes must be made through a pull request." in shop["evaluation"]
    assert billing["evaluation"] == (
        "evaluate mode: 0 of the 0 pushes and merges to main evaluated in the last month would "
        "have been blocked"
    )
    assert (shop["requests"], billing["requests"]) == (5, 4)

    # Switching to active: the ruleset is replaced by an active one, created first.
    stack.reconfigure(_evaluating(["shop", "billing"], "active"))
    stack.up().check()
    assert [r["enforcement"] for r in github.state()["org_rulesets"]] == ["active"]


def test_a_bulk_switch_to_evaluate_stops_before_changing_anything(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    names = [f"svc-{i}" for i in range(6)]
    stack = project(_evaluating(names, "active"))
    stack.up().check()
    before = github.state()["org_rulesets"]

    stack.reconfigure(_evaluating(names))
    refused = stack.up()
    said = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "6 repositories of stack e2e keep less protection than their last run" in said
    assert "REPO_BASELINE_ALLOW_REMOVALS=6" in said
    assert github.state()["org_rulesets"] == before

    stack.env["REPO_BASELINE_ALLOW_REMOVALS"] = "6"
    stack.up().check()
    assert [r["enforcement"] for r in github.state()["org_rulesets"]] == ["evaluate"]


# --- More of what a ruleset can require ----------------------------------------------------------


def test_merge_methods_copilot_review_and_code_scanning_reach_github_and_read_back(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    protection = {
        "merge_methods_enforced": True,
        "copilot_review": "every_push",
        "code_scanning": [{"tool": "CodeQL", "security_alerts": "critical"}],
    }
    stack = project(
        {
            "repo-baseline:defaults": {"protection": protection},
            "repo-baseline:repositories": [
                {"name": "svc", "settings": {"allow_rebase_merge": True}}
            ],
        }
    )
    stack.up().check()
    [ruleset] = github.state()["repositories"]["svc"]["rulesets"]
    rules = {rule["type"]: rule.get("parameters") for rule in ruleset["rules"]}
    assert rules["pull_request"]["allowed_merge_methods"] == ["squash", "rebase"]
    assert rules["copilot_code_review"] == {
        "review_on_push": True,
        "review_draft_pull_requests": False,
    }
    assert rules["code_scanning"]["code_scanning_tools"] == [
        {"tool": "CodeQL", "alerts_threshold": "errors", "security_alerts_threshold": "critical"}
    ]
    assert changes(stack.preview(refresh=True).check().json()) == {}
