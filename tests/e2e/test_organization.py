"""The whole organization with the real engine: repositories chosen by topic, protected by one
organization ruleset that requires the gate, and a repository created later baselined by the
next `pulumi up` (issue 16)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from baseline.stack import inventory
from testing.github_double import GitHubDouble
from testing.github_double.pytest_plugin import ADMIN_TOKEN
from tests.e2e.conftest import ProjectFactory
from tests.e2e.test_github_double import call, create_repo

ORG_RULESET = "github:index/organizationRuleset:OrganizationRuleset"
PROTECTION_TYPES = {
    ORG_RULESET,
    "github:index/repositoryRuleset:RepositoryRuleset",
    "github:index/branchProtectionV3:BranchProtectionV3",
}
WORKFLOW = ".github/workflows/backend-ci.yml"
LISTING = "GET /orgs/{org}/repos"

CONFIG: dict[str, Any] = {
    "repo-baseline:defaults": {
        "pipeline": {"gate": True},
        "protection": {"scope": "organization"},
        "settings": {"sha_pinning_required": False},
    },
    "repo-baseline:select": {"rules": [{"name": "django-backends", "topics": ["django"]}]},
}


def seed(github: GitHubDouble) -> None:
    for name in ("orders", "payments", "search"):
        github.seed_repository(name, {"README.md": f"# {name}\n"}, topics=["django", "api"])
    github.seed_repository("docs", {"README.md": "# docs\n"}, topics=["docs"])
    github.seed_repository("old", {"README.md": "# old\n"}, topics=["django"], archived=True)
    github.seed_repository("orders-copy", {"README.md": "# copy\n"}, topics=["django"], fork=True)


def gate_rules(github: GitHubDouble, name: str) -> list[dict[str, Any]]:
    """The required-checks rules on the repository's main branch, as GitHub reports them."""
    answer = call(github, "GET", f"/repos/{github.org}/{name}/rules/branches/main")
    assert answer.status == 200, answer.body
    return [rule for rule in answer.body if rule["type"] == "required_status_checks"]


def org_rulesets(github: GitHubDouble) -> list[dict[str, Any]]:
    rulesets: list[dict[str, Any]] = github.state()["org_rulesets"]
    return rulesets


def protection_resources(stack: Any) -> list[str]:
    return [r["type"] for r in stack.resources() if r["type"] in PROTECTION_TYPES]


def test_rules_choose_one_ruleset_protects_and_a_new_repository_is_baselined_by_the_next_up(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    seed(github)
    stack = project(CONFIG)
    stack.up().check()

    repositories = github.state()["repositories"]
    chosen = {"orders", "payments", "search"}
    for name in chosen:
        assert WORKFLOW in repositories[name]["branches"]["main"]["files"], name
        assert repositories[name]["rulesets"] == []
    for name in ("docs", "old", "orders-copy"):
        assert WORKFLOW not in repositories[name]["branches"]["main"]["files"], name
    (ruleset,) = org_rulesets(github)
    assert sorted(ruleset["conditions"]["repository_name"]["include"]) == sorted(chosen)
    for name in chosen:
        (rule,) = gate_rules(github, name)
        assert rule["ruleset_source_type"] == "Organization"
        assert rule["parameters"]["required_status_checks"] == [
            {"context": "Gate", "integration_id": 15368}
        ]
    assert protection_resources(stack) == [ORG_RULESET]

    # This morning: someone creates a repository and gives it the topic; nobody edits config.
    create_repo(github, "invoices")
    assert (
        call(github, "PUT", f"/repos/{github.org}/invoices/topics", {"names": ["django"]}).status
        == 200
    )
    assert gate_rules(github, "invoices") == []
    before = github.requests_by_route().get(LISTING, 0)
    up = stack.up().check()

    # The run says which rule chose which repositories.
    assert (
        "4 of 7 repositories of GitHub chosen, listed in 1 request(s); rule django-backends: 4 "
        in up.stdout
    )
    assert "(invoices, orders, payments, search)" in up.stdout
    repositories = github.state()["repositories"]
    assert WORKFLOW in repositories["invoices"]["branches"]["main"]["files"]
    (same,) = org_rulesets(github)
    assert same["id"] == ruleset["id"]  # updated in place: the branch stayed protected
    assert "invoices" in same["conditions"]["repository_name"]["include"]
    (rule,) = gate_rules(github, "invoices")
    assert rule["parameters"]["required_status_checks"][0]["context"] == "Gate"
    assert protection_resources(stack) == [ORG_RULESET]
    # The organization was listed in one page per run, not a request per repository.
    assert github.requests_by_route()[LISTING] - before == 1


def test_a_repository_that_loses_its_topic_is_forgotten_never_deleted(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    seed(github)
    stack = project(CONFIG)
    stack.up().check()
    assert (
        call(github, "PUT", f"/repos/{github.org}/search/topics", {"names": ["api"]}).status == 200
    )
    stack.up().check()

    repositories = github.state()["repositories"]
    assert "search" in repositories
    assert WORKFLOW in repositories["search"]["branches"]["main"]["files"]
    (ruleset,) = org_rulesets(github)
    assert sorted(ruleset["conditions"]["repository_name"]["include"]) == ["orders", "payments"]
    assert gate_rules(github, "search") == []


def planned(preview: Any) -> dict[str, list[dict[str, Any]]]:
    """The preview's steps by resource type."""
    steps: dict[str, list[dict[str, Any]]] = {}
    for step in preview.json()["steps"]:
        kind = step["urn"].split("::")[2].rsplit("$", 1)[-1]
        steps.setdefault(kind, []).append(step)
    return steps


def test_a_thousand_selected_repositories_need_one_protection_resource(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    for index in range(1000):
        github.seed_repository(f"svc-{index:04d}", {"README.md": "# svc\n"}, topics=["django"])
    github.seed_repository("docs", {"README.md": "# docs\n"}, topics=["docs"])
    stack = project(CONFIG)
    # A self-managed backend saves the whole state after every step unless told to save it once
    # (docs/scale.md); without this a preview of 1,000 repositories takes over ten minutes.
    stack.env["PULUMI_SKIP_CHECKPOINTS"] = "true"
    before = github.requests_by_route().get(LISTING, 0)
    steps = planned(stack.preview().check())

    assert [s["op"] for s in steps[ORG_RULESET]] == ["create"]
    assert not PROTECTION_TYPES - {ORG_RULESET} & set(steps)
    (ruleset,) = steps[ORG_RULESET]
    includes = ruleset["newState"]["inputs"]["conditions"]["repositoryName"]["includes"]
    assert includes == [f"svc-{index:04d}" for index in range(1000)]
    # Each repository is imported (the preview lists the import, then the update that applies
    # the baseline's settings to it).
    repositories = steps["github:index/repository:Repository"]
    assert len({s["urn"] for s in repositories}) == 1000
    assert {s["op"] for s in repositories} <= {"import", "update"}
    assert sum(s["op"] == "import" for s in repositories) == 1000
    # The organization in 11 pages of 100 (1,001 repositories), not a request per repository.
    assert github.requests_by_route()[LISTING] - before == 11


def test_the_inventory_command_saves_the_listing_the_plan_reads(
    github: GitHubDouble, tmp_path: Any
) -> None:
    github.seed_custom_property("team", "single_select", allowed_values=["payments", "search"])
    for index in range(150):
        github.seed_repository(f"svc-{index:03d}", {"README.md": "# svc\n"}, topics=["django"])
    github.seed_repository(
        "ledger", {"README.md": "# ledger\n"}, custom_properties={"team": "payments"}
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "baseline",
            "inventory",
            "--owner",
            github.org,
            "--base-url",
            github.url,
        ],
        env={**os.environ, "GITHUB_TOKEN": ADMIN_TOKEN},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # 151 repositories: two pages of the listing, two of their property values.
    assert "151 repositories of example-org in 4 request(s)" in done.stderr
    assert github.requests_by_route()["GET /orgs/{org}/properties/values"] == 2
    saved = tmp_path / "inventory.json"
    saved.write_text(done.stdout)
    listing = inventory.load(saved)
    by_name = {r.name: r for r in listing.repositories}
    assert by_name["ledger"].properties == {"team": "payments"}
    assert by_name["svc-007"].topics == ("django",)
