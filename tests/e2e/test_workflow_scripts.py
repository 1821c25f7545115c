"""The github-script steps of this repository's own workflows, run under Node.js.

Each script is taken from its workflow file and run as actions/github-script runs it (an async
function of `require`, `github`, `context`, `core`), with a stand-in for the GitHub client that
serves a given set of issues and comments and records every call. Node.js is what `make e2e`
already needs for GitHub's API description.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.test_repository_workflows import DRIFT, PULL_REQUEST, github_script

RUNNER = r"""
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const calls = [];
const record = (name, result) => async (params) => {
  calls.push([name, params]);
  return result(params);
};
const github = {
  paginate: async (method, params) => method(params),
  rest: { issues: {
    listForRepo: record('listForRepo', (p) => input.issues.filter(
      (i) => i.state === p.state && (!p.creator || i.user.login === p.creator))),
    listComments: record('listComments', () => input.comments),
    create: record('create', () => ({ data: { number: 101 } })),
    update: record('update', () => ({ data: {} })),
    createComment: record('createComment', () => ({ data: {} })),
    updateComment: record('updateComment', () => ({ data: {} })),
  } },
};
const core = { warning: () => {}, info: () => {}, setFailed: (m) => { throw new Error(m); } };
Object.assign(process.env, input.env);
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', input.script)(
  require, github, input.context, core,
).then(() => console.log(JSON.stringify(calls)));
"""

BOT = {"login": "github-actions[bot]"}
CONTEXT = {
    "repo": {"owner": "example-org", "repo": "repo-baseline"},
    "serverUrl": "https://github.com",
    "runId": 42,
    "payload": {"pull_request": {"number": 7}},
}
DIFF = "~ shop-ruleset (update)\n  ~ requiredApprovingReviewCount: 0 => 1\n"


def _run(
    tmp_path: Path, script: str, env: dict[str, str], files: dict[str, str], **state: Any
) -> list[tuple[str, dict[str, Any]]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: `make e2e` needs it (README, Quick start)")
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    payload = {
        "script": script,
        "env": env,
        "context": CONTEXT,
        "issues": state.get("issues", []),
        "comments": state.get("comments", []),
    }
    done = subprocess.run(
        [node, "-e", RUNNER],
        input=json.dumps(payload),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [(name, params) for name, params in json.loads(done.stdout)]


def _writes(calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    return [call for call in calls if not call[0].startswith("list")]


# --- drift.yml: one issue per stack --------------------------------------------------------


def _drift_files(index: int, stack: str, result: str) -> dict[str, str]:
    """What the preview job of one stack uploads as `drift-<index>`, downloaded under drift/."""
    folder = f"drift/drift-{index}"
    return {
        f"{folder}/stack.txt": f"{stack}\n",
        f"{folder}/result.txt": f"{result}\n",
        f"{folder}/preview.txt": DIFF,
    }


def _drift(
    tmp_path: Path, result: str, issues: list[dict[str, Any]], files: dict[str, str] | None = None
) -> list[Any]:
    return _writes(
        _run(
            tmp_path,
            github_script(DRIFT, "report"),
            {},
            _drift_files(0, "prod", result) if files is None else files,
            issues=issues,
        )
    )


def _issue(number: int, body: str, user: dict[str, str] = BOT) -> dict[str, Any]:
    return {"number": number, "state": "open", "body": body, "user": user}


MARKER = "<!-- repo-baseline:drift:prod -->"


def test_drift_opens_one_issue_with_the_diff(tmp_path: Path) -> None:
    [(name, params)] = _drift(tmp_path, "drift", [_issue(3, "unrelated")])
    assert name == "create"
    assert params["title"] == "Drift: GitHub differs from stack prod"
    assert params["body"].startswith(MARKER)
    assert DIFF.strip() in params["body"]
    assert "https://github.com/example-org/repo-baseline/actions/runs/42" in params["body"]


def test_drift_updates_the_open_issue_instead_of_opening_another(tmp_path: Path) -> None:
    [(name, params)] = _drift(tmp_path, "drift", [_issue(5, f"{MARKER}\nold diff")])
    assert (name, params["issue_number"]) == ("update", 5)
    assert DIFF.strip() in params["body"]


def test_a_clean_night_closes_the_issue(tmp_path: Path) -> None:
    calls = _drift(tmp_path, "clean", [_issue(5, f"{MARKER}\nold diff")])
    assert [(name, params["issue_number"]) for name, params in calls] == [
        ("createComment", 5),
        ("update", 5),
    ]
    assert calls[1][1]["state"] == "closed"


def test_a_clean_night_without_an_issue_writes_nothing(tmp_path: Path) -> None:
    assert _drift(tmp_path, "clean", []) == []


def test_an_issue_someone_else_opened_with_the_marker_is_left_alone(tmp_path: Path) -> None:
    someone = {"login": "octo-human"}
    [(name, _)] = _drift(tmp_path, "drift", [_issue(8, MARKER, user=someone)])
    assert name == "create"
    assert _drift(tmp_path, "clean", [_issue(8, MARKER, user=someone)]) == []


def test_each_stack_keeps_its_own_issue_and_a_failed_one_is_left_alone(tmp_path: Path) -> None:
    # shard-0 is clean again, shard-1 drifted, shard-2's preview failed (it uploaded nothing).
    files = _drift_files(0, "shard-0", "clean") | _drift_files(1, "shard-1", "drift")
    issues = [
        _issue(4, "<!-- repo-baseline:drift:shard-0 -->\nold"),
        _issue(6, "<!-- repo-baseline:drift:shard-2 -->\nold"),
    ]
    calls = _drift(tmp_path, "", issues, files)
    assert [(name, params.get("issue_number")) for name, params in calls] == [
        ("createComment", 4),
        ("update", 4),
        ("create", None),
    ]
    assert calls[2][1]["title"] == "Drift: GitHub differs from stack shard-1"
    assert calls[2][1]["body"].startswith("<!-- repo-baseline:drift:shard-1 -->")


def test_no_uploaded_preview_touches_no_issue(tmp_path: Path) -> None:
    assert _drift(tmp_path, "", [_issue(5, f"{MARKER}\nold diff")], files={}) == []


# --- pull-request.yml: one comment per pull request ----------------------------------------


def _comment(
    tmp_path: Path,
    comments: list[dict[str, Any]],
    stacks: tuple[str, ...] = ("prod",),
    previewed: tuple[str, ...] = ("prod",),
) -> list[Any]:
    # What each stack's preview job uploads as `preview-<index>`, downloaded under previews/.
    files = {}
    for index, stack in enumerate(previewed):
        files[f"previews/preview-{index}/stack.txt"] = f"{stack}\n"
        files[f"previews/preview-{index}/preview.txt"] = f"Previewing stack {stack}\n{DIFF}"
    return _writes(
        _run(
            tmp_path,
            github_script(PULL_REQUEST, "comment"),
            {"STACKS": json.dumps(list(stacks))},
            files,
            comments=comments,
        )
    )


def test_the_preview_is_commented_once_and_then_updated(tmp_path: Path) -> None:
    [(name, params)] = _comment(tmp_path, [{"id": 1, "body": "LGTM", "user": BOT}])
    assert (name, params["issue_number"]) == ("createComment", 7)
    assert params["body"].startswith("<!-- repo-baseline:pulumi-preview -->")
    assert DIFF.strip() in params["body"]

    previous = {"id": 9, "body": params["body"], "user": BOT}
    [(name, params)] = _comment(tmp_path, [previous])
    assert (name, params["comment_id"]) == ("updateComment", 9)


def test_one_comment_holds_every_stack_and_names_a_failed_one(tmp_path: Path) -> None:
    stacks = ("shard-0", "shard-1", "shard-2")
    [(name, params)] = _comment(tmp_path, [], stacks, previewed=("shard-2", "shard-0"))
    assert name == "createComment"
    body = params["body"]
    # In the order of the stacks, whatever order the artifacts came in.
    headings = [line for line in body.splitlines() if line.startswith("#### ")]
    assert [heading.split("`")[1] for heading in headings] == list(stacks)
    assert f"Previewing stack shard-0\n{DIFF.strip()}" in body
    assert f"Previewing stack shard-2\n{DIFF.strip()}" in body
    assert (
        "#### Pulumi preview of stack `shard-1`: failed, see the run's log: "
        "https://github.com/example-org/repo-baseline/actions/runs/42"
    ) in body


def test_the_comment_stays_under_githubs_limit_with_many_stacks(tmp_path: Path) -> None:
    stacks = [f"shard-{index}" for index in range(12)]
    files = {}
    for index, stack in enumerate(stacks):
        files[f"previews/preview-{index}/stack.txt"] = stack
        files[f"previews/preview-{index}/preview.txt"] = "x" * 20000
    script = github_script(PULL_REQUEST, "comment")
    [(_, params)] = _writes(_run(tmp_path, script, {"STACKS": json.dumps(stacks)}, files))
    assert len(params["body"]) < 65536  # GitHub's limit for a comment
    assert params["body"].count("(cut: the whole preview is in the run's log)") == len(stacks)
