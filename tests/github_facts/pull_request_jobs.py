"""Which jobs of a workflow report a check on a pull request, with which conclusion, and so which
checks a branch protection can require.

Sources (GitHub Docs):
- "Troubleshooting required status checks", "Handling skipped but required checks": "A
  workflow is skipped by path filtering, branch filtering, or a commit message | Associated
  checks stay in a 'Pending' state and block merging" (the pull request shows "Waiting for
  status to be reported": no check is reported); "A job is skipped by a conditional | The job
  reports 'Success'"; "A job depends on a failed job | The dependent job is skipped and may not
  block merging | Use `always()` with `needs` for required checks that depend on other jobs";
  "Successful check statuses are `success`, `skipped`, and `neutral`".
- "Using conditions to control job execution": "Skipped jobs display the message 'This check was
  skipped.'" and "A job that is skipped will report its status as 'Success'. It will not prevent
  a pull request from merging, even if it is a required check."
- "Workflow syntax for GitHub Actions", `jobs.<job_id>.needs`: "If a job fails or is skipped,
  all jobs that need it are skipped unless the jobs use a conditional expression that causes the
  job to continue"; `on.pull_request.branches`: the workflow runs only for pull requests whose
  base branch matches (the matching itself: branch_filters.py).
- "Evaluate expressions in workflows and actions", "Status check functions": "A default status
  check of `success()` is applied unless you include one of these functions"; `failure()`
  "returns true if any ancestor job fails"; `always()` "Causes the step to always execute".
  So `if: true` is `success() && true`: the same as no `if`.

Each case is one pull request: the workflow's jobs, the base branch, which jobs fail when they
run (`failing`; every other job that runs succeeds), and `checks`: each job's check conclusion
(`success`, `failure` or `skipped`); a job not in `checks` reports no check.

`required`: the jobs whose checks a protection can require, from the facts above: the workflow
runs on every pull request to the base, the job's `if` holds whenever the jobs it needs
succeeded without reading anything else (none, `true`, `always()`), and every job it needs is
itself required; then its check is "skipped" (green) only when a required job it needs did not
succeed, whose own check already blocks the merge. That is sufficient, not necessary: a job
whose `if` is `success()` (the default, written out) or true on every pull request for another
reason (`github.event_name == 'pull_request'`), or an `always()` job needing a job that is not
required, also runs on every pull request; no case here decides those (`required` is None where
it would), and the implementations leave such jobs out. `continue-on-error` is left out too:
the docs say that it keeps the run from failing, not what the job's check then concludes.

Tested against: `workflows/checks.py` and the policy pack (`required`), the pipeline runner
(`checks`, where the workflow runs: the runner runs the workflow it is given, whatever the event's
branch). Not the GitHub double: it runs no workflows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

Conclusion = Literal["success", "failure", "skipped"]

# The pipeline's own deployment condition (workflows/backend_ci.py): false on a pull request.
ON_PUSH_TO_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


class Job(NamedTuple):
    """A job as the cases need it: its id (its check's name), `needs` and `if`."""

    id: str
    needs: tuple[str, ...] = ()
    if_: str | None = None


class Workflow(NamedTuple):
    """The jobs, in file order, and the `pull_request` trigger."""

    jobs: tuple[Job, ...]
    pull_request: bool = True  # whether `on:` has `pull_request` at all
    branches: tuple[str, ...] | None = None  # its `branches` filter; None: every base branch


class Case(NamedTuple):
    title: str
    workflow: Workflow
    base: str
    failing: frozenset[str]
    checks: Mapping[str, Conclusion]
    required: tuple[str, ...] | None


# Like the rendered pipeline: quality jobs, a build needing one, a deployment only on pushes to
# main, a bug logger on failure() and a gate on always().
PIPELINE = Workflow(
    (
        Job("lint"),
        Job("test"),
        Job("build", needs=("lint",)),
        Job("deploy", needs=("test", "build"), if_=ON_PUSH_TO_MAIN),
        Job("bug-logger", needs=("lint", "test", "build", "deploy"), if_="failure()"),
        Job("gate", needs=("lint", "test", "build"), if_="${{ always() }}"),
    ),
    branches=("main", "bau/**"),
)
PIPELINE_REQUIRED = ("lint", "test", "build", "gate")

# A job skipped by its condition, a job needing it, and an always() job needing it.
CHAIN = Workflow(
    (
        Job("deploy", if_=ON_PUSH_TO_MAIN),
        Job("after-deploy", needs=("deploy",)),
        Job("notify", needs=("deploy",), if_="always()"),
    ),
    branches=("main",),
)

# `if: true` is `success() && true`: it runs when what it needs succeeded, like no `if`.
LITERAL_TRUE = Workflow(
    (
        Job("lint"),
        Job("build", needs=("lint",), if_="true"),
        Job("docs", if_="${{ true }}"),
    ),
    branches=("main",),
)

UNFILTERED = Workflow((Job("lint"),))
PUSH_ONLY = Workflow((Job("lint"),), pull_request=False)

CASES: tuple[Case, ...] = (
    Case(
        "every job that runs passes: the push-only job and the failure() job are skipped",
        PIPELINE,
        "main",
        frozenset(),
        {
            "lint": "success",
            "test": "success",
            "build": "success",
            "deploy": "skipped",
            "bug-logger": "skipped",
            "gate": "success",
        },
        PIPELINE_REQUIRED,
    ),
    Case(
        "a job fails: what needs it is skipped, failure() and always() jobs run",
        PIPELINE,
        "main",
        frozenset({"lint", "gate"}),
        {
            "lint": "failure",
            "test": "success",
            "build": "skipped",
            "deploy": "skipped",
            "bug-logger": "success",
            "gate": "failure",
        },
        PIPELINE_REQUIRED,
    ),
    Case(
        "a base branch the filter admits by pattern",
        PIPELINE,
        "bau/2025/q1",
        frozenset(),
        {
            "lint": "success",
            "test": "success",
            "build": "success",
            "deploy": "skipped",
            "bug-logger": "skipped",
            "gate": "success",
        },
        PIPELINE_REQUIRED,
    ),
    Case(
        "a base branch the filter leaves out: the workflow does not run, no check is reported",
        PIPELINE,
        "develop",
        frozenset(),
        {},
        (),
    ),
    Case(
        "a job needing a job skipped by its condition is skipped; always() runs anyway",
        CHAIN,
        "main",
        frozenset(),
        {"deploy": "skipped", "after-deploy": "skipped", "notify": "success"},
        None,  # `notify` runs on every pull request, needing a job that is not required
    ),
    Case(
        "if: true runs like no if",
        LITERAL_TRUE,
        "main",
        frozenset(),
        {"lint": "success", "build": "success", "docs": "success"},
        ("lint", "build", "docs"),
    ),
    Case(
        "if: true is skipped when a job it needs failed",
        LITERAL_TRUE,
        "main",
        frozenset({"lint"}),
        {"lint": "failure", "build": "skipped", "docs": "success"},
        ("lint", "build", "docs"),
    ),
    Case(
        "pull_request without a branches filter: every base branch",
        UNFILTERED,
        "release/1.x",
        frozenset(),
        {"lint": "success"},
        ("lint",),
    ),
    Case(
        "no pull_request trigger: no check is reported",
        PUSH_ONLY,
        "main",
        frozenset(),
        {},
        (),
    ),
)
