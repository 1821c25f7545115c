"""Typed, frozen settings of a stack: what `baseline.config` produces from the stack config.

Every default lives here, once. The README's configuration reference mirrors this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from workflows.options import BackendCiOptions

ProtectionKind = Literal["ruleset", "classic"]
Visibility = Literal["private", "public", "internal"]
WorkflowPermission = Literal["read", "write"]

PROTECTION_KINDS: tuple[ProtectionKind, ...] = ("ruleset", "classic")
VISIBILITIES: tuple[Visibility, ...] = ("private", "public", "internal")
WORKFLOW_PERMISSIONS: tuple[WorkflowPermission, ...] = ("read", "write")

# Approval limits GitHub accepts: rulesets take 0-10, classic branch protection 0-6.
MAX_APPROVALS: dict[ProtectionKind, int] = {"ruleset": 10, "classic": 6}


@dataclass(frozen=True)
class PipelineSettings:
    """`pipeline`: which template, and the options it is rendered with."""

    template: str = "backend-ci"
    options: BackendCiOptions = field(default_factory=BackendCiOptions)


@dataclass(frozen=True)
class BypassActor:
    """A GitHub App allowed to bypass the protection (never a human)."""

    app_id: int


@dataclass(frozen=True)
class ProtectionSettings:
    """`protection`: how the default branch is protected."""

    kind: ProtectionKind = "ruleset"
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
class RepositoryConfig:
    """One entry of `repositories`, with the defaults merged in."""

    name: str
    adopt: bool = False
    description: str | None = None
    pipeline: PipelineSettings = field(default_factory=PipelineSettings)
    protection: ProtectionSettings = field(default_factory=ProtectionSettings)
    settings: RepositorySettings = field(default_factory=RepositorySettings)


@dataclass(frozen=True)
class StackSettings:
    """The whole validated stack: the repositories to baseline, in config order."""

    repositories: tuple[RepositoryConfig, ...]
    warnings: tuple[str, ...] = ()
