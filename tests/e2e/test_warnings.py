"""Warnings at scale: a problem many repositories share is one warning line in `pulumi preview`."""

from __future__ import annotations

from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory


def test_a_warning_shared_by_many_repositories_is_one_line_in_the_preview(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    # No bypass app: every repository's later workflow updates would be refused (409).
    repositories = [{"name": f"svc-{index:02d}"} for index in range(12)]
    stack = project({"repo-baseline:repositories": repositories})
    preview = stack.preview().check().json()
    warnings = [d["message"] for d in preview["diagnostics"] if d["severity"] == "warning"]
    (warning,) = [w for w in warnings if "409" in w]
    assert (
        "12 repositories (svc-00, svc-01, svc-02, svc-03, svc-04 and 7 more): "
        "the ruleset has no bypass_actors"
    ) in warning
    assert "svc-05" not in warning
