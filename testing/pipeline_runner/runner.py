"""A local runner: executes a rendered workflow's jobs the way a GitHub-hosted runner would.

What it does as GitHub does: jobs in `needs` order with their `if:` (status functions included,
default `success()`), jobs whose needs are done side by side, a matrix expanded into one job per
combination (named `NAME (v)`), `needs.<id>.result` of a matrix job as one result for all its
combinations, `toJSON(...)`, each job in a fresh workspace, HOME and temp directory, every
`run:` step as `bash -e` in its working directory (step, then job `defaults`, then workflow
`defaults`), with the workflow's, job's and step's `env`, GITHUB_ENV / GITHUB_PATH /
GITHUB_OUTPUT / GITHUB_STEP_SUMMARY, `continue-on-error` and `timeout-minutes`. Service
containers: PostgreSQL is a real local server (`ServiceHost`).

A cancelled run (`cancel_before`): the run is cancelled just before a given job starts, as
`cancel-in-progress` does when a newer push arrives, or a person. Jobs already finished keep their
result; that job and every later one whose `if:` is false once the run is cancelled (`success()`
is false, `cancelled()` true, `always()` still true) conclude `cancelled` without running (GitHub
docs, "Canceling a workflow"); a job whose `if:` is still true runs as usual.

What it emulates (`uses:`), each listed in `EMULATED` and in every step's result:
checkout is a clean clone of the committed tree; setup-python is the interpreter of that version
installed here, as the job's own installation (so what a job installs stays in it, as on a fresh
runner); install-poetry is the Poetry installed here; setup-uv is the uv installed here, with
UV_PYTHON from its `python-version`; cache always misses (setup-python's and setup-uv's caches
too); artifacts are copied between jobs; github-script runs the action's own packages under
Node.js against the GitHub API given to the runner (`github_script.py`), and without one is
reported as not run. Anything else (another action, an expression it cannot evaluate, an unknown
service) is refused loudly.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import yaml

from testing.pipeline_runner.expressions import condition, interpolate
from testing.pipeline_runner.github_script import GitHubApi, run_script

# A job's result as `needs.<id>.result` gives it.
Conclusion = Literal["success", "failure", "skipped", "cancelled"]
Outcome = Literal["success", "failure", "skipped", "not run"]

EMULATED = {
    "actions/checkout": "a clean clone of the committed tree at the event's commit",
    "actions/setup-python": "the interpreter of that version installed on this machine, as the "
    "job's own installation; its cache always misses",
    "actions/cache": "always a miss (nothing restored, nothing saved)",
    "snok/install-poetry": "the Poetry installed on this machine, with the action's settings",
    "astral-sh/setup-uv": "the uv installed on this machine, UV_PYTHON from python-version; its "
    "cache always misses",
    "actions/upload-artifact": "files copied to the run's artifact store",
    "actions/download-artifact": "files copied from the run's artifact store",
    "actions/github-script": "the action's own packages under Node.js, against the runner's "
    "GitHub API (`github=`); not run without one",
}


class NotEmulatedError(RuntimeError):
    """A workflow feature this runner cannot reproduce faithfully."""


class ServiceHost(Protocol):
    def start(self, service_id: str, service: Mapping[str, Any]) -> dict[str, str]:
        """Start one service container's stand-in; return its port map (container -> host)."""


@dataclass(frozen=True)
class Event:
    """The event that triggered the run (`github.event_name`, `github.ref`, ...)."""

    name: Literal["pull_request", "push", "merge_group"]
    ref: str
    sha: str
    repository: str = "example-org/shop"
    # merge_group: the group's parent commit and the branch it merges into (the payload's
    # `merge_group.base_sha` and `base_ref`).
    base_sha: str | None = None
    base_ref: str | None = None
    # pull_request: the head branch (`github.head_ref`) and the author's login (the payload's
    # `pull_request.head.ref` and `pull_request.user.login`), for github-script's context.
    head_ref: str | None = None
    author: str | None = None

    @classmethod
    def pull_request(
        cls, sha: str, number: int = 1, *, head_ref: str | None = None, author: str | None = None
    ) -> Event:
        ref = f"refs/pull/{number}/merge"
        return cls("pull_request", ref, sha, head_ref=head_ref, author=author)

    @classmethod
    def push(cls, sha: str, branch: str = "main") -> Event:
        return cls("push", f"refs/heads/{branch}", sha)

    @classmethod
    def merge_group(cls, sha: str, base_sha: str, base: str = "main", number: int = 1) -> Event:
        """A merge queue's group of pull request `number` into `base`, its commit `sha` on
        `base_sha`: `github.ref` is the group's temporary branch (GitHub Docs, "Events that
        trigger workflows", merge_group: GITHUB_REF "Ref of the merge group")."""
        head_ref = f"refs/heads/gh-readonly-queue/{base}/pr-{number}-{sha}"
        return cls("merge_group", head_ref, sha, base_sha=base_sha, base_ref=f"refs/heads/{base}")

    def payload(self) -> dict[str, Any]:
        """`github.event`, as much of GitHub's webhook payload as the runner knows."""
        if self.name == "pull_request":
            return {"pull_request": {"head": {"repo": {"full_name": self.repository}}}}
        if self.name == "merge_group":
            # The webhook's `merge_group` (GitHub's REST description, `merge-group`), without
            # `head_commit`, which the runner does not build.
            group = {"head_sha": self.sha, "head_ref": self.ref}
            return {
                "action": "checks_requested",
                "merge_group": {**group, "base_sha": self.base_sha, "base_ref": self.base_ref},
            }
        return {}


@dataclass
class StepResult:
    name: str
    outcome: Outcome
    conclusion: Outcome
    note: str = ""
    log: str = ""
    seconds: float = 0.0


@dataclass
class JobResult:
    job_id: str
    check: str  # the check name GitHub reports: the job's name, with `(v)` for a matrix
    conclusion: Conclusion
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    seconds: float = 0.0
    reason: str = ""

    def step(self, name: str) -> StepResult:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"{self.check}: no step {name!r}; steps: {[s.name for s in self.steps]}")

    def failed_step(self) -> StepResult | None:
        return next((step for step in self.steps if step.conclusion == "failure"), None)


@dataclass
class RunResult:
    event: Event
    jobs: list[JobResult]

    def job(self, check: str) -> JobResult:
        for job in self.jobs:
            if job.check == check:
                return job
        raise KeyError(f"no job reports {check!r}; checks: {[job.check for job in self.jobs]}")

    def conclusions(self) -> dict[str, Conclusion]:
        return {job.check: job.conclusion for job in self.jobs}

    def report(self) -> str:
        """One line per job and per step, and the tail of the first failed step's log."""
        lines = [f"{self.event.name} {self.event.ref}"]
        for job in self.jobs:
            reason = f" ({job.reason})" if job.reason else ""
            lines.append(f"  {job.conclusion:8} {job.check}{reason} [{job.seconds:.1f}s]")
            for step in job.steps:
                note = f" ({step.note})" if step.note else ""
                lines.append(f"      {step.outcome:8} {step.name}{note} [{step.seconds:.1f}s]")
            failed = job.failed_step()
            if failed is not None and failed.log:
                tail = failed.log.strip().splitlines()[-25:]
                lines.extend(f"        | {line}" for line in tail)
        return "\n".join(lines)


@dataclass(frozen=True)
class Machine:
    """What the runner's `uses:` emulations take from this machine."""

    python: Callable[[str], Path]  # version ("3.12") -> interpreter
    poetry: Path  # the `poetry` executable
    env: Mapping[str, str]  # the base environment of every step (PATH, caches, pip settings)
    services: ServiceHost | None = None
    uv: Path | None = None  # the `uv` executable (`uvx` beside it); None: setup-uv is refused


def _as_str(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


class LocalRunner:
    """Runs one workflow of a git repository, job by job, on this machine."""

    def __init__(
        self,
        repository: Path,
        machine: Machine,
        scratch: Path,
        parallel: int = 2,
        github: GitHubApi | None = None,
    ) -> None:
        self.repository = repository
        self.machine = machine
        self.scratch = scratch
        self.parallel = parallel
        # The GitHub github-script steps call (None: they are not run), and the run number.
        self.github = github
        self.runs = 0

    def run(
        self,
        workflow_path: str,
        event: Event,
        *,
        leave_out: Mapping[str, str] | None = None,
        cancel_before: str | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> RunResult:
        """Run every job of the workflow committed at `event.sha`. `leave_out` maps job ids
        the caller does not want run to the reason (reported, never silent); `cancel_before`
        cancels the run just before that job starts (see the module's docstring); `secrets`
        are the repository's (`${{ secrets.NAME }}`; one it lacks is empty, as on GitHub)."""
        text = subprocess.run(
            ["git", "show", f"{event.sha}:{workflow_path}"],
            cwd=self.repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        workflow: dict[str, Any] = yaml.safe_load(text)
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=self.scratch))
        self.runs += 1  # GitHub numbers a workflow's runs 1, 2, ... (`github.run_number`)
        state = _RunState(
            workflow=workflow, event=event, run_dir=run_dir, secrets=dict(secrets or {})
        )
        pending = list(workflow["jobs"])
        if cancel_before is not None and cancel_before not in pending:
            raise NotEmulatedError(f"cannot cancel before {cancel_before!r}: no such job")
        while pending:
            ready = [
                job_id
                for job_id in pending
                if all(need in state.results for need in self._needs(workflow, job_id))
            ]
            if not ready:
                raise NotEmulatedError(f"jobs {pending} need jobs that never finish")
            if cancel_before in ready:
                state.cancelled = True
            # Jobs whose needs are done run side by side, as on separate runners.
            with ThreadPoolExecutor(max_workers=self.parallel) as pool:
                futures = {
                    job_id: pool.submit(self._run_job, state, job_id, (leave_out or {}).get(job_id))
                    for job_id in ready
                }
            for job_id in ready:
                pending.remove(job_id)
                state.results[job_id] = futures[job_id].result()
        order = list(workflow["jobs"])
        return RunResult(
            event,
            [result for job_id in order for result in state.results[job_id]],
        )

    @staticmethod
    def _needs(workflow: Mapping[str, Any], job_id: str) -> list[str]:
        needs = workflow["jobs"][job_id].get("needs", [])
        return [needs] if isinstance(needs, str) else list(needs)

    def _ancestors(self, workflow: Mapping[str, Any], job_id: str) -> set[str]:
        found: set[str] = set()
        stack = self._needs(workflow, job_id)
        while stack:
            need = stack.pop()
            if need not in found:
                found.add(need)
                stack.extend(self._needs(workflow, need))
        return found

    def _run_job(self, state: _RunState, job_id: str, left_out: str | None) -> list[JobResult]:
        job: dict[str, Any] = state.workflow["jobs"][job_id]
        name = str(job.get("name", job_id))
        strategy = job.get("strategy", {}).get("matrix")
        combinations: list[dict[str, str]] = [{}]
        if strategy:
            combinations = [{}]
            for key, values in strategy.items():
                combinations = [{**c, key: str(v)} for c in combinations for v in values]
        results = []
        for matrix in combinations:
            check = f"{name} ({', '.join(matrix.values())})" if matrix else name
            results.append(self._run_one(state, job_id, job, check, matrix, left_out))
        return results

    def _job_functions(self, state: _RunState, job_id: str) -> dict[str, Callable[..., Any]]:
        needs = self._needs(state.workflow, job_id)
        ancestors = self._ancestors(state.workflow, job_id)

        def conclusions(ids: Any) -> list[str]:
            return [r.conclusion for i in ids for r in state.results[i]]

        return {
            "success": lambda: (
                not state.cancelled and all(c == "success" for c in conclusions(needs))
            ),
            "failure": lambda: any(c == "failure" for c in conclusions(ancestors)),
            "always": lambda: True,
            "cancelled": lambda: state.cancelled,
        }

    def _run_one(
        self,
        state: _RunState,
        job_id: str,
        job: Mapping[str, Any],
        check: str,
        matrix: dict[str, str],
        left_out: str | None,
    ) -> JobResult:
        result = JobResult(job_id, check, "skipped")
        if left_out is not None:
            result.reason = f"left out by the test: {left_out}"
            return result
        context = state.context(job_id, matrix, self._needs(state.workflow, job_id))
        if not condition(job.get("if"), context, self._job_functions(state, job_id)):
            result.reason = f"if: {job.get('if', 'success()')} is false"
            if state.cancelled:
                result.conclusion = "cancelled"
                result.reason += ": the run was cancelled before this job started"
            return result
        started = time.monotonic()
        deadline = started + 60 * int(job.get("timeout-minutes", 360))
        job_dir = Path(tempfile.mkdtemp(prefix=f"{job_id}-", dir=state.run_dir))
        # Each job has a runner of its own: a fresh workspace, HOME and temp directory.
        workspace = job_dir / "work" / "repository" / "repository"
        workspace.mkdir(parents=True)
        files = {
            name: job_dir / name.lower()
            for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")
        }
        (job_dir / "home").mkdir()
        (job_dir / "tmp").mkdir()
        env: dict[str, str] = {
            **self.machine.env,
            "HOME": str(job_dir / "home"),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_SHA": state.event.sha,
            "GITHUB_REF": state.event.ref,
            "GITHUB_EVENT_NAME": state.event.name,
            "GITHUB_REPOSITORY": state.event.repository,
            "GITHUB_JOB": job_id,
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(job_dir / "tmp"),
        }
        functions: dict[str, Callable[..., Any]] = {
            "hashFiles": lambda *patterns: _hash_files(workspace, patterns),
            "toJSON": to_json,
        }
        services = job.get("services") or {}
        if services:
            if self.machine.services is None:
                raise NotEmulatedError(f"{check}: services {list(services)} but no service host")
            context["job"] = {
                "services": {
                    sid: {"ports": self.machine.services.start(sid, service)}
                    for sid, service in services.items()
                }
            }
        for scope in (state.workflow.get("env") or {}, job.get("env") or {}):
            for key, value in scope.items():
                env[key] = interpolate(_as_str(value), {**context, "env": env}, functions)
        default_dir = (
            (job.get("defaults") or {}).get("run", {}).get("working-directory")
            or (state.workflow.get("defaults") or {}).get("run", {}).get("working-directory")
            or "."
        )
        failed = False
        for index, step in enumerate(job["steps"]):
            step_name = str(step.get("name") or step.get("uses") or step.get("run", "")[:40])

            def status(failed_now: bool = failed) -> dict[str, Callable[..., Any]]:
                return {
                    **functions,
                    "success": lambda: not failed_now,
                    "failure": lambda: failed_now,
                    "always": lambda: True,
                    "cancelled": lambda: False,
                }

            step_context = {**context, "env": dict(env)}
            if not condition(step.get("if"), step_context, status()):
                result.steps.append(StepResult(step_name, "skipped", "skipped"))
                self._record(context, step, "skipped", "skipped", {})
                continue
            step_env = {
                key: interpolate(_as_str(value), step_context, status())
                for key, value in (step.get("env") or {}).items()
            }
            remaining = deadline - time.monotonic()
            # Each step starts with empty files; the job summary adds up over its steps.
            for key, path in files.items():
                if key == "GITHUB_STEP_SUMMARY":
                    path.touch()
                else:
                    path.write_text("", encoding="utf-8")
            outputs: dict[str, str] = {}
            step_started = time.monotonic()
            if "uses" in step:
                with_ = {
                    key: interpolate(_as_str(value), step_context, status())
                    for key, value in (step.get("with") or {}).items()
                }
                outcome, note, log = self._uses(
                    state, step["uses"], with_, workspace, env, outputs, job=job, step_env=step_env
                )
            else:
                directory = step.get("working-directory") or default_dir
                outcome, log = _bash(
                    step["run"],
                    cwd=workspace / directory,
                    env={**env, **step_env, **{k: str(v) for k, v in files.items()}},
                    timeout=remaining,
                    script_dir=job_dir,
                    index=index,
                )
                note = ""
                outputs = _read_pairs(files["GITHUB_OUTPUT"])
                env.update(_read_pairs(files["GITHUB_ENV"]))
                for line in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        env["PATH"] = f"{line.strip()}{os.pathsep}{env['PATH']}"
            conclusion: Outcome = outcome
            if outcome == "failure" and step.get("continue-on-error") is True:
                conclusion = "success"
            if conclusion == "failure":
                failed = True
            seconds = time.monotonic() - step_started
            result.steps.append(StepResult(step_name, outcome, conclusion, note, log, seconds))
            self._record(context, step, outcome, conclusion, outputs)
        summary = files["GITHUB_STEP_SUMMARY"]
        result.summary = summary.read_text(encoding="utf-8") if summary.exists() else ""
        result.conclusion = "failure" if failed else "success"
        if failed and job.get("continue-on-error") is True:
            result.reason = "failed, but continue-on-error"
            result.conclusion = "success"
        result.seconds = time.monotonic() - started
        return result

    @staticmethod
    def _record(
        context: dict[str, Any],
        step: Mapping[str, Any],
        outcome: str,
        conclusion: str,
        outputs: dict[str, str],
    ) -> None:
        if "id" in step:
            context["steps"][step["id"]] = {
                "outputs": outputs,
                "outcome": outcome,
                "conclusion": conclusion,
            }

    def _uses(
        self,
        state: _RunState,
        uses: str,
        with_: dict[str, str],
        workspace: Path,
        env: dict[str, str],
        outputs: dict[str, str],
        *,
        job: Mapping[str, Any] | None = None,
        step_env: Mapping[str, str] | None = None,
    ) -> tuple[Outcome, str, str]:
        action = uses.split("@", 1)[0]
        if action not in EMULATED:
            raise NotEmulatedError(f"action {action} is not emulated")
        note = f"emulated: {EMULATED[action]}"
        if action == "actions/checkout":
            out = subprocess.run(
                ["git", "clone", "--quiet", "--no-checkout", str(self.repository), str(workspace)],
                capture_output=True,
                text=True,
            )
            if out.returncode == 0:
                out = subprocess.run(
                    ["git", "checkout", "--quiet", "--detach", state.event.sha],
                    cwd=workspace,
                    capture_output=True,
                    text=True,
                )
            return ("success" if out.returncode == 0 else "failure"), note, out.stderr
        if action == "actions/setup-python":
            version = with_["python-version"]
            interpreter = self.machine.python(version)
            bin_dir = _job_python(interpreter, Path(env["RUNNER_TEMP"]) / f"python-{version}")
            env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
            outputs["python-version"] = version
            outputs["cache-hit"] = "false"
            return "success", f"{note}: {interpreter}", ""
        if action == "astral-sh/setup-uv":
            if self.machine.uv is None:
                raise NotEmulatedError("astral-sh/setup-uv: this machine has no uv (Machine.uv)")
            bin_dir = Path(env["RUNNER_TEMP"]) / "uv" / "bin"
            bin_dir.mkdir(parents=True, exist_ok=True)
            for name in ("uv", "uvx"):
                (bin_dir / name).symlink_to(self.machine.uv.parent / name)
            env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
            if "python-version" in with_:
                env["UV_PYTHON"] = with_["python-version"]
            outputs["cache-hit"] = "false"
            return "success", note, ""
        if action == "actions/cache":
            outputs["cache-hit"] = ""
            return "success", f"{note}; key {with_.get('key', '')}", ""
        if action == "snok/install-poetry":
            bin_dir = Path(env["RUNNER_TEMP"]) / "poetry" / "bin"
            bin_dir.mkdir(parents=True, exist_ok=True)
            (bin_dir / "poetry").symlink_to(self.machine.poetry)
            env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
            for key in ("virtualenvs-create", "virtualenvs-in-project", "virtualenvs-path"):
                if key in with_:
                    env[f"POETRY_{key.upper().replace('-', '_')}"] = with_[key]
            return "success", note, ""
        if action == "actions/upload-artifact":
            return self._upload(state, with_, workspace, note)
        if action == "actions/download-artifact":
            return self._download(state, with_, workspace, note)
        if action == "actions/github-script" and self.github is not None:
            permissions = (job or {}).get("permissions", state.workflow.get("permissions"))
            outcome, log, found = run_script(
                self.github,
                event=state.event,
                workflow=str(state.workflow.get("name", "")),
                permissions=permissions,
                with_=with_,
                env={**env, **(step_env or {})},
                workspace=workspace,
                work_dir=Path(env["RUNNER_TEMP"]) / "github-script",
                run_number=self.runs,
                run_dir=state.run_dir,
            )
            outputs.update(found)
            return outcome, note, log
        return "not run", note, ""

    @staticmethod
    def _upload(
        state: _RunState, with_: dict[str, str], workspace: Path, note: str
    ) -> tuple[Outcome, str, str]:
        paths = [workspace / line.strip() for line in with_["path"].splitlines() if line.strip()]
        found = [path for path in paths if path.exists()]
        if not found:
            if with_.get("if-no-files-found", "warn") == "error":
                return "failure", f"{note}: no files found", ""
            return "success", f"{note}: no files found (warning)", ""
        # The artifact's root is the paths' least common ancestor, as upload-artifact does it.
        root = Path(os.path.commonpath([str(path.parent) for path in found]))
        target = state.run_dir / "artifacts" / with_["name"]
        for path in found:
            destination = target / path.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, destination, dirs_exist_ok=True)
            else:
                shutil.copy2(path, destination)
        names = ", ".join(str(path.relative_to(root)) for path in found)
        return "success", f"{note}: {with_['name']} = {names}", ""

    @staticmethod
    def _download(
        state: _RunState, with_: dict[str, str], workspace: Path, note: str
    ) -> tuple[Outcome, str, str]:
        store = state.run_dir / "artifacts"
        available = sorted(path.name for path in store.iterdir()) if store.exists() else []
        target = workspace / with_.get("path", ".")
        if "name" in with_:
            chosen = [with_["name"]] if with_["name"] in available else []
            if not chosen:
                return "failure", f"{note}: no artifact {with_['name']}", ""
            shutil.copytree(store / chosen[0], target, dirs_exist_ok=True)
        else:
            chosen = [name for name in available if fnmatch.fnmatch(name, with_["pattern"])]
            # With a pattern, each artifact lands in its own directory under `path`.
            for name in chosen:
                shutil.copytree(store / name, target / name, dirs_exist_ok=True)
        return "success", f"{note}: {', '.join(chosen) or 'none'}", ""


@dataclass
class _RunState:
    workflow: dict[str, Any]
    event: Event
    run_dir: Path
    results: dict[str, list[JobResult]] = field(default_factory=dict)
    cancelled: bool = False
    secrets: dict[str, str] = field(default_factory=dict)

    def context(self, job_id: str, matrix: dict[str, str], needs: list[str]) -> dict[str, Any]:
        github = {
            "event_name": self.event.name,
            "ref": self.event.ref,
            "sha": self.event.sha,
            "repository": self.event.repository,
            "workflow": self.workflow.get("name", ""),
            "job": job_id,
            "event": self.event.payload(),
        }
        return {
            "github": github,
            "matrix": matrix,
            "strategy": {},
            "runner": {"os": "Linux"},
            "needs": {
                need: {"result": job_result(self.results[need]), "outputs": {}} for need in needs
            },
            "steps": {},
            "job": {},
            "vars": {},
            "secrets": self.secrets,
            "inputs": {},
        }


@functools.cache
def _installation(interpreter: Path) -> tuple[Path, Path, str]:
    """The real executable, the prefix and the `X.Y` of an interpreter (a pyenv shim too)."""
    out = subprocess.run(
        [
            str(interpreter),
            "-c",
            "import sys, sysconfig; print(sys.executable); print(sys.base_prefix); "
            "print(sysconfig.get_python_version())",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return Path(out[0]).resolve(), Path(out[1]), out[2]


def _job_python(interpreter: Path, root: Path) -> Path:
    """The interpreter as one job's own installation at `root`, its `bin`.

    As on a fresh runner, what the job installs stays in the job: the executable is copied
    into `root/bin` (Python finds its prefix from where its executable is), the standard
    library is linked in, and `site-packages` is a directory of the job with links to what the
    installation has (pip, its `.pth` files). Not a virtual environment: uv accepts only a
    system interpreter for a project's environment ("system interpreter required").
    """
    executable, prefix, version = _installation(interpreter)
    bin_dir = root / "bin"
    if bin_dir.exists():
        return bin_dir
    stdlib = prefix / "lib" / f"python{version}"
    if not (stdlib / "os.py").exists():
        raise NotEmulatedError(f"{interpreter}: no standard library at {stdlib}")
    bin_dir.mkdir(parents=True)
    shutil.copy2(executable, bin_dir / f"python{version}")
    for alias in ("python", "python3"):
        (bin_dir / alias).symlink_to(f"python{version}")
    job_stdlib = root / "lib" / f"python{version}"
    job_stdlib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name != "site-packages":
            (job_stdlib / entry.name).symlink_to(entry)
    site_packages = job_stdlib / "site-packages"
    site_packages.mkdir()
    for entry in (stdlib / "site-packages").iterdir():
        (site_packages / entry.name).symlink_to(entry)
    return bin_dir


def job_result(combinations: list[JobResult]) -> Conclusion:
    """`needs.<id>.result`: one result for a job, whatever its matrix. A failed combination
    fails the job, then a cancelled one cancels it; it succeeded when every combination that
    ran succeeded (a job-level `if:` skips every combination alike)."""
    conclusions = {result.conclusion for result in combinations}
    order: tuple[Conclusion, ...] = ("failure", "cancelled", "success")
    return next((result for result in order if result in conclusions), "skipped")


def to_json(value: Any) -> str:
    """`toJSON(value)`: pretty-printed with two spaces, as the runner writes it."""
    return json.dumps(value, indent=2)


def _bash(
    script: str, *, cwd: Path, env: dict[str, str], timeout: float, script_dir: Path, index: int
) -> tuple[Outcome, str]:
    """`bash -e {0}`: GitHub's shell for a `run:` step without `shell:` on Linux."""
    if not cwd.is_dir():
        return "failure", f"working directory {cwd} does not exist"
    path = script_dir / f"step-{index}.sh"
    path.write_text(script, encoding="utf-8")
    try:
        out = subprocess.run(
            ["bash", "-e", str(path)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=max(timeout, 1),
        )
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout if isinstance(expired.stdout, str) else ""
        return "failure", f"{output}\nthe job's timeout-minutes ran out"
    return ("success" if out.returncode == 0 else "failure"), out.stdout


def _read_pairs(path: Path) -> dict[str, str]:
    """`name=value` lines and `name<<EOF` blocks, as GITHUB_OUTPUT and GITHUB_ENV take them."""
    pairs: dict[str, str] = {}
    if not path.exists():
        return pairs
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            key, marker = line.split("<<", 1)
            block = []
            for inner in lines:
                if inner == marker:
                    break
                block.append(inner)
            pairs[key] = "\n".join(block)
        elif "=" in line:
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


def _hash_files(workspace: Path, patterns: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    matched = sorted({p for pattern in patterns for p in workspace.glob(pattern) if p.is_file()})
    for path in matched:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest() if matched else ""
