"""What the handlers share: the request (`Call`) and the answer (`Reply`), GitHub's paging, node
ids, and the renderers of what several resources embed (an account, a repository, a commit).

The handlers live one module per GitHub resource, as GitHub's REST docs group them (this
package's `__init__`). Each takes a `Call` and returns a `Reply`; GitHub's own error answers are
raised as `GitHubError` by the backend. The shapes rendered are the REST shapes of GitHub's
OpenAPI description; the server checks every one of them against it before sending. A handler
module imports from here, never from another handler module.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from testing.github_double.models import Actor as ActorType
from testing.github_double.models import (
    App,
    Commit,
    GitHubBackend,
    GitHubError,
    Repository,
    Signature,
    UnmodelledError,
    User,
    actor_email,
    actor_id,
    iso,
)

JSON = Any


@dataclass(frozen=True)
class Call:
    backend: GitHubBackend
    actor: ActorType
    method: str
    params: Mapping[str, str]
    query: Mapping[str, list[str]]
    body: JSON
    base_url: str  # http://127.0.0.1:PORT, no trailing slash
    path: str = ""  # the request's path below /api/v3, as sent (for Link headers)
    # A token scoped to permissions (a job's GITHUB_TOKEN: `{"issues": "write", ...}`), which
    # a route marked `scoped` checks; None: the token has its actor's whole access.
    granted: Mapping[str, str] | None = None

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v3"

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def repo(self) -> Repository:
        return self.backend.repository(self.params["owner"], self.params["repo"])


@dataclass(frozen=True)
class Reply:
    status: int
    body: JSON = None
    headers: Mapping[str, str] = field(default_factory=dict)


def node_id(prefix: str, number: int | str) -> str:
    """An opaque global id; GitHub's are opaque too, this one is only unique within the double."""
    return f"{prefix}_{base64.urlsafe_b64encode(str(number).encode()).decode().rstrip('=')}"


# --- Paging -----------------------------------------------------------------------------------


T = TypeVar("T")
# GitHub's page size: 30 unless asked, at most 100 ("The number of results per page (max
# 100)"); a larger per_page is served as 100.
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def _positive(call: Call, name: str, default: int) -> int:
    value = call.arg(name)
    number = default if value is None else int(value)  # the contract checked it is an integer
    if number < 1:
        raise UnmodelledError(f"{name}={number} (GitHub's answer to a page below 1 is not known)")
    return number


def paginate(call: Call, items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
    """One page of `items` and GitHub's `Link` header for it (none when one page holds all).

    The links name this request's own URL with its other query parameters kept and `page`
    last, in GitHub's order: prev, next, last, first (next and last only before the last page,
    prev and first only after the first).
    """
    per_page = min(_positive(call, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    page = _positive(call, "page", 1)
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    if last == 1 and page == 1:
        return chunk, {}

    def link(number: int, rel: str) -> str:
        query = [(k, v) for k, vs in call.query.items() if k != "page" for v in vs]
        query.append(("page", str(number)))
        return f'<{call.api}{call.path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    return chunk, {"Link": ", ".join(links)}


# --- The organization -------------------------------------------------------------------------


def check_org(call: Call) -> None:
    """GitHub's 404 unless the path names the double's organization (in any case)."""
    if call.params["org"].lower() != call.backend.org.lower():
        raise GitHubError(404, "Not Found")


# --- Renderers of what several resources embed ------------------------------------------------


def render_account(call: Call, login: str, ident: int, kind: str) -> dict[str, JSON]:
    url = f"{call.api}/users/{login}"
    if kind == "Organization":
        url = f"{call.api}/orgs/{login}"
    return {
        "login": login,
        "id": ident,
        "node_id": node_id("O" if kind == "Organization" else "U", ident),
        "avatar_url": f"{call.base_url}/avatars/{login}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{call.base_url}/{login}",
        "followers_url": f"{call.api}/users/{login}/followers",
        "following_url": f"{call.api}/users/{login}/following{{/other_user}}",
        "gists_url": f"{call.api}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{call.api}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{call.api}/users/{login}/subscriptions",
        "organizations_url": f"{call.api}/users/{login}/orgs",
        "repos_url": f"{call.api}/users/{login}/repos",
        "events_url": f"{call.api}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{call.api}/users/{login}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def render_actor(call: Call, actor: ActorType) -> dict[str, JSON]:
    return render_account(
        call, actor.name, actor_id(actor), "Bot" if isinstance(actor, App) else "User"
    )


def iso_or_none(moment: Any) -> str | None:
    """A timestamp as GitHub writes it, or null."""
    return iso(moment) if moment is not None else None


def render_repository(call: Call, repo: Repository) -> dict[str, JSON]:
    s = repo.settings
    url, html = f"{call.api}/repos/{repo.full_name}", f"{call.base_url}/{repo.full_name}"
    host = call.base_url.split("://", 1)[1]
    templated = {
        "archive_url": "{archive_format}{/ref}",
        "assignees_url": "assignees{/user}",
        "blobs_url": "git/blobs{/sha}",
        "branches_url": "branches{/branch}",
        "collaborators_url": "collaborators{/collaborator}",
        "comments_url": "comments{/number}",
        "commits_url": "commits{/sha}",
        "compare_url": "compare/{base}...{head}",
        "contents_url": "contents/{+path}",
        "git_commits_url": "git/commits{/sha}",
        "git_refs_url": "git/refs{/sha}",
        "git_tags_url": "git/tags{/sha}",
        "issue_comment_url": "issues/comments{/number}",
        "issue_events_url": "issues/events{/number}",
        "issues_url": "issues{/number}",
        "keys_url": "keys{/key_id}",
        "labels_url": "labels{/name}",
        "milestones_url": "milestones{/number}",
        "notifications_url": "notifications{?since,all,participating}",
        "pulls_url": "pulls{/number}",
        "releases_url": "releases{/id}",
        "statuses_url": "statuses/{sha}",
        "trees_url": "git/trees{/sha}",
    }
    plain = {
        "contributors_url": "contributors",
        "deployments_url": "deployments",
        "downloads_url": "downloads",
        "events_url": "events",
        "forks_url": "forks",
        "hooks_url": "hooks",
        "languages_url": "languages",
        "merges_url": "merges",
        "stargazers_url": "stargazers",
        "subscribers_url": "subscribers",
        "subscription_url": "subscription",
        "tags_url": "tags",
        "teams_url": "teams",
    }
    security = {feature: {"status": status} for feature, status in repo.security.items()}
    security["dependabot_security_updates"] = {
        "status": "enabled" if repo.automated_security_fixes else "disabled"
    }
    return {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": render_account(call, repo.owner, call.backend.org_id, "Organization"),
        "private": s["visibility"] != "public",
        "visibility": s["visibility"],
        "html_url": html,
        "description": s["description"],
        "fork": repo.fork,
        "url": url,
        **{key: f"{url}/{suffix}" for key, suffix in templated.items()},
        **{key: f"{url}/{suffix}" for key, suffix in plain.items()},
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "mirror_url": None,
        "homepage": s["homepage"],
        "language": None,
        "size": sum(len(b) for b in repo.blobs.values()) // 1024,
        "default_branch": repo.default_branch,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "open_issues": 0,
        "open_issues_count": 0,
        "network_count": 0,
        "subscribers_count": 0,
        "topics": list(repo.topics),
        "has_issues": s["has_issues"],
        "has_projects": s["has_projects"],
        "has_wiki": s["has_wiki"],
        "has_pages": False,
        "has_downloads": s["has_downloads"],
        "has_discussions": s["has_discussions"],
        "archived": s["archived"],
        "disabled": False,
        "is_template": s["is_template"],
        "license": None,
        "pushed_at": iso(repo.pushed_at or repo.created_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.updated_at),
        "permissions": _permissions(call.actor),
        "allow_squash_merge": s["allow_squash_merge"],
        "allow_merge_commit": s["allow_merge_commit"],
        "allow_rebase_merge": s["allow_rebase_merge"],
        "allow_auto_merge": s["allow_auto_merge"],
        "delete_branch_on_merge": s["delete_branch_on_merge"],
        "allow_update_branch": s["allow_update_branch"],
        "use_squash_pr_title_as_default": s["use_squash_pr_title_as_default"],
        "squash_merge_commit_title": s["squash_merge_commit_title"],
        "squash_merge_commit_message": s["squash_merge_commit_message"],
        "merge_commit_title": s["merge_commit_title"],
        "merge_commit_message": s["merge_commit_message"],
        "allow_forking": s["allow_forking"],
        "web_commit_signoff_required": s["web_commit_signoff_required"],
        "security_and_analysis": security,
        "custom_properties": call.backend.property_values(repo),
    }


def _permissions(actor: ActorType) -> dict[str, bool]:
    order = ["pull", "triage", "push", "maintain", "admin"]
    rank = {"read": 0, "triage": 1, "write": 2, "maintain": 3, "admin": 4}
    level = rank[actor.role] if isinstance(actor, User) else rank["write"]
    return {name: index <= level for index, name in enumerate(order)}


# What a repository in GitHub's list answers lacks beside its GET answer (the description's
# example of repos/list-for-org has neither the merge settings nor the network counts).
GET_ONLY_KEYS = frozenset(
    {
        "allow_squash_merge",
        "allow_merge_commit",
        "allow_rebase_merge",
        "allow_auto_merge",
        "allow_update_branch",
        "delete_branch_on_merge",
        "use_squash_pr_title_as_default",
        "squash_merge_commit_title",
        "squash_merge_commit_message",
        "merge_commit_title",
        "merge_commit_message",
        "network_count",
        "subscribers_count",
    }
)


def render_listed_repository(call: Call, repo: Repository) -> dict[str, JSON]:
    return {k: v for k, v in render_repository(call, repo).items() if k not in GET_ONLY_KEYS}


def git_user(signature: Signature) -> dict[str, JSON]:
    return {"name": signature.name, "email": signature.email, "date": iso(signature.date)}


def _linked_account(call: Call, commit: Commit, signature: Signature) -> dict[str, JSON] | None:
    actor = commit.pusher
    if signature.email != actor_email(actor):
        return None
    kind = "Bot" if isinstance(actor, App) else "User"
    return render_account(call, actor.name, actor_id(actor), kind)


def render_commit(call: Call, repo: Repository, commit: Commit) -> dict[str, JSON]:
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    files = []
    additions_total = deletions_total = 0
    for change in commit.changes:
        content = repo.blobs.get(change.blob or "", b"")
        before = repo.blobs.get(change.previous_blob or "", b"")
        additions = 0 if change.status == "removed" else content.count(b"\n")
        deletions = before.count(b"\n") if change.status != "added" else 0
        additions_total, deletions_total = additions_total + additions, deletions_total + deletions
        files.append(
            {
                "sha": change.blob or change.previous_blob,
                "filename": change.path,
                "status": change.status,
                "additions": additions,
                "deletions": deletions,
                "changes": additions + deletions,
                "blob_url": f"{html}/blob/{commit.sha}/{change.path}",
                "raw_url": f"{html}/raw/{commit.sha}/{change.path}",
                "contents_url": f"{url}/contents/{change.path}?ref={commit.sha}",
            }
        )
    return {
        "url": f"{url}/commits/{commit.sha}",
        "sha": commit.sha,
        "node_id": node_id("C", commit.sha),
        "html_url": f"{html}/commit/{commit.sha}",
        "comments_url": f"{url}/commits/{commit.sha}/comments",
        "commit": {
            "url": f"{url}/git/commits/{commit.sha}",
            "author": git_user(commit.author),
            "committer": git_user(commit.committer),
            "message": commit.message,
            "comment_count": 0,
            "tree": {"sha": commit.tree, "url": f"{url}/git/trees/{commit.tree}"},
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        # GitHub links a git author to an account by e-mail: here, the pusher's noreply address.
        "author": _linked_account(call, commit, commit.author),
        "committer": _linked_account(call, commit, commit.committer),
        "parents": [
            {"sha": p, "url": f"{url}/commits/{p}", "html_url": f"{html}/commit/{p}"}
            for p in commit.parents
        ],
        "stats": {
            "additions": additions_total,
            "deletions": deletions_total,
            "total": additions_total + deletions_total,
        },
        "files": files,
    }
