"""The whole program (`__main__.py`) under Pulumi's mock engine, on the example stack and on
the changes the README's "What happens when…" describes."""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pytest

from baseline.plan import mock_engine
from baseline.plan.mock_engine import Record, Registration
from workflows import backend_ci as backend_ci_module

PER_REPOSITORY = {
    "github:index/repository:Repository": "repository",
    "github:index/repositoryFile:RepositoryFile": "workflow",
    "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts": (
        "vulnerability-alerts"
    ),
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates": (
        "dependabot-security-updates"
    ),
    "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions": (
        "actions-permissions"
    ),
    "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions": (
        "workflow-permissions"
    ),
}
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
CLASSIC = "github:index/branchProtectionV3:BranchProtectionV3"
COMPONENT = "repo-baseline:index:RepositoryBaseline"
EXAMPLE = {"shop-frontend-api": RULESET, "billing-service": RULESET, "legacy-portal": CLASSIC}


@pytest.fixture(scope="module")
def example(example_config: dict[str, Any]) -> Record:
    return mock_engine.run(example_config)


def _children(record: Record, repository: str) -> dict[str, Registration]:
    component = next(r for r in record.of_type(COMPONENT) if r.name == repository)
    return {r.type: r for r in record.resources if r.parent == component.urn}


def _with_repositories(config: dict[str, Any], repositories: list[Any]) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    changed["repo-baseline:repositories"] = repositories
    return changed


def test_each_repository_gets_exactly_the_expected_resources(example: Record) -> None:
    assert sorted(r.name for r in example.of_type(COMPONENT)) == sorted(EXAMPLE)
    for repository, protection in EXAMPLE.items():
        children = _children(example, repository)
        assert set(children) == {*PER_REPOSITORY, protection}
        for type_token, suffix in PER_REPOSITORY.items():
            assert children[type_token].name == f"{repository}-{suffix}"
    assert len(example.resources) == 1 + len(EXAMPLE) * (1 + len(PER_REPOSITORY) + 1)


def test_protection_depends_on_the_workflow_file(example: Record) -> None:
    for repository, protection in EXAMPLE.items():
        children = _children(example, repository)
        workflow = children["github:index/repositoryFile:RepositoryFile"]
        assert workflow.urn in children[protection].depends_on


def test_nothing_with_history_is_ever_deleted(example: Record) -> None:
    for repository, protection in EXAMPLE.items():
        children = _children(example, repository)
        for type_token in PER_REPOSITORY:
            assert children[type_token].retain_on_delete, (repository, type_token)
        # The protection alone is deleted when it leaves the program (see component docstring).
        assert not children[protection].retain_on_delete
        assert not children[protection].delete_before_replace


def test_only_the_adopted_repository_is_imported(example: Record) -> None:
    imports = {r.name: r.import_id for r in example.of_type("github:index/repository:Repository")}
    assert imports == {
        "shop-frontend-api-repository": None,
        "billing-service-repository": "billing-service",
        "legacy-portal-repository": None,
    }
    for r in example.resources:
        if r.type != "github:index/repository:Repository":
            assert r.import_id is None


def test_no_data_source_is_called(example: Record) -> None:
    assert example.invokes == []


def test_exports_per_repository(example: Record) -> None:
    exported = example.stack_outputs()["repositories"]
    assert set(exported) == set(EXAMPLE)
    assert exported["legacy-portal"]["protection_kind"] == "classic"
    assert exported["billing-service"]["required_checks"][3:5] == [
        "Test Suite (Pytest) (3.11)",
        "Test Suite (Pytest) (3.12)",
    ]


def test_warnings_are_logged_once_per_problem(example: Record) -> None:
    # Two repositories share the ruleset's problem, one has classic protection's; the adopted
    # one's existing workflows use actions by tag (so SHA pinning stays off) and run on pull
    # requests (two pipelines).
    assert [warning.split(":", 1)[0] for warning in example.warnings] == [
        "2 repositories (shop-frontend-api, billing-service)",
        "legacy-portal",
        "billing-service",
        "billing-service",
    ]
    assert all("409" in warning for warning in example.warnings[:2])
    assert "sha_pinning_required stays off" in example.warnings[2]
    assert "actions/checkout@v4" in example.warnings[2]
    assert "(two pipelines): .github/workflows/ci.yml" in example.warnings[3]


def test_a_bad_config_registers_nothing(example_config: dict[str, Any]) -> None:
    broken = _with_repositories(example_config, [{"name": "ok"}, {"name": "bad name!"}])
    record = Record()
    with pytest.raises(pulumi.RunError) as raised:
        mock_engine.run(broken, record=record)
    assert "repositories[1] (bad name!).name" in str(raised.value)
    assert "Traceback" not in str(raised.value)
    # The program raised before its first resource: nothing but the stack itself exists.
    assert [r.type for r in record.resources] == ["pulumi:pulumi:Stack"]


def test_a_repository_leaving_the_config_is_retained(example_config: dict[str, Any]) -> None:
    before = mock_engine.run(example_config)
    after = mock_engine.run(
        _with_repositories(
            example_config,
            [{"name": "shop-frontend-api"}, {"name": "billing-service", "adopt": True}],
        )
    )
    gone = {r.urn for r in before.resources} - {r.urn for r in after.resources}
    kept_types = {*PER_REPOSITORY}
    # The engine deletes what the program no longer registers, honouring the options recorded
    # in the state at the last `pulumi up`: the repository and everything with history stay.
    for r in before.resources:
        if r.urn in gone and r.type in kept_types:
            assert r.retain_on_delete, r.urn
    assert any(
        r.type == "github:index/repository:Repository" for r in before.resources if r.urn in gone
    )


def test_renaming_a_job_changes_workflow_and_check_in_one_run(
    example_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflows.templates import rendered_pipeline

    original = backend_ci_module._quality_job

    def renamed(options: Any, job_id: str, name: str, command: str, timeout: int) -> Any:
        return original(options, job_id, "Ruff" if job_id == "lint" else name, command, timeout)

    monkeypatch.setattr(backend_ci_module, "_quality_job", renamed)
    rendered_pipeline.cache_clear()
    try:
        record = mock_engine.run(example_config)
    finally:
        rendered_pipeline.cache_clear()
    children = _children(record, "shop-frontend-api")
    workflow = children["github:index/repositoryFile:RepositoryFile"]
    ruleset = children[RULESET]
    checks = [
        c["context"] for c in ruleset.inputs["rules"]["requiredStatusChecks"]["requiredChecks"]
    ]
    assert "name: Ruff\n" in workflow.inputs["content"]
    assert checks[0] == "Ruff"
    assert "Lint Check (Ruff)" not in checks
    # The protection waits for the new workflow: the engine updates the file first.
    assert workflow.urn in ruleset.depends_on


def test_changing_the_protection_kind_creates_the_new_one_first(
    example_config: dict[str, Any],
) -> None:
    classic = _with_repositories(
        example_config, [{"name": "shop-frontend-api", "protection": {"kind": "classic"}}]
    )
    before = _children(mock_engine.run(example_config), "shop-frontend-api")
    after = _children(mock_engine.run(classic), "shop-frontend-api")
    # A different resource (another type and URN), not a replacement of the same one: the engine
    # creates it during the update and deletes the old ruleset only at the end.
    assert RULESET in before
    assert CLASSIC in after
    assert RULESET not in after
    assert before[RULESET].urn != after[CLASSIC].urn
    assert not after[CLASSIC].delete_before_replace
    assert after["github:index/repositoryFile:RepositoryFile"].urn in after[CLASSIC].depends_on


def test_adopting_replaces_an_existing_workflow_file_keeping_its_history(
    example: Record,
) -> None:
    workflow = _children(example, "billing-service")["github:index/repositoryFile:RepositoryFile"]
    # overwrite_on_create: the generated file replaces one at the same path with a commit, so the
    # old content stays in the branch's history; without it the create would fail.
    assert workflow.inputs["overwriteOnCreate"] is True
    assert workflow.retain_on_delete


def test_a_scalar_where_the_list_belongs_is_reported_like_any_problem() -> None:
    with pytest.raises(pulumi.RunError) as raised:
        mock_engine.run({"repo-baseline:repositories": "shop-backend"})
    assert 'repositories: found "shop-backend"; allowed: a non-empty list' in str(raised.value)
