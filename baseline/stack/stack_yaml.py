"""Read a `Pulumi.<stack>.yaml` the way the Pulumi CLI reads it, so the offline plan sees what
`pulumi up` sees.

The CLI parses stack files with Go's `gopkg.in/yaml.v3` and hands each config value to the program
as a string; PyYAML follows YAML 1.1 and disagrees on plain scalars. Measured with the real CLI
(tests/e2e/test_config_errors.py compares both on the same tricky file):

| plain scalar | PyYAML              | the CLI (what the program receives)       |
|--------------|---------------------|-------------------------------------------|
| `yes`, `on`  | true                | the string "yes", "on"                    |
| `1e3`        | the string "1e3"    | 1000                                      |
| `0o17`       | the string "0o17"   | 15                                        |
| `12:30`      | 750 (base 60)       | the string "12:30"                        |
| `2024-01-02` | a date              | the string "2024-01-02 00:00:00 +0000 UTC" |
| `.inf`       | infinity            | the stack file is refused                 |
| a duplicate key | the last one wins | the stack file is refused                 |

Numbers inside an object travel as JSON doubles: 3.10 arrives as 3.1, 5.0 as 5.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import yaml

# What yaml.v3's resolver (resolve.go) makes of a plain scalar.
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)")
_TIMESTAMP = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?P<f>\.[0-9]*)?"
    r"(?:[ \t]*(?P<z>Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?"
)
_PLAIN = "tag:repo-baseline:plain"
_TYPES: dict[str, type] = {"bool": bool, "null": type(None), "int": int, "float": float}
_TAG = "tag:yaml.org,2002:"


class StackYAMLError(ValueError):
    """A stack file the CLI would refuse; the message says why and where."""


# libyaml's parser when PyYAML was built with it (its wheels are): composing the nodes of a
# stack of 1,000 repositories took 0.25 s in Python, about a tenth of that in C. It calls the
# same `resolve`, so both read alike (the tests run both).
_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _tag(loader: Any, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
    """Every plain scalar without a tag is marked for `_scalar`; the rest as PyYAML tags it."""
    if kind is yaml.ScalarNode and implicit[0]:
        return _PLAIN
    tag: str = yaml.resolver.Resolver.resolve(loader, kind, value, implicit)  # type: ignore[no-untyped-call]
    return tag


class _Loader(_BASE_LOADER):  # type: ignore[misc]
    """Composes nodes only (see `_tag`)."""

    resolve = _tag


class _PythonLoader(yaml.SafeLoader):
    """The same in pure Python (`load(..., pure_python=True)`), to test that both agree."""

    resolve = _tag


def load(text: str, *, pure_python: bool = False) -> Any:
    """The YAML document as the CLI reads it: mappings, lists, strings, bools, None and numbers
    (`config_string` then turns a value into what the program receives)."""
    node = yaml.compose(text, Loader=_PythonLoader if pure_python else _Loader)
    return None if node is None else _value(node)


def config_string(value: Any) -> str:
    """One config value as the CLI hands it to the program: a scalar as its text, an object or
    a list as JSON."""
    if isinstance(value, dict | list):
        return json.dumps(_json_numbers(value), separators=(",", ":"), sort_keys=True)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def decode(text: str) -> Any:
    """A config string as the program reads it: JSON where it parses, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def program_value(value: Any) -> Any:
    """What the program reads for a value of the stack file: `decode(config_string(value))`."""
    return decode(config_string(value))


def _value(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_value(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        return _mapping(node)
    raise StackYAMLError(f"{_where(node)}: an unsupported YAML node")


def _mapping(node: yaml.MappingNode) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    own: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag in (_PLAIN, _TAG + "merge") and key_node.value == "<<":
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise StackYAMLError(f"{_where(source)}: a merge (<<) of something not a map")
                for key, value in _mapping(source).items():
                    merged.setdefault(key, value)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            raise StackYAMLError(f"{_where(key_node)}: a mapping key that is not a scalar")
        key = config_string(_value(key_node))
        if key in own:
            raise StackYAMLError(f'{_where(key_node)}: mapping key "{key}" already defined')
        own[key] = _value(value_node)
    return {**merged, **own}


def _scalar(node: yaml.ScalarNode) -> Any:
    text: str = node.value
    if node.tag == _PLAIN:
        return _resolve(text, node)
    tag = node.tag.removeprefix(_TAG)
    if tag == "timestamp":
        stamp = _timestamp(text)
        if stamp is None:
            raise StackYAMLError(f"{_where(node)}: cannot decode {text!r} as a !!timestamp")
        return stamp
    if tag in _TYPES:
        value = _resolve(text, node)
        if tag == "float" and type(value) is int:
            value = float(value)
        if type(value) is not _TYPES[tag]:
            raise StackYAMLError(f"{_where(node)}: cannot decode {text!r} as a !!{tag}")
        return value
    # !!str, quoted and block scalars, and tags yaml.v3 does not resolve: the text itself.
    return text


def _resolve(text: str, node: yaml.Node) -> Any:
    """yaml.v3's `resolve` for an untagged plain scalar."""
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _NULLS:
        return None
    if text in _SPECIAL_FLOATS:
        raise StackYAMLError(
            f"{_where(node)}: {text} (the Pulumi CLI cannot pass infinity or NaN to a program)"
        )
    hint = text[0]
    if hint == ".":
        try:
            return float(text)
        except ValueError:
            return text
    if hint.isdigit() or hint in "+-":
        stamp = _timestamp(text)
        if stamp is not None:
            return stamp
        digits = text.replace("_", "")
        if _GO_INT.fullmatch(digits):
            return _go_int(digits)
        if _YAML_STYLE_FLOAT.fullmatch(digits):
            return float(digits)
    return text


def _go_int(digits: str) -> int:
    """Go's `strconv.ParseInt(s, 0, 64)`: 0x hex, 0o or a leading 0 octal, 0b binary."""
    sign = -1 if digits.startswith("-") else 1
    body = digits.lstrip("+-").lower()
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    if body.startswith("0b"):
        return sign * int(body[2:], 2)
    if body.startswith("0o"):
        return sign * int(body[2:], 8)
    if len(body) > 1 and body.startswith("0"):
        return sign * int(body[1:], 8)
    return sign * int(body)


def _timestamp(text: str) -> str | None:
    """A YAML timestamp as the CLI passes it on: Go's `time.Time.String()`."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k not in ("f", "z")}
    try:
        moment = datetime(
            parts["y"],
            parts["mo"],
            parts["d"],
            parts.get("h", 0),
            parts.get("mi", 0),
            parts.get("s", 0),
            tzinfo=_zone(match["z"]),
        )
    except ValueError:
        return None
    fraction = (match["f"] or "").rstrip("0").rstrip(".")
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    name = "UTC" if moment.tzinfo is UTC else zone
    return f"{moment:%Y-%m-%d %H:%M:%S}{fraction} {zone} {name}"


def _zone(text: str | None) -> timezone:
    if text is None or text == "Z":
        return UTC
    sign = -1 if text.startswith("-") else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:-2] or digits), int(digits[-2:]) if len(digits) > 2 else 0
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _json_numbers(value: Any) -> Any:
    """Numbers as the program gets them after a trip through a JSON double: 5.0 -> 5."""
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    double = float(value)
    if double.is_integer() and abs(double) < 1e21:
        # Go writes a double's shortest digits, then zeros: 2**63 arrives as 9223372036854776000.
        return int(Decimal(repr(double)))
    return double


def _go_float(value: float) -> str:
    """Go's `%v` of a float64: the shortest digits, with an exponent below 1e-4 or from 1e6."""
    if value == 0:
        return "0"
    number = Decimal(repr(value)).normalize()
    exponent = number.adjusted()
    if -4 <= exponent < 6:
        return format(number, "f")
    sign, digits, _ = number.as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


_STEP = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")


def line_of(text: str, path: str, namespace: str) -> int | None:
    """The line of the stack file where a config path (`repositories[1].protection.x`, under
    `config:` as `<namespace>:repositories`; `config.github:owner` as written) is, or of the
    deepest part of it the file has; None when the file has no `config:` mapping."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    node = _child(root, "config") if isinstance(root, yaml.MappingNode) else None
    if node is None:
        return None
    steps: list[str | int] = [int(index) if index else key for key, index in _STEP.findall(path)]
    if steps and steps[0] == "config":
        steps = steps[1:]
    elif steps:
        steps[0] = f"{namespace}:{steps[0]}"
    for depth, step in enumerate(steps):
        inner = _child(node, step)
        if inner is None:
            if depth == 0:
                return None  # a key the file does not have at all
            break
        node = inner
    return int(node.start_mark.line) + 1


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(step, int) and isinstance(node, yaml.SequenceNode):
        return node.value[step] if step < len(node.value) else None
    if isinstance(step, str) and isinstance(node, yaml.MappingNode):
        return next((value for key, value in node.value if key.value == step), None)
    return None
