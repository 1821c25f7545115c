"""The GitHub double across the organization: listing, topics, custom properties, organization
rulesets and the rules a branch is under, over real HTTP and checked against GitHub's contract.

Each test gets a fresh double whose teardown fails the test on any recorded violation.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from testing.github_double import Contract, GitHubDouble, GitHubError, User, pytest_plugin
from testing.github_double.pytest_plugin import ORG
from tests.e2e.test_github_double import (
    APP_ID,
    APP_TOKEN,
    PULL_REQUEST_RULE,
    Answer,
    call,
    create_repo,
    put_file,
)

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

REPOS = f"/orgs/{ORG}/repos"
CHECKS_RULE = {
    "type": "required_status_checks",
    "parameters": {
        "strict_required_status_checks_policy": True,
        "do_not_enforce_on_create": False,
        "required_status_checks": [{"context": "lint", "integration_id": 15368}],
    },
}


@pytest.fixture
def gh(github_double: GitHubDouble) -> GitHubDouble:
    """The double with a GitHub App token besides the admin's."""
    github_double.add_app_token(APP_TOKEN, APP_ID, "baseline-bot")
    return github_double


def names(answer: Answer) -> list[str]:
    assert answer.status == 200, answer.body
    return [repo["name"] for repo in answer.body]


def links(answer: Answer) -> dict[str, str]:
    """rel -> URL, in the header's order."""
    header = answer.headers.get("Link", "")
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def org_ruleset_body(conditions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """As terraform-provider-github v6.13.0 sends it (resourceGithubRulesetObject): with
    `source` and `source_type`, bypass actors always a list, `exclude` always present."""
    return {
        "name": "baseline-lint",
        "target": "branch",
        "source_type": "Organization",
        "source": ORG,
        "enforcement": "active",
        "bypass_actors": [
            {"actor_id": APP_ID, "actor_type": "Integration", "bypass_mode": "always"}
        ],
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}, **conditions},
        "rules": [{"type": "deletion"}, PULL_REQUEST_RULE, CHECKS_RULE],
        **fields,
    }


def by_name(*include: str, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "repository_name": {"include": list(include), "exclude": list(exclude), "protected": False}
    }


def add_org_ruleset(gh: GitHubDouble, conditions: dict[str, Any], **fields: Any) -> int:
    answer = call(gh, "POST", f"/orgs/{ORG}/rulesets", org_ruleset_body(conditions, **fields))
    assert answer.status == 201, answer.body
    return int(answer.body["id"])


# --- Listing ----------------------------------------------------------------------------------


def test_the_listing_is_newest_first_by_default_and_by_name_ascending(gh: GitHubDouble) -> None:
    for name in ("billing", "Auth", "catalog"):
        gh.seed_repository(name)

    assert names(call(gh, "GET", REPOS)) == ["catalog", "Auth", "billing"]
    assert names(call(gh, "GET", f"{REPOS}?direction=asc")) == ["billing", "Auth", "catalog"]
    assert names(call(gh, "GET", f"{REPOS}?sort=full_name")) == ["Auth", "billing", "catalog"]
    assert names(call(gh, "GET", f"{REPOS}?sort=full_name&direction=desc")) == [
        "catalog",
        "billing",
        "Auth",
    ]


def test_the_listing_filters_by_type(gh: GitHubDouble) -> None:
    gh.seed_repository("app")
    gh.seed_repository("upstream-fork", fork=True)
    gh.seed_repository("secret", visibility="private")
    gh.seed_repository("old", archived=True)

    assert sorted(names(call(gh, "GET", REPOS))) == ["app", "old", "secret", "upstream-fork"]
    assert names(call(gh, "GET", f"{REPOS}?type=forks")) == ["upstream-fork"]
    assert sorted(names(call(gh, "GET", f"{REPOS}?type=sources"))) == ["app", "old", "secret"]
    assert names(call(gh, "GET", f"{REPOS}?type=private")) == ["secret"]
    assert "secret" not in names(call(gh, "GET", f"{REPOS}?type=public"))


def test_a_listed_repository_carries_what_selection_needs(gh: GitHubDouble) -> None:
    gh.seed_custom_property("team", "single_select", allowed_values=["payments", "search"])
    gh.seed_repository(
        "ledger",
        {"README.md": "# ledger\n"},
        default_branch="trunk",
        fork=True,
        topics=["python", "payments"],
        custom_properties={"team": "payments"},
        archived=True,
        visibility="private",
        has_wiki=False,
        homepage="https://ledger.example",
    )
    [listed] = call(gh, "GET", REPOS).body

    assert {key: listed[key] for key in ("topics", "archived", "fork", "visibility")} == {
        "topics": ["python", "payments"],
        "archived": True,
        "fork": True,
        "visibility": "private",
    }
    assert listed["default_branch"] == "trunk"
    assert listed["custom_properties"] == {"team": "payments"}
    assert (listed["has_wiki"], listed["homepage"], listed["private"]) == (
        False,
        "https://ledger.example",
        True,
    )
    # A minimal repository: the merge settings are in the repository's own GET only.
    assert "allow_merge_commit" not in listed
    assert "allow_merge_commit" in call(gh, "GET", f"/repos/{ORG}/ledger").body


def test_pages_carry_githubs_link_header_keeping_the_other_parameters(gh: GitHubDouble) -> None:
    for number in range(5):
        gh.seed_repository(f"svc-{number}")
    base = f"{gh.api_url}{REPOS}?sort=full_name&per_page=2"

    first = call(gh, "GET", f"{REPOS}?sort=full_name&per_page=2")
    middle = call(gh, "GET", f"{REPOS}?sort=full_name&per_page=2&page=2")
    last = call(gh, "GET", f"{REPOS}?sort=full_name&per_page=2&page=3")

    assert names(first) == ["svc-0", "svc-1"]
    assert links(first) == {"next": f"{base}&page=2", "last": f"{base}&page=3"}
    assert names(middle) == ["svc-2", "svc-3"]
    assert list(links(middle).items()) == [
        ("prev", f"{base}&page=1"),
        ("next", f"{base}&page=3"),
        ("last", f"{base}&page=3"),
        ("first", f"{base}&page=1"),
    ]
    assert names(last) == ["svc-4"]
    assert links(last) == {"prev": f"{base}&page=2", "first": f"{base}&page=1"}


def test_one_page_has_no_link_and_per_page_stops_at_100(gh: GitHubDouble) -> None:
    for number in range(101):
        gh.seed_repository(f"svc-{number:03d}")

    default = call(gh, "GET", REPOS)
    capped = call(gh, "GET", f"{REPOS}?per_page=500")

    assert len(default.body) == 30
    assert links(default)["last"].endswith("page=4")
    assert len(capped.body) == 100
    assert links(capped)["last"] == f"{gh.api_url}{REPOS}?per_page=500&page=2"
    gh.seed_repository("alone-elsewhere")
    assert "Link" not in call(gh, "GET", f"{REPOS}?type=forks").headers


def test_a_thousand_repositories_list_in_ten_quick_pages(gh: GitHubDouble) -> None:
    for number in range(1000):
        gh.seed_repository(f"svc-{number:04d}", topics=["python"])
    url: str | None = f"{REPOS}?per_page=100"
    seen: list[str] = []
    started = time.perf_counter()
    while url is not None:
        answer = call(gh, "GET", url)
        seen += names(answer)
        following = links(answer).get("next")
        url = following.removeprefix(gh.api_url) if following else None
    elapsed = time.perf_counter() - started

    assert len(seen) == len(set(seen)) == 1000
    assert gh.requests_by_route() == {"GET /orgs/{org}/repos": 10}
    # Each 100-repository page is checked against the description in well under a second
    # (about 50 ms measured); the whole walk takes about 1 s.
    assert max(entry.validation_ms for entry in gh.log) < 1000
    assert elapsed < 10


# --- Topics -------------------------------------------------------------------------------------


def test_topics_are_replaced_lowercased_and_shown_everywhere(gh: GitHubDouble) -> None:
    create_repo(gh)
    topics = f"/repos/{ORG}/shop/topics"

    put = call(gh, "PUT", topics, {"names": ["Python", "payments", "python"]})

    assert (put.status, put.body) == (200, {"names": ["python", "payments"]})
    assert call(gh, "GET", topics).body == {"names": ["python", "payments"]}
    assert call(gh, "GET", f"/repos/{ORG}/shop").body["topics"] == ["python", "payments"]
    assert call(gh, "GET", REPOS).body[0]["topics"] == ["python", "payments"]
    assert call(gh, "PUT", topics, {"names": []}).body == {"names": []}


@pytest.mark.parametrize(
    "bad", [["has space"], ["-leading-hyphen"], ["x" * 51], ["under_score"], [""]]
)
def test_an_invalid_topic_is_422_and_changes_nothing(gh: GitHubDouble, bad: list[str]) -> None:
    create_repo(gh)
    topics = f"/repos/{ORG}/shop/topics"
    call(gh, "PUT", topics, {"names": ["kept"]})

    answer = call(gh, "PUT", topics, {"names": bad})

    assert answer.status == 422
    assert answer.body["errors"] == [
        "Topics must start with a lowercase letter or number, consist of 50 characters or "
        "less, and can include hyphens."
    ]
    assert call(gh, "GET", topics).body == {"names": ["kept"]}


def test_more_than_twenty_topics_is_422(gh: GitHubDouble) -> None:
    create_repo(gh)
    answer = call(gh, "PUT", f"/repos/{ORG}/shop/topics", {"names": [f"t{n}" for n in range(21)]})
    assert answer.status == 422
    assert gh.state()["repositories"]["shop"]["topics"] == []


# --- Custom properties ----------------------------------------------------------------------------

SCHEMA = f"/orgs/{ORG}/properties/schema"


def define_team(gh: GitHubDouble) -> None:
    answer = call(
        gh,
        "PUT",
        f"{SCHEMA}/team",
        {"value_type": "single_select", "allowed_values": ["payments", "search"]},
    )
    assert answer.status == 200, answer.body


def test_the_property_schema_is_defined_read_and_deleted(gh: GitHubDouble) -> None:
    define_team(gh)
    required = call(
        gh,
        "PUT",
        f"{SCHEMA}/tier",
        {"value_type": "string", "required": True, "default_value": "standard"},
    )

    assert required.body["property_name"] == "tier"
    assert required.body["url"] == f"{gh.api_url}{SCHEMA}/tier"
    assert [p["property_name"] for p in call(gh, "GET", SCHEMA).body] == ["team", "tier"]
    team = call(gh, "GET", f"{SCHEMA}/team").body
    assert (team["value_type"], team["allowed_values"], team["required"]) == (
        "single_select",
        ["payments", "search"],
        False,
    )
    assert call(gh, "DELETE", f"{SCHEMA}/team").status == 204
    assert call(gh, "GET", f"{SCHEMA}/team").status == 404
    assert list(gh.state()["custom_properties"]) == ["tier"]


def test_a_definition_github_refuses_with_an_undocumented_422_is_refused_loudly(
    gh: GitHubDouble,
) -> None:
    answer = call(gh, "PUT", f"{SCHEMA}/team", {"value_type": "string", "allowed_values": ["a"]})

    assert answer.status == 501
    assert "allowed_values on a string property" in answer.message
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]
    assert gh.state()["custom_properties"] == {}


def test_repository_values_are_set_read_unset_and_shown_on_the_repository(
    gh: GitHubDouble,
) -> None:
    define_team(gh)
    create_repo(gh)
    values = f"/repos/{ORG}/shop/properties/values"

    put = call(gh, "PATCH", values, {"properties": [{"property_name": "team", "value": "search"}]})

    assert put.status == 204
    assert call(gh, "GET", values).body == [{"property_name": "team", "value": "search"}]
    assert call(gh, "GET", f"/repos/{ORG}/shop").body["custom_properties"] == {"team": "search"}
    unset = call(gh, "PATCH", values, {"properties": [{"property_name": "team", "value": None}]})
    assert unset.status == 204
    assert call(gh, "GET", values).body == []


def test_a_value_github_refuses_is_422_and_changes_nothing(gh: GitHubDouble) -> None:
    define_team(gh)
    create_repo(gh)
    values = f"/repos/{ORG}/shop/properties/values"

    undefined = call(
        gh, "PATCH", values, {"properties": [{"property_name": "owner", "value": "x"}]}
    )
    outside = call(
        gh,
        "PATCH",
        values,
        {
            "properties": [
                {"property_name": "team", "value": "search"},
                {"property_name": "team", "value": "marketing"},
            ]
        },
    )

    assert (undefined.status, undefined.message) == (422, "Unexpected property 'owner'")
    assert outside.status == 422
    assert "marketing" in outside.message
    assert call(gh, "GET", values).body == []


def test_a_required_propertys_default_is_the_value_until_one_is_set(gh: GitHubDouble) -> None:
    gh.seed_custom_property("tier", required=True, default_value="standard")
    gh.seed_repository("app")

    assert call(gh, "GET", f"/repos/{ORG}/app/properties/values").body == [
        {"property_name": "tier", "value": "standard"}
    ]


def test_a_repository_created_over_http_takes_custom_properties(gh: GitHubDouble) -> None:
    define_team(gh)
    created = create_repo(gh, "fresh", custom_properties={"team": "payments"})
    refused = call(gh, "POST", REPOS, {"name": "bad", "custom_properties": {"team": "nope"}})

    assert created.body["custom_properties"] == {"team": "payments"}
    assert refused.status == 422
    assert "bad" not in gh.state()["repositories"]


def test_organization_values_are_listed_by_page_and_set_in_a_batch(gh: GitHubDouble) -> None:
    define_team(gh)
    for name in ("a", "b", "c"):
        gh.seed_repository(name)

    batch = call(
        gh,
        "PATCH",
        f"/orgs/{ORG}/properties/values",
        {
            "repository_names": ["a", "c"],
            "properties": [{"property_name": "team", "value": "search"}],
        },
    )
    first = call(gh, "GET", f"/orgs/{ORG}/properties/values?per_page=2")
    second = call(gh, "GET", f"/orgs/{ORG}/properties/values?per_page=2&page=2")

    assert batch.status == 204
    assert [(r["repository_name"], r["properties"]) for r in first.body + second.body] == [
        ("a", [{"property_name": "team", "value": "search"}]),
        ("b", []),
        ("c", [{"property_name": "team", "value": "search"}]),
    ]
    assert "next" in links(first)


# --- Organization rulesets ------------------------------------------------------------------------


def test_organization_rulesets_are_created_read_listed_updated_and_deleted(
    gh: GitHubDouble,
) -> None:
    ruleset_id = add_org_ruleset(gh, by_name("~ALL"))
    path = f"/orgs/{ORG}/rulesets/{ruleset_id}"

    read = call(gh, "GET", path).body
    listed = call(gh, "GET", f"/orgs/{ORG}/rulesets").body
    updated = call(gh, "PUT", path, org_ruleset_body(by_name("svc-*"), name="renamed"))

    assert (read["source_type"], read["source"], read["target"]) == ("Organization", ORG, "branch")
    assert read["_links"]["self"]["href"] == f"{gh.api_url}{path}"
    assert "current_user_can_bypass" not in read  # only at the repository-level endpoint
    assert [(r["id"], r["name"]) for r in listed] == [(ruleset_id, "baseline-lint")]
    assert "rules" not in listed[0]  # the list answers a summary, as GitHub's example shows
    assert updated.status == 200
    assert updated.body["conditions"]["repository_name"]["include"] == ["svc-*"]
    assert call(gh, "DELETE", path).status == 204
    assert call(gh, "GET", path).status == 404


def test_an_organization_ruleset_naming_a_bare_branch_is_refused_422(gh: GitHubDouble) -> None:
    ruleset_id = add_org_ruleset(gh, by_name("~ALL"))
    bare = org_ruleset_body(by_name("~ALL"), name="bare")
    bare["conditions"]["ref_name"] = {"include": ["main"], "exclude": ["refs/heads/wip"]}

    created = call(gh, "POST", f"/orgs/{ORG}/rulesets", bare)
    updated = call(gh, "PUT", f"/orgs/{ORG}/rulesets/{ruleset_id}", bare)

    for answer in (created, updated):
        assert answer.status == 422, answer.body
        assert answer.body["errors"] == ["Invalid target patterns: 'main'"]
    assert gh.log[-1].spec_gaps == ("string-validation-error",)
    [kept] = gh.state()["org_rulesets"]
    assert (kept["name"], kept["conditions"]["ref_name"]["include"]) == (
        "baseline-lint",
        ["~DEFAULT_BRANCH"],
    )


def test_organization_and_repository_rulesets_share_one_id_space(gh: GitHubDouble) -> None:
    create_repo(gh)
    repo_ruleset = call(
        gh,
        "POST",
        f"/repos/{ORG}/shop/rulesets",
        {
            "name": "own",
            "enforcement": "active",
            "conditions": {"ref_name": {"include": ["~ALL"], "exclude": []}},
            "rules": [{"type": "deletion"}],
        },
    ).body["id"]
    org_ruleset = add_org_ruleset(gh, by_name("~ALL"))

    assert org_ruleset != repo_ruleset
    assert call(gh, "GET", f"/orgs/{ORG}/rulesets/{repo_ruleset}").status == 404
    assert call(gh, "DELETE", f"/repos/{ORG}/shop/rulesets/{org_ruleset}").status == 404


def test_a_repository_reads_the_organization_rulesets_that_target_it(gh: GitHubDouble) -> None:
    gh.seed_repository("shop")
    gh.seed_repository("other")
    ruleset_id = add_org_ruleset(gh, by_name("shop"))

    own_list = call(gh, "GET", f"/repos/{ORG}/shop/rulesets").body
    read = call(gh, "GET", f"/repos/{ORG}/shop/rulesets/{ruleset_id}").body

    assert [(r["id"], r["source_type"]) for r in own_list] == [(ruleset_id, "Organization")]
    assert read["current_user_can_bypass"] == "never"
    assert call(gh, "GET", f"/repos/{ORG}/shop/rulesets?includes_parents=false").body == []
    assert call(gh, "GET", f"/repos/{ORG}/other/rulesets").body == []
    assert call(gh, "GET", f"/repos/{ORG}/other/rulesets/{ruleset_id}").status == 404


def test_conditions_naming_two_repository_targets_are_refused_loudly(gh: GitHubDouble) -> None:
    body = org_ruleset_body({**by_name("~ALL"), "repository_id": {"repository_ids": [1]}})
    answer = call(gh, "POST", f"/orgs/{ORG}/rulesets", body)

    assert answer.status == 501
    assert "exactly one of repository_name, repository_id, repository_property" in answer.message
    # The description's oneOf lets it through (both branches match), as a named gap.
    assert gh.log[-1].spec_gaps == ("ambiguous-one-of",)
    gh.take_violations()
    assert gh.state()["org_rulesets"] == []


def test_a_ruleset_on_an_undefined_property_is_refused_loudly(gh: GitHubDouble) -> None:
    condition = {
        "repository_property": {
            "include": [{"name": "team", "property_values": ["payments"], "source": "custom"}],
            "exclude": [],
        }
    }
    answer = call(gh, "POST", f"/orgs/{ORG}/rulesets", org_ruleset_body(condition))

    assert answer.status == 501
    assert "'team', a custom property the organization does not define" in answer.message
    gh.take_violations()


# --- Enforcement ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "conditions",
    [
        pytest.param(by_name("sh*", exclude=("shipping",)), id="by-name-pattern"),
        pytest.param(by_name("~ALL"), id="all-repositories"),
        pytest.param(
            {
                "repository_property": {
                    "include": [{"name": "team", "property_values": ["payments", "search"]}],
                    "exclude": [],
                }
            },
            id="by-property",
        ),
    ],
)
def test_an_organization_ruleset_targeting_the_repository_refuses_a_direct_commit(
    gh: GitHubDouble, conditions: dict[str, Any]
) -> None:
    define_team(gh)
    create_repo(gh, custom_properties={"team": "search"})
    add_org_ruleset(gh, conditions)

    refused = put_file(gh, "name: ci\n")
    bypassed = put_file(gh, "name: ci\n", token=APP_TOKEN)

    assert refused.status == 409
    assert refused.message == (
        "Repository rule violations found\n\nChanges must be made through a pull request.\n\n"
        'Required status check "lint" is expected.\n\n'
    )
    assert bypassed.status == 201
    assert call(gh, "GET", f"/repos/{ORG}/shop/branches/main").body["protected"] is True


def test_an_organization_ruleset_by_repository_id_refuses_a_direct_commit(
    gh: GitHubDouble,
) -> None:
    repo_id = create_repo(gh).body["id"]
    add_org_ruleset(gh, {"repository_id": {"repository_ids": [repo_id]}})
    assert put_file(gh, "name: ci\n").status == 409


@pytest.mark.parametrize(
    ("conditions", "properties"),
    [
        pytest.param(by_name("svc-*"), {}, id="name-not-matched"),
        pytest.param(by_name("~ALL", exclude=("sh?p",)), {}, id="name-excluded"),
        # fnmatch without FNM_CASEFOLD (tests/github_facts/ruleset_targets.py).
        pytest.param(by_name("SHOP"), {}, id="name-in-another-case"),
        pytest.param({"repository_id": {"repository_ids": [1]}}, {}, id="other-id"),
        pytest.param(
            {
                "repository_property": {
                    "include": [{"name": "team", "property_values": ["payments"]}],
                    "exclude": [],
                }
            },
            {"team": "search"},
            id="property-value-not-matched",
        ),
        pytest.param(
            {
                "repository_property": {
                    "include": [{"name": "team", "property_values": ["search"]}],
                    "exclude": [{"name": "team", "property_values": ["search"]}],
                }
            },
            {"team": "search"},
            id="property-excluded",
        ),
    ],
)
def test_an_organization_ruleset_not_targeting_the_repository_refuses_nothing(
    gh: GitHubDouble, conditions: dict[str, Any], properties: dict[str, str]
) -> None:
    define_team(gh)
    create_repo(gh, custom_properties=properties)
    add_org_ruleset(gh, conditions)
    assert put_file(gh, "name: ci\n").status == 201


def test_an_organization_ruleset_in_evaluate_mode_refuses_nothing(gh: GitHubDouble) -> None:
    create_repo(gh)
    add_org_ruleset(gh, by_name("~ALL"), enforcement="evaluate")
    assert put_file(gh, "name: ci\n").status == 201


def test_setting_a_property_brings_the_repository_under_the_ruleset(gh: GitHubDouble) -> None:
    define_team(gh)
    create_repo(gh)
    add_org_ruleset(
        gh,
        {
            "repository_property": {
                "include": [{"name": "team", "property_values": ["payments"]}],
                "exclude": [],
            }
        },
    )
    assert put_file(gh, "name: one\n").status == 201
    sha = gh.state()["repositories"]["shop"]["branches"]["main"]["files"][
        ".github/workflows/ci.yml"
    ]["sha"]

    call(
        gh,
        "PATCH",
        f"/repos/{ORG}/shop/properties/values",
        {"properties": [{"property_name": "team", "value": "payments"}]},
    )

    assert put_file(gh, "name: two\n", sha=sha).status == 409


def test_renaming_a_repository_a_ruleset_protects_by_name_is_refused_loudly(
    gh: GitHubDouble,
) -> None:
    create_repo(gh)
    conditions = {"repository_name": {"include": ["shop"], "exclude": [], "protected": True}}
    add_org_ruleset(gh, conditions)

    answer = call(gh, "PATCH", f"/repos/{ORG}/shop", {"name": "store"})

    assert answer.status == 501
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]
    assert "shop" in gh.state()["repositories"]


# --- The rules a branch is under ------------------------------------------------------------------


def test_branch_rules_come_from_the_repository_and_the_organization(gh: GitHubDouble) -> None:
    create_repo(gh)
    own = call(
        gh,
        "POST",
        f"/repos/{ORG}/shop/rulesets",
        {
            "name": "own",
            "target": "branch",
            "enforcement": "active",
            "conditions": {"ref_name": {"include": ["~ALL"], "exclude": []}},
            "rules": [{"type": "non_fast_forward"}],
        },
    ).body["id"]
    org = add_org_ruleset(gh, by_name("shop"))
    add_org_ruleset(gh, by_name("shop"), name="trial", enforcement="evaluate")

    rules = call(gh, "GET", f"/repos/{ORG}/shop/rules/branches/main").body
    feature = call(gh, "GET", f"/repos/{ORG}/shop/rules/branches/not-yet-pushed").body

    assert [
        (r["type"], r["ruleset_source_type"], r["ruleset_source"], r["ruleset_id"]) for r in rules
    ] == [
        ("non_fast_forward", "Repository", f"{ORG}/shop", own),
        ("deletion", "Organization", ORG, org),
        ("pull_request", "Organization", ORG, org),
        ("required_status_checks", "Organization", ORG, org),
    ]
    assert rules[3]["parameters"]["required_status_checks"] == [
        {"context": "lint", "integration_id": 15368}
    ]
    # The branch need not exist; the organization ruleset names only the default branch.
    assert [(r["type"], r["ruleset_id"]) for r in feature] == [("non_fast_forward", own)]


def test_a_new_repository_is_protected_by_an_organization_ruleset_at_once(
    gh: GitHubDouble,
) -> None:
    """The end-to-end story: a ruleset on the organization, then this morning's repository
    created over HTTP, given a topic and a property: its default branch is under the rules."""
    define_team(gh)
    add_org_ruleset(
        gh,
        {
            "repository_property": {
                "include": [{"name": "team", "property_values": ["payments"]}],
                "exclude": [],
            }
        },
    )
    create_repo(gh, "morning")
    call(gh, "PUT", f"/repos/{ORG}/morning/topics", {"names": ["python"]})
    before = call(gh, "GET", f"/repos/{ORG}/morning/rules/branches/main").body
    call(
        gh,
        "PATCH",
        f"/repos/{ORG}/morning/properties/values",
        {"properties": [{"property_name": "team", "value": "payments"}]},
    )
    after = call(gh, "GET", f"/repos/{ORG}/morning/rules/branches/main").body

    assert before == []
    assert {r["type"] for r in after} == {"deletion", "pull_request", "required_status_checks"}
    assert gh.requests_by_route()["GET /repos/{owner}/{repo}/rules/branches/{branch}"] == 2


# --- Seeding and the log ----------------------------------------------------------------------


def test_seeding_is_not_an_api_call_and_is_checked_like_one(gh: GitHubDouble) -> None:
    gh.seed_custom_property("team", "single_select", allowed_values=["payments"])
    gh.seed_repository("app", topics=["Python"], custom_properties={"team": "payments"})

    assert gh.log == []
    assert gh.state()["repositories"]["app"]["topics"] == ["python"]
    with pytest.raises(GitHubError, match="Unexpected property 'owner'"):
        gh.seed_repository("bad", custom_properties={"owner": "me"})
    with pytest.raises(GitHubError, match="Validation Failed"):
        gh.seed_repository("bad", topics=["no spaces allowed"])
    assert list(gh.state()["repositories"]) == ["app"]


def test_each_log_entry_names_its_route_template(gh: GitHubDouble) -> None:
    create_repo(gh)
    call(gh, "GET", f"/repos/{ORG}/shop")
    call(gh, "GET", f"/repos/{ORG}/shop")
    call(gh, "POST", f"/repos/{ORG}/shop/forks", {})
    gh.take_violations()

    assert [entry.template for entry in gh.log] == [
        "/orgs/{org}/repos",
        "/repos/{owner}/{repo}",
        "/repos/{owner}/{repo}",
        None,
    ]
    assert gh.requests_by_route() == {
        "POST /orgs/{org}/repos": 1,
        "GET /repos/{owner}/{repo}": 2,
        "POST (unknown route)": 1,
    }
    assert call(gh, "GET", "log", prefix="_double/").body[1]["template"] == "/repos/{owner}/{repo}"


def test_a_contents_write_to_an_archived_repository_is_refused_loudly(gh: GitHubDouble) -> None:
    gh.seed_repository("old", {"README.md": "x\n"}, archived=True)
    answer = call(
        gh,
        "PUT",
        f"/repos/{ORG}/old/contents/new.txt",
        {"message": "m", "content": "eA==", "branch": "main"},
    )
    assert answer.status == 501
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]


def test_a_user_token_sees_the_listing_too(github_contract: Contract) -> None:
    reader = {"u": User("octo", role="read", org_admin=False)}
    with GitHubDouble(ORG, reader, contract=github_contract) as double:
        double.seed_repository("app")
        assert names(call(double, "GET", REPOS, token="u")) == ["app"]
    double.assert_no_violations()
