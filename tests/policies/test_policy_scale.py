"""The pack at scale: a workflow text shared by many repositories is parsed and derived once."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
import yaml

from policies.evaluate import evaluate_resources
from policies.guardrails import pipeline
from tests.policies.conftest import CI_WORKFLOW
from tests.policies.helpers import Plan

CACHED = (
    pipeline._parse,
    pipeline.workflow_checks,
    pipeline.workflow_permission_problems,
    pipeline.workflow_unpinned_actions,
)


@pytest.fixture(autouse=True)
def empty_caches() -> Iterator[None]:
    for function in CACHED:
        function.cache_clear()
    yield
    for function in CACHED:
        function.cache_clear()


def repositories(plan: Plan, count: int) -> Plan:
    """`count` copies of the one-repository plan, repository `backend` renamed `backend-N`."""
    copies: Plan = []
    for index in range(count):
        name = f"backend-{index}"
        for resource in copy.deepcopy(plan):
            resource["name"] = resource["name"].replace("backend", name, 1)
            resource["urn"] = resource["urn"].replace("::backend", f"::{name}", 1)
            key = "name" if resource["type"].endswith(":Repository") else "repository"
            resource["inputs"][key] = name
            copies.append(resource)
    return copies


def misses() -> dict[str, int]:
    return {function.__name__: function.cache_info().misses for function in CACHED}


def test_one_workflow_text_in_50_repositories_is_parsed_and_derived_once(plan: Plan) -> None:
    stack = repositories(plan, 50)
    assert evaluate_resources(stack) == []
    assert misses() == {
        "_parse": 1,
        "workflow_checks": 1,
        "workflow_permission_problems": 1,
        "workflow_unpinned_actions": 1,
    }


def test_each_distinct_text_is_derived_on_its_own(plan: Plan) -> None:
    stack = repositories(plan, 20)
    # One repository's workflow renames its lint check: only its protection differs from it.
    odd = next(r for r in stack if r["name"] == "backend-7-ci")
    odd["inputs"]["content"] = CI_WORKFLOW.replace("name: Lint Check (Ruff)", "name: Lint (Ruff)")
    (violation,) = evaluate_resources(stack)
    assert violation.policy_name == "required-checks-match-pipeline"
    assert "repository 'backend-7'" in violation.message
    assert "'Lint (Ruff)'" in violation.message
    assert misses()["_parse"] == 2


def test_a_broken_text_is_reported_for_every_repository_that_has_it(plan: Plan) -> None:
    stack = repositories(plan, 3)
    for resource in stack:
        if resource["type"].endswith(":RepositoryFile"):
            resource["inputs"]["content"] = "on: [unclosed"
    by_policy: dict[str, int] = {}
    for violation in evaluate_resources(stack):
        if "is not valid YAML" in violation.message:
            by_policy[violation.policy_name] = by_policy.get(violation.policy_name, 0) + 1
    assert by_policy == {
        "required-checks-match-pipeline": 3,
        "workflow-least-privilege": 3,
        "actions-pinned-to-sha": 3,
    }
    assert misses()["_parse"] == 1


def test_workflows_are_parsed_with_libyaml_when_pyyaml_has_it() -> None:
    if yaml.__with_libyaml__:
        assert pipeline._LOADER is yaml.CSafeLoader
    else:
        assert pipeline._LOADER is yaml.SafeLoader
    # The same document either way, `on:` read as True by both (YAML 1.1).
    assert pipeline.load_workflow(CI_WORKFLOW) == yaml.load(CI_WORKFLOW, Loader=yaml.SafeLoader)
