"""Hardening: least privilege, no untrusted expansion, timeouts, and third-party checkers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from workflows.backend_ci import backend_ci
from workflows.options import BackendCiOptions
from workflows.render import render

BIN = Path(sys.executable).parent

# The most each job may ask for; anything beyond this is a regression.
ALLOWED = {
    "lint": {"contents": "read"},
    "format": {"contents": "read"},
    "type-check": {"contents": "read"},
    "security-audit": {"contents": "read"},
    "test": {"contents": "read"},
    "build": {"contents": "read"},
    "deploy-readiness": {"actions": "read"},
    "bug-logger": {"issues": "write", "pull-requests": "write"},
    # The gate reads only the `needs` context: no scope at all.
    "gate": {},
}


def _data(options: BackendCiOptions) -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(render(backend_ci(options)))
    return data


def test_top_level_permissions_are_read_only(variant: tuple[str, BackendCiOptions]) -> None:
    data = _data(variant[1])
    assert data["permissions"] == {"contents": "read"}


def test_no_job_asks_for_more_than_it_needs(variant: tuple[str, BackendCiOptions]) -> None:
    jobs = _data(variant[1])["jobs"]
    assert isinstance(jobs, dict)
    expected = {job_id: scopes for job_id, scopes in ALLOWED.items() if job_id != "gate"}
    if variant[1].gate:
        expected["gate"] = ALLOWED["gate"]
    if variant[1].bug_logger == "off":
        del expected["bug-logger"]
    if variant[1].bug_logger == "comment":
        expected["bug-logger"] = {"pull-requests": "write"}  # a pull request comment only
    if not variant[1].build:
        del expected["build"]
    assert {job_id: job["permissions"] for job_id, job in jobs.items()} == expected


def test_every_job_has_a_timeout(variant: tuple[str, BackendCiOptions]) -> None:
    jobs = _data(variant[1])["jobs"]
    assert isinstance(jobs, dict)
    for job in jobs.values():
        assert isinstance(job["timeout-minutes"], int)


def test_checkout_never_persists_credentials(variant: tuple[str, BackendCiOptions]) -> None:
    for job in backend_ci(variant[1]).jobs:
        for step in job.steps:
            if step.uses and step.uses.startswith("actions/checkout@"):
                assert step.with_["persist-credentials"] is False


def test_no_expression_is_expanded_inside_a_script(variant: tuple[str, BackendCiOptions]) -> None:
    for job in backend_ci(variant[1]).jobs:
        for step in job.steps:
            scripts = [step.run or "", str(step.with_.get("script", ""))]
            assert not any("${{" in script for script in scripts), (job.id, step.name)


def test_coverage_threshold_is_enforced_by_the_workflow() -> None:
    text = render(backend_ci(BackendCiOptions(coverage_threshold=90)))
    assert "--cov-fail-under=90" in text
    assert re.search(r"retention-days: 7\b", text)


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], capture_output=True, text=True)


def _write(tmp_path: Path, options: BackendCiOptions) -> Path:
    path = tmp_path / ".github" / "workflows" / "backend-ci.yml"
    path.parent.mkdir(parents=True)
    path.write_text(render(backend_ci(options)), encoding="utf-8")
    return path


def _zizmor_pedantic(path: str) -> subprocess.CompletedProcess[str]:
    # The strictest persona: also undocumented permissions and anonymous definitions. No color:
    # on CI (CI=true) zizmor colours its summary, which the tests read.
    return _run(
        "zizmor", "--offline", "--no-progress", "--color", "never", "--persona", "pedantic", path
    )


def test_zizmor_pedantic_finds_nothing(
    tmp_path: Path, variant: tuple[str, BackendCiOptions]
) -> None:
    out = _zizmor_pedantic(str(_write(tmp_path, variant[1])))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout
    # Below pedantic (the auditor persona), only `pipeline.secrets` may be found: secrets-outside-
    # env, one per step given a secret. They are the repository's (or organization's) own, not an
    # environment's: a job with an environment makes a deployment on every pull request, and an
    # environment's branch rules would keep the tests of a pull request from running at all.
    # The steps that run the project's code: the tests, the deployment checks, collectstatic,
    # and the migrations check when it is on.
    steps_with_secrets = (3 + variant[1].migrations_check) if variant[1].secrets else 0
    expected = f"({steps_with_secrets * len(variant[1].secrets)} suppressed)"
    assert ("suppressed" not in out.stdout) if not steps_with_secrets else expected in out.stdout
    if steps_with_secrets:
        audited = _run(
            "zizmor",
            "--offline",
            "--no-progress",
            "--color",
            "never",
            "--persona",
            "auditor",
            out.args[-1],
        )
        assert set(
            re.findall(r"(?:warning|error|help|note|info)\[([a-z-]+)\]", audited.stdout)
        ) == {"secrets-outside-env"}


def test_every_permission_says_why(variant: tuple[str, BackendCiOptions]) -> None:
    lines = render(backend_ci(variant[1])).splitlines()
    blocks = [i for i, line in enumerate(lines) if line.strip() == "permissions:"]
    jobs = backend_ci(variant[1]).jobs
    # A job with no scope at all says so in one line: nothing to explain.
    empty = [line for line in lines if line.strip() == "permissions: {}"]
    assert len(empty) == sum(1 for job in jobs if not job.permissions.scopes)
    assert len(blocks) == 1 + len(jobs) - len(empty)
    for start in blocks:
        indent = len(lines[start]) - len(lines[start].lstrip()) + 2
        scopes = []
        for line in lines[start + 1 :]:
            if len(line) - len(line.lstrip()) != indent:
                break
            scopes.append(line)
        assert scopes, lines[start]
        for line in scopes:
            assert re.fullmatch(r" +[a-z-]+: (read|write) # \S.*", line), line


def test_actionlint_finds_nothing(tmp_path: Path, variant: tuple[str, BackendCiOptions]) -> None:
    path = _write(tmp_path, variant[1])
    out = _run("actionlint", "-no-color", f"-shellcheck={BIN / 'shellcheck'}", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == ""


def test_github_workflow_schema_accepts_it(
    tmp_path: Path, variant: tuple[str, BackendCiOptions]
) -> None:
    path = _write(tmp_path, variant[1])
    out = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_committed_render_passes_zizmor_and_actionlint() -> None:
    rendered = str(
        Path(__file__).resolve().parents[2] / "workflows" / "rendered" / "backend-ci.yml"
    )
    zizmor = _zizmor_pedantic(rendered)
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings to report" in zizmor.stdout
    actionlint = _run("actionlint", "-no-color", f"-shellcheck={BIN / 'shellcheck'}", rendered)
    assert (actionlint.returncode, actionlint.stdout) == (0, "")
