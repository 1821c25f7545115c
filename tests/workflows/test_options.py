"""The per-repository options: what each one changes in the workflow, and what it never does."""

from __future__ import annotations

from typing import Any

import yaml

from tests.workflows.conftest import VARIANTS
from workflows.backend_ci import backend_ci
from workflows.checks import required_checks
from workflows.options import BackendCiOptions
from workflows.render import render

SEED_CHECKS = (
    "Lint Check (Ruff)",
    "Format Check (Black)",
    "Type Check (MyPy)",
    "Test Suite (Pytest)",
    "Build Verification",
)


def _jobs(options: BackendCiOptions) -> dict[str, Any]:
    jobs: dict[str, Any] = yaml.safe_load(render(backend_ci(options)))["jobs"]
    return jobs


def _step(options: BackendCiOptions, job_id: str, name: str) -> dict[str, Any]:
    steps = [step for step in _jobs(options)[job_id]["steps"] if step["name"] == name]
    assert len(steps) == 1, (job_id, name)
    step: dict[str, Any] = steps[0]
    return step


def test_options_never_change_the_required_checks() -> None:
    for name, options in VARIANTS.items():
        if (
            options.python_versions
            or options.pr_branches != BackendCiOptions().pr_branches
            or options.formatter != "black"
            or not options.build
            or options.gate
        ):
            continue
        assert required_checks(backend_ci(options), "main") == SEED_CHECKS, name


def test_commands_are_the_seed_ones_by_default() -> None:
    options = BackendCiOptions()
    assert _step(options, "lint", "Lint Check (Ruff)")["run"] == "make lint"
    assert _step(options, "format", "Format Check (Black)")["run"] == "poetry run black --check ."
    assert _step(options, "type-check", "Type Check (MyPy)")["run"] == "make type-check"
    run = _step(options, "test", "Run tests with coverage")["run"]
    assert run.startswith("poetry run pytest --cov --cov-report=term-missing")


def test_commands_are_configurable_and_keep_the_check_names() -> None:
    options = VARIANTS["adopted-backend"]
    assert _step(options, "lint", "Lint Check (Ruff)")["run"] == "poetry run ruff check ."
    assert _step(options, "type-check", "Type Check (MyPy)")["run"] == "poetry run mypy src"
    run = _step(options, "test", "Run tests with coverage")["run"]
    assert run.startswith("poetry run pytest -p no:cacheprovider --cov=src --cov=shop ")
    assert run.endswith("--cov-fail-under=80")


def test_changed_files_guard_follows_each_check_command() -> None:
    for job_id, name in (
        ("lint", "Lint Check (Ruff)"),
        ("format", "Format Check (Black)"),
        ("type-check", "Type Check (MyPy)"),
    ):
        names = [step["name"] for step in _jobs(BackendCiOptions())[job_id]["steps"]]
        assert names[-2:] == [name, f"Fail if {name} changed tracked files"]
        assert "git diff --exit-code" in _step(BackendCiOptions(), job_id, names[-1])["run"]
        off = [step["name"] for step in _jobs(VARIANTS["no-changed-files-guard"])[job_id]["steps"]]
        assert off[-1] == name


def test_postgres_and_redis_presets_give_the_test_job_services_and_urls() -> None:
    job = _jobs(VARIANTS["adopted-backend"])["test"]
    assert job["services"]["postgres"]["image"].startswith("postgres:")
    assert job["services"]["postgres"]["ports"] == ["5432/tcp"]
    assert job["services"]["redis"]["ports"] == ["6379/tcp"]
    env = _step(VARIANTS["adopted-backend"], "test", "Run tests with coverage")["env"]
    port = "${{ job.services.postgres.ports['5432'] }}"
    assert env["DATABASE_URL"] == f"postgres://postgres:postgres@localhost:{port}/test"
    assert env["PGPORT"] == port
    assert env["REDIS_URL"] == "redis://localhost:${{ job.services.redis.ports['6379'] }}/0"
    assert "services" not in _jobs(BackendCiOptions())["test"]


def test_deployment_checks_settings_module_and_fail_level() -> None:
    default = _step(BackendCiOptions(), "build", "Django deployment checks")
    assert default["run"] == "poetry run python manage.py check --deploy --fail-level ERROR"
    assert "env" not in default
    options = VARIANTS["adopted-backend"]
    step = _step(options, "build", "Django deployment checks")
    assert step["run"].endswith("--fail-level WARNING")
    assert step["env"] == {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    collect = _step(options, "build", "Collect static files")
    assert collect["env"] == {"DJANGO_SETTINGS_MODULE": "config.settings.production"}


def test_secrets_reach_only_the_steps_that_run_the_projects_code() -> None:
    options = BackendCiOptions(
        secrets=("DJANGO_SECRET_KEY",), services=("postgres",), env=(("TZ", "UTC"),)
    )
    reference = {"DJANGO_SECRET_KEY": "${{ secrets.DJANGO_SECRET_KEY }}"}
    where = {
        (job_id, step["name"])
        for job_id, job in _jobs(options).items()
        for step in job["steps"]
        if "secrets." in str(step) or "secrets." in str(job.get("env"))
    }
    assert where == {
        ("test", "Run tests with coverage"),
        ("build", "Django deployment checks"),
        ("build", "Collect static files"),
    }
    test_env = _step(options, "test", "Run tests with coverage")["env"]
    assert test_env["DATABASE_URL"].startswith("postgres://")  # the service's, kept
    assert reference.items() <= test_env.items()
    assert _step(options, "build", "Collect static files")["env"] == {"TZ": "UTC", **reference}
    assert test_env["TZ"] == "UTC"
    assert "TZ" not in str(_jobs(options)["lint"])


def test_no_secrets_render_as_before() -> None:
    assert render(backend_ci(BackendCiOptions(secrets=()))) == render(backend_ci())


def test_the_formatter_names_the_format_check_and_the_required_check_follows() -> None:
    ruff = BackendCiOptions(formatter="ruff")
    assert _step(ruff, "format", "Format Check (Ruff)")["run"] == "poetry run ruff format --check ."
    checks = required_checks(backend_ci(ruff), "main")
    assert "Format Check (Ruff)" in checks
    assert "Format Check (Black)" not in checks
    # A command of the team's own keeps the formatter's name.
    own = BackendCiOptions(formatter="ruff", format_command="make format-check")
    assert _step(own, "format", "Format Check (Ruff)")["run"] == "make format-check"


def test_bug_logger_off_drops_the_job_and_every_write_permission() -> None:
    options = BackendCiOptions(bug_logger="off")
    jobs = _jobs(options)
    assert "bug-logger" not in jobs
    granted = {
        scope: level
        for job in jobs.values()
        for scope, level in (job.get("permissions") or {}).items()
    }
    assert "write" not in granted.values()
    assert required_checks(backend_ci(options), "main") == SEED_CHECKS


def test_without_build_the_deployment_checks_run_after_the_tests() -> None:
    options = BackendCiOptions(build=False, deploy_settings_module="config.settings.production")
    jobs = _jobs(options)
    assert "build" not in jobs
    assert required_checks(backend_ci(options), "main") == tuple(
        check for check in SEED_CHECKS if check != "Build Verification"
    )
    assert jobs["deploy-readiness"]["needs"] == ["test"]
    names = [step["name"] for step in jobs["test"]["steps"]]
    tests = names.index("Run tests with coverage")
    assert names[tests + 1 : tests + 3] == ["Django deployment checks", "Collect static files"]
    check = _step(options, "test", "Django deployment checks")
    assert check["env"] == {
        "PYTHONPATH": "src",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
    }
    assert check["run"] == "poetry run python manage.py check --deploy --fail-level ERROR"
    assert "poetry build" not in str(jobs)


def test_the_migrations_check_runs_before_the_tests_against_the_database_service() -> None:
    options = BackendCiOptions(migrations_check=True, services=("postgres",))
    names = [step["name"] for step in _jobs(options)["test"]["steps"]]
    assert names.index("Check for missing migrations") + 1 == names.index("Run tests with coverage")
    check = _step(options, "test", "Check for missing migrations")
    assert check["run"] == "poetry run python manage.py makemigrations --check --dry-run"
    assert check["env"]["DATABASE_URL"].startswith("postgres://")
    assert check["env"]["PYTHONPATH"] == "src"
    assert "Check for missing migrations" not in str(_jobs(BackendCiOptions()))


def test_the_lint_and_type_check_names_follow_the_tools_and_the_commands_stay() -> None:
    options = BackendCiOptions(linter="flake8", type_checker="pyright")
    checks = required_checks(backend_ci(options), "main")
    assert checks[0] == "Lint Check (Flake8)"
    assert checks[2] == "Type Check (Pyright)"
    jobs = _jobs(options)
    assert jobs["lint"]["steps"][-2] == {"name": "Lint Check (Flake8)", "run": "make lint"}
    assert jobs["type-check"]["steps"][-2] == {
        "name": "Type Check (Pyright)",
        "run": "make type-check",
    }
