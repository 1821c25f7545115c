"""required-checks-match-pipeline: the protection requires exactly what the workflows report."""

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
    as_str,
    config_str,
    value_at,
)
from .pipeline import WorkflowError, workflow_checks
from .protection import is_branch_ruleset, label, protected_branch, required_checks
from .resources import RepositoryResources, StackResource, group_by_repository

NAME = "required-checks-match-pipeline"


def _expected_checks(
    repository: RepositoryResources, branch: str, report: ReportViolation
) -> set[str] | None:
    """Checks the repository's workflows report on every pull request to `branch`.

    None when a workflow could not be read (that is reported on the workflow file itself).
    """
    expected: set[str] = set()
    readable = True
    for workflow_file in repository.workflow_files:
        content = as_str(value_at(workflow_file.props, "content"))
        if content is None:
            report(
                f"workflow file {label(workflow_file)} has no content to derive checks from",
                workflow_file.urn,
            )
            readable = False
            continue
        try:
            derived = workflow_checks(content, branch)
        except WorkflowError as error:
            report(f"workflow file {label(workflow_file)} {error}", workflow_file.urn)
            readable = False
            continue
        for problem in derived.problems:
            report(f"workflow file {label(workflow_file)}: {problem}", workflow_file.urn)
            readable = False
        expected.update(derived.checks)
    return expected if readable else None


def _check_repository(
    repository: RepositoryResources, fallback_branch: str, report: ReportViolation
) -> None:
    default_branch = repository.default_branch(fallback_branch)
    # Rulesets and classic protections on one branch add up, as GitHub layers them.
    protections: dict[str, list[StackResource]] = {}
    for ruleset in repository.rulesets:
        if (
            is_branch_ruleset(ruleset.props)
            and value_at(ruleset.props, "enforcement") != "disabled"
        ):
            protections.setdefault(default_branch, []).append(ruleset)
    for classic in repository.branch_protections:
        protections.setdefault(protected_branch(classic, default_branch), []).append(classic)

    for branch, resources in protections.items():
        expected = _expected_checks(repository, branch, report)
        if expected is None:
            continue
        required = {check.context for resource in resources for check in required_checks(resource)}
        missing = sorted(expected - required)
        unexpected = sorted(required - expected)
        if not missing and not unexpected:
            continue
        carrier = next((r for r in resources if required_checks(r)), resources[0])
        parts = []
        if missing:
            parts.append(f"reported by the workflows but not required: {missing}")
        if unexpected:
            parts.append(f"required but not reported on every pull request: {unexpected}")
        report(
            f"repository '{repository.name}', branch '{branch}': the required checks of "
            f"{', '.join(label(r) for r in resources)} differ from the pipeline; "
            + "; ".join(parts),
            carrier.urn,
        )


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    config: dict[str, Any] = dict(args.get_config())
    fallback_branch = config_str(config, "default_branch", DEFAULT_BRANCH)
    reported: set[tuple[str, str | None]] = set()

    def report_once(message: str, urn: str | None = None) -> None:
        # A workflow read for several protected branches reports its problems once.
        if (message, urn) not in reported:
            reported.add((message, urn))
            report(message, urn)

    for repository in group_by_repository(args.resources).values():
        try:
            _check_repository(repository, fallback_branch, report_once)
        except UnknownValueError:
            continue  # Not known until the update: nothing can be compared for this repository.


required_checks_match_pipeline = StackValidationPolicy(
    name=NAME,
    description=(
        "The status checks a branch protection requires are exactly the checks the repository's "
        "workflow files report on every pull request to that branch, derived from their YAML."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(properties={"default_branch": DEFAULT_BRANCH_PROPERTY}),
    remediation_steps=(
        "Derive the protection's required checks from the same workflow definition that renders "
        "the files: a check that is never reported blocks every pull request ('Expected - "
        "Waiting for status'), a check that is not required can fail without blocking a merge. "
        "Jobs with an 'if:', 'continue-on-error' or 'needs' on a conditional job, and workflows "
        "filtered by paths or branches, cannot be required."
    ),
)
