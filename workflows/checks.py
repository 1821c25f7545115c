"""The status checks a workflow reports on every pull request: the protection's required checks.

GitHub's rules (shared facts, "How GitHub names a required status check"): a job's check is its
`name` (or id); a matrix job gives one check per combination, `NAME (v1, v2)`, unless its name
interpolates `${{ matrix.* }}`. Only jobs that always run on a pull request may be required: the
workflow triggers on pull requests to the branch, the job has no condition (an always-true one,
`true` or `always()`, is fine), does not continue on error, and needs only required jobs (a job
skipped because a job it needs failed reports success: actions/runner#2566). The cases these
rules are tested against: tests/github_facts/pull_request_jobs.py.

A workflow with a gate (`workflows.gate`) asks for one check only: the gate's, which fails unless
every other required job succeeded. `required_job_ids` still lists every job that reports a
check on each pull request, the gate included (last).

A branch with a merge queue waits for its required checks on the queue's `merge_group` runs too
(GitHub Docs, "Managing a merge queue": "You must use the merge_group event to trigger your
GitHub Actions workflow when a pull request is added to a merge queue"). A job runs on every
merge group when the workflow triggers on `merge_group` and the job would run on every pull
request by the rule above; `merge_queue_checks` refuses a workflow that would leave a required
check unreported there. The cases: tests/github_facts/merge_group_jobs.py.
"""

from __future__ import annotations

import re

from workflows.filters import branch_matches
from workflows.model import Job, Workflow

_ALWAYS = re.compile(r"^\s*(\$\{\{\s*)?always\(\)(\s*\}\})?\s*$")
# `if: true` is `success() && true` (GitHub Docs, "Evaluate expressions in workflows and actions",
# "Status check functions": "A default status check of success() is applied unless you include
# one of these functions"): it runs exactly when no `if` would.
_TRUE = re.compile(r"^\s*(\$\{\{\s*)?true(\s*\}\})?\s*$")
_MATRIX_EXPR = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")


def _always_runs(job: Job) -> bool:
    """No `continue-on-error`, and an `if` that holds whenever what the job needs succeeded."""
    if job.continue_on_error:
        return False
    return job.if_ is None or bool(_ALWAYS.match(job.if_) or _TRUE.match(job.if_))


def required_job_ids(workflow: Workflow, branch: str) -> tuple[str, ...]:
    """Ids of the jobs that report a check on every pull request to `branch`, in file order."""
    patterns = workflow.on.pull_request_branches
    if patterns is None or not branch_matches(patterns, branch):
        return ()
    return _jobs_that_always_run(workflow)


def merge_group_job_ids(workflow: Workflow) -> tuple[str, ...]:
    """Ids of the jobs that run, and so report their check, on every merge group (a merge
    queue's `merge_group` run), in file order; the model's trigger has no branch filter."""
    if not workflow.on.merge_group:
        return ()
    return _jobs_that_always_run(workflow)


def _jobs_that_always_run(workflow: Workflow) -> tuple[str, ...]:
    """Ids of the jobs that run whenever the workflow does (`_always_runs`, needing only such
    jobs), in file order."""
    required: list[str] = []
    # Repeat until stable, so the result does not depend on the order jobs are listed in.
    changed = True
    while changed:
        changed = False
        for job in workflow.jobs:
            if job.id in required or not _always_runs(job):
                continue
            if all(need in required for need in job.needs):
                required.append(job.id)
                changed = True
    order = {job.id: index for index, job in enumerate(workflow.jobs)}
    return tuple(sorted(required, key=order.__getitem__))


def job_checks(job: Job) -> tuple[str, ...]:
    """The check name(s) one job reports, exactly as GitHub names them."""
    if job.strategy is None:
        return (job.name,)
    combinations = job.strategy.combinations()
    if not _MATRIX_EXPR.search(job.name):
        return tuple(
            f"{job.name} ({', '.join(value for _, value in combination)})"
            for combination in combinations
        )
    return tuple(_interpolate(job.name, dict(combination)) for combination in combinations)


def _interpolate(name: str, matrix: dict[str, str]) -> str:
    return _MATRIX_EXPR.sub(lambda match: matrix.get(match.group(1), ""), name)


def required_checks(workflow: Workflow, branch: str) -> tuple[str, ...]:
    """Every check name to require on `branch` for this workflow, in file order; with a gate
    (`Workflow.gate`), the gate's check alone."""
    job_ids = required_job_ids(workflow, branch)
    if workflow.gate is not None and job_ids:
        return job_checks(_checked_gate(workflow, workflow.gate, job_ids))
    return tuple(check for job_id in job_ids for check in job_checks(workflow.job(job_id)))


def merge_queue_checks(workflow: Workflow, branch: str) -> tuple[str, ...]:
    """`required_checks` for a branch with a merge queue, which waits for each of them on the
    queue's merge groups; ValueError when the workflow would leave one unreported there."""
    checks = required_checks(workflow, branch)
    running = merge_group_job_ids(workflow)
    reported = {check for job_id in running for check in job_checks(workflow.job(job_id))}
    unreported = [check for check in checks if check not in reported]
    if not unreported:
        return checks
    raise ValueError(
        f"a merge queue waits for every required check on its merge_group runs, but workflow "
        f"{workflow.name!r} would not report {unreported} there (its triggers: "
        f"{', '.join(workflow.on.to_yaml())}). It needs the merge_group trigger (GitHub Docs, "
        '"Managing a merge queue": "You must use the merge_group event to trigger your GitHub '
        'Actions workflow when a pull request is added to a merge queue"), and each required job '
        "no condition that skips it there"
    )


def _checked_gate(workflow: Workflow, gate_id: str, job_ids: tuple[str, ...]) -> Job:
    """The gate, once it is known to stand for every other required job: requiring it alone
    must not let a job's failure through."""
    gate = workflow.job(gate_id)
    # Without always() the gate is skipped when a job it needs fails, and skipped is green.
    if gate.id not in job_ids or gate.if_ is None or not _ALWAYS.match(gate.if_):
        raise ValueError(
            f"the gate {gate.id!r} must run on every pull request, also after a failure: "
            f"found if: {gate.if_}, continue-on-error: {gate.continue_on_error}, "
            f"needs: {list(gate.needs)}; it needs `if: ${{{{ always() }}}}`, no "
            "continue-on-error, and only required jobs"
        )
    uncovered = [job_id for job_id in job_ids if job_id != gate.id and job_id not in gate.needs]
    if uncovered:
        raise ValueError(f"the gate {gate.id!r} does not need the required jobs {uncovered}")
    return gate
