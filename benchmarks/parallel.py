"""The provider's request settings against the GitHub double: `pulumi up` of a new stack.

`python -m benchmarks.parallel [--repositories N] [--latency-ms MS] [--skip-defaults] [--json
FILE]` from the repository root, after `make engine` and GitHub's API description (`make e2e`
installs both).

What is measured: for each of `SETTINGS`, a new repository-mode stack of `benchmarks.org`'s
synthetic organisation (its adopted repositories seeded, as `benchmarks.real_engine` does)
against a fresh double, and one `pulumi up --policy-pack` of it, with the CLI and provider of
`make engine` (`real_engine.Bench.measure`): the wall time, the double's own time answering, the
requests it received and how many were writes (not GET or HEAD). Each setting runs once, on a
shared 2-core machine: the wall times are approximate, the request counts exact. Why: the docs
(docs/scale.md, "Provider settings") say what the settings cost and buy; this measures it.

The double answers in milliseconds, one request at a time (under its lock), where each request
to GitHub costs a network round trip: against the double, serial and parallel requests differ
only by what the engine, the provider and the double overlap on the machine's CPUs.
`--latency-ms` holds every answer that long, the double unlocked (its `Fault.delay` on every
route), so that sending requests one at a time costs what it would against GitHub.

Every row starts from `real_engine.provider_config` (`github:writeDelayMs 0`, `github:maxRetries
0`, the e2e tests' settings) and changes only the provider keys its `Setting` names
(`provider_settings`); `maxRetries` stays 0 everywhere, so a 5xx shows at once. The rows:

- defaults: `writeDelayMs` left unset (1000). About 9 writes a repository at 1 s each take some
  17 minutes at 100 repositories, so this row runs at most `DEFAULTS_REPOSITORIES`
  (`--defaults-repositories`; its label says so when fewer than the others): compare it per
  repository.
- `writeDelayMs 0`, serial: what the e2e tests and `make bench` run.
- `writeDelayMs 0` with `parallelRequests true`.
- `legacyClient false`: the new client, `writeDelayMs` left unset (the new client has no delay).

What the settings do, in terraform-provider-github v6.13.0 (pulumi-github 6.15.0's provider, the
one `make engine` bridges; the pinned build's schema has every key below as stack config:
engine/provider/cmd/pulumi-resource-github/generated/schema.json, `config.variables`):

- Each key is read with `d.GetOk`, which reports a zero value as unset, so `writeDelayMs 0`,
  `maxRetries 0` and `legacyClient false` leave the Go zero value: no delay, no retries, the new
  client (github/provider.go:351-355, 449-454, 483-488).
- Legacy client (`legacy_client` default true, github/provider.go:149-154, 534-560): REST and
  GraphQL share one `http.Client` (github/config.go:86-94) whose `RateLimitTransport`
  (github/config.go:70-84) holds one mutex around each request unless `parallel_requests`
  (github/transport.go:61-75, 132-143): one request at a time for the whole provider process.
- `write_delay_ms` (default 1000, github/provider.go:102-108) and `read_delay_ms` (default 0,
  95-101): the pause is set by a request's method and slept at the start of the next request,
  inside the mutex (github/transport.go:66-73, 145-152): after each POST, PATCH, PUT or DELETE
  (github/transport.go:209-215), every GraphQL call being a POST, the next request of any kind
  waits 1 s.
- `parallel_requests` (default false, github/provider.go:136-141, 498-503): skips the mutex
  (github/transport.go:134-137), so the engine's own parallelism applies: pulumi v3.274.0 runs
  4 x GOMAXPROCS resource operations at once by default, 8 on 2 cores
  (pkg/v3 cmd/pulumi/operations/up.go:70-87). The delay is still applied, per request.
- `max_retries` (default 3, github/provider.go:122-128): a `RetryTransport` only when > 0
  (github/config.go:79-81), resending a 5xx or unanswered request after `retry_delay_ms`
  (github/transport.go:241-290). Both clients wait out GitHub's rate-limit answers themselves
  (github/transport.go:93-114; the new client: go-github-ratelimit, below).
- New client (`legacy_client = false`, github/provider.go:561-615): `ghclient.SourceOptions`
  carries only the base URL, a cache flag and the retry settings; `write_delay_ms`,
  `read_delay_ms`, `parallel_requests` and `retryable_errors` are not passed, for REST and
  GraphQL alike. Its transport (internal/ghclient/transport.go:32-71): OAuth2, retries only when
  `max_retries` > 0 (retryablehttp), a semaphore of 100 requests in flight shared by REST and
  GraphQL (internal/ghclient/token.go:29, const.go:21-26, throttle.go:34-50), go-github-ratelimit
  (waits out primary and secondary limits), and a conditional-request (ETag) cache in a new
  temporary directory per provider start that nothing removes (internal/ghclient/token.go:21-27).
  So its commands here run with TMPDIR inside the benchmark's own folder (every row, alike).
- The new client hangs past 100 error answers in v6.13.0: its throttler gives a permit back only
  when the response body it wrapped is closed (internal/ghclient/throttle.go:18-25, 45-48), and
  go-github v88's `CheckResponse` swaps the body of every non-2xx answer for a copy without
  closing it (github/github.go:1719-1739), so each one (the 404 of GET
  /repos/{owner}/{repo}/vulnerability-alerts, read for every repository, is one) keeps a
  permit. After 100, every request waits in `semaphore.Acquire` until the client's 5-minute
  timeout, and a repository whose PATCH fails so panics the provider
  (github/resource_github_repository.go:1016-1018 reads the nil response's status).
  integrations/terraform-provider-github#3603, fixed by #3605 after v6.13.0.

A row whose `pulumi up` fails, times out or makes the double record a contract violation is kept
as a `Failure`, with the provider's error diagnostics or the violations: never dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from benchmarks.real_engine import Bench, EngineRun, provider_config
from testing.github_double import Fault, GitHubDouble, SpecNotInstalledError
from tests.e2e.harness import Engine, EngineMissingError, Project, Result

COMMAND = "pulumi up --policy-pack"
# The defaults' row: 1 s after each of ~9 writes a repository; 20 repositories take about 3.5 min.
DEFAULTS_REPOSITORIES = 20
PROVIDER_PREFIX = "github:"
MAX_DETAIL_LINES = 20
FOREVER = 10**9  # a fault's `times`: every matching request


@dataclass(frozen=True)
class Setting:
    """A provider setting: the keys it changes in `real_engine.provider_config` (None: the key
    is left unset, so the provider's default applies), and a cap on the stack's size."""

    label: str
    overrides: Mapping[str, Any]
    max_repositories: int | None = None

    def repositories(self, requested: int) -> int:
        if self.max_repositories is None:
            return requested
        return min(requested, self.max_repositories)

    def label_at(self, repositories: int, requested: int) -> str:
        """The label, saying so when the row runs fewer repositories than asked."""
        if repositories < requested:
            return f"{self.label}, {repositories:,} repositories"
        return self.label


DEFAULTS = Setting(
    "defaults (writeDelayMs 1000, serial)",
    {"github:writeDelayMs": None},
    max_repositories=DEFAULTS_REPOSITORIES,
)
SERIAL = Setting("writeDelayMs 0, serial", {})
PARALLEL = Setting("writeDelayMs 0, parallelRequests", {"github:parallelRequests": True})
NEW_CLIENT = Setting(
    "legacyClient false", {"github:legacyClient": False, "github:writeDelayMs": None}
)
SETTINGS: tuple[Setting, ...] = (DEFAULTS, SERIAL, PARALLEL, NEW_CLIENT)


def with_overrides(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with each override set, or removed where it is None; `base` is not changed."""
    unknown = [key for key in overrides if not key.startswith(PROVIDER_PREFIX)]
    if unknown:
        raise ValueError(f"not provider keys: {', '.join(unknown)}")
    config = {key: value for key, value in base.items() if key not in overrides}
    config.update({key: value for key, value in overrides.items() if value is not None})
    return config


def provider_settings(double: GitHubDouble, setting: Setting) -> dict[str, Any]:
    """The provider's stack config for `double` under `setting`."""
    return with_overrides(provider_config(double), setting.overrides)


def write_provider_config(project: Project, provider: Mapping[str, Any]) -> None:
    """Replace the `github:` keys of the project's stack file, keeping the program's config."""
    document = yaml.safe_load(project.stack_file.read_text(encoding="utf-8"))
    program = {
        key: value
        for key, value in document["config"].items()
        if not key.startswith(PROVIDER_PREFIX)
    }
    project.write_stack_file({**program, **provider})


@dataclass(frozen=True)
class Failure:
    """A row that failed: what the double had received by then, and why."""

    repositories: int
    seconds: float
    double_seconds: float
    requests: int
    writes: int
    reason: str
    detail: str
    requests_by_operation: Mapping[str, int] = field(default_factory=dict)

    @property
    def requests_per_repository(self) -> float:
        return self.requests / self.repositories

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "failed": True}


Row = tuple[str, EngineRun | Failure]


def error_diagnostics(result: Result) -> list[str]:
    """The error messages of a `--json` event stream, or the output's tail when it is none."""
    messages = []
    for line in result.stdout.splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        diagnostic = event.get("diagnosticEvent") if isinstance(event, dict) else None
        if diagnostic and diagnostic.get("severity") == "error":
            messages.append(str(diagnostic.get("message", "")).strip())
    return messages or [(result.stderr or result.stdout)[-2000:].strip()]


def hold_answers(double: GitHubDouble, seconds: float) -> None:
    """Every answer of every route the double serves sent `seconds` late, as a network would."""
    for method, template in double.routes():
        double.inject(Fault.delay(method, template, seconds, times=FOREVER))


def violation_lines(violations: Sequence[object]) -> list[str]:
    """Each distinct violation once, with how many times the double recorded it."""
    counts = Counter(str(violation) for violation in violations)
    return [f"{count} x {text}" if count > 1 else text for text, count in counts.items()]


def run_setting(
    bench: Bench,
    setting: Setting,
    repositories: int,
    env: Mapping[str, str],
    latency: float = 0.0,
) -> EngineRun | Failure:
    """One new stack under `setting` and its `pulumi up --policy-pack`, each answer held
    `latency` seconds."""
    with bench.stack(repositories, env) as (project, double):
        write_provider_config(project, provider_settings(double, setting))
        if latency:
            hold_answers(double, latency)
        results: list[Result] = []

        def up() -> Result:
            results.append(project.up())
            return results[-1]

        first, busy, started = len(double.log), double.busy_seconds, time.perf_counter()
        reason = ""  # why the row failed, if it did
        detail: list[str] = []  # the diagnostics or violations saying what failed
        run: EngineRun | None = None
        try:
            run, _ = bench.measure(COMMAND, project, repositories, double, up)
        except AssertionError as error:
            if not results:
                raise
            reason = f"{COMMAND} failed (exit {results[-1].returncode})"
            detail = error_diagnostics(results[-1]) if results[-1].returncode else [str(error)]
        except subprocess.TimeoutExpired:
            reason = f"{COMMAND} timed out after {project.timeout:g} s"
        violations = double.take_violations()  # so that Bench.stack does not raise them
        if violations:
            reason = "; ".join(filter(None, [reason, "contract violations"]))
            detail += violation_lines(violations)
        if run is not None and not reason:
            return run
        requests = double.log[first:]
        return Failure(
            repositories=repositories,
            seconds=run.seconds if run else time.perf_counter() - started,
            double_seconds=double.busy_seconds - busy,
            requests=len(requests),
            writes=sum(entry.method not in ("GET", "HEAD") for entry in requests),
            reason=reason,
            detail="\n".join(detail),
            requests_by_operation=dict(Counter(str(entry.operation) for entry in requests)),
        )


def run_settings(
    engine: Engine,
    repositories: int = 100,
    progress: Callable[[str], object] = print,
    settings: Sequence[Setting] = SETTINGS,
    latency: float = 0.0,
) -> list[Row]:
    """Each setting's new stack and `pulumi up`, in order: (label, run or failure); every
    answer of the double held `latency` seconds."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as folder:
        bench = Bench(engine, Path(folder))
        # The new client's ETag cache goes to a temporary directory it never removes.
        temporary = Path(folder) / "tmp"
        temporary.mkdir()
        env = {"TMPDIR": str(temporary)}
        for setting in settings:
            size = setting.repositories(repositories)
            label = setting.label_at(size, repositories)
            progress(f"{COMMAND} of {size:,} repositories, {label}...")
            rows.append((label, run_setting(bench, setting, size, env, latency)))
    return rows


COLUMNS: tuple[tuple[str, int], ...] = (
    ("repositories", 12),
    ("wall s", 7),
    ("s/repository", 12),
    ("requests/repository", 19),
    ("writes/repository", 17),
    ("double s", 8),
    ("result", 6),
)


def format_settings(rows: Sequence[Row]) -> str:
    """One line a setting; a failed row shows what the double had received when it failed."""
    width = max([len("setting"), *(len(label) for label, _ in rows)])
    lines = ["setting".ljust(width) + "  " + "  ".join(t.rjust(w) for t, w in COLUMNS)]
    for label, row in rows:
        cells = (
            f"{row.repositories:,}",
            f"{row.seconds:.1f}",
            f"{row.seconds / row.repositories:.2f}",
            f"{row.requests / row.repositories:.1f}",
            f"{row.writes / row.repositories:.1f}",
            f"{row.double_seconds:.1f}",
            "FAILED" if isinstance(row, Failure) else "ok",
        )
        lines.append(
            label.ljust(width)
            + "  "
            + "  ".join(cell.rjust(w) for cell, (_, w) in zip(cells, COLUMNS, strict=True))
        )
    return "\n".join(lines)


def format_failures(rows: Sequence[Row]) -> str:
    """What failed, row by row: the reason, then the diagnostics or violations."""
    blocks = []
    for label, row in rows:
        if isinstance(row, Failure):
            detail = row.detail.splitlines()
            shown = detail[:MAX_DETAIL_LINES]
            if len(detail) > len(shown):
                shown.append(f"... {len(detail) - len(shown)} more lines")
            blocks.append("\n".join([f"{label}: {row.reason}", *(f"  {s}" for s in shown)]))
    return "\n\n".join(blocks)


def chosen_settings(defaults_repositories: int, *, skip_defaults: bool) -> list[Setting]:
    """`SETTINGS`, the defaults' row capped at `defaults_repositories`, or left out."""
    if skip_defaults:
        return [setting for setting in SETTINGS if setting is not DEFAULTS]
    capped = replace(DEFAULTS, max_repositories=defaults_repositories)
    return [capped if setting is DEFAULTS else setting for setting in SETTINGS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parallel", description=__doc__)
    parser.add_argument(
        "--repositories",
        type=int,
        default=100,
        help="repositories per stack (the defaults' row: see --defaults-repositories)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="hold every answer of the double this long, as GitHub's round trip (default 0)",
    )
    parser.add_argument(
        "--defaults-repositories",
        type=int,
        default=DEFAULTS_REPOSITORIES,
        help=f"at most this many in the defaults' row (default {DEFAULTS_REPOSITORIES})",
    )
    parser.add_argument(
        "--skip-defaults",
        action="store_true",
        help="leave out the defaults' row (writeDelayMs 1000), the slow one",
    )
    parser.add_argument("--json", type=Path, help="also write every row, as JSON, to this file")
    args = parser.parse_args(argv)
    if min(args.repositories, args.defaults_repositories) < 1 or args.latency_ms < 0:
        parser.error("repositories must be at least 1, --latency-ms at least 0")
    settings = chosen_settings(args.defaults_repositories, skip_defaults=args.skip_defaults)

    load = os.getloadavg()
    print(
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"answers held {args.latency_ms:g} ms"
    )
    started = time.perf_counter()
    try:
        rows = run_settings(
            Engine.find(), args.repositories, settings=settings, latency=args.latency_ms / 1000
        )
    except (EngineMissingError, SpecNotInstalledError) as missing:
        print(missing, file=sys.stderr)
        return 2
    load = os.getloadavg()
    print(
        f"\ntotal {time.perf_counter() - started:.0f} s; load average {load[0]:.2f} "
        f"{load[1]:.2f} {load[2]:.2f}\n"
    )
    print(format_settings(rows))
    failures = format_failures(rows)
    if failures:
        print("\n" + failures)
    if args.json:
        report = [{"setting": label, **row.to_json()} for label, row in rows]
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
