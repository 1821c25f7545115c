"""What a stack should produce, from the project's own code, and how to read the double's log.

Nothing here restates the pipeline or its checks: they come from the validated settings and the
rendered pipeline, as the program derives them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baseline.resources.component import GITHUB_ACTIONS_APP_ID, repository_inputs
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import load_settings_file
from testing.github_double import GitHubDouble, User
from testing.github_double.pytest_plugin import ADMIN_TOKEN
from tests.e2e.harness import ROOT
from tests.e2e.test_github_double import call
from workflows.templates import RenderedPipeline, rendered_pipeline

__all__ = ["GITHUB_ACTIONS_APP_ID"]

# The Repository inputs that name a GitHub REST field differently.
_REST_NAMES = {"homepage_url": "homepage"}
_CREATE_ONLY = ("auto_init", "security_and_analysis")


@dataclass(frozen=True)
class Expected:
    """One configured repository and the pipeline rendered for it."""

    config: RepositoryConfig
    pipeline: RenderedPipeline

    @property
    def checks(self) -> set[str]:
        return set(self.pipeline.required_checks)


def expected(stack_file: Path) -> dict[str, Expected]:
    """Per repository name, what the stack file configures (validated as the program does)."""
    _, settings = load_settings_file(stack_file)
    return {
        repo.name: Expected(repo, rendered_pipeline(repo.pipeline.template, repo.pipeline.options))
        for repo in settings.repositories
    }


def seed_matching(github: GitHubDouble, config: RepositoryConfig, files: dict[str, str]) -> None:
    """An existing repository whose settings already are what `config` asks for."""
    inputs = repository_inputs(config)
    settings = {
        _REST_NAMES.get(key, key): value
        for key, value in inputs.items()
        if key not in ("name", *_CREATE_ONLY)
    }
    github.seed_repository(config.name, files, **settings)


def run_plan(stack_file: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`python -m baseline plan --config STACK_FILE FLAGS`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "baseline", "plan", "--config", str(stack_file), *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def saved_listing(github: GitHubDouble, folder: Path, *flags: str) -> Path:
    """The organization's listing as `repo-baseline inventory` saves it from the double, for the
    offline plan of a stack that adopts or selects (`--inventory`)."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "baseline", "inventory"),
            *("--owner", github.org, "--base-url", github.url, *flags),
        ],
        cwd=ROOT,
        env={**os.environ, "GITHUB_TOKEN": ADMIN_TOKEN},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    path = folder / "inventory.json"
    path.write_text(done.stdout, encoding="utf-8")
    return path


def offline_plan(stack_file: Path, *flags: str) -> dict[str, Any]:
    """The offline plan's JSON document (`--json`) of the stack file."""
    done = run_plan(stack_file, "--json", *flags)
    assert done.returncode == 0, done.stderr
    plan: dict[str, Any] = json.loads(done.stdout)
    return plan


def writes(github: GitHubDouble) -> list[tuple[str, str]]:
    """Every request that changed something, in order: (method, path under the repository)."""
    return [
        (entry["method"], entry["path"])
        for entry in github.log_json()
        # A status of None: a connection reset before GitHub acted (an injected fault).
        if entry["method"] not in ("GET", "HEAD")
        and entry["status"] is not None
        and entry["status"] < 400
    ]


def first(log: list[tuple[str, str]], method: str, suffix: str) -> int:
    """The position of the first `method` request whose path ends with `suffix`."""
    for index, (verb, path) in enumerate(log):
        if verb == method and path.endswith(suffix):
            return index
    raise AssertionError(f"no {method} …{suffix} in the double's log: {log}")


def changes(preview: Mapping[str, Any]) -> dict[str, str]:
    """What a `pulumi preview --json` would change, resource name -> operation (not what it
    only reads or refreshes)."""
    quiet = ("same", "read", "refresh")
    return {s["urn"].rsplit("::", 1)[1]: s["op"] for s in preview["steps"] if s["op"] not in quiet}


def repo_path(github: GitHubDouble, name: str, rest: str = "") -> str:
    return f"/api/v3/repos/{github.org}/{name}{rest}"


def review_and_merge(github: GitHubDouble, repository: str, number: int, token: str) -> None:
    """A person approves pull request `number` and squash-merges it, with `token` (not its
    author's: GitHub refuses an author's own approval)."""
    path = f"/repos/{github.org}/{repository}/pulls/{number}"
    approved = call(github, "POST", f"{path}/reviews", {"event": "APPROVE"}, token=token)
    assert approved.status == 200, approved.body
    merged = call(github, "PUT", f"{path}/merge", {"merge_method": "squash"}, token=token)
    assert merged.status == 200, merged.body


HUMAN_TOKEN = "a-humans-admin-token"


def as_human(github: GitHubDouble, method: str, path: str, body: Any) -> Any:
    """A request through GitHub's API by another admin (someone in GitHub's UI), at a path under
    the API root; its JSON answer."""
    github.add_token(HUMAN_TOKEN, User("octo-human"))
    request = urllib.request.Request(
        f"{github.api_url}/{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"token {HUMAN_TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def require_by_hand(github: GitHubDouble, check: str, repositories: list[str]) -> Any:
    """An organization ruleset made by another admin that requires `check` on the default
    branch of `repositories`; GitHub's answer (its `id`)."""
    return as_human(
        github,
        "POST",
        f"orgs/{github.org}/rulesets",
        {
            "name": "security scan",
            "target": "branch",
            "enforcement": "active",
            "conditions": {
                "ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []},
                "repository_name": {"include": repositories, "exclude": []},
            },
            "rules": [
                {
                    "type": "required_status_checks",
                    "parameters": {
                        "strict_required_status_checks_policy": False,
                        "required_status_checks": [{"context": check}],
                    },
                }
            ],
        },
    )
