"""The published JSON Schema of a stack file: current, valid, and agreeing with the config."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from baseline import stack_yaml
from baseline.config import SECTIONS
from baseline.schema import SCHEMA_FILE, main, stack_schema

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft202012Validator(stack_schema())


def test_the_committed_schema_is_current() -> None:
    # `make test` fails when baseline/ changes and schema/stack.schema.json is not regenerated.
    assert main(["--check"]) == 0, "run: .venv/bin/python -m baseline.schema"
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == stack_schema()


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(stack_schema())


def test_every_config_key_is_in_the_schema_and_nothing_else() -> None:
    defs = stack_schema()["$defs"]
    for name, section in SECTIONS.items():
        assert list(defs[name]["properties"]) == list(section.fields), name


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
