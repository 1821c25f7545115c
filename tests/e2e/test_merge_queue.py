"""`pipeline.merge_queue` with the real engine and provider against the GitHub double: the
ruleset gets GitHub's merge queue rule and the workflow runs on `merge_group`; an organization
ruleset, which cannot hold the rule, is refused before anything is registered."""

from __future__ import annotations

import json
from typing import Any

import yaml

from baseline.resources.component import MERGE_QUEUE
from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import expected, first, repo_path, writes

QUEUED = {
    "repo-baseline:repositories": [
        {"name": "shop", "pipeline": {"merge_queue": True}},
        {"name": "plain"},
    ]
}


def _ruleset_rules(github: GitHubDouble, name: str) -> dict[str, dict[str, Any]]:
    [ruleset] = github.state()["repositories"][name]["rulesets"]
    return {rule["type"]: rule for rule in ruleset["rules"]}


def test_up_creates_the_merge_queue_rule_and_a_workflow_on_merge_group(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(QUEUED)

    preview = stack.preview().check().json()
    [planned] = [
        step["newState"]["inputs"]["rules"]
        for step in preview["steps"]
        if step["urn"].endswith("::shop-ruleset")
    ]
    # Shown by the preview as the program sends it (what the provider's Check filled in aside).
    assert {k: v for k, v in planned["mergeQueue"].items() if k != "__defaults"} == {
        "checkResponseTimeoutMinutes": 60,
        "groupingStrategy": "ALLGREEN",
        "maxEntriesToBuild": 5,
        "maxEntriesToMerge": 5,
        # The default settings allow squash merges only (merge_queue_rule).
        "mergeMethod": "SQUASH",
        "minEntriesToMerge": 1,
        "minEntriesToMergeWaitMinutes": 5,
    }

    stack.up().check()
    want = expected(stack.stack_file)
    repositories = github.state()["repositories"]

    # Read back from the double, as GitHub answers it: the rule with the seven parameters.
    assert _ruleset_rules(github, "shop")["merge_queue"]["parameters"] == {
        **MERGE_QUEUE,
        "merge_method": "SQUASH",
    }
    assert "merge_queue" not in _ruleset_rules(github, "plain")
    required = _ruleset_rules(github, "shop")["required_status_checks"]["parameters"]
    assert {c["context"] for c in required["required_status_checks"]} == want["shop"].checks
    # The workflow on main triggers on merge_group, with no filter; the other one does not.
    for name, queued in (("shop", True), ("plain", False)):
        files = repositories[name]["branches"]["main"]["files"]
        content = files[want[name].pipeline.path]["content"]
        assert content == want[name].pipeline.content
        assert ("merge_group" in yaml.safe_load(content)["on"]) is queued
        assert (yaml.safe_load(content)["on"].get("merge_group") == {}) is queued
    # The file that reports the checks is on main before the queue waits for them.
    log = writes(github)
    committed = first(
        log, "PUT", repo_path(github, "shop", "/contents/.github/workflows/backend-ci.yml")
    )
    assert committed < first(log, "POST", repo_path(github, "shop", "/rulesets"))
    # The provider reads the rule back as it sent it: nothing to change, also after a refresh.
    stack.preview(expect_no_changes=True, refresh=True).check()


def test_merge_queue_with_an_organization_ruleset_fails_before_registering_anything(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(
        {
            "repo-baseline:defaults": {"protection": {"scope": "organization"}},
            "repo-baseline:repositories": [{"name": "shop", "pipeline": {"merge_queue": True}}],
        }
    )

    result = stack.up()

    assert result.returncode != 0
    errors = [d["message"] for d in _diagnostics(result.stdout) if d["severity"] == "error"]
    assert not any("Traceback" in message for message in errors), errors
    head, *problems = errors[0].splitlines()
    assert head == "the stack config has 1 problem:"
    where = "repositories[0] (shop).pipeline.merge_queue, line 9"
    found = 'found true with protection.scope "organization" (scope from defaults.protection)'
    allowed = 'allowed: true only with protection.scope "repository" and protection.kind "ruleset"'
    assert problems[0].strip().startswith(f"{where}: {found}; {allowed}")
    # Nothing written to GitHub, nothing in the stack but the stack itself.
    assert [e for e in github.log_json() if e["method"] != "GET"] == []
    assert [r["type"] for r in stack.resources() if r["type"].startswith("github:")] == []


def _diagnostics(stdout: str) -> list[dict[str, Any]]:
    """The diagnostics of `pulumi up --json`, which prints one engine event a line."""
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return [event["diagnosticEvent"] for event in events if "diagnosticEvent" in event]
