"""Config errors as values a user can act on: where, what was found, what is allowed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass


def describe(value: object) -> str:
    """Show a config value the way the user wrote it (JSON-ish), with its YAML type when unclear."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


@dataclass(frozen=True)
class ConfigError:
    """One problem: the config path (`repositories[2].protection.required_approvals`), the value
    found (already described for a person), and what is allowed."""

    path: str
    found: str
    allowed: str
    # The name of the repository entry the path is in (`repositories[23]` says little).
    repository: str | None = None
    line: int | None = None  # where the stack file has it

    def __str__(self) -> str:
        return f"{self.where}: found {self.found}; allowed: {self.allowed}"

    @property
    def where(self) -> str:
        """The path, with the entry's repository named after its index and the stack file's
        line: `repositories[23] (shop-backend).protection.required_approvals, line 141`."""
        index, bracket, rest = self.path.partition("]")
        where = self.path
        if self.repository is not None and bracket:
            where = f"{index}] ({self.repository}){rest}"
        return where if self.line is None else f"{where}, line {self.line}"


class ConfigErrors(Exception):  # noqa: N818 (a collection of ConfigError values)
    """Every problem of a config at once; raised before any resource is registered."""

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        self.errors: tuple[ConfigError, ...] = tuple(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.errors)
        head = f"the stack config has {count} problem{'s' if count != 1 else ''}:"
        return "\n".join([head, *(f"  {error}" for error in self.errors)])
