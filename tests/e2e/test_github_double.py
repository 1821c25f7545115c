"""The GitHub double's own tests: the behaviour the end-to-end runs rely on, over real HTTP.

Each test gets a fresh double (testing/github_double/pytest_plugin.py) whose teardown fails the
test on any recorded violation; tests that provoke violations on purpose take them first.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from testing.github_double import (
    App,
    Contract,
    GitHubDouble,
    SpecNotInstalledError,
    User,
    pytest_plugin,
    urls,
)
from testing.github_double.handlers import contents, orgs
from testing.github_double.models import git_blob_sha
from testing.github_double.pytest_plugin import ADMIN_TOKEN, ORG

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

ROOT = Path(__file__).resolve().parents[2]
APP_ID = 4242
APP_TOKEN = "test-app-token"
WORKFLOW = ".github/workflows/ci.yml"
PULL_REQUEST_RULE = {
    "type": "pull_request",
    "parameters": {
        "required_approving_review_count": 1,
        "dismiss_stale_reviews_on_push": True,
        "require_code_owner_review": False,
        "require_last_push_approval": False,
        "required_review_thread_resolution": False,
    },
}


class Answer:
    def __init__(self, status: int, headers: Mapping[str, str], body: Any) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def message(self) -> str:
        return str(self.body["message"])


def call(
    double: GitHubDouble,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = ADMIN_TOKEN,
    headers: Mapping[str, str] | None = None,
    prefix: str = "api/v3",
) -> Answer:
    """One HTTP request, as the provider sends it (token auth, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{double.url}{prefix}{path}", data=data, method=method)
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, status, got = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, dict(error.headers)
    return Answer(status, got, json.loads(raw) if raw else None)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create_repo(double: GitHubDouble, name: str = "shop", **fields: Any) -> Answer:
    answer = call(double, "POST", f"/orgs/{ORG}/repos", {"name": name, "auto_init": True, **fields})
    assert answer.status == 201, answer.body
    return answer


def put_file(
    double: GitHubDouble,
    content: str,
    *,
    repo: str = "shop",
    branch: str | None = "main",
    sha: str | None = None,
    token: str = ADMIN_TOKEN,
    message: str = "Update CI",
) -> Answer:
    body: dict[str, Any] = {"message": message, "content": b64(content)}
    if branch is not None:
        body["branch"] = branch
    if sha is not None:
        body["sha"] = sha
    return call(double, "PUT", f"/repos/{ORG}/{repo}/contents/{WORKFLOW}", body, token=token)


def add_ruleset(
    double: GitHubDouble, bypass_mode: str = "always", enforcement: str = "active"
) -> int:
    body = {
        "name": "baseline",
        "target": "branch",
        "enforcement": enforcement,
        "bypass_actors": [
            {"actor_type": "Integration", "actor_id": APP_ID, "bypass_mode": bypass_mode}
        ],
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [{"type": "deletion"}, PULL_REQUEST_RULE],
    }
    answer = call(double, "POST", f"/repos/{ORG}/shop/rulesets", body)
    assert answer.status == 201, answer.body
    return int(answer.body["id"])


def classic_protection(enforce_admins: bool, reviews: bool = True) -> dict[str, Any]:
    return {
        # As terraform-provider-github sends it: `checks` pinned to an app, no `contexts`.
        "required_status_checks": {
            "strict": True,
            "checks": [{"context": "lint", "app_id": 15368}],
        },
        "enforce_admins": enforce_admins,
        "required_pull_request_reviews": {
            "required_approving_review_count": 1,
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": False,
            "require_last_push_approval": False,
        }
        if reviews
        else None,
        "restrictions": None,
        "required_conversation_resolution": True,
    }


@pytest.fixture
def gh(github_double: GitHubDouble) -> GitHubDouble:
    """The double with a GitHub App token besides the admin's."""
    github_double.add_app_token(APP_TOKEN, APP_ID, "baseline-bot")
    return github_double


# --- The contract ----------------------------------------------------------------------------


def test_every_route_is_an_operation_of_githubs_description(github_contract: Contract) -> None:
    missing = [
        f"{route.method} {route.template}"
        for route in urls.ROUTES
        if github_contract.operation(route.method, route.template) is None
    ]
    assert missing == []


def test_a_path_parameter_holding_slashes_is_encoded_before_matching() -> None:
    found = urls.match("PUT", f"/repos/{ORG}/shop/contents/{WORKFLOW}")
    assert found is not None
    route, params = found
    assert params["path"] == WORKFLOW
    assert route.spec_path(params) == f"/repos/{ORG}/shop/contents/.github%2Fworkflows%2Fci.yml"


def test_an_unknown_route_is_501_naming_method_and_path(gh: GitHubDouble) -> None:
    create_repo(gh)
    answer = call(gh, "POST", f"/repos/{ORG}/shop/forks", {"name": "shop-fork"})
    outside = call(gh, "GET", "/zen", prefix="")

    assert answer.status == 501
    assert f"POST /api/v3/repos/{ORG}/shop/forks" in answer.message
    assert "in GitHub's description but the double does not model it" in answer.message
    assert outside.status == 501
    assert "GET /zen" in outside.message
    found = gh.take_violations()
    assert [(v.kind, v.method, v.path) for v in found] == [
        ("unknown-route", "POST", f"/api/v3/repos/{ORG}/shop/forks"),
        ("unknown-route", "GET", "/zen"),
    ]


def test_assert_no_violations_fails_with_every_violation(gh: GitHubDouble) -> None:
    call(gh, "GET", f"/repos/{ORG}/shop/pages")

    with pytest.raises(
        AssertionError, match=rf"(?s)1 violation.*GET /api/v3/repos/{ORG}/shop/pages"
    ):
        gh.assert_no_violations()
    gh.take_violations()


def test_a_request_body_breaking_the_contract_is_refused_and_changes_nothing(
    gh: GitHubDouble,
) -> None:
    answer = call(gh, "POST", f"/orgs/{ORG}/repos", {"name": 7, "auto_init": True})

    assert answer.status == 400
    assert f"POST /api/v3/orgs/{ORG}/repos (repos/create-in-org): request:" in answer.message
    assert "7 is not of type 'string'" in answer.message
    assert [v.kind for v in gh.take_violations()] == ["request"]
    assert gh.state()["repositories"] == {}


def test_a_path_parameter_breaking_the_contract_is_refused(gh: GitHubDouble) -> None:
    create_repo(gh)
    answer = call(gh, "GET", f"/repos/{ORG}/shop/rulesets/not-a-number")

    assert answer.status == 400
    assert "ruleset_id" in answer.message
    assert [v.kind for v in gh.take_violations()] == ["request"]


def test_an_answer_breaking_the_contract_is_500_and_recorded(
    gh: GitHubDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orgs, "render_org", lambda call: {"login": 7})
    answer = call(gh, "GET", f"/orgs/{ORG}")

    assert answer.status == 500
    assert f"GET /api/v3/orgs/{ORG} (orgs/get): response:" in answer.message
    assert "'url' is a required property" in answer.message
    assert [v.kind for v in gh.take_violations()] == ["response"]


def test_the_provider_style_status_checks_without_contexts_are_accepted_as_a_spec_gap(
    gh: GitHubDouble,
) -> None:
    create_repo(gh)
    answer = call(
        gh, "PUT", f"/repos/{ORG}/shop/branches/main/protection", classic_protection(True)
    )

    assert answer.status == 200, answer.body
    assert "status-checks-without-contexts" in gh.log[-1].spec_gaps


def test_a_missing_description_fails_with_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(SpecNotInstalledError, match=r"npm ci --prefix testing/github_double"):
        Contract.load(tmp_path / "api.github.com.json")


def test_validation_is_fast_enough_for_the_provider(gh: GitHubDouble) -> None:
    create_repo(gh)
    for _ in range(20):
        call(gh, "GET", f"/repos/{ORG}/shop")
    timings = [entry.validation_ms for entry in gh.log]

    assert gh.contract.load_seconds < 10
    assert sum(timings) / len(timings) < 250


# --- Organization, user, tokens ----------------------------------------------------------------


def test_the_configured_organization_answers_and_others_do_not(gh: GitHubDouble) -> None:
    assert call(gh, "GET", f"/orgs/{ORG}").body["login"] == ORG
    assert call(gh, "GET", "/orgs/someone-else").status == 404


def test_the_user_is_the_tokens_actor(gh: GitHubDouble) -> None:
    assert call(gh, "GET", "/user").body["login"] == "octo-admin"
    assert call(gh, "GET", "/user", token=APP_TOKEN).status == 403


def test_an_unknown_token_is_401_bad_credentials(gh: GitHubDouble) -> None:
    listed = call(gh, "GET", "/user", token="nobody")
    unlisted = call(gh, "GET", f"/orgs/{ORG}", token="nobody")
    anonymous = call(gh, "GET", f"/orgs/{ORG}", token=None)

    assert (listed.status, listed.message) == (401, "Bad credentials")
    assert (unlisted.status, unlisted.message) == (401, "Bad credentials")
    assert (anonymous.status, anonymous.message) == (401, "Requires authentication")
    # GitHub's description lists 401 for users/get only: elsewhere it is a double limitation.
    assert [(v.kind, v.operation) for v in gh.take_violations()] == [
        ("auth", "orgs/get"),
        ("auth", "orgs/get"),
    ]


READ_TOKEN = "test-read-token"


def test_a_read_only_token_reads_everything_and_every_write_is_403(gh: GitHubDouble) -> None:
    create_repo(gh)
    ruleset_id = add_ruleset(gh)
    repo = f"/repos/{ORG}/shop"
    gh.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    gh.add_app_token("test-read-app-token", 5151, "reader", read_only=True)
    before = gh.state()
    reads = [
        f"/orgs/{ORG}",
        repo,
        f"{repo}/branches/main",
        f"{repo}/contents/README.md?ref=main",
        f"{repo}/rulesets/{ruleset_id}?includes_parents=false",
        f"{repo}/actions/permissions",
        f"{repo}/actions/permissions/workflow",
        f"{repo}/automated-security-fixes",
    ]
    writes: list[tuple[str, str, Any]] = [
        ("POST", f"/orgs/{ORG}/repos", {"name": "other"}),
        ("PATCH", repo, {"has_wiki": False}),
        ("PUT", f"{repo}/contents/{WORKFLOW}", {"message": "m", "content": b64("x")}),
        ("POST", f"{repo}/rulesets", {"name": "r", "target": "branch", "enforcement": "active"}),
        ("PUT", f"{repo}/rulesets/{ruleset_id}", {"enforcement": "disabled"}),
        ("DELETE", f"{repo}/rulesets/{ruleset_id}", None),
        ("PUT", f"{repo}/branches/main/protection", classic_protection(enforce_admins=True)),
        ("PUT", f"{repo}/vulnerability-alerts", None),
        ("PUT", f"{repo}/automated-security-fixes", None),
        ("PUT", f"{repo}/actions/permissions", {"enabled": False}),
        ("PUT", f"{repo}/actions/permissions/workflow", {"default_workflow_permissions": "write"}),
    ]

    read = [call(gh, "GET", path, token=READ_TOKEN).status for path in reads]
    refused = [
        (
            call(gh, method, path, body, token=READ_TOKEN),
            call(gh, method, path, body, token="test-read-app-token"),
        )
        for method, path, body in writes
    ]

    assert read == [200] * len(reads)
    for (by_user, by_app), (method, path, _) in zip(refused, writes, strict=True):
        assert (by_user.status, by_user.message) == (
            403,
            "Resource not accessible by personal access token",
        ), (method, path)
        assert (by_app.status, by_app.message) == (403, "Resource not accessible by integration")
    assert gh.state() == before
    # Where GitHub's description lists no 403 the answer is GitHub's all the same, named as such.
    gaps = {e["operation"]: e["spec_gaps"] for e in gh.log_json() if e["status"] == 403}
    assert gaps["repos/create-or-update-file-contents"] == ["read-only-write"]
    assert gaps["repos/update"] == []


# --- Repositories, branches, files -------------------------------------------------------------


def test_auto_init_creates_main_with_a_first_commit(gh: GitHubDouble) -> None:
    created = create_repo(gh, description="Shop API", visibility="private").body
    branch = call(gh, "GET", f"/repos/{ORG}/shop/branches/main").body
    readme = gh.state()["repositories"]["shop"]["branches"]["main"]["files"]["README.md"]

    assert created["default_branch"] == "main"
    assert created["visibility"] == "private"
    assert branch["commit"]["parents"] == []
    assert branch["commit"]["commit"]["message"] == "Initial commit"
    assert readme["content"] == "# shop\nShop API\n"
    assert readme["sha"] == git_blob_sha(b"# shop\nShop API\n")
    assert readme["history"][0]["commit"] == branch["commit"]["sha"]


def test_blob_shas_are_gits_own(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"name: ci\n")
    by_git = subprocess.run(
        ["git", "hash-object", str(tmp_path / "f")], capture_output=True, text=True, check=True
    )
    assert git_blob_sha(b"name: ci\n") == by_git.stdout.strip()


def test_a_repository_without_auto_init_has_no_branch(gh: GitHubDouble) -> None:
    call(gh, "POST", f"/orgs/{ORG}/repos", {"name": "bare"})

    assert gh.state()["repositories"]["bare"]["branches"] == {}
    assert call(gh, "GET", f"/repos/{ORG}/bare/branches/main").message == "Branch not found"


def test_patch_updates_settings_and_default_branch_only_to_an_existing_branch(
    gh: GitHubDouble,
) -> None:
    create_repo(gh)
    patched = call(gh, "PATCH", f"/repos/{ORG}/shop", {"allow_merge_commit": False})
    refused = call(gh, "PATCH", f"/repos/{ORG}/shop", {"default_branch": "develop"})

    assert patched.body["allow_merge_commit"] is False
    assert refused.status == 422
    assert gh.state()["repositories"]["shop"]["default_branch"] == "main"
    assert gh.state()["repositories"]["shop"]["settings"]["allow_merge_commit"] is False


def test_a_contents_write_to_a_missing_branch_is_404(gh: GitHubDouble) -> None:
    create_repo(gh)
    answer = put_file(gh, "name: ci\n", branch="develop")

    assert (answer.status, answer.message) == (404, "Branch develop not found")
    assert WORKFLOW not in gh.state()["repositories"]["shop"]["branches"]["main"]["files"]


def test_contents_keep_a_history_per_file_and_the_url_carries_the_ref(gh: GitHubDouble) -> None:
    create_repo(gh)
    missing = call(gh, "GET", f"/repos/{ORG}/shop/contents/{WORKFLOW}?ref=main")
    first = put_file(gh, "name: ci\n", message="Add CI")
    second = put_file(gh, "name: ci2\n", sha=first.body["content"]["sha"])
    read = call(gh, "GET", f"/repos/{ORG}/shop/contents/{WORKFLOW}?ref=main").body
    history = gh.state()["repositories"]["shop"]["branches"]["main"]["files"][WORKFLOW]["history"]

    assert missing.status == 404
    assert (first.status, second.status) == (201, 200)
    assert read["url"].endswith("?ref=main")
    assert base64.b64decode(read["content"]) == b"name: ci2\n"
    assert [h["message"] for h in history] == ["Update CI", "Add CI"]
    assert history[0]["parents"] == [history[1]["commit"]]
    commit = call(gh, "GET", f"/repos/{ORG}/shop/commits/{history[0]['commit']}").body
    assert [f["filename"] for f in commit["files"]] == [WORKFLOW]


def test_updating_a_file_needs_its_current_sha(gh: GitHubDouble) -> None:
    create_repo(gh)
    put_file(gh, "name: ci\n")

    assert put_file(gh, "name: x\n").status == 422
    assert put_file(gh, "name: x\n", sha=git_blob_sha(b"other")).status == 409


def test_a_seeded_repository_serves_its_files_for_adoption(gh: GitHubDouble) -> None:
    gh.seed_repository("billing", {WORKFLOW: "name: old\n"}, description="Billing backend")
    read = call(gh, "GET", f"/repos/{ORG}/billing/contents/{WORKFLOW}?ref=main").body
    replaced = put_file(gh, "name: new\n", repo="billing", sha=read["sha"])

    assert base64.b64decode(read["content"]) == b"name: old\n"
    assert replaced.status == 200
    files = gh.state()["repositories"]["billing"]["branches"]["main"]["files"]
    assert [h["pusher"] for h in files[WORKFLOW]["history"]] == ["octo-admin", "github-double-seed"]


# --- Directory listings --------------------------------------------------------------------------

WORKFLOW_FILES = {
    ".github/workflows/ci.yml": "name: ci\n",
    ".github/workflows/release.yaml": "name: release\n",
    "README.md": "# billing\n",
}


def api_path(double: GitHubDouble, url: str) -> str:
    """An absolute URL the double answered, as the path `call` takes."""
    assert url.startswith(double.api_url), url
    return url.removeprefix(double.api_url)


def test_a_directory_is_listed_and_each_workflow_is_read_from_its_url(gh: GitHubDouble) -> None:
    gh.seed_repository("billing", WORKFLOW_FILES)
    listing = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github/workflows?ref=main")
    workflows = {}
    for item in listing.body:
        if item["type"] == "file" and item["name"].endswith((".yml", ".yaml")):
            read = call(gh, "GET", api_path(gh, item["url"])).body
            workflows[item["path"]] = base64.b64decode(read["content"]).decode()

    assert listing.status == 200
    assert [(i["name"], i["type"]) for i in listing.body] == [
        ("ci.yml", "file"),
        ("release.yaml", "file"),
    ]
    ci = listing.body[0]
    assert ci["path"] == ".github/workflows/ci.yml"
    assert (ci["sha"], ci["size"]) == (git_blob_sha(b"name: ci\n"), len("name: ci\n"))
    assert ci["url"].endswith("/contents/.github/workflows/ci.yml?ref=main")
    assert ci["_links"]["self"] == ci["url"]
    assert ci["git_url"].endswith(f"/git/blobs/{ci['sha']}")
    assert workflows == {p: c for p, c in WORKFLOW_FILES.items() if p.startswith(".github/")}
    assert "array-discriminator" in gh.log[0].spec_gaps


def test_a_directory_item_is_a_dir_with_gits_tree_id(gh: GitHubDouble, tmp_path: Path) -> None:
    gh.seed_repository("billing", WORKFLOW_FILES)
    listing = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github").body
    root = call(gh, "GET", f"/repos/{ORG}/billing/contents/").body
    # The same files committed by git itself: its tree ids must be the double's.
    for path, content in WORKFLOW_FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(content)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    trees = {
        path: subprocess.run(
            ["git", "-C", str(tmp_path), "write-tree", f"--prefix={path}/"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for path in (".github", ".github/workflows")
    }

    assert [(i["name"], i["type"], i["size"]) for i in listing] == [("workflows", "dir", 0)]
    (workflows,) = listing
    assert workflows["path"] == ".github/workflows"
    assert workflows["sha"] == trees[".github/workflows"]
    assert workflows["git_url"].endswith(f"/git/trees/{trees['.github/workflows']}")
    assert workflows["html_url"].endswith("/tree/main/.github/workflows")
    assert workflows["download_url"] is None
    assert [(i["name"], i["type"]) for i in root] == [(".github", "dir"), ("README.md", "file")]
    assert root[0]["sha"] == trees[".github"]


def test_a_listing_is_in_gits_tree_order(gh: GitHubDouble) -> None:
    # GitHub lists a directory as git orders its tree: bytewise (upper case first), a
    # directory's name as if it ended in "/" (a recorded listing has `docs-synergy` before the
    # directory `docs`, and `README.md` before `auth`).
    names = ["docs/guide.md", "docs-x.md", "auth/login.py", "Zed.md", "README.md", ".gitignore"]
    gh.seed_repository("billing", {name: "x\n" for name in names})
    root = call(gh, "GET", f"/repos/{ORG}/billing/contents/").body

    assert [i["name"] for i in root] == [
        ".gitignore",
        "README.md",
        "Zed.md",
        "auth",
        "docs-x.md",
        "docs",
    ]


def test_a_missing_directory_is_githubs_404(gh: GitHubDouble) -> None:
    gh.seed_repository("billing", {"README.md": "# billing\n"})
    call(gh, "POST", f"/orgs/{ORG}/repos", {"name": "bare"})
    missing = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github/workflows")
    missing_ref = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github?ref=nope")
    empty = call(gh, "GET", f"/repos/{ORG}/bare/contents/")

    assert missing.status == 404
    assert missing.body == {
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
        "status": "404",
    }
    assert (missing_ref.status, missing_ref.message) == (404, "No commit found for the ref nope")
    assert (empty.status, empty.message) == (404, "This repository is empty.")


def test_a_listing_at_a_ref_lists_that_branch(gh: GitHubDouble) -> None:
    repo = gh.seed_repository("billing", WORKFLOW_FILES)
    created = call(
        gh,
        "POST",
        f"/repos/{ORG}/billing/git/refs",
        {"ref": "refs/heads/next", "sha": repo.branches["main"]},
    )
    put = call(
        gh,
        "PUT",
        f"/repos/{ORG}/billing/contents/.github/workflows/lint.yml",
        {"message": "Add lint", "content": b64("name: lint\n"), "branch": "next"},
    )
    on_next = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github/workflows?ref=next").body
    on_main = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github/workflows").body

    assert (created.status, put.status) == (201, 201)
    assert [i["name"] for i in on_next] == ["ci.yml", "lint.yml", "release.yaml"]
    assert all(i["url"].endswith("?ref=next") for i in on_next)
    # With no ref, GitHub lists the default branch and names it in each item's URL.
    assert [i["name"] for i in on_main] == ["ci.yml", "release.yaml"]
    assert all(i["url"].endswith("?ref=main") for i in on_main)


def test_a_listing_breaking_the_description_is_refused(
    gh: GitHubDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    gh.seed_repository("billing", WORKFLOW_FILES)
    original = contents.render_directory_item

    def without_sha(*args: Any) -> dict[str, Any]:
        item = original(*args)
        del item["sha"]
        return item

    monkeypatch.setattr(contents, "render_directory_item", without_sha)
    answer = call(gh, "GET", f"/repos/{ORG}/billing/contents/.github/workflows")

    assert answer.status == 500
    assert "'sha' is a required property" in answer.message
    assert [v.kind for v in gh.take_violations()] == ["response"]


# --- Protection: who may commit directly -------------------------------------------------------


def test_a_ruleset_requiring_pull_requests_refuses_a_direct_commit_409(gh: GitHubDouble) -> None:
    create_repo(gh)
    add_ruleset(gh)
    answer = put_file(gh, "name: ci\n")

    assert answer.status == 409
    assert "Changes must be made through a pull request." in answer.message
    assert "ambiguous-one-of" in gh.log[-1].spec_gaps
    assert WORKFLOW not in gh.state()["repositories"]["shop"]["branches"]["main"]["files"]


def test_the_rulesets_bypass_app_commits_directly(gh: GitHubDouble) -> None:
    create_repo(gh)
    add_ruleset(gh)
    answer = put_file(gh, "name: ci\n", token=APP_TOKEN)

    assert answer.status == 201, answer.body
    history = gh.state()["repositories"]["shop"]["branches"]["main"]["files"][WORKFLOW]["history"]
    assert history[0]["pusher"] == "baseline-bot[bot]"


def test_bypass_in_pull_request_mode_does_not_allow_a_direct_commit(gh: GitHubDouble) -> None:
    create_repo(gh)
    add_ruleset(gh, bypass_mode="pull_request")

    assert put_file(gh, "name: ci\n", token=APP_TOKEN).status == 409


def test_a_ruleset_in_evaluate_mode_does_not_refuse(gh: GitHubDouble) -> None:
    create_repo(gh)
    add_ruleset(gh, enforcement="evaluate")

    assert put_file(gh, "name: ci\n").status == 201


def test_rulesets_have_ids_and_are_read_updated_and_deleted(gh: GitHubDouble) -> None:
    create_repo(gh)
    ruleset_id = add_ruleset(gh)
    path = f"/repos/{ORG}/shop/rulesets/{ruleset_id}"
    read = call(gh, "GET", f"{path}?includes_parents=false").body
    updated = call(gh, "PUT", path, {"enforcement": "disabled"}).body
    deleted = call(gh, "DELETE", path)

    assert read["rules"][1] == PULL_REQUEST_RULE
    assert read["conditions"] == {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}
    assert read["source"] == f"{ORG}/shop"
    assert updated["enforcement"] == "disabled"
    assert updated["rules"] == read["rules"]
    assert deleted.status == 204
    assert call(gh, "GET", path).status == 404


@pytest.mark.parametrize(
    ("target", "include", "exclude", "refused"),
    [
        ("branch", ["main"], [], "'main'"),
        ("branch", ["~DEFAULT_BRANCH"], ["feature/*"], "'feature/*'"),
        ("branch", ["refs/tags/v*", "release"], [], "'refs/tags/v*', 'release'"),
        ("tag", ["refs/heads/main"], [], "'refs/heads/main'"),
        ("branch", [""], [], "''"),
    ],
)
def test_a_ref_pattern_that_is_not_a_full_ref_is_refused_422(
    gh: GitHubDouble, target: str, include: list[str], exclude: list[str], refused: str
) -> None:
    create_repo(gh)
    kept = add_ruleset(gh)
    path = f"/repos/{ORG}/shop/rulesets"
    ref_name = {"include": include, "exclude": exclude}
    body = {
        "name": "targets",
        "target": target,
        "enforcement": "active",
        "conditions": {"ref_name": ref_name},
        "rules": [{"type": "deletion"}],
    }
    created = call(gh, "POST", path, body)
    updated = call(
        gh, "PUT", f"{path}/{kept}", {"target": target, "conditions": body["conditions"]}
    )

    # GitHub's answer (integrations/terraform-provider-github#2660): the entry is a string.
    for answer in (created, updated):
        assert answer.status == 422, answer.body
        assert answer.body["message"] == "Validation Failed"
        assert answer.body["errors"] == [f"Invalid target patterns: {refused}"]
    assert gh.log[-1].spec_gaps == ("string-validation-error",)
    rulesets = gh.state()["repositories"]["shop"]["rulesets"]
    assert [r["name"] for r in rulesets] == ["baseline"]
    assert rulesets[0]["conditions"]["ref_name"]["include"] == ["~DEFAULT_BRANCH"]


def test_full_refs_and_githubs_two_names_are_valid_ref_patterns(gh: GitHubDouble) -> None:
    create_repo(gh)
    path = f"/repos/{ORG}/shop/rulesets"
    patterns = {
        "branch": {"include": ["~DEFAULT_BRANCH", "refs/heads/qa/**/*"], "exclude": ["~ALL"]},
        "tag": {"include": ["refs/tags/v*"], "exclude": ["~DEFAULT_BRANCH"]},
    }
    for target, ref_name in patterns.items():
        body = {
            "name": target,
            "target": target,
            "enforcement": "active",
            "conditions": {"ref_name": ref_name},
            "rules": [{"type": "deletion"}],
        }
        assert call(gh, "POST", path, body).status == 201


def test_classic_protection_requiring_reviews_refuses_admins_when_enforced(
    gh: GitHubDouble,
) -> None:
    create_repo(gh)
    protection = f"/repos/{ORG}/shop/branches/main/protection"
    call(gh, "PUT", protection, classic_protection(enforce_admins=True))
    refused = put_file(gh, "name: ci\n")
    call(gh, "PUT", protection, classic_protection(enforce_admins=False))
    allowed = put_file(gh, "name: ci\n")

    assert (refused.status, refused.message) == (
        409,
        "Changes must be made through a pull request.",
    )
    assert allowed.status == 201


def test_classic_protection_has_githubs_rest_shapes(gh: GitHubDouble) -> None:
    create_repo(gh)
    protection = f"/repos/{ORG}/shop/branches/main/protection"
    call(gh, "PUT", protection, classic_protection(enforce_admins=True))
    read = call(gh, "GET", protection).body
    signatures_off = call(gh, "DELETE", f"{protection}/required_signatures")
    reviews_off = call(gh, "DELETE", f"{protection}/required_pull_request_reviews")
    after = call(gh, "GET", protection).body
    deleted = call(gh, "DELETE", protection)

    assert read["required_status_checks"]["checks"] == [{"context": "lint", "app_id": 15368}]
    assert read["required_status_checks"]["contexts"] == ["lint"]
    assert read["enforce_admins"]["enabled"] is True
    assert read["required_conversation_resolution"] == {"enabled": True}
    assert (signatures_off.status, reviews_off.status, deleted.status) == (204, 204, 204)
    assert "required_pull_request_reviews" not in after
    assert call(gh, "GET", protection).message == "Branch not protected"
    assert gh.state()["repositories"]["shop"]["classic_protection"] == {}


# --- Settings -----------------------------------------------------------------------------------


def test_vulnerability_alerts_are_204_when_on_and_404_when_off(gh: GitHubDouble) -> None:
    create_repo(gh)
    path = f"/repos/{ORG}/shop/vulnerability-alerts"
    before = call(gh, "GET", path).status
    call(gh, "PUT", path)
    during = call(gh, "GET", path).status
    call(gh, "DELETE", path)

    assert (before, during, call(gh, "GET", path).status) == (404, 204, 404)


def test_security_fixes_and_actions_permissions_are_kept(gh: GitHubDouble) -> None:
    create_repo(gh)
    repo = f"/repos/{ORG}/shop"
    call(gh, "PUT", f"{repo}/vulnerability-alerts")
    call(gh, "PUT", f"{repo}/automated-security-fixes")
    call(
        gh,
        "PUT",
        f"{repo}/actions/permissions",
        {"enabled": True, "allowed_actions": "all", "sha_pinning_required": True},
    )
    call(
        gh,
        "PUT",
        f"{repo}/actions/permissions/workflow",
        {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": False},
    )

    assert call(gh, "GET", f"{repo}/automated-security-fixes").body == {
        "enabled": True,
        "paused": False,
    }
    assert call(gh, "GET", f"{repo}/actions/permissions").body == {
        "enabled": True,
        "allowed_actions": "all",
        "sha_pinning_required": True,
    }
    workflow = call(gh, "GET", f"{repo}/actions/permissions/workflow").body
    assert workflow == {
        "default_workflow_permissions": "read",
        "can_approve_pull_request_reviews": False,
    }


def test_a_get_carries_an_etag_and_a_matching_if_none_match_is_304(gh: GitHubDouble) -> None:
    create_repo(gh)
    path = f"/repos/{ORG}/shop"
    first = call(gh, "GET", path)
    etag = first.headers["ETag"]
    unchanged = call(gh, "GET", path, headers={"If-None-Match": etag})
    call(gh, "PATCH", path, {"has_wiki": False})
    changed = call(gh, "GET", path, headers={"If-None-Match": etag})

    assert (unchanged.status, unchanged.body) == (304, None)
    assert "conditional-get" in gh.log[-3].spec_gaps
    assert changed.status == 200
    assert changed.headers["ETag"] != etag


# --- State and log --------------------------------------------------------------------------------


def test_the_double_adds_up_the_time_it_spends_answering(gh: GitHubDouble) -> None:
    assert gh.busy_seconds == 0.0
    create_repo(gh)
    after_one = gh.busy_seconds
    call(gh, "GET", f"/repos/{ORG}/shop")

    # Each answer's contract checks are part of it (make bench reads this as "double s").
    assert 0 < gh.log[0].validation_ms / 1000 <= after_one < gh.busy_seconds


def test_state_and_log_are_json_in_python_and_over_http(gh: GitHubDouble) -> None:
    create_repo(gh)
    put_file(gh, "name: ci\n")
    over_http_state = call(gh, "GET", "state", prefix="_double/")
    over_http_log = call(gh, "GET", "log", prefix="_double/")

    assert over_http_state.body == json.loads(json.dumps(gh.state()))
    assert over_http_log.body == gh.log_json()
    assert [(e["method"], e["path"], e["status"], e["actor"]) for e in over_http_log.body] == [
        ("POST", f"/api/v3/orgs/{ORG}/repos", 201, "octo-admin"),
        ("PUT", f"/api/v3/repos/{ORG}/shop/contents/{WORKFLOW}", 201, "octo-admin"),
    ]
    assert [e["seq"] for e in over_http_log.body] == [1, 2]


def test_delete_repository_exists_and_is_logged(gh: GitHubDouble) -> None:
    create_repo(gh)
    assert call(gh, "DELETE", f"/repos/{ORG}/shop").status == 204
    assert [e.method for e in gh.log if e.operation == "repos/delete"] == ["DELETE"]
    assert gh.state()["repositories"] == {}


def test_the_double_runs_standalone_and_writes_its_state_file(
    github_contract: Contract, tmp_path: Path
) -> None:
    state_file = tmp_path / "state.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "testing.github_double",
            "--token",
            "t=user:octo",
            "--state-file",
            str(state_file),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        request = urllib.request.Request(
            f"{url}api/v3/orgs/{ORG}/repos",
            method="POST",
            data=json.dumps({"name": "solo"}).encode(),
            headers={"Authorization": "token t", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        deadline = time.monotonic() + 10
        while "solo" not in state_file.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert url.startswith("http://127.0.0.1:")
    assert "solo" in json.loads(state_file.read_text())["repositories"]


def test_one_line_start_with_tokens_for_users_and_apps(github_contract: Contract) -> None:
    tokens: dict[str, User | App] = {"u": User("octo"), "a": App(7, "bot")}
    with GitHubDouble(org=ORG, tokens=tokens, contract=github_contract) as double:
        assert call(double, "GET", "/user", token="u").body["login"] == "octo"
    double.assert_no_violations()
