"""security-features-enabled: GitHub's free security features are on for every repository."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .inputs import UnknownValueError, is_true, value_at
from .resources import REPOSITORY, RepositoryResources, StackResource, group_by_repository

NAME = "security-features-enabled"
# securityAndAnalysis field -> what it turns on; needs a public repository (or Advanced Security).
_PUBLIC_FEATURES = {
    "secretScanning": "secret scanning",
    "secretScanningPushProtection": "secret scanning push protection",
}


def _is_public(repository: StackResource) -> bool:
    visibility = value_at(repository.props, "visibility")
    if visibility is not None:
        return bool(visibility == "public")
    # Without `visibility`, GitHub creates a public repository unless the deprecated `private`.
    return not is_true(value_at(repository.props, "private"))


def _check_repository(
    resource: StackResource, repository: RepositoryResources, report: ReportViolation
) -> None:
    # RepositoryVulnerabilityAlerts.enabled defaults to true (pulumi-github docs).
    if not any(
        value_at(alerts.props, "enabled") in (None, True)
        for alerts in repository.vulnerability_alerts
    ):
        report(
            f"repository '{repository.name}' has no RepositoryVulnerabilityAlerts with "
            "enabled=true",
            resource.urn,
        )
    if not any(
        is_true(value_at(u.props, "enabled")) for u in repository.dependabot_security_updates
    ):
        report(
            f"repository '{repository.name}' has no RepositoryDependabotSecurityUpdates with "
            "enabled=true",
            resource.urn,
        )
    if not _is_public(resource):
        return
    for feature, what in _PUBLIC_FEATURES.items():
        status = value_at(resource.props, "securityAndAnalysis", feature, "status")
        if status != "enabled":
            report(
                f"public repository '{repository.name}' does not enable {what} "
                f"(securityAndAnalysis.{feature}.status is {status!r})",
                resource.urn,
            )


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    groups = group_by_repository(args.resources)
    for resource in args.resources:
        if resource.resource_type != REPOSITORY:
            continue
        try:
            name = value_at(resource.props, "name")
            if isinstance(name, str) and name in groups:
                _check_repository(resource, groups[name], report)
        except UnknownValueError:
            continue


security_features_enabled = StackValidationPolicy(
    name=NAME,
    description=(
        "Every repository has vulnerability alerts and Dependabot security updates on, and a "
        "public one also secret scanning with push protection."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_validate,
    remediation_steps=(
        "Add github.RepositoryVulnerabilityAlerts(enabled=True) and "
        "github.RepositoryDependabotSecurityUpdates(enabled=True) for the repository; on a public "
        "repository set security_and_analysis with secret_scanning and "
        "secret_scanning_push_protection status 'enabled'."
    ),
)
