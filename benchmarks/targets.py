"""The scale targets of issue 8, checked against the measurements `benchmarks.bench` collects.

Each measurement is the JSON object `benchmarks.measure` prints; a `Size` holds every run of the
program and of the floor at one stack size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import org

OVERHEAD_AT = 1000
MAX_OVERHEAD = 1.25  # plan time / floor time
GROWTH_FROM, GROWTH_TO = 100, 1000
MAX_GROWTH = 11.0  # time(1,000) / time(100): linear is 10
MAX_PEAK_MIB = 1024.0

# pulumi-github 6.15 bridges terraform-provider-github v6.13. These resources do their reads and
# writes through the provider's GraphQL client (`meta.(*Owner).v4client`, githubv4): every call
# is a POST, so `writeDelayMs` spaces its reads too, and GraphQL has its own rate limits.
# Source: integrations/terraform-provider-github, github/resource_github_*.go.
GRAPHQL_BACKED: Mapping[str, str] = {
    "github:index/branchProtection:BranchProtection": (
        "createBranchProtectionRule / updateBranchProtectionRule mutations, node(id) reads"
    ),
    "github:index/teamSettings:TeamSettings": (
        "organization(login).team(slug) review-request-delegation query and mutation"
    ),
    "github:index/enterpriseOrganization:EnterpriseOrganization": (
        "createEnterpriseOrganization mutation, node(id) membersWithRole reads"
    ),
    "github:index/enterpriseIpAllowListEntry:EnterpriseIpAllowListEntry": (
        "createIpAllowListEntry mutation, node(id) reads"
    ),
}

# Every type the program registers, each checked in the same sources to use only the REST client
# (`meta.(*Owner).v3client`, go-github). A type missing here fails the check until someone
# looks it up and adds it to one list or the other.
REST_BACKED: Mapping[str, str] = {
    "github:index/repository:Repository": "Repositories.Create / Edit / Get",
    "github:index/repositoryFile:RepositoryFile": "Repositories contents API",
    "github:index/repositoryRuleset:RepositoryRuleset": "Repositories rulesets API",
    "github:index/branchProtectionV3:BranchProtectionV3": "Repositories branch protection API",
    "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts": (
        "Repositories vulnerability-alerts API"
    ),
    "github:index/repositoryDependabotSecurityUpdates:RepositoryDependabotSecurityUpdates": (
        "Repositories automated-security-fixes API"
    ),
    "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions": (
        "Actions permissions API"
    ),
    "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions": (
        "Actions default workflow permissions API"
    ),
}
GITHUB_TYPE_PREFIX = "github:"


@dataclass(frozen=True)
class Size:
    """Every run of the program and of the floor at one number of repositories."""

    repositories: int
    program: Sequence[Mapping[str, Any]]
    floor: Sequence[Mapping[str, Any]]

    def best(self, kind: str) -> float:
        """The fastest run's wall time: the least disturbed by the rest of the machine."""
        return min(float(run["seconds"]) for run in self._runs(kind))

    def peak_mib(self, kind: str) -> float:
        """The highest peak resident memory of any run."""
        return max(float(run["peak_rss_mib"]) for run in self._runs(kind))

    def first(self, kind: str) -> Mapping[str, Any]:
        return self._runs(kind)[0]

    def _runs(self, kind: str) -> Sequence[Mapping[str, Any]]:
        return self.program if kind == "program" else self.floor


@dataclass(frozen=True)
class Outcome:
    """One target or consistency check: what was measured against what is allowed."""

    name: str
    measured: str
    limit: str
    passed: bool


def check(sizes: Mapping[int, Size]) -> list[Outcome]:
    """Every target of issue 8, then the checks that make the measurements comparable."""
    outcomes: list[Outcome] = []
    if OVERHEAD_AT in sizes:
        at = sizes[OVERHEAD_AT]
        overhead = at.best("program") / at.best("floor")
        outcomes.append(
            Outcome(
                f"program overhead at {OVERHEAD_AT:,} repositories (plan / floor)",
                f"{overhead:.2f}",
                f"<= {MAX_OVERHEAD}",
                overhead <= MAX_OVERHEAD,
            )
        )
    if GROWTH_FROM in sizes and GROWTH_TO in sizes:
        growth = sizes[GROWTH_TO].best("program") / sizes[GROWTH_FROM].best("program")
        outcomes.append(
            Outcome(
                f"linear growth: time({GROWTH_TO:,}) / time({GROWTH_FROM:,})",
                f"{growth:.2f}",
                f"<= {MAX_GROWTH}",
                growth <= MAX_GROWTH,
            )
        )
    largest = sizes[max(sizes)]
    peak = largest.peak_mib("program")
    outcomes.append(
        Outcome(
            f"peak memory at {largest.repositories:,} repositories",
            f"{peak:.0f} MiB",
            f"< {MAX_PEAK_MIB:.0f} MiB",
            peak < MAX_PEAK_MIB,
        )
    )
    invokes = max(
        run["invokes"] / size.repositories for size in sizes.values() for run in size.program
    )
    outcomes.append(Outcome("data-source calls per repository", f"{invokes:g}", "0", invokes == 0))
    outcomes.append(_no_graphql(sizes))
    outcomes.append(_rendered_once(sizes))
    outcomes.extend(_comparable(sizes))
    return outcomes


def _no_graphql(sizes: Mapping[int, Size]) -> Outcome:
    types = {
        type_token
        for size in sizes.values()
        for run in size.program
        for type_token in run["types"]
        if type_token.startswith(GITHUB_TYPE_PREFIX)
    }
    graphql = sorted(types & GRAPHQL_BACKED.keys())
    unknown = sorted(types - GRAPHQL_BACKED.keys() - REST_BACKED.keys())
    if graphql:
        measured = f"GraphQL-backed: {', '.join(graphql)}"
    elif unknown:
        measured = f"not yet classified (see benchmarks/targets.py): {', '.join(unknown)}"
    else:
        measured = f"{len(types)} types, all REST"
    return Outcome("no GraphQL-backed resource", measured, "none", not graphql and not unknown)


def _rendered_once(sizes: Mapping[int, Size]) -> Outcome:
    wrong = []
    for size in sizes.values():
        expected = org.distinct_pipelines(org.stack_config(size.repositories))
        renders = {run["pipeline_renders"] for run in size.program}
        if renders != {expected}:
            wrong.append(f"{size.repositories:,}: {sorted(renders)} renders for {expected}")
    return Outcome(
        "pipeline rendered once per distinct option set",
        "; ".join(wrong) if wrong else "yes, at every size",
        "renders == distinct option sets",
        not wrong,
    )


def _comparable(sizes: Mapping[int, Size]) -> list[Outcome]:
    """The floor registers exactly what the program registers, and every run the same."""
    mismatched = [
        f"{size.repositories:,}"
        for size in sizes.values()
        if len({run["digest"] for run in (*size.program, *size.floor)}) != 1
    ]
    return [
        Outcome(
            "floor registers exactly the program's resources",
            f"differs at {', '.join(mismatched)} repositories" if mismatched else "yes",
            "identical registrations",
            not mismatched,
        )
    ]
