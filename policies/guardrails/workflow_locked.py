"""workflow-locked: only the automation can change the workflow files a repository's protection
relies on.

A required check is only as strong as the workflow that reports it: anyone who can push could
otherwise replace its steps and still report green. A push ruleset of the repository whose
`file_path_restriction` names the file refuses every push that changes it, but its bypass
actors'. Push rulesets exist only in private and internal repositories (GitHub Docs, "About
rulesets"), so a public repository is never reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .inputs import UnknownValueError, as_list, as_str, is_true, value_at
from .resources import (
    REPOSITORY,
    REPOSITORY_RULESET,
    RepositoryResources,
    StackResource,
    group_by_repository,
    repository_name,
)
from .ruleset_patterns import pattern_matches

NAME = "workflow-locked"


def _locked_paths(repository: RepositoryResources) -> list[str]:
    """The path patterns the repository's active push rulesets restrict."""
    patterns: list[str] = []
    for ruleset in repository.rulesets:
        props = ruleset.props
        if (
            ruleset.resource_type == REPOSITORY_RULESET
            and value_at(props, "target") == "push"
            and value_at(props, "enforcement") == "active"
        ):
            restricted = value_at(props, "rules", "filePathRestriction", "restrictedFilePaths")
            patterns += [p for p in as_list(restricted) if isinstance(p, str)]
    return patterns


def _unlocked(repository: RepositoryResources) -> list[str]:
    """Its workflow files that no push ruleset restricts."""
    patterns = _locked_paths(repository)
    paths = [as_str(value_at(f.props, "file")) for f in repository.workflow_files]
    return [
        path
        for path in paths
        if path and not any(p == path or pattern_matches(p, path) for p in patterns)
    ]


def _private(resource: StackResource) -> bool:
    visibility = value_at(resource.props, "visibility")
    if visibility is not None:
        return visibility in ("private", "internal")
    return is_true(value_at(resource.props, "private"))


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    required = is_true(args.get_config().get("lock_required"))
    # Unless required, only a stack that locks some workflow file is held to lock them all:
    # one pass finds whether it has a push ruleset, before the stack is grouped.
    if not required and not any(
        resource.resource_type == REPOSITORY_RULESET
        and value_at(resource.props, "target") == "push"
        for resource in args.resources
    ):
        return
    groups = group_by_repository(args.resources)
    repositories: list[tuple[StackResource, RepositoryResources]] = []
    for resource in args.resources:
        try:
            name = repository_name(resource) if resource.resource_type == REPOSITORY else None
            if name is not None and name in groups and _private(resource):
                repositories.append((resource, groups[name]))
        except UnknownValueError:
            continue
    if not required and not any(_locked_paths(group) for _, group in repositories):
        return
    for repository, group in repositories:
        try:
            unlocked: Sequence[str] = _unlocked(group)
        except UnknownValueError:
            continue
        if unlocked:
            report(
                f"repository '{group.name}': {', '.join(unlocked)} can be changed by anyone who "
                "can push (no active push ruleset of the repository restricts it), so the "
                "checks it reports prove nothing",
                repository.urn,
            )


workflow_locked = StackValidationPolicy(
    name=NAME,
    description=(
        "In a stack that locks workflow files (or everywhere, with lock_required), every private "
        "or internal Repository's workflow files are restricted by an active push ruleset "
        "(rules.filePathRestriction) of the repository."
    ),
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(
        properties={
            "lock_required": {
                "type": "boolean",
                "default": False,
                "description": "Hold every stack to it, not only those that lock a workflow file.",
            }
        }
    ),
    remediation_steps=(
        "Add a RepositoryRuleset (target 'push', enforcement 'active', rules.filePathRestriction."
        "restrictedFilePaths naming the workflow file, the automation's GitHub App as bypass "
        "actor) for the repository (repo-baseline: protection.lock_workflow: true)."
    ),
)
