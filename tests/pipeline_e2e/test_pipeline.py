"""The rendered pipeline, run job by job on the sample backend: green when the code is good,
red in exactly the right check when it is not."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from baseline.stack.validation import parse_settings
from testing.pipeline_runner import Event, LocalRunner, Machine, RunResult
from tests.pipeline_e2e import sample
from tests.pipeline_e2e.conftest import clone
from workflows.options import BackendCiOptions
from workflows.templates import RenderedPipeline, rendered_pipeline

# The stack config a team adopting the pipeline on this backend would write.
PIPELINE: dict[str, object] = {
    "services": ["postgres"],
    "coverage_source": ["src"],
    "deploy_settings_module": "config.settings.production",
    "deploy_fail_level": "WARNING",
    "migrations_check": True,
}
REPOSITORY = {"name": "shop", "pipeline": PIPELINE}
# The same repository with the gate on (`pipeline.gate`): the protection requires Gate alone.
GATED_REPOSITORY = {"name": "shop", "pipeline": {**PIPELINE, "gate": True}}
# Informational and never a check; it needs the index's JSON API, which is not reachable here.
LEAVE_OUT_IN_NEGATIVE_RUNS = {"security-audit": "informational, never a required check"}


@pytest.fixture(scope="session")
def pipeline_options() -> BackendCiOptions:
    return parse_settings(None, [REPOSITORY]).repositories[0].pipeline.options


@pytest.fixture(scope="session")
def pipeline(pipeline_options: BackendCiOptions) -> RenderedPipeline:
    return rendered_pipeline("backend-ci", pipeline_options)


@dataclass
class Sample:
    """A clone of the sample with the pipeline committed, and a runner for it."""

    repository: Path
    backend: Path
    runner: LocalRunner
    pipeline: RenderedPipeline

    def change(self, branch: str, edit: Callable[[Path], None]) -> str:
        sample.git(self.repository, "checkout", "--quiet", "-B", branch, "main")
        edit(self.backend)
        return sample.commit(self.repository, branch)

    def run(
        self,
        event: Event,
        leave_out: dict[str, str] | None = None,
        cancel_before: str | None = None,
    ) -> RunResult:
        result = self.runner.run(
            self.pipeline.path, event, leave_out=leave_out, cancel_before=cancel_before
        )
        print(result.report())
        return result


def _sample(
    template: Path,
    destination: Path,
    machine: Machine,
    pipeline: RenderedPipeline,
    options: BackendCiOptions,
) -> Sample:
    repository = clone(template, destination)
    workflow = repository / pipeline.path
    workflow.parent.mkdir(parents=True)
    workflow.write_text(pipeline.content, encoding="utf-8")
    sample.commit(repository, "ci: the backend pipeline, rendered by repo-baseline")
    runner = LocalRunner(repository, machine, destination.parent)
    return Sample(repository, repository / options.working_directory, runner, pipeline)


@pytest.fixture(scope="session")
def sample_repo(
    sample_template: Path,
    scratch: Path,
    machine: Machine,
    pipeline: RenderedPipeline,
    pipeline_options: BackendCiOptions,
) -> Sample:
    return _sample(sample_template, scratch / "shop", machine, pipeline, pipeline_options)


@pytest.fixture(scope="session")
def pull_request_run(sample_repo: Sample) -> RunResult:
    sha = sample_repo.change("feature/green", lambda backend: None)
    return sample_repo.run(Event.pull_request(sha))


@pytest.fixture(scope="session")
def push_run(sample_repo: Sample) -> RunResult:
    sha = sample.git(sample_repo.repository, "rev-parse", "main")
    return sample_repo.run(Event.push(sha))


def test_pull_request_every_required_check_is_green(
    pull_request_run: RunResult, pipeline: RenderedPipeline
) -> None:
    conclusions = pull_request_run.conclusions()
    assert {check: conclusions[check] for check in pipeline.required_checks} == dict.fromkeys(
        pipeline.required_checks, "success"
    ), pull_request_run.report()
    assert conclusions["Deployment Readiness Check"] == "skipped"
    assert conclusions["Bug Logger"] == "skipped"


def test_pull_request_tests_ran_on_the_postgres_service(pull_request_run: RunResult) -> None:
    log = pull_request_run.job("Test Suite (Pytest)").step("Run tests with coverage").log
    assert "test_the_database_is_the_one_ci_provides PASSED" in log or " passed" in log
    assert re.search(r"Required test coverage of 80% reached", log), log[-2000:]


def test_pull_request_finds_no_missing_migration(pull_request_run: RunResult) -> None:
    check = pull_request_run.job("Test Suite (Pytest)").step("Check for missing migrations")
    assert check.outcome == "success", pull_request_run.report()
    assert "No changes detected" in check.log


def test_push_to_main_every_job_is_green_and_summarises_coverage(push_run: RunResult) -> None:
    conclusions = push_run.conclusions()
    ran = {check: c for check, c in conclusions.items() if check != "Bug Logger"}
    assert ran == dict.fromkeys(ran, "success"), push_run.report()
    assert conclusions["Bug Logger"] == "skipped"
    summary = push_run.job("Deployment Readiness Check").summary
    assert re.search(r"- coverage/coverage-report/coverage\.json: \d+\.\d% covered", summary), (
        summary
    )
    audit = push_run.job("Security Audit")
    assert audit.step("Audit dependencies").outcome == "success", push_run.report()


# --- Negative runs: each breaks one thing, and exactly one check goes red -----------------------


def _append(path: str, text: str) -> Callable[[Path], None]:
    def edit(backend: Path) -> None:
        with (backend / path).open("a", encoding="utf-8") as file:
            file.write(text)

    return edit


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(backend: Path) -> None:
        target = backend / path
        text = target.read_text(encoding="utf-8")
        assert old in text, (path, old)
        target.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def _both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(backend: Path) -> None:
        for one in edits:
            one(backend)

    return edit


# Black-formatted and lint-clean, so only the coverage figure changes.
UNTESTED_MODULE = '"""Discounts nobody tested."""\n' + "".join(
    f"\n\ndef discount_{i}(price: int) -> int:\n    if price > {i}:\n        return price - {i}\n"
    "    return price\n"
    for i in range(40)
)

NEGATIVE = {
    "failing-test": (
        _append(
            "tests/test_shop.py",
            "\n\ndef test_vat_on_zero_is_not_zero() -> None:\n"
            '    assert with_vat(Decimal("0")) == Decimal("0.01")\n',
        ),
        "Test Suite (Pytest)",
        "Run tests with coverage",
    ),
    "coverage-under-threshold": (
        _append("src/shop/discounts.py", UNTESTED_MODULE),
        "Test Suite (Pytest)",
        "Run tests with coverage",
    ),
    "lint-error-a-fixer-rewrites": (
        # The project's `make lint` fixes what it finds, as many do; the unused import is fixable.
        _both(
            _replace("Makefile", "poetry run ruff check .", "poetry run ruff check --fix ."),
            _replace("src/shop/views.py", "from django.http", "import os\nfrom django.http"),
        ),
        "Lint Check (Ruff)",
        "Fail if Lint Check (Ruff) changed tracked files",
    ),
    "formatting-error": (
        _replace("src/shop/pricing.py", "-> Decimal:", "->Decimal :"),
        "Format Check (Black)",
        "Format Check (Black)",
    ),
    "type-error": (
        _replace(
            "src/shop/pricing.py", "rate: Decimal = VAT) -> Decimal", "rate: Decimal = VAT) -> int"
        ),
        "Type Check (MyPy)",
        "Type Check (MyPy)",
    ),
    "model-change-without-migration": (
        _replace(
            "src/shop/models.py",
            "    price = models.DecimalField(max_digits=8, decimal_places=2)\n",
            "    price = models.DecimalField(max_digits=8, decimal_places=2)\n"
            "    sku = models.CharField(max_length=20, blank=True)\n",
        ),
        "Test Suite (Pytest)",
        "Check for missing migrations",
    ),
    "deployment-check-warning": (
        _replace(
            "src/config/settings/production.py",
            "SESSION_COOKIE_SECURE = True",
            "SESSION_COOKIE_SECURE = False",
        ),
        "Build Verification",
        "Django deployment checks",
    ),
}

NEEDS_QUALITY = ("Test Suite (Pytest)", "Build Verification")
QUALITY = ("Lint Check (Ruff)", "Format Check (Black)", "Type Check (MyPy)")


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_negative_run_turns_exactly_the_right_check_red(
    case: str, sample_repo: Sample, pipeline: RenderedPipeline
) -> None:
    edit, red_check, red_step = NEGATIVE[case]
    sha = sample_repo.change(f"feature/{case}", edit)
    result = sample_repo.run(Event.pull_request(sha), leave_out=LEAVE_OUT_IN_NEGATIVE_RUNS)
    expected = dict.fromkeys(pipeline.required_checks, "success")
    expected[red_check] = "failure"
    if red_check in QUALITY:
        # GitHub skips what needs a failed job; a skipped required check does not block.
        expected.update(dict.fromkeys(NEEDS_QUALITY, "skipped"))
    conclusions = result.conclusions()
    assert {check: conclusions[check] for check in pipeline.required_checks} == expected, (
        result.report()
    )
    failed = result.job(red_check).failed_step()
    assert failed is not None, result.report()
    assert failed.name == red_step, result.report()
    bug_logger = result.job("Bug Logger")
    assert bug_logger.conclusion == "success", result.report()
    assert bug_logger.steps[0].outcome == "not run", result.report()


# --- With the gate (`pipeline.gate`): Gate is the one required check ----------------------------

GATE = "Gate"
GATE_STEP = "Fail unless every required job succeeded"


@pytest.fixture(scope="session")
def gated_options() -> BackendCiOptions:
    return parse_settings(None, [GATED_REPOSITORY]).repositories[0].pipeline.options


@pytest.fixture(scope="session")
def gated_pipeline(gated_options: BackendCiOptions) -> RenderedPipeline:
    return rendered_pipeline("backend-ci", gated_options)


@pytest.fixture(scope="session")
def gated_repo(
    sample_template: Path,
    scratch: Path,
    machine: Machine,
    gated_pipeline: RenderedPipeline,
    gated_options: BackendCiOptions,
) -> Sample:
    return _sample(sample_template, scratch / "shop-gate", machine, gated_pipeline, gated_options)


def _gate_needs(pipeline: RenderedPipeline) -> dict[str, str]:
    """The gate's needs, by check name -> job id (none of them is a matrix here)."""
    jobs = yaml.safe_load(pipeline.content)["jobs"]
    return {jobs[job_id]["name"]: job_id for job_id in jobs["gate"]["needs"]}


@pytest.fixture(scope="session")
def gated_pull_request_run(gated_repo: Sample) -> RunResult:
    sha = gated_repo.change("feature/green", lambda backend: None)
    return gated_repo.run(Event.pull_request(sha), leave_out=LEAVE_OUT_IN_NEGATIVE_RUNS)


def test_gated_pull_request_gate_is_green_and_the_one_required_check(
    gated_pull_request_run: RunResult, gated_pipeline: RenderedPipeline
) -> None:
    assert gated_pipeline.required_checks == (GATE,)
    conclusions = gated_pull_request_run.conclusions()
    needs = _gate_needs(gated_pipeline)
    assert list(needs) == [
        "Lint Check (Ruff)",
        "Format Check (Black)",
        "Type Check (MyPy)",
        "Test Suite (Pytest)",
        "Build Verification",
    ]
    assert {check: conclusions[check] for check in (*needs, GATE)} == dict.fromkeys(
        (*needs, GATE), "success"
    ), gated_pull_request_run.report()
    log = gated_pull_request_run.job(GATE).step(GATE_STEP).log
    assert "Every required job succeeded (5)." in log, log
    assert conclusions["Deployment Readiness Check"] == "skipped"
    assert conclusions["Bug Logger"] == "skipped"


@pytest.mark.parametrize("case", ["failing-test", "lint-error-a-fixer-rewrites"])
def test_gated_negative_run_turns_its_check_and_the_gate_red(
    case: str, gated_repo: Sample, gated_pipeline: RenderedPipeline
) -> None:
    edit, red_check, red_step = NEGATIVE[case]
    sha = gated_repo.change(f"feature/{case}", edit)
    result = gated_repo.run(Event.pull_request(sha), leave_out=LEAVE_OUT_IN_NEGATIVE_RUNS)
    conclusions = result.conclusions()
    assert conclusions[red_check] == "failure", result.report()
    failed = result.job(red_check).failed_step()
    assert failed is not None, result.report()
    assert failed.name == red_step, result.report()
    # The gate ran although a job it needs failed (`always()`), and failed, naming that job.
    gate = result.job(GATE)
    assert gate.conclusion == "failure", result.report()
    assert gate.failed_step() is not None, result.report()
    errors = [line for line in gate.step(GATE_STEP).log.splitlines() if line.startswith("::")]
    expected = [
        f"::error title=Gate::{_gate_needs(gated_pipeline)[red_check]} did not succeed: failure"
    ]
    if red_check in QUALITY:
        # What needs the failed job is skipped, and the gate names it too.
        expected += [
            f"::error title=Gate::{job_id} did not succeed: skipped" for job_id in ("test", "build")
        ]
    assert errors == expected, result.report()
    bug_logger = result.job("Bug Logger")
    assert bug_logger.conclusion == "success", result.report()
    assert bug_logger.steps[0].outcome == "not run", result.report()


def test_gated_cancelled_run_leaves_a_red_gate(gated_repo: Sample) -> None:
    """A run cancelled before the test and build jobs start (a newer push, with
    `cancel-in-progress`): the gate still runs and fails; the bug logger files nothing."""
    sha = gated_repo.change("feature/cancelled", lambda backend: None)
    result = gated_repo.run(
        Event.pull_request(sha), leave_out=LEAVE_OUT_IN_NEGATIVE_RUNS, cancel_before="test"
    )
    conclusions = result.conclusions()
    assert {check: conclusions[check] for check in QUALITY} == dict.fromkeys(QUALITY, "success")
    assert {check: conclusions[check] for check in NEEDS_QUALITY} == dict.fromkeys(
        NEEDS_QUALITY, "cancelled"
    ), result.report()
    assert conclusions[GATE] == "failure", result.report()
    log = result.job(GATE).step(GATE_STEP).log
    assert "::error title=Gate::test did not succeed: cancelled" in log, log
    assert "::error title=Gate::build did not succeed: cancelled" in log, log
    assert conclusions["Bug Logger"] == "cancelled", result.report()
    assert result.job("Bug Logger").steps == []


# An application that is not a package (`package-mode = false`): no Build Verification
# (`poetry build` would refuse it), and the deployment checks run in the test job instead.
APPLICATION_REPOSITORY = {"name": "shop", "pipeline": {**PIPELINE, "build": False}}


@pytest.fixture(scope="session")
def application_options() -> BackendCiOptions:
    return parse_settings(None, [APPLICATION_REPOSITORY]).repositories[0].pipeline.options


@pytest.fixture(scope="session")
def application_run(
    sample_template: Path,
    scratch: Path,
    machine: Machine,
    application_options: BackendCiOptions,
) -> RunResult:
    pipeline = rendered_pipeline("backend-ci", application_options)
    application = _sample(
        sample_template, scratch / "shop-application", machine, pipeline, application_options
    )

    def not_a_package(backend: Path) -> None:
        pyproject = backend / "pyproject.toml"
        text, count = re.subn(
            r"^packages = \[.*\]$", "package-mode = false", pyproject.read_text("utf-8"), flags=re.M
        )
        assert count == 1
        pyproject.write_text(text, encoding="utf-8")

    sha = application.change("feature/application", not_a_package)
    return application.run(Event.pull_request(sha), leave_out=LEAVE_OUT_IN_NEGATIVE_RUNS)


def test_an_application_without_build_is_green_and_checks_deployment_after_its_tests(
    application_run: RunResult, application_options: BackendCiOptions
) -> None:
    pipeline = rendered_pipeline("backend-ci", application_options)
    assert "Build Verification" not in pipeline.required_checks
    conclusions = application_run.conclusions()
    assert "Build Verification" not in conclusions
    assert {check: conclusions[check] for check in pipeline.required_checks} == dict.fromkeys(
        pipeline.required_checks, "success"
    ), application_run.report()
    tests = application_run.job("Test Suite (Pytest)")
    for step in ("Run tests with coverage", "Django deployment checks", "Collect static files"):
        assert tests.step(step).outcome == "success", application_run.report()
    assert "System check identified no issues" in tests.step("Django deployment checks").log


# Production settings that need their secret (`pipeline.secrets`): without it, exactly the
# deployment checks go red; with it, every check is green.
SECRET_REPOSITORY = {"name": "shop", "pipeline": {**PIPELINE, "secrets": ["DJANGO_SECRET_KEY"]}}
NEEDS_THE_SECRET = _both(
    _replace(
        "src/config/settings/production.py",
        "from django.core.management.utils import get_random_secret_key\n\n",
        "",
    ),
    _replace(
        "src/config/settings/production.py",
        "# Set DJANGO_SECRET_KEY in production; the random fallback only serves checks and "
        "builds.\n"
        'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()\n',
        "# The deployment's own secret (pipeline.secrets): empty, Django refuses to start.\n"
        'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n',
    ),
)


@pytest.fixture(scope="session")
def secret_repo(sample_template: Path, scratch: Path, machine: Machine) -> Sample:
    options = parse_settings(None, [SECRET_REPOSITORY]).repositories[0].pipeline.options
    pipeline = rendered_pipeline("backend-ci", options)
    return _sample(sample_template, scratch / "shop-secret", machine, pipeline, options)


@pytest.mark.parametrize("given", [False, True], ids=["secret-absent", "secret-given"])
def test_settings_that_need_a_secret_are_red_in_the_deployment_checks_without_it(
    given: bool, secret_repo: Sample
) -> None:
    sha = secret_repo.change(f"feature/secret-{given}", NEEDS_THE_SECRET)
    secrets = {"DJANGO_SECRET_KEY": "k" * 50 + "-not-a-real-key-but-long-enough"} if given else {}
    result = secret_repo.runner.run(
        secret_repo.pipeline.path,
        Event.pull_request(sha),
        leave_out=LEAVE_OUT_IN_NEGATIVE_RUNS,
        secrets=secrets,
    )
    print(result.report())
    required = secret_repo.pipeline.required_checks
    expected = dict.fromkeys(required, "success")
    if not given:
        expected["Build Verification"] = "failure"
    conclusions = result.conclusions()
    assert {check: conclusions[check] for check in required} == expected, result.report()
    if not given:
        failed = result.job("Build Verification").failed_step()
        assert failed is not None, result.report()
        assert failed.name == "Django deployment checks", result.report()
        assert "SECRET_KEY" in failed.log, failed.log[-2000:]
