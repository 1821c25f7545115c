"""`baseline.stack.existing_workflows`: which existing workflows run on pull requests to the default
branch, which would fail under `sha_pinning_required`; read from a local HTTP server, and saved in
the inventory."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from baseline.cli import main
from baseline.stack import inventory
from baseline.stack.existing_workflows import (
    ExistingWorkflow,
    analyse,
    fetch,
    not_known_pinned,
    pull_request_workflows,
)
from baseline.stack.inventory import Inventory, InventoryError, OrgRepository

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"
PATH = ".github/workflows/ci.yml"


def runs(text: str, branch: str = "main") -> bool:
    workflow = analyse(PATH, text, branch)
    assert workflow.parsed, text
    return workflow.runs_on_pull_requests


# --- Triggers: does a pull request to the default branch start the workflow? ---

# (description, workflow text, default branch, runs on its pull requests)
TRIGGERS = [
    ("on: as a string", "on: pull_request\n", "main", True),
    ("on: a string naming another event", "on: push\n", "main", False),
    ("on: a list", "on: [push, pull_request]\n", "main", True),
    ("on: a list without pull requests", "on: [push, workflow_dispatch]\n", "main", False),
    ("on: a mapping, no filters", "on:\n  pull_request:\n  push:\n", "main", True),
    ("on: an empty mapping value", "on:\n  pull_request: {}\n", "main", True),
    ("on: quoted, read as a string key", '"on":\n  pull_request:\n', "main", True),
    ("branches naming the default", "on:\n  pull_request:\n    branches: [main]\n", "main", True),
    (
        "branches naming others",
        "on:\n  pull_request:\n    branches: [develop, 'release/**']\n",
        "main",
        False,
    ),
    ("branches as one string", "on:\n  pull_request:\n    branches: trunk\n", "trunk", True),
    ("branches glob", "on:\n  pull_request:\n    branches: ['ma*']\n", "main", True),
    (
        "branches glob stops at /",
        "on:\n  pull_request:\n    branches: ['release/*']\n",
        "release/2024/q1",
        False,
    ),
    (
        "branches ** crosses /",
        "on:\n  pull_request:\n    branches: ['release/**']\n",
        "release/2024/q1",
        True,
    ),
    (
        "branches with a later exclusion",
        "on:\n  pull_request:\n    branches: ['**', '!main']\n",
        "main",
        False,
    ),
    (
        "branches-ignore the default",
        "on:\n  pull_request:\n    branches-ignore: [main]\n",
        "main",
        False,
    ),
    (
        "branches-ignore others",
        "on:\n  pull_request:\n    branches-ignore: [develop, 'dependabot/**']\n",
        "main",
        True,
    ),
    (
        "branches-ignore by glob",
        "on:\n  pull_request:\n    branches-ignore: ['ma*']\n",
        "main",
        False,
    ),
    (
        "both filters: GitHub refuses the workflow",
        "on:\n  pull_request:\n    branches: [main]\n    branches-ignore: [x]\n",
        "main",
        False,
    ),
    ("pull_request_target", "on: pull_request_target\n", "main", True),
    (
        "pull_request_target with branches of another",
        "on:\n  pull_request_target:\n    branches: [develop]\n",
        "main",
        False,
    ),
    (
        "one of two pull request triggers admits it",
        "on:\n  pull_request:\n    branches: [develop]\n  pull_request_target:\n"
        "    branches: [main]\n",
        "main",
        True,
    ),
    (
        "push only, to the default branch",
        "on:\n  push:\n    branches: [main]\n",
        "main",
        False,
    ),
    ("only closed pull requests", "on:\n  pull_request:\n    types: [closed]\n", "main", False),
    (
        "types including opened",
        "on:\n  pull_request:\n    types: [opened, labeled]\n",
        "main",
        True,
    ),
    (
        "paths filter: still its pull requests",
        "on:\n  pull_request:\n    paths: ['src/**']\n",
        "main",
        True,
    ),
    ("no on: at all", "jobs: {}\n", "main", False),
]


@pytest.mark.parametrize(
    ("text", "branch", "expected"),
    [case[1:] for case in TRIGGERS],
    ids=[case[0] for case in TRIGGERS],
)
def test_runs_on_pull_requests_to_the_default_branch(
    text: str, branch: str, expected: bool
) -> None:
    assert runs(text, branch) is expected


def test_a_bare_on_key_is_read_as_true_by_pyyaml_and_still_understood() -> None:
    text = "name: CI\non:\n  pull_request:\n    branches: [main]\n"
    assert True in yaml.safe_load(text)  # YAML 1.1: `on` is a boolean
    assert runs(text)
    assert not runs(text, "develop")


# --- `uses:`: what GitHub's pinning policy would refuse, and what is not read here ---


def workflow_with(*steps: str, jobs: str = "") -> str:
    lines = ["on: pull_request", "jobs:", "  test:", "    runs-on: ubuntu-latest", "    steps:"]
    lines += [f"      - uses: {step}" for step in steps]
    return "\n".join(lines) + "\n" + jobs


# (description, the `uses:` of a step, unpinned, unchecked)
STEP_REFERENCES = [
    ("a tag", "actions/checkout@v4", True, False),
    ("a full tag", "actions/checkout@v4.1.7", True, False),
    ("a branch", "actions/checkout@main", True, False),
    ("a full SHA", f"actions/checkout@{SHA}", False, False),
    ("a full SHA in capitals", f"actions/checkout@{SHA.upper()}", False, False),
    ("a short SHA", f"actions/checkout@{SHA[:7]}", True, False),
    ("39 hex characters", f"actions/checkout@{SHA[:39]}", True, False),
    ("41 hex characters", f"actions/checkout@{SHA}0", True, False),
    ("an action in a subfolder, by tag", "github/codeql-action/init@v3", True, False),
    ("an action in a subfolder, by SHA", f"github/codeql-action/init@{SHA}", False, False),
    ("no ref at all", "actions/checkout", True, False),
    ("a local action", "./.github/actions/setup", False, True),
    ("a Docker Hub image", "docker://alpine:3.19", False, False),
    ("a registry image", "docker://ghcr.io/owner/image:latest", False, False),
]


@pytest.mark.parametrize(
    ("reference", "unpinned", "unchecked"),
    [case[1:] for case in STEP_REFERENCES],
    ids=[case[0] for case in STEP_REFERENCES],
)
def test_a_step_reference(reference: str, unpinned: bool, unchecked: bool) -> None:
    workflow = analyse(PATH, workflow_with(reference), "main")
    assert workflow.unpinned == ((reference,) if unpinned else ())
    assert workflow.unchecked == ((reference,) if unchecked else ())
    assert workflow.known_pinned is not (unpinned or unchecked)


# A job's `uses:` calls a reusable workflow: GitHub lets it be referenced by tag, but checks the
# actions inside it, which are in another repository and not read here.
JOB_REFERENCES = [
    ("another repository's, by tag", "octo-org/shared/.github/workflows/ci.yml@v1", False, True),
    (
        "another repository's, by branch",
        "octo-org/shared/.github/workflows/ci.yml@main",
        False,
        True,
    ),
    (
        "another repository's, by SHA",
        f"octo-org/shared/.github/workflows/ci.yml@{SHA}",
        False,
        True,
    ),
    ("this repository's (a file read here)", "./.github/workflows/lint.yml", False, False),
    ("this repository's .yaml", "./.github/workflows/lint.yaml", False, False),
]


@pytest.mark.parametrize(
    ("reference", "unpinned", "unchecked"),
    [case[1:] for case in JOB_REFERENCES],
    ids=[case[0] for case in JOB_REFERENCES],
)
def test_a_reusable_workflow_called_by_a_job(
    reference: str, unpinned: bool, unchecked: bool
) -> None:
    text = f"on: pull_request\njobs:\n  shared:\n    uses: {reference}\n    secrets: inherit\n"
    workflow = analyse(PATH, text, "main")
    assert workflow.unpinned == ((reference,) if unpinned else ())
    assert workflow.unchecked == ((reference,) if unchecked else ())
    assert workflow.known_pinned is not (unpinned or unchecked)


def test_every_job_and_step_is_read_in_file_order_each_reference_once() -> None:
    text = workflow_with(
        "actions/checkout@v4",
        f"actions/setup-python@{SHA}",
        "actions/checkout@v4",
        "./.github/actions/setup",
        jobs=(
            "  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: make deploy\n      - uses: azure/login@v2\n"
            "  shared:\n    uses: octo-org/shared/.github/workflows/ci.yml@v1\n"
        ),
    )
    workflow = analyse(PATH, text, "main")
    assert workflow.unpinned == ("actions/checkout@v4", "azure/login@v2")
    assert workflow.unchecked == (
        "./.github/actions/setup",
        "octo-org/shared/.github/workflows/ci.yml@v1",
    )
    assert workflow.pinning_problem == (
        f"{PATH}: actions/checkout@v4, azure/login@v2 not pinned to a full commit SHA; "
        "./.github/actions/setup, octo-org/shared/.github/workflows/ci.yml@v1 not read "
        "(their own actions are checked)"
    )


def test_a_fully_pinned_workflow_is_known_pinned() -> None:
    workflow = analyse(PATH, workflow_with(f"actions/checkout@{SHA}", "docker://alpine:3"), "main")
    assert workflow.known_pinned
    assert workflow.pinning_problem is None


def test_the_name_is_the_workflows_else_its_path() -> None:
    assert analyse(PATH, "name: CI\non: push\n", "main").name == "CI"
    assert analyse(PATH, "on: push\n", "main").name == PATH
    assert analyse(PATH, "name: '  '\non: push\n", "main").name == PATH


@pytest.mark.parametrize(
    "text",
    ["on: [push\njobs: {}\n", "on: push\n\tjobs:\n", "--- a\n--- b\n", "just text\n", "- a list\n"],
    ids=["unclosed list", "a tab", "two documents", "a scalar", "a list"],
)
def test_a_file_that_is_not_a_yaml_mapping_is_not_known_pinned(text: str) -> None:
    workflow = analyse(PATH, text, "main")
    assert workflow == ExistingWorkflow(PATH, PATH, parsed=False)
    assert not workflow.known_pinned
    assert workflow.pinning_problem == f"{PATH}: not readable as a workflow (YAML)"


@pytest.mark.parametrize("text", ["", "\n", "# nothing yet\n"], ids=["empty", "newline", "comment"])
def test_an_empty_file_runs_nothing_and_uses_nothing(text: str) -> None:
    workflow = analyse(PATH, text, "main")
    assert workflow == ExistingWorkflow(PATH, PATH, runs_on_pull_requests=False, parsed=True)
    assert workflow.known_pinned


def test_selections_of_a_repositorys_workflows() -> None:
    ci = analyse(".github/workflows/ci.yml", workflow_with("actions/checkout@v4"), "main")
    nightly = analyse(".github/workflows/nightly.yml", "on: schedule\n", "main")
    broken = analyse(".github/workflows/broken.yml", "on: [", "main")
    assert pull_request_workflows([ci, nightly, broken]) == (ci,)
    assert not_known_pinned([ci, nightly, broken]) == (ci, broken)
    assert not_known_pinned([nightly]) == ()


# --- Reading them from GitHub: a local server answering the contents API ---


@dataclass
class FakeGitHub:
    """Answers GET path?query from `routes` (status, JSON), 404 otherwise; records each request."""

    url: str
    routes: dict[str, tuple[int, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    tokens: list[str | None] = field(default_factory=list)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    """One server for the module; `github` gives each test a clean state."""
    state = FakeGitHub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            state.tokens.append(self.headers.get("Authorization"))
            status, body = state.routes.get(self.path, (404, {"message": "Not Found"}))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def github(server: FakeGitHub) -> FakeGitHub:
    server.routes.clear()
    server.requests.clear()
    server.tokens.clear()
    return server


CI = workflow_with("actions/checkout@v4")
RELEASE = (
    "name: Release\non:\n  push:\n    tags: ['v*']\n"
    "jobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n"
    f"      - uses: actions/checkout@{SHA}\n"
)
API = "/api/v3/"  # api_root of a base URL that is not api.github.com


def contents(path: str, text: str) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    encoded = base64.encodebytes(text.encode()).decode()  # with newlines, as GitHub sends it
    return {"type": "file", "name": name, "path": path, "encoding": "base64", "content": encoded}


def serve_shop(github: FakeGitHub, repository: str = "shop", branch: str = "main") -> None:
    """A folder listing with two workflow files, a README and a subfolder, and the two files."""
    base = f"{API}repos/acme/{repository}/contents/.github/workflows"
    github.routes[f"{base}?ref={branch}"] = (
        200,
        [
            {"type": "file", "name": "ci.yml", "path": ".github/workflows/ci.yml"},
            {"type": "file", "name": "README.md", "path": ".github/workflows/README.md"},
            {"type": "dir", "name": "old.yml", "path": ".github/workflows/old.yml"},
            {"type": "file", "name": "release.yaml", "path": ".github/workflows/release.yaml"},
        ],
    )
    github.routes[f"{base}/ci.yml?ref={branch}"] = (200, contents("ci.yml", CI))
    github.routes[f"{base}/release.yaml?ref={branch}"] = (200, contents("release.yaml", RELEASE))


def test_fetch_lists_the_folder_then_reads_each_workflow_file(github: FakeGitHub) -> None:
    serve_shop(github)
    root = inventory.api_root(github.url)
    workflows, requests = fetch(root, "t0ken", "acme", "shop", "main")
    assert requests == 3 == len(github.requests)
    assert github.requests == [
        f"{API}repos/acme/shop/contents/.github/workflows?ref=main",
        f"{API}repos/acme/shop/contents/.github/workflows/ci.yml?ref=main",
        f"{API}repos/acme/shop/contents/.github/workflows/release.yaml?ref=main",
    ]
    assert set(github.tokens) == {"Bearer t0ken"}
    assert workflows == (
        ExistingWorkflow(
            ".github/workflows/ci.yml",
            ".github/workflows/ci.yml",
            runs_on_pull_requests=True,
            unpinned=("actions/checkout@v4",),
        ),
        ExistingWorkflow(".github/workflows/release.yaml", "Release"),
    )


def test_fetch_of_a_repository_without_workflows_is_one_request(github: FakeGitHub) -> None:
    workflows, requests = fetch(inventory.api_root(github.url), "t", "acme", "empty", "main")
    assert (workflows, requests) == ((), 1)
    assert github.requests == [f"{API}repos/acme/empty/contents/.github/workflows?ref=main"]


def test_fetch_reads_the_default_branch_quoted(github: FakeGitHub) -> None:
    serve_shop(github, branch="release%2F2024")
    workflows, requests = fetch(inventory.api_root(github.url), "t", "acme", "shop", "release/2024")
    assert requests == 3
    assert [workflow.runs_on_pull_requests for workflow in workflows] == [True, False]


def test_a_file_github_sends_no_content_for_is_not_known_pinned(github: FakeGitHub) -> None:
    serve_shop(github)
    github.routes[f"{API}repos/acme/shop/contents/.github/workflows/ci.yml?ref=main"] = (
        200,
        {"type": "file", "name": "ci.yml", "encoding": "none", "content": ""},  # over 1 MB
    )
    workflows, _ = fetch(inventory.api_root(github.url), "t", "acme", "shop", "main")
    assert workflows[0] == ExistingWorkflow(".github/workflows/ci.yml", PATH, parsed=False)


def test_an_error_answer_is_an_inventory_error_naming_the_request(github: FakeGitHub) -> None:
    serve_shop(github)
    url = f"{API}repos/acme/shop/contents/.github/workflows/ci.yml?ref=main"
    github.routes[url] = (500, {"message": "boom"})
    with pytest.raises(
        InventoryError, match=r"GET http://127\.0\.0\.1:\d+/api/v3/.*ci\.yml.*HTTP 500"
    ):
        fetch(inventory.api_root(github.url), "t", "acme", "shop", "main")


def test_only_the_workflows_folder_may_be_missing(github: FakeGitHub) -> None:
    """A 404 is "no workflows" for the folder listing alone: elsewhere it is an error."""
    with pytest.raises(InventoryError, match=r"GET .*/orgs/nobody/repos.*: HTTP 404: .*Not Found"):
        inventory.fetch("nobody", "t", github.url, properties=False)
    serve_shop(github)
    del github.routes[f"{API}repos/acme/shop/contents/.github/workflows/ci.yml?ref=main"]
    with pytest.raises(InventoryError, match=r"ci\.yml\?ref=main: HTTP 404"):
        fetch(inventory.api_root(github.url), "t", "acme", "shop", "main")


def serve_organization(github: FakeGitHub) -> None:
    github.routes[f"{API}orgs/acme/repos?type=all&per_page=100"] = (
        200,
        [
            {"name": "Shop", "default_branch": "main"},
            {"name": "empty", "default_branch": "main"},
            {"name": "other", "default_branch": "main"},
        ],
    )
    serve_shop(github, repository="Shop")


def test_inventory_fetch_reads_the_workflows_of_the_named_repositories_only(
    github: FakeGitHub,
) -> None:
    serve_organization(github)
    listing = inventory.fetch(
        "acme", "t", github.url, properties=False, workflows_of=["shop", "EMPTY", "absent"]
    )
    # 1 listing + (1 folder + 2 files) for Shop + 1 folder (404) for empty; none for other.
    assert listing.requests == 5 == len(github.requests)
    assert not any("/other/" in request for request in github.requests)
    shop, empty, other = listing.repositories
    assert shop.workflows is not None
    assert [workflow.path for workflow in shop.workflows] == [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yaml",
    ]
    assert empty.workflows == ()
    assert other.workflows is None


def test_inventory_fetch_without_workflows_of_reads_none(github: FakeGitHub) -> None:
    serve_organization(github)
    listing = inventory.fetch("acme", "t", github.url, properties=False)
    assert listing.requests == 1 == len(github.requests)
    assert all(repository.workflows is None for repository in listing.repositories)


def test_the_inventory_command_reads_every_repositorys_workflows(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_organization(github)
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    code = main(
        ["inventory", "--owner", "acme", "--base-url", github.url, "--no-properties", "--workflows"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    # Shop: 1 + 2; empty and other: 1 each (404).
    assert err == (
        "repo-baseline inventory: 3 repositories of acme in 1 request(s), "
        "and their workflows in 5 more\n"
    )
    saved = {item["name"]: item.get("workflows") for item in json.loads(out)["repositories"]}
    assert saved["empty"] == saved["other"] == []
    assert saved["Shop"][0] == {
        "path": ".github/workflows/ci.yml",
        "name": ".github/workflows/ci.yml",
        "runs_on_pull_requests": True,
        "unpinned": ["actions/checkout@v4"],
        "unchecked": [],
        "parsed": True,
    }


def test_the_inventory_command_without_workflows_reads_none(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_organization(github)
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    code = main(["inventory", "--owner", "acme", "--base-url", github.url, "--no-properties"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == "repo-baseline inventory: 3 repositories of acme in 1 request(s)\n"
    assert all("workflows" not in item for item in json.loads(out)["repositories"])


# --- The inventory file: workflows saved and loaded, older files still read ---


def saved_and_loaded(listing: Inventory, tmp_path: Path) -> Inventory:
    path = tmp_path / "inventory.json"
    path.write_text(inventory.dump(listing), encoding="utf-8")
    return inventory.load(path)


def test_an_inventory_without_workflows_round_trips_and_writes_no_key(tmp_path: Path) -> None:
    listing = Inventory("acme", (OrgRepository("shop", topics=("django",)),))
    assert "workflows" not in inventory.dump(listing)
    loaded = saved_and_loaded(listing, tmp_path)
    assert loaded.repositories == listing.repositories
    assert loaded.repositories[0].workflows is None


def test_an_inventory_with_workflows_round_trips(tmp_path: Path) -> None:
    workflows = (
        analyse(PATH, workflow_with("actions/checkout@v4", "./.github/actions/setup"), "main"),
        analyse(".github/workflows/release.yaml", RELEASE, "main"),
        analyse(".github/workflows/broken.yml", "on: [", "main"),
    )
    listing = Inventory(
        "acme",
        (
            OrgRepository("shop", workflows=workflows),
            OrgRepository("empty", workflows=()),
            OrgRepository("unread"),
        ),
    )
    loaded = saved_and_loaded(listing, tmp_path)
    assert loaded.repositories == listing.repositories
    assert [repository.workflows for repository in loaded.repositories] == [workflows, (), None]


def test_a_file_written_before_workflows_were_saved_loads_them_as_not_read(tmp_path: Path) -> None:
    old = {  # a repository as `repo-baseline inventory` wrote it before workflows were saved
        "name": "shop",
        "visibility": "internal",
        "archived": False,
        "fork": False,
        "topics": ["django"],
        "custom_properties": {"team": "payments"},
        "default_branch": "trunk",
        "description": None,
        "homepage": None,
        "has_wiki": False,
        "has_projects": False,
        "has_discussions": False,
        "is_template": False,
    }
    path = tmp_path / "old.json"
    document = {
        "format": "repo-baseline inventory 1",
        "organization": "acme",
        "repositories": [old],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    [shop] = inventory.load(path).repositories
    assert shop == OrgRepository(
        "shop",
        visibility="internal",
        topics=("django",),
        properties={"team": "payments"},
        default_branch="trunk",
    )
    assert shop.workflows is None
    assert shop.to_json() == old  # and written back the same


@pytest.mark.parametrize(
    "workflows",
    [{"path": PATH}, ["ci.yml"], [{"name": "CI"}], [{"path": PATH, "unpinned": "actions/x@v1"}]],
    ids=["not a list", "not objects", "no path", "unpinned not a list"],
)
def test_malformed_saved_workflows_are_an_inventory_error(tmp_path: Path, workflows: Any) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {"organization": "acme", "repositories": [{"name": "shop", "workflows": workflows}]}
        ),
        encoding="utf-8",
    )
    with pytest.raises(InventoryError, match=r"bad\.json: not an inventory \(repository shop: "):
        inventory.load(path)
