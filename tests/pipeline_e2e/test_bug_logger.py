"""The Bug Logger, run for real: the rendered workflow's failing runs on the sample backend file
their failure with the GitHub double, through actions/github-script's own packages under Node.js
(the runner's `GitHubApi`), each job's GITHUB_TOKEN scoped to the job's `permissions:` as GitHub
scopes it, so a permission the step lacks is GitHub's 403.

`issue` (the default): the first failure on a branch opens one issue; the second comments on it
and opens no other. `comment`: a comment on the pull request, and no issue. The double answers
as GitHub does or refuses loudly; every test ends with no violation recorded.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from baseline.stack.validation import parse_settings
from testing.github_double import Contract, GitHubDouble, SpecNotInstalledError, User
from testing.pipeline_runner import Event, GitHubApi, LocalRunner, Machine, RunResult
from testing.pipeline_runner.github_script import run_script
from tests.pipeline_e2e import sample
from tests.pipeline_e2e.conftest import clone
from workflows.options import BackendCiOptions
from workflows.templates import RenderedPipeline, rendered_pipeline

ORG, REPO = "example-org", "shop"
ADMIN, AUTHOR = "test-admin-token", "test-author-token"
AUTHOR_LOGIN = "octo-dev"
ACTIONS_APP_ID = 15368  # GitHub Actions: a job's GITHUB_TOKEN acts as its app
ISSUE_MODE: dict[str, object] = {"name": REPO, "pipeline": {}}
COMMENT_MODE: dict[str, object] = {"name": REPO, "pipeline": {"bug_logger": "comment"}}
# Only the Format Check runs (and fails): every other job the bug logger needs is left out, so a
# run costs one job's setup. Left out is reported, never silent.
LEAVE_OUT = dict.fromkeys(
    ("lint", "type-check", "security-audit", "test", "build", "deploy-readiness"),
    "the bug logger needs one failed job; the Format Check is it",
)
BRANCH = "feature/red"
TITLE = "CI failure: Backend CI/CD on feature/red"


def _options(repository: dict[str, object]) -> BackendCiOptions:
    return parse_settings(None, [repository]).repositories[0].pipeline.options


@pytest.fixture(scope="session")
def pipeline_options() -> BackendCiOptions:
    return _options(ISSUE_MODE)


@dataclass
class GitHub:
    """The double, and each GITHUB_TOKEN the runner asked it for with the job's permissions."""

    double: GitHubDouble
    granted: list[dict[str, str]] = field(default_factory=list)

    def token(self, permissions: Mapping[str, str]) -> str:
        token = f"ghs_job_{len(self.granted) + 1}"
        self.double.add_app_token(
            token, ACTIONS_APP_ID, "github-actions", permissions=dict(permissions)
        )
        self.granted.append(dict(permissions))
        return token

    def api(self) -> GitHubApi:
        return GitHubApi(self.double.api_url, self.double.url, self.token)

    def open_pull(self, branch: str) -> int:
        """A pull request from `branch` (made in the double too), by the author."""
        self.double.seed_branch(REPO, branch, {"src/shop/change.py": f"# {branch}\n"})
        body = json.dumps({"title": f"Change on {branch}", "head": branch, "base": "main"})
        request = urllib.request.Request(
            f"{self.double.api_url}/repos/{ORG}/{REPO}/pulls",
            data=body.encode(),
            method="POST",
            headers={"Authorization": f"token {AUTHOR}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(json.loads(answer.read())["number"])

    def repository(self) -> dict[str, Any]:
        state: dict[str, Any] = self.double.state()["repositories"][REPO]
        return state

    def comments(self) -> list[tuple[int, str]]:
        return [(c["number"], c["body"]) for c in self.repository()["issue_comments"]]


@pytest.fixture(scope="module")
def github() -> Iterator[GitHub]:
    try:
        contract = Contract.load()
    except SpecNotInstalledError as error:
        pytest.fail(str(error), pytrace=False)
    tokens = {ADMIN: User("octo-admin"), AUTHOR: User(AUTHOR_LOGIN, role="write", org_admin=False)}
    with GitHubDouble(ORG, tokens, contract=contract) as double:
        double.seed_repository(REPO, {"README.md": "# shop\n"})
        yield GitHub(double)
        double.assert_no_violations()


@dataclass
class Backend:
    """A clone of the sample with the issue-mode pipeline committed, run against the double."""

    repository: Path
    backend: Path
    runner: LocalRunner
    pipeline: RenderedPipeline

    def commit_on(self, branch: str, edit: Callable[[Path], None]) -> str:
        """A commit on `branch` (made from main the first time) with `edit` applied."""
        exists = branch in sample.git(self.repository, "branch", "--list", branch)
        sample.git(self.repository, "checkout", "--quiet", *(() if exists else ("-b",)), branch)
        edit(self.repository)
        sha = sample.commit(self.repository, f"{branch}: a change")
        sample.git(self.repository, "checkout", "--quiet", "main")
        return sha

    def run(self, event: Event) -> RunResult:
        result = self.runner.run(self.pipeline.path, event, leave_out=LEAVE_OUT)
        print(result.report())
        return result


@pytest.fixture(scope="module")
def backend(
    sample_template: Path,
    scratch: Path,
    machine: Machine,
    pipeline_options: BackendCiOptions,
    github: GitHub,
) -> Backend:
    pipeline = rendered_pipeline("backend-ci", pipeline_options)
    repository = clone(sample_template, scratch / "shop-bug-logger")
    workflow = repository / pipeline.path
    workflow.parent.mkdir(parents=True)
    workflow.write_text(pipeline.content, encoding="utf-8")
    sample.commit(repository, "ci: the backend pipeline, rendered by repo-baseline")
    runner = LocalRunner(repository, machine, scratch, github=github.api())
    backend_dir = repository / pipeline_options.working_directory
    return Backend(repository, backend_dir, runner, pipeline)


def _misformat(text: str) -> Callable[[Path], None]:
    """Black would rewrite it: the Format Check fails."""

    def edit(repository: Path) -> None:
        path = repository / BackendCiOptions().working_directory / "src/shop/pricing.py"
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return edit


def _failed_and_filed(result: RunResult) -> None:
    assert result.job("Format Check (Black)").conclusion == "failure", result.report()
    logger = result.job("Bug Logger")
    assert logger.conclusion == "success", result.report()
    assert logger.steps[0].outcome == "success", logger.steps[0].log
    assert "emulated: the action's own packages" in logger.steps[0].note


def test_issue_mode_opens_one_issue_and_comments_on_it_the_second_time(
    backend: Backend, github: GitHub
) -> None:
    number = github.open_pull(BRANCH)
    first = backend.run(
        Event.pull_request(
            backend.commit_on(BRANCH, _misformat("\n\nRATE = ( 1 )\n")),
            number,
            head_ref=BRANCH,
            author=AUTHOR_LOGIN,
        )
    )
    _failed_and_filed(first)
    issues = github.repository()["issues"]
    assert list(issues) == [str(number + 1)], issues
    issue = issues[str(number + 1)]
    assert (issue["title"], issue["state"], issue["labels"], issue["assignees"]) == (
        TITLE,
        "open",
        ["bug", "ci-failure"],
        [AUTHOR_LOGIN],
    )
    assert issue["user"] == "github-actions[bot]"
    assert github.comments() == [
        (number, f"CI failed for this pull request; details in #{number + 1}.")
    ]

    second = backend.run(
        Event.pull_request(
            backend.commit_on(BRANCH, _misformat("\n\nFEE = ( 2 )\n")),
            number,
            head_ref=BRANCH,
            author=AUTHOR_LOGIN,
        )
    )
    _failed_and_filed(second)
    assert list(github.repository()["issues"]) == [str(number + 1)]  # no other issue
    comments = github.comments()
    assert [on for on, _ in comments] == [number, number + 1, number]
    assert comments[1][1].startswith(f"The workflow **Backend CI/CD** failed on `{BRANCH}`")
    # Each job's token had the job's permissions, and no more.
    assert github.granted == [{"issues": "write", "pull-requests": "write"}] * 2


def test_comment_mode_comments_on_the_pull_request_and_opens_no_issue(
    backend: Backend, github: GitHub
) -> None:
    branch = "feature/comment-mode"
    comment_mode = rendered_pipeline("backend-ci", _options(COMMENT_MODE))

    def edit(repository: Path) -> None:
        # The comment-mode pipeline, committed on the branch: the runner runs the commit's.
        (repository / comment_mode.path).write_text(comment_mode.content, encoding="utf-8")
        _misformat("\n\nTAX = ( 3 )\n")(repository)

    number = github.open_pull(branch)
    issues_before = list(github.repository()["issues"])
    granted_before = len(github.granted)
    result = backend.run(
        Event.pull_request(
            backend.commit_on(branch, edit), number, head_ref=branch, author=AUTHOR_LOGIN
        )
    )

    _failed_and_filed(result)
    assert result.job("Bug Logger").steps[0].name == "Comment on the failed pull request"
    assert list(github.repository()["issues"]) == issues_before  # no issue
    on_pull = [body for on, body in github.comments() if on == number]
    assert len(on_pull) == 1
    assert on_pull[0].startswith("CI failed for this pull request. The workflow **Backend CI/CD**")
    assert github.granted[granted_before:] == [{"pull-requests": "write"}]


# --- The rendered step alone, against the double: the events the runs above do not cover -------


def _step(options: BackendCiOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    job = yaml.safe_load(rendered_pipeline("backend-ci", options).content)["jobs"]["bug-logger"]
    return job, job["steps"][0]


_runs = itertools.count(1)


def _run_step(github: GitHub, options: BackendCiOptions, event: Event, tmp_path: Path) -> str:
    job, step = _step(options)
    number = next(_runs)
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_REPOSITORY": event.repository,
        "GITHUB_EVENT_NAME": event.name,
        "GITHUB_SHA": event.sha,
        "GITHUB_REF": event.ref,
        **step["env"],
    }
    outcome, log, _ = run_script(
        github.api(),
        event=event,
        workflow="Backend CI/CD",
        permissions=job["permissions"],
        with_=step["with"],
        env=env,
        workspace=tmp_path,
        work_dir=tmp_path / f"step-{number}",
        run_number=number,
        run_dir=tmp_path,
    )
    assert outcome == "success", log
    return log


def test_a_failure_on_main_is_filed_under_main_and_a_later_one_comments(
    github: GitHub, tmp_path: Path
) -> None:
    options = _options(ISSUE_MODE)
    _run_step(github, options, Event.push("1" * 40), tmp_path)
    _run_step(github, options, Event.push("2" * 40), tmp_path)

    on_main = {
        number: issue
        for number, issue in github.repository()["issues"].items()
        if issue["title"] == "CI failure: Backend CI/CD on main"
    }
    assert len(on_main) == 1, github.repository()["issues"]
    (number,) = on_main
    on_issue = [body for on, body in github.comments() if on == int(number)]
    assert len(on_issue) == 1, on_issue
    assert on_issue[0].startswith(f"The workflow **Backend CI/CD** failed on `main` ({'2' * 40})")
    assert on_issue[0].endswith("Event: push")


def test_comment_mode_files_nothing_for_a_push(github: GitHub, tmp_path: Path) -> None:
    before = github.double.state()["repositories"][REPO]
    log = _run_step(github, _options(COMMENT_MODE), Event.push("3" * 40), tmp_path)

    assert "::notice::Bug Logger: nothing filed, a push run has no pull request" in log
    after = github.double.state()["repositories"][REPO]
    assert (after["issues"], after["issue_comments"]) == (
        before["issues"],
        before["issue_comments"],
    )
