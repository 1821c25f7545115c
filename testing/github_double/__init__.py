"""A stateful GitHub REST double; every request and answer is checked against GitHub's contract.

Start it in one line: ``with GitHubDouble(org="example-org", tokens={"t": User("octo")}) as gh:``;
point the provider at ``gh.url``. See README.md beside this file ("The public API").

The public API is what `__all__` names: the double (`GitHubDouble`, with its log entries
`LogEntry` and its `Violation`s), the actors a token acts as (`User`, `App`, `Actor`), faults
(`Fault`, the `Injection` that puts one in force, `FiredFault`), GitHub's own refusals
(`GitHubError`, raised by seeding as by the API), and GitHub's description (`Contract`,
`SpecNotInstalledError` when it is not installed). The pytest fixtures are in `pytest_plugin`.
The other modules are the double's own.
"""

from testing.github_double.contract import Contract, SpecNotInstalledError
from testing.github_double.faults import Fault, FiredFault, Injection
from testing.github_double.models import Actor, App, GitHubError, User
from testing.github_double.server import GitHubDouble, LogEntry, Violation

__all__ = [
    "Actor",
    "App",
    "Contract",
    "Fault",
    "FiredFault",
    "GitHubDouble",
    "GitHubError",
    "Injection",
    "LogEntry",
    "SpecNotInstalledError",
    "User",
    "Violation",
]
