"""One declaration per setting: the schema, the configuration reference (docs/configuration.md)
and the plan's labels are read from it, and a new declaration reaches all of them."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from baseline.plan import summary
from baseline.stack import schema
from baseline.stack.schema import (
    DOCS_FILE,
    properties,
    reference_table,
    stack_schema,
    with_reference,
)
from baseline.stack.settings import RepositorySettings
from workflows.declared import Shown, setting

ROW = re.compile(r"^\| `([a-z_.]+)` \| ([^|]+) \|", re.MULTILINE)


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


def test_the_committed_reference_is_what_the_declarations_write() -> None:
    document = DOCS_FILE.read_text("utf-8")
    assert with_reference(document) == document, "run: .venv/bin/python -m baseline.stack.schema"


def test_the_reference_has_a_row_per_key_of_the_schema() -> None:
    rows = [key for key, _ in ROW.findall(reference_table())]
    assert rows == list(schema_keys())


def test_a_row_says_the_default_as_the_stack_file_would() -> None:
    rows = dict(ROW.findall(reference_table()))
    assert rows["name"].strip() == "(required)"
    assert rows["description"].strip() == "none"
    assert rows["pipeline.working_directory"].strip() == "`backend`"
    assert rows["pipeline.pr_branches"].strip() == '`["main", "bau/**"]`'
    assert rows["settings.homepage"].strip() == '`""`'
    assert rows["settings.topics"].strip() == "unset"  # said in the declaration
    assert rows["protection.required_approvals"].strip() == "`1`"


def test_a_document_without_the_tables_lines_is_refused() -> None:
    with pytest.raises(ValueError, match="lacks the lines"):
        with_reference("# Configuration\n")


@dataclass(frozen=True)
class _WithOneMore:
    """A section with a setting added the one way: a declaration."""

    visibility: Literal["private", "public"] = setting(
        "private", description="who sees it", shown=Shown("settings", "{}")
    )
    allow_forking: bool = setting(
        False,
        description="private forks ([Settings](configuration.md#x))",
        shown=Shown("settings", "forking", group="features"),
    )


def test_a_new_declaration_reaches_the_schema_the_reference_and_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    declared = properties(_WithOneMore)
    assert declared["allow_forking"] == {
        "type": "boolean",
        "description": "private forks (Settings (docs/configuration.md))",
        "default": False,
    }
    assert declared["visibility"]["enum"] == ["private", "public"]
    monkeypatch.setattr(schema, "_ENTRY_KEYS", (("settings.", _WithOneMore),))
    assert "| `settings.allow_forking` | `false` | private forks ([Settings](" in reference_table()
    assert summary.shown_line(_WithOneMore(allow_forking=True), "settings") == (
        "private; on: forking"
    )
    assert summary.shown_line(_WithOneMore(), "settings") == "private; off: forking"


def test_every_setting_of_the_plans_lines_is_declared_with_a_label() -> None:
    # The settings line names every repository setting but the topics (the plan says nothing of
    # them); a setting declared without a label would silently vanish from the plan.
    unlabelled = [
        each.name
        for each in dataclasses.fields(RepositorySettings)
        if each.metadata["declared"].shown is None
    ]
    assert unlabelled == ["topics"]
