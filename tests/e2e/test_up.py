"""`pulumi up` with the real engine and provider: what the double then holds, and in what order."""

from __future__ import annotations

from typing import Any

from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory, example_config
from tests.e2e.expect import (
    GITHUB_ACTIONS_APP_ID,
    expected,
    first,
    repo_path,
    seed_matching,
    writes,
)


def _up_example(project: ProjectFactory, github: GitHubDouble) -> Any:
    stack = project(example_config())
    adopted = expected(stack.stack_file)["billing-service"]
    seed_matching(github, adopted.config, {"README.md": "# billing-service\n"})
    stack.up().check()
    return stack


def _ruleset_checks(repo: dict[str, Any]) -> tuple[set[str], set[int]]:
    [ruleset] = repo["rulesets"]
    [rule] = [r for r in ruleset["rules"] if r["type"] == "required_status_checks"]
    required = rule["parameters"]["required_status_checks"]
    return {c["context"] for c in required}, {c["integration_id"] for c in required}


def _classic_checks(repo: dict[str, Any], branch: str) -> tuple[set[str], set[int]]:
    checks = repo["classic_protection"][branch]["required_status_checks"]["checks"]
    return {c["context"] for c in checks}, {c["app_id"] for c in checks}


def test_up_creates_exactly_what_the_config_says(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = _up_example(project, github)
    want = expected(stack.stack_file)
    repositories = github.state()["repositories"]

    assert set(repositories) == set(want)
    for name, expect in want.items():
        repo, settings = repositories[name], expect.config.settings
        branch = repo["branches"][expect.config.pipeline.options.default_branch]
        assert branch["files"][expect.pipeline.path]["content"] == expect.pipeline.content
        if expect.config.protection.kind == "ruleset":
            assert repo["classic_protection"] == {}
            assert _ruleset_checks(repo) == (expect.checks, {GITHUB_ACTIONS_APP_ID})
        else:
            assert repo["rulesets"] == []
            assert _classic_checks(repo, "main") == (expect.checks, {GITHUB_ACTIONS_APP_ID})
        assert repo["settings"]["visibility"] == settings.visibility
        assert repo["settings"]["allow_squash_merge"] == settings.allow_squash_merge
        assert repo["settings"]["delete_branch_on_merge"] == settings.delete_branch_on_merge
        assert repo["vulnerability_alerts"] is settings.vulnerability_alerts
        assert repo["automated_security_fixes"] is settings.dependabot_security_updates
        assert repo["actions_permissions"]["sha_pinning_required"] is True
        assert repo["workflow_permissions"] == {
            "default_workflow_permissions": settings.default_workflow_permissions,
            "can_approve_pull_request_reviews": False,
        }


def test_the_workflow_file_is_committed_before_the_protection(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    _up_example(project, github)
    log = writes(github)
    for name, protect in (
        ("shop-frontend-api", ("POST", "/rulesets")),
        ("billing-service", ("POST", "/rulesets")),
        ("legacy-portal", ("PUT", "/branches/main/protection")),
    ):
        committed = first(
            log, "PUT", repo_path(github, name, "/contents/.github/workflows/backend-ci.yml")
        )
        protected = first(log, protect[0], repo_path(github, name, protect[1]))
        assert committed < protected, name


def test_a_preview_right_after_up_has_no_changes(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = _up_example(project, github)
    stack.preview(expect_no_changes=True).check()
    stack.preview(expect_no_changes=True, refresh=True).check()
