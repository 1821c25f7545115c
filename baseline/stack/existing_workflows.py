"""A repository's existing GitHub Actions workflows, as adopting it needs to know them.

Two questions, answered from the files of `.github/workflows` on the default branch: which
workflows run on pull requests to that branch (a team adopting the baseline would otherwise run two
pipelines), and whether every action they use is pinned to a full commit SHA, so that switching on
`sha_pinning_required` leaves them running. Plain Python (no Pulumi); `analyse` is pure, `fetch`
reads one repository with 1 + (number of workflow files) requests.

GitHub's pinning rule, as this module applies it:

- "When you enable **Require actions to be pinned to a full-length commit SHA**, all actions must
  be pinned to a full-length commit SHA to be used. This includes actions from your organization
  and actions authored by GitHub. Reusable workflows can still be referenced by tag."
  (github/docs, `data/reusables/actions/actions-use-policy-settings.md`, read at commit
  3bc6b7bd4c3bda53b18abea782eba9c7f3b0c839; and github.blog/changelog/2025-08-15-github-actions-
  policy-now-supports-blocking-and-sha-pinning-actions: "The policy will check for a full commit
  SHA, and any workflow that attempts to use an action that isn't pinned will fail.") So a step's
  `owner/repo[/path]@ref` is refused unless `ref` is 40 hex characters, and a job's
  `owner/repo/.github/workflows/x.yml@v1` is not.
- The policy also applies to the actions *inside* what a workflow calls: a composite action's own
  `uses: actions/cache@v5` fails the caller ("The action actions/cache@v5 is not allowed in ...
  because all actions must be pinned to a full-length commit SHA", dconeybe/
  flutter-action-cache-pin-repro, README). This module reads only `.github/workflows`, so the
  references whose own `uses:` it cannot see from there are listed as `unchecked`: this
  repository's own actions (`./path`) and other repositories' reusable workflows, whatever their
  ref. A workflow with any of them is not known to be pinned. The actions inside a remote action
  pinned by SHA are out of its reach too; that one gap is not flagged (it would flag every action).
- `./...` references are not refused themselves: they name no ref to pin. (GitHub's text above
  does not say so in as many words; a local reusable workflow is one of the files read here, a
  local action is `unchecked` as said.)
- `docker://image` references: no GitHub documentation found says whether the policy applies to
  them (searched GitHub's docs and changelog); they name no Git ref to pin, so they are treated as
  not subject to it. Unverified.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from workflows.filters import branch_matches

DIRECTORY = ".github/workflows"
# `pull_request_target` runs for pull requests too, in the base branch's context.
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# The activity types a pull request trigger runs on when it names none (opened, new commits).
DEFAULT_PULL_REQUEST_TYPES = frozenset({"opened", "synchronize", "reopened"})
_SHA = re.compile(r"[0-9a-fA-F]{40}")
_LOCAL_WORKFLOW = re.compile(r"\./\.github/workflows/[^/]+\.ya?ml")


@dataclass(frozen=True)
class ExistingWorkflow:
    """One file of `.github/workflows`, as read on the repository's default branch."""

    path: str  # `.github/workflows/ci.yml`
    name: str  # its `name:`, else its path, as GitHub shows it in the Actions tab
    # Whether a pull request opened or updated against the default branch starts it.
    runs_on_pull_requests: bool = False
    # Action references GitHub's pinning policy refuses: `actions/checkout@v4`, in file order.
    unpinned: tuple[str, ...] = ()
    # References whose own `uses:` are not read here: `./.github/actions/setup`, and other
    # repositories' reusable workflows (`org/shared/.github/workflows/ci.yml@v1`).
    unchecked: tuple[str, ...] = ()
    # False when the file is not a YAML mapping: nothing in it is known, pinning included.
    parsed: bool = True

    @property
    def known_pinned(self) -> bool:
        """Whether `sha_pinning_required` is known to leave this workflow running."""
        return self.parsed and not self.unpinned and not self.unchecked

    @property
    def pinning_problem(self) -> str | None:
        """Why this workflow is not known pinned, in a phrase a warning can quote; None if it is."""
        if not self.parsed:
            return f"{self.path}: not readable as a workflow (YAML)"
        parts = []
        if self.unpinned:
            parts.append(f"{', '.join(self.unpinned)} not pinned to a full commit SHA")
        if self.unchecked:
            parts.append(f"{', '.join(self.unchecked)} not read (their own actions are checked)")
        if not parts:
            return None
        return f"{self.path}: {'; '.join(parts)}"

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> ExistingWorkflow:
        """What `to_json` wrote; `ValueError` when `item` is not that."""
        path = item.get("path")
        if not isinstance(path, str):
            raise ValueError(f"a workflow without a path: {dict(item)!r}")
        return cls(
            path=path,
            name=str(item.get("name") or path),
            runs_on_pull_requests=bool(item.get("runs_on_pull_requests")),
            unpinned=_string_tuple(item.get("unpinned"), path),
            unchecked=_string_tuple(item.get("unchecked"), path),
            parsed=bool(item.get("parsed", True)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "name": self.name,
            "runs_on_pull_requests": self.runs_on_pull_requests,
            "unpinned": list(self.unpinned),
            "unchecked": list(self.unchecked),
            "parsed": self.parsed,
        }


def _string_tuple(value: object, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"workflow {path}: expected a list of strings, got {value!r}")
    return tuple(value)


def pull_request_workflows(workflows: Iterable[ExistingWorkflow]) -> tuple[ExistingWorkflow, ...]:
    """The workflows that run on pull requests to the default branch."""
    return tuple(workflow for workflow in workflows if workflow.runs_on_pull_requests)


def not_known_pinned(workflows: Iterable[ExistingWorkflow]) -> tuple[ExistingWorkflow, ...]:
    """The workflows `sha_pinning_required` could stop; none means it is safe to switch on."""
    return tuple(workflow for workflow in workflows if not workflow.known_pinned)


def analyse(path: str, text: str, default_branch: str) -> ExistingWorkflow:
    """One workflow file's text, read for `default_branch`: its triggers and its `uses:`."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return ExistingWorkflow(path, path, parsed=False)
    if document is None:  # an empty file: no trigger, no job
        document = {}
    if not isinstance(document, dict):
        return ExistingWorkflow(path, path, parsed=False)
    found: dict[str, list[str]] = {"unpinned": [], "unchecked": [], "ok": []}
    for reference, job_level in _uses(document):
        references = found[_classify(reference, job_level)]
        if reference not in references:
            references.append(reference)
    name = document.get("name")
    return ExistingWorkflow(
        path=path,
        name=name.strip() if isinstance(name, str) and name.strip() else path,
        runs_on_pull_requests=_runs_on_pull_requests(document, default_branch),
        unpinned=tuple(found["unpinned"]),
        unchecked=tuple(found["unchecked"]),
    )


def _triggers(document: Mapping[Any, Any]) -> dict[str, Any]:
    """`on:` as a mapping of event to its configuration (None when it has none)."""
    # PyYAML reads YAML 1.1, where a bare `on` key is the boolean True; GitHub reads it as "on".
    on = document["on"] if "on" in document else document.get(True)
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {event: None for event in on if isinstance(event, str)}
    if isinstance(on, dict):
        return {str(event): config for event, config in on.items()}
    return {}


def _patterns(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if item is not None]
    return []


def _admits(config: object, branch: str) -> bool:
    """Whether one pull request trigger's filters let a pull request to `branch` start it."""
    if not isinstance(config, dict):
        return True
    if "types" in config and not DEFAULT_PULL_REQUEST_TYPES & set(_patterns(config["types"])):
        return False  # e.g. `types: [closed]`: runs after a pull request, not on one
    if "branches" in config and "branches-ignore" in config:
        return False  # GitHub refuses a trigger with both filters, so the workflow never runs
    if "branches" in config:
        return branch_matches(_patterns(config["branches"]), branch)
    if "branches-ignore" in config:
        # The event is skipped when its `branches-ignore` filter matches the base branch.
        return not branch_matches(_patterns(config["branches-ignore"]), branch)
    return True


def _runs_on_pull_requests(document: Mapping[Any, Any], branch: str) -> bool:
    events = _triggers(document)
    return any(_admits(events[event], branch) for event in PULL_REQUEST_EVENTS if event in events)


def _uses(document: Mapping[Any, Any]) -> Iterator[tuple[str, bool]]:
    """Every `uses:` of the workflow, with whether it is a job's (a reusable workflow call)."""
    jobs = document.get("jobs")
    if not isinstance(jobs, dict):
        return
    for job in jobs.values():
        if not isinstance(job, dict):
            continue
        if isinstance(job.get("uses"), str):
            yield job["uses"].strip(), True
        steps = job.get("steps")
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, dict) and isinstance(step.get("uses"), str):
                yield step["uses"].strip(), False


def _classify(reference: str, job_level: bool) -> Literal["unpinned", "unchecked", "ok"]:
    """Whether GitHub's pinning policy refuses the reference ("unpinned"), checks what it runs,
    which is not read here ("unchecked"), or neither ("ok")."""
    if reference.startswith("docker://"):
        return "ok"  # not known to be subject to the policy: see the module docstring
    if reference.startswith("./"):
        # A local reusable workflow is one of the files read; a local action is not.
        return "ok" if job_level and _LOCAL_WORKFLOW.fullmatch(reference) else "unchecked"
    if job_level or "/.github/workflows/" in reference:
        return "unchecked"  # another repository's reusable workflow: may be referenced by tag
    _, at, ref = reference.rpartition("@")
    return "ok" if at and _SHA.fullmatch(ref) else "unpinned"


def folder_files(
    root: str, token: str, owner: str, repository: str, branch: str
) -> list[dict[str, Any]]:
    """The files directly in `.github/workflows` of `owner/repository` on `branch`, as GitHub's
    folder listing gives them (one request; GitHub's 404, no folder, is none, and so is a file
    at that path). `root` is the REST root (`inventory.api_root`); errors are `InventoryError`s."""
    # Imported here: inventory imports this module for `ExistingWorkflow`.
    from baseline.stack.inventory import get_json

    listing = get_json(
        f"{_contents(root, owner, repository)}{DIRECTORY}"
        f"?ref={urllib.parse.quote(branch, safe='')}",
        token,
        missing_ok=True,
    )
    if not isinstance(listing, list):
        return []
    return [item for item in listing if isinstance(item, dict) and item.get("type") == "file"]


def _contents(root: str, owner: str, repository: str) -> str:
    return (
        f"{root}repos/{urllib.parse.quote(owner, safe='')}/"
        f"{urllib.parse.quote(repository, safe='')}/contents/"
    )


def fetch(
    root: str, token: str, owner: str, repository: str, branch: str
) -> tuple[tuple[ExistingWorkflow, ...], int]:
    """The workflows of `owner/repository` on `branch`, and the requests it took: the folder
    listing (`folder_files`) and one per `.yml`/`.yaml` file. Errors are `InventoryError`s."""
    from baseline.stack.inventory import InventoryError, get_json

    base = _contents(root, owner, repository)
    ref = urllib.parse.quote(branch, safe="")
    # Only files directly in the folder are workflows; GitHub lists them by name.
    paths = [
        str(item.get("path") or f"{DIRECTORY}/{item['name']}")
        for item in folder_files(root, token, owner, repository, branch)
        if str(item.get("name", "")).endswith((".yml", ".yaml"))
    ]
    workflows = []
    for path in paths:
        url = f"{base}{urllib.parse.quote(path)}?ref={ref}"
        answer = get_json(url, token)
        if not isinstance(answer, dict):
            raise InventoryError(f"GET {url}: expected a file, got {type(answer).__name__}")
        text = _decoded(answer)
        if text is None:
            workflows.append(ExistingWorkflow(path, path, parsed=False))
        else:
            workflows.append(analyse(path, text, branch))
    return tuple(workflows), 1 + len(paths)


def file_text(
    root: str, token: str, owner: str, repository: str, branch: str, path: str
) -> str | None:
    """The text of one file of `owner/repository` on `branch` (one request); None when there is
    no such file, or GitHub sends no text for it."""
    from baseline.stack.inventory import get_json

    url = (
        f"{root}repos/{urllib.parse.quote(owner, safe='')}/"
        f"{urllib.parse.quote(repository, safe='')}/contents/{urllib.parse.quote(path)}"
        f"?ref={urllib.parse.quote(branch, safe='')}"
    )
    answer = get_json(url, token, missing_ok=True)
    return _decoded(answer) if isinstance(answer, dict) else None


def _decoded(answer: Mapping[str, Any]) -> str | None:
    """A contents answer's text; None when GitHub sent none (over 1 MB) or it is not UTF-8."""
    content = answer.get("content")
    if answer.get("encoding") != "base64" or not isinstance(content, str):
        return None
    try:
        return base64.b64decode(content).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
