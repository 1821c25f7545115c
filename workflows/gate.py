"""The gate: one last job that needs every required job and fails unless all of them succeeded.

An organization ruleset serves many repositories, whatever their matrices or job names; with the
gate it requires one check, `Gate`, and a job renamed or added never touches the protection (like
pulumi/ci-mgmt's "Sentinel" job). `workflows.checks.required_checks` returns the gate's check
alone when the workflow names one (`Workflow.gate`).

Why `if: ${{ always() }}`: without a condition the gate is skipped when a job it needs failed,
and a skipped job reports success (shared facts, github.md; actions/runner#2566), so a failing
pull request would show a green Gate. `!cancelled()` is not enough either: a cancelled run
(`cancel-in-progress` superseding it, or a person) would skip the gate, green again. With
`always()` the gate still runs when the run is cancelled (GitHub docs, "Canceling a workflow":
the server re-evaluates `if:` and a job whose condition is true is not cancelled), sees the
cancelled jobs' results, and fails: a cancelled run never leaves a green Gate.

What the gate leaves alone, on purpose:
- Pushes to the default branch: deployment readiness already needs the test and build jobs (and
  so, through them, every quality job); the gate runs there too, informational.
- The bug logger: it does not need the gate. The gate fails only when a job it needs did not
  succeed: a failed job already makes the bug logger's `failure()` true, and a cancelled one is
  not a bug (a superseded push). Needing the gate would file issues for cancelled runs.
"""

from __future__ import annotations

import dataclasses

from workflows.checks import required_job_ids
from workflows.model import Job, Step, Workflow
from workflows.scripts import script

GATE_JOB_ID = "gate"
GATE_NAME = "Gate"
GATE_CONDITION = "${{ always() }}"
GATE_TIMEOUT_MINUTES = 5


def gate_job(needs: tuple[str, ...]) -> Job:
    """The gate over these job ids: no checkout, no token scope, one step that reads results."""
    if not needs:
        raise ValueError("a gate needs at least one job: it would pass with nothing checked")
    return Job(
        id=GATE_JOB_ID,
        name=GATE_NAME,
        needs=needs,
        if_=GATE_CONDITION,
        timeout_minutes=GATE_TIMEOUT_MINUTES,
        # `permissions: {}`: the gate reads only the `needs` context, which needs no token scope.
        # Nothing else: no checkout, so no code of the repository runs here.
        working_directory=".",
        steps=(
            Step(
                name="Fail unless every required job succeeded",
                # The results travel as data (`toJSON(needs)` in env), never expanded into the
                # script, and so does the Python: nothing is escaped by hand.
                env={"NEEDS": "${{ toJSON(needs) }}", "GATE": script("gate.py")},
                run='python3 -c "$GATE"',
            ),
        ),
    )


def with_gate(workflow: Workflow, branch: str) -> Workflow:
    """`workflow` with the gate as its last job, needing every job required on pull requests to
    `branch` (in file order), and named as the workflow's gate."""
    if workflow.gate is not None:
        raise ValueError(f"{workflow.name!r} already has a gate: {workflow.gate!r}")
    needs = required_job_ids(workflow, branch)
    return dataclasses.replace(workflow, jobs=(*workflow.jobs, gate_job(needs)), gate=GATE_JOB_ID)
