"""`workflows/checks.py` against the shared facts: which jobs report a check of their own on every
pull request (tests/github_facts/pull_request_jobs.py)."""

from __future__ import annotations

import pytest

from tests.github_facts import pull_request_jobs as facts
from workflows.checks import required_job_ids
from workflows.model import Job, Step, Triggers, Workflow


def as_model(workflow: facts.Workflow) -> Workflow:
    """The case's workflow in the program's model; each job's check is its id."""
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
    branches = workflow.branches if workflow.pull_request else None
    return Workflow(name="facts", source=__name__, on=Triggers(branches), jobs=jobs)


# The model's `pull_request` trigger always has a `branches` filter (None: no trigger at all),
# and a case without `required` settles only what is reported.
DECIDED = [
    case
    for case in facts.CASES
    if case.required is not None
    and not (case.workflow.pull_request and case.workflow.branches is None)
]


@pytest.mark.parametrize("case", DECIDED, ids=lambda case: case.title)
def test_required_jobs_are_the_ones_github_reports_on_every_pull_request(
    case: facts.Case,
) -> None:
    assert required_job_ids(as_model(case.workflow), case.base) == case.required
