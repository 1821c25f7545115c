"""The removal guard: a run that would take the baseline away from many repositories at once
stops before it changes anything.

Plain Python (no Pulumi). What the stack had is its previous `repositories` output (one key per
repository the last `pulumi up` baselined), which the program reads through the engine (a
`StackReference` to its own stack, `baseline.resources.program`) before it registers a single
resource. A repository that was there and is not now loses its protection: its ruleset or classic
protection is deleted, or in organization mode it is dropped from the organization ruleset's
targets; its workflow file and settings are no longer managed. That happens when an entry is
removed, when a rule stops matching (a typo, topics edited in bulk), or when a shard changes.

Why the previous outputs, and not a policy or a preview step: a policy pack sees the resources a
program registers, never the ones it drops; a preview step guards only the runs of one workflow,
while the program guards every `pulumi preview` and `pulumi up`, by hand or scheduled, and
stops them before the engine has a single step to take.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from baseline.stack.settings import Removals, RepositoryConfig

# `REPO_BASELINE_ALLOW_REMOVALS=<n>` allows one run to remove exactly n repositories.
ALLOW_ENV = "REPO_BASELINE_ALLOW_REMOVALS"
# Set by GitHub Actions on every run; "schedule" for the hourly roll-out, which nobody watches.
EVENT_ENV = "GITHUB_EVENT_NAME"
NAMES_SHOWN = 10


class RemovalRefusedError(Exception):
    """The run would remove more than the limit: the message says how many, which, and how to
    allow it once."""


def _described(names: tuple[str, ...], shown: int) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")


@dataclass(frozen=True)
class Removal:
    """What a run would take the baseline away from, against the stack's previous repositories:
    the repositories that leave the stack (`names`), and those that stay with weaker protection
    (`weakened`: a ruleset switched to evaluate mode enforces nothing; a workflow file no longer
    locked). Each counts as one repository against the limit."""

    names: tuple[str, ...]  # sorted ignoring case (the engine keeps no order of the outputs)
    previous: int
    weakened: tuple[str, ...] = ()  # sorted ignoring case

    @property
    def count(self) -> int:
        return len(self.names) + len(self.weakened)

    def describe(self, shown: int = NAMES_SHOWN) -> str:
        return _described(self.names, shown)

    def describe_weakened(self, shown: int = NAMES_SHOWN) -> str:
        return _described(self.weakened, shown)


# The output of an entry whose repository is gone (`selection.resolve`): `{"gone": true}`.
GONE = "gone"
# The output that says a run found the repository in the organization's listing: it existed.
LISTED = "listed"


def created(output: Mapping[str, object]) -> bool:
    """Whether the repository existed in a run that baselined it. Not only named in the last
    outputs: with `pulumi up --continue-on-error` a run whose create of it failed still writes
    them."""
    return output.get(LISTED) is True


def _gone(output: object) -> bool:
    return isinstance(output, Mapping) and output.get(GONE) is True


def last_outputs(previous: Mapping[str, object] | None) -> dict[str, Mapping[str, object]]:
    """The last run's output of each repository it baselined, by its name in lower case (GitHub
    compares repository names ignoring case): one index, looked up once per repository. Not
    the entries it found gone (`gone_outputs`)."""
    return {
        name.lower(): output
        for name, output in (previous or {}).items()
        if isinstance(output, Mapping) and not _gone(output)
    }


def gone_outputs(previous: Mapping[str, object] | None) -> frozenset[str]:
    """The entries the last run found gone from the organization, lower-cased."""
    return frozenset(name.lower() for name, output in (previous or {}).items() if _gone(output))


# The outputs that say what a repository's protection was (`program.export`), when not the
# default: its ruleset in evaluate mode, its workflow file locked.
ENFORCEMENT = "enforcement"
WORKFLOW_LOCKED = "workflow_locked"


def protection_outputs(config: RepositoryConfig) -> dict[str, object]:
    """The outputs `weakened_since` compares, for a repository baselined as `config`."""
    outputs: dict[str, object] = {}
    if config.protection.enforcement != "active":
        outputs[ENFORCEMENT] = config.protection.enforcement
    if config.locks_workflow:
        outputs[WORKFLOW_LOCKED] = True
    return outputs


def weakened_since(last: Mapping[str, object] | None, config: RepositoryConfig) -> bool:
    """Whether `config` protects a repository less than its last run did (`last`, its output):
    its enforced ruleset switched to evaluate mode, or its locked workflow file unlocked. A
    repository the last run did not protect (its pipeline waiting in a pull request) loses
    nothing."""
    if last is None or last.get("protection_kind") == "pending":
        return False
    now = protection_outputs(config)
    to_evaluate = last.get(ENFORCEMENT, "active") == "active" and ENFORCEMENT in now
    unlocked = last.get(WORKFLOW_LOCKED) is True and WORKFLOW_LOCKED not in now
    return to_evaluate or unlocked


def removal(
    previous: Mapping[str, object] | None,
    current: Collection[str],
    staying: Collection[RepositoryConfig] = (),
) -> Removal:
    """The repositories of `previous` (the last run's `repositories` output) that are not in
    `current`, comparing names as GitHub does, ignoring case; an entry found gone had nothing
    left to remove. And of `staying` (the configs of this run), those whose protection is
    weaker than their last run's (`weakened_since`)."""
    before = [name for name, output in (previous or {}).items() if not _gone(output)]
    now = {name.lower() for name in current}
    gone = sorted((name for name in before if name.lower() not in now), key=str.lower)
    last = last_outputs(previous)
    weakened = sorted(
        (repo.name for repo in staying if weakened_since(last.get(repo.name.lower()), repo)),
        key=str.lower,
    )
    return Removal(tuple(gone), len(before), tuple(weakened))


def allowance(environ: Mapping[str, str] | None = None) -> tuple[int | None, str | None]:
    """The number of removals this run is allowed (None: none beyond the limit), and why an
    allowance that was given does not count."""
    env = os.environ if environ is None else environ
    raw = env.get(ALLOW_ENV, "").strip()
    if not raw:
        return None, None
    if env.get(EVENT_ENV) == "schedule":
        return None, f"{ALLOW_ENV} is ignored on a scheduled run (nobody is watching it)"
    if not raw.isdigit():
        return None, f"{ALLOW_ENV}={raw!r} is not a number of repositories"
    return int(raw), None


def over_limit(
    count: int, previous: int, limits: Removals, environ: Mapping[str, str] | None = None
) -> list[str] | None:
    """Why taking the baseline away from `count` of a stack's `previous` repositories is
    refused (the limit, and what is wrong with an allowance); None when the limit or an
    allowance of exactly `count` lets it through."""
    limit = limits.limit(previous)
    if count <= limit:
        return None
    allowed, ignored = allowance(environ)
    if allowed == count:
        return None
    reasons = [
        f"more than the limit of {limit:,} (repo-baseline:removals: more than {limits.count:,} "
        f"repositories or {limits.percent}% of the stack, whichever is larger)"
    ]
    if ignored:
        reasons.append(ignored)
    elif allowed is not None:
        reasons.append(f"{ALLOW_ENV}={allowed} allows {allowed:,}, not {count:,}")
    return reasons


def check(
    found: Removal,
    limits: Removals,
    stack: str,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """Raise `RemovalRefusedError` when `found` is over the limit and not allowed; otherwise the
    line to log about it (None when nothing is removed)."""
    count = found.count
    if count == 0:
        return None
    said = []
    if found.names:
        said.append(
            f"{len(found.names):,} of the {found.previous:,} repositories of stack {stack} "
            f"leave it ({found.describe()}): their protection is removed (a repository ruleset "
            "or classic protection deleted, or the repository dropped from the organization "
            "ruleset's targets) and their workflow file and settings are no longer managed; "
            "the repositories themselves are kept"
        )
    if found.weakened:
        count_weakened = len(found.weakened)
        which = "repository" if count_weakened == 1 else "repositories"
        keep, than = (
            ("keeps", "its last run gave it")
            if count_weakened == 1
            else ("keep", "their last run gave them")
        )
        said.append(
            f"{count_weakened:,} {which} of stack {stack} {keep} less protection than "
            f"{than} ({found.describe_weakened()}): a ruleset switched to "
            "evaluate mode (protection.enforcement) enforces nothing, and a workflow file no "
            "longer locked (protection.lock_workflow) can be changed by anyone who can push"
        )
    what = "; ".join(said)
    if count <= limits.limit(found.previous):
        return what
    reasons = over_limit(count, found.previous, limits, environ)
    if reasons is None:
        return f"{what} (allowed by {ALLOW_ENV}={count})"
    raise RemovalRefusedError(
        f"{what}. That is {'; '.join(reasons)}. Nothing was changed. Check why they left (an "
        "entry removed, a select rule or a repository's topics or properties changed, the "
        "shard) or why their protection changed; if it is intended, allow it for one run "
        f"with {ALLOW_ENV}={count} (for "
        f"example `{ALLOW_ENV}={count} pulumi up`; a scheduled run never allows it), or raise "
        "repo-baseline:removals."
    )
