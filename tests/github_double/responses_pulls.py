"""Handlers for pull requests, their reviews and merges, check runs, commit statuses and branch
renames: the calls of terraform-provider-github v6.13.0's `github_repository_pull_request` (and
its data sources) and `github_branch`, and what a test needs to satisfy a protected branch.

Same contract as `responses.py`: read a `Call`, act on the backend (`pulls.py`), render GitHub's
REST shape; GitHub's own refusals come from the backend as `GitHubError`.
"""

from __future__ import annotations

from typing import Any

from tests.github_double import pulls
from tests.github_double.models import (
    Actor,
    App,
    CheckRun,
    CommitStatus,
    GitHubError,
    PullRequest,
    Repository,
    Review,
    UnmodelledError,
    actor_id,
    iso,
)
from tests.github_double.responses import (
    JSON,
    Call,
    Reply,
    node_id,
    render_account,
    render_branch,
)
from tests.github_double.responses_org import paginate, render_listed_repository


def render_actor(call: Call, actor: Actor) -> dict[str, JSON]:
    return render_account(
        call, actor.name, actor_id(actor), "Bot" if isinstance(actor, App) else "User"
    )


def _association(actor: Actor) -> str:
    # Every user token of the double is a member of the organization; an app is not (a guess).
    return "NONE" if isinstance(actor, App) else "MEMBER"


def _when(moment: Any) -> str | None:
    return iso(moment) if moment is not None else None


def _number(call: Call) -> int:
    return int(call.params["pull_number"])  # the contract checked it is an integer


def _mergeability(call: Call, repo: Repository, pull: PullRequest) -> tuple[bool | None, str]:
    """`mergeable` and `mergeable_state` for the caller: GitHub's "unknown" (and null) where
    the double cannot decide, as GitHub answers while it is still computing."""
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
        "closed_at": _when(pull.closed_at),
        "merged_at": _when(pull.merged_at),
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
            "comments": 0,
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


def render_app(call: Call, app: App) -> dict[str, JSON]:
    created = iso(call.backend.created_at)
    return {
        "id": app.app_id,
        "slug": app.slug,
        "node_id": node_id("A", app.app_id),
        "owner": render_account(call, call.backend.org, call.backend.org_id, "Organization"),
        "name": app.slug,
        "description": None,
        "external_url": f"{call.base_url}/apps/{app.slug}",
        "html_url": f"{call.base_url}/apps/{app.slug}",
        "created_at": created,
        "updated_at": created,
        "permissions": {"checks": "write", "contents": "write", "metadata": "read"},
        "events": [],
    }


def render_check_run(call: Call, repo: Repository, run: CheckRun) -> dict[str, JSON]:
    api = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}/runs/{run.id}"

    def minimal_end(ref: str, sha: str) -> dict[str, JSON]:
        return {"ref": ref, "sha": sha, "repo": {"id": repo.id, "url": api, "name": repo.name}}

    return {
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": node_id("CR", run.id),
        "external_id": run.external_id or "",
        "url": f"{api}/check-runs/{run.id}",
        "html_url": html,
        "details_url": run.details_url or html,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": _when(run.started_at),
        "completed_at": _when(run.completed_at),
        "output": {
            **run.output,
            "annotations_count": 0,
            "annotations_url": f"{api}/check-runs/{run.id}/annotations",
        },
        "name": run.name,
        # One check suite per app and commit, as GitHub groups them (the id is the double's).
        "check_suite": {"id": int(run.head_sha[:7], 16) * 100_000 + run.app.app_id % 100_000},
        "app": render_app(call, run.app),
        # The open pull requests of this repository whose head is the checked commit.
        "pull_requests": [
            {
                "id": p.id,
                "number": p.number,
                "url": f"{api}/pulls/{p.number}",
                "head": minimal_end(p.head, p.head_sha),
                "base": minimal_end(p.base, p.base_sha),
            }
            for p in repo.pulls.values()
            if p.state == "open" and p.head_sha == run.head_sha
        ],
    }


def render_status(call: Call, repo: Repository, status: CommitStatus) -> dict[str, JSON]:
    creator = render_actor(call, status.creator)
    return {
        "url": f"{call.api}/repos/{repo.full_name}/statuses/{status.sha}",
        "avatar_url": creator["avatar_url"],
        "id": status.id,
        "node_id": node_id("SC", status.id),
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": iso(status.created_at),
        "updated_at": iso(status.created_at),
        "creator": creator,
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


def create_check_run(call: Call) -> Reply:
    repo = call.repo()
    run = pulls.report_check_run(call.backend, repo, call.actor, call.body)
    return Reply(201, render_check_run(call, repo, run))


def create_status(call: Call) -> Reply:
    repo = call.repo()
    status = pulls.report_status(call.backend, repo, call.actor, call.params["sha"], call.body)
    return Reply(201, render_status(call, repo, status))


def rename_branch(call: Call) -> Reply:
    repo = call.repo()
    new = str(call.body["new_name"])
    pulls.rename_branch(call.backend, repo, call.actor, call.params["branch"], new)
    return Reply(201, render_branch(call, repo, new))
