"""The GitHub double against the shared facts (tests/github_facts): which branches a ruleset
applies to and which repositories an organization ruleset targets, decided on the double's
state directly (no HTTP; the org tests cover the same decisions over the API).

Not run here, with why: `branch_filters` and `pull_request_jobs` (the double runs no workflows:
a test reports the check runs itself), `check_names` (likewise).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import pytest

from testing.github_double.models import GitHubBackend, Ruleset, User
from tests.github_facts.ruleset_targets import (
    REF_CASES,
    REPOSITORY_CASES,
    RefCase,
    RepositoryCase,
)

MOMENT = datetime(2025, 1, 1, tzinfo=UTC)


def ruleset(
    conditions: Mapping[str, Any],
    source_type: Literal["Repository", "Organization"] = "Repository",
) -> Ruleset:
    """An active branch ruleset with these conditions."""
    return Ruleset(
        id=1,
        name="facts",
        target="branch",
        enforcement="active",
        bypass_actors=[],
        conditions=dict(conditions),
        rules=[],
        created_at=MOMENT,
        updated_at=MOMENT,
        source_type=source_type,
    )


@pytest.mark.parametrize("case", REF_CASES, ids=lambda c: f"{c.include}-{c.exclude}-{c.branch}")
def test_a_ruleset_applies_to_the_branches_github_documents(case: RefCase) -> None:
    ref_name = {"include": list(case.include), "exclude": list(case.exclude)}
    applies = ruleset({"ref_name": ref_name}).applies_to(case.branch, case.default_branch)
    assert applies is case.targeted


@pytest.mark.parametrize(
    "case", REPOSITORY_CASES, ids=lambda c: f"{c.include}-{c.exclude}-{c.repository}"
)
def test_an_organization_ruleset_targets_the_repositories_github_documents(
    case: RepositoryCase,
) -> None:
    backend = GitHubBackend("example-org", clock=lambda: MOMENT)
    repo = backend.create_repository(User("octo"), {"name": case.repository})
    conditions = {
        "ref_name": {"include": ["~ALL"], "exclude": []},
        "repository_name": {"include": list(case.include), "exclude": list(case.exclude)},
    }
    assert backend.targets(ruleset(conditions, "Organization"), repo) is case.targeted
