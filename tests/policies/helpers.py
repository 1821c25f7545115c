"""What the policy tests share: run one policy on plan resources, find one resource's inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from policies.evaluate import resource_args, stack_args

Plan = list[dict[str, Any]]


def stack_violations(
    policy: StackValidationPolicy,
    resources: Plan,
    config: Mapping[str, Any] | None = None,
    *,
    with_urn: bool = False,
) -> list[str]:
    """The messages a stack policy reports (prefixed by the urn it names, when asked)."""
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(f"{urn} {message}" if with_urn else message)

    policy.validate(stack_args(resources, config), report)
    return found


def resource_violations(
    policy: ResourceValidationPolicy,
    resource: dict[str, Any],
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """The messages a resource policy reports for one plan resource."""
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    policy.validate(resource_args(resource, config), report)
    return found


def inputs(resources: Plan, kind: str) -> dict[str, Any]:
    """The inputs of the first resource whose type ends in `:kind`."""
    return next(r["inputs"] for r in resources if r["type"].endswith(f":{kind}"))
