"""`protection.enforcement: evaluate` and `protection.lock_workflow`: validated, turned into the
rulesets' inputs, shown in the plan, counted by the removal guard and healed after a killed run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pulumi
import pytest

from baseline import heal
from baseline.plan import mock_engine
from baseline.plan.offline import main as plan_main
from baseline.resources import organization, program
from baseline.resources.resource_types import RULESET_NAME, WORKFLOW_LOCK_NAME
from baseline.stack import removals
from baseline.stack.selection import resolve
from baseline.stack.settings import ProtectionSettings, Removals
from baseline.stack.validation import parse_settings, warnings_for
from tests.baseline.test_config import errors_of

APP = [{"app_id": 1001}]
WORKFLOW = ".github/workflows/backend-ci.yml"


def _errors(protection: dict[str, Any], **entry: Any) -> list[tuple[str, str, str]]:
    errors = errors_of(None, [{"name": "api", "protection": protection, **entry}])
    return [(e.path, e.found, e.allowed) for e in errors]


# --- Validation ---------------------------------------------------------------------------------


def test_evaluate_is_refused_with_classic_protection() -> None:
    [(path, found, allowed)] = _errors({"kind": "classic", "enforcement": "evaluate"})
    assert path == "repositories[0].protection.enforcement"
    assert found == '"evaluate" with kind "classic"'
    assert "classic branch protection has no evaluate mode" in allowed


def test_an_unknown_enforcement_is_refused_naming_both() -> None:
    [(path, found, allowed)] = _errors({"enforcement": "disabled"})
    assert path == "repositories[0].protection.enforcement"
    assert '"disabled"' in found
    assert allowed == "one of: active, evaluate"


def test_the_lock_needs_the_app_it_lets_through() -> None:
    [(path, found, allowed)] = _errors({"lock_workflow": True})
    assert path == "repositories[0].protection.lock_workflow"
    assert found == "true with no bypass_actors"
    assert "the baseline's own updates included" in allowed


def test_the_lock_is_refused_with_pull_request_delivery() -> None:
    [(path, found, allowed)] = _errors(
        {"lock_workflow": True, "bypass_actors": APP}, pipeline={"delivery": "pull_request"}
    )
    assert path == "repositories[0].protection.lock_workflow"
    assert found == 'true with pipeline.delivery "pull_request"'
    assert "the merge of the pipeline's own pull request by people included" in allowed


def test_evaluate_and_a_public_lock_are_warned_about() -> None:
    settings = parse_settings(
        {"protection": {"lock_workflow": True, "bypass_actors": APP}},
        [
            {"name": "api"},
            {"name": "site", "settings": {"visibility": "public"}},
            {"name": "dry", "protection": {"scope": "organization", "enforcement": "evaluate"}},
        ],
    )
    warnings = warnings_for(settings.repositories)
    assert any(w.startswith("dry: protection.enforcement is evaluate") for w in warnings)
    assert any(
        w.startswith("site: protection.lock_workflow on a public repository: not applied")
        for w in warnings
    )
    assert not any(w.startswith("api:") for w in warnings)
    locks = {repo.name: repo.locks_workflow for repo in settings.repositories}
    assert locks == {"api": True, "site": False, "dry": True}


# --- What the program registers -----------------------------------------------------------------


def deploy_record(defaults: dict[str, Any], entries: list[dict[str, Any]]) -> mock_engine.Record:
    """What the program registers for `defaults` and `entries`, offline."""
    settings = parse_settings(defaults, entries)
    record = mock_engine.Record()
    mock_engine.run(
        {"github:owner": "example-org"},
        program=lambda: program.deploy(resolve(settings, None)),
        record=record,
    )
    return record


def test_the_lock_is_a_push_ruleset_on_the_workflow_file_after_it() -> None:
    record = deploy_record(
        {"protection": {"lock_workflow": True, "bypass_actors": APP}},
        [{"name": "api"}, {"name": "site", "settings": {"visibility": "public"}}],
    )
    by_name = {r.name: r for r in record.resources}
    lock = by_name["api-workflow-lock"]
    assert lock.type == "github:index/repositoryRuleset:RepositoryRuleset"
    assert lock.inputs["name"] == WORKFLOW_LOCK_NAME
    assert (lock.inputs["target"], lock.inputs["enforcement"]) == ("push", "active")
    assert "conditions" not in lock.inputs
    assert lock.inputs["rules"] == {"filePathRestriction": {"restrictedFilePaths": [WORKFLOW]}}
    assert lock.inputs["bypassActors"] == [
        {"actorType": "Integration", "actorId": 1001, "bypassMode": "always"}
    ]
    assert by_name["api-workflow"].urn in lock.depends_on
    assert "site-workflow-lock" not in by_name  # public: no push rulesets there
    assert by_name["api-ruleset"].inputs["enforcement"] == "active"


def test_evaluate_reaches_the_repository_and_the_organization_ruleset() -> None:
    record = deploy_record(
        {"protection": {"enforcement": "evaluate"}},
        [{"name": "api"}, {"name": "web", "protection": {"scope": "organization"}}],
    )
    by_type = {r.name: r for r in record.resources}
    assert by_type["api-ruleset"].inputs["enforcement"] == "evaluate"
    [shared] = [r for r in record.resources if r.type.endswith("OrganizationRuleset")]
    assert shared.inputs["enforcement"] == "evaluate"


def test_an_organization_ruleset_keeps_its_name_unless_it_changes() -> None:
    checks = ("Gate",)
    before = organization.group_key(ProtectionSettings(), checks)
    # The digest made before these settings existed: an upgrade renames no ruleset.
    assert before == organization.group_key(ProtectionSettings(lock_workflow=True), checks)
    assert before != organization.group_key(ProtectionSettings(enforcement="evaluate"), checks)


# --- The plan -----------------------------------------------------------------------------------


def _plan_text(tmp_path: Path, body: str) -> str:
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text("config:\n  github:owner: example-org\n" + body, encoding="utf-8")
    stream = io.StringIO()
    assert plan_main(["--config", str(stack)], stdout=stream) == 0
    return stream.getvalue()


def test_the_plan_says_who_may_change_the_file_and_where_it_stays_unlocked(
    tmp_path: Path,
) -> None:
    text = _plan_text(
        tmp_path,
        """  repo-baseline:defaults:
    protection: {lock_workflow: true, bypass_actors: [{app_id: 1001}]}
  repo-baseline:repositories:
    - name: api
    - name: site
      settings: {visibility: public}
    - name: dry
      protection: {enforcement: evaluate}
""",
    )
    assert (
        f'workflow lock    {WORKFLOW} locked by push ruleset "{WORKFLOW_LOCK_NAME}": only app '
        "1001 may change it"
    ) in text
    assert (
        "workflow lock    NOT locked: a public repository (push rulesets need a private or "
        "internal one)"
    ) in text
    assert "ruleset on ~DEFAULT_BRANCH (EVALUATE: a dry run, it blocks nothing)" in text
    assert "policy protection-enforced (advisory) on dry:" in text
    assert "RepositoryRuleset (push)" in text


# --- The removal guard --------------------------------------------------------------------------


def _output(**extra: Any) -> dict[str, Any]:
    return {"url": "u", "protection_kind": "ruleset", "required_checks": ["Gate"], **extra}


def _configs(defaults: dict[str, Any], names: list[str]) -> Any:
    return parse_settings(defaults, [{"name": name} for name in names]).repositories


def test_switching_to_evaluate_or_unlocking_counts_as_taking_protection_away() -> None:
    names = ["a", "b", "c"]
    previous = {name: _output() for name in names}
    found = removals.removal(
        previous, names, _configs({"protection": {"enforcement": "evaluate"}}, names)
    )
    assert found == removals.Removal((), 3, ("a", "b", "c"))
    assert found.count == 3
    locked = {name: _output(workflow_locked=True) for name in names}
    assert removals.removal(locked, names, _configs({}, names)).weakened == ("a", "b", "c")
    lock = {"protection": {"lock_workflow": True, "bypass_actors": APP}}
    assert removals.removal(locked, names, _configs(lock, names)).weakened == ()
    # Already evaluating, or not protected by the last run (its pipeline in a pull request).
    evaluating = {"a": _output(enforcement="evaluate"), "b": _output(protection_kind="pending")}
    dry = _configs({"protection": {"enforcement": "evaluate"}}, ["a", "b"])
    assert removals.removal(evaluating, ["a", "b"], dry).weakened == ()


def test_a_bulk_switch_to_evaluate_stops_the_run_and_says_how_to_allow_it() -> None:
    names = [f"svc-{i:02d}" for i in range(10)]
    previous = {name: _output() for name in names}
    found = removals.removal(
        previous, names, _configs({"protection": {"enforcement": "evaluate"}}, names)
    )
    with pytest.raises(removals.RemovalRefusedError) as refused:
        removals.check(found, Removals(), "prod", {})
    message = str(refused.value)
    assert "10 repositories of stack prod keep less protection than their last run" in message
    assert (
        "a ruleset switched to evaluate mode (protection.enforcement) enforces nothing" in message
    )
    assert "REPO_BASELINE_ALLOW_REMOVALS=10" in message
    assert removals.check(found, Removals(), "prod", {"REPO_BASELINE_ALLOW_REMOVALS": "10"})
    scheduled = {"REPO_BASELINE_ALLOW_REMOVALS": "10", "GITHUB_EVENT_NAME": "schedule"}
    with pytest.raises(removals.RemovalRefusedError):
        removals.check(found, Removals(), "prod", scheduled)


def test_the_program_refuses_a_bulk_switch_before_registering_anything() -> None:
    names = [f"svc-{i:02d}" for i in range(10)]
    settings = parse_settings(
        {"protection": {"enforcement": "evaluate"}}, [{"name": n} for n in names]
    )
    record = mock_engine.Record()
    with pytest.raises(pulumi.RunError, match="keep less protection"):
        mock_engine.run(
            {"github:owner": "example-org"},
            program=lambda: program.deploy(
                resolve(settings, None), {n: _output() for n in names}, Removals()
            ),
            record=record,
        )
    assert [r.type for r in record.resources] == ["pulumi:pulumi:Stack"]


def test_the_outputs_record_a_dry_run_and_a_lock() -> None:
    record = deploy_record(
        {"protection": {"lock_workflow": True, "bypass_actors": APP, "enforcement": "evaluate"}},
        [{"name": "api"}],
    )
    [output] = record.stack_outputs()["repositories"].values()
    assert output["enforcement"] == "evaluate"
    assert output["workflow_locked"] is True


# --- Healing a killed run -----------------------------------------------------------------------


def test_heal_finds_a_lock_the_killed_run_made_and_never_recorded() -> None:
    [repo] = _configs({"protection": {"lock_workflow": True, "bypass_actors": APP}}, ["api"])
    ruleset: dict[str, Any] = {
        "urn": "urn:x::api-ruleset",
        "type": "github:index/repositoryRuleset:RepositoryRuleset",
        "id": "7",
        "inputs": {"repository": "api", "name": RULESET_NAME},
    }
    manifest = {"time": "2026-12-01T10:00:00.000000000Z"}
    deployment = {"manifest": manifest, "resources": [ruleset]}
    listed = [
        {"id": 7, "name": RULESET_NAME, "created_at": "2026-11-30T10:00:00Z"},
        {"id": 9, "name": WORKFLOW_LOCK_NAME, "created_at": "2026-12-01T10:00:05Z"},
    ]
    asked: list[str] = []

    def get(path: str) -> Any:
        asked.append(path)
        return listed

    [orphan] = heal.find_unrecorded(deployment, [repo], "example-org", get, "dev")
    assert orphan.label == f'ruleset 9 "{WORKFLOW_LOCK_NAME}" of api'
    assert orphan.path.endswith("repos/example-org/api/rulesets/9")
    assert len(asked) == 1
    # Both recorded: nothing is read.
    lock = {**ruleset, "id": "9", "inputs": {"repository": "api", "name": WORKFLOW_LOCK_NAME}}
    recorded = {"manifest": manifest, "resources": [ruleset, lock]}
    assert heal.find_unrecorded(recorded, [repo], "example-org", get, "dev") == ()
    assert len(asked) == 1


# --- More of what rulesets can require ----------------------------------------------------------


def test_the_rules_only_a_ruleset_has_are_refused_with_classic_protection() -> None:
    found = _errors(
        {
            "kind": "classic",
            "merge_methods_enforced": True,
            "copilot_review": "opened",
            "code_scanning": [{"tool": "CodeQL"}],
        }
    )
    assert [path for path, _, _ in found] == [
        "repositories[0].protection.merge_methods_enforced",
        "repositories[0].protection.copilot_review",
        "repositories[0].protection.code_scanning",
    ]
    assert found[0][1] == 'true (a boolean) with kind "classic"'
    assert all('only with kind "ruleset"' in allowed for _, _, allowed in found)


def test_a_code_scanning_threshold_outside_github_s_is_refused() -> None:
    [(path, found, allowed)] = _errors(
        {"code_scanning": [{"tool": "CodeQL", "security_alerts": "high"}]}
    )
    assert path == "repositories[0].protection.code_scanning[0].security_alerts"
    assert '"high"' in found
    assert "high_or_higher" in allowed


def test_the_ruleset_allows_the_merge_methods_the_settings_allow() -> None:
    record = deploy_record(
        {"protection": {"merge_methods_enforced": True}},
        [
            {"name": "api", "settings": {"allow_rebase_merge": True}},
            {"name": "web", "protection": {"scope": "organization"}},
            {"name": "docs", "protection": {"merge_methods_enforced": False}},
        ],
    )
    by_name = {r.name: r for r in record.resources}
    methods = by_name["api-ruleset"].inputs["rules"]["pullRequest"]["allowedMergeMethods"]
    assert methods == ["squash", "rebase"]
    [shared] = [r for r in record.resources if r.type.endswith("OrganizationRuleset")]
    assert shared.inputs["rules"]["pullRequest"]["allowedMergeMethods"] == ["squash"]
    # Not enforced: not sent, and the provider keeps what GitHub has.
    assert "allowedMergeMethods" not in by_name["docs-ruleset"].inputs["rules"]["pullRequest"]


def test_copilot_review_and_code_scanning_become_rules() -> None:
    record = deploy_record(
        {
            "protection": {
                "copilot_review": "every_push",
                "code_scanning": [
                    {"tool": "CodeQL", "alerts": "all", "security_alerts": "critical"}
                ],
            }
        },
        [{"name": "api"}, {"name": "web", "protection": {"copilot_review": "opened"}}],
    )
    by_name = {r.name: r for r in record.resources}
    rules = by_name["api-ruleset"].inputs["rules"]
    assert rules["copilotCodeReview"] == {"reviewOnPush": True, "reviewDraftPullRequests": False}
    assert rules["requiredCodeScanning"] == {
        "requiredCodeScanningTools": [
            {"tool": "CodeQL", "alertsThreshold": "all", "securityAlertsThreshold": "critical"}
        ]
    }
    assert by_name["web-ruleset"].inputs["rules"]["copilotCodeReview"]["reviewOnPush"] is False
    warnings = warnings_for(
        parse_settings(
            {"protection": {"code_scanning": [{"tool": "CodeQL"}]}}, [{"name": "a"}]
        ).repositories
    )
    assert any("needs GitHub Code Security" in w for w in warnings)


def test_organization_rulesets_split_by_the_merge_methods_they_allow() -> None:
    settings = parse_settings(
        {"protection": {"scope": "organization", "merge_methods_enforced": True}},
        [{"name": "a"}, {"name": "b", "settings": {"allow_merge_commit": True}}, {"name": "c"}],
    )
    groups = organization.groups(settings.repositories, {n: ("Gate",) for n in "abc"})
    assert [(g.repositories, g.merge_methods) for g in groups] == [
        (("a", "c"), ("squash",)),
        (("b",), ("merge", "squash")),
    ]


def test_one_weakened_repository_is_said_in_the_singular() -> None:
    line = removals.check(removals.Removal((), 3, ("api",)), Removals(), "prod", {})
    assert line is not None
    assert line.startswith("1 repository of stack prod keeps less protection than its")
