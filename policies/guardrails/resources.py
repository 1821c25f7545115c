"""The pulumi-github resource types the pack reads, and the stack grouped per repository."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .inputs import UnknownValueError, as_str, value_at
from .pipeline import WorkflowError, is_workflow_path, load_workflow
from .targeting import RepositoryIndex, ruleset_targets

# Type tokens as pulumi-github 6.15.0 registers them (pulumi_github/*.py).
REPOSITORY = "github:index/repository:Repository"
REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
PULL_REQUEST = "github:index/repositoryPullRequest:RepositoryPullRequest"
REPOSITORY_RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ORGANIZATION_RULESET = "github:index/organizationRuleset:OrganizationRuleset"
REPOSITORY_CUSTOM_PROPERTY = "github:index/repositoryCustomProperty:RepositoryCustomProperty"
BRANCH_PROTECTION_V3 = "github:index/branchProtectionV3:BranchProtectionV3"
VULNERABILITY_ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
DEPENDABOT_SECURITY_UPDATES = (
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates"
)

RULESET_TYPES = frozenset({REPOSITORY_RULESET, ORGANIZATION_RULESET})
PROTECTION_TYPES = RULESET_TYPES | {BRANCH_PROTECTION_V3}


class StackResource(Protocol):
    """What the pack reads of a resource; pulumi_policy's PolicyResource has these attributes."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str


@dataclass
class RepositoryResources:
    """Everything in the stack that belongs to one repository, found by its name.

    `rulesets` are its RepositoryRulesets, then the OrganizationRulesets whose conditions target
    it; `undecided_rulesets` are OrganizationRulesets that may target it, which a preview can't
    tell yet (see `targeting`). `proposed_files` are workflow files on the head branch of one of
    its `pull_requests`: proposed for the base branch, not on it until the pull request merges.
    """

    name: str
    repositories: list[StackResource] = field(default_factory=list)
    workflow_files: list[StackResource] = field(default_factory=list)
    proposed_files: list[StackResource] = field(default_factory=list)
    pull_requests: list[StackResource] = field(default_factory=list)
    rulesets: list[StackResource] = field(default_factory=list)
    undecided_rulesets: list[StackResource] = field(default_factory=list)
    custom_properties: list[StackResource] = field(default_factory=list)
    branch_protections: list[StackResource] = field(default_factory=list)
    vulnerability_alerts: list[StackResource] = field(default_factory=list)
    dependabot_security_updates: list[StackResource] = field(default_factory=list)

    def default_branch(self, fallback: str) -> str:
        """The `branch` its workflow files are committed to, else the base of its pull requests,
        else `fallback` (policy config)."""
        for workflow_file in self.workflow_files:
            branch = as_str(value_at(workflow_file.props, "branch"))
            if branch:
                return branch
        for pull_request in self.pull_requests:
            branch = as_str(value_at(pull_request.props, "baseRef"))
            if branch:
                return branch
        return fallback

    def proposes_pipeline(self, branch: str) -> bool:
        """Whether a workflow file waits in a pull request into `branch` (the protection of
        that branch may then require only what it did before: the file is not there yet)."""
        return bool(self.proposed_files) and any(
            as_str(value_at(pr.props, "baseRef")) == branch for pr in self.pull_requests
        )


def repository_name(resource: StackResource) -> str | None:
    """The repository a resource belongs to: `name` of a Repository, `repository` of the rest."""
    key = {REPOSITORY: "name", PULL_REQUEST: "baseRepository"}.get(
        resource.resource_type, "repository"
    )
    try:
        return as_str(value_at(resource.props, key)) or None
    except UnknownValueError:
        return None


def is_workflow_file(resource: StackResource) -> bool:
    if resource.resource_type != REPOSITORY_FILE:
        return False
    try:
        path = as_str(value_at(resource.props, "file"))
    except UnknownValueError:
        return False
    return path is not None and is_workflow_path(path)


def read_workflow_file(
    resource: StackResource, report: Callable[[str, str | None], None]
) -> tuple[str | None, str] | None:
    """A workflow file's path and its text, which parses as a workflow (`pipeline`'s
    `workflow_*` functions then derive from it); None, after reporting why, when it does not."""
    path = as_str(value_at(resource.props, "file"))
    content = as_str(value_at(resource.props, "content"))
    if content is None:
        report(f"workflow {path} has no content to check", None)
        return None
    try:
        load_workflow(content)
    except WorkflowError as error:
        report(f"workflow {path} {error}", None)
        return None
    return path, content


def group_by_repository(resources: Iterable[StackResource]) -> dict[str, RepositoryResources]:
    """The stack's resources per repository name, in the order repositories first appear;
    each OrganizationRuleset is added to the repositories its conditions target."""
    groups: dict[str, RepositoryResources] = {}
    organization_rulesets: list[StackResource] = []
    for resource in resources:
        if resource.resource_type == ORGANIZATION_RULESET:
            organization_rulesets.append(resource)
            continue
        name = repository_name(resource)
        if name is None:
            continue
        group = groups.setdefault(name, RepositoryResources(name))
        kind = resource.resource_type
        if kind == REPOSITORY:
            group.repositories.append(resource)
        elif is_workflow_file(resource):
            group.workflow_files.append(resource)
        elif kind == REPOSITORY_RULESET:
            group.rulesets.append(resource)
        elif kind == BRANCH_PROTECTION_V3:
            group.branch_protections.append(resource)
        elif kind == VULNERABILITY_ALERTS:
            group.vulnerability_alerts.append(resource)
        elif kind == DEPENDABOT_SECURITY_UPDATES:
            group.dependabot_security_updates.append(resource)
        elif kind == REPOSITORY_CUSTOM_PROPERTY:
            group.custom_properties.append(resource)
        elif kind == PULL_REQUEST:
            group.pull_requests.append(resource)
    for group in groups.values():
        _separate_proposals(group)
    if organization_rulesets:
        _add_organization_rulesets(groups, organization_rulesets)
    return groups


def _separate_proposals(group: RepositoryResources) -> None:
    """Move the workflow files committed to a pull request's head branch to `proposed_files`."""
    heads = set()
    for pull_request in group.pull_requests:
        try:
            heads.add(as_str(value_at(pull_request.props, "headRef")))
        except UnknownValueError:
            continue
    if not heads:
        return
    proposed = []
    for workflow_file in group.workflow_files:
        try:
            branch = as_str(value_at(workflow_file.props, "branch"))
        except UnknownValueError:
            branch = None
        if branch in heads:
            proposed.append(workflow_file)
    group.proposed_files = proposed
    group.workflow_files = [f for f in group.workflow_files if f not in proposed]


def _add_organization_rulesets(
    groups: dict[str, RepositoryResources], rulesets: list[StackResource]
) -> None:
    index = RepositoryIndex(frozenset(groups))
    for name, group in groups.items():
        for repository in group.repositories:
            index.add_repo_id(name, repository.props)
        if not group.repositories:
            index.unknown_ids.add(name)
        for custom_property in group.custom_properties:
            index.add_custom_property(name, custom_property.props)
    for ruleset in rulesets:
        targets = ruleset_targets(ruleset.props, index)
        for name in targets.names:
            groups[name].rulesets.append(ruleset)
        for name in targets.undecided:
            groups[name].undecided_rulesets.append(ruleset)
