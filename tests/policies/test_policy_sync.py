"""required-checks-match-pipeline: the protection's checks and the workflow's jobs agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.guardrails import required_checks_match_pipeline as policy
from tests.policies.helpers import Plan, inputs, stack_violations


def violations(resources: Plan, config: Mapping[str, Any] | None = None) -> list[str]:
    return stack_violations(policy, resources, config, with_urn=True)


def rename_required(resources: Plan, old: str, new: str) -> None:
    for check in inputs(resources, "RepositoryRuleset")["rules"]["requiredStatusChecks"][
        "requiredChecks"
    ]:
        if check["context"] == old:
            check["context"] = new


def edit_workflow(resources: Plan, old: str, new: str) -> None:
    workflow = inputs(resources, "RepositoryFile")
    assert old in workflow["content"]
    workflow["content"] = workflow["content"].replace(old, new)


def test_compliant_with_ruleset(plan: Plan) -> None:
    assert violations(plan) == []


def test_compliant_with_classic_protection(classic_plan: Plan) -> None:
    assert violations(classic_plan) == []


def test_check_renamed_in_protection_only(plan: Plan) -> None:
    rename_required(plan, "Lint Check (Ruff)", "Lint")
    [message] = violations(plan)
    assert "RepositoryRuleset::backend-protection" in message
    assert "not required: ['Lint Check (Ruff)']" in message
    assert "not reported on every pull request: ['Lint']" in message


def test_job_renamed_in_workflow_only(plan: Plan) -> None:
    edit_workflow(plan, "name: Lint Check (Ruff)", "name: Lint (Ruff)")
    [message] = violations(plan)
    assert "['Lint (Ruff)']" in message
    assert "not reported on every pull request: ['Lint Check (Ruff)']" in message


def test_matrix_version_added_in_workflow_only(plan: Plan) -> None:
    edit_workflow(plan, '["3.11", "3.12"]', '["3.11", "3.12", "3.13"]')
    [message] = violations(plan)
    assert "not required: ['Test Suite (Pytest) (3.13)']" in message


def test_matrix_version_added_in_protection_only(plan: Plan) -> None:
    checks = inputs(plan, "RepositoryRuleset")["rules"]["requiredStatusChecks"]["requiredChecks"]
    checks.append({"context": "Test Suite (Pytest) (3.13)", "integrationId": 15368})
    [message] = violations(plan)
    assert "not reported on every pull request: ['Test Suite (Pytest) (3.13)']" in message


def test_required_job_made_conditional(plan: Plan) -> None:
    edit_workflow(
        plan,
        "    name: Test Suite (Pytest)\n",
        "    name: Test Suite (Pytest)\n    if: github.event_name == 'push'\n",
    )
    [message] = violations(plan)
    assert "Test Suite (Pytest) (3.11)" in message
    assert "not reported on every pull request" in message


def test_required_job_that_needs_a_conditional_job(plan: Plan) -> None:
    edit_workflow(plan, "    needs: lint\n", "    needs: [lint, security-audit]\n")
    assert "Test Suite (Pytest) (3.12)" in violations(plan)[0]


def test_classic_protection_renamed_check(classic_plan: Plan) -> None:
    checks = inputs(classic_plan, "BranchProtectionV3")["requiredStatusChecks"]["checks"]
    checks[0] = "Lint:15368"
    [message] = violations(classic_plan)
    assert "BranchProtectionV3::backend-main" in message
    assert "['Lint']" in message


def test_workflow_filtered_to_other_branch_reports_nothing(plan: Plan) -> None:
    edit_workflow(
        plan, "  pull_request:\n    branches: [main]", "  pull_request:\n    branches: [dev]"
    )
    assert "not reported on every pull request" in violations(plan)[0]


def test_default_branch_from_config_when_workflow_names_none(plan: Plan) -> None:
    del inputs(plan, "RepositoryFile")["branch"]
    assert violations(plan) == []
    assert len(violations(plan, {"default_branch": "trunk"})) == 1


def test_required_status_checks_missing(plan: Plan) -> None:
    del inputs(plan, "RepositoryRuleset")["rules"]["requiredStatusChecks"]
    [message] = violations(plan)
    assert "not required: ['Lint Check (Ruff)', 'Test Suite (Pytest) (3.11)'" in message


def test_workflow_content_missing(plan: Plan) -> None:
    del inputs(plan, "RepositoryFile")["content"]
    [message] = violations(plan)
    assert "RepositoryFile::backend-ci" in message
    assert "no content" in message


def test_workflow_not_yaml(plan: Plan) -> None:
    inputs(plan, "RepositoryFile")["content"] = "jobs: [unclosed"
    assert "not valid YAML" in violations(plan)[0]


def test_no_workflow_in_stack(plan: Plan) -> None:
    plan[:] = [r for r in plan if not r["type"].endswith(":RepositoryFile")]
    [message] = violations(plan)
    assert "not reported on every pull request" in message


@pytest.mark.parametrize(("kind", "count"), [("RepositoryFile", 1), ("RepositoryRuleset", 0)])
def test_properties_missing_entirely(plan: Plan, kind: str, count: int) -> None:
    # Without a `repository` input the resource belongs to no repository: no crash, and what
    # is left is judged (a protection whose checks no workflow in the stack reports).
    inputs(plan, kind).clear()
    assert len(violations(plan)) == count


def test_unknown_during_preview_is_skipped(plan: Plan) -> None:
    inputs(plan, "RepositoryFile")["content"] = UNKNOWN_STRING_VALUE
    assert violations(plan) == []
