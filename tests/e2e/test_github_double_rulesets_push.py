"""The GitHub double's organization plan, push rulesets (a workflow file locked by a
file_path_restriction), evaluate mode and rule insights (rule suites), over real HTTP and checked
against GitHub's contract.

Each test gets a fresh double whose teardown fails the test on any recorded violation; a test
that provokes one on purpose takes it first (a loud refusal is a 501 `unmodelled` violation).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from testing.github_double import Contract, GitHubDouble, User, pytest_plugin
from testing.github_double.models import Plan
from testing.github_double.pytest_plugin import ADMIN, ADMIN_TOKEN, ORG
from tests.e2e.test_github_double import (
    APP_ID,
    APP_TOKEN,
    WORKFLOW,
    Answer,
    b64,
    call,
    create_repo,
    put_file,
)

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

VAULT = f"/repos/{ORG}/vault"  # a private repository, the workflow file on main
LOCK = {"type": "file_path_restriction", "parameters": {"restricted_file_paths": [WORKFLOW]}}


def pull_request_rule(approvals: int = 0) -> dict[str, Any]:
    return {
        "type": "pull_request",
        "parameters": {
            "required_approving_review_count": approvals,
            "dismiss_stale_reviews_on_push": False,
            "require_code_owner_review": False,
            "require_last_push_approval": False,
            "required_review_thread_resolution": False,
        },
    }


PULL_REQUEST_ONLY = pull_request_rule()
THROUGH_A_PULL_REQUEST = "Changes must be made through a pull request."


@pytest.fixture
def gh(github_double: GitHubDouble) -> GitHubDouble:
    """The double (plan enterprise) with the app's token and `vault`, a private repository."""
    github_double.add_app_token(APP_TOKEN, APP_ID, "baseline-bot")
    seed_vault(github_double)
    return github_double


@contextmanager
def double_on(plan: Plan, contract: Contract) -> Iterator[GitHubDouble]:
    """A double whose organization is on `plan`, with `vault`; it fails on a violation left."""
    with GitHubDouble(ORG, {ADMIN_TOKEN: ADMIN}, contract=contract, plan=plan) as double:
        seed_vault(double)
        yield double
        double.assert_no_violations()


def seed_vault(double: GitHubDouble) -> None:
    files = {"README.md": "# vault\n", WORKFLOW: "name: ci\n"}
    double.seed_repository("vault", files, visibility="private")


def lock_body(**fields: Any) -> dict[str, Any]:
    """The workflow lock as terraform-provider-github v6.13.0 sends a push ruleset: no
    `conditions` at all, the app as its bypass actor."""
    return {
        "name": "workflow-lock",
        "target": "push",
        "enforcement": "active",
        "bypass_actors": [
            {"actor_id": APP_ID, "actor_type": "Integration", "bypass_mode": "always"}
        ],
        "rules": [LOCK],
        **fields,
    }


def lock(double: GitHubDouble, path: str = VAULT, **fields: Any) -> int:
    answer = call(double, "POST", f"{path}/rulesets", lock_body(**fields))
    assert answer.status == 201, answer.body
    return int(answer.body["id"])


def file_sha(double: GitHubDouble, path: str = WORKFLOW, branch: str = "main") -> str:
    answer = call(double, "GET", f"{VAULT}/contents/{path}?ref={branch}")
    assert answer.status == 200, answer.body
    return str(answer.body["sha"])


def vault_files(double: GitHubDouble, branch: str = "main") -> dict[str, Any]:
    files: dict[str, Any] = double.state()["repositories"]["vault"]["branches"][branch]["files"]
    return files


def write(
    double: GitHubDouble, path: str, content: str, *, token: str = ADMIN_TOKEN, branch: str = "main"
) -> Answer:
    body = {"message": "Change", "content": b64(content), "branch": branch}
    if path in vault_files(double, branch):
        body["sha"] = file_sha(double, path, branch)
    return call(double, "PUT", f"{VAULT}/contents/{path}", body, token=token)


def refused_loudly(double: GitHubDouble, answer: Answer, *words: str) -> None:
    """`answer` is the double's own refusal, recorded as one `unmodelled` violation naming
    `words`."""
    assert answer.status == 501, answer.body
    [violation] = double.take_violations()
    assert violation.kind == "unmodelled"
    for word in words:
        assert word in violation.detail


def org_ruleset(double: GitHubDouble, **fields: Any) -> Answer:
    """An organization branch ruleset on every repository's default branch (as the provider
    sends it) requiring a pull request."""
    body = {
        "name": "trial",
        "target": "branch",
        "source_type": "Organization",
        "source": ORG,
        "enforcement": "evaluate",
        "bypass_actors": [],
        "conditions": {
            "ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
            "repository_name": {"include": ["~ALL"], "exclude": [], "protected": False},
        },
        "rules": [PULL_REQUEST_ONLY],
        **fields,
    }
    return call(double, "POST", f"/orgs/{ORG}/rulesets", body)


def suites(double: GitHubDouble, repo: str = "shop", query: str = "") -> list[dict[str, Any]]:
    answer = call(double, "GET", f"/repos/{ORG}/{repo}/rulesets/rule-suites{query}")
    assert answer.status == 200, answer.body
    found: list[dict[str, Any]] = answer.body
    return found


def suite(double: GitHubDouble, suite_id: int, repo: str = "shop") -> dict[str, Any]:
    answer = call(double, "GET", f"/repos/{ORG}/{repo}/rulesets/rule-suites/{suite_id}")
    assert answer.status == 200, answer.body
    found: dict[str, Any] = answer.body
    return found


def head(double: GitHubDouble, repo: str = "shop", branch: str = "main") -> str:
    heads = double.state()["repositories"][repo]["branches"]
    return str(heads[branch]["head"])


# --- The plan --------------------------------------------------------------------------------


def test_the_plan_is_enterprise_unless_the_double_is_given_another(
    gh: GitHubDouble, github_contract: Contract
) -> None:
    with double_on("team", github_contract) as team:
        assert (team.plan, team.state()["plan"]) == ("team", "team")
    assert (gh.plan, gh.state()["plan"]) == ("enterprise", "enterprise")
    with pytest.raises(ValueError, match="plan must be one of"):
        GitHubDouble(ORG, {}, contract=github_contract, plan="pro")  # type: ignore[arg-type]


# --- Push rulesets: made and read ---------------------------------------------------------------


def test_a_push_ruleset_without_conditions_is_created_and_read_back(gh: GitHubDouble) -> None:
    created = call(gh, "POST", f"{VAULT}/rulesets", lock_body())
    read = call(gh, "GET", f"{VAULT}/rulesets/{created.body['id']}")
    listed = call(gh, "GET", f"{VAULT}/rulesets")

    assert created.status == 201, created.body
    assert read.status == 200, read.body
    for answer in (created.body, read.body, listed.body[0]):
        assert (answer["target"], answer["enforcement"]) == ("push", "active")
        assert answer["rules"] == [LOCK]
        # GitHub answers null; the description's checker accepts only its absence.
        assert answer.get("conditions") is None
    [stored] = gh.state()["repositories"]["vault"]["rulesets"]
    assert (stored["target"], stored["conditions"]) == ("push", None)


@pytest.mark.parametrize("plan", ["team", "enterprise"])
def test_a_push_ruleset_on_a_private_repository_needs_team_or_enterprise(
    github_contract: Contract, plan: Plan
) -> None:
    with double_on(plan, github_contract) as double:
        assert call(double, "POST", f"{VAULT}/rulesets", lock_body()).status == 201


def test_a_push_ruleset_on_the_free_plan_is_refused_loudly(github_contract: Contract) -> None:
    with double_on("free", github_contract) as double:
        refused_loudly(
            double, call(double, "POST", f"{VAULT}/rulesets", lock_body()), "push ruleset", "free"
        )
        body = lock_body(
            conditions={"repository_name": {"include": ["~ALL"], "exclude": []}},
            source_type="Organization",
            source=ORG,
        )
        refused_loudly(double, call(double, "POST", f"/orgs/{ORG}/rulesets", body), "free")
        assert double.state()["repositories"]["vault"]["rulesets"] == []
        assert double.state()["org_rulesets"] == []


def test_a_push_ruleset_on_a_public_repository_is_refused_loudly(gh: GitHubDouble) -> None:
    create_repo(gh, "open")
    answer = call(gh, "POST", f"/repos/{ORG}/open/rulesets", lock_body())

    refused_loudly(gh, answer, "push ruleset", "public repository open")
    assert gh.state()["repositories"]["open"]["rulesets"] == []


def test_a_push_ruleset_with_a_ref_name_condition_is_refused_loudly(gh: GitHubDouble) -> None:
    ref_name = {"ref_name": {"include": ["~ALL"], "exclude": []}}
    by_repo = call(gh, "POST", f"{VAULT}/rulesets", lock_body(conditions=ref_name))
    refused_loudly(gh, by_repo, "Target ref_name is not supported for push rulesets")

    conditions = {**ref_name, "repository_name": {"include": ["~ALL"], "exclude": []}}
    by_org = call(gh, "POST", f"/orgs/{ORG}/rulesets", lock_body(conditions=conditions))
    refused_loudly(gh, by_org, "Target ref_name is not supported for push rulesets")


def test_an_organization_push_ruleset_names_repositories_only(gh: GitHubDouble) -> None:
    conditions = {"repository_name": {"include": ["vault"], "exclude": []}}
    created = call(gh, "POST", f"/orgs/{ORG}/rulesets", lock_body(conditions=conditions))
    assert created.status == 201, created.body

    refused = write(gh, WORKFLOW, "name: mine\n")

    refused_loudly(gh, refused, WORKFLOW, "file_path_restriction")
    assert write(gh, WORKFLOW, "name: bot\n", token=APP_TOKEN).status == 200


def test_a_branch_rule_in_a_push_ruleset_is_refused_loudly(gh: GitHubDouble) -> None:
    answer = call(gh, "POST", f"{VAULT}/rulesets", lock_body(rules=[LOCK, PULL_REQUEST_ONLY]))
    refused_loudly(gh, answer, "pull_request rule in a push ruleset")


# --- Push rulesets: applied ---------------------------------------------------------------------


def test_a_users_write_to_the_locked_path_is_refused_loudly_and_changes_nothing(
    gh: GitHubDouble,
) -> None:
    lock(gh)
    gh.seed_branch("vault", "feature")
    before = vault_files(gh)[WORKFLOW]

    on_main = write(gh, WORKFLOW, "name: mine\n")
    refused_loudly(gh, on_main, f"a contents write to {WORKFLOW}", "file_path_restriction")
    on_feature = write(gh, WORKFLOW, "name: mine\n", branch="feature")
    refused_loudly(gh, on_feature, "file_path_restriction")
    deleted = call(
        gh,
        "DELETE",
        f"{VAULT}/contents/{WORKFLOW}",
        {"message": "Drop CI", "sha": before["sha"], "branch": "main"},
    )
    refused_loudly(gh, deleted, "file_path_restriction")

    assert vault_files(gh)[WORKFLOW] == before
    assert vault_files(gh, "feature")[WORKFLOW]["sha"] == before["sha"]


def test_the_bypassing_app_writes_the_locked_path(gh: GitHubDouble) -> None:
    lock(gh)
    answer = write(gh, WORKFLOW, "name: bot\n", token=APP_TOKEN)

    assert answer.status == 200, answer.body
    written = vault_files(gh)[WORKFLOW]
    assert written["content"] == "name: bot\n"
    assert written["history"][0]["pusher"] == "baseline-bot[bot]"
    [recorded] = suites(gh, "vault")
    assert (recorded["result"], recorded["actor_name"]) == ("bypass", "baseline-bot[bot]")


def test_an_evaluate_push_ruleset_refuses_nothing_and_records_the_write(gh: GitHubDouble) -> None:
    lock(gh, enforcement="evaluate")

    written = write(gh, WORKFLOW, "name: mine\n")

    assert written.status == 200, written.body
    [recorded] = suites(gh, "vault")
    assert (recorded["result"], recorded["evaluation_result"]) == ("pass", "fail")
    # GitHub's words for the failing file_path_restriction are not known.
    answer = call(gh, "GET", f"{VAULT}/rulesets/rule-suites/{recorded['id']}")
    refused_loudly(gh, answer, "file_path_restriction", "workflow-lock")


def test_a_users_write_to_another_path_goes_through(gh: GitHubDouble) -> None:
    lock(gh)
    changed = write(gh, "README.md", "# vault, changed\n")
    added = write(gh, ".github/workflows/other.yml", "name: other\n")

    assert (changed.status, added.status) == (200, 201)
    assert vault_files(gh)["README.md"]["content"] == "# vault, changed\n"


def test_a_locked_path_is_matched_exactly_or_by_its_wildcards(gh: GitHubDouble) -> None:
    lock(gh, rules=[{**LOCK, "parameters": {"restricted_file_paths": [".github/**/*.yml"]}}])

    refused_loudly(gh, write(gh, ".github/workflows/deep/x.yml", "x\n"), "x.yml")
    assert write(gh, ".github/workflows/x.yaml", "x\n").status == 201
    assert write(gh, "ci.yml", "x\n").status == 201


def test_a_push_ruleset_is_not_a_branch_ruleset_whatever_its_conditions(gh: GitHubDouble) -> None:
    """A push ruleset judges every push, never a branch by name: not even one made directly
    with a ref_name (which GitHub refuses over the API) protects a branch or lists its rules."""
    ruleset_id = lock(gh)
    repo = gh.backend.repository(ORG, "vault")
    repo.rulesets[ruleset_id].conditions = {"ref_name": {"include": ["~ALL"], "exclude": []}}

    rules = call(gh, "GET", f"{VAULT}/rules/branches/main")
    branch = call(gh, "GET", f"{VAULT}/branches/main")
    readme = write(gh, "README.md", "# vault, changed\n")

    assert (rules.status, rules.body) == (200, [])
    assert branch.body["protected"] is False
    assert readme.status == 200, readme.body


def test_a_merge_bringing_a_change_to_the_locked_path_is_refused_loudly(gh: GitHubDouble) -> None:
    gh.seed_branch("vault", "feature", {WORKFLOW: "name: changed\n"})
    gh.seed_branch("vault", "other", {"docs.md": "docs\n"})
    lock(gh)
    body = {"title": "Change CI", "head": "feature", "base": "main"}
    assert call(gh, "POST", f"{VAULT}/pulls", body).status == 201
    body = {"title": "Docs", "head": "other", "base": "main"}
    assert call(gh, "POST", f"{VAULT}/pulls", body).status == 201
    main = head(gh, "vault")
    # What the merge box says before: not known to a person the lock would refuse, as GitHub
    # answers while it still computes; the app's merge and the other pull request's are clean.
    assert call(gh, "GET", f"{VAULT}/pulls/1").body["mergeable_state"] == "unknown"
    assert call(gh, "GET", f"{VAULT}/pulls/1", token=APP_TOKEN).body["mergeable_state"] == "clean"
    assert call(gh, "GET", f"{VAULT}/pulls/2").body["mergeable_state"] == "clean"

    refused = call(gh, "PUT", f"{VAULT}/pulls/1/merge", {"merge_method": "squash"})
    refused_loudly(gh, refused, "merging pull request #1", WORKFLOW)
    assert head(gh, "vault") == main
    assert call(gh, "PUT", f"{VAULT}/pulls/2/merge").status == 200
    by_app = call(gh, "PUT", f"{VAULT}/pulls/1/merge", token=APP_TOKEN)
    assert by_app.status == 200, by_app.body
    assert vault_files(gh)[WORKFLOW]["content"] == "name: changed\n"


@pytest.mark.parametrize(
    "rule",
    [
        {"type": "max_file_size", "parameters": {"max_file_size": 1}},
        {"type": "max_file_path_length", "parameters": {"max_file_path_length": 200}},
        {
            "type": "file_extension_restriction",
            "parameters": {"restricted_file_extensions": ["*.exe"]},
        },
    ],
    ids=lambda rule: rule["type"],
)
def test_a_push_rule_the_double_does_not_apply_refuses_every_write_loudly(
    gh: GitHubDouble, rule: dict[str, Any]
) -> None:
    lock(gh, rules=[rule])

    refused_loudly(gh, write(gh, "README.md", "# x\n"), rule["type"])
    refused_loudly(gh, write(gh, "README.md", "# x\n", token=APP_TOKEN), rule["type"])
    assert vault_files(gh)["README.md"]["content"] == "# vault\n"


def test_a_push_ruleset_made_public_since_is_refused_loudly_at_the_next_write(
    gh: GitHubDouble,
) -> None:
    lock(gh)
    call(gh, "PATCH", VAULT, {"visibility": "public"})

    refused_loudly(gh, write(gh, "README.md", "# x\n"), "public repository vault")


# --- Evaluate mode ------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", ["free", "team"])
def test_evaluate_mode_needs_enterprise(github_contract: Contract, plan: Plan) -> None:
    with double_on(plan, github_contract) as double:
        create_repo(double)
        body = {
            "name": "trial",
            "target": "branch",
            "enforcement": "evaluate",
            "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
            "rules": [PULL_REQUEST_ONLY],
        }
        by_repo = call(double, "POST", f"/repos/{ORG}/shop/rulesets", body)
        refused_loudly(double, by_repo, "evaluate", "GitHub Enterprise")
        refused_loudly(double, org_ruleset(double), "evaluate")


def test_branch_rules_leave_out_an_evaluate_rulesets_rules(gh: GitHubDouble) -> None:
    create_repo(gh)
    body = {
        "name": "own",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [{"type": "deletion"}],
    }
    own = call(gh, "POST", f"/repos/{ORG}/shop/rulesets", body).body["id"]
    assert org_ruleset(gh).status == 201

    rules = call(gh, "GET", f"/repos/{ORG}/shop/rules/branches/main").body

    assert [(r["type"], r["ruleset_id"]) for r in rules] == [("deletion", own)]


# --- Rule insights ------------------------------------------------------------------------------


def test_an_evaluate_ruleset_records_the_commit_it_would_have_refused(gh: GitHubDouble) -> None:
    create_repo(gh)
    trial = org_ruleset(gh).body["id"]
    before = head(gh)

    written = put_file(gh, "name: ci\n")

    assert written.status == 201, written.body
    [listed] = suites(gh)
    assert listed == {
        "id": listed["id"],
        "actor_id": listed["actor_id"],
        "actor_name": "octo-admin",
        "before_sha": before,
        "after_sha": written.body["commit"]["sha"],
        "ref": "refs/heads/main",
        "repository_id": gh.state()["repositories"]["shop"]["id"],
        "repository_name": "shop",
        "pushed_at": listed["pushed_at"],
        "result": "pass",
        "evaluation_result": "fail",
    }
    one = suite(gh, listed["id"])
    assert {k: v for k, v in one.items() if k != "rule_evaluations"} == listed
    assert one["rule_evaluations"] == [
        {
            "rule_source": {"type": "ruleset", "id": trial, "name": "trial"},
            "enforcement": "evaluate",
            "result": "fail",
            "rule_type": "pull_request",
            "details": THROUGH_A_PULL_REQUEST,
        }
    ]
    assert [s["id"] for s in suites(gh, query="?evaluate_status=evaluate")] == [listed["id"]]
    assert suites(gh, query="?evaluate_status=active") == []
    assert suites(gh, query="?rule_suite_result=fail") == []
    assert [s["id"] for s in suites(gh, query="?rule_suite_result=pass")] == [listed["id"]]


def test_refused_and_bypassed_writes_are_recorded_and_filtered(gh: GitHubDouble) -> None:
    create_repo(gh)
    body = {
        "name": "baseline",
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": [
            {"actor_id": APP_ID, "actor_type": "Integration", "bypass_mode": "always"}
        ],
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [{"type": "deletion"}, PULL_REQUEST_ONLY],
    }
    ruleset_id = call(gh, "POST", f"/repos/{ORG}/shop/rulesets", body).body["id"]
    before = head(gh)

    refused = put_file(gh, "name: mine\n")
    bypassed = put_file(gh, "name: bot\n", token=APP_TOKEN)

    assert (refused.status, bypassed.status) == (409, 201)
    newest, oldest = suites(gh)
    assert (newest["result"], newest["actor_name"]) == ("bypass", "baseline-bot[bot]")
    assert (oldest["result"], oldest["actor_name"]) == ("fail", "octo-admin")
    # The refused commit was never made: its suite names the commit GitHub would have made.
    assert oldest["before_sha"] == newest["before_sha"] == before
    assert oldest["after_sha"] not in (before, head(gh))
    assert newest["after_sha"] == head(gh)
    assert "evaluation_result" not in newest  # no evaluate ruleset ran
    assert [s["id"] for s in suites(gh, query="?rule_suite_result=fail")] == [oldest["id"]]
    assert [s["id"] for s in suites(gh, query="?rule_suite_result=bypass")] == [newest["id"]]
    assert [s["id"] for s in suites(gh, query="?actor_name=octo-admin")] == [oldest["id"]]
    assert suites(gh, query="?evaluate_status=evaluate") == []
    failed = suite(gh, oldest["id"])
    # GitHub's null, which the description's nullable enum refuses: left out.
    assert "evaluation_result" not in failed
    assert [
        (e["rule_source"]["id"], e["enforcement"], e["rule_type"], e["result"], e["details"])
        for e in failed["rule_evaluations"]
    ] == [
        (ruleset_id, "active", "deletion", "pass", None),
        (ruleset_id, "active", "pull_request", "fail", THROUGH_A_PULL_REQUEST),
    ]


def test_a_merge_records_its_rule_suite_refused_or_not(gh: GitHubDouble) -> None:
    create_repo(gh)
    body = {
        "name": "reviews",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [pull_request_rule(approvals=1)],
    }
    assert call(gh, "POST", f"/repos/{ORG}/shop/rulesets", body).status == 201
    feature = gh.seed_branch("shop", "feature", {"docs.md": "docs\n"})
    pulls = f"/repos/{ORG}/shop/pulls"
    assert (
        call(gh, "POST", pulls, {"title": "Docs", "head": "feature", "base": "main"}).status == 201
    )
    base = head(gh)

    refused = call(gh, "PUT", f"{pulls}/1/merge")
    review = call(gh, "POST", f"{pulls}/1/reviews", {"event": "APPROVE"}, token=APP_TOKEN)
    merged = call(gh, "PUT", f"{pulls}/1/merge")

    assert (refused.status, review.status, merged.status) == (405, 200, 200)
    passed, failed = suites(gh)
    assert (failed["result"], failed["before_sha"], failed["after_sha"]) == ("fail", base, feature)
    assert (passed["result"], passed["before_sha"], passed["after_sha"]) == (
        "pass",
        base,
        merged.body["sha"],
    )
    assert suite(gh, failed["id"])["rule_evaluations"][0]["details"] == (
        "At least 1 approving review is required by reviewers with write access."
    )


def test_rule_suites_filter_by_ref_and_time_and_page(github_contract: Contract) -> None:
    now = [datetime(2025, 3, 1, 12, tzinfo=UTC)]
    tokens = {ADMIN_TOKEN: ADMIN}
    with GitHubDouble(ORG, tokens, contract=github_contract, clock=lambda: now[0]) as double:
        create_repo(double)
        assert org_ruleset(double).status == 201
        put_file(double, "name: one\n")
        now[0] += timedelta(hours=2)
        sha = double.state()["repositories"]["shop"]["branches"]["main"]["files"][WORKFLOW]["sha"]
        put_file(double, "name: two\n", sha=sha)
        now[0] += timedelta(days=3)

        assert suites(double) == []  # time_period: the past day by default
        assert len(suites(double, query="?time_period=week")) == 2
        assert len(suites(double, query="?time_period=week&ref=main")) == 2
        assert len(suites(double, query="?time_period=week&ref=refs/heads/main")) == 2
        assert suites(double, query="?time_period=week&ref=refs/tags/main") == []
        first = call(
            double, "GET", f"/repos/{ORG}/shop/rulesets/rule-suites?time_period=week&per_page=1"
        )
        assert len(first.body) == 1
        assert 'rel="next"' in first.headers["Link"]
        double.assert_no_violations()


def test_an_unknown_rule_suite_is_404(gh: GitHubDouble) -> None:
    create_repo(gh)
    answer = call(gh, "GET", f"/repos/{ORG}/shop/rulesets/rule-suites/99")

    assert (answer.status, answer.message) == (404, "Not Found")


def test_rule_insights_github_records_differently_are_refused_loudly(gh: GitHubDouble) -> None:
    """A suite on a branch also under classic protection: GitHub lists its rules as source
    `protected_branch`, which the double does not model. A reader without admin access: GitHub's
    answer is not known."""
    create_repo(gh)
    assert org_ruleset(gh).status == 201
    protection = {
        "required_status_checks": None,
        "enforce_admins": False,
        "required_pull_request_reviews": None,
        "restrictions": None,
    }
    assert call(gh, "PUT", f"/repos/{ORG}/shop/branches/main/protection", protection).status == 200
    assert put_file(gh, "name: ci\n").status == 201
    [listed] = suites(gh)

    answer = call(gh, "GET", f"/repos/{ORG}/shop/rulesets/rule-suites/{listed['id']}")
    refused_loudly(gh, answer, "protected_branch")
    gh.add_token("test-writer-token", User("octo-dev", role="write", org_admin=False))
    by_writer = call(
        gh, "GET", f"/repos/{ORG}/shop/rulesets/rule-suites", token="test-writer-token"
    )
    refused_loudly(gh, by_writer, "octo-dev")
