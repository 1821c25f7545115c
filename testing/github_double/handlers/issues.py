"""Issues: listing a repository's (pull requests included, as GitHub lists them), opening one,
commenting on an issue or a pull request, assigning people (GitHub's REST docs, "Issues"): the
calls of the pipeline's Bug Logger script.

Read a `Call`, act on the backend (`testing/github_double/issues.py`, where GitHub's decisions
about issues are made), render GitHub's REST shape; GitHub's own refusals come from the backend
as `GitHubError`. A token scoped to a job's `permissions:` (`Call.granted`) is checked there.
"""

from __future__ import annotations

from urllib.parse import quote

from testing.github_double import issues
from testing.github_double.handlers.common import (
    JSON,
    Call,
    Reply,
    iso_or_none,
    node_id,
    paginate,
    render_actor,
)
from testing.github_double.models import Actor, App, Issue, IssueComment, PullRequest, Repository
from testing.github_double.models import iso as iso_time

# GitHub gives a pull request, seen as an issue, an issue id of its own ("the `id` of a pull
# request returned from Issues endpoints will be an issue id"); the double derives it.
PULL_ISSUE_ID_OFFSET = 700_000_000


def _association(actor: Actor) -> str:
    # Every user token of the double is a member of the organization; an app is not (a guess).
    return "NONE" if isinstance(actor, App) else "MEMBER"


def _number(call: Call) -> int:
    return int(call.params["issue_number"])  # the contract checked it is an integer


def render_issue(call: Call, repo: Repository, item: Issue | PullRequest) -> dict[str, JSON]:
    """An issue (`issue`), or a pull request as the issues API answers it (with `pull_request`)."""
    api = f"{call.api}/repos/{repo.full_name}"
    url = f"{api}/issues/{item.number}"
    is_pull = isinstance(item, PullRequest)
    kind = "pull" if is_pull else "issues"
    known = issues.labels(call.backend, repo)
    labels = [known[name.lower()] for name in item.labels] if isinstance(item, Issue) else []
    assignees = item.assignees if isinstance(item, Issue) else []
    ident = item.id + PULL_ISSUE_ID_OFFSET if is_pull else item.id
    rendered: dict[str, JSON] = {
        "id": ident,
        "node_id": node_id("I", ident),
        "url": url,
        "repository_url": api,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{call.base_url}/{repo.full_name}/{kind}/{item.number}",
        "number": item.number,
        "state": item.state,
        "title": item.title,
        "body": item.body,
        "user": render_actor(call, item.user),
        "labels": [
            {
                "id": label.id,
                "node_id": node_id("LA", label.id),
                "url": f"{api}/labels/{quote(label.name, safe='')}",
                "name": label.name,
                "description": label.description,
                "color": label.color,
                "default": label.default,
            }
            for label in labels
        ],
        "assignee": render_actor(call, assignees[0]) if assignees else None,
        "assignees": [render_actor(call, actor) for actor in assignees],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": issues.comments_on(repo, item.number),
        "closed_at": iso_or_none(item.closed_at),
        "created_at": iso_time(item.created_at),
        "updated_at": iso_time(item.updated_at),
        "author_association": _association(item.user),
        # `state_reason` is left out: GitHub sends null for an open issue, which the
        # description's nullable enum refuses.
    }
    if isinstance(item, PullRequest):
        html = f"{call.base_url}/{repo.full_name}/pull/{item.number}"
        rendered["pull_request"] = {
            "url": f"{api}/pulls/{item.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": iso_or_none(item.merged_at),
        }
        rendered["draft"] = item.draft
    return rendered


def render_comment(call: Call, repo: Repository, made: IssueComment) -> dict[str, JSON]:
    api = f"{call.api}/repos/{repo.full_name}"
    kind = "pull" if made.number in repo.pulls else "issues"
    return {
        "id": made.id,
        "node_id": node_id("IC", made.id),
        "url": f"{api}/issues/comments/{made.id}",
        "html_url": f"{call.base_url}/{repo.full_name}/{kind}/{made.number}#issuecomment-{made.id}",
        "body": made.body,
        "user": render_actor(call, made.user),
        "created_at": iso_time(made.created_at),
        "updated_at": iso_time(made.created_at),
        "issue_url": f"{api}/issues/{made.number}",
        "author_association": _association(made.user),
    }


# --- Handlers ---------------------------------------------------------------------------------


def list_issues(call: Call) -> Reply:
    repo = call.repo()
    issues.require_read(call.granted)
    found = issues.list_issues(
        repo,
        call.query,
        call.arg("state") or "open",
        call.arg("labels"),
        call.arg("sort") or "created",
        call.arg("direction") or "desc",
    )
    page, headers = paginate(call, found)
    return Reply(200, [render_issue(call, repo, item) for item in page], headers)


def create_issue(call: Call) -> Reply:
    repo = call.repo()
    created = issues.create_issue(call.backend, repo, call.actor, call.body, call.granted)
    rendered = render_issue(call, repo, created)
    return Reply(201, rendered, {"Location": rendered["url"]})


def create_comment(call: Call) -> Reply:
    repo = call.repo()
    made = issues.comment(
        call.backend, repo, call.actor, _number(call), str(call.body["body"]), call.granted
    )
    rendered = render_comment(call, repo, made)
    return Reply(201, rendered, {"Location": rendered["url"]})


def add_assignees(call: Call) -> Reply:
    repo = call.repo()
    found = issues.add_assignees(
        call.backend, repo, call.actor, _number(call), call.body or {}, call.granted
    )
    return Reply(201, render_issue(call, repo, found))
