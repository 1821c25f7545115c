"""The GitHub double's pull requests, over real HTTP: opening one from a branch (as
`github_branch` and `github_repository_file` on a branch make it), reviews, check runs, commit
statuses, and merging under the base branch's protection (rulesets, the organization's,
classic protection).

Each test gets a fresh double whose teardown fails the test on any recorded violation.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from testing.github_double import GitHubDouble, User, pytest_plugin
from testing.github_double.pytest_plugin import ADMIN_TOKEN, ORG
from tests.e2e.test_github_double import Answer, b64, call

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

REPO = f"/repos/{ORG}/shop"
AUTHOR = "test-author-token"  # opens the pull requests
REVIEWER = "test-reviewer-token"
READER = "test-reader-token"
ACTIONS = "test-actions-token"  # GitHub Actions: app 15368
OTHER_APP = "test-other-app-token"
ACTIONS_APP_ID = 15368
WORKFLOW = ".github/workflows/ci.yml"
APPROVAL_REFUSED = "At least 1 approving review is required by reviewers with write access."


@pytest.fixture
def gh(github_double: GitHubDouble) -> GitHubDouble:
    """The double with `shop` (README.md on main), an author, a reviewer, a reader and two
    apps: GitHub Actions and another."""
    github_double.add_token(AUTHOR, User("octo-dev", role="write", org_admin=False))
    github_double.add_token(REVIEWER, User("octo-reviewer", role="write", org_admin=False))
    github_double.add_token(READER, User("octo-reader", role="read", org_admin=False))
    github_double.add_app_token(ACTIONS, ACTIONS_APP_ID, "github-actions")
    github_double.add_app_token(OTHER_APP, 4242, "other-ci")
    github_double.seed_repository("shop", {"README.md": "# shop\n"})
    return github_double


def branch_with_file(gh: GitHubDouble, branch: str = "feature", content: str = "name: ci\n") -> str:
    """The calls `github_branch` and `github_repository_file` (on that branch) make: read the
    source ref, create the branch's ref, check the branch, write the file. Its head SHA."""
    source = call(gh, "GET", f"{REPO}/git/ref/heads/main")
    created = call(
        gh,
        "POST",
        f"{REPO}/git/refs",
        {"ref": f"refs/heads/{branch}", "sha": source.body["object"]["sha"]},
    )
    assert created.status == 201, created.body
    assert call(gh, "GET", f"{REPO}/branches/{branch}").status == 200
    written = call(
        gh,
        "PUT",
        f"{REPO}/contents/{WORKFLOW}",
        {"message": "Add CI", "content": b64(content), "branch": branch},
        token=AUTHOR,
    )
    assert written.status == 201, written.body
    return str(written.body["commit"]["sha"])


def open_pull(gh: GitHubDouble, head: str = "feature", **fields: Any) -> Answer:
    body = {
        "title": "Add CI",
        "head": head,
        "base": "main",
        "body": "",
        "maintainer_can_modify": False,
        **fields,
    }
    return call(gh, "POST", f"{REPO}/pulls", body, token=AUTHOR)


def add_ruleset(gh: GitHubDouble, *, approvals: int = 1, checks: bool = True, **pr: Any) -> int:
    rules: list[dict[str, Any]] = [
        {"type": "deletion"},
        {
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": approvals,
                "dismiss_stale_reviews_on_push": False,
                "require_code_owner_review": False,
                "require_last_push_approval": False,
                "required_review_thread_resolution": False,
                **pr,
            },
        },
    ]
    if checks:
        rules.append(
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": False,
                    "required_status_checks": [{"context": "ci", "integration_id": ACTIONS_APP_ID}],
                },
            }
        )
    body = {
        "name": "baseline",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": rules,
    }
    answer = call(gh, "POST", f"{REPO}/rulesets", body)
    assert answer.status == 201, answer.body
    return int(answer.body["id"])


def approve(gh: GitHubDouble, number: int = 1, token: str = REVIEWER) -> Answer:
    return call(gh, "POST", f"{REPO}/pulls/{number}/reviews", {"event": "APPROVE"}, token=token)


def check_run(gh: GitHubDouble, sha: str, token: str = ACTIONS, name: str = "ci") -> Answer:
    body = {"name": name, "head_sha": sha, "status": "completed", "conclusion": "success"}
    return call(gh, "POST", f"{REPO}/check-runs", body, token=token)


def merge(gh: GitHubDouble, number: int = 1, token: str = AUTHOR, **body: Any) -> Answer:
    return call(gh, "PUT", f"{REPO}/pulls/{number}/merge", body or None, token=token)


def main_files(gh: GitHubDouble) -> dict[str, Any]:
    files: dict[str, Any] = gh.state()["repositories"]["shop"]["branches"]["main"]["files"]
    return files


# --- Opening, reading, listing, editing --------------------------------------------------------


def test_a_pull_request_is_opened_from_a_branch_with_a_file(gh: GitHubDouble) -> None:
    head_sha = branch_with_file(gh)
    base_sha = gh.state()["repositories"]["shop"]["branches"]["main"]["head"]
    opened = open_pull(gh)
    read = call(gh, "GET", f"{REPO}/pulls/1")

    assert opened.status == 201, opened.body
    assert opened.headers["Location"] == opened.body["url"]
    pr = read.body
    assert (pr["number"], pr["state"], pr["merged"], pr["draft"]) == (1, "open", False, False)
    assert (pr["head"]["ref"], pr["head"]["sha"]) == ("feature", head_sha)
    assert (pr["base"]["ref"], pr["base"]["sha"]) == ("main", base_sha)
    assert pr["head"]["label"] == f"{ORG}:feature"
    assert pr["user"]["login"] == "octo-dev"
    assert (pr["commits"], pr["changed_files"], pr["additions"]) == (1, 1, 1)
    assert (pr["mergeable"], pr["mergeable_state"]) == (True, "clean")
    assert gh.state()["repositories"]["shop"]["pulls"]["1"]["head_sha"] == head_sha


def test_pull_requests_are_listed_by_state_head_and_base(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    branch_with_file(gh, "other", "name: other\n")
    open_pull(gh)
    open_pull(gh, "other", title="Other")
    call(gh, "PATCH", f"{REPO}/pulls/2", {"state": "closed"}, token=AUTHOR)

    def numbers(query: str) -> list[int]:
        answer = call(gh, "GET", f"{REPO}/pulls{query}")
        assert answer.status == 200, answer.body
        return [p["number"] for p in answer.body]

    assert numbers("") == [1]
    assert numbers("?state=all") == [2, 1]  # newest first, as GitHub sorts by default
    assert numbers("?state=all&direction=asc") == [1, 2]
    assert numbers(f"?state=closed&head={ORG}:other&base=main") == [2]
    assert numbers(f"?state=all&head={ORG}:feature") == [1]
    assert numbers("?state=all&head=someone-else:feature") == []
    assert numbers("?state=all&base=develop") == []


def test_a_pull_request_is_edited_as_the_provider_edits_it(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    open_pull(gh)
    call(gh, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/develop", "sha": gh_main(gh)})
    # resourceGithubRepositoryPullRequestUpdate: title, body, maintainer_can_modify, base.
    edited = call(
        gh,
        "PATCH",
        f"{REPO}/pulls/1",
        {"title": "CI", "body": "Adds CI", "maintainer_can_modify": True, "base": "develop"},
        token=AUTHOR,
    )
    # resourceGithubRepositoryPullRequestDelete closes it.
    closed = call(gh, "PATCH", f"{REPO}/pulls/1", {"state": "closed"}, token=AUTHOR)

    assert edited.status == 200, edited.body
    assert (edited.body["title"], edited.body["body"]) == ("CI", "Adds CI")
    assert edited.body["base"]["ref"] == "develop"
    assert edited.body["maintainer_can_modify"] is True
    assert (closed.body["state"], closed.body["merged"]) == ("closed", False)
    assert closed.body["closed_at"] is not None


def gh_main(gh: GitHubDouble) -> str:
    head: str = gh.state()["repositories"]["shop"]["branches"]["main"]["head"]
    return head


def test_opening_is_refused_as_github_refuses_it(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    call(gh, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/empty", "sha": gh_main(gh)})
    missing = open_pull(gh, "nope")
    nothing = open_pull(gh, "empty")
    first = open_pull(gh)
    again = open_pull(gh)
    untitled = call(gh, "POST", f"{REPO}/pulls", {"head": "feature", "base": "main"})

    assert (missing.status, missing.message) == (422, "Validation Failed")
    assert missing.body["errors"] == [
        {"resource": "PullRequest", "field": "head", "code": "invalid"}
    ]
    assert nothing.status == 422
    assert nothing.body["errors"][0]["message"] == "No commits between main and empty"
    assert first.status == 201
    assert again.body["errors"][0]["message"] == f"A pull request already exists for {ORG}:feature."
    assert untitled.body["errors"][0]["code"] == "missing_field"
    assert list(gh.state()["repositories"]["shop"]["pulls"]) == ["1"]


def test_a_missing_pull_request_is_404(gh: GitHubDouble) -> None:
    assert call(gh, "GET", f"{REPO}/pulls/7").status == 404
    assert call(gh, "GET", f"{REPO}/pulls/7/merge").status == 404


# --- Merging under a ruleset ----------------------------------------------------------------------


def test_merging_without_approval_under_a_ruleset_is_refused_405(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    add_ruleset(gh)
    open_pull(gh)
    before = gh_main(gh)
    refused = merge(gh)
    read = call(gh, "GET", f"{REPO}/pulls/1", token=AUTHOR).body

    assert refused.status == 405
    assert refused.message == (
        "Repository rule violations found\n\n"
        f"{APPROVAL_REFUSED}\n\n"
        'Required status check "ci" is expected.\n\n'
    )
    assert (read["state"], read["merged"], read["mergeable_state"]) == ("open", False, "blocked")
    assert gh_main(gh) == before
    assert WORKFLOW not in main_files(gh)


def test_an_approval_by_another_user_and_the_actions_check_let_the_merge_through(
    gh: GitHubDouble,
) -> None:
    head_sha = branch_with_file(gh)
    add_ruleset(gh)
    open_pull(gh)
    base_sha = gh_main(gh)
    own = approve(gh, token=AUTHOR)
    approved = approve(gh)
    still_checks = merge(gh)
    elsewhere = check_run(gh, head_sha, token=OTHER_APP)  # the right name, the wrong app
    still_pinned = merge(gh)
    reported = check_run(gh, head_sha)
    merged = merge(gh)
    read = call(gh, "GET", f"{REPO}/pulls/1").body

    assert (own.status, own.body["errors"]) == (422, ["Can not approve your own pull request"])
    assert approved.status == 200, approved.body  # GitHub answers 200 to a created review
    assert (approved.body["state"], approved.body["commit_id"]) == ("APPROVED", head_sha)
    assert still_checks.message == (
        'Repository rule violations found\n\nRequired status check "ci" is expected.\n\n'
    )
    assert elsewhere.status == 201
    assert still_pinned.status == 405
    assert reported.status == 201, reported.body
    assert reported.body["app"]["id"] == ACTIONS_APP_ID
    assert [p["number"] for p in reported.body["pull_requests"]] == [1]
    assert merged.status == 200, merged.body
    assert (merged.body["merged"], merged.body["message"]) == (
        True,
        "Pull Request successfully merged",
    )
    assert (
        base64.b64decode(call(gh, "GET", f"{REPO}/contents/{WORKFLOW}?ref=main").body["content"])
        == b"name: ci\n"
    )
    commit = call(gh, "GET", f"{REPO}/commits/{merged.body['sha']}").body
    assert [p["sha"] for p in commit["parents"]] == [base_sha, head_sha]
    assert commit["commit"]["message"] == f"Merge pull request #1 from {ORG}/feature\n\nAdd CI"
    assert commit["commit"]["committer"]["name"] == "GitHub"
    assert commit["commit"]["author"]["name"] == "octo-dev"
    assert [f["filename"] for f in commit["files"]] == [WORKFLOW]
    assert (read["state"], read["merged"], read["merge_commit_sha"]) == (
        "closed",
        True,
        merged.body["sha"],
    )
    assert read["merged_by"]["login"] == "octo-dev"
    # A merged pull request keeps the base it was merged into and its commits.
    assert (read["base"]["sha"], read["head"]["sha"], read["commits"]) == (base_sha, head_sha, 1)
    assert call(gh, "GET", f"{REPO}/pulls/1/merge").status == 204
    assert gh.state()["repositories"]["shop"]["pulls"]["1"]["merged"] is True


def test_an_approval_counts_only_from_write_access_and_goes_stale_on_push(
    gh: GitHubDouble,
) -> None:
    branch_with_file(gh)
    add_ruleset(gh, checks=False, dismiss_stale_reviews_on_push=True)
    open_pull(gh)
    by_reader = approve(gh, token=READER)
    refused_reader = merge(gh)
    approve(gh)
    gh.seed_branch("shop", "feature", {"docs/notes.md": "later\n"}, actor=User("octo-dev"))
    refused_stale = merge(gh)
    approve(gh)

    assert by_reader.status == 200
    assert refused_reader.status == 405
    assert refused_stale.status == 405
    assert APPROVAL_REFUSED in refused_stale.message
    assert merge(gh).status == 200
    assert set(main_files(gh)) == {"README.md", WORKFLOW, "docs/notes.md"}


def test_github_actions_approves_only_when_the_workflow_permission_allows(
    gh: GitHubDouble,
) -> None:
    branch_with_file(gh)
    open_pull(gh)
    refused = approve(gh, token=ACTIONS)
    call(
        gh,
        "PUT",
        f"{REPO}/actions/permissions/workflow",
        {"default_workflow_permissions": "read", "can_approve_pull_request_reviews": True},
    )

    assert (refused.status, refused.body["errors"]) == (
        422,
        ["GitHub Actions is not permitted to approve pull requests."],
    )
    assert approve(gh, token=ACTIONS).status == 200


def test_an_organization_ruleset_guards_the_merge_too(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    org_ruleset = {
        "name": "org-baseline",
        "target": "branch",
        "enforcement": "active",
        "conditions": {
            "ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
            "repository_name": {"include": ["~ALL"], "exclude": []},
        },
        "rules": [
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": 1,
                    "dismiss_stale_reviews_on_push": False,
                    "require_code_owner_review": False,
                    "require_last_push_approval": False,
                    "required_review_thread_resolution": False,
                },
            }
        ],
    }
    assert call(gh, "POST", f"/orgs/{ORG}/rulesets", org_ruleset).status == 201
    open_pull(gh)
    refused = merge(gh, token=ADMIN_TOKEN)  # an admin is no bypass actor of this ruleset
    approve(gh)

    assert (refused.status, refused.message) == (
        405,
        f"Repository rule violations found\n\n{APPROVAL_REFUSED}\n\n",
    )
    assert merge(gh, token=ADMIN_TOKEN).status == 200
    assert WORKFLOW in main_files(gh)


def test_a_bypass_actor_merges_without_the_requirements(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    ruleset_id = add_ruleset(gh)
    call(
        gh,
        "PUT",
        f"{REPO}/rulesets/{ruleset_id}",
        {
            "bypass_actors": [
                {"actor_type": "Integration", "actor_id": 4242, "bypass_mode": "pull_request"}
            ]
        },
    )
    open_pull(gh)

    assert merge(gh, token=OTHER_APP).status == 200


# --- Merging: classic protection, methods, state -------------------------------------------------


def classic(enforce_admins: bool) -> dict[str, Any]:
    return {
        "required_status_checks": {
            "strict": False,
            "checks": [{"context": "lint", "app_id": ACTIONS_APP_ID}],
        },
        "enforce_admins": enforce_admins,
        "required_pull_request_reviews": {
            "required_approving_review_count": 1,
            "dismiss_stale_reviews": False,
            "require_code_owner_reviews": False,
            "require_last_push_approval": False,
        },
        "restrictions": None,
    }


def test_classic_protection_refuses_until_reviews_and_pinned_checks_pass(
    gh: GitHubDouble,
) -> None:
    head_sha = branch_with_file(gh)
    call(gh, "PUT", f"{REPO}/branches/main/protection", classic(enforce_admins=True))
    open_pull(gh)
    no_review = merge(gh)
    approve(gh)
    no_check = merge(gh)
    # A commit status of the right context from a user is not the pinned app's check.
    status = call(
        gh, "POST", f"{REPO}/statuses/{head_sha}", {"state": "success", "context": "lint"}
    )
    still = merge(gh)
    check_run(gh, head_sha, name="lint")

    assert (no_review.status, no_review.message) == (405, APPROVAL_REFUSED)
    assert (no_check.status, no_check.message) == (405, 'Required status check "lint" is expected.')
    assert status.status == 201, status.body
    assert (status.body["context"], status.body["creator"]["login"]) == ("lint", "octo-admin")
    assert still.status == 405
    assert merge(gh).status == 200


def test_an_admin_merges_past_classic_protection_unless_enforced(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    call(gh, "PUT", f"{REPO}/branches/main/protection", classic(enforce_admins=False))
    open_pull(gh)

    assert merge(gh).status == 405
    assert merge(gh, token=ADMIN_TOKEN).status == 200


def test_a_closed_or_merged_pull_request_cannot_be_merged(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    branch_with_file(gh, "other", "name: other\n")
    open_pull(gh)
    open_pull(gh, "other", title="Other")
    call(gh, "PATCH", f"{REPO}/pulls/1", {"state": "closed"}, token=AUTHOR)
    closed = merge(gh)
    merge(gh, 2)
    again = merge(gh, 2)

    assert (closed.status, closed.message) == (405, "Pull Request is not mergeable")
    assert (again.status, again.message) == (405, "Pull Request is not mergeable")
    assert gh.state()["repositories"]["shop"]["pulls"]["1"]["merged"] is False


def test_a_stale_head_sha_is_409(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    open_pull(gh)
    stale = merge(gh, sha=gh_main(gh))

    assert (stale.status, stale.message) == (
        409,
        "Head branch was modified. Review and try the merge again.",
    )


def test_a_disallowed_merge_method_is_refused_and_a_squash_has_one_parent(
    gh: GitHubDouble,
) -> None:
    head_sha = branch_with_file(gh)
    open_pull(gh)
    call(gh, "PATCH", REPO, {"allow_merge_commit": False, "delete_branch_on_merge": True})
    base_sha = gh_main(gh)
    refused = merge(gh)
    squashed = merge(gh, merge_method="squash")
    commit = call(gh, "GET", f"{REPO}/commits/{squashed.body['sha']}").body

    assert (refused.status, refused.message) == (
        405,
        "Merge commits are not allowed on this repository.",
    )
    assert squashed.status == 200, squashed.body
    assert [p["sha"] for p in commit["parents"]] == [base_sha]
    assert commit["commit"]["message"] == "Add CI (#1)"  # the one commit's title
    assert (
        commit["commit"]["tree"]["sha"]
        == call(gh, "GET", f"{REPO}/commits/{head_sha}").body["commit"]["tree"]["sha"]
    )
    # "Automatically delete head branches": the merged head is gone.
    assert "feature" not in gh.state()["repositories"]["shop"]["branches"]


def test_a_ruleset_limits_the_merge_methods(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    add_ruleset(gh, approvals=0, checks=False, allowed_merge_methods=["squash"])
    open_pull(gh)
    refused = merge(gh, merge_method="merge")

    assert (refused.status, refused.message) == (
        405,
        "Merge commits are not allowed on this repository.",
    )
    assert merge(gh, merge_method="squash").status == 200


# --- Branches, check runs ---------------------------------------------------------------------


def test_the_branch_resources_calls_are_served(gh: GitHubDouble) -> None:
    source = call(gh, "GET", f"{REPO}/git/ref/heads/main").body["object"]["sha"]
    created = call(gh, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/topic", "sha": source})
    twice = call(gh, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/topic", "sha": source})
    renamed = call(gh, "POST", f"{REPO}/branches/topic/rename", {"new_name": "renamed"})
    old_ref = call(gh, "GET", f"{REPO}/git/ref/heads/topic")
    deleted = call(gh, "DELETE", f"{REPO}/git/refs/heads/renamed")

    assert created.status == 201
    # The provider reads this exact error ("422 Reference already exists []") as "exists".
    assert (twice.status, twice.message) == (422, "Reference already exists")
    assert (renamed.status, renamed.body["name"]) == (201, "renamed")
    assert old_ref.status == 404
    assert deleted.status == 204
    assert set(gh.state()["repositories"]["shop"]["branches"]) == {"main"}


def test_a_repository_file_autocreates_its_branch_as_the_provider_does(gh: GitHubDouble) -> None:
    # resourceGithubRepositoryFileCreate with branch "ci/update" and autocreate_branch: the
    # repository, the branch (404), the source ref, the new ref, the file (404), the write;
    # then Read: the file at the branch and its commit.
    path = f"{REPO}/contents/{WORKFLOW}"
    repository = call(gh, "GET", REPO)
    missing = call(gh, "GET", f"{REPO}/branches/ci%2Fupdate")
    source = call(gh, "GET", f"{REPO}/git/ref/heads/main").body["object"]["sha"]
    created = call(gh, "POST", f"{REPO}/git/refs", {"ref": "refs/heads/ci/update", "sha": source})
    absent = call(gh, "GET", f"{path}?ref=ci%2Fupdate")
    written = call(
        gh,
        "PUT",
        path,
        {"message": f"Add {WORKFLOW}", "content": b64("name: ci\n"), "branch": "ci/update"},
    )
    read = call(gh, "GET", f"{path}?ref=ci%2Fupdate")
    commit = call(gh, "GET", f"{REPO}/commits/{written.body['commit']['sha']}")

    assert (repository.status, missing.status, created.status) == (200, 404, 201)
    assert missing.message == "Branch not found"
    assert (absent.status, written.status, read.status, commit.status) == (404, 201, 200, 200)
    assert read.body["url"].endswith("?ref=ci%2Fupdate")
    assert WORKFLOW not in main_files(gh)
    assert call(gh, "GET", f"{REPO}/branches/ci%2Fupdate").body["protected"] is False


def test_deleting_the_head_branch_closes_its_pull_request(gh: GitHubDouble) -> None:
    branch_with_file(gh)
    open_pull(gh)
    call(gh, "DELETE", f"{REPO}/git/refs/heads/feature")
    read = call(gh, "GET", f"{REPO}/pulls/1").body

    assert (read["state"], read["merged"]) == ("closed", False)


def test_a_check_run_needs_an_apps_token(gh: GitHubDouble) -> None:
    head_sha = branch_with_file(gh)
    answer = check_run(gh, head_sha, token=ADMIN_TOKEN)

    assert answer.status == 501
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]
    assert gh.state()["repositories"]["shop"]["check_runs"] == []


def test_a_failing_required_check_is_refused_loudly(gh: GitHubDouble) -> None:
    # GitHub's words for a failing required check are not known: the double says so.
    head_sha = branch_with_file(gh)
    add_ruleset(gh, approvals=0)
    open_pull(gh)
    failed = {"name": "ci", "head_sha": head_sha, "conclusion": "failure"}
    call(gh, "POST", f"{REPO}/check-runs", failed, token=ACTIONS)
    answer = merge(gh)

    assert answer.status == 501
    assert "required check 'ci' is failure" in answer.message
    assert [v.kind for v in gh.take_violations()] == ["unmodelled"]
    assert gh.state()["repositories"]["shop"]["pulls"]["1"]["state"] == "open"
