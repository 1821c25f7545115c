"""merge-queue-checks-on-merge-group: a branch with a merge queue requires only checks that
report on the queue's merge groups.

A merge queue waits for the branch's required checks on each merge group (GitHub Docs, "Managing
a merge queue": "You must use the merge_group event to trigger your GitHub Actions workflow when a
pull request is added to a merge queue"; a check that never reports fails the group once
`checkResponseTimeoutMinutes` has passed), and a check whose job is skipped there is green
without having checked the merge. So every check a protection of that branch requires must come
from a job that runs on every merge group (`pipeline.merge_group_checks`).
"""

from __future__ import annotations

from typing import Any

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
    as_mapping,
    as_str,
    config_str,
    value_at,
)
from .pipeline import MergeGroupChecks, WorkflowError, workflow_merge_group_checks
from .protection import is_branch_ruleset, label, protected_branch, required_checks
from .resources import (
    RULESET_TYPES,
    RepositoryResources,
    StackResource,
    group_by_repository,
)

NAME = "merge-queue-checks-on-merge-group"


def has_merge_queue(resource: StackResource) -> bool:
    """A ruleset with the merge queue rule (`rules.mergeQueue`) that applies to branches."""
    if resource.resource_type not in RULESET_TYPES:
        return False
    try:
        props = resource.props
        return (
            as_mapping(value_at(props, "rules", "mergeQueue")) is not None
            and is_branch_ruleset(props)
            and value_at(props, "enforcement") != "disabled"
        )
    except UnknownValueError:
        return False


def _applies(ruleset: StackResource) -> bool:
    return is_branch_ruleset(ruleset.props) and value_at(ruleset.props, "enforcement") != "disabled"


def _derived(
    repository: RepositoryResources, branch: str
) -> list[tuple[StackResource, MergeGroupChecks]] | None:
    """Each workflow file with what it reports on every merge group into `branch`; None when
    one can't be read (required-checks-match-pipeline reports that)."""
    derived = []
    for workflow_file in repository.workflow_files:
        content = as_str(value_at(workflow_file.props, "content"))
        if content is None:
            return None
        try:
            derived.append((workflow_file, workflow_merge_group_checks(content, branch)))
        except WorkflowError:
            return None
    return derived


def _why(check: str, derived: list[tuple[StackResource, MergeGroupChecks]]) -> str:
    for workflow_file, checks in derived:
        why = checks.why_not(check)
        if why is not None:
            return f"{why} ({label(workflow_file)})"
    return "no workflow file reports it"


def _check_repository(
    repository: RepositoryResources, fallback_branch: str, report: ReportViolation
) -> None:
    branch = repository.default_branch(fallback_branch)
    queues = [ruleset for ruleset in repository.rulesets if has_merge_queue(ruleset)]
    if not queues or any(_applies(r) for r in repository.undecided_rulesets):
        return  # no merge queue, or an organization ruleset may add checks a preview can't tell
    if not repository.workflow_files and repository.proposes_pipeline(branch):
        return  # the pipeline waits in a pull request: nothing on the branch to compare yet
    protections = [r for r in repository.rulesets if _applies(r)] + [
        classic
        for classic in repository.branch_protections
        if protected_branch(classic, branch) == branch
    ]
    required = list(
        dict.fromkeys(check.context for p in protections for check in required_checks(p))
    )
    derived = _derived(repository, branch)
    if derived is None:
        return
    reported = {check for _, checks in derived for check in checks.checks}
    unreported = [check for check in required if check not in reported]
    if not unreported:
        return
    by_reason: dict[str, list[str]] = {}
    for check in unreported:
        by_reason.setdefault(_why(check, derived), []).append(check)
    reasons = "; ".join(f"{checks}: {why}" for why, checks in by_reason.items())
    report(
        f"repository '{repository.name}', branch '{branch}': {', '.join(label(q) for q in queues)} "
        "has a merge queue, which waits for every required check on its merge_group runs; not "
        f"reported there by a job that ran: {reasons}",
        queues[0].urn,
    )


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    if not any(has_merge_queue(resource) for resource in resources):
        return  # nothing to judge: the stack is not grouped at all
    config: dict[str, Any] = dict(args.get_config())
    fallback_branch = config_str(config, "default_branch", DEFAULT_BRANCH)
    for repository in group_by_repository(resources).values():
        try:
            _check_repository(repository, fallback_branch, report)
        except UnknownValueError:
            continue  # Not known until the update: nothing can be compared for this repository.


merge_queue_checks_on_merge_group = StackValidationPolicy(
    name=NAME,
    description=(
        "A branch whose ruleset has a merge queue requires only checks that a job of the "
        "repository's workflow files reports on every merge_group run into it: the workflow "
        "triggers on merge_group for that branch, and the job has no condition, continue-on-"
        "error or need that may skip it there."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(properties={"default_branch": DEFAULT_BRANCH_PROPERTY}),
    remediation_steps=(
        "Add the merge_group trigger (without a branches filter that leaves the branch out, or a "
        "paths filter) to the workflow that reports the required checks, and remove any 'if:' "
        "that skips a required job on merge_group; or take the merge queue rule off the ruleset. "
        "A required check that never reports fails every merge group after the queue's status "
        "check timeout; one whose job is skipped passes without having checked the merge."
    ),
)
