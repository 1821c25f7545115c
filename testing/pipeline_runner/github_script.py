"""actions/github-script, run for real: the step's script under Node.js, with the action's own
packages and an Octokit client on the GitHub API given to the runner (`GitHubApi`).

As the action does (v8.0.0, the version the pipeline pins; `github_script.js` is its source in
plain JavaScript): the script is the body of an async function of `require`, `github` and
`octokit` (@actions/github's `getOctokit`, with the retry and request-log plugins), `context`
(@actions/github's own, read from the GITHUB_* variables and the event payload file, as on a
runner), `core`, `exec`, `glob`, `io`; an error thrown fails the step, `core.warning` and
`core.notice` print their workflow commands, the result is the step's `result` output. The
inputs are the action's (action.yml), with its defaults; the token is the job's GITHUB_TOKEN,
which the `GitHubApi` makes for the job's `permissions:` as GitHub makes one per job.

The packages are pinned in `package.json` and `package-lock.json` beside this file (`npm ci
--prefix testing/pipeline_runner`, what `make pipeline-e2e` runs); Node.js is the machine's
(v20 here; the action itself runs on Node 24). What a runner knows and this one does not (an
event other than `push` and `pull_request`, a pull request's head branch or author not given,
a job whose token permissions are the repository's defaults) is refused, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from testing.pipeline_runner.runner import Event, Outcome

PACKAGE_DIR = Path(__file__).resolve().parent
DRIVER = PACKAGE_DIR / "github_script.js"
MODULES = PACKAGE_DIR / "node_modules"
INSTALL_HINT = "npm ci --prefix testing/pipeline_runner"
# action.yml of actions/github-script v8.0.0: the inputs' defaults (`github-token` is the
# job's token, `debug` is `runner.debug == '1'`, false here).
INPUT_DEFAULTS: Mapping[str, str] = {
    "debug": "false",
    "user-agent": "actions/github-script",
    "result-encoding": "json",
    "retries": "0",
    "retry-exempt-status-codes": "400,401,403,404,422",
}
# Long enough for a script that pages through a few lists; a runner gives the job's own.
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class GitHubApi:
    """The GitHub a run's github-script steps call.

    `url` is its REST API (GitHub Enterprise Server's layout, e.g. a `GitHubDouble`'s
    `api_url`), `server_url` its web address (`context.serverUrl`); `token` makes a job's
    GITHUB_TOKEN for the job's `permissions:` (`{"issues": "write", ...}`), as GitHub makes one
    per job; `node` is the Node.js to run (None: `node` on PATH).
    """

    url: str
    server_url: str
    token: Callable[[Mapping[str, str]], str]
    node: str | None = None


def event_payload(event: Event) -> dict[str, Any]:
    """The event's webhook payload, as the runner writes it to GITHUB_EVENT_PATH: `github.event`
    as the runner knows it (`Event.payload`), the repository, and for a push its ref and commit,
    for a pull request its number, head branch and author (GitHub's payload has many more)."""
    from testing.pipeline_runner.runner import NotEmulatedError

    owner, name = event.repository.split("/", 1)
    payload = {
        **event.payload(),
        "repository": {"name": name, "full_name": event.repository, "owner": {"login": owner}},
    }
    if event.name == "push":
        return {**payload, "ref": event.ref, "after": event.sha}
    if event.name == "pull_request":
        if event.head_ref is None or event.author is None:
            raise NotEmulatedError(
                "github-script on a pull_request event needs the pull request's head branch and "
                "author: Event.pull_request(sha, number, head_ref=..., author=...)"
            )
        number = int(event.ref.split("/")[2])  # refs/pull/<number>/merge
        pull_request = dict(payload["pull_request"])
        pull_request.update(
            number=number,
            head={**pull_request["head"], "ref": event.head_ref, "sha": event.sha},
            user={"login": event.author},
        )
        return {**payload, "number": number, "pull_request": pull_request}
    if event.name == "merge_group":
        return payload
    raise NotEmulatedError(f"github-script on a {event.name} event: its payload is not emulated")


def inputs(with_: Mapping[str, str], token: str) -> dict[str, str]:
    """The step's inputs as the runner passes an action's: INPUT_<NAME>, defaults filled in."""
    given = {"github-token": token, **INPUT_DEFAULTS, **with_}
    return {f"INPUT_{key.replace(' ', '_').upper()}": value for key, value in given.items()}


def run_id(run_dir: Path) -> int:
    """A run id of this runner's own making, unique per run (GitHub's are its own numbering)."""
    return int(hashlib.sha256(str(run_dir).encode()).hexdigest()[:10], 16)


def run_script(
    api: GitHubApi,
    *,
    event: Event,
    workflow: str,
    permissions: Any,
    with_: Mapping[str, str],
    env: Mapping[str, str],
    workspace: Path,
    work_dir: Path,
    run_number: int,
    run_dir: Path,
) -> tuple[Outcome, str, dict[str, str]]:
    """Run one github-script step: its outcome, its log (stdout and stderr) and its outputs.
    `env` is the step's environment (the job's and the step's `env`); `permissions` the job's
    `permissions:` (the workflow's when the job sets none)."""
    from testing.pipeline_runner.runner import NotEmulatedError, _read_pairs

    if not isinstance(permissions, Mapping):
        raise NotEmulatedError(
            f"github-script in a job with permissions {permissions!r}: the token's scopes come "
            "from the repository's settings or a keyword the runner does not emulate; give "
            "the job (or the workflow) a mapping of scopes"
        )
    node = api.node or shutil.which("node")
    if node is None:
        raise NotEmulatedError("github-script needs Node.js: no `node` on PATH")
    if not (MODULES / "@actions" / "github").is_dir():
        raise NotEmulatedError(f"github-script's packages are not installed: run `{INSTALL_HINT}`")
    token = api.token({str(scope): str(access) for scope, access in permissions.items()})
    work_dir.mkdir(parents=True, exist_ok=True)
    payload = work_dir / "event.json"
    payload.write_text(json.dumps(event_payload(event)), encoding="utf-8")
    output = work_dir / "github_output"
    output.write_text("", encoding="utf-8")
    ref_name = event.ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
    if event.name == "pull_request":
        ref_name = event.ref.removeprefix("refs/pull/")
    variables = {
        **env,
        "GITHUB_EVENT_PATH": str(payload),
        "GITHUB_WORKFLOW": workflow,
        "GITHUB_RUN_ID": str(run_id(run_dir)),
        "GITHUB_RUN_NUMBER": str(run_number),
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_REF_NAME": ref_name,
        "GITHUB_HEAD_REF": (event.head_ref or "") if event.name == "pull_request" else "",
        "GITHUB_SERVER_URL": api.server_url.rstrip("/"),
        "GITHUB_API_URL": api.url.rstrip("/"),
        "GITHUB_GRAPHQL_URL": f"{api.url.rstrip('/')}/graphql",
        "GITHUB_OUTPUT": str(output),
        **inputs(with_, token),
    }
    if event.author is not None:
        variables["GITHUB_ACTOR"] = event.author
    try:
        done = subprocess.run(
            [node, str(DRIVER)],
            cwd=workspace,
            env=variables,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        log = expired.stdout if isinstance(expired.stdout, str) else ""
        return "failure", f"{log}\ngithub-script ran past {TIMEOUT_SECONDS} s", {}
    outcome: Outcome = "success" if done.returncode == 0 else "failure"
    return outcome, done.stdout, _read_pairs(output)
