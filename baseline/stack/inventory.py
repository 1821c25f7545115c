"""The organization's repositories, as `select` rules see them: listed from GitHub, or from a file.

Listed with a constant number of paginated calls however many rules there are, never one per
repository: `GET /orgs/{org}/repos?type=all&per_page=100` (name, visibility, topics, archived,
fork, default branch and the settings a selected repository keeps), and, only when a rule reads
custom properties, `GET /orgs/{org}/properties/values?per_page=100`. So 1,000 repositories cost
10 requests, or 20 with properties. Plain Python (no Pulumi): the program calls `fetch` with the
provider's own endpoint and token; `repo-baseline inventory` saves the same listing to a file,
which `repo-baseline plan --inventory` and `REPO_BASELINE_INVENTORY` read instead.

Only for the repositories named in `workflows_of` (those being adopted), `fetch` also reads their
existing GitHub Actions workflows (`existing_workflows`): 1 + (number of workflow files) requests
each, so never for the whole organization unless asked (`repo-baseline inventory --workflows`).
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from baseline.stack import existing_workflows
from baseline.stack.existing_workflows import ExistingWorkflow

# Read by the program instead of GitHub when set: a file `repo-baseline inventory` wrote.
INVENTORY_ENV = "REPO_BASELINE_INVENTORY"
PER_PAGE = 100  # GitHub's largest page for both listings
FORMAT = "repo-baseline inventory 1"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class InventoryError(Exception):
    """The listing could not be read: the message says what was asked and what came back."""


@dataclass(frozen=True)
class OrgRepository:
    """One repository of the organization, with what rules match on and what it keeps."""

    name: str
    visibility: str = "private"
    archived: bool = False
    fork: bool = False
    topics: tuple[str, ...] = ()
    # Custom property values: a string, a list of strings (multi_select), or None (unset).
    properties: Mapping[str, str | tuple[str, ...] | None] = field(default_factory=dict)
    default_branch: str = "main"
    description: str | None = None
    homepage: str | None = None
    has_wiki: bool = False
    has_projects: bool = False
    has_discussions: bool = False
    is_template: bool = False
    # Its `.github/workflows` on the default branch; None when they were not read.
    workflows: tuple[ExistingWorkflow, ...] | None = None

    @classmethod
    def from_github(cls, item: Mapping[str, Any]) -> OrgRepository:
        """A `minimal-repository` object as GitHub lists it (extra keys are ignored), or as
        `to_json` saved it, with its `workflows` (`ValueError` when those are malformed)."""
        workflows = item.get("workflows")
        if workflows is not None:
            if not isinstance(workflows, list) or not all(isinstance(w, dict) for w in workflows):
                raise ValueError(f"repository {item['name']}: workflows must be a list of objects")
            try:
                workflows = tuple(ExistingWorkflow.from_json(workflow) for workflow in workflows)
            except ValueError as error:
                raise ValueError(f"repository {item['name']}: {error}") from None
        return cls(
            name=str(item["name"]),
            visibility=str(
                item.get("visibility") or ("private" if item.get("private") else "public")
            ),
            archived=bool(item.get("archived")),
            fork=bool(item.get("fork")),
            topics=tuple(str(topic) for topic in item.get("topics") or ()),
            properties=_property_values(item.get("custom_properties") or {}),
            default_branch=str(item.get("default_branch") or "main"),
            description=item.get("description"),
            homepage=item.get("homepage"),
            has_wiki=bool(item.get("has_wiki")),
            has_projects=bool(item.get("has_projects")),
            has_discussions=bool(item.get("has_discussions")),
            is_template=bool(item.get("is_template")),
            workflows=workflows,
        )

    def to_json(self) -> dict[str, Any]:
        """The keys of `from_github`, so a saved inventory reads back the same (`workflows` only
        when they were read, so a listing without them is written as before)."""
        document = {
            "name": self.name,
            "visibility": self.visibility,
            "archived": self.archived,
            "fork": self.fork,
            "topics": list(self.topics),
            "custom_properties": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in self.properties.items()
            },
            "default_branch": self.default_branch,
            "description": self.description,
            "homepage": self.homepage,
            "has_wiki": self.has_wiki,
            "has_projects": self.has_projects,
            "has_discussions": self.has_discussions,
            "is_template": self.is_template,
        }
        if self.workflows is not None:
            document["workflows"] = [workflow.to_json() for workflow in self.workflows]
        return document


def _property_values(values: Mapping[str, Any]) -> dict[str, str | tuple[str, ...] | None]:
    return {
        str(key): tuple(str(v) for v in value) if isinstance(value, list) else value
        for key, value in values.items()
    }


@dataclass(frozen=True)
class Inventory:
    """The organization's repositories, in the order GitHub listed them, and how many requests
    the listing took (0 when read from a file)."""

    organization: str
    repositories: tuple[OrgRepository, ...]
    requests: int = 0
    source: str = "GitHub"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "organization": self.organization,
            "repositories": [repository.to_json() for repository in self.repositories],
        }


def api_root(base_url: str | None) -> str:
    """The REST root the provider uses for `github:baseUrl` (facts/engine.md, "The provider
    against a local GitHub"): api.github.com itself, else Enterprise Server's `<base>/api/v3/`."""
    if not base_url or urllib.parse.urlsplit(base_url).hostname == "api.github.com":
        return "https://api.github.com/"
    root = base_url if base_url.endswith("/") else base_url + "/"
    return root if root.endswith("/api/v3/") else root + "api/v3/"


def web_root(base_url: str | None) -> str:
    """Where GitHub shows a repository, `<root><owner>/<name>` (its `html_url`): github.com, or
    an Enterprise Server's own host for `github:baseUrl`."""
    if not base_url or urllib.parse.urlsplit(base_url).hostname == "api.github.com":
        return "https://github.com/"
    parts = urllib.parse.urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/"


def headers(token: str) -> dict[str, str]:
    """The headers of every request the program sends GitHub itself."""
    return {
        "Accept": "application/vnd.github+json",
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "repo-baseline",
    }


def organization_plan(owner: str, token: str, base_url: str | None) -> str | None:
    """The organization's GitHub plan (`plan.name` of `GET /orgs/{org}`), None when the token may
    not see it: "To see the full details about an organization, the authenticated user must be an
    organization owner" and "To see information about an organization's GitHub plan, GitHub
    Apps need the `Organization plan` permission" (the operation's description). GitHub answers
    `enterprise` for an Enterprise Cloud organization and `free` for a Free one
    (microsoft/PowerShellForGitHub#373)."""
    answer = get_json(f"{api_root(base_url)}orgs/{urllib.parse.quote(owner)}", token)
    plan = answer.get("plan") if isinstance(answer, Mapping) else None
    name = plan.get("name") if isinstance(plan, Mapping) else None
    return str(name) if name else None


def get_json(url: str, token: str, *, missing_ok: bool = False) -> Any:
    """One GET of GitHub's REST API: its JSON answer (None for a 404 when `missing_ok`);
    `InventoryError` saying what was asked and what came back otherwise."""
    return _get(url, token, missing_ok=missing_ok)[0]


def _get(url: str, token: str, *, missing_ok: bool = False) -> tuple[Any, str]:
    """The JSON answer to one GET and its `Link` header."""
    # Imported here: the offline plan never lists, and urllib.request costs 15 ms to import.
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers(token))
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read()), response.headers.get("Link") or ""
    except urllib.error.HTTPError as error:
        if missing_ok and error.code == 404:
            return None, ""
        body = error.read().decode("utf-8", "replace")[:300]
        raise InventoryError(f"GET {url}: HTTP {error.code}: {body}") from None
    except (urllib.error.URLError, OSError) as error:
        raise InventoryError(f"GET {url}: {error}") from None
    except ValueError as error:  # not JSON
        raise InventoryError(f"GET {url}: {error}") from None


def _pages(url: str, token: str) -> Iterator[list[dict[str, Any]]]:
    """Every page of a GitHub listing, following its `Link: rel="next"`."""
    next_url: str | None = url
    while next_url:
        page, link = _get(next_url, token)
        if not isinstance(page, list):
            raise InventoryError(f"GET {next_url}: expected a list, got {type(page).__name__}")
        yield page
        match = _NEXT.search(link)
        next_url = match.group(1) if match else None


def fetch(
    organization: str,
    token: str,
    base_url: str | None = None,
    *,
    properties: bool,
    workflows_of: Collection[str] = (),
) -> Inventory:
    """The organization's repositories from GitHub's REST API (`properties`: also read every
    repository's custom property values, in one more paginated listing; `workflows_of`: also read
    the existing workflows of the repositories of these names, whatever their case)."""
    root = api_root(base_url)
    org = urllib.parse.quote(organization, safe="")
    requests = 0
    items: list[dict[str, Any]] = []
    for page in _pages(f"{root}orgs/{org}/repos?type=all&per_page={PER_PAGE}", token):
        requests += 1
        items.extend(page)
    values: dict[str, dict[str, Any]] = {}
    if properties:
        url = f"{root}orgs/{org}/properties/values?per_page={PER_PAGE}"
        for page in _pages(url, token):
            requests += 1
            for entry in page:
                values[str(entry.get("repository_name"))] = {
                    str(p["property_name"]): p.get("value") for p in entry.get("properties") or ()
                }
    repositories = []
    for item in items:
        if item.get("name") in values:
            item = {**item, "custom_properties": values[str(item["name"])]}
        repositories.append(OrgRepository.from_github(item))
    listing = Inventory(organization, tuple(repositories), requests)
    return read_workflows(listing, token, base_url, workflows_of) if workflows_of else listing


def read_workflows(
    listing: Inventory, token: str, base_url: str | None, names: Collection[str]
) -> Inventory:
    """`listing` with the existing workflows of its repositories named in `names` (any case)
    read from their default branch, and the requests that took added to its count."""
    wanted = {name.lower() for name in names}
    root = api_root(base_url)
    requests = listing.requests
    repositories = []
    # One request after the other, as GitHub asks ("Best practices for using the REST API":
    # "make requests serially instead of concurrently" to stay clear of secondary rate limits).
    for repository in listing.repositories:
        if repository.name.lower() in wanted:
            workflows, used = existing_workflows.fetch(
                root, token, listing.organization, repository.name, repository.default_branch
            )
            requests += used
            repository = replace(repository, workflows=workflows)
        repositories.append(repository)
    return replace(listing, repositories=tuple(repositories), requests=requests)


def load(path: str | os.PathLike[str]) -> Inventory:
    """An inventory file (`repo-baseline inventory` wrote it), or a raw JSON list of GitHub's
    `minimal-repository` objects; `InventoryError` when it is neither."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InventoryError(f"{path}: cannot be read as JSON ({error})") from None
    organization = ""
    items: object = document
    if isinstance(document, dict):
        organization = str(document.get("organization") or "")
        items = document.get("repositories")
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) for item in items
    ):
        raise InventoryError(
            f"{path}: not an inventory (expected {{organization, repositories: [{{name, ...}}]}} "
            "as `repo-baseline inventory` writes it, or a list of GitHub repositories)"
        )
    try:
        repositories = tuple(OrgRepository.from_github(item) for item in items)
    except ValueError as error:
        raise InventoryError(f"{path}: not an inventory ({error})") from None
    return Inventory(organization, repositories, 0, source=str(path))


def dump(inventory: Inventory) -> str:
    return json.dumps(inventory.to_json(), indent=1) + "\n"
