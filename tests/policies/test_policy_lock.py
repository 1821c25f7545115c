"""protection-enforced and workflow-locked: a dry run is reported, and so is a workflow file that
anyone who can push could change, in a stack that locks workflow files."""

from __future__ import annotations

import copy
from typing import Any

from policies.guardrails import protection_enforced, workflow_locked
from tests.policies.conftest import _resource
from tests.policies.helpers import Plan, inputs, stack_violations

WORKFLOW = ".github/workflows/backend-ci.yml"


def lock(repository: str = "backend", paths: list[str] | None = None) -> dict[str, Any]:
    return _resource(
        "github:index/repositoryRuleset:RepositoryRuleset",
        f"{repository}-workflow-lock",
        {
            "repository": repository,
            "name": "repo-baseline: workflow file",
            "target": "push",
            "enforcement": "active",
            "rules": {"filePathRestriction": {"restrictedFilePaths": paths or [WORKFLOW]}},
            "bypassActors": [{"actorType": "Integration", "actorId": 1001, "bypassMode": "always"}],
        },
    )


def private(plan: Plan) -> Plan:
    inputs(plan, "Repository")["visibility"] = "private"
    return plan


def second_repository(plan: Plan, name: str) -> Plan:
    """The plan's repository again under `name`, without its protection and lock."""
    copied = []
    for resource in copy.deepcopy(plan):
        if resource["type"].endswith(":RepositoryRuleset"):
            continue
        key = "name" if resource["type"].endswith(":Repository") else "repository"
        resource["inputs"][key] = name
        resource["urn"] = resource["urn"].rsplit("::", 1)[0] + f"::{name}"
        copied.append(resource)
    return copied


def test_an_enforced_ruleset_is_not_reported(plan: Plan) -> None:
    assert stack_violations(protection_enforced, plan) == []


def test_a_ruleset_in_evaluate_mode_only_is_reported(plan: Plan) -> None:
    inputs(plan, "RepositoryRuleset")["enforcement"] = "evaluate"
    [message] = stack_violations(protection_enforced, plan)
    assert (
        "repository 'backend': its default branch 'main' is protected in evaluate mode" in message
    )
    assert "'baseline'" in message


def test_evaluate_beside_classic_protection_is_not_reported(plan: Plan, classic_plan: Plan) -> None:
    evaluating = next(r for r in plan if r["type"].endswith(":RepositoryRuleset"))
    evaluating["inputs"]["enforcement"] = "evaluate"
    assert stack_violations(protection_enforced, [*classic_plan, evaluating]) == []


def test_a_stack_that_locks_nothing_is_not_held_to_it(plan: Plan) -> None:
    assert stack_violations(workflow_locked, private(plan)) == []


def test_lock_required_reports_every_unlocked_private_repository(plan: Plan) -> None:
    [message] = stack_violations(workflow_locked, private(plan), {"lock_required": True})
    assert f"repository 'backend': {WORKFLOW} can be changed by anyone who can push" in message


def test_a_locked_workflow_file_is_not_reported(plan: Plan) -> None:
    locked = [*private(plan), lock()]
    assert stack_violations(workflow_locked, locked, {"lock_required": True}) == []


def test_in_a_stack_that_locks_one_the_unlocked_other_is_reported(plan: Plan) -> None:
    plan = private(plan)
    stack = [*plan, lock(), *second_repository(plan, "payments")]
    [message] = stack_violations(workflow_locked, stack)
    assert f"repository 'payments': {WORKFLOW}" in message


def test_a_lock_on_another_path_or_in_evaluate_mode_does_not_lock(plan: Plan) -> None:
    plan = private(plan)
    elsewhere = lock(paths=[".github/workflows/other.yml"])
    assert stack_violations(workflow_locked, [*plan, elsewhere], {"lock_required": True})
    evaluating = lock()
    evaluating["inputs"]["enforcement"] = "evaluate"
    assert stack_violations(workflow_locked, [*plan, evaluating], {"lock_required": True})


def test_a_public_repository_is_never_reported(plan: Plan) -> None:
    # The conftest repository is public: push rulesets do not exist there.
    assert stack_violations(workflow_locked, plan, {"lock_required": True}) == []
