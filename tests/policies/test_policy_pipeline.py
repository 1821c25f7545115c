"""How the pack reads a workflow: GitHub's check names and which jobs run on every PR."""

from __future__ import annotations

import pytest

from policies.guardrails.pipeline import (
    WorkflowError,
    action_references,
    branch_matches,
    is_pinned,
    is_workflow_path,
    job_checks,
    load_workflow,
    matrix_combinations,
    permission_problems,
    pull_request_checks,
    required_job_ids,
    triggers,
)
from tests.github_facts import check_names
from tests.github_facts.branch_filters import CASES as BRANCH_FILTERS
from tests.github_facts.branch_filters import Case as BranchFilterCase


def checks(text: str, branch: str = "main") -> list[str]:
    return list(pull_request_checks(load_workflow(text), branch).checks)


def test_realistic_workflow_reports_lint_and_matrix_legs(
    ci_workflow: str, ci_checks: list[str]
) -> None:
    workflow = load_workflow(ci_workflow)
    assert required_job_ids(workflow, "main") == ["lint", "test"]
    assert checks(ci_workflow) == ci_checks


@pytest.mark.parametrize(
    "on",
    [
        "on: pull_request",
        "on: [push, pull_request]",
        "on:\n  pull_request:\n",
        '"on":\n  pull_request: {}\n',
        "true:\n  pull_request:\n",
    ],
)
def test_pull_request_trigger_in_every_spelling(on: str) -> None:
    text = f"{on}\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
    assert "pull_request" in triggers(load_workflow(text))
    assert checks(text) == ["build"]


def test_unquoted_on_is_read_as_boolean_true_by_pyyaml() -> None:
    assert True in load_workflow("on: pull_request\njobs: {}\n")


@pytest.mark.parametrize(
    "trigger",
    [
        "on: push",
        "on:\n  pull_request:\n    branches: [release/**]\n",
        "on:\n  pull_request:\n    branches-ignore: [main]\n",
        "on:\n  pull_request:\n    branches: ['**', '!main']\n",
        "on:\n  pull_request:\n    paths: [src/**]\n",
        "on:\n  pull_request:\n    types: [labeled]\n",
    ],
)
def test_workflow_not_run_on_every_pull_request_to_main_reports_nothing(trigger: str) -> None:
    assert checks(f"{trigger}\njobs:\n  build:\n    runs-on: ubuntu-latest\n") == []


def test_job_without_name_is_its_id_and_workflow_name_is_not_part() -> None:
    text = "name: CI\non: pull_request\njobs:\n  unit-tests:\n    runs-on: x\n"
    assert checks(text) == ["unit-tests"]


def test_an_unquoted_matrix_number_is_named_as_yaml_reads_it() -> None:
    job = {"name": "Test", "strategy": {"matrix": {"os": ["linux", "mac"], "python": [3.12]}}}
    assert job_checks("test", job) == ["Test (linux, 3.12)", "Test (mac, 3.12)"]


def test_matrix_include_extends_or_adds_and_exclude_removes() -> None:
    matrix = {
        "os": ["linux", "mac"],
        "python": ["3.11", "3.12"],
        "exclude": [{"os": "mac", "python": "3.11"}],
        "include": [{"os": "linux", "experimental": True}, {"os": "windows", "python": "3.12"}],
    }
    assert matrix_combinations(matrix) == [
        {"os": "linux", "python": "3.11", "experimental": True},
        {"os": "linux", "python": "3.12", "experimental": True},
        {"os": "mac", "python": "3.12"},
        {"os": "windows", "python": "3.12"},
    ]
    assert job_checks("t", {"strategy": {"matrix": matrix}})[0] == "t (linux, 3.11, true)"


def test_unquoted_version_is_a_number_as_github_reads_it() -> None:
    text = "on: pull_request\njobs:\n  t:\n    strategy:\n      matrix:\n        py: [3.10, 3]\n"
    assert checks(text) == ["t (3.1)", "t (3)"]


def test_matrix_from_expression_cannot_be_derived() -> None:
    text = "on: pull_request\njobs:\n  t:\n    strategy:\n      matrix: ${{ fromJSON(x) }}\n"
    derived = pull_request_checks(load_workflow(text), "main")
    assert derived.checks == ()
    assert "expression" in derived.problems[0]


@pytest.mark.parametrize(
    ("job", "required"),
    [
        ("    if: always()\n", True),
        ("    if: ${{ always() }}\n", True),
        ("    if: true\n", True),
        ("    if: github.event_name == 'pull_request'\n", False),
        ("    if: failure()\n", False),
        ("    continue-on-error: true\n", False),
        ("    continue-on-error: ${{ matrix.experimental }}\n", False),
        ("    continue-on-error: false\n", True),
        ("    needs: gate\n", False),
        ("    needs: [lint]\n", True),
        ("    needs: [missing]\n", False),
    ],
)
def test_only_jobs_that_always_run_are_required(job: str, required: bool) -> None:
    text = (
        "on: pull_request\njobs:\n"
        "  lint:\n    runs-on: x\n"
        "  gate:\n    runs-on: x\n    if: github.actor != 'bot'\n"
        f"  build:\n    runs-on: x\n{job}"
    )
    assert ("build" in checks(text)) is required


def test_reusable_workflow_job_is_a_problem_not_a_guess() -> None:
    text = "on: pull_request\njobs:\n  call:\n    uses: ./.github/workflows/reusable.yml\n"
    derived = pull_request_checks(load_workflow(text), "main")
    assert derived.checks == ()
    assert "reusable workflow" in derived.problems[0]


@pytest.mark.parametrize("text", ["on: [unclosed", "- a list\n", "just text"])
def test_non_workflow_text_is_an_error(text: str) -> None:
    with pytest.raises(WorkflowError):
        load_workflow(text)


def test_workflow_paths() -> None:
    assert is_workflow_path(".github/workflows/ci.yml")
    assert is_workflow_path(".github/workflows/ci.yaml")
    assert not is_workflow_path(".github/dependabot.yml")
    assert not is_workflow_path(".github/workflows/README.md")


def test_pinning(sha: str, ci_workflow: str) -> None:
    assert is_pinned(f"actions/checkout@{sha}")
    assert is_pinned("./.github/actions/local")
    assert is_pinned("docker://alpine:3.20")
    assert not is_pinned("actions/checkout@v4")
    assert not is_pinned(f"actions/checkout@{sha[:12]}")
    assert not is_pinned("actions/checkout")
    assert "./.github/actions/log-bug" in action_references(load_workflow(ci_workflow))


@pytest.mark.parametrize(
    ("permissions", "problems"),
    [
        ("permissions: read-all\n", 0),
        ("permissions: {}\n", 0),
        ("permissions:\n  contents: read\n  id-token: none\n", 0),
        ("", 1),
        ("permissions: write-all\n", 1),
        ("permissions:\n  contents: write\n  packages: write\n", 2),
    ],
)
def test_permission_problems(permissions: str, problems: int) -> None:
    text = f"on: push\n{permissions}jobs:\n  a:\n    permissions:\n      contents: write\n"
    assert len(permission_problems(load_workflow(text))) == problems


@pytest.mark.parametrize("case", BRANCH_FILTERS, ids=lambda c: f"{c.patterns}-{c.branch}")
def test_the_packs_branch_filters_match_githubs_documented_cases(case: BranchFilterCase) -> None:
    assert branch_matches(list(case.patterns), case.branch) is case.matches


@pytest.mark.parametrize("case", check_names.CASES, ids=lambda c: f"{c.name}-{c.matrix}")
def test_the_pack_names_job_checks_as_github_names_them(case: check_names.Case) -> None:
    job: dict[str, object] = {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}
    if case.name is not None:
        job["name"] = case.name
    if case.matrix:
        job["strategy"] = {"matrix": {key: list(values) for key, values in case.matrix}}
    assert tuple(job_checks(case.job_id, job)) == case.checks
