"""The local runner and its expressions, on small workflows of `run:` steps (no Poetry needed):
the GitHub semantics the pipeline tests rely on. Part of `make test`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pipeline_e2e.expressions import ExpressionError, condition, evaluate, interpolate
from tests.pipeline_e2e.runner import Event, LocalRunner, Machine, NotEmulatedError, RunResult

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
        evaluate("toJSON(github)", CONTEXT, FUNCTIONS)


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
            "strategy": {"matrix": {"n": ["1", "2"]}},
            "defaults": {"run": {"working-directory": "."}},
            "steps": [{"env": {"N": "${{ matrix.n }}"}, "run": 'test "$N" = 1'}],
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
    },
}


@pytest.fixture
def run(tmp_path: Path) -> RunResult:
    repository = tmp_path / "repository"
    (repository / "app").mkdir(parents=True)
    (repository / "app" / "README").write_text("app\n", encoding="utf-8")
    workflow = repository / ".github" / "workflows" / "t.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(yaml.safe_dump(WORKFLOW), encoding="utf-8")
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
    return LocalRunner(repository, machine, scratch).run(".github/workflows/t.yml", Event.push(sha))


def test_outputs_env_defaults_and_checkout(run: RunResult) -> None:
    assert run.job("First").conclusion == "success", run.report()


def test_a_matrix_reports_one_check_per_combination_and_fails_alone(run: RunResult) -> None:
    assert run.job("Matrix (1)").conclusion == "success"
    assert run.job("Matrix (2)").conclusion == "failure"
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
