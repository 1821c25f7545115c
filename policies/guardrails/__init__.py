"""The pack's rules, one policy per module; `POLICIES` is what the pack enforces, in order.

Imports inside this package are relative so that it loads both as `guardrails` (the Pulumi CLI
runs policies/__main__.py with policies/ on sys.path) and as `policies.guardrails` (tests,
`python -m policies.evaluate`).
"""

from __future__ import annotations

from pulumi_policy import Policy

from .actions_pinned_to_sha import actions_pinned_to_sha
from .every_repository_protected import every_repository_protected
from .force_push_and_deletion_blocked import force_push_and_deletion_blocked
from .merge_queue_checks import merge_queue_checks_on_merge_group
from .no_human_bypass import no_human_bypass
from .protection_enforced import protection_enforced
from .required_checks_match_pipeline import required_checks_match_pipeline
from .required_checks_pinned import required_checks_pinned_to_github_actions
from .reviews_required import reviews_required
from .security_features_enabled import security_features_enabled
from .workflow_least_privilege import workflow_least_privilege
from .workflow_locked import workflow_locked

PACK_NAME = "repo-baseline-guardrails"

POLICIES: list[Policy] = [
    required_checks_match_pipeline,
    required_checks_pinned_to_github_actions,
    reviews_required,
    no_human_bypass,
    force_push_and_deletion_blocked,
    every_repository_protected,
    workflow_least_privilege,
    actions_pinned_to_sha,
    security_features_enabled,
    merge_queue_checks_on_merge_group,
    protection_enforced,
    workflow_locked,
]

POLICY_NAMES: tuple[str, ...] = tuple(policy.name for policy in POLICIES)

__all__ = [
    "PACK_NAME",
    "POLICIES",
    "POLICY_NAMES",
    "actions_pinned_to_sha",
    "every_repository_protected",
    "force_push_and_deletion_blocked",
    "merge_queue_checks_on_merge_group",
    "no_human_bypass",
    "protection_enforced",
    "required_checks_match_pipeline",
    "required_checks_pinned_to_github_actions",
    "reviews_required",
    "security_features_enabled",
    "workflow_least_privilege",
    "workflow_locked",
]
