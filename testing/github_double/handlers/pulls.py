"""Pull requests, their reviews and merges: the calls of terraform-provider-github v6.13.0's
`github_repository_pull_request` (and its data sources) (GitHub's REST docs, "Pulls").

Read a `Call`, act on the backend (`testing/github_double/pulls.py`, where GitHub's decisions
about pull requests are made), render GitHub's REST shape; GitHub's own refusals come from the
backend as `GitHubError`.
"""

from __future__ import annotations

from testing.github_double import issues, pulls
from testing.github_double.handlers.common import (
    JSON,
    Call,
    Reply,
    iso_or_none,
    node_id,
    paginate,
    render_account,
    render_actor,
    render_listed_repository,
)
from testing.github_double.models import (
    Actor,
    App,
    GitHubError,
    PullRequest,
    Repository,
    Review,
    UnmodelledError,
    iso,
)


def _association(actor: Actor) -> str:
    # Every user token of the double is a member of the organization; an app is not (a guess).
    return "NONE" if isinstance(actor, App) else "MEMBER"


def _number(call: Call) -> int:
    return int(call.params["pull_number"])  # the contract checked it is an integer


def _mergeability(call: Call, repo: Repository, pull: PullRequest) -> tuple[bool | None, str]:
    """`mergeable` and `mergeable_state` for the caller: GitHub's "unknown" (and null) where
    the double cannot decide, as GitHub answers while it is still computing (e.g. a merge a
    `workflows` rule refuses until its workflows pass: GitHub's refusal, and so its state for
    the pull request before, is not known)."""
    if pull.state != "open":
        return None, "unknown"
    try:
        pulls.merged_files(repo, pull)
    except UnmodelledError:
        return False, "dirty"
    if pull.draft:
        return True, "draft"
    try:
        refused = pulls.merge_refusal(call.backend, repo, pull, call.actor, "merge")
        # A push ruleset that would refuse the caller's merge (`pulls.merge`): GitHub's answer
        # to it is not known, so neither is what it says of the pull request before.
        brought = pulls.commits_between(repo, pull.base_sha, pull.head_sha)
        paths = {change.path for commit in brought for change in commit.changes}
        call.backend.check_push(repo, call.actor, paths, "a merge", pulls.MERGE_BYPASS)
    except (UnmodelledError, GitHubError):
        return None, "unknown"
    return True, "blocked" if refused is not None else "clean"


def _branch_end(call: Call, repo: Repository, ref: str, sha: str) -> dict[str, JSON]:
    return {
        "label": f"{repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": render_account(call, repo.owner, call.backend.org_id, "Organization"),
        "repo": render_listed_repository(call, repo),
    }


def render_pull(
    call: Call, repo: Repository, pull: PullRequest, *, simple: bool = False
) -> dict[str, JSON]:
    """A pull request (`pull-request`), or as the list answers it (`pull-request-simple`)."""
    api = f"{call.api}/repos/{repo.full_name}"
    url, html = f"{api}/pulls/{pull.number}", f"{call.base_url}/{repo.full_name}/pull/{pull.number}"
    issue = f"{api}/issues/{pull.number}"
    statuses = f"{api}/statuses/{pull.head_sha}"
    rendered: dict[str, JSON] = {
        "url": url,
        "id": pull.id,
        "node_id": node_id("PR", pull.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": statuses,
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "user": render_actor(call, pull.user),
        "body": pull.body,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(pull.created_at),
        "updated_at": iso(pull.updated_at),
        "closed_at": iso_or_none(pull.closed_at),
        "merged_at": iso_or_none(pull.merged_at),
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch_end(call, repo, pull.head, pull.head_sha),
        "base": _branch_end(call, repo, pull.base, pull.base_sha),
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "issue": {"href": issue},
            "comments": {"href": f"{issue}/comments"},
            "review_comments": {"href": f"{url}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{url}/commits"},
            "statuses": {"href": statuses},
        },
        "author_association": _association(pull.user),
        "auto_merge": None,
        "draft": pull.draft,
    }
    if simple:
        return rendered
    commits = pulls.commits_between(repo, pull.base_sha, pull.head_sha)
    base_files = repo.commits[pulls.merge_base(repo, pull.base_sha, pull.head_sha)].files
    head_files = repo.commits[pull.head_sha].files
    changed = [
        p for p in set(base_files) | set(head_files) if base_files.get(p) != head_files.get(p)
    ]
    additions = sum(repo.blobs[head_files[p]].count(b"\n") for p in changed if p in head_files)
    deletions = sum(repo.blobs[base_files[p]].count(b"\n") for p in changed if p in base_files)
    mergeable, mergeable_state = _mergeability(call, repo, pull)
    rendered.update(
        {
            "merged": pull.merged,
            "mergeable": mergeable,
            "rebaseable": mergeable,
            "mergeable_state": mergeable_state,
            "merged_by": render_actor(call, pull.merged_by) if pull.merged_by else None,
            "comments": issues.comments_on(repo, pull.number),
            "review_comments": 0,
            "maintainer_can_modify": pull.maintainer_can_modify,
            "commits": len(commits),
            "additions": additions,
            "deletions": deletions,
            "changed_files": len(changed),
        }
    )
    return rendered


def render_review(
    call: Call, repo: Repository, pull: PullRequest, review: Review
) -> dict[str, JSON]:
    html = f"{call.base_url}/{repo.full_name}/pull/{pull.number}"
    pull_url = f"{call.api}/repos/{repo.full_name}/pulls/{pull.number}"
    return {
        "id": review.id,
        "node_id": node_id("PRR", review.id),
        "user": render_actor(call, review.user),
        "body": review.body,
        "state": review.state,
        "html_url": f"{html}#pullrequestreview-{review.id}",
        "pull_request_url": pull_url,
        "author_association": _association(review.user),
        "_links": {
            "html": {"href": f"{html}#pullrequestreview-{review.id}"},
            "pull_request": {"href": pull_url},
        },
        "submitted_at": iso(review.submitted_at),
        "commit_id": review.commit_id,
    }


# --- Handlers ---------------------------------------------------------------------------------


def list_pulls(call: Call) -> Reply:
    repo = call.repo()
    found = pulls.list_pulls(
        repo,
        call.arg("state") or "open",
        call.arg("head"),
        call.arg("base"),
        call.arg("sort") or "created",
        call.arg("direction"),
        call.backend.org,
    )
    page, headers = paginate(call, found)
    return Reply(200, [render_pull(call, repo, p, simple=True) for p in page], headers)


def create_pull(call: Call) -> Reply:
    repo = call.repo()
    created = pulls.open_pull(call.backend, repo, call.actor, call.body)
    rendered = render_pull(call, repo, created)
    return Reply(201, rendered, {"Location": rendered["url"]})


def get_pull(call: Call) -> Reply:
    repo = call.repo()
    return Reply(200, render_pull(call, repo, pulls.pull(repo, _number(call))))


def update_pull(call: Call) -> Reply:
    repo = call.repo()
    found = pulls.pull(repo, _number(call))
    pulls.update_pull(call.backend, repo, found, call.body or {})
    return Reply(200, render_pull(call, repo, found))


def check_if_merged(call: Call) -> Reply:
    repo = call.repo()
    return Reply(204 if pulls.pull(repo, _number(call)).merged else 404)


def merge_pull(call: Call) -> Reply:
    repo = call.repo()
    found = pulls.pull(repo, _number(call))
    commit = pulls.merge(call.backend, repo, found, call.actor, call.body or {})
    return Reply(
        200, {"sha": commit.sha, "merged": True, "message": "Pull Request successfully merged"}
    )


def list_reviews(call: Call) -> Reply:
    repo = call.repo()
    found = pulls.pull(repo, _number(call))
    page, headers = paginate(call, found.reviews)
    return Reply(200, [render_review(call, repo, found, r) for r in page], headers)


def create_review(call: Call) -> Reply:
    repo = call.repo()
    found = pulls.pull(repo, _number(call))
    given = pulls.review(call.backend, repo, found, call.actor, call.body or {})
    # The description answers 200 (not 201) to a created review.
    return Reply(200, render_review(call, repo, found, given))
