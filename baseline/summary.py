"""The plan for a person: per repository what happens, then totals. Color only on a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from rich import box
from rich.console import Console
from rich.table import Table

from baseline.resource_types import (
    CLASSIC,
    COMPONENT,
    REPOSITORY,
    RULESET,
    VULNERABILITY_ALERTS,
    WORKFLOW_FILE,
    WORKFLOW_PERMISSIONS,
)
from baseline.settings import StackSettings


def _short_type(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _children(document: dict[str, Any], component_urn: str) -> dict[str, dict[str, Any]]:
    return {r["type"]: r for r in document["resources"] if r["parent"] == component_urn}


def _protection_lines(children: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(required checks, protection facts) from the protection resource's inputs."""
    if RULESET in children:
        rules = children[RULESET]["inputs"].get("rules", {})
        checks = [
            f"{c['context']} (app {c['integrationId']})"
            for c in rules.get("requiredStatusChecks", {}).get("requiredChecks", [])
        ]
        review = rules.get("pullRequest", {})
        bypass = children[RULESET]["inputs"].get("bypassActors") or []
        facts = [
            "ruleset on ~DEFAULT_BRANCH, enforcement active",
            f"{review.get('requiredApprovingReviewCount')} approval(s), stale approvals "
            + ("dismissed" if review.get("dismissStaleReviewsOnPush") else "kept"),
            "conversation resolution required"
            if review.get("requiredReviewThreadResolution")
            else "conversation resolution not required",
            "force push and deletion blocked"
            if rules.get("nonFastForward") and rules.get("deletion")
            else "force push or deletion ALLOWED",
            "bypass: "
            + (", ".join(f"app {a['actorId']} ({a['bypassMode']})" for a in bypass) or "nobody"),
        ]
        return checks, facts
    inputs = children[CLASSIC]["inputs"]
    checks = list(inputs.get("requiredStatusChecks", {}).get("checks", []))
    review = inputs.get("requiredPullRequestReviews", {})
    facts = [
        f"classic branch protection on {inputs.get('branch')}",
        f"{review.get('requiredApprovingReviewCount')} approval(s), stale approvals "
        + ("dismissed" if review.get("dismissStaleReviews") else "kept"),
        "administrators included" if inputs.get("enforceAdmins") else "administrators EXEMPT",
        "force push and deletion blocked",
    ]
    return checks, facts


def _settings_line(children: dict[str, dict[str, Any]]) -> str:
    repo = children[REPOSITORY]["inputs"]
    merges = [
        label
        for key, label in (
            ("allowMergeCommit", "merge"),
            ("allowSquashMerge", "squash"),
            ("allowRebaseMerge", "rebase"),
        )
        if repo.get(key)
    ]
    parts = [repo.get("visibility", "?"), "merge methods: " + "/".join(merges)]
    if repo.get("deleteBranchOnMerge"):
        parts.append("branches deleted on merge")
    alerts = children.get(VULNERABILITY_ALERTS, {})
    if alerts.get("inputs", {}).get("enabled"):
        parts.append("vulnerability alerts")
    token = children.get(WORKFLOW_PERMISSIONS, {})
    parts.append(f"GITHUB_TOKEN {token.get('inputs', {}).get('defaultWorkflowPermissions')}")
    return ", ".join(parts)


def print_summary(
    document: dict[str, Any],
    settings: StackSettings,
    warnings: Sequence[str],
    written: Sequence[Path],
    stream: TextIO,
) -> None:
    """Print the human-readable plan to `stream`."""
    console = Console(file=stream, highlight=False, soft_wrap=True)
    console.print(
        f"[bold]Plan of stack {document['stack']}[/bold] (project {document['project']}), "
        "offline: the real program under Pulumi's mock engine"
    )
    components = {r["name"]: r for r in document["resources"] if r["type"] == COMPONENT}
    adopted = 0
    for repo in settings.repositories:
        children = _children(document, components[repo.name]["urn"])
        repository = children[REPOSITORY]
        action = "adopt (import)" if repository["options"]["import_id"] else "create"
        adopted += bool(repository["options"]["import_id"])
        workflow = children[WORKFLOW_FILE]["inputs"]
        checks, facts = _protection_lines(children)
        table = Table(box=box.SIMPLE, show_header=False, title_justify="left", pad_edge=False)
        table.title = f"[bold cyan]{repo.name}[/bold cyan]: {action}"
        table.add_column(style="bold")
        table.add_column()
        table.add_row("workflow", f"{workflow['file']} on {workflow['branch']}")
        table.add_row("required checks", "\n".join(checks))
        table.add_row("protection", "\n".join(facts))
        table.add_row("settings", _settings_line(children))
        table.add_row(
            "resources",
            ", ".join(_short_type(t) for t in children),
        )
        console.print(table)

    violations = document["policy_violations"]
    for violation in violations:
        style = "red" if violation["enforcement"] == "mandatory" else "yellow"
        console.print(
            f"[{style}]policy {violation['policy']} ({violation['enforcement']})[/{style}]: "
            f"{violation['message']}"
        )
    for warning in warnings:
        console.print(f"[yellow]warning[/yellow]: {warning}")
    for path in written:
        console.print(f"wrote {path}")
    total = len(settings.repositories)
    mandatory = sum(v["enforcement"] == "mandatory" for v in violations)
    console.print(
        f"[bold]{total} repositories[/bold] ({total - adopted} created, {adopted} adopted), "
        f"{len(document['resources'])} resources, {len(document['invokes'])} data-source calls, "
        f"{len(violations)} policy violations ({mandatory} mandatory), {len(warnings)} warnings"
    )
