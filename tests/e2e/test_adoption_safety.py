"""Safe on an organization that already exists, with the real engine against the double (issue
20): the organization is explicit, a rule that matches nothing or a run that would strip many
repositories of their protection stops before anything changes, and adoption changes only what
it must and says what it will change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from baseline.stack.removals import ALLOW_ENV
from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import offline_plan, run_plan, saved_listing, writes
from tests.e2e.harness import Project, Result
from tests.e2e.test_github_double import call

WORKFLOW = ".github/workflows/backend-ci.yml"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
ORG_RULESET = "github:index/organizationRuleset:OrganizationRuleset"
# The existing CI of an adopted repository: runs on pull requests, uses actions by tag.
EXISTING_CI = """\
name: CI
on:
  pull_request:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""
PINNED_CI = EXISTING_CI.replace(
    "actions/checkout@v4", "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
)


def messages(result: Result, severity: str) -> list[str]:
    """The diagnostics of one severity of a `--json` command: `preview --json` prints one
    document, `up --json` a stream of engine events, one a line."""
    try:
        diagnostics = result.json().get("diagnostics", [])
    except json.JSONDecodeError:
        events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        diagnostics = [e["diagnosticEvent"] for e in events if "diagnosticEvent" in e]
    return [d["message"] for d in diagnostics if d["severity"] == severity]


def errors_of(result: Result) -> list[str]:
    """The error diagnostics of a failed command (the program's message first)."""
    assert result.returncode != 0, result.stdout[-3000:]
    return messages(result, "error")


def protected(github: GitHubDouble, name: str) -> bool:
    """Whether GitHub reports a required status check on the repository's main branch."""
    answer = call(github, "GET", f"/repos/{github.org}/{name}/rules/branches/main")
    assert answer.status == 200, answer.body
    return any(rule["type"] == "required_status_checks" for rule in answer.body)


def test_a_stack_without_owner_is_refused_and_nothing_is_created(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project({"repo-baseline:repositories": [{"name": "shop"}]})
    config = {k: v for k, v in stack_config(stack).items() if k != "github:owner"}
    stack.write_stack_file(config)

    for result in (stack.preview(), stack.up()):
        (error, *_) = errors_of(result)
        assert "config.github:owner: found nothing (the key is missing)" in error
        assert "the token's own account" in error
    assert writes(github) == []
    assert "shop" not in github.state()["repositories"]
    # The offline plan says the same.
    done = run_plan(stack.stack_file)
    assert done.returncode == 2
    assert "config.github:owner: found nothing (the key is missing)" in done.stderr


def stack_config(stack: Project) -> dict[str, Any]:
    document = yaml.safe_load(stack.stack_file.read_text(encoding="utf-8"))
    config: dict[str, Any] = document["config"]
    return config


SELECT = {
    "repo-baseline:defaults": {"settings": {"sha_pinning_required": False}},
    "repo-baseline:select": {"rules": [{"name": "django-backends", "topics": ["django"]}]},
}


def seed_backends(github: GitHubDouble, count: int) -> list[str]:
    names = [f"svc-{index:02d}" for index in range(count)]
    for name in names:
        github.seed_repository(name, {"README.md": f"# {name}\n"}, topics=["django"])
    github.seed_repository("docs", {"README.md": "# docs\n"}, topics=["docs"])
    return names


def test_a_typo_in_a_rule_changes_nothing_and_names_the_rule(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    names = seed_backends(github, 3)
    stack = project(SELECT)
    stack.up().check()
    assert all(protected(github, name) for name in names)
    before = len(writes(github))

    typo = {
        **SELECT,
        "repo-baseline:select": {"rules": [{"name": "django-backends", "topics": ["djnago"]}]},
    }
    stack.reconfigure(typo)
    for result in (stack.preview(), stack.up()):
        (error, *_) = errors_of(result)
        assert 'select.rules[0] ("django-backends", topics ["djnago"]) matches none of the 4 ' in (
            error
        )
        assert "repositories listed from GitHub" in error
        assert "allow_empty: true" in error
    assert len(writes(github)) == before
    assert all(protected(github, name) for name in names)


@pytest.mark.parametrize("scope", ["repository", "organization"])
def test_a_mass_topic_removal_stops_and_goes_through_when_allowed(
    project: ProjectFactory, github: GitHubDouble, scope: str
) -> None:
    names = seed_backends(github, 8)
    config = {
        **SELECT,
        "repo-baseline:defaults": {
            "pipeline": {"gate": True},
            "protection": {"scope": scope},
            "settings": {"sha_pinning_required": False},
        },
    }
    stack = project(config)
    stack.up().check()
    assert all(protected(github, name) for name in names)

    # Someone bulk-edits topics: six of the eight lose "django" (the limit is 5 of 8).
    for name in names[:6]:
        answer = call(github, "PUT", f"/repos/{github.org}/{name}/topics", {"names": ["api"]})
        assert answer.status == 200
    before = len(writes(github))
    for result in (stack.preview(), stack.up()):
        (error, *_) = errors_of(result)
        assert "repo-baseline:removals: 6 of the 8 repositories of stack e2e leave it (" in error
        assert "svc-00, svc-01, svc-02, svc-03, svc-04, svc-05)" in error
        assert "more than the limit of 5" in error
        assert f"{ALLOW_ENV}=6 pulumi up" in error
    assert len(writes(github)) == before
    assert all(protected(github, name) for name in names)

    # The hourly roll-out never passes the allowance.
    scheduled = stack.env | {ALLOW_ENV: "6", "GITHUB_EVENT_NAME": "schedule"}
    stack.env = scheduled
    (error, *_) = errors_of(stack.up())
    assert "ignored on a scheduled run" in error
    assert len(writes(github)) == before

    # Allowed once, by hand: the six are forgotten (never deleted), the two stay protected.
    stack.env = scheduled | {"GITHUB_EVENT_NAME": "workflow_dispatch"}
    up = stack.up().check()
    assert any(
        "6 of the 8 repositories of stack e2e leave it" in m for m in messages(up, "warning")
    )
    repositories = github.state()["repositories"]
    for name in names[:6]:
        assert name in repositories
        assert WORKFLOW in repositories[name]["branches"]["main"]["files"]
        assert not protected(github, name)
    assert all(protected(github, name) for name in names[6:])
    types = [r["type"] for r in stack.resources()]
    assert types.count(ORG_RULESET if scope == "organization" else RULESET) == (
        1 if scope == "organization" else 2
    )


def test_removing_a_few_names_from_the_list_just_works(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project({"repo-baseline:repositories": [{"name": f"app-{i}"} for i in range(4)]})
    stack.up().check()
    stack.reconfigure({"repo-baseline:repositories": [{"name": "app-0"}, {"name": "app-1"}]})
    up = stack.up().check()
    assert any(
        m.startswith("2 of the 4 repositories of stack e2e leave it (app-2, app-3)")
        for m in messages(up, "warning")
    )
    assert "app-3" in github.state()["repositories"]
    assert [r["type"] for r in stack.resources()].count(RULESET) == 2


def test_an_adopted_internal_repository_keeps_what_it_is_and_the_plan_says_what_changes(
    project: ProjectFactory, github: GitHubDouble, tmp_path: Path
) -> None:
    github.seed_repository(
        "billing",
        {"README.md": "# billing\n", ".github/workflows/ci.yml": EXISTING_CI},
        visibility="internal",
        homepage="https://billing.example.com",
        description="Billing",
        has_wiki=True,
    )
    github.seed_repository(
        "ledger",
        {"README.md": "# ledger\n", ".github/workflows/ci.yml": PINNED_CI},
        visibility="internal",
        has_wiki=False,
    )
    config = {
        # The defaults describe new repositories: private, no wiki.
        "repo-baseline:defaults": {"settings": {"visibility": "private"}},
        "repo-baseline:repositories": [
            {"name": "billing", "adopt": True},
            {"name": "ledger", "adopt": True, "settings": {"has_wiki": True}},
            # Created by the stack: once it exists, the listing has it, and that is no clash.
            {"name": "fresh"},
        ],
    }
    stack = project(config)

    # Offline: the plan from the saved listing (with the workflows) says what changes.
    listing = saved_listing(github, tmp_path, "--workflows")
    done = run_plan(stack.stack_file, "--inventory", str(listing))
    assert done.returncode == 0, done.stderr
    billing_plan = done.stdout.split("billing: adopt (import)")[1].split("\n\n")[0]
    assert "internal;" in billing_plan
    assert "homepage https://billing.example.com" in billing_plan
    assert "live changes     none of the values the listing shows" in billing_plan
    assert 'existing CI      .github/workflows/ci.yml ("CI")' in billing_plan
    assert "ledger: adopt (import)" in done.stdout
    assert "has_wiki: false -> true" in done.stdout.split("ledger: adopt (import)")[1]

    preview = stack.preview()
    preview.check()
    infos = messages(preview, "info")
    assert any(
        m.startswith("billing: adopted; none of the values the listing shows") for m in infos
    )
    assert any("has_wiki: false -> true" in m for m in infos if m.startswith("ledger: adopted"))
    warnings = messages(preview, "warning")
    assert any(
        "billing: settings.sha_pinning_required stays off" in m and "actions/checkout@v4" in m
        for m in warnings
    )
    assert any("two pipelines" in m and '.github/workflows/ci.yml ("CI")' in m for m in warnings)
    plan = offline_plan(stack.stack_file, "--inventory", str(listing))
    assert {w.split(":")[0] for w in plan["warnings"]} >= {"billing"}

    stack.up().check()
    repositories = github.state()["repositories"]
    billing, ledger = repositories["billing"], repositories["ledger"]
    assert billing["settings"]["visibility"] == "internal"
    assert billing["settings"]["homepage"] == "https://billing.example.com"
    assert billing["settings"]["description"] == "Billing"
    assert billing["settings"]["has_wiki"] is True
    assert ledger["settings"]["visibility"] == "internal"
    assert ledger["settings"]["has_wiki"] is True
    # Pinning only where every existing action is pinned to a full SHA.
    assert billing["actions_permissions"]["sha_pinning_required"] is False
    assert ledger["actions_permissions"]["sha_pinning_required"] is True
    outputs = stack.run(["stack", "output", "--json", "--stack", stack.stack]).check().json()
    assert outputs["repositories"]["billing"]["sha_pinning_required"] is False
    assert outputs["repositories"]["ledger"]["sha_pinning_required"] is True
    # The existing CI is kept; the baseline's file is next to it.
    files = billing["branches"]["main"]["files"]
    assert ".github/workflows/ci.yml" in files
    assert WORKFLOW in files

    # The next run changes nothing, decides nothing again, reads no workflow again, and does not
    # take the repository it created for one it would create again.
    before = github.requests_by_route().get("GET /repos/{owner}/{repo}/contents/{path}", 0)
    again = stack.preview(expect_no_changes=True).check()
    assert not [m for m in messages(again, "warning") if "Set adopt: true" in m]
    after = github.requests_by_route().get("GET /repos/{owner}/{repo}/contents/{path}", 0)
    assert after == before
