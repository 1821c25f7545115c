"""Organization rulesets: which repositories they protect, and the protection policies on them.

An OrganizationRuleset names no repository; its conditions select the stack's repositories by
name pattern, by a custom property the stack sets, or by repository id. Each policy that judges a
RepositoryRuleset judges it too; a repository covered only by one counts as protected.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_STRING_VALUE

from policies.evaluate import evaluate_resources
from policies.guardrails import (
    every_repository_protected,
    force_push_and_deletion_blocked,
    no_human_bypass,
    required_checks_pinned_to_github_actions,
    reviews_required,
)
from policies.guardrails.targeting import RepositoryIndex, ruleset_targets
from tests.policies.conftest import (
    ORGANIZATION_RULESET,
    STACK,
    custom_property,
    organization_plan,
    organization_ruleset,
)
from tests.policies.helpers import Plan, resource_violations, stack_violations

NAMES = ["api", "shop-backend", "web"]
RULESET_URN = f"{STACK}{ORGANIZATION_RULESET}::backend"


def ruleset_of(resources: Plan) -> dict[str, Any]:
    return next(r for r in resources if r["type"] == ORGANIZATION_RULESET)


def conditions(resources: Plan) -> dict[str, Any]:
    conditions: dict[str, Any] = ruleset_of(resources)["inputs"]["conditions"]
    return conditions


def unprotected(resources: Plan) -> list[str]:
    """The repositories every-repository-protected reports, read from the urn it names."""
    found = stack_violations(every_repository_protected, resources, with_urn=True)
    names = []
    for message in found:
        urn, _, text = message.partition(" ")
        assert "no active branch ruleset or BranchProtectionV3" in text, message
        name = urn.rsplit("::", 1)[-1]
        assert urn == f"{STACK}github:index/repository:Repository::{name}"
        assert f"repository '{name}'" in text
        names.append(name)
    return sorted(names)


def set_repo_ids(resources: Plan, ids: dict[str, int]) -> None:
    for resource in resources:
        if resource["type"].endswith(":Repository") and resource["name"] in ids:
            resource["inputs"]["repoId"] = ids[resource["name"]]


# Every policy on the whole plan


def test_repositories_protected_only_by_an_organization_ruleset_pass_every_policy(
    org_plan: Plan, property_plan: Plan
) -> None:
    assert not any(r["type"].endswith(":RepositoryRuleset") for r in org_plan)
    assert evaluate_resources(org_plan) == []
    assert evaluate_resources(property_plan) == []


def test_the_state_read_back_after_up_with_every_condition_present_still_targets(
    org_plan: Plan,
) -> None:
    # After `pulumi up` the provider's state holds the unset conditions too, empty (make e2e).
    conditions(org_plan).update({"repositoryIds": [], "repositoryProperty": None})
    assert evaluate_resources(org_plan) == []


# every-repository-protected: targeting by name


def test_repository_left_out_of_the_name_list_is_unprotected(org_plan: Plan) -> None:
    conditions(org_plan)["repositoryName"]["includes"] = ["api", "web"]
    assert unprotected(org_plan) == ["shop-backend"]


@pytest.mark.parametrize(
    ("includes", "excludes", "left_out"),
    [
        (["~ALL"], [], []),
        (["*"], [], []),
        (["shop-*", "api", "w?b"], [], []),
        (["[aw]*", "*-backend"], [], []),
        (["~ALL"], ["shop-*"], ["shop-backend"]),
        (["*"], ["api", "web"], ["api", "web"]),
        (["shop"], [], ["api", "shop-backend", "web"]),
        # File.fnmatch as GitHub documents it (FNM_PATHNAME only) is case-sensitive.
        (["API"], [], ["api", "shop-backend", "web"]),
        ([], [], ["api", "shop-backend", "web"]),
    ],
)
def test_name_patterns_follow_fnmatch(
    org_plan: Plan, includes: list[str], excludes: list[str], left_out: list[str]
) -> None:
    conditions(org_plan)["repositoryName"] = {"includes": includes, "excludes": excludes}
    assert unprotected(org_plan) == left_out


@pytest.mark.parametrize(
    ("key", "value"),
    [("enforcement", "disabled"), ("target", "tag")],
)
def test_organization_ruleset_that_does_not_protect_branches(
    org_plan: Plan, key: str, value: str
) -> None:
    ruleset_of(org_plan)["inputs"][key] = value
    assert unprotected(org_plan) == NAMES


def test_organization_ruleset_on_another_branch(org_plan: Plan) -> None:
    conditions(org_plan)["refName"]["includes"] = ["refs/heads/release"]
    assert unprotected(org_plan) == NAMES


def test_organization_ruleset_without_required_checks(org_plan: Plan) -> None:
    del ruleset_of(org_plan)["inputs"]["rules"]["requiredStatusChecks"]
    found = stack_violations(every_repository_protected, org_plan, with_urn=True)
    assert len(found) == 3
    assert "repository 'web': the protection of 'main' requires no status check" in found[2]


def test_organization_ruleset_without_repository_condition_targets_none(org_plan: Plan) -> None:
    del conditions(org_plan)["repositoryName"]
    assert unprotected(org_plan) == NAMES


def test_repository_ruleset_and_organization_ruleset_both_count(plan: Plan) -> None:
    # `backend` has its own ruleset; an organization ruleset elsewhere does not change that.
    plan.append(organization_ruleset("other", {"repositoryName": {"includes": ["x"]}}))
    assert unprotected(plan) == []


# every-repository-protected: targeting by custom property


def test_repository_with_another_property_value_is_unprotected(property_plan: Plan) -> None:
    value = next(r for r in property_plan if r["name"] == "web-property-baseline-group")
    value["inputs"]["propertyValues"] = ["frontend"]
    assert unprotected(property_plan) == ["web"]


def test_repository_without_the_property_in_the_stack_is_unprotected(property_plan: Plan) -> None:
    property_plan[:] = [r for r in property_plan if r["name"] != "api-property-baseline-group"]
    assert unprotected(property_plan) == ["api"]


def test_every_property_include_must_match(property_plan: Plan) -> None:
    conditions(property_plan)["repositoryProperty"]["includes"].append(
        {"name": "tier", "propertyValues": ["gold", "silver"]}
    )
    property_plan.append(custom_property("api", "tier", ["silver"]))
    property_plan.append(custom_property("web", "tier", ["gold"]))
    web = next(r for r in property_plan if r["name"] == "web-property-baseline-group")
    web["inputs"]["propertyValues"] = ["frontend"]
    assert unprotected(property_plan) == ["shop-backend", "web"]


def test_a_matching_property_exclude_excludes(property_plan: Plan) -> None:
    conditions(property_plan)["repositoryProperty"]["excludes"] = [
        {"name": "archived-soon", "propertyValues": ["yes"]}
    ]
    property_plan.append(custom_property("shop-backend", "archived-soon", ["yes"]))
    property_plan.append(custom_property("web", "archived-soon", ["no"]))
    assert unprotected(property_plan) == ["shop-backend"]


def test_property_value_not_known_in_preview_is_not_a_violation(property_plan: Plan) -> None:
    value = next(r for r in property_plan if r["name"] == "web-property-baseline-group")
    value["inputs"]["propertyValues"] = UNKNOWN_ARRAY_VALUE
    value = next(r for r in property_plan if r["name"] == "api-property-baseline-group")
    value["inputs"]["propertyValues"] = ["frontend"]
    # web may still be targeted; api is decided: it is not.
    assert unprotected(property_plan) == ["api"]


def test_system_property_is_undecided(property_plan: Plan) -> None:
    conditions(property_plan)["repositoryProperty"]["includes"][0]["source"] = "system"
    assert unprotected(property_plan) == []


# every-repository-protected: targeting by repository id


def test_repository_ids_match_known_repo_ids(org_plan: Plan) -> None:
    del conditions(org_plan)["repositoryName"]
    conditions(org_plan)["repositoryIds"] = [101, 102]
    set_repo_ids(org_plan, {"api": 101, "shop-backend": 102, "web": 103})
    assert unprotected(org_plan) == ["web"]


def test_repository_id_not_known_yet_is_not_a_violation(org_plan: Plan) -> None:
    del conditions(org_plan)["repositoryName"]
    conditions(org_plan)["repositoryIds"] = [101, 999]
    # web's id is not assigned before it is created: 999 may be it.
    set_repo_ids(org_plan, {"api": 101, "shop-backend": 102})
    assert unprotected(org_plan) == ["shop-backend"]
    # Once every listed id belongs to a known repository, web is decided: not targeted.
    conditions(org_plan)["repositoryIds"] = [101]
    assert unprotected(org_plan) == ["shop-backend", "web"]


def test_conditions_not_known_in_preview_are_not_a_violation(org_plan: Plan) -> None:
    conditions(org_plan)["repositoryName"]["includes"] = [UNKNOWN_STRING_VALUE]
    assert stack_violations(every_repository_protected, org_plan) == []


# The targeting itself: one lookup per literal name, one expression per list of patterns


def test_targets_combine_conditions_with_and() -> None:
    index = RepositoryIndex(frozenset(NAMES))
    index.add_custom_property("api", {"propertyName": "team", "propertyValues": ["payments"]})
    index.add_custom_property("web", {"propertyName": "team", "propertyValues": ["payments"]})
    props = {
        "conditions": {
            "repositoryName": {"includes": ["*"], "excludes": ["web"]},
            "repositoryProperty": {
                "includes": [{"name": "team", "propertyValues": ["payments", "core"]}]
            },
        }
    }
    targets = ruleset_targets(props, index)
    assert targets.names == frozenset({"api"})
    assert targets.undecided == frozenset()


# The resource policies on an OrganizationRuleset

PROTECTION_POLICIES = [
    required_checks_pinned_to_github_actions,
    reviews_required,
    no_human_bypass,
    force_push_and_deletion_blocked,
]


@pytest.mark.parametrize("policy", PROTECTION_POLICIES, ids=lambda p: p.name)
def test_compliant_organization_ruleset(policy: ResourceValidationPolicy, org_plan: Plan) -> None:
    assert resource_violations(policy, ruleset_of(org_plan)) == []


def only_violation(resources: Plan) -> tuple[str, str | None, str]:
    (violation,) = evaluate_resources(resources)
    return violation.policy_name, violation.urn, violation.message


def test_organization_ruleset_with_too_few_approvals(org_plan: Plan) -> None:
    ruleset_of(org_plan)["inputs"]["rules"]["pullRequest"]["requiredApprovingReviewCount"] = 0
    assert only_violation(org_plan) == (
        "reviews-required",
        RULESET_URN,
        "rules.pullRequest.requiredApprovingReviewCount is 0, at least 1 required",
    )


def test_organization_ruleset_keeping_stale_approvals(org_plan: Plan) -> None:
    del ruleset_of(org_plan)["inputs"]["rules"]["pullRequest"]["dismissStaleReviewsOnPush"]
    policy, urn, message = only_violation(org_plan)
    assert (policy, urn) == ("reviews-required", RULESET_URN)
    assert "dismissStaleReviewsOnPush is not true" in message


@pytest.mark.parametrize("actor_type", ["OrganizationAdmin", "Team", "RepositoryRole"])
def test_organization_ruleset_with_human_bypass(org_plan: Plan, actor_type: str) -> None:
    ruleset_of(org_plan)["inputs"]["bypassActors"].append(
        {"actorType": actor_type, "actorId": 1, "bypassMode": "always"}
    )
    policy, urn, message = only_violation(org_plan)
    assert (policy, urn) == ("no-human-bypass", RULESET_URN)
    assert f"bypassActors[1] is actorType {actor_type}" in message


@pytest.mark.parametrize(
    ("rule", "blocks"), [("deletion", "deleting the branch"), ("nonFastForward", "force pushes")]
)
def test_organization_ruleset_allowing_history_rewrites(
    org_plan: Plan, rule: str, blocks: str
) -> None:
    ruleset_of(org_plan)["inputs"]["rules"][rule] = False
    assert only_violation(org_plan) == (
        "force-push-and-deletion-blocked",
        RULESET_URN,
        f"rules.{rule} is not true: the ruleset allows {blocks}",
    )


def test_organization_ruleset_check_not_pinned(org_plan: Plan) -> None:
    check = ruleset_of(org_plan)["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"][0]
    del check["integrationId"]
    assert only_violation(org_plan) == (
        "required-checks-pinned-to-github-actions",
        RULESET_URN,
        "required checks not pinned to app 15368 (integrationId): ['Gate']",
    )


@pytest.mark.parametrize("policy", PROTECTION_POLICIES, ids=lambda p: p.name)
def test_organization_ruleset_with_no_inputs_or_for_tags(
    policy: ResourceValidationPolicy, org_plan: Plan
) -> None:
    ruleset = ruleset_of(org_plan)
    ruleset["inputs"]["target"] = "tag"
    ruleset["inputs"]["bypassActors"] = [{"actorType": "Team", "actorId": 1}]
    ruleset["inputs"]["rules"] = {}
    assert resource_violations(policy, ruleset) == []
    ruleset["inputs"] = {}
    resource_violations(policy, ruleset)


def test_many_repositories_one_ruleset() -> None:
    # The name list as the program writes it: sorted, no patterns, excludes [].
    resources = organization_plan([f"svc-{index}" for index in range(30)])
    assert conditions(resources)["repositoryName"]["includes"][:3] == ["svc-0", "svc-1", "svc-10"]
    assert evaluate_resources(resources) == []
