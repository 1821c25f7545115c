"""The scale targets as `make bench` checks them, on made-up measurements (no timing here)."""

from __future__ import annotations

from typing import Any

from benchmarks import org
from benchmarks.targets import REST_BACKED, Outcome, Size, check

REPOSITORY = "github:index/repository:Repository"


def run(repositories: int, seconds: float, **extra: Any) -> dict[str, Any]:
    """One measurement of the program (or floor) with everything the checks read."""
    return {
        "seconds": seconds,
        "peak_rss_mib": 600.0,
        "invokes": 0,
        "types": {REPOSITORY: repositories},
        "pipeline_renders": org.distinct_pipelines(org.stack_config(repositories)),
        "digest": "same",
        "registrations": 8 * repositories + 1,
        **extra,
    }


def plan_run(repositories: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "seconds": seconds,
        "peak_rss_mib": 700.0,
        "registrations": 8 * repositories + 1,
        "policy_violations": 0,
        "warning_lines": 2,
        **extra,
    }


def sizes(plan_1000: dict[str, Any]) -> dict[int, Size]:
    return {
        100: Size(100, [run(100, 0.9)], [run(100, 0.8)], [plan_run(100, 1.0)]),
        1000: Size(1000, [run(1000, 9.0)], [run(1000, 8.0)], [plan_1000]),
    }


def outcomes(plan_1000: dict[str, Any]) -> dict[str, Outcome]:
    return {outcome.name: outcome for outcome in check(sizes(plan_1000))}


def test_the_whole_plan_has_the_programs_targets() -> None:
    passed = outcomes(plan_run(1000, 9.9))
    assert all(outcome.passed for outcome in passed.values()), passed
    assert passed["whole plan overhead at 1,000 repositories (plan / floor)"].measured == "1.24"
    assert passed["whole plan linear growth: time(1,000) / time(100)"].measured == "9.90"
    assert passed["whole plan peak memory at 1,000 repositories"].measured == "700 MiB"


def test_a_slow_or_large_plan_fails_its_targets() -> None:
    failed = outcomes(plan_run(1000, 12.0, peak_rss_mib=1100.0))
    assert not failed["whole plan overhead at 1,000 repositories (plan / floor)"].passed
    assert not failed["whole plan linear growth: time(1,000) / time(100)"].passed
    assert not failed["whole plan peak memory at 1,000 repositories"].passed
    assert failed["program overhead at 1,000 repositories (program / floor)"].passed


def test_warning_lines_that_grow_with_the_repositories_fail() -> None:
    failed = outcomes(plan_run(1000, 9.9, warning_lines=102))
    assert not failed["whole plan's warning lines do not grow with the repositories"].passed


def test_a_plan_that_differs_from_the_program_or_violates_a_policy_fails() -> None:
    name = "whole plan registers the program's resources, no policy violation"
    assert not outcomes(plan_run(1000, 9.9, registrations=7))[name].passed
    assert not outcomes(plan_run(1000, 9.9, policy_violations=1))[name].passed


def test_without_plan_runs_only_the_programs_targets_are_checked() -> None:
    bare = {n: Size(n, s.program, s.floor) for n, s in sizes(plan_run(1000, 9.9)).items()}
    names = [outcome.name for outcome in check(bare)]
    assert not any(name.startswith("whole plan") for name in names)
    assert REPOSITORY in REST_BACKED
