"""Stack config -> validated `StackSettings`: every problem reported at once, as `ConfigErrors`.

Plain Python (no Pulumi): the stack file is read with `load_stack_file`, the raw values of
`repo-baseline:defaults` and `repo-baseline:repositories` are checked by `parse_settings`.
Each section has a small schema (key -> converter); one walker applies it, and each section's
cross-field checks run on the merged result (defaults first, then the repository's keys).
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, TypeVar, cast

import yaml

from baseline import stack_yaml
from baseline.errors import ConfigError, ConfigErrors, describe
from baseline.settings import (
    MAX_APPROVALS,
    PROTECTION_KINDS,
    VISIBILITIES,
    WORKFLOW_PERMISSIONS,
    BypassActor,
    PipelineSettings,
    ProtectionKind,
    ProtectionSettings,
    RepositoryConfig,
    RepositorySettings,
    StackSettings,
)
from workflows.filters import branch_matches
from workflows.options import FAIL_LEVELS, SERVICES, BackendCiOptions
from workflows.templates import TEMPLATES

CONFIG_NAMESPACE = "repo-baseline"
DEFAULTS_KEY = f"{CONFIG_NAMESPACE}:defaults"
REPOSITORIES_KEY = f"{CONFIG_NAMESPACE}:repositories"
OWNER_KEY = "github:owner"

T = TypeVar("T")
Converter = Callable[[object], object]
MISSING_KEY = "nothing (the key is missing)"


# --- Problems found by converters, relative to the value they were given -----------------------


@dataclass(frozen=True)
class _Problem:
    at: str  # path below the checked value: "", ".kind", "[2].app_id"
    found: str
    allowed: str

    def under(self, prefix: str) -> _Problem:
        return replace(self, at=prefix + self.at)


class _InvalidError(Exception):
    """Raised by a converter that refuses its value."""

    def __init__(self, problems: Iterable[_Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.problems)


def _refuse(value: object, allowed: str, found: str | None = None) -> _InvalidError:
    return _InvalidError([_Problem("", found if found is not None else describe(value), allowed)])


def _report(problems: Iterable[_Problem], path: str, errors: list[ConfigError]) -> None:
    errors.extend(
        ConfigError(path + problem.at, problem.found, problem.allowed) for problem in problems
    )


def _one_of(options: Iterable[str], found: object) -> str:
    """`one of: a, b`, with a did-you-mean when `found` is close to one of them."""
    options = list(options)
    text = f"one of: {', '.join(options)}"
    close = difflib.get_close_matches(found, options, n=1) if isinstance(found, str) else []
    return f"{text} (did you mean {json.dumps(close[0])}?)" if close else text


# --- Converters: each takes a raw value and returns the typed one, or raises _InvalidError -----


def _unchecked(value: object) -> object:
    return value


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise _refuse(value, "true or false")


def _integer(low: int, high: int | None, allowed: str) -> Converter:
    def convert(value: object) -> int:
        # bool is an int in Python; `true` is not a count.
        if not isinstance(value, int) or isinstance(value, bool):
            raise _refuse(value, allowed)
        if value < low or (high is not None and value > high):
            raise _refuse(value, allowed)
        return value

    return convert


def _choice(options: Sequence[str]) -> Converter:
    def convert(value: object) -> str:
        if isinstance(value, str) and value in options:
            return value
        raise _refuse(value, _one_of(options, value))

    return convert


def _description(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _refuse(value, "a string (or leave it out)")


def _homepage(value: object) -> str:
    if isinstance(value, str) and (value == "" or re.fullmatch(r"https?://\S+", value)):
        return value
    raise _refuse(value, 'a URL like "https://docs.example.com/shop" (or "" for none)')


# What GitHub accepts as a repository name; it would silently rewrite anything else.
_REPOSITORY_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


def _repository_name(value: object) -> str:
    if isinstance(value, str) and _REPOSITORY_NAME.fullmatch(value) and value not in (".", ".."):
        return value
    raise _refuse(
        value,
        "a GitHub repository name: 1 to 100 letters, digits, '.', '_' or '-', not '.' or '..'",
    )


_PYTHON_VERSION = re.compile(r"3\.\d{1,2}")


def _python_version(value: object) -> str:
    if isinstance(value, str) and _PYTHON_VERSION.fullmatch(value):
        return value
    allowed = 'a quoted Python version like "3.12"'
    if isinstance(value, int | float) and not isinstance(value, bool):
        allowed += ' (YAML reads an unquoted 3.10 as 3.1; quote it: "3.10")'
    raise _refuse(value, allowed)


_PATH_CHARACTERS = re.compile(r"[A-Za-z0-9._/-]+")


def _working_directory(value: object) -> str:
    """A relative directory inside the repository, normalised: `./backend/` -> `backend`."""
    allowed = (
        "a relative path inside the repository of letters, digits, '.', '_', '-' and '/' "
        "('.' is the root)"
    )
    if not isinstance(value, str) or not _PATH_CHARACTERS.fullmatch(value):
        raise _refuse(value, allowed)
    if value.startswith("/"):
        raise _refuse(value, allowed, f"{describe(value)} (an absolute path)")
    path = posixpath.normpath(value)
    if path == ".." or path.startswith("../"):
        raise _refuse(value, allowed, f"{describe(value)} (it leaves the repository)")
    return path


# git check-ref-format, for a branch: no control characters, spaces or ~^:?*[\, no `..`, `@{`,
# `//` or `/.`, no component ending in `.lock`; not starting with `.`, `/` or `-`, not ending
# with `/` or `.`, and not `@` alone.
_BRANCH_NAME = re.compile(
    r"(?![./-])(?!@$)(?!.*(?:\.\.|@\{|//|/\.|\.lock/|\.lock$))[^\x00-\x20\x7f~^:?*\[\\]+(?<![/.])"
)


def _branch_name(value: object) -> str:
    if isinstance(value, str) and _BRANCH_NAME.fullmatch(value):
        return value
    raise _refuse(
        value,
        "a git branch name like main (no spaces or ~ ^ : ? * [ \\, no '..' or '@{', "
        "not starting with '.', '/' or '-', not ending with '/', '.' or '.lock')",
    )


_BRANCH_PATTERN = re.compile(r"!?[^\s!]\S*")


def _branch_pattern(value: object) -> str:
    if isinstance(value, str) and _BRANCH_PATTERN.fullmatch(value):
        return value
    raise _refuse(value, 'a branch pattern without spaces, like "main" or "bau/**"')


def _command(value: object) -> str:
    """A shell command of a pipeline job: one line, no `${{ }}` (values go through env)."""
    allowed = (
        'a shell command on one line, like "make lint", without ${{ }} expressions (a '
        "workflow expression inside a script is a code injection risk)"
    )
    if isinstance(value, str) and value.strip() and "\n" not in value and "${{" not in value:
        return value.strip()
    raise _refuse(value, allowed)


_COVERAGE_SOURCE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]*")


def _coverage_source(value: object) -> str:
    if isinstance(value, str) and _COVERAGE_SOURCE.fullmatch(value) and ".." not in value:
        return value
    raise _refuse(value, 'a package or a directory relative to working_directory, like "src"')


_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _settings_module(value: object) -> str | None:
    if value is None or (isinstance(value, str) and _MODULE.fullmatch(value)):
        return value
    raise _refuse(value, 'a dotted Python module like "config.settings.production" (or null)')


def _list_of(item: Converter, allowed: str, *, min_items: int, unique: bool) -> Converter:
    """A YAML list -> a tuple, each item converted; duplicates refused when `unique`."""

    def convert(value: object) -> tuple[object, ...]:
        if not isinstance(value, list) or len(value) < min_items:
            raise _refuse(value, allowed)
        items: list[object] = []
        problems: list[_Problem] = []
        for index, raw in enumerate(value):
            try:
                converted = item(raw)
            except _InvalidError as invalid:
                problems.extend(problem.under(f"[{index}]") for problem in invalid.problems)
                continue
            if unique and converted in items:
                earlier = items.index(converted)
                problems.append(
                    _Problem(
                        f"[{index}]", describe(raw), f"each value once ([{earlier}] is the same)"
                    )
                )
            items.append(converted)
        if problems:
            raise _InvalidError(problems)
        return tuple(items)

    return convert


def _walk(
    raw: object,
    fields: Mapping[str, Converter],
    *,
    shape: str | None = None,
    required: Mapping[str, str] | None = None,
) -> tuple[dict[str, object], list[_Problem]]:
    """Convert each key of the mapping `raw` with its converter: the valid values, the problems.

    Unknown keys are problems (with a did-you-mean), and so are missing `required` keys (the
    mapping's values are what each one allows).
    """
    if not isinstance(raw, Mapping):
        return {}, [_Problem("", describe(raw), shape or f"a mapping of: {', '.join(fields)}")]
    values: dict[str, object] = {}
    problems: list[_Problem] = []
    for key, value in raw.items():
        convert = fields.get(key) if isinstance(key, str) else None
        if convert is None:
            problems.append(
                _Problem(f".{key}", f"unknown key {describe(key)}", _one_of(fields, key))
            )
            continue
        try:
            values[key] = convert(value)
        except _InvalidError as invalid:
            problems.extend(problem.under(f".{key}") for problem in invalid.problems)
    for key, allowed in (required or {}).items():
        if key not in raw:
            problems.append(_Problem(f".{key}", MISSING_KEY, allowed))
    return values, problems


def _record(
    fields: Mapping[str, Converter],
    build: Callable[[dict[str, Any]], T],
    *,
    shape: str,
    required: Mapping[str, str],
) -> Callable[[object], T]:
    """A mapping converted into an object, all or nothing."""

    def convert(value: object) -> T:
        values, problems = _walk(value, fields, shape=shape, required=required)
        if problems:
            raise _InvalidError(problems)
        return build(values)

    return convert


# --- Sections: schema, how the merged values become settings, cross-field checks ---------------


@dataclass(frozen=True)
class _CrossCheck(Generic[T]):
    """A rule over several keys of a section, reported at `key` (the section itself if None)."""

    key: str | None
    uses: tuple[str, ...]
    test: Callable[[T], tuple[str, str] | None]  # (found, allowed) when broken


@dataclass(frozen=True)
class _Section(Generic[T]):
    fields: Mapping[str, Converter]
    build: Callable[[dict[str, Any]], T]  # the merged valid values over the built-in defaults
    checks: tuple[_CrossCheck[T], ...] = ()


@dataclass(frozen=True, eq=False)
class _Layer:
    """One section as one place of the config (`defaults.protection`) set it."""

    path: str
    values: Mapping[str, object]  # the valid keys, converted
    invalid: frozenset[str]  # the keys set to something refused


def _build_pipeline(values: dict[str, Any]) -> PipelineSettings:
    options = {key: value for key, value in values.items() if key != "template"}
    return PipelineSettings(
        template=values.get("template", PipelineSettings.template),
        options=replace(BackendCiOptions(), **options),
    )


def _pr_branches_reach_default(pipeline: PipelineSettings) -> tuple[str, str] | None:
    branches, default = pipeline.options.pr_branches, pipeline.options.default_branch
    if branch_matches(branches, default):
        return None
    return (
        f"{json.dumps(list(branches))}, none matching default_branch {json.dumps(default)}",
        f"patterns of which one matches {json.dumps(default)} (otherwise the required checks are "
        "never reported on pull requests to it)",
    )


_PIPELINE = _Section[PipelineSettings](
    fields={
        "template": _choice(TEMPLATES),
        "working_directory": _working_directory,
        "python_version": _python_version,
        "python_versions": _list_of(
            _python_version,
            'a non-empty list of quoted Python versions like ["3.12", "3.13"] '
            "(leave it out to test on python_version only)",
            min_items=1,
            unique=True,
        ),
        "coverage_threshold": _integer(0, 100, "an integer from 0 to 100 (percent)"),
        "pr_branches": _list_of(
            _branch_pattern,
            'a non-empty list of branch patterns like ["main", "bau/**"]',
            min_items=1,
            unique=False,
        ),
        "default_branch": _branch_name,
        "lint_command": _command,
        "format_command": _command,
        "type_check_command": _command,
        "test_command": _command,
        "coverage_source": _list_of(
            _coverage_source,
            'a list of packages or directories like ["src"] (empty: coverage\'s own config)',
            min_items=0,
            unique=True,
        ),
        "services": _list_of(
            _choice(SERVICES),
            f"a list of service presets, each one of: {', '.join(SERVICES)} (empty for none)",
            min_items=0,
            unique=True,
        ),
        "deploy_settings_module": _settings_module,
        "deploy_fail_level": _choice(FAIL_LEVELS),
        "fail_on_changed_files": _boolean,
    },
    build=_build_pipeline,
    checks=(
        _CrossCheck("pr_branches", ("pr_branches", "default_branch"), _pr_branches_reach_default),
    ),
)

_KIND_NAMES: dict[ProtectionKind, str] = {
    "ruleset": "rulesets",
    "classic": "classic branch protection",
}


def _approvals_fit_kind(protection: ProtectionSettings) -> tuple[str, str] | None:
    limit = MAX_APPROVALS[protection.kind]
    if protection.required_approvals <= limit:
        return None
    return (
        f"{describe(protection.required_approvals)} with kind {json.dumps(protection.kind)}",
        f"an integer from 0 to {limit} ({_KIND_NAMES[protection.kind]})",
    )


def _bypass_needs_ruleset(protection: ProtectionSettings) -> tuple[str, str] | None:
    if not protection.bypass_actors or protection.kind == "ruleset":
        return None
    return (
        f'{len(protection.bypass_actors)} bypass actor(s) with kind "classic"',
        'bypass_actors only with kind "ruleset" (classic protection has no app bypass): use '
        'kind "ruleset", or set bypass_actors: [] in this repository',
    )


# What the mandatory policy reviews-required (policies/) rejects, refused before it runs.
def _policy_min_approvals(protection: ProtectionSettings) -> tuple[str, str] | None:
    if protection.required_approvals >= 1:
        return None
    return (
        describe(protection.required_approvals),
        "at least 1: the mandatory policy reviews-required refuses fewer (pull requests would "
        "merge without review)",
    )


def _policy_dismiss_stale(protection: ProtectionSettings) -> tuple[str, str] | None:
    if protection.dismiss_stale_reviews:
        return None
    return (
        describe(protection.dismiss_stale_reviews),
        "true: the mandatory policy reviews-required refuses false (approvals would survive "
        "new pushes)",
    )


_bypass_actor = _record(
    {"app_id": _integer(1, None, "a GitHub App id: a positive integer")},
    lambda values: BypassActor(app_id=cast(int, values["app_id"])),
    shape="a GitHub App as {app_id: N} (people, teams and roles cannot bypass)",
    required={"app_id": "a GitHub App id: a positive integer"},
)

_PROTECTION = _Section[ProtectionSettings](
    fields={
        "kind": _choice(PROTECTION_KINDS),
        "required_approvals": _integer(
            0,
            max(MAX_APPROVALS.values()),
            f"an integer from 0 to {MAX_APPROVALS['ruleset']} (rulesets; 0 to "
            f"{MAX_APPROVALS['classic']} with classic branch protection)",
        ),
        "dismiss_stale_reviews": _boolean,
        "require_code_owner_reviews": _boolean,
        "require_last_push_approval": _boolean,
        "require_conversation_resolution": _boolean,
        "strict_status_checks": _boolean,
        "bypass_actors": _list_of(
            _bypass_actor,
            "a list of GitHub Apps like [{app_id: 123456}] (empty for none)",
            min_items=0,
            unique=True,
        ),
    },
    build=lambda values: replace(ProtectionSettings(), **values),
    checks=(
        _CrossCheck("required_approvals", ("kind", "required_approvals"), _approvals_fit_kind),
        _CrossCheck("bypass_actors", ("kind", "bypass_actors"), _bypass_needs_ruleset),
        _CrossCheck("required_approvals", ("required_approvals",), _policy_min_approvals),
        _CrossCheck("dismiss_stale_reviews", ("dismiss_stale_reviews",), _policy_dismiss_stale),
    ),
)


def _some_merge_method(settings: RepositorySettings) -> tuple[str, str] | None:
    if settings.allow_merge_commit or settings.allow_squash_merge or settings.allow_rebase_merge:
        return None
    return (
        "allow_merge_commit, allow_squash_merge and allow_rebase_merge all false",
        "at least one of them true (pull requests could not be merged)",
    )


def _push_protection_needs_scanning(settings: RepositorySettings) -> tuple[str, str] | None:
    if not settings.secret_scanning_push_protection or settings.secret_scanning:
        return None
    return "true (a boolean) with secret_scanning false", "false unless secret_scanning is true"


def _security_updates_need_alerts(settings: RepositorySettings) -> tuple[str, str] | None:
    if not settings.dependabot_security_updates or settings.vulnerability_alerts:
        return None
    return (
        "true (a boolean) with vulnerability_alerts false",
        "false unless vulnerability_alerts is true (Dependabot security updates need them)",
    )


_SETTINGS = _Section[RepositorySettings](
    fields={
        "visibility": _choice(VISIBILITIES),
        "allow_merge_commit": _boolean,
        "allow_squash_merge": _boolean,
        "allow_rebase_merge": _boolean,
        "delete_branch_on_merge": _boolean,
        "allow_auto_merge": _boolean,
        "allow_update_branch": _boolean,
        "has_wiki": _boolean,
        "has_projects": _boolean,
        "has_discussions": _boolean,
        "is_template": _boolean,
        "homepage": _homepage,
        "vulnerability_alerts": _boolean,
        "dependabot_security_updates": _boolean,
        "secret_scanning": _boolean,
        "secret_scanning_push_protection": _boolean,
        "default_workflow_permissions": _choice(WORKFLOW_PERMISSIONS),
        "sha_pinning_required": _boolean,
    },
    build=lambda values: replace(RepositorySettings(), **values),
    checks=(
        _CrossCheck(
            None,
            ("allow_merge_commit", "allow_squash_merge", "allow_rebase_merge"),
            _some_merge_method,
        ),
        _CrossCheck(
            "secret_scanning_push_protection",
            ("secret_scanning", "secret_scanning_push_protection"),
            _push_protection_needs_scanning,
        ),
        _CrossCheck(
            "dependabot_security_updates",
            ("vulnerability_alerts", "dependabot_security_updates"),
            _security_updates_need_alerts,
        ),
    ),
)

SECTIONS: Mapping[str, _Section[Any]] = {
    "pipeline": _PIPELINE,
    "protection": _PROTECTION,
    "settings": _SETTINGS,
}

_ENTRY_FIELDS: Mapping[str, Converter] = {
    "name": _repository_name,
    "adopt": _boolean,
    "description": _description,
    **dict.fromkeys(SECTIONS, _unchecked),  # walked as layers, below
}


def _layer(section: _Section[T], raw: object, path: str, errors: list[ConfigError]) -> _Layer:
    values, problems = _walk(raw, section.fields)
    _report(problems, path, errors)
    keys = raw.keys() if isinstance(raw, Mapping) else ()
    return _Layer(path, values, frozenset(k for k in keys if k in section.fields) - values.keys())


def _merge(section: _Section[T], layers: Sequence[_Layer], errors: list[ConfigError]) -> T:
    """Build the section from its layers (later ones win) and run its cross-field checks.

    A check is reported on the last layer, and only when that layer set one of the keys it
    uses: a rule broken by the defaults alone was reported once, at `defaults.*`.
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer.values)
    built = section.build(merged)
    last = layers[-1]
    for check in section.checks:
        owners = {key: _owner(layers, key) for key in check.uses}
        if all(owner is not last for owner in owners.values()) or any(
            owner is not None and key in owner.invalid for key, owner in owners.items()
        ):
            continue
        broken = check.test(built)
        if broken is None:
            continue
        found, allowed = broken
        for layer in layers[:-1]:
            inherited = [key for key, owner in owners.items() if owner is layer]
            if inherited:
                found += f" ({', '.join(inherited)} from {layer.path})"
        path = last.path if check.key is None else f"{last.path}.{check.key}"
        errors.append(ConfigError(path, found, allowed))
    return built


def _owner(layers: Sequence[_Layer], key: str) -> _Layer | None:
    """The last layer that sets `key` (validly or not); None for the built-in default."""
    return next((la for la in reversed(layers) if key in la.values or key in la.invalid), None)


# --- The stack: defaults, then each repository --------------------------------------------------


def _parse_defaults(raw: object, errors: list[ConfigError]) -> dict[str, _Layer]:
    top, problems = _walk({} if raw is None else raw, dict.fromkeys(SECTIONS, _unchecked))
    _report(problems, "defaults", errors)
    layers = {}
    for name, section in SECTIONS.items():
        layers[name] = _layer(section, top.get(name, {}), f"defaults.{name}", errors)
        _merge(section, [layers[name]], errors)
    return layers


# The branch GitHub's `auto_init` commits to in a new repository (an organization may rename
# it in its settings; README, "Repositories").
NEW_REPOSITORY_BRANCH = "main"


def _parse_repository(
    entry: object,
    path: str,
    defaults: Mapping[str, _Layer],
    earlier: dict[str, tuple[str, str]],
    errors: list[ConfigError],
) -> RepositoryConfig | None:
    """One entry of `repositories`; None when it has no usable name (already reported)."""
    top, problems = _walk(
        entry,
        _ENTRY_FIELDS,
        shape="a mapping with at least a name, like {name: shop-backend}",
        required={"name": "a repository name (every entry needs one)"},
    )
    _report(problems, path, errors)
    if not isinstance(entry, Mapping):
        return None
    name = top.get("name")
    if isinstance(name, str) and name.lower() in earlier:
        where, spelled = earlier[name.lower()]
        errors.append(
            ConfigError(
                f"{path}.name",
                describe(name),
                f"a name no earlier entry uses ({where} is {json.dumps(spelled)}; GitHub "
                "compares repository names case-insensitively)",
            )
        )
    elif isinstance(name, str):
        earlier[name.lower()] = (path, name)

    def merged(key: str, section: _Section[T]) -> T:
        own = _layer(section, top.get(key, {}), f"{path}.{key}", errors)
        return _merge(section, [defaults[key], own], errors)

    pipeline = merged("pipeline", _PIPELINE)
    _check_python_versions(top.get("pipeline"), pipeline, defaults["pipeline"], path, errors)
    protection = merged("protection", _PROTECTION)
    settings = merged("settings", _SETTINGS)
    if not isinstance(name, str):
        return None
    adopt = top.get("adopt") is True
    branch = pipeline.options.default_branch
    if not adopt and branch != NEW_REPOSITORY_BRANCH:
        # GitHub puts a new repository's first commit (auto_init) on "main", and the workflow
        # file is committed to the pipeline's default branch, which must therefore exist.
        errors.append(
            ConfigError(
                f"{path}.pipeline.default_branch",
                f"{describe(branch)} for a new repository",
                f'"{NEW_REPOSITORY_BRANCH}" (GitHub creates a new repository\'s first commit on '
                f"{NEW_REPOSITORY_BRANCH}); for another default branch, create the repository "
                "with it and set adopt: true",
            )
        )
    return RepositoryConfig(
        name=name,
        adopt=adopt,
        description=cast("str | None", top.get("description")),
        pipeline=pipeline,
        protection=protection,
        settings=settings,
    )


def _check_python_versions(
    own: object,
    pipeline: PipelineSettings,
    defaults: _Layer,
    path: str,
    errors: list[ConfigError],
) -> None:
    """A repository's own python_version that inherited python_versions would silently ignore
    (the test job runs on python_versions only)."""
    options = pipeline.options
    if not (
        isinstance(own, Mapping)
        and "python_version" in own
        and "python_versions" not in own
        and "python_versions" in defaults.values
        and options.python_version not in options.python_versions
    ):
        return
    errors.append(
        ConfigError(
            f"{path}.pipeline.python_version",
            f"{describe(options.python_version)} with python_versions "
            f"{json.dumps(list(options.python_versions))} from {defaults.path}",
            "one of python_versions, or python_versions set in this repository too (the test "
            "job runs on python_versions only)",
        )
    )


# How many repositories a warning names before it says "and N more".
WARNING_NAMES_SHOWN = 5


def _update_problem(repository: RepositoryConfig) -> str | None:
    """Why later commits of the workflow file would be refused (HTTP 409); None when they pass."""
    protection = repository.protection
    if protection.kind == "classic":
        return (
            "classic branch protection (enforce_admins on) rejects every direct commit (HTTP "
            "409), so after the first `pulumi up` updates to the workflow file must be merged "
            "through a pull request, or use protection.kind ruleset with a GitHub App in "
            "protection.bypass_actors."
        )
    if not protection.bypass_actors:
        return (
            "the ruleset has no bypass_actors, so after the first `pulumi up` updates to the "
            'workflow file will be rejected (HTTP 409 "Changes must be made through a pull '
            'request") unless the token belongs to a GitHub App listed in '
            "protection.bypass_actors."
        )
    return None


def _secret_scanning_problem(repository: RepositoryConfig) -> str | None:
    settings = repository.settings
    if not settings.secret_scanning or settings.visibility == "public":
        return None
    return (
        f"settings.secret_scanning on a {settings.visibility} repository needs GitHub Secret "
        "Protection (Advanced Security) for the organization; without it GitHub refuses the "
        "apply (HTTP 422). Set secret_scanning: false for it otherwise."
    )


def _sha_pinning_problem(repository: RepositoryConfig) -> str | None:
    if not (repository.adopt and repository.settings.sha_pinning_required):
        return None
    return (
        "settings.sha_pinning_required is on for an adopted repository: its existing workflows "
        "that use an action by tag or branch (not a full commit SHA) will stop running. Pin "
        "them first, or set sha_pinning_required: false for it."
    )


_PROBLEMS = (_update_problem, _secret_scanning_problem, _sha_pinning_problem)


def _warnings(configs: Sequence[RepositoryConfig]) -> tuple[str, ...]:
    """Configs that work once, or may fail at apply time: one warning per problem however many
    repositories share it, with the repository's name, or their count and the first few names."""
    named: dict[str, list[str]] = {}
    for problem_of in _PROBLEMS:
        for config in configs:
            problem = problem_of(config)
            if problem is not None:
                named.setdefault(problem, []).append(config.name)
    return tuple(f"{_repositories(names)}: {problem}" for problem, names in named.items())


def _repositories(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    shown = ", ".join(names[:WARNING_NAMES_SHOWN])
    more = len(names) - WARNING_NAMES_SHOWN
    return f"{len(names):,} repositories ({shown}{f' and {more:,} more' if more > 0 else ''})"


def parse_settings(defaults: object, repositories: object) -> StackSettings:
    """Validate the raw `repo-baseline:defaults` and `repo-baseline:repositories` (None when
    absent) into `StackSettings`; raise `ConfigErrors` listing every problem."""
    errors: list[ConfigError] = []
    layers = _parse_defaults(defaults, errors)
    configs: list[RepositoryConfig] = []
    if not isinstance(repositories, list) or not repositories:
        found = f"no {REPOSITORIES_KEY}" if repositories is None else describe(repositories)
        allowed = "a non-empty list of repositories like [{name: shop-backend}]"
        errors.append(ConfigError("repositories", found, allowed))
    else:
        earlier: dict[str, tuple[str, str]] = {}
        for index, entry in enumerate(repositories):
            config = _parse_repository(entry, f"repositories[{index}]", layers, earlier, errors)
            if config is not None:
                configs.append(config)
    if errors:
        raise ConfigErrors(errors)
    return StackSettings(repositories=tuple(configs), warnings=_warnings(configs))


# --- The stack file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StackFile:
    """A `Pulumi.<stack>.yaml`: its whole `config:` mapping and the values this program reads."""

    stack: str
    config: Mapping[str, object]
    owner: str | None
    defaults: object
    repositories: object


_STACK_FILE_NAME = re.compile(r"Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml")
_OWN_KEYS = (DEFAULTS_KEY, REPOSITORIES_KEY)


def _read_stack_file(path: str | os.PathLike[str]) -> tuple[StackFile | None, list[ConfigError]]:
    """The stack file and its problems; None when nothing usable could be read."""
    file = Path(path)
    errors: list[ConfigError] = []
    name = _STACK_FILE_NAME.fullmatch(file.name)
    if name is None:
        errors.append(
            ConfigError(str(file), f"the file name {json.dumps(file.name)}", "Pulumi.<stack>.yaml")
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        errors.append(
            ConfigError(
                str(file), f"a file that cannot be read ({reason})", "a readable stack file"
            )
        )
        return None, errors
    try:
        # Read as the Pulumi CLI reads it (YAML 1.2-style scalars), not as PyYAML would.
        document = stack_yaml.load(text)
    except yaml.YAMLError as error:
        errors.append(ConfigError(str(file), _yaml_problem(error, text), "valid YAML"))
        return None, errors
    except stack_yaml.StackYAMLError as error:
        allowed = "YAML the Pulumi CLI can read"
        errors.append(ConfigError(str(file), f"at {error}", allowed))
        return None, errors
    if not isinstance(document, Mapping):
        errors.append(
            ConfigError(str(file), describe(document), "a YAML mapping with a config: key")
        )
        return None, errors
    config = document.get("config")
    if not isinstance(config, Mapping):
        found = MISSING_KEY if "config" not in document else describe(config)
        errors.append(
            ConfigError("config", found, "a mapping of namespaced keys like github:owner")
        )
        return None, errors
    for key in config:
        namespace, colon, _ = str(key).partition(":")
        if not isinstance(key, str) or not colon:
            allowed = f"a key of the form <namespace>:<name>; {_one_of(_OWN_KEYS, key)}"
        elif namespace == CONFIG_NAMESPACE and key not in _OWN_KEYS:
            allowed = _one_of(_OWN_KEYS, key)
        else:
            continue
        errors.append(ConfigError(f"config.{key}", f"unknown key {describe(key)}", allowed))
    owner = config.get(OWNER_KEY)
    if owner is not None and not (isinstance(owner, str) and owner):
        errors.append(
            ConfigError(
                f"config.{OWNER_KEY}", describe(owner), "a GitHub organization or user name"
            )
        )
        owner = None
    stack = StackFile(
        stack=name["stack"] if name else "",
        config=MappingProxyType(dict(config)),
        owner=owner,
        defaults=_program_value(config, DEFAULTS_KEY),
        repositories=_program_value(config, REPOSITORIES_KEY),
    )
    return stack, errors


def _program_value(config: Mapping[str, object], key: str) -> object:
    """A key's value as the program receives it from the CLI (None when the key is absent)."""
    return stack_yaml.program_value(config[key]) if key in config else None


def _yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """`invalid YAML at line 3, column 9: <problem>: "<the line>"`."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"invalid YAML: {error}"
    mark = error.problem_mark
    lines = text.splitlines()
    source = lines[mark.line].strip() if mark.line < len(lines) else ""
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return f"invalid YAML at {where}: {error.problem or error}: {json.dumps(source)}"


def load_stack_file(path: str | os.PathLike[str]) -> StackFile:
    """Read `Pulumi.<stack>.yaml`; raise `ConfigErrors` if it cannot be used."""
    stack, errors = _read_stack_file(path)
    if errors or stack is None:
        raise ConfigErrors(errors)
    return stack


def load_settings_file(path: str | os.PathLike[str]) -> tuple[StackFile, StackSettings]:
    """Read the stack file and validate its settings, reporting the problems of both at once."""
    stack, errors = _read_stack_file(path)
    if stack is None:
        raise ConfigErrors(errors)
    try:
        settings = parse_settings(stack.defaults, stack.repositories)
    except ConfigErrors as invalid:
        errors.extend(invalid.errors)
    if errors:
        raise ConfigErrors(errors)
    return stack, settings
