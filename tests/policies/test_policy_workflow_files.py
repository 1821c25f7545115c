"""workflow-least-privilege and actions-pinned-to-sha, on RepositoryFile workflow resources."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import ResourceValidationPolicy

from policies.guardrails import actions_pinned_to_sha, workflow_least_privilege
from tests.policies.helpers import resource_violations

Plan = list[dict[str, Any]]


def violations(policy: ResourceValidationPolicy, resource: dict[str, Any]) -> list[str]:
    return resource_violations(policy, resource)


@pytest.fixture
def workflow_file(plan: Plan) -> dict[str, Any]:
    return next(r for r in plan if r["type"].endswith(":RepositoryFile"))


def edit(resource: dict[str, Any], old: str, new: str) -> None:
    assert old in resource["inputs"]["content"]
    resource["inputs"]["content"] = resource["inputs"]["content"].replace(old, new)


@pytest.mark.parametrize("policy", [workflow_least_privilege, actions_pinned_to_sha])
def test_compliant_workflow(
    policy: ResourceValidationPolicy, workflow_file: dict[str, Any]
) -> None:
    assert violations(policy, workflow_file) == []


@pytest.mark.parametrize("policy", [workflow_least_privilege, actions_pinned_to_sha])
def test_content_missing(policy: ResourceValidationPolicy, workflow_file: dict[str, Any]) -> None:
    del workflow_file["inputs"]["content"]
    assert "has no content" in violations(policy, workflow_file)[0]


@pytest.mark.parametrize("policy", [workflow_least_privilege, actions_pinned_to_sha])
def test_content_not_yaml(policy: ResourceValidationPolicy, workflow_file: dict[str, Any]) -> None:
    workflow_file["inputs"]["content"] = "on: [pull_request"
    assert "not valid YAML" in violations(policy, workflow_file)[0]


@pytest.mark.parametrize("policy", [workflow_least_privilege, actions_pinned_to_sha])
@pytest.mark.parametrize("path", [".github/dependabot.yml", "README.md", None])
def test_other_files_are_not_workflows(
    policy: ResourceValidationPolicy, workflow_file: dict[str, Any], path: str | None
) -> None:
    workflow_file["inputs"]["file"] = path
    workflow_file["inputs"]["content"] = "permissions: write-all\nuses: x@v1\n"
    assert violations(policy, workflow_file) == []


# workflow-least-privilege


def test_top_level_write_permission(workflow_file: dict[str, Any]) -> None:
    edit(workflow_file, "permissions:\n  contents: read\n", "permissions:\n  contents: write\n")
    [message] = violations(workflow_least_privilege, workflow_file)
    assert "grants 'contents: write' at the top level" in message
    assert ".github/workflows/backend-ci.yml" in message


def test_top_level_permissions_missing(workflow_file: dict[str, Any]) -> None:
    edit(workflow_file, "permissions:\n  contents: read\n", "")
    [message] = violations(workflow_least_privilege, workflow_file)
    assert "has no top-level 'permissions'" in message


@pytest.mark.parametrize("top", ["permissions: read-all\n", "permissions: {}\n"])
def test_read_only_spellings(workflow_file: dict[str, Any], top: str) -> None:
    edit(workflow_file, "permissions:\n  contents: read\n", top)
    assert violations(workflow_least_privilege, workflow_file) == []


def test_write_all_on_a_job(workflow_file: dict[str, Any]) -> None:
    edit(workflow_file, "    permissions:\n      issues: write\n", "    permissions: write-all\n")
    [message] = violations(workflow_least_privilege, workflow_file)
    assert "job 'bug-logger' grants 'write-all'" in message


def test_pull_request_target_trigger(workflow_file: dict[str, Any]) -> None:
    edit(workflow_file, "  pull_request:\n", "  pull_request_target:\n")
    [message] = violations(workflow_least_privilege, workflow_file)
    assert "pull_request_target" in message


# actions-pinned-to-sha


def test_action_pinned_to_tag(workflow_file: dict[str, Any], sha: str) -> None:
    edit(workflow_file, f"astral-sh/ruff-action@{sha}", "astral-sh/ruff-action@v3")
    [message] = violations(actions_pinned_to_sha, workflow_file)
    assert "['astral-sh/ruff-action@v3']" in message


def test_reusable_workflow_pinned_to_branch(workflow_file: dict[str, Any]) -> None:
    edit(
        workflow_file,
        "  bug-logger:\n",
        "  shared:\n    uses: org/workflows/.github/workflows/ci.yml@main\n  bug-logger:\n",
    )
    assert (
        "org/workflows/.github/workflows/ci.yml@main"
        in violations(actions_pinned_to_sha, workflow_file)[0]
    )


def test_workflow_without_jobs(workflow_file: dict[str, Any]) -> None:
    workflow_file["inputs"]["content"] = "on: push\npermissions: {}\n"
    assert violations(actions_pinned_to_sha, workflow_file) == []
