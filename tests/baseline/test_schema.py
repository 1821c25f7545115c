"""The published JSON Schema of a stack file: current, valid, and agreeing with the config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from baseline.stack import stack_yaml
from baseline.stack.schema import SCHEMA_FILE, main, stack_schema

ROOT = Path(__file__).resolve().parents[2]
BOOLEAN = {"type": "boolean"}
VALIDATOR = jsonschema.Draft202012Validator(stack_schema())


def test_the_committed_schema_is_current() -> None:
    # `make test` fails when baseline/ changes and schema/stack.schema.json is not regenerated.
    assert main(["--check"]) == 0, "run: .venv/bin/python -m baseline.stack.schema"
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == stack_schema()


def test_help_prints_help_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: written.append(str(self)))
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "usage: python -m baseline.stack.schema [-h] [--check]" in capsys.readouterr().out
    assert written == []


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(stack_schema())


def _keys(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every key of an object schema, and of the objects in its lists, with its schema."""
    found = []
    for key, node in schema.get("properties", {}).items():
        found.append((key, node))
        items = node.get("items", {})
        found += [(f"{key}[]", items)] if items else []
        found += [(f"{key}[].{k}", n) for k, n in _keys(items)]
    return found


@pytest.mark.parametrize("definition", ["pipeline", "protection", "settings", "repository"])
def test_every_key_says_what_it_allows(definition: str) -> None:
    # The config's messages are the schema's: an errorMessage, or the choices of an enum, or
    # "true or false" for a boolean (baseline.stack.validation builds the last two).
    for key, node in _keys(stack_schema()["$defs"][definition]):
        if "$ref" not in node:
            assert "errorMessage" in node or "enum" in node or node == {**node, **BOOLEAN}, key


@pytest.mark.parametrize("path", ["Pulumi.example.yaml", "examples/Pulumi.org.yaml"])
def test_the_example_stacks_are_valid(path: str) -> None:
    document = stack_yaml.load((ROOT / path).read_text(encoding="utf-8"))
    assert list(VALIDATOR.iter_errors(document)) == []


def test_the_example_stacks_name_the_schema_for_editors() -> None:
    for path, schema in (
        ("Pulumi.example.yaml", "./schema/stack.schema.json"),
        ("examples/Pulumi.org.yaml", "../schema/stack.schema.json"),
    ):
        first = (ROOT / path).read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={schema}"


def test_other_namespaces_are_open_and_this_one_closed() -> None:
    repositories = [{"name": "shop"}]
    ok = {
        "config": {
            "github:owner": "o",
            "aws:region": "x",
            "repo-baseline:repositories": repositories,
        }
    }
    assert list(VALIDATOR.iter_errors(ok)) == []
    typo = {"config": {"repo-baseline:repository": repositories}}
    assert list(VALIDATOR.iter_errors(typo))
