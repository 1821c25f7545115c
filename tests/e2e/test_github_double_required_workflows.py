"""The GitHub double's organization plan in `GET /orgs/{org}`, and an organization ruleset's
`workflows` rule (ruleset workflows: "Require workflows to pass before merging"), over real HTTP
and checked against GitHub's contract.

Each test gets a fresh double whose teardown fails the test on any recorded violation; a test
that provokes one on purpose takes it first (a loud refusal is a 501 `unmodelled` violation).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from testing.github_double import Contract, GitHubDouble, User, pytest_plugin
from testing.github_double.models import Plan
from testing.github_double.pytest_plugin import ADMIN, ADMIN_TOKEN, ORG
from tests.e2e.test_github_double import Answer, b64, call
from tests.e2e.test_github_double_rulesets_push import refused_loudly

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

SHOP = f"/repos/{ORG}/shop"
AUTHOR = "test-author-token"  # opens the pull requests
MEMBER = "test-member-token"  # a user who is not an organization owner
ACTIONS = "test-actions-token"  # GitHub Actions: app 15368
OTHER_APP = "test-other-app-token"
ACTIONS_APP_ID = 15368
CENTRAL_WORKFLOW = ".github/workflows/required.yml"
# The central workflow: its `branches` filter does not matter (GitHub ignores a ruleset
# workflow's filters). The checks of the jobs that run whenever it runs are awaited, as GitHub
# names them (`policies.guardrails.pipeline.job_checks`): Lint, test (3.11), test (3.12); the
# `notify` job runs only on a failure, so its check is not waited for.
CENTRAL_TEXT = """\
name: required
on:
  pull_request:
    branches: [release]
jobs:
  lint:
    name: Lint
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .
  test:
    needs: lint
    strategy:
      matrix:
        python: ["3.11", "3.12"]
    runs-on: ubuntu-latest
    steps:
      - run: pytest
  notify:
    needs: test
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo failed
"""
CHECKS = ("Lint", "test (3.11)", "test (3.12)")


@pytest.fixture
def gh(github_double: GitHubDouble) -> GitHubDouble:
    """The double (plan enterprise) with `central` (internal, the required workflow on main),
    `shop` (private: an internal workflow may run there) and its branch `feature`, an author
    who may merge, GitHub Actions and another app."""
    github_double.add_token(AUTHOR, User("octo-dev", role="write", org_admin=False))
    github_double.add_app_token(ACTIONS, ACTIONS_APP_ID, "github-actions")
    github_double.add_app_token(OTHER_APP, 4242, "other-ci")
    seed(github_double)
    return github_double


def seed(double: GitHubDouble) -> None:
    double.seed_repository("central", {CENTRAL_WORKFLOW: CENTRAL_TEXT}, visibility="internal")
    double.seed_repository("shop", {"README.md": "# shop\n"}, visibility="private")
    double.seed_branch("shop", "feature", {"src/app.py": "print('hi')\n"})


@contextmanager
def double_on(plan: Plan, contract: Contract) -> Iterator[GitHubDouble]:
    """A double whose organization is on `plan`, seeded as `gh`; it fails on a violation left."""
    with GitHubDouble(ORG, {ADMIN_TOKEN: ADMIN}, contract=contract, plan=plan) as double:
        seed(double)
        yield double
        double.assert_no_violations()


def repo_id(double: GitHubDouble, name: str = "central") -> int:
    return int(double.state()["repositories"][name]["id"])


def head(double: GitHubDouble, repo: str = "shop", branch: str = "main") -> str:
    return str(double.state()["repositories"][repo]["branches"][branch]["head"])


def workflows_rule(double: GitHubDouble, **entry: Any) -> dict[str, Any]:
    """The rule as terraform-provider-github v6.13.0 sends it: `do_not_enforce_on_create`, and
    each workflow's `repository_id`, `path` and `ref` (never `sha`)."""
    workflow = {"repository_id": repo_id(double), "path": CENTRAL_WORKFLOW, "ref": "main"}
    return {
        "type": "workflows",
        "parameters": {"do_not_enforce_on_create": False, "workflows": [{**workflow, **entry}]},
    }


def ruleset_body(
    double: GitHubDouble,
    rule: dict[str, Any] | None = None,
    *,
    repositories: tuple[str, ...] = ("shop",),
    **fields: Any,
) -> dict[str, Any]:
    """An organization branch ruleset on the default branch of `repositories`."""
    return {
        "name": "required-workflows",
        "target": "branch",
        "source_type": "Organization",
        "source": ORG,
        "enforcement": "active",
        "bypass_actors": [],
        "conditions": {
            "ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
            "repository_name": {"include": list(repositories), "exclude": [], "protected": False},
        },
        "rules": [rule or workflows_rule(double)],
        **fields,
    }


def require(double: GitHubDouble, **fields: Any) -> int:
    answer = call(double, "POST", f"/orgs/{ORG}/rulesets", ruleset_body(double, **fields))
    assert answer.status == 201, answer.body
    return int(answer.body["id"])


def open_pull(double: GitHubDouble) -> str:
    """Pull request #1, feature into main; its head SHA."""
    body = {"title": "Say hi", "head": "feature", "base": "main", "body": ""}
    answer = call(double, "POST", f"{SHOP}/pulls", body, token=AUTHOR)
    assert answer.status == 201, answer.body
    return str(answer.body["head"]["sha"])


def report(
    double: GitHubDouble,
    sha: str,
    checks: tuple[str, ...] = CHECKS,
    conclusion: str = "success",
    token: str = ACTIONS,
) -> None:
    for name in checks:
        body = {"name": name, "head_sha": sha, "status": "completed", "conclusion": conclusion}
        answer = call(double, "POST", f"{SHOP}/check-runs", body, token=token)
        assert answer.status == 201, answer.body


def merge(double: GitHubDouble, token: str = AUTHOR) -> Answer:
    return call(double, "PUT", f"{SHOP}/pulls/1/merge", {"merge_method": "merge"}, token=token)


def mergeable_state(double: GitHubDouble, token: str = AUTHOR) -> tuple[Any, str]:
    answer = call(double, "GET", f"{SHOP}/pulls/1", token=token)
    assert answer.status == 200, answer.body
    return answer.body["mergeable"], str(answer.body["mergeable_state"])


# --- The plan in GET /orgs/{org} ----------------------------------------------------------------


@pytest.mark.parametrize("plan", ["free", "team", "enterprise"])
def test_an_organization_owner_and_an_app_are_answered_the_plan(
    github_contract: Contract, plan: Plan
) -> None:
    with double_on(plan, github_contract) as double:
        double.add_app_token(ACTIONS, ACTIONS_APP_ID, "github-actions")
        by_owner = call(double, "GET", f"/orgs/{ORG}")
        by_app = call(double, "GET", f"/orgs/{ORG}", token=ACTIONS)

    for answer in (by_owner, by_app):
        assert answer.status == 200, answer.body
        assert answer.body["plan"]["name"] == plan
        assert {"space", "private_repos", "filled_seats", "seats"} <= set(answer.body["plan"])


def test_a_member_who_is_not_an_owner_is_not_answered_the_plan(gh: GitHubDouble) -> None:
    gh.add_token(MEMBER, User("octo-member", role="write", org_admin=False))
    answer = call(gh, "GET", f"/orgs/{ORG}", token=MEMBER)

    assert answer.status == 200, answer.body
    assert answer.body["login"] == ORG
    assert "plan" not in answer.body


# --- The workflows rule: made and read -------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [{"ref": "main"}, {"ref": "refs/heads/main"}, {"ref": "main", "sha": None}],
    ids=["branch", "full-ref", "sha"],
)
def test_the_rule_is_stored_and_read_back_as_sent(gh: GitHubDouble, entry: dict[str, Any]) -> None:
    if "sha" in entry:
        entry = {**entry, "sha": head(gh, "central")}
    rule = workflows_rule(gh, **entry)
    created = call(gh, "POST", f"/orgs/{ORG}/rulesets", ruleset_body(gh, rule))
    assert created.status == 201, created.body
    by_org = call(gh, "GET", f"/orgs/{ORG}/rulesets/{created.body['id']}")
    by_repo = call(gh, "GET", f"{SHOP}/rulesets/{created.body['id']}")

    assert (created.status, by_org.status, by_repo.status) == (201, 200, 200)
    for answer in (created, by_org, by_repo):
        # What the provider's flattenRules reads (path, repository_id, ref,
        # do_not_enforce_on_create) is what it sent: a refresh shows no diff.
        assert answer.body["rules"] == [rule]
    [stored] = gh.state()["org_rulesets"]
    assert stored["rules"] == [rule]


def test_the_branch_rules_list_it(gh: GitHubDouble) -> None:
    ruleset_id = require(gh)
    answer = call(gh, "GET", f"{SHOP}/rules/branches/main")

    assert answer.status == 200, answer.body
    assert answer.body == [
        {
            "type": "workflows",
            "ruleset_source_type": "Organization",
            "ruleset_source": ORG,
            "ruleset_id": ruleset_id,
            "parameters": workflows_rule(gh)["parameters"],
        }
    ]
    assert call(gh, "GET", f"{SHOP}/rules/branches/feature").body == []


@pytest.mark.parametrize("plan", ["free", "team"])
def test_below_enterprise_the_rule_is_refused_loudly(github_contract: Contract, plan: Plan) -> None:
    with double_on(plan, github_contract) as double:
        answer = call(double, "POST", f"/orgs/{ORG}/rulesets", ruleset_body(double))

        refused_loudly(double, answer, f"{plan} plan")
        assert double.state()["org_rulesets"] == []


def test_a_repository_ruleset_s_rule_is_refused_loudly(gh: GitHubDouble) -> None:
    body = ruleset_body(gh)
    del body["conditions"]["repository_name"], body["source_type"], body["source"]
    answer = call(gh, "POST", f"{SHOP}/rulesets", body)

    refused_loudly(gh, answer, "a workflows rule in a repository ruleset")
    assert gh.state()["repositories"]["shop"]["rulesets"] == []


def test_a_tag_ruleset_s_rule_is_refused_loudly(gh: GitHubDouble) -> None:
    body = ruleset_body(gh, target="tag")
    body["conditions"]["ref_name"]["include"] = ["refs/tags/v*"]
    answer = call(gh, "POST", f"/orgs/{ORG}/rulesets", body)

    refused_loudly(gh, answer, "a workflows rule in a tag ruleset")


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"repository_id": 1}, "repository id 1, no repository of the organization"),
        ({"path": ".github/workflows/gone.yml"}, "a file central does not have at main"),
        ({"ref": "release"}, "at 'release', no branch of central"),
        ({"ref": "refs/tags/v1"}, "the double has no tags"),
        ({"ref": ""}, "with neither ref nor sha"),  # the provider's unset ref
        ({"sha": "0" * 40}, "no commit of central"),
        ({"sha": "cleanup"}, "a file central does not have at"),
    ],
    ids=["unknown-repository", "missing-path", "unknown-ref", "tag", "no-ref", "no-commit", "sha"],
)
def test_an_entry_github_would_refuse_is_refused_loudly(
    gh: GitHubDouble, entry: dict[str, Any], words: str
) -> None:
    if entry.get("sha") == "cleanup":
        # A commit without the workflow, which main (the entry's ref) still has: the sha counts.
        entry = {"sha": gh.seed_branch("central", "cleanup", {CENTRAL_WORKFLOW: None})}
    body = ruleset_body(gh, workflows_rule(gh, **entry))
    answer = call(gh, "POST", f"/orgs/{ORG}/rulesets", body)

    refused_loudly(gh, answer, words)
    assert gh.state()["org_rulesets"] == []


def test_a_private_workflow_required_in_an_internal_repository_is_refused_loudly(
    gh: GitHubDouble,
) -> None:
    gh.seed_repository("vault-ci", {CENTRAL_WORKFLOW: CENTRAL_TEXT}, visibility="private")
    gh.seed_repository("portal", {"README.md": "# portal\n"}, visibility="internal")
    rule = workflows_rule(gh, repository_id=repo_id(gh, "vault-ci"))
    body = ruleset_body(gh, rule, repositories=("portal",))
    answer = call(gh, "POST", f"/orgs/{ORG}/rulesets", body)

    refused_loudly(gh, answer, "private workflow", "internal repository portal")
    assert gh.state()["org_rulesets"] == []
    # The same workflow required in a private repository is taken.
    assert call(gh, "POST", f"/orgs/{ORG}/rulesets", ruleset_body(gh, rule)).status == 201


def test_a_pairing_that_became_disallowed_is_refused_loudly_when_judged(gh: GitHubDouble) -> None:
    require(gh)
    open_pull(gh)
    made_public = call(gh, "PATCH", SHOP, {"visibility": "public"})
    assert made_public.status == 200, made_public.body
    before = head(gh)

    assert mergeable_state(gh) == (None, "unknown")
    refused_loudly(gh, merge(gh), "internal workflow", "public repository shop")
    assert head(gh) == before


# --- The workflows rule: direct commits and merges ---------------------------------------------


def test_a_direct_commit_under_the_rule_is_refused_loudly(gh: GitHubDouble) -> None:
    require(gh)
    before = head(gh)
    body = {"message": "Direct", "content": b64("x\n"), "branch": "main"}
    answer = call(gh, "PUT", f"{SHOP}/contents/notes.md", body)

    refused_loudly(gh, answer, "a direct commit to a branch under a workflows rule")
    assert head(gh) == before


def test_a_bypass_actor_s_direct_commit_records_a_failing_rule_whose_details_are_unknown(
    gh: GitHubDouble,
) -> None:
    bypass = [{"actor_id": ACTIONS_APP_ID, "actor_type": "Integration", "bypass_mode": "always"}]
    require(gh, bypass_actors=bypass)
    body = {"message": "Direct", "content": b64("x\n"), "branch": "main"}
    answer = call(gh, "PUT", f"{SHOP}/contents/notes.md", body, token=ACTIONS)
    assert answer.status == 201, answer.body

    [listed] = call(gh, "GET", f"{SHOP}/rulesets/rule-suites").body
    assert listed["result"] == "bypass"
    one = call(gh, "GET", f"{SHOP}/rulesets/rule-suites/{listed['id']}")
    refused_loudly(gh, one, "the details of the failing workflows rule")


def test_a_merge_before_the_checks_pass_is_refused_loudly_and_after_it_merges(
    gh: GitHubDouble,
) -> None:
    require(gh)
    sha = open_pull(gh)
    before = head(gh)

    assert mergeable_state(gh) == (None, "unknown")
    refused_loudly(gh, merge(gh), "before its ruleset workflows passed", *CHECKS, "no check run")
    assert head(gh) == before
    assert call(gh, "GET", f"{SHOP}/pulls/1").body["merged"] is False

    report(gh, sha)
    assert mergeable_state(gh) == (True, "clean")
    merged = merge(gh)

    assert merged.status == 200, merged.body
    assert head(gh) == merged.body["sha"] != before
    assert gh.state()["repositories"]["shop"]["pulls"]["1"]["merged"] is True
    [suite] = call(gh, "GET", f"{SHOP}/rulesets/rule-suites").body
    evaluations = call(gh, "GET", f"{SHOP}/rulesets/rule-suites/{suite['id']}").body
    assert suite["result"] == "pass"
    [evaluation] = evaluations["rule_evaluations"]
    assert (evaluation["rule_type"], evaluation["result"], evaluation["details"]) == (
        "workflows",
        "pass",
        None,
    )


def test_a_failing_check_keeps_the_merge_refused_until_its_latest_run_succeeds(
    gh: GitHubDouble,
) -> None:
    require(gh)
    sha = open_pull(gh)
    report(gh, sha, ("Lint", "test (3.11)"))
    report(gh, sha, ("test (3.12)",), conclusion="failure")

    refused_loudly(gh, merge(gh), '"test (3.12)"', "(failure)")
    assert mergeable_state(gh) == (None, "unknown")

    report(gh, sha, ("test (3.12)",))  # re-run: the latest run counts
    assert merge(gh).status == 200


def test_a_job_that_runs_only_on_failure_is_not_waited_for_but_its_failure_counts(
    gh: GitHubDouble,
) -> None:
    require(gh)
    sha = open_pull(gh)
    report(gh, sha)
    report(gh, sha, ("notify",), conclusion="failure")  # the run failed after all

    refused_loudly(gh, merge(gh), '"notify"', "(failure)")
    report(gh, sha, ("notify",), conclusion="skipped")  # a re-run where it was skipped
    assert merge(gh).status == 200


def test_only_github_actions_check_runs_on_the_head_count(gh: GitHubDouble) -> None:
    require(gh)
    sha = open_pull(gh)
    report(gh, sha, token=OTHER_APP)
    report(gh, head(gh))  # on the base, not the pull request's head

    refused_loudly(gh, merge(gh), *CHECKS, "no check run")
    assert head(gh) != sha


def test_a_bypass_actor_s_merge_records_a_failing_rule_whose_details_are_unknown(
    gh: GitHubDouble,
) -> None:
    bypass = [{"actor_id": 4242, "actor_type": "Integration", "bypass_mode": "pull_request"}]
    require(gh, bypass_actors=bypass)
    open_pull(gh)
    merged = merge(gh, token=OTHER_APP)
    assert merged.status == 200, merged.body

    [listed] = call(gh, "GET", f"{SHOP}/rulesets/rule-suites").body
    assert listed["result"] == "bypass"
    one = call(gh, "GET", f"{SHOP}/rulesets/rule-suites/{listed['id']}")
    refused_loudly(gh, one, "the details of the failing workflows rule")
