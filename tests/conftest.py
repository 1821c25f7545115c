"""Shared fixtures: the example stack's config, and Pulumi's mock engine for component tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from baseline.plan.mock_engine import EchoMocks

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_STACK = ROOT / "Pulumi.example.yaml"


@pytest.fixture(scope="session")
def example_config() -> dict[str, Any]:
    """The `config:` mapping of the example stack, as committed."""
    config: dict[str, Any] = yaml.safe_load(EXAMPLE_STACK.read_text(encoding="utf-8"))["config"]
    return config


@pytest.fixture
def pulumi_mocks() -> None:
    """Pulumi's mock engine for tests that build components directly and assert on Outputs."""
    pulumi.runtime.set_mocks(EchoMocks(), project="repo-baseline", stack="test", preview=False)
