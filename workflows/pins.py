"""Pinned action references, from `actions-pins.yaml` (a copy of the verified shared facts).

A workflow never names an action by tag: `pinned("actions/checkout")` gives `owner/repo@<sha>`,
and the renderer writes the release tag beside it as a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Pin:
    uses: str
    version: str
    sha: str

    @property
    def ref(self) -> str:
        return f"{self.uses}@{self.sha}"


@cache
def pins() -> dict[str, Pin]:
    """Every verified pin, by action (`actions/checkout`)."""
    text = resources.files("workflows").joinpath("actions-pins.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    out: dict[str, Pin] = {}
    for entry in data["actions"]:
        pin = Pin(uses=str(entry["uses"]), version=str(entry["version"]), sha=str(entry["sha"]))
        if len(pin.sha) != 40 or any(c not in "0123456789abcdef" for c in pin.sha):
            raise ValueError(f"actions-pins.yaml: {pin.uses} has no full commit sha: {pin.sha!r}")
        out[pin.uses] = pin
    return out


def pinned(action: str) -> str:
    """`owner/repo@sha` for a verified action; KeyError for one that is not in the pin file."""
    return pins()[action].ref


def version_comments() -> dict[str, str]:
    """`owner/repo@sha` -> release tag, for the renderer's trailing comments."""
    return {pin.ref: pin.version for pin in pins().values()}
