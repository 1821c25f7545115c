"""The tables hold together: no case contradicts another, and each pull request's `required`
follows from its `checks` by the rule pull_request_jobs.py states."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import pytest

from tests.github_facts import (
    branch_filters,
    check_names,
    merge_group_jobs,
    pull_request_jobs,
    ruleset_targets,
)


def contradictions(answers: Iterable[tuple[Hashable, object]]) -> list[Hashable]:
    """The questions answered twice, differently."""
    seen: dict[Hashable, object] = {}
    return [q for q, a in answers if seen.setdefault(q, a) != a]


QUESTIONS_AND_ANSWERS: dict[str, list[tuple[Hashable, object]]] = {
    "branch_filters": [((c.patterns, c.branch), c.matches) for c in branch_filters.CASES],
    "check_names": [((c.job_id, c.name, c.matrix), c.checks) for c in check_names.CASES],
    "ruleset_targets refs": [
        ((c.include, c.exclude, c.branch, c.default_branch), c.targeted)
        for c in ruleset_targets.REF_CASES
    ],
    "ruleset_targets repositories": [
        ((c.include, c.exclude, c.repository), c.targeted) for c in ruleset_targets.REPOSITORY_CASES
    ],
    "pull_request_jobs": [((c.workflow, c.base), c.required) for c in pull_request_jobs.CASES],
    "merge_group_jobs": [((c.workflow, c.base), c.runs) for c in merge_group_jobs.CASES],
}


@pytest.mark.parametrize("table", QUESTIONS_AND_ANSWERS)
def test_no_case_contradicts_another(table: str) -> None:
    assert contradictions(QUESTIONS_AND_ANSWERS[table]) == []


@pytest.mark.parametrize("case", pull_request_jobs.CASES, ids=lambda case: case.title)
def test_a_started_workflow_reports_a_check_for_every_job(case: pull_request_jobs.Case) -> None:
    if case.checks:
        assert list(case.checks) == [job.id for job in case.workflow.jobs]
    else:
        assert case.required == ()


@pytest.mark.parametrize("case", pull_request_jobs.CASES, ids=lambda case: case.title)
def test_a_required_check_is_green_only_when_its_job_ran_or_a_required_need_did_not_succeed(
    case: pull_request_jobs.Case,
) -> None:
    jobs = {job.id: job for job in case.workflow.jobs}
    for job_id in case.required or ():
        conclusion = case.checks[job_id]
        if conclusion == "skipped":
            blockers = [n for n in jobs[job_id].needs if case.checks[n] != "success"]
            assert blockers, f"{job_id} is skipped although every job it needs succeeded"
            assert set(blockers) <= set(case.required or ()), f"{job_id}: {blockers}"
        elif not case.failing:
            assert conclusion == "success", job_id


@pytest.mark.parametrize("case", merge_group_jobs.CASES, ids=lambda case: case.title)
def test_a_job_that_runs_on_every_merge_group_reports_success_there(
    case: merge_group_jobs.Case,
) -> None:
    if case.checks:
        assert list(case.checks) == [job.id for job in case.workflow.jobs]
    for job_id in case.runs or ():
        assert case.checks[job_id] == "success", job_id
