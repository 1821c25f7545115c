"""The real `pulumi` CLI, run on a real stack file against the GitHub double.

`Engine` finds the binaries `make engine` built (engine/bin) and says how to get them when they
are missing. `Project` is one temporary project folder with its own file backend: a copy of
`Pulumi.yaml`, one `Pulumi.<stack>.yaml` that the test writes, and the CLI commands a user runs,
each with `--non-interactive` and JSON output where the command has it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ENGINE_BIN = ROOT / "engine" / "bin"
SHIMS = Path(__file__).resolve().parent / "bin"
POLICY_PACK = ROOT / "policies"
POLICY_PACK_PLUGIN = SHIMS / "policy-pack"
PROVIDER_VERSION = "6.15.0"  # the pulumi-github Python SDK's version (requirements.txt)
PASSPHRASE = "repo-baseline e2e"  # the file backend's secrets passphrase; nothing real is kept
COMMAND_TIMEOUT = 600


class EngineMissingError(RuntimeError):
    """A binary `make e2e` needs is not there; the message says how to build it."""


@dataclass(frozen=True)
class Engine:
    """The binaries: the CLI, the GitHub provider, and whether a Python language host exists."""

    pulumi: Path
    provider: Path
    language_host: Path | None

    @classmethod
    def find(cls) -> Engine:
        """engine/bin as `make engine` leaves it; REPO_BASELINE_PULUMI and
        REPO_BASELINE_PROVIDER name other binaries (an installed CLI, a downloaded plugin)."""
        pulumi = Path(os.environ.get("REPO_BASELINE_PULUMI", ENGINE_BIN / "pulumi"))
        provider = Path(
            os.environ.get("REPO_BASELINE_PROVIDER", ENGINE_BIN / "pulumi-resource-github")
        )
        missing = [str(p) for p in (pulumi, provider) if not p.exists()]
        if missing:
            raise EngineMissingError(
                f"not built: {', '.join(missing)}; run `make engine` (it builds the pinned "
                "pulumi CLI and pulumi-resource-github from engine/*/go.mod)"
            )
        # The CLI looks for its language plugins next to itself, then on PATH.
        search = os.pathsep.join([str(pulumi.resolve().parent), os.environ["PATH"]])
        host = shutil.which("pulumi-language-python", path=search)
        return cls(pulumi, provider, Path(host) if host else None)


@dataclass(frozen=True)
class Result:
    """One CLI command: its arguments, exit code and output."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def check(self) -> Result:
        if self.returncode != 0:
            raise AssertionError(
                f"`pulumi {' '.join(self.args)}` exited {self.returncode}\n"
                f"--- stdout\n{self.stdout[-6000:]}\n--- stderr\n{self.stderr[-6000:]}"
            )
        return self


class Project:
    """A project folder with a file backend and one stack, driven through the real CLI."""

    def __init__(
        self, engine: Engine, home: Path, folder: Path, stack: str, env: Mapping[str, str]
    ) -> None:
        self.engine, self.folder, self.stack = engine, folder, stack
        self.state = folder / "state"
        # How long a command may take (`make bench`'s largest stacks take longer).
        self.timeout: float = COMMAND_TIMEOUT
        self.env = {
            **os.environ,
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": self.state.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            # A missing plugin is an error, never a download (there is no network here).
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "NO_COLOR": "1",
            # The provider comes from PULUMI_HOME (install_provider), as a user's would; on PATH
            # the CLI would take it whatever its version.
            "PATH": _without(os.environ["PATH"], engine.provider.parent),
            # The policy pack's analyzer runs with this interpreter (it has policies/requirements).
            "REPO_BASELINE_POLICY_PYTHON": sys.executable,
            # And the dynamic resources' plugin (engine/README.md): a user's CLI hands it the
            # project's virtualenv as PULUMI_RUNTIME_VIRTUALENV, which the program host does not.
            "PULUMI_PYTHON_CMD": sys.executable,
            **env,
        }
        self.state.mkdir(parents=True, exist_ok=True)
        self._write_project_file()

    @property
    def stack_file(self) -> Path:
        return self.folder / f"Pulumi.{self.stack}.yaml"

    def _write_project_file(self) -> None:
        """Pulumi.yaml as committed, pointed at the real program and virtualenv."""
        project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
        project["main"] = str(ROOT)
        project["runtime"]["options"]["virtualenv"] = str(Path(sys.prefix))
        (self.folder / "Pulumi.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")

    def _kept(self) -> dict[str, Any]:
        """The stack file's keys besides `config` (the salt `stack init` added)."""
        if not self.stack_file.exists():
            return {}
        old = yaml.safe_load(self.stack_file.read_text(encoding="utf-8")) or {}
        return {k: v for k, v in old.items() if k != "config"}

    def write_stack_file(self, config: Mapping[str, Any]) -> None:
        """`Pulumi.<stack>.yaml` with this config, keeping the salt `stack init` added."""
        document = {**self._kept(), "config": dict(config)}
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    def reconfigure(self, config: Mapping[str, Any]) -> None:
        """Replace the program's config (`repo-baseline:*`), keeping the provider's keys."""
        document = yaml.safe_load(self.stack_file.read_text(encoding="utf-8"))
        provider = {k: v for k, v in document["config"].items() if k.startswith("github:")}
        self.write_stack_file({**config, **provider})

    def write_stack_text(self, text: str) -> None:
        """A stack file's config exactly as a user wrote it (a test of how YAML is read)."""
        kept = self._kept()
        head = yaml.safe_dump(kept, sort_keys=False) if kept else ""
        self.stack_file.write_text(head + text, encoding="utf-8")

    def init(self) -> None:
        self.run(["stack", "init", self.stack]).check()

    # The commands users run --------------------------------------------------------------

    def preview(
        self,
        *,
        policy_pack: bool = True,
        expect_no_changes: bool = False,
        refresh: bool = False,
        as_json: bool = True,
        extra: Sequence[str] = (),
    ) -> Result:
        """`pulumi preview`; its text output (`as_json=False`) is the only one naming policies."""
        args = ["preview", *(["--json"] if as_json else []), *self._policy(policy_pack)]
        if expect_no_changes:
            args.append("--expect-no-changes")
        if refresh:
            args.append("--refresh")
        return self.run([*args, *extra], program=True)

    def up(self, *, policy_pack: bool = True, extra: Sequence[str] = ()) -> Result:
        args = ["up", "--yes", "--skip-preview", "--json", *self._policy(policy_pack), *extra]
        return self.run(args, program=True)

    def up_killed(
        self, when: Callable[[], bool], *, policy_pack: bool = True, timeout: float = 120
    ) -> None:
        """`pulumi up`, killed once `when()` holds: SIGKILL to the CLI and every process it
        started (its provider, its plugins), as when a CI runner dies. Nothing is cleaned up:
        the stack keeps its lock and whatever operations were pending."""
        args = ["up", "--yes", "--skip-preview", *self._policy(policy_pack), "--non-interactive"]
        with self._program_host(True) as client:
            running = subprocess.Popen(
                [str(self.engine.pulumi), *args, "--stack", self.stack, *client],
                cwd=self.folder,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + timeout
            try:
                while not when():
                    if running.poll() is not None:
                        raise AssertionError(f"`pulumi up` ended ({running.returncode}) first")
                    if time.monotonic() > deadline:
                        raise AssertionError(f"nothing to kill `pulumi up` at in {timeout} s")
                    time.sleep(0.05)
            finally:
                # The CLI starts its plugins each in a process group of its own.
                for pid in [running.pid, *_descendants(running.pid)]:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                running.wait()

    def destroy(self) -> Result:
        return self.run(["destroy", "--yes", "--skip-preview", "--json"])

    def export(self) -> dict[str, Any]:
        """The stack's state (`pulumi stack export`)."""
        exported: dict[str, Any] = self.run(["stack", "export"]).check().json()
        return exported

    def resources(self) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = self.export()["deployment"].get("resources", [])
        return resources

    def _policy(self, enabled: bool) -> list[str]:
        """`--policy-pack policies`, or its executable form when the CLI has no Python host."""
        if not enabled:
            return []
        return ["--policy-pack", str(self._pack())]

    def _pack(self) -> Path:
        """The policy pack, or its executable form when the CLI has no Python host."""
        return POLICY_PACK if self.engine.language_host is not None else POLICY_PACK_PLUGIN

    def run(self, args: Sequence[str], *, program: bool = False) -> Result:
        """`pulumi ARGS --stack S --non-interactive` in the project folder."""
        full = [*args, "--non-interactive"]
        if args[0] not in ("stack", "plugin", "login", "version"):
            full += ["--stack", self.stack]
        with self._program_host(program) as client:
            command = [str(self.engine.pulumi), *full, *client]
            done = subprocess.run(
                command,
                cwd=self.folder,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        return Result(tuple(full), done.returncode, done.stdout, done.stderr)

    def step(self, script: str, env: Mapping[str, str]) -> Result:
        """A workflow's `run:` script, run as a GitHub-hosted runner runs it (`bash --noprofile
        --norc -eo pipefail`) in the project folder, with this project's environment plus `env`
        and `pulumi` on PATH: this engine's CLI (serving the program through the program host
        when there is no Python language host). Its `GITHUB_OUTPUT` is a file in the folder, and
        the folder has the `.venv` a job's setup makes (this interpreter's, with
        `repo-baseline`); `policies` is the pack this engine runs."""
        if not (self.folder / ".venv").exists():
            (self.folder / ".venv").symlink_to(Path(sys.prefix))
        shims = self.folder / "step-bin"
        shims.mkdir(exist_ok=True)
        (self.folder / "step.sh").write_text(script, encoding="utf-8")
        with self._program_host(True) as client:
            shim = shims / "pulumi"
            args = " ".join(shlex.quote(arg) for arg in client)
            cli = shlex.quote(str(self.engine.pulumi))
            pack = shlex.quote(str(self._pack()))
            # Only the commands that run the program take the program host's address; the
            # checkout's `policies` is this engine's pack.
            shim.write_text(
                "#!/bin/sh\n"
                'case "$1" in\n'
                "  up|preview)\n"
                '    for arg; do shift; [ "$arg" = policies ] && arg='
                + pack
                + '; set -- "$@" "$arg"; done\n'
                f'    exec {cli} "$@" {args} ;;\n'
                f'  *) exec {cli} "$@" ;;\n'
                "esac\n",
                encoding="utf-8",
            )
            shim.chmod(0o755)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "step.sh"],
                cwd=self.folder,
                env={
                    **self.env,
                    "GITHUB_OUTPUT": str(self.folder / "github-output"),
                    **env,
                    "PATH": os.pathsep.join([str(shims), self.env["PATH"]]),
                },
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        return Result(("step.sh",), done.returncode, done.stdout, done.stderr)

    @contextmanager
    def _program_host(self, program: bool) -> Iterator[list[str]]:
        """`--client=...` to the SDK's language server when the CLI has no Python host."""
        if not program or self.engine.language_host is not None:
            yield []
            return
        host = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.program_host"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert host.stdout is not None
            port = host.stdout.readline().strip()
            if not port.isdigit():
                raise RuntimeError(f"the program host did not start (it printed {port!r})")
            yield [f"--client=127.0.0.1:{port}"]
        finally:
            if host.stdin is not None:
                host.stdin.close()
            try:
                host.wait(timeout=30)
            except subprocess.TimeoutExpired:
                host.kill()
                host.wait()


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")".
            fields = stat.read_text().rpartition(")")[2].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _without(path: str, folder: Path) -> str:
    return os.pathsep.join(p for p in path.split(os.pathsep) if p and Path(p) != folder)


def install_provider(engine: Engine, home: Path) -> None:
    """Install the built provider into PULUMI_HOME as the version the SDK asks for."""
    env = {**os.environ, "PULUMI_HOME": str(home), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    command = [
        str(engine.pulumi),
        "plugin",
        "install",
        "resource",
        "github",
        PROVIDER_VERSION,
        "--file",
        str(engine.provider),
        "--non-interactive",
    ]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=COMMAND_TIMEOUT)
