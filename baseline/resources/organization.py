"""Organization mode (`protection.scope: organization`): one `OrganizationRuleset` per distinct
protection, targeting its repositories by name, instead of one ruleset per repository.

Repositories share a ruleset when they need the same protection and the same required checks;
with `pipeline.gate` every repository requires the one check `Gate`, so a single ruleset serves
them all, whatever their matrix, and a thousand repositories need one protection resource.

Why each choice:
- A group is named by a digest of what it requires, not by its repositories, so a repository
  joining or leaving only updates the ruleset's name list; changing what a group requires is a
  new ruleset, created before the old one is deleted (the branch stays protected throughout, as
  when `protection.kind` changes).
- The ruleset `depends_on` every workflow file of its repositories: a new repository joins the
  list only after its workflow file is committed, so no pull request waits for a check that
  nothing reports, and the first commit is not refused by the protection it is about to get.
- Its GitHub name carries the stack's name: several stacks (shards) in one organization never
  collide on a name. GitHub allows at most 75 rulesets per organization
  (docs/organization.md, "Organization mode"); the plan warns past that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import pulumi
import pulumi_github as github

from baseline.resources.central import CentralWorkflow, Committed
from baseline.resources.component import (
    RulesetArgs,
    ruleset_bypass_actors,
    ruleset_merge_methods,
    ruleset_rules,
)
from baseline.resources.resource_types import organization_ruleset_prefix
from baseline.stack.settings import ProtectionSettings, RepositoryConfig

# GitHub's limit on rulesets per organization (docs, "About rulesets"; issue 16).
MAX_ORGANIZATION_RULESETS = 75


@dataclass(frozen=True)
class RulesetGroup:
    """Repositories that share one organization ruleset: same protection, same checks."""

    key: str  # a digest of what the ruleset requires
    protection: ProtectionSettings
    checks: tuple[str, ...]
    repositories: tuple[str, ...]  # sorted, ignoring case
    # `protection.merge_methods_enforced`: the methods its repositories' settings allow.
    merge_methods: tuple[str, ...] | None = None
    # `pipeline.delivery: central`: the workflow it requires instead of checks.
    workflow: CentralWorkflow | None = None

    def ruleset_name(self, stack: str) -> str:
        return f"{organization_ruleset_prefix(stack)}{self.key}"


def group_key(
    protection: ProtectionSettings,
    checks: Sequence[str],
    merge_methods: tuple[str, ...] | None = None,
    workflow: CentralWorkflow | None = None,
) -> str:
    """Eight hex digits of what a ruleset requires: its scope aside, and the workflow file's
    lock (a ruleset of each repository's own). Settings added since keys were first made count
    only away from their default, so that no existing ruleset is renamed by an upgrade."""
    facts = {**asdict(protection), "scope": None, "checks": list(checks)}
    del facts["lock_workflow"]
    for key, default in (
        ("enforcement", "active"),
        ("merge_methods_enforced", False),
        ("copilot_review", "off"),
        ("code_scanning", ()),
    ):
        if facts[key] == default:
            del facts[key]
    if merge_methods is not None:
        facts["merge_methods"] = list(merge_methods)
    if workflow is not None:
        facts["central"] = [workflow.repository, workflow.pipeline.path, workflow.ref]
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def groups(
    repositories: Sequence[RepositoryConfig],
    checks: Mapping[str, tuple[str, ...]],
    central: Mapping[str, CentralWorkflow] | None = None,
) -> list[RulesetGroup]:
    """The organization rulesets for the repositories in organization scope (`checks`: each
    repository's required checks; `central`: the central workflow of each repository
    delivered centrally, which its ruleset requires instead), in order of their first
    repository."""
    members: dict[str, list[str]] = {}
    first: dict[str, RulesetGroup] = {}
    for repo in repositories:
        if repo.protection.scope != "organization":
            continue
        methods = ruleset_merge_methods(repo)
        workflow = (central or {}).get(repo.name)
        required = () if workflow is not None else checks[repo.name]
        key = group_key(repo.protection, required, methods, workflow)
        first.setdefault(key, RulesetGroup(key, repo.protection, required, (), methods, workflow))
        members.setdefault(key, []).append(repo.name)
    return [
        replace(first[key], repositories=tuple(sorted(names, key=str.lower)))
        for key, names in members.items()
    ]


ORGANIZATION_RULESET_ARGS = RulesetArgs(
    github.OrganizationRulesetRulesArgs,
    github.OrganizationRulesetRulesPullRequestArgs,
    github.OrganizationRulesetRulesRequiredStatusChecksArgs,
    github.OrganizationRulesetRulesRequiredStatusChecksRequiredCheckArgs,
    github.OrganizationRulesetBypassActorArgs,
    github.OrganizationRulesetRulesCopilotCodeReviewArgs,
    github.OrganizationRulesetRulesRequiredCodeScanningArgs,
    github.OrganizationRulesetRulesRequiredCodeScanningRequiredCodeScanningToolArgs,
    required_workflows=github.OrganizationRulesetRulesRequiredWorkflowsArgs,
    required_workflow=github.OrganizationRulesetRulesRequiredWorkflowsRequiredWorkflowArgs,
)


def ruleset_inputs(
    group: RulesetGroup, stack: str, repository_id: pulumi.Input[int] | None = None
) -> dict[str, Any]:
    """OrganizationRuleset inputs: the rules of a repository's ruleset (`component`), on the
    default branch of each repository named; for central delivery, its workflow (in the
    repository `repository_id`) instead of checks."""
    args = ORGANIZATION_RULESET_ARGS
    workflow = None
    if group.workflow is not None:
        if repository_id is None:
            raise ValueError(f"the central workflow of {group.ruleset_name(stack)} has no id")
        workflow = (repository_id, group.workflow.pipeline.path, group.workflow.ref)
    return {
        "name": group.ruleset_name(stack),
        "target": "branch",
        "enforcement": group.protection.enforcement,
        "conditions": github.OrganizationRulesetConditionsArgs(
            ref_name=github.OrganizationRulesetConditionsRefNameArgs(
                includes=["~DEFAULT_BRANCH"], excludes=[]
            ),
            repository_name=github.OrganizationRulesetConditionsRepositoryNameArgs(
                includes=list(group.repositories), excludes=[]
            ),
        ),
        "rules": ruleset_rules(
            group.protection,
            group.checks,
            args,
            merge_methods=group.merge_methods,
            workflow=workflow,
        ),
        "bypass_actors": ruleset_bypass_actors(group.protection, args),
    }


def organization_rulesets(
    groups_: Sequence[RulesetGroup],
    workflow_files: Mapping[str, pulumi.Resource],
    stack: str,
    central: Mapping[str, Committed] | None = None,
) -> dict[str, github.OrganizationRuleset]:
    """One OrganizationRuleset per group, after its repositories' workflow files (`central`:
    the central workflows committed, by key: a group delivered centrally waits for its one)."""
    rulesets = {}
    for group in groups_:
        if group.workflow is not None:
            committed = (central or {})[group.workflow.key]
            after: list[pulumi.Resource] = [committed.file]
            inputs = ruleset_inputs(group, stack, committed.repository_id)
        else:
            after = [workflow_files[name] for name in group.repositories]
            inputs = ruleset_inputs(group, stack)
        rulesets[group.key] = github.OrganizationRuleset(
            f"organization-ruleset-{group.key}",
            **inputs,
            opts=pulumi.ResourceOptions(depends_on=after),
        )
    return rulesets
