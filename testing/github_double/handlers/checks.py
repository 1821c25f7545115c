"""Check runs and commit statuses: what satisfies a protected branch's required checks (GitHub's
REST docs, "Checks", "Commit statuses"); the decisions are in `testing/github_double/pulls.py`."""

from __future__ import annotations

from testing.github_double import pulls
from testing.github_double.handlers.common import (
    JSON,
    Call,
    Reply,
    iso_or_none,
    node_id,
    render_account,
    render_actor,
)
from testing.github_double.models import App, CheckRun, CommitStatus, Repository, iso


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
        "started_at": iso_or_none(run.started_at),
        "completed_at": iso_or_none(run.completed_at),
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


def create_check_run(call: Call) -> Reply:
    repo = call.repo()
    run = pulls.report_check_run(call.backend, repo, call.actor, call.body)
    return Reply(201, render_check_run(call, repo, run))


def create_status(call: Call) -> Reply:
    repo = call.repo()
    status = pulls.report_status(call.backend, repo, call.actor, call.params["sha"], call.body)
    return Reply(201, render_status(call, repo, status))
