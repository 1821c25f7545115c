"""A repository-mode stack's repositories as `pulumi up` leaves them, seeded into the GitHub
double through its REST API: for `repo-baseline verify` at a size the bench does not apply.

Each repository gets the rendered workflow on its default branch, then its protection as the
program creates it: the repository ruleset (deletion, non-fast-forward, the pull request rule,
the derived checks pinned to GitHub Actions) or classic protection. `verify` reads the same
three things whichever way they were made, so its requests per repository are what they are
after a real `up` (the bench's applied 100-repository stack measures that).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from typing import Any

from baseline.resources.component import GITHUB_ACTIONS_APP_ID
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import parse_settings
from testing.github_double import GitHubDouble
from workflows.templates import rendered_pipeline


def _send(double: GitHubDouble, token: str, method: str, path: str, body: Any) -> None:
    request = urllib.request.Request(
        f"{double.api_url}/{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def _ruleset(config: RepositoryConfig, checks: tuple[str, ...]) -> dict[str, Any]:
    protection = config.protection
    return {
        "name": "repo-baseline: default branch",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {
                "type": "pull_request",
                "parameters": {
                    "required_approving_review_count": protection.required_approvals,
                    "dismiss_stale_reviews_on_push": protection.dismiss_stale_reviews,
                    "require_code_owner_review": protection.require_code_owner_reviews,
                    "require_last_push_approval": protection.require_last_push_approval,
                    "required_review_thread_resolution": (
                        protection.require_conversation_resolution
                    ),
                },
            },
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": protection.strict_status_checks,
                    "required_status_checks": [
                        {"context": check, "integration_id": GITHUB_ACTIONS_APP_ID}
                        for check in checks
                    ],
                },
            },
        ],
    }


def _classic(config: RepositoryConfig, checks: tuple[str, ...]) -> dict[str, Any]:
    protection = config.protection
    return {
        "required_status_checks": {
            "strict": protection.strict_status_checks,
            "checks": [{"context": check, "app_id": GITHUB_ACTIONS_APP_ID} for check in checks],
        },
        "enforce_admins": True,
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": protection.dismiss_stale_reviews,
            "require_code_owner_reviews": protection.require_code_owner_reviews,
            "required_approving_review_count": protection.required_approvals,
        },
        "restrictions": None,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }


def seed_applied(double: GitHubDouble, token: str, config: Mapping[str, Any]) -> int:
    """Seed every repository of `config` (a repository-mode stack's `config:` mapping) as `up`
    leaves it; how many."""
    settings = parse_settings(
        config.get("repo-baseline:defaults"), config["repo-baseline:repositories"]
    )
    for repository in settings.repositories:
        rendered = rendered_pipeline(repository.pipeline.template, repository.pipeline.options)
        branch = repository.pipeline.options.default_branch
        double.seed_repository(
            repository.name,
            {"README.md": f"# {repository.name}\n", rendered.path: rendered.content},
            default_branch=branch,
        )
        checks = rendered.required_checks
        if repository.protection.kind == "classic":
            path = f"repos/{double.org}/{repository.name}/branches/{branch}/protection"
            _send(double, token, "PUT", path, _classic(repository, checks))
        else:
            path = f"repos/{double.org}/{repository.name}/rulesets"
            _send(double, token, "POST", path, _ruleset(repository, checks))
    return len(settings.repositories)
