"""`repo-baseline verify`'s pure parts: the required checks of every layer as GitHub lists them,
git's blob id, and the reports."""

from __future__ import annotations

import subprocess
from pathlib import Path

from baseline.verify import (
    Finding,
    RepositoryReport,
    Required,
    blob_sha,
    markdown_report,
    required_checks,
    text_report,
)

# GET /repos/{owner}/{repo}/rules/branches/{branch}: each rule with its ruleset's layer.
RULES = [
    {
        "type": "required_status_checks",
        "ruleset_source_type": "Repository",
        "ruleset_source": "example-org/shop",
        "ruleset_id": 3,
        "parameters": {
            "strict_required_status_checks_policy": False,
            "required_status_checks": [
                {"context": "Lint Check (Ruff)", "integration_id": 15368},
                {"context": "Test Suite (Pytest)", "integration_id": 15368},
            ],
        },
    },
    {"type": "deletion", "ruleset_source_type": "Repository", "ruleset_id": 3},
    {
        "type": "required_status_checks",
        "ruleset_source_type": "Organization",
        "ruleset_source": "example-org",
        "ruleset_id": 7,
        "parameters": {"required_status_checks": [{"context": "Security Scan"}]},
    },
]
# GET /repos/{owner}/{repo}/branches/{branch}: classic protection's summary.
BRANCH = {
    "name": "main",
    "protected": True,
    "protection": {
        "enabled": True,
        "required_status_checks": {
            "enforcement_level": "non_admins",
            "contexts": ["Build"],
            "checks": [{"context": "Build", "app_id": None}],
        },
    },
}


def test_every_layer_s_required_checks_with_its_source_in_github_s_words() -> None:
    assert required_checks(RULES, BRANCH) == [
        Required("Lint Check (Ruff)", 15368, "Repository ruleset 3 (example-org/shop)"),
        Required("Test Suite (Pytest)", 15368, "Repository ruleset 3 (example-org/shop)"),
        Required("Security Scan", None, "Organization ruleset 7 (example-org)"),
        Required("Build", None, "classic protection"),
    ]


def test_classic_protection_that_is_off_requires_nothing() -> None:
    off = {"name": "main", "protection": {"enabled": False, "required_status_checks": {}}}
    assert [check.source for check in required_checks([], off)] == []
    assert required_checks([], None) == []


def test_blob_sha_is_gits(tmp_path: Path) -> None:
    content = "name: Backend CI/CD\non: {}\n"
    (tmp_path / "file.yml").write_text(content, encoding="utf-8")
    git = subprocess.run(
        ["git", "hash-object", str(tmp_path / "file.yml")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert blob_sha(content) == git.stdout.strip()


REPORTS = [
    RepositoryReport("ledger", "main", (), 3),
    RepositoryReport(
        "shop",
        "main",
        (
            Finding(
                "unsatisfiable",
                '"Security Scan" (required by Organization ruleset 7 (example-org)) is never '
                "reported: no workflow on main has a job that reports it",
                "Organization ruleset 7 (example-org)",
            ),
        ),
        3,
    ),
    RepositoryReport(
        "billing",
        "main",
        (Finding("drifted", ".github/workflows/backend-ci.yml differs from the render"),),
        4,
    ),
]


def test_the_status_is_the_worst_finding() -> None:
    assert [report.status for report in REPORTS] == ["compliant", "unsatisfiable", "drifted"]


def test_the_markdown_report_has_a_row_per_repository_and_the_totals() -> None:
    text = markdown_report(REPORTS, "repo-baseline verify: production")
    lines = text.splitlines()
    assert lines[0] == "## repo-baseline verify: production"
    assert lines[2] == (
        "3 repositories: 1 compliant, 1 drifted, 1 unsatisfiable (10 requests, 3.3 a repository)"
    )
    assert lines[4:6] == ["| repository | status | why |", "| --- | --- | --- |"]
    assert lines[6] == "| ledger | compliant |  |"
    assert lines[7].startswith('| shop | unsatisfiable | unsatisfiable: "Security Scan"')
    assert lines[8] == (
        "| billing | drifted | drifted: .github/workflows/backend-ci.yml differs from the render |"
    )


def test_the_text_report_lists_each_finding_under_its_repository() -> None:
    lines = text_report(REPORTS).splitlines()
    assert lines[:3] == [
        "ledger (main): compliant",
        "shop (main): unsatisfiable",
        '  - unsatisfiable: "Security Scan" (required by Organization ruleset 7 (example-org)) '
        "is never reported: no workflow on main has a job that reports it",
    ]
