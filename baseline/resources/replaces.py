"""`pipeline.replaces: [ci.yml, ...]`: a repository's own workflows that the baseline's pipeline
replaces are deleted through a pull request, once the pipeline has landed. Never by default.

Plain Python (no Pulumi): what to propose, and the GitHub requests that propose it. The program
registers one `baseline.resources.workflow_removal.WorkflowRemoval` for a repository when its
pipeline is on the default branch (committed by this run, or merged from its own pull request) and
`.github/workflows` still has one of the named files (one listing a run, `names_on`); `up` then
calls `propose`. People review and merge the pull request, or close it.

Why a pull request, whatever `pipeline.delivery` says: deleting a team's CI is a change its team
should see and can refuse, and the baseline's own protection refuses a direct commit to the
default branch. Why not pulumi-github: it deletes a file only by importing it as a
`RepositoryFile` and dropping it a run later, straight on the branch it was read from, with the
message of the file's last commit as the deletion's (terraform-provider-github v6.13.0,
`resource_github_repository_file.go`: Read sets `commit_message` from the file's last commit and
Delete sends it).

The removal is proposed once: the resource stays in the stack, unchanged, while the files are
there (an open or closed pull request is the people's; nothing reopens it), and leaves it without
a request when they are gone. Naming other files proposes anew, on a branch of its own.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from baseline.stack.existing_workflows import DIRECTORY, folder_files
from baseline.stack.inventory import headers

BRANCH_PREFIX = "repo-baseline/replaces-"
TITLE = "ci: remove the workflows the baseline pipeline replaces (repo-baseline)"


class ProposalError(Exception):
    """A request of the proposal GitHub refused: what was asked and what came back."""


@dataclass(frozen=True)
class Proposal:
    """What `propose` did: the pull request (None when none of the files was there) and the
    files its branch deletes."""

    number: int | None
    url: str | None
    removed: tuple[str, ...]


def paths(names: Iterable[str]) -> tuple[str, ...]:
    """The files `pipeline.replaces` names, as paths, sorted (so the order is not a change)."""
    return tuple(sorted(f"{DIRECTORY}/{name}" for name in names))


def present(names: Iterable[str], existing: Collection[str]) -> tuple[str, ...]:
    """The paths of `names` that `.github/workflows` has (`existing`: its file names)."""
    return tuple(path for path in paths(names) if path.rpartition("/")[2] in existing)


def branch(removed: Sequence[str]) -> str:
    """The branch a removal is proposed on: one per set of files, so naming others is a new
    proposal and the earlier one is left as it is."""
    digest = hashlib.sha256("\n".join(removed).encode("utf-8")).hexdigest()[:8]
    return BRANCH_PREFIX + digest


def message(removed: Sequence[str], replacement: str) -> str:
    """The deletion commits' message."""
    return f"ci: remove {', '.join(removed)}, replaced by {replacement} (repo-baseline)"


def body(removed: Sequence[str], replacement: str) -> str:
    """The pull request's description: what goes, what replaces it, how to keep it."""
    listed = "\n".join(f"- `{path}`" for path in removed)
    return (
        f"The organization's baseline pipeline (`{replacement}`) is on the default branch and "
        f"replaces these workflows (`pipeline.replaces` in the baseline's config):\n\n{listed}\n\n"
        "Merging deletes them; their history stays in the repository's history. To keep one, "
        "close this pull request and take it out of `pipeline.replaces`: nothing reopens it."
    )


def names_on(root: str, token: str, owner: str, repository: str, ref: str) -> frozenset[str]:
    """The file names of `.github/workflows` on `ref` (one request; none without the folder).
    Errors are `inventory.InventoryError`s."""
    files = folder_files(root, token, owner, repository, ref)
    return frozenset(str(item["name"]) for item in files if "name" in item)


def propose(
    root: str,
    token: str,
    *,
    owner: str,
    repository: str,
    base: str,
    head: str,
    removing: Sequence[str],
    title: str,
    description: str,
    commit_message: str,
) -> Proposal:
    """Delete `removing` on a new branch `head` from `base` and open a pull request into `base`.

    Files `base` no longer has are skipped; with none left there is no branch and no pull
    request. A branch or pull request that an interrupted earlier attempt made is taken as it is
    (GitHub's 422s for an existing ref and an existing pull request), so trying again finishes
    the proposal instead of failing."""
    repo = _repo(root, owner, repository)
    ref = send("GET", f"{repo}/git/ref/heads/{_quoted(base)}", token)
    start = str(ref["object"]["sha"])
    found = {}
    for path in removing:
        file = send("GET", f"{repo}/contents/{_quoted(path)}?ref={start}", token, missing_ok=True)
        if isinstance(file, dict) and file.get("type") == "file":
            found[path] = str(file["sha"])
    if not found:
        return Proposal(None, None, ())
    send(
        "POST",
        f"{repo}/git/refs",
        token,
        {"ref": f"refs/heads/{head}", "sha": start},
        exists_ok=True,
    )
    for path, sha in found.items():
        current = send(
            "GET", f"{repo}/contents/{_quoted(path)}?ref={_quoted(head)}", token, missing_ok=True
        )
        if not isinstance(current, dict):
            continue  # deleted on the branch by an earlier attempt
        send(
            "DELETE",
            f"{repo}/contents/{_quoted(path)}",
            token,
            {"message": commit_message, "sha": str(current.get("sha") or sha), "branch": head},
        )
    pull = send(
        "POST",
        f"{repo}/pulls",
        token,
        {"title": title, "head": head, "base": base, "body": description},
        exists_ok=True,
    )
    if pull is None:  # opened by an earlier attempt
        query = urllib.parse.urlencode({"head": f"{owner}:{head}", "base": base, "state": "all"})
        found_pulls = send("GET", f"{repo}/pulls?{query}", token)
        if not isinstance(found_pulls, list) or not found_pulls:
            raise ProposalError(f"POST {repo}/pulls: GitHub says it exists, but lists none")
        pull = found_pulls[0]
    return Proposal(int(pull["number"]), str(pull["html_url"]), tuple(found))


def _repo(root: str, owner: str, repository: str) -> str:
    return f"{root}repos/{_quoted(owner)}/{_quoted(repository)}"


def _quoted(part: str) -> str:
    return urllib.parse.quote(part, safe="/")


def send(
    method: str,
    url: str,
    token: str,
    payload: Mapping[str, Any] | None = None,
    *,
    missing_ok: bool = False,
    exists_ok: bool = False,
) -> Any:
    """One request of GitHub's REST API: its JSON answer; None for a 404 when `missing_ok`, and
    for a 422 that says it already exists when `exists_ok`. Otherwise `ProposalError`."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        method=method,
        data=None if payload is None else json.dumps(payload).encode("utf-8"),
        headers={
            **headers(token),
            **({} if payload is None else {"Content-Type": "application/json"}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        if missing_ok and error.code == 404:
            return None
        if exists_ok and error.code == 422 and "already exist" in text.lower():
            return None
        raise ProposalError(f"{method} {url}: HTTP {error.code}: {text[:300]}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ProposalError(f"{method} {url}: {error}") from None
