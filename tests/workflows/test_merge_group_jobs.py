"""`workflows/checks.py` against the shared facts: which jobs run on every merge group
(tests/github_facts/merge_group_jobs.py); and what the pipeline with `merge_queue` requires."""

from __future__ import annotations

import pytest
import yaml

from tests.github_facts import merge_group_jobs as facts
from workflows.backend_ci import backend_ci
from workflows.checks import (
    job_checks,
    merge_group_job_ids,
    merge_queue_checks,
    required_checks,
)
from workflows.model import Job, Step, Triggers, Workflow
from workflows.options import BackendCiOptions
from workflows.render import render
from workflows.templates import rendered_pipeline


def as_model(workflow: facts.Workflow) -> Workflow:
    """The case's workflow in the program's model (on pull requests to main too); each job's
    check is its id."""
    jobs = tuple(
        Job(
            id=job.id,
            name=job.id,
            steps=(Step(name="step", run="true"),),
            timeout_minutes=5,
            needs=job.needs,
            if_=job.if_,
        )
        for job in workflow.jobs
    )
    triggers = Triggers(pull_request_branches=("main",), merge_group=workflow.merge_group)
    return Workflow(name="facts", source=__name__, on=triggers, jobs=jobs)


# The model's `merge_group` trigger has no filter, and a case without `runs` settles only what
# is reported.
DECIDED = [
    case
    for case in facts.CASES
    if case.runs is not None and case.workflow.branches is None and case.workflow.types is None
]


@pytest.mark.parametrize("case", DECIDED, ids=lambda case: case.title)
def test_the_jobs_that_run_on_every_merge_group_are_the_ones_github_runs(
    case: facts.Case,
) -> None:
    assert merge_group_job_ids(as_model(case.workflow)) == case.runs


def test_without_the_trigger_a_merge_queue_is_refused_naming_the_checks() -> None:
    workflow = as_model(facts.Workflow(facts.PIPELINE_JOBS, merge_group=False))
    with pytest.raises(ValueError, match="a merge queue waits") as refused:
        merge_queue_checks(workflow, "main")
    message = str(refused.value)
    assert "would not report ['lint', 'test', 'build', 'gate'] there" in message
    assert "(its triggers: pull_request)" in message
    assert "You must use the merge_group event" in message


def test_with_the_trigger_a_merge_queue_requires_the_pull_request_checks() -> None:
    workflow = as_model(facts.Workflow(facts.PIPELINE_JOBS))
    assert merge_queue_checks(workflow, "main") == required_checks(workflow, "main")


@pytest.mark.parametrize("gate", [False, True])
def test_the_pipeline_with_merge_queue_runs_on_merge_group_without_a_filter(gate: bool) -> None:
    options = BackendCiOptions(merge_queue=True, gate=gate)
    workflow = backend_ci(options)
    on = yaml.safe_load(render(workflow))["on"]
    assert on["merge_group"] == {}  # no filter: every merge group, whatever its base
    assert "merge_group" not in yaml.safe_load(render(backend_ci(BackendCiOptions())))["on"]
    checks = rendered_pipeline("backend-ci", options).required_checks
    assert checks == required_checks(workflow, "main")
    running = {
        check
        for job_id in merge_group_job_ids(workflow)
        for check in job_checks(workflow.job(job_id))
    }
    assert set(checks) <= running
    assert "Deployment Readiness Check" not in running  # its condition: pushes to main only
