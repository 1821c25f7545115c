"""Repository contents (files and directory listings), commits and git refs (GitHub's REST docs,
"Repository contents", "Commits", "Git database")."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from testing.github_double.handlers.common import (
    JSON,
    Call,
    Reply,
    git_user,
    node_id,
    render_commit,
)
from testing.github_double.models import Commit, GitHubError, Repository, TreeEntry


def _content_links(call: Call, repo: Repository, path: str, blob: str, ref: str) -> dict[str, Any]:
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    # The provider reads the ref back from this URL's query; GitHub always includes it.
    self_url = f"{url}/contents/{quote(path)}?ref={quote(ref, safe='')}"
    return {
        "url": self_url,
        "git_url": f"{url}/git/blobs/{blob}",
        "html_url": f"{html}/blob/{ref}/{path}",
        "download_url": f"{call.base_url}/raw/{repo.full_name}/{ref}/{path}",
        "_links": {
            "self": self_url,
            "git": f"{url}/git/blobs/{blob}",
            "html": f"{html}/blob/{ref}/{path}",
        },
    }


def render_content(
    call: Call, repo: Repository, path: str, blob: str, content: bytes, ref: str
) -> dict[str, JSON]:
    encoded = base64.encodebytes(content).decode()  # GitHub wraps at 60 characters too
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": encoded,
        "sha": blob,
        **_content_links(call, repo, path, blob, ref),
    }


def render_directory_item(
    call: Call, repo: Repository, entry: TreeEntry, ref: str
) -> dict[str, JSON]:
    """One item of a directory listing, in the key order GitHub answers (a recorded
    `contents/` listing of octokit/fixtures): a directory links its tree, has no download."""
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    self_url = f"{url}/contents/{quote(entry.path)}?ref={quote(ref, safe='')}"
    if entry.type == "dir":
        git_url = f"{url}/git/trees/{entry.sha}"
        html_url = f"{html}/tree/{ref}/{entry.path}"
        download_url = None
    else:
        git_url = f"{url}/git/blobs/{entry.sha}"
        html_url = f"{html}/blob/{ref}/{entry.path}"
        download_url = f"{call.base_url}/raw/{repo.full_name}/{ref}/{entry.path}"
    return {
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        "size": entry.size,
        "url": self_url,
        "html_url": html_url,
        "git_url": git_url,
        "download_url": download_url,
        "type": entry.type,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }


def render_file_commit(
    call: Call, repo: Repository, commit: Commit, path: str, branch: str
) -> dict[str, JSON]:
    url = f"{call.api}/repos/{repo.full_name}"
    html = f"{call.base_url}/{repo.full_name}"
    blob = commit.files.get(path)
    content = None
    if blob is not None:
        content = {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": blob,
            "size": len(repo.blobs[blob]),
            "type": "file",
            **_content_links(call, repo, path, blob, branch),
        }
    rendered = render_commit(call, repo, commit)
    return {
        "content": content,
        "commit": {
            "sha": commit.sha,
            "node_id": rendered["node_id"],
            "url": f"{url}/git/commits/{commit.sha}",
            "html_url": rendered["html_url"],
            "author": git_user(commit.author),
            "committer": git_user(commit.committer),
            "message": commit.message,
            "tree": rendered["commit"]["tree"],
            "parents": [
                {"url": f"{url}/git/commits/{p}", "html_url": f"{html}/commit/{p}", "sha": p}
                for p in commit.parents
            ],
            "verification": rendered["commit"]["verification"],
        },
    }


def get_content(call: Call) -> Reply:
    """A file (an object, its content base64), or a directory (an array of its items, as
    GitHub lists them: git's tree order); the root is `contents/` with an empty path."""
    repo = call.repo()
    path = call.params["path"].strip("/")
    listing = call.backend.list_directory(repo, path, call.arg("ref"))
    if listing is not None:
        entries, ref = listing
        return Reply(200, [render_directory_item(call, repo, entry, ref) for entry in entries])
    blob, content, ref = call.backend.read_file(repo, path, call.arg("ref"))
    return Reply(200, render_content(call, repo, path, blob, content, ref))


def _signature(body: Mapping[str, Any], key: str) -> Mapping[str, str] | None:
    given = body.get(key)
    return {"name": given["name"], "email": given["email"]} if given else None


def put_content(call: Call) -> Reply:
    repo, body = call.repo(), call.body
    try:
        content = base64.b64decode(body["content"], validate=True)
    except ValueError as error:
        raise GitHubError(422, "content is not valid Base64") from error
    path = call.params["path"].strip("/")
    commit, created = call.backend.write_file(
        repo,
        call.actor,
        path,
        content,
        body["message"],
        body.get("branch"),
        body.get("sha"),
        _signature(body, "author"),
        _signature(body, "committer"),
    )
    branch = body.get("branch") or repo.default_branch
    return Reply(201 if created else 200, render_file_commit(call, repo, commit, path, branch))


def delete_content(call: Call) -> Reply:
    repo, body = call.repo(), call.body
    path = call.params["path"].strip("/")
    commit, _ = call.backend.write_file(
        repo,
        call.actor,
        path,
        None,
        body["message"],
        body.get("branch"),
        body["sha"],
        _signature(body, "author"),
        _signature(body, "committer"),
    )
    branch = body.get("branch") or repo.default_branch
    return Reply(200, render_file_commit(call, repo, commit, path, branch))


# --- Commits ----------------------------------------------------------------------------------


def get_commit(call: Call) -> Reply:
    repo = call.repo()
    return Reply(200, render_commit(call, repo, repo.resolve(call.params["ref"])))


def list_commits(call: Call) -> Reply:
    repo = call.repo()
    if not repo.branches:
        raise GitHubError(409, "Git Repository is empty.")
    head = repo.resolve(call.arg("sha") or repo.default_branch)
    path = (call.arg("path") or "").strip("/")
    commits = [
        render_commit(call, repo, c)
        for c in repo.history(head.sha)
        if not path or any(change.path == path for change in c.changes)
    ]
    return Reply(200, commits)


# --- Git refs ---------------------------------------------------------------------------------


def get_git_ref(call: Call) -> Reply:
    repo, ref = call.repo(), call.params["ref"]
    name = ref.removeprefix("heads/")
    if not ref.startswith("heads/") or name not in repo.branches:
        raise GitHubError(404, "Not Found")
    return Reply(200, _render_ref(call, repo, name))


def _render_ref(call: Call, repo: Repository, name: str) -> dict[str, JSON]:
    url = f"{call.api}/repos/{repo.full_name}/git"
    sha = repo.branches[name]
    return {
        "ref": f"refs/heads/{name}",
        "node_id": node_id("REF", f"{repo.id}:{name}"),
        "url": f"{url}/refs/heads/{name}",
        "object": {"type": "commit", "sha": sha, "url": f"{url}/commits/{sha}"},
    }


def create_git_ref(call: Call) -> Reply:
    repo = call.repo()
    name = call.backend.create_ref(repo, call.body["ref"], call.body["sha"])
    return Reply(201, _render_ref(call, repo, name))


def delete_git_ref(call: Call) -> Reply:
    call.backend.delete_ref(call.repo(), call.params["ref"])
    return Reply(204)
