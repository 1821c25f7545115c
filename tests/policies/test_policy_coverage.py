"""every-repository-protected: each Repository's default branch requires a status check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from policies.guardrails import every_repository_protected as policy
from tests.policies.helpers import Plan, inputs, stack_violations


def violations(resources: Plan, config: Mapping[str, Any] | None = None) -> list[str]:
    return stack_violations(policy, resources, config, with_urn=True)


def test_compliant(plan: Plan, classic_plan: Plan) -> None:
    assert violations(plan) == []
    assert violations(classic_plan) == []


@pytest.mark.parametrize("includes", [["refs/heads/main"], ["refs/heads/*"], ["~ALL"]])
def test_ruleset_naming_the_default_branch(plan: Plan, includes: list[str]) -> None:
    inputs(plan, "RepositoryRuleset")["conditions"]["refName"]["includes"] = includes
    assert violations(plan) == []


def test_repository_without_protection(plan: Plan) -> None:
    plan[:] = [r for r in plan if not r["type"].endswith(":RepositoryRuleset")]
    [message] = violations(plan)
    assert message.startswith("urn:pulumi:example::repo-baseline::github:index/repository:")
    assert "no active branch ruleset or BranchProtectionV3 on its default branch 'main'" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("enforcement", "disabled"),
        ("target", "tag"),
        ("repository", "frontend"),
        ("conditions", {"refName": {"includes": ["refs/heads/release"], "excludes": []}}),
        ("conditions", {"refName": {"includes": ["~ALL"], "excludes": ["~DEFAULT_BRANCH"]}}),
        # A pattern is matched against the full ref; GitHub refuses a bare branch name.
        ("conditions", {"refName": {"includes": ["main"], "excludes": []}}),
    ],
)
def test_ruleset_that_does_not_protect_the_default_branch(plan: Plan, key: str, value: Any) -> None:
    inputs(plan, "RepositoryRuleset")[key] = value
    assert "no active branch ruleset" in violations(plan)[0]


def test_protection_without_required_checks(plan: Plan, classic_plan: Plan) -> None:
    del inputs(plan, "RepositoryRuleset")["rules"]["requiredStatusChecks"]
    assert "requires no status check" in violations(plan)[0]
    inputs(classic_plan, "BranchProtectionV3")["requiredStatusChecks"]["checks"] = []
    assert "requires no status check" in violations(classic_plan)[0]


def test_classic_protection_on_another_branch(classic_plan: Plan) -> None:
    inputs(classic_plan, "BranchProtectionV3")["branch"] = "develop"
    assert "no active branch ruleset" in violations(classic_plan)[0]


def test_default_branch_comes_from_the_workflow_file_then_config(classic_plan: Plan) -> None:
    inputs(classic_plan, "BranchProtectionV3")["branch"] = "trunk"
    inputs(classic_plan, "RepositoryFile")["branch"] = "trunk"
    assert violations(classic_plan) == []
    del inputs(classic_plan, "RepositoryFile")["branch"]
    assert len(violations(classic_plan)) == 1
    assert violations(classic_plan, {"default_branch": "trunk"}) == []


def test_protection_properties_missing(plan: Plan, classic_plan: Plan) -> None:
    ruleset = inputs(plan, "RepositoryRuleset")
    for key in ("target", "enforcement", "conditions", "rules"):
        del ruleset[key]
    assert "no active branch ruleset" in violations(plan)[0]
    del inputs(classic_plan, "BranchProtectionV3")["branch"]
    assert "no active branch ruleset" in violations(classic_plan)[0]


def test_repository_name_missing(plan: Plan) -> None:
    del inputs(plan, "Repository")["name"]
    assert "has no 'name'" in violations(plan)[0]


def test_a_ruleset_in_evaluate_mode_counts_as_chosen(plan: Plan) -> None:
    # A dry run the stack chose: protection-enforced reports it (test_policy_lock.py).
    inputs(plan, "RepositoryRuleset")["enforcement"] = "evaluate"
    assert violations(plan) == []
