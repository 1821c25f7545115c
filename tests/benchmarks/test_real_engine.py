"""The real-engine rows' arithmetic and memory sampling (the commands themselves: make bench)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from benchmarks.bench import engine_outcomes, verify_outcomes
from benchmarks.real_engine import EngineRun, Outcome, descendants_rss, hours


def test_memory_of_every_descendant_is_added_up() -> None:
    before = descendants_rss(os.getpid())
    # A child that holds 64 MiB, and a grandchild (its own child) that holds 64 MiB more.
    hold = "b = bytearray(64 << 20); import sys; sys.stdin.read()"
    spawn = (
        "import subprocess, sys; "
        f"c = subprocess.Popen([sys.executable, '-c', {hold!r}], stdin=sys.stdin); "
        f"{hold}"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", spawn], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        seen = 0
        for _ in range(100):
            seen = descendants_rss(os.getpid()) - before
            if seen >= 128 << 20:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert seen >= 128 << 20
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)


def test_rate_limit_hours_and_engine_time_per_resource() -> None:
    assert hours(25.0, 1000, 5000) == 5.0
    assert hours(25.0, 10000, 15000) == 25.0 * 10000 / 15000
    run = EngineRun(
        command="pulumi up --policy-pack",
        repositories=100,
        applied=False,
        skip_checkpoints=False,
        resources=802,
        seconds=100.0,
        double_seconds=19.8,
        peak_mib=900.0,
        requests=2500,
        writes=1000,
        requests_by_operation={"repos/create-in-org": 100},
        warning_lines=0,
    )
    assert run.requests_per_repository == 25.0
    assert round(run.engine_ms_per_resource, 6) == 100.0
    assert run.to_json()["requests_per_repository"] == 25.0


def test_a_preview_document_and_an_up_event_stream_are_read_alike() -> None:
    preview = json.dumps(
        {
            "steps": [{"urn": "a"}, {"urn": "b"}, {"urn": "b"}],
            "changeSummary": {"create": 1, "import": 1, "update": 1},
            "diagnostics": [{"severity": "warning"}, {"severity": "info"}],
        }
    )
    assert Outcome.of(preview) == Outcome(2, {"create": 1, "import": 1, "update": 1}, 1, 0)
    unchanged = json.dumps({"steps": [{"urn": "stack"}], "changeSummary": {"same": 81}})
    assert Outcome.of(unchanged).resources == 81
    events = [
        {"resourcePreEvent": {"metadata": {"urn": "a"}}},
        {"resourcePreEvent": {"metadata": {"urn": "b"}}},
        {"diagnosticEvent": {"severity": "warning", "message": "w"}},
        {"summaryEvent": {"resourceChanges": {"create": 2}}},
    ]
    up = "\n".join(json.dumps(event) for event in events) + "\n"
    assert Outcome.of(up) == Outcome(2, {"create": 2}, 1, 0)


def test_protection_resources_are_counted_by_type() -> None:
    ruleset = "urn:pulumi:b::p::github:index/organizationRuleset:OrganizationRuleset::r"
    nested = (
        "urn:pulumi:b::p::repo-baseline:index:RepositoryBaseline$"
        "github:index/repositoryRuleset:RepositoryRuleset::x"
    )
    steps = [
        {"urn": u}
        for u in (ruleset, nested, "urn:pulumi:b::p::github:index/repository:Repository::y")
    ]
    assert Outcome.of(json.dumps({"steps": steps})).protection_resources == 2


def _verify_run(requests_by_operation: dict[str, int], repositories: int = 100) -> EngineRun:
    return EngineRun(
        command="repo-baseline verify",
        repositories=repositories,
        applied=True,
        skip_checkpoints=False,
        resources=repositories,
        seconds=1.0,
        double_seconds=0.5,
        peak_mib=0.0,
        requests=sum(requests_by_operation.values()),
        writes=0,
        requests_by_operation=requests_by_operation,
        warning_lines=0,
        mode="organization",
    )


def test_verify_is_held_to_three_requests_a_repository_beside_the_listing() -> None:
    three = {
        "repos/list-for-org": 1,
        "orgs/custom-properties-for-repos-get-organization-values": 1,
        "repos/get-branch-rules": 100,
        "repos/get-branch": 100,
        "repos/get-content": 100,
    }
    [passed] = verify_outcomes([_verify_run(three)])
    assert passed.passed
    assert passed.measured == "3.00 (+2 for the organization's listing)"
    [failed] = verify_outcomes([_verify_run({**three, "repos/get-content": 150})])
    assert not failed.passed


def _engine_run(
    command: str, repositories: int, requests: int, *, seconds: float = 1.0, **extra: Any
) -> EngineRun:
    return EngineRun(
        command=command,
        repositories=repositories,
        applied=extra.pop("applied", False),
        skip_checkpoints=extra.pop("skip_checkpoints", False),
        resources=8 * repositories,
        seconds=seconds,
        double_seconds=0.0,
        peak_mib=0.0,
        requests=requests,
        writes=0,
        requests_by_operation={},
        warning_lines=0,
        **extra,
    )


def test_issue_25s_targets_are_checked_per_mode_and_for_growth_with_the_state_saved_once() -> None:
    up, preview = "pulumi up --policy-pack", "pulumi preview --policy-pack"
    runs = [
        _engine_run(up, 100, 1200),  # the first stack's `up`, repository mode: 12.0
        _engine_run("pulumi preview --refresh --policy-pack", 100, 610, applied=True),
        _engine_run(up, 100, 600, mode="organization"),  # 6.0: over 5
        # With checkpoints skipped: the preview grows linearly, the `up` does not.
        _engine_run(preview, 100, 0, seconds=10.0, skip_checkpoints=True),
        _engine_run(preview, 1000, 0, seconds=105.0, skip_checkpoints=True),
        _engine_run(up, 100, 1200, seconds=100.0, skip_checkpoints=True),
        _engine_run(up, 1000, 12000, seconds=1200.0, skip_checkpoints=True),
    ]
    found = {o.name: (o.measured, o.passed) for o in engine_outcomes(runs)}
    assert found == {
        "pulumi up requests per repository (100, repository mode)": ("12.0", True),
        "pulumi up requests per repository (100, organization mode)": ("6.0", False),
        "pulumi preview --refresh requests per repository (100, repository mode)": (
            "6.1",
            False,
        ),
        "pulumi preview of a new stack, state saved once: time(1,000) / time(100)": (
            "10.50",
            True,
        ),
        "pulumi up of a new stack, state saved once: time(1,000) / time(100)": ("12.00", False),
    }
