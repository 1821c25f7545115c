"""The real engine at scale (issue 13): `pulumi preview` and `pulumi up` against the GitHub double.

The commands a user runs, with the CLI and provider `make engine` builds, run through
tests/e2e/harness.py (`Engine`, `Project`, `install_provider`; how the program and the policy pack
are started there is said in that module and in engine/README.md), with a file backend, on the
synthetic organisation of `benchmarks.org`, against the GitHub double (testing/github_double)
serving that organisation. `STACKS` lists them (and `ORGANIZATION_STACKS`, the same commands in
organization mode: repositories chosen by topic, one organization ruleset, the gate; and
`CENTRAL_STACKS`, organization mode with the pipeline delivered from one central repository,
issue 26): each stack is new, and its first command is a
`pulumi preview --policy-pack` of it; the first stack, of 100 repositories, then gets `pulumi up
--policy-pack`, `pulumi preview --expect-no-changes --policy-pack` and `pulumi preview --refresh
--expect-no-changes --policy-pack`.

Why some previews run with `PULUMI_SKIP_CHECKPOINTS=true`: with a self-managed backend, pulumi
v3.274.0 serializes the whole state after every step, also in a preview, where it then discards
it (pkg/backend/diy/backend.go, pkg/backend/snapshot.go); that work grows with the square of the
resources (100 repositories: 15 s, 300: 118 s, on this project's 2 cores), so a default preview
of 1,000 repositories does not finish in `Project`'s 10 minutes. The variable makes it serialize
once, at the end (pulumi/pulumi#10668). So: default previews of 100 and 300 repositories show the
growth; previews and `up`s of 100 and 1,000 with the variable (what deploy.yml sets on a
self-managed backend) show the rest; the first stack's `up` and refreshed preview run with the
defaults.

The adopted repositories of the organisation exist in the double beforehand, with the settings
their entries ask for (`tests.e2e.expect.seed_matching`), as for `make e2e`. The provider runs
with `github:writeDelayMs 0` and `github:maxRetries 0`, as tests/e2e/conftest.py sets them.

For each command: its wall time; the double's own time answering (it checks every request and
answer against GitHub's OpenAPI description, on this machine's CPUs); the engine's time per
resource, (wall - double) / resources; the peak of the summed resident memory of every process
the command runs (the CLI, the program, the policy pack, the provider), sampled every 0.1 s from
/proc (Linux only); the requests the double received, per repository and per operation; and the
warning lines the command printed. Each command runs once: these take minutes, not seconds.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import time
from argparse import Namespace
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from baseline import verify
from baseline.stack.validation import parse_settings
from benchmarks import org
from benchmarks.applied import seed_applied
from testing.github_double import Contract, GitHubDouble, User
from tests.e2e.expect import seed_matching
from tests.e2e.harness import Engine, Project, Result, install_provider

TOKEN = "bench-admin-token"
ADMIN = User("bench-admin")
STACK = "bench"
SKIP_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}
# (repositories, extra environment) of each new stack, in order; the first also gets `up` and
# two previews of the applied stack, the second refreshed.
REPOSITORY_MODE = "repository"  # listed by name, a ruleset (or classic protection) each
ORGANIZATION_MODE = "organization"  # chosen by topic, one organization ruleset, the gate
CENTRAL_MODE = "central"  # organization mode, the pipeline in a central repository (issue 26)
STACKS: tuple[tuple[int, Mapping[str, str]], ...] = (
    (100, {}),
    (300, {}),
    (100, SKIP_CHECKPOINTS),
    (1000, SKIP_CHECKPOINTS),
)
# Organization mode (issue 16): every repository exists with the topic, so every one is imported;
# the first stack also gets `up` and the refreshed preview, like the first of STACKS.
ORGANIZATION_STACKS: tuple[tuple[int, Mapping[str, str]], ...] = (
    (100, {}),
    (1000, SKIP_CHECKPOINTS),
)
# Central delivery: 100 repositories, with `up`, the refreshed preview and verify.
CENTRAL_STACKS: tuple[tuple[int, Mapping[str, str]], ...] = ((100, {}),)
PROTECTION_TYPES = (
    "github:index/organizationRuleset:OrganizationRuleset",
    "github:index/repositoryRuleset:RepositoryRuleset",
    "github:index/branchProtectionV3:BranchProtectionV3",
)
SAMPLE_SECONDS = 0.1
ENGINE_TIMEOUT = 3600.0  # seconds a command of the bench may take
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")

# GitHub's primary REST rate limits, requests an hour (GitHub docs, "Rate limits for the REST
# API"; the token's is also in ../shared/facts/github.md). An installation not on Enterprise Cloud
# starts at 5,000 and grows with the organisation, to at most 12,500.
RATE_LIMITS: Mapping[str, int] = {
    "a token's 5,000/h": 5000,
    "an Enterprise Cloud app's 15,000/h": 15000,
}
ORGANISATION_SIZES = (1000, 10000)
# The provider's default github:writeDelayMs, a pause before every write, one write at a time
# (../shared/facts/engine.md).
DEFAULT_WRITE_DELAY_SECONDS = 1


def hours(requests_per_repository: float, repositories: int, per_hour: int) -> float:
    """Hours of a rate limit that `repositories` repositories take at this many requests each."""
    return requests_per_repository * repositories / per_hour


@dataclass(frozen=True)
class EngineRun:
    """One CLI command at one size: what it took, and what it asked of GitHub."""

    command: str
    repositories: int
    applied: bool  # the stack had been applied (`up`) before the command
    skip_checkpoints: bool
    resources: int
    seconds: float
    double_seconds: float
    peak_mib: float
    requests: int
    writes: int  # requests other than GET: each waits github:writeDelayMs (default 1 s) first
    requests_by_operation: Mapping[str, int]
    warning_lines: int
    changes: Mapping[str, int] = field(default_factory=dict)
    mode: str = REPOSITORY_MODE
    protection_resources: int | None = None  # None: the command listed no resources

    @property
    def engine_ms_per_resource(self) -> float:
        return 1000 * (self.seconds - self.double_seconds) / self.resources

    @property
    def requests_per_repository(self) -> float:
        return self.requests / self.repositories

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "engine_ms_per_resource": self.engine_ms_per_resource,
            "requests_per_repository": self.requests_per_repository,
        }


class TreePeak:
    """The peak, over the samples, of the summed resident memory of this process's descendants."""

    def __init__(self) -> None:
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-peak", daemon=True)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak_bytes / (1024 * 1024)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.peak_bytes = max(self.peak_bytes, descendants_rss(os.getpid()))


def descendants_rss(root: int) -> int:
    """The resident bytes of every process below `root` (not `root` itself), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text(encoding="utf-8")
        except OSError:
            continue  # The process ended while we looked.
        # `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total = 0
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            resident_pages = int(Path(f"/proc/{pid}/statm").read_text(encoding="utf-8").split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident_pages * PAGE_BYTES
    return total


def provider_config(double: GitHubDouble) -> dict[str, Any]:
    """The provider's stack config for the double, as tests/e2e/conftest.py's `provider_config`:
    no pause between writes and no retries (../shared/facts/engine.md)."""
    return {
        "github:owner": double.org,
        "github:baseUrl": double.url,
        "github:writeDelayMs": 0,
        "github:maxRetries": 0,
    }


def seed_adopted(double: GitHubDouble, config: Mapping[str, Any]) -> None:
    """The repositories the stack adopts, existing with the settings their entries ask for."""
    settings = parse_settings(
        config["repo-baseline:defaults"], config["repo-baseline:repositories"]
    )
    for repository in settings.repositories:
        if repository.adopt:
            seed_matching(double, repository, {"README.md": f"# {repository.name}\n"})


def _urn_type(urn: str) -> str:
    """The resource type of a urn (`urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME`)."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) > 3 else ""


@dataclass(frozen=True)
class Outcome:
    """What a command's `--json` output says: one document for `preview`, a stream of events,
    one a line, for `up`."""

    resources: int  # the stack's resources the command went through
    changes: Mapping[str, int]
    warning_lines: int
    protection_resources: int | None = None

    @classmethod
    def of(cls, stdout: str) -> Outcome:
        try:
            document = json.loads(stdout)
        except json.JSONDecodeError:
            events = [json.loads(line) for line in stdout.splitlines() if line.strip()]
            summary = next(e["summaryEvent"] for e in events if "summaryEvent" in e)
            changes = summary.get("resourceChanges") or {}
            urns = {
                e["resourcePreEvent"]["metadata"]["urn"] for e in events if "resourcePreEvent" in e
            }
            diagnostics = [e["diagnosticEvent"] for e in events if "diagnosticEvent" in e]
        else:
            changes = document.get("changeSummary") or {}
            urns = {step["urn"] for step in document.get("steps") or []}
            diagnostics = document.get("diagnostics") or []
        return cls(
            protection_resources=(
                sum(_urn_type(urn) in PROTECTION_TYPES for urn in urns) if urns else None
            ),
            # A preview without changes lists no steps, only the count of unchanged resources.
            resources=max(len(urns), int(changes.get("same", 0))),
            changes={str(op): int(count) for op, count in changes.items()},
            warning_lines=sum(d.get("severity") == "warning" for d in diagnostics),
        )


class Bench:
    """A PULUMI_HOME with the provider installed, and GitHub's description parsed once."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine, self.folder = engine, folder
        self.home = folder / "pulumi-home"
        self.home.mkdir()
        install_provider(engine, self.home)
        self.contract = Contract.load()

    @contextmanager
    def stack(
        self, repositories: int, env: Mapping[str, str], mode: str = REPOSITORY_MODE
    ) -> Iterator[tuple[Project, GitHubDouble]]:
        """A new stack of `repositories` against a fresh double serving the organisation; its
        commands run with `env` added. In organization mode the repositories exist, with the
        topic its rule selects."""
        double = GitHubDouble(org.OWNER, {TOKEN: ADMIN}, contract=self.contract)
        with double:
            if mode in (ORGANIZATION_MODE, CENTRAL_MODE):
                config = org.selected_stack_config(central=mode == CENTRAL_MODE)
                if mode == CENTRAL_MODE:
                    double.seed_repository(
                        org.CENTRAL_REPOSITORY, {"README.md": "# CI\n"}, visibility="private"
                    )
                for name in org.selected_names(repositories):
                    double.seed_repository(
                        name,
                        {"README.md": f"# {name}\n"},
                        topics=[org.SELECTED_TOPIC],
                        visibility="private",
                    )
            else:
                config = org.stack_config(repositories)
                seed_adopted(double, config)
            folder = Path(tempfile.mkdtemp(prefix=f"project-{repositories}-", dir=self.folder))
            project = Project(self.engine, self.home, folder, STACK, {"GITHUB_TOKEN": TOKEN, **env})
            # An `up` of 1,000 repositories takes about 20 minutes here.
            project.timeout = ENGINE_TIMEOUT
            project.init()
            project.write_stack_file({**config, **provider_config(double)})
            yield project, double
            double.assert_no_violations()

    def measure(
        self,
        name: str,
        project: Project,
        repositories: int,
        double: GitHubDouble,
        command: Any,
        *,
        applied: bool = False,
        mode: str = REPOSITORY_MODE,
    ) -> tuple[EngineRun, Result]:
        """Run `command()` (a call of `project`'s) and what it took."""
        first_request, busy = len(double.log), double.busy_seconds
        with TreePeak() as peak:
            started = time.perf_counter()
            result: Result = command().check()
            seconds = time.perf_counter() - started
        requests = double.log[first_request:]
        outcome = Outcome.of(result.stdout)
        # An applied stack's preview lists only what changes: count what its state holds.
        protection = outcome.protection_resources
        if applied:
            protection = sum(r["type"] in PROTECTION_TYPES for r in project.resources())
        run = EngineRun(
            command=name,
            repositories=repositories,
            applied=applied,
            skip_checkpoints=project.env.get("PULUMI_SKIP_CHECKPOINTS") == "true",
            resources=outcome.resources,
            seconds=seconds,
            double_seconds=double.busy_seconds - busy,
            peak_mib=peak.peak_mib,
            requests=len(requests),
            writes=sum(entry.method not in ("GET", "HEAD") for entry in requests),
            requests_by_operation=dict(Counter(str(entry.operation) for entry in requests)),
            warning_lines=outcome.warning_lines,
            changes=outcome.changes,
            mode=mode,
            protection_resources=protection,
        )
        return run, result


def measure_verify(
    project: Project, repositories: int, double: GitHubDouble, mode: str
) -> EngineRun:
    """`repo-baseline verify` of an applied stack, in this process: its requests, counted by the
    double (in organization mode the organization's listing its rule selects from included)."""
    first_request, busy = len(double.log), double.busy_seconds
    out = io.StringIO()
    previous = os.environ.get("GITHUB_TOKEN")
    os.environ["GITHUB_TOKEN"] = project.env["GITHUB_TOKEN"]
    try:
        started = time.perf_counter()
        arguments = Namespace(config=str(project.stack_file), format="json", base_url=None)
        code = verify.main(arguments, out)
        seconds = time.perf_counter() - started
    finally:
        if previous is None:
            del os.environ["GITHUB_TOKEN"]
        else:
            os.environ["GITHUB_TOKEN"] = previous
    statuses = Counter(report["status"] for report in json.loads(out.getvalue()))
    if code != 0:
        raise RuntimeError(f"repo-baseline verify of the applied stack: exit {code}, {statuses}")
    requests = double.log[first_request:]
    return EngineRun(
        command="repo-baseline verify",
        repositories=repositories,
        applied=True,
        skip_checkpoints=False,
        resources=repositories,
        seconds=seconds,
        double_seconds=double.busy_seconds - busy,
        peak_mib=0.0,
        requests=len(requests),
        writes=sum(entry.method not in ("GET", "HEAD") for entry in requests),
        requests_by_operation=dict(Counter(str(entry.operation) for entry in requests)),
        warning_lines=0,
        mode=mode,
    )


# `repo-baseline verify` also at a size the bench does not apply: its repositories seeded as `up`
# leaves them (`benchmarks.applied`).
VERIFY_SEEDED = (1000,)


def verify_seeded(bench: Bench, repositories: int) -> EngineRun:
    """`repo-baseline verify` of a repository-mode stack of `repositories`, seeded applied."""
    config = org.stack_config(repositories)
    double = GitHubDouble(org.OWNER, {TOKEN: ADMIN}, contract=bench.contract)
    with double:
        seed_applied(double, TOKEN, config)
        folder = Path(tempfile.mkdtemp(prefix=f"verify-{repositories}-", dir=bench.folder))
        project = Project(bench.engine, bench.home, folder, STACK, {"GITHUB_TOKEN": TOKEN})
        project.write_stack_file({**config, **provider_config(double)})
        run = measure_verify(project, repositories, double, REPOSITORY_MODE)
        double.assert_no_violations()
    return run


def run_all(engine: Engine, progress: Any = print) -> list[EngineRun]:
    """Every command of the module docstring, in order."""
    runs: list[EngineRun] = []
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as folder:
        bench = Bench(engine, Path(folder))
        stacks = [(n, env, REPOSITORY_MODE, i == 0) for i, (n, env) in enumerate(STACKS)]
        stacks += [
            (n, env, ORGANIZATION_MODE, i == 0) for i, (n, env) in enumerate(ORGANIZATION_STACKS)
        ]
        stacks += [(n, env, CENTRAL_MODE, i == 0) for i, (n, env) in enumerate(CENTRAL_STACKS)]
        for repositories, env, mode, applies in stacks:
            with bench.stack(repositories, env, mode) as (project, double):
                commands: list[tuple[str, Any]] = [
                    ("pulumi preview --policy-pack", project.preview)
                ]
                if mode == REPOSITORY_MODE and env == SKIP_CHECKPOINTS:
                    # What deploy.yml runs on a self-managed backend: the growth of `up` too.
                    commands.append(("pulumi up --policy-pack", project.up))
                if applies:
                    commands += [
                        ("pulumi up --policy-pack", project.up),
                        (
                            "pulumi preview --policy-pack",
                            partial(project.preview, expect_no_changes=True),
                        ),
                        (
                            "pulumi preview --refresh --policy-pack",
                            partial(project.preview, refresh=True, expect_no_changes=True),
                        ),
                    ]
                for position, (name, command) in enumerate(commands):
                    setting = "".join(f", {key}={value}" for key, value in env.items())
                    progress(f"{name} of {repositories:,} repositories ({mode}){setting}...")
                    run, _ = bench.measure(
                        name,
                        project,
                        repositories,
                        double,
                        command,
                        applied=position > 1,
                        mode=mode,
                    )
                    runs.append(run)
                if applies:
                    progress(f"repo-baseline verify of {repositories:,} repositories ({mode})...")
                    runs.append(measure_verify(project, repositories, double, mode))
        for repositories in VERIFY_SEEDED:
            progress(f"repo-baseline verify of {repositories:,} repositories (seeded applied)...")
            runs.append(verify_seeded(bench, repositories))
    return runs
