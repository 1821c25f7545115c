"""`pipeline.delivery: central`: validated, nothing committed to the repositories it serves, the
pipeline committed once per content to a pinned branch of the central repository, and the
organization ruleset requiring it there."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pulumi
import pytest

from baseline.plan import mock_engine
from baseline.plan.offline import main as plan_main
from baseline.resources import program
from baseline.resources.delivery import proposal_branch
from baseline.stack.validation import parse_settings, warnings_for
from tests.baseline.test_config import errors_of
from tests.baseline.test_protection_modes import deploy_record
from workflows.templates import rendered_pipeline

CENTRAL = {"delivery": "central", "central_repository": "baseline-ci", "gate": True}
ORGANIZATION = {"scope": "organization"}


def _errors(pipeline: dict[str, Any], protection: dict[str, Any] | None = None) -> list[Any]:
    entry = {"name": "api", "pipeline": pipeline, "protection": protection or ORGANIZATION}
    return [(e.path, e.found, e.allowed) for e in errors_of(None, [entry])]


def test_central_needs_its_repository_and_the_repository_only_central() -> None:
    [(path, found, allowed)] = _errors({"delivery": "central"})
    assert path == "repositories[0].pipeline.delivery"
    assert found == '"central" with no central_repository'
    assert 'central_repository: "baseline-ci"' in allowed
    [(path, found, _)] = _errors({"central_repository": "baseline-ci"})
    assert path == "repositories[0].pipeline.delivery"
    assert found == '"commit" with central_repository "baseline-ci"'


def test_central_needs_organization_scope_and_replaces_nothing() -> None:
    [(path, found, allowed)] = _errors(CENTRAL, {"scope": "repository"})
    assert path == "repositories[0].pipeline.delivery"
    assert found == '"central" with protection.scope "repository"'
    assert "rule of organization rulesets only" in allowed
    [(path, _, _)] = _errors({**CENTRAL, "replaces": ["ci.yml"]})
    assert path == "repositories[0].pipeline.replaces"
    lock = {**ORGANIZATION, "lock_workflow": True, "bypass_actors": [{"app_id": 1}]}
    [(path, found, _)] = _errors(CENTRAL, lock)
    assert (path, found) == (
        "repositories[0].protection.lock_workflow",
        'true with pipeline.delivery "central"',
    )


def _record(entries: list[dict[str, Any]]) -> mock_engine.Record:
    return deploy_record({"pipeline": CENTRAL, "protection": ORGANIZATION}, entries)


def test_nothing_is_committed_and_the_ruleset_requires_the_pinned_central_workflow() -> None:
    record = _record(
        [
            {"name": "api"},
            {"name": "web"},
            {"name": "tools", "pipeline": {"python_version": "3.11"}},
        ]
    )
    files = [r for r in record.resources if r.type.endswith(":RepositoryFile")]
    branches = [r for r in record.resources if r.type.endswith(":Branch")]
    rulesets = [r for r in record.resources if r.type.endswith(":OrganizationRuleset")]
    # One file and one branch per content, both in the central repository; none elsewhere.
    assert {f.inputs["repository"] for f in files} == {"baseline-ci"}
    assert len(files) == len(branches) == len(rulesets) == 2
    pipeline = rendered_pipeline(
        "backend-ci",
        parse_settings({"pipeline": CENTRAL, "protection": ORGANIZATION}, [{"name": "api"}])
        .repositories[0]
        .pipeline.options,
    )
    branch = proposal_branch(pipeline)
    shared = next(
        r for r in rulesets if "api" in r.inputs["conditions"]["repositoryName"]["includes"]
    )
    assert shared.inputs["conditions"]["repositoryName"]["includes"] == ["api", "web"]
    rules = shared.inputs["rules"]
    assert "requiredStatusChecks" not in rules
    [required] = rules["requiredWorkflows"]["requiredWorkflows"]
    assert (required["path"], required["ref"]) == (pipeline.path, f"refs/heads/{branch}")
    central_file = next(f for f in files if f.inputs["branch"] == branch)
    assert central_file.inputs["content"] == pipeline.content
    assert central_file.urn in shared.depends_on
    assert all(f.retain_on_delete for f in [*files, *branches])
    [invoke] = record.invokes
    assert invoke.args["name"] == "baseline-ci"
    outputs = record.stack_outputs()["repositories"]
    assert outputs["api"]["required_checks"] == ["Gate"]
    assert outputs["api"]["protection_kind"] == "organization"


def test_the_plan_says_where_the_pipeline_is(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(
        "config:\n  github:owner: example-org\n  repo-baseline:defaults:\n"
        "    pipeline: {gate: true, delivery: central, central_repository: baseline-ci}\n"
        "    protection: {scope: organization}\n"
        "  repo-baseline:repositories:\n    - name: api\n    - name: web\n",
        encoding="utf-8",
    )
    stream = io.StringIO()
    assert plan_main(["--config", str(stack)], stdout=stream) == 0
    text = stream.getvalue()
    assert "workflow         none in the repository: .github/workflows/backend-ci.yml of " in text
    assert "baseline-ci at refs/heads/repo-baseline/" in text
    assert "required checks  the central workflow must pass (its jobs: Gate)" in text
    assert "0 policy violations" in text
    assert "pipeline.delivery is central" in text  # the warning
    assert "the ruleset has no bypass_actors" not in text  # no file to update under protection


class _Org:
    """`inventory.organization_plan` stood in for: the plan a token sees."""

    def __init__(self, plan: str | None) -> None:
        self.plan = plan

    def __call__(self, owner: str, token: str, base_url: str | None) -> str | None:
        return self.plan


@pytest.mark.parametrize("plan", ["team", "free"])
def test_another_plan_than_enterprise_is_refused_pointing_to_the_other_deliveries(
    plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setattr("baseline.stack.inventory.organization_plan", _Org(plan))
    settings = parse_settings({"pipeline": CENTRAL, "protection": ORGANIZATION}, [{"name": "a"}])
    with pytest.raises(pulumi.RunError) as refused:
        program.check_central_plan("example-org", settings.repositories)
    message = str(refused.value)
    assert f"example-org is on the {plan} plan. Nothing was changed." in message
    assert 'pipeline.delivery "commit"' in message
    monkeypatch.setattr("baseline.stack.inventory.organization_plan", _Org("enterprise"))
    program.check_central_plan("example-org", settings.repositories)


def test_the_central_repository_chosen_for_itself_is_warned_about() -> None:
    settings = parse_settings(
        {"pipeline": CENTRAL, "protection": ORGANIZATION}, [{"name": "Baseline-CI"}]
    )
    [warning] = warnings_for(settings.repositories)
    assert warning.startswith("Baseline-CI: pipeline.delivery is central and this is the central")
