"""Validated settings + the organization's listing -> the repositories this stack baselines.

Plain Python (no Pulumi). The stack's repositories are its `repositories` entries, then every
repository of the listing that a `select` rule chooses (the first matching rule, in order;
archived repositories and forks only when `select` allows them; never one that `exclude` names or
that an entry lists, since the entry wins), then, with `shard`, only those whose name hashes to
this stack's shard.

A selected repository exists already, so it is imported (`adopt`), on the first `pulumi up` that
selects it, with no flag to set: creating it would fail ("name already exists on this account").
What the baseline does not set keeps its value from the listing, so the import's follow-up
update changes only what the baseline manages: its description, and each of
`PRESERVED_SETTINGS` that neither `defaults` nor its rule sets; the pipeline runs on its default
branch unless the rule names one.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from baseline.config import warnings_for
from baseline.inventory import Inventory, OrgRepository
from baseline.settings import (
    PRESERVED_SETTINGS,
    RepositoryConfig,
    RepositorySettings,
    Selection,
    SelectRule,
    Shard,
    StackSettings,
)
from workflows.filters import branch_matches


def name_matches(pattern: str, name: str) -> bool:
    """A `names`/`exclude` pattern against a repository name, ignoring case as GitHub does."""
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def shard_of(name: str, count: int) -> int:
    """The shard of a repository: a hash of its lower-cased name alone, so it never moves while
    other repositories come and go (it moves only when `count` changes)."""
    digest = hashlib.sha256(name.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def in_shard(name: str, shard: Shard | None) -> bool:
    return shard is None or shard_of(name, shard.count) == shard.index


def _has_property(repository: OrgRepository, name: str, allowed: Sequence[str]) -> bool:
    value = repository.properties.get(name)
    if isinstance(value, tuple):
        return any(item in allowed for item in value)
    return value is not None and value in allowed


def rule_matches(rule: SelectRule, repository: OrgRepository) -> bool:
    """Every condition the rule gives holds (within a condition, any value will do)."""
    topics = set(repository.topics)
    return (
        (not rule.names or any(name_matches(p, repository.name) for p in rule.names))
        and (not rule.topics or any(topic in topics for topic in rule.topics))
        and (not rule.visibility or repository.visibility in rule.visibility)
        and all(_has_property(repository, name, values) for name, values in rule.properties)
    )


def _eligible(selection: Selection, repository: OrgRepository) -> bool:
    return (
        (selection.archived or not repository.archived)
        and (selection.forks or not repository.fork)
        and not any(name_matches(p, repository.name) for p in selection.exclude)
    )


@dataclass(frozen=True)
class Resolution:
    """The stack's repositories (entries first, in config order; then the selected ones by
    name), what was left out and why, and the warnings about them all."""

    repositories: tuple[RepositoryConfig, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (repository, why)
    warnings: tuple[str, ...] = ()
    listed: int = 0  # repositories in the organization's listing
    requests: int = 0  # requests the listing took


def _selected(rule: SelectRule, repository: OrgRepository) -> RepositoryConfig | str:
    """The config of a repository `rule` chose; a string saying why it cannot be baselined."""
    settings = rule.settings
    kept: dict[str, Any] = {
        key: _listed(repository, key)
        for key in PRESERVED_SETTINGS
        if f"settings.{key}" not in rule.explicit
    }
    settings = replace(settings, **kept) if kept else settings
    pipeline = rule.pipeline
    options = pipeline.options
    if "pipeline.default_branch" not in rule.explicit:
        options = replace(options, default_branch=repository.default_branch)
    if not branch_matches(options.pr_branches, options.default_branch):
        if "pipeline.pr_branches" in rule.explicit:
            return (
                f"its default branch {json.dumps(options.default_branch)} matches none of "
                f"pipeline.pr_branches {json.dumps(list(options.pr_branches))} of rule "
                f"{json.dumps(rule.name)} (the required checks would never be reported)"
            )
        # The built-in triggers name "main": a repository on another default branch gets its own.
        others = tuple(p for p in options.pr_branches if p != "main")
        options = replace(options, pr_branches=(options.default_branch, *others))
    return RepositoryConfig(
        name=repository.name,
        adopt=True,
        description=repository.description,
        selected_by=rule.name,
        pipeline=replace(pipeline, options=options),
        protection=rule.protection,
        settings=settings,
    )


def _listed(repository: OrgRepository, key: str) -> object:
    if key == "homepage":
        return repository.homepage or ""
    value = getattr(repository, key)
    assert isinstance(value, type(getattr(RepositorySettings(), key)))
    return value


def resolve(settings: StackSettings, inventory: Inventory | None) -> Resolution:
    """The repositories of the stack; `inventory` is needed exactly when `select` is set."""
    entries = [repo for repo in settings.repositories if in_shard(repo.name, settings.shard)]
    if settings.selection is None:
        return Resolution(tuple(entries), warnings=warnings_for(entries))
    if inventory is None:
        raise ValueError("select rules need the organization's listing")
    listed = {repository.name.lower() for repository in inventory.repositories}
    listed_names = {entry.name.lower() for entry in settings.repositories}
    extra: list[str] = [
        f"{entry.name}: an entry of repositories without adopt: true, but the organization "
        "already has this repository; creating it would fail. Set adopt: true."
        for entry in entries
        if not entry.adopt and entry.name.lower() in listed
    ]
    selected: list[RepositoryConfig] = []
    skipped: list[tuple[str, str]] = []
    for repository in sorted(inventory.repositories, key=lambda r: r.name.lower()):
        if (
            repository.name.lower() in listed_names
            or not _eligible(settings.selection, repository)
            or not in_shard(repository.name, settings.shard)
        ):
            continue
        rule = next((r for r in settings.selection.rules if rule_matches(r, repository)), None)
        if rule is None:
            continue
        config = _selected(rule, repository)
        if isinstance(config, str):
            skipped.append((repository.name, config))
        else:
            selected.append(config)
    extra.extend(f"{name}: not baselined: {why}" for name, why in skipped)
    repositories = (*entries, *selected)
    return Resolution(
        repositories,
        skipped=tuple(skipped),
        warnings=(*warnings_for(repositories), *extra),
        listed=len(inventory.repositories),
        requests=inventory.requests,
    )
