"""The stack config's one declarative model: the JSON Schema (2020-12) of a stack file.

`baseline.config` validates each layer of the config (`defaults`, each repository entry) against
these definitions and turns the errors into `ConfigError`s; editors read the committed copy,
`schema/stack.schema.json` (drift-checked by the tests: `python -m baseline.schema` rewrites it,
`--check` fails when it differs). Each key says its type, range, allowed values and default, and
in `errorMessage` (which VS Code's JSON and YAML language servers show in place of their own)
what is allowed, in the words of a `ConfigError`; a `not` subschema's `description` says what it
rejects. Rules across keys, layers or entries are `baseline.config`'s named checks.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from baseline.settings import (
    DELIVERIES,
    MAX_APPROVALS,
    PROTECTION_KINDS,
    PROTECTION_SCOPES,
    VISIBILITIES,
    WORKFLOW_PERMISSIONS,
    PipelineSettings,
    ProtectionSettings,
    Removals,
    RepositorySettings,
)
from workflows.options import FAIL_LEVELS, SERVICES, BackendCiOptions
from workflows.templates import TEMPLATES

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema" / "stack.schema.json"
SCHEMA_ID = "https://github.com/repo-baseline/repo-baseline/schema/stack.schema.json"


def _full(regex: str) -> str:
    """A pattern for the whole string, read alike by Python's re and ECMA 262 editors (`$` alone
    lets a trailing newline through in Python)."""
    return f"^(?:{regex})(?![\\s\\S])"


def _string(regex: str, allowed: str, **more: Any) -> dict[str, Any]:
    return {"type": "string", "pattern": _full(regex), "errorMessage": allowed, **more}


def _refused(regex: str, what: str, allowed: str) -> dict[str, Any]:
    """A subschema refusing strings that match `regex`, which `what` describes."""
    return {"not": {"pattern": regex, "description": what}, "errorMessage": allowed}


def _list(items: dict[str, Any], allowed: str, **more: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **more, "errorMessage": allowed}


_BOOLEAN = {"type": "boolean"}
PYTHON_VERSION = _string(r"3\.\d{1,2}", 'a quoted Python version like "3.12"')
# Said when YAML read a version as a number (`3.10` is 3.1).
PYTHON_VERSION_AS_NUMBER = ' (YAML reads an unquoted 3.10 as 3.1; quote it: "3.10")'
# git check-ref-format, for a branch: no control characters, spaces or ~^:?*[\, no `..`, `@{`,
# `//` or `/.`, no component ending in `.lock`; not starting with `.`, `/` or `-`, not ending
# with `/` or `.`, and not `@` alone.
_BRANCH_NAME = (
    r"(?![./-])(?!@$)(?!.*(?:\.\.|@\{|//|/\.|\.lock/|\.lock$))[^\x00-\x20\x7f~^:?*\[\\]+(?<![/.])"
)
# One line, not blank, no `${{ }}` (a workflow expression inside a script is an injection risk).
_COMMAND = _string(
    r"(?![\s\S]*(?:\n|\$\{\{))\s*\S[\s\S]*",
    'a shell command on one line, like "make lint", without ${{ }} expressions (a workflow '
    "expression inside a script is a code injection risk)",
)
WORKING_DIRECTORY_ALLOWED = (
    "a relative path inside the repository of letters, digits, '.', '_', '-' and '/' "
    "('.' is the root)"
)

PIPELINE: dict[str, dict[str, Any]] = {
    "template": {"enum": list(TEMPLATES), "description": "the pipeline template"},
    "delivery": {
        "enum": list(DELIVERIES),
        "description": "how the workflow file reaches the default branch: commit (straight to "
        "it) or pull_request (a branch and a pull request; the protection's new checks only once "
        "it has merged)",
    },
    "replaces": _list(
        _string(
            r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.ya?ml",
            'a workflow file name in .github/workflows, like "ci.yml"',
        ),
        'a list of workflow file names in .github/workflows like ["ci.yml"] (empty: none)',
        uniqueItems=True,
        description="the repository's own workflows the pipeline replaces: once it has landed, "
        "a pull request deletes them (history keeps them); never by default",
    ),
    "working_directory": {
        **_string(r"[A-Za-z0-9._/-]+", WORKING_DIRECTORY_ALLOWED),
        "allOf": [
            _refused("^/", "an absolute path", WORKING_DIRECTORY_ALLOWED),
            _refused(r"^\.\.(/|$)", "it leaves the repository", WORKING_DIRECTORY_ALLOWED),
        ],
        "description": "where the backend lives, relative to the repository root ('.' for it)",
    },
    "python_version": {**PYTHON_VERSION, "description": 'Python for every job; quote it: "3.10"'},
    "python_versions": _list(
        PYTHON_VERSION,
        'a non-empty list of quoted Python versions like ["3.12", "3.13"] (leave it out to test '
        "on python_version only)",
        minItems=1,
        uniqueItems=True,
        description="Python versions of the test job (a matrix, one required check each)",
    ),
    "coverage_threshold": {
        "type": "integer",
        "minimum": 0,
        "maximum": 100,
        "errorMessage": "an integer from 0 to 100 (percent)",
        "description": "minimum coverage in percent",
    },
    "pr_branches": _list(
        _string(r"!?[^\s!]\S*", 'a branch pattern without spaces, like "main" or "bau/**"'),
        'a non-empty list of branch patterns like ["main", "bau/**"]',
        minItems=1,
        description="branch filters of the pull_request trigger; one must match default_branch",
    ),
    "default_branch": _string(
        _BRANCH_NAME,
        "a git branch name like main (no spaces or ~ ^ : ? * [ \\, no '..' or '@{', not "
        "starting with '.', '/' or '-', not ending with '/', '.' or '.lock')",
        description='the default branch; a new repository must use "main"',
    ),
    "lint_command": {**_COMMAND, "description": "the Lint Check job's command"},
    "format_command": {**_COMMAND, "description": "the Format Check job's command"},
    "type_check_command": {**_COMMAND, "description": "the Type Check job's command"},
    "test_command": {**_COMMAND, "description": "pytest as the backend runs it"},
    "coverage_source": _list(
        _string(
            r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._/-]*",
            'a package or a directory relative to working_directory, like "src"',
        ),
        'a list of packages or directories like ["src"] (empty: coverage\'s own config)',
        uniqueItems=True,
        description="what coverage measures, one --cov=<source> each",
    ),
    "services": _list(
        {"enum": list(SERVICES)},
        f"a list of service presets, each one of: {', '.join(SERVICES)} (empty for none)",
        uniqueItems=True,
        description="service containers of the test job",
    ),
    "deploy_settings_module": _string(
        r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*",
        'a dotted Python module like "config.settings.production" (or null)',
        type=["string", "null"],
        description="DJANGO_SETTINGS_MODULE of manage.py check --deploy",
    ),
    "deploy_fail_level": {"enum": list(FAIL_LEVELS), "description": "check --deploy --fail-level"},
    "fail_on_changed_files": {
        **_BOOLEAN,
        "description": "fail a check whose command changed tracked files",
    },
    "gate": {
        **_BOOLEAN,
        "description": "add the Gate job, which needs every required job; the protection then "
        "requires Gate alone",
    },
}

# What the mandatory policy reviews-required (policies/) rejects is refused here, with its reason.
PROTECTION: dict[str, dict[str, Any]] = {
    "kind": {"enum": list(PROTECTION_KINDS), "description": "a ruleset or classic protection"},
    "scope": {
        "enum": list(PROTECTION_SCOPES),
        "description": "a ruleset per repository, or one organization ruleset per distinct "
        "protection (needs kind ruleset; GitHub Team or Enterprise)",
    },
    "required_approvals": {
        "type": "integer",
        "maximum": max(MAX_APPROVALS.values()),
        "errorMessage": f"an integer from 1 to {MAX_APPROVALS['ruleset']} (rulesets; 1 to "
        f"{MAX_APPROVALS['classic']} with classic branch protection)",
        "allOf": [
            {
                "minimum": 1,
                "errorMessage": "at least 1: the mandatory policy reviews-required refuses fewer "
                "(pull requests would merge without review)",
            }
        ],
        "description": f"approvals required: 1-{MAX_APPROVALS['ruleset']} for rulesets, "
        f"1-{MAX_APPROVALS['classic']} for classic",
    },
    "dismiss_stale_reviews": {
        **_BOOLEAN,
        "allOf": [
            {
                "const": True,
                "errorMessage": "true: the mandatory policy reviews-required refuses false "
                "(approvals would survive new pushes)",
            }
        ],
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
    "bypass_actors": _list(
        {
            "type": "object",
            "properties": {
                "app_id": {
                    "type": "integer",
                    "minimum": 1,
                    "errorMessage": "a GitHub App id: a positive integer",
                }
            },
            "required": ["app_id"],
            "additionalProperties": False,
            "errorMessage": "a GitHub App as {app_id: N} (people, teams and roles cannot bypass)",
        },
        "a list of GitHub Apps like [{app_id: 123456}] (empty for none)",
        uniqueItems=True,
        description="GitHub Apps allowed to bypass (rulesets only); people never bypass",
    ),
}

_SETTING_DESCRIPTIONS = {
    "visibility": "private, public or internal; an existing repository keeps its own unless "
    "its entry or rule sets it",
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
    "homepage": "the repository's homepage URL; an existing repository keeps its own unless its "
    "entry or rule sets it",
    "topics": "the repository's topics; unset, they are not managed (an existing repository "
    "keeps its own)",
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
        "homepage": _string(
            r"|https?://\S+", 'a URL like "https://docs.example.com/shop" (or "" for none)'
        ),
        "topics": _list(
            _string(
                r"[a-z0-9][a-z0-9-]{0,49}",
                "a topic: lowercase letters, digits and '-', not starting with '-', at most 50",
            ),
            'a list of topics like ["django", "payments"] (leave it out to keep what GitHub has)',
            type=["array", "null"],
            uniqueItems=True,
        ),
    }
    return {**kinds.get(name, _BOOLEAN), "description": _SETTING_DESCRIPTIONS[name]}


SETTINGS: dict[str, dict[str, Any]] = {
    field.name: _setting(field.name) for field in dataclasses.fields(RepositorySettings)
}

# The keys of a repository entry besides its sections.
ENTRY: dict[str, dict[str, Any]] = {
    "name": _string(
        r"(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}",
        "a GitHub repository name: 1 to 100 letters, digits, '.', '_' or '-', not '.' or '..'",
        description="the repository's name (unique ignoring case)",
    ),
    "adopt": {
        **_BOOLEAN,
        "default": False,
        "description": "import the existing repository instead of creating it",
    },
    "description": {
        "type": ["string", "null"],
        "errorMessage": "a string (or leave it out)",
        "description": "the repository's description",
    },
}


# `select`: which of the organization's repositories the stack baselines.
_NAME_PATTERN = _string(
    r"[A-Za-z0-9._*?\[\]!-]{1,100}",
    'a repository name or a pattern like "*-backend" (* any characters, ? one, [abc] a set)',
)
_TOPIC = _string(
    r"[a-z0-9][a-z0-9-]{0,49}",
    "a GitHub topic: lowercase letters, digits and hyphens, starting with a letter or digit, "
    "at most 50 characters",
)
_PROPERTY_VALUE = {"type": "string", "errorMessage": "a custom property value (a string)"}
RULE_CONDITIONS: dict[str, dict[str, Any]] = {
    "names": _list(
        _NAME_PATTERN,
        'a list of repository names or patterns like ["*-backend", "api"]',
        minItems=1,
        uniqueItems=True,
        description="the name matches one of these patterns (ignoring case)",
    ),
    "topics": _list(
        _TOPIC,
        'a list of GitHub topics like ["django"]',
        minItems=1,
        uniqueItems=True,
        description="the repository has one of these topics",
    ),
    "properties": {
        "type": "object",
        "propertyNames": _string(
            r"[A-Za-z0-9_-]{1,75}",
            "a custom property name: letters, digits, '_' or '-', at most 75 characters",
        ),
        "additionalProperties": _list(
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
    "visibility": _list(
        {"enum": list(VISIBILITIES)},
        f"a list of visibilities, each one of: {', '.join(VISIBILITIES)}",
        minItems=1,
        uniqueItems=True,
        description="the repository's visibility is one of these",
    ),
}
RULE_NAME = _string(
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
REMOVALS: dict[str, dict[str, Any]] = {
    "count": {
        "type": "integer",
        "minimum": 0,
        "errorMessage": "an integer from 0 (a number of repositories)",
        "description": "a run may take the baseline away from this many repositories",
    },
    "percent": {
        "type": "integer",
        "minimum": 0,
        "maximum": 100,
        "errorMessage": "an integer from 0 to 100 (percent of the stack's repositories)",
        "description": "or from this percentage of the stack's repositories, if more",
    },
}
SHARD: dict[str, dict[str, Any]] = {
    "index": {
        "type": "integer",
        "minimum": 0,
        "errorMessage": "an integer from 0 to count - 1",
        "description": "which shard this stack is, from 0",
    },
    "count": {
        "type": "integer",
        "minimum": 1,
        "maximum": 256,
        "errorMessage": "an integer from 1 to 256",
        "description": "how many shards the selected repositories are split into",
    },
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
    pipeline_defaults = BackendCiOptions()
    sections = {
        "pipeline": _section(
            {
                "template": {**PIPELINE["template"], "default": TEMPLATES[0]},
                "delivery": {**PIPELINE["delivery"], "default": PipelineSettings.delivery},
                "replaces": {**PIPELINE["replaces"], "default": list(PipelineSettings.replaces)},
            }
            | {k: v for k, v in PIPELINE.items() if k not in ("template", "delivery", "replaces")},
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
        "properties": {**ENTRY, **{name: {"$ref": f"#/$defs/{name}"} for name in sections}},
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
            "rules": _list(
                {"$ref": "#/$defs/rule"},
                "a non-empty list of rules like [{name: backends, topics: [django]}]",
                minItems=1,
                description="the rules, in order",
            ),
            "exclude": _list(
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
        "properties": SHARD,
        "required": ["index", "count"],
        "additionalProperties": False,
        "errorMessage": "a mapping like {index: 0, count: 4}",
    }
    removals = {
        **_section(
            REMOVALS,
            Removals(),
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
        "description": "Generated by `python -m baseline.schema` from baseline/; do not edit.",
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


def main(argv: list[str]) -> int:
    """`python -m baseline.schema [--check]`: write the committed schema, or check it is current."""
    parser = argparse.ArgumentParser(
        prog="python -m baseline.schema",
        description=f"Write {SCHEMA_FILE.relative_to(SCHEMA_FILE.parent.parent)} from the "
        "stack config's model (baseline/schema.py); editors and the config's validation read it.",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 when the file is not current"
    )
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if SCHEMA_FILE.read_text(encoding="utf-8") == text:
            return 0
        print(f"{SCHEMA_FILE} differs from baseline/schema.py: run python -m baseline.schema")
        return 1
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
