"""How GitHub names the status checks a workflow job reports.

Sources: GitHub Docs, "Troubleshooting required status checks" and "Running variations of jobs
in a workflow" (a matrix job is one job per combination, each a check); observed names in public
repositories' required checks (antrea-io/antrea#3563, NixOS/nixpkgs#417957):
- a job's check is its `name:`, or its id when it has none; the workflow's name is no part of it;
- a matrix job whose name uses no `${{ matrix.* }}` expression reports one check per combination,
  `NAME (v1, v2)`, the values in the order the matrix's keys are written;
- a name that uses matrix expressions is interpolated, with no suffix.

Tested against: `workflows/checks.py` and the policy pack (`pipeline.job_checks`). Not the GitHub
double (a test reports its check runs by name) nor the pipeline runner (it appends `(v1, v2)` to
every matrix job's name and interpolates none: the rendered pipeline's names use no matrix
expression).
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    job_id: str
    name: str | None
    matrix: tuple[tuple[str, tuple[str, ...]], ...]  # keys in the order written
    checks: tuple[str, ...]


CASES: tuple[Case, ...] = (
    Case("lint", "Lint Check (Ruff)", (), ("Lint Check (Ruff)",)),
    Case("build", None, (), ("build",)),
    Case("test", "Tests", (("python", ("3.11", "3.12")),), ("Tests (3.11)", "Tests (3.12)")),
    Case(
        "test",
        "Tests",
        (("os", ("linux", "mac")), ("python", ("3.11", "3.12"))),
        ("Tests (linux, 3.11)", "Tests (linux, 3.12)", "Tests (mac, 3.11)", "Tests (mac, 3.12)"),
    ),
    Case(
        "test",
        "Tests",
        (("python", ("3.12", "3.11")), ("os", ("mac", "linux"))),
        ("Tests (3.12, mac)", "Tests (3.12, linux)", "Tests (3.11, mac)", "Tests (3.11, linux)"),
    ),
    Case(
        "t",
        "Tests on ${{ matrix.python }}",
        (("python", ("3.11", "3.12")),),
        ("Tests on 3.11", "Tests on 3.12"),
    ),
    Case("t", None, (("python", ("3.11",)),), ("t (3.11)",)),
    Case(  # an expression written without spaces is one too
        "test",
        "Test on ${{ matrix.os }} / py${{matrix.python}}",
        (("os", ("linux",)), ("python", ("3.11", "3.12"))),
        ("Test on linux / py3.11", "Test on linux / py3.12"),
    ),
)
