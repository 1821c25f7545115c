"""The organization itself (GitHub's REST docs, "Organizations")."""

from __future__ import annotations

from testing.github_double.handlers.common import JSON, Call, Reply, node_id
from testing.github_double.models import GitHubError, iso


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


def get_org(call: Call) -> Reply:
    if call.params["org"].lower() != call.backend.org.lower():
        raise GitHubError(404, "Not Found")
    return Reply(200, render_org(call))
