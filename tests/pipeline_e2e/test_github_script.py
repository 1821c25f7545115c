"""The runner's github-script emulation, the parts that need no Node.js packages: the event
payload it writes, the inputs it passes, what it refuses. Part of `make test`; the script run
for real against the GitHub double is `test_bug_logger.py` (`make pipeline-e2e`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.pipeline_runner import Event, GitHubApi, NotEmulatedError
from testing.pipeline_runner.github_script import event_payload, inputs, run_script

SHA = "a" * 40


def test_a_pull_requests_payload_has_its_number_head_branch_and_author() -> None:
    payload = event_payload(Event.pull_request(SHA, 7, head_ref="feature/x", author="octo-dev"))

    pull = payload["pull_request"]
    assert (payload["number"], pull["number"]) == (7, 7)
    assert pull["head"] == {
        "ref": "feature/x",
        "sha": SHA,
        "repo": {"full_name": "example-org/shop"},
    }
    assert pull["user"] == {"login": "octo-dev"}
    assert payload["repository"]["full_name"] == "example-org/shop"


def test_a_pushs_payload_has_its_ref_and_commit() -> None:
    payload = event_payload(Event.push(SHA))
    assert (payload["ref"], payload["after"]) == ("refs/heads/main", SHA)
    assert "pull_request" not in payload


def test_a_merge_groups_payload_is_the_runners_own() -> None:
    event = Event.merge_group(SHA, "b" * 40)
    assert event_payload(event)["merge_group"] == event.payload()["merge_group"]


def test_a_pull_request_without_head_branch_or_author_is_refused() -> None:
    with pytest.raises(NotEmulatedError, match="head branch and author"):
        event_payload(Event.pull_request(SHA, 7))


def test_inputs_are_the_actions_with_its_defaults() -> None:
    given = inputs({"script": "return 1", "retries": "2"}, "ghs_token")

    assert given["INPUT_SCRIPT"] == "return 1"
    assert given["INPUT_GITHUB-TOKEN"] == "ghs_token"
    assert given["INPUT_RETRIES"] == "2"
    assert (given["INPUT_RESULT-ENCODING"], given["INPUT_DEBUG"]) == ("json", "false")


def test_a_job_without_a_mapping_of_permissions_is_refused(tmp_path: Path) -> None:
    def token(permissions: object) -> str:
        raise AssertionError("no token is made for a job the runner refuses")

    with pytest.raises(NotEmulatedError, match="mapping of scopes"):
        run_script(
            GitHubApi("http://127.0.0.1:9/api/v3", "http://127.0.0.1:9", token),
            event=Event.push(SHA),
            workflow="CI",
            permissions="write-all",
            with_={"script": "return 1"},
            env={},
            workspace=tmp_path,
            work_dir=tmp_path / "step",
            run_number=1,
            run_dir=tmp_path,
        )
