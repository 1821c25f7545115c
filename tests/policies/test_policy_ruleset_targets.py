"""The pack's reading of a ruleset's conditions against the shared facts
(tests/github_facts/ruleset_targets.py): the branches `refName` selects, the repositories
`repositoryName` selects."""

from __future__ import annotations

import pytest

from policies.guardrails.protection import ref_name_targets, ruleset_covers_default_branch
from policies.guardrails.targeting import RepositoryIndex, ruleset_targets
from tests.github_facts.ruleset_targets import (
    REF_CASES,
    REPOSITORY_CASES,
    RefCase,
    RepositoryCase,
)


@pytest.mark.parametrize("case", REF_CASES, ids=lambda c: f"{c.include}-{c.exclude}-{c.branch}")
def test_ref_name_selects_the_branches_github_documents(case: RefCase) -> None:
    targeted = ref_name_targets(case.include, case.exclude, case.branch, case.default_branch)
    assert targeted is case.targeted


DEFAULT_BRANCH_CASES = [case for case in REF_CASES if case.branch == case.default_branch]


@pytest.mark.parametrize(
    "case", DEFAULT_BRANCH_CASES, ids=lambda c: f"{c.include}-{c.exclude}-{c.branch}"
)
def test_a_ruleset_covers_the_default_branch_as_github_documents(case: RefCase) -> None:
    props = {"conditions": {"refName": {"includes": case.include, "excludes": case.exclude}}}
    assert ruleset_covers_default_branch(props, case.default_branch) is case.targeted


@pytest.mark.parametrize(
    "case", REPOSITORY_CASES, ids=lambda c: f"{c.include}-{c.exclude}-{c.repository}"
)
def test_repository_name_selects_the_repositories_github_documents(case: RepositoryCase) -> None:
    condition = {"includes": list(case.include), "excludes": list(case.exclude)}
    props = {"conditions": {"repositoryName": condition}}
    # With a second repository, so that a wildcard is tried against more than one name.
    index = RepositoryIndex(frozenset({case.repository, "unrelated"}))
    targets = ruleset_targets(props, index)
    assert (case.repository in targets.names) is case.targeted
    assert targets.undecided == frozenset()
