"""A synthetic organisation's stack config, for any number of repositories.

The mix is what an organisation rolling this out would have: mostly repositories on the defaults,
some testing on several Python versions, some still on classic branch protection, some adopted
(imported) with the workflow at their root, and a few stricter services. That is a handful of
distinct pipeline option sets, each shared by many repositories.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Profile:
    """A kind of repository: the `repositories[]` entry it gets, apart from its name."""

    prefix: str
    entry: Mapping[str, Any]


DEFAULT = Profile("svc", {})
PYTHON_MATRIX = Profile("lib", {"pipeline": {"python_versions": ["3.11", "3.12", "3.13"]}})
# Classic protection has no app bypass, so these opt out of the defaults' bypass_actors.
CLASSIC = Profile(
    "legacy",
    {"protection": {"kind": "classic", "required_approvals": 2, "bypass_actors": []}},
)
ADOPTED = Profile(
    "app",
    {
        "adopt": True,
        "description": "Adopted by repo-baseline",
        "pipeline": {"working_directory": "."},
    },
)
STRICT = Profile(
    "core",
    {
        "pipeline": {"working_directory": "src", "coverage_threshold": 90},
        "protection": {"required_approvals": 2, "require_code_owner_reviews": True},
        "settings": {"allow_auto_merge": True},
    },
)

# Every 20 repositories: 11 default, 3 Python matrix, 2 classic, 3 adopted, 1 strict. The first
# ten already hold every profile, so the smallest stack exercises every code path.
PATTERN: tuple[Profile, ...] = (
    *(DEFAULT, DEFAULT, PYTHON_MATRIX, DEFAULT, CLASSIC),
    *(DEFAULT, ADOPTED, DEFAULT, PYTHON_MATRIX, STRICT),
    *(DEFAULT, DEFAULT, PYTHON_MATRIX, DEFAULT, CLASSIC),
    *(DEFAULT, ADOPTED, DEFAULT, ADOPTED, DEFAULT),
)

OWNER = "bench-org"
# What an organisation sets once: a GitHub App that may commit the workflow file past the ruleset
# (so rulesets log no per-repository warning), private repositories.
DEFAULTS: Mapping[str, Any] = {
    "protection": {"required_approvals": 1, "bypass_actors": [{"app_id": 123456}]},
    "settings": {"visibility": "private"},
}


def repositories(count: int) -> list[dict[str, Any]]:
    """`count` entries of `repo-baseline:repositories`, the profiles repeating in PATTERN."""
    entries = []
    for index in range(count):
        profile = PATTERN[index % len(PATTERN)]
        entries.append({"name": f"{profile.prefix}-{index:04d}", **profile.entry})
    return entries


def stack_config(count: int) -> dict[str, Any]:
    """The `config:` mapping of a stack with `count` repositories."""
    return {
        "github:owner": OWNER,
        "repo-baseline:defaults": DEFAULTS,
        "repo-baseline:repositories": repositories(count),
    }


def inventory(count: int) -> dict[str, Any]:
    """The organisation's listing as `repo-baseline inventory --workflows` saves it: the
    repositories the stack adopts, as they are today (what adoption keeps and decides from)."""
    adopted = [entry for entry in repositories(count) if entry.get("adopt")]
    return {
        "format": "repo-baseline inventory 1",
        "organization": OWNER,
        "repositories": [
            {
                "name": entry["name"],
                "visibility": "private",
                "default_branch": "main",
                "description": entry["description"],
                "workflows": [],
            }
            for entry in adopted
        ],
    }


def distinct_pipelines(config: Mapping[str, Any]) -> int:
    """How many distinct pipeline option sets the stack's repositories use.

    Counted from the config alone (no project code): `DEFAULTS` sets no pipeline key and no two
    profiles spell the same options differently, so distinct entries are distinct option sets.
    """
    entries = config["repo-baseline:repositories"]
    return len({json.dumps(entry.get("pipeline", {}), sort_keys=True) for entry in entries})


# Organization mode (issue 16): the organisation's repositories chosen by a topic, protected by
# one organization ruleset that requires the pipeline's gate.
SELECTED_TOPIC = "django"
SELECTED_DEFAULTS: Mapping[str, Any] = {
    "pipeline": {"gate": True},
    "protection": {"scope": "organization", "bypass_actors": [{"app_id": 123456}]},
    "settings": {"sha_pinning_required": False},
}


# Central delivery (issue 26): the same stack, its pipeline kept once in CENTRAL_REPOSITORY, which
# the organization ruleset's workflows rule requires; nothing committed to the repositories.
CENTRAL_REPOSITORY = "baseline-ci"
CENTRAL_DEFAULTS: Mapping[str, Any] = {
    **SELECTED_DEFAULTS,
    "pipeline": {
        "gate": True,
        "delivery": "central",
        "central_repository": CENTRAL_REPOSITORY,
    },
}


def selected_names(count: int) -> list[str]:
    return [f"svc-{index:04d}" for index in range(count)]


def selected_stack_config(*, central: bool = False) -> dict[str, Any]:
    """A stack that selects every repository with the topic, in organization mode with the gate
    (the repositories themselves come from the organisation's listing); with `central`, its
    pipeline delivered from CENTRAL_REPOSITORY."""
    return {
        "github:owner": OWNER,
        "repo-baseline:defaults": CENTRAL_DEFAULTS if central else SELECTED_DEFAULTS,
        "repo-baseline:select": {"rules": [{"name": "backends", "topics": [SELECTED_TOPIC]}]},
    }
