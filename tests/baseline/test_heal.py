"""`repo-baseline heal`: what it finds in a state and GitHub, and the state it writes back."""

from __future__ import annotations

from typing import Any

import pytest

from baseline import heal
from baseline.resources.resource_types import (
    COMPONENT,
    ORGANIZATION_RULESET,
    PULL_REQUEST,
    REPOSITORY,
    RULESET,
    STACK,
)
from baseline.stack.settings import Removals
from baseline.stack.validation import parse_settings

ROOT = "urn:pulumi:e2e::repo-baseline::pulumi:pulumi:Stack::repo-baseline-e2e"


def urn(kind: str, name: str, parent: str = "") -> str:
    nested = "repo-baseline:index:RepositoryBaseline$" if parent else ""
    return f"urn:pulumi:e2e::repo-baseline::{nested}{kind}::{name}"


def baseline(name: str) -> list[dict[str, Any]]:
    """One repository's resources as the state lists them (the component first)."""
    component = urn(COMPONENT, name)
    repository = urn(REPOSITORY, f"{name}-repository", component)
    return [
        {"urn": component, "type": COMPONENT, "parent": ROOT},
        {
            "urn": repository,
            "type": REPOSITORY,
            "parent": component,
            "id": name,
            "outputs": {"name": name},
        },
        {
            "urn": urn(RULESET, f"{name}-ruleset", component),
            "type": RULESET,
            "parent": component,
            "id": "7",
            "dependencies": [repository],
            "propertyDependencies": {"repository": [repository]},
        },
    ]


def deployment(*names: str, pending: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [{"urn": ROOT, "type": STACK}]
    for name in names:
        resources += baseline(name)
    return {"resources": resources, "pending_operations": pending or []}


def github(answers: dict[str, Any]) -> heal.Get:
    """GET answers by path; a path not given is a 404 (None), and must be one asked."""

    def get(path: str) -> Any:
        return answers.get(path)

    return get


def creating(kind: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "creating",
        "resource": {"urn": urn(kind, name, "x"), "type": kind, "inputs": inputs},
    }


RULESET_NAME = "repo-baseline: default branch"


def test_a_pending_rulesets_create_that_github_made_is_an_orphan_to_delete() -> None:
    pending = [creating(RULESET, "ledger-ruleset", {"repository": "ledger", "name": RULESET_NAME})]
    answers = {
        "repos/example-org/ledger/rulesets?includes_parents=false&per_page=100": [
            {"id": 7, "name": RULESET_NAME},  # the state's own (another repository's id 7)
            {"id": 1000002, "name": RULESET_NAME},
            {"id": 9, "name": "a team's own"},
        ]
    }
    findings = heal.diagnose(
        deployment("shop", "ledger", pending=pending),
        {"shop", "ledger"},
        "example-org",
        github(answers),
        Removals(),
        "e2e",
    )
    [orphan] = findings.orphans
    assert orphan.path == "repos/example-org/ledger/rulesets/1000002"
    assert orphan.label == f'ruleset 1000002 "{RULESET_NAME}" of ledger'
    assert findings.pending == (("creating", pending[0]["resource"]["urn"]),)
    assert findings.gone == ()
    # A create GitHub never got leaves nothing to delete.
    none = heal.find_orphans(deployment(pending=pending), "example-org", github({}))
    assert none == ()


def test_an_organization_rulesets_orphan_is_found_in_the_organization() -> None:
    name = "repo-baseline: e2e"
    pending = [creating(ORGANIZATION_RULESET, "org-ruleset", {"name": name})]
    answers = {"orgs/example-org/rulesets?per_page=100": [{"id": 31, "name": name}]}
    [orphan] = heal.find_orphans(deployment(pending=pending), "example-org", github(answers))
    assert orphan.path == "orgs/example-org/rulesets/31"


def test_a_pull_request_a_pending_create_opened_is_closed() -> None:
    inputs = {"baseRepository": "shop", "headRef": "repo-baseline/pipeline-1", "baseRef": "main"}
    pending = [creating(PULL_REQUEST, "shop-pull-request", inputs)]
    state = deployment(pending=pending)
    state["resources"].append({"urn": "held", "type": PULL_REQUEST, "id": "example-org:shop:3"})
    query = "head=example-org%3Arepo-baseline%2Fpipeline-1&base=main&state=open"
    answers = {f"repos/example-org/shop/pulls?{query}": [{"number": 3}, {"number": 4}]}
    [orphan] = heal.find_orphans(state, "example-org", github(answers))
    assert (orphan.method, orphan.path) == ("PATCH", "repos/example-org/shop/pulls/4")
    assert orphan.payload == {"state": "closed"}
    assert "closed, the next up makes it again" in heal.report(heal.Findings(orphans=(orphan,)))[0]


def test_a_repository_gone_from_the_organization_leaves_the_state_whole() -> None:
    state = deployment("shop", "payroll", "billing")
    outputs = {"Payroll": {"url": "u"}, "billing": {"url": "u"}, "shop": {"url": "u"}}
    state["resources"][0]["outputs"] = {"repositories": outputs}
    answers = {"repos/example-org/billing": {"name": "invoicing"}}  # renamed: GitHub redirects
    findings = heal.diagnose(state, {"shop"}, "example-org", github(answers), Removals(), "e2e")
    assert [(g.name, g.renamed_to, len(g.urns)) for g in findings.gone] == [
        ("billing", "invoicing", 3),
        ("payroll", None, 3),
    ]
    assert findings.refused is None
    written = heal.healed(state, findings)
    assert [r["urn"] for r in written["resources"]] == [
        r["urn"] for r in [{"urn": ROOT}, *baseline("shop")]
    ]
    # The stack's outputs say which are gone, so that no later run creates them again.
    assert written["resources"][0]["outputs"]["repositories"] == {
        "Payroll": {"gone": True},
        "billing": {"gone": True},
        "shop": {"url": "u"},
    }
    assert "pending_operations" not in written
    lines = heal.report(findings)
    assert lines[0].startswith("gone: billing (renamed to invoicing): its 3 resources leave")


def test_a_listing_that_lags_behind_is_no_gone_repository() -> None:
    answers = {"repos/example-org/payroll": {"name": "payroll"}}
    resources = deployment("payroll")["resources"]
    repositories = heal.state_repositories(resources)
    found = heal.find_gone(resources, repositories, set(), "example-org", github(answers))
    assert found == ()


def test_references_to_what_leaves_are_dropped_with_it() -> None:
    state = deployment("shop")
    shop_workflow = urn("github:index/repositoryFile:RepositoryFile", "shop-workflow", "x")
    state["resources"].append(
        {
            "urn": urn(ORGANIZATION_RULESET, "org", ""),
            "type": ORGANIZATION_RULESET,
            "parent": ROOT,
            "dependencies": [shop_workflow, "kept"],
            "propertyDependencies": {"rules": [shop_workflow]},
            "deletedWith": shop_workflow,
        }
    )
    gone = heal.Gone("shop", (shop_workflow,))
    written = heal.healed(state, heal.Findings(gone=(gone,)))
    organization = written["resources"][-1]
    assert organization["dependencies"] == ["kept"]
    assert organization["propertyDependencies"] == {"rules": []}
    assert "deletedWith" not in organization


@pytest.mark.parametrize(("gone", "refused"), [(5, False), (6, True)])
def test_more_gone_at_once_than_removals_allows_is_refused(
    gone: int, refused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPO_BASELINE_ALLOW_REMOVALS", raising=False)
    names = [f"svc-{i}" for i in range(gone)]
    found = [heal.Gone(name, ()) for name in names]
    why = heal.refusal(found, 20, Removals(), "prod")
    assert (why is not None) is refused
    if why:
        assert why.startswith("6 of the 20 repositories of stack prod's state are gone")
        assert "REPO_BASELINE_ALLOW_REMOVALS=6" in why
        assert "Nothing was changed" in why
        monkeypatch.setenv("REPO_BASELINE_ALLOW_REMOVALS", "6")
        assert heal.refusal(found, 20, Removals(), "prod") is None
        monkeypatch.setenv("GITHUB_EVENT_NAME", "schedule")
        assert "a scheduled run" in str(heal.refusal(found, 20, Removals(), "prod"))


# A run killed with checkpoints skipped: the state is the one saved before it, nothing pending.
SAVED = "2026-12-03T10:00:00.123456789Z"


def stack_of(names: list[str], **defaults: Any) -> Any:
    """The stack's repositories as `heal.stack_repositories` gives them."""
    return parse_settings(defaults, [{"name": name} for name in names]).repositories


def test_a_ruleset_made_after_the_last_save_on_a_repository_the_state_does_not_protect() -> None:
    state = deployment("shop")
    state["manifest"] = {"time": SAVED}
    for resource in state["resources"]:
        if resource["type"] == RULESET:
            resource["inputs"] = {"repository": "shop", "name": RULESET_NAME}
    answers = {
        "repos/example-org/ledger/rulesets?includes_parents=false&per_page=100": [
            {"id": 1000002, "name": RULESET_NAME, "created_at": "2026-12-03T10:05:00Z"},
            # Older than the state's last save: not the dead run's (made by hand, kept).
            {"id": 40, "name": RULESET_NAME, "created_at": "2026-12-03T09:00:00Z"},
            {"id": 41, "name": "a team's own", "created_at": "2026-12-03T10:06:00Z"},
        ]
    }
    asked: list[str] = []

    def get(path: str) -> Any:
        asked.append(path)
        return answers.get(path)

    found = heal.find_unrecorded(state, stack_of(["shop", "ledger"]), "example-org", get, "e2e")
    assert [(o.path, o.label) for o in found] == [
        (
            "repos/example-org/ledger/rulesets/1000002",
            f'ruleset 1000002 "{RULESET_NAME}" of ledger',
        )
    ]
    # shop's ruleset is in the state: its rulesets are not even read.
    assert asked == ["repos/example-org/ledger/rulesets?includes_parents=false&per_page=100"]


def test_only_repository_rulesets_the_baseline_would_create_are_looked_for() -> None:
    classic = stack_of(["shop"], protection={"kind": "classic"})
    by_pull_request = stack_of(["shop"], pipeline={"delivery": "pull_request"})
    for repositories in (classic, by_pull_request):
        assert heal.find_unrecorded(deployment(), repositories, "o", github({}), "e2e") == ()


def test_an_organization_ruleset_of_this_stack_the_state_does_not_hold() -> None:
    state = deployment()
    state["manifest"] = {"time": SAVED}
    state["resources"].append({"urn": "held", "type": ORGANIZATION_RULESET, "id": "30"})
    prefix = "repo-baseline e2e: default branch "
    answers = {
        "orgs/example-org/rulesets?per_page=100": [
            {"id": 30, "name": prefix + "0a1b2c3d", "created_at": "2026-12-03T10:05:00Z"},
            {"id": 31, "name": prefix + "4e5f6a7b", "created_at": "2026-12-03T10:05:00Z"},
            # Another stack's (a shard's): not this one's to delete.
            {"id": 32, "name": "repo-baseline other: default branch 4e5f6a7b"},
        ]
    }
    repositories = stack_of(["shop"], protection={"scope": "organization"})
    found = heal.find_unrecorded(state, repositories, "example-org", github(answers), "e2e")
    assert [o.path for o in found] == ["orgs/example-org/rulesets/31"]


def test_a_state_never_saved_holds_nothing_and_a_time_is_read_to_the_microsecond() -> None:
    assert heal.saved_at({}) is None
    saved = heal.saved_at({"manifest": {"time": SAVED}})
    assert saved is not None
    assert saved.isoformat() == "2026-12-03T10:00:00.123456+00:00"
