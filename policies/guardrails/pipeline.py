"""What a GitHub Actions workflow file reports on pull requests, read from its YAML text.

The pack derives the required checks itself, by GitHub's rules, so that it is a second opinion on
the program's own derivation:

- a job's check is its `name`, or its id when it has none; the workflow's name is not part of it;
- a matrix job reports one check per combination, `NAME (v1, v2)` with the values in the order the
  matrix keys appear, unless its name interpolates `${{ matrix.* }}`: then the interpolated name;
- only jobs that run on every pull request can be required: the workflow triggers on
  `pull_request` for the branch (no `paths` filter, no narrowed `types`), the job has no `if:`
  (an always-true one is fine), does not `continue-on-error`, and every job it `needs` is itself
  required (a job skipped because a job it needs failed reports success: actions/runner#2566;
  the cases: tests/github_facts/pull_request_jobs.py);
- a gate job stands for the whole workflow: `if: always()` (so it runs, and fails, when a job it
  needs failed), no `continue-on-error`, and `needs` covering every other job that reports a
  required check; requiring its check alone is as strict as requiring them all.
- on a merge queue's `merge_group` run, a job reports its own check when the workflow triggers on
  `merge_group` for the queue's base branch (a `branches` filter admitting it, `types`, if any,
  naming `checks_requested`, no `paths` filter) and the job would run on every pull request by
  the rule above (the cases: tests/github_facts/merge_group_jobs.py).

At scale one workflow text is shared by hundreds of repositories, so what the policies ask of a
workflow file (`workflow_checks`, `workflow_permission_problems`, `workflow_unpinned_actions`)
is derived once per distinct text and branch in a run, from one parse with libyaml when PyYAML
has it.

Only PyYAML: nothing here imports Pulumi or the project's other packages.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

WORKFLOW_DIRECTORY = ".github/workflows/"

# A pull request is checked on every push only if these activity types trigger the workflow;
# they are GitHub's default `types` for `pull_request`.
_DEFAULT_PULL_REQUEST_TYPES = frozenset({"opened", "synchronize", "reopened"})
_ALWAYS_TRUE_CONDITIONS = frozenset({"always()", "true"})
# A gate must run even when a job it needs failed; `if: true` does not (it means
# `success() && true`), only a status function that ignores the needs' results does.
_GATE_CONDITION = "always()"
_SKIPPED_REPORTS_SUCCESS = (
    "so when a job it needs fails it is skipped, and a skipped job reports success "
    "(actions/runner#2566)"
)
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_MATRIX_VALUE = re.compile(r"^\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_PINNED_REF = re.compile(r"^[^@\s]+@[0-9a-fA-F]{40}$")
# libyaml's loader parses the same YAML as the pure-Python one, many times faster; PyYAML's
# wheels ship it, a source build without libyaml does not.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Distinct workflow texts kept per run: a stack has a handful (one per set of pipeline options).
_CACHED_WORKFLOWS = 256


class WorkflowError(ValueError):
    """The workflow text is not YAML or not a workflow mapping."""


@dataclass(frozen=True)
class GateJob:
    """A job with `needs`, which a protection may require instead of the jobs it needs: its
    checks, and why it can't stand for them (none: it is a gate)."""

    job_id: str
    checks: tuple[str, ...]
    problems: tuple[str, ...] = ()
    # The checks of the jobs it needs, which a protection relying on it leaves out.
    needed_checks: tuple[str, ...] = ()

    @property
    def is_gate(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PullRequestChecks:
    """The checks a workflow reports on every pull request, what could not be derived, and its
    jobs with `needs` judged as gates."""

    checks: tuple[str, ...]
    problems: tuple[str, ...] = ()
    gate_jobs: tuple[GateJob, ...] = ()

    @property
    def gates(self) -> tuple[GateJob, ...]:
        return tuple(job for job in self.gate_jobs if job.is_gate)


@dataclass(frozen=True)
class MergeGroupChecks:
    """What a workflow reports on every merge group into a branch: the checks of the jobs that
    run there, and for each other check it names, why its job may not run."""

    checks: tuple[str, ...]
    not_run: tuple[tuple[str, str], ...] = ()  # (check, why)

    def why_not(self, check: str) -> str | None:
        return next((why for name, why in self.not_run if name == check), None)


def is_workflow_path(path: str) -> bool:
    """Whether a repository path is a workflow file GitHub Actions runs."""
    return path.startswith(WORKFLOW_DIRECTORY) and path.endswith((".yml", ".yaml"))


def load_workflow(content: str) -> Mapping[Any, Any]:
    """The parsed workflow; raises WorkflowError when it is not a YAML mapping.

    Parsed once per distinct text: every caller gets the same mapping, to read, never to modify.
    """
    document, problem = _parse(content)
    if document is None:
        raise WorkflowError(problem)
    return document


@functools.lru_cache(maxsize=_CACHED_WORKFLOWS)
def _parse(content: str) -> tuple[Mapping[Any, Any] | None, str]:
    """(the workflow, "") or (None, why not); a cached result, not a cached exception."""
    try:
        document = yaml.load(content, Loader=_LOADER)
    except yaml.YAMLError as error:
        return None, f"is not valid YAML ({error})".replace("\n", " ")
    if not isinstance(document, Mapping):
        return None, "is not a YAML mapping"
    return document, ""


@functools.lru_cache(maxsize=_CACHED_WORKFLOWS)
def workflow_checks(content: str, branch: str) -> PullRequestChecks:
    """`pull_request_checks` of a workflow text, once per text and branch; raises WorkflowError."""
    return pull_request_checks(load_workflow(content), branch)


@functools.lru_cache(maxsize=_CACHED_WORKFLOWS)
def workflow_merge_group_checks(content: str, branch: str) -> MergeGroupChecks:
    """`merge_group_checks` of a workflow text, once per text and branch; raises
    WorkflowError."""
    return merge_group_checks(load_workflow(content), branch)


@functools.lru_cache(maxsize=_CACHED_WORKFLOWS)
def workflow_permission_problems(content: str) -> tuple[str, ...]:
    """`permission_problems` of a workflow text, once per text; raises WorkflowError."""
    return tuple(permission_problems(load_workflow(content)))


@functools.lru_cache(maxsize=_CACHED_WORKFLOWS)
def workflow_unpinned_actions(content: str) -> tuple[str, ...]:
    """The `uses:` of a workflow text not pinned to a commit SHA, once per text; raises
    WorkflowError."""
    references = action_references(load_workflow(content))
    return tuple(reference for reference in references if not is_pinned(reference))


def triggers(workflow: Mapping[Any, Any]) -> dict[str, Mapping[str, Any] | None]:
    """Event name -> its filter mapping (None when it has none), however `on:` is written.

    PyYAML follows YAML 1.1 and reads an unquoted `on:` key as the boolean True.
    """
    on = workflow["on"] if "on" in workflow else workflow.get(True)
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {event: None for event in on if isinstance(event, str)}
    if isinstance(on, Mapping):
        return {
            str(event): (config if isinstance(config, Mapping) else None)
            for event, config in on.items()
        }
    return {}


def _as_patterns(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """GitHub's filter pattern syntax: `*` (no `/`), `**`, `?`/`+` after a character, `[..]`."""
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            parts.append(".*")
            index += 2
            continue
        if char == "*":
            parts.append("[^/]*")
        elif char in "?+":
            parts.append(char)
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                parts.append(re.escape(char))
            else:
                parts.append(pattern[index : end + 1])
                index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            parts.append(re.escape(pattern[index]))
        else:
            parts.append(re.escape(char))
        index += 1
    try:
        return re.compile("".join(parts))
    except re.error:
        return re.compile(re.escape(pattern))


def branch_matches(patterns: list[str], branch: str) -> bool:
    """Whether `branch` passes a `branches:` filter; later `!pattern`s exclude again."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _pattern_regex(pattern[1:] if negated else pattern).fullmatch(branch):
            matched = not negated
    return matched


def runs_on_every_pull_request(workflow: Mapping[Any, Any], branch: str) -> bool:
    """Whether the workflow starts on every pull request (and every push to one) to `branch`."""
    events = triggers(workflow)
    if "pull_request" not in events:
        return False
    config = events["pull_request"]
    if config is None:
        return True
    if "paths" in config or "paths-ignore" in config:
        return False
    types = set(_as_patterns(config.get("types")))
    if "types" in config and not _DEFAULT_PULL_REQUEST_TYPES.issubset(types):
        return False
    if "branches" in config and not branch_matches(_as_patterns(config["branches"]), branch):
        return False
    ignored = _as_patterns(config.get("branches-ignore"))
    return not any(_pattern_regex(pattern).fullmatch(branch) for pattern in ignored)


def _expression_text(condition: str) -> str:
    text = condition.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    return text


def _condition_always_true(condition: Any) -> bool:
    if condition is None or condition is True:
        return True
    if not isinstance(condition, str):
        return False
    return _expression_text(condition) in _ALWAYS_TRUE_CONDITIONS


def _continues_on_error(value: Any) -> bool:
    # An expression may evaluate to true, so only an explicit false keeps the job required.
    return value not in (None, False, "false")


def required_job_ids(workflow: Mapping[Any, Any], branch: str) -> list[str]:
    """Ids of the jobs that run, and so report their checks, on every pull request to `branch`."""
    if not runs_on_every_pull_request(workflow, branch):
        return []
    return unconditional_job_ids(workflow)


def merge_group_trigger_problem(workflow: Mapping[Any, Any], branch: str) -> str | None:
    """Why the workflow may not run on every merge group into `branch`; None when it does."""
    events = triggers(workflow)
    if "merge_group" not in events:
        return "it has no merge_group trigger"
    config = events["merge_group"]
    if config is None:
        return None
    if "paths" in config or "paths-ignore" in config:
        return "its merge_group trigger has a paths filter"
    if "types" in config and "checks_requested" not in _as_patterns(config.get("types")):
        return "its merge_group types leave out checks_requested"
    if "branches" in config and not branch_matches(_as_patterns(config["branches"]), branch):
        return f"its merge_group branches filter leaves out '{branch}'"
    ignored = _as_patterns(config.get("branches-ignore"))
    if any(_pattern_regex(pattern).fullmatch(branch) for pattern in ignored):
        return f"its merge_group branches-ignore filter leaves out '{branch}'"
    return None


def merge_group_job_ids(workflow: Mapping[Any, Any], branch: str) -> list[str]:
    """Ids of the jobs that run, and so report their checks, on every merge group (a merge
    queue's `merge_group` run) into `branch`."""
    if merge_group_trigger_problem(workflow, branch) is not None:
        return []
    return unconditional_job_ids(workflow)


def unconditional_job_ids(workflow: Mapping[Any, Any]) -> list[str]:
    """Ids of the jobs that run whenever the workflow runs: an always-true `if`, no
    `continue-on-error`, needing only such jobs."""
    jobs = workflow.get("jobs")
    if not isinstance(jobs, Mapping):
        return []
    decided: dict[str, bool] = {}

    def required(job_id: Any, visiting: frozenset[Any]) -> bool:
        if job_id in decided:
            return decided[job_id]
        job = jobs.get(job_id)
        result = (
            isinstance(job, Mapping)
            and job_id not in visiting
            and _condition_always_true(job.get("if"))
            and not _continues_on_error(job.get("continue-on-error"))
            and all(required(need, visiting | {job_id}) for need in _as_patterns(job.get("needs")))
        )
        decided[job_id] = result
        return result

    return [str(job_id) for job_id in jobs if required(job_id, frozenset())]


def render_matrix_value(value: Any) -> str:
    """A matrix value as GitHub writes it in a check name."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def matrix_combinations(matrix: Mapping[Any, Any]) -> list[dict[str, Any]]:
    """A matrix's combinations in GitHub's order; raises WorkflowError for an expression.

    `exclude` removes the combinations it matches; each `include` entry extends every original
    combination whose original values it does not change, or becomes a combination of its own.
    """
    dimensions: dict[str, list[Any]] = {}
    for key, values in matrix.items():
        if key in ("include", "exclude"):
            continue
        if isinstance(values, str) and "${{" in values:
            raise WorkflowError(f"matrix key '{key}' is an expression")
        dimensions[str(key)] = values if isinstance(values, list) else [values]
    if isinstance(matrix.get("include"), str) or isinstance(matrix.get("exclude"), str):
        raise WorkflowError("matrix include/exclude is an expression")

    combinations = (
        [
            dict(zip(dimensions, values, strict=True))
            for values in itertools.product(*dimensions.values())
        ]
        if dimensions
        else []
    )
    for exclusion in matrix.get("exclude") or []:
        if isinstance(exclusion, Mapping):
            combinations = [
                combination
                for combination in combinations
                if not all(combination.get(str(k)) == v for k, v in exclusion.items())
            ]
    added: list[dict[str, Any]] = []
    for inclusion in matrix.get("include") or []:
        if not isinstance(inclusion, Mapping):
            continue
        extended = False
        for combination in combinations:
            if all(combination[k] == v for k, v in inclusion.items() if k in dimensions):
                combination.update({str(k): v for k, v in inclusion.items() if k not in dimensions})
                extended = True
        if not extended:
            added.append({str(k): v for k, v in inclusion.items()})
    return combinations + added


def job_checks(job_id: str, job: Mapping[Any, Any]) -> list[str]:
    """The check names one job reports; raises WorkflowError when they can't be derived."""
    if "uses" in job:
        raise WorkflowError(
            f"job '{job_id}' calls the reusable workflow {job['uses']!r}, whose checks "
            "('CALLER / CALLEE') the pack does not derive"
        )
    raw_name = job.get("name")
    name = job_id if raw_name is None else str(raw_name)
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, Mapping) else None
    if matrix is None:
        return [name]
    if not isinstance(matrix, Mapping):
        raise WorkflowError(f"job '{job_id}' has a matrix that is an expression")
    combinations = matrix_combinations(matrix)
    if not combinations:
        return [name]
    expressions = [match.group(1) for match in _EXPRESSION.finditer(name)]
    if not any("matrix" in expression for expression in expressions):
        return [
            f"{name} ({', '.join(render_matrix_value(v) for v in combination.values())})"
            for combination in combinations
        ]
    if not all(_MATRIX_VALUE.match(e) for e in expressions if "matrix" in e):
        raise WorkflowError(f"job '{job_id}' has a name with a matrix expression: {name!r}")

    names: list[str] = []
    for combination in combinations:

        def interpolate(match: re.Match[str], values: dict[str, Any] = combination) -> str:
            reference = _MATRIX_VALUE.match(match.group(1))
            if reference is None:
                return match.group(0)
            return render_matrix_value(values.get(reference.group(1)))

        interpolated = _EXPRESSION.sub(interpolate, name)
        if interpolated not in names:
            names.append(interpolated)
    return names


def gate_problems(
    workflow: Mapping[Any, Any], branch: str, job_id: str, required: list[str]
) -> list[str]:
    """Why job `job_id` can't stand for the workflow's `required` jobs; [] when it is a gate."""
    jobs = workflow.get("jobs")
    job = jobs.get(job_id) if isinstance(jobs, Mapping) else None
    if not isinstance(job, Mapping):
        return [f"the workflow has no job '{job_id}'"]
    problems: list[str] = []
    if not runs_on_every_pull_request(workflow, branch):
        problems.append(f"the workflow does not run on every pull request to '{branch}'")
    condition = job.get("if")
    if condition is None:
        problems.append(f"it has no 'if: always()', {_SKIPPED_REPORTS_SUCCESS}")
    elif not isinstance(condition, str) or _expression_text(condition) != _GATE_CONDITION:
        problems.append(f"its 'if' is {condition!r}, not always(), {_SKIPPED_REPORTS_SUCCESS}")
    if _continues_on_error(job.get("continue-on-error")):
        problems.append("it may continue on error, so its failure would not block a merge")
    needs = set(_as_patterns(job.get("needs")))
    uncovered = [other for other in required if other != job_id and other not in needs]
    if uncovered:
        problems.append(
            f"its needs leave out {uncovered}, which could then fail without failing it"
        )
    return problems


def _needed_checks(jobs: Mapping[Any, Any], needs: list[str]) -> tuple[str, ...]:
    checks: list[str] = []
    for need in needs:
        job = jobs.get(need)
        if isinstance(job, Mapping):
            try:
                checks.extend(job_checks(need, job))
            except WorkflowError:
                continue
    return tuple(checks)


def pull_request_checks(workflow: Mapping[Any, Any], branch: str) -> PullRequestChecks:
    """The checks the workflow reports on every pull request to `branch`, and its gate jobs."""
    jobs = workflow.get("jobs")
    if not isinstance(jobs, Mapping):
        return PullRequestChecks(())
    checks: list[str] = []
    problems: list[str] = []
    required = required_job_ids(workflow, branch)
    for job_id in required:
        job = jobs.get(job_id)
        if not isinstance(job, Mapping):
            continue
        try:
            names = job_checks(job_id, job)
        except WorkflowError as error:
            problems.append(str(error))
            continue
        checks.extend(name for name in names if name not in checks)
    gate_jobs: list[GateJob] = []
    for job_id, job in jobs.items():
        if not isinstance(job, Mapping) or not _as_patterns(job.get("needs")):
            continue
        try:
            names = job_checks(str(job_id), job)
        except WorkflowError:
            continue  # Its checks can't be named, so no protection can require it by name.
        reasons = gate_problems(workflow, branch, str(job_id), required)
        needed = _needed_checks(jobs, _as_patterns(job.get("needs")))
        gate_jobs.append(GateJob(str(job_id), tuple(names), tuple(reasons), needed))
    return PullRequestChecks(tuple(checks), tuple(problems), tuple(gate_jobs))


def merge_group_checks(workflow: Mapping[Any, Any], branch: str) -> MergeGroupChecks:
    """The checks the workflow reports on every merge group into `branch`, and why each other
    check of its jobs may not be (a job whose checks can't be named is left out)."""
    jobs = workflow.get("jobs")
    if not isinstance(jobs, Mapping):
        return MergeGroupChecks(())
    trigger = merge_group_trigger_problem(workflow, branch)
    running = merge_group_job_ids(workflow, branch)
    checks: list[str] = []
    not_run: list[tuple[str, str]] = []
    for job_id, job in jobs.items():
        if not isinstance(job, Mapping):
            continue
        try:
            names = job_checks(str(job_id), job)
        except WorkflowError:
            continue
        if str(job_id) in running:
            checks.extend(name for name in names if name not in checks)
            continue
        why = trigger or _why_not_every_merge_group(str(job_id), job, running)
        not_run.extend((name, why) for name in names)
    return MergeGroupChecks(tuple(checks), tuple(not_run))


def _why_not_every_merge_group(job_id: str, job: Mapping[Any, Any], running: list[str]) -> str:
    condition = job.get("if")
    if not _condition_always_true(condition):
        return f"job '{job_id}' has 'if: {condition}', which may skip it there"
    if _continues_on_error(job.get("continue-on-error")):
        return f"job '{job_id}' may continue on error"
    skipped = [need for need in _as_patterns(job.get("needs")) if need not in running]
    return f"job '{job_id}' needs {skipped}, which may not run there"


def permission_problems(workflow: Mapping[Any, Any]) -> list[str]:
    """Where the workflow grants more than read access to its token, or could."""
    problems: list[str] = []
    if "permissions" not in workflow:
        problems.append(
            "has no top-level 'permissions', so the token gets the repository's default, "
            "which may be write"
        )
    else:
        problems.extend(_top_level_permission_problems(workflow["permissions"]))
    jobs = workflow.get("jobs")
    if isinstance(jobs, Mapping):
        for job_id, job in jobs.items():
            if isinstance(job, Mapping) and job.get("permissions") == "write-all":
                problems.append(f"job '{job_id}' grants 'write-all'")
    if "pull_request_target" in triggers(workflow):
        problems.append(
            "triggers on 'pull_request_target', which runs with a write token and secrets "
            "on code from forks"
        )
    return problems


def _top_level_permission_problems(permissions: Any) -> list[str]:
    if permissions == "read-all":
        return []
    if permissions == "write-all":
        return ["grants 'write-all' at the top level"]
    if not isinstance(permissions, Mapping):
        return [f"has top-level permissions {permissions!r}; use 'read-all', {{}} or read scopes"]
    return [
        f"grants '{scope}: {level}' at the top level; grant write scopes per job"
        for scope, level in permissions.items()
        if level not in ("read", "none")
    ]


def action_references(workflow: Mapping[Any, Any]) -> list[str]:
    """Every `uses:` of the workflow: reusable workflows of jobs and actions of steps."""
    references: list[str] = []
    jobs = workflow.get("jobs")
    if not isinstance(jobs, Mapping):
        return references
    for job in jobs.values():
        if not isinstance(job, Mapping):
            continue
        if isinstance(job.get("uses"), str):
            references.append(job["uses"])
        steps = job.get("steps")
        for step in steps if isinstance(steps, list) else []:
            if isinstance(step, Mapping) and isinstance(step.get("uses"), str):
                references.append(step["uses"])
    return references


def is_pinned(reference: str) -> bool:
    """A local action, a docker:// image, or a remote one pinned to a full commit SHA."""
    reference = reference.strip()
    if reference.startswith(("./", "docker://")):
        return True
    return _PINNED_REF.match(reference) is not None
