"""workflow-least-privilege: workflow tokens start read-only; no pull_request_target."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .pipeline import workflow_permission_problems
from .resources import is_workflow_file, read_workflow_file

NAME = "workflow-least-privilege"


def _validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_workflow_file(args):
        return
    loaded = read_workflow_file(args, report)
    if loaded is None:
        return
    path, content = loaded
    for problem in workflow_permission_problems(content):
        report(f"workflow {path} {problem}", None)


workflow_least_privilege = ResourceValidationPolicy(
    name=NAME,
    description=(
        "Workflow files grant their token no write access at the top level (a missing top-level "
        "'permissions' counts, as GitHub's default may be write), never 'write-all', and do not "
        "trigger on pull_request_target."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    remediation_steps=(
        "Start the workflow with 'permissions: {}' or 'permissions: read-all' (or only read/none "
        "scopes), grant write scopes on the single job that needs them, and use 'pull_request' "
        "instead of 'pull_request_target'."
    ),
)
