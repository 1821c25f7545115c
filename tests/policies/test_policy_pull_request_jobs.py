"""The pack's reading of a workflow against the shared facts: which jobs report a check of their
own on every pull request (tests/github_facts/pull_request_jobs.py)."""

from __future__ import annotations

from typing import Any

import pytest

from policies.guardrails.pipeline import required_job_ids
from tests.github_facts import pull_request_jobs as facts


def as_yaml(workflow: facts.Workflow) -> dict[str, Any]:
    """The case's workflow as the pack reads a parsed workflow file."""
    on: dict[str, Any] = {"push": None}
    if workflow.pull_request:
        on["pull_request"] = (
            None if workflow.branches is None else {"branches": list(workflow.branches)}
        )
    jobs: dict[str, Any] = {}
    for job in workflow.jobs:
        body: dict[str, Any] = {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}
        if job.needs:
            body["needs"] = list(job.needs)
        if job.if_ is not None:
            body["if"] = job.if_
        jobs[job.id] = body
    return {"on": on, "jobs": jobs}


DECIDED = [case for case in facts.CASES if case.required is not None]


@pytest.mark.parametrize("case", DECIDED, ids=lambda case: case.title)
def test_the_pack_requires_the_jobs_github_reports_on_every_pull_request(
    case: facts.Case,
) -> None:
    assert tuple(required_job_ids(as_yaml(case.workflow), case.base)) == case.required
