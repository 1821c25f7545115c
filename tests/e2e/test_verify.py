"""`repo-baseline verify` after a real `pulumi up` against the double: what GitHub enforces on
each default branch, every ruleset layer merged, proved satisfiable from the workflow files
there, in at most three requests a compliant repository."""

from __future__ import annotations

import io
import json
from argparse import Namespace
from typing import Any

import pytest

from baseline import verify
from testing.github_double import GitHubDouble, User
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import as_human, require_by_hand
from tests.e2e.harness import Project

READ_TOKEN = "verify-read-only-token"
WORKFLOW = ".github/workflows/backend-ci.yml"
CONFIG: dict[str, Any] = {
    "repo-baseline:repositories": [{"name": "shop"}, {"name": "billing"}, {"name": "ledger"}]
}


def _verify(github: GitHubDouble, stack: Project) -> tuple[int, list[dict[str, Any]]]:
    github.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", READ_TOKEN)
        code = verify.main(
            Namespace(config=str(stack.stack_file), format="json", base_url=None), out
        )
    reports: list[dict[str, Any]] = json.loads(out.getvalue())
    return code, reports


def _by_name(reports: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {report["repository"]: report for report in reports}


@pytest.fixture
def applied(project: ProjectFactory) -> Project:
    stack = project(CONFIG)
    stack.up().check()
    return stack


def test_after_up_every_repository_is_compliant_in_three_requests(
    github: GitHubDouble, applied: Project
) -> None:
    before = sum(github.requests_by_route().values())
    code, reports = _verify(github, applied)

    assert code == 0, reports
    assert {r["repository"]: r["status"] for r in reports} == dict.fromkeys(
        ("shop", "billing", "ledger"), "compliant"
    )
    assert [r["requests"] for r in reports] == [3, 3, 3]
    assert sum(github.requests_by_route().values()) - before == 9  # counted by the double too


def test_an_organization_ruleset_nobody_can_satisfy_is_cited_for_every_target(
    github: GitHubDouble, applied: Project
) -> None:
    made = require_by_hand(github, "Security Scan", ["shop", "billing"])
    code, reports = _verify(github, applied)

    assert code == 1
    reports_by = _by_name(reports)
    for name in ("shop", "billing"):
        assert reports_by[name]["status"] == "unsatisfiable", reports_by[name]
        [finding] = reports_by[name]["findings"]
        assert finding["source"] == f"Organization ruleset {made['id']} ({github.org})"
        assert finding["reason"].startswith(f'"Security Scan" (required by {finding["source"]})')
        assert "no workflow on main has a job that reports it" in finding["reason"]
    assert reports_by["ledger"]["status"] == "compliant"


def test_a_job_renamed_by_hand_is_drift_and_unsatisfiable_in_that_repository_only(
    github: GitHubDouble, applied: Project
) -> None:
    # As a merged pull request would: a commit on main, outside the provider.
    repo = github.backend.repository(github.org, "billing")
    head = github.state()["repositories"]["billing"]["branches"]["main"]["files"]
    text = head[WORKFLOW]["content"].replace("name: Type Check (MyPy)", "name: Types")
    github.backend.seed_commit(repo, User("octo-human"), "main", {WORKFLOW: text.encode()}, "Types")
    code, reports = _verify(github, applied)

    assert code == 1
    billing = _by_name(reports)["billing"]
    assert billing["status"] == "unsatisfiable"
    reasons = [(f["verdict"], f["reason"]) for f in billing["findings"]]
    assert ("drifted", f"{WORKFLOW} differs from the render") in reasons
    assert any(
        verdict == "unsatisfiable" and reason.startswith('"Type Check (MyPy)" (required by ')
        for verdict, reason in reasons
    ), reasons
    assert billing["requests"] == 4  # the changed file is read
    assert {r["repository"]: r["status"] for r in reports if r["repository"] != "billing"} == {
        "shop": "compliant",
        "ledger": "compliant",
    }


def test_a_merge_queue_nothing_reports_to_is_unsatisfiable(
    github: GitHubDouble, applied: Project
) -> None:
    [ruleset] = github.state()["repositories"]["ledger"]["rulesets"]
    queue = {
        "type": "merge_queue",
        "parameters": {
            "merge_method": "SQUASH",
            "grouping_strategy": "ALLGREEN",
            "max_entries_to_build": 5,
            "min_entries_to_merge": 1,
            "max_entries_to_merge": 5,
            "min_entries_to_merge_wait_minutes": 5,
            "check_response_timeout_minutes": 60,
        },
    }
    as_human(
        github,
        "PUT",
        f"repos/{github.org}/ledger/rulesets/{ruleset['id']}",
        {"rules": [*ruleset["rules"], queue]},
    )
    code, reports = _verify(github, applied)

    assert code == 1
    ledger = _by_name(reports)["ledger"]
    assert ledger["status"] == "unsatisfiable"
    assert all("not reported on merge groups" in f["reason"] for f in ledger["findings"]), ledger
    assert ledger["requests"] == 3
