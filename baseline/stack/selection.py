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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from baseline.stack.inventory import Inventory, OrgRepository
from baseline.stack.removals import created
from baseline.stack.settings import (
    KEPT_UNLESS_EXPLICIT,
    KEPT_UNLESS_OWN,
    LiveChange,
    RepositoryConfig,
    Selection,
    SelectRule,
    Shard,
    StackSettings,
)
from baseline.stack.validation import repositories_named, warnings_for
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


class ListingError(Exception):
    """The listing cannot be used for this stack (another organization's)."""


def check_organization(listing: Inventory, owner: str) -> None:
    """Refuse a listing of another organization than `github:owner` (GitHub compares owner
    names ignoring case); a raw list of repositories names none, and is taken as it is."""
    if listing.organization and listing.organization.lower() != owner.lower():
        raise ListingError(
            f"{listing.source} lists the repositories of {json.dumps(listing.organization)}, "
            f"but github:owner is {json.dumps(owner)}: save the listing of {owner} "
            f"(`repo-baseline inventory --owner {owner}`)"
        )


class EmptyRuleError(Exception):
    """A `select` rule matches none of the organization's repositories: the run stops."""


def _empty_rules(selection: Selection, inventory: Inventory) -> list[str]:
    """Why each rule (not `allow_empty`) that matches no eligible repository of the listing is
    refused. Counted before the shard and before earlier rules take their repositories, so every
    shard of a stack agrees."""
    eligible = [r for r in inventory.repositories if _eligible(selection, r)]
    problems = []
    for index, rule in enumerate(selection.rules):
        if rule.allow_empty or any(rule_matches(rule, r) for r in eligible):
            continue
        conditions = {
            "names": list(rule.names),
            "topics": list(rule.topics),
            "properties": {name: list(values) for name, values in rule.properties},
            "visibility": list(rule.visibility),
        }
        shown = ", ".join(f"{key} {json.dumps(v)}" for key, v in conditions.items() if v)
        problems.append(
            f"select.rules[{index}] ({json.dumps(rule.name)}, {shown or 'no conditions'}) "
            f"matches none of the {len(inventory.repositories):,} repositories listed from "
            f"{inventory.source} ({len(eligible):,} of them neither archived, forks nor excluded)"
        )
    return problems


@dataclass(frozen=True)
class Resolution:
    """The stack's repositories (entries first, in config order; then the selected ones by
    name), what was left out and why, and the warnings about them all."""

    repositories: tuple[RepositoryConfig, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (repository, why)
    warnings: tuple[str, ...] = ()
    in_listing: int = 0  # how many repositories the organization's listing has
    requests: int = 0  # requests the listing took
    gone: tuple[str, ...] = ()  # entries whose repository the organization no longer has
    listing_names: frozenset[str] = frozenset()  # the listing's repositories, lower-cased


def _selected(rule: SelectRule, repository: OrgRepository) -> RepositoryConfig | str:
    """The config of a repository `rule` chose; a string saying why it cannot be baselined."""
    config = RepositoryConfig(
        name=repository.name,
        adopt=True,
        selected_by=rule.name,
        pipeline=rule.pipeline,
        protection=rule.protection,
        settings=rule.settings,
        explicit=rule.explicit,
        own=rule.own,
    )
    return _existing(config, repository, f"rule {json.dumps(rule.name)}")


def _existing(
    config: RepositoryConfig, repository: OrgRepository, source: str
) -> RepositoryConfig | str:
    """The config of a repository that exists (`source` set it: a rule, an entry), on its own
    default branch unless the config names one; a string saying why it cannot be baselined."""
    pipeline = config.pipeline
    options = pipeline.options
    if "pipeline.default_branch" not in config.explicit:
        options = replace(options, default_branch=repository.default_branch)
    if not branch_matches(options.pr_branches, options.default_branch):
        if "pipeline.pr_branches" in config.explicit:
            return (
                f"its default branch {json.dumps(options.default_branch)} matches none of "
                f"pipeline.pr_branches {json.dumps(list(options.pr_branches))} of {source} "
                "(the required checks would never be reported)"
            )
        # The built-in triggers name "main": a repository on another default branch gets its own.
        others = tuple(p for p in options.pr_branches if p != "main")
        options = replace(options, pr_branches=(options.default_branch, *others))
    return adopted(replace(config, pipeline=replace(pipeline, options=options)), repository)


def _live(repository: OrgRepository, key: str) -> object:
    """The value GitHub's listing has for a config key (`settings.has_wiki`, `description`)."""
    name = key.removeprefix("settings.")
    if name == "homepage":
        return repository.homepage or ""
    return getattr(repository, name)


def _current(config: RepositoryConfig, key: str) -> object:
    if key == "description":
        return config.description
    return getattr(config.settings, key.removeprefix("settings."))


TOPICS = "settings.topics"


def adopted(config: RepositoryConfig, repository: OrgRepository) -> RepositoryConfig:
    """An existing repository's config: what it keeps from GitHub (`KEPT_UNLESS_OWN` unless its
    entry or rule sets them, `KEPT_UNLESS_EXPLICIT` unless `defaults` does too) taken from the
    listing, and every other value the listing shows that the run will change."""
    decided = {key: config.own for key in KEPT_UNLESS_OWN}
    decided.update({key: config.explicit for key in KEPT_UNLESS_EXPLICIT})
    values: dict[str, Any] = {
        # Topics are kept by not sending them (the provider's attribute is computed).
        key.removeprefix("settings."): None if key == TOPICS else _live(repository, key)
        for key, chosen in decided.items()
        if key not in chosen
    }
    description = values.pop("description", config.description)
    kept = replace(
        config,
        description=cast("str | None", description),
        settings=replace(config.settings, **values),
    )
    changes = []
    if config.name != repository.name:
        # The entry names it in another case: the repository is renamed to it, and an
        # organization ruleset targets names case-sensitively (tests/github_facts).
        changes.append(LiveChange("name", repository.name, config.name))
    for key in decided:
        new, old = _current(kept, key), _live(repository, key)
        # Topics unset are not managed; a description of neither is no change.
        if new is not None and new != old and (new or old):
            changes.append(LiveChange(key, old, new))
    return replace(kept, live_changes=tuple(changes))


# The output that keeps a repository adopted once a run adopted it (`resolve`).
ADOPTED = "adopted"


def gone_message(names: Sequence[str], organization: str) -> str:
    """The warning about repositories this stack baselined that the organization no longer has."""
    it, one = _it(names), len(names) == 1
    return (
        f"{repositories_named(names)}: the stack baselined {it}, and {organization} no longer "
        f"has {it} (deleted, transferred or renamed by hand): not created again (an empty "
        f"repository would take {'its' if one else 'their'} name). Restore {it} (GitHub keeps "
        f"a deleted repository 90 days) and a later run adopts {it}, or remove "
        f"{'its entry' if one else 'their entries'}. `repo-baseline heal --apply` (the deploy "
        "job runs it) forgets what the stack's state kept (docs/operations.md, \"When a run "
        'dies or a repository disappears")'
    )


def _it(names: Sequence[str]) -> str:
    return "it" if len(names) == 1 else "them"


def needs_listing(settings: StackSettings) -> bool:
    """Whether the stack needs the organization's listing: rules choose from it, and an adopted
    repository keeps (and the plan shows) what GitHub has."""
    return settings.selection is not None or any(repo.adopt for repo in settings.repositories)


def resolve(
    settings: StackSettings,
    inventory: Inventory | None,
    known: Mapping[str, Mapping[str, object]] | None = None,
    gone_before: Collection[str] = (),
) -> Resolution:
    """The repositories of the stack; `inventory` is needed when `needs_listing`, and used
    whenever it is given. `known`: the last `up`'s output of each repository it baselined, by
    lower-cased name (`removals.last_outputs`); with the listing they decide what healing needs:

    - an entry the organization has that the last run did not baseline is adopted (imported),
      not created: made by hand, or by a run that did not finish (killed, or its answer lost),
      creating it again would fail (422 "name already exists on this account"). It stays
      adopted on later runs (its output says `adopted`), as if its entry said `adopt: true`.
    - an entry the last run named but did not find listed (`removals.created`: it created it,
      or its create failed after GitHub made it, in a run that went on) is imported by name
      (`reimport`): no change if the state has it, no 422 if it does not.
    - a repository the last run baselined (or found gone: `gone_before`, lower-cased names)
      that the organization no longer has is gone: never created again; an entry stays in
      `Resolution.gone` (its output says `gone`) until its repository is back (then adopted)
      or the entry is removed."""
    entries = [repo for repo in settings.repositories if in_shard(repo.name, settings.shard)]
    if inventory is None:
        if needs_listing(settings):
            raise ValueError(
                "select rules and adopted repositories need the organization's listing"
            )
        return Resolution(tuple(entries), warnings=warnings_for(entries))
    if settings.selection is not None:
        empty = _empty_rules(settings.selection, inventory)
        if empty:
            raise EmptyRuleError(
                "; ".join(empty)
                + ". Nothing was changed: a rule that matches nothing would take the baseline "
                "away from every repository it chose before (a typo such as topics: [djnago], "
                "or topics edited in bulk). Fix the rule, or set allow_empty: true on a rule "
                "meant to match nothing for now."
            )
    live = {repository.name.lower(): repository for repository in inventory.repositories}
    organization = inventory.organization or "the organization"
    extra: list[str] = []
    skipped: list[tuple[str, str]] = []
    from_entries: list[RepositoryConfig] = []
    unbaselined: list[str] = []  # entries the organization has, new to the stack
    gone: list[str] = []
    for index, entry in enumerate(settings.repositories):
        if not in_shard(entry.name, settings.shard):
            continue
        repository = live.get(entry.name.lower())
        last = (known or {}).get(entry.name.lower())
        if repository is None and (
            (last is not None and created(last)) or entry.name.lower() in gone_before
        ):
            gone.append(entry.name)
            continue
        if last is not None and last.get(ADOPTED) is True:
            entry = replace(entry, adopt=True)
        if not entry.adopt and repository is not None and last is not None and not created(last):
            from_entries.append(replace(entry, reimport=True))
            continue
        if not entry.adopt and (repository is None or last is not None):
            from_entries.append(entry)
            continue
        if not entry.adopt:
            unbaselined.append(entry.name)
            entry = replace(entry, adopt=True)
        config = (
            _existing(entry, repository, f"repositories[{index}]")
            if repository is not None
            else (
                f"adopt: true, but {organization} has no repository of that name ("
                f"{len(inventory.repositories):,} listed): create it, or drop adopt to have the "
                "stack create it"
            )
        )
        if isinstance(config, str):
            skipped.append((entry.name, config))
        else:
            from_entries.append(config)
    selected: list[RepositoryConfig] = []
    taken = {entry.name.lower() for entry in settings.repositories}
    for repository in sorted(inventory.repositories, key=lambda r: r.name.lower()):
        if (
            settings.selection is None
            or repository.name.lower() in taken
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
    # Chosen by a rule before, and listed no more: dropped as any repository a rule leaves.
    vanished = sorted(
        name
        for name, last in (known or {}).items()
        if name not in live
        and name not in taken
        and created(last)
        and in_shard(name, settings.shard)
    )
    if gone or vanished:
        extra.append(gone_message([*gone, *vanished], organization))
    if unbaselined:
        extra.append(
            f"{repositories_named(unbaselined)}: {organization} already has "
            f"{_it(unbaselined)}, but the stack's last run did not baseline {_it(unbaselined)} "
            "(made by hand, or by a run that did not finish): adopted (imported), not created; "
            "what changes is listed as for adopt: true"
        )
    repositories = (*from_entries, *selected)
    return Resolution(
        repositories,
        skipped=tuple(skipped),
        warnings=(*warnings_for(repositories), *extra),
        in_listing=len(inventory.repositories),
        requests=inventory.requests,
        gone=tuple(gone),
        listing_names=frozenset(live),
    )
