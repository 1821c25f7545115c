"""`RepositoryBaseline`: one repository's settings, workflow file and protection, as one component.

Why each option is set the way it is:
- Nothing here ever deletes a repository or its history: the repository, its workflow file, its
  settings resources (and with pull-request delivery its branch and pull request) are
  `retain_on_delete`, so a repository that leaves the config (or a `pulumi destroy`) is only
  forgotten by Pulumi, never changed on GitHub.
- The protection is the one resource Pulumi deletes, so that changing `protection.kind` replaces
  it: the new protection is a different resource, created first; Pulumi deletes the old one only
  at the end of the update, so the branch is never unprotected.
- The protection `depends_on` the workflow file: a check is never required before the workflow
  that reports it is on the branch (or every pull request waits forever for it). With
  `pipeline.delivery: pull_request` the file reaches the branch when people merge its pull
  request, so the protection requires its checks only from the run that finds it merged
  (`baseline.resources.delivery`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_github as github

from baseline.resources import delivery
from baseline.resources.delivery import Delivered
from baseline.resources.resource_types import RULESET_NAME, WORKFLOW_LOCK_NAME
from baseline.resources.workflow_removal import WorkflowRemoval
from baseline.stack.settings import (
    ProtectionKind,
    ProtectionSettings,
    RepositoryConfig,
    RepositorySettings,
)
from workflows.templates import RenderedPipeline

TYPE_TOKEN = "repo-baseline:index:RepositoryBaseline"

# The GitHub Actions app: a required check pinned to it can only be satisfied by a workflow run,
# not by any other app or token posting a status of the same name (shared facts, "Pinning a check
# to the app that must report it"; joshjohanning/github-misc-scripts#57).
GITHUB_ACTIONS_APP_ID = 15368

COMMIT_MESSAGE = "ci: update the backend CI pipeline (managed by repo-baseline)"

# The merge queue rule (`pipeline.merge_queue`), written out at pulumi-github 6.15's defaults so
# the plan shows them and a provider upgrade cannot change them unseen. Each default is the
# provider schema's ("Defaults to ..."; terraform-provider-github v6.13.0,
# resource_github_repository_ruleset.go, which sends all seven): GitHub's docs ("Managing a merge
# queue") name the settings and their ranges (1 to 100 pull requests) but no default, and GitHub's
# REST description requires all seven without defaults. The merge method is the one exception:
# the provider's MERGE would put merge commits into a history the repository keeps without them
# (this project's default settings allow squash merges only), so it follows the repository's
# allowed methods (`merge_queue_rule`).
MERGE_QUEUE: dict[str, str | int] = {
    "merge_method": "MERGE",
    # Each pull request's merge commit in a group must pass the checks, not only the group's head.
    "grouping_strategy": "ALLGREEN",
    "max_entries_to_build": 5,
    "min_entries_to_merge": 1,
    "max_entries_to_merge": 5,
    "min_entries_to_merge_wait_minutes": 5,
    "check_response_timeout_minutes": 60,
}


def merge_queue_rule(settings: RepositorySettings) -> dict[str, str | int]:
    """`MERGE_QUEUE` with the merge method the repository allows: merge commits if it allows
    them (the provider's default), else squash, else rebase (validation ensures one)."""
    if settings.allow_merge_commit:
        method = "MERGE"
    elif settings.allow_squash_merge:
        method = "SQUASH"
    else:
        method = "REBASE"
    return {**MERGE_QUEUE, "merge_method": method}


@dataclass(frozen=True)
class RepositoryBaselineArgs:
    """What one repository gets: its validated config, the pipeline rendered for it, and with
    `pipeline.delivery: pull_request` where that delivery stands."""

    config: RepositoryConfig
    pipeline: RenderedPipeline
    delivered: Delivered = field(default_factory=Delivered)
    # `pipeline.replaces`: the named workflows the default branch still has
    # (`baseline.resources.replaces`).
    replacing: tuple[str, ...] = ()
    owner: str = ""  # the organization (`github:owner`), which the removal's requests name


def repository_inputs(config: RepositoryConfig) -> dict[str, Any]:
    """Inputs of the `Repository` resource, named as pulumi-github names them."""
    settings = config.settings
    inputs: dict[str, Any] = {
        "name": config.name,
        "description": config.description,
        "visibility": settings.visibility,
        "allow_merge_commit": settings.allow_merge_commit,
        "allow_squash_merge": settings.allow_squash_merge,
        "allow_rebase_merge": settings.allow_rebase_merge,
        "allow_auto_merge": settings.allow_auto_merge,
        "allow_update_branch": settings.allow_update_branch,
        "delete_branch_on_merge": settings.delete_branch_on_merge,
        # The pipeline's bug logger files issues.
        "has_issues": True,
        # Sent explicitly: the provider sends false or "" for any it is not given, so leaving
        # them out would silently turn off an adopted repository's wiki or projects.
        "has_wiki": settings.has_wiki,
        "has_projects": settings.has_projects,
        "has_discussions": settings.has_discussions,
        "is_template": settings.is_template,
        "homepage_url": settings.homepage,
    }
    if not config.adopt:
        # A new repository needs a first commit, so the default branch exists for the workflow
        # file. Not sent when adopting: the import would see it as a difference and fail.
        inputs["auto_init"] = True
    if settings.topics is not None:
        # Unset, the provider keeps the repository's topics (the attribute is computed).
        inputs["topics"] = list(settings.topics)
    if settings.secret_scanning:
        inputs["security_and_analysis"] = _security_and_analysis(settings)
    return inputs


def _security_and_analysis(settings: RepositorySettings) -> dict[str, Any]:
    def status(enabled: bool) -> dict[str, str]:
        return {"status": "enabled" if enabled else "disabled"}

    return {
        "secret_scanning": status(settings.secret_scanning),
        "secret_scanning_push_protection": status(settings.secret_scanning_push_protection),
    }


@dataclass(frozen=True)
class RulesetArgs:
    """The pulumi-github argument classes of one kind of ruleset: a repository's and an
    organization's rulesets take the same rules, under classes of their own."""

    rules: Any
    pull_request: Any
    status_checks: Any
    check: Any
    bypass_actor: Any
    copilot_code_review: Any
    code_scanning: Any
    code_scanning_tool: Any
    # None: no merge queue rule (pulumi-github 6.15's OrganizationRulesetRulesArgs has none).
    merge_queue: Any = None
    # None: no workflows rule (an organization ruleset's only).
    required_workflows: Any = None
    required_workflow: Any = None


REPOSITORY_RULESET_ARGS = RulesetArgs(
    github.RepositoryRulesetRulesArgs,
    github.RepositoryRulesetRulesPullRequestArgs,
    github.RepositoryRulesetRulesRequiredStatusChecksArgs,
    github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs,
    github.RepositoryRulesetBypassActorArgs,
    github.RepositoryRulesetRulesCopilotCodeReviewArgs,
    github.RepositoryRulesetRulesRequiredCodeScanningArgs,
    github.RepositoryRulesetRulesRequiredCodeScanningRequiredCodeScanningToolArgs,
    github.RepositoryRulesetRulesMergeQueueArgs,
)


def allowed_merge_methods(settings: RepositorySettings) -> tuple[str, ...]:
    """The merge methods the repository's settings allow, as a ruleset names them."""
    allowed = (
        ("merge", settings.allow_merge_commit),
        ("squash", settings.allow_squash_merge),
        ("rebase", settings.allow_rebase_merge),
    )
    return tuple(method for method, on in allowed if on)


def ruleset_merge_methods(config: RepositoryConfig) -> tuple[str, ...] | None:
    """The ruleset's `allowed_merge_methods` with `protection.merge_methods_enforced`, else None
    (the provider then keeps what GitHub has: the attribute is computed)."""
    if not config.protection.merge_methods_enforced:
        return None
    return allowed_merge_methods(config.settings)


def ruleset_rules(
    protection: ProtectionSettings,
    checks: tuple[str, ...],
    args: RulesetArgs = REPOSITORY_RULESET_ARGS,
    merge_queue: Mapping[str, str | int] | None = None,
    merge_methods: tuple[str, ...] | None = None,
    workflow: tuple[pulumi.Input[int], str, str] | None = None,
) -> Any:
    """The ruleset's rules: reviews, checks pinned to GitHub Actions (none: no such rule), no
    force push or deletion; with `merge_queue` (`merge_queue_rule`), merges through a merge
    queue; with `merge_methods` (`ruleset_merge_methods`), only those; with `workflow`
    (repository id, path, ref), that workflow must pass (`baseline.resources.central`);
    Copilot review and code scanning as the protection asks."""
    extra: dict[str, Any] = {}
    if checks:
        extra["required_status_checks"] = args.status_checks(
            required_checks=[
                args.check(context=check, integration_id=GITHUB_ACTIONS_APP_ID) for check in checks
            ],
            strict_required_status_checks_policy=protection.strict_status_checks,
        )
    if workflow is not None:
        if args.required_workflows is None:
            raise ValueError(f"{args.rules.__name__} has no workflows rule")
        repository_id, path, ref = workflow
        extra["required_workflows"] = args.required_workflows(
            required_workflows=[
                args.required_workflow(repository_id=repository_id, path=path, ref=ref)
            ]
        )
    if merge_queue is not None:
        if args.merge_queue is None:
            raise ValueError(f"{args.rules.__name__} has no merge queue rule")
        extra["merge_queue"] = args.merge_queue(**merge_queue)
    if protection.copilot_review != "off":
        extra["copilot_code_review"] = args.copilot_code_review(
            review_on_push=protection.copilot_review == "every_push",
            review_draft_pull_requests=False,
        )
    if protection.code_scanning:
        extra["required_code_scanning"] = args.code_scanning(
            required_code_scanning_tools=[
                args.code_scanning_tool(
                    tool=tool.tool,
                    alerts_threshold=tool.alerts,
                    security_alerts_threshold=tool.security_alerts,
                )
                for tool in protection.code_scanning
            ]
        )
    methods = {} if merge_methods is None else {"allowed_merge_methods": list(merge_methods)}
    return args.rules(
        deletion=True,
        non_fast_forward=True,
        pull_request=args.pull_request(
            required_approving_review_count=protection.required_approvals,
            dismiss_stale_reviews_on_push=protection.dismiss_stale_reviews,
            require_code_owner_review=protection.require_code_owner_reviews,
            require_last_push_approval=protection.require_last_push_approval,
            required_review_thread_resolution=protection.require_conversation_resolution,
            **methods,
        ),
        **extra,
    )


def ruleset_bypass_actors(
    protection: ProtectionSettings, args: RulesetArgs = REPOSITORY_RULESET_ARGS
) -> list[Any]:
    """Only GitHub Apps bypass, always (so their direct commits of the workflow file land)."""
    return [
        args.bypass_actor(actor_type="Integration", actor_id=actor.app_id, bypass_mode="always")
        for actor in protection.bypass_actors
    ]


def ruleset_inputs(
    protection: ProtectionSettings,
    checks: tuple[str, ...],
    merge_queue: Mapping[str, str | int] | None = None,
    merge_methods: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """RepositoryRuleset inputs: a branch ruleset on the default branch, active (or a dry run
    with `protection.enforcement: evaluate`), with a merge queue when `pipeline.merge_queue`."""
    return {
        "name": RULESET_NAME,
        "target": "branch",
        "enforcement": protection.enforcement,
        "conditions": github.RepositoryRulesetConditionsArgs(
            ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                includes=["~DEFAULT_BRANCH"], excludes=[]
            )
        ),
        "rules": ruleset_rules(
            protection, checks, merge_queue=merge_queue, merge_methods=merge_methods
        ),
        "bypass_actors": ruleset_bypass_actors(protection),
    }


def workflow_lock_inputs(protection: ProtectionSettings, path: str) -> dict[str, Any]:
    """RepositoryRuleset inputs of the lock (`protection.lock_workflow`): a push ruleset whose
    file_path_restriction names the workflow file, so that a push or commit changing it, on any
    branch, is refused unless its author is one of `bypass_actors` (the automation's app). A
    push ruleset has no conditions: it applies to every push to the repository."""
    return {
        "name": WORKFLOW_LOCK_NAME,
        "target": "push",
        "enforcement": "active",
        "rules": github.RepositoryRulesetRulesArgs(
            file_path_restriction=github.RepositoryRulesetRulesFilePathRestrictionArgs(
                restricted_file_paths=[path]
            )
        ),
        "bypass_actors": ruleset_bypass_actors(protection),
    }


def classic_protection_inputs(
    protection: ProtectionSettings, checks: tuple[str, ...]
) -> dict[str, Any]:
    """BranchProtectionV3 inputs; it has no fields to allow force pushes or deletion."""
    return {
        # Administrators are held to the same rules: no human bypass.
        "enforce_admins": True,
        "require_conversation_resolution": protection.require_conversation_resolution,
        "required_status_checks": {
            "strict": protection.strict_status_checks,
            # REST's "CONTEXT:APP_ID" form pins each check to GitHub Actions.
            "checks": [f"{check}:{GITHUB_ACTIONS_APP_ID}" for check in checks],
        },
        "required_pull_request_reviews": {
            "required_approving_review_count": protection.required_approvals,
            "dismiss_stale_reviews": protection.dismiss_stale_reviews,
            "require_code_owner_reviews": protection.require_code_owner_reviews,
            "require_last_push_approval": protection.require_last_push_approval,
        },
    }


class RepositoryBaseline(pulumi.ComponentResource):
    """A repository with its pipeline, the protection derived from it, and its settings."""

    repository: github.Repository
    # On the default branch: committed, or (pull-request delivery) imported once merged.
    workflow_file: github.RepositoryFile | None
    # Pull-request delivery until it has merged: the branch, the file on it, the pull request.
    pipeline_branch: github.Branch | None
    proposed_file: github.RepositoryFile | None
    pull_request: github.RepositoryPullRequest | None
    # `pipeline.replaces`, once the pipeline is on the default branch: their removal's pull request.
    workflow_removal: WorkflowRemoval | None
    protection: github.RepositoryRuleset | github.BranchProtectionV3 | None
    # `protection.lock_workflow` on a private or internal repository: the push ruleset.
    workflow_lock: github.RepositoryRuleset | None
    vulnerability_alerts: github.RepositoryVulnerabilityAlerts
    dependabot_security_updates: github.RepositoryDependabotSecurityUpdates
    actions_permissions: github.ActionsRepositoryPermissions
    workflow_permissions: github.WorkflowRepositoryPermissions
    # What the protection requires now; None when the baseline protects nothing yet (its
    # pipeline waits in a pull request).
    protected_checks: tuple[str, ...] | None
    required_checks: tuple[str, ...]
    protection_kind: ProtectionKind | Literal["organization", "pending"]
    sha_pinning_required: bool

    def __init__(
        self, name: str, args: RepositoryBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        config, pipeline = args.config, args.pipeline
        settings, protection = config.settings, config.protection
        branch = config.pipeline.options.default_branch
        self.sha_pinning_required = settings.sha_pinning_required

        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)

        self.repository = github.Repository(
            f"{name}-repository",
            **repository_inputs(config),
            opts=pulumi.ResourceOptions.merge(
                kept,
                pulumi.ResourceOptions(
                    import_=config.name if config.adopt or config.reimport else None
                ),
            ),
        )
        repository = self.repository.name

        self.pipeline_branch = self.proposed_file = self.pull_request = None
        self.protected_checks = pipeline.required_checks
        if config.pipeline.delivery == "commit":
            # An existing file at this path is replaced by the generated one; its old content
            # stays in the branch's history.
            self.workflow_file = self._workflow_file(f"{name}-workflow", pipeline, branch, kept)
        elif config.pipeline.delivery == "central":
            # Nothing in the repository: its organization ruleset requires the central workflow
            # (`baseline.resources.central`), whose jobs report these checks.
            self.workflow_file = None
        elif args.delivered.landed:
            # Merged by people: the file on the default branch is taken into the stack as it
            # is (an import, no commit, which the protection would refuse); a later change of
            # the pipeline is proposed again, and this resource is then forgotten.
            imported = pulumi.ResourceOptions(
                import_=f"{config.name}:{pipeline.path}:{branch}",
                # Which commit put it there is the merge's, not ours to set.
                ignore_changes=["commitMessage", "overwriteOnCreate"],
            )
            self.workflow_file = self._workflow_file(
                f"{name}-workflow", pipeline, branch, pulumi.ResourceOptions.merge(kept, imported)
            )
        else:
            self.workflow_file = None
            self._propose(name, config, pipeline, kept)
            # Until it has merged, the protection requires what it did (nothing, at first).
            self.protected_checks = args.delivered.protected
        self.workflow_removal = None
        if args.replacing and self.workflow_file is not None:
            # After the pipeline's own file: it has landed once that is on the default branch.
            self.workflow_removal = WorkflowRemoval(
                f"{name}-workflow-removal",
                owner=args.owner,
                repository=repository,
                base=branch,
                removing=args.replacing,
                replacement=pipeline.path,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.workflow_file]),
            )
        checks = self.protected_checks or ()
        self.required_checks = checks
        self.protection_kind = (
            "pending"
            if self.protected_checks is None
            else "organization"
            if protection.scope == "organization"
            else protection.kind
        )

        after_workflow = pulumi.ResourceOptions.merge(
            child,
            pulumi.ResourceOptions(
                depends_on=[self.workflow_file] if self.workflow_file is not None else []
            ),
        )
        if self.protected_checks is None or protection.scope == "organization":
            # Nothing yet (the pipeline waits in its pull request), or an organization ruleset
            # shared with other repositories does (baseline.resources.organization).
            self.protection = None
        elif protection.kind == "ruleset":
            self.protection = github.RepositoryRuleset(
                f"{name}-ruleset",
                repository=repository,
                **ruleset_inputs(
                    protection,
                    checks,
                    merge_queue_rule(config.settings)
                    if config.pipeline.options.merge_queue
                    else None,
                    ruleset_merge_methods(config),
                ),
                opts=after_workflow,
            )
        else:
            self.protection = github.BranchProtectionV3(
                f"{name}-branch-protection",
                repository=repository,
                branch=branch,
                **classic_protection_inputs(protection, checks),
                opts=after_workflow,
            )

        self.workflow_lock = None
        if config.locks_workflow:
            # After the file it locks: the first commit of it is not the lock's to refuse.
            self.workflow_lock = github.RepositoryRuleset(
                f"{name}-workflow-lock",
                repository=repository,
                **workflow_lock_inputs(protection, pipeline.path),
                opts=after_workflow,
            )

        self.vulnerability_alerts = github.RepositoryVulnerabilityAlerts(
            f"{name}-vulnerability-alerts",
            repository=repository,
            enabled=settings.vulnerability_alerts,
            opts=kept,
        )
        self.dependabot_security_updates = github.RepositoryDependabotSecurityUpdates(
            f"{name}-dependabot-security-updates",
            repository=repository,
            enabled=settings.dependabot_security_updates,
            # GitHub turns security updates on only where vulnerability alerts are already on.
            opts=pulumi.ResourceOptions.merge(
                kept, pulumi.ResourceOptions(depends_on=[self.vulnerability_alerts])
            ),
        )
        self.actions_permissions = github.ActionsRepositoryPermissions(
            f"{name}-actions-permissions",
            repository=repository,
            enabled=True,
            allowed_actions="all",
            # On by default: every action must be pinned to a full commit SHA, as the generated
            # pipeline is (settings.sha_pinning_required).
            sha_pinning_required=settings.sha_pinning_required,
            opts=kept,
        )
        self.workflow_permissions = github.WorkflowRepositoryPermissions(
            f"{name}-workflow-permissions",
            repository=repository,
            default_workflow_permissions=settings.default_workflow_permissions,
            can_approve_pull_request_reviews=False,
            opts=kept,
        )

        self.register_outputs(
            {
                "url": self.repository.html_url,
                "required_checks": list(self.required_checks),
                "protection_kind": self.protection_kind,
            }
        )

    def _propose(
        self,
        name: str,
        config: RepositoryConfig,
        pipeline: RenderedPipeline,
        kept: pulumi.ResourceOptions,
    ) -> None:
        """The pipeline proposed in a pull request into the default branch
        (`baseline.resources.delivery`).

        Kept when they leave the program (the pull request merged, or a newer pipeline is
        proposed): the branch is GitHub's to delete on merge, and an open pull request is the
        people's to close."""
        branch = config.pipeline.options.default_branch
        head = delivery.proposal_branch(pipeline)
        self.pipeline_branch = github.Branch(
            f"{name}-pipeline-branch",
            repository=self.repository.name,
            branch=head,
            source_branch=branch,
            opts=kept,
        )
        self.proposed_file = self._workflow_file(
            f"{name}-workflow-proposed", pipeline, self.pipeline_branch.branch, kept
        )
        self.pull_request = github.RepositoryPullRequest(
            f"{name}-pull-request",
            base_repository=self.repository.name,
            base_ref=branch,
            head_ref=self.pipeline_branch.branch,
            title=delivery.PULL_REQUEST_TITLE,
            body=delivery.PULL_REQUEST_BODY,
            opts=pulumi.ResourceOptions.merge(
                kept, pulumi.ResourceOptions(depends_on=[self.proposed_file])
            ),
        )

    def _workflow_file(
        self,
        name: str,
        pipeline: RenderedPipeline,
        branch: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> github.RepositoryFile:
        """The rendered workflow file on `branch`, replacing any file at its path."""
        return github.RepositoryFile(
            name,
            repository=self.repository.name,
            file=pipeline.path,
            content=pipeline.content,
            branch=branch,
            commit_message=COMMIT_MESSAGE,
            overwrite_on_create=True,
            opts=opts,
        )
