"""The backend CI/CD pipeline of the seed (Django + Poetry), hardened to run org-wide.

Job names are the seed's and are the required checks' names: renaming one here renames the
check in every repository's protection in the same `pulumi up` (see `workflows.checks`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from workflows.gate import with_gate
from workflows.model import (
    Concurrency,
    Job,
    Matrix,
    Permissions,
    Scalar,
    Step,
    Triggers,
    Workflow,
)
from workflows.options import BUILD_COMMANDS, LINT_CHECKS, TYPE_CHECKS, BackendCiOptions
from workflows.pins import pinned
from workflows.scripts import script
from workflows.services import service_preset

SOURCE = "workflows/backend_ci.py"
WORKFLOW_PATH = ".github/workflows/backend-ci.yml"
PIP_AUDIT_VERSION = "2.10.1"

READ_CONTENTS = Permissions.of(contents=("read", "check out the repository"))
# The workflow's default: a job that sets no permissions may only read the repository.
READ_ONLY_DEFAULT = Permissions.of(contents=("read", "the default of every job: read the code"))
MATRIX_PYTHON = "${{ matrix.python-version }}"
# `manage.py` finds a `src/` layout's packages through it (docs/pipeline.md).
_MANAGE_PY_ENV: Mapping[str, Scalar] = {"PYTHONPATH": "src"}


def _in_dir(options: BackendCiOptions, name: str) -> str:
    """A path relative to the repository root, inside the backend's working directory."""
    return posixpath.normpath(posixpath.join(options.working_directory, name))


def _setup_steps(options: BackendCiOptions, python: str) -> tuple[Step, ...]:
    """Checkout, Python, and the package manager with the backend's dependencies, cached."""
    checkout = Step(
        name="Check out the repository",
        uses=pinned("actions/checkout"),
        # The token stays out of .git/config, so later steps cannot reuse it.
        with_={"persist-credentials": False},
    )
    if options.package_manager == "uv":
        return (checkout, _setup_python(python), *_uv_steps(options, python))
    if options.package_manager == "pip":
        return (checkout, *_pip_steps(options, python))
    return (checkout, _setup_python(python), *_poetry_steps(options, python))


def _setup_python(python: str, **with_: Scalar) -> Step:
    return Step(
        name="Set up Python",
        id="setup-python",
        uses=pinned("actions/setup-python"),
        with_={"python-version": python, **with_},
    )


def _poetry_steps(options: BackendCiOptions, python: str) -> tuple[Step, ...]:
    """Poetry, and its install with the virtualenv cached on poetry.lock."""
    lock_hash = f"${{{{ hashFiles('{_in_dir(options, 'poetry.lock')}') }}}}"
    return (
        Step(
            name="Cache the Poetry installation",
            uses=pinned("actions/cache"),
            with_={
                "path": "~/.local",
                "key": f"poetry-${{{{ runner.os }}}}-py{python}-{lock_hash}",
            },
        ),
        Step(
            name="Install Poetry",
            uses=pinned("snok/install-poetry"),
            with_={"virtualenvs-create": True, "virtualenvs-in-project": True},
        ),
        Step(
            name="Cache the virtual environment",
            id="venv-cache",
            uses=pinned("actions/cache"),
            with_={
                "path": _in_dir(options, ".venv"),
                "key": f"venv-${{{{ runner.os }}}}-py{python}-{lock_hash}",
            },
        ),
        Step(
            name="Install dependencies",
            if_="steps.venv-cache.outputs.cache-hit != 'true'",
            run="poetry install --no-interaction --no-root",
        ),
    )


def _uv_steps(options: BackendCiOptions, python: str) -> tuple[Step, ...]:
    """uv with its cache keyed on uv.lock, then `uv sync --locked` (the lock must match
    pyproject.toml, or the job fails instead of resolving anew).

    As uv's guide "Using uv in GitHub Actions" shows: setup-python gives the interpreter (the
    runner's cached Pythons install faster than uv downloads one) and setup-uv's
    `python-version` sets UV_PYTHON, so uv uses that version; `enable-cache` keeps uv's cache
    between runs, keyed on `cache-dependency-glob` (astral-sh/setup-uv v10.0.1, action.yml and
    docs/caching.md: the glob is relative to `working-directory`).
    """
    return (
        Step(
            name="Install uv",
            uses=pinned("astral-sh/setup-uv"),
            with_={
                "python-version": python,
                "working-directory": options.working_directory,
                "enable-cache": True,
                "cache-dependency-glob": "uv.lock",
            },
        ),
        Step(name="Install dependencies", run="uv sync --locked"),
    )


def _pip_steps(options: BackendCiOptions, python: str) -> tuple[Step, ...]:
    """Python with pip's cache keyed on the requirement files (setup-python's `cache: pip`,
    `cache-dependency-path`), then `pip install -r` each of them into the job's Python."""
    files = options.requirements
    return (
        _setup_python(
            python,
            cache="pip",
            **{"cache-dependency-path": "\n".join(_in_dir(options, name) for name in files)},
        ),
        Step(
            name="Install dependencies",
            run="python -m pip install " + " ".join(f"-r {name}" for name in files),
        ),
    )


def _changed_files_guard(name: str) -> Step:
    """Fails the job when the step before it rewrote tracked files (a fixer run as a check)."""
    return Step(name=f"Fail if {name} changed tracked files", run=script("changed_files_guard.sh"))


def _quality_job(
    options: BackendCiOptions, job_id: str, name: str, command: str, timeout: int
) -> Job:
    guard = (_changed_files_guard(name),) if options.fail_on_changed_files else ()
    return Job(
        id=job_id,
        name=name,
        timeout_minutes=timeout,
        permissions=READ_CONTENTS,
        steps=(
            *_setup_steps(options, options.python_version),
            Step(name=name, run=command),
            *guard,
        ),
    )


def _security_job(options: BackendCiOptions) -> Job:
    return Job(
        id="security-audit",
        name="Security Audit",
        timeout_minutes=15,
        permissions=READ_CONTENTS,
        # Informational: findings are reported, never block a merge.
        continue_on_error=True,
        steps=(
            *_setup_steps(options, options.python_version),
            Step(
                name="Audit dependencies",
                env={
                    "PIP_AUDIT_VERSION": PIP_AUDIT_VERSION,
                    "AUDIT_SUMMARY": script("audit_summary.py"),
                },
                # How this package manager runs pip-audit (`audit`), then what every one does.
                run=script(f"audit_with_{options.package_manager}.sh")
                + script("security_audit.sh"),
            ),
        ),
    )


def _test_job(options: BackendCiOptions) -> Job:
    versions = options.versions
    matrix = len(versions) > 1
    python = MATRIX_PYTHON if matrix else versions[0]
    artifact = f"coverage-report-{python}" if matrix else "coverage-report"
    sources = " ".join(f"--cov={source}" for source in options.coverage_source) or "--cov"
    pytest = (
        f"{options.pytest} {sources} --cov-report=term-missing --cov-report=html "
        f"--cov-report=xml --cov-report=json --cov-fail-under={options.coverage_threshold}"
    )
    presets = [service_preset(name) for name in options.services]
    # Step env: the only place where `job.services` (the mapped ports) is known.
    services: dict[str, Scalar] = {
        key: value for preset in presets for key, value in preset.env.items()
    }
    migrations = Step(
        name="Check for missing migrations",
        env={**services, **_MANAGE_PY_ENV, **_project_env(options)},
        run=f"{options.run_prefix}python manage.py makemigrations --check --dry-run",
    )
    return Job(
        id="test",
        name="Test Suite (Pytest)",
        needs=("lint", "format", "type-check"),
        timeout_minutes=30,
        permissions=READ_CONTENTS,
        strategy=Matrix((("python-version", versions),)) if matrix else None,
        services=tuple(preset.service for preset in presets),
        steps=(
            *_setup_steps(options, python),
            *((migrations,) if options.migrations_check else ()),
            Step(
                name="Run tests with coverage",
                env={**services, **_project_env(options)},
                run=pytest,
            ),
            # Without Build Verification (`build: false`), the deployment checks run here.
            *(() if options.build else _deployment_steps(options, _MANAGE_PY_ENV)),
            Step(
                name="Upload coverage reports",
                if_="${{ !cancelled() }}",
                uses=pinned("actions/upload-artifact"),
                with_={
                    "name": artifact,
                    "path": "\n".join(
                        _in_dir(options, name)
                        for name in ("htmlcov", "coverage.xml", "coverage.json")
                    ),
                    "retention-days": 7,
                    "if-no-files-found": "warn",
                },
            ),
        ),
    )


def _project_env(options: BackendCiOptions) -> dict[str, Scalar]:
    """`pipeline.env` and `pipeline.secrets` (each under its own name), for a step that runs
    the project's code."""
    return {
        **dict(options.env),
        **{name: f"${{{{ secrets.{name} }}}}" for name in options.secrets},
    }


def _deployment_steps(options: BackendCiOptions, env: Mapping[str, Scalar]) -> tuple[Step, ...]:
    """`manage.py check --deploy` and `collectstatic`, with the deployment settings module and
    the secrets (`env`: what the job itself does not set)."""
    settings: dict[str, Scalar] = dict(env)
    if options.deploy_settings_module is not None:
        settings["DJANGO_SETTINGS_MODULE"] = options.deploy_settings_module
    settings.update(_project_env(options))
    return (
        Step(
            name="Django deployment checks",
            env=settings,
            run=(
                f"{options.run_prefix}python manage.py check --deploy "
                f"--fail-level {options.deploy_fail_level}"
            ),
        ),
        Step(
            name="Collect static files",
            env=settings,
            run=f"{options.run_prefix}python manage.py collectstatic --noinput",
        ),
    )


def _build_job(options: BackendCiOptions) -> Job:
    return Job(
        id="build",
        name="Build Verification",
        needs=("lint", "format", "type-check"),
        timeout_minutes=15,
        permissions=READ_CONTENTS,
        env=_MANAGE_PY_ENV,
        steps=(
            *_setup_steps(options, options.python_version),
            Step(name="Build the package", run=BUILD_COMMANDS[options.package_manager]),
            *_deployment_steps(options, {}),
        ),
    )


def _deploy_readiness_job(options: BackendCiOptions) -> Job:
    return Job(
        id="deploy-readiness",
        name="Deployment Readiness Check",
        needs=("test", "build") if options.build else ("test",),
        if_=f"github.event_name == 'push' && github.ref == 'refs/heads/{options.default_branch}'",
        timeout_minutes=10,
        permissions=Permissions.of(actions=("read", "download the coverage reports of this run")),
        # No checkout here, so the backend directory does not exist: run from the workspace.
        working_directory=".",
        steps=(
            Step(
                name="Download coverage reports",
                uses=pinned("actions/download-artifact"),
                with_={"pattern": "coverage-report*", "path": "coverage"},
            ),
            Step(
                name="Set up Python",
                uses=pinned("actions/setup-python"),
                with_={"python-version": options.python_version},
            ),
            Step(
                name="Write the deployment summary",
                # The Python travels as data, so neither the shell nor YAML escapes any of it.
                env={"COVERAGE_SUMMARY": script("coverage_summary.py")},
                run=script("deploy_summary.sh"),
            ),
        ),
    )


# What each `pipeline.bug_logger` mode's token may do, and its step's name. The GITHUB_TOKEN is
# the GitHub Actions app's installation token: GitHub Docs, "Permissions required for GitHub
# Apps", lists `POST /repos/{owner}/{repo}/issues/{issue_number}/comments` under "Pull requests"
# (write) as well as "Issues" (write), so commenting on a pull request needs `pull-requests:
# write` alone; listing and opening issues (`GET`/`POST /repos/{owner}/{repo}/issues`) are under
# "Issues" only.
_BUG_LOGGER: Mapping[str, tuple[Permissions, str]] = {
    "issue": (
        Permissions.of(
            issues=("write", "find, open, comment on and assign the branch's failure issue"),
            pull_requests=("write", "comment on the failed pull request"),
        ),
        "Open or update the issue of the failed run",
    ),
    "comment": (
        Permissions.of(pull_requests=("write", "comment on the failed pull request")),
        "Comment on the failed pull request",
    ),
}


def _bug_logger_job(mode: str, upstream: tuple[str, ...]) -> Job:
    permissions, step_name = _BUG_LOGGER[mode]
    return Job(
        id="bug-logger",
        name="Bug Logger",
        needs=upstream,
        # A fork's pull request gets a read-only token, so only same-repository runs file issues.
        if_=(
            "failure() && (github.event_name != 'pull_request' || "
            "github.event.pull_request.head.repo.full_name == github.repository)"
        ),
        timeout_minutes=10,
        # Nothing else: no checkout, no code from the repository runs next to this token.
        permissions=permissions,
        working_directory=".",
        steps=(
            Step(
                name=step_name,
                uses=pinned("actions/github-script"),
                with_={"script": script("bug_logger.js")},
                # One script for every mode: the mode travels as data, as the script's own.
                env={"BUG_LOGGER_MODE": mode},
            ),
        ),
    )


def backend_ci(options: BackendCiOptions | None = None) -> Workflow:
    """The seed's pipeline for these options (the seed's own values by default)."""
    options = options or BackendCiOptions()
    format_command, format_name = options.format_check
    jobs = (
        _quality_job(options, "lint", LINT_CHECKS[options.linter], options.lint_command, 15),
        _quality_job(options, "format", format_name, format_command, 15),
        _quality_job(
            options,
            "type-check",
            TYPE_CHECKS[options.type_checker],
            options.type_check_command,
            20,
        ),
        _security_job(options),
        _test_job(options),
        *((_build_job(options),) if options.build else ()),
        _deploy_readiness_job(options),
    )
    workflow = Workflow(
        name="Backend CI/CD",
        source=SOURCE,
        on=Triggers(
            pull_request_branches=options.pr_branches,
            push_branches=(options.default_branch,),
            merge_group=options.merge_queue,
            workflow_dispatch=True,
        ),
        permissions=READ_ONLY_DEFAULT,
        # One run per workflow and ref: a new push cancels the run it supersedes.
        concurrency=Concurrency(group="${{ github.workflow }}-${{ github.ref }}"),
        working_directory=options.working_directory,
        jobs=(
            *jobs,
            *(
                (_bug_logger_job(options.bug_logger, tuple(job.id for job in jobs)),)
                if options.bug_logger != "off"
                else ()
            ),
        ),
    )
    # The gate comes last and the bug logger does not need it (why: `workflows.gate`).
    return with_gate(workflow, options.default_branch) if options.gate else workflow
