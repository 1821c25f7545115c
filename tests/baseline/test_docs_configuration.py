"""docs/configuration.md against the schema: one row per key of a repository entry, each with
the schema's default (the docs' drift check; the prose is the docs' own)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from baseline.schema import stack_schema

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
ROW = re.compile(r"^\| `([a-z_.]+)` \| ([^|]+) \|", re.MULTILINE)
# Defaults the docs say in words: an empty list that means "the one python_version".
IN_WORDS = {"pipeline.python_versions": "`[python_version]`"}


def schema_keys() -> dict[str, dict[str, Any]]:
    """Every key of a repository entry, as `section.key`, with its schema."""
    definitions = stack_schema()["$defs"]
    keys = {
        key: value
        for key, value in definitions["repository"]["properties"].items()
        if key not in ("pipeline", "protection", "settings")
    }
    for section in ("pipeline", "protection", "settings"):
        for key, value in definitions[section]["properties"].items():
            keys[f"{section}.{key}"] = value
    return keys


def shown(default: object) -> set[str]:
    """How the docs may write a default: JSON, a string bare, none for null."""
    if default is None:
        return {"none", "unset"}
    forms = {f"`{json.dumps(default)}`"}
    if isinstance(default, str) and default:
        forms.add(f"`{default}`")
    return forms


def test_the_reference_has_one_row_per_key_with_the_schemas_default() -> None:
    rows = {key: default.strip() for key, default in ROW.findall(DOCS.read_text("utf-8"))}
    keys = schema_keys()
    assert sorted(set(keys) - set(rows)) == [], "keys the docs' table lacks"
    assert sorted(set(rows) - set(keys)) == [], "rows for keys the schema does not have"
    for key, schema in keys.items():
        if key in IN_WORDS:
            assert rows[key] == IN_WORDS[key]
        elif "default" in schema:
            assert rows[key] in shown(schema["default"]), key
        else:
            assert rows[key] in ("(required)", "none"), key
