"""required-checks-pinned-to-github-actions: only GitHub Actions may report a required check."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .inputs import config_int
from .protection import is_branch_ruleset, required_checks
from .resources import PROTECTION_TYPES, RULESET_TYPES

NAME = "required-checks-pinned-to-github-actions"
# The GitHub Actions app's id (joshjohanning/github-misc-scripts#57; the checks API returns
# app_id 15368 for Actions checks, apache/infrastructure-asfyaml#64). Pinning a required check to
# it stops any other app or token from posting a passing status under the same name.
GITHUB_ACTIONS_APP_ID = 15368


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in PROTECTION_TYPES:
        return
    if args.resource_type in RULESET_TYPES and not is_branch_ruleset(args.props):
        return
    app_id = config_int(args.get_config(), "integration_id", GITHUB_ACTIONS_APP_ID)
    unpinned = [check.context for check in required_checks(args) if check.integration_id != app_id]
    if unpinned:
        how = "integrationId" if args.resource_type in RULESET_TYPES else "a ':APP_ID' suffix"
        report(f"required checks not pinned to app {app_id} ({how}): {unpinned}", None)


required_checks_pinned_to_github_actions = ResourceValidationPolicy(
    name=NAME,
    description=(
        "Every required status check is pinned to the GitHub Actions app (integration 15368), "
        "so no other app or token can satisfy it."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(
        properties={
            "integration_id": {
                "type": "integer",
                "default": GITHUB_ACTIONS_APP_ID,
                "description": "The app id that must report required checks (GitHub Actions).",
            }
        }
    ),
    remediation_steps=(
        "RepositoryRuleset and OrganizationRuleset: give every "
        "rules.requiredStatusChecks.requiredChecks entry "
        "integrationId=15368. BranchProtectionV3: write each requiredStatusChecks.checks entry as "
        "'CONTEXT:15368' and do not use the unpinned 'contexts'. BranchProtection (GraphQL) "
        "cannot pin checks: use one of the two."
    ),
)
