"""The JSON Schema (2020-12) of a stack file, derived from the settings' declarations.

Each key's schema is what its field's type says, what its declaration allows beyond it
(`workflows.declared.setting`: a pattern, a range, an `errorMessage` saying what is allowed in
the words of a `ConfigError`, which VS Code's JSON and YAML language servers show in place of
their own), what it means and its default. `baseline.stack.validation` validates each layer of
the config (`defaults`, each repository entry) against these definitions; editors read the
committed copy, `schema/stack.schema.json`. `python -m baseline.stack.schema` rewrites it and the
configuration reference's table of keys (docs/configuration.md); `--check` fails when either
differs. The keys of `select` rules are not settings and are written here. Rules across keys,
layers or entries are `baseline.stack.validation`'s named checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal

from baseline.stack.settings import (
    VISIBILITIES,
    PipelineSettings,
    ProtectionSettings,
    Removals,
    RepositoryConfig,
    RepositorySettings,
    Shard,
)
from workflows.declared import array, declared, plain, string
from workflows.options import BackendCiOptions

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schema" / "stack.schema.json"
SCHEMA_ID = "https://github.com/repo-baseline/repo-baseline/schema/stack.schema.json"

_BOOLEAN = {"type": "boolean"}
_SCALARS: dict[object, str] = {bool: "boolean", int: "integer", str: "string"}


def type_schema(hint: Any) -> dict[str, Any]:
    """What a field's type says of its values, as JSON Schema (a dataclass item says nothing:
    its declaration does)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin is tuple:
        return {"type": "array", "items": type_schema(args[0])}
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        (inner,) = (arg for arg in args if arg is not type(None))
        schema = type_schema(inner)
        return {**schema, "type": [schema["type"], "null"]} if "type" in schema else schema
    return {}


def _default(value: object) -> object:
    if isinstance(value, tuple):
        return [
            dataclasses.asdict(item)
            if dataclasses.is_dataclass(item) and not isinstance(item, type)
            else item
            for item in value
        ]
    return value


def properties(of: type, *, defaults: bool = True) -> dict[str, dict[str, Any]]:
    """The JSON Schema of each declared field of `of`: its type's, its declaration's, what it
    means, and (with `defaults`) its default, which a key left out takes."""
    hints = typing.get_type_hints(of)
    out = {}
    for each, declaration in declared(of):
        # A declaration that says its type says all of it (a mapping is held as pairs).
        derived = {} if "type" in declaration.schema else type_schema(hints[each.name])
        schema = {
            **derived,
            **declaration.schema,
            "description": plain(declaration.description),
        }
        if defaults and each.default is not dataclasses.MISSING:
            # A mapping is held as a tuple of pairs (hashable), and written as an object.
            mapping = schema.get("type") == "object"
            schema["default"] = dict(each.default) if mapping else _default(each.default)
        out[each.name] = schema
    return out


def section_properties(section: str) -> dict[str, dict[str, Any]]:
    """The keys of a `pipeline`, `protection` or `settings` section (the pipeline's own keys
    and its template's options side by side)."""
    if section == "pipeline":
        return properties(PipelineSettings) | properties(BackendCiOptions)
    return properties({"protection": ProtectionSettings, "settings": RepositorySettings}[section])


SECTIONS = {
    "pipeline": "the pipeline's template and options",
    "protection": "the default branch's protection",
    "settings": "the repository's own settings",
}


# `select`: which of the organization's repositories the stack baselines.
_NAME_PATTERN = string(
    r"[A-Za-z0-9._*?\[\]!-]{1,100}",
    'a repository name or a pattern like "*-backend" (* any characters, ? one, [abc] a set)',
)
_TOPIC = string(
    r"[a-z0-9][a-z0-9-]{0,49}",
    "a GitHub topic: lowercase letters, digits and hyphens, starting with a letter or digit, "
    "at most 50 characters",
)
_PROPERTY_VALUE = {"type": "string", "errorMessage": "a custom property value (a string)"}
RULE_CONDITIONS: dict[str, dict[str, Any]] = {
    "names": array(
        _NAME_PATTERN,
        'a list of repository names or patterns like ["*-backend", "api"]',
        minItems=1,
        uniqueItems=True,
        description="the name matches one of these patterns (ignoring case)",
    ),
    "topics": array(
        _TOPIC,
        'a list of GitHub topics like ["django"]',
        minItems=1,
        uniqueItems=True,
        description="the repository has one of these topics",
    ),
    "properties": {
        "type": "object",
        "propertyNames": string(
            r"[A-Za-z0-9_-]{1,75}",
            "a custom property name: letters, digits, '_' or '-', at most 75 characters",
        ),
        "additionalProperties": array(
            _PROPERTY_VALUE,
            'a non-empty list of values like ["payments"]',
            minItems=1,
            uniqueItems=True,
        ),
        "minProperties": 1,
        "errorMessage": "a mapping of custom property names to lists of values, like {team: "
        '["payments"]}',
        "description": "for each property named, the repository's value is one of those listed",
    },
    "visibility": array(
        {"enum": list(VISIBILITIES)},
        f"a list of visibilities, each one of: {', '.join(VISIBILITIES)}",
        minItems=1,
        uniqueItems=True,
        description="the repository's visibility is one of these",
    ),
}
RULE_NAME = string(
    r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}",
    "a rule name: letters, digits, spaces, '.', '_' or '-', at most 63 characters",
    description="how the plan and the preview name this rule",
)
RULE_OPTIONS: dict[str, dict[str, Any]] = {
    "allow_empty": {
        **_BOOLEAN,
        "default": False,
        "description": "the rule may match no repository; otherwise a rule that matches none "
        "stops the run before anything changes (a typo would take the baseline away from every "
        "repository it chose)",
    },
}


def _section(properties: dict[str, dict[str, Any]], description: str) -> dict[str, Any]:
    """An object whose every key is optional, each with its built-in default."""
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }


def stack_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a whole stack file."""
    sections = {
        name: _section(section_properties(name), description)
        for name, description in SECTIONS.items()
    }
    defaults = {
        "type": "object",
        "description": "Settings for every repository; each repository's keys merge over them.",
        "properties": {name: {"$ref": f"#/$defs/{name}"} for name in sections},
        "additionalProperties": False,
    }
    repository = {
        "type": "object",
        "description": "One repository to baseline.",
        "properties": {
            **properties(RepositoryConfig),
            **{name: {"$ref": f"#/$defs/{name}"} for name in sections},
        },
        "required": ["name"],
        "additionalProperties": False,
        "errorMessage": "a mapping with at least a name, like {name: shop-backend}",
    }
    rule = {
        "type": "object",
        "description": "Repositories chosen by rule, and the settings they get over defaults.",
        "properties": {
            "name": RULE_NAME,
            **RULE_CONDITIONS,
            **RULE_OPTIONS,
            **{name: {"$ref": f"#/$defs/{name}"} for name in sections},
        },
        "required": ["name"],
        "additionalProperties": False,
        "errorMessage": "a mapping with at least a name, like {name: backends, topics: [django]}",
    }
    select = {
        "type": "object",
        "description": "Which of the organization's repositories to baseline, by rule; the "
        "first rule that matches a repository chooses it. An entry of repositories wins.",
        "properties": {
            "rules": array(
                {"$ref": "#/$defs/rule"},
                "a non-empty list of rules like [{name: backends, topics: [django]}]",
                minItems=1,
                description="the rules, in order",
            ),
            "exclude": array(
                _NAME_PATTERN,
                'a list of repository names or patterns like ["sandbox-*"]',
                uniqueItems=True,
                default=[],
                description="never chosen by a rule",
            ),
            "archived": {
                **_BOOLEAN,
                "default": False,
                "description": "rules may choose archived repositories",
            },
            "forks": {**_BOOLEAN, "default": False, "description": "rules may choose forks"},
        },
        "required": ["rules"],
        "additionalProperties": False,
        "errorMessage": "a mapping like {rules: [{name: backends, topics: [django]}]}",
    }
    shard = {
        "type": "object",
        "description": "This stack baselines one shard of the repositories, by a hash of the "
        "name: a repository stays in its shard as others come and go.",
        "properties": properties(Shard),
        "required": ["index", "count"],
        "additionalProperties": False,
        "errorMessage": "a mapping like {index: 0, count: 4}",
    }
    removals = {
        **_section(
            properties(Removals),
            "How many repositories one run may take the baseline away from before it stops "
            "without changing anything: more than count, or more than percent of the stack, "
            "whichever is larger. Allow more once with REPO_BASELINE_ALLOW_REMOVALS=<the number>.",
        ),
        "errorMessage": "a mapping like {count: 5, percent: 10}",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "repo-baseline stack file (Pulumi.<stack>.yaml)",
        "description": "Generated by `python -m baseline.stack.schema` from the settings' "
        "declarations; do not edit.",
        "type": "object",
        "required": ["config"],
        "properties": {
            "config": {
                "type": "object",
                "properties": {
                    "github:owner": {
                        "type": "string",
                        "minLength": 1,
                        "description": "the organization whose repositories this stack manages "
                        "(required: without it the provider would act on the token's own "
                        "account)",
                    },
                    "repo-baseline:defaults": {"$ref": "#/$defs/defaults"},
                    "repo-baseline:repositories": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"$ref": "#/$defs/repository"},
                    },
                    "repo-baseline:select": {"$ref": "#/$defs/select"},
                    "repo-baseline:shard": {"$ref": "#/$defs/shard"},
                    "repo-baseline:removals": {"$ref": "#/$defs/removals"},
                },
                "required": ["github:owner"],
                "anyOf": [
                    {"required": ["repo-baseline:repositories"]},
                    {"required": ["repo-baseline:select"]},
                ],
                # Only this project's namespace is closed; other namespaces are the providers'.
                "patternProperties": {"^(?!repo-baseline:).+:.+$": {}},
                "additionalProperties": False,
            }
        },
        "$defs": {
            **sections,
            "defaults": defaults,
            "repository": repository,
            "rule": rule,
            "select": select,
            "shard": shard,
            "removals": removals,
        },
    }


def render() -> str:
    return json.dumps(stack_schema(), indent=2, ensure_ascii=False) + "\n"


# The configuration reference's table of keys, written between these lines of DOCS_FILE.
DOCS_FILE = ROOT / "docs" / "configuration.md"
TABLE_START = (
    "<!-- written by `python -m baseline.stack.schema` from the settings' declarations -->"
)
TABLE_END = "<!-- end of the written table -->"
# Where each key of a repository entry is declared, and its prefix in the reference.
_ENTRY_KEYS: tuple[tuple[str, type], ...] = (
    ("", RepositoryConfig),
    ("pipeline.", PipelineSettings),
    ("pipeline.", BackendCiOptions),
    ("protection.", ProtectionSettings),
    ("settings.", RepositorySettings),
)


def _shown_default(default: object) -> str:
    if default is dataclasses.MISSING:
        return "(required)"
    value = _default(default)
    if value is None:
        return "none"
    return f"`{value}`" if isinstance(value, str) and value else f"`{json.dumps(value)}`"


def reference_table() -> str:
    """The reference's table: every key of a repository entry, its default, what it means."""
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    for prefix, of in _ENTRY_KEYS:
        for each, declaration in declared(of):
            default = declaration.shown_default or _shown_default(each.default)
            rows.append(f"| `{prefix}{each.name}` | {default} | {declaration.description} |")
    return "\n".join(rows) + "\n"


def with_reference(document: str) -> str:
    """The configuration reference with its table of keys as the declarations write it."""
    before, start, rest = document.partition(TABLE_START + "\n")
    _, end, after = rest.partition(TABLE_END)
    if not start or not end:
        raise ValueError(f"{DOCS_FILE.name} lacks the lines {TABLE_START!r} and {TABLE_END!r}")
    return before + start + reference_table() + end + after


def main(argv: list[str]) -> int:
    """`python -m baseline.stack.schema [--check]`: write the committed schema and the configuration
    reference's table, or check they are current."""
    parser = argparse.ArgumentParser(
        prog="python -m baseline.stack.schema",
        description=f"Write {SCHEMA_FILE.relative_to(ROOT)} and the table of keys in "
        f"{DOCS_FILE.relative_to(ROOT)} from the settings' declarations "
        "(baseline/stack/settings.py, workflows/options.py); editors and the config's validation "
        "read the schema.",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when a file is not current"
    )
    args = parser.parse_args(argv)
    written = {
        SCHEMA_FILE: render(),
        DOCS_FILE: with_reference(DOCS_FILE.read_text(encoding="utf-8")),
    }
    if args.check:
        stale = [path for path, text in written.items() if path.read_text("utf-8") != text]
        for path in stale:
            print(f"{path} is not what the declarations write: run python -m baseline.stack.schema")
        return 1 if stale else 0
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
