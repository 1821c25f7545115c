"""How a setting is declared, once: a dataclass field whose type and default are the field's own,
and whose metadata says the rest (`setting`): what it means, what values it allows beyond its
type, and how the plan names it.

The stack config's JSON Schema and its validation (`baseline.stack.schema`), the plan's labels
(`baseline.plan.summary`) and the configuration reference (docs/configuration.md, written by
`python -m baseline.stack.schema`) are all read from these declarations. Plain Python: the
pipeline's options (`workflows.options`) are declared with it too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

METADATA_KEY = "declared"


@dataclass(frozen=True)
class Shown:
    """How the plan names a setting on one of its lines (`line`): `on` when the setting is true,
    `off` when false (`no <on>` unless given); a value that is not a boolean is put into `on`
    (`"homepage {}"`, or a function of it), and a false one (empty, 0) shows `off` when given.
    Settings of one `group` are shown together where the first of them is (`baseline.plan.summary`
    says how each group reads)."""

    line: str
    on: str | Callable[[Any], str]
    off: str | None = None
    group: str | None = None

    def text(self, value: object) -> str:
        if isinstance(value, bool):
            label = str(self.on)
            return label if value else (self.off if self.off is not None else f"no {label}")
        if not value and self.off is not None:
            return self.off
        return self.on(value) if callable(self.on) else self.on.format(value)


@dataclass(frozen=True)
class Declared:
    """What a setting says about itself beyond its type and default.

    `description` is Markdown (backticks, links to other docs pages), read as is by the
    configuration reference and, links made plain, by editors through the JSON Schema.
    `schema` is the JSON Schema its values must meet beyond what the type says (a pattern, a
    range, the choices of a `str`, an `errorMessage` saying what is allowed). `shown_default` is
    how the reference writes a default that its value would not say well (`[python_version]`).
    """

    description: str
    schema: Mapping[str, Any] = field(default_factory=dict)
    shown: Shown | None = None
    shown_default: str | None = None


def setting(
    default: Any = dataclasses.MISSING,
    *,
    description: str,
    schema: Mapping[str, Any] | None = None,
    shown: Shown | None = None,
    shown_default: str | None = None,
) -> Any:
    """A dataclass field with its declaration (no default: the key is required)."""
    declared = Declared(description, dict(schema or {}), shown, shown_default)
    return field(default=default, metadata={METADATA_KEY: declared})


def declared(of: type) -> list[tuple[dataclasses.Field[Any], Declared]]:
    """The declared fields of a dataclass, in the order they are written."""
    return [
        (each, each.metadata[METADATA_KEY])
        for each in dataclasses.fields(of)
        if METADATA_KEY in each.metadata
    ]


# JSON Schema pieces the declarations are written with.


def whole(regex: str) -> str:
    """A pattern for the whole string, read alike by Python's re and ECMA 262 editors (`$` alone
    lets a trailing newline through in Python)."""
    return f"^(?:{regex})(?![\\s\\S])"


def string(regex: str, allowed: str, **more: Any) -> dict[str, Any]:
    """A string matching `regex` whole; `allowed` says in words what is allowed."""
    return {"type": "string", "pattern": whole(regex), "errorMessage": allowed, **more}


def refused(regex: str, what: str, allowed: str) -> dict[str, Any]:
    """A subschema refusing strings that match `regex`, which `what` describes."""
    return {"not": {"pattern": regex, "description": what}, "errorMessage": allowed}


def array(items: Mapping[str, Any], allowed: str, **more: Any) -> dict[str, Any]:
    """A list whose items are `items`; `allowed` says in words what is allowed."""
    return {"type": "array", "items": dict(items), **more, "errorMessage": allowed}


def plain(markdown: str) -> str:
    """A description as an editor shows it: a Markdown link becomes its text and the page."""
    return re.sub(r"\[([^\]]+)\]\(([^)#]+)[^)]*\)", r"\1 (docs/\2)", markdown)
