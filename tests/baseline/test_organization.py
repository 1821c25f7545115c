"""Organization mode and selection through the whole offline plan: the real program under the
mock engine, with a saved listing of the organization (`--inventory`)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from baseline.plan.offline import main
from baseline.resources.organization import group_key
from baseline.resources.resource_types import (
    COMPONENT,
    ORGANIZATION_RULESET,
    RULESET,
    WORKFLOW_FILE,
)
from baseline.stack.inventory import Inventory, OrgRepository, dump
from baseline.stack.settings import ProtectionSettings

ROOT = Path(__file__).resolve().parents[2]
GATE_AND_ORGANIZATION = {
    "pipeline": {"gate": True},
    "protection": {"scope": "organization", "bypass_actors": [{"app_id": 1234567}]},
}


def write_stack(tmp_path: Path, config: dict[str, Any], stack: str = "org") -> Path:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": {"github:owner": "example-org", **config}}))
    return path


def write_inventory(tmp_path: Path, *repositories: OrgRepository) -> Path:
    path = tmp_path / "inventory.json"
    path.write_text(dump(Inventory("example-org", repositories)))
    return path


def plan(*args: str | Path) -> tuple[int, str]:
    stream = io.StringIO()
    code = main([str(arg) for arg in args], stdout=stream)
    return code, stream.getvalue()


def plan_json(stack: Path, inventory: Path) -> dict[str, Any]:
    code, out = plan("--config", stack, "--inventory", inventory, "--json")
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


def of_type(document: dict[str, Any], type_token: str) -> list[dict[str, Any]]:
    return [r for r in document["resources"] if r["type"] == type_token]


def backends(count: int) -> list[OrgRepository]:
    return [OrgRepository(f"backend-{i:04}", topics=("django",)) for i in range(count)]


def select(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"repo-baseline:select": {"rules": list(rules)}}


def test_a_thousand_selected_repositories_share_one_organization_ruleset(tmp_path: Path) -> None:
    stack = write_stack(
        tmp_path,
        {
            "repo-baseline:defaults": GATE_AND_ORGANIZATION,
            **select({"name": "django", "topics": ["django"]}),
        },
    )
    document = plan_json(stack, write_inventory(tmp_path, *backends(1000)))
    (ruleset,) = of_type(document, ORGANIZATION_RULESET)
    assert of_type(document, RULESET) == []
    assert len(of_type(document, COMPONENT)) == 1000
    inputs = ruleset["inputs"]
    assert inputs["conditions"]["repositoryName"] == {
        "includes": [f"backend-{i:04}" for i in range(1000)],
        "excludes": [],
    }
    assert inputs["conditions"]["refName"]["includes"] == ["~DEFAULT_BRANCH"]
    assert inputs["rules"]["requiredStatusChecks"]["requiredChecks"] == [
        {"context": "Gate", "integrationId": 15368}
    ]
    assert inputs["bypassActors"] == [
        {"actorType": "Integration", "actorId": 1234567, "bypassMode": "always"}
    ]
    assert inputs["name"].startswith("repo-baseline org: default branch ")
    # After every workflow file: a repository joins only once its pipeline is on the branch.
    files = {r["urn"] for r in of_type(document, WORKFLOW_FILE)}
    assert set(ruleset["options"]["depends_on"]) == files
    # Every selected repository is imported, none created; the policies pass.
    imports = [
        r["options"]["import_id"]
        for r in document["resources"]
        if r["name"].endswith("-repository")
    ]
    assert imports == [f"backend-{i:04}" for i in range(1000)]
    assert [v for v in document["policy_violations"] if v["enforcement"] == "mandatory"] == []


def test_different_protections_get_a_ruleset_each_and_repository_scope_stays(
    tmp_path: Path,
) -> None:
    stack = write_stack(
        tmp_path,
        {
            "repo-baseline:defaults": GATE_AND_ORGANIZATION,
            **select(
                {
                    "name": "payments",
                    "topics": ["payments"],
                    "protection": {"required_approvals": 2},
                },
                {"name": "own", "topics": ["own"], "protection": {"scope": "repository"}},
                {"name": "rest"},
            ),
        },
    )
    inventory = write_inventory(
        tmp_path,
        OrgRepository("ledger", topics=("payments",)),
        OrgRepository("risk", topics=("payments",)),
        OrgRepository("api"),
        OrgRepository("special", topics=("own",)),
    )
    document = plan_json(stack, inventory)
    rulesets = {
        tuple(r["inputs"]["conditions"]["repositoryName"]["includes"]): r
        for r in of_type(document, ORGANIZATION_RULESET)
    }
    assert set(rulesets) == {("ledger", "risk"), ("api",)}
    approvals = rulesets["ledger", "risk"]["inputs"]["rules"]["pullRequest"]
    assert approvals["requiredApprovingReviewCount"] == 2
    (own,) = of_type(document, RULESET)
    assert own["inputs"]["repository"] == "special"


def test_a_groups_ruleset_keeps_its_name_as_repositories_come_and_go(tmp_path: Path) -> None:
    stack = write_stack(
        tmp_path, {"repo-baseline:defaults": GATE_AND_ORGANIZATION, **select({"name": "all"})}
    )
    names = []
    for count in (3, 5):
        document = plan_json(stack, write_inventory(tmp_path, *backends(count)))
        (ruleset,) = of_type(document, ORGANIZATION_RULESET)
        names.append((ruleset["name"], ruleset["inputs"]["name"]))
    assert names[0] == names[1]
    key = group_key(ProtectionSettings(scope="organization", bypass_actors=()), ("Gate",))
    assert len(key) == 8


def test_without_the_gate_the_ruleset_requires_each_job(tmp_path: Path) -> None:
    stack = write_stack(
        tmp_path,
        {
            "repo-baseline:defaults": {"protection": {"scope": "organization"}},
            **select({"name": "all"}),
        },
    )
    document = plan_json(stack, write_inventory(tmp_path, *backends(2)))
    (ruleset,) = of_type(document, ORGANIZATION_RULESET)
    contexts = [
        c["context"] for c in ruleset["inputs"]["rules"]["requiredStatusChecks"]["requiredChecks"]
    ]
    assert "Gate" not in contexts
    assert len(contexts) > 3


def test_the_plan_says_which_rule_chose_each_repository(tmp_path: Path) -> None:
    code, out = plan(
        "--config",
        ROOT / "examples" / "Pulumi.select.yaml",
        "--inventory",
        ROOT / "examples" / "inventory.json",
    )
    assert code == 0, out
    assert "Repositories chosen by rule: django-backends 2, payments-team 1; listed in " in out
    assert 'orders-api: adopt (import), chosen by rule "django-backends"' in out
    assert 'ledger: adopt (import), chosen by rule "payments-team"' in out
    assert "old-billing" not in out
    assert "sandbox-alice" not in out
    assert "fork" not in out
    assert "required checks  Gate (each pinned to app 15368)" in out


def test_selecting_without_a_listing_exits_2_and_says_how_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = write_stack(tmp_path, select({"name": "all"}))
    code, out = plan("--config", stack)
    assert (code, out) == (2, "")
    assert "--inventory FILE" in capsys.readouterr().err


def test_a_broken_listing_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = write_stack(tmp_path, select({"name": "all"}))
    broken = tmp_path / "inventory.json"
    broken.write_text('{"repositories": [{"id": 1}]}')
    code, _ = plan("--config", stack, "--inventory", broken)
    assert code == 2
    assert "not an inventory" in capsys.readouterr().err


def test_more_organization_rulesets_than_github_allows_are_warned_about(tmp_path: Path) -> None:
    rules = [
        {
            "name": f"team-{i}",
            "names": [f"backend-{i:04}"],
            "protection": {"bypass_actors": [{"app_id": 1000 + i}]},
        }
        for i in range(76)
    ]
    stack = write_stack(
        tmp_path, {"repo-baseline:defaults": GATE_AND_ORGANIZATION, **select(*rules)}
    )
    document = plan_json(stack, write_inventory(tmp_path, *backends(76)))
    assert len(of_type(document, ORGANIZATION_RULESET)) == 76
    assert any(
        w.startswith(
            "organization scope needs 76 organization rulesets, and GitHub allows at most 75"
        )
        for w in document["warnings"]
    )
