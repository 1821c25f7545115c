"""Repositories: create in the organization, get, update, delete; the organization's repository
listing; topics; vulnerability alerts and automated security fixes (GitHub's REST docs,
"Repositories")."""

from __future__ import annotations

from testing.github_double.handlers.common import (
    Call,
    Reply,
    check_org,
    paginate,
    render_listed_repository,
    render_repository,
)
from testing.github_double.models import GitHubError


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


def list_org_repos(call: Call) -> Reply:
    check_org(call)
    repos = call.backend.list_repositories(
        call.arg("type") or "all", call.arg("sort") or "created", call.arg("direction")
    )
    page, headers = paginate(call, repos)
    return Reply(200, [render_listed_repository(call, r) for r in page], headers)


# --- Topics -----------------------------------------------------------------------------------


def get_topics(call: Call) -> Reply:
    page, headers = paginate(call, call.repo().topics)
    return Reply(200, {"names": page}, headers)


def replace_topics(call: Call) -> Reply:
    return Reply(200, {"names": call.backend.set_topics(call.repo(), call.body["names"])})


# --- Vulnerability alerts, automated security fixes -------------------------------------------


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
