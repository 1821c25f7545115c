"""The pipeline of a uv backend and of a pip backend (`pipeline.package_manager`), run job by job
on the sample converted to each: green on a pull request and on a push to main, with the
dependencies installed the manager's way and the audit working without Poetry's pip."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from baseline.stack.validation import parse_settings
from testing.pipeline_runner import Event, Machine, RunResult
from tests.pipeline_e2e import sample
from tests.pipeline_e2e.test_pipeline import (
    PIPELINE,
    _sample,
    pipeline_options,  # noqa: F401  (the fixture sample_template builds the sample with)
)
from workflows.options import PackageManager
from workflows.templates import rendered_pipeline

MANAGERS: tuple[PackageManager, ...] = ("uv", "pip")


@pytest.fixture(scope="session", params=MANAGERS)
def managed_runs(
    request: pytest.FixtureRequest,
    managed_template: Callable[[PackageManager, str], Path],
    scratch: Path,
    machine: Machine,
) -> tuple[PackageManager, RunResult, RunResult]:
    manager: PackageManager = request.param
    repository = {"name": "shop", "pipeline": {**PIPELINE, "package_manager": manager}}
    options = parse_settings(None, [repository]).repositories[0].pipeline.options
    pipeline = rendered_pipeline("backend-ci", options)
    template = managed_template(manager, options.working_directory)
    managed = _sample(template, scratch / f"shop-{manager}", machine, pipeline, options)
    pull_request = managed.run(Event.pull_request(managed.change(f"feature/{manager}", _same)))
    push = managed.run(Event.push(sample.git(managed.repository, "rev-parse", "main")))
    return manager, pull_request, push


def _same(backend: Path) -> None:
    """A pull request that changes nothing: the branch as main has it."""


def test_every_required_check_is_green_on_a_pull_request_and_every_job_on_main(
    managed_runs: tuple[PackageManager, RunResult, RunResult],
) -> None:
    manager, pull_request, push = managed_runs
    options = (
        parse_settings(
            None, [{"name": "shop", "pipeline": {**PIPELINE, "package_manager": manager}}]
        )
        .repositories[0]
        .pipeline.options
    )
    required = rendered_pipeline("backend-ci", options).required_checks
    conclusions = pull_request.conclusions()
    assert {check: conclusions[check] for check in required} == dict.fromkeys(
        required, "success"
    ), pull_request.report()
    ran = {check: c for check, c in push.conclusions().items() if check != "Bug Logger"}
    assert ran == dict.fromkeys(ran, "success"), push.report()
    tests = push.job("Test Suite (Pytest)")
    assert "Required test coverage of 80% reached" in tests.step("Run tests with coverage").log
    assert "No changes detected" in tests.step("Check for missing migrations").log


def test_dependencies_are_installed_the_managers_way(
    managed_runs: tuple[PackageManager, RunResult, RunResult],
) -> None:
    manager, _, push = managed_runs
    install = push.job("Lint Check (Ruff)").step("Install dependencies")
    if manager == "uv":
        # `uv sync --locked` installs the lock as it is: nothing resolved anew.
        assert "Installed" in install.log, install.log
        assert "Resolved" in install.log or "Audited" in install.log, install.log
    else:
        assert "Successfully installed" in install.log, install.log
        assert "django-5.2.19" in install.log.replace("Django", "django"), install.log
    build = push.job("Build Verification").step("Build the package")
    assert build.outcome == "success", push.report()
    assert "shop-0.1.0-py3-none-any.whl" in build.log, build.log


def test_the_audit_counts_what_it_could_not_check_and_warns(
    managed_runs: tuple[PackageManager, RunResult, RunResult],
) -> None:
    """pip-audit alone prints "No known vulnerabilities found" when it could check nothing (as
    here, where its vulnerability service is out of reach): the summary says how many packages
    went unchecked, and a warning says it too."""
    _, _, push = managed_runs
    audit = push.job("Security Audit")
    step = audit.step("Audit dependencies")
    assert step.outcome == "success", push.report()
    counts = re.search(
        r"(\d+) packages audited: (\d+) known vulnerabilities in \d+ packages; "
        r"(\d+) packages could not be audited\.",
        audit.summary,
    )
    assert counts, audit.summary
    audited, _, skipped = (int(count) for count in counts.groups())
    # The lock's or the requirement files' packages, Django among them; not the project itself.
    assert audited + skipped >= len(sample.DEPENDENCIES) + len(sample.DEV_DEPENDENCIES)
    assert "- shop:" not in audit.summary, audit.summary
    if skipped:
        assert re.search(r"^- django: ", audit.summary, re.M), audit.summary
        assert (
            f"::warning title=Security audit::{skipped} packages could not be audited: " in step.log
        ), step.log
