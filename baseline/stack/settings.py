"""Typed, frozen settings of a stack: what `baseline.stack.validation` produces from the stack
config.

Every setting is declared here once (`workflows.declared.setting`; the pipeline's options in
`workflows.options`): its type, its default, what it means, what values it allows and how the
plan names it. The JSON Schema and the validation (`baseline.stack.schema`), the plan's labels
(`baseline.plan.summary`) and the configuration reference (docs/configuration.md) are read from
them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from baseline.stack.existing_workflows import ExistingWorkflow
from workflows.declared import Shown, array, setting, string
from workflows.options import BackendCiOptions
from workflows.templates import TEMPLATES

ProtectionKind = Literal["ruleset", "classic"]
Delivery = Literal["commit", "pull_request", "central"]
ProtectionScope = Literal["repository", "organization"]
Enforcement = Literal["active", "evaluate"]
CopilotReview = Literal["off", "opened", "every_push"]
# Code scanning merge protection thresholds, as pulumi-github 6.15 takes them
# (terraform-provider-github v6.13.0, resource_github_repository_ruleset.go, which validates
# these values; GitHub's REST description, repository-rule-params-required-code-scanning-tool).
AlertsThreshold = Literal["none", "errors", "errors_and_warnings", "all"]
SecurityAlertsThreshold = Literal["none", "critical", "high_or_higher", "medium_or_higher", "all"]
Visibility = Literal["private", "public", "internal"]
WorkflowPermission = Literal["read", "write"]

PROTECTION_KINDS: tuple[ProtectionKind, ...] = ("ruleset", "classic")
DELIVERIES: tuple[Delivery, ...] = ("commit", "pull_request", "central")
PROTECTION_SCOPES: tuple[ProtectionScope, ...] = ("repository", "organization")
ENFORCEMENTS: tuple[Enforcement, ...] = ("active", "evaluate")
ALERTS_THRESHOLDS: tuple[AlertsThreshold, ...] = ("none", "errors", "errors_and_warnings", "all")
SECURITY_ALERTS_THRESHOLDS: tuple[SecurityAlertsThreshold, ...] = (
    "none",
    "critical",
    "high_or_higher",
    "medium_or_higher",
    "all",
)
VISIBILITIES: tuple[Visibility, ...] = ("private", "public", "internal")
WORKFLOW_PERMISSIONS: tuple[WorkflowPermission, ...] = ("read", "write")

# Approval limits GitHub accepts: rulesets take 0-10, classic branch protection 0-6.
MAX_APPROVALS: dict[ProtectionKind, int] = {"ruleset": 10, "classic": 6}

# The plan's lines these settings are shown on (`baseline.plan.summary`).
REVIEWS, PROTECTION, SECURITY, SETTINGS = "reviews", "protection", "security", "settings"
# Settings shown together: "merge methods: squash/rebase"; "on: wiki, ...; off: projects, ...".
MERGE_METHODS, FEATURES = "merge methods", "features"


@dataclass(frozen=True)
class PipelineSettings:
    """`pipeline`: which template, the options it is rendered with (their keys sit next to
    these), how the workflow file reaches the default branch (committed to it, or through a pull
    request: `baseline.resources.delivery`), and which of the repository's own workflows it replaces
    (`baseline.resources.replaces`)."""

    template: str = setting(
        TEMPLATES[0],
        description="the pipeline template (the only one for now)",
        schema={"enum": list(TEMPLATES)},
    )
    options: BackendCiOptions = field(default_factory=BackendCiOptions)
    delivery: Delivery = setting(
        "commit",
        description="how the workflow file reaches the default branch: `commit` (straight to "
        "it), `pull_request` (a branch and a pull request; the protection's new checks once it "
        "has merged: [Delivering the pipeline through a pull request](organization.md"
        "#delivering-the-pipeline-through-a-pull-request-pipelinedelivery-pull_request)) or "
        "`central` (no file in the repository: the organization ruleset requires the workflow "
        "kept in `central_repository`; GitHub Enterprise Cloud: [Central delivery]"
        "(organization.md#central-delivery-pipelinedelivery-central))",
    )
    # `delivery: central`: the organization's repository the stack commits the pipeline to.
    central_repository: str = setting(
        "",
        description="with `delivery: central`, the organization's repository that holds the "
        "pipeline (it must exist; its visibility must allow the repositories it serves: a "
        "private one serves private repositories only, an internal one internal and private "
        "ones, a public one any)",
        schema=string(
            r"|(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}",
            'a repository name like "baseline-ci" (or "" with another delivery)',
        ),
    )
    # File names in `.github/workflows` that a pull request deletes once the pipeline has landed.
    replaces: tuple[str, ...] = setting(
        (),
        description="file names in `.github/workflows` (`ci.yml`) that a pull request deletes "
        "once the pipeline is on the default branch (history keeps them); never the pipeline's "
        "own, never by default ([Replacing a repository's own CI](organization.md"
        "#replacing-a-repositorys-own-ci-pipelinereplaces))",
        schema=array(
            string(
                r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.ya?ml",
                'a workflow file name in .github/workflows, like "ci.yml"',
            ),
            'a list of workflow file names in .github/workflows like ["ci.yml"] (empty: none)',
            uniqueItems=True,
        ),
    )


@dataclass(frozen=True)
class BypassActor:
    """A GitHub App allowed to bypass the protection (never a human)."""

    app_id: int


@dataclass(frozen=True)
class CodeScanningTool:
    """A code scanning tool whose results must pass before merging, and the severities that
    block a merge (`required_code_scanning`)."""

    tool: str
    alerts: AlertsThreshold = "errors"
    security_alerts: SecurityAlertsThreshold = "high_or_higher"


def _approvals(count: int) -> str:
    return f"{count} approval{'s' if count != 1 else ''}"


@dataclass(frozen=True)
class ProtectionSettings:
    """`protection`: how the default branch is protected. What the mandatory policy
    reviews-required (policies/) rejects is refused by the schema, with the policy's reason."""

    kind: ProtectionKind = setting(
        "ruleset",
        description="`ruleset` (`RepositoryRuleset` on `~DEFAULT_BRANCH`) or `classic` "
        "(`BranchProtectionV3`)",
    )
    # "organization": one organization ruleset per distinct protection serves every repository
    # that shares it (baseline.resources.organization), instead of a ruleset per repository.
    scope: ProtectionScope = setting(
        "repository",
        description="`repository` (a ruleset per repository) or `organization` (one "
        "`OrganizationRuleset` per distinct protection, needs `kind: ruleset` and GitHub Team or "
        "Enterprise; see [Organization mode](organization.md"
        "#organization-mode-protectionscope-organization))",
    )
    required_approvals: int = setting(
        1,
        description=f"approvals required: 1-{MAX_APPROVALS['ruleset']} for rulesets, "
        f"1-{MAX_APPROVALS['classic']} for classic (0 is refused: the mandatory policy "
        "`reviews-required` would reject it)",
        schema={
            "maximum": max(MAX_APPROVALS.values()),
            "errorMessage": f"an integer from 1 to {MAX_APPROVALS['ruleset']} (rulesets; 1 to "
            f"{MAX_APPROVALS['classic']} with classic branch protection)",
            "allOf": [
                {
                    "minimum": 1,
                    "errorMessage": "at least 1: the mandatory policy reviews-required refuses "
                    "fewer (pull requests would merge without review)",
                }
            ],
        },
        shown=Shown(REVIEWS, _approvals),
    )
    dismiss_stale_reviews: bool = setting(
        True,
        description="new commits dismiss approvals; `false` is refused (the mandatory policy "
        "`reviews-required` would reject it)",
        schema={
            "allOf": [
                {
                    "const": True,
                    "errorMessage": "true: the mandatory policy reviews-required refuses false "
                    "(approvals would survive new pushes)",
                }
            ]
        },
        shown=Shown(REVIEWS, "stale approvals dismissed", "stale approvals KEPT"),
    )
    require_code_owner_reviews: bool = setting(
        False,
        description="code owners must approve",
        shown=Shown(REVIEWS, "code owners must approve", "no code owner review"),
    )
    require_last_push_approval: bool = setting(
        False,
        description="the last push must be approved by someone else",
        shown=Shown(REVIEWS, "last push approved by someone else", "no last-push approval"),
    )
    require_conversation_resolution: bool = setting(
        True,
        description="review conversations must be resolved",
        shown=Shown(REVIEWS, "conversations resolved", "conversations need not be resolved"),
    )
    strict_status_checks: bool = setting(
        True,
        description="the branch must be up to date before merging",
        shown=Shown(PROTECTION, "branch must be up to date"),
    )
    bypass_actors: tuple[BypassActor, ...] = setting(
        (),
        description="GitHub Apps allowed to bypass (`[{app_id: N}]`, rulesets only), for the "
        "automation's own commits; people, teams and roles never bypass",
        schema=array(
            {
                "type": "object",
                "properties": {
                    "app_id": {
                        "type": "integer",
                        "minimum": 1,
                        "errorMessage": "a GitHub App id: a positive integer",
                    }
                },
                "required": ["app_id"],
                "additionalProperties": False,
                "errorMessage": "a GitHub App as {app_id: N} (people, teams and roles cannot "
                "bypass)",
            },
            "a list of GitHub Apps like [{app_id: 123456}] (empty for none)",
            uniqueItems=True,
        ),
    )
    # "evaluate": GitHub evaluates the ruleset and records what it would have blocked (rule
    # insights) but blocks nothing; only GitHub Enterprise has it (GitHub's REST description,
    # `repository-rule-enforcement`: "`evaluate` is only available with GitHub Enterprise").
    enforcement: Enforcement = setting(
        "active",
        description="`active` (enforced) or `evaluate`: a dry run that blocks nothing and records "
        "what it would have blocked, which `repo-baseline verify` reports; rulesets only, GitHub "
        "Enterprise Cloud only. Switching repositories from `active` to `evaluate` counts as "
        "taking their protection away (`removals`) ([Rolling out in evaluate mode](organization.md"
        "#rolling-out-in-evaluate-mode-protectionenforcement-evaluate))",
    )
    # A push ruleset (`RepositoryRuleset`, target push) whose file_path_restriction names the
    # pipeline's workflow file: only its bypass actors (the automation's app) may change it.
    lock_workflow: bool = setting(
        False,
        description="a push ruleset lets only `bypass_actors` change the pipeline's workflow file "
        "(anyone else's push or commit touching it is refused); needs `bypass_actors` and a "
        "private or internal repository on GitHub Team or Enterprise (the plan says where it "
        "cannot apply) ([Locking the workflow file](organization.md"
        "#locking-the-workflow-file-protectionlock_workflow))",
    )
    # The ruleset's `allowed_merge_methods`, derived from the repository's own settings: an
    # administrator who turns another method on in the settings still cannot merge with it.
    merge_methods_enforced: bool = setting(
        False,
        description="the ruleset allows only the merge methods `settings` allows "
        "(`allowed_merge_methods`, derived from `allow_merge_commit`, `allow_squash_merge` and "
        "`allow_rebase_merge`), so turning another one on in the repository's settings does not "
        "let it merge; rulesets only",
    )
    copilot_review: CopilotReview = setting(
        "off",
        description="the ruleset requests a Copilot code review: `off`, `opened` (each new "
        "pull request) or `every_push` (and each push to one); GitHub requests it only where "
        "the author has Copilot code review (GitHub Copilot); it blocks no merge; rulesets only",
    )
    code_scanning: tuple[CodeScanningTool, ...] = setting(
        (),
        description="code scanning tools whose results must pass before merging "
        "(`required_code_scanning`): `[{tool: CodeQL, alerts: errors, security_alerts: "
        "high_or_higher}]`, `alerts` one of none, errors, errors_and_warnings, all; "
        "`security_alerts` one of none, critical, high_or_higher, medium_or_higher, all. Code "
        "scanning must report on both commits of every pull request (on private and internal "
        "repositories it needs GitHub Code Security), or nothing merges; rulesets only",
        schema=array(
            {
                "type": "object",
                "properties": {
                    "tool": {
                        "type": "string",
                        "minLength": 1,
                        "errorMessage": 'a code scanning tool\'s name, like "CodeQL"',
                    },
                    "alerts": {"enum": list(ALERTS_THRESHOLDS)},
                    "security_alerts": {"enum": list(SECURITY_ALERTS_THRESHOLDS)},
                },
                "required": ["tool"],
                "additionalProperties": False,
                "errorMessage": "a tool as {tool: CodeQL, alerts: errors, security_alerts: "
                "high_or_higher}",
            },
            'a list of code scanning tools like [{tool: "CodeQL"}] (empty for none)',
        ),
    )


_TOPIC = string(
    r"[a-z0-9][a-z0-9-]{0,49}",
    "a topic: lowercase letters, digits and '-', not starting with '-', at most 50",
)
# Kept from GitHub by an adopted or selected repository unless its entry or rule sets it.
_KEPT_UNLESS_OWN = (
    "; an adopted or selected repository keeps its own unless its entry or rule sets it"
)


@dataclass(frozen=True)
class RepositorySettings:
    """`settings`: the repository's own settings, named as GitHub's REST API names them."""

    visibility: Visibility = setting(
        "private",
        description=f"`private`, `public` or `internal`{_KEPT_UNLESS_OWN}",
        shown=Shown(SETTINGS, "{}"),
    )
    allow_merge_commit: bool = setting(
        False, description="merge commits", shown=Shown(SETTINGS, "merge", group=MERGE_METHODS)
    )
    allow_squash_merge: bool = setting(
        True, description="squash merging", shown=Shown(SETTINGS, "squash", group=MERGE_METHODS)
    )
    allow_rebase_merge: bool = setting(
        False,
        description="rebase merging (at least one merge method must be on)",
        shown=Shown(SETTINGS, "rebase", group=MERGE_METHODS),
    )
    delete_branch_on_merge: bool = setting(
        True,
        description="delete head branches after merge",
        shown=Shown(SETTINGS, "branches deleted on merge", group=FEATURES),
    )
    allow_auto_merge: bool = setting(
        False, description="auto-merge", shown=Shown(SETTINGS, "auto-merge", group=FEATURES)
    )
    allow_update_branch: bool = setting(
        False,
        description="always suggest updating pull request branches",
        shown=Shown(SETTINGS, "update branch", group=FEATURES),
    )
    # The provider sends each of these on every create and update (unset means off or empty), so
    # they are settings here: adopting a repository applies them like any other.
    has_wiki: bool = setting(
        False,
        description="the wiki (an adopted or selected repository keeps its own unless "
        "`defaults` or its entry or rule set it; so do the three below)",
        shown=Shown(SETTINGS, "wiki", group=FEATURES),
    )
    has_projects: bool = setting(
        False,
        description="repository projects (an organization that disabled them refuses `true`)",
        shown=Shown(SETTINGS, "projects", group=FEATURES),
    )
    has_discussions: bool = setting(
        False, description="discussions", shown=Shown(SETTINGS, "discussions", group=FEATURES)
    )
    is_template: bool = setting(
        False,
        description="a template repository",
        shown=Shown(SETTINGS, "template", group=FEATURES),
    )
    homepage: str = setting(
        "",
        description=f"the repository's homepage URL{_KEPT_UNLESS_OWN}",
        schema=string(
            r"|https?://\S+", 'a URL like "https://docs.example.com/shop" (or "" for none)'
        ),
        shown=Shown(SETTINGS, "homepage {}", "no homepage"),
    )
    # None: not managed (the provider keeps what the repository has).
    topics: tuple[str, ...] | None = setting(
        None,
        description="the repository's topics (lowercase letters, digits, `-`); unset, they are "
        "not managed and every repository keeps its own",
        schema=array(
            _TOPIC,
            'a list of topics like ["django", "payments"] (leave it out to keep what GitHub has)',
            type=["array", "null"],
            uniqueItems=True,
        ),
        shown_default="unset",
    )
    vulnerability_alerts: bool = setting(
        True,
        description="Dependabot alerts (`RepositoryVulnerabilityAlerts`)",
        shown=Shown(SECURITY, "vulnerability alerts"),
    )
    dependabot_security_updates: bool = setting(
        True,
        description="Dependabot security updates (need vulnerability alerts)",
        shown=Shown(SECURITY, "Dependabot security updates"),
    )
    # Off by default: on private and internal repositories these need GitHub Secret Protection
    # (Advanced Security), and asking for them without it fails the apply (GitHub Docs,
    # "About secret scanning": secret scanning for private repositories needs Secret Protection).
    secret_scanning: bool = setting(
        False,
        description="secret scanning: free on public repositories; private and internal ones "
        "need GitHub Secret Protection (Advanced Security), else the apply fails",
        shown=Shown(SECURITY, "secret scanning"),
    )
    secret_scanning_push_protection: bool = setting(
        False,
        description="push protection (needs `secret_scanning`)",
        shown=Shown(SECURITY, "push protection"),
    )
    # Actions must be pinned to a full commit SHA (ActionsRepositoryPermissions), as the generated
    # pipeline is; an adopted repository's other workflows that use tags stop running with it.
    sha_pinning_required: bool = setting(
        True,
        description="Actions must use actions pinned to a full commit SHA, as the generated "
        "pipeline does. Unset on an adopted or selected repository, the run that adopts it "
        "decides: on only if every action of its existing workflows is pinned, else off with a "
        "warning naming them; later runs keep that decision",
        shown=Shown(SECURITY, "actions pinned to SHAs required", "actions by tag allowed"),
    )
    default_workflow_permissions: WorkflowPermission = setting(
        "read",
        description="the default `GITHUB_TOKEN` permission (`read` or `write`); Actions can never "
        "approve pull requests",
        shown=Shown(SECURITY, "GITHUB_TOKEN {}"),
    )


@dataclass(frozen=True)
class LiveChange:
    """A value an existing repository has in GitHub that the run will change: the config path
    (`settings.has_wiki`), the live value and the new one."""

    key: str
    live: object
    new: object

    def __str__(self) -> str:
        return f"{self.key.removeprefix('settings.')}: {_shown(self.live)} -> {_shown(self.new)}"


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(item) for item in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return '""' if value in ("", None) else json.dumps(value)


@dataclass(frozen=True)
class RepositoryConfig:
    """One entry of `repositories`, with the defaults merged in."""

    name: str = setting(
        description="the repository's name: letters, digits, `.`, `_`, `-`; at most 100; unique "
        "ignoring case",
        schema=string(
            r"(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}",
            "a GitHub repository name: 1 to 100 letters, digits, '.', '_' or '-', not '.' or '..'",
        ),
    )
    adopt: bool = setting(
        False,
        description="import the existing repository instead of creating it; it keeps what it is "
        "([Adopting an existing repository](organization.md#adopting-an-existing-repository))",
    )
    description: str | None = setting(
        None,
        description="the repository's description",
        schema={"errorMessage": "a string (or leave it out)"},
    )
    # The `select` rule that chose this repository from the organization's listing; None for an
    # entry of `repositories`.
    selected_by: str | None = None
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    protection: ProtectionSettings = field(default_factory=ProtectionSettings)
    settings: RepositorySettings = field(default_factory=RepositorySettings)
    # "section.key" of every key `defaults` or the entry set (`explicit`), and of those the
    # entry itself set (`own`, with "description"): what an adopted repository keeps
    # (`KEPT_UNLESS_OWN`, `KEPT_UNLESS_EXPLICIT`) depends on them.
    explicit: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()
    # For an existing repository: each value the listing shows that this run changes, and its
    # workflows besides the baseline's (None: not read; `baseline.stack.adoption`).
    live_changes: tuple[LiveChange, ...] = ()
    existing_workflows: tuple[ExistingWorkflow, ...] | None = None
    # The stack's own repository, which its last run named but did not find in the listing (it
    # created it then, or its create failed after GitHub made it): imported by name, which is
    # no change when the state has it, and no second create when it does not.
    reimport: bool = False

    @property
    def locks_workflow(self) -> bool:
        """Whether its workflow file gets the lock: asked for, on a private or internal
        repository (push rulesets exist only there: GitHub Docs, "About rulesets"; the plan
        warns about a public one, `baseline.stack.validation`)."""
        return self.protection.lock_workflow and self.settings.visibility != "public"


@dataclass(frozen=True)
class SelectRule:
    """One rule of `select`: which of the organization's repositories it chooses, and the
    settings they get (the defaults with the rule's own keys merged over them).

    Every condition given must hold; within one, any value matches. A rule without conditions
    chooses every repository. `explicit` names the setting keys that `defaults` or the rule set,
    `own` those the rule itself set: what a chosen repository keeps from GitHub depends on them
    (`KEPT_UNLESS_OWN`, `KEPT_UNLESS_EXPLICIT`).
    """

    name: str
    names: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    properties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    visibility: tuple[Visibility, ...] = ()
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    protection: ProtectionSettings = field(default_factory=ProtectionSettings)
    settings: RepositorySettings = field(default_factory=RepositorySettings)
    explicit: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()
    # A rule that matches no repository stops the run (a typo such as `topics: [djnago]` would
    # otherwise take the baseline away from every repository it used to choose); set for a rule
    # meant to be empty for now.
    allow_empty: bool = False


@dataclass(frozen=True)
class Selection:
    """`select`: rules in order (the first that matches a repository chooses it), exclusions."""

    rules: tuple[SelectRule, ...]
    exclude: tuple[str, ...] = ()
    archived: bool = False
    forks: bool = False

    @property
    def uses_properties(self) -> bool:
        return any(rule.properties for rule in self.rules)


@dataclass(frozen=True)
class Shard:
    """`shard`: this stack baselines the repositories whose name hashes to `index` of `count`."""

    index: int = setting(
        description="which shard this stack is, from 0",
        schema={"minimum": 0, "errorMessage": "an integer from 0 to count - 1"},
    )
    count: int = setting(
        description="how many shards the selected repositories are split into",
        schema={"minimum": 1, "maximum": 256, "errorMessage": "an integer from 1 to 256"},
    )


# What an existing repository (adopted, or chosen by a rule) keeps from GitHub. Its identity and
# access, unless its own entry (or rule) sets them: `defaults` describe the repositories the stack
# creates, and a default visibility would cut people off (an internal repository made private).
KEPT_UNLESS_OWN = ("description", "settings.visibility", "settings.homepage", "settings.topics")
# Its features, unless `defaults` or its own entry set them: the provider sends each of these on
# every update, so without a value from somewhere a built-in default would switch a wiki off.
KEPT_UNLESS_EXPLICIT = (
    "settings.has_wiki",
    "settings.has_projects",
    "settings.has_discussions",
    "settings.is_template",
)


@dataclass(frozen=True)
class Removals:
    """`removals`: how many repositories one run may take the baseline away from (protection
    deleted, or dropped from an organization ruleset's targets; the workflow file no longer
    managed) before it stops without changing anything: more than `count` repositories or more
    than `percent` of the stack's previous repositories, whichever is larger."""

    count: int = setting(
        5,
        description="a run may take the baseline away from this many repositories",
        schema={"minimum": 0, "errorMessage": "an integer from 0 (a number of repositories)"},
    )
    percent: int = setting(
        10,
        description="or from this percentage of the stack's repositories, if more",
        schema={
            "minimum": 0,
            "maximum": 100,
            "errorMessage": "an integer from 0 to 100 (percent of the stack's repositories)",
        },
    )

    def limit(self, previous: int) -> int:
        """The most repositories a run may remove from a stack that had `previous`."""
        return max(self.count, previous * self.percent // 100)


@dataclass(frozen=True)
class StackSettings:
    """The whole validated stack: the listed repositories in config order, the selection rules
    and the shard (resolved against the organization's listing by `baseline.stack.selection`, which
    also words the warnings about the repositories it ends with)."""

    repositories: tuple[RepositoryConfig, ...]
    selection: Selection | None = None
    shard: Shard | None = None
    removals: Removals = field(default_factory=Removals)
