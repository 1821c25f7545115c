"""The Bug Logger job per `pipeline.bug_logger` mode: its permissions, its one script and how the
mode reaches it, and what the script files for each event (run under Node.js with a stand-in
client that records its calls; against a GitHub that answers, `tests/pipeline_e2e/
test_bug_logger.py`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from workflows.backend_ci import backend_ci
from workflows.options import BackendCiOptions, BugLogger
from workflows.render import render
from workflows.scripts import script

RENDERED = Path(__file__).resolve().parents[2] / "workflows" / "rendered" / "backend-ci.yml"


def _job(mode: BugLogger) -> dict[str, Any]:
    data = yaml.safe_load(render(backend_ci(BackendCiOptions(bug_logger=mode))))
    job: dict[str, Any] = data["jobs"]["bug-logger"]
    return job


def test_issue_mode_may_write_issues_and_pull_requests() -> None:
    assert _job("issue")["permissions"] == {"issues": "write", "pull-requests": "write"}


def test_comment_mode_may_write_pull_requests_only() -> None:
    job = _job("comment")
    assert job["permissions"] == {"pull-requests": "write"}
    assert [step["name"] for step in job["steps"]] == ["Comment on the failed pull request"]


def test_off_has_no_bug_logger_job() -> None:
    data = yaml.safe_load(render(backend_ci(BackendCiOptions(bug_logger="off"))))
    assert "bug-logger" not in data["jobs"]


@pytest.mark.parametrize("mode", ["issue", "comment"])
def test_every_mode_runs_the_one_script_with_its_mode_in_the_env(mode: BugLogger) -> None:
    (step,) = _job(mode)["steps"]
    assert step["with"]["script"] == script("bug_logger.js")
    assert step["env"] == {"BUG_LOGGER_MODE": mode}
    # Forks get a read-only token: the job runs for same-repository pull requests only.
    assert "head.repo.full_name == github.repository" in _job(mode)["if"]


def test_the_committed_render_is_issue_mode() -> None:
    data = yaml.safe_load(RENDERED.read_text(encoding="utf-8"))
    assert data["jobs"]["bug-logger"]["steps"][0]["env"] == {"BUG_LOGGER_MODE": "issue"}


# --- The script's decisions, with a stand-in client ---------------------------------------------

STAND_IN = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const calls = [];
const record = (name, result) => async (params) => {
  calls.push([name, params]);
  return { data: result(params) };
};
const github = {
  paginate: async (method, params) => (await method(params)).data,
  rest: { issues: {
    listForRepo: record('listForRepo', () => input.open),
    create: record('create', () => ({ number: 7 })),
    createComment: record('createComment', () => ({})),
    addAssignees: record('addAssignees', () => ({ assignees: input.assigned })),
  } },
};
const core = {
  notice: (m) => calls.push(['notice', m]),
  warning: (m) => calls.push(['warning', m]),
};
process.env.BUG_LOGGER_MODE = input.mode;
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', input.script)(github, input.context, core)
  .then(() => console.log(JSON.stringify(calls)));
"""

PUSH = {
    "repo": {"owner": "example-org", "repo": "shop"},
    "serverUrl": "https://github.com",
    "runId": 42,
    "workflow": "Backend CI/CD",
    "sha": "abc123",
    "eventName": "push",
    "ref": "refs/heads/main",
    "payload": {},
}
PULL = {
    **PUSH,
    "eventName": "pull_request",
    "ref": "refs/pull/3/merge",
    "payload": {
        "pull_request": {
            "number": 3,
            "head": {"ref": "feature/x", "repo": {"full_name": "example-org/shop"}},
            "user": {"login": "octo-dev"},
        }
    },
}
MAIN_MARKER = "<!-- repo-baseline:bug-logger:Backend CI/CD:main -->"


def _calls(
    mode: str,
    context: dict[str, Any],
    open_issues: list[dict[str, Any]] | None = None,
    assigned: list[dict[str, str]] | None = None,
) -> list[list[Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js (Debian: apt-get install nodejs)")
    given = {
        "script": script("bug_logger.js"),
        "mode": mode,
        "context": context,
        "open": open_issues or [],
        "assigned": assigned if assigned is not None else [{"login": "octo-dev"}],
    }
    done = subprocess.run(
        [node, "-e", STAND_IN], input=json.dumps(given), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    calls: list[list[Any]] = json.loads(done.stdout)
    return calls


def test_a_first_failure_on_main_opens_the_branchs_issue() -> None:
    calls = _calls("issue", PUSH)

    assert [name for name, _ in calls] == ["listForRepo", "create"]
    listed, created = calls[0][1], calls[1][1]
    assert (listed["state"], listed["labels"], listed["per_page"]) == ("open", "ci-failure", 100)
    assert created["title"] == "CI failure: Backend CI/CD on main"
    assert created["labels"] == ["bug", "ci-failure"]
    assert created["body"].endswith(MAIN_MARKER)


def test_a_later_failure_comments_on_the_open_issue_a_pull_request_never_matches() -> None:
    look_alike = {"number": 5, "body": MAIN_MARKER, "pull_request": {"url": "x"}}
    own = {"number": 6, "title": "renamed by a person", "body": f"...\n\n{MAIN_MARKER}"}
    calls = _calls("issue", PUSH, [look_alike, own])

    assert [name for name, _ in calls] == ["listForRepo", "createComment"]
    assert calls[1][1]["issue_number"] == 6


def test_a_pull_request_failure_is_filed_under_its_head_branch_and_its_author_assigned() -> None:
    calls = _calls("issue", PULL, assigned=[])

    names = [name for name, _ in calls]
    assert names == ["listForRepo", "create", "createComment", "addAssignees", "warning"]
    assert calls[1][1]["title"] == "CI failure: Backend CI/CD on feature/x"
    assert (calls[2][1]["issue_number"], calls[2][1]["body"]) == (
        3,
        "CI failed for this pull request; details in #7.",
    )
    assert calls[3][1]["assignees"] == ["octo-dev"]
    assert calls[4][1].startswith("Could not assign octo-dev to #7")


def test_comment_mode_comments_on_the_pull_request_only() -> None:
    calls = _calls("comment", PULL)

    assert [name for name, _ in calls] == ["createComment"]
    assert calls[0][1]["issue_number"] == 3
    assert "feature/x" in calls[0][1]["body"]


def test_comment_mode_files_nothing_for_a_push() -> None:
    assert _calls("comment", PUSH) == [
        ["notice", "Bug Logger: nothing filed, a push run has no pull request"]
    ]


def test_a_merge_groups_failure_is_filed_under_the_branch_it_merges_into() -> None:
    """Each merge group runs on its own gh-readonly-queue/... branch: filed under that branch,
    every failing group would open an issue of its own."""
    group = {
        **PUSH,
        "eventName": "merge_group",
        "ref": "refs/heads/gh-readonly-queue/main/pr-3-abc123",
        "payload": {
            "merge_group": {
                "head_ref": "refs/heads/gh-readonly-queue/main/pr-3-abc123",
                "base_ref": "refs/heads/main",
            }
        },
    }
    own = {"number": 6, "body": f"...\n\n{MAIN_MARKER}"}
    calls = _calls("issue", group, [own])

    assert [name for name, _ in calls] == ["listForRepo", "createComment"]
    assert calls[1][1]["issue_number"] == 6
