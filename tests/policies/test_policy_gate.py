"""required-checks-match-pipeline with a gate job, under every kind of protection.

A workflow's gate job (`if: always()`, not continue-on-error, needing every other job that reports
a required check) may stand for the jobs it needs: a protection may require exactly its check
instead of every check. An OrganizationRuleset is compared, per repository it targets, with what
that repository's workflows report.
"""

from __future__ import annotations

from typing import Any

import pytest

from policies.evaluate import evaluate_resources, stack_args
from policies.guardrails import required_checks_match_pipeline as policy
from policies.guardrails.pipeline import GateJob, load_workflow, pull_request_checks
from tests.policies.conftest import (
    CI_CHECKS,
    CI_WORKFLOW,
    GATE_WORKFLOW,
    ORGANIZATION_RULESET,
    STACK,
    organization_plan,
    organization_ruleset,
)
from tests.policies.helpers import Plan, inputs

NAMES = ["api", "shop-backend", "web"]
RULESET_URN = f"{STACK}{ORGANIZATION_RULESET}::backend"
NOT_A_GATE_WHY = (
    "so when a job it needs fails it is skipped, and a skipped job reports success "
    "(actions/runner#2566)"
)


def violations(resources: Plan) -> list[tuple[str | None, str]]:
    """(urn, message) of each violation of required-checks-match-pipeline."""
    found: list[tuple[str | None, str]] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append((urn, message))

    policy.validate(stack_args(resources), report)
    return found


def workflow_of(resources: Plan, repository: str) -> dict[str, Any]:
    workflow: dict[str, Any] = next(r for r in resources if r["name"] == f"{repository}-ci")
    return workflow


def edit_gate(resources: Plan, repository: str, old: str, new: str) -> None:
    workflow = workflow_of(resources, repository)["inputs"]
    gate_at = workflow["content"].index("  gate:\n")
    head, gate = workflow["content"][:gate_at], workflow["content"][gate_at:]
    assert old in gate
    workflow["content"] = head + gate.replace(old, new)


def require(resources: Plan, kind: str, checks: list[str]) -> None:
    protection = inputs(resources, kind)
    if kind == "BranchProtectionV3":
        protection["requiredStatusChecks"]["checks"] = [f"{check}:15368" for check in checks]
    else:
        protection["rules"]["requiredStatusChecks"]["requiredChecks"] = [
            {"context": check, "integrationId": 15368} for check in checks
        ]


# How the pack recognises a gate from the YAML alone


def gate_jobs(text: str) -> tuple[GateJob, ...]:
    return pull_request_checks(load_workflow(text), "main").gate_jobs


def test_the_gate_is_recognised_and_reports_with_every_other_check() -> None:
    derived = pull_request_checks(load_workflow(GATE_WORKFLOW), "main")
    assert derived.checks == (*CI_CHECKS, "Gate")
    assert derived.gates == (GateJob("gate", ("Gate",), (), tuple(CI_CHECKS)),)


@pytest.mark.parametrize("condition", ["always()", "${{always()}}", "'${{ always() }}'"])
def test_always_with_or_without_braces(condition: str) -> None:
    text = GATE_WORKFLOW.replace("if: ${{ always() }}\n    needs", f"if: {condition}\n    needs")
    assert [job.job_id for job in pull_request_checks(load_workflow(text), "main").gates] == [
        "gate"
    ]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("    if: ${{ always() }}\n", "", f"it has no 'if: always()', {NOT_A_GATE_WHY}"),
        (
            "if: ${{ always() }}",
            "if: success()",
            f"its 'if' is 'success()', not always(), {NOT_A_GATE_WHY}",
        ),
        ("if: ${{ always() }}", "if: true", f"its 'if' is True, not always(), {NOT_A_GATE_WHY}"),
        # `true` alone means `success() && true`: skipped when a job it needs failed.
        (
            "if: ${{ always() }}",
            "if: ${{ true }}",
            f"its 'if' is '${{{{ true }}}}', not always(), {NOT_A_GATE_WHY}",
        ),
        (
            "if: ${{ always() }}",
            "if: ${{ !cancelled() }}",
            f"its 'if' is '${{{{ !cancelled() }}}}', not always(), {NOT_A_GATE_WHY}",
        ),
        (
            "    needs: [lint, test]\n",
            "    needs: [lint, test]\n    continue-on-error: true\n",
            "it may continue on error, so its failure would not block a merge",
        ),
        (
            "needs: [lint, test]",
            "needs: lint",
            "its needs leave out ['test'], which could then fail without failing it",
        ),
    ],
)
def test_what_is_not_a_gate_and_why(old: str, new: str, reason: str) -> None:
    gate_at = GATE_WORKFLOW.index("  gate:\n")
    gate = GATE_WORKFLOW[gate_at:]
    assert old in gate
    jobs = gate_jobs(GATE_WORKFLOW[:gate_at] + gate.replace(old, new, 1))
    (job,) = [job for job in jobs if job.job_id == "gate"]
    assert not job.is_gate
    assert reason in job.problems


def test_jobs_with_needs_that_are_not_gates(ci_workflow: str) -> None:
    # The readiness check (push only) and the bug logger (failure()) need jobs but are no gates.
    jobs = {job.job_id: job for job in gate_jobs(ci_workflow)}
    assert set(jobs) == {"test", "deployment-readiness", "bug-logger"}
    assert not any(job.is_gate for job in jobs.values())
    assert jobs["bug-logger"].problems[0].startswith("its 'if' is 'failure()', not always()")


def test_a_gate_of_a_workflow_not_run_on_pull_requests_is_none() -> None:
    text = GATE_WORKFLOW.replace("  pull_request:\n    branches: [main]\n", "")
    (job,) = [job for job in gate_jobs(text) if job.job_id == "gate"]
    assert "the workflow does not run on every pull request to 'main'" in job.problems


# An OrganizationRuleset compared per repository


def test_organization_ruleset_requiring_the_gate(org_plan: Plan) -> None:
    assert violations(org_plan) == []


def test_organization_ruleset_requiring_every_check_including_the_gate() -> None:
    assert violations(organization_plan(NAMES, checks=[*CI_CHECKS, "Gate"])) == []


def test_organization_ruleset_requiring_every_check_but_the_gate() -> None:
    found = violations(organization_plan(NAMES, checks=CI_CHECKS))
    assert len(found) == 3
    urn, message = found[0]
    assert urn == RULESET_URN
    assert message == (
        "repository 'api', branch 'main': the required checks of OrganizationRuleset 'backend' "
        "differ from the pipeline; reported by the workflows but not required: ['Gate']"
    )


def test_repository_without_a_gate_targeted_by_a_gate_ruleset(org_plan: Plan) -> None:
    workflow_of(org_plan, "shop-backend")["inputs"]["content"] = CI_WORKFLOW
    [(urn, message)] = violations(org_plan)
    assert urn == RULESET_URN
    assert message.startswith(
        "repository 'shop-backend', branch 'main': the required checks of "
        "OrganizationRuleset 'backend' differ from the pipeline; "
    )
    assert f"reported by the workflows but not required: {CI_CHECKS}" in message
    assert "required but not reported on every pull request: ['Gate']" in message
    assert message.endswith(
        "no workflow of the repository has a gate job: 'if: always()', not continue-on-error, "
        "needing every other job that reports a required check"
    )


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("    if: ${{ always() }}\n", "", f"it has no 'if: always()', {NOT_A_GATE_WHY}"),
        ("if: ${{ always() }}", "if: success()", "its 'if' is 'success()', not always()"),
    ],
)
def test_gate_without_always_is_a_violation_that_says_why(
    org_plan: Plan, old: str, new: str, why: str
) -> None:
    edit_gate(org_plan, "web", old, new)
    [(urn, message)] = violations(org_plan)
    assert urn == RULESET_URN
    assert message.startswith("repository 'web', branch 'main': ")
    assert "OrganizationRuleset 'backend'" in message
    assert "job 'gate' of RepositoryFile 'web-ci' is not a gate: " in message
    assert why in message


def test_gate_that_does_not_need_every_required_job(org_plan: Plan) -> None:
    edit_gate(org_plan, "api", "needs: [lint, test]", "needs: [test]")
    [(urn, message)] = violations(org_plan)
    assert urn == RULESET_URN
    assert "repository 'api'" in message
    assert "its needs leave out ['lint'], which could then fail without failing it" in message


def test_gate_may_need_more_than_the_required_jobs(org_plan: Plan) -> None:
    # Also waiting for the audit (continue-on-error) leaves every required job covered.
    edit_gate(org_plan, "api", "needs: [lint, test]", "needs: [lint, test, security-audit]")
    assert violations(org_plan) == []


def test_gate_ruleset_requiring_one_covered_check_too(org_plan: Plan) -> None:
    checks = inputs(org_plan, "OrganizationRuleset")["rules"]["requiredStatusChecks"]
    checks["requiredChecks"].append({"context": "Lint Check (Ruff)", "integrationId": 15368})
    found = violations(org_plan)
    assert len(found) == 3
    message = found[1][1]
    assert "repository 'shop-backend'" in message
    assert "compared with requiring the gate job 'gate' of RepositoryFile 'shop-backend-ci'" in (
        message
    )
    assert "required besides the gate that stands for them: ['Lint Check (Ruff)']" in message
    assert "not reported on every pull request" not in message


def test_layered_repository_and_organization_rulesets(org_plan: Plan, plan: Plan) -> None:
    # api also has its own ruleset requiring every check: the two add up to the full set.
    own = next(r for r in plan if r["type"].endswith(":RepositoryRuleset"))
    own["inputs"]["repository"] = "api"
    own["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"].append(
        {"context": "Gate", "integrationId": 15368}
    )
    org_plan.append(own)
    assert violations(org_plan) == []
    own["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"] = [
        {"context": "Lint Check (Ruff)", "integrationId": 15368}
    ]
    [(urn, message)] = violations(org_plan)
    assert urn == own["urn"]
    assert "RepositoryRuleset 'backend-protection', OrganizationRuleset 'backend'" in message


def test_repository_not_targeted_is_not_compared(org_plan: Plan) -> None:
    workflow_of(org_plan, "web")["inputs"]["content"] = CI_WORKFLOW
    inputs(org_plan, "OrganizationRuleset")["conditions"]["repositoryName"]["excludes"] = ["web"]
    assert violations(org_plan) == []


def test_undecided_target_is_not_compared(org_plan: Plan) -> None:
    workflow_of(org_plan, "web")["inputs"]["content"] = CI_WORKFLOW
    conditions = inputs(org_plan, "OrganizationRuleset")["conditions"]
    del conditions["repositoryName"]
    # Repository ids are assigned on creation: unknown in this plan, so no repository is decided.
    conditions["repositoryIds"] = [1, 2, 3]
    assert violations(org_plan) == []
    for resource in org_plan:
        if resource["type"].endswith(":Repository"):
            resource["inputs"]["repoId"] = NAMES.index(resource["name"]) + 1
    [(_, message)] = violations(org_plan)
    assert "repository 'web'" in message


def test_undecided_organization_ruleset_layered_on_an_own_ruleset(plan: Plan) -> None:
    # backend's own ruleset requires every check but the gate; an organization ruleset that may
    # target it (its id is not known yet) requires the gate: together they may be the full set.
    inputs(plan, "RepositoryFile")["content"] = GATE_WORKFLOW
    plan.append(organization_ruleset("by-id", {"repositoryIds": [42]}))
    assert violations(plan) == []
    inputs(plan, "Repository")["repoId"] = 7
    [(urn, message)] = violations(plan)
    assert urn == inputs_urn(plan, "RepositoryRuleset")
    assert "reported by the workflows but not required: ['Gate']" in message
    inputs(plan, "Repository")["repoId"] = 42
    assert violations(plan) == []


def inputs_urn(resources: Plan, kind: str) -> str:
    urn: str = next(r["urn"] for r in resources if r["type"].endswith(f":{kind}"))
    return urn


def test_disabled_organization_ruleset_is_not_compared(org_plan: Plan) -> None:
    workflow_of(org_plan, "web")["inputs"]["content"] = CI_WORKFLOW
    inputs(org_plan, "OrganizationRuleset")["enforcement"] = "disabled"
    assert violations(org_plan) == []


# The gate form under a repository's own protection


@pytest.fixture(params=["RepositoryRuleset", "BranchProtectionV3"])
def own_protection(
    request: pytest.FixtureRequest, plan: Plan, classic_plan: Plan
) -> tuple[Plan, str]:
    kind: str = request.param
    resources = plan if kind == "RepositoryRuleset" else classic_plan
    inputs(resources, "RepositoryFile")["content"] = GATE_WORKFLOW
    return resources, kind


def test_repository_protection_may_require_only_the_gate(own_protection: tuple[Plan, str]) -> None:
    resources, kind = own_protection
    require(resources, kind, ["Gate"])
    assert violations(resources) == []
    require(resources, kind, [*CI_CHECKS, "Gate"])
    assert violations(resources) == []


def test_repository_protection_requiring_a_gate_the_workflow_lacks(
    own_protection: tuple[Plan, str],
) -> None:
    resources, kind = own_protection
    require(resources, kind, ["Gate"])
    inputs(resources, "RepositoryFile")["content"] = CI_WORKFLOW
    [(urn, message)] = violations(resources)
    protection = next(r for r in resources if r["type"].endswith(f":{kind}"))
    assert urn == protection["urn"]
    assert message.startswith("repository 'backend', branch 'main': the required checks of ")
    assert "no workflow of the repository has a gate job" in message


def test_each_workflow_file_may_be_gated_on_its_own(plan: Plan) -> None:
    workflow = next(r for r in plan if r["type"].endswith(":RepositoryFile"))
    inputs(plan, "RepositoryFile")["content"] = GATE_WORKFLOW
    docs = {**workflow, "name": "backend-docs", "urn": workflow["urn"] + "-docs"}
    docs["inputs"] = {
        **workflow["inputs"],
        "file": ".github/workflows/docs.yml",
        "content": "on: pull_request\npermissions: {}\njobs:\n  docs:\n    runs-on: x\n",
    }
    plan.append(docs)
    require(plan, "RepositoryRuleset", ["Gate", "docs"])
    assert violations(plan) == []
    require(plan, "RepositoryRuleset", [*CI_CHECKS, "Gate", "docs"])
    assert violations(plan) == []
    require(plan, "RepositoryRuleset", ["Gate"])
    [(_, message)] = violations(plan)
    assert "reported by the workflows but not required: ['docs']" in message


def test_the_whole_pack_on_a_gated_organization(org_plan: Plan) -> None:
    workflow_of(org_plan, "web")["inputs"]["content"] = CI_WORKFLOW
    found = evaluate_resources(org_plan)
    assert [(v.policy_name, v.urn) for v in found] == [
        ("required-checks-match-pipeline", RULESET_URN)
    ]
