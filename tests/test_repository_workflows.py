"""This repository's own workflows (.github/workflows/): who can reach which token, checkers,
and what each workflow must keep doing."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflows.pins import uses_lines

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.y*ml"))
DEPENDABOT = ROOT / ".github" / "dependabot.yml"

CHECKS = WORKFLOWS_DIR / "checks.yml"
PULL_REQUEST = WORKFLOWS_DIR / "pull-request.yml"
DEPLOY = WORKFLOWS_DIR / "deploy.yml"
DRIFT = WORKFLOWS_DIR / "drift.yml"
STACKS = WORKFLOWS_DIR / "stacks.yml"

# The most each job may ask for; anything beyond this is a regression.
ALLOWED = {
    "checks.yml": {"test": {"contents": "read"}, "plan": {"contents": "read"}},
    "pull-request.yml": {
        "checks": {"contents": "read"},
        "stacks": {},
        "preview": {"contents": "read"},
        "comment": {"pull-requests": "write"},
    },
    "deploy.yml": {"checks": {"contents": "read"}, "stacks": {}, "up": {"contents": "read"}},
    "drift.yml": {"stacks": {}, "preview": {"contents": "read"}, "report": {"issues": "write"}},
    "stacks.yml": {"resolve": {}},
}

SHA = re.compile(r"[0-9a-f]{40}")
RELEASE = re.compile(r"v\d+(\.\d+)*")
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"

# --- Who can reach which token --------------------------------------------------------------
#
# Every secret a workflow names is classified here; a new one fails the test until it is.
# The environments hold them (docs/operations.md, "This repository's own CI"): `preview` the
# read-only ones and must allow every branch; `production` the write ones and must allow the
# default branch only.
READ_SECRETS = frozenset(
    {
        "REPO_BASELINE_READ_TOKEN",
        "PULUMI_READ_TOKEN",
        "BACKEND_READ_AWS_ACCESS_KEY_ID",
        "BACKEND_READ_AWS_SECRET_ACCESS_KEY",
    }
)
WRITE_SECRETS = frozenset(
    {
        "REPO_BASELINE_WRITE_TOKEN",
        "PULUMI_WRITE_TOKEN",
        "BACKEND_WRITE_AWS_ACCESS_KEY_ID",
        "BACKEND_WRITE_AWS_SECRET_ACCESS_KEY",
    }
)
# Not a token: the key that decrypts the stack's secrets, which previews need as much as updates.
SHARED_SECRETS = frozenset({"PULUMI_CONFIG_PASSPHRASE"})
ENVIRONMENT_OF = {"read": "preview", "write": "production"}
# A schedule's event has no webhook payload, so no `github.event.repository` (GitHub's "Events
# that trigger workflows"; codeql-action#1211): its runs, always of the default branch's latest
# commit, are let through by name, or the ref test alone would skip every one of them.
DEFAULT_BRANCH_GUARD = (
    "github.event_name == 'schedule' || "
    "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
)
# Events whose runs execute a pull request's code, or its author's choice of workflow file.
PULL_REQUEST_EVENTS = frozenset(
    {
        "pull_request",
        "pull_request_target",
        "pull_request_review",
        "pull_request_review_comment",
        "issue_comment",
        "workflow_run",
        "merge_group",
    }
)
# Events that run the default branch's code (`push` only when filtered to it); a
# `workflow_dispatch` picks any ref, so a job reaching a write token must also check the ref.
DEFAULT_BRANCH_EVENTS = frozenset({"push", "schedule", "workflow_dispatch"})
SECRET_NAME = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)")
EVERY_SECRET = re.compile(r"\bsecrets\s*\[|toJSON\(\s*secrets\s*\)", re.IGNORECASE)

Workflows = dict[str, dict[Any, Any]]


def _triggers(data: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers: dict[str, Any] = data["on"] if "on" in data else data[True]
    return triggers


def _called(job: dict[str, Any]) -> str | None:
    """The file name of the local reusable workflow a job calls (`$/` or `./` form)."""
    uses = str(job.get("uses", ""))
    for prefix in ("$/.github/workflows/", "./.github/workflows/"):
        if uses.startswith(prefix):
            return uses.removeprefix(prefix)
    return None


def reached_secrets(workflows: Workflows, name: str, job: dict[str, Any]) -> set[str]:
    """Every secret the job can read: named anywhere in it or in its workflow's env, passed on
    to a reusable workflow, or all of them (`secrets: inherit`, `toJSON(secrets)`)."""
    text = json.dumps([job, workflows[name].get("env", {})])
    found = set(SECRET_NAME.findall(text))
    if job.get("secrets") == "inherit" or EVERY_SECRET.search(text):
        found |= READ_SECRETS | WRITE_SECRETS | SHARED_SECRETS
    called = _called(job)
    if called is not None:
        for sub in workflows[called]["jobs"].values():
            found |= reached_secrets(workflows, called, sub)
    return found - {"GITHUB_TOKEN"}


def token_writes(data: dict[Any, Any], job: dict[str, Any]) -> list[str]:
    """The write scopes of the job's GITHUB_TOKEN (no `permissions:` anywhere: the repository's
    default, which can be write)."""
    permissions = job.get("permissions", data.get("permissions"))
    if permissions is None or permissions == "write-all":
        return ["every scope"]
    if permissions == "read-all":
        return []
    return [f"{scope}: write" for scope, access in permissions.items() if access == "write"]


def runs_repository_code(job: dict[str, Any]) -> bool:
    """Checks out or runs anything of the repository (a script, a local action or workflow)."""
    if "uses" in job:
        return True
    for step in job.get("steps", []):
        uses = str(step.get("uses", ""))
        if "run" in step or uses.startswith(("./", "$/", "actions/checkout@")):
            return True
    return False


def privilege_violations(workflows: Workflows) -> list[str]:
    """What lets a write token be reached from a pull request or from a ref other than the
    default branch; empty when nothing does."""
    found = []
    for name, data in sorted(workflows.items()):
        triggers = _triggers(data)
        events = set(triggers)
        push = triggers.get("push") or {}
        for job_id, job in data["jobs"].items():
            where = f"{name}: job {job_id}"
            secrets = reached_secrets(workflows, name, job)
            unknown = secrets - READ_SECRETS - WRITE_SECRETS - SHARED_SECRETS
            if unknown:
                found.append(f"{where} names secrets no rule covers: {sorted(unknown)}")
            writes = sorted(secrets & WRITE_SECRETS)
            if writes and _called(job) is None:
                if events & PULL_REQUEST_EVENTS:
                    found.append(f"{where} runs on a pull request and can reach {writes}")
                if events - DEFAULT_BRANCH_EVENTS - PULL_REQUEST_EVENTS:
                    found.append(f"{where} runs on {sorted(events)} and can reach {writes}")
                if "push" in events and push.get("branches") != ["main"]:
                    found.append(f"{where} runs on pushes to other branches, with {writes}")
                if job.get("if") != DEFAULT_BRANCH_GUARD:
                    found.append(f"{where} can run on another ref and reach {writes}")
                if job.get("environment") != ENVIRONMENT_OF["write"]:
                    found.append(f"{where} reaches {writes} outside the production environment")
            elif writes:
                found.append(f"{where} passes {writes} on to {_called(job)}")
            reads = sorted(secrets & READ_SECRETS)
            if reads and job.get("environment") != ENVIRONMENT_OF["read"]:
                found.append(f"{where} reaches {reads} outside the preview environment")
            if (
                events & PULL_REQUEST_EVENTS
                and token_writes(data, job)
                and runs_repository_code(job)
            ):
                found.append(
                    f"{where} runs code from the pull request next to a GITHUB_TOKEN with "
                    f"{token_writes(data, job)}"
                )
    return found


# --- One `pulumi up` per stack at a time ----------------------------------------------------
#
# Every job that can reach a write token runs `pulumi up`: one job per stack of the resolved list
# (stacks.yml), in the group `pulumi-up-<stack>` that deploys and roll-outs share, never cancelled.
STACK_MATRIX = {
    "fail-fast": False,
    "matrix": {"stack": "${{ fromJSON(needs.stacks.outputs.stacks) }}"},
}
UP_GROUP = {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def stack_matrix_violations(workflows: Workflows, name: str, job_id: str) -> list[str]:
    """What keeps a job from being one job per stack of stacks.yml's list; empty when nothing."""
    where = f"{name}: job {job_id}"
    jobs = workflows[name]["jobs"]
    job = jobs[job_id]
    found = []
    if job.get("strategy") != STACK_MATRIX:
        found.append(f"{where} is not a matrix over the resolved stacks with fail-fast off")
    if "stacks" not in _needs(job) or _called(jobs.get("stacks", {})) != "stacks.yml":
        found.append(f"{where} does not take its stacks from stacks.yml")
    return found


def apply_violations(workflows: Workflows) -> list[str]:
    """What lets two `pulumi up` of one stack run at once, cancels one mid-apply, or applies
    another stack than the matrix' own; empty when nothing does."""
    found = []
    for name, data in sorted(workflows.items()):
        for job_id, job in data["jobs"].items():
            if (
                _called(job) is not None
                or not reached_secrets(workflows, name, job) & WRITE_SECRETS
            ):
                continue
            where = f"{name}: job {job_id}"
            found += stack_matrix_violations(workflows, name, job_id)
            if job.get("concurrency") != UP_GROUP:
                found.append(f"{where} is not in the per-stack group {UP_GROUP}")
            if "concurrency" in data:
                found.append(f"{where}: a workflow-level group would queue every stack together")
            for step in job.get("steps", []):
                action = str(step.get("uses", "")).startswith("pulumi/actions@")
                if action and "command" in step["with"]:
                    stack = step["with"].get("stack-name")
                elif re.search(r"\b(pulumi|repo-baseline) ", str(step.get("run", ""))):
                    stack = step.get("env", {}).get("PULUMI_STACK")
                else:
                    continue
                if stack != "${{ matrix.stack }}":
                    found.append(f"{where} applies another stack than its matrix' own")
    return found


def _workflows() -> Workflows:
    return {path.name: _load(path) for path in WORKFLOWS}


def test_no_write_token_is_reachable_from_a_pull_request_or_another_ref() -> None:
    assert privilege_violations(_workflows()) == []


def test_the_write_token_is_reachable_from_exactly_the_deploy_job() -> None:
    workflows = _workflows()
    reaching = {
        (name, job_id)
        for name, data in workflows.items()
        for job_id, job in data["jobs"].items()
        if reached_secrets(workflows, name, job) & WRITE_SECRETS and _called(job) is None
    }
    assert reaching == {("deploy.yml", "up")}


def test_each_stack_is_applied_by_one_job_at_a_time_never_cancelled() -> None:
    assert apply_violations(_workflows()) == []


def _job(workflows: Workflows, name: str, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = workflows[name]["jobs"][job_id]
    return job


def _pulumi_env(workflows: Workflows, name: str, job_id: str) -> dict[str, str]:
    for step in _job(workflows, name, job_id)["steps"]:
        if "GITHUB_TOKEN" in step.get("env", {}):
            env: dict[str, str] = step["env"]
            return env
    raise AssertionError(f"no pulumi step in {name} {job_id}")


def _leak_write_token_into_the_preview(w: Workflows) -> None:
    _pulumi_env(w, "pull-request.yml", "preview")["GITHUB_TOKEN"] = (
        "${{ secrets.REPO_BASELINE_WRITE_TOKEN }}"
    )


def _inherit_every_secret_into_the_checks(w: Workflows) -> None:
    _job(w, "pull-request.yml", "checks")["secrets"] = "inherit"


def _dump_every_secret_in_the_preview(w: Workflows) -> None:
    _pulumi_env(w, "pull-request.yml", "preview")["ALL"] = "${{ toJSON(secrets) }}"


def _let_the_preview_write_to_pull_requests(w: Workflows) -> None:
    _job(w, "pull-request.yml", "preview")["permissions"]["pull-requests"] = "write"


def _deploy_on_pull_requests(w: Workflows) -> None:
    _triggers(w["deploy.yml"])["pull_request"] = {"branches": ["main"]}


def _deploy_on_pushes_to_any_branch(w: Workflows) -> None:
    _triggers(w["deploy.yml"])["push"] = {"branches": ["**"]}


def _deploy_without_the_ref_guard(w: Workflows) -> None:
    del _job(w, "deploy.yml", "up")["if"]


def _deploy_from_the_preview_environment(w: Workflows) -> None:
    _job(w, "deploy.yml", "up")["environment"] = "preview"


def _read_the_write_token_in_the_drift_preview(w: Workflows) -> None:
    for step in _job(w, "drift.yml", "preview")["steps"]:
        if "GITHUB_TOKEN" in step.get("env", {}):
            step["env"]["GITHUB_TOKEN"] = "${{ secrets.REPO_BASELINE_WRITE_TOKEN }}"


def _name_an_unclassified_secret(w: Workflows) -> None:
    _pulumi_env(w, "deploy.yml", "up")["EXTRA"] = "${{ secrets.ORG_ADMIN_TOKEN }}"


def _guard_by_event_only(w: Workflows) -> None:
    # A manual run of any branch would pass.
    _job(w, "deploy.yml", "up")["if"] = (
        "github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'"
    )


def _deploy_when_another_workflow_finishes(w: Workflows) -> None:
    _triggers(w["deploy.yml"])["workflow_run"] = {"workflows": ["Pull request"]}


def _deploy_on_repository_dispatch(w: Workflows) -> None:
    _triggers(w["deploy.yml"])["repository_dispatch"] = {"types": ["roll-out"]}


def _inherit_every_secret_into_the_stacks(w: Workflows) -> None:
    _job(w, "pull-request.yml", "stacks")["secrets"] = "inherit"


def _split_the_roll_out(w: Workflows) -> dict[Any, Any]:
    """A roll-out of its own, rollout.yml: deploy.yml's jobs on its schedule and manual runs."""
    rollout = copy.deepcopy(w["deploy.yml"])
    rollout.pop("on", None)
    rollout[True] = {"schedule": [{"cron": "41 * * * *"}], "workflow_dispatch": {}}
    w["rollout.yml"] = rollout
    return rollout


def _roll_out_on_pull_requests(w: Workflows) -> None:
    _triggers(_split_the_roll_out(w))["pull_request"] = {"branches": ["main"]}


def _roll_out_without_the_ref_guard(w: Workflows) -> None:
    del _split_the_roll_out(w)["jobs"]["up"]["if"]


def _roll_out_from_the_preview_environment(w: Workflows) -> None:
    _split_the_roll_out(w)["jobs"]["up"]["environment"] = "preview"


def _roll_out_in_a_group_of_its_own(w: Workflows) -> None:
    _split_the_roll_out(w)["jobs"]["up"]["concurrency"]["group"] = "rollout-${{ matrix.stack }}"


def _cancel_an_apply_in_progress(w: Workflows) -> None:
    _job(w, "deploy.yml", "up")["concurrency"]["cancel-in-progress"] = True


def _one_group_per_run(w: Workflows) -> None:
    _job(w, "deploy.yml", "up")["concurrency"]["group"] = "pulumi-up-${{ github.run_id }}"


def _one_group_for_every_stack(w: Workflows) -> None:
    _job(w, "deploy.yml", "up")["concurrency"]["group"] = "pulumi-up"


def _stop_every_stack_when_one_fails(w: Workflows) -> None:
    _job(w, "deploy.yml", "up")["strategy"]["fail-fast"] = True


def _apply_the_single_stack_variable(w: Workflows) -> None:
    _pulumi_env(w, "deploy.yml", "up")["PULUMI_STACK"] = "${{ vars.PULUMI_STACK }}"


LEAKS: dict[str, tuple[Callable[[Workflows], None], str]] = {
    "write token in the preview": (_leak_write_token_into_the_preview, "runs on a pull request"),
    "secrets: inherit from a pull request": (
        _inherit_every_secret_into_the_checks,
        "passes ['BACKEND_WRITE_AWS_ACCESS_KEY_ID'",
    ),
    "toJSON(secrets) in the preview": (_dump_every_secret_in_the_preview, "runs on a pull request"),
    "pull-requests: write next to the pull request's code": (
        _let_the_preview_write_to_pull_requests,
        "runs code from the pull request next to a GITHUB_TOKEN",
    ),
    "deploy on pull requests": (_deploy_on_pull_requests, "runs on a pull request"),
    "deploy on pushes to any branch": (_deploy_on_pushes_to_any_branch, "pushes to other branches"),
    "deploy without its ref guard": (_deploy_without_the_ref_guard, "can run on another ref"),
    "deploy outside production": (_deploy_from_the_preview_environment, "outside the production"),
    "write token in the nightly preview": (
        _read_the_write_token_in_the_drift_preview,
        "outside the production environment",
    ),
    "an unclassified secret": (_name_an_unclassified_secret, "no rule covers"),
    "a guard by event only": (_guard_by_event_only, "can run on another ref"),
    "deploy when another workflow finishes": (
        _deploy_when_another_workflow_finishes,
        "runs on a pull request",
    ),
    "deploy on repository_dispatch": (_deploy_on_repository_dispatch, "runs on ['push'"),
    "secrets: inherit into the stacks from a pull request": (
        _inherit_every_secret_into_the_stacks,
        "passes ['BACKEND_WRITE_AWS_ACCESS_KEY_ID'",
    ),
    "a roll-out of its own on pull requests": (
        _roll_out_on_pull_requests,
        "runs on a pull request",
    ),
    "a roll-out of its own without the ref guard": (
        _roll_out_without_the_ref_guard,
        "rollout.yml: job up can run on another ref",
    ),
    "a roll-out of its own outside production": (
        _roll_out_from_the_preview_environment,
        "outside the production environment",
    ),
}

# Each breaks the one-`up`-per-stack rule (apply_violations) and nothing else.
RACES: dict[str, tuple[Callable[[Workflows], None], str]] = {
    "a roll-out in a group of its own": (
        _roll_out_in_a_group_of_its_own,
        "rollout.yml: job up is not in the per-stack group",
    ),
    "cancel an apply in progress": (_cancel_an_apply_in_progress, "not in the per-stack group"),
    "one group per run": (_one_group_per_run, "not in the per-stack group"),
    "one group for every stack": (_one_group_for_every_stack, "not in the per-stack group"),
    "stop every stack when one fails": (_stop_every_stack_when_one_fails, "with fail-fast off"),
    "apply the single-stack variable": (
        _apply_the_single_stack_variable,
        "applies another stack than its matrix' own",
    ),
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_a_leaky_variant_is_caught(leak: str) -> None:
    make_leaky, expected = LEAKS[leak]
    workflows = copy.deepcopy(_workflows())
    make_leaky(workflows)
    found = privilege_violations(workflows)
    assert any(expected in violation for violation in found), found


@pytest.mark.parametrize("race", sorted(RACES))
def test_a_racing_variant_is_caught(race: str) -> None:
    make_racing, expected = RACES[race]
    workflows = copy.deepcopy(_workflows())
    make_racing(workflows)
    assert privilege_violations(workflows) == []
    found = apply_violations(workflows)
    assert any(expected in violation for violation in found), found


def test_a_roll_out_split_into_its_own_workflow_passes_if_it_keeps_every_safeguard() -> None:
    # The rules follow the triggers, the guard, the environment and the group, not a file name.
    workflows = copy.deepcopy(_workflows())
    _split_the_roll_out(workflows)
    assert privilege_violations(workflows) == []
    assert apply_violations(workflows) == []


# --- Checkers ------------------------------------------------------------------------------


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = _load(path)["jobs"]
    return jobs


def _steps(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in _jobs(path).items() for step in job.get("steps", [])]


def _pulumi_step(path: Path, job_id: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [
        step
        for step in _jobs(path)[job_id]["steps"]
        if str(step.get("uses", "")).startswith("pulumi/actions@")
    ]
    assert len(steps) == 1, steps
    return steps[0]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], capture_output=True, text=True)


def _name(path: Path) -> str:
    return path.name


def test_the_workflows_are_these() -> None:
    assert {path.name for path in WORKFLOWS} == set(ALLOWED)


@pytest.mark.parametrize("path", [*WORKFLOWS, DEPENDABOT], ids=_name)
def test_zizmor_pedantic_finds_nothing(path: Path) -> None:
    # The strictest persona: also undocumented permissions, anonymous definitions, cooldowns.
    out = _run("zizmor", "--offline", "--no-progress", "--persona", "pedantic", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout
    assert "suppressed" not in out.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_zizmor_auditor_persona_finds_nothing(path: Path) -> None:
    # Also secrets used outside an environment, nothing suppressed.
    out = _run("zizmor", "--offline", "--no-progress", "--persona", "auditor", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout
    assert "suppressed" not in out.stdout


@pytest.mark.parametrize("path", [*WORKFLOWS, DEPENDABOT], ids=_name)
def test_no_finding_is_silenced_inline(path: Path) -> None:
    assert "zizmor: ignore" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_actionlint_finds_nothing(path: Path) -> None:
    out = _run("actionlint", "-no-color", f"-shellcheck={BIN / 'shellcheck'}", str(path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_github_workflow_schema_accepts_it(path: Path) -> None:
    out = _run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_dependabot_schema_accepts_its_config() -> None:
    out = _run("check-jsonschema", "--builtin-schema", "vendor.dependabot", str(DEPENDABOT))
    assert out.returncode == 0, out.stdout + out.stderr


# --- Hardening -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_every_action_is_pinned_to_a_sha_with_its_release(path: Path) -> None:
    found = uses_lines(path.read_text(encoding="utf-8"))
    assert found or path == STACKS  # stacks.yml runs one script and no action
    for line in found:
        assert SHA.fullmatch(line.ref), line
        assert RELEASE.fullmatch(line.comment or ""), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_nothing_is_granted_at_the_top(path: Path) -> None:
    assert _load(path)["permissions"] == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_no_job_asks_for_more_than_it_needs(path: Path) -> None:
    jobs = _jobs(path)
    assert {job_id: job["permissions"] for job_id, job in jobs.items()} == ALLOWED[path.name]


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_every_job_has_a_timeout(path: Path) -> None:
    for job_id, job in _jobs(path).items():
        if _called(job) is None:  # a call's jobs have their own, in the called file
            assert isinstance(job.get("timeout-minutes"), int), job_id


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_checkout_never_persists_credentials(path: Path) -> None:
    for _, step in _steps(path):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_no_expression_is_expanded_inside_a_script(path: Path) -> None:
    for job_id, step in _steps(path):
        scripts = [step.get("run", ""), str(step.get("with", {}).get("script", ""))]
        assert not any("${{" in script for script in scripts), (job_id, step.get("name"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_never_runs_on_pull_request_target(path: Path) -> None:
    assert "pull_request_target" not in _triggers(_load(path))
    assert "pull_request_target" not in path.read_text(encoding="utf-8")


# --- What the workflows are for ------------------------------------------------------------


def test_pull_requests_to_main_are_checked() -> None:
    assert _triggers(_load(PULL_REQUEST)) == {"pull_request": {"branches": ["main"]}}


def test_checks_run_make_test_on_python_311() -> None:
    steps = _jobs(CHECKS)["test"]["steps"]
    assert any(step.get("run") == "make test" for step in steps)
    setup = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert [s["with"]["python-version"] for s in setup] == ["3.11"]


def test_checks_check_the_offline_plan_and_keep_it() -> None:
    steps = _jobs(CHECKS)["plan"]["steps"]
    runs = [step.get("run") for step in steps]
    assert "make plan" in runs
    assert ".venv/bin/python -m policies.evaluate plan.json" in runs
    # The JSON plan's and the pack's steps run as the job runs them, from a checkout.
    scripts = [str(run) for run in runs if run and "plan.json" in run]
    assert len(scripts) == 2
    with tempfile.TemporaryDirectory() as folder:
        for name in ("Pulumi.example.yaml", "examples", "policies"):
            (Path(folder) / name).symlink_to(ROOT / name)
        (Path(folder) / ".venv").symlink_to(sys.prefix)  # what `make setup` made
        for script in scripts:
            done = subprocess.run(
                ["bash", "-eo", "pipefail", "-c", script],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            assert done.returncode == 0, (script, done.stderr)
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(uploads) == 1
    assert uploads[0]["with"]["path"] == "plan.json"
    assert uploads[0]["with"]["retention-days"] <= 7


def test_checks_are_only_called_and_read_no_secret() -> None:
    assert _triggers(_load(CHECKS)) == {"workflow_call": {}}
    assert "secrets." not in CHECKS.read_text(encoding="utf-8")


@pytest.mark.parametrize(("path", "job_id"), [(PULL_REQUEST, "preview"), (DEPLOY, "up")])
def test_pulumi_runs_only_after_the_checks_of_the_same_run(path: Path, job_id: str) -> None:
    jobs = _jobs(path)
    assert _called(jobs["checks"]) == "checks.yml"
    assert jobs[job_id]["needs"] == ["checks", "stacks"]


@pytest.mark.parametrize(
    ("path", "job_id"), [(PULL_REQUEST, "preview"), (DEPLOY, "up"), (DRIFT, "preview")]
)
def test_every_stack_gets_its_own_job(path: Path, job_id: str) -> None:
    workflows = _workflows()
    assert stack_matrix_violations(workflows, path.name, job_id) == []
    # The stack's name in the check, so that one shard's failure names it.
    assert "${{ matrix.stack }}" in _jobs(path)[job_id]["name"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_only_stacks_yml_reads_the_stack_variables(path: Path) -> None:
    # Every other workflow takes the resolved list: no job falls back to its own reading.
    named = set(re.findall(r"vars\.PULUMI_STACKS?\b", json.dumps(_load(path))))
    assert named == ({"vars.PULUMI_STACK", "vars.PULUMI_STACKS"} if path == STACKS else set())


def test_preview_is_refreshed_with_the_policy_pack_and_read_only_credentials() -> None:
    step = _pulumi_step(PULL_REQUEST, "preview")
    inputs = step["with"]
    assert inputs["command"] == "preview"
    assert inputs["refresh"] is True
    assert inputs["diff"] is True
    assert inputs["policyPacks"] == "policies"
    assert inputs["stack-name"] == "${{ matrix.stack }}"
    assert "comment-on-pr" not in inputs  # the comment job posts it, without the program
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.REPO_BASELINE_READ_TOKEN }}"
    assert _jobs(PULL_REQUEST)["preview"]["environment"] == "preview"


def test_preview_is_skipped_for_pull_requests_from_forks() -> None:
    assert _jobs(PULL_REQUEST)["preview"]["if"] == FORK_GUARD


def test_the_comment_job_runs_no_code_from_the_pull_request() -> None:
    job = _jobs(PULL_REQUEST)["comment"]
    assert job["needs"] == ["stacks", "preview"]
    # Also after a failed preview, which the comment names; never when the previews were skipped.
    assert job["if"] == "${{ !cancelled() && needs.preview.result != 'skipped' }}"
    assert not runs_repository_code(job)
    actions = [str(step["uses"]).split("@")[0] for step in job["steps"]]
    assert actions == ["actions/download-artifact", "actions/github-script"]


@pytest.mark.parametrize(
    ("path", "job_id", "kind"),
    [(PULL_REQUEST, "preview", "READ"), (DRIFT, "preview", "READ"), (DEPLOY, "up", "WRITE")],
)
def test_pulumi_gets_every_credential_from_its_environment(
    path: Path, job_id: str, kind: str
) -> None:
    job = _jobs(path)[job_id]
    env = next(step["env"] for step in job["steps"] if "GITHUB_TOKEN" in step.get("env", {}))
    # Pulumi Cloud, an S3-compatible backend (and KMS), a passphrase, and the GitHub provider.
    assert {key: value for key, value in env.items() if "secrets." in value} == {
        "PULUMI_ACCESS_TOKEN": f"${{{{ secrets.PULUMI_{kind}_TOKEN }}}}",
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "AWS_ACCESS_KEY_ID": f"${{{{ secrets.BACKEND_{kind}_AWS_ACCESS_KEY_ID }}}}",
        "AWS_SECRET_ACCESS_KEY": f"${{{{ secrets.BACKEND_{kind}_AWS_SECRET_ACCESS_KEY }}}}",
        "GITHUB_TOKEN": f"${{{{ secrets.REPO_BASELINE_{kind}_TOKEN }}}}",
    }
    assert job["environment"] == ENVIRONMENT_OF[kind.lower()]
    # The program runs in the virtualenv Pulumi.yaml names.
    scripts = "\n".join(str(step.get("run", "")) for step in job["steps"])
    assert "make setup" in scripts


def test_deploy_applies_every_stack_on_pushes_to_main_and_every_hour_after_the_checks() -> None:
    triggers = _triggers(_load(DEPLOY))
    assert set(triggers) == {"push", "schedule", "workflow_dispatch"}
    assert triggers["push"] == {"branches": ["main"]}
    # A manual run may carry the removal allowance (baseline.stack.removals), only through the env
    # of the `pulumi up` step, as a value the program checks (never an expression in a script).
    (allowance,) = triggers["workflow_dispatch"]["inputs"]
    assert allowance == "allow_removals"
    assert triggers["workflow_dispatch"]["inputs"][allowance]["default"] == ""
    job = _jobs(DEPLOY)["up"]
    assert job["if"] == DEFAULT_BRANCH_GUARD
    assert job["environment"] == "production"
    step = deploy_step()
    assert step["env"]["PULUMI_STACK"] == "${{ matrix.stack }}"
    # Refreshed on pushes and manual runs; the hourly roll-out does not refresh (every
    # resource read back each hour would exhaust the token's rate limit: docs/scale.md).
    assert step["env"]["REFRESH"] == "${{ github.event_name != 'schedule' }}"
    assert 'if [ "$REFRESH" = "true" ]; then args+=(--refresh); fi' in step["run"]
    assert "--policy-pack policies" in step["run"]
    assert step["env"]["REPO_BASELINE_ALLOW_REMOVALS"] == "${{ inputs.allow_removals }}"
    # The CLI the action installs, at the version the program's SDK is pinned to.
    assert _pulumi_step(DEPLOY, "up")["with"] == {"pulumi-version": "3.272.0"}


def deploy_step() -> dict[str, Any]:
    steps: list[dict[str, Any]] = _jobs(DEPLOY)["up"]["steps"]
    [step] = [s for s in steps if s.get("id") == "up"]
    return step


def deploy_script() -> str:
    """The deploy job's script: tests/e2e/test_healing.py runs it against the GitHub double."""
    script: str = deploy_step()["run"]
    return script


def test_the_deploy_heals_first_and_one_failure_does_not_stop_the_others() -> None:
    script = deploy_script()
    lines = script.splitlines()
    heal = '.venv/bin/repo-baseline heal --stack "$PULUMI_STACK" --apply --clear-stale-lock'
    assert lines[0] == heal
    assert "--continue-on-error" in script
    # A lock is cleared only after the CLI said it is there (a file backend, Pulumi Cloud).
    assert "the stack is currently locked|Another update is currently in progress" in script
    assert script.index("grep -qE") < script.index("pulumi cancel --yes")


def _hourly_minute(cron: str) -> int:
    """The minute of an hourly cron line; fails on any other schedule."""
    minute, *rest = cron.split()
    assert rest == ["*", "*", "*", "*"], cron
    assert minute.isdigit(), cron
    return int(minute)


def test_the_roll_out_runs_every_hour_off_the_hour() -> None:
    [entry] = _triggers(_load(DEPLOY))["schedule"]
    # GitHub delays, and under load drops, scheduled runs at the start of an hour.
    assert 5 <= _hourly_minute(entry["cron"]) <= 55
    assert _hourly_minute("41 * * * *") == 41
    for other in ("*/30 * * * *", "41 */2 * * *", "41 4 * * *", "41 * * * 1"):
        with pytest.raises(AssertionError):
            _hourly_minute(other)


def test_deploys_and_roll_outs_are_one_job_in_one_group_per_stack() -> None:
    # The roll-out is deploy.yml's `up` on a schedule: the same job, guard, environment and
    # group as a push's deploy, so a deploy and a roll-out of one stack never run at once.
    up = _jobs(DEPLOY)["up"]
    assert up["concurrency"] == UP_GROUP
    assert "matrix.stack" in up["concurrency"]["group"]
    assert "concurrency" not in _load(DEPLOY)  # a matrix' group can only be a job's
    # No step or job is skipped on a schedule; the one difference is that the hourly run does
    # not refresh (test_deploy_applies_every_stack_on_pushes_to_main_and_every_hour_...).
    steps = [
        {**step, "env": {k: v for k, v in step.get("env", {}).items() if k != "REFRESH"}}
        for step in up["steps"]
    ]
    assert "event_name" not in json.dumps([steps, up.get("env", {})])


def test_drift_is_looked_for_every_night_on_the_default_branch() -> None:
    assert _triggers(_load(DRIFT)) == {
        "schedule": [{"cron": "23 4 * * *"}],
        "workflow_dispatch": {},
    }
    assert _jobs(DRIFT)["preview"]["if"] == DEFAULT_BRANCH_GUARD


def github_script(path: Path, job_id: str) -> str:
    """A job's actions/github-script script: tests/e2e/test_workflow_scripts.py runs it."""
    [step] = [s for s in _jobs(path)[job_id]["steps"] if "github-script" in str(s.get("uses"))]
    script: str = step["with"]["script"]
    return script


def drift_script() -> str:
    """The drift job's script: tests/e2e/test_drift.py runs it against the GitHub double."""
    [step] = [s for s in _jobs(DRIFT)["preview"]["steps"] if s.get("id") == "preview"]
    script: str = step["run"]
    return script


def test_the_drift_preview_is_refreshed_and_expects_no_changes() -> None:
    script = drift_script()
    assert 'pulumi preview --stack "$PULUMI_STACK" --refresh --expect-no-changes --diff' in script
    # Pulumi's NoChangesExpectedError (pkg/backend/backenderr): drift, not a failure.
    assert 'grep -q "no changes were expected" preview.txt' in script


def test_drift_is_reported_only_for_stacks_whose_preview_said_clean_or_drift() -> None:
    job = _jobs(DRIFT)["report"]
    assert job["needs"] == "preview"
    assert job["if"] == "${{ !cancelled() && needs.preview.result != 'skipped' }}"
    assert not runs_repository_code(job)
    # A stack's result is uploaded only by the steps after the drift script, which a failed
    # preview never reaches (no `if:` on them).
    steps = _jobs(DRIFT)["preview"]["steps"]
    after = steps[[s.get("id") for s in steps].index("preview") + 1 :]
    assert [s["name"] for s in after] == [
        "Keep the stack and its result for the report",
        "Upload the preview",
    ]
    assert not any("if" in step for step in after)
    assert after[1]["with"]["path"].split() == ["stack.txt", "result.txt", "preview.txt"]


# --- stacks.yml: the stacks every workflow acts on ------------------------------------------


def _resolve(tmp_path: Path, **variables: str) -> tuple[int, str, str]:
    """Runs stacks.yml's script as GitHub runs it (`shell: python`) with these repository
    variables (unset ones as GitHub expands them, empty): exit status, its output, its log."""
    [step] = _jobs(STACKS)["resolve"]["steps"]
    assert step["shell"] == "python"
    script = tmp_path / "resolve.py"
    script.write_text(step["run"], encoding="utf-8")
    output = tmp_path / "github-output"
    output.write_text("", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "GITHUB_OUTPUT": str(output)}
    env |= {name: variables.get(name, "") for name in ("PULUMI_STACKS", "PULUMI_STACK")}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=False
    )
    return done.returncode, output.read_text(encoding="utf-8"), done.stdout + done.stderr


def test_the_stacks_are_read_from_the_repository_variables() -> None:
    [step] = _jobs(STACKS)["resolve"]["steps"]
    assert step["env"] == {
        "PULUMI_STACKS": "${{ vars.PULUMI_STACKS }}",
        "PULUMI_STACK": "${{ vars.PULUMI_STACK }}",
    }
    outputs = _triggers(_load(STACKS))["workflow_call"]["outputs"]
    assert outputs["stacks"]["value"] == "${{ jobs.resolve.outputs.stacks }}"
    assert _jobs(STACKS)["resolve"]["outputs"] == {"stacks": "${{ steps.resolve.outputs.stacks }}"}


@pytest.mark.parametrize(
    ("variables", "stacks"),
    [
        ({"PULUMI_STACKS": '["org-0", "org-1", "org-2"]'}, ["org-0", "org-1", "org-2"]),
        ({"PULUMI_STACK": "prod"}, ["prod"]),
        ({"PULUMI_STACKS": '["org-0", "org-1"]', "PULUMI_STACK": "prod"}, ["org-0", "org-1"]),
        ({"PULUMI_STACKS": "  ", "PULUMI_STACK": "prod"}, ["prod"]),
        ({"PULUMI_STACKS": '["acme/repo-baseline/org-0", "v1.2_x"]'}, None),
    ],
)
def test_the_stacks_are_a_json_list_for_the_matrix(
    tmp_path: Path, variables: dict[str, str], stacks: list[str] | None
) -> None:
    status, output, log = _resolve(tmp_path, **variables)
    assert status == 0, log
    assert output.endswith("\n")
    assert output.count("\n") == 1
    key, _, value = output.strip().partition("=")
    assert key == "stacks"
    expected = stacks if stacks is not None else json.loads(variables["PULUMI_STACKS"])
    assert json.loads(value) == expected


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "no stack to act on: set the repository variable PULUMI_STACKS"),
        ({"PULUMI_STACKS": "org-0, org-1"}, "vars.PULUMI_STACKS is not JSON"),
        ({"PULUMI_STACKS": '"org-0"'}, "vars.PULUMI_STACKS must be a JSON list"),
        ({"PULUMI_STACKS": "[]", "PULUMI_STACK": "prod"}, "must be a JSON list"),
        ({"PULUMI_STACKS": '["org-0", ""]'}, 'names no stack in [""]'),
        ({"PULUMI_STACKS": '["org 0", 1]'}, 'names no stack in ["org 0", 1]'),
        ({"PULUMI_STACK": "prod; rm -rf /"}, "vars.PULUMI_STACK names no stack"),
        ({"PULUMI_STACKS": '["a/b/c/d"]'}, "optionally as org/project/stack"),
        ({"PULUMI_STACKS": '["org-0", "org-1", "org-0"]'}, 'names ["org-0"] more than once'),
    ],
)
def test_missing_or_bad_stacks_fail_with_what_to_set(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    status, output, log = _resolve(tmp_path, **variables)
    assert status == 1
    assert output == ""  # no matrix at all, rather than one over a wrong list
    assert log.startswith("::error::")
    assert message in log
