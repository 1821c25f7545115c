"""security-features-enabled (advisory): alerts, Dependabot, and secret scanning when public."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from policies.guardrails import security_features_enabled as policy
from tests.policies.helpers import Plan, inputs, stack_violations


def violations(resources: Plan) -> list[str]:
    return stack_violations(policy, resources)


def test_is_advisory() -> None:
    assert policy.enforcement_level == EnforcementLevel.ADVISORY


def test_compliant(plan: Plan) -> None:
    assert violations(plan) == []


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("RepositoryVulnerabilityAlerts", "no RepositoryVulnerabilityAlerts"),
        ("RepositoryDependabotSecurityUpdates", "no RepositoryDependabotSecurityUpdates"),
    ],
)
def test_feature_disabled_or_absent(plan: Plan, kind: str, expected: str) -> None:
    inputs(plan, kind)["enabled"] = False
    assert expected in violations(plan)[0]
    plan[:] = [r for r in plan if not r["type"].endswith(f":{kind}")]
    assert expected in violations(plan)[0]


def test_vulnerability_alerts_enabled_by_default(plan: Plan) -> None:
    del inputs(plan, "RepositoryVulnerabilityAlerts")["enabled"]
    assert violations(plan) == []


def test_dependabot_enabled_missing(plan: Plan) -> None:
    del inputs(plan, "RepositoryDependabotSecurityUpdates")["enabled"]
    assert len(violations(plan)) == 1


def test_public_repository_without_secret_scanning(plan: Plan) -> None:
    analysis = inputs(plan, "Repository")["securityAndAnalysis"]
    analysis["secretScanningPushProtection"]["status"] = "disabled"
    [message] = violations(plan)
    assert "secret scanning push protection" in message
    del inputs(plan, "Repository")["securityAndAnalysis"]
    assert len(violations(plan)) == 2


def test_private_repository_needs_no_secret_scanning(plan: Plan) -> None:
    repository = inputs(plan, "Repository")
    repository["visibility"] = "private"
    del repository["securityAndAnalysis"]
    assert violations(plan) == []


def test_visibility_missing_means_public(plan: Plan) -> None:
    repository = inputs(plan, "Repository")
    del repository["visibility"]
    del repository["securityAndAnalysis"]
    assert len(violations(plan)) == 2
    repository["private"] = True
    assert violations(plan) == []
