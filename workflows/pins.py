"""Pinned action references, read from `action-pins/action.yml`.

That file is a composite action that is never run: its steps name every action the generator may
use as `uses: owner/repo@<sha> # <release>`, the one format that Dependabot's github-actions
ecosystem (and Renovate) reads and updates, SHA and comment together. So a bot's pull request
that bumps a pin there changes every rendered workflow, with nobody re-rendering by hand.

A workflow never names an action by tag: `pinned("actions/checkout")` gives `owner/repo@<sha>`,
and the renderer writes the release beside it as a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PINS_FILE = Path(__file__).parent / "action-pins" / "action.yml"

# `uses: owner/repo@ref # comment`, as a step writes it (also as a list item: `- uses: ...`).
_USES_LINE = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<action>[\w.-]+/[\w.-]+)@(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*?))?\s*$"
)
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Pin:
    uses: str
    version: str
    sha: str

    @property
    def ref(self) -> str:
        return f"{self.uses}@{self.sha}"


@dataclass(frozen=True)
class UsesLine:
    """One `uses: owner/repo@ref # comment` line of a workflow or action file."""

    line: int
    action: str
    ref: str
    comment: str | None


def uses_lines(text: str) -> list[UsesLine]:
    """Every remote action a workflow or action file uses, with its line and trailing comment."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _USES_LINE.match(line)
        if match:
            found.append(UsesLine(number, match["action"], match["ref"], match["comment"]))
    return found


def parse_pins(text: str, source: str) -> dict[str, Pin]:
    """The pins of a pin file's text; ValueError naming the line for anything but a full commit
    SHA with its release, or an action pinned twice."""
    steps = (yaml.safe_load(text) or {}).get("runs", {}).get("steps", [])
    lines = uses_lines(text)
    if len(lines) != len(steps) or not lines:
        raise ValueError(f"{source}: expected one `uses: owner/repo@sha # release` line per step")
    out: dict[str, Pin] = {}
    for found in lines:
        where = f"{source}:{found.line}: {found.action}"
        if not _SHA.fullmatch(found.ref):
            raise ValueError(f"{where} is pinned to {found.ref!r}, not a full commit SHA")
        if not found.comment or " " in found.comment:
            raise ValueError(f"{where} needs its release as the line's comment (`# v1.2.3`)")
        if found.action in out:
            raise ValueError(f"{where} is pinned twice")
        out[found.action] = Pin(uses=found.action, version=found.comment, sha=found.ref)
    return out


@cache
def pins() -> dict[str, Pin]:
    """Every pin, by action (`actions/checkout`)."""
    source = PINS_FILE.relative_to(PINS_FILE.parents[2]).as_posix()
    return parse_pins(PINS_FILE.read_text(encoding="utf-8"), source)


def pinned(action: str) -> str:
    """`owner/repo@sha` for a pinned action; KeyError for one that is not in the pin file."""
    return pins()[action].ref


def version_comments() -> dict[str, str]:
    """`owner/repo@sha` -> release tag, for the renderer's trailing comments."""
    return {pin.ref: pin.version for pin in pins().values()}
