"""One measurement: plan the program, or the floor, or the whole plan, for N repositories.

`python -m benchmarks.measure program|floor|plan N [--python-gc]` prints one JSON object.

`program` and `floor` run in this fresh interpreter. Every
module (the SDK, pulumi-github, the project's) is imported before timing: an import is paid once
per plan, not per repository. The timed part is the run under the mock engine, from reading the
config to the last registration; the floor's inputs are built before it. Peak memory is the
process's peak resident set (`ru_maxrss`), read right after the run: a fresh interpreter per
measurement makes it this run's peak, at no cost to the timing (tracemalloc would slow the run
down several times). `--python-gc` skips the program's garbage-collector tuning, for both.

`plan` is the whole offline plan as a user runs it, `python -m baseline plan --config
Pulumi.bench.yaml --json > plan.json`, in a fresh process of its own (interpreter start, imports,
reading the stack file, the program, the policy pack, the JSON), timed from its start to its
exit; its peak memory is that process's (`RUSAGE_CHILDREN`: it is this process's only child).
The stack file is written before timing. `--python-gc` does not apply to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi  # noqa: F401 (imported before timing, like everything else)
import pulumi_github  # noqa: F401
import yaml

from baseline.plan import mock_engine
from baseline.resources import program as baseline_program
from baseline.stack.inventory import INVENTORY_ENV
from benchmarks import floor, org

KINDS = ("program", "floor", "plan")
ROOT = Path(__file__).resolve().parent.parent


class GcTimer:
    """Time spent in collections, per generation, via `gc.callbacks` (a few µs per collection)."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            generation = info["generation"]
            self.seconds[generation] += time.perf_counter() - self._started
            self.collections[generation] += 1


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """This process's (or its largest waited-for child's) peak resident set so far (Linux
    reports KiB, macOS bytes)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def registrations_digest(record: mock_engine.Record) -> str:
    """A hash of every registration (type, name, parent, inputs, options), in URN order.

    `depends_on` is sorted: the SDK collects dependencies in a set, whose order changes with
    each interpreter's string-hash seed.
    """
    digest = hashlib.sha256()
    rows = sorted(
        json.dumps({**dataclasses.asdict(r), "depends_on": sorted(r.depends_on)}, sort_keys=True)
        for r in record.resources
    )
    for row in rows:
        digest.update(row.encode())
        digest.update(b"\n")
    return digest.hexdigest()


@contextmanager
def _untuned() -> Iterator[None]:
    """Stands in for the program's garbage-collector tuning under `--python-gc`."""
    yield


def measure(kind: str, count: int, *, python_gc: bool = False) -> dict[str, Any]:
    """Plan `kind` for `count` repositories under the mock engine; what it took and registered."""
    if python_gc:
        baseline_program.tuned_garbage_collector = _untuned
    config = org.stack_config(count)
    program = floor.floor_program(floor.floor_plan(config)) if kind == "floor" else None
    with tempfile.TemporaryDirectory(prefix="bench-listing-") as folder:
        # The program reads the organisation's listing (it adopts repositories): a saved one.
        listing = Path(folder) / "inventory.json"
        listing.write_text(json.dumps(org.inventory(count)), encoding="utf-8")
        os.environ[INVENTORY_ENV] = str(listing)
        gc.collect()
        timer = GcTimer()
        gc.callbacks.append(timer)
        started = time.perf_counter()
        record = mock_engine.run(config, program=program)
        seconds = time.perf_counter() - started
    peak = peak_rss_mib()
    gc.callbacks.remove(timer)

    result: dict[str, Any] = {
        "kind": kind,
        "repositories": count,
        "seconds": seconds,
        "peak_rss_mib": peak,
        "gc_seconds": sum(timer.seconds),
        "gc_seconds_by_generation": timer.seconds,
        "gc_collections": timer.collections,
        "registrations": len(record.resources),
        "custom_resources": sum(r.custom for r in record.resources),
        "types": dict(Counter(r.type for r in record.resources)),
        "invokes": len(record.invokes),
        "warnings": len(record.warnings),
        "digest": registrations_digest(record),
    }
    if kind == "program":
        # The same module object `__main__.py` imported: its cache saw every render of this run.
        from workflows.templates import rendered_pipeline

        result["pipeline_renders"] = rendered_pipeline.cache_info().misses
    return result


def measure_plan(count: int) -> dict[str, Any]:
    """`python -m baseline plan --json` of a stack of `count` repositories, in its own process."""
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as folder:
        stack = Path(folder) / "Pulumi.bench.yaml"
        document = {"config": org.stack_config(count)}
        stack.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        listing = Path(folder) / "inventory.json"
        listing.write_text(json.dumps(org.inventory(count)), encoding="utf-8")
        output = Path(folder) / "plan.json"
        command = [
            *(sys.executable, "-m", "baseline", "plan", "--config", str(stack), "--json"),
            *("--inventory", str(listing)),
        ]
        with output.open("w", encoding="utf-8") as stdout:
            started = time.perf_counter()
            done = subprocess.run(
                command, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True, check=False
            )
            seconds = time.perf_counter() - started
        peak = peak_rss_mib(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"baseline plan exited {done.returncode}:\n{done.stderr}")
        plan = json.loads(output.read_text(encoding="utf-8"))
    return {
        "kind": "plan",
        "repositories": count,
        "seconds": seconds,
        "peak_rss_mib": peak,
        "registrations": len(plan["resources"]),
        "policy_violations": len(plan["policy_violations"]),
        "warning_lines": len(plan["warnings"]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure", description=__doc__)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("repositories", type=int)
    parser.add_argument("--python-gc", action="store_true", help="skip the program's GC tuning")
    args = parser.parse_args(argv)
    if args.kind == "plan":
        print(json.dumps(measure_plan(args.repositories)))
    else:
        print(json.dumps(measure(args.kind, args.repositories, python_gc=args.python_gc)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
