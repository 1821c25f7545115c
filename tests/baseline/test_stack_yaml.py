"""baseline.stack.stack_yaml: a stack file reads as the Pulumi CLI reads it, not as PyYAML would.

Every expected value here was printed by the real CLI (v3.274.0, built by `make engine`) for the
same file: a program exported what `pulumi.Config` returned. tests/e2e/test_config_errors.py checks
the same against the CLI itself on every e2e run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baseline.stack import stack_yaml
from baseline.stack.errors import ConfigErrors
from baseline.stack.validation import load_settings_file

ROOT = Path(__file__).resolve().parents[2]

TRICKY_OBJECT = """\
config:
  demo:obj:
    a: yes
    b: on
    c: 3.10
    d: 017
    e: 0o17
    f: 1_000
    g: 0x1F
    h: 2024-01-02
    i: ~
    k: 1e3
    l: "3.10"
    m: y
    n: 0b101
    o: +12
    p: 12:30
    q: [1, "a", no]
    r: !!str 12
    s: 9223372036854775808
    t: 2024-01-02T03:04:05Z
    u: -0x10
    v: 0.
    w: Off
    x: NULL
    y: ""
    z: TRUE
    anchor: &A {k: 1}
    alias: *A
    merged:
      <<: *A
      extra: 2
"""

# What `pulumi.Config("demo").get("obj")` returned under the CLI, decoded.
CLI_OBJECT = {
    "a": "yes",
    "alias": {"k": 1},
    "anchor": {"k": 1},
    "b": "on",
    "c": 3.1,
    "d": 15,
    "e": 15,
    "f": 1000,
    "g": 31,
    "h": "2024-01-02 00:00:00 +0000 UTC",
    "i": None,
    "k": 1000,
    "l": "3.10",
    "m": "y",
    "merged": {"extra": 2, "k": 1},
    "n": 5,
    "o": 12,
    "p": "12:30",
    "q": [1, "a", "no"],
    "r": "12",
    "s": 9223372036854776000,
    "t": "2024-01-02 03:04:05 +0000 UTC",
    "u": -16,
    "v": 0,
    "w": "Off",
    "x": None,
    "y": "",
    "z": True,
}

TRICKY_SCALARS = """\
config:
  demo:plain: yes
  demo:num: 3.10
  demo:b: true
  demo:i: 017
  demo:e: 1e3
  demo:t: 2024-01-02
  demo:n: ~
  demo:q: [1, yes]
  demo:s: "x"
  demo:big: 12345678901234567890
  demo:f: 0.1
"""

# The strings the CLI handed to the program for each top-level key.
CLI_SCALARS = {
    "plain": "yes",
    "num": "3.1",
    "b": "true",
    "i": "15",
    "e": "1000",
    "t": "2024-01-02 00:00:00 +0000 UTC",
    "n": "",
    "q": '[1,"yes"]',
    "s": "x",
    "big": "12345678901234567890",
    "f": "0.1",
}


def config_strings(text: str) -> dict[str, str]:
    config = stack_yaml.load(text)["config"]
    return {key.split(":")[1]: stack_yaml.config_string(value) for key, value in config.items()}


def test_an_object_reads_as_the_cli_hands_it_to_the_program() -> None:
    assert json.loads(config_strings(TRICKY_OBJECT)["obj"]) == CLI_OBJECT


def test_top_level_scalars_are_the_strings_the_cli_passes() -> None:
    assert config_strings(TRICKY_SCALARS) == CLI_SCALARS


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1e6, "1e+06"), (1234567.0, "1.234567e+06"), (123456.0, "123456"), (1e-05, "1e-05")],
)
def test_top_level_floats_use_gos_format(value: float, expected: str) -> None:
    assert stack_yaml.config_string(value) == expected


@pytest.mark.parametrize("scalar", [".inf", "-.Inf", ".nan"])
def test_infinity_and_nan_are_refused_like_the_cli_refuses_them(scalar: str) -> None:
    with pytest.raises(stack_yaml.StackYAMLError, match="line 3, column 8"):
        stack_yaml.load(f"config:\n  demo:x:\n    a: {scalar}\n")


def test_a_duplicate_key_is_refused() -> None:
    with pytest.raises(stack_yaml.StackYAMLError, match='mapping key "a" already defined'):
        stack_yaml.load("a: 1\na: 2\n")


def test_an_explicit_tag_that_does_not_fit_is_refused() -> None:
    with pytest.raises(stack_yaml.StackYAMLError, match="as a !!int"):
        stack_yaml.load("a: !!int yes\n")


def test_adopt_yes_is_a_string_as_under_the_cli(tmp_path: Path) -> None:
    """PyYAML would read `adopt: yes` as true; `pulumi up` passes "yes", which is refused."""
    stack = tmp_path / "Pulumi.tricky.yaml"
    stack.write_text(
        "config:\n  github:owner: example-org\n  repo-baseline:repositories:\n"
        "    - name: shop\n      adopt: yes\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigErrors) as raised:
        load_settings_file(stack)
    [error] = raised.value.errors
    assert (error.path, error.found) == ("repositories[0].adopt", '"yes"')


def test_a_file_the_cli_refuses_is_a_config_error(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.tricky.yaml"
    stack.write_text("config:\n  repo-baseline:defaults:\n    x: .inf\n", encoding="utf-8")
    with pytest.raises(ConfigErrors) as raised:
        load_settings_file(stack)
    [error] = raised.value.errors
    assert error.path == str(stack)
    assert "line 3, column 8" in error.found
    assert "cannot pass infinity" in error.found


@pytest.mark.parametrize(
    "text",
    [
        TRICKY_OBJECT,
        "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: yes\n",
        "config:\n  demo:x: [1e3, 0o17, '12:30', !!str 5, 2024-01-02, ~]\n",
        (ROOT / "examples" / "Pulumi.org.yaml").read_text(encoding="utf-8"),
    ],
)
def test_libyaml_and_python_parsers_read_alike(text: str) -> None:
    assert stack_yaml.load(text) == stack_yaml.load(text, pure_python=True)


LINES = """config:
  github:owner: example-org
  repo-baseline:repositories:
    - name: a
    - name: shop
      protection:
        required_approvals: 11
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("repositories[1].protection.required_approvals", 7),
        ("repositories[1].protection.kind", 7),  # not in the file: where its section is
        ("repositories[0]", 4),
        ("config.github:owner", 2),
        ("defaults.protection", None),  # no defaults at all
        ("Pulumi.dev.yaml", None),  # a problem of the file itself
    ],
)
def test_a_config_path_is_found_on_its_line(path: str, line: int | None) -> None:
    assert stack_yaml.line_of(LINES, path, "repo-baseline") == line
