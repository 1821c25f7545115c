"""`package_manager`: how each job installs the backend and runs its commands, with Poetry (the
seed's), uv or pip; and the audit's summary of what pip-audit found and could not check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflows.backend_ci import backend_ci
from workflows.checks import required_checks
from workflows.options import BackendCiOptions, PackageManager
from workflows.pins import pinned
from workflows.render import render
from workflows.scripts import script


def _workflow(options: BackendCiOptions) -> tuple[str, dict[str, Any]]:
    text = render(backend_ci(options))
    return text, yaml.safe_load(text)


def _steps(data: dict[str, Any], job_id: str) -> dict[str, dict[str, Any]]:
    return {step["name"]: step for step in data["jobs"][job_id]["steps"]}


@pytest.mark.parametrize("manager", ["uv", "pip"])
def test_the_required_checks_do_not_depend_on_the_package_manager(
    manager: PackageManager,
) -> None:
    options = BackendCiOptions(package_manager=manager)
    assert required_checks(backend_ci(options), "main") == required_checks(
        backend_ci(BackendCiOptions()), "main"
    )


def test_uv_installs_the_lock_as_it_is_with_its_cache_keyed_on_the_lock() -> None:
    text, data = _workflow(BackendCiOptions(package_manager="uv", working_directory="api"))
    for job_id in ("lint", "format", "type-check", "security-audit", "test", "build"):
        steps = _steps(data, job_id)
        assert steps["Install uv"]["uses"] == pinned("astral-sh/setup-uv")
        assert steps["Install uv"]["with"] == {
            "python-version": "3.12",
            "working-directory": "api",
            "enable-cache": True,
            "cache-dependency-glob": "uv.lock",
        }
        assert steps["Install dependencies"]["run"] == "uv sync --locked"
        assert "if" not in steps["Install dependencies"]
    assert "poetry" not in text.lower()
    tests = _steps(data, "test")
    assert tests["Run tests with coverage"]["run"].startswith("uv run pytest --cov ")
    build = _steps(data, "build")
    assert build["Build the package"]["run"] == "uv build"
    assert build["Django deployment checks"]["run"].startswith("uv run python manage.py check")
    assert _steps(data, "format")["Format Check (Black)"]["run"] == "uv run black --check ."


def test_uv_audits_the_exported_lock_with_uvx_since_its_environment_has_no_pip() -> None:
    _, data = _workflow(BackendCiOptions(package_manager="uv"))
    run = _steps(data, "security-audit")["Audit dependencies"]["run"]
    assert run.startswith(script("audit_with_uv.sh"))
    assert "uv export --locked --format requirements-txt --no-emit-project" in run
    assert 'uvx --from "pip-audit==$PIP_AUDIT_VERSION" pip-audit --disable-pip' in run
    assert "pip install" not in run


def test_pip_installs_each_requirement_file_with_pips_cache_keyed_on_them() -> None:
    text, data = _workflow(
        BackendCiOptions(
            package_manager="pip",
            working_directory="services/api",
            requirements=("requirements/base.txt", "requirements/ci.txt"),
        )
    )
    for job_id in ("lint", "format", "type-check", "security-audit", "test", "build"):
        steps = _steps(data, job_id)
        assert steps["Set up Python"]["with"] == {
            "python-version": "3.12",
            "cache": "pip",
            "cache-dependency-path": "services/api/requirements/base.txt\n"
            "services/api/requirements/ci.txt",
        }
        assert steps["Install dependencies"]["run"] == (
            "python -m pip install -r requirements/base.txt -r requirements/ci.txt"
        )
    assert "poetry" not in text.lower()
    assert "uv " not in text
    assert _steps(data, "test")["Run tests with coverage"]["run"].startswith("python -m pytest")
    build = _steps(data, "build")["Build the package"]["run"]
    assert build == "python -m pip wheel --no-deps --wheel-dir dist ."
    audit = _steps(data, "security-audit")["Audit dependencies"]["run"]
    assert audit.startswith(script("audit_with_pip.sh"))


def test_poetry_keeps_the_seeds_install_and_audit() -> None:
    _, data = _workflow(BackendCiOptions())
    steps = _steps(data, "lint")
    assert steps["Install dependencies"] == {
        "name": "Install dependencies",
        "if": "steps.venv-cache.outputs.cache-hit != 'true'",
        "run": "poetry install --no-interaction --no-root",
    }
    audit = _steps(data, "security-audit")["Audit dependencies"]
    assert audit["run"] == script("audit_with_poetry.sh") + script("security_audit.sh")


# pip-audit 2.10.1's JSON (pip_audit/_format/json.py): a dependency it could not check has a
# `skip_reason` and no version; the others a version and their vulnerabilities.
REPORT = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.1",
            "vulns": [
                {"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]},
                {"id": "GHSA-aaaa-bbbb-cccc", "fix_versions": []},
            ],
        },
        {"name": "six", "version": "1.16.0", "vulns": []},
        {
            "name": "internal-lib",
            "skip_reason": "Dependency not found on PyPI and could not be "
            "audited: internal-lib (0.3.0)",
        },
    ],
    "fixes": [],
}


def _summarise(tmp_path: Path, report: object | None, status: str) -> tuple[str, str]:
    path = tmp_path / "audit.json"
    if report is not None:
        path.write_text(json.dumps(report), encoding="utf-8")
    summary = tmp_path / "summary.md"
    out = subprocess.run(
        [sys.executable, "-c", script("audit_summary.py"), str(path), status],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout, summary.read_text(encoding="utf-8")


def test_the_audit_summary_counts_findings_and_what_could_not_be_audited(tmp_path: Path) -> None:
    log, summary = _summarise(tmp_path, REPORT, "1")
    assert (
        "2 packages audited: 2 known vulnerabilities in 1 packages; 1 packages could not be "
        "audited." in summary
    )
    assert "| django | 5.2.1 | PYSEC-2025-1 | 5.2.2 |" in summary
    assert "| django | 5.2.1 | GHSA-aaaa-bbbb-cccc | no fix yet |" in summary
    assert "- internal-lib: Dependency not found on PyPI" in summary
    assert "::warning title=Security audit::2 known vulnerabilities in 1 packages" in log
    assert "::warning title=Security audit::1 packages could not be audited: internal-lib" in log


def test_an_audit_that_checked_nothing_is_not_a_quiet_green(tmp_path: Path) -> None:
    """pip-audit prints "No known vulnerabilities found" when its service is out of reach and
    every package was skipped: the summary and a warning say so."""
    skipped = {
        "dependencies": [
            {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}
            for name in ("django", "asgiref", "sqlparse")
        ],
        "fixes": [],
    }
    log, summary = _summarise(tmp_path, skipped, "0")
    assert "0 packages audited: 0 known vulnerabilities in 0 packages; 3 packages" in summary
    assert "could not be audited: django, asgiref, sqlparse" in log


def test_an_audit_that_did_not_finish_says_so(tmp_path: Path) -> None:
    log, summary = _summarise(tmp_path, None, "2")
    assert "pip-audit did not finish (exit status 2)" in summary
    assert "::warning title=Security audit::pip-audit did not finish (exit status 2)" in log
