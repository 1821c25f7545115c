"""reviews-required: pull requests need approvals, and a new push dismisses old ones."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .inputs import as_int, as_mapping, config_int, is_true, value_at
from .protection import is_branch_ruleset
from .resources import BRANCH_PROTECTION_V3, RULESET_TYPES

NAME = "reviews-required"
DEFAULT_MIN_APPROVALS = 1


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in RULESET_TYPES:
        if not is_branch_ruleset(args.props):
            return
        reviews_path = "rules.pullRequest"
        count_key, dismiss_key = "requiredApprovingReviewCount", "dismissStaleReviewsOnPush"
        reviews = as_mapping(value_at(args.props, "rules", "pullRequest"))
    elif args.resource_type == BRANCH_PROTECTION_V3:
        reviews_path = "requiredPullRequestReviews"
        count_key, dismiss_key = "requiredApprovingReviewCount", "dismissStaleReviews"
        reviews = as_mapping(value_at(args.props, "requiredPullRequestReviews"))
    else:
        return
    min_approvals = config_int(args.get_config(), "min_approvals", DEFAULT_MIN_APPROVALS)
    if reviews is None:
        report(f"{reviews_path} is not set: pull requests merge without review", None)
        return
    # Both resources default the count to 0 or leave it to GitHub: unset counts as 0.
    approvals = as_int(value_at(reviews, count_key)) or 0
    if approvals < min_approvals:
        report(
            f"{reviews_path}.{count_key} is {approvals}, at least {min_approvals} required", None
        )
    if not is_true(value_at(reviews, dismiss_key)):
        report(f"{reviews_path}.{dismiss_key} is not true: approvals survive new pushes", None)


reviews_required = ResourceValidationPolicy(
    name=NAME,
    description=(
        "Branch protections require at least `min_approvals` approving reviews and dismiss "
        "stale approvals when new commits are pushed."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(
        properties={
            "min_approvals": {
                "type": "integer",
                "minimum": 0,
                "maximum": 10,
                "default": DEFAULT_MIN_APPROVALS,
                "description": "The fewest approving reviews a pull request needs.",
            }
        }
    ),
    remediation_steps=(
        "RepositoryRuleset and OrganizationRuleset: set "
        "rules.pullRequest.requiredApprovingReviewCount >= min_approvals "
        "and dismissStaleReviewsOnPush=true. BranchProtectionV3: set requiredPullRequestReviews "
        "with requiredApprovingReviewCount >= min_approvals and dismissStaleReviews=true."
    ),
)
