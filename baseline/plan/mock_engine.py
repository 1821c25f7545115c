"""Run the real Pulumi program under Pulumi's own mock engine, and record what it registers.

This is how the project is verified without the Pulumi CLI or a GitHub token: the program and the
pulumi-github SDK run unchanged; only the engine's answers are mocked (every resource's outputs
echo its inputs). The record holds each registration as the engine receives it: type, name,
parent, camelCase inputs, and the resource options that decide what `pulumi up` would do.
"""

from __future__ import annotations

import logging
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from baseline.plan.sdk_internals import (
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    clear_run_state,
    mocks,
    placeholder_root,
    run_program,
    set_all_config,
)
from baseline.resources.resource_types import STACK
from baseline.stack import stack_yaml

PROGRAM = Path(__file__).resolve().parents[2] / "__main__.py"

SECRET = "[secret]"


@dataclass(frozen=True)
class Registration:
    """One resource as the engine received it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    import_id: str | None
    depends_on: tuple[str, ...]
    delete_before_replace: bool


@dataclass(frozen=True)
class Invoke:
    """One data-source call (a look-up that costs an API request on every preview)."""

    token: str
    args: dict[str, Any]


@dataclass
class Record:
    """Everything one run of the program registered, called and logged, in order."""

    resources: list[Registration] = field(default_factory=list)
    invokes: list[Invoke] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_token]

    def stack_outputs(self) -> dict[str, Any]:
        """The program's `pulumi.export`s."""
        stacks = [r.urn for r in self.resources if r.type == STACK]
        return self.outputs.get(stacks[0], {}) if stacks else {}


def plain(value: Any) -> Any:
    """A wire value as plain JSON: secrets masked, unknowns marked, whole numbers as ints."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return SECRET
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        # The wire format carries every number as a double: 15368 arrives as 15368.0.
        return int(value)
    if value == UNKNOWN:
        return "[unknown]"
    return value


class RecordingMonitor(mocks.MockMonitor):
    """Pulumi's MockMonitor, keeping each request's options as well as its inputs."""

    def __init__(self, mock: mocks.Mocks, record: Record) -> None:
        super().__init__(mock)
        self.record = record

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        urn = self.make_urn(request.parent, request.type, request.name)
        self.record.resources.append(
            Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                inputs=plain(json_format.MessageToDict(request.object)),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                import_id=request.importId or None,
                # A set to the engine; sorted, so the plan reads the same on every run.
                depends_on=tuple(sorted(request.dependencies)),
                delete_before_replace=bool(request.deleteBeforeReplace),
            )
        )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        self.record.outputs[request.urn] = plain(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        args = plain(json_format.MessageToDict(request.args))
        self.record.invokes.append(Invoke(token=request.tok, args=args))
        return super().Invoke(request)  # type: ignore[no-untyped-call]


class EchoMocks(mocks.Mocks):
    """Every resource's outputs are its inputs; its id is its name, or the id it imports."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return (args.resource_id or f"{args.name}-id", dict(args.inputs))

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        # Offline, a data source answers nothing (no failures): what it reads from GitHub, such
        # as a central repository's id, is `pulumi preview`'s to read.
        return ({}, [])


class _WarningCollector(logging.Handler):
    def __init__(self, record: Record) -> None:
        super().__init__(logging.WARNING)
        self.record = record

    def emit(self, entry: logging.LogRecord) -> None:
        if entry.levelno == logging.WARNING:
            self.record.warnings.append(entry.getMessage())


def config_strings(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Stack config values as the CLI hands them to a program: strings, objects as JSON."""

    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[key] = SECRET
            secret_keys.append(key)
        else:
            values[key] = stack_yaml.config_string(value)
    return values, secret_keys


def _run_main() -> None:
    runpy.run_path(str(PROGRAM), run_name="__main__")


def run(
    config: Mapping[str, Any],
    *,
    project: str = "repo-baseline",
    stack: str = "example",
    program: Callable[[], None] | None = None,
    record: Record | None = None,
) -> Record:
    """Run `program` (default: the project's `__main__.py`) in preview mode under the mock engine.

    Exceptions the program raises (such as `pulumi.RunError` for a bad config) propagate; pass
    a `record` to see what was registered before that.
    """
    record = record if record is not None else Record()
    values, secret_keys = config_strings(config)
    set_all_config(values, secret_keys)
    # One logger for every run; each run's handler is removed when the run ends.
    logger = logging.getLogger("repo-baseline.mock-engine")
    logger.propagate = False
    collector = _WarningCollector(record)
    logger.addHandler(collector)
    echo = EchoMocks()
    with placeholder_root():
        mocks.set_mocks(
            echo,
            project=project,
            stack=stack,
            preview=True,
            logger=logger,
            monitor=RecordingMonitor(echo, record),
        )
    try:
        run_program(program or _run_main)
    finally:
        logger.removeHandler(collector)
        clear_run_state()
    return record
