"""Handlers: read a request, act on the backend, render GitHub's answer from the state.

Each handler takes a `Call` and returns a `Reply`; GitHub's own error answers are raised as
`GitHubError` by the backend. The shapes rendered here are the REST shapes of GitHub's OpenAPI
description; the server checks every one of them against it before sending.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tests.github_double.models import (
    PROTECTION_FLAGS,
    App,
    Commit,
    GitHubBackend,
    GitHubError,
    Repository,
    Ruleset,
    Signature,
    TreeEntry,
    UnmodelledError,
    User,
    actor_email,
    actor_id,
    iso,
)
from tests.github_double.models import Actor as ActorType

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


# --- Renderers --------------------------------------------------------------------------------


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


def render_org(call: Call) -> dict[str, JSON]:
    backend = call.backend
    org, url = backend.org, f"{call.api}/orgs/{backend.org}"
    return {
        "login": org,
        "id": backend.org_id,
        "node_id": node_id("O", backend.org_id),
        "url": url,
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events",
        "hooks_url": f"{url}/hooks",
        "issues_url": f"{url}/issues",
        "members_url": f"{url}/members{{/member}}",
        "public_members_url": f"{url}/public_members{{/member}}",
        "avatar_url": f"{call.base_url}/avatars/{org}",
        "description": None,
        "html_url": f"{call.base_url}/{org}",
        "has_organization_projects": True,
        "has_repository_projects": True,
        "public_repos": sum(
            r.settings["visibility"] == "public" for r in backend.repositories.values()
        ),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "type": "Organization",
        "created_at": iso(backend.created_at),
        "updated_at": iso(backend.created_at),
        "archived_at": None,
    }


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


def _git_user(signature: Signature) -> dict[str, JSON]:
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
            "author": _git_user(commit.author),
            "committer": _git_user(commit.committer),
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


def _content_links(call: Call, repo: Repository, path: str, blob: str, ref: str) -> dict[str, Any]:
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    # The provider reads the ref back from this URL's query; GitHub always includes it.
    self_url = f"{url}/contents/{quote(path)}?ref={quote(ref, safe='')}"
    return {
        "url": self_url,
        "git_url": f"{url}/git/blobs/{blob}",
        "html_url": f"{html}/blob/{ref}/{path}",
        "download_url": f"{call.base_url}/raw/{repo.full_name}/{ref}/{path}",
        "_links": {
            "self": self_url,
            "git": f"{url}/git/blobs/{blob}",
            "html": f"{html}/blob/{ref}/{path}",
        },
    }


def render_content(
    call: Call, repo: Repository, path: str, blob: str, content: bytes, ref: str
) -> dict[str, JSON]:
    encoded = base64.encodebytes(content).decode()  # GitHub wraps at 60 characters too
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": encoded,
        "sha": blob,
        **_content_links(call, repo, path, blob, ref),
    }


def render_directory_item(
    call: Call, repo: Repository, entry: TreeEntry, ref: str
) -> dict[str, JSON]:
    """One item of a directory listing, in the key order GitHub answers (a recorded
    `contents/` listing of octokit/fixtures): a directory links its tree, has no download."""
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    self_url = f"{url}/contents/{quote(entry.path)}?ref={quote(ref, safe='')}"
    if entry.type == "dir":
        git_url = f"{url}/git/trees/{entry.sha}"
        html_url = f"{html}/tree/{ref}/{entry.path}"
        download_url = None
    else:
        git_url = f"{url}/git/blobs/{entry.sha}"
        html_url = f"{html}/blob/{ref}/{entry.path}"
        download_url = f"{call.base_url}/raw/{repo.full_name}/{ref}/{entry.path}"
    return {
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        "size": entry.size,
        "url": self_url,
        "html_url": html_url,
        "git_url": git_url,
        "download_url": download_url,
        "type": entry.type,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def render_file_commit(
    call: Call, repo: Repository, commit: Commit, path: str, branch: str
) -> dict[str, JSON]:
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    blob = commit.files.get(path)
    content = None
    if blob is not None:
        content = {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": blob,
            "size": len(repo.blobs[blob]),
            "type": "file",
            **_content_links(call, repo, path, blob, branch),
        }
    rendered = render_commit(call, repo, commit)
    return {
        "content": content,
        "commit": {
            "sha": commit.sha,
            "node_id": rendered["node_id"],
            "url": f"{url}/git/commits/{commit.sha}",
            "html_url": rendered["html_url"],
            "author": _git_user(commit.author),
            "committer": _git_user(commit.committer),
            "message": commit.message,
            "tree": rendered["commit"]["tree"],
            "parents": [
                {"url": f"{url}/git/commits/{p}", "html_url": f"{html}/commit/{p}", "sha": p}
                for p in commit.parents
            ],
            "verification": rendered["commit"]["verification"],
        },
    }


def render_protection(call: Call, repo: Repository, branch: str) -> dict[str, JSON]:
    p = repo.protections[branch]
    url = f"{call.api}/repos/{repo.full_name}/branches/{quote(branch, safe='')}/protection"
    rendered: dict[str, JSON] = {"url": url}
    checks = p["required_status_checks"]
    if checks is not None:
        rendered["required_status_checks"] = {
            "url": f"{url}/required_status_checks",
            "strict": checks["strict"],
            "contexts": list(checks["contexts"]),
            "contexts_url": f"{url}/required_status_checks/contexts",
            "checks": [dict(c) for c in checks["checks"]],
        }
    reviews = p["required_pull_request_reviews"]
    if reviews is not None:
        rendered["required_pull_request_reviews"] = {
            "url": f"{url}/required_pull_request_reviews",
            **reviews,
        }
    rendered["required_signatures"] = {
        "url": f"{url}/required_signatures",
        "enabled": p["required_signatures"],
    }
    rendered["enforce_admins"] = {"url": f"{url}/enforce_admins", "enabled": p["enforce_admins"]}
    for flag in PROTECTION_FLAGS:
        rendered[flag] = {"enabled": p[flag]}
    if p["restrictions"] is not None:
        rendered["restrictions"] = {
            "url": f"{url}/restrictions",
            "users_url": f"{url}/restrictions/users",
            "teams_url": f"{url}/restrictions/teams",
            "apps_url": f"{url}/restrictions/apps",
            "users": [],
            "teams": [],
            "apps": [],
        }
    return rendered


def render_branch(call: Call, repo: Repository, name: str) -> dict[str, JSON]:
    commit = repo.commits[repo.branches[name]]
    url = f"{call.api}/repos/{repo.full_name}/branches/{quote(name, safe='')}"
    protected = name in repo.protections or any(
        r.applies_to(name, repo.default_branch) for r in call.backend.rulesets_for(repo)
    )
    protection: dict[str, JSON] = {"enabled": name in repo.protections}
    if name in repo.protections:
        protection = {**render_protection(call, repo, name), "enabled": True}
    else:
        protection["required_status_checks"] = {
            "enforcement_level": "off",
            "contexts": [],
            "checks": [],
        }
    return {
        "name": name,
        "commit": render_commit(call, repo, commit),
        "_links": {"self": url, "html": f"{call.base_url}/{repo.full_name}/tree/{name}"},
        "protected": protected,
        "protection": protection,
        "protection_url": f"{url}/protection",
    }


def ruleset_source(call: Call, ruleset: Ruleset, repo: Repository | None) -> str:
    """`source`: the organization's login, or the repository's full name."""
    if ruleset.source_type == "Organization" or repo is None:
        return call.backend.org
    return repo.full_name


def render_ruleset_summary(
    call: Call, ruleset: Ruleset, repo: Repository | None = None
) -> dict[str, JSON]:
    """A ruleset as the list operations' examples show it: no conditions, rules or actors."""
    if ruleset.source_type == "Organization":
        url = f"{call.api}/orgs/{call.backend.org}/rulesets/{ruleset.id}"
        html = f"{call.base_url}/organizations/{call.backend.org}/settings/rules/{ruleset.id}"
    else:
        assert repo is not None
        url = f"{call.api}/repos/{repo.full_name}/rulesets/{ruleset.id}"
        html = f"{call.base_url}/{repo.full_name}/rules/{ruleset.id}"
    return {
        "id": ruleset.id,
        "name": ruleset.name,
        "source_type": ruleset.source_type,
        "source": ruleset_source(call, ruleset, repo),
        "enforcement": ruleset.enforcement,
        "node_id": node_id("RRS", ruleset.id),
        "_links": {"self": {"href": url}, "html": {"href": html}},
        "created_at": iso(ruleset.created_at),
        "updated_at": iso(ruleset.updated_at),
    }


def render_ruleset(
    call: Call, repo: Repository | None, ruleset: Ruleset, *, can_bypass: bool = True
) -> dict[str, JSON]:
    """The full ruleset. `current_user_can_bypass` is "only returned when querying the
    repository-level endpoint" (the description): `can_bypass=False` at the organization's."""
    summary = render_ruleset_summary(call, ruleset, repo)
    rendered: dict[str, JSON] = {
        "id": ruleset.id,
        "name": ruleset.name,
        "target": ruleset.target,
        "source_type": ruleset.source_type,
        "source": summary["source"],
        "enforcement": ruleset.enforcement,
        "bypass_actors": [dict(a) for a in ruleset.bypass_actors],
    }
    if can_bypass:
        rendered["current_user_can_bypass"] = "always" if ruleset.bypasses(call.actor) else "never"
    rendered.update(
        {
            "node_id": summary["node_id"],
            "_links": summary["_links"],
            "conditions": ruleset.conditions,
            "rules": [dict(r) for r in ruleset.rules],
            "created_at": summary["created_at"],
            "updated_at": summary["updated_at"],
        }
    )
    return rendered


def render_user(call: Call) -> dict[str, JSON]:
    actor = call.actor
    return {
        **render_account(call, actor.name, actor_id(actor), "User"),
        "user_view_type": "private",
        "name": actor.name,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": iso(call.backend.created_at),
        "updated_at": iso(call.backend.created_at),
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
        "plan": {"collaborators": 0, "name": "enterprise", "space": 0, "private_repos": 0},
    }


# --- Handlers ---------------------------------------------------------------------------------


def get_org(call: Call) -> Reply:
    if call.params["org"].lower() != call.backend.org.lower():
        raise GitHubError(404, "Not Found")
    return Reply(200, render_org(call))


def get_user(call: Call) -> Reply:
    if isinstance(call.actor, App):
        raise GitHubError(403, "Resource not accessible by integration")
    return Reply(200, render_user(call))


def create_org_repo(call: Call) -> Reply:
    if call.params["org"].lower() != call.backend.org.lower():
        raise GitHubError(404, "Not Found")
    repo = call.backend.create_repository(call.actor, call.body)
    rendered = render_repository(call, repo)
    return Reply(201, rendered, {"Location": rendered["url"]})


def get_repo(call: Call) -> Reply:
    return Reply(200, render_repository(call, call.repo()))


def update_repo(call: Call) -> Reply:
    repo = call.backend.update_repository(call.repo(), call.body or {})
    return Reply(200, render_repository(call, repo))


def delete_repo(call: Call) -> Reply:
    call.backend.delete_repository(call.repo())
    return Reply(204)


def list_branches(call: Call) -> Reply:
    repo = call.repo()
    items = []
    for name in sorted(repo.branches):
        protected = render_branch(call, repo, name)["protected"]
        if call.arg("protected") is not None and (call.arg("protected") == "true") != protected:
            continue
        sha = repo.branches[name]
        items.append(
            {
                "name": name,
                "commit": {"sha": sha, "url": f"{call.api}/repos/{repo.full_name}/commits/{sha}"},
                "protected": protected,
            }
        )
    return Reply(200, items)


def get_branch(call: Call) -> Reply:
    repo = call.repo()
    call.backend.branch(repo, call.params["branch"])
    return Reply(200, render_branch(call, repo, call.params["branch"]))


def get_content(call: Call) -> Reply:
    """A file (an object, its content base64), or a directory (an array of its items, as
    GitHub lists them: git's tree order); the root is `contents/` with an empty path."""
    repo = call.repo()
    path = call.params["path"].strip("/")
    listing = call.backend.list_directory(repo, path, call.arg("ref"))
    if listing is not None:
        entries, ref = listing
        return Reply(200, [render_directory_item(call, repo, entry, ref) for entry in entries])
    blob, content, ref = call.backend.read_file(repo, path, call.arg("ref"))
    return Reply(200, render_content(call, repo, path, blob, content, ref))


def _signature(body: Mapping[str, Any], key: str) -> Mapping[str, str] | None:
    given = body.get(key)
    return {"name": given["name"], "email": given["email"]} if given else None


def put_content(call: Call) -> Reply:
    repo, body = call.repo(), call.body
    try:
        content = base64.b64decode(body["content"], validate=True)
    except ValueError as error:
        raise GitHubError(422, "content is not valid Base64") from error
    path = call.params["path"].strip("/")
    commit, created = call.backend.write_file(
        repo,
        call.actor,
        path,
        content,
        body["message"],
        body.get("branch"),
        body.get("sha"),
        _signature(body, "author"),
        _signature(body, "committer"),
    )
    branch = body.get("branch") or repo.default_branch
    return Reply(201 if created else 200, render_file_commit(call, repo, commit, path, branch))


def delete_content(call: Call) -> Reply:
    repo, body = call.repo(), call.body
    path = call.params["path"].strip("/")
    commit, _ = call.backend.write_file(
        repo,
        call.actor,
        path,
        None,
        body["message"],
        body.get("branch"),
        body["sha"],
        _signature(body, "author"),
        _signature(body, "committer"),
    )
    branch = body.get("branch") or repo.default_branch
    return Reply(200, render_file_commit(call, repo, commit, path, branch))


def get_commit(call: Call) -> Reply:
    repo = call.repo()
    return Reply(200, render_commit(call, repo, repo.resolve(call.params["ref"])))


def list_commits(call: Call) -> Reply:
    repo = call.repo()
    if not repo.branches:
        raise GitHubError(409, "Git Repository is empty.")
    head = repo.resolve(call.arg("sha") or repo.default_branch)
    path = (call.arg("path") or "").strip("/")
    commits = [
        render_commit(call, repo, c)
        for c in repo.history(head.sha)
        if not path or any(change.path == path for change in c.changes)
    ]
    return Reply(200, commits)


def get_git_ref(call: Call) -> Reply:
    repo, ref = call.repo(), call.params["ref"]
    name = ref.removeprefix("heads/")
    if not ref.startswith("heads/") or name not in repo.branches:
        raise GitHubError(404, "Not Found")
    return Reply(200, _render_ref(call, repo, name))


def _render_ref(call: Call, repo: Repository, name: str) -> dict[str, JSON]:
    url = f"{call.api}/repos/{repo.full_name}/git"
    sha = repo.branches[name]
    return {
        "ref": f"refs/heads/{name}",
        "node_id": node_id("REF", f"{repo.id}:{name}"),
        "url": f"{url}/refs/heads/{name}",
        "object": {"type": "commit", "sha": sha, "url": f"{url}/commits/{sha}"},
    }


def create_git_ref(call: Call) -> Reply:
    repo = call.repo()
    name = call.backend.create_ref(repo, call.body["ref"], call.body["sha"])
    return Reply(201, _render_ref(call, repo, name))


def delete_git_ref(call: Call) -> Reply:
    call.backend.delete_ref(call.repo(), call.params["ref"])
    return Reply(204)


def _includes_parents(call: Call) -> bool:
    return call.arg("includes_parents") != "false"  # the description's default is true


def list_rulesets(call: Call) -> Reply:
    repo = call.repo()
    rulesets = call.backend.rulesets_for(repo, includes_parents=_includes_parents(call))
    return Reply(200, [render_ruleset(call, repo, r) for r in rulesets])


def create_ruleset(call: Call) -> Reply:
    repo = call.repo()
    ruleset = call.backend.save_ruleset(repo, call.body)
    return Reply(201, render_ruleset(call, repo, ruleset))


def _ruleset_id(call: Call) -> int:
    try:
        return int(call.params["ruleset_id"])
    except ValueError as error:  # the contract check refuses it first; kept for safety
        raise GitHubError(404, "Not Found") from error


def get_ruleset(call: Call) -> Reply:
    repo, ruleset_id = call.repo(), _ruleset_id(call)
    # With includes_parents (the default), an organization ruleset that targets the
    # repository is read here too; it is changed only at the organization's endpoint.
    for ruleset in call.backend.rulesets_for(repo, includes_parents=_includes_parents(call)):
        if ruleset.id == ruleset_id:
            return Reply(200, render_ruleset(call, repo, ruleset))
    raise GitHubError(404, "Not Found")


def update_ruleset(call: Call) -> Reply:
    repo = call.repo()
    ruleset_id = call.backend.ruleset(repo, _ruleset_id(call)).id
    ruleset = call.backend.save_ruleset(repo, call.body or {}, ruleset_id)
    return Reply(200, render_ruleset(call, repo, ruleset))


def delete_ruleset(call: Call) -> Reply:
    repo = call.repo()
    del repo.rulesets[call.backend.ruleset(repo, _ruleset_id(call)).id]
    return Reply(204)


def get_protection(call: Call) -> Reply:
    repo, branch = call.repo(), call.params["branch"]
    call.backend.protection(repo, branch)
    return Reply(200, render_protection(call, repo, branch))


def put_protection(call: Call) -> Reply:
    repo, branch = call.repo(), call.params["branch"]
    call.backend.protect(repo, branch, call.body)
    return Reply(200, render_protection(call, repo, branch))


def delete_protection(call: Call) -> Reply:
    repo, branch = call.repo(), call.params["branch"]
    call.backend.protection(repo, branch)
    del repo.protections[branch]
    return Reply(204)


def _signatures(call: Call, enabled: bool | None) -> Reply:
    repo, branch = call.repo(), call.params["branch"]
    protection = call.backend.protection(repo, branch)
    if enabled is not None:
        protection["required_signatures"] = enabled
    if enabled is False:
        return Reply(204)
    url = f"{call.api}/repos/{repo.full_name}/branches/{quote(branch, safe='')}/protection"
    return Reply(
        200,
        {"url": f"{url}/required_signatures", "enabled": protection["required_signatures"]},
    )


def get_signatures(call: Call) -> Reply:
    return _signatures(call, None)


def create_signatures(call: Call) -> Reply:
    return _signatures(call, True)


def delete_signatures(call: Call) -> Reply:
    return _signatures(call, False)


def delete_review_requirement(call: Call) -> Reply:
    protection = call.backend.protection(call.repo(), call.params["branch"])
    protection["required_pull_request_reviews"] = None
    return Reply(204)


def get_vulnerability_alerts(call: Call) -> Reply:
    return Reply(204 if call.repo().vulnerability_alerts else 404)


def enable_vulnerability_alerts(call: Call) -> Reply:
    call.repo().vulnerability_alerts = True
    return Reply(204)


def disable_vulnerability_alerts(call: Call) -> Reply:
    repo = call.repo()
    repo.vulnerability_alerts = False
    # Dependabot security updates need Dependabot alerts; turning alerts off ends both.
    repo.automated_security_fixes = False
    return Reply(204)


def get_security_fixes(call: Call) -> Reply:
    return Reply(200, {"enabled": call.repo().automated_security_fixes, "paused": False})


def enable_security_fixes(call: Call) -> Reply:
    call.repo().automated_security_fixes = True
    return Reply(204)


def disable_security_fixes(call: Call) -> Reply:
    call.repo().automated_security_fixes = False
    return Reply(204)


def get_actions_permissions(call: Call) -> Reply:
    repo = call.repo()
    rendered = dict(repo.actions_permissions)
    if rendered.get("allowed_actions") == "selected":
        url = f"{call.api}/repos/{repo.full_name}/actions/permissions/selected-actions"
        rendered["selected_actions_url"] = url
    return Reply(200, rendered)


def set_actions_permissions(call: Call) -> Reply:
    repo, body = call.repo(), call.body
    if body.get("allowed_actions") == "selected":
        raise UnmodelledError("allowed_actions 'selected' (and its selected-actions list)")
    previous = repo.actions_permissions
    repo.actions_permissions = {
        "enabled": body["enabled"],
        "sha_pinning_required": body.get("sha_pinning_required", previous["sha_pinning_required"]),
    }
    if body["enabled"]:
        repo.actions_permissions["allowed_actions"] = body.get("allowed_actions", "all")
    return Reply(204)


def get_workflow_permissions(call: Call) -> Reply:
    return Reply(200, dict(call.repo().workflow_permissions))


def set_workflow_permissions(call: Call) -> Reply:
    repo = call.repo()
    for key in ("default_workflow_permissions", "can_approve_pull_request_reviews"):
        if key in (call.body or {}):
            repo.workflow_permissions[key] = call.body[key]
    return Reply(204)
