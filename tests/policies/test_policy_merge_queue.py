"""merge-queue-checks-on-merge-group: a ruleset with a merge queue requires only checks a job
reports on every merge group; and the pack's reading of a workflow against the shared facts
(tests/github_facts/merge_group_jobs.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policies.evaluate import evaluate_resources
from policies.guardrails import merge_queue_checks_on_merge_group as policy
from policies.guardrails.pipeline import merge_group_job_ids
from tests.github_facts import merge_group_jobs as facts
from tests.policies.conftest import CI_CHECKS, CI_WORKFLOW, STACK
from tests.policies.helpers import Plan, inputs, stack_violations

RULESET_URN = f"{STACK}github:index/repositoryRuleset:RepositoryRuleset::backend-protection"
# The rule as the program sends it (baseline.resources.component.MERGE_QUEUE), camelCase.
MERGE_QUEUE = {
    "mergeMethod": "MERGE",
    "groupingStrategy": "ALLGREEN",
    "maxEntriesToBuild": 5,
    "minEntriesToMerge": 1,
    "maxEntriesToMerge": 5,
    "minEntriesToMergeWaitMinutes": 5,
    "checkResponseTimeoutMinutes": 60,
}
PULL_REQUEST_TRIGGER = "  pull_request:\n    branches: [main]\n"
QUEUED_WORKFLOW = CI_WORKFLOW.replace(
    PULL_REQUEST_TRIGGER, PULL_REQUEST_TRIGGER + "  merge_group:\n", 1
)


# --- The pack's reading against the shared facts ------------------------------------------------


def as_yaml(workflow: facts.Workflow) -> dict[str, Any]:
    """The case's workflow as the pack reads a parsed workflow file (also on pull requests)."""
    on: dict[str, Any] = {"pull_request": {"branches": ["main"]}}
    if workflow.merge_group:
        config: dict[str, Any] = {}
        if workflow.branches is not None:
            config["branches"] = list(workflow.branches)
        if workflow.types is not None:
            config["types"] = list(workflow.types)
        on["merge_group"] = config or None
    jobs: dict[str, Any] = {}
    for job in workflow.jobs:
        body: dict[str, Any] = {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}
        if job.needs:
            body["needs"] = list(job.needs)
        if job.if_ is not None:
            body["if"] = job.if_
        jobs[job.id] = body
    return {"on": on, "jobs": jobs}


DECIDED = [case for case in facts.CASES if case.runs is not None]


@pytest.mark.parametrize("case", DECIDED, ids=lambda case: case.title)
def test_the_pack_runs_the_jobs_github_runs_on_every_merge_group(case: facts.Case) -> None:
    assert tuple(merge_group_job_ids(as_yaml(case.workflow), case.base)) == case.runs


# --- The policy: a compliant case, violating cases, missing properties -------------------------


def queued(plan: Plan, workflow: str = QUEUED_WORKFLOW) -> Plan:
    """The plan's repository with a merge queue on its ruleset and `workflow` committed."""
    resources = copy.deepcopy(plan)
    inputs(resources, "RepositoryRuleset")["rules"]["mergeQueue"] = dict(MERGE_QUEUE)
    inputs(resources, "RepositoryFile")["content"] = workflow
    return resources


def test_compliant_every_required_check_runs_on_merge_groups(plan: Plan) -> None:
    resources = queued(plan)
    assert stack_violations(policy, resources) == []
    # and the whole pack agrees
    assert evaluate_resources(resources) == []


def test_violating_without_the_merge_group_trigger(plan: Plan) -> None:
    (message,) = stack_violations(policy, queued(plan, CI_WORKFLOW), with_urn=True)
    assert message.startswith(f"{RULESET_URN} repository 'backend', branch 'main': ")
    assert "RepositoryRuleset 'backend-protection' has a merge queue" in message
    assert message.endswith(
        f"not reported there by a job that ran: {CI_CHECKS}: it has no merge_group trigger "
        "(RepositoryFile 'backend-ci')"
    )


def test_violating_a_branches_filter_that_leaves_the_branch_out(plan: Plan) -> None:
    filtered = QUEUED_WORKFLOW.replace(
        "  merge_group:\n", "  merge_group:\n    branches: [release/**]\n", 1
    )
    (message,) = stack_violations(policy, queued(plan, filtered))
    assert "its merge_group branches filter leaves out 'main'" in message


def test_violating_a_required_job_conditioned_off_on_merge_groups(plan: Plan) -> None:
    # Required by hand: the audit job (continue-on-error) and the push-only readiness check.
    resources = queued(plan)
    required = inputs(resources, "RepositoryRuleset")["rules"]["requiredStatusChecks"]
    for check in ("Security Audit", "Deployment Readiness Check"):
        required["requiredChecks"].append({"context": check, "integrationId": 15368})
    (message,) = stack_violations(policy, resources)
    assert "['Security Audit']: job 'security-audit' may continue on error" in message
    assert (
        "['Deployment Readiness Check']: job 'deployment-readiness' has "
        "'if: github.event_name == 'push'', which may skip it there" in message
    )


def test_violating_a_check_no_workflow_reports(plan: Plan) -> None:
    resources = queued(plan)
    required = inputs(resources, "RepositoryRuleset")["rules"]["requiredStatusChecks"]
    required["requiredChecks"].append({"context": "Typo Check", "integrationId": 15368})
    (message,) = stack_violations(policy, resources)
    assert "['Typo Check']: no workflow file reports it" in message


def test_a_classic_protection_on_the_branch_adds_its_checks(plan: Plan) -> None:
    resources = queued(plan)
    resources.append(
        {
            "urn": f"{STACK}github:index/branchProtectionV3:BranchProtectionV3::backend-main",
            "type": "github:index/branchProtectionV3:BranchProtectionV3",
            "name": "backend-main",
            "parent": None,
            "inputs": {
                "repository": "backend",
                "branch": "main",
                "requiredStatusChecks": {"strict": True, "checks": ["Docs:15368"]},
            },
            "options": {},
        }
    )
    (message,) = stack_violations(policy, resources)
    assert message.endswith(
        "not reported there by a job that ran: ['Docs']: no workflow file reports it"
    )


def test_missing_no_merge_queue_rule_nothing_is_judged(plan: Plan) -> None:
    # The plain plan's workflow has no merge_group trigger, and its ruleset no merge queue.
    assert "merge_group" not in inputs(plan, "RepositoryFile")["content"]
    assert stack_violations(policy, plan) == []


def test_missing_a_disabled_ruleset_or_a_workflow_without_content_is_not_judged(
    plan: Plan,
) -> None:
    disabled = queued(plan, CI_WORKFLOW)
    inputs(disabled, "RepositoryRuleset")["enforcement"] = "disabled"
    assert stack_violations(policy, disabled) == []
    unreadable = queued(plan, CI_WORKFLOW)
    del inputs(unreadable, "RepositoryFile")["content"]
    # Reported by required-checks-match-pipeline, not twice.
    assert stack_violations(policy, unreadable) == []
