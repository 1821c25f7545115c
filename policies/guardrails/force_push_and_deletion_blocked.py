"""force-push-and-deletion-blocked: history on a protected branch can't be rewritten or removed."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .inputs import is_true, value_at
from .protection import is_branch_ruleset
from .resources import RULESET_TYPES

NAME = "force-push-and-deletion-blocked"
# Rule -> what it blocks. BranchProtectionV3 always blocks both: it has no field to allow them.
_RULES = {"deletion": "deleting the branch", "nonFastForward": "force pushes"}


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in RULESET_TYPES or not is_branch_ruleset(args.props):
        return
    for rule, blocks in _RULES.items():
        if not is_true(value_at(args.props, "rules", rule)):
            report(f"rules.{rule} is not true: the ruleset allows {blocks}", None)


force_push_and_deletion_blocked = ResourceValidationPolicy(
    name=NAME,
    description=(
        "Protected branches block force pushes and deletion (rulesets: rules.deletion and "
        "rules.nonFastForward; BranchProtectionV3 always blocks both)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    remediation_steps=(
        "RepositoryRuleset and OrganizationRuleset: set rules.deletion=true and "
        "rules.nonFastForward=true."
    ),
)
