"""Scale benchmark (issues 8 and 13): plan 10, 100 and 1,000 repositories, then run the real
engine; exit 1 if a target is missed.

`python -m benchmarks.bench [--python-gc] [--skip-engine]` from the repository root
(`make bench`).

What is measured, and how:
- The program: the real `__main__.py` planned in-process under Pulumi's mock engine
  (`baseline.plan.mock_engine.run`), on a synthetic organisation's stack (`benchmarks.org`).
- The floor, in the same run and the same harness: the same pulumi-github resources, inputs and
  options under one plain `pulumi.ComponentResource` per repository, with no project code
  (`benchmarks.floor`). Its inputs are built before timing; the check "floor registers exactly
  the program's resources" proves it does the same work.
- The whole plan, as a user runs it: `python -m baseline plan --config FILE --json > plan.json`
  in a process of its own (interpreter, imports, stack file, program, policy pack, JSON), from
  its start to its exit, on the same stack (`benchmarks.measure`).
- Every measurement runs in a fresh interpreter (`benchmarks.measure`), so one run's heap and
  collector state cannot slow the next, and the process's peak resident memory (`ru_maxrss`,
  free to read) is that run's peak. Program, floor and plan runs alternate, and each figure is
  the best of 5 runs (3 at 1,000 repositories): this machine is shared and the fastest run is
  the least disturbed one. Peak memory is the highest of the runs.
- Garbage collector: `main()` builds the resources inside
  `baseline.resources.program.tuned_garbage_collector()` (whose docstring says why), and the floor
  builds its own inside the same context manager, so both run under identical collector settings.
  `--python-gc` runs both with Python's defaults, to show what it buys (growth then fails).
- The real engine (`benchmarks.real_engine`, skipped with `--skip-engine`): `pulumi preview` of
  new stacks of 100 to 1,000 repositories and `pulumi up` then a refreshed preview of 100,
  against the GitHub double, once each. These rows have no target; the README's estimates for an
  organisation at GitHub's rate limits are computed from them.

It prints the tables and the targets, PASS or FAIL, and writes them as JSON to
`benchmarks/results/latest.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import real_engine
from benchmarks.real_engine import (
    DEFAULT_WRITE_DELAY_SECONDS,
    ORGANISATION_SIZES,
    RATE_LIMITS,
    EngineRun,
    hours,
)
from benchmarks.targets import Outcome, Size, check
from testing.github_double import SpecNotInstalledError
from tests.e2e.harness import Engine, EngineMissingError

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
# Repositories -> runs of each of program and floor.
RUNS: Mapping[int, int] = {10: 5, 100: 5, 1000: 3}


class MeasurementError(Exception):
    """A measurement process failed; its output says why."""


def measure(kind: str, repositories: int, *, python_gc: bool) -> dict[str, Any]:
    """One measurement in a fresh interpreter (`benchmarks.measure`)."""
    command = [sys.executable, "-m", "benchmarks.measure", kind, str(repositories)]
    if python_gc:
        command.append("--python-gc")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise MeasurementError(f"{' '.join(command[1:])} failed:\n{done.stderr}{done.stdout}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def run_size(repositories: int, runs: int, *, python_gc: bool) -> Size:
    """`runs` measurements of the program, the floor and (not under `python_gc`) the whole
    plan, alternating."""
    program: list[dict[str, Any]] = []
    floor: list[dict[str, Any]] = []
    plan: list[dict[str, Any]] = []
    for _ in range(runs):
        program.append(measure("program", repositories, python_gc=python_gc))
        floor.append(measure("floor", repositories, python_gc=python_gc))
        if not python_gc:
            plan.append(measure("plan", repositories, python_gc=False))
    return Size(repositories, program, floor, plan)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pulumi": metadata.version("pulumi"),
        "pulumi_github": metadata.version("pulumi_github"),
    }


TIME_COLUMNS = (
    ("repositories", 12),
    ("floor s", 7),
    ("program s", 9),
    ("program/floor", 13),
    ("plan s", 6),
    ("plan/floor", 10),
    ("floor MiB", 9),
    ("program MiB", 11),
    ("plan MiB", 8),
)
FOOTPRINT_COLUMNS = (
    ("repositories", 12),
    ("GC s", 5),
    ("resources/repo", 14),
    ("data sources/repo", 17),
    ("renders", 7),
    ("plan warnings", 13),
)
ENGINE_COLUMNS = (
    ("mode", 12),
    ("command (--policy-pack)", 23),
    ("stack", 7),
    ("state saved", 11),
    ("repositories", 12),
    ("resources", 9),
    ("wall s", 6),
    ("double s", 8),
    ("ms/resource", 11),
    ("peak MiB", 8),
    ("requests/repo", 13),
    ("protection", 10),
    ("warnings", 8),
)


def table_rows(sizes: Mapping[int, Size]) -> list[dict[str, Any]]:
    """One row per size: best times, peak memory and what the program registered."""
    rows = []
    for size in sizes.values():
        program = size.first("program")
        best = min(size.program, key=lambda run: float(run["seconds"]))
        row: dict[str, Any] = {
            "repositories": size.repositories,
            "runs": len(size.program),
            "program_seconds": size.best("program"),
            "floor_seconds": size.best("floor"),
            "overhead": size.best("program") / size.best("floor"),
            "program_peak_mib": size.peak_mib("program"),
            "floor_peak_mib": size.peak_mib("floor"),
            "program_gc_seconds": best["gc_seconds"],
            "program_gc_collections": best["gc_collections"],
            "github_resources_per_repository": program["custom_resources"] / size.repositories,
            "data_source_calls_per_repository": program["invokes"] / size.repositories,
            "pipeline_renders": program["pipeline_renders"],
        }
        if size.plan:
            row["plan_seconds"] = size.best("plan")
            row["plan_overhead"] = size.best("plan") / size.best("floor")
            row["plan_peak_mib"] = size.peak_mib("plan")
            row["plan_warning_lines"] = size.first("plan")["warning_lines"]
        rows.append(row)
    return rows


def _table(columns: Sequence[tuple[str, int]], cells: Sequence[Sequence[str]]) -> str:
    lines = ["  ".join(title.rjust(width) for title, width in columns)]
    lines += [
        "  ".join(cell.rjust(width) for cell, (_, width) in zip(row, columns, strict=True))
        for row in cells
    ]
    return "\n".join(lines)


def format_tables(rows: Sequence[Mapping[str, Any]]) -> str:
    """The time and memory table, then the footprint table; `-` where the plan was not run."""

    def plan(row: Mapping[str, Any], key: str, spec: str) -> str:
        return format(row[key], spec) if key in row else "-"

    times = [
        (
            f"{row['repositories']:,}",
            f"{row['floor_seconds']:.2f}",
            f"{row['program_seconds']:.2f}",
            f"{row['overhead']:.2f}x",
            plan(row, "plan_seconds", ".2f"),
            plan(row, "plan_overhead", ".2f") + ("x" if "plan_overhead" in row else ""),
            f"{row['floor_peak_mib']:.0f}",
            f"{row['program_peak_mib']:.0f}",
            plan(row, "plan_peak_mib", ".0f"),
        )
        for row in rows
    ]
    footprint = [
        (
            f"{row['repositories']:,}",
            f"{row['program_gc_seconds']:.2f}",
            f"{row['github_resources_per_repository']:g}",
            f"{row['data_source_calls_per_repository']:g}",
            f"{row['pipeline_renders']}",
            plan(row, "plan_warning_lines", "d"),
        )
        for row in rows
    ]
    return _table(TIME_COLUMNS, times) + "\n\n" + _table(FOOTPRINT_COLUMNS, footprint)


def format_engine(runs: Sequence[EngineRun]) -> str:
    cells = [
        (
            run.mode,
            run.command.removesuffix(" --policy-pack").removeprefix("pulumi "),
            "applied" if run.applied else "new",
            "at the end" if run.skip_checkpoints else "every step",
            f"{run.repositories:,}",
            f"{run.resources:,}",
            f"{run.seconds:.1f}",
            f"{run.double_seconds:.1f}",
            f"{run.engine_ms_per_resource:.1f}",
            f"{run.peak_mib:.0f}",
            f"{run.requests_per_repository:.1f}",
            "-" if run.protection_resources is None else f"{run.protection_resources:,}",
            f"{run.warning_lines}",
        )
        for run in runs
    ]
    return _table(ENGINE_COLUMNS, cells)


def format_rate_limits(runs: Sequence[EngineRun]) -> str:
    """What each command's requests cost an organisation at GitHub's primary rate limits, and
    its writes at the provider's default pause between writes."""
    lines = []
    for run in runs:
        if run.requests_per_repository < 1:
            continue  # A new stack's preview asks GitHub next to nothing per repository.
        writes = run.writes / run.repositories
        lines.append(
            f"{run.command} ({run.repositories:,} repositories, {run.mode} mode): "
            f"{run.requests_per_repository:.1f} requests per repository, {writes:.1f} of them "
            "writes"
        )
        for count in ORGANISATION_SIZES:
            spent = ", ".join(
                f"{hours(run.requests_per_repository, count, per_hour):.1f} h of {name}"
                for name, per_hour in RATE_LIMITS.items()
            )
            paused = hours(writes, count, 3600 // DEFAULT_WRITE_DELAY_SECONDS)
            lines.append(
                f"  {count:,} repositories: {spent}; the writes' pauses alone "
                f"{paused:.1f} h (writeDelayMs {DEFAULT_WRITE_DELAY_SECONDS * 1000})"
            )
    return "\n".join(lines)


def format_outcomes(outcomes: Sequence[Outcome]) -> str:
    return "\n".join(
        f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.name}: {outcome.measured} "
        f"(target {outcome.limit})"
        for outcome in outcomes
    )


# Issue 24: `repo-baseline verify` reads three things a repository (the rules in force, the branch,
# the workflow listing); an organization mode stack also lists the organization once, its pages
# shared by every repository.
MAX_VERIFY_REQUESTS = 3


def verify_outcomes(runs: Sequence[EngineRun]) -> list[Outcome]:
    """The verify target: at most three requests a repository, beside the listing's pages."""
    outcomes = []
    for run in runs:
        if run.command != "repo-baseline verify":
            continue
        listing = sum(
            count
            for operation, count in run.requests_by_operation.items()
            if not operation.startswith("repos/get-")
        )
        per = (run.requests - listing) / run.repositories
        outcomes.append(
            Outcome(
                f"verify requests per repository ({run.repositories:,}, {run.mode} mode)",
                f"{per:.2f} (+{listing} for the organization's listing)",
                f"<= {MAX_VERIFY_REQUESTS}",
                per <= MAX_VERIFY_REQUESTS,
            )
        )
    return outcomes


# Issue 25's targets for the real engine, requests counted by the double: (command, mode) ->
# at most this many requests per repository, on the first stack of each mode (100 repositories).
MAX_REQUESTS: Mapping[tuple[str, str], float] = {
    ("pulumi up --policy-pack", real_engine.ORGANIZATION_MODE): 5,
    ("pulumi up --policy-pack", real_engine.REPOSITORY_MODE): 12,
    ("pulumi preview --refresh --policy-pack", real_engine.ORGANIZATION_MODE): 3,
    ("pulumi preview --refresh --policy-pack", real_engine.REPOSITORY_MODE): 6,
}
# And a new stack's `preview` and `up` on a self-managed backend, with the state saved once (what
# deploy.yml sets there): linear in the stack, time(1,000) / time(100) at most this.
MAX_ENGINE_GROWTH = 11.0


def engine_outcomes(runs: Sequence[EngineRun]) -> list[Outcome]:
    """Issue 25's targets: requests per repository of the first `up` and the refreshed preview
    in each mode, and the growth of a new stack's preview and `up` with checkpoints skipped."""
    outcomes = []
    for (command, mode), limit in MAX_REQUESTS.items():
        measured = [
            run
            for run in runs
            if (run.command, run.mode) == (command, mode) and not run.skip_checkpoints
        ]
        if measured:
            run = measured[0]
            outcomes.append(
                Outcome(
                    f"{command.removesuffix(' --policy-pack')} requests per repository "
                    f"({run.repositories:,}, {mode} mode)",
                    f"{run.requests_per_repository:.1f}",
                    f"<= {limit:g}",
                    run.requests_per_repository <= limit,
                )
            )
    for command in ("pulumi preview --policy-pack", "pulumi up --policy-pack"):
        seconds = {
            run.repositories: run.seconds
            for run in runs
            if run.command == command
            and run.skip_checkpoints
            and not run.applied
            and run.mode == real_engine.REPOSITORY_MODE
        }
        if 100 in seconds and 1000 in seconds:
            growth = seconds[1000] / seconds[100]
            outcomes.append(
                Outcome(
                    f"{command.removesuffix(' --policy-pack')} of a new stack, state saved once: "
                    "time(1,000) / time(100)",
                    f"{growth:.2f}",
                    f"<= {MAX_ENGINE_GROWTH}",
                    growth <= MAX_ENGINE_GROWTH,
                )
            )
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description=(
            "Plan 10, 100 and 1,000 repositories against the floor, run the real engine; "
            "check the targets."
        ),
    )
    parser.add_argument(
        "--python-gc",
        action="store_true",
        help="program and floor with Python's default garbage-collector settings (to see what "
        "tuning buys); skips the whole plan and the real engine",
    )
    parser.add_argument(
        "--skip-engine", action="store_true", help="skip the real engine's rows (make engine)"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    about = machine()
    print(
        f"{about['cpus']} CPUs ({about['cpu']}), Python {about['python']}, "
        f"pulumi {about['pulumi']}, pulumi-github {about['pulumi_github']}"
        + (", Python's default GC settings" if args.python_gc else "")
    )
    sizes: dict[int, Size] = {}
    for repositories, runs in RUNS.items():
        kinds = "program and floor" if args.python_gc else "program, floor and whole plan"
        print(f"planning {repositories:,} repositories, {kinds}, {runs} runs each...")
        try:
            sizes[repositories] = run_size(repositories, runs, python_gc=args.python_gc)
        except MeasurementError as error:
            print(error, file=sys.stderr)
            return 2
    engine_runs: list[EngineRun] = []
    if not (args.python_gc or args.skip_engine):
        try:
            engine_runs = real_engine.run_all(Engine.find())
        except (EngineMissingError, SpecNotInstalledError) as missing:
            print(missing, file=sys.stderr)
            return 2
    rows = table_rows(sizes)
    outcomes = check(sizes) + engine_outcomes(engine_runs) + verify_outcomes(engine_runs)
    total = time.perf_counter() - started

    print()
    print(format_tables(rows))
    if engine_runs:
        print()
        print(format_engine(engine_runs))
        print()
        print(format_rate_limits(engine_runs))
    print()
    print(format_outcomes(outcomes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": about,
        "gc": "python-defaults" if args.python_gc else "tuned",
        "sizes": rows,
        "engine": [run.to_json() for run in engine_runs],
        "targets": [asdict(outcome) for outcome in outcomes],
        "runs": {
            str(n): {"program": s.program, "floor": s.floor, "plan": s.plan}
            for n, s in sizes.items()
        },
        "total_seconds": total,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\ntotal {total:.0f} s; results in {RESULTS.relative_to(ROOT)}")
    return 0 if all(outcome.passed for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
