"""This repository's own workflows (.github/workflows/): checkers, and what each must keep doing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflows.pins import uses_lines

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.y*ml"))

PULL_REQUEST = WORKFLOWS_DIR / "pull-request.yml"
DEPLOY = WORKFLOWS_DIR / "deploy.yml"

# The most each job may ask for; anything beyond this is a regression.
ALLOWED = {
    "pull-request.yml": {
        "test": {"contents": "read"},
        "plan": {"contents": "read"},
        "preview": {"contents": "read", "pull-requests": "write"},
    },
    "deploy.yml": {"up": {"contents": "read"}},
}

SHA = re.compile(r"[0-9a-f]{40}")
RELEASE = re.compile(r"v\d+(\.\d+)*")
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _triggers(data: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers: dict[str, Any] = data["on"] if "on" in data else data[True]
    return triggers


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = _load(path)["jobs"]
    return jobs


def _steps(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in _jobs(path).items() for step in job["steps"]]


def _pulumi_step(path: Path, job_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [
        step
        for step in _jobs(path)[job_id]["steps"]
        if str(step.get("uses", "")).startswith("pulumi/actions@")
    ]
    assert len(steps) == 1, steps
    return steps[0]


def _pins() -> dict[str, tuple[str, str]]:
    """Action (owner/repo) -> (sha, release), as these workflows pin them (tests/workflows/
    test_pins.py checks that every file Dependabot updates pins an action alike)."""
    return {
        found.action: (found.ref, found.comment or "")
        for path in WORKFLOWS
        for found in uses_lines(path.read_text(encoding="utf-8"))
    }


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], capture_output=True, text=True)


def _name(path: Path) -> str:
    return path.name


def test_both_workflows_exist() -> None:
    assert {path.name for path in WORKFLOWS} == {"pull-request.yml", "deploy.yml"}


# Third-party checkers.


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_zizmor_finds_nothing(path: Path) -> None:
    out = _run("zizmor", "--offline", "--no-progress", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_zizmor_auditor_persona_finds_nothing(path: Path) -> None:
    # Stricter than the default: also secrets used outside an environment, nothing suppressed.
    out = _run("zizmor", "--offline", "--no-progress", "--persona", "auditor", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout
    assert "suppressed" not in out.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_no_finding_is_silenced_inline(path: Path) -> None:
    assert "zizmor: ignore" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_actionlint_finds_nothing(path: Path) -> None:
    out = _run("actionlint", "-no-color", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_github_workflow_schema_accepts_it(path: Path) -> None:
    out = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path))
    assert out.returncode == 0, out.stdout + out.stderr


# Hardening.


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_every_action_is_pinned_to_a_sha_with_its_release(path: Path) -> None:
    found = uses_lines(path.read_text(encoding="utf-8"))
    assert found
    for line in found:
        assert SHA.fullmatch(line.ref), line
        assert RELEASE.fullmatch(line.comment or ""), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_no_top_level_write_permission(path: Path) -> None:
    permissions = _load(path)["permissions"]
    assert permissions in ({}, {"contents": "read"})


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_no_job_asks_for_more_than_it_needs(path: Path) -> None:
    jobs = _jobs(path)
    assert {job_id: job["permissions"] for job_id, job in jobs.items()} == ALLOWED[path.name]


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_every_job_has_a_timeout(path: Path) -> None:
    for job_id, job in _jobs(path).items():
        assert isinstance(job.get("timeout-minutes"), int), job_id


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_checkout_never_persists_credentials(path: Path) -> None:
    checkouts = [
        s for _, s in _steps(path) if str(s.get("uses", "")).startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_no_expression_is_expanded_inside_a_script(path: Path) -> None:
    for job_id, step in _steps(path):
        assert "${{" not in step.get("run", ""), (job_id, step.get("name"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_never_runs_on_pull_request_target(path: Path) -> None:
    assert "pull_request_target" not in _triggers(_load(path))
    assert "pull_request_target" not in path.read_text(encoding="utf-8")


# What the workflows are for.


def test_pull_requests_to_main_are_checked() -> None:
    assert _triggers(_load(PULL_REQUEST)) == {"pull_request": {"branches": ["main"]}}


def test_pull_request_runs_make_test_on_python_311() -> None:
    steps = _jobs(PULL_REQUEST)["test"]["steps"]
    assert any(step.get("run") == "make test" for step in steps)
    setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert [s["with"]["python-version"] for s in setup] == ["3.11"]


def test_pull_request_checks_the_offline_plan_and_keeps_it() -> None:
    steps = _jobs(PULL_REQUEST)["plan"]["steps"]
    runs = [step.get("run") for step in steps]
    assert "make plan" in runs
    assert ".venv/bin/python -m baseline plan --json > plan.json" in runs
    assert ".venv/bin/python -m policies.evaluate plan.json" in runs
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(uploads) == 1
    assert uploads[0]["with"]["path"] == "plan.json"
    assert uploads[0]["with"]["retention-days"] <= 7


def test_preview_runs_pulumi_actions_with_the_policy_pack_and_comments() -> None:
    sha, _ = _pins()["pulumi/actions"]
    step = _pulumi_step(PULL_REQUEST, "preview")
    assert step["uses"] == f"pulumi/actions@{sha}"
    inputs = step["with"]
    assert inputs["command"] == "preview"
    assert inputs["diff"] is True
    assert inputs["policyPacks"] == "policies"
    assert inputs["comment-on-pr"] is True
    assert inputs["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    assert inputs["stack-name"] == "${{ vars.PULUMI_STACK }}"


def test_preview_is_skipped_for_pull_requests_from_forks() -> None:
    assert _jobs(PULL_REQUEST)["preview"]["if"] == FORK_GUARD


@pytest.mark.parametrize(("path", "job_id"), [(PULL_REQUEST, "preview"), (DEPLOY, "up")])
def test_pulumi_gets_its_credentials_only_from_secrets(path: Path, job_id: str) -> None:
    job = _jobs(path)[job_id]
    assert _pulumi_step(path, job_id)["env"] == {
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "GITHUB_TOKEN": "${{ secrets.REPO_BASELINE_GITHUB_TOKEN }}",
    }
    assert isinstance(job.get("environment"), str)
    # The program and the policy pack run in the virtualenvs Pulumi.yaml and PulumiPolicy.yaml name.
    scripts = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert "make setup" in scripts
    assert "policies/venv" in scripts


def test_deploy_applies_the_stack_on_pushes_to_main() -> None:
    triggers = _triggers(_load(DEPLOY))
    assert triggers["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in triggers
    assert "pull_request" not in triggers
    sha, _ = _pins()["pulumi/actions"]
    step = _pulumi_step(DEPLOY, "up")
    assert step["uses"] == f"pulumi/actions@{sha}"
    assert step["with"]["command"] == "up"
    assert step["with"]["policyPacks"] == "policies"
    assert step["with"]["stack-name"] == "${{ vars.PULUMI_STACK }}"


def test_deploy_never_runs_twice_at_once_nor_is_cancelled() -> None:
    concurrency = _load(DEPLOY)["concurrency"]
    assert concurrency["cancel-in-progress"] is False
    # A fixed group: every run of the stack queues behind the one applying.
    assert "github.ref" not in concurrency["group"]
    assert "github.run" not in concurrency["group"]
    assert "github.sha" not in concurrency["group"]
