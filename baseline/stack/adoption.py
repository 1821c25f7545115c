"""What adopting an existing repository must know about its own workflows, and decides from them.

Plain Python (no Pulumi). The stack's repositories come from `baseline.stack.selection`; for those
this run adopts (an adopted entry or a selected repository that the last `pulumi up` did not
baseline) the program reads their `.github/workflows` (`baseline.stack.existing_workflows`), and
`settle` then:

- turns `sha_pinning_required` on only when every action their existing workflows use is pinned
  to a full commit SHA, else off, with a warning naming the workflows to pin first (on, GitHub
  would fail every run of a workflow that uses an action by tag). Where `defaults` or the entry
  set it, it stays as set; on a repository an earlier run baselined, it stays as that run decided
  (the stack output `sha_pinning_required`), so a later run never flips it by itself;
- names the existing workflows that also run on pull requests to the default branch, so that no
  team finds itself with two pipelines without having been told.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from baseline.resources import replaces
from baseline.stack.existing_workflows import ExistingWorkflow
from baseline.stack.inventory import Inventory
from baseline.stack.removals import last_outputs
from baseline.stack.selection import Resolution
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import repositories_named
from workflows.templates import rendered_pipeline

PINNING_KEY = "settings.sha_pinning_required"
NAMES_SHOWN = 5


def adopting(resolution: Resolution, previous: Mapping[str, object] | None) -> list[str]:
    """The repositories this run adopts: existing ones the last `up` did not baseline."""
    known = last_outputs(previous)
    return [r.name for r in resolution.repositories if r.adopt and r.name.lower() not in known]


def _own_path(repo: RepositoryConfig) -> str:
    return rendered_pipeline(repo.pipeline.template, repo.pipeline.options).path


@dataclass(frozen=True)
class _Settled:
    config: RepositoryConfig
    warnings: tuple[str, ...]


def _settle_one(
    repo: RepositoryConfig,
    workflows: Sequence[ExistingWorkflow] | None,
    adopting_now: bool,
    last: Mapping[str, object] | None,
) -> _Settled:
    """`last`: the repository's entry of the last run's outputs (None when it had none)."""
    own = _own_path(repo)
    others = None if workflows is None else tuple(w for w in workflows if w.path != own)
    repo = replace(repo, existing_workflows=others)
    problems = [w.pinning_problem or w.path for w in others or () if not w.known_pinned]
    if PINNING_KEY in repo.explicit:
        if not (
            adopting_now and repo.settings.sha_pinning_required and (others is None or problems)
        ):
            return _Settled(repo, ())
        found = "; ".join(problems) if others is not None else "they were not read"
        return _Settled(
            repo,
            (
                f"{repo.name}: settings.sha_pinning_required is on for an adopted repository, "
                f"as the config sets it, but its existing workflows are not known to pin every "
                f"action to a full commit SHA ({found}): GitHub will refuse to run them. Pin "
                "them first, or leave sha_pinning_required unset for it (then the run decides).",
            ),
        )
    if not adopting_now:
        decided = (last or {}).get("sha_pinning_required")
        if not isinstance(decided, bool):
            return _Settled(repo, ())
        return _Settled(
            replace(repo, settings=replace(repo.settings, sha_pinning_required=decided)), ()
        )
    if others is None:
        why = (
            f"{repo.name}: its existing workflows were not read (an inventory saved without "
            "--workflows), so settings.sha_pinning_required is off for it; `pulumi up` reads them"
        )
        pinned = False
        warnings: tuple[str, ...] = (why,)
    else:
        pinned = not problems
        warnings = (
            ()
            if pinned
            else (
                f"{repo.name}: settings.sha_pinning_required stays off: its existing workflows "
                f"use actions not pinned to a full commit SHA, which GitHub would then refuse "
                f"to run ({'; '.join(problems)}). Pin them first, then set "
                "sha_pinning_required: true for it.",
            )
        )
    settings = replace(repo.settings, sha_pinning_required=pinned)
    return _Settled(replace(repo, settings=settings), warnings)


def existing_ci(repo: RepositoryConfig) -> str | None:
    """The existing workflows that also run on pull requests to the default branch and that
    `pipeline.replaces` does not name, said for a person; None when there are none (or they
    were not read)."""
    replaced = set(replaces.paths(repo.pipeline.replaces))
    running = [
        w
        for w in repo.existing_workflows or ()
        if w.runs_on_pull_requests and w.path not in replaced
    ]
    if not running:
        return None
    shown = ", ".join(
        w.path if w.name == w.path else f"{w.path} ({json.dumps(w.name)})"
        for w in running[:NAMES_SHOWN]
    )
    more = len(running) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def settle(
    resolution: Resolution,
    listing: Inventory | None,
    previous: Mapping[str, object] | None,
    adopting_now: Collection[str],
) -> Resolution:
    """The resolution with each adopted repository's existing workflows and its SHA pinning
    decided, and warnings about both."""
    if listing is None:
        return resolution
    known = last_outputs(previous)
    read = {r.name.lower(): r.workflows for r in listing.repositories}
    now = {name.lower() for name in adopting_now}
    repositories: list[RepositoryConfig] = []
    warnings: list[str] = []
    pipelines: list[tuple[str, str]] = []
    for repo in resolution.repositories:
        if not repo.adopt:
            repositories.append(repo)
            continue
        key = repo.name.lower()
        settled = _settle_one(repo, read.get(key), key in now, known.get(key))
        repositories.append(settled.config)
        warnings.extend(settled.warnings)
        running = existing_ci(settled.config)
        if running and repo.name.lower() in now:
            pipelines.append((repo.name, running))
    if pipelines:
        names = [name for name, _ in pipelines]
        which = "; ".join(
            running if len(pipelines) == 1 else f"{name}: {running}" for name, running in pipelines
        )
        warnings.append(
            f"{repositories_named(names)}: existing workflows also run on every pull request to "
            f"the default branch, next to the baseline's (two pipelines): {which}. "
            "pipeline.replaces: [file names] deletes them through a pull request once the "
            "baseline's pipeline has landed."
        )
    return replace(
        resolution,
        repositories=tuple(repositories),
        warnings=(*resolution.warnings, *warnings),
    )


def live_changes(repo: RepositoryConfig) -> str:
    """What an adopted repository has in GitHub that the run changes, of what the listing shows."""
    changes = "; ".join(str(change) for change in repo.live_changes)
    return (
        f"{changes or 'none of the values the listing shows'} (merge methods, security features "
        "and Actions permissions are set as above: `pulumi preview --diff` shows their live values)"
    )
