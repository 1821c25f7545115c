"""Which jobs of a workflow run, and so report their own check, on a merge queue's `merge_group`
run; and so which required checks a branch with a merge queue can have.

Sources (GitHub Docs unless said):
- "Managing a merge queue", "Triggering merge group checks with GitHub Actions": "You **must**
  use the `merge_group` event to trigger your GitHub Actions workflow when a pull request is added
  to a merge queue", with the note (reusable `actions/merge-group-event-with-required-checks`):
  "If your repository uses GitHub Actions to perform required checks on pull requests in your
  repository, you need to update the workflows to include the `merge_group` event as an
  additional trigger. Otherwise, status checks will not be triggered when you add a pull request
  to a merge queue. The merge will fail as the required status check will not be reported. The
  `merge_group` event is separate from the `pull_request` and `push` events." The same page: "A
  merge queue will wait for required checks to be reported before it can proceed with merging",
  and its example of a workflow reporting a required check is `on: {pull_request:,
  merge_group:}`.
- GitHub's REST description (`repository-rule-merge-queue`, `check_response_timeout_minutes`):
  "After this much time has elapsed, checks that have not reported a conclusion will be assumed
  to have failed": a required check that nothing reports fails every merge group.
- "Events that trigger workflows", `merge_group`: activity type `checks_requested`, "Although
  only the `checks_requested` activity type is supported, specifying the activity type will keep
  your workflow specific if more activity types are added in the future"; `GITHUB_SHA` is the
  merge group's SHA, `GITHUB_REF` its ref (`refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`).
- GitHub changelog, 2022-08-18, "Merge group webhook event and GitHub Actions workflow trigger":
  `merge_group: branches: [ main ]` "triggers on [...] merge groups targeting the `main` branch"
  (the branch matched is the queue's base branch, with the filter syntax of branch_filters.py).
- A job skipped by its condition reports "Success" and one that needs a skipped job is skipped
  (the sources of pull_request_jobs.py): on a merge group such a job's check is green without
  having run, so it checks nothing the queue merges.

Each case is one merge group into `base`: the workflow's jobs (every job that runs succeeds) and
`checks`, each job's conclusion (`success` or `skipped`; a job not in `checks` reports nothing).
`runs`: the jobs that run, and so really report, on every merge group into `base`, by the rule of
pull_request_jobs.py (no condition or an always-true one, no continue-on-error, needing only jobs
that run) once the workflow runs on merge groups into `base`; None where only a reading of the
condition could decide (implementations leave such jobs out). A required check of a branch with a
merge queue must be a check of a job in `runs`.

Tested against: `workflows/checks.py` (`merge_group_job_ids`, on the cases without a filter: its
model's trigger has none) and the policy pack (`pipeline.merge_group_job_ids`), the pipeline
runner (`checks`, for the workflows it is given: the caller decides which events start one). Not
the GitHub double: it runs no workflows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

from tests.github_facts.pull_request_jobs import ON_PUSH_TO_MAIN, Job

Conclusion = Literal["success", "skipped"]


class Workflow(NamedTuple):
    """The jobs, in file order, and the `merge_group` trigger (next to `pull_request` on main)."""

    jobs: tuple[Job, ...]
    merge_group: bool = True  # whether `on:` has `merge_group` at all
    branches: tuple[str, ...] | None = None  # its `branches` filter; None: every base branch
    types: tuple[str, ...] | None = None  # its `types`; None: every activity type


class Case(NamedTuple):
    title: str
    workflow: Workflow
    base: str
    checks: Mapping[str, Conclusion]
    runs: tuple[str, ...] | None


# Like the rendered pipeline with `merge_queue`: quality jobs, a build needing one, a deployment
# only on pushes to main, a bug logger on failure() and a gate on always().
PIPELINE_JOBS = (
    Job("lint"),
    Job("test"),
    Job("build", needs=("lint",)),
    Job("deploy", needs=("test", "build"), if_=ON_PUSH_TO_MAIN),
    Job("bug-logger", needs=("lint", "test", "build", "deploy"), if_="failure()"),
    Job("gate", needs=("lint", "test", "build"), if_="${{ always() }}"),
)
PIPELINE_CHECKS: Mapping[str, Conclusion] = {
    "lint": "success",
    "test": "success",
    "build": "success",
    "deploy": "skipped",
    "bug-logger": "skipped",
    "gate": "success",
}
PIPELINE_RUNS = ("lint", "test", "build", "gate")

# A job kept to pull requests by its condition, and one that needs it.
PULL_REQUEST_ONLY = (
    Job("lint"),
    Job("preview", if_="github.event_name == 'pull_request'"),
    Job("after-preview", needs=("preview",)),
)

CASES: tuple[Case, ...] = (
    Case(
        "merge_group without a filter: every job without a condition runs; the push-only and "
        "failure() jobs are skipped",
        Workflow(PIPELINE_JOBS),
        "main",
        PIPELINE_CHECKS,
        PIPELINE_RUNS,
    ),
    Case(
        "no merge_group trigger: the workflow does not run on a merge group, no check is "
        "reported (the queue waits, then fails the group)",
        Workflow(PIPELINE_JOBS, merge_group=False),
        "main",
        {},
        (),
    ),
    Case(
        "a job conditioned on the pull_request event is skipped on a merge group, and so is "
        "the job that needs it",
        Workflow(PULL_REQUEST_ONLY),
        "main",
        {"lint": "success", "preview": "skipped", "after-preview": "skipped"},
        ("lint",),
    ),
    Case(
        "a job conditioned on the merge_group event runs there; only its condition says so",
        Workflow((Job("lint"), Job("queue-only", if_="github.event_name == 'merge_group'"))),
        "main",
        {"lint": "success", "queue-only": "success"},
        None,
    ),
    Case(
        "a branches filter that admits the queue's base branch",
        Workflow(PIPELINE_JOBS, branches=("main", "release/**")),
        "main",
        PIPELINE_CHECKS,
        PIPELINE_RUNS,
    ),
    Case(
        "a branches filter that leaves the queue's base branch out: no check is reported",
        Workflow(PIPELINE_JOBS, branches=("release/**",)),
        "main",
        {},
        (),
    ),
    Case(
        "types: [checks_requested], the activity type GitHub sends",
        Workflow(PIPELINE_JOBS, types=("checks_requested",)),
        "main",
        PIPELINE_CHECKS,
        PIPELINE_RUNS,
    ),
)
