"""The Pulumi program: read the stack config, validate it whole, then build one component each.

Validation happens before the first resource is registered, so a config with a mistake changes
nothing; its problems are reported together, without a traceback.
"""

from __future__ import annotations

from typing import Any

import pulumi

from baseline.component import RepositoryBaseline, RepositoryBaselineArgs
from baseline.config import CONFIG_NAMESPACE, parse_settings
from baseline.errors import ConfigErrors
from baseline.settings import StackSettings
from workflows.templates import rendered_pipeline


def load_settings() -> StackSettings:
    """The stack's settings from Pulumi config; a `pulumi.RunError` listing every problem."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    try:
        return parse_settings(config.get_object("defaults"), config.get_object("repositories"))
    except ConfigErrors as errors:
        # RunError makes the CLI print the message alone, with no Python traceback.
        raise pulumi.RunError(str(errors)) from None


def build(settings: StackSettings) -> dict[str, RepositoryBaseline]:
    """One `RepositoryBaseline` per configured repository, by repository name."""
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return {
        repo.name: RepositoryBaseline(
            repo.name,
            RepositoryBaselineArgs(
                config=repo,
                # Cached per distinct (template, options): rendered once, shared by repositories.
                pipeline=rendered_pipeline(repo.pipeline.template, repo.pipeline.options),
            ),
        )
        for repo in settings.repositories
    }


def export(baselines: dict[str, RepositoryBaseline]) -> None:
    """Per repository: its URL, the checks its protection requires, and the protection kind."""
    outputs: dict[str, Any] = {
        name: {
            "url": baseline.repository.html_url,
            "required_checks": list(baseline.required_checks),
            "protection_kind": baseline.protection_kind,
        }
        for name, baseline in baselines.items()
    }
    pulumi.export("repositories", outputs)


def main() -> None:
    export(build(load_settings()))
