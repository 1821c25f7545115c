"""Options of the backend CI pipeline: what a repository may change about it."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PYTHON_VERSION = "3.12"

# The Python versions the scripts embedded in the pipeline are compiled on by the tests (real
# interpreters of each): the versions a repository can be expected to configure.
TESTED_PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")


@dataclass(frozen=True)
class BackendCiOptions:
    """Per-repository knobs of `backend_ci`; every field has the seed's value as default.

    `python_versions` empty means "just `python_version`"; use `versions` to read the effective
    list. Validation of user input lives in `baseline.config`; this class trusts its caller.
    """

    working_directory: str = "backend"
    python_version: str = DEFAULT_PYTHON_VERSION
    python_versions: tuple[str, ...] = ()
    coverage_threshold: int = 80
    pr_branches: tuple[str, ...] = ("main", "bau/**")
    default_branch: str = "main"

    @property
    def versions(self) -> tuple[str, ...]:
        """The Python versions the test job runs on (more than one makes it a matrix)."""
        return self.python_versions or (self.python_version,)
