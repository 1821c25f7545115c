"""no-human-bypass: no person or role can push past the protection."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .inputs import as_int, as_list, as_str, is_true, value_at
from .protection import is_branch_ruleset
from .resources import BRANCH_PROTECTION_V3, RULESET_TYPES

NAME = "no-human-bypass"
# A GitHub App: the automation that commits the workflow files may need to bypass.
ALLOWED_ACTOR_TYPE = "Integration"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == BRANCH_PROTECTION_V3:
        if not is_true(value_at(args.props, "enforceAdmins")):
            report("enforceAdmins is not true: repository admins bypass the protection", None)
        return
    if args.resource_type not in RULESET_TYPES or not is_branch_ruleset(args.props):
        return
    for index, actor in enumerate(as_list(value_at(args.props, "bypassActors"))):
        actor_type = as_str(value_at(actor, "actorType"))
        if actor_type == ALLOWED_ACTOR_TYPE:
            continue
        actor_id = as_int(value_at(actor, "actorId"))
        report(
            f"bypassActors[{index}] is actorType {actor_type or '(missing)'} "
            f"(actorId {actor_id}); only {ALLOWED_ACTOR_TYPE} (a GitHub App) may bypass",
            None,
        )


no_human_bypass = ResourceValidationPolicy(
    name=NAME,
    description=(
        "No human can bypass branch protection: classic protections enforce it on admins, "
        "rulesets let only GitHub Apps (actorType Integration) bypass."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    remediation_steps=(
        "BranchProtectionV3: set enforceAdmins=true. Repository- and OrganizationRuleset: remove "
        "bypassActors of "
        "type RepositoryRole, Team, OrganizationAdmin, User, DeployKey or EnterpriseOwner; keep "
        "only the automation's GitHub App (actorType 'Integration')."
    ),
)
