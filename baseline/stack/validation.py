"""Stack config -> validated `StackSettings`: every problem reported at once, as `ConfigErrors`.

Plain Python (no Pulumi): the stack file is read with `load_stack_file`, the raw values of
`repo-baseline:defaults` and `repo-baseline:repositories` are checked by `parse_settings`.

The model is the JSON Schema of `baseline.stack.schema`: each layer (`defaults`, each repository
entry) is validated against it with `jsonschema`, and its errors become `ConfigError`s (the path,
what was found, the schema's `errorMessage` or its allowed values, a did-you-mean). The layers merge
key by key (built-in defaults, `defaults`, the repository's own keys; lists replace) into the frozen
dataclasses of `baseline.stack.settings`. What a schema cannot say is a named rule here:
`RULES` (across keys of a section, as the layers merge them), `CROSS_RULES` (across sections,
`pipeline` and `protection`, on the same merged layers), and per entry
`working-directory-inside-repository`, `unique-names`, `new-repository-on-main` and
`python-version-in-python-versions`.

Why JSON Schema and not pydantic: the schema is what editors read, so validating with it leaves
no second model to keep in step, and each `jsonschema` error carries the subschema that failed,
where the message lives; pydantic would coerce ("80" -> 80) unless strict everywhere, and its
schema output would still need the messages and patterns added by hand.
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
from typing import Any, cast

import jsonschema
import yaml

from baseline.stack import python_lines, stack_yaml
from baseline.stack.errors import ConfigError, ConfigErrors, describe
from baseline.stack.schema import stack_schema
from baseline.stack.settings import (
    MAX_APPROVALS,
    BypassActor,
    CodeScanningTool,
    PipelineSettings,
    ProtectionKind,
    ProtectionSettings,
    Removals,
    RepositoryConfig,
    RepositorySettings,
    Selection,
    SelectRule,
    Shard,
    StackSettings,
)
from workflows.declared import declared
from workflows.filters import branch_matches
from workflows.options import (
    PYTHON_VERSION,
    PYTHON_VERSION_AS_NUMBER,
    WORKING_DIRECTORY_ALLOWED,
    BackendCiOptions,
)
from workflows.services import service_preset
from workflows.templates import rendered_pipeline

CONFIG_NAMESPACE = "repo-baseline"
DEFAULTS_KEY = f"{CONFIG_NAMESPACE}:defaults"
REPOSITORIES_KEY = f"{CONFIG_NAMESPACE}:repositories"
SELECT_KEY = f"{CONFIG_NAMESPACE}:select"
SHARD_KEY = f"{CONFIG_NAMESPACE}:shard"
REMOVALS_KEY = f"{CONFIG_NAMESPACE}:removals"
OWNER_KEY = "github:owner"

MISSING_KEY = "nothing (the key is missing)"
SECTIONS = ("pipeline", "protection", "settings")

_DEFS: dict[str, Any] = stack_schema()["$defs"]
_VALIDATORS = {
    name: jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": _DEFS})
    for name in ("defaults", "repository", "rule", "select", "shard", "removals")
}

_At = tuple[str | int, ...]  # a path below a layer: ("protection", "bypass_actors", 0, "app_id")


@dataclass(frozen=True)
class _Problem:
    at: _At
    found: str
    allowed: str


def _one_of(options: Iterable[str], found: object) -> str:
    """`one of: a, b`, with a did-you-mean when `found` is close to one of them."""
    options = list(options)
    text = f"one of: {', '.join(options)}"
    close = difflib.get_close_matches(found, options, n=1) if isinstance(found, str) else []
    return f"{text} (did you mean {json.dumps(close[0])}?)" if close else text


# --- Schema errors -> problems ------------------------------------------------------------------


def _allowed(schema: Mapping[str, Any], value: object) -> str:
    """What the schema node allows, in a person's words."""
    if "errorMessage" in schema:
        text = str(schema["errorMessage"])
        if schema.get("pattern") == PYTHON_VERSION["pattern"] and type(value) in (int, float):
            text += PYTHON_VERSION_AS_NUMBER
        return text
    if "enum" in schema:
        return _one_of(schema["enum"], value)
    if schema.get("type") == "object":
        return f"a mapping of: {', '.join(schema['properties'])}"
    return "true or false"  # the one kind left: {"type": "boolean"}


def _translate(error: jsonschema.ValidationError) -> Iterable[_Problem]:
    at, value, schema = tuple(error.absolute_path), error.instance, error.schema
    assert isinstance(schema, Mapping)
    if error.validator == "additionalProperties":
        for key in value:
            if key not in schema["properties"]:
                found = f"unknown key {describe(key)}"
                yield _Problem((*at, key), found, _one_of(schema["properties"], key))
    elif error.validator == "required":
        for key in error.validator_value:
            if key not in value:
                allowed = _allowed(schema["properties"][key], None)
                yield _Problem((*at, key), MISSING_KEY, allowed)
    elif error.validator == "uniqueItems":
        for index, item in enumerate(value):
            if item in value[:index]:
                allowed = f"each value once ([{value.index(item)}] is the same)"
                yield _Problem((*at, index), describe(item), allowed)
    else:
        found = describe(value)
        if error.validator == "not":
            found += f" ({error.validator_value['description']})"
        yield _Problem(at, found, _allowed(schema, value))


def _position(instance: object, at: _At) -> list[int]:
    """Where `at` is in the input, to report in the order the user wrote (missing keys last)."""
    position = []
    for part in at:
        if isinstance(instance, dict):
            keys = list(instance)
            position.append(keys.index(part) if part in instance else len(keys))
            instance = instance.get(part)
        elif isinstance(instance, list) and isinstance(part, int):
            position.append(part)
            instance = instance[part]
    return position


def _outside(instance: object) -> Iterable[_Problem]:
    """working-directory-inside-repository: `a/../../b` climbs out only once normalised."""
    pipeline = instance.get("pipeline") if isinstance(instance, dict) else None
    directory = pipeline.get("working_directory") if isinstance(pipeline, dict) else None
    if isinstance(directory, str):
        normal = posixpath.normpath(directory)
        if normal == ".." or normal.startswith("../"):
            found = f"{describe(directory)} (it leaves the repository)"
            yield _Problem(("pipeline", "working_directory"), found, WORKING_DIRECTORY_ALLOWED)


def _problems(definition: str, instance: object) -> list[_Problem]:
    """The layer's problems, one per path (the schema's first), in the order of the input."""
    problems = [p for e in _VALIDATORS[definition].iter_errors(instance) for p in _translate(e)]
    problems.extend(_outside(instance))
    problems.sort(key=lambda problem: _position(instance, problem.at))
    unique: dict[_At, _Problem] = {}
    for problem in problems:
        unique.setdefault(problem.at, problem)
    return list(unique.values())


def _path(prefix: str, at: _At) -> str:
    return prefix + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at)


def _report(problems: Iterable[_Problem], prefix: str, errors: list[ConfigError]) -> None:
    errors.extend(ConfigError(_path(prefix, p.at), p.found, p.allowed) for p in problems)


# --- Layers and their merge ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Layer:
    """One section as one place of the config (`defaults.protection`) set it."""

    path: str
    values: Mapping[str, object]  # the valid keys, converted
    invalid: frozenset[str]  # the keys set to something refused


def _converted(key: str, value: Any) -> object:
    """A valid value as the settings hold it: lists as tuples, paths normalised."""
    if key == "working_directory":
        return posixpath.normpath(value)
    if key.endswith("_command") and value is not None:
        return value.strip()
    if key == "env":
        return tuple(value.items())
    if key == "bypass_actors":
        return tuple(BypassActor(app_id=actor["app_id"]) for actor in value)
    if key == "code_scanning":
        return tuple(CodeScanningTool(**tool) for tool in value)
    return tuple(value) if isinstance(value, list) else value


def _outside_sections(problems: Iterable[_Problem]) -> list[_Problem]:
    """The problems of a layer's own keys (or of the layer itself), not of its sections'."""
    return [p for p in problems if not (p.at and p.at[0] in SECTIONS)]


def _layer(
    name: str, raw: object, problems: Sequence[_Problem], prefix: str, errors: list[ConfigError]
) -> _Layer:
    """Section `name` of one layer (`raw`, at `prefix`), given the problems of the whole layer."""
    own = [p for p in problems if p.at[:1] == (name,)]
    _report(own, prefix, errors)
    invalid = frozenset(str(p.at[1]) for p in own if len(p.at) > 1)
    section = raw.get(name) if isinstance(raw, dict) else None
    fields = _DEFS[name]["properties"]
    values = {
        key: _converted(key, value)
        for key, value in (section.items() if isinstance(section, dict) else ())
        if key in fields and key not in invalid
    }
    return _Layer(f"{prefix}.{name}", values, invalid & fields.keys())


@dataclass(frozen=True)
class Rule:
    """A rule across keys of one section, checked on the merged layers: JSON Schema sees one
    layer at a time. Reported at `section.key` (the section itself if None)."""

    name: str
    section: str
    key: str | None
    uses: tuple[str, ...]
    broken: Callable[[Any], tuple[str, str] | None]  # (found, allowed) when broken


def _unsupported_python(versions: Sequence[str]) -> tuple[str, str] | None:
    day = python_lines.today()
    refused = {version: python_lines.why_not(version, day) for version in versions}
    named = [f"{json.dumps(version)} ({why})" for version, why in refused.items() if why]
    if not named:
        return None
    lines = ", ".join(python_lines.supported(day))
    return (
        ", ".join(named),
        f"a supported CPython line, quoted: {lines} (the Python developer's guide, "
        '"Status of Python versions")',
    )


def _python_version_supported(pipeline: PipelineSettings) -> tuple[str, str] | None:
    return _unsupported_python([pipeline.options.python_version])


def _python_versions_supported(pipeline: PipelineSettings) -> tuple[str, str] | None:
    return _unsupported_python(pipeline.options.python_versions)


def _pr_branches_reach_default(pipeline: PipelineSettings) -> tuple[str, str] | None:
    branches, default = pipeline.options.pr_branches, pipeline.options.default_branch
    if branch_matches(branches, default):
        return None
    return (
        f"{json.dumps(list(branches))}, none matching default_branch {json.dumps(default)}",
        f"patterns of which one matches {json.dumps(default)} (otherwise the required checks are "
        "never reported on pull requests to it)",
    )


def _replaces_not_own_file(pipeline: PipelineSettings) -> tuple[str, str] | None:
    own = rendered_pipeline(pipeline.template, pipeline.options).path.rpartition("/")[2]
    if own not in pipeline.replaces:
        return None
    return (
        f"{json.dumps(list(pipeline.replaces))}, which names the baseline's own {own}",
        f"other workflow files of .github/workflows than {own} (the pipeline itself)",
    )


def _central_needs_repository(pipeline: PipelineSettings) -> tuple[str, str] | None:
    if (pipeline.delivery == "central") == bool(pipeline.central_repository):
        return None
    if pipeline.delivery == "central":
        return (
            '"central" with no central_repository',
            '"central" only with central_repository naming the organization\'s repository that '
            'holds the pipeline, like central_repository: "baseline-ci"',
        )
    return (
        f"{json.dumps(pipeline.delivery)} with central_repository "
        f"{json.dumps(pipeline.central_repository)}",
        'central_repository only with delivery "central"',
    )


def _central_replaces_nothing(pipeline: PipelineSettings) -> tuple[str, str] | None:
    if pipeline.delivery != "central" or not pipeline.replaces:
        return None
    return (
        f'{len(pipeline.replaces)} file name(s) with delivery "central"',
        '[] with delivery "central" (nothing is committed to the repository, so nothing tells '
        "when its own workflows may go); or another delivery",
    )


def _requirements_need_pip(pipeline: PipelineSettings) -> tuple[str, str] | None:
    options = pipeline.options
    if options.package_manager == "pip":
        return None
    return (
        f"{json.dumps(list(options.requirements))} with package_manager "
        f"{json.dumps(options.package_manager)}",
        'requirement files with package_manager "pip" only (Poetry and uv install from their '
        "lock files); leave requirements out, or set package_manager: pip",
    )


def _set_by_the_pipeline(pipeline: PipelineSettings) -> set[str]:
    """The environment variables the pipeline itself sets in the steps that run the project's
    code: its services', manage.py's PYTHONPATH, the deployment settings module."""
    options = pipeline.options
    taken = {name for service in options.services for name in service_preset(service).env}
    taken.add("PYTHONPATH")
    if options.deploy_settings_module is not None:
        taken.add("DJANGO_SETTINGS_MODULE")
    return taken


def _taken_by_the_pipeline(
    names: Iterable[str], pipeline: PipelineSettings
) -> tuple[str, str] | None:
    """`names` (of `secrets` or `env`) that the pipeline sets itself, if any."""
    taken = _set_by_the_pipeline(pipeline)
    clashes = sorted(set(names) & taken)
    if not clashes:
        return None
    return (
        f"{json.dumps(clashes)}, which the pipeline sets itself (services, deploy_settings_module)",
        f"names other than {', '.join(sorted(taken))}",
    )


def _secrets_not_set_by_the_pipeline(pipeline: PipelineSettings) -> tuple[str, str] | None:
    options = pipeline.options
    taken = _taken_by_the_pipeline(options.secrets, pipeline)
    if taken is not None:
        return taken
    clashes = sorted(set(options.secrets) & {name for name, _ in options.env})
    if clashes:
        return (
            f"{json.dumps(clashes)}, also given a plain value in env",
            "each name once: a secret in secrets, a plain value in env",
        )
    return None


def _env_not_set_by_the_pipeline(pipeline: PipelineSettings) -> tuple[str, str] | None:
    return _taken_by_the_pipeline((name for name, _ in pipeline.options.env), pipeline)


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
        f"an integer from 1 to {limit} ({_KIND_NAMES[protection.kind]})",
    )


def _bypass_needs_ruleset(protection: ProtectionSettings) -> tuple[str, str] | None:
    if not protection.bypass_actors or protection.kind == "ruleset":
        return None
    return (
        f'{len(protection.bypass_actors)} bypass actor(s) with kind "classic"',
        'bypass_actors only with kind "ruleset" (classic protection has no app bypass): use '
        'kind "ruleset", or set bypass_actors: [] in this repository',
    )


def _organization_needs_ruleset(protection: ProtectionSettings) -> tuple[str, str] | None:
    if protection.scope != "organization" or protection.kind == "ruleset":
        return None
    return (
        f'"organization" with kind {json.dumps(protection.kind)}',
        'scope "organization" only with kind "ruleset" (an organization protects branches with '
        "rulesets only)",
    )


def _evaluate_needs_ruleset(protection: ProtectionSettings) -> tuple[str, str] | None:
    if protection.enforcement == "active" or protection.kind == "ruleset":
        return None
    return (
        f'"evaluate" with kind {json.dumps(protection.kind)}',
        '"evaluate" only with kind "ruleset" (classic branch protection has no evaluate mode)',
    )


def _needs_ruleset(key: str, what: str) -> Callable[[ProtectionSettings], tuple[str, str] | None]:
    """A rule of `key`, a rule that only a ruleset has (`what`): refused with classic
    protection."""

    def broken(protection: ProtectionSettings) -> tuple[str, str] | None:
        value = getattr(protection, key)
        if value in (False, "off", ()) or protection.kind == "ruleset":
            return None
        return (
            f"{describe(value) if not isinstance(value, tuple) else 'tools'} with kind "
            f'"{protection.kind}"',
            f'only with kind "ruleset" ({what} is a rule of rulesets; classic branch protection '
            f'has none): use kind "ruleset", or leave {key} out',
        )

    return broken


def _lock_needs_bypass(protection: ProtectionSettings) -> tuple[str, str] | None:
    if not protection.lock_workflow or protection.bypass_actors:
        return None
    return (
        "true with no bypass_actors",
        "true only with bypass_actors naming the GitHub App the stack runs as (the lock refuses "
        "every change of the workflow file but theirs, the baseline's own updates included); or "
        "lock_workflow: false",
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


RULES = (
    Rule(
        "python-version-supported",
        "pipeline",
        "python_version",
        ("python_version",),
        _python_version_supported,
    ),
    Rule(
        "python-versions-supported",
        "pipeline",
        "python_versions",
        ("python_versions",),
        _python_versions_supported,
    ),
    Rule(
        "pr-branches-reach-default-branch",
        "pipeline",
        "pr_branches",
        ("pr_branches", "default_branch"),
        _pr_branches_reach_default,
    ),
    Rule(
        "replaces-other-workflows",
        "pipeline",
        "replaces",
        ("replaces", "template"),
        _replaces_not_own_file,
    ),
    Rule(
        "central-needs-repository",
        "pipeline",
        "delivery",
        ("delivery", "central_repository"),
        _central_needs_repository,
    ),
    Rule(
        "central-replaces-nothing",
        "pipeline",
        "replaces",
        ("delivery", "replaces"),
        _central_replaces_nothing,
    ),
    Rule(
        "requirements-need-pip",
        "pipeline",
        "requirements",
        ("requirements",),
        _requirements_need_pip,
    ),
    Rule(
        "secrets-not-set-by-the-pipeline",
        "pipeline",
        "secrets",
        ("secrets", "env", "services", "deploy_settings_module"),
        _secrets_not_set_by_the_pipeline,
    ),
    Rule(
        "env-not-set-by-the-pipeline",
        "pipeline",
        "env",
        ("env", "services", "deploy_settings_module"),
        _env_not_set_by_the_pipeline,
    ),
    Rule(
        "approvals-within-kind-limit",
        "protection",
        "required_approvals",
        ("kind", "required_approvals"),
        _approvals_fit_kind,
    ),
    Rule(
        "bypass-actors-need-ruleset",
        "protection",
        "bypass_actors",
        ("kind", "bypass_actors"),
        _bypass_needs_ruleset,
    ),
    Rule(
        "organization-scope-needs-ruleset",
        "protection",
        "scope",
        ("kind", "scope"),
        _organization_needs_ruleset,
    ),
    Rule(
        "evaluate-needs-ruleset",
        "protection",
        "enforcement",
        ("kind", "enforcement"),
        _evaluate_needs_ruleset,
    ),
    Rule(
        "lock-workflow-needs-bypass",
        "protection",
        "lock_workflow",
        ("lock_workflow", "bypass_actors"),
        _lock_needs_bypass,
    ),
    Rule(
        "merge-methods-need-ruleset",
        "protection",
        "merge_methods_enforced",
        ("kind", "merge_methods_enforced"),
        _needs_ruleset("merge_methods_enforced", "allowed_merge_methods"),
    ),
    Rule(
        "copilot-review-needs-ruleset",
        "protection",
        "copilot_review",
        ("kind", "copilot_review"),
        _needs_ruleset("copilot_review", "copilot_code_review"),
    ),
    Rule(
        "code-scanning-needs-ruleset",
        "protection",
        "code_scanning",
        ("kind", "code_scanning"),
        _needs_ruleset("code_scanning", "required_code_scanning"),
    ),
    Rule(
        "some-merge-method",
        "settings",
        None,
        ("allow_merge_commit", "allow_squash_merge", "allow_rebase_merge"),
        _some_merge_method,
    ),
    Rule(
        "push-protection-needs-secret-scanning",
        "settings",
        "secret_scanning_push_protection",
        ("secret_scanning", "secret_scanning_push_protection"),
        _push_protection_needs_scanning,
    ),
    Rule(
        "security-updates-need-alerts",
        "settings",
        "dependabot_security_updates",
        ("vulnerability_alerts", "dependabot_security_updates"),
        _security_updates_need_alerts,
    ),
)


def _build(section: str, values: dict[str, Any]) -> Any:
    """The settings dataclass of a section from its merged valid values."""
    if section == "pipeline":
        own = {each.name for each, _ in declared(PipelineSettings)}
        options = {key: value for key, value in values.items() if key not in own}
        pipeline = {key: value for key, value in values.items() if key in own}
        return replace(
            PipelineSettings(), options=replace(BackendCiOptions(), **options), **pipeline
        )
    if section == "protection":
        return replace(ProtectionSettings(), **values)
    return replace(RepositorySettings(), **values)


def _merge(section: str, layers: Sequence[_Layer], errors: list[ConfigError]) -> Any:
    """Build the section from its layers (later ones win) and check its `RULES`.

    A rule is reported on the last layer, and only when that layer set one of the keys it
    uses: a rule broken by the defaults alone was reported once, at `defaults.*`.
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(layer.values)
    built = _build(section, merged)
    last = layers[-1]
    for rule in RULES:
        if rule.section != section:
            continue
        owners = {key: _owner(layers, key) for key in rule.uses}
        if all(owner is not last for owner in owners.values()) or any(
            owner is not None and key in owner.invalid for key, owner in owners.items()
        ):
            continue
        broken = rule.broken(built)
        if broken is None:
            continue
        found, allowed = broken
        for layer in layers[:-1]:
            inherited = [key for key, owner in owners.items() if owner is layer]
            if inherited:
                found += f" ({', '.join(inherited)} from {layer.path})"
        path = last.path if rule.key is None else f"{last.path}.{rule.key}"
        errors.append(ConfigError(path, found, allowed))
    return built


def _owner(layers: Sequence[_Layer], key: str) -> _Layer | None:
    """The last layer that sets `key` (validly or not); None for the built-in default."""
    return next((la for la in reversed(layers) if key in la.values or key in la.invalid), None)


@dataclass(frozen=True)
class CrossRule:
    """A rule across sections, checked on the merged sections of one entry (or of `defaults`):
    `uses` names its keys as "section.key"; reported at `key` ("pipeline.merge_queue") of the
    last layer, and only when that layer set one of the keys it uses, as `Rule`s are."""

    name: str
    key: str
    uses: tuple[str, ...]
    # The built sections by name -> (found, allowed) when broken.
    broken: Callable[[Mapping[str, Any]], tuple[str, str] | None]


def _merge_queue_needs_repository_ruleset(sections: Mapping[str, Any]) -> tuple[str, str] | None:
    protection: ProtectionSettings = sections["protection"]
    if not sections["pipeline"].options.merge_queue:
        return None
    if protection.scope == "organization":
        found = 'true with protection.scope "organization"'
    elif protection.kind == "classic":
        found = 'true with protection.kind "classic"'
    else:
        return None
    return (
        found,
        'true only with protection.scope "repository" and protection.kind "ruleset" (the merge '
        "queue is a rule of the repository's own ruleset: pulumi-github 6.15's "
        "OrganizationRuleset has no merge_queue rule, and classic branch protection no merge "
        "queue setting); or merge_queue: false",
    )


def _lock_needs_commit_delivery(sections: Mapping[str, Any]) -> tuple[str, str] | None:
    delivery = sections["pipeline"].delivery
    if not sections["protection"].lock_workflow or delivery == "commit":
        return None
    return (
        f"true with pipeline.delivery {json.dumps(delivery)}",
        'true only with pipeline.delivery "commit": a push ruleset judges every push that '
        "changes the file, the merge of the pipeline's own pull request by people included, "
        "and only the stack's app may change it (with central delivery there is no file in the "
        "repository to lock); or lock_workflow: false",
    )


def _central_needs_organization_ruleset(sections: Mapping[str, Any]) -> tuple[str, str] | None:
    protection: ProtectionSettings = sections["protection"]
    if sections["pipeline"].delivery != "central" or protection.scope == "organization":
        return None
    return (
        f'"central" with protection.scope {json.dumps(protection.scope)}',
        '"central" only with protection.scope "organization" (the workflows rule that requires '
        'the central pipeline is a rule of organization rulesets only: GitHub Docs, "Available '
        'rules for rulesets"); or delivery "commit"',
    )


CROSS_RULES = (
    CrossRule(
        "central-needs-organization-ruleset",
        "pipeline.delivery",
        ("pipeline.delivery", "protection.scope"),
        _central_needs_organization_ruleset,
    ),
    CrossRule(
        "lock-workflow-needs-commit-delivery",
        "protection.lock_workflow",
        ("protection.lock_workflow", "pipeline.delivery"),
        _lock_needs_commit_delivery,
    ),
    CrossRule(
        "merge-queue-needs-repository-ruleset",
        "pipeline.merge_queue",
        ("pipeline.merge_queue", "protection.scope", "protection.kind"),
        _merge_queue_needs_repository_ruleset,
    ),
)


def _check_across(
    layers: Mapping[str, Sequence[_Layer]], built: Mapping[str, Any], errors: list[ConfigError]
) -> None:
    """Check `CROSS_RULES` on one entry's sections (`layers`: each section's layers, `built`:
    each section merged), as `_merge` checks `RULES`."""
    for rule in CROSS_RULES:
        uses = [use.partition(".") for use in rule.uses]
        owners = {(section, key): _owner(layers[section], key) for section, _, key in uses}
        lasts = {section: layers[section][-1] for section, _, _ in uses}
        if all(owner is not lasts[section] for (section, _), owner in owners.items()) or any(
            owner is not None and key in owner.invalid for (_, key), owner in owners.items()
        ):
            continue
        broken = rule.broken(built)
        if broken is None:
            continue
        found, allowed = broken
        inherited: dict[str, list[str]] = {}
        for (section, key), owner in owners.items():
            if owner is not None and owner is not lasts[section]:
                inherited.setdefault(owner.path, []).append(key)
        for path, keys in inherited.items():
            found += f" ({', '.join(keys)} from {path})"
        section, _, key = rule.key.partition(".")
        errors.append(ConfigError(f"{layers[section][-1].path}.{key}", found, allowed))


# --- The stack: defaults, then each repository --------------------------------------------------


def _parse_defaults(raw: object, errors: list[ConfigError]) -> dict[str, _Layer]:
    raw = {} if raw is None else raw
    problems = _problems("defaults", raw)
    _report(_outside_sections(problems), "defaults", errors)
    layers = {}
    built = {}
    for name in SECTIONS:
        layers[name] = _layer(name, raw, problems, "defaults", errors)
        built[name] = _merge(name, [layers[name]], errors)
    _check_across({name: [layer] for name, layer in layers.items()}, built, errors)
    return layers


# The branch GitHub's `auto_init` commits to in a new repository (an organization may rename
# it in its settings; docs/configuration.md).
NEW_REPOSITORY_BRANCH = "main"


def _parse_repository(
    entry: object,
    path: str,
    defaults: Mapping[str, _Layer],
    earlier: dict[str, tuple[str, str]],
    errors: list[ConfigError],
) -> RepositoryConfig | None:
    """One entry of `repositories`; None when it has no usable name (already reported)."""
    problems = _problems("repository", entry)
    _report(_outside_sections(problems), path, errors)
    if not isinstance(entry, dict):
        return None
    invalid = {p.at[0] for p in problems if p.at}
    top = {k: v for k, v in entry.items() if k in ("name", "adopt", "description")}
    name = top.get("name") if "name" not in invalid else None
    if isinstance(name, str) and name.lower() in earlier:
        # unique-names: GitHub compares repository names ignoring case.
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

    sections = _sections(entry, path, problems, defaults, errors)
    pipeline = sections.pipeline
    if not isinstance(name, str):
        return None
    adopt = top.get("adopt") is True
    branch = pipeline.options.default_branch
    if not adopt and branch != NEW_REPOSITORY_BRANCH:
        # new-repository-on-main: GitHub puts a new repository's first commit (auto_init) on
        # "main", and the workflow file is committed to the pipeline's default branch, which
        # must therefore exist.
        errors.append(
            ConfigError(
                f"{path}.pipeline.default_branch",
                f"{describe(branch)} for a new repository",
                f'"{NEW_REPOSITORY_BRANCH}" (GitHub creates a new repository\'s first commit on '
                f"{NEW_REPOSITORY_BRANCH}); for another default branch, create the repository "
                "with it and set adopt: true",
            )
        )
    description = top.get("description") if "description" not in invalid else None
    described = frozenset({"description"} if "description" in entry else ())
    return RepositoryConfig(
        name=name,
        adopt=adopt,
        description=cast("str | None", description),
        pipeline=pipeline,
        protection=sections.protection,
        settings=sections.settings,
        explicit=sections.explicit | described,
        own=sections.own | described,
    )


@dataclass(frozen=True)
class _Sections:
    """An entry's (or a rule's) sections, merged over `defaults`."""

    pipeline: PipelineSettings
    protection: ProtectionSettings
    settings: RepositorySettings
    explicit: frozenset[str]  # "section.key" for every key `defaults` or the entry set
    own: frozenset[str]  # "section.key" for every key the entry itself set


def _sections(
    entry: Mapping[str, Any],
    path: str,
    problems: Sequence[_Problem],
    defaults: Mapping[str, _Layer],
    errors: list[ConfigError],
) -> _Sections:
    explicit: set[str] = set()
    own_keys: set[str] = set()
    layers: dict[str, list[_Layer]] = {}

    def merged(key: str) -> Any:
        own = _layer(key, entry, problems, path, errors)
        layers[key] = [defaults[key], own]
        for layer in (defaults[key], own):
            explicit.update(f"{key}.{k}" for k in (*layer.values, *layer.invalid))
        own_keys.update(f"{key}.{k}" for k in (*own.values, *own.invalid))
        return _merge(key, [defaults[key], own], errors)

    pipeline: PipelineSettings = merged("pipeline")
    _check_python_versions(entry.get("pipeline"), pipeline, defaults["pipeline"], path, errors)
    protection: ProtectionSettings = merged("protection")
    settings: RepositorySettings = merged("settings")
    built = {"pipeline": pipeline, "protection": protection, "settings": settings}
    _check_across(layers, built, errors)
    return _Sections(pipeline, protection, settings, frozenset(explicit), frozenset(own_keys))


def _check_python_versions(
    own: object,
    pipeline: PipelineSettings,
    defaults: _Layer,
    path: str,
    errors: list[ConfigError],
) -> None:
    """python-version-in-python-versions: a repository's own python_version that inherited
    python_versions would silently ignore (the test job runs on python_versions only)."""
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
    if repository.pipeline.delivery != "commit":
        return None  # every change of the file is a pull request, or is central
    protection = repository.protection
    if protection.kind == "classic":
        return (
            "classic branch protection (enforce_admins on) rejects every direct commit (HTTP "
            "409), so after the first `pulumi up` updates to the workflow file must be merged "
            "through a pull request (pipeline.delivery: pull_request), or use protection.kind "
            "ruleset with a GitHub App in protection.bypass_actors."
        )
    if not protection.bypass_actors:
        return (
            "the ruleset has no bypass_actors, so after the first `pulumi up` updates to the "
            'workflow file will be rejected (HTTP 409 "Changes must be made through a pull '
            'request") unless the token belongs to a GitHub App listed in '
            "protection.bypass_actors, or the pipeline is delivered through pull requests "
            "(pipeline.delivery: pull_request)."
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


def _merge_queue_plan_problem(repository: RepositoryConfig) -> str | None:
    if not repository.pipeline.options.merge_queue or repository.settings.visibility != "private":
        return None
    return (
        'pipeline.merge_queue on a private repository: GitHub has merge queues "in any public '
        "repository owned by an organization, or in private repositories owned by organizations "
        'using GitHub Enterprise Cloud" (GitHub Docs, "Managing a merge queue"); on another plan '
        "the apply may fail. Set merge_queue: false for it otherwise."
    )


def _evaluate_problem(repository: RepositoryConfig) -> str | None:
    if repository.protection.enforcement != "evaluate":
        return None
    return (
        "protection.enforcement is evaluate: the ruleset is a dry run and blocks nothing; "
        "`repo-baseline verify` says what it would have blocked. Only GitHub Enterprise has "
        "evaluate mode (GitHub's REST description, repository-rule-enforcement); elsewhere the "
        "apply fails."
    )


def _central_problem(repository: RepositoryConfig) -> str | None:
    if repository.pipeline.delivery != "central":
        return None
    if repository.name.lower() == repository.pipeline.central_repository.lower():
        return (
            "pipeline.delivery is central and this is the central repository itself: its "
            "default branch would require a workflow that lives on another of its branches. "
            "Leave it out (select: exclude) or give it delivery commit."
        )
    return (
        "pipeline.delivery is central: its organization ruleset requires the workflow of "
        f"{repository.pipeline.central_repository}, whose visibility must allow this "
        f"{repository.settings.visibility} repository; GitHub documents the workflows rule for "
        "Enterprise Cloud (`pulumi preview` reads the organization's plan and stops on another "
        "one it can see)."
    )


def _code_scanning_problem(repository: RepositoryConfig) -> str | None:
    tools = repository.protection.code_scanning
    if not tools or repository.settings.visibility == "public":
        return None
    return (
        f"protection.code_scanning ({', '.join(t.tool for t in tools)}) on a "
        f"{repository.settings.visibility} repository: code scanning there needs GitHub Code "
        "Security, and without results on both commits of a pull request nothing merges "
        '(GitHub Docs, "Set code scanning merge protection")'
    )


def _lock_problem(repository: RepositoryConfig) -> str | None:
    if not repository.protection.lock_workflow or repository.settings.visibility != "public":
        return None
    return (
        "protection.lock_workflow on a public repository: not applied, its workflow file stays "
        'unlocked. Push rulesets are "available for the GitHub Team plan in internal and '
        'private repositories" (GitHub Docs, "About rulesets").'
    )


# SHA pinning on an adopted repository is decided and warned about by `baseline.stack.adoption`,
# which knows its existing workflows.
_PROBLEMS = (
    _update_problem,
    _secret_scanning_problem,
    _merge_queue_plan_problem,
    _evaluate_problem,
    _lock_problem,
    _code_scanning_problem,
    _central_problem,
)


def warnings_for(configs: Sequence[RepositoryConfig]) -> tuple[str, ...]:
    """Configs that work once, or may fail at apply time: one warning per problem however many
    repositories share it, with the repository's name, or their count and the first few names."""
    named: dict[str, list[str]] = {}
    for problem_of in _PROBLEMS:
        for config in configs:
            problem = problem_of(config)
            if problem is not None:
                named.setdefault(problem, []).append(config.name)
    return tuple(f"{repositories_named(names)}: {problem}" for problem, names in named.items())


def repositories_named(names: Sequence[str]) -> str:
    """One repository's name, or how many and the first few: how a warning starts."""
    if len(names) == 1:
        return names[0]
    shown = ", ".join(names[:WARNING_NAMES_SHOWN])
    more = len(names) - WARNING_NAMES_SHOWN
    return f"{len(names):,} repositories ({shown}{f' and {more:,} more' if more > 0 else ''})"


def _parse_rule(
    entry: object,
    path: str,
    defaults: Mapping[str, _Layer],
    earlier: dict[str, str],
    errors: list[ConfigError],
) -> SelectRule | None:
    """One rule of `select.rules`; None when it has no usable name (already reported)."""
    problems = _problems("rule", entry)
    _report(_outside_sections(problems), path, errors)
    if not isinstance(entry, dict):
        return None
    invalid = {p.at[0] for p in problems if p.at}
    name = entry.get("name") if "name" not in invalid else None
    if isinstance(name, str) and name in earlier:
        # unique-rule-names: the plan and the preview say which rule chose each repository.
        errors.append(
            ConfigError(
                f"{path}.name", describe(name), f"a name no earlier rule uses ({earlier[name]})"
            )
        )
    elif isinstance(name, str):
        earlier[name] = path
    sections = _sections(entry, path, problems, defaults, errors)
    if not isinstance(name, str):
        return None

    def strings(key: str) -> tuple[str, ...]:
        value = entry.get(key) if key not in invalid else None
        return tuple(value) if isinstance(value, list) else ()

    properties = entry.get("properties") if "properties" not in invalid else None
    return SelectRule(
        name=name,
        names=strings("names"),
        topics=strings("topics"),
        properties=tuple((key, tuple(values)) for key, values in (properties or {}).items()),
        visibility=cast("tuple[Any, ...]", strings("visibility")),
        pipeline=sections.pipeline,
        protection=sections.protection,
        settings=sections.settings,
        explicit=sections.explicit,
        own=sections.own,
        allow_empty=entry.get("allow_empty") is True,
    )


def _parse_select(
    raw: object, defaults: Mapping[str, _Layer], errors: list[ConfigError]
) -> Selection | None:
    """`repo-baseline:select`, reported at `select.*`; None when absent or unusable."""
    if raw is None:
        return None
    problems = [p for p in _problems("select", raw) if not (len(p.at) > 1 and p.at[0] == "rules")]
    _report(problems, "select", errors)
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), list):
        return None
    rules: list[SelectRule] = []
    earlier: dict[str, str] = {}
    for index, entry in enumerate(raw["rules"]):
        rule = _parse_rule(entry, f"select.rules[{index}]", defaults, earlier, errors)
        if rule is not None:
            rules.append(rule)
    invalid = {p.at[0] for p in problems if p.at}
    exclude = raw.get("exclude", []) if "exclude" not in invalid else []
    return Selection(
        rules=tuple(rules),
        exclude=tuple(exclude),
        archived=raw.get("archived") is True,
        forks=raw.get("forks") is True,
    )


def _parse_shard(raw: object, errors: list[ConfigError]) -> Shard | None:
    """`repo-baseline:shard`, reported at `shard.*`; None when absent or invalid."""
    if raw is None:
        return None
    problems = _problems("shard", raw)
    _report(problems, "shard", errors)
    if problems or not isinstance(raw, dict):
        return None
    index, count = raw["index"], raw["count"]
    if index >= count:
        # shard-index-below-count
        errors.append(
            ConfigError(
                "shard.index",
                f"{describe(index)} with count {count}",
                f"an integer from 0 to {count - 1} (shards are numbered from 0)",
            )
        )
        return None
    return Shard(index=index, count=count)


def _parse_removals(raw: object, errors: list[ConfigError]) -> Removals:
    """`repo-baseline:removals`, reported at `removals.*`; the defaults when absent."""
    if raw is None:
        return Removals()
    problems = _problems("removals", raw)
    _report(problems, "removals", errors)
    if problems or not isinstance(raw, dict):
        return Removals()
    return replace(Removals(), **raw)


def parse_settings(
    defaults: object,
    repositories: object,
    select: object = None,
    shard: object = None,
    removals: object = None,
) -> StackSettings:
    """Validate the raw `repo-baseline:defaults`, `repositories`, `select`, `shard` and
    `removals` (None when absent) into `StackSettings`; raise `ConfigErrors` listing every
    problem."""
    errors: list[ConfigError] = []
    layers = _parse_defaults(defaults, errors)
    configs: list[RepositoryConfig] = []
    selection = _parse_select(select, layers, errors)
    if repositories in (None, []) and select is not None:
        pass  # the rules choose the repositories (the CLI passes Pulumi.yaml's default, [])
    elif not isinstance(repositories, list) or not repositories:
        found = f"no {REPOSITORIES_KEY}" if repositories is None else describe(repositories)
        allowed = "a non-empty list of repositories like [{name: shop-backend}]"
        if repositories is None:
            allowed += f", or {SELECT_KEY} rules"
        errors.append(ConfigError("repositories", found, allowed))
    else:
        earlier: dict[str, tuple[str, str]] = {}
        for index, entry in enumerate(repositories):
            before = len(errors)
            config = _parse_repository(entry, f"repositories[{index}]", layers, earlier, errors)
            if config is not None:
                configs.append(config)
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name:
                errors[before:] = [replace(e, repository=name) for e in errors[before:]]
    chosen_shard = _parse_shard(shard, errors)
    limits = _parse_removals(removals, errors)
    if errors:
        raise ConfigErrors(errors)
    return StackSettings(
        repositories=tuple(configs), selection=selection, shard=chosen_shard, removals=limits
    )


# --- The stack file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StackFile:
    """A `Pulumi.<stack>.yaml`: its whole `config:` mapping and the values this program reads."""

    stack: str
    config: Mapping[str, object]
    owner: str | None
    defaults: object
    repositories: object
    select: object = None
    shard: object = None
    removals: object = None


_STACK_FILE_NAME = re.compile(r"Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml")
_OWN_KEYS = (DEFAULTS_KEY, REPOSITORIES_KEY, SELECT_KEY, SHARD_KEY, REMOVALS_KEY)
# Said when github:owner is missing, by the plan and the program alike.
OWNER_ALLOWED = (
    "the GitHub organization whose repositories this stack manages, like example-org (without "
    "it the provider acts on the token's own account: `pulumi up` would create the "
    "repositories there)"
)


def _read_stack_file(
    path: str | os.PathLike[str], stack: str | None = None
) -> tuple[StackFile | None, list[ConfigError]]:
    """The stack file and its problems; None when nothing usable could be read. The stack's
    name is `stack` when given, else the file's (`Pulumi.<stack>.yaml`)."""
    file = Path(path)
    errors: list[ConfigError] = []
    name = _STACK_FILE_NAME.fullmatch(file.name)
    if name is None and stack is None:
        errors.append(
            ConfigError(
                str(file),
                f"the file name {json.dumps(file.name)}",
                "Pulumi.<stack>.yaml, or any name with the stack's name given (--stack NAME)",
            )
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
    if not (isinstance(owner, str) and owner):
        found = MISSING_KEY if owner is None else describe(owner)
        errors.append(ConfigError(f"config.{OWNER_KEY}", found, OWNER_ALLOWED))
        owner = None
    stack_file = StackFile(
        stack=stack if stack is not None else name["stack"] if name else "",
        config=MappingProxyType(dict(config)),
        owner=owner,
        defaults=_program_value(config, DEFAULTS_KEY),
        repositories=_program_value(config, REPOSITORIES_KEY),
        select=_program_value(config, SELECT_KEY),
        shard=_program_value(config, SHARD_KEY),
        removals=_program_value(config, REMOVALS_KEY),
    )
    return stack_file, errors


def _program_value(config: Mapping[str, object], key: str) -> object:
    """A key's value as the program receives it from the CLI (None when the key is absent)."""
    return stack_yaml.program_value(config[key]) if key in config else None


def _yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """`invalid YAML at line 3, column 9: <problem>: "<the line>"`."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"invalid YAML: {error}"
    mark = error.problem_mark
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    if line[mark.column : mark.column + 1] == "\t":
        # PyYAML: "found character '\t' that cannot start any token", or worse, nothing clear.
        return (
            f"invalid YAML at {where}: a tab, which YAML does not allow for indentation "
            f"(indent with spaces): {json.dumps(line.strip())}"
        )
    return f"invalid YAML at {where}: {error.problem or error}: {json.dumps(line.strip())}"


def with_lines(errors: Iterable[ConfigError], text: str) -> list[ConfigError]:
    """Each problem with the line of the stack file `text` that has its config path (or the
    deepest part of it there), when it has it."""
    return [
        replace(error, line=stack_yaml.line_of(text, error.path, CONFIG_NAMESPACE))
        for error in errors
    ]


def _located(errors: Iterable[ConfigError], path: str | os.PathLike[str]) -> ConfigErrors:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return ConfigErrors(errors)
    return ConfigErrors(with_lines(errors, text))


def load_stack_file(path: str | os.PathLike[str], stack_name: str | None = None) -> StackFile:
    """Read `Pulumi.<stack>.yaml` (any name with `stack_name`); raise `ConfigErrors` if it
    cannot be used."""
    stack, errors = _read_stack_file(path, stack_name)
    if errors or stack is None:
        raise _located(errors, path)
    return stack


def load_settings_file(
    path: str | os.PathLike[str], stack_name: str | None = None
) -> tuple[StackFile, StackSettings]:
    """Read the stack file (any name with `stack_name`) and validate its settings, reporting the
    problems of both at once."""
    stack, errors = _read_stack_file(path, stack_name)
    if stack is None:
        raise ConfigErrors(errors)
    try:
        settings = parse_settings(
            stack.defaults, stack.repositories, stack.select, stack.shard, stack.removals
        )
    except ConfigErrors as invalid:
        errors.extend(invalid.errors)
    if errors:
        raise _located(errors, path)
    return stack, settings
