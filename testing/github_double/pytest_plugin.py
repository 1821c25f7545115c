"""pytest fixtures: the description parsed once per session, a fresh double for each test.

Use them from a conftest.py with ``pytest_plugins = ["testing.github_double.pytest_plugin"]`` (root
conftest only), or by naming them in a test module: ``github_double = pytest_plugin.github_double``.
A missing description fails the test with the command that installs it; it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testing.github_double.contract import Contract, SpecNotInstalledError
from testing.github_double.models import User
from testing.github_double.server import GitHubDouble

ORG = "example-org"
ADMIN_TOKEN = "test-admin-token"
ADMIN = User("octo-admin")


@pytest.fixture(scope="session")
def github_contract() -> Contract:
    """GitHub's OpenAPI description, parsed once for the whole session."""
    try:
        return Contract.load()
    except SpecNotInstalledError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def github_double(github_contract: Contract) -> Iterator[GitHubDouble]:
    """A running double for `example-org` with one admin token; fails the test on a violation."""
    with GitHubDouble(ORG, {ADMIN_TOKEN: ADMIN}, contract=github_contract) as double:
        yield double
        double.assert_no_violations()
