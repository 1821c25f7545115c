"""The pack at scale: a workflow text shared by many repositories is parsed and derived once,
and an organization ruleset over a thousand repositories costs one match per repository."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator

import pytest
import yaml

from policies.evaluate import evaluate_resources
from policies.guardrails import pipeline, ruleset_patterns, targeting
from tests.policies.conftest import CI_WORKFLOW, organization_plan, organization_ruleset
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


THOUSAND = [f"svc-{index:04d}" for index in range(1000)]


@pytest.fixture
def translations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every name pattern compiled while the test runs."""
    compiled: list[str] = []
    translate: Callable[[str], str | None] = ruleset_patterns.translate

    def counting(pattern: str) -> str | None:
        compiled.append(pattern)
        return translate(pattern)

    monkeypatch.setattr(targeting, "translate", counting)
    return compiled


def test_an_organization_ruleset_over_1000_repositories(translations: list[str]) -> None:
    stack = organization_plan(THOUSAND)
    started = time.perf_counter()
    assert evaluate_resources(stack) == []
    # A generous bound (about 0.3 s here): a policy matching every repository against every
    # listed name would be a million comparisons per policy, and slow far past it.
    assert time.perf_counter() - started < 20
    assert misses() == {
        "_parse": 1,
        "workflow_checks": 1,
        "workflow_permission_problems": 1,
        "workflow_unpinned_actions": 1,
    }
    # The thousand names are literal: looked up in a set, no pattern compiled.
    assert translations == []


def test_ten_rulesets_by_pattern_and_property_over_1000_repositories(
    translations: list[str],
) -> None:
    stack = organization_plan(THOUSAND, by_property=True)
    # Nine more rulesets, each a hundred literal names and two patterns, all requiring the gate.
    for group in range(9):
        names = THOUSAND[group * 100 : (group + 1) * 100]
        stack.append(
            organization_ruleset(
                f"group-{group}",
                {"repositoryName": {"includes": [*names, "svc-9*", "svc-?999"], "excludes": []}},
            )
        )
    # One repository's workflow lost its gate: only it is reported, once per ruleset on it.
    odd = next(r for r in stack if r["name"] == "svc-0123-ci")
    odd["inputs"]["content"] = CI_WORKFLOW
    violations = evaluate_resources(stack)
    assert {v.policy_name for v in violations} == {"required-checks-match-pipeline"}
    assert len(violations) == 1
    assert "repository 'svc-0123'" in violations[0].message
    assert "OrganizationRuleset 'backend', OrganizationRuleset 'group-1'" in violations[0].message
    # Each ruleset's two patterns are compiled once per policy that groups the stack, never
    # once per repository.
    assert len(translations) == 9 * 2 * 3
    assert misses()["_parse"] == 2
