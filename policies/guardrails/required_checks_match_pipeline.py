"""required-checks-match-pipeline: the protection requires exactly what the workflows report.

"What the workflows report" has two accepted forms: every check they report on each pull request,
or, for a workflow with a gate job, the gate's check instead of the checks of the jobs it needs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .inputs import (
    DEFAULT_BRANCH,
    DEFAULT_BRANCH_PROPERTY,
    UnknownValueError,
    as_str,
    config_str,
    value_at,
)
from .pipeline import GateJob, WorkflowError, workflow_checks
from .protection import is_branch_ruleset, label, protected_branch, required_checks
from .resources import RepositoryResources, StackResource, group_by_repository

NAME = "required-checks-match-pipeline"
# Per workflow file, its full set of checks or one gate's: the combinations grow as their product,
# so past this many only "no gates" and "every gate" are accepted.
_MAX_COMBINATIONS = 64
GATE_DEFINITION = (
    "a gate job: 'if: always()', not continue-on-error, needing every other job that reports a "
    "required check"
)


@dataclass(frozen=True)
class _Form:
    """One accepted set of required checks: every check, or a gate's instead of its needs'."""

    checks: frozenset[str]
    gates: tuple[str, ...] = ()  # "job 'gate' of RepositoryFile 'ci'", one per gate used


@dataclass
class _Pipeline:
    """What a repository's workflows report on every pull request to one branch."""

    checks: frozenset[str]
    forms: list[_Form]
    not_gates: list[tuple[StackResource, GateJob]]

    @property
    def has_gate(self) -> bool:
        return len(self.forms) > 1


def _forms(per_file: list[list[_Form]]) -> list[_Form]:
    """The accepted sets: one choice per workflow file, the full set (no gate) first."""
    size = 1
    for choices in per_file:
        size *= len(choices)
    if size > _MAX_COMBINATIONS:
        combinations = [
            [choices[0] for choices in per_file],
            [choices[-1] for choices in per_file],
        ]
    else:
        combinations = [list(choice) for choice in itertools.product(*per_file)]
    forms: list[_Form] = []
    seen: set[frozenset[str]] = set()
    for combination in combinations:
        checks = frozenset().union(*(form.checks for form in combination))
        if checks not in seen:
            seen.add(checks)
            forms.append(_Form(checks, tuple(g for form in combination for g in form.gates)))
    return forms


def _pipeline(
    repository: RepositoryResources, branch: str, report: ReportViolation
) -> _Pipeline | None:
    """What the repository's workflows report on every pull request to `branch`.

    None when a workflow could not be read (that is reported on the workflow file itself).
    """
    per_file: list[list[_Form]] = []
    not_gates: list[tuple[StackResource, GateJob]] = []
    readable = True
    for workflow_file in repository.workflow_files:
        content = as_str(value_at(workflow_file.props, "content"))
        if content is None:
            report(
                f"workflow file {label(workflow_file)} has no content to derive checks from",
                workflow_file.urn,
            )
            readable = False
            continue
        try:
            derived = workflow_checks(content, branch)
        except WorkflowError as error:
            report(f"workflow file {label(workflow_file)} {error}", workflow_file.urn)
            readable = False
            continue
        for problem in derived.problems:
            report(f"workflow file {label(workflow_file)}: {problem}", workflow_file.urn)
            readable = False
        choices = [_Form(frozenset(derived.checks))]
        for job in derived.gate_jobs:
            if job.is_gate:
                gate = f"job '{job.job_id}' of {label(workflow_file)}"
                choices.append(_Form(frozenset(job.checks), (gate,)))
            else:
                not_gates.append((workflow_file, job))
        per_file.append(choices)
    if not readable:
        return None
    forms = _forms(per_file) if per_file else [_Form(frozenset())]
    return _Pipeline(forms[0].checks, forms, not_gates)


def _explanations(pipeline: _Pipeline, required: set[str], unexpected: list[str]) -> list[str]:
    """Why the gate the protection seems to rely on is not one, or that there is none."""
    explained: list[str] = []
    if required >= pipeline.checks:
        return explained
    for workflow_file, job in pipeline.not_gates:
        # Relied on as a gate: its checks are required, those of the jobs it needs are not.
        if required.issuperset(job.checks) and not required.issuperset(job.needed_checks):
            explained.append(
                f"job '{job.job_id}' of {label(workflow_file)} is not a gate: "
                + "; ".join(job.problems)
            )
    relies_on_a_gate = pipeline.checks and unexpected and not required & pipeline.checks
    if not explained and not pipeline.has_gate and relies_on_a_gate:
        explained.append(f"no workflow of the repository has {GATE_DEFINITION}")
    return explained


def _compare(
    repository: RepositoryResources,
    branch: str,
    resources: list[StackResource],
    pipeline: _Pipeline,
    report: ReportViolation,
) -> None:
    required = {check.context for resource in resources for check in required_checks(resource)}
    if any(form.checks == required for form in pipeline.forms):
        return
    # The form closest to what is required, the full set on a tie, is what the message names.
    closest = min(pipeline.forms, key=lambda form: len(form.checks ^ required))
    missing = sorted(closest.checks - required)
    unexpected = sorted(required - closest.checks)
    # Under a gate's form the checks its needs report are reported, just not to be required.
    covered = sorted(set(unexpected) & pipeline.checks) if closest.gates else []
    unexpected = [check for check in unexpected if check not in covered]
    parts = []
    if closest.gates:
        parts.append(f"compared with requiring the gate {', '.join(closest.gates)}")
    if missing:
        parts.append(f"reported by the workflows but not required: {missing}")
    if covered:
        parts.append(f"required besides the gate that stands for them: {covered}")
    if unexpected:
        parts.append(f"required but not reported on every pull request: {unexpected}")
    parts.extend(_explanations(pipeline, required, unexpected))
    carrier = next((r for r in resources if required_checks(r)), resources[0])
    report(
        f"repository '{repository.name}', branch '{branch}': the required checks of "
        f"{', '.join(label(r) for r in resources)} differ from the pipeline; " + "; ".join(parts),
        carrier.urn,
    )


def _applies(ruleset: StackResource) -> bool:
    return is_branch_ruleset(ruleset.props) and value_at(ruleset.props, "enforcement") != "disabled"


def _check_repository(
    repository: RepositoryResources, fallback_branch: str, report: ReportViolation
) -> None:
    default_branch = repository.default_branch(fallback_branch)
    # Rulesets (the repository's and the organization's) and classic protections on one branch
    # add up, as GitHub layers them.
    protections: dict[str, list[StackResource]] = {}
    for ruleset in repository.rulesets:
        if _applies(ruleset):
            protections.setdefault(default_branch, []).append(ruleset)
    for classic in repository.branch_protections:
        protections.setdefault(protected_branch(classic, default_branch), []).append(classic)
    if any(_applies(ruleset) for ruleset in repository.undecided_rulesets):
        # An organization ruleset may add checks here, which a preview can't tell yet.
        protections.pop(default_branch, None)

    for branch, resources in protections.items():
        if not repository.workflow_files and repository.proposes_pipeline(branch):
            # The pipeline on the branch is not in the stack (it waits in a pull request; the
            # protection requires what it did before): nothing to compare yet.
            continue
        pipeline = _pipeline(repository, branch, report)
        if pipeline is not None:
            _compare(repository, branch, resources, pipeline, report)


def _validate(args: StackValidationArgs, report: ReportViolation) -> None:
    config: dict[str, Any] = dict(args.get_config())
    fallback_branch = config_str(config, "default_branch", DEFAULT_BRANCH)
    reported: set[tuple[str, str | None]] = set()

    def report_once(message: str, urn: str | None = None) -> None:
        # A workflow read for several protected branches reports its problems once.
        if (message, urn) not in reported:
            reported.add((message, urn))
            report(message, urn)

    for repository in group_by_repository(args.resources).values():
        try:
            _check_repository(repository, fallback_branch, report_once)
        except UnknownValueError:
            continue  # Not known until the update: nothing can be compared for this repository.


required_checks_match_pipeline = StackValidationPolicy(
    name=NAME,
    description=(
        "The status checks a branch protection requires (its own rulesets, the organization "
        "rulesets that target it, classic protection) are exactly the checks the repository's "
        "workflow files report on every pull request to that branch, derived from their YAML; "
        "or, for a workflow with a gate job, the gate's check instead of those of its needs."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_validate,
    config_schema=PolicyConfigSchema(properties={"default_branch": DEFAULT_BRANCH_PROPERTY}),
    remediation_steps=(
        "Derive the protection's required checks from the same workflow definition that renders "
        "the files: a check that is never reported blocks every pull request ('Expected - "
        "Waiting for status'), a check that is not required can fail without blocking a merge. "
        "Jobs with an 'if:', 'continue-on-error' or 'needs' on a conditional job, and workflows "
        "filtered by paths or branches, cannot be required. To require only a gate job, give it "
        "'if: ${{ always() }}', no continue-on-error, and 'needs' on every other required job; "
        "every repository an organization ruleset targets needs that gate in its workflow."
    ),
)
