"""The GitHub double failing on purpose: injected faults, a missing repository's 404 where the
description lists none, and a renamed repository's redirects, over real HTTP.

Each test gets a fresh double whose teardown fails the test on any recorded violation: injected
answers are deliberate and record none.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from testing.github_double import Fault, GitHubDouble, pytest_plugin
from testing.github_double.faults import SECONDARY_RATE_LIMIT_MESSAGE
from testing.github_double.handlers import orgs
from testing.github_double.pytest_plugin import ADMIN_TOKEN, ORG
from tests.e2e.test_github_double import Answer, call, create_repo

github_contract = pytest_plugin.github_contract
github_double = pytest_plugin.github_double

REPOS = "/orgs/{org}/repos"
ACTIONS = "/repos/{owner}/{repo}/actions/permissions"
SERVICE_UNAVAILABLE = (
    "No server is currently available to service your request. Sorry about that. Please try "
    "resubmitting your request and contact us if the problem persists."
)


def send(gh: GitHubDouble, method: str, path: str, body: Any = None) -> Answer:
    """One request on a fresh connection, redirects not followed; a reset connection raises
    ConnectionError (http.client's RemoteDisconnected is one)."""
    target = urlsplit(path if path.startswith("http") else f"{gh.api_url}{path}")
    connection = http.client.HTTPConnection(target.netloc, timeout=10)
    headers = {"Authorization": f"token {ADMIN_TOKEN}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    path_and_query = target.path + (f"?{target.query}" if target.query else "")
    try:
        connection.request(method, path_and_query, data, headers)
        response = connection.getresponse()
        raw = response.read()
        return Answer(response.status, dict(response.headers), json.loads(raw) if raw else None)
    finally:
        connection.close()


def statuses(gh: GitHubDouble, method: str, path: str, count: int) -> list[int]:
    return [send(gh, method, path).status for _ in range(count)]


# --- Faults ----------------------------------------------------------------------------------


def test_a_server_error_fires_exactly_times_times_then_github_answers_again(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    injection = gh.inject(Fault.server_error("GET", "/orgs/{org}", 502, times=2))

    assert statuses(gh, "GET", f"/orgs/{ORG}", 4) == [502, 502, 200, 200]
    assert (injection.fired, injection.matched, injection.done) == (2, 2, True)
    assert [f.seq for f in gh.fired_faults()] == [1, 2] == injection.fired_at
    assert [(e.status, e.sent, e.fault) for e in gh.log] == [
        (502, 502, "server-error 502 GET /orgs/{org}"),
        (502, 502, "server-error 502 GET /orgs/{org}"),
        (200, 200, None),
        (200, 200, None),
    ]


def test_server_errors_carry_githubs_bodies_and_change_nothing(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    for status in (500, 502, 503):
        gh.inject(Fault.server_error("POST", REPOS, status))
    answers = [send(gh, "POST", f"/orgs/{ORG}/repos", {"name": "shop"}) for _ in range(3)]

    assert [(a.status, a.body) for a in answers] == [
        (500, {"message": "Server Error"}),
        (502, {"message": "Server Error"}),
        (503, {"message": SERVICE_UNAVAILABLE}),
    ]
    assert gh.state()["repositories"] == {}
    assert send(gh, "POST", f"/orgs/{ORG}/repos", {"name": "shop"}).status == 201


def test_skip_lets_the_first_matching_requests_through(github_double: GitHubDouble) -> None:
    gh = github_double
    create_repo(gh)
    other = gh.inject(Fault.server_error("GET", ACTIONS, 500))  # another route: never matched
    injection = gh.inject(Fault.server_error("GET", "/repos/{owner}/{repo}", 503, skip=2))

    assert statuses(gh, "GET", f"/repos/{ORG}/shop", 4) == [200, 200, 503, 200]
    assert (injection.matched, injection.fired) == (3, 1)
    assert (other.matched, other.fired) == (0, 0)


def test_a_secondary_rate_limit_is_403_with_documentation_url_and_retry_after(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    gh.inject(Fault.rate_limit("PUT", "/repos/{owner}/{repo}/topics", retry_after=7))
    before = gh.state()["repositories"]["shop"]["topics"]
    limited = send(gh, "PUT", f"/repos/{ORG}/shop/topics", {"names": ["python"]})

    assert limited.status == 403
    assert limited.headers["Retry-After"] == "7"
    assert limited.body["message"] == SECONDARY_RATE_LIMIT_MESSAGE
    # go-github (the provider's client) knows a secondary rate limit by this suffix.
    assert limited.body["documentation_url"].endswith("#about-secondary-rate-limits")
    assert limited.body["status"] == "403"
    assert gh.state()["repositories"]["shop"]["topics"] == before
    assert send(gh, "PUT", f"/repos/{ORG}/shop/topics", {"names": ["python"]}).status == 200
    assert gh.log[-2].fault == "rate-limit (retry-after 7) PUT /repos/{owner}/{repo}/topics"


def test_a_reset_before_acting_answers_nothing_and_changes_nothing(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    gh.inject(Fault.reset("POST", REPOS))

    with pytest.raises(ConnectionError):
        send(gh, "POST", f"/orgs/{ORG}/repos", {"name": "shop"})
    assert gh.state()["repositories"] == {}
    entry = gh.log[-1]
    assert (entry.status, entry.sent, entry.fault) == (None, None, f"reset POST {REPOS}")
    assert entry.operation == "repos/create-in-org"


def test_a_lost_answer_leaves_the_state_changed_and_the_client_without_an_answer(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    injection = gh.inject(Fault.lost_answer("POST", REPOS))

    with pytest.raises(ConnectionError):
        send(gh, "POST", f"/orgs/{ORG}/repos", {"name": "shop", "auto_init": True})

    assert "shop" in gh.state()["repositories"]
    entry = gh.log[-1]
    # Logged as done: GitHub's own answer, which never reached the client.
    assert (entry.status, entry.sent, entry.violation) == (201, None, False)
    assert entry.fault == f"lost-answer (reset) POST {REPOS}"
    assert injection.done


def test_a_retried_create_after_a_lost_answer_is_githubs_422(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    gh.inject(Fault.lost_answer("POST", REPOS, status=502))
    body = {"name": "shop", "auto_init": True}

    lost = send(gh, "POST", f"/orgs/{ORG}/repos", body)
    retried = send(gh, "POST", f"/orgs/{ORG}/repos", body)

    assert (lost.status, lost.body) == (502, {"message": "Server Error"})
    assert retried.status == 422
    assert retried.body["message"] == "Repository creation failed."
    assert [e["message"] for e in retried.body["errors"]] == ["name already exists on this account"]
    assert [(e.status, e.sent) for e in gh.log] == [(201, 502), (422, 422)]


def test_a_delay_holds_the_answer_without_holding_the_double(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    gh.inject(Fault.delay("GET", "/orgs/{org}", 1.0))
    slow: list[tuple[int, float]] = []

    def slow_get() -> None:
        started = time.perf_counter()
        slow.append((send(gh, "GET", f"/orgs/{ORG}").status, time.perf_counter() - started))

    thread = threading.Thread(target=slow_get)
    thread.start()
    time.sleep(0.2)
    started = time.perf_counter()
    assert send(gh, "GET", "/user").status == 200
    quick = time.perf_counter() - started
    thread.join()

    assert slow[0][0] == 200
    assert slow[0][1] >= 1.0
    assert quick < 0.5
    assert gh.log[0].fault == "delay (1s) GET /orgs/{org}"


def test_clear_faults_stops_every_fault_in_force(github_double: GitHubDouble) -> None:
    gh = github_double
    injection = gh.inject(Fault.server_error("GET", "/orgs/{org}", 500, times=5))

    assert statuses(gh, "GET", f"/orgs/{ORG}", 1) == [500]
    gh.clear_faults()
    assert statuses(gh, "GET", f"/orgs/{ORG}", 2) == [200, 200]
    assert (injection.fired, injection.done) == (1, True)


def test_a_fault_naming_no_route_of_the_double_is_refused(github_double: GitHubDouble) -> None:
    with pytest.raises(ValueError, match=r"serves no GET /orgs/\{org\}/repositories"):
        github_double.inject(Fault.reset("GET", "/orgs/{org}/repositories"))
    with pytest.raises(ValueError, match="server error is one of"):
        Fault.server_error("GET", "/orgs/{org}", 504)


def test_injected_answers_are_no_violations_where_the_description_lists_no_such_status(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    operation = gh.contract.operation("GET", ACTIONS)
    assert operation is not None
    assert operation.statuses == frozenset({"200"})  # no 500, no 403
    gh.inject(Fault.server_error("GET", ACTIONS, 500))
    gh.inject(Fault.rate_limit("GET", ACTIONS, skip=1))

    assert statuses(gh, "GET", f"/repos/{ORG}/shop/actions/permissions", 3) == [500, 403, 200]
    assert gh.violations == []
    assert [e.violation for e in gh.log] == [False] * len(gh.log)


def test_a_request_breaking_the_contract_is_refused_and_no_fault_counts_it(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    injection = gh.inject(Fault.lost_answer("POST", REPOS))

    refused = send(gh, "POST", f"/orgs/{ORG}/repos", {"name": 7})

    assert refused.status == 400
    assert [v.kind for v in gh.take_violations()] == ["request"]
    assert (injection.matched, injection.fired) == (0, 0)
    assert gh.log[-1].fault is None


def test_a_wrong_answer_is_still_a_violation_when_its_answer_is_lost(
    github_double: GitHubDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    gh = github_double
    monkeypatch.setattr(orgs, "render_org", lambda call: {"login": 7})
    gh.inject(Fault.lost_answer("GET", "/orgs/{org}", status=502))

    lost = send(gh, "GET", f"/orgs/{ORG}")

    assert lost.status == 502  # the proxy's answer; the double's own was a refusal
    found = gh.take_violations()
    assert [v.kind for v in found] == ["response"]
    assert "'url' is a required property" in found[0].detail


# --- A missing repository --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "/actions/permissions", None),
        ("PUT", "/actions/permissions", {"enabled": True}),
        ("GET", "/actions/permissions/workflow", None),
        ("PUT", "/actions/permissions/workflow", {"default_workflow_permissions": "read"}),
    ],
)
def test_actions_permissions_of_a_missing_repository_are_githubs_404(
    github_double: GitHubDouble, method: str, suffix: str, body: Any
) -> None:
    gh = github_double
    create_repo(gh, "gone")
    assert call(gh, "DELETE", f"/repos/{ORG}/gone").status == 204

    never = call(gh, method, f"/repos/{ORG}/never-made{suffix}", body)
    deleted = call(gh, method, f"/repos/{ORG}/gone{suffix}", body)

    for answer in (never, deleted):
        assert answer.status == 404
        assert answer.body["message"] == "Not Found"
        assert answer.body["status"] == "404"
        assert answer.body["documentation_url"].startswith("https://docs.github.com/rest/actions/")
    assert gh.log[-1].spec_gaps == ("missing-repository",)
    assert gh.violations == []


def test_a_missing_pull_request_of_an_existing_repository_is_still_a_violation(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)

    answer = call(gh, "PATCH", f"/repos/{ORG}/shop/pulls/99", {"title": "x"})

    assert answer.status == 500  # GitHub's 404 is not in pulls/update's description
    assert [v.kind for v in gh.take_violations()] == ["response"]


# --- Renamed repositories --------------------------------------------------------------------


def rename(gh: GitHubDouble, old: str, new: str) -> int:
    answer = call(gh, "PATCH", f"/repos/{ORG}/{old}", {"name": new})
    assert answer.status == 200, answer.body
    return int(answer.body["id"])


def test_a_renamed_repositorys_old_name_redirects_and_the_target_serves_it(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    repo_id = rename(gh, "shop", "store")
    target = f"{gh.api_url}/repositories/{repo_id}"

    moved = send(gh, "GET", f"/repos/{ORG}/shop")
    served = send(gh, "GET", moved.headers["Location"])

    assert moved.status == 301
    assert moved.headers["Location"] == target
    assert moved.body == {
        "message": "Moved Permanently",
        "url": target,
        "documentation_url": "https://docs.github.com/v3/#http-redirects",
    }
    assert (served.status, served.body["name"], served.body["id"]) == (200, "store", repo_id)
    # The target is checked as the operation it stands for, and says how it got through.
    assert (gh.log[-1].template, gh.log[-1].spec_gaps) == (
        "/repos/{owner}/{repo}",
        ("repository-by-id",),
    )


def test_a_write_to_an_old_name_is_307_and_repeating_it_at_the_target_acts(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    repo_id = rename(gh, "shop", "store")

    moved = send(gh, "PATCH", f"/repos/{ORG}/shop", {"description": "renamed"})
    repeated = send(gh, "PATCH", moved.headers["Location"], {"description": "renamed"})

    assert moved.status == 307
    assert moved.body["url"] == f"{gh.api_url}/repositories/{repo_id}"
    assert gh.state()["repositories"]["store"]["settings"]["description"] == "renamed"
    assert (repeated.status, repeated.body["description"]) == (200, "renamed")


def test_an_old_name_redirects_every_operation_with_the_rest_of_its_path(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    repo_id = rename(gh, "shop", "store")

    moved = send(gh, "GET", f"/repos/{ORG}/shop/actions/permissions")
    written = send(gh, "PUT", f"/repos/{ORG}/shop/topics", {"names": ["python"]})
    served = send(gh, "GET", moved.headers["Location"])

    assert moved.status == 301
    assert moved.body["url"] == f"{gh.api_url}/repositories/{repo_id}/actions/permissions"
    # The description lists no 301 for this operation: GitHub's redirect, a named gap.
    assert gh.log[-3].spec_gaps == ("moved-repository",)
    assert written.status == 307
    assert written.headers["Location"] == f"{gh.api_url}/repositories/{repo_id}/topics"
    assert (served.status, served.body["enabled"]) == (200, True)


def test_a_client_following_redirects_reads_the_repository_under_its_old_name(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    rename(gh, "shop", "store")

    followed = call(gh, "GET", f"/repos/{ORG}/shop")  # urllib follows a GET's 301

    assert (followed.status, followed.body["name"]) == (200, "store")
    assert [e.status for e in gh.log[-2:]] == [301, 200]


def test_the_redirect_ends_when_the_name_is_taken_or_the_repository_deleted(
    github_double: GitHubDouble,
) -> None:
    gh = github_double
    create_repo(gh)
    repo_id = rename(gh, "shop", "store")
    create_repo(gh, "shop")  # a new repository takes the old name over

    assert send(gh, "GET", f"/repos/{ORG}/shop").body["id"] != repo_id
    assert call(gh, "DELETE", f"/repos/{ORG}/shop").status == 204
    assert send(gh, "GET", f"/repos/{ORG}/shop").status == 404  # the redirect is gone for good

    rename(gh, "store", "depot")
    assert send(gh, "GET", f"/repos/{ORG}/store").status == 301
    assert call(gh, "DELETE", f"/repos/{ORG}/depot").status == 204
    assert send(gh, "GET", f"/repos/{ORG}/store").status == 404
    gone = send(gh, "GET", f"/repositories/{repo_id}")
    assert (gone.status, gone.body["message"]) == (404, "Not Found")
    assert gh.violations == []
