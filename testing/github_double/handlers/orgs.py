"""The organization itself (GitHub's REST docs, "Organizations")."""

from __future__ import annotations

from collections.abc import Mapping

from testing.github_double.handlers.common import JSON, Call, Reply, node_id
from testing.github_double.models import Actor, App, GitHubError, Plan, iso

# The organization's plan as GET /orgs/{org} answers it (`organization-full.plan`). GitHub answers
# `name` "enterprise" for an Enterprise Cloud organization and "free" for a Free one, both with
# `space` 976562499, and `private_repos` 999999 and 10000 (observed:
# microsoft/PowerShellForGitHub#373, `plan.name : enterprise` and `plan.name : free`). "team" for
# a Team organization, its `private_repos`, and every plan's `filled_seats` and `seats` are the
# double's own (a guess, fixed: it keeps no members or seats).
PLAN_DETAILS: Mapping[Plan, Mapping[str, JSON]] = {
    "free": {"name": "free", "space": 976562499, "private_repos": 10000},
    "team": {"name": "team", "space": 976562499, "private_repos": 999999},
    "enterprise": {"name": "enterprise", "space": 976562499, "private_repos": 999999},
}
SEATS: Mapping[str, JSON] = {"filled_seats": 1, "seats": 5}


def sees_plan(actor: Actor) -> bool:
    """Whether `actor` is answered the organization's `plan`. The description of `orgs/get`: "To
    see the full details about an organization, the authenticated user must be an organization
    owner." and "To see information about an organization's GitHub plan, GitHub Apps need the
    `Organization plan` permission." The double gives every App that permission."""
    return isinstance(actor, App) or actor.org_admin


def render_org(call: Call) -> dict[str, JSON]:
    backend = call.backend
    org, url = backend.org, f"{call.api}/orgs/{backend.org}"
    rendered: dict[str, JSON] = {
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
    if sees_plan(call.actor):
        rendered["plan"] = {**PLAN_DETAILS[backend.plan], **SEATS}
    return rendered


def get_org(call: Call) -> Reply:
    if call.params["org"].lower() != call.backend.org.lower():
        raise GitHubError(404, "Not Found")
    return Reply(200, render_org(call))
