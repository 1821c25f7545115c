"""The GitHub double and a ruleset's merge queue rule: accepted exactly as GitHub's description
allows it and read back as sent; every other shape refused loudly, never guessed.

Each test gets a fresh double whose teardown fails the test on any violation it did not take.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from testing.github_double import GitHubDouble, pytest_plugin
from testing.github_double.pytest_plugin import ORG
from tests.e2e.test_github_double import (
    APP_ID,
    APP_TOKEN,
    PULL_REQUEST_RULE,
    call,
    create_repo,
    put_file,
)

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

RULESETS = f"/repos/{ORG}/shop/rulesets"
# As terraform-provider-github v6.13.0 sends it (go-github's MergeQueueRuleParameters: all seven,
# none omitted), at the provider's defaults.
MERGE_QUEUE_RULE: dict[str, Any] = {
    "type": "merge_queue",
    "parameters": {
        "check_response_timeout_minutes": 60,
        "grouping_strategy": "ALLGREEN",
        "max_entries_to_build": 5,
        "max_entries_to_merge": 5,
        "merge_method": "MERGE",
        "min_entries_to_merge": 1,
        "min_entries_to_merge_wait_minutes": 5,
    },
}


@pytest.fixture
def gh(github_double: GitHubDouble) -> GitHubDouble:
    github_double.add_app_token(APP_TOKEN, APP_ID, "baseline-bot")
    create_repo(github_double)
    return github_double


def ruleset(rule: Any = MERGE_QUEUE_RULE, target: str = "branch") -> dict[str, Any]:
    ref = "refs/tags/v*" if target == "tag" else "~DEFAULT_BRANCH"
    return {
        "name": "queued",
        "target": target,
        "enforcement": "active",
        "bypass_actors": [
            {"actor_type": "Integration", "actor_id": APP_ID, "bypass_mode": "always"}
        ],
        "conditions": {"ref_name": {"include": [ref], "exclude": []}},
        "rules": [{"type": "deletion"}, PULL_REQUEST_RULE, rule],
    }


def test_the_rule_as_the_provider_sends_it_is_stored_and_read_back_as_sent(
    gh: GitHubDouble,
) -> None:
    created = call(gh, "POST", RULESETS, ruleset())
    assert created.status == 201, created.body
    read = call(gh, "GET", f"{RULESETS}/{created.body['id']}")
    on_main = call(gh, "GET", f"/repos/{ORG}/shop/rules/branches/main")

    assert read.body["rules"][2] == MERGE_QUEUE_RULE
    [queue] = [rule for rule in on_main.body if rule["type"] == "merge_queue"]
    assert queue["parameters"] == MERGE_QUEUE_RULE["parameters"]
    assert queue["ruleset_source_type"] == "Repository"
    [stored] = gh.state()["repositories"]["shop"]["rulesets"]
    assert stored["rules"][2] == MERGE_QUEUE_RULE


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("merge_method", None),  # missing: the description requires all seven
        ("merge_method", "FAST_FORWARD"),
        ("grouping_strategy", "ANYGREEN"),
        ("check_response_timeout_minutes", 0),  # the provider allows 0; the description from 1
        ("max_entries_to_build", 101),
        ("min_entries_to_merge_wait_minutes", 361),
    ],
)
def test_a_rule_the_description_does_not_allow_is_refused_and_nothing_is_stored(
    gh: GitHubDouble, parameter: str, value: object
) -> None:
    rule = copy.deepcopy(MERGE_QUEUE_RULE)
    if value is None:
        del rule["parameters"][parameter]
    else:
        rule["parameters"][parameter] = value
    refused = call(gh, "POST", RULESETS, ruleset(rule))

    assert refused.status == 400, refused.body
    assert "repos/create-repo-ruleset): request: InvalidRequestBody: at rules/2" in refused.message
    assert [v.kind for v in gh.take_violations()] == ["request"]
    assert gh.state()["repositories"]["shop"]["rulesets"] == []


@pytest.mark.parametrize(
    ("rule", "target", "unmodelled"),
    [
        ({"type": "merge_queue"}, "branch", "a merge_queue rule without parameters"),
        (MERGE_QUEUE_RULE, "tag", "a merge_queue rule in a tag ruleset"),
    ],
)
def test_what_the_description_allows_but_github_s_answer_is_unknown_is_refused_loudly(
    gh: GitHubDouble, rule: dict[str, Any], target: str, unmodelled: str
) -> None:
    refused = call(gh, "POST", RULESETS, ruleset(rule, target))

    assert refused.status == 501, refused.body
    assert unmodelled in refused.message
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]
    assert gh.state()["repositories"]["shop"]["rulesets"] == []


def test_an_organization_ruleset_cannot_hold_the_rule(gh: GitHubDouble) -> None:
    body = ruleset()
    body["conditions"]["repository_name"] = {"include": ["shop"], "exclude": []}
    refused = call(gh, "POST", f"/orgs/{ORG}/rulesets", body)

    # GitHub's description of an organization ruleset's rules (`org-rules`) has no merge_queue.
    assert refused.status == 400, refused.body
    assert "(repos/create-org-ruleset): request: InvalidRequestBody: at rules/2" in refused.message
    assert [v.kind for v in gh.take_violations()] == ["request"]
    assert gh.state()["org_rulesets"] == []


def test_a_direct_commit_under_the_rule_is_refused_loudly_the_bypass_app_commits(
    gh: GitHubDouble,
) -> None:
    assert call(gh, "POST", RULESETS, ruleset()).status == 201
    refused = put_file(gh, "name: ci\n")
    committed = put_file(gh, "name: ci\n", token=APP_TOKEN)

    assert refused.status == 501, refused.body
    assert "a direct commit to a branch under a merge_queue rule" in refused.message
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]
    assert committed.status == 201, committed.body
