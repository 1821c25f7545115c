"""The pipeline templates a repository can choose, and what each one yields for its options."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from workflows.backend_ci import WORKFLOW_PATH, backend_ci
from workflows.checks import merge_queue_checks, required_checks
from workflows.options import BackendCiOptions
from workflows.render import render

TEMPLATES = ("backend-ci",)


@dataclass(frozen=True)
class RenderedPipeline:
    """What a repository gets from a template: the file to commit and the checks to require."""

    path: str
    content: str
    required_checks: tuple[str, ...]


@cache
def rendered_pipeline(template: str, options: BackendCiOptions) -> RenderedPipeline:
    """Render once per distinct (template, options): repositories that share options share this."""
    if template != "backend-ci":
        raise ValueError(f"unknown pipeline template {template!r}; known: {', '.join(TEMPLATES)}")
    workflow = backend_ci(options)
    # A merge queue waits for the same checks on its merge groups: refused unless all report.
    checks = merge_queue_checks if options.merge_queue else required_checks
    return RenderedPipeline(
        path=WORKFLOW_PATH,
        content=render(workflow),
        required_checks=checks(workflow, options.default_branch),
    )
