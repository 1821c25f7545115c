"""Safe on an organization that exists: the organization is explicit, a rule that matches nothing
stops the run, and a run that would take the baseline away from many repositories stops before
it registers anything (issue 20)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from baseline.plan import mock_engine
from baseline.plan.offline import main as plan_main
from baseline.resources import program
from baseline.stack import adoption, removals
from baseline.stack.errors import ConfigErrors
from baseline.stack.existing_workflows import ExistingWorkflow
from baseline.stack.inventory import Inventory, OrgRepository
from baseline.stack.selection import EmptyRuleError, ListingError, check_organization, resolve
from baseline.stack.settings import Removals, RepositoryConfig
from baseline.stack.validation import load_stack_file, parse_settings

OWNER = "  github:owner: example-org\n"


def _stack(tmp_path: Path, body: str, name: str = "Pulumi.dev.yaml") -> Path:
    path = tmp_path / name
    path.write_text("config:\n" + body, encoding="utf-8")
    return path


def _plan(*args: str) -> tuple[int, str]:
    stream = io.StringIO()
    return plan_main(list(args), stdout=stream), stream.getvalue()


# --- The organization is explicit -------------------------------------------------------------


def test_a_stack_file_without_owner_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = _stack(tmp_path, "  repo-baseline:repositories:\n    - name: api\n")
    with pytest.raises(ConfigErrors) as raised:
        load_stack_file(path)
    (error,) = raised.value.errors
    assert error.path == "config.github:owner"
    assert error.found == "nothing (the key is missing)"
    assert "the GitHub organization whose repositories this stack manages" in error.allowed
    assert "the token's own account" in error.allowed


def test_the_plan_without_owner_exits_2_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _stack(tmp_path, "  repo-baseline:repositories:\n    - name: api\n")
    code, out = _plan("--config", str(path))
    assert (code, out) == (2, "")
    assert "config.github:owner: found nothing (the key is missing)" in capsys.readouterr().err


def test_the_program_without_owner_registers_nothing() -> None:
    record = mock_engine.Record()
    with pytest.raises(pulumi.RunError, match=r"config\.github:owner: found nothing"):
        mock_engine.run({"repo-baseline:repositories": [{"name": "api"}]}, record=record)
    assert [r.type for r in record.resources] == ["pulumi:pulumi:Stack"]


LISTING = Inventory(
    "example-org",
    (
        OrgRepository("orders", topics=("django",)),
        OrgRepository("payments", topics=("django",)),
        OrgRepository("docs", topics=("docs",)),
        OrgRepository("old", topics=("djnago",), archived=True),
    ),
)


def test_a_listing_of_another_organization_is_refused() -> None:
    check_organization(LISTING, "Example-Org")  # GitHub ignores case in owner names
    check_organization(Inventory("", LISTING.repositories), "example-org")  # a raw list
    with pytest.raises(ListingError, match=r'lists the repositories of "example-org", but '):
        check_organization(LISTING, "other-org")


def test_the_plan_refuses_an_inventory_of_another_organization(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "inventory.json"
    saved.write_text(json.dumps(LISTING.to_json()), encoding="utf-8")
    path = _stack(
        tmp_path,
        "  github:owner: other-org\n"
        "  repo-baseline:select: {rules: [{name: backends, topics: [django]}]}\n",
    )
    code, out = _plan("--config", str(path), "--inventory", str(saved))
    assert (code, out) == (2, "")
    assert 'but github:owner is "other-org"' in capsys.readouterr().err


# --- A rule that matches nothing --------------------------------------------------------------


def _settings(rules: list[dict[str, Any]], **select: Any) -> Any:
    return parse_settings(None, None, {"rules": rules, **select})


def test_a_rule_that_matches_nothing_stops_naming_it_and_the_listing() -> None:
    settings = _settings(
        [{"name": "backends", "topics": ["django"]}, {"name": "typo", "topics": ["djnago"]}]
    )
    with pytest.raises(EmptyRuleError) as raised:
        resolve(settings, LISTING)
    message = str(raised.value)
    # The archived repository with that topic does not count: the rule would choose nothing.
    assert message.startswith(
        'select.rules[1] ("typo", topics ["djnago"]) matches none of the 4 repositories listed '
        "from GitHub (3 of them neither archived, forks nor excluded)"
    )
    assert "backends" not in message
    assert "allow_empty: true" in message


def test_a_rule_meant_to_be_empty_says_so() -> None:
    settings = _settings(
        [
            {"name": "backends", "topics": ["django"]},
            {"name": "later", "topics": ["go"]},
            {"name": "soon", "names": ["new-*"], "allow_empty": True},
        ]
    )
    with pytest.raises(EmptyRuleError, match="later"):
        resolve(settings, LISTING)
    allowed = _settings(
        [
            {"name": "backends", "topics": ["django"]},
            {"name": "later", "topics": ["go"], "allow_empty": True},
        ]
    )
    assert [r.name for r in resolve(allowed, LISTING).repositories] == ["orders", "payments"]


def test_a_rule_whose_repositories_are_all_in_other_shards_is_not_empty() -> None:
    settings = parse_settings(
        None, None, {"rules": [{"name": "r", "names": ["orders"]}]}, {"index": 0, "count": 2}
    )
    other = parse_settings(
        None, None, {"rules": [{"name": "r", "names": ["orders"]}]}, {"index": 1, "count": 2}
    )
    # One shard has it, the other chooses nothing, and neither stops.
    counts = sorted(len(resolve(s, LISTING).repositories) for s in (settings, other))
    assert counts == [0, 1]


# --- Removals ---------------------------------------------------------------------------------


def _previous(*names: str) -> dict[str, Any]:
    return {name: {"protection_kind": "ruleset"} for name in names}


def test_the_limit_is_5_or_10_percent_whichever_is_larger() -> None:
    assert Removals().limit(20) == 5
    assert Removals().limit(60) == 6
    assert Removals().limit(1000) == 100
    assert Removals(count=0, percent=0).limit(1000) == 0


def test_removal_compares_names_ignoring_case() -> None:
    found = removals.removal(_previous("Orders", "payments", "docs"), ["orders", "DOCS"])
    assert found == removals.Removal(("payments",), 3)
    assert removals.removal(None, ["a"]) == removals.Removal((), 0)


def test_an_entry_found_gone_is_no_removal_and_no_baselined_repository() -> None:
    previous = {**_previous("orders"), "payroll": {"gone": True}}
    assert removals.removal(previous, ["orders"]) == removals.Removal((), 1)
    assert list(removals.last_outputs(previous)) == ["orders"]
    assert removals.gone_outputs(previous) == {"payroll"}


def test_a_few_removals_pass_and_are_said() -> None:
    found = removals.removal(_previous(*(f"svc-{i}" for i in range(20))), ["svc-0"])
    with pytest.raises(removals.RemovalRefusedError):
        removals.check(found, Removals(), "prod", {})
    few = removals.removal(_previous("a", "b", "c"), ["a"])
    line = removals.check(few, Removals(), "prod", {})
    assert line is not None
    assert line.startswith("2 of the 3 repositories of stack prod leave it (b, c)")
    assert "the repositories themselves are kept" in line
    assert removals.check(removals.Removal((), 3), Removals(), "prod", {}) is None


def test_more_than_the_limit_is_refused_with_how_to_allow_it_once() -> None:
    found = removals.removal(_previous(*(f"svc-{i:02d}" for i in range(40))), ["svc-00"])
    with pytest.raises(removals.RemovalRefusedError) as raised:
        removals.check(found, Removals(), "prod", {})
    message = str(raised.value)
    assert message.startswith("39 of the 40 repositories of stack prod leave it (svc-01, ")
    assert "svc-10 and 29 more)" in message
    assert "more than the limit of 5 (repo-baseline:removals: more than 5 repositories or 10%" in (
        message
    )
    assert "Nothing was changed" in message
    assert "REPO_BASELINE_ALLOW_REMOVALS=39 pulumi up" in message
    # Allowed once, for exactly that many.
    line = removals.check(found, Removals(), "prod", {"REPO_BASELINE_ALLOW_REMOVALS": "39"})
    assert line is not None
    assert line.endswith("(allowed by REPO_BASELINE_ALLOW_REMOVALS=39)")
    with pytest.raises(removals.RemovalRefusedError, match="allows 12, not 39"):
        removals.check(found, Removals(), "prod", {"REPO_BASELINE_ALLOW_REMOVALS": "12"})
    # A larger limit lets it through.
    assert removals.check(found, Removals(count=39), "prod", {}) is not None


def test_a_scheduled_run_never_passes_the_allowance() -> None:
    found = removals.removal(_previous(*(f"svc-{i:02d}" for i in range(40))), [])
    environ = {"REPO_BASELINE_ALLOW_REMOVALS": "40", "GITHUB_EVENT_NAME": "schedule"}
    with pytest.raises(removals.RemovalRefusedError, match="ignored on a scheduled run"):
        removals.check(found, Removals(), "prod", environ)


def test_removals_config_is_validated() -> None:
    with pytest.raises(ConfigErrors) as raised:
        parse_settings(None, [{"name": "a"}], None, None, {"count": -1, "percnt": 5})
    found = {(e.path, e.found) for e in raised.value.errors}
    assert ("removals.count", "-1 (a number)") in found
    assert ("removals.percnt", 'unknown key "percnt"') in found
    settings = parse_settings(None, [{"name": "a"}], None, None, {"count": 50})
    assert settings.removals == Removals(count=50, percent=10)


def _deploy_record(previous: dict[str, Any], limits: Removals) -> mock_engine.Record:
    settings = parse_settings(None, [{"name": "orders"}], None, None)
    record = mock_engine.Record()
    mock_engine.run(
        {"github:owner": "example-org"},
        program=lambda: program.deploy(resolve(settings, None), previous, limits),
        record=record,
    )
    return record


def test_the_program_refuses_before_registering_anything() -> None:
    previous = _previous("orders", *(f"svc-{i:02d}" for i in range(10)))
    record = mock_engine.Record()
    settings = parse_settings(None, [{"name": "orders"}], None, None)
    with pytest.raises(pulumi.RunError, match="repo-baseline:removals: 10 of the 11"):
        mock_engine.run(
            {"github:owner": "example-org"},
            program=lambda: program.deploy(resolve(settings, None), previous, Removals()),
            record=record,
        )
    assert [r.type for r in record.resources] == ["pulumi:pulumi:Stack"]
    # Within the limit it builds, and says who leaves.
    record = _deploy_record(previous, Removals(count=10))
    assert any(r.name == "orders-repository" for r in record.resources)
    (warning,) = [w for w in record.warnings if "leave it" in w]
    assert warning.startswith("10 of the 11 repositories of stack example leave it (svc-00")


def test_the_plan_reads_the_previous_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = Path(__file__).resolve().parents[2] / "Pulumi.example.yaml"
    outputs = tmp_path / "last.json"
    # The listing has billing-service only: the other two entries are created by this run.
    names = ["billing-service"]
    outputs.write_text(json.dumps({"repositories": _previous(*names, "gone")}), encoding="utf-8")
    listing = str(example.parent / "examples" / "inventory.json")
    code, out = _plan("--config", str(example), "--inventory", listing, "--previous", str(outputs))
    assert code == 0
    assert "warning: 1 of the 2 repositories of stack example leave it (gone)" in out
    many = _previous(*names, *(f"gone-{i}" for i in range(6)))
    outputs.write_text(json.dumps({"repositories": many}), encoding="utf-8")
    code, out = _plan("--config", str(example), "--inventory", listing, "--previous", str(outputs))
    assert (code, out) == (3, "")
    err = capsys.readouterr().err
    assert "6 of the 7 repositories of stack example leave it (gone-0" in err
    assert "REPO_BASELINE_ALLOW_REMOVALS=6" in err
    outputs.write_text("[]", encoding="utf-8")
    assert (
        _plan("--config", str(example), "--inventory", listing, "--previous", str(outputs))[0] == 2
    )


# --- Adoption: existing workflows and SHA pinning ---------------------------------------------


def _adopting(
    workflows: tuple[ExistingWorkflow, ...] | None,
    settings: dict[str, Any] | None = None,
    previous: dict[str, Any] | None = None,
    pipeline: dict[str, Any] | None = None,
) -> tuple[RepositoryConfig, tuple[str, ...]]:
    entry: dict[str, Any] = {"name": "billing", "adopt": True}
    if settings:
        entry["settings"] = settings
    if pipeline:
        entry["pipeline"] = pipeline
    listing = Inventory("example-org", (OrgRepository("billing", workflows=workflows),))
    resolution = resolve(parse_settings(None, [entry]), listing)
    now = adoption.adopting(resolution, previous)
    settled = adoption.settle(resolution, listing, previous, now)
    (repo,) = settled.repositories
    # What settle says, after what resolve said (the 409 warning).
    return repo, settled.warnings[len(resolution.warnings) :]


PINNED = ExistingWorkflow(".github/workflows/ci.yml", "CI", runs_on_pull_requests=True)
BY_TAG = ExistingWorkflow(".github/workflows/lint.yml", "Lint", unpinned=("actions/checkout@v4",))
OURS = ExistingWorkflow(".github/workflows/backend-ci.yml", "old", unpinned=("a/b@v1",))


def test_pinning_is_on_only_when_every_existing_action_is_pinned() -> None:
    repo, warnings = _adopting((PINNED, OURS))
    # The baseline's own file is replaced, so its old actions do not count.
    assert repo.settings.sha_pinning_required is True
    assert repo.existing_workflows == (PINNED,)
    assert warnings == (
        "billing: existing workflows also run on every pull request to the default branch, "
        'next to the baseline\'s (two pipelines): .github/workflows/ci.yml ("CI"). '
        "pipeline.replaces: [file names] deletes them through a pull request once the "
        "baseline's pipeline has landed.",
    )
    repo, warnings = _adopting((PINNED, BY_TAG))
    assert repo.settings.sha_pinning_required is False
    assert any(
        "stays off" in w and ".github/workflows/lint.yml: actions/checkout@v4" in w
        for w in warnings
    )
    repo, warnings = _adopting(None)
    assert repo.settings.sha_pinning_required is False
    assert any("were not read" in w for w in warnings)


def test_pinning_set_by_the_config_is_kept_and_warned_about() -> None:
    repo, warnings = _adopting((BY_TAG,), settings={"sha_pinning_required": True})
    assert repo.settings.sha_pinning_required is True
    (warning,) = warnings
    assert "as the config sets it" in warning
    repo, warnings = _adopting((BY_TAG,), settings={"sha_pinning_required": False})
    assert (repo.settings.sha_pinning_required, warnings) == (False, ())


def test_a_later_run_keeps_what_the_adopting_run_decided() -> None:
    previous = {"billing": {"sha_pinning_required": False}}
    repo, warnings = _adopting(None, previous=previous)
    assert (repo.settings.sha_pinning_required, warnings) == (False, ())
    # Adopted before the decision was recorded: left as configured (the live value then).
    repo, _ = _adopting(None, previous={"billing": {}})
    assert repo.settings.sha_pinning_required is True


def test_an_existing_repositorys_topics_are_kept_by_not_sending_them() -> None:
    listing = Inventory("example-org", (OrgRepository("billing", topics=("django",)),))
    entries: list[dict[str, Any]] = [{"name": "billing", "adopt": True}]
    (kept,) = resolve(
        parse_settings({"settings": {"topics": ["x"]}}, entries), listing
    ).repositories
    assert (kept.settings.topics, kept.live_changes) == (None, ())
    entries[0]["settings"] = {"topics": ["django", "payments"]}
    (own,) = resolve(parse_settings(None, entries), listing).repositories
    assert own.settings.topics == ("django", "payments")
    assert [str(change) for change in own.live_changes] == [
        "topics: [django] -> [django, payments]"
    ]
