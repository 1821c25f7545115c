"""The protection policies on a pipeline delivered by pull request (`pipeline.delivery`): while
it waits in its pull request the repository has no protection from the baseline, or keeps the
one it had, and neither is a violation; without the pull request it is."""

from __future__ import annotations

from typing import Any

from baseline.plan import mock_engine
from baseline.plan.offline import resource_json
from baseline.resources import program
from baseline.resources.resource_types import PULL_REQUEST
from baseline.stack.selection import resolve
from baseline.stack.validation import parse_settings
from policies.guardrails import every_repository_protected, required_checks_match_pipeline
from tests.policies.helpers import stack_violations

ENTRY = {"name": "billing", "pipeline": {"delivery": "pull_request"}}


def planned(previous: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    resolution = resolve(parse_settings(None, [ENTRY]), None)
    record = mock_engine.run(
        {"github:owner": "example-org"},
        program=lambda: program.deploy(resolution, previous),
    )
    return [resource_json(r) for r in record.resources]


def test_a_pipeline_waiting_in_its_pull_request_needs_no_protection_yet() -> None:
    resources = planned()
    for policy in (every_repository_protected, required_checks_match_pipeline):
        assert stack_violations(policy, resources) == []
    # The pull request is what makes it pending: without it, an unprotected repository.
    alone = [r for r in resources if r["type"] != PULL_REQUEST]
    (message,) = stack_violations(every_repository_protected, alone)
    assert "repository 'billing' has no active branch ruleset" in message


def test_the_protection_it_had_is_not_compared_with_the_proposed_pipeline() -> None:
    previous = {"billing": {"protection_kind": "ruleset", "required_checks": ["Old Check"]}}
    resources = planned(previous)
    for policy in (every_repository_protected, required_checks_match_pipeline):
        assert stack_violations(policy, resources) == []
    # Once merged, the file is on the default branch and the comparison is back.
    alone = [r for r in resources if r["type"] != PULL_REQUEST]
    (message,) = stack_violations(required_checks_match_pipeline, alone)
    assert "required but not reported on every pull request: ['Old Check']" in message
