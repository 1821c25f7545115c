"""Which repositories of the stack an organization ruleset applies to, read from its conditions.

An `OrganizationRuleset` names no repository: its `conditions` select them, and GitHub ANDs the
conditions it has (besides `refName`, which selects branches):

- `repositoryName`: one `includes` pattern matches and no `excludes` pattern does; patterns are
  Ruby's `File.fnmatch` with `File::FNM_PATHNAME` only, so case-sensitive, and a wildcard does
  not match a leading `.` (GitHub docs, "Creating rulesets for repositories in your
  organization", "Using fnmatch syntax"; `ruleset_patterns`); a repository name has no `/`, so
  `*` is any run of characters, `?` one, `[..]` a set; `~ALL` is every repository;
- `repositoryProperty`: every `includes` entry `{name, propertyValues}` matches the repository's
  custom property of that name (one of its values is listed) and no `excludes` entry does;
  the values are read from the stack's `RepositoryCustomProperty` resources, so a repository
  without that property in the stack is not targeted;
- `repositoryIds`: the repository's `repoId` is listed.

What a preview cannot know (a `repoId` not assigned yet, a property value that is an output, a
`system` property) makes the answer undecided for that repository, never a guess: the policies
skip an undecided repository instead of reporting a violation that may be false.

At scale a ruleset lists a thousand names: names without wildcards are looked up in a set, the
wildcard patterns of one list are compiled into one regular expression, and properties and ids
are indexed once per run, so deciding costs no more than one match per repository and ruleset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .inputs import UnknownValueError, as_int, as_list, as_mapping, as_str, value_at
from .ruleset_patterns import translate

ALL_REPOSITORIES = "~ALL"
# The property source GitHub reads when a condition names none; `system` properties (such as
# a repository's visibility) are not in the stack, so they are undecided.
CUSTOM_SOURCE = "custom"
# A pattern without these is its name, compared as is (no quoting character, no leading-period
# rule for a name it equals, case-sensitive).
_WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class Targets:
    """The repositories a ruleset applies to, and those a preview cannot decide."""

    names: frozenset[str]
    undecided: frozenset[str] = frozenset()


@dataclass
class RepositoryIndex:
    """What targeting reads of the stack's repositories, indexed once per run."""

    names: frozenset[str]
    # repoId -> repository name, for repositories whose id is known.
    by_id: dict[int, str] = field(default_factory=dict)
    unknown_ids: set[str] = field(default_factory=set)
    # (property name, value) -> repositories with that value.
    by_property: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # property name -> repositories whose value of it is not known during preview.
    unknown_properties: dict[str, set[str]] = field(default_factory=dict)
    # Repositories with a property whose name is not known: any property may be theirs.
    unknown_any_property: set[str] = field(default_factory=set)

    def add_repo_id(self, name: str, props: Mapping[str, Any]) -> None:
        """Record a Repository's `repoId` (an output: unknown until GitHub creates it)."""
        try:
            repo_id = as_int(value_at(props, "repoId"))
        except UnknownValueError:
            repo_id = None
        if repo_id is None:
            self.unknown_ids.add(name)
        else:
            self.by_id[repo_id] = name

    def add_custom_property(self, name: str, props: Mapping[str, Any]) -> None:
        """Record a RepositoryCustomProperty: `propertyName` and its `propertyValues`."""
        try:
            property_name = as_str(value_at(props, "propertyName"))
        except UnknownValueError:
            self.unknown_any_property.add(name)
            return
        if property_name is None:
            return
        try:
            values = as_list(value_at(props, "propertyValues"))
        except UnknownValueError:
            self.unknown_properties.setdefault(property_name, set()).add(name)
            return
        for value in values:
            if isinstance(value, str):
                self.by_property.setdefault((property_name, value), set()).add(name)


def _name_matcher(patterns: Iterable[str], names: frozenset[str]) -> frozenset[str]:
    """The names that one of `patterns` matches: literal names by lookup, wildcards by one
    compiled expression tried once per name."""
    literals: set[str] = set()
    wildcards: list[str] = []
    for pattern in patterns:
        if pattern == ALL_REPOSITORIES:
            return names
        if _WILDCARDS.isdisjoint(pattern):
            literals.add(pattern)
        else:
            wildcards.append(pattern)
    matched = set(literals & names)
    # A pattern GitHub cannot read as a set (`[^...]`) matches nothing (`ruleset_patterns`).
    sources = [source for source in map(translate, wildcards) if source is not None]
    if sources:
        expression = re.compile("|".join(f"(?:{source})" for source in sources))
        matched.update(name for name in names if expression.match(name))
    return frozenset(matched)


def _strings(value: Any) -> list[str]:
    return [item for item in as_list(value) if isinstance(item, str)]


def _by_name(condition: Mapping[str, Any], index: RepositoryIndex) -> Targets:
    included = _name_matcher(_strings(value_at(condition, "includes")), index.names)
    excluded = _name_matcher(_strings(value_at(condition, "excludes")), included)
    return Targets(included - excluded)


def _property_matches(entry: Any, index: RepositoryIndex) -> Targets:
    """The repositories one `{name, propertyValues, source}` entry matches."""
    name = as_str(value_at(entry, "name"))
    source = as_str(value_at(entry, "source")) or CUSTOM_SOURCE
    if name is None:
        return Targets(frozenset())
    if source != CUSTOM_SOURCE:
        return Targets(frozenset(), index.names)
    matched: set[str] = set()
    for value in _strings(value_at(entry, "propertyValues")):
        matched.update(index.by_property.get((name, value), ()))
    undecided = index.unknown_properties.get(name, set()) | index.unknown_any_property
    return Targets(frozenset(matched), frozenset(undecided - matched))


def _by_property(condition: Mapping[str, Any], index: RepositoryIndex) -> Targets:
    # Every include must match (GitHub ANDs them); any exclude that matches excludes.
    included = Targets(index.names)
    for entry in as_list(value_at(condition, "includes")):
        included = _both(included, _property_matches(entry, index))
    names, undecided = set(included.names), set(included.undecided)
    for entry in as_list(value_at(condition, "excludes")):
        excluded = _property_matches(entry, index)
        names -= excluded.names
        undecided -= excluded.names
        undecided |= names & excluded.undecided
        names -= excluded.undecided
    return Targets(frozenset(names), frozenset(undecided))


def _by_id(ids: list[Any], index: RepositoryIndex) -> Targets:
    names: set[str] = set()
    unmatched = False
    for item in ids:
        repo_id = as_int(item)
        if repo_id in index.by_id:
            names.add(index.by_id[repo_id])
        else:
            unmatched = True
    # Ids are unique: only an id no known repository has can be a repository not created yet.
    undecided = index.unknown_ids - names if unmatched else set()
    return Targets(frozenset(names), frozenset(undecided))


def _both(first: Targets, second: Targets) -> Targets:
    """Both conditions hold: decided where both are, undecided where neither fails."""
    names = first.names & second.names
    possible = (first.names | first.undecided) & (second.names | second.undecided)
    return Targets(names, possible - names)


def ruleset_targets(props: Mapping[str, Any], index: RepositoryIndex) -> Targets:
    """The stack's repositories an OrganizationRuleset applies to.

    A value unknown during preview anywhere in the conditions leaves every repository undecided.
    A ruleset with no repository condition targets none (the provider refuses it).
    """
    try:
        conditions = as_mapping(value_at(props, "conditions"))
        if conditions is None:
            return Targets(frozenset())
        selected: Targets | None = None
        name_condition = as_mapping(value_at(conditions, "repositoryName"))
        if name_condition is not None:
            selected = _by_name(name_condition, index)
        property_condition = as_mapping(value_at(conditions, "repositoryProperty"))
        # The provider's state holds every condition, unset ones empty (`repositoryIds: []`,
        # `repositoryProperty: null`), as read back after `pulumi up` (found by make e2e).
        if property_condition is not None and (
            as_list(value_at(property_condition, "includes"))
            or as_list(value_at(property_condition, "excludes"))
        ):
            by_property = _by_property(property_condition, index)
            selected = by_property if selected is None else _both(selected, by_property)
        ids = value_at(conditions, "repositoryIds")
        if ids is not None and as_list(ids):
            by_id = _by_id(as_list(ids), index)
            selected = by_id if selected is None else _both(selected, by_id)
    except UnknownValueError:
        return Targets(frozenset(), index.names)
    return selected if selected is not None else Targets(frozenset())
