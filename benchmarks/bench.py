"""Scale benchmark (issue 8): plan 10, 100 and 1,000 repositories; exit 1 if a target is missed.

`python -m benchmarks.bench [--python-gc]` from the repository root (`make bench`).

What is measured, and how:
- The program: the real `__main__.py` planned in-process under Pulumi's mock engine
  (`baseline.mock_engine.run`), on a synthetic organisation's stack (`benchmarks.org`).
- The floor, in the same run and the same harness: the same pulumi-github resources, inputs and
  options under one plain `pulumi.ComponentResource` per repository, with no project code
  (`benchmarks.floor`). Its inputs are built before timing; the check "floor registers exactly
  the program's resources" proves it does the same work.
- Every measurement runs in a fresh interpreter (`benchmarks.measure`), so one run's heap and
  collector state cannot slow the next, and the process's peak resident memory (`ru_maxrss`,
  free to read) is that run's peak. Program and floor runs alternate, and each figure is the
  best of 5 runs (3 at 1,000 repositories): this machine is shared and the fastest run is the
  least disturbed one. Peak memory is the highest of the runs.
- Garbage collector: `main()` builds the resources inside
  `baseline.program.tuned_garbage_collector()` (whose docstring says why), and the floor builds
  its own inside the same context manager, so both run under identical collector settings.
  `--python-gc` runs both with Python's defaults, to show what it buys (growth then fails).

It prints a table and the targets, PASS or FAIL, and writes both as JSON to
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

from benchmarks.targets import Outcome, Size, check

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
    """`runs` measurements of the program and of the floor, alternating."""
    program: list[dict[str, Any]] = []
    floor: list[dict[str, Any]] = []
    for _ in range(runs):
        program.append(measure("program", repositories, python_gc=python_gc))
        floor.append(measure("floor", repositories, python_gc=python_gc))
    return Size(repositories, program, floor)


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


COLUMNS = (
    ("repositories", 12),
    ("program s", 9),
    ("floor s", 8),
    ("overhead", 8),
    ("program MiB", 11),
    ("floor MiB", 9),
    ("GC s", 5),
    ("resources/repo", 14),
    ("data sources/repo", 17),
    ("renders", 7),
)


def table_rows(sizes: Mapping[int, Size]) -> list[dict[str, Any]]:
    """One row per size: best times, peak memory and what the program registered."""
    rows = []
    for size in sizes.values():
        program = size.first("program")
        best = min(size.program, key=lambda run: float(run["seconds"]))
        rows.append(
            {
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
        )
    return rows


def format_table(rows: Sequence[Mapping[str, Any]]) -> str:
    cells = [
        (
            f"{row['repositories']:,}",
            f"{row['program_seconds']:.2f}",
            f"{row['floor_seconds']:.2f}",
            f"{row['overhead']:.2f}x",
            f"{row['program_peak_mib']:.0f}",
            f"{row['floor_peak_mib']:.0f}",
            f"{row['program_gc_seconds']:.2f}",
            f"{row['github_resources_per_repository']:g}",
            f"{row['data_source_calls_per_repository']:g}",
            f"{row['pipeline_renders']}",
        )
        for row in rows
    ]
    lines = ["  ".join(title.rjust(width) for title, width in COLUMNS)]
    lines += [
        "  ".join(cell.rjust(width) for cell, (_, width) in zip(row, COLUMNS, strict=True))
        for row in cells
    ]
    return "\n".join(lines)


def format_outcomes(outcomes: Sequence[Outcome]) -> str:
    return "\n".join(
        f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.name}: {outcome.measured} "
        f"(target {outcome.limit})"
        for outcome in outcomes
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="Plan 10, 100 and 1,000 repositories against the floor; check the targets.",
    )
    parser.add_argument(
        "--python-gc",
        action="store_true",
        help="run with Python's default garbage-collector settings (to see what tuning buys)",
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
        print(f"planning {repositories:,} repositories, program and floor, {runs} runs each...")
        try:
            sizes[repositories] = run_size(repositories, runs, python_gc=args.python_gc)
        except MeasurementError as error:
            print(error, file=sys.stderr)
            return 2
    rows = table_rows(sizes)
    outcomes = check(sizes)
    total = time.perf_counter() - started

    print()
    print(format_table(rows))
    print()
    print(format_outcomes(outcomes))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "machine": about,
        "gc": "python-defaults" if args.python_gc else "tuned",
        "sizes": rows,
        "targets": [asdict(outcome) for outcome in outcomes],
        "runs": {str(n): {"program": s.program, "floor": s.floor} for n, s in sizes.items()},
        "total_seconds": total,
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\ntotal {total:.0f} s; results in {RESULTS.relative_to(ROOT)}")
    return 0 if all(outcome.passed for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
