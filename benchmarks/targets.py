"""The scale targets of issues 8 and 13, checked against what `benchmarks.bench` measures.

Each measurement is the JSON object `benchmarks.measure` prints; a `Size` holds every run of the
program, of the floor and of the whole plan at one stack size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks import org

OVERHEAD_AT = 1000
MAX_OVERHEAD = 1.25  # program (and whole plan) time / floor time
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
    # pipeline.delivery: pull_request (resource_github_branch.go, _repository_pull_request.go).
    "github:index/branch:Branch": "Git refs API",
    "github:index/repositoryPullRequest:RepositoryPullRequest": "PullRequests API",
}
GITHUB_TYPE_PREFIX = "github:"


@dataclass(frozen=True)
class Size:
    """Every run of the program, the floor and the whole plan at one number of repositories."""

    repositories: int
    program: Sequence[Mapping[str, Any]]
    floor: Sequence[Mapping[str, Any]]
    plan: Sequence[Mapping[str, Any]] = ()

    def best(self, kind: str) -> float:
        """The fastest run's wall time: the least disturbed by the rest of the machine."""
        return min(float(run["seconds"]) for run in self.runs(kind))

    def peak_mib(self, kind: str) -> float:
        """The highest peak resident memory of any run."""
        return max(float(run["peak_rss_mib"]) for run in self.runs(kind))

    def first(self, kind: str) -> Mapping[str, Any]:
        return self.runs(kind)[0]

    def runs(self, kind: str) -> Sequence[Mapping[str, Any]]:
        """Every run of `kind`: "program", "floor" or "plan"."""
        runs = {"program": self.program, "floor": self.floor, "plan": self.plan}
        return runs[kind]


@dataclass(frozen=True)
class Outcome:
    """One target or consistency check: what was measured against what is allowed."""

    name: str
    measured: str
    limit: str
    passed: bool


# What each measured kind is called in the targets.
SUBJECTS: Mapping[str, str] = {"program": "program", "plan": "whole plan"}


def check(sizes: Mapping[int, Size]) -> list[Outcome]:
    """Every target of issues 8 and 13, then the checks that make the measurements comparable."""
    outcomes: list[Outcome] = []
    measured = [kind for kind in SUBJECTS if all(size.runs(kind) for size in sizes.values())]
    for kind in measured:
        outcomes.extend(_time_and_memory(sizes, kind))
    invokes = max(
        run["invokes"] / size.repositories for size in sizes.values() for run in size.program
    )
    outcomes.append(Outcome("data-source calls per repository", f"{invokes:g}", "0", invokes == 0))
    outcomes.append(_no_graphql(sizes))
    outcomes.append(_rendered_once(sizes))
    outcomes.extend(_comparable(sizes))
    if "plan" in measured:
        outcomes.extend(_whole_plan_consistent(sizes))
    return outcomes


def _time_and_memory(sizes: Mapping[int, Size], kind: str) -> list[Outcome]:
    """Overhead over the floor, growth and peak memory of `kind` (the program or the plan)."""
    subject = SUBJECTS[kind]
    outcomes: list[Outcome] = []
    if OVERHEAD_AT in sizes:
        at = sizes[OVERHEAD_AT]
        overhead = at.best(kind) / at.best("floor")
        outcomes.append(
            Outcome(
                f"{subject} overhead at {OVERHEAD_AT:,} repositories ({kind} / floor)",
                f"{overhead:.2f}",
                f"<= {MAX_OVERHEAD}",
                overhead <= MAX_OVERHEAD,
            )
        )
    if GROWTH_FROM in sizes and GROWTH_TO in sizes:
        growth = sizes[GROWTH_TO].best(kind) / sizes[GROWTH_FROM].best(kind)
        outcomes.append(
            Outcome(
                f"{subject} linear growth: time({GROWTH_TO:,}) / time({GROWTH_FROM:,})",
                f"{growth:.2f}",
                f"<= {MAX_GROWTH}",
                growth <= MAX_GROWTH,
            )
        )
    largest = sizes[max(sizes)]
    peak = largest.peak_mib(kind)
    outcomes.append(
        Outcome(
            f"{subject} peak memory at {largest.repositories:,} repositories",
            f"{peak:.0f} MiB",
            f"< {MAX_PEAK_MIB:.0f} MiB",
            peak < MAX_PEAK_MIB,
        )
    )
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


def _whole_plan_consistent(sizes: Mapping[int, Size]) -> list[Outcome]:
    """The whole plan planned what the program registers and passed the pack, and its warning
    lines do not grow with the stack: every kind of repository is among the first ten, so each
    problem is there at every size, and a problem is one line however many repositories share
    it."""
    wrong = []
    for size in sizes.values():
        registrations = {run["registrations"] for run in size.program}
        for run in size.plan:
            if {run["registrations"]} != registrations or run["policy_violations"]:
                wrong.append(
                    f"{size.repositories:,}: {run['registrations']} resources, "
                    f"{run['policy_violations']} violations"
                )
    warnings = {n: {run["warning_lines"] for run in size.plan} for n, size in sizes.items()}
    return [
        Outcome(
            "whole plan registers the program's resources, no policy violation",
            "; ".join(wrong) if wrong else "yes, at every size",
            "identical registrations, 0 violations",
            not wrong,
        ),
        Outcome(
            "whole plan's warning lines do not grow with the repositories",
            ", ".join(
                f"{'/'.join(map(str, sorted(lines)))} at {n:,}" for n, lines in warnings.items()
            ),
            "the same at every size",
            len(set().union(*warnings.values())) == 1,
        ),
    ]
