"""The authenticated user (GitHub's REST docs, "Users")."""

from __future__ import annotations

from testing.github_double.handlers.common import JSON, Call, Reply, render_account
from testing.github_double.models import App, GitHubError, actor_id, iso


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


def get_user(call: Call) -> Reply:
    if isinstance(call.actor, App):
        raise GitHubError(403, "Resource not accessible by integration")
    return Reply(200, render_user(call))
