"""The JSON Schema of a stack file (`Pulumi.<stack>.yaml`), for editors and other tools.

Built from the settings' defaults and the config's allowed values; committed as
`schema/stack.schema.json` and checked against this module by the tests (drift). Rules that
span layers or entries (a repository's keys over `defaults`, names unique ignoring case, a
`pr_branches` pattern matching `default_branch`) are the config's alone: JSON Schema cannot say
them. `python -m baseline.schema` rewrites the file; `--check` fails when it differs.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from baseline.settings import (
    MAX_APPROVALS,
    PROTECTION_KINDS,
    VISIBILITIES,
    WORKFLOW_PERMISSIONS,
    ProtectionSettings,
    RepositorySettings,
)
from workflows.options import FAIL_LEVELS, SERVICES, BackendCiOptions
from workflows.templates import TEMPLATES

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "stack.schema.json"
SCHEMA_ID = "https://github.com/repo-baseline/repo-baseline/schema/stack.schema.json"

_BOOLEAN = {"type": "boolean"}
_PYTHON_VERSION = {"type": "string", "pattern": r"^3\.\d{1,2}$"}
# The same expressions as baseline.config's checks.
_BRANCH_NAME = (
    r"^(?![./-])(?!@$)(?!.*(?:\.\.|@\{|//|/\.|\.lock/|\.lock$))"
    r"[^\x00-\x20\x7f~^:?*\[\\]+(?<![/.])$"
)
_COMMAND = {"type": "string", "pattern": r"^(?!\s*$)(?!.*\$\{\{)[^\n]*$"}

PIPELINE: dict[str, dict[str, Any]] = {
    "template": {"enum": list(TEMPLATES), "description": "the pipeline template"},
    "working_directory": {
        "type": "string",
        "pattern": r"^(?!/)(?!\.\.(/|$))[A-Za-z0-9._/-]+$",
        "description": "where the backend lives, relative to the repository root ('.' for it)",
    },
    "python_version": {**_PYTHON_VERSION, "description": 'Python for every job; quote it: "3.10"'},
    "python_versions": {
        "type": "array",
        "items": _PYTHON_VERSION,
        "minItems": 1,
        "uniqueItems": True,
        "description": "Python versions of the test job (a matrix, one required check each)",
    },
    "coverage_threshold": {
        "type": "integer",
        "minimum": 0,
        "maximum": 100,
        "description": "minimum coverage in percent",
    },
    "pr_branches": {
        "type": "array",
        "items": {"type": "string", "pattern": r"^!?[^\s!]\S*$"},
        "minItems": 1,
        "description": "branch filters of the pull_request trigger; one must match default_branch",
    },
    "default_branch": {
        "type": "string",
        "pattern": _BRANCH_NAME,
        "description": 'the default branch; a new repository must use "main"',
    },
    "lint_command": {**_COMMAND, "description": "the Lint Check job's command"},
    "format_command": {**_COMMAND, "description": "the Format Check job's command"},
    "type_check_command": {**_COMMAND, "description": "the Type Check job's command"},
    "test_command": {**_COMMAND, "description": "pytest as the backend runs it"},
    "coverage_source": {
        "type": "array",
        "items": {"type": "string", "pattern": r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._/-]*$"},
        "uniqueItems": True,
        "description": "what coverage measures, one --cov=<source> each",
    },
    "services": {
        "type": "array",
        "items": {"enum": list(SERVICES)},
        "uniqueItems": True,
        "description": "service containers of the test job",
    },
    "deploy_settings_module": {
        "type": ["string", "null"],
        "pattern": r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$",
        "description": "DJANGO_SETTINGS_MODULE of manage.py check --deploy",
    },
    "deploy_fail_level": {"enum": list(FAIL_LEVELS), "description": "check --deploy --fail-level"},
    "fail_on_changed_files": {
        **_BOOLEAN,
        "description": "fail a check whose command changed tracked files",
    },
}

PROTECTION: dict[str, dict[str, Any]] = {
    "kind": {"enum": list(PROTECTION_KINDS), "description": "a ruleset or classic protection"},
    "required_approvals": {
        "type": "integer",
        # 0 is refused: the mandatory policy reviews-required would reject it.
        "minimum": 1,
        "maximum": max(MAX_APPROVALS.values()),
        "description": f"approvals required: 1-{MAX_APPROVALS['ruleset']} for rulesets, "
        f"1-{MAX_APPROVALS['classic']} for classic",
    },
    "dismiss_stale_reviews": {
        "const": True,
        "description": "new commits dismiss approvals (the policy reviews-required needs true)",
    },
    "require_code_owner_reviews": {**_BOOLEAN, "description": "code owners must approve"},
    "require_last_push_approval": {
        **_BOOLEAN,
        "description": "the last push must be approved by someone else",
    },
    "require_conversation_resolution": {
        **_BOOLEAN,
        "description": "review conversations must be resolved",
    },
    "strict_status_checks": {**_BOOLEAN, "description": "the branch must be up to date"},
    "bypass_actors": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"app_id": {"type": "integer", "minimum": 1}},
            "required": ["app_id"],
            "additionalProperties": False,
        },
        "uniqueItems": True,
        "description": "GitHub Apps allowed to bypass (rulesets only); people never bypass",
    },
}

_SETTING_DESCRIPTIONS = {
    "visibility": "private, public or internal",
    "allow_merge_commit": "merge commits",
    "allow_squash_merge": "squash merging",
    "allow_rebase_merge": "rebase merging",
    "delete_branch_on_merge": "delete head branches after merge",
    "allow_auto_merge": "auto-merge",
    "allow_update_branch": "always suggest updating pull request branches",
    "has_wiki": "the wiki",
    "has_projects": "repository projects",
    "has_discussions": "discussions",
    "is_template": "a template repository",
    "homepage": "the repository's homepage URL",
    "vulnerability_alerts": "Dependabot alerts",
    "dependabot_security_updates": "Dependabot security updates (need vulnerability alerts)",
    "secret_scanning": "secret scanning (private and internal repositories need Secret Protection)",
    "secret_scanning_push_protection": "push protection (needs secret_scanning)",
    "default_workflow_permissions": "the default GITHUB_TOKEN permission",
    "sha_pinning_required": "actions must be pinned to a full commit SHA",
}


def _setting(name: str) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "visibility": {"enum": list(VISIBILITIES)},
        "default_workflow_permissions": {"enum": list(WORKFLOW_PERMISSIONS)},
        "homepage": {"type": "string", "pattern": r"^(|https?://\S+)$"},
    }
    return {**kinds.get(name, _BOOLEAN), "description": _SETTING_DESCRIPTIONS[name]}


SETTINGS: dict[str, dict[str, Any]] = {
    field.name: _setting(field.name) for field in dataclasses.fields(RepositorySettings)
}


def _section(
    properties: dict[str, dict[str, Any]], defaults: object, description: str
) -> dict[str, Any]:
    """An object whose every key is optional, each with its built-in default."""
    with_defaults = {}
    for key, schema in properties.items():
        default = getattr(defaults, key, None)
        if isinstance(default, tuple):
            default = [
                dataclasses.asdict(d)
                if dataclasses.is_dataclass(d) and not isinstance(d, type)
                else d
                for d in default
            ]
        with_defaults[key] = {**schema, "default": default} if hasattr(defaults, key) else schema
    return {
        "type": "object",
        "description": description,
        "properties": with_defaults,
        "additionalProperties": False,
    }


def stack_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of a whole stack file."""
    pipeline_defaults = dataclasses.replace(BackendCiOptions())
    sections = {
        "pipeline": _section(
            {"template": {**PIPELINE["template"], "default": TEMPLATES[0]}}
            | {k: v for k, v in PIPELINE.items() if k != "template"},
            pipeline_defaults,
            "the pipeline's template and options",
        ),
        "protection": _section(PROTECTION, ProtectionSettings(), "the default branch's protection"),
        "settings": _section(SETTINGS, RepositorySettings(), "the repository's own settings"),
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
            "name": {
                "type": "string",
                "pattern": r"^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$",
                "description": "the repository's name (unique ignoring case)",
            },
            "adopt": {
                **_BOOLEAN,
                "default": False,
                "description": "import the existing repository instead of creating it",
            },
            "description": {
                "type": ["string", "null"],
                "description": "the repository's description",
            },
            **{name: {"$ref": f"#/$defs/{name}"} for name in sections},
        },
        "required": ["name"],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "repo-baseline stack file (Pulumi.<stack>.yaml)",
        "description": "Generated by `python -m baseline.schema` from baseline/; do not edit.",
        "type": "object",
        "required": ["config"],
        "properties": {
            "config": {
                "type": "object",
                "properties": {
                    "github:owner": {"type": "string", "minLength": 1},
                    "repo-baseline:defaults": {"$ref": "#/$defs/defaults"},
                    "repo-baseline:repositories": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"$ref": "#/$defs/repository"},
                    },
                },
                "required": ["repo-baseline:repositories"],
                # Only this project's namespace is closed; other namespaces are the providers'.
                "patternProperties": {"^(?!repo-baseline:).+:.+$": {}},
                "additionalProperties": False,
            }
        },
        "$defs": {**sections, "defaults": defaults, "repository": repository},
    }


def render() -> str:
    return json.dumps(stack_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if argv == ["--check"]:
        if SCHEMA_FILE.read_text(encoding="utf-8") == text:
            return 0
        print(f"{SCHEMA_FILE} differs from baseline/schema.py: run python -m baseline.schema")
        return 1
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
