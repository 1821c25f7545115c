"""every-repository-protected: each repository's default branch requires at least one check (or a
workflow: an organization ruleset's workflows rule, central delivery)."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .inputs import (
    DEFAULT_BRANCH,
    DEFAULT_BRANCH_PROPERTY,
    UnknownValueError,
    as_str,
    config_str,
    value_at,
)
from .protection import (
    protected_branch,
    required_checks,
    required_workflows,
    ruleset_covers_default_branch,
)
from .resources import (
    REPOSITORY,
    RepositoryResources,
    StackResource,
    group_by_repository,
    repository_name,
)

NAME = "every-repository-protected"


# An evaluate ruleset is a dry run the stack chose (GitHub records what it would have blocked):
# it counts here, and `protection-enforced` reports it.
ENFORCEMENTS = ("active", "evaluate")


def _protects(ruleset: StackResource, default_branch: str) -> bool:
    return (
        value_at(ruleset.props, "target") == "branch"
        and value_at(ruleset.props, "enforcement") in ENFORCEMENTS
        and ruleset_covers_default_branch(ruleset.props, default_branch)
    )


def _default_branch_protections(
    repository: RepositoryResources, default_branch: str
) -> list[StackResource]:
    # `rulesets` holds the repository's own and the organization rulesets that target it.
    rulesets = [r for r in repository.rulesets if _protects(r, default_branch)]
    classic = [
        protection
        for protection in repository.branch_protections
        if as_str(value_at(protection.props, "branch")) is not None
        and protected_branch(protection, default_branch) == default_branch
    ]
    return rulesets + classic


def _check_repository(
    resource: StackResource, repository: RepositoryResources, fallback: str, report: ReportViolation
) -> None:
    default_branch = repository.default_branch(fallback)
    protections = _default_branch_protections(repository, default_branch)
    if any(
        required_checks(protection) or required_workflows(protection) for protection in protections
    ):
        return
    if any(_protects(r, default_branch) for r in repository.undecided_rulesets):
        return  # An organization ruleset may protect it, which a preview can't tell yet.
    if not protections and repository.proposes_pipeline(default_branch):
        # Its pipeline waits in a pull request: requiring its checks before it has merged would
        # hold every pull request, that one included ("Expected - Waiting for status").
        return
    if not protections:
        report(
            f"repository '{repository.name}' has no active branch ruleset or BranchProtectionV3 "
            f"on its default branch '{default_branch}' (nor a ruleset in evaluate mode)",
            resource.urn,
        )
    else:
        report(
            f"repository '{repository.name}': the protection of '{default_branch}' requires no "
            "status check, so untested changes can merge",
            resource.urn,
        )


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    fallback = config_str(args.get_config(), "default_branch", DEFAULT_BRANCH)
    groups = group_by_repository(args.resources)
    for resource in args.resources:
        if resource.resource_type != REPOSITORY:
            continue
        name = repository_name(resource)
        if name is None:
            try:
                known = value_at(resource.props, "name") is None
            except UnknownValueError:
                continue
            if known:
                report(
                    "repository has no 'name', so no protection can be matched to it", resource.urn
                )
            continue
        try:
            _check_repository(resource, groups[name], fallback, report)
        except UnknownValueError:
            continue  # Not known until the update; the SDK can't judge it during preview.


every_repository_protected = StackValidationPolicy(
    name=NAME,
    description=(
        "Every Repository in the stack has an active (or evaluate: protection-enforced reports "
        "those) branch ruleset (its own, or an "
        "OrganizationRuleset whose conditions target it; targeting ~DEFAULT_BRANCH or the "
        "default branch) or a BranchProtectionV3 on its default branch, requiring at least one "
        "status check or workflow (rules.requiredWorkflows); unless its pipeline waits in a "
        "RepositoryPullRequest into that branch "
        "(the workflow file on the pull request's head branch), whose checks nothing reports "
        "before it has merged."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(properties={"default_branch": DEFAULT_BRANCH_PROPERTY}),
    remediation_steps=(
        "Add a RepositoryRuleset (target 'branch', enforcement 'active', conditions.refName."
        "includes ['~DEFAULT_BRANCH']) or a BranchProtectionV3 on the default branch, in the same "
        "stack and for the same repository name, with the pipeline's required status checks; or "
        "target the repository from an OrganizationRuleset (conditions.repositoryName.includes "
        "its name, or conditions.repositoryProperty matching a RepositoryCustomProperty of it in "
        "the stack)."
    ),
)
