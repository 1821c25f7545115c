"""GitHub Actions' repository settings: Actions permissions and workflow permissions (GitHub's
REST docs, "Actions", "Permissions")."""

from __future__ import annotations

from testing.github_double.handlers.common import Call, Reply
from testing.github_double.models import UnmodelledError


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
