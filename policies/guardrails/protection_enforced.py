"""protection-enforced: no repository's default branch is protected in evaluate mode only."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .inputs import DEFAULT_BRANCH, DEFAULT_BRANCH_PROPERTY, UnknownValueError, config_str, value_at
from .protection import ruleset_covers_default_branch
from .resources import REPOSITORY, RULESET_TYPES, group_by_repository, repository_name

NAME = "protection-enforced"


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    fallback = config_str(args.get_config(), "default_branch", DEFAULT_BRANCH)
    # Most stacks have no ruleset in evaluate mode: one pass, no grouping of the stack.
    if not any(
        resource.resource_type in RULESET_TYPES
        and value_at(resource.props, "enforcement") == "evaluate"
        for resource in args.resources
    ):
        return
    groups = group_by_repository(args.resources)
    for resource in args.resources:
        if resource.resource_type != REPOSITORY:
            continue
        try:
            name = repository_name(resource)
            if name is None or name not in groups:
                continue
            repository = groups[name]
            branch = repository.default_branch(fallback)
            covering = [
                ruleset
                for ruleset in repository.rulesets
                if value_at(ruleset.props, "target") == "branch"
                and ruleset_covers_default_branch(ruleset.props, branch)
            ]
            evaluating = [r for r in covering if value_at(r.props, "enforcement") == "evaluate"]
            enforced = [r for r in covering if value_at(r.props, "enforcement") == "active"]
            if not evaluating or enforced or repository.branch_protections:
                continue
            names = ", ".join(repr(value_at(r.props, "name")) for r in evaluating)
            report(
                f"repository '{name}': its default branch '{branch}' is protected in evaluate "
                f"mode only (ruleset {names}): a dry run that blocks nothing, whose rule "
                "insights `repo-baseline verify` reads",
                resource.urn,
            )
        except UnknownValueError:
            continue  # Not known until the update.


protection_enforced = StackValidationPolicy(
    name=NAME,
    description=(
        "No Repository's default branch is protected only by rulesets in evaluate mode (a dry "
        "run: GitHub records what they would have blocked and blocks nothing)."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(properties={"default_branch": DEFAULT_BRANCH_PROPERTY}),
    remediation_steps=(
        "Once the rule insights show nothing that should merge would be blocked, set the "
        "ruleset's enforcement to 'active' (repo-baseline: protection.enforcement: active)."
    ),
)
