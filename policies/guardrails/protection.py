"""What a protection resource (a Repository- or OrganizationRuleset, or a BranchProtectionV3)
requires, read uniformly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .inputs import as_int, as_list, as_mapping, as_str, value_at
from .resources import BRANCH_PROTECTION_V3, RULESET_TYPES, StackResource
from .ruleset_patterns import pattern_matches

# `conditions.refName` tokens (GitHub's REST API description, ruleset conditions for ref names).
ALL_BRANCHES = "~ALL"
DEFAULT_BRANCH_TOKEN = "~DEFAULT_BRANCH"


@dataclass(frozen=True)
class RequiredCheck:
    """One required status check: its name and the app pinned to report it (None: any app)."""

    context: str
    integration_id: int | None


def parse_classic_check(entry: str) -> RequiredCheck:
    """A BranchProtectionV3 `checks` entry, `CONTEXT:APP_ID` (the app id is optional)."""
    context, separator, app_id = entry.rpartition(":")
    if separator and context and app_id.isdigit():
        return RequiredCheck(context, int(app_id))
    return RequiredCheck(entry, None)


def required_checks(resource: StackResource) -> list[RequiredCheck]:
    """The checks a protection requires; [] when it requires none (or is another type)."""
    props = resource.props
    checks: list[RequiredCheck] = []
    if resource.resource_type in RULESET_TYPES:
        for item in as_list(value_at(props, "rules", "requiredStatusChecks", "requiredChecks")):
            context = as_str(value_at(item, "context"))
            if context:
                checks.append(RequiredCheck(context, as_int(value_at(item, "integrationId"))))
    elif resource.resource_type == BRANCH_PROTECTION_V3:
        status_checks = value_at(props, "requiredStatusChecks")
        for entry in as_list(value_at(status_checks, "checks")):
            if isinstance(entry, str) and entry:
                checks.append(parse_classic_check(entry))
        # `contexts` is the deprecated, unpinned form: the checks count, with no app.
        for entry in as_list(value_at(status_checks, "contexts")):
            if isinstance(entry, str) and entry:
                checks.append(RequiredCheck(entry, None))
    return checks


def required_workflows(resource: StackResource) -> list[str]:
    """The workflows an organization ruleset requires to pass (`rules.requiredWorkflows`, the
    `workflows` rule: central delivery), each as its path; [] for anything else."""
    if resource.resource_type not in RULESET_TYPES:
        return []
    workflows = value_at(resource.props, "rules", "requiredWorkflows", "requiredWorkflows")
    return [
        path for item in as_list(workflows) if (path := as_str(value_at(item, "path"))) is not None
    ]


def is_branch_ruleset(props: Mapping[str, Any]) -> bool:
    """A ruleset for branches; one without a `target` is read as one (so it gets checked)."""
    target = value_at(props, "target")
    return target is None or target == "branch"


def ref_pattern_matches(pattern: str, branch: str, default_branch: str) -> bool:
    """Whether one `refName` pattern selects `branch`: `~ALL`, `~DEFAULT_BRANCH`, or a pattern
    matched against the full ref `refs/heads/<branch>` (GitHub refuses a bare branch name:
    "Invalid target patterns"); the cases: tests/github_facts/ruleset_targets.py."""
    if pattern == ALL_BRANCHES:
        return True
    if pattern == DEFAULT_BRANCH_TOKEN:
        return branch == default_branch
    return pattern_matches(pattern, f"refs/heads/{branch}")


def ref_name_targets(
    includes: Iterable[str], excludes: Iterable[str], branch: str, default_branch: str
) -> bool:
    """Whether a `refName` condition selects `branch`: one include matches and no exclude does."""
    return any(ref_pattern_matches(p, branch, default_branch) for p in includes) and not any(
        ref_pattern_matches(p, branch, default_branch) for p in excludes
    )


def ruleset_covers_default_branch(props: Mapping[str, Any], default_branch: str) -> bool:
    """Whether `conditions.refName` includes the default branch and does not exclude it."""
    ref_name = as_mapping(value_at(props, "conditions", "refName"))
    if ref_name is None:
        return False
    includes = [p for p in as_list(value_at(ref_name, "includes")) if isinstance(p, str)]
    excludes = [p for p in as_list(value_at(ref_name, "excludes")) if isinstance(p, str)]
    return ref_name_targets(includes, excludes, default_branch, default_branch)


def protected_branch(resource: StackResource, default_branch: str) -> str:
    """The branch whose pull requests a protection guards: a V3's `branch`, else the default."""
    if resource.resource_type == BRANCH_PROTECTION_V3:
        return as_str(value_at(resource.props, "branch")) or default_branch
    return default_branch


def label(resource: StackResource) -> str:
    """How messages name a resource: its type's short name and its Pulumi name."""
    return f"{resource.resource_type.rsplit(':', 1)[-1]} '{resource.name}'"
