"""baseline.stack.validation: the stack config becomes StackSettings, or every problem is
reported."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import jsonschema
import pytest

from baseline.stack import python_lines
from baseline.stack.errors import ConfigError, ConfigErrors
from baseline.stack.schema import stack_schema
from baseline.stack.settings import (
    BypassActor,
    PipelineSettings,
    ProtectionSettings,
    RepositoryConfig,
    RepositorySettings,
)
from baseline.stack.validation import (
    CONFIG_NAMESPACE,
    load_settings_file,
    load_stack_file,
    parse_settings,
    warnings_for,
)
from workflows.options import BackendCiOptions

SCHEMA = jsonschema.Draft202012Validator(stack_schema())


# What the published schema (schema/stack.schema.json) cannot say: rules across layers or
# entries, and git's and glob's own semantics. Every other bad input the schema rejects too.
BEYOND_SCHEMA = (
    "no earlier entry uses",  # names unique ignoring case
    "one matches",  # a pr_branches pattern matching default_branch
    "from defaults.",  # a rule broken by a repository's keys together with the defaults'
    "with kind",  # approvals and bypass_actors of classic protection
    "for a new repository",  # a new repository's default branch
    "unless",  # push protection and security updates need what they build on
    "at least one of them true",  # a merge method, counting the built-in defaults
    "leaves the repository",  # a relative path that climbs out after normalisation
    "with no bypass_actors",  # the workflow lock needs the app it lets through
    "with pipeline.delivery",  # the workflow lock and pull request delivery
)


def errors_of(defaults: object = None, repositories: object = None) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as raised:
        parse_settings(defaults, repositories)
    errors = list(raised.value.errors)
    beyond = all(any(t in f"{e.found} {e.allowed}" for t in BEYOND_SCHEMA) for e in errors)
    config: dict[str, object] = {}
    if defaults is not None:
        config[f"{CONFIG_NAMESPACE}:defaults"] = defaults
    if repositories is not None:
        config[f"{CONFIG_NAMESPACE}:repositories"] = repositories
    rejected = any(SCHEMA.iter_errors({"config": config}))
    assert rejected or beyond, f"the schema accepts what the config refuses: {errors}"
    return errors


def only_error(defaults: object = None, repositories: object = None) -> ConfigError:
    errors = errors_of(defaults, repositories)
    assert len(errors) == 1, errors
    return errors[0]


def one(**keys: object) -> list[dict[str, object]]:
    """`repositories` with one entry, shop-backend, plus `keys`."""
    return [{"name": "shop-backend", **keys}]


def warnings_of(defaults: object, repositories: object) -> tuple[str, ...]:
    """The warnings about the repositories of a valid config, as the program logs them."""
    return warnings_for(parse_settings(defaults, repositories).repositories)


def repo_error(**keys: object) -> ConfigError:
    """The single problem of one repository entry with `keys`."""
    return only_error(None, one(**keys))


# --- repositories and their entries ---------------------------------------------------------------


def test_repositories_missing() -> None:
    error = only_error(None, None)
    assert error.path == "repositories"
    assert "repo-baseline:repositories" in error.found
    assert "non-empty list of repositories" in error.allowed


def test_repositories_empty() -> None:
    error = only_error(None, [])
    assert error.path == "repositories"
    assert error.found == "a list of 0"
    assert "non-empty list" in error.allowed


def test_repositories_not_a_list() -> None:
    error = only_error(None, {"name": "shop-backend"})
    assert error.path == "repositories"
    assert error.found == "a mapping"
    assert "list of repositories" in error.allowed


def test_entry_not_a_mapping() -> None:
    error = only_error(None, ["shop-backend"])
    assert error.path == "repositories[0]"
    assert error.found == '"shop-backend"'
    assert "a mapping with at least a name" in error.allowed


def test_entry_without_name() -> None:
    error = only_error(None, [{"adopt": True}])
    assert error.path == "repositories[0].name"
    assert "missing" in error.found
    assert "repository name" in error.allowed


def test_name_with_characters_github_refuses() -> None:
    error = only_error(None, [{"name": "shop backend"}])
    assert error.path == "repositories[0].name"
    assert error.found == '"shop backend"'
    assert "letters, digits, '.', '_' or '-'" in error.allowed


def test_name_longer_than_100() -> None:
    error = only_error(None, [{"name": "a" * 101}])
    assert error.path == "repositories[0].name"
    assert ("a" * 101) in error.found
    assert "1 to 100" in error.allowed


@pytest.mark.parametrize("name", [".", ".."])
def test_name_dot_or_dot_dot(name: str) -> None:
    error = only_error(None, [{"name": name}])
    assert error.path == "repositories[0].name"
    assert error.found == f'"{name}"'
    assert "not '.' or '..'" in error.allowed


def test_duplicate_name_compared_case_insensitively() -> None:
    error = only_error(None, [{"name": "shop-backend"}, {"name": "api"}, {"name": "Shop-Backend"}])
    assert error.path == "repositories[2].name"
    assert error.found == '"Shop-Backend"'
    assert 'repositories[0] is "shop-backend"' in error.allowed


def test_description_not_a_string() -> None:
    error = repo_error(description=42)
    assert error.path == "repositories[0].description"
    assert error.found == "42 (a number)"
    assert "a string" in error.allowed


def test_adopt_not_a_boolean() -> None:
    error = repo_error(adopt="yes")
    assert error.path == "repositories[0].adopt"
    assert error.found == '"yes"'
    assert error.allowed == "true or false"


# --- unknown keys, at every level ---------------------------------------------------------------


def test_unknown_key_in_entry() -> None:
    error = repo_error(descripton="Shop API")
    assert error.path == "repositories[0].descripton"
    assert '"descripton"' in error.found
    assert "one of: name, adopt, description" in error.allowed
    assert 'did you mean "description"?' in error.allowed


def test_unknown_key_in_defaults() -> None:
    error = only_error({"protecton": {}}, one())
    assert error.path == "defaults.protecton"
    assert '"protecton"' in error.found
    assert error.allowed == 'one of: pipeline, protection, settings (did you mean "protection"?)'


def test_unknown_key_in_pipeline() -> None:
    error = repo_error(pipeline={"python_verison": "3.12"})
    assert error.path == "repositories[0].pipeline.python_verison"
    assert '"python_verison"' in error.found
    assert 'did you mean "python_version"?' in error.allowed


def test_unknown_key_in_protection() -> None:
    error = repo_error(protection={"required_aprovals": 2})
    assert error.path == "repositories[0].protection.required_aprovals"
    assert '"required_aprovals"' in error.found
    assert error.allowed.startswith("one of: kind, scope, required_approvals, ")
    assert error.allowed.endswith('(did you mean "required_approvals"?)')


def test_unknown_key_in_settings() -> None:
    error = repo_error(settings={"visiblity": "public"})
    assert error.path == "repositories[0].settings.visiblity"
    assert '"visiblity"' in error.found
    assert 'did you mean "visibility"?' in error.allowed


def test_bypass_actor_with_a_role() -> None:
    errors = errors_of(None, one(protection={"bypass_actors": [{"role": "admin"}]}))
    assert [(e.path, e.found) for e in errors] == [
        ("repositories[0].protection.bypass_actors[0].role", 'unknown key "role"'),
        ("repositories[0].protection.bypass_actors[0].app_id", "nothing (the key is missing)"),
    ]
    assert errors[0].allowed == "one of: app_id"
    assert "GitHub App id" in errors[1].allowed


# --- wrong types --------------------------------------------------------------------------------


def test_string_for_a_number() -> None:
    error = repo_error(pipeline={"coverage_threshold": "80"})
    assert error.path == "repositories[0].pipeline.coverage_threshold"
    assert error.found == '"80"'
    assert error.allowed == "an integer from 0 to 100 (percent)"


def test_string_for_a_boolean() -> None:
    error = repo_error(settings={"allow_auto_merge": "true"})
    assert error.path == "repositories[0].settings.allow_auto_merge"
    assert error.found == '"true"'
    assert error.allowed == "true or false"


def test_boolean_for_a_number() -> None:
    error = repo_error(protection={"required_approvals": True})
    assert error.path == "repositories[0].protection.required_approvals"
    assert error.found == "true (a boolean)"
    assert "an integer from 1 to 10 (rulesets" in error.allowed


def test_scalar_for_a_mapping() -> None:
    error = repo_error(protection="strict")
    assert error.path == "repositories[0].protection"
    assert error.found == '"strict"'
    assert error.allowed.startswith("a mapping of: kind, scope, required_approvals")


def test_defaults_not_a_mapping() -> None:
    error = only_error(["pipeline"], one())
    assert error.path == "defaults"
    assert error.found == "a list of 1"
    assert error.allowed == "a mapping of: pipeline, protection, settings"


def test_scalar_for_a_list() -> None:
    error = repo_error(pipeline={"pr_branches": "main"})
    assert error.path == "repositories[0].pipeline.pr_branches"
    assert error.found == '"main"'
    assert "list of branch patterns" in error.allowed


# --- numbers out of range -----------------------------------------------------------------------


def test_approvals_above_the_ruleset_limit() -> None:
    error = repo_error(protection={"required_approvals": 11})
    assert error.path == "repositories[0].protection.required_approvals"
    assert error.found == "11 (a number)"
    assert error.allowed.startswith("an integer from 1 to 10 (rulesets")


def test_approvals_above_the_classic_limit() -> None:
    error = repo_error(protection={"kind": "classic", "required_approvals": 7})
    assert error.path == "repositories[0].protection.required_approvals"
    assert error.found == '7 (a number) with kind "classic"'
    assert error.allowed == "an integer from 1 to 6 (classic branch protection)"


def test_approvals_from_defaults_with_a_classic_repository() -> None:
    defaults = {"protection": {"required_approvals": 8}}
    repositories = [{"name": "api"}, {"name": "legacy", "protection": {"kind": "classic"}}]
    error = only_error(defaults, repositories)
    assert error.path == "repositories[1].protection.required_approvals"
    assert error.found == (
        '8 (a number) with kind "classic" (required_approvals from defaults.protection)'
    )
    assert error.allowed == "an integer from 1 to 6 (classic branch protection)"


def test_bypass_actors_with_classic_protection() -> None:
    error = repo_error(protection={"kind": "classic", "bypass_actors": [{"app_id": 5}]})
    assert error.path == "repositories[0].protection.bypass_actors"
    assert error.found == '1 bypass actor(s) with kind "classic"'
    assert "only with kind" in error.allowed


def test_coverage_above_100() -> None:
    error = repo_error(pipeline={"coverage_threshold": 101})
    assert error.path == "repositories[0].pipeline.coverage_threshold"
    assert error.found == "101 (a number)"
    assert error.allowed == "an integer from 0 to 100 (percent)"


# --- Python versions ----------------------------------------------------------------------------


def test_python_version_not_a_version() -> None:
    error = repo_error(pipeline={"python_version": "python3.12"})
    assert error.path == "repositories[0].pipeline.python_version"
    assert error.found == '"python3.12"'
    assert error.allowed == 'a quoted Python version like "3.12"'


@pytest.fixture
def on_2026_12_03(monkeypatch: pytest.MonkeyPatch) -> None:
    # The lines supported that day: 3.10 reached its end of life in 2026-10 (PEP 619).
    monkeypatch.setattr(python_lines, "today", lambda: datetime.date(2026, 12, 3))


@pytest.mark.usefixtures("on_2026_12_03")
@pytest.mark.parametrize(
    ("pipeline", "path", "found"),
    [
        ({"python_version": "3.7"}, "python_version", '"3.7" (not a CPython release line)'),
        ({"python_version": "3.99"}, "python_version", '"3.99" (not a CPython release line)'),
        ({"python_version": "3.10"}, "python_version", '"3.10" (end of life since 2026-10-31)'),
        (
            {"python_versions": ["3.12", "3.16"]},
            "python_versions",
            '"3.16" (not released before 2027-10-06)',
        ),
    ],
)
def test_python_versions_must_be_supported_cpython_lines(
    pipeline: dict[str, object], path: str, found: str
) -> None:
    error = repo_error(pipeline=pipeline)
    assert error.path == f"repositories[0].pipeline.{path}"
    assert error.found == found
    assert error.allowed.startswith(
        "a supported CPython line, quoted: 3.11, 3.12, 3.13, 3.14, 3.15 ("
    )


def test_the_default_python_version_is_supported_today() -> None:
    # The built-in default is never checked against a layer: it must be a supported line itself
    # (this fails the day it reaches its end of life, before any stack does).
    assert python_lines.why_not(BackendCiOptions().python_version, python_lines.today()) is None


def test_python_version_read_as_a_number_by_yaml() -> None:
    error = repo_error(pipeline={"python_versions": ["3.9", 3.1]})
    assert error.path == "repositories[0].pipeline.python_versions[1]"
    assert error.found == "3.1 (a number)"
    assert 'YAML reads an unquoted 3.10 as 3.1; quote it: "3.10"' in error.allowed


def test_python_version_not_a_string() -> None:
    error = repo_error(pipeline={"python_version": ["3.12"]})
    assert error.path == "repositories[0].pipeline.python_version"
    assert error.found == "a list of 1"
    assert "quoted Python version" in error.allowed


def test_python_versions_duplicated() -> None:
    error = repo_error(pipeline={"python_versions": ["3.12", "3.13", "3.12"]})
    assert error.path == "repositories[0].pipeline.python_versions[2]"
    assert error.found == '"3.12"'
    assert error.allowed == "each value once ([0] is the same)"


def test_python_versions_empty() -> None:
    error = repo_error(pipeline={"python_versions": []})
    assert error.path == "repositories[0].pipeline.python_versions"
    assert error.found == "a list of 0"
    assert "non-empty list of quoted Python versions" in error.allowed


# --- branches -----------------------------------------------------------------------------------


def test_pr_branches_empty() -> None:
    error = repo_error(pipeline={"pr_branches": []})
    assert error.path == "repositories[0].pipeline.pr_branches"
    assert error.found == "a list of 0"
    assert "non-empty list of branch patterns" in error.allowed


def test_pr_branches_missing_the_default_branch() -> None:
    error = repo_error(pipeline={"pr_branches": ["release/*"]})
    assert error.path == "repositories[0].pipeline.pr_branches"
    assert error.found == '["release/*"], none matching default_branch "main"'
    assert 'one matches "main"' in error.allowed
    assert "never reported on pull requests" in error.allowed


def test_pr_branches_negating_the_default_branch() -> None:
    error = repo_error(pipeline={"pr_branches": ["**", "!main"]})
    assert error.path == "repositories[0].pipeline.pr_branches"
    assert 'none matching default_branch "main"' in error.found
    assert 'one matches "main"' in error.allowed


@pytest.mark.parametrize("pattern", ["", "bau /**", "!", 7])
def test_pr_branches_entry_not_a_pattern(pattern: object) -> None:
    error = repo_error(pipeline={"pr_branches": ["main", pattern]})
    assert error.path == "repositories[0].pipeline.pr_branches[1]"
    assert "pattern without spaces" in error.allowed


@pytest.mark.parametrize("branch", ["feature..x", "main/", "-main", "my branch", "a.lock", ""])
def test_default_branch_not_a_branch_name(branch: str) -> None:
    # pr_branches "**" matches anything, so only the name itself is wrong.
    error = repo_error(pipeline={"default_branch": branch, "pr_branches": ["**"]})
    assert error.path == "repositories[0].pipeline.default_branch"
    assert error.found == f'"{branch}"'
    assert error.allowed.startswith("a git branch name")


# --- enumerations -------------------------------------------------------------------------------


def test_unknown_template() -> None:
    error = repo_error(pipeline={"template": "frontend-ci"})
    assert error.path == "repositories[0].pipeline.template"
    assert error.found == '"frontend-ci"'
    assert error.allowed.startswith("one of: backend-ci")


def test_unknown_protection_kind() -> None:
    error = repo_error(protection={"kind": "rulesets"})
    assert error.path == "repositories[0].protection.kind"
    assert error.found == '"rulesets"'
    assert error.allowed == 'one of: ruleset, classic (did you mean "ruleset"?)'


def test_unknown_visibility() -> None:
    error = repo_error(settings={"visibility": "secret"})
    assert error.path == "repositories[0].settings.visibility"
    assert error.found == '"secret"'
    assert error.allowed.startswith("one of: private, public, internal")


def test_unknown_default_workflow_permissions() -> None:
    error = repo_error(settings={"default_workflow_permissions": "write-all"})
    assert error.path == "repositories[0].settings.default_workflow_permissions"
    assert error.found == '"write-all"'
    assert error.allowed.startswith("one of: read, write")


# --- working directory --------------------------------------------------------------------------


def test_working_directory_absolute() -> None:
    error = repo_error(pipeline={"working_directory": "/srv/backend"})
    assert error.path == "repositories[0].pipeline.working_directory"
    assert error.found == '"/srv/backend" (an absolute path)'
    assert "relative path inside the repository" in error.allowed


def test_working_directory_empty() -> None:
    error = repo_error(pipeline={"working_directory": ""})
    assert error.path == "repositories[0].pipeline.working_directory"
    assert error.found == '""'
    assert "('.' is the root)" in error.allowed


def test_working_directory_leaving_the_repository() -> None:
    error = repo_error(pipeline={"working_directory": "backend/../../shared"})
    assert error.path == "repositories[0].pipeline.working_directory"
    assert error.found == '"backend/../../shared" (it leaves the repository)'
    assert "relative path inside the repository" in error.allowed


def test_working_directory_with_other_characters() -> None:
    error = repo_error(pipeline={"working_directory": "back end"})
    assert error.path == "repositories[0].pipeline.working_directory"
    assert error.found == '"back end"'
    assert "letters, digits, '.', '_', '-' and '/'" in error.allowed


@pytest.mark.parametrize(
    ("written", "normalised"),
    [("./backend", "backend"), ("backend/", "backend"), (".", "."), ("a/../api", "api")],
)
def test_working_directory_normalised(written: str, normalised: str) -> None:
    settings = parse_settings(None, one(pipeline={"working_directory": written}))
    assert settings.repositories[0].pipeline.options.working_directory == normalised


# --- settings and protection rules --------------------------------------------------------------


def test_every_merge_method_disabled() -> None:
    error = repo_error(settings={"allow_squash_merge": False})
    assert error.path == "repositories[0].settings"
    assert error.found == "allow_merge_commit, allow_squash_merge and allow_rebase_merge all false"
    assert "at least one of them true" in error.allowed


def test_bypass_actor_app_id_as_a_string() -> None:
    error = repo_error(protection={"bypass_actors": [{"app_id": "12345"}]})
    assert error.path == "repositories[0].protection.bypass_actors[0].app_id"
    assert error.found == '"12345"'
    assert error.allowed == "a GitHub App id: a positive integer"


def test_bypass_actor_user_name() -> None:
    error = repo_error(protection={"bypass_actors": ["octocat"]})
    assert error.path == "repositories[0].protection.bypass_actors[0]"
    assert error.found == '"octocat"'
    assert "{app_id: N}" in error.allowed
    assert "people, teams and roles cannot bypass" in error.allowed


@pytest.mark.parametrize("app_id", [0, -15368])
def test_bypass_actor_app_id_not_positive(app_id: int) -> None:
    error = repo_error(protection={"bypass_actors": [{"app_id": app_id}]})
    assert error.path == "repositories[0].protection.bypass_actors[0].app_id"
    assert error.found == f"{app_id} (a number)"
    assert error.allowed == "a GitHub App id: a positive integer"


def test_push_protection_without_secret_scanning() -> None:
    error = repo_error(settings={"secret_scanning_push_protection": True})
    assert error.path == "repositories[0].settings.secret_scanning_push_protection"
    assert error.found == "true (a boolean) with secret_scanning false"
    assert error.allowed == "false unless secret_scanning is true"


def test_security_updates_without_vulnerability_alerts() -> None:
    error = repo_error(settings={"vulnerability_alerts": False})
    assert error.path == "repositories[0].settings.dependabot_security_updates"
    assert error.found == "true (a boolean) with vulnerability_alerts false"
    assert error.allowed.startswith("false unless vulnerability_alerts is true")


# --- defaults and merging -----------------------------------------------------------------------


def test_defaults_error_reported_once() -> None:
    repositories = [{"name": "a"}, {"name": "b"}, {"name": "c"}]
    error = only_error({"protection": {"kind": "branch"}}, repositories)
    assert error.path == "defaults.protection.kind"
    assert error.found == '"branch"'
    assert error.allowed == "one of: ruleset, classic"


def test_defaults_cross_field_error_reported_once() -> None:
    defaults = {"protection": {"kind": "classic", "required_approvals": 8}}
    error = only_error(defaults, [{"name": "a"}, {"name": "b"}])
    assert error.path == "defaults.protection.required_approvals"
    assert error.found == '8 (a number) with kind "classic"'


def test_nothing_set_gives_the_dataclass_defaults() -> None:
    settings = parse_settings(None, [{"name": "shop-backend"}])
    assert settings.repositories == (RepositoryConfig(name="shop-backend"),)
    assert settings.repositories[0].pipeline.options.python_versions == ()


def test_defaults_only_applied() -> None:
    defaults = {
        "pipeline": {"coverage_threshold": 90},
        "protection": {"required_approvals": 2},
        "settings": {"visibility": "internal"},
    }
    settings = parse_settings(defaults, [{"name": "a"}, {"name": "b"}])
    for repository in settings.repositories:
        assert repository.pipeline.options.coverage_threshold == 90
        assert repository.protection.required_approvals == 2
        assert repository.settings.visibility == "internal"


def test_repository_key_merges_over_the_defaults_mapping() -> None:
    defaults = {"protection": {"required_approvals": 2, "require_code_owner_reviews": True}}
    repositories = one(protection={"required_approvals": 3})
    protection = parse_settings(defaults, repositories).repositories[0].protection
    assert protection == ProtectionSettings(required_approvals=3, require_code_owner_reviews=True)


def test_repository_lists_replace_the_defaults_lists() -> None:
    defaults = {
        "pipeline": {"python_versions": ["3.11", "3.12"], "pr_branches": ["main", "bau/**"]},
        "protection": {"bypass_actors": [{"app_id": 1}, {"app_id": 2}]},
    }
    repositories = one(
        pipeline={"python_versions": ["3.13"], "pr_branches": ["main"]},
        protection={"bypass_actors": []},
    )
    repository = parse_settings(defaults, repositories).repositories[0]
    assert repository.pipeline.options.python_versions == ("3.13",)
    assert repository.pipeline.options.pr_branches == ("main",)
    assert repository.protection.bypass_actors == ()


def test_every_value_converted() -> None:
    repositories = one(
        adopt=True,
        description="Shop API",
        pipeline={
            "working_directory": "services/api",
            "python_versions": ["3.11", "3.12"],
            "pr_branches": ["trunk", "release/**"],
            "default_branch": "trunk",
        },
        protection={"bypass_actors": [{"app_id": 123456}]},
        settings={"allow_merge_commit": True, "allow_squash_merge": False},
    )
    repository = parse_settings(None, repositories).repositories[0]
    assert repository == RepositoryConfig(
        name="shop-backend",
        adopt=True,
        description="Shop API",
        pipeline=PipelineSettings(
            options=BackendCiOptions(
                working_directory="services/api",
                python_versions=("3.11", "3.12"),
                pr_branches=("trunk", "release/**"),
                default_branch="trunk",
            )
        ),
        protection=ProtectionSettings(bypass_actors=(BypassActor(app_id=123456),)),
        settings=RepositorySettings(allow_merge_commit=True, allow_squash_merge=False),
        explicit=repository.explicit,
        own=repository.own,
    )
    # What the entry set, which decides what an adopted repository keeps from GitHub.
    assert repository.own == {
        "description",
        "pipeline.working_directory",
        "pipeline.python_versions",
        "pipeline.pr_branches",
        "pipeline.default_branch",
        "protection.bypass_actors",
        "settings.allow_merge_commit",
        "settings.allow_squash_merge",
    }
    assert repository.explicit == repository.own
    with_defaults = parse_settings({"settings": {"has_wiki": True}}, repositories).repositories[0]
    assert with_defaults.explicit == repository.own | {"settings.has_wiki"}
    assert with_defaults.own == repository.own


def test_result_is_frozen() -> None:
    settings = parse_settings(None, one())
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.repositories[0].protection.required_approvals = 0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("section", "model"),
    [
        (
            "pipeline",
            (
                "template",
                "delivery",
                "central_repository",
                "replaces",
                *(f.name for f in dataclasses.fields(BackendCiOptions)),
            ),
        ),
        ("protection", tuple(f.name for f in dataclasses.fields(ProtectionSettings))),
        ("settings", tuple(f.name for f in dataclasses.fields(RepositorySettings))),
    ],
)
def test_schema_covers_every_settings_field(section: str, model: tuple[str, ...]) -> None:
    assert tuple(stack_schema()["$defs"][section]["properties"]) == model


def test_every_problem_reported() -> None:
    defaults = {"protection": {"kind": "clasic"}}
    repositories = [
        {"name": "shop backend", "adopt": "yes"},
        {"name": "api", "pipeline": {"coverage_threshold": 120, "python_versions": [3.1]}},
        "legacy",
    ]
    errors = errors_of(defaults, repositories)
    assert [error.path for error in errors] == [
        "defaults.protection.kind",
        "repositories[0].name",
        "repositories[0].adopt",
        "repositories[1].pipeline.coverage_threshold",
        "repositories[1].pipeline.python_versions[0]",
        "repositories[2]",
    ]


# --- warnings -----------------------------------------------------------------------------------


def test_warning_for_a_ruleset_without_bypass_actors() -> None:
    (warning,) = warnings_of(None, one())
    assert warning.startswith("shop-backend")
    assert "after the first `pulumi up`" in warning
    assert "GitHub App listed in protection.bypass_actors" in warning


def test_warning_for_classic_protection() -> None:
    (warning,) = warnings_of(None, one(protection={"kind": "classic"}))
    assert warning.startswith("shop-backend")
    assert "classic branch protection (enforce_admins on) rejects every direct commit" in warning
    assert "pull request" in warning


def test_no_warning_for_a_ruleset_with_a_bypass_app() -> None:
    defaults = {"protection": {"bypass_actors": [{"app_id": 123456}]}}
    assert warnings_of(defaults, one()) == ()


def test_a_warning_shared_by_1000_repositories_is_one_warning_naming_the_first_five() -> None:
    repositories = [{"name": f"svc-{index:04d}"} for index in range(1000)]
    (warning,) = warnings_of(None, repositories)
    assert warning.startswith(
        "1,000 repositories (svc-0000, svc-0001, svc-0002, svc-0003, svc-0004 and 995 more): "
        "the ruleset has no bypass_actors"
    )
    assert "svc-0005" not in warning


def test_one_warning_per_problem_each_naming_its_repositories_in_config_order() -> None:
    classic = {"protection": {"kind": "classic"}}
    bypass = {"protection": {"bypass_actors": [{"app_id": 123456}]}}
    repositories = [
        {"name": "legacy-a", **classic},
        {"name": "svc-a"},
        {"name": "fine", **bypass},
        {"name": "svc-b"},
        {"name": "legacy-b", **classic},
        {"name": "legacy-c", **classic},
    ]
    classic_warning, ruleset_warning = warnings_of(None, repositories)
    assert classic_warning.startswith("3 repositories (legacy-a, legacy-b, legacy-c): classic")
    assert ruleset_warning.startswith("2 repositories (svc-a, svc-b): the ruleset has no")


# --- what the policies would reject, and contradictions ---------------------------------------


def test_zero_approvals_are_refused_with_the_policys_reason() -> None:
    error = repo_error(protection={"required_approvals": 0})
    assert error.path == "repositories[0].protection.required_approvals"
    assert error.found == "0 (a number)"
    assert "mandatory policy reviews-required" in error.allowed


def test_stale_approvals_kept_are_refused_with_the_policys_reason() -> None:
    error = only_error({"protection": {"dismiss_stale_reviews": False}}, one())
    assert error.path == "defaults.protection.dismiss_stale_reviews"
    assert error.found == "false (a boolean)"
    assert "approvals would survive new pushes" in error.allowed


def test_bypass_actors_from_defaults_on_a_classic_repository_say_the_fix() -> None:
    defaults = {"protection": {"bypass_actors": [{"app_id": 5}]}}
    error = only_error(defaults, one(protection={"kind": "classic"}))
    assert error.path == "repositories[0].protection.bypass_actors"
    assert "(bypass_actors from defaults.protection)" in error.found
    assert "set bypass_actors: [] in this repository" in error.allowed
    fixed = one(protection={"kind": "classic", "bypass_actors": []})
    assert parse_settings(defaults, fixed).repositories[0].protection.bypass_actors == ()


def test_own_python_version_that_inherited_python_versions_would_ignore() -> None:
    defaults = {"pipeline": {"python_versions": ["3.12", "3.13"]}}
    error = only_error(defaults, one(pipeline={"python_version": "3.11"}))
    assert error.path == "repositories[0].pipeline.python_version"
    assert error.found == '"3.11" with python_versions ["3.12", "3.13"] from defaults.pipeline'
    assert "python_versions set in this repository too" in error.allowed
    assert parse_settings(defaults, one(pipeline={"python_version": "3.13"}))


def test_secret_scanning_on_a_private_repository_is_warned_about() -> None:
    (_, warning) = warnings_of(None, one(settings={"secret_scanning": True}))
    assert warning.startswith("shop-backend: settings.secret_scanning on a private repository")
    public = one(settings={"secret_scanning": True, "visibility": "public"})
    assert len(warnings_of(None, public)) == 1


def test_sha_pinning_is_a_setting_decided_for_adoption_elsewhere() -> None:
    assert RepositorySettings().sha_pinning_required is True
    # Only the 409 warning: what pinning does to an adopted repository's existing workflows is
    # said by baseline.stack.adoption, which reads them (tests/baseline/test_safety.py).
    (warning,) = warnings_of(None, one(adopt=True))
    assert "409" in warning
    off = one(adopt=True, settings={"sha_pinning_required": False})
    settings = parse_settings(None, off)
    assert len(warnings_for(settings.repositories)) == 1
    assert settings.repositories[0].settings.sha_pinning_required is False


# --- the stack file -----------------------------------------------------------------------------

STACK_FILE = f"""\
config:
  github:owner: example-org
  github:token:
    secure: AAABAFakeCipherText==
  github:parallelRequests: true
  {CONFIG_NAMESPACE}:defaults:
    protection:
      required_approvals: 2
  {CONFIG_NAMESPACE}:repositories:
    - name: shop-backend
      adopt: true
"""


def write(tmp_path: Path, text: str, name: str = "Pulumi.dev.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stack_errors(path: Path) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as raised:
        load_stack_file(path)
    return list(raised.value.errors)


def test_stack_file_read(tmp_path: Path) -> None:
    stack = load_stack_file(write(tmp_path, STACK_FILE))
    assert stack.stack == "dev"
    assert stack.owner == "example-org"
    assert stack.config["github:token"] == {"secure": "AAABAFakeCipherText=="}
    assert stack.config["github:parallelRequests"] is True
    assert stack.defaults == {"protection": {"required_approvals": 2}}
    assert stack.repositories == [{"name": "shop-backend", "adopt": True}]


def test_settings_file_read(tmp_path: Path) -> None:
    stack, settings = load_settings_file(write(tmp_path, STACK_FILE))
    assert stack.stack == "dev"
    assert settings.repositories[0].adopt is True
    assert settings.repositories[0].protection.required_approvals == 2


def test_stack_file_missing(tmp_path: Path) -> None:
    (error,) = stack_errors(tmp_path / "Pulumi.dev.yaml")
    assert error.path.endswith("Pulumi.dev.yaml")
    assert "cannot be read" in error.found
    assert error.allowed == "a readable stack file"


def test_stack_file_name_not_a_stack_file(tmp_path: Path) -> None:
    (error,) = stack_errors(write(tmp_path, STACK_FILE, name="stack.yaml"))
    assert error.path.endswith("stack.yaml")
    assert error.found == 'the file name "stack.yaml"'
    assert error.allowed == (
        "Pulumi.<stack>.yaml, or any name with the stack's name given (--stack NAME)"
    )
    # Any name, with the stack's name given.
    stack = load_stack_file(write(tmp_path, STACK_FILE, name="prod-stack.yaml"), "prod")
    assert stack.stack == "prod"


def test_stack_file_not_valid_yaml(tmp_path: Path) -> None:
    (error,) = stack_errors(write(tmp_path, "config:\n  github:owner: [example-org\n"))
    assert error.path.endswith("Pulumi.dev.yaml")
    assert error.found.startswith("invalid YAML at line 3")
    assert error.allowed == "valid YAML"


def test_a_tab_in_the_stack_file_is_called_a_tab(tmp_path: Path) -> None:
    text = "config:\n  repo-baseline:repositories:\n\t- name: shop\n"
    (error,) = stack_errors(write(tmp_path, text))
    assert error.found == (
        "invalid YAML at line 3, column 1: a tab, which YAML does not allow for indentation "
        '(indent with spaces): "- name: shop"'
    )


def test_stack_file_not_a_mapping(tmp_path: Path) -> None:
    (error,) = stack_errors(write(tmp_path, "- config\n"))
    assert error.path.endswith("Pulumi.dev.yaml")
    assert error.found == "a list of 1"
    assert "a YAML mapping with a config: key" in error.allowed


def test_stack_file_without_config(tmp_path: Path) -> None:
    (error,) = stack_errors(write(tmp_path, "encryptionsalt: v1:abc\n"))
    assert error.path == "config"
    assert "missing" in error.found
    assert "mapping of namespaced keys" in error.allowed


def test_stack_file_config_not_a_mapping(tmp_path: Path) -> None:
    (error,) = stack_errors(write(tmp_path, "config: example-org\n"))
    assert error.path == "config"
    assert error.found == '"example-org"'
    assert "mapping of namespaced keys" in error.allowed


def test_stack_file_unknown_own_key(tmp_path: Path) -> None:
    text = STACK_FILE + f"  {CONFIG_NAMESPACE}:repository:\n    - name: api\n"
    (error,) = stack_errors(write(tmp_path, text))
    assert error.path == "config.repo-baseline:repository"
    assert error.found == 'unknown key "repo-baseline:repository"'
    assert error.allowed == (
        "one of: repo-baseline:defaults, repo-baseline:repositories, repo-baseline:select, "
        'repo-baseline:shard, repo-baseline:removals (did you mean "repo-baseline:repositories"?)'
    )


def test_stack_file_key_without_namespace(tmp_path: Path) -> None:
    (error,) = stack_errors(write(tmp_path, STACK_FILE + "  repositories: []\n"))
    assert error.path == "config.repositories"
    assert error.found == 'unknown key "repositories"'
    assert error.allowed.startswith("a key of the form <namespace>:<name>")
    assert 'did you mean "repo-baseline:repositories"?' in error.allowed


def test_settings_file_reports_both_steps(tmp_path: Path) -> None:
    text = STACK_FILE.replace("adopt: true", "adopt: maybe") + "  repo-baseline:default: {}\n"
    with pytest.raises(ConfigErrors) as raised:
        load_settings_file(write(tmp_path, text))
    assert [error.path for error in raised.value.errors] == [
        "config.repo-baseline:default",
        "repositories[0].adopt",
    ]


# --- the default branch of a new repository ---------------------------------------------------


def test_a_new_repository_on_another_default_branch_is_refused() -> None:
    """auto_init commits to main; committing the workflow to develop would 404 on `pulumi up`."""
    error = repo_error(pipeline={"default_branch": "develop", "pr_branches": ["develop"]})
    assert error.path == "repositories[0].pipeline.default_branch"
    assert error.found == '"develop" for a new repository'
    assert "adopt: true" in error.allowed


def test_an_adopted_repository_may_have_another_default_branch() -> None:
    [config] = parse_settings(
        None, one(adopt=True, pipeline={"default_branch": "develop", "pr_branches": ["develop"]})
    ).repositories
    assert config.pipeline.options.default_branch == "develop"


def test_a_default_branch_from_defaults_is_refused_per_new_repository() -> None:
    errors = errors_of(
        {"pipeline": {"default_branch": "develop", "pr_branches": ["develop"]}}, one()
    )
    assert [e.path for e in errors] == ["repositories[0].pipeline.default_branch"]


def test_homepage_must_be_a_url() -> None:
    error = repo_error(settings={"homepage": "docs.example.com"})
    assert error.path == "repositories[0].settings.homepage"
    assert "a URL like" in error.allowed


def test_has_wiki_must_be_a_boolean() -> None:
    error = repo_error(settings={"has_wiki": "yes"})
    assert (error.path, error.allowed) == ("repositories[0].settings.has_wiki", "true or false")
