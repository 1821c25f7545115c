"""Required checks derived from the pipeline, by GitHub's naming rules."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from tests.github_facts import check_names
from tests.github_facts.branch_filters import CASES as BRANCH_FILTERS
from tests.github_facts.branch_filters import Case as BranchFilterCase
from workflows.backend_ci import backend_ci
from workflows.checks import job_checks, required_checks
from workflows.filters import branch_matches
from workflows.model import Job, Matrix, Step, Workflow
from workflows.options import BackendCiOptions
from workflows.render import render

SEED_CHECKS = (
    "Lint Check (Ruff)",
    "Format Check (Black)",
    "Type Check (MyPy)",
    "Test Suite (Pytest)",
    "Build Verification",
)


def test_defaults_require_exactly_the_seed_checks() -> None:
    assert required_checks(backend_ci(), "main") == SEED_CHECKS


def test_two_version_matrix_gives_one_test_check_per_version() -> None:
    workflow = backend_ci(BackendCiOptions(python_versions=("3.11", "3.12")))
    assert required_checks(workflow, "main") == (
        "Lint Check (Ruff)",
        "Format Check (Black)",
        "Type Check (MyPy)",
        "Test Suite (Pytest) (3.11)",
        "Test Suite (Pytest) (3.12)",
        "Build Verification",
    )


def test_three_version_matrix() -> None:
    workflow = backend_ci(BackendCiOptions(python_versions=("3.10", "3.11", "3.12")))
    tests = [c for c in required_checks(workflow, "main") if c.startswith("Test Suite")]
    assert tests == [f"Test Suite (Pytest) ({v})" for v in ("3.10", "3.11", "3.12")]


def test_matrix_in_the_yaml_matches_the_checks() -> None:
    workflow = backend_ci(BackendCiOptions(python_versions=("3.11", "3.12")))
    data = yaml.safe_load(render(workflow))
    assert data["jobs"]["test"]["strategy"]["matrix"]["python-version"] == ["3.11", "3.12"]


def _rename(workflow: Workflow, job_id: str, name: str) -> Workflow:
    jobs = tuple(
        dataclasses.replace(job, name=name) if job.id == job_id else job for job in workflow.jobs
    )
    return dataclasses.replace(workflow, jobs=jobs)


def test_renaming_a_job_changes_the_yaml_and_the_checks_together() -> None:
    renamed = _rename(backend_ci(), "lint", "Lint (Ruff)")
    assert "Lint (Ruff)" in required_checks(renamed, "main")
    assert "Lint Check (Ruff)" not in required_checks(renamed, "main")
    data = yaml.safe_load(render(renamed))
    assert data["jobs"]["lint"]["name"] == "Lint (Ruff)"


def test_conditional_and_informational_jobs_are_never_required() -> None:
    checks = required_checks(backend_ci(), "main")
    for name in ("Security Audit", "Deployment Readiness Check", "Bug Logger"):
        assert name not in checks


def test_job_needing_an_unrequired_job_is_not_required() -> None:
    workflow = backend_ci()
    jobs = tuple(
        dataclasses.replace(job, needs=(*job.needs, "security-audit")) if job.id == "build" else job
        for job in workflow.jobs
    )
    assert "Build Verification" not in required_checks(
        dataclasses.replace(workflow, jobs=jobs), "main"
    )


def test_always_true_condition_keeps_a_job_required() -> None:
    workflow = backend_ci()
    jobs = tuple(
        dataclasses.replace(job, if_="${{ always() }}") if job.id == "lint" else job
        for job in workflow.jobs
    )
    assert "Lint Check (Ruff)" in required_checks(dataclasses.replace(workflow, jobs=jobs), "main")


def test_no_checks_when_pull_requests_to_the_branch_do_not_trigger() -> None:
    assert required_checks(backend_ci(), "develop") == ()
    assert required_checks(backend_ci(), "bau/hotfix") == SEED_CHECKS
    workflow = backend_ci(BackendCiOptions(pr_branches=("trunk",), default_branch="trunk"))
    assert required_checks(workflow, "trunk") == SEED_CHECKS


@pytest.mark.parametrize("case", BRANCH_FILTERS, ids=lambda c: f"{c.patterns}-{c.branch}")
def test_branch_filters_match_githubs_documented_cases(case: BranchFilterCase) -> None:
    assert branch_matches(case.patterns, case.branch) is case.matches


# The model names every job (a check named by a job's id never comes from workflows/).
NAMED = [case for case in check_names.CASES if case.name is not None]


@pytest.mark.parametrize("case", NAMED, ids=lambda c: f"{c.name}-{c.matrix}")
def test_job_checks_are_named_as_github_names_them(case: check_names.Case) -> None:
    assert case.name is not None
    job = Job(
        id=case.job_id,
        name=case.name,
        steps=(Step(name="x", run="true"),),
        timeout_minutes=5,
        strategy=Matrix(case.matrix) if case.matrix else None,
    )
    assert job_checks(job) == case.checks
