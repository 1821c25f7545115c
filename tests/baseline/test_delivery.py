"""`pipeline.delivery: pull_request` under the mock engine: what is registered before the pull
request has merged, after, and when a changed pipeline is proposed again."""

from __future__ import annotations

from typing import Any

from baseline.plan import mock_engine
from baseline.plan.mock_engine import Record
from baseline.resources import delivery, program
from baseline.resources.resource_types import (
    BRANCH,
    COMPONENT,
    PULL_REQUEST,
    RULESET,
    WORKFLOW_FILE,
)
from baseline.stack import removals
from baseline.stack.selection import resolve
from baseline.stack.validation import parse_settings
from workflows.templates import rendered_pipeline

PROVIDER = {"github:owner": "example-org"}
ENTRY: dict[str, Any] = {"name": "billing", "pipeline": {"delivery": "pull_request"}}


def run(
    entry: dict[str, Any], previous: dict[str, Any] | None = None, landed: tuple[str, ...] = ()
) -> Record:
    settings = parse_settings(None, [entry])
    resolution = resolve(settings, None)
    return mock_engine.run(
        PROVIDER, program=lambda: program.deploy(resolution, previous, None, landed)
    )


def children(record: Record) -> dict[str, list[Any]]:
    (component,) = record.of_type(COMPONENT)
    found: dict[str, list[Any]] = {}
    for r in record.resources:
        if r.parent == component.urn:
            found.setdefault(r.type, []).append(r)
    return found


def test_before_it_merges_a_branch_a_file_on_it_and_a_pull_request_and_no_protection() -> None:
    record = run(ENTRY)
    found = children(record)
    assert RULESET not in found
    (branch,) = found[BRANCH]
    (proposed,) = found[WORKFLOW_FILE]
    (pull,) = found[PULL_REQUEST]
    pipeline = rendered_pipeline(
        "backend-ci", parse_settings(None, [ENTRY]).repositories[0].pipeline.options
    )
    head = delivery.proposal_branch(pipeline)
    assert head.startswith("repo-baseline/")
    assert branch.inputs == {"repository": "billing", "branch": head, "sourceBranch": "main"}
    assert (proposed.inputs["branch"], proposed.inputs["content"]) == (head, pipeline.content)
    assert pull.inputs["baseRef"] == "main"
    assert pull.inputs["headRef"] == head
    # The pull request after its file, the file after its branch; none is deleted by Pulumi.
    assert proposed.urn in pull.depends_on
    assert all(r.retain_on_delete for r in (branch, proposed, pull))
    outputs = record.stack_outputs()["repositories"]["billing"]
    assert (outputs["protection_kind"], outputs["required_checks"]) == ("pending", [])
    # No 409 warning: every change of the file is a pull request.
    assert not [w for w in record.warnings if "409" in w]


def test_a_changed_pipeline_keeps_the_protection_it_had_until_its_pull_request_merges() -> None:
    previous = {
        "billing": {"protection_kind": "ruleset", "required_checks": ["Old Check", "Tests"]}
    }
    changed = {**ENTRY, "pipeline": {**ENTRY["pipeline"], "python_versions": ["3.12", "3.13"]}}
    found = children(run(changed, previous))
    (ruleset,) = found[RULESET]
    required = ruleset.inputs["rules"]["requiredStatusChecks"]["requiredChecks"]
    assert [check["context"] for check in required] == ["Old Check", "Tests"]
    assert PULL_REQUEST in found
    # A repository still pending after the last run has no protection to keep.
    pending = {"billing": {"protection_kind": "pending", "required_checks": []}}
    assert RULESET not in children(run(changed, pending))


def test_once_merged_the_file_is_imported_and_the_new_checks_required() -> None:
    found = children(run(ENTRY, landed=("billing",)))
    assert BRANCH not in found
    assert PULL_REQUEST not in found
    (workflow,) = found[WORKFLOW_FILE]
    assert workflow.import_id == "billing:.github/workflows/backend-ci.yml:main"
    assert workflow.inputs["branch"] == "main"
    (ruleset,) = found[RULESET]
    assert workflow.urn in ruleset.depends_on
    required = ruleset.inputs["rules"]["requiredStatusChecks"]["requiredChecks"]
    assert "Test Suite (Pytest)" in [check["context"] for check in required]


def test_protected_checks_are_read_from_the_last_outputs_ignoring_case() -> None:
    last = removals.last_outputs(
        {"Billing": {"protection_kind": "classic", "required_checks": ["A"]}}
    )
    assert delivery.protected_checks(last.get("billing")) == ("A",)
    assert delivery.protected_checks(last.get("other")) is None
    assert delivery.protected_checks({"protection_kind": "pending", "required_checks": []}) is None
