"""The protection policies, on a RepositoryRuleset and on a BranchProtectionV3.

required-checks-pinned-to-github-actions, reviews-required, no-human-bypass and
force-push-and-deletion-blocked: each compliant, violating, and with the property missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy

from policies.guardrails import (
    force_push_and_deletion_blocked,
    no_human_bypass,
    required_checks_pinned_to_github_actions,
    reviews_required,
)
from tests.policies.helpers import Plan, resource_violations

PROTECTION_POLICIES = [
    required_checks_pinned_to_github_actions,
    reviews_required,
    no_human_bypass,
    force_push_and_deletion_blocked,
]


def violations(
    policy: ResourceValidationPolicy,
    resource: dict[str, Any],
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    return resource_violations(policy, resource, config)


def find(resources: Plan, kind: str) -> dict[str, Any]:
    return next(r for r in resources if r["type"].endswith(f":{kind}"))


@pytest.fixture
def ruleset(plan: Plan) -> dict[str, Any]:
    return find(plan, "RepositoryRuleset")


@pytest.fixture
def classic(classic_plan: Plan) -> dict[str, Any]:
    return find(classic_plan, "BranchProtectionV3")


@pytest.mark.parametrize("policy", PROTECTION_POLICIES, ids=lambda p: p.name)
def test_compliant_protections(
    policy: ResourceValidationPolicy, ruleset: dict[str, Any], classic: dict[str, Any]
) -> None:
    assert violations(policy, ruleset) == []
    assert violations(policy, classic) == []


@pytest.mark.parametrize("policy", PROTECTION_POLICIES, ids=lambda p: p.name)
def test_protection_with_no_inputs_does_not_crash(
    policy: ResourceValidationPolicy, ruleset: dict[str, Any], classic: dict[str, Any]
) -> None:
    ruleset["inputs"] = {}
    classic["inputs"] = {}
    violations(policy, ruleset)
    violations(policy, classic)


@pytest.mark.parametrize("policy", PROTECTION_POLICIES, ids=lambda p: p.name)
def test_other_resources_and_tag_rulesets_are_not_judged(
    policy: ResourceValidationPolicy, plan: Plan, ruleset: dict[str, Any]
) -> None:
    for resource in plan:
        resource["inputs"] = {"repository": "backend"}
        if resource is ruleset:
            resource["inputs"]["target"] = "tag"
        assert violations(policy, resource) == []


# required-checks-pinned-to-github-actions


def test_ruleset_check_pinned_to_other_app(ruleset: dict[str, Any]) -> None:
    checks = ruleset["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"]
    checks[1]["integrationId"] = 99
    [message] = violations(required_checks_pinned_to_github_actions, ruleset)
    assert "['Test Suite (Pytest) (3.11)']" in message
    assert "15368" in message


def test_ruleset_check_without_integration_id(ruleset: dict[str, Any]) -> None:
    del ruleset["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"][0]["integrationId"]
    [message] = violations(required_checks_pinned_to_github_actions, ruleset)
    assert "['Lint Check (Ruff)']" in message


def test_integration_id_as_protobuf_float_is_pinned(ruleset: dict[str, Any]) -> None:
    for check in ruleset["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"]:
        check["integrationId"] = 15368.0
    assert violations(required_checks_pinned_to_github_actions, ruleset) == []


def test_classic_check_without_app_suffix(classic: dict[str, Any]) -> None:
    classic["inputs"]["requiredStatusChecks"]["checks"][0] = "Lint Check (Ruff)"
    classic["inputs"]["requiredStatusChecks"]["contexts"] = ["legacy"]
    [message] = violations(required_checks_pinned_to_github_actions, classic)
    assert "['Lint Check (Ruff)', 'legacy']" in message


def test_no_required_checks_leaves_nothing_to_pin(
    ruleset: dict[str, Any], classic: dict[str, Any]
) -> None:
    del ruleset["inputs"]["rules"]["requiredStatusChecks"]
    del classic["inputs"]["requiredStatusChecks"]
    assert violations(required_checks_pinned_to_github_actions, ruleset) == []
    assert violations(required_checks_pinned_to_github_actions, classic) == []


def test_pinned_app_is_configurable(ruleset: dict[str, Any]) -> None:
    assert len(violations(required_checks_pinned_to_github_actions, ruleset, {"integration_id": 7}))


# reviews-required


def test_too_few_approvals(ruleset: dict[str, Any], classic: dict[str, Any]) -> None:
    ruleset["inputs"]["rules"]["pullRequest"]["requiredApprovingReviewCount"] = 0
    [message] = violations(reviews_required, ruleset)
    assert "requiredApprovingReviewCount is 0, at least 1" in message
    assert violations(reviews_required, classic, {"min_approvals": 2}) == [
        "requiredPullRequestReviews.requiredApprovingReviewCount is 1, at least 2 required"
    ]


def test_stale_approvals_kept(ruleset: dict[str, Any], classic: dict[str, Any]) -> None:
    ruleset["inputs"]["rules"]["pullRequest"]["dismissStaleReviewsOnPush"] = False
    classic["inputs"]["requiredPullRequestReviews"]["dismissStaleReviews"] = False
    assert "dismissStaleReviewsOnPush is not true" in violations(reviews_required, ruleset)[0]
    assert "dismissStaleReviews is not true" in violations(reviews_required, classic)[0]


def test_review_settings_missing(ruleset: dict[str, Any], classic: dict[str, Any]) -> None:
    ruleset["inputs"]["rules"]["pullRequest"] = {}
    assert len(violations(reviews_required, ruleset)) == 2
    del ruleset["inputs"]["rules"]
    del classic["inputs"]["requiredPullRequestReviews"]
    assert "rules.pullRequest is not set" in violations(reviews_required, ruleset)[0]
    assert "requiredPullRequestReviews is not set" in violations(reviews_required, classic)[0]


# no-human-bypass


@pytest.mark.parametrize("actor_type", ["RepositoryRole", "Team", "OrganizationAdmin", "User"])
def test_human_bypass_actor(ruleset: dict[str, Any], actor_type: str) -> None:
    ruleset["inputs"]["bypassActors"].append(
        {"actorType": actor_type, "actorId": 5, "bypassMode": "always"}
    )
    [message] = violations(no_human_bypass, ruleset)
    assert f"bypassActors[1] is actorType {actor_type}" in message


def test_bypass_actor_without_type(ruleset: dict[str, Any]) -> None:
    ruleset["inputs"]["bypassActors"] = [{"actorId": 5}]
    assert "(missing)" in violations(no_human_bypass, ruleset)[0]


def test_no_bypass_actors_at_all(ruleset: dict[str, Any]) -> None:
    del ruleset["inputs"]["bypassActors"]
    assert violations(no_human_bypass, ruleset) == []


def test_admins_not_enforced(classic: dict[str, Any]) -> None:
    classic["inputs"]["enforceAdmins"] = False
    assert "enforceAdmins is not true" in violations(no_human_bypass, classic)[0]
    del classic["inputs"]["enforceAdmins"]
    assert "enforceAdmins is not true" in violations(no_human_bypass, classic)[0]


# force-push-and-deletion-blocked


@pytest.mark.parametrize("rule", ["deletion", "nonFastForward"])
def test_ruleset_allows_rewriting_history(ruleset: dict[str, Any], rule: str) -> None:
    ruleset["inputs"]["rules"][rule] = False
    [message] = violations(force_push_and_deletion_blocked, ruleset)
    assert f"rules.{rule} is not true" in message


def test_ruleset_rules_missing(ruleset: dict[str, Any]) -> None:
    del ruleset["inputs"]["rules"]
    assert len(violations(force_push_and_deletion_blocked, ruleset)) == 2


def test_classic_protection_always_blocks_both(classic: dict[str, Any]) -> None:
    classic["inputs"] = {"repository": "backend", "branch": "main"}
    assert violations(force_push_and_deletion_blocked, classic) == []
