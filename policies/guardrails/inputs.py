"""Reading resource inputs and policy config the way the policy engine hands them over.

Inputs arrive with camelCase keys, as plain values or as pulumi_policy's read-only proxies (which
are `Mapping`/`Sequence`, not `dict`/`list`). Numbers that went through protobuf are floats, so
`15368` may arrive as `15368.0`. A value not known during preview is either absent, `None`, or
raises pulumi_policy's `UnknownValueError` when read; callers let that error reach the SDK (which
reports "can't run policy during preview") or skip the resource.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

__all__ = [
    "UnknownValueError",
    "as_int",
    "as_list",
    "as_mapping",
    "as_str",
    "config_int",
    "config_str",
    "is_true",
    "value_at",
]


def value_at(props: Any, *path: str) -> Any:
    """The value at `path` inside nested mappings, or None when any step is absent."""
    current = props
    for key in path:
        if not isinstance(current, Mapping) or key not in current:
            return None
        current = current[key]
    return current


def as_mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def as_list(value: Any) -> list[Any]:
    """A sequence value as a list; anything else (absent, a string, a scalar) as []."""
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [value[index] for index in range(len(value))]
    return []


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def as_int(value: Any) -> int | None:
    """An integral number (int, or a float such as 15368.0 from protobuf); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def is_true(value: Any) -> bool:
    return value is True


def config_int(config: Mapping[str, Any], key: str, default: int) -> int:
    """An integer policy config value; raises ValueError naming the key when it is not one."""
    if key not in config or config[key] is None:
        return default
    number = as_int(config[key])
    if number is None:
        raise ValueError(f"policy config {key!r} must be an integer, got {config[key]!r}")
    return number


def config_str(config: Mapping[str, Any], key: str, default: str) -> str:
    """A non-empty string policy config value; raises ValueError naming the key otherwise."""
    if key not in config or config[key] is None:
        return default
    text = config[key]
    if not isinstance(text, str) or not text:
        raise ValueError(f"policy config {key!r} must be a non-empty string, got {text!r}")
    return text


# The repository default branch the stack policies assume when its workflow files name none.
DEFAULT_BRANCH = "main"
DEFAULT_BRANCH_PROPERTY: dict[str, Any] = {
    "type": "string",
    "default": DEFAULT_BRANCH,
    "description": "The default branch of a repository whose workflow files name none.",
}
