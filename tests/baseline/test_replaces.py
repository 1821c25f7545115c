"""`pipeline.replaces` under the mock engine and in the config: what is valid, when the removal's
pull request is registered (only after the pipeline is on the default branch, only for files
that are there), and how the plan and the adoption warning say it. Its requests to GitHub are
tested against the double in tests/e2e/test_replaces.py."""

from __future__ import annotations

from typing import Any

import pytest

from baseline.plan import mock_engine, summary
from baseline.plan.mock_engine import Record
from baseline.resources import program, replaces
from baseline.resources.resource_types import COMPONENT, WORKFLOW_FILE, WORKFLOW_REMOVAL
from baseline.stack import adoption
from baseline.stack.errors import ConfigErrors
from baseline.stack.existing_workflows import ExistingWorkflow
from baseline.stack.inventory import Inventory, OrgRepository
from baseline.stack.selection import resolve
from baseline.stack.validation import parse_settings

PROVIDER = {"github:owner": "example-org"}
CI = ExistingWorkflow(".github/workflows/ci.yml", "CI", runs_on_pull_requests=True)
LINT = ExistingWorkflow(".github/workflows/lint.yml", "Lint", runs_on_pull_requests=True)


def entry(**pipeline: Any) -> dict[str, Any]:
    return {"name": "billing", "adopt": True, "pipeline": {"replaces": ["ci.yml"], **pipeline}}


def run(
    repository: dict[str, Any],
    replacing: dict[str, tuple[str, ...]],
    landed: tuple[str, ...] = (),
) -> Record:
    listing = Inventory("example-org", (OrgRepository("billing"),))
    resolution = resolve(parse_settings(None, [repository]), listing)
    return mock_engine.run(
        PROVIDER,
        program=lambda: program.deploy(
            resolution, None, None, landed, owner="example-org", replacing=replacing
        ),
    )


def test_replaces_takes_workflow_file_names_other_than_the_pipelines_own() -> None:
    (repo,) = parse_settings(None, [entry()]).repositories
    assert repo.pipeline.replaces == ("ci.yml",)
    assert parse_settings(None, [{"name": "x"}]).repositories[0].pipeline.replaces == ()
    for bad in (".github/workflows/ci.yml", "ci.json", "../ci.yml", ".yml"):
        with pytest.raises(ConfigErrors) as raised:
            parse_settings(None, [{"name": "x", "pipeline": {"replaces": [bad]}}])
        (error,) = raised.value.errors
        assert error.path == "repositories[0].pipeline.replaces[0]"
        assert "a workflow file name in .github/workflows" in str(error)
    with pytest.raises(ConfigErrors) as raised:
        parse_settings({"pipeline": {"replaces": ["ci.yml", "backend-ci.yml"]}}, [{"name": "x"}])
    (error,) = raised.value.errors
    assert error.path == "defaults.pipeline.replaces"
    assert "names the baseline's own backend-ci.yml" in str(error)


def test_the_removal_follows_the_committed_pipeline_and_names_only_present_files() -> None:
    present = replaces.present(("lint.yml", "ci.yml", "gone.yml"), {"ci.yml", "lint.yml", "x.yml"})
    assert present == (".github/workflows/ci.yml", ".github/workflows/lint.yml")
    record = run(entry(), {"billing": present})
    (removal,) = record.of_type(WORKFLOW_REMOVAL)
    (component,) = record.of_type(COMPONENT)
    (workflow,) = record.of_type(WORKFLOW_FILE)
    assert removal.parent == component.urn
    # Proposed only once the pipeline's own file is on the default branch.
    assert workflow.urn in removal.depends_on
    assert removal.inputs["removing"] == list(present)
    assert removal.inputs["head"] == replaces.branch(present)
    assert (removal.inputs["owner"], removal.inputs["repository"]) == ("example-org", "billing")
    assert removal.inputs["base"] == "main"
    assert "token" not in " ".join(removal.inputs)


def test_no_removal_without_present_files_or_before_the_pipelines_pull_request_merged() -> None:
    present = (".github/workflows/ci.yml",)
    assert run(entry(), {"billing": ()}).of_type(WORKFLOW_REMOVAL) == []
    assert run(entry(), {}).of_type(WORKFLOW_REMOVAL) == []
    waiting = run(entry(delivery="pull_request"), {"billing": present})
    assert waiting.of_type(WORKFLOW_REMOVAL) == []
    merged = run(entry(delivery="pull_request"), {"billing": present}, landed=("billing",))
    (removal,) = merged.of_type(WORKFLOW_REMOVAL)
    (imported,) = merged.of_type(WORKFLOW_FILE)
    assert imported.urn in removal.depends_on


def test_a_proposal_is_named_by_its_files_whatever_their_order() -> None:
    one = replaces.branch(replaces.paths(["ci.yml", "lint.yml"]))
    assert one == replaces.branch(replaces.paths(["lint.yml", "ci.yml"]))
    assert one != replaces.branch(replaces.paths(["ci.yml"]))
    assert one.startswith("repo-baseline/replaces-")


def _settled(pipeline: dict[str, Any]) -> tuple[Any, tuple[str, ...]]:
    listing = Inventory("example-org", (OrgRepository("billing", workflows=(CI, LINT)),))
    repository = {"name": "billing", "adopt": True, "pipeline": pipeline}
    resolution = resolve(parse_settings(None, [repository]), listing)
    settled = adoption.settle(resolution, listing, None, ["billing"])
    return settled, settled.warnings[len(resolution.warnings) :]


def test_replaced_workflows_are_no_longer_reported_as_a_second_pipeline() -> None:
    _, warnings = _settled({})
    assert any("(two pipelines)" in w and "pipeline.replaces" in w for w in warnings)
    settled, warnings = _settled({"replaces": ["ci.yml"]})
    (two,) = [w for w in warnings if "(two pipelines)" in w]
    assert "lint.yml" in two
    assert "ci.yml" not in two
    assert program.replacing_known(settled) == {"billing": (".github/workflows/ci.yml",)}
    _, warnings = _settled({"replaces": ["ci.yml", "lint.yml"]})
    assert not [w for w in warnings if "(two pipelines)" in w]


def test_the_plan_says_what_is_deleted_and_why_nothing_is() -> None:
    settled, _ = _settled({"replaces": ["ci.yml"]})
    (repo,) = settled.repositories
    record = run(entry(), program.replacing_known(settled))
    children = {r.type: {"type": r.type, "inputs": r.inputs} for r in record.resources if r.parent}
    line = summary.repository_lines(repo, children)["replaces"]
    assert line.startswith(
        ".github/workflows/ci.yml: deleted by a pull request from repo-baseline/"
    )
    assert line.endswith("once the pipeline is on main")
    nothing = run(entry(), {"billing": ()})
    children = {r.type: {"type": r.type, "inputs": r.inputs} for r in nothing.resources if r.parent}
    assert "nothing to delete" in summary.repository_lines(repo, children)["replaces"]
    unread = parse_settings(None, [entry()]).repositories[0]
    assert "`pulumi preview` reads them" in summary.repository_lines(unread, children)["replaces"]
