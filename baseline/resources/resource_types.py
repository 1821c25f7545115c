"""The type tokens of what the program registers, as the engine (and the plan JSON) names them, and
the names its rulesets have on GitHub (read by `repo-baseline heal`, which imports no Pulumi)."""

from __future__ import annotations

STACK = "pulumi:pulumi:Stack"
COMPONENT = "repo-baseline:index:RepositoryBaseline"
REPOSITORY = "github:index/repository:Repository"
WORKFLOW_FILE = "github:index/repositoryFile:RepositoryFile"
BRANCH = "github:index/branch:Branch"
PULL_REQUEST = "github:index/repositoryPullRequest:RepositoryPullRequest"
# `pipeline.replaces` (baseline.resources.workflow_removal): a dynamic resource of Pulumi's Python
# SDK.
WORKFLOW_REMOVAL = "pulumi-python:dynamic:WorkflowRemoval"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
CLASSIC = "github:index/branchProtectionV3:BranchProtectionV3"
ORGANIZATION_RULESET = "github:index/organizationRuleset:OrganizationRuleset"
VULNERABILITY_ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
DEPENDABOT_SECURITY_UPDATES = (
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
)
ACTIONS_PERMISSIONS = "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions"
WORKFLOW_PERMISSIONS = "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions"

# A repository's ruleset (`protection.kind: ruleset`); an organization ruleset's name starts with
# `organization_ruleset_prefix(stack)`, then the digest of what it requires.
RULESET_NAME = "repo-baseline: default branch"
# The push ruleset that locks the workflow file (`protection.lock_workflow`); a plan names it by
# `WORKFLOW_LOCK`, its type being a ruleset's.
WORKFLOW_LOCK_NAME = "repo-baseline: workflow file"
WORKFLOW_LOCK = f"{RULESET} (push)"


def plan_key(type_token: str, inputs: dict[str, object]) -> str:
    """What a plan calls a repository's resource: its type, but `WORKFLOW_LOCK` for the push
    ruleset, which shares its type with the branch ruleset."""
    return WORKFLOW_LOCK if type_token == RULESET and inputs.get("target") == "push" else type_token


def organization_ruleset_prefix(stack: str) -> str:
    return f"repo-baseline {stack}: default branch "


# The order a reader expects within one repository.
REPOSITORY_ORDER = (
    COMPONENT,
    REPOSITORY,
    BRANCH,
    WORKFLOW_FILE,
    PULL_REQUEST,
    WORKFLOW_REMOVAL,
    RULESET,
    CLASSIC,
    VULNERABILITY_ALERTS,
    DEPENDABOT_SECURITY_UPDATES,
    ACTIONS_PERMISSIONS,
    WORKFLOW_PERMISSIONS,
)
