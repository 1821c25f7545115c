"""actions-pinned-to-sha: every remote action runs at a reviewed commit, not a movable tag."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .pipeline import workflow_unpinned_actions
from .resources import is_workflow_file, read_workflow_file

NAME = "actions-pinned-to-sha"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_workflow_file(args):
        return
    loaded = read_workflow_file(args, report)
    if loaded is None:
        return
    path, content = loaded
    unpinned = list(workflow_unpinned_actions(content))
    if unpinned:
        report(f"workflow {path} uses actions not pinned to a 40-hex commit SHA: {unpinned}", None)


actions_pinned_to_sha = ResourceValidationPolicy(
    name=NAME,
    description=(
        "Every remote action or reusable workflow a workflow file uses is pinned to a full "
        "40-character commit SHA (local './' actions and docker:// images excepted)."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    remediation_steps=(
        "Replace 'owner/action@v4' with 'owner/action@<40-hex commit SHA>  # v4', resolving the "
        "tag to its commit once and updating it deliberately (e.g. with Dependabot)."
    ),
)
