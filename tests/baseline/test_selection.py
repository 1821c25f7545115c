"""`select` and `shard`: which of the organization's repositories a stack baselines, and how."""

from __future__ import annotations

from typing import Any

import pytest

from baseline.stack.errors import ConfigError, ConfigErrors
from baseline.stack.inventory import Inventory, OrgRepository
from baseline.stack.selection import Resolution, resolve, shard_of
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import parse_settings


def listing(*repositories: OrgRepository) -> Inventory:
    return Inventory("example-org", repositories)


def repo(name: str, **keys: Any) -> OrgRepository:
    return OrgRepository(name=name, **keys)


def resolved(
    select: dict[str, Any],
    inventory: Inventory,
    defaults: dict[str, Any] | None = None,
    repositories: list[dict[str, Any]] | None = None,
    shard: dict[str, int] | None = None,
) -> Resolution:
    return resolve(parse_settings(defaults, repositories, select, shard), inventory)


def chosen(resolution: Resolution) -> dict[str, str | None]:
    return {config.name: config.selected_by for config in resolution.repositories}


def by_name(resolution: Resolution) -> dict[str, RepositoryConfig]:
    return {config.name: config for config in resolution.repositories}


def errors_of(**keys: Any) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as raised:
        parse_settings(
            keys.get("defaults"), keys.get("repositories"), keys.get("select"), keys.get("shard")
        )
    return list(raised.value.errors)


ORG = listing(
    repo("shop-backend", topics=("django",)),
    repo("Orders-API", topics=("django", "api")),
    repo("docs", topics=("docs",), visibility="public"),
    repo("ledger", properties={"team": "payments"}, visibility="internal"),
    repo("risk", properties={"team": ("payments", "fraud")}),
    repo("old", topics=("django",), archived=True),
    repo("shop-fork", topics=("django",), fork=True),
    repo("sandbox-alice", topics=("django",)),
)


def test_each_condition_chooses_and_the_first_matching_rule_names_it() -> None:
    result = resolved(
        {
            "rules": [
                {"name": "django", "topics": ["django"]},
                {"name": "payments", "properties": {"team": ["payments"]}},
                {"name": "public", "visibility": ["public"]},
            ]
        },
        ORG,
    )
    assert chosen(result) == {
        "docs": "public",
        "ledger": "payments",
        "Orders-API": "django",
        "risk": "payments",  # a multi_select value: any one of its values will do
        "sandbox-alice": "django",
        "shop-backend": "django",
    }
    assert result.in_listing == 8


def test_conditions_of_one_rule_must_all_hold_and_names_ignore_case() -> None:
    rule = {"name": "apis", "names": ["*-api", "shop-*"], "topics": ["api", "docs"]}
    assert chosen(resolved({"rules": [rule]}, ORG)) == {"Orders-API": "apis"}


def test_archived_repositories_forks_and_exclusions_are_left_out_unless_allowed() -> None:
    everything = {"name": "all"}
    default = chosen(resolved({"rules": [everything], "exclude": ["SANDBOX-*"]}, ORG))
    assert "old" not in default
    assert "shop-fork" not in default
    assert "sandbox-alice" not in default
    allowed = chosen(resolved({"rules": [everything], "archived": True, "forks": True}, ORG))
    assert {"old", "shop-fork", "sandbox-alice"} <= set(allowed)


def test_an_entry_of_repositories_wins_over_the_rules() -> None:
    result = resolved(
        {"rules": [{"name": "django", "topics": ["django"]}]},
        ORG,
        repositories=[{"name": "SHOP-backend", "adopt": True, "description": "Shop"}],
    )
    configs = by_name(result)
    assert configs["SHOP-backend"].selected_by is None
    assert configs["SHOP-backend"].description == "Shop"
    assert "shop-backend" not in configs
    # Named in another case than GitHub's: the run renames it, and says so first.
    assert str(configs["SHOP-backend"].live_changes[0]) == 'name: "shop-backend" -> "SHOP-backend"'


def test_an_existing_repository_the_stack_did_not_baseline_is_adopted_not_created() -> None:
    # A run that died after GitHub created `ledger` left it out of the last outputs: creating
    # it again would fail (422 "name already exists on this account").
    settings = parse_settings(None, [{"name": "ledger"}, {"name": "new-one"}])
    result = resolve(settings, ORG, known={})
    configs = by_name(result)
    assert configs["ledger"].adopt is True
    assert configs["new-one"].adopt is False
    # As adopted: keeping what it is unless its entry says.
    assert configs["ledger"].settings.visibility == "internal"
    (warning,) = [w for w in result.warnings if "not created" in w]
    assert warning.startswith("ledger: example-org already has it, but the stack's last run ")
    # Once the stack has baselined it (the last outputs name it, found listed), it is the
    # stack's own.
    again = resolve(settings, ORG, known={"ledger": {"listed": True}})
    assert by_name(again)["ledger"].adopt is False
    assert by_name(again)["ledger"].reimport is False
    assert not [w for w in again.warnings if "not created" in w]
    # Named by the last run but not found listed by it (it made it, or its create failed after
    # GitHub made it): imported by name as the stack's own, whichever it was.
    made = resolve(settings, ORG, known={"ledger": {}})
    assert by_name(made)["ledger"].adopt is False
    assert by_name(made)["ledger"].reimport is True
    assert not [w for w in made.warnings if "not created" in w]
    # One a run adopted stays adopted (its output says so), without the warning.
    kept = resolve(settings, ORG, known={"ledger": {"adopted": True}})
    assert by_name(kept)["ledger"].adopt is True
    assert by_name(kept)["ledger"].settings.visibility == "internal"
    assert not [w for w in kept.warnings if "not created" in w]


def test_a_repository_the_stack_baselined_that_is_gone_is_never_created_again() -> None:
    # `payroll` was baselined (the last outputs name it, as listed), then deleted or renamed.
    settings = parse_settings(None, [{"name": "ledger"}, {"name": "payroll"}])
    result = resolve(settings, ORG, known={"ledger": {}, "payroll": {"listed": True}})
    assert list(by_name(result)) == ["ledger"]
    assert result.gone == ("payroll",)
    (warning,) = [w for w in result.warnings if "no longer has" in w]
    assert warning.startswith(
        "payroll: the stack baselined it, and example-org no longer has it (deleted, "
    )
    assert "not created again" in warning
    # Later runs know it from its output ({"gone": true}), not from a baselined one.
    still = resolve(settings, ORG, known={"ledger": {}}, gone_before={"payroll"})
    assert still.gone == ("payroll",)
    assert "payroll" not in by_name(still)
    # Back (restored, renamed back): adopted, as any repository the stack has not baselined.
    back = listing(*ORG.repositories, repo("payroll"))
    restored = resolve(settings, back, known={"ledger": {}}, gone_before={"payroll"})
    assert restored.gone == ()
    assert by_name(restored)["payroll"].adopt is True
    # Nor is one the last run named but never found listed (its create failed, and the run
    # went on: --continue-on-error): it is created.
    retried = resolve(settings, ORG, known={"ledger": {}, "payroll": {}})
    assert retried.gone == ()
    assert by_name(retried)["payroll"].adopt is False
    # A repository that was never baselined and does not exist is simply created.
    fresh = resolve(settings, ORG, known={"ledger": {}})
    assert by_name(fresh)["payroll"].adopt is False
    assert fresh.gone == ()


def test_a_selected_repository_that_is_gone_is_named_and_dropped() -> None:
    settings = parse_settings(None, None, {"rules": [{"name": "django", "topics": ["django"]}]})
    listed = {"listed": True}
    result = resolve(settings, ORG, known={"shop-backend": listed, "payments-api": listed})
    assert "payments-api" not in by_name(result)
    assert result.gone == ()  # not an entry: dropped as any repository a rule leaves
    (warning,) = [w for w in result.warnings if "no longer has" in w]
    assert warning.startswith("payments-api: the stack baselined it, and example-org no longer")


def test_a_selected_repository_is_imported_and_keeps_what_the_baseline_does_not_set() -> None:
    inventory = listing(
        repo(
            "docs",
            topics=("django",),
            visibility="public",
            has_wiki=True,
            has_discussions=True,
            homepage="https://docs.example.com",
            description="The docs",
            default_branch="trunk",
        )
    )
    config = by_name(resolved({"rules": [{"name": "r", "topics": ["django"]}]}, inventory))["docs"]
    assert config.adopt is True
    assert config.description == "The docs"
    settings = config.settings
    assert (settings.visibility, settings.has_wiki, settings.has_discussions) == (
        "public",
        True,
        True,
    )
    assert settings.homepage == "https://docs.example.com"
    # The pipeline runs on the repository's own default branch, and triggers on it.
    assert config.pipeline.options.default_branch == "trunk"
    assert config.pipeline.options.pr_branches == ("trunk", "bau/**")


def test_what_the_rule_sets_is_applied_over_the_listing_and_defaults_only_to_features() -> None:
    inventory = listing(repo("docs", visibility="public", has_wiki=True, has_projects=True))
    result = resolved(
        {"rules": [{"name": "r", "settings": {"has_wiki": False}}]},
        inventory,
        defaults={"settings": {"visibility": "private", "has_projects": False}},
    )
    config = by_name(result)["docs"]
    # Visibility is the repository's own unless its rule sets it: defaults describe new ones.
    assert config.settings.visibility == "public"
    assert (config.settings.has_wiki, config.settings.has_projects) == (False, False)
    assert [str(change) for change in config.live_changes] == [
        "has_wiki: true -> false",
        "has_projects: true -> false",
    ]
    ruled = resolved({"rules": [{"name": "r", "settings": {"visibility": "private"}}]}, inventory)
    assert by_name(ruled)["docs"].settings.visibility == "private"
    assert [str(c) for c in by_name(ruled)["docs"].live_changes] == [
        'visibility: "public" -> "private"'
    ]


def test_a_rules_own_settings_merge_over_defaults() -> None:
    result = resolved(
        {"rules": [{"name": "strict", "protection": {"required_approvals": 2}}]},
        listing(repo("api")),
        defaults={"protection": {"scope": "organization", "require_code_owner_reviews": True}},
    )
    protection = by_name(result)["api"].protection
    assert (protection.required_approvals, protection.scope) == (2, "organization")
    assert protection.require_code_owner_reviews is True


def test_a_default_branch_the_rules_triggers_cannot_reach_is_skipped_with_a_reason() -> None:
    result = resolved(
        {"rules": [{"name": "r", "pipeline": {"pr_branches": ["main"]}}]},
        listing(repo("legacy", default_branch="master"), repo("api")),
    )
    assert chosen(result) == {"api": "r"}
    ((name, why),) = result.skipped
    assert name == "legacy"
    assert '"master" matches none of pipeline.pr_branches' in why
    assert any(w.startswith("legacy: not baselined: ") for w in result.warnings)


def test_shards_split_the_repositories_and_a_repository_never_moves() -> None:
    names = [f"repo-{i}" for i in range(2000)]
    every = {"rules": [{"name": "all"}]}
    shards = [
        set(chosen(resolved(every, listing(*map(repo, names)), shard={"index": i, "count": 4})))
        for i in range(4)
    ]
    assert set().union(*shards) == set(names)
    assert sum(len(s) for s in shards) == len(names)
    assert all(400 < len(s) < 600 for s in shards)  # a hash spreads them (2,000 / 4 = 500)
    # Others come and go: the shard of each repository that stays is the same.
    fewer = listing(*map(repo, names[::3]), *map(repo, ["new-1", "new-2", "NEW-3"]))
    again = set(chosen(resolved(every, fewer, shard={"index": 2, "count": 4})))
    assert again - {"new-1", "new-2", "NEW-3"} == {n for n in shards[2] if n in names[::3]}
    assert shard_of("Repo-7", 4) == shard_of("repo-7", 4)


def test_shards_apply_to_entries_of_repositories_too() -> None:
    entries = [{"name": f"listed-{i}"} for i in range(40)]
    kept = [
        {
            c.name
            for c in resolve(
                parse_settings(None, entries, None, {"index": i, "count": 2}), None
            ).repositories
        }
        for i in (0, 1)
    ]
    assert kept[0].isdisjoint(kept[1])
    assert len(kept[0] | kept[1]) == 40


def test_repositories_may_be_left_out_when_rules_choose() -> None:
    settings = parse_settings(None, None, {"rules": [{"name": "all"}]})
    assert settings.repositories == ()
    assert settings.selection is not None
    (error,) = errors_of()
    assert error.path == "repositories"
    assert error.allowed.endswith("or repo-baseline:select rules")


@pytest.mark.parametrize(
    ("select", "path", "allowed"),
    [
        ({"rules": []}, "select.rules", "a non-empty list of rules"),
        ({"rule": [{"name": "a"}]}, "select.rule", 'did you mean "rules"'),
        ({"rules": [{"topics": ["django"]}]}, "select.rules[0].name", "a rule name"),
        (
            {"rules": [{"name": "a", "topics": ["Django"]}]},
            "select.rules[0].topics[0]",
            "a GitHub topic",
        ),
        (
            {"rules": [{"name": "a", "visibility": ["secret"]}]},
            "select.rules[0].visibility[0]",
            "one of: private, public, internal",
        ),
        (
            {"rules": [{"name": "a", "properties": {"team": "payments"}}]},
            "select.rules[0].properties.team",
            "a non-empty list of values",
        ),
        (
            {"rules": [{"name": "a", "protection": {"required_approvals": 0}}]},
            "select.rules[0].protection.required_approvals",
            "at least 1",
        ),
        (
            {"rules": [{"name": "a"}], "exclude": "sandbox-*"},
            "select.exclude",
            "a list of repository names or patterns",
        ),
        (
            {"rules": [{"name": "a"}, {"name": "a"}]},
            "select.rules[1].name",
            "a name no earlier rule uses (select.rules[0])",
        ),
    ],
)
def test_a_bad_select_is_refused_with_its_path(select: Any, path: str, allowed: str) -> None:
    errors = errors_of(select=select)
    assert errors[0].path == path, errors
    assert allowed in errors[0].allowed
    # Only a missing `rules` may come with it.
    assert [e.path for e in errors[1:]] in ([], ["select.rules"]), errors


@pytest.mark.parametrize(
    ("shard", "path", "allowed"),
    [
        ({"index": 4, "count": 4}, "shard.index", "an integer from 0 to 3"),
        ({"index": 0, "count": 0}, "shard.count", "an integer from 1 to 256"),
        ({"index": 0}, "shard.count", "an integer from 1 to 256"),
    ],
)
def test_a_bad_shard_is_refused(shard: dict[str, int], path: str, allowed: str) -> None:
    errors = errors_of(select={"rules": [{"name": "all"}]}, shard=shard)
    assert [(e.path, allowed in e.allowed) for e in errors] == [(path, True)], errors


def test_organization_scope_needs_a_ruleset() -> None:
    errors = errors_of(
        defaults={"protection": {"scope": "organization", "kind": "classic"}},
        repositories=[{"name": "api"}],
    )
    assert [e.path for e in errors] == ["defaults.protection.scope"]
    assert 'only with kind "ruleset"' in errors[0].allowed
