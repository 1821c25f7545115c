"""Drift and the read-only token, with the real engine against the double.

After `pulumi up`, someone changes GitHub by hand. A preview without `--refresh` compares the
program with the state of the last `up` and sees nothing; `pulumi preview --refresh
--expect-no-changes` reads every resource back and fails with the diff. The provider's reads are
conditional for classic protection (If-None-Match; a 304 keeps the old state), so each scenario
also checks that the changed resource was read in full, and the protection answered 304 only
when it was not the one changed. The nightly workflow
runs that preview with a read-only token: it must make no write call, to GitHub or to the
backend, and its script must tell drift from a failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testing.github_double import GitHubDouble, User
from testing.github_double.pytest_plugin import ADMIN_TOKEN
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import as_human, require_by_hand
from tests.e2e.harness import Project
from tests.test_repository_workflows import drift_script

READ_TOKEN = "drift-read-only-token"
WORKFLOW = ".github/workflows/backend-ci.yml"
NO_CHANGES_EXPECTED = "no changes were expected for preview but changes were proposed"
CONFIG: dict[str, Any] = {
    "repo-baseline:repositories": [
        {"name": "shop"},
        {"name": "legacy", "protection": {"kind": "classic"}},
    ]
}


def _as_human(github: GitHubDouble, method: str, path: str, body: Any) -> Any:
    """A request by another admin at a path of the organization's repositories."""
    return as_human(github, method, f"repos/{github.org}/{path}", body)


def _loosen_the_ruleset(github: GitHubDouble) -> tuple[str, str, str]:
    [ruleset] = github.state()["repositories"]["shop"]["rulesets"]
    rules = ruleset["rules"]
    for rule in rules:
        if rule["type"] == "pull_request":
            rule["parameters"]["required_approving_review_count"] = 0
    _as_human(github, "PUT", f"shop/rulesets/{ruleset['id']}", {"rules": rules})
    return "shop-ruleset", f"rulesets/{ruleset['id']}", "requiredApprovingReviewCount: 0 => 1"


def _stop_enforcing_classic_protection_on_admins(
    github: GitHubDouble,
) -> tuple[str, str, str]:
    current = github.state()["repositories"]["legacy"]["classic_protection"]["main"]
    checks = current["required_status_checks"]
    body = {
        "required_status_checks": {"strict": checks["strict"], "checks": checks["checks"]},
        "enforce_admins": False,
        "required_pull_request_reviews": current["required_pull_request_reviews"],
        "restrictions": None,
        "required_conversation_resolution": current["required_conversation_resolution"],
    }
    _as_human(github, "PUT", "legacy/branches/main/protection", body)
    return "legacy-branch-protection", "branches/main/protection", "enforceAdmins: false => true"


def _edit_the_workflow_by_hand(github: GitHubDouble) -> tuple[str, str, str]:
    # As a merged pull request would: a commit on main, outside the provider.
    repo = github.backend.repository(github.org, "shop")
    head = github.state()["repositories"]["shop"]["branches"]["main"]["files"]
    edited = head[WORKFLOW]["content"].replace("timeout-minutes: 30", "timeout-minutes: 300")
    github.backend.seed_commit(
        repo, User("octo-human"), "main", {WORKFLOW: edited.encode()}, "Longer tests"
    )
    return "shop-workflow", f"contents/{WORKFLOW}", "timeout-minutes: 300 => 30"


DRIFTS: dict[str, Callable[[GitHubDouble], tuple[str, str, str]]] = {
    "a ruleset loosened through the API": _loosen_the_ruleset,
    "classic protection no longer enforced on admins": _stop_enforcing_classic_protection_on_admins,
    "the workflow file edited by hand": _edit_the_workflow_by_hand,
}


def _up(project: ProjectFactory) -> Project:
    stack = project(CONFIG)
    stack.up().check()
    return stack


def _reads_since(github: GitHubDouble, start: int) -> list[dict[str, Any]]:
    return github.log_json()[start:]


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_a_refreshed_preview_finds_a_change_made_by_hand(
    project: ProjectFactory, github: GitHubDouble, drift: str
) -> None:
    stack = _up(project)
    resource, read_path, field = DRIFTS[drift](github)

    # The state of the last `up` still says what the program says: no refresh, no drift.
    stack.preview(expect_no_changes=True).check()

    start = len(github.log_json())
    found = stack.preview(expect_no_changes=True, refresh=True, as_json=False, extra=["--diff"])
    output = found.stdout + found.stderr
    assert found.returncode != 0, output
    assert NO_CHANGES_EXPECTED in output
    assert resource in output
    assert field in output

    # The changed resource was read in full (200). Of these resources the provider reads only
    # BranchProtectionV3 conditionally (If-None-Match with the ETag of its last read): it is
    # answered 304, keeping the old state, exactly when it was not changed.
    log = _reads_since(github, start)
    assert all(e["method"] == "GET" for e in log)
    changed = [e for e in log if e["path"].endswith(read_path)]
    assert changed, f"no GET of {read_path}: {[e['path'] for e in log]}"
    assert {e["status"] for e in changed} == {200}
    [protection] = [e for e in log if e["path"].endswith("/legacy/branches/main/protection")]
    assert protection["status"] == (200 if resource == "legacy-branch-protection" else 304)


def _backend_files(stack: Project) -> dict[str, str]:
    return {
        path.relative_to(stack.state).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(stack.state.rglob("*"))
        if path.is_file()
    }


def test_a_refreshed_preview_with_a_read_only_token_makes_no_write_call(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = _up(project)
    github.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    stack.env["GITHUB_TOKEN"] = READ_TOKEN
    github_before, backend_before = github.state(), _backend_files(stack)
    start = len(github.log_json())

    # What the pull-request preview and the nightly job run, policy pack included.
    stack.preview(refresh=True, expect_no_changes=True).check()

    log = _reads_since(github, start)
    assert log
    assert {e["method"] for e in log} == {"GET"}
    assert {e["actor"] for e in log} == {"octo-reader"}
    assert not [e for e in log if e["status"] >= 400 and e["status"] != 404]
    assert github.state() == github_before
    # Nor to the backend: a preview takes no lock and writes no checkpoint or history.
    assert _backend_files(stack) == backend_before

    # The token really cannot write: an update with it is refused by GitHub.
    stack.reconfigure({"repo-baseline:repositories": [{"name": "shop", "description": "changed"}]})
    refused = stack.up()
    assert refused.returncode != 0
    assert "Resource not accessible by personal access token" in refused.stdout + refused.stderr


def _step(stack: Project, folder: Path) -> tuple[int, str, str]:
    output = folder / "github-output"
    output.unlink(missing_ok=True)
    done = stack.step(drift_script(), {"PULUMI_STACK": stack.stack})
    result = output.read_text(encoding="utf-8") if output.exists() else ""
    return done.returncode, result, done.stdout + done.stderr


def test_the_nightly_script_tells_clean_from_drift_from_failure(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = _up(project)
    github.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    stack.env["GITHUB_TOKEN"] = READ_TOKEN

    assert _step(stack, stack.folder)[:2] == (0, "result=clean\n")

    _loosen_the_ruleset(github)
    status, result, log = _step(stack, stack.folder)
    assert (status, result) == (0, "result=drift\n"), log
    diff = (stack.folder / "preview.txt").read_text(encoding="utf-8")
    assert "requiredApprovingReviewCount: 0 => 1" in diff
    assert NO_CHANGES_EXPECTED in diff

    # What the drift issue says to do: the Deploy workflow's `pulumi up --refresh` (write token)
    # puts the ruleset back, and the next night is clean.
    stack.env["GITHUB_TOKEN"] = ADMIN_TOKEN
    stack.up(extra=["--refresh"]).check()
    [ruleset] = github.state()["repositories"]["shop"]["rulesets"]
    [rule] = [r for r in ruleset["rules"] if r["type"] == "pull_request"]
    assert rule["parameters"]["required_approving_review_count"] == 1
    stack.env["GITHUB_TOKEN"] = READ_TOKEN
    assert _step(stack, stack.folder)[:2] == (0, "result=clean\n")

    # A failure that is not drift fails the step and reports nothing: no such stack (the
    # healing check stops first), or a stack the preview cannot decrypt.
    (stack.folder / "github-output").unlink()
    failed = stack.step(drift_script(), {"PULUMI_STACK": "no-such-stack"})
    assert failed.returncode != 0
    assert "::error::repo-baseline heal failed (exit 2)" in failed.stdout
    assert not (stack.folder / "github-output").exists()
    wrong = {"PULUMI_STACK": stack.stack, "PULUMI_CONFIG_PASSPHRASE": "not the passphrase"}
    undecryptable = stack.step(drift_script(), wrong)
    assert undecryptable.returncode != 0
    assert "::error::the refreshed preview failed" in undecryptable.stdout
    assert not (stack.folder / "github-output").exists()


def test_the_nightly_script_reports_a_rule_the_refreshed_preview_cannot_see(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    """An organization ruleset made by hand is no resource of the stack, so the refreshed
    preview is clean; `repo-baseline verify` reads the rules in force and finds a required
    check nothing reports: drift, with verify's table at the top of the report."""
    stack = _up(project)
    made = require_by_hand(github, "Security Scan", ["shop"])
    github.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    stack.env["GITHUB_TOKEN"] = READ_TOKEN
    stack.preview(expect_no_changes=True, refresh=True).check()

    status, result, log = _step(stack, stack.folder)
    assert (status, result) == (0, "result=drift\n"), log
    report = (stack.folder / "preview.txt").read_text(encoding="utf-8")
    assert report.startswith(f"## repo-baseline verify: {stack.stack}\n"), report
    assert (
        f'| shop | unsatisfiable | unsatisfiable: "Security Scan" (required by Organization '
        f"ruleset {made['id']} ({github.org})) is never reported" in report
    ), report
    assert "| legacy | compliant |  |" in report
