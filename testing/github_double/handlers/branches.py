"""Branches: list, get, rename; classic branch protection and its sub-resources (required
signatures, the review requirement) (GitHub's REST docs, "Branches")."""

from __future__ import annotations

from urllib.parse import quote

from testing.github_double import pulls
from testing.github_double.handlers.common import JSON, Call, Reply, render_commit
from testing.github_double.models import PROTECTION_FLAGS, Repository


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


def rename_branch(call: Call) -> Reply:
    repo = call.repo()
    new = str(call.body["new_name"])
    pulls.rename_branch(call.backend, repo, call.actor, call.params["branch"], new)
    return Reply(201, render_branch(call, repo, new))


# --- Classic branch protection ----------------------------------------------------------------


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
