"""Shared fixtures: the pipeline variants every checker and test runs over."""

from __future__ import annotations

import pytest

from workflows.options import BackendCiOptions

VARIANTS: dict[str, BackendCiOptions] = {
    "defaults": BackendCiOptions(),
    "matrix-2": BackendCiOptions(python_versions=("3.11", "3.12")),
    "matrix-3": BackendCiOptions(python_versions=("3.10", "3.11", "3.12")),
    "other-directory": BackendCiOptions(working_directory="services/api"),
    "repository-root": BackendCiOptions(working_directory="."),
    "coverage-90": BackendCiOptions(coverage_threshold=90),
    "other-branches": BackendCiOptions(pr_branches=("trunk", "release/**"), default_branch="trunk"),
    "adopted-backend": BackendCiOptions(
        lint_command="poetry run ruff check .",
        format_command="poetry run ruff format --check .",
        type_check_command="poetry run mypy src",
        test_command="poetry run pytest -p no:cacheprovider",
        coverage_source=("src", "shop"),
        services=("postgres", "redis"),
        deploy_settings_module="config.settings.production",
        deploy_fail_level="WARNING",
    ),
    "no-changed-files-guard": BackendCiOptions(fail_on_changed_files=False),
    "gate": BackendCiOptions(gate=True),
    "ruff-formatter": BackendCiOptions(formatter="ruff"),
    "no-bug-logger": BackendCiOptions(bug_logger="off"),
    "bug-logger-comment": BackendCiOptions(bug_logger="comment"),
    "migrations-check": BackendCiOptions(
        migrations_check=True, services=("postgres",), secrets=("DJANGO_SECRET_KEY",)
    ),
    "no-build": BackendCiOptions(
        build=False, secrets=("DJANGO_SECRET_KEY",), deploy_settings_module="config.settings.prod"
    ),
    "no-build-gate-matrix": BackendCiOptions(
        build=False, gate=True, python_versions=("3.12", "3.13"), services=("postgres",)
    ),
    "no-bug-logger-gate": BackendCiOptions(bug_logger="off", gate=True),
    "secrets": BackendCiOptions(
        secrets=("DJANGO_SECRET_KEY", "SENTRY_DSN"),
        services=("postgres",),
        deploy_settings_module="config.settings.production",
    ),
    "uv": BackendCiOptions(package_manager="uv"),
    "uv-matrix-no-build": BackendCiOptions(
        package_manager="uv", python_versions=("3.12", "3.13"), build=False, formatter="ruff"
    ),
    "pip": BackendCiOptions(package_manager="pip"),
    "pip-root-secrets": BackendCiOptions(
        package_manager="pip",
        working_directory=".",
        requirements=("requirements/ci.txt",),
        secrets=("DJANGO_SECRET_KEY",),
        migrations_check=True,
    ),
    "gate-matrix-services": BackendCiOptions(
        gate=True, python_versions=("3.11", "3.12"), services=("postgres", "redis")
    ),
    "merge-queue": BackendCiOptions(merge_queue=True),
    "merge-queue-matrix": BackendCiOptions(merge_queue=True, python_versions=("3.12", "3.13")),
}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest) -> tuple[str, BackendCiOptions]:
    name: str = request.param
    return name, VARIANTS[name]
