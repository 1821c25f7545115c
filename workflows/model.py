"""A small typed model of a GitHub Actions workflow: one class per concept, nothing else.

Field order in each class is the key order of the rendered YAML. Fields whose YAML key clashes
with Python (`if`, `with`) carry a trailing underscore; `to_yaml()` gives the GitHub spelling.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeAlias

Scalar: TypeAlias = str | int | bool
YamlValue: TypeAlias = Scalar | list["YamlValue"] | dict[str, "YamlValue"] | None
Access = Literal["read", "write", "none"]


def _frozen(mapping: Mapping[str, Scalar]) -> Mapping[str, Scalar]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Permission:
    """One scope of a `permissions:` block, with why the job needs it (rendered as a comment)."""

    scope: str
    access: Access
    why: str

    def __post_init__(self) -> None:
        if not self.why.strip() or "\n" in self.why:
            raise ValueError(f"permission {self.scope}: {self.access} needs a one-line reason")


@dataclass(frozen=True)
class Permissions:
    """A `permissions:` block; scopes not listed get `none` from GitHub."""

    scopes: tuple[Permission, ...] = ()

    @classmethod
    def of(cls, **scopes: tuple[Access, str]) -> Permissions:
        """`Permissions.of(contents=("read", "check out the repository"))`: underscores become
        dashes; every scope says why it is needed."""
        return cls(
            tuple(
                Permission(scope.replace("_", "-"), access, why)
                for scope, (access, why) in scopes.items()
            )
        )

    def to_yaml(self) -> dict[str, YamlValue]:
        return {permission.scope: permission.access for permission in self.scopes}

    def reasons(self) -> dict[str, str]:
        """Scope -> why, for the renderer's trailing comments."""
        return {permission.scope: permission.why for permission in self.scopes}


@dataclass(frozen=True)
class Step:
    """One step: either `uses` an action or `run`s a shell script."""

    name: str
    id: str | None = None
    if_: str | None = None
    uses: str | None = None
    with_: Mapping[str, Scalar] = field(default_factory=dict)
    run: str | None = None
    working_directory: str | None = None
    env: Mapping[str, Scalar] = field(default_factory=dict)
    continue_on_error: bool = False

    def __post_init__(self) -> None:
        if (self.uses is None) == (self.run is None):
            raise ValueError(f"step {self.name!r} needs exactly one of uses or run")
        object.__setattr__(self, "with_", _frozen(self.with_))
        object.__setattr__(self, "env", _frozen(self.env))

    def to_yaml(self) -> dict[str, YamlValue]:
        out: dict[str, YamlValue] = {"name": self.name}
        if self.id is not None:
            out["id"] = self.id
        if self.if_ is not None:
            out["if"] = self.if_
        if self.uses is not None:
            out["uses"] = self.uses
        if self.with_:
            out["with"] = dict(self.with_)
        if self.working_directory is not None:
            out["working-directory"] = self.working_directory
        if self.env:
            out["env"] = dict(self.env)
        if self.run is not None:
            out["run"] = self.run
        if self.continue_on_error:
            out["continue-on-error"] = True
        return out


@dataclass(frozen=True)
class Matrix:
    """A `strategy.matrix` of named dimensions, in the order GitHub expands them."""

    dimensions: tuple[tuple[str, tuple[str, ...]], ...]
    fail_fast: bool = False

    def combinations(self) -> list[tuple[tuple[str, str], ...]]:
        """Every combination, first dimension slowest, as GitHub orders them."""
        keys = [key for key, _ in self.dimensions]
        values = [vals for _, vals in self.dimensions]
        return [tuple(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]

    def to_yaml(self) -> dict[str, YamlValue]:
        matrix: dict[str, YamlValue] = {key: list(vals) for key, vals in self.dimensions}
        return {"fail-fast": self.fail_fast, "matrix": matrix}


@dataclass(frozen=True)
class Service:
    """A service container of a job (`services.<id>`), reachable from the runner on `ports`."""

    id: str
    image: str
    env: Mapping[str, Scalar] = field(default_factory=dict)
    ports: tuple[str, ...] = ()
    options: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", _frozen(self.env))

    def to_yaml(self) -> dict[str, YamlValue]:
        out: dict[str, YamlValue] = {"image": self.image}
        if self.env:
            out["env"] = dict(self.env)
        if self.ports:
            out["ports"] = list(self.ports)
        if self.options is not None:
            out["options"] = self.options
        return out


@dataclass(frozen=True)
class Job:
    """A job: `id` is its key under `jobs:`, `name` its display name and check name."""

    id: str
    name: str
    steps: tuple[Step, ...]
    timeout_minutes: int
    permissions: Permissions = field(default_factory=Permissions)
    runs_on: str = "ubuntu-latest"
    needs: tuple[str, ...] = ()
    if_: str | None = None
    strategy: Matrix | None = None
    continue_on_error: bool = False
    services: tuple[Service, ...] = ()
    working_directory: str | None = None
    env: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", _frozen(self.env))

    def to_yaml(self) -> dict[str, YamlValue]:
        out: dict[str, YamlValue] = {"name": self.name}
        if self.needs:
            out["needs"] = list(self.needs)
        if self.if_ is not None:
            out["if"] = self.if_
        out["runs-on"] = self.runs_on
        out["timeout-minutes"] = self.timeout_minutes
        if self.continue_on_error:
            out["continue-on-error"] = True
        out["permissions"] = self.permissions.to_yaml()
        if self.strategy is not None:
            out["strategy"] = self.strategy.to_yaml()
        if self.services:
            out["services"] = {service.id: service.to_yaml() for service in self.services}
        if self.working_directory is not None:
            out["defaults"] = {"run": {"working-directory": self.working_directory}}
        if self.env:
            out["env"] = dict(self.env)
        out["steps"] = [step.to_yaml() for step in self.steps]
        return out


@dataclass(frozen=True)
class Triggers:
    """The `on:` block: the events this project's pipelines use (None: no such trigger)."""

    pull_request_branches: tuple[str, ...] | None = None
    push_branches: tuple[str, ...] | None = None
    # `merge_group` (a merge queue's groups), with no filter: GitHub Docs, "Events that trigger
    # workflows", merge_group: a workflow must run on it for the queue's required checks.
    merge_group: bool = False
    workflow_dispatch: bool = False

    def to_yaml(self) -> dict[str, YamlValue]:
        out: dict[str, YamlValue] = {}
        if self.pull_request_branches is not None:
            out["pull_request"] = {"branches": list(self.pull_request_branches)}
        if self.push_branches is not None:
            out["push"] = {"branches": list(self.push_branches)}
        if self.merge_group:
            out["merge_group"] = {}
        if self.workflow_dispatch:
            out["workflow_dispatch"] = {}
        return out


@dataclass(frozen=True)
class Concurrency:
    group: str
    cancel_in_progress: bool = True

    def to_yaml(self) -> dict[str, YamlValue]:
        return {"group": self.group, "cancel-in-progress": self.cancel_in_progress}


@dataclass(frozen=True)
class Workflow:
    """A whole workflow file. `source` names the module that defines it (for the header)."""

    name: str
    source: str
    on: Triggers
    jobs: tuple[Job, ...]
    permissions: Permissions = field(default_factory=Permissions)
    concurrency: Concurrency | None = None
    working_directory: str | None = None
    env: Mapping[str, Scalar] = field(default_factory=dict)
    # The id of the job whose one check stands for every required job (`workflows.gate`): the
    # protection then requires that check alone. Not rendered; `workflows.checks` reads it.
    gate: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", _frozen(self.env))
        ids = [job.id for job in self.jobs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate job ids in {self.name!r}: {ids}")
        for job in self.jobs:
            unknown = [need for need in job.needs if need not in ids]
            if unknown:
                raise ValueError(f"job {job.id!r} needs unknown jobs {unknown}")
        if self.gate is not None and self.gate not in ids:
            raise ValueError(f"the gate {self.gate!r} is not a job of {self.name!r}: {ids}")

    def job(self, job_id: str) -> Job:
        """The job with this id (KeyError when there is none)."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(job_id)

    def to_yaml(self) -> dict[str, YamlValue]:
        out: dict[str, YamlValue] = {"name": self.name, "on": self.on.to_yaml()}
        out["permissions"] = self.permissions.to_yaml()
        if self.concurrency is not None:
            out["concurrency"] = self.concurrency.to_yaml()
        if self.working_directory is not None:
            out["defaults"] = {"run": {"working-directory": self.working_directory}}
        if self.env:
            out["env"] = dict(self.env)
        out["jobs"] = {job.id: job.to_yaml() for job in self.jobs}
        return out
