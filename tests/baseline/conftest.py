"""The example stack adopts a repository, so its program reads the organization's listing: here,
the committed example listing, as `make plan` gives it (never GitHub)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baseline.stack.inventory import INVENTORY_ENV

EXAMPLE_INVENTORY = Path(__file__).resolve().parents[2] / "examples" / "inventory.json"


@pytest.fixture(scope="session", autouse=True)
def example_listing() -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(INVENTORY_ENV, str(EXAMPLE_INVENTORY))
        yield EXAMPLE_INVENTORY
