"""policies.evaluate: the pack's real policies on an offline plan, as a library and a CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policies.evaluate import PolicyConfigError, Violation, evaluate_resources
from tests.policies.helpers import Plan, inputs

ROOT = Path(__file__).resolve().parents[2]


def break_plan(resources: Plan) -> None:
    """One mandatory violation (reviews-required) and one advisory one."""
    inputs(resources, "RepositoryRuleset")["rules"]["pullRequest"]["dismissStaleReviewsOnPush"] = (
        False
    )
    inputs(resources, "RepositoryDependabotSecurityUpdates")["enabled"] = False


def test_compliant_plan_has_no_violations(plan: Plan, classic_plan: Plan) -> None:
    assert evaluate_resources(plan) == []
    assert evaluate_resources(classic_plan) == []


def test_violations_name_policy_level_and_resource(plan: Plan) -> None:
    break_plan(plan)
    ruleset_urn = next(r["urn"] for r in plan if r["type"].endswith(":RepositoryRuleset"))
    repository_urn = next(r["urn"] for r in plan if r["type"].endswith(":Repository"))
    reviews, security = evaluate_resources(plan)
    assert reviews.policy_name == "reviews-required"
    assert reviews.enforcement_level == "mandatory"
    assert reviews.urn == ruleset_urn
    assert security.to_json() == {
        "policy": "security-features-enabled",
        "enforcement": "advisory",
        "urn": repository_urn,
        "message": security.message,
    }
    with pytest.raises(AttributeError):
        reviews.message = "changed"  # type: ignore[misc]


def test_config_sets_numbers_and_levels(plan: Plan) -> None:
    [violation] = evaluate_resources(plan, {"reviews-required": {"min_approvals": 2.0}})
    assert "at least 2" in violation.message
    break_plan(plan)
    config: dict[str, Any] = {
        "reviews-required": {"enforcementLevel": "advisory"},
        "security-features-enabled": "disabled",
    }
    assert [(v.policy_name, v.enforcement_level) for v in evaluate_resources(plan, config)] == [
        ("reviews-required", "advisory")
    ]
    all_disabled = evaluate_resources(plan, {"all": "disabled"})
    assert all_disabled == []


@pytest.mark.parametrize(
    "config",
    [
        {"no-such-policy": "advisory"},
        {"reviews-required": {"min_approvals": "two"}},
        {"reviews-required": {"min_approvals": -1}},
        {"reviews-required": {"minApprovals": 2}},
        {"reviews-required": "strict"},
    ],
)
def test_invalid_config_is_an_error(plan: Plan, config: dict[str, Any]) -> None:
    with pytest.raises(PolicyConfigError):
        evaluate_resources(plan, config)


def test_resources_with_missing_inputs_do_not_crash(plan: Plan) -> None:
    for resource in plan:
        resource["inputs"] = {}
    violations = evaluate_resources(plan)
    assert all(isinstance(v, Violation) for v in violations)
    assert {v.policy_name for v in violations} <= {
        "reviews-required",
        "force-push-and-deletion-blocked",
        "every-repository-protected",
    }


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policies.evaluate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_plan(path: Path, resources: Plan) -> Path:
    document = {
        "project": "repo-baseline",
        "stack": "example",
        "resources": resources,
        "invokes": [],
        "policy_violations": [],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_cli_exits_0_on_a_compliant_plan(tmp_path: Path, plan: Plan) -> None:
    result = run_cli(str(write_plan(tmp_path / "plan.json", plan)))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_cli_exits_1_on_a_mandatory_violation(tmp_path: Path, plan: Plan) -> None:
    break_plan(plan)
    result = run_cli(str(write_plan(tmp_path / "plan.json", plan)))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[mandatory] reviews-required: urn:pulumi:example::")
    assert "dismissStaleReviewsOnPush" in lines[0]
    assert lines[1].startswith("[advisory] security-features-enabled: ")


def test_cli_exits_0_when_only_advisory(tmp_path: Path, plan: Plan) -> None:
    break_plan(plan)
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"reviews-required": {"enforcementLevel": "advisory"}}))
    result = run_cli(str(write_plan(tmp_path / "plan.json", plan)), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("[advisory]") == 2


def test_cli_json_output(tmp_path: Path, plan: Plan) -> None:
    break_plan(plan)
    result = run_cli(str(write_plan(tmp_path / "plan.json", plan)), "--json")
    assert result.returncode == 1
    assert [v["policy"] for v in json.loads(result.stdout)] == [
        "reviews-required",
        "security-features-enabled",
    ]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        ('{"resources": {}}', "'resources' list"),
        ('{"resources": [{"type": "github:index/repository:Repository"}]}', "'urn'"),
    ],
)
def test_cli_exits_2_on_an_unusable_plan(tmp_path: Path, content: str | None, error: str) -> None:
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run_cli(str(path))
    assert result.returncode == 2
    assert error in result.stderr
    assert result.stdout == ""


def test_cli_exits_2_on_an_invalid_config(tmp_path: Path, plan: Plan) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"reviews-required": {"min_approvals": "many"}}))
    result = run_cli(str(write_plan(tmp_path / "plan.json", plan)), "--config", str(config))
    assert result.returncode == 2
    assert "reviews-required.min_approvals: expected integer" in result.stderr


def test_example_config_is_valid(plan: Plan) -> None:
    example = json.loads((ROOT / "policies" / "policy-config.example.json").read_text())
    assert evaluate_resources(plan, example) == []
