"""RepositoryBaseline through the real SDK under Pulumi's mocks: inputs, checks, order, safety.

Every Output assertion is returned from a `@pulumi.runtime.test` function, so it is awaited.
Nested outputs are read by key: `Output.all` hands them over as plain dicts.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_github as github
import pytest

from baseline.resources.component import GITHUB_ACTIONS_APP_ID, RepositoryBaseline
from baseline.resources.program import build
from baseline.stack.validation import parse_settings
from workflows.backend_ci import WORKFLOW_PATH, backend_ci
from workflows.checks import required_checks
from workflows.options import BackendCiOptions
from workflows.render import render

pytestmark = pytest.mark.usefixtures("pulumi_mocks")

MATRIX = {"python_versions": ["3.11", "3.12"]}


def _one(entry: dict[str, Any], defaults: dict[str, Any] | None = None) -> RepositoryBaseline:
    baselines = build(parse_settings(defaults, [entry]).repositories)
    return baselines[entry["name"]]


def _expected_checks(pipeline: dict[str, Any]) -> list[str]:
    versions = tuple(pipeline.get("python_versions", ()))
    return list(required_checks(backend_ci(BackendCiOptions(python_versions=versions)), "main"))


@pytest.mark.parametrize("pipeline", [{}, MATRIX], ids=["single", "matrix"])
@pulumi.runtime.test
def test_ruleset_requires_the_pipeline_checks_pinned_to_actions(
    pipeline: dict[str, Any],
) -> pulumi.Output[None]:
    baseline = _one({"name": "svc", "pipeline": pipeline})
    assert isinstance(baseline.protection, github.RepositoryRuleset)
    expected = _expected_checks(pipeline)

    def check(rules: Any) -> None:
        checks = rules["required_status_checks"]["required_checks"]
        assert [c["context"] for c in checks] == expected
        assert {c["integration_id"] for c in checks} == {GITHUB_ACTIONS_APP_ID}
        assert rules["required_status_checks"]["strict_required_status_checks_policy"] is True

    return baseline.protection.rules.apply(check)


@pytest.mark.parametrize("pipeline", [{}, MATRIX], ids=["single", "matrix"])
@pulumi.runtime.test
def test_classic_requires_the_pipeline_checks_pinned_to_actions(
    pipeline: dict[str, Any],
) -> pulumi.Output[None]:
    baseline = _one({"name": "svc", "pipeline": pipeline, "protection": {"kind": "classic"}})
    assert isinstance(baseline.protection, github.BranchProtectionV3)
    expected = [f"{c}:15368" for c in _expected_checks(pipeline)]

    def check(args: list[Any]) -> None:
        status, enforce_admins, branch = args
        assert status["checks"] == expected
        assert enforce_admins is True
        assert branch == "main"

    protection = baseline.protection
    return pulumi.Output.all(
        protection.required_status_checks, protection.enforce_admins, protection.branch
    ).apply(check)


@pulumi.runtime.test
def test_ruleset_requires_reviews_and_blocks_force_push_and_deletion() -> pulumi.Output[None]:
    baseline = _one({"name": "svc", "protection": {"required_approvals": 2}})
    assert isinstance(baseline.protection, github.RepositoryRuleset)

    def check(args: list[Any]) -> None:
        rules, bypass, enforcement, conditions = args
        assert rules["deletion"] is True
        assert rules["non_fast_forward"] is True
        review = rules["pull_request"]
        assert review["required_approving_review_count"] == 2
        assert review["dismiss_stale_reviews_on_push"] is True
        assert review["required_review_thread_resolution"] is True
        assert not bypass
        assert enforcement == "active"
        assert conditions["ref_name"]["includes"] == ["~DEFAULT_BRANCH"]

    ruleset = baseline.protection
    return pulumi.Output.all(
        ruleset.rules, ruleset.bypass_actors, ruleset.enforcement, ruleset.conditions
    ).apply(check)


@pulumi.runtime.test
def test_only_apps_bypass_and_always() -> pulumi.Output[None]:
    baseline = _one({"name": "svc", "protection": {"bypass_actors": [{"app_id": 4242}]}})
    assert isinstance(baseline.protection, github.RepositoryRuleset)

    def check(actors: Any) -> None:
        assert [(a["actor_type"], a["actor_id"], a["bypass_mode"]) for a in actors] == [
            ("Integration", 4242, "always")
        ]

    return baseline.protection.bypass_actors.apply(check)


@pulumi.runtime.test
def test_workflow_file_is_the_rendered_pipeline_for_this_repository() -> pulumi.Output[None]:
    pipeline = {"working_directory": "services/api", "coverage_threshold": 90, **MATRIX}
    baseline = _one({"name": "svc", "pipeline": pipeline})
    expected = render(
        backend_ci(
            BackendCiOptions(
                working_directory="services/api",
                coverage_threshold=90,
                python_versions=("3.11", "3.12"),
            )
        )
    )

    def check(args: list[Any]) -> None:
        content, path, branch, overwrite, repository = args
        assert content == expected
        assert path == WORKFLOW_PATH
        assert branch == "main"
        assert overwrite is True
        assert repository == "svc"

    wf = baseline.workflow_file
    assert wf is not None
    return pulumi.Output.all(
        wf.content, wf.file, wf.branch, wf.overwrite_on_create, wf.repository
    ).apply(check)


@pulumi.runtime.test
def test_settings_resources_follow_the_config() -> pulumi.Output[None]:
    baseline = _one(
        {
            "name": "svc",
            "settings": {
                "visibility": "public",
                "allow_merge_commit": True,
                "secret_scanning": True,
                "secret_scanning_push_protection": True,
                "default_workflow_permissions": "read",
            },
        }
    )

    def check(args: list[Any]) -> None:
        visibility, merge, analysis, alerts, updates, pinning, token, approve = args
        assert (visibility, merge) == ("public", True)
        assert analysis["secret_scanning"]["status"] == "enabled"
        assert analysis["secret_scanning_push_protection"]["status"] == "enabled"
        assert (alerts, updates, pinning) == (True, True, True)
        assert (token, approve) == ("read", False)

    return pulumi.Output.all(
        baseline.repository.visibility,
        baseline.repository.allow_merge_commit,
        baseline.repository.security_and_analysis,
        baseline.vulnerability_alerts.enabled,
        baseline.dependabot_security_updates.enabled,
        baseline.actions_permissions.sha_pinning_required,
        baseline.workflow_permissions.default_workflow_permissions,
        baseline.workflow_permissions.can_approve_pull_request_reviews,
    ).apply(check)


@pulumi.runtime.test
def test_overrides_merge_over_defaults() -> pulumi.Output[None]:
    defaults = {"settings": {"allow_rebase_merge": True}, "pipeline": {"coverage_threshold": 85}}
    baseline = _one({"name": "svc", "settings": {"allow_merge_commit": True}}, defaults)

    def check(args: list[Any]) -> None:
        rebase, merge, squash, content = args
        assert (rebase, merge, squash) == (True, True, True)
        assert "--cov-fail-under=85" in content

    assert baseline.workflow_file is not None
    return pulumi.Output.all(
        baseline.repository.allow_rebase_merge,
        baseline.repository.allow_merge_commit,
        baseline.repository.allow_squash_merge,
        baseline.workflow_file.content,
    ).apply(check)


@pulumi.runtime.test
def test_new_repository_is_initialised_and_adopted_one_is_not() -> pulumi.Output[None]:
    new = _one({"name": "fresh"})
    adopted = _one({"name": "old", "adopt": True})

    def check(args: list[Any]) -> None:
        new_init, adopted_init = args
        assert new_init is True
        # auto_init is create-only: sending it on an import would make the import fail.
        assert adopted_init is None

    return pulumi.Output.all(new.repository.auto_init, adopted.repository.auto_init).apply(check)


@pulumi.runtime.test
def test_settings_the_provider_always_sends_are_explicit() -> pulumi.Output[None]:
    """The provider sends false or "" for what it is not given: all of them come from config."""
    default = _one({"name": "plain"})
    chosen = _one(
        {
            "name": "docs",
            "settings": {
                "has_wiki": True,
                "has_projects": True,
                "has_discussions": True,
                "is_template": True,
                "allow_update_branch": True,
                "homepage": "https://docs.example.com/shop",
            },
        }
    )

    def fields(baseline: RepositoryBaseline) -> list[pulumi.Output[Any]]:
        repository = baseline.repository
        return [
            repository.has_wiki,
            repository.has_projects,
            repository.has_discussions,
            repository.is_template,
            repository.allow_update_branch,
            repository.homepage_url,
        ]

    def check(args: list[Any]) -> None:
        assert args[:6] == [False, False, False, False, False, ""]
        assert args[6:] == [True, True, True, True, True, "https://docs.example.com/shop"]

    return pulumi.Output.all(*fields(default), *fields(chosen)).apply(check)
