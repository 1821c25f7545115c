"""Options of the backend CI pipeline: what a repository may change about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_PYTHON_VERSION = "3.12"

# The Python versions the scripts embedded in the pipeline are compiled on by the tests (real
# interpreters of each): the versions a repository can be expected to configure.
TESTED_PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")

ServiceName = Literal["postgres", "redis"]
SERVICES: tuple[ServiceName, ...] = ("postgres", "redis")

# Django's `check --fail-level` values, least severe first.
FailLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
FAIL_LEVELS: tuple[FailLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class BackendCiOptions:
    """Per-repository knobs of `backend_ci`; every field has the seed's value as default.

    `python_versions` empty means "just `python_version`"; use `versions` to read the effective
    list. Validation of user input lives in `baseline.config`; this class trusts its caller.
    """

    working_directory: str = "backend"
    python_version: str = DEFAULT_PYTHON_VERSION
    python_versions: tuple[str, ...] = ()
    coverage_threshold: int = 80
    pr_branches: tuple[str, ...] = ("main", "bau/**")
    default_branch: str = "main"
    # The commands of the check jobs, run in `working_directory` after `poetry install`.
    lint_command: str = "make lint"
    format_command: str = "poetry run black --check ."
    type_check_command: str = "make type-check"
    # pytest itself: the pipeline appends the coverage arguments (`--cov...`) to it.
    test_command: str = "poetry run pytest"
    # What coverage measures (`--cov=<source>` each); empty: a bare `--cov`, so coverage's own
    # config (`[tool.coverage.run] source`) decides, and without one it measures the tests too.
    coverage_source: tuple[str, ...] = ()
    # Service containers of the test job (presets in `workflows.services`).
    services: tuple[ServiceName, ...] = ()
    # `DJANGO_SETTINGS_MODULE` for `manage.py check --deploy` and `collectstatic`; None: what
    # manage.py sets.
    deploy_settings_module: str | None = None
    deploy_fail_level: FailLevel = "ERROR"
    # Fail lint, format and type-check when their command changed tracked files (a fixer).
    fail_on_changed_files: bool = True
    # One last job, Gate, that needs every required job and fails unless all of them succeeded;
    # the protection then requires only its check, whatever the jobs are named (`workflows.gate`).
    gate: bool = False

    @property
    def versions(self) -> tuple[str, ...]:
        """The Python versions the test job runs on (more than one makes it a matrix)."""
        return self.python_versions or (self.python_version,)
