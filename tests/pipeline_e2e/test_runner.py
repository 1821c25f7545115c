"""The local runner and its expressions, on small workflows of `run:` steps (no Poetry needed):
the GitHub semantics the pipeline tests rely on. Part of `make test`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing.pipeline_runner import (
    Event,
    ExpressionError,
    LocalRunner,
    Machine,
    NotEmulatedError,
    RunResult,
    condition,
    evaluate,
    interpolate,
)
from tests.github_facts import merge_group_jobs, pull_request_jobs

FUNCTIONS: dict[str, Any] = {"success": lambda: True, "failure": lambda: False}
CONTEXT = {
    "github": {"event_name": "push", "ref": "refs/heads/main"},
    "steps": {"venv-cache": {"outputs": {"cache-hit": ""}}},
    "job": {"services": {"postgres": {"ports": {"5432": "49152"}}}},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.event_name == 'push' && github.ref == 'refs/heads/main'", True),
        ("github.event_name == 'PUSH'", True),  # strings compare ignoring case
        ("steps.venv-cache.outputs.cache-hit != 'true'", True),
        ("${{ !cancelled() }}", True),
        ("failure() && github.event_name == 'push'", False),
        ("github.missing || 'fallback'", "fallback"),
        ("job.services.postgres.ports['5432']", "49152"),
    ],
)
def test_expressions_evaluate_as_github_does(expression: str, expected: object) -> None:
    functions = {**FUNCTIONS, "cancelled": lambda: False}
    assert evaluate(expression, CONTEXT, functions) == expected


def test_a_condition_without_a_status_function_needs_success() -> None:
    failed = {"success": lambda: False, "failure": lambda: True}
    assert condition("github.event_name == 'push'", CONTEXT, FUNCTIONS) is True
    assert condition("github.event_name == 'push'", CONTEXT, failed) is False
    assert condition("failure()", CONTEXT, failed) is True


def test_interpolation_and_refusals() -> None:
    port = "${{ job.services.postgres.ports['5432'] }}"
    assert interpolate(f"localhost:{port}", CONTEXT, FUNCTIONS) == "localhost:49152"
    with pytest.raises(ExpressionError):
        evaluate("unknown.context", CONTEXT, FUNCTIONS)
    with pytest.raises(ExpressionError):
        evaluate("fromJSON(github)", CONTEXT, FUNCTIONS)


WORKFLOW = {
    "name": "t",
    "on": {"push": {}},
    "defaults": {"run": {"working-directory": "app"}},
    "env": {"GREETING": "hello"},
    "jobs": {
        "first": {
            "name": "First",
            "runs-on": "ubuntu-latest",
            "steps": [
                {"uses": "actions/checkout@0000000000000000000000000000000000000000"},
                {
                    "id": "out",
                    "run": 'echo "value=$GREETING from $(basename "$PWD")" >> "$GITHUB_OUTPUT"',
                },
                {
                    "name": "uses the output",
                    "env": {"V": "${{ steps.out.outputs.value }}"},
                    "run": 'test "$V" = "hello from app"',
                },
            ],
        },
        "matrix": {
            "name": "Matrix",
            "needs": ["first"],
            "runs-on": "ubuntu-latest",
            "strategy": {"matrix": {"n": ["1", "2", "3"]}},
            "defaults": {"run": {"working-directory": "."}},
            # The failing combination is not the last: the job's result is still a failure.
            "steps": [{"env": {"N": "${{ matrix.n }}"}, "run": 'test "$N" != 2'}],
        },
        "allowed": {
            "name": "Allowed",
            "runs-on": "ubuntu-latest",
            "continue-on-error": True,
            "defaults": {"run": {"working-directory": "."}},
            "steps": [{"run": "false"}],
        },
        "after": {
            "name": "After",
            "needs": ["matrix"],
            "runs-on": "ubuntu-latest",
            "steps": [{"run": "true"}],
        },
        "on-failure": {
            "name": "On failure",
            "needs": ["after", "allowed"],
            "if": "failure()",
            "runs-on": "ubuntu-latest",
            "steps": [{"uses": "actions/github-script@0000000000000000000000000000000000000000"}],
        },
        # A gate: runs whatever its needs concluded, and sees their results as data.
        "gate": {
            "name": "Gate",
            "needs": ["first", "matrix", "allowed"],
            "if": "${{ always() }}",
            "runs-on": "ubuntu-latest",
            "defaults": {"run": {"working-directory": "."}},
            "steps": [
                {
                    "env": {"NEEDS": "${{ toJSON(needs) }}"},
                    "run": 'printf %s "$NEEDS" > "$GITHUB_STEP_SUMMARY"',
                }
            ],
        },
    },
}


def _run(
    tmp_path: Path,
    cancel_before: str | None = None,
    *,
    workflow: Mapping[str, Any] = WORKFLOW,
    event: Callable[[str], Event] = Event.push,
    secrets: Mapping[str, str] | None = None,
) -> RunResult:
    """`workflow` committed to a new repository and run for `event` at that commit."""
    repository = tmp_path / "repository"
    (repository / "app").mkdir(parents=True)
    (repository / "app" / "README").write_text("app\n", encoding="utf-8")
    path = repository / ".github" / "workflows" / "t.yml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(dict(workflow)), encoding="utf-8")
    identity = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for args in (["init", "--quiet"], ["add", "--all"], ["commit", "--quiet", "-m", "t"]):
        subprocess.run(["git", *args], cwd=repository, check=True, env={**os.environ, **identity})
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout.strip()
    machine = Machine(
        python=lambda version: Path(shutil.which("python3") or "python3"),
        poetry=Path("/nonexistent/poetry"),
        env={"PATH": "/usr/local/bin:/usr/bin:/bin"},
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    runner = LocalRunner(repository, machine, scratch)
    return runner.run(
        ".github/workflows/t.yml", event(sha), cancel_before=cancel_before, secrets=secrets
    )


@pytest.fixture
def run(tmp_path: Path) -> RunResult:
    return _run(tmp_path)


def _needs_seen_by_the_gate(run: RunResult) -> dict[str, str]:
    needs = json.loads(run.job("Gate").summary)
    return {job_id: need["result"] for job_id, need in needs.items()}


def test_outputs_env_defaults_and_checkout(run: RunResult) -> None:
    assert run.job("First").conclusion == "success", run.report()


def test_a_matrix_reports_one_check_per_combination_and_fails_alone(run: RunResult) -> None:
    assert run.job("Matrix (1)").conclusion == "success"
    assert run.job("Matrix (2)").conclusion == "failure"
    assert run.job("Matrix (3)").conclusion == "success"
    assert run.job("After").conclusion == "skipped"
    assert run.job("After").reason == "if: success() is false"


def test_continue_on_error_and_failure_condition(run: RunResult) -> None:
    assert run.job("Allowed").conclusion == "success"
    assert run.job("Allowed").reason == "failed, but continue-on-error"
    on_failure = run.job("On failure")
    assert on_failure.conclusion == "success"
    assert on_failure.steps[0].outcome == "not run"


def test_an_unknown_action_is_refused(tmp_path: Path) -> None:
    runner = LocalRunner(tmp_path, Machine(Path, Path(), {}), tmp_path)
    with pytest.raises(NotEmulatedError):
        runner._uses(None, "someone/action@v1", {}, tmp_path, {}, {})  # type: ignore[arg-type]


def test_an_always_job_runs_after_a_failure_and_reads_needs_as_json(run: RunResult) -> None:
    assert run.job("Gate").conclusion == "success", run.report()
    # One result per job, a matrix included: a failed combination fails it, wherever it is.
    assert _needs_seen_by_the_gate(run) == {
        "first": "success",
        "matrix": "failure",
        "allowed": "success",
    }
    assert json.loads(run.job("Gate").summary)["first"] == {"result": "success", "outputs": {}}


def test_a_cancelled_run_cancels_what_has_not_run_but_always_jobs(tmp_path: Path) -> None:
    run = _run(tmp_path, cancel_before="matrix")
    conclusions = run.conclusions()
    assert conclusions["First"] == "success", run.report()
    for check in ("Matrix (1)", "Matrix (2)", "Matrix (3)", "After", "On failure"):
        assert conclusions[check] == "cancelled", run.report()
        assert run.job(check).steps == []
    assert run.job("After").reason.endswith("the run was cancelled before this job started")
    assert conclusions["Gate"] == "success", run.report()
    assert _needs_seen_by_the_gate(run) == {
        "first": "success",
        "matrix": "cancelled",
        "allowed": "success",
    }


def test_cancelling_before_an_unknown_job_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotEmulatedError, match="no such job"):
        _run(tmp_path, cancel_before="deploy")


# --- The shared facts: which jobs run, and report what, on a pull request ---------------------


def _facts_workflow(case: pull_request_jobs.Case) -> dict[str, Any]:
    """The case's workflow as a file: each job one `run:` step, `false` when it is to fail."""
    jobs: dict[str, Any] = {}
    for job in case.workflow.jobs:
        body: dict[str, Any] = {
            "runs-on": "ubuntu-latest",
            "steps": [{"run": "false" if job.id in case.failing else "true"}],
        }
        if job.needs:
            body["needs"] = list(job.needs)
        if job.if_ is not None:
            body["if"] = job.if_
        jobs[job.id] = body
    return {"name": "facts", "on": {"pull_request": {}}, "jobs": jobs}


# The runner runs the workflow it is given, whatever the event's base branch: a case where GitHub
# does not start the workflow (no check at all) is the caller's to decide, not the runner's.
STARTED = [case for case in pull_request_jobs.CASES if case.checks]


@pytest.mark.parametrize("case", STARTED, ids=lambda case: case.title)
def test_the_runner_runs_and_skips_the_jobs_as_github_does_on_a_pull_request(
    tmp_path: Path, case: pull_request_jobs.Case
) -> None:
    run = _run(tmp_path, workflow=_facts_workflow(case), event=Event.pull_request)
    assert run.conclusions() == dict(case.checks), run.report()


# The same on a merge queue's merge_group run: a workflow the caller starts on one.
MERGE_GROUP_STARTED = [case for case in merge_group_jobs.CASES if case.checks]


@pytest.mark.parametrize("case", MERGE_GROUP_STARTED, ids=lambda case: case.title)
def test_the_runner_runs_and_skips_the_jobs_as_github_does_on_a_merge_group(
    tmp_path: Path, case: merge_group_jobs.Case
) -> None:
    jobs: dict[str, Any] = {}
    for job in case.workflow.jobs:
        body: dict[str, Any] = {"runs-on": "ubuntu-latest", "steps": [{"run": "true"}]}
        if job.needs:
            body["needs"] = list(job.needs)
        if job.if_ is not None:
            body["if"] = job.if_
        jobs[job.id] = body
    workflow = {"name": "facts", "on": {"merge_group": {}}, "jobs": jobs}
    # One commit: it stands in for its own parent (the runner reads no base_sha).
    run = _run(tmp_path, workflow=workflow, event=lambda sha: Event.merge_group(sha, sha))
    assert run.conclusions() == dict(case.checks), run.report()
    assert run.event.ref == f"refs/heads/gh-readonly-queue/main/pr-1-{run.event.sha}"


SECRET_WORKFLOW = {
    "on": {"push": {}},
    "jobs": {
        "use": {
            "runs-on": "ubuntu-latest",
            "steps": [
                {
                    "name": "Needs the key",
                    "env": {"KEY": "${{ secrets.KEY }}"},
                    "run": 'test -n "$KEY" && echo "key of ${#KEY} characters"',
                }
            ],
        }
    },
}


def test_a_secret_is_the_repositorys_and_empty_when_it_has_none(tmp_path: Path) -> None:
    given = _run(tmp_path / "given", workflow=SECRET_WORKFLOW, secrets={"KEY": "s3cret"})
    assert given.job("use").conclusion == "success", given.report()
    assert "key of 6 characters" in given.job("use").step("Needs the key").log
    absent = _run(tmp_path / "absent", workflow=SECRET_WORKFLOW)
    assert absent.job("use").conclusion == "failure", absent.report()
