"""Typed, frozen settings of a stack: what `baseline.config` produces from the stack config.

Every default lives here, once. The configuration reference (docs/configuration.md) mirrors
this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from baseline.existing_workflows import ExistingWorkflow
from workflows.options import BackendCiOptions

ProtectionKind = Literal["ruleset", "classic"]
Delivery = Literal["commit", "pull_request"]
ProtectionScope = Literal["repository", "organization"]
Visibility = Literal["private", "public", "internal"]
WorkflowPermission = Literal["read", "write"]

PROTECTION_KINDS: tuple[ProtectionKind, ...] = ("ruleset", "classic")
DELIVERIES: tuple[Delivery, ...] = ("commit", "pull_request")
PROTECTION_SCOPES: tuple[ProtectionScope, ...] = ("repository", "organization")
VISIBILITIES: tuple[Visibility, ...] = ("private", "public", "internal")
WORKFLOW_PERMISSIONS: tuple[WorkflowPermission, ...] = ("read", "write")

# Approval limits GitHub accepts: rulesets take 0-10, classic branch protection 0-6.
MAX_APPROVALS: dict[ProtectionKind, int] = {"ruleset": 10, "classic": 6}


@dataclass(frozen=True)
class PipelineSettings:
    """`pipeline`: which template, the options it is rendered with, how the workflow file
    reaches the default branch (committed to it, or through a pull request: `baseline.delivery`),
    and which of the repository's own workflows it replaces (`baseline.replaces`)."""

    template: str = "backend-ci"
    options: BackendCiOptions = field(default_factory=BackendCiOptions)
    delivery: Delivery = "commit"
    # File names in `.github/workflows` that a pull request deletes once the pipeline has landed.
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class BypassActor:
    """A GitHub App allowed to bypass the protection (never a human)."""

    app_id: int


@dataclass(frozen=True)
class ProtectionSettings:
    """`protection`: how the default branch is protected."""

    kind: ProtectionKind = "ruleset"
    # "organization": one organization ruleset per distinct protection serves every repository
    # that shares it (baseline.organization), instead of a ruleset per repository.
    scope: ProtectionScope = "repository"
    required_approvals: int = 1
    dismiss_stale_reviews: bool = True
    require_code_owner_reviews: bool = False
    require_last_push_approval: bool = False
    require_conversation_resolution: bool = True
    strict_status_checks: bool = True
    bypass_actors: tuple[BypassActor, ...] = ()


@dataclass(frozen=True)
class RepositorySettings:
    """`settings`: the repository's own settings, named as GitHub's REST API names them."""

    visibility: Visibility = "private"
    allow_merge_commit: bool = False
    allow_squash_merge: bool = True
    allow_rebase_merge: bool = False
    delete_branch_on_merge: bool = True
    allow_auto_merge: bool = False
    allow_update_branch: bool = False
    # The provider sends each of these on every create and update (unset means off or empty), so
    # they are settings here: adopting a repository applies them like any other.
    has_wiki: bool = False
    has_projects: bool = False
    has_discussions: bool = False
    is_template: bool = False
    homepage: str = ""
    # None: not managed (the provider keeps what the repository has).
    topics: tuple[str, ...] | None = None
    vulnerability_alerts: bool = True
    dependabot_security_updates: bool = True
    # Off by default: on private and internal repositories these need GitHub Secret Protection
    # (Advanced Security), and asking for them without it fails the apply (facts/github.md).
    secret_scanning: bool = False
    secret_scanning_push_protection: bool = False
    default_workflow_permissions: WorkflowPermission = "read"
    # Actions must be pinned to a full commit SHA (ActionsRepositoryPermissions), as the generated
    # pipeline is; an adopted repository's other workflows that use tags stop running with it.
    sha_pinning_required: bool = True


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

    name: str
    adopt: bool = False
    description: str | None = None
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
    # workflows besides the baseline's (None: not read; `baseline.adoption`).
    live_changes: tuple[LiveChange, ...] = ()
    existing_workflows: tuple[ExistingWorkflow, ...] | None = None
    # The stack's own repository, which its last run named but did not find in the listing (it
    # created it then, or its create failed after GitHub made it): imported by name, which is
    # no change when the state has it, and no second create when it does not.
    reimport: bool = False


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

    index: int
    count: int


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

    count: int = 5
    percent: int = 10

    def limit(self, previous: int) -> int:
        """The most repositories a run may remove from a stack that had `previous`."""
        return max(self.count, previous * self.percent // 100)


@dataclass(frozen=True)
class StackSettings:
    """The whole validated stack: the listed repositories in config order, the selection rules
    and the shard (resolved against the organization's listing by `baseline.selection`, which
    also words the warnings about the repositories it ends with)."""

    repositories: tuple[RepositoryConfig, ...]
    selection: Selection | None = None
    shard: Shard | None = None
    removals: Removals = field(default_factory=Removals)
