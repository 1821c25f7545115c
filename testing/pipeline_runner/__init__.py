"""Runs a rendered GitHub Actions workflow job by job on this machine, as a GitHub-hosted runner
would (`runner.py`'s docstring: what it does as GitHub does, what it emulates, what it refuses).

    machine = Machine(python=find_interpreter, poetry=poetry, env=env, services=services)
    result = LocalRunner(repository, machine, scratch).run(".github/workflows/ci.yml", event)
    assert result.conclusions()["Lint"] == "success", result.report()

The public API is what `__all__` names: the runner (`LocalRunner`, `Machine`, `Event`), its
results (`RunResult`, `JobResult`, `StepResult`, `Conclusion`, `Outcome`), what it emulates
(`EMULATED`) and refuses (`NotEmulatedError`); a job's service containers (`ServiceHost`, and
PostgreSQL on a local server: `LocalPostgres`, `PostgresServices`); the GitHub API that
github-script steps call (`GitHubApi`); and GitHub Actions expressions (`evaluate`, `condition`,
`interpolate`, `ExpressionError`).
"""

from testing.pipeline_runner.expressions import ExpressionError, condition, evaluate, interpolate
from testing.pipeline_runner.github_script import GitHubApi
from testing.pipeline_runner.postgres import LocalPostgres, PostgresServices
from testing.pipeline_runner.runner import (
    EMULATED,
    Conclusion,
    Event,
    JobResult,
    LocalRunner,
    Machine,
    NotEmulatedError,
    Outcome,
    RunResult,
    ServiceHost,
    StepResult,
)

__all__ = [
    "EMULATED",
    "Conclusion",
    "Event",
    "ExpressionError",
    "GitHubApi",
    "JobResult",
    "LocalPostgres",
    "LocalRunner",
    "Machine",
    "NotEmulatedError",
    "Outcome",
    "PostgresServices",
    "RunResult",
    "ServiceHost",
    "StepResult",
    "condition",
    "evaluate",
    "interpolate",
]
