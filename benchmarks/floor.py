"""The floor: pulumi-github alone, registering what the program registers, with no project code.

Per repository, one plain `pulumi.ComponentResource` and the same pulumi-github classes with the
same inputs and resource options as `RepositoryBaseline`; nothing else (no config parsing,
validation, rendering, warnings, component outputs or stack exports). The inputs are built before
timing, once per distinct repository config (`floor_plan`): the timed part (`floor_program`) only
puts each repository's name in. `benchmarks.measure` checks that the floor's registrations are
exactly the program's, so the two can never drift apart unnoticed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_github as github

from baseline.resources import component
from baseline.resources import program as baseline_program
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import parse_settings
from workflows.templates import rendered_pipeline


@dataclass(frozen=True)
class FloorTemplate:
    """The keyword arguments of each resource of one kind of repository, without its name."""

    adopt: bool
    repository: Mapping[str, Any]
    workflow_file: Mapping[str, Any]
    ruleset: Mapping[str, Any] | None
    classic_protection: Mapping[str, Any] | None
    vulnerability_alerts: Mapping[str, Any]
    dependabot_security_updates: Mapping[str, Any]
    actions_permissions: Mapping[str, Any]
    workflow_permissions: Mapping[str, Any]


def floor_template(config: RepositoryConfig) -> FloorTemplate:
    """What `RepositoryBaseline` passes to each resource for this config (names left out)."""
    pipeline = rendered_pipeline(config.pipeline.template, config.pipeline.options)
    protection, settings = config.protection, config.settings
    branch = config.pipeline.options.default_branch
    checks = pipeline.required_checks
    repository = dict(component.repository_inputs(config))
    del repository["name"]
    ruleset = None
    classic = None
    if protection.kind == "ruleset":
        ruleset = component.ruleset_inputs(protection, checks)
    else:
        classic = {"branch": branch, **component.classic_protection_inputs(protection, checks)}
    return FloorTemplate(
        adopt=config.adopt,
        repository=repository,
        workflow_file={
            "file": pipeline.path,
            "content": pipeline.content,
            "branch": branch,
            "commit_message": component.COMMIT_MESSAGE,
            "overwrite_on_create": True,
        },
        ruleset=ruleset,
        classic_protection=classic,
        vulnerability_alerts={"enabled": settings.vulnerability_alerts},
        dependabot_security_updates={"enabled": settings.dependabot_security_updates},
        actions_permissions={
            "enabled": True,
            "allowed_actions": "all",
            "sha_pinning_required": True,
        },
        workflow_permissions={
            "default_workflow_permissions": settings.default_workflow_permissions,
            "can_approve_pull_request_reviews": False,
        },
    )


def floor_plan(config: Mapping[str, Any]) -> list[tuple[str, FloorTemplate]]:
    """Each repository of the stack config with its template; one template per distinct config."""
    settings = parse_settings(
        config.get("repo-baseline:defaults"), config.get("repo-baseline:repositories")
    )
    templates: dict[RepositoryConfig, FloorTemplate] = {}
    plan = []
    for repository in settings.repositories:
        key = dataclasses.replace(repository, name="")
        if key not in templates:
            templates[key] = floor_template(repository)
        plan.append((repository.name, templates[key]))
    return plan


def floor_program(plan: list[tuple[str, FloorTemplate]]) -> Callable[[], None]:
    """A Pulumi program registering the plan's resources, as `mock_engine.run(program=...)` takes.

    It registers under the program's own garbage-collector tuning, so both are measured alike.
    """

    def register_plan() -> None:
        for name, template in plan:
            parent = pulumi.ComponentResource(component.TYPE_TOKEN, name, None)
            kept = pulumi.ResourceOptions(parent=parent, retain_on_delete=True)
            repository = github.Repository(
                f"{name}-repository",
                name=name,
                **template.repository,
                opts=pulumi.ResourceOptions(
                    parent=parent,
                    retain_on_delete=True,
                    import_=name if template.adopt else None,
                ),
            )
            workflow_file = github.RepositoryFile(
                f"{name}-workflow",
                repository=repository.name,
                **template.workflow_file,
                opts=kept,
            )
            after_workflow = pulumi.ResourceOptions(parent=parent, depends_on=[workflow_file])
            if template.ruleset is not None:
                github.RepositoryRuleset(
                    f"{name}-ruleset",
                    repository=repository.name,
                    **template.ruleset,
                    opts=after_workflow,
                )
            if template.classic_protection is not None:
                github.BranchProtectionV3(
                    f"{name}-branch-protection",
                    repository=repository.name,
                    **template.classic_protection,
                    opts=after_workflow,
                )
            alerts = github.RepositoryVulnerabilityAlerts(
                f"{name}-vulnerability-alerts",
                repository=repository.name,
                **template.vulnerability_alerts,
                opts=kept,
            )
            github.RepositoryDependabotSecurityUpdates(
                f"{name}-dependabot-security-updates",
                repository=repository.name,
                **template.dependabot_security_updates,
                opts=pulumi.ResourceOptions(
                    parent=parent, retain_on_delete=True, depends_on=[alerts]
                ),
            )
            github.ActionsRepositoryPermissions(
                f"{name}-actions-permissions",
                repository=repository.name,
                **template.actions_permissions,
                opts=kept,
            )
            github.WorkflowRepositoryPermissions(
                f"{name}-workflow-permissions",
                repository=repository.name,
                **template.workflow_permissions,
                opts=kept,
            )

    def register() -> None:
        with baseline_program.tuned_garbage_collector():
            register_plan()

    return register
