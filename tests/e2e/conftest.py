"""Fixtures of the end-to-end tests: the real engine, a GitHub double, a project per test.

The engine comes from `make engine`; when it is missing the test fails with the command that
builds it, never skips (CI must not pass without having run the real thing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing.github_double import GitHubDouble
from testing.github_double.pytest_plugin import ADMIN_TOKEN, github_contract, github_double
from tests.e2e.harness import ROOT, Engine, EngineMissingError, Project, install_provider

__all__ = ["github_contract", "github_double"]

ProjectFactory = Callable[..., Project]


@pytest.fixture(scope="session")
def engine() -> Engine:
    try:
        return Engine.find()
    except EngineMissingError as missing:
        pytest.fail(str(missing), pytrace=False)


@pytest.fixture(scope="session")
def pulumi_home(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PULUMI_HOME for the session, with the built provider installed as github 6.15.0."""
    home = tmp_path_factory.mktemp("pulumi-home")
    install_provider(engine, home)
    return home


@pytest.fixture
def github(github_double: GitHubDouble) -> GitHubDouble:
    """A fresh double of `example-org`; the test fails if anything broke GitHub's contract."""
    return github_double


def provider_config(github: GitHubDouble) -> dict[str, Any]:
    """The provider's stack config for the double (the token comes from GITHUB_TOKEN)."""
    return {
        "github:owner": github.org,
        "github:baseUrl": github.url,
        # By default every write sleeps 1 s and a 5xx is retried 3 times (../shared/facts/
        # engine.md); here a failure must show at once.
        "github:writeDelayMs": 0,
        "github:maxRetries": 0,
    }


def example_config() -> dict[str, Any]:
    """The config of Pulumi.example.yaml, as a mapping."""
    document = yaml.safe_load((ROOT / "Pulumi.example.yaml").read_text(encoding="utf-8"))
    return dict(document["config"])


@pytest.fixture
def project(
    engine: Engine, pulumi_home: Path, github: GitHubDouble, tmp_path: Path
) -> ProjectFactory:
    """`project(config, stack=..., token=...)`: an initialised stack whose file holds `config`
    plus the provider's settings for the double."""

    def make(
        config: Mapping[str, Any] | None = None,
        *,
        stack: str = "e2e",
        token: str = ADMIN_TOKEN,
    ) -> Project:
        folder = tmp_path / f"project-{stack}"
        folder.mkdir()
        made = Project(engine, pulumi_home, folder, stack, {"GITHUB_TOKEN": token})
        made.init()
        made.write_stack_file({**(config or example_config()), **provider_config(github)})
        return made

    return make
