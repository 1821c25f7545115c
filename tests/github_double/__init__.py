"""A stateful GitHub REST double; every request and answer is checked against GitHub's contract.

Start it in one line: ``with GitHubDouble(org="example-org", tokens={"t": User("octo")}) as gh:``;
point the provider at ``gh.url``. See README.md beside this file.
"""

from tests.github_double.faults import Fault, Injection
from tests.github_double.models import App, User
from tests.github_double.server import GitHubDouble, Violation

__all__ = ["App", "Fault", "GitHubDouble", "Injection", "User", "Violation"]
