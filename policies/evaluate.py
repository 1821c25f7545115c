"""Run the pack's policies on an offline plan: `python -m policies.evaluate PLAN.json`.

The plan is JSON: `{"resources": [{"urn", "type", "name", "inputs", "parent"?, "options"?}]}`
with the inputs as the engine passes them (camelCase keys). The real Policy objects validate it,
through the same argument types, proxies and report callback shape the analyzer server uses.
Prints one violation a line; exits 1 when a mandatory policy is violated, 2 when the plan or the
config can't be read, else 0. `--config FILE` takes the JSON `--policy-pack-config` takes.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from .guardrails import POLICIES
from .sdk_internals import UnknownValueError, deserialize_properties, unknown_checking_proxy

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")
_CONFIG_TYPES: dict[str, tuple[type, ...]] = {"integer": (int,), "string": (str,)}


class PolicyConfigError(ValueError):
    """The policy config names an unknown policy, key or level, or a value of the wrong type."""


@dataclass(frozen=True)
class Violation:
    """One reported violation: which policy, how enforced, on which resource (None: the stack)."""

    policy_name: str
    enforcement_level: str
    urn: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy_name,
            "enforcement": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = self.urn or "(stack)"
        return f"[{self.enforcement_level}] {self.policy_name}: {where}: {self.message}"


def _plain(value: Any) -> Any:
    """Deep copy into dicts and lists, the only containers pulumi_policy's proxies recognise."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _props(inputs: Mapping[str, Any] | None) -> Mapping[str, Any]:
    # As the analyzer server does: decode secrets/assets, then raise on unknown values when read.
    props: Mapping[str, Any] = unknown_checking_proxy(deserialize_properties(_plain(inputs or {})))
    return props


def _options(resource: Mapping[str, Any]) -> Any:
    options = resource.get("options") or {}
    return PolicyResourceOptions(
        bool(options.get("protect", False)),
        list(options.get("ignore_changes") or []),
        None,
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        resource.get("parent"),
    )


def resource_args(resource: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> Any:
    """The ResourceValidationArgs the engine would pass for one plan resource."""
    return _resource_args(resource, _props(resource.get("inputs")), _options(resource), config)


def _resource_args(
    resource: Mapping[str, Any], props: Any, options: Any, config: Mapping[str, Any] | None
) -> Any:
    return ResourceValidationArgs(
        resource["type"],
        props,
        resource["urn"],
        resource.get("name") or resource["urn"].rsplit("::", 1)[-1],
        options,
        None,
        dict(config) if config else None,
    )


def stack_args(
    resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any] | None = None
) -> Any:
    """The StackValidationArgs the engine would pass for these plan resources."""
    return StackValidationArgs(_policy_resources(resources), dict(config) if config else None)


def _policy_resources(resources: Sequence[Mapping[str, Any]]) -> list[Any]:
    by_urn: dict[str, Any] = {}
    policy_resources: list[Any] = []
    for resource in resources:
        policy_resource = PolicyResource(
            resource["type"],
            _props(resource.get("inputs")),
            resource["urn"],
            resource.get("name") or resource["urn"].rsplit("::", 1)[-1],
            _options(resource),
            None,
            None,
            [],
            {},
        )
        by_urn[resource["urn"]] = policy_resource
        policy_resources.append(policy_resource)
    for resource, policy_resource in zip(resources, policy_resources, strict=True):
        policy_resource.parent = by_urn.get(resource.get("parent") or "")
    return policy_resources


def _check_properties(policy: Policy, properties: Mapping[str, Any]) -> None:
    schema = policy.config_schema.properties if policy.config_schema else {}
    for key, value in properties.items():
        if key not in schema:
            raise PolicyConfigError(
                f"{policy.name}: unknown config key {key!r}; allowed: {sorted(schema)}"
            )
        expected = schema[key].get("type", "")
        if expected == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)  # As protobuf would hand it over: 2.0.
        types = _CONFIG_TYPES.get(expected, (object,))
        if isinstance(value, bool) or not isinstance(value, types):
            raise PolicyConfigError(f"{policy.name}.{key}: expected {expected}, got {value!r}")
        if "minimum" in schema[key] and value < schema[key]["minimum"]:
            raise PolicyConfigError(
                f"{policy.name}.{key}: {value} is below {schema[key]['minimum']}"
            )
        if "maximum" in schema[key] and value > schema[key]["maximum"]:
            raise PolicyConfigError(
                f"{policy.name}.{key}: {value} is above {schema[key]['maximum']}"
            )


def _level(value: Any, where: str) -> str:
    if value not in ENFORCEMENT_LEVELS:
        raise PolicyConfigError(
            f"{where}: enforcement level {value!r} is not one of {ENFORCEMENT_LEVELS}"
        )
    return str(value)


def resolve_config(
    config: Mapping[str, Any] | None,
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Policy name -> (enforcement level, config properties), as `--policy-pack-config` sets them.

    A policy's entry is a level (`"advisory"`) or an object of properties with an optional
    `enforcementLevel`; the key `all` sets the level of every policy.
    """
    config = config or {}
    known = {policy.name: policy for policy in POLICIES}
    unknown = sorted(set(config) - set(known) - {"all"})
    if unknown:
        raise PolicyConfigError(f"unknown policies {unknown}; known: {sorted(known)}")
    default_level = None
    if "all" in config:
        entry = config["all"]
        raw = entry.get("enforcementLevel") if isinstance(entry, Mapping) else entry
        default_level = _level(raw, "all")
    resolved: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, policy in known.items():
        level = default_level or (
            policy.enforcement_level.value if policy.enforcement_level else "advisory"
        )
        properties: dict[str, Any] = {}
        entry = config.get(name)
        if isinstance(entry, str):
            level = _level(entry, name)
        elif isinstance(entry, Mapping):
            if "enforcementLevel" in entry:
                level = _level(entry["enforcementLevel"], name)
            properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            _check_properties(policy, properties)
        elif entry is not None:
            raise PolicyConfigError(f"{name}: expected a level or an object, got {entry!r}")
        resolved[name] = (level, properties)
    return resolved


def _settle(result: Any) -> None:
    if inspect.isawaitable(result):

        async def wait() -> None:
            await result

        asyncio.run(wait())


def _validate(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    args: Any,
    report: Callable[[str, str | None], None],
) -> None:
    try:
        _settle(policy.validate(args, report))
    except UnknownValueError:
        # The analyzer server turns this into "can't run policy during preview": not a violation.
        return


def _collector(
    violations: list[Violation], policy_name: str, level: str, resource_urn: str | None = None
) -> Callable[[str, str | None], None]:
    """A report callback; a resource policy's violations are always on the resource validated."""

    def report(message: str, urn: str | None = None) -> None:
        violations.append(Violation(policy_name, level, resource_urn or urn, message))

    return report


def evaluate_resources(
    resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any] | None = None
) -> list[Violation]:
    """Every violation the pack's policies report on these resources (`urn`, `type`, `name`,
    `inputs`), with `config` shaped like `--policy-pack-config`; raises PolicyConfigError."""
    settings = resolve_config(config)
    violations: list[Violation] = []
    # Each resource's inputs are decoded once and shared by every policy (read-only proxies), as
    # the analyzer server hands one resource to all of its policies.
    stack = _policy_resources(resources)
    for policy in POLICIES:
        level, properties = settings[policy.name]
        if level == "disabled":
            continue
        # The server reports a violation that survived remediation as mandatory.
        level = "mandatory" if level == "remediate" else level
        if isinstance(policy, StackValidationPolicy):
            report = _collector(violations, policy.name, level)
            _validate(policy, StackValidationArgs(stack, properties or None), report)
        elif isinstance(policy, ResourceValidationPolicy):
            for resource, shared in zip(resources, stack, strict=True):
                report = _collector(violations, policy.name, level, resource["urn"])
                args = _resource_args(resource, shared.props, shared.opts, properties)
                _validate(policy, args, report)
    return violations


class PlanError(ValueError):
    """The plan file can't be read or is not shaped like a plan."""


def load_plan(path: Path) -> list[dict[str, Any]]:
    """The plan's resources; raises PlanError saying what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanError(f"{path}: cannot read: {error.strerror or error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PlanError(f"{path}: not valid JSON: {error}") from error
    resources = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(resources, list):
        raise PlanError(f"{path}: expected an object with a 'resources' list")
    for index, resource in enumerate(resources):
        where = f"{path}: resources[{index}]"
        if not isinstance(resource, dict):
            raise PlanError(f"{where}: expected an object")
        for key in ("urn", "type"):
            if not isinstance(resource.get(key), str) or not resource[key]:
                raise PlanError(f"{where}: '{key}' must be a non-empty string")
        if not isinstance(resource.get("inputs", {}), dict | type(None)):
            raise PlanError(f"{where}: 'inputs' must be an object")
    return resources


def load_config(path: Path) -> dict[str, Any]:
    """A `--policy-pack-config` JSON file; raises PlanError saying what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanError(f"{path}: cannot read: {error.strerror or error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PlanError(f"{path}: not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise PlanError(f"{path}: expected an object of policy name -> config")
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policies.evaluate",
        description="Run the repo-baseline policy pack on an offline plan JSON.",
    )
    parser.add_argument("plan", type=Path, help="plan JSON with a 'resources' list")
    parser.add_argument("--config", type=Path, help="policy config JSON (--policy-pack-config)")
    parser.add_argument("--json", action="store_true", help="print violations as a JSON list")
    args = parser.parse_args(argv)
    try:
        resources = load_plan(args.plan)
        config = load_config(args.config) if args.config else None
        violations = evaluate_resources(resources, config)
    except (PlanError, PolicyConfigError) as error:
        print(f"policies.evaluate: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([violation.to_json() for violation in violations], indent=2))
    else:
        for violation in violations:
            print(violation)
    mandatory = sum(violation.enforcement_level == "mandatory" for violation in violations)
    print(
        f"policies: {len(violations)} violation(s), {mandatory} mandatory, "
        f"in {len(resources)} resource(s)",
        file=sys.stderr,
    )
    return 1 if mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
