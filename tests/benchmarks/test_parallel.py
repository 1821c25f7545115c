"""The provider-settings benchmark's config variants and table (the runs themselves: `python -m
benchmarks.parallel`)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
import yaml

from benchmarks.parallel import (
    DEFAULTS,
    DEFAULTS_REPOSITORIES,
    MAX_DETAIL_LINES,
    NEW_CLIENT,
    PARALLEL,
    SERIAL,
    SETTINGS,
    Failure,
    Row,
    chosen_settings,
    error_diagnostics,
    format_failures,
    format_settings,
    provider_settings,
    violation_lines,
    with_overrides,
    write_provider_config,
)
from benchmarks.real_engine import EngineRun
from testing.github_double import GitHubDouble
from tests.e2e.harness import Engine, Project, Result

DOUBLE = cast(GitHubDouble, SimpleNamespace(org="bench-org", url="http://127.0.0.1:1234/"))


def run(repositories: int, seconds: float, requests: int, writes: int) -> EngineRun:
    return EngineRun(
        command="pulumi up --policy-pack",
        repositories=repositories,
        applied=False,
        skip_checkpoints=False,
        resources=8 * repositories,
        seconds=seconds,
        double_seconds=4.0,
        peak_mib=500.0,
        requests=requests,
        writes=writes,
        requests_by_operation={},
        warning_lines=0,
    )


def test_an_override_sets_a_key_and_none_leaves_it_to_the_provider() -> None:
    base = {"github:owner": "o", "github:writeDelayMs": 0, "github:maxRetries": 0}
    config = with_overrides(base, {"github:writeDelayMs": None, "github:legacyClient": False})
    assert config == {"github:owner": "o", "github:maxRetries": 0, "github:legacyClient": False}
    assert base["github:writeDelayMs"] == 0  # the base is not changed
    assert with_overrides(base, {"github:notSet": None}) == base
    with pytest.raises(ValueError, match="not provider keys: repo-baseline:x"):
        with_overrides(base, {"repo-baseline:x": 1})


def test_each_setting_changes_only_its_provider_keys() -> None:
    common = {
        "github:owner": "bench-org",
        "github:baseUrl": "http://127.0.0.1:1234/",
        "github:maxRetries": 0,  # everywhere: a 5xx shows at once
    }
    assert provider_settings(DOUBLE, DEFAULTS) == common  # writeDelayMs: the provider's 1000
    assert provider_settings(DOUBLE, SERIAL) == {**common, "github:writeDelayMs": 0}
    assert provider_settings(DOUBLE, PARALLEL) == {
        **common,
        "github:writeDelayMs": 0,
        "github:parallelRequests": True,
    }
    assert provider_settings(DOUBLE, NEW_CLIENT) == {**common, "github:legacyClient": False}
    assert [s.label for s in SETTINGS] == [
        "defaults (writeDelayMs 1000, serial)",
        "writeDelayMs 0, serial",
        "writeDelayMs 0, parallelRequests",
        "legacyClient false",
    ]


def test_only_the_defaults_row_is_capped_and_its_label_says_so() -> None:
    assert DEFAULTS.repositories(100) == DEFAULTS_REPOSITORIES
    assert DEFAULTS.label_at(DEFAULTS_REPOSITORIES, 100) == (
        f"defaults (writeDelayMs 1000, serial), {DEFAULTS_REPOSITORIES} repositories"
    )
    assert DEFAULTS.repositories(10) == 10
    assert DEFAULTS.label_at(10, 10) == DEFAULTS.label
    assert [s.repositories(1000) for s in (SERIAL, PARALLEL, NEW_CLIENT)] == [1000] * 3
    assert chosen_settings(100, skip_defaults=False)[0].repositories(100) == 100
    assert chosen_settings(100, skip_defaults=False)[1:] == list(SETTINGS[1:])
    assert chosen_settings(5, skip_defaults=True) == [SERIAL, PARALLEL, NEW_CLIENT]


def test_the_stack_file_gets_the_provider_keys_and_keeps_the_program_and_salt(
    tmp_path: Path,
) -> None:
    engine = Engine(tmp_path / "pulumi", tmp_path / "bin" / "pulumi-resource-github", None)
    project = Project(engine, tmp_path / "home", tmp_path / "project", "bench", {})
    program: dict[str, Any] = {"repo-baseline:repositories": [{"name": "svc-0000"}]}
    project.stack_file.write_text(
        yaml.safe_dump(
            {
                "encryptionsalt": "v1:salt",
                "config": {**program, "github:owner": "o", "github:writeDelayMs": 0},
            }
        ),
        encoding="utf-8",
    )
    write_provider_config(project, {"github:owner": "o", "github:legacyClient": False})
    document = yaml.safe_load(project.stack_file.read_text(encoding="utf-8"))
    assert document["encryptionsalt"] == "v1:salt"
    assert document["config"] == {
        **program,
        "github:owner": "o",
        "github:legacyClient": False,
    }


def test_the_table_shows_each_row_per_repository_and_marks_a_failure() -> None:
    failure = Failure(
        repositories=100,
        seconds=30.0,
        double_seconds=2.5,
        requests=250,
        writes=100,
        reason="pulumi up --policy-pack failed (exit 255)",
        detail="error: boom",
    )
    rows: list[Row] = [
        ("defaults (writeDelayMs 1000, serial), 20 repositories", run(20, 200.0, 430, 180)),
        ("writeDelayMs 0, serial", run(100, 215.0, 2150, 900)),
        ("legacyClient false", failure),
    ]
    lines = format_settings(rows).splitlines()
    assert lines[0].split() == [
        "setting",
        "repositories",
        "wall",
        "s",
        "s/repository",
        "requests/repository",
        "writes/repository",
        "double",
        "s",
        "result",
    ]
    label_width = len(rows[0][0])
    assert [line[:label_width].rstrip() for line in lines[1:]] == [label for label, _ in rows]
    assert lines[1][label_width:].split() == ["20", "200.0", "10.00", "21.5", "9.0", "4.0", "ok"]
    assert lines[2][label_width:].split() == ["100", "215.0", "2.15", "21.5", "9.0", "4.0", "ok"]
    assert lines[3][label_width:].split() == ["100", "30.0", "0.30", "2.5", "1.0", "2.5", "FAILED"]
    assert len({len(line) for line in lines}) == 1  # the columns line up


def test_failures_are_listed_with_their_detail_cut_short() -> None:
    detail = "\n".join(f"line {n}" for n in range(MAX_DETAIL_LINES + 5))
    failure = Failure(100, 1.0, 0.5, 10, 1, "contract violations", detail)
    rows: list[Row] = [("writeDelayMs 0, serial", run(100, 1.0, 10, 1)), ("parallel", failure)]
    text = format_failures(rows).splitlines()
    assert text[0] == "parallel: contract violations"
    assert text[1:3] == ["  line 0", "  line 1"]
    assert text[-1] == "  ... 5 more lines"
    assert len(text) == 1 + MAX_DETAIL_LINES + 1
    assert format_failures(rows[:1]) == ""
    assert failure.to_json()["failed"] is True


def test_what_failed_comes_from_the_error_diagnostics_or_the_output() -> None:
    events = [
        {"diagnosticEvent": {"severity": "warning", "message": "w"}},
        {"diagnosticEvent": {"severity": "error", "message": "  POST /orgs/o/repos: 500\n"}},
        {"summaryEvent": {"resourceChanges": {}}},
    ]
    stdout = "\n".join(json.dumps(event) for event in events) + "\nnot json\n"
    assert error_diagnostics(Result(("up",), 255, stdout, "")) == ["POST /orgs/o/repos: 500"]
    assert error_diagnostics(Result(("up",), 255, "", "error: no stack\n")) == ["error: no stack"]
    assert violation_lines(["GET /a: unknown route", "GET /a: unknown route", "PUT /b: x"]) == [
        "2 x GET /a: unknown route",
        "PUT /b: x",
    ]
