"""`pipeline.delivery: pull_request`: the workflow file reaches the default branch through a pull
request, for repositories whose protection refuses a direct commit (HTTP 409).

Plain Python (no Pulumi). The component commits the rendered file to a branch of its own
(`repo-baseline/<digest of the file>`) and opens a pull request into the default branch
(pulumi-github `Branch`, `RepositoryFile`, `RepositoryPullRequest`); people review and merge it.
Until it has merged, the protection keeps requiring what it required after the last run (a new
repository: no protection from the baseline yet), so no pull request waits for a check that
nothing reports. Each run reads the file on the default branch (one request a repository): once
it is the rendered one, the pull request has landed, the file is taken into the stack as it is
(an import, no commit) and the protection requires the new checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from workflows.templates import RenderedPipeline

BRANCH_PREFIX = "repo-baseline/"
PULL_REQUEST_TITLE = "ci: the backend CI pipeline (managed by repo-baseline)"
PULL_REQUEST_BODY = (
    "This pull request brings the repository's CI pipeline, as the organization's baseline "
    "defines it (repo-baseline). The branch protection requires its checks only once this has "
    "merged. Changes to the file itself are made in the baseline, not here."
)


@dataclass(frozen=True)
class Delivered:
    """Where one repository's pull-request delivery stands at the start of a run."""

    # The default branch has the rendered file: the pull request has merged (or it was there).
    landed: bool = False
    # The checks the protection required after the last run (None: no protection from the
    # baseline yet), kept until the pull request has merged.
    protected: tuple[str, ...] | None = None


def proposal_branch(pipeline: RenderedPipeline) -> str:
    """The branch a pipeline is proposed on: one per content, so a changed pipeline is a new
    pull request and the open one is left as it is."""
    return BRANCH_PREFIX + hashlib.sha256(pipeline.content.encode("utf-8")).hexdigest()[:8]


def pinned_ref(pipeline: RenderedPipeline) -> str:
    """The ref a central workflow is required at (`pipeline.delivery: central`): the branch of
    its content, as a ruleset's `workflows` rule names it."""
    return f"refs/heads/{proposal_branch(pipeline)}"


def protected_checks(output: Mapping[str, object] | None) -> tuple[str, ...] | None:
    """What a repository's protection required after the last run (`output`: its entry of the
    last `repositories` output; None when it had none)."""
    checks = (output or {}).get("required_checks")
    if (
        (output or {}).get("protection_kind") == PENDING
        or not isinstance(checks, list)
        or not checks
    ):
        return None
    return tuple(str(check) for check in checks)


# The `protection_kind` output of a repository whose pipeline waits in its pull request.
PENDING = "pending"
