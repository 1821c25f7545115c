"""`pipeline.merge_queue`: the config that allows it and refuses it, the ruleset rule it adds, and
how the plan says it."""

from __future__ import annotations

import inspect
import io
from pathlib import Path
from typing import Any

import pulumi
import pulumi_github as github
import pytest

from baseline.plan.offline import main
from baseline.resources.component import (
    MERGE_QUEUE,
    RepositoryBaseline,
    merge_queue_rule,
    ruleset_rules,
)
from baseline.resources.organization import ORGANIZATION_RULESET_ARGS
from baseline.resources.program import build
from baseline.stack.errors import ConfigErrors
from baseline.stack.settings import ProtectionSettings
from baseline.stack.validation import load_settings_file, parse_settings, warnings_for
from workflows.templates import rendered_pipeline

QUEUED = {"name": "shop", "pipeline": {"merge_queue": True}}
ALLOWED = 'true only with protection.scope "repository" and protection.kind "ruleset"'


def problems(defaults: object, repositories: object, select: object = None) -> list[str]:
    with pytest.raises(ConfigErrors) as refused:
        parse_settings(defaults, repositories, select)
    return [str(error) for error in refused.value.errors]


# --- What the config allows --------------------------------------------------------------------


def test_off_by_default_and_on_with_a_repository_ruleset() -> None:
    plain, queued = parse_settings(None, [{"name": "plain"}, QUEUED]).repositories
    assert plain.pipeline.options.merge_queue is False
    assert queued.pipeline.options.merge_queue is True
    assert (queued.protection.scope, queued.protection.kind) == ("repository", "ruleset")
    pipeline = rendered_pipeline(queued.pipeline.template, queued.pipeline.options)
    assert "\n  merge_group: {}\n" in pipeline.content
    assert (
        pipeline.required_checks
        == rendered_pipeline("backend-ci", plain.pipeline.options).required_checks
    )


# --- What it refuses: the cross-section rule ---------------------------------------------------


def test_refused_with_an_organization_ruleset() -> None:
    entry = {**QUEUED, "protection": {"scope": "organization"}}
    (problem,) = problems(None, [entry])
    assert problem.startswith(
        "repositories[0] (shop).pipeline.merge_queue: found true with protection.scope "
        '"organization"; allowed: ' + ALLOWED
    )
    assert "OrganizationRuleset has no merge_queue rule" in problem


def test_refused_with_classic_protection() -> None:
    entry = {**QUEUED, "protection": {"kind": "classic"}}
    (problem,) = problems(None, [entry])
    assert problem.startswith(
        'repositories[0] (shop).pipeline.merge_queue: found true with protection.kind "classic"; '
        "allowed: " + ALLOWED
    )
    assert "classic branch protection no merge queue setting" in problem


def test_a_key_inherited_from_defaults_is_named_with_where_it_comes_from() -> None:
    (problem,) = problems({"protection": {"scope": "organization"}}, [QUEUED])
    assert 'found true with protection.scope "organization" (scope from defaults.protection)' in (
        problem
    )
    (problem,) = problems(
        {"pipeline": {"merge_queue": True}}, [{"name": "legacy", "protection": {"kind": "classic"}}]
    )
    assert problem.startswith("repositories[0] (legacy).pipeline.merge_queue: found true with")
    assert "(merge_queue from defaults.pipeline)" in problem


def test_broken_by_the_defaults_alone_it_is_said_once_at_defaults() -> None:
    defaults = {"pipeline": {"merge_queue": True}, "protection": {"scope": "organization"}}
    found = problems(defaults, [{"name": "a"}, {"name": "b", "description": "B"}])
    assert len(found) == 1
    assert found[0].startswith("defaults.pipeline.merge_queue: found true with protection.scope")


def test_a_repository_that_turns_it_off_is_not_refused() -> None:
    defaults = {"pipeline": {"merge_queue": True}}
    entry = {
        "name": "legacy",
        "pipeline": {"merge_queue": False},
        "protection": {"kind": "classic"},
    }
    (config,) = parse_settings(defaults, [entry]).repositories
    assert config.pipeline.options.merge_queue is False


def test_a_select_rule_is_checked_too() -> None:
    select = {
        "rules": [{"name": "queued", "topics": ["backend"], "pipeline": {"merge_queue": True}}]
    }
    (problem,) = problems({"protection": {"scope": "organization"}}, None, select)
    assert problem.startswith("select.rules[0].pipeline.merge_queue: found true")


def test_the_stack_file_line_is_named(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.queued.yaml"
    stack.write_text(
        "config:\n"
        "  github:owner: example-org\n"
        "  repo-baseline:repositories:\n"
        "    - name: shop\n"
        "      pipeline:\n"
        "        merge_queue: true\n"
        "      protection:\n"
        "        scope: organization\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigErrors) as refused:
        load_settings_file(stack)
    (error,) = refused.value.errors
    assert error.where == "repositories[0] (shop).pipeline.merge_queue, line 6"


# --- Warnings: where GitHub may not follow -----------------------------------------------------


def test_a_private_repository_is_warned_about() -> None:
    configs = parse_settings(None, [QUEUED]).repositories
    queue_warnings = [w for w in warnings_for(configs) if "merge_queue" in w]
    assert len(queue_warnings) == 1
    assert queue_warnings[0].startswith("shop: pipeline.merge_queue on a private repository")
    assert "GitHub Enterprise Cloud" in queue_warnings[0]


def test_a_public_repository_is_not_warned_about() -> None:
    entry = {**QUEUED, "settings": {"visibility": "public"}}
    configs = parse_settings(None, [entry]).repositories
    assert not [w for w in warnings_for(configs) if "merge_queue" in w]


@pytest.mark.parametrize(
    ("allowed", "method"),
    [
        ({"allow_merge_commit": True, "allow_squash_merge": True}, "MERGE"),
        ({"allow_merge_commit": False, "allow_squash_merge": True}, "SQUASH"),
        (
            {"allow_merge_commit": False, "allow_squash_merge": False, "allow_rebase_merge": True},
            "REBASE",
        ),
    ],
)
def test_the_queue_merges_the_way_the_repository_allows(
    allowed: dict[str, bool], method: str
) -> None:
    (config,) = parse_settings(None, [{**QUEUED, "settings": allowed}]).repositories
    assert merge_queue_rule(config.settings) == {**MERGE_QUEUE, "merge_method": method}


# --- The ruleset rule ---------------------------------------------------------------------------


def test_the_rule_s_settings_are_the_provider_s_inputs_and_only_a_repository_ruleset_has_it() -> (
    None
):
    queue_args = inspect.signature(github.RepositoryRulesetRulesMergeQueueArgs).parameters
    assert set(queue_args) == set(MERGE_QUEUE)
    assert "merge_queue" in inspect.signature(github.RepositoryRulesetRulesArgs).parameters
    # pulumi-github 6.15: an organization ruleset has no merge queue rule.
    assert "merge_queue" not in inspect.signature(github.OrganizationRulesetRulesArgs).parameters
    with pytest.raises(ValueError, match="OrganizationRulesetRulesArgs has no merge queue rule"):
        ruleset_rules(
            ProtectionSettings(), ("Gate",), ORGANIZATION_RULESET_ARGS, merge_queue=MERGE_QUEUE
        )


def _baseline(entry: dict[str, Any]) -> RepositoryBaseline:
    return build(parse_settings(None, [entry]).repositories)[entry["name"]]


@pytest.mark.usefixtures("pulumi_mocks")
@pulumi.runtime.test
def test_the_ruleset_gets_the_merge_queue_rule_at_its_defaults() -> pulumi.Output[None]:
    queued, plain = _baseline(QUEUED), _baseline({"name": "plain"})
    assert isinstance(queued.protection, github.RepositoryRuleset)
    assert isinstance(plain.protection, github.RepositoryRuleset)

    def check(rules: list[Any]) -> None:
        queued_rules, plain_rules = rules
        # The default settings allow squash merges only: the queue squashes.
        assert queued_rules["merge_queue"] == {**MERGE_QUEUE, "merge_method": "SQUASH"}
        assert plain_rules.get("merge_queue") is None
        without = {key: value for key, value in queued_rules.items() if key != "merge_queue"}
        assert without == plain_rules

    return pulumi.Output.all(queued.protection.rules, plain.protection.rules).apply(check)


# --- The plan ------------------------------------------------------------------------------------


def test_the_plan_says_the_merge_queue_on_the_protection_line(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.queued.yaml"
    stack.write_text(
        "config:\n"
        "  github:owner: example-org\n"
        "  repo-baseline:repositories:\n"
        "    - name: shop\n"
        "      pipeline: {merge_queue: true}\n"
        "    - name: plain\n",
        encoding="utf-8",
    )
    stream = io.StringIO()
    assert main(["--config", str(stack)], stdout=stream) == 0
    lines = stream.getvalue().splitlines()
    (queued,) = [line for line in lines if "merge queue (" in line]
    assert queued.strip().startswith("protection")
    assert (
        "merge queue (merge method SQUASH, build concurrency 5, merges of 1 to 5 pull requests "
        "(up to 5 min waiting for 1), grouping ALLGREEN, status check timeout 60 min)"
    ) in queued
    assert any("merge_queue true" in line for line in lines)  # the pipeline line
