"""`repo-baseline verify`: what GitHub enforces on each repository's default branch, proved
satisfiable from the workflow files on that branch, in GitHub's own words.

For each repository of the stack, three requests (a read-only token is enough):

1. `GET /repos/{owner}/{repo}/rules/branches/{branch}`: the rules in force on the branch, every
   ruleset layer merged (the repository's, the organization's), each with its
   `ruleset_source_type`, `ruleset_source` and `ruleset_id`;
2. `GET /repos/{owner}/{repo}/branches/{branch}`: classic branch protection's required checks,
   where there is one (`protection.required_status_checks.checks`);
3. `GET /repos/{owner}/{repo}/contents/.github/workflows?ref={branch}`: the workflow files,
   each with its git blob SHA. The baseline's own file is read no further when its SHA is the
   render's (the same bytes); a file is read (one request more) only when the proof needs it:
   the baseline's file differs, or a required check is not reported by the files known so far.

A required check is satisfiable when a workflow on the branch has a job that reports it on every
pull request to the branch (matrix expanded; no job-level `if`, path filter or `needs` that may
skip it), and, when a merge queue rule is in force, on every merge group too; and when its app
pin, if any, is GitHub Actions, which reports every workflow job's check. The derivation is the
policy pack's, read from the YAML (`policies.guardrails.pipeline`), the same one its
required-checks policy judges the program by; the rendered model's own (`workflows.checks`)
gives what the stack expects.

Drift: the baseline's workflow file differs from the render (or is missing), or the protection
in force is weaker than the stack config (an expected check not required, fewer approvals, force
pushes or deletion allowed).

Two settings cost more requests, only where the stack sets them:

- `protection.lock_workflow`: `GET /repos/{owner}/{repo}/rulesets?targets=push` and the push
  rulesets found (`GET …/rulesets/{id}`): drifted when none active restricts the workflow file.
- `protection.enforcement: evaluate`: GitHub's branch rules leave out a ruleset in evaluate
  mode, so the checks it would require are the render's, proved satisfiable as above (what
  switching it to active would require), and the protection in force is not compared. Then
  `GET /repos/{owner}/{repo}/rulesets/rule-suites` (the last month's evaluations on the branch):
  how many pushes and merges it would have blocked, and why for the latest few (`GET
  …/rule-suites/{id}` each, at most `SUITES_EXPLAINED`).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from baseline.resources.component import GITHUB_ACTIONS_APP_ID
from baseline.resources.delivery import pinned_ref
from baseline.stack import inventory
from baseline.stack.errors import ConfigErrors
from baseline.stack.selection import EmptyRuleError, ListingError, needs_listing, resolve
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import load_settings_file
from workflows.templates import RenderedPipeline, rendered_pipeline

WORKFLOWS_DIRECTORY = ".github/workflows"
PER_PAGE = 100
# An evaluate ruleset's blocked pushes and merges explained, latest first (a request each).
SUITES_EXPLAINED = 3

Status = Literal["compliant", "drifted", "unsatisfiable"]
Verdict = Literal["drifted", "unsatisfiable"]


class VerifyError(Exception):
    """GitHub could not be read (the message says which request and what came back)."""


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    reason: str
    # The layer the rule comes from, in GitHub's words ("Organization ruleset 7 (example-org)").
    source: str | None = None


@dataclass(frozen=True)
class RepositoryReport:
    repository: str
    branch: str
    findings: tuple[Finding, ...] = ()
    requests: int = 0
    # With `protection.enforcement: evaluate`: what the dry run would have blocked.
    evaluation: str | None = None

    @property
    def status(self) -> Status:
        verdicts = {finding.verdict for finding in self.findings}
        if "unsatisfiable" in verdicts:
            return "unsatisfiable"
        return "drifted" if verdicts else "compliant"

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "branch": self.branch,
            "status": self.status,
            "findings": [
                {"verdict": f.verdict, "reason": f.reason, "source": f.source}
                for f in self.findings
            ],
            "requests": self.requests,
            "evaluation": self.evaluation,
        }


@dataclass(frozen=True)
class Required:
    """A required status check in force on the branch, and the layer that requires it."""

    context: str
    integration_id: int | None
    source: str


@dataclass
class _Api:
    """GETs of GitHub's REST API under `root`, counted."""

    root: str
    token: str
    requests: int = 0

    def get(self, path: str) -> Any:
        self.requests += 1
        try:
            return inventory.get_json(self.root + path.lstrip("/"), self.token, missing_ok=True)
        except inventory.InventoryError as error:
            raise VerifyError(str(error)) from None


def blob_sha(content: str) -> str:
    """git's blob id of a file's bytes: what GitHub's contents listing gives as `sha`."""
    data = content.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _layer(rule: Mapping[str, Any]) -> str:
    """A rule's layer in GitHub's words: its ruleset's source type, id and source."""
    return (
        f"{rule.get('ruleset_source_type', 'Repository')} ruleset {rule.get('ruleset_id')} "
        f"({rule.get('ruleset_source')})"
    )


def required_checks(
    rules: Sequence[Mapping[str, Any]], branch: Mapping[str, Any] | None
) -> list[Required]:
    """Every required check in force: the rulesets' `required_status_checks` rules, then
    classic protection's."""
    found: list[Required] = []
    for rule in rules:
        if rule.get("type") != "required_status_checks":
            continue
        parameters = rule.get("parameters") or {}
        for check in parameters.get("required_status_checks") or ():
            found.append(Required(str(check["context"]), check.get("integration_id"), _layer(rule)))
    protection = (branch or {}).get("protection") or {}
    classic = protection.get("required_status_checks") or {} if protection.get("enabled") else {}
    for check in classic.get("checks") or ():
        app = check.get("app_id")
        found.append(
            Required(str(check["context"]), None if app is None else int(app), "classic protection")
        )
    return found


@dataclass
class _Workflows:
    """The branch's workflow files: listed by name and blob SHA, read only when needed."""

    api: _Api
    repo_path: str
    branch: str
    listed: dict[str, str]  # path -> blob sha
    known: dict[str, str] = field(default_factory=dict)  # path -> content

    def read(self, path: str) -> str | None:
        if path not in self.known:
            ref = urllib.parse.quote(self.branch, safe="")
            answer = self.api.get(f"{self.repo_path}/contents/{path}?ref={ref}")
            if not isinstance(answer, Mapping) or answer.get("encoding") != "base64":
                return None
            self.known[path] = base64.b64decode(str(answer["content"])).decode("utf-8", "replace")
        return self.known[path]

    def read_all(self) -> None:
        for path in self.listed:
            self.read(path)


def _producers(
    workflows: _Workflows, branch: str, merge_queue: bool
) -> tuple[set[str], set[str], dict[str, str]]:
    """From the workflows read so far: the checks reported on every pull request, those on
    every merge group, and for a check some job names but not on every pull request, why."""
    # The policy pack's derivation, imported when used: the pack's package loads Pulumi's policy
    # SDK, which the other commands (the offline plan above all) never need.
    from policies.guardrails.pipeline import (
        WorkflowError,
        job_checks,
        load_workflow,
        workflow_checks,
        workflow_merge_group_checks,
    )

    on_pull_requests: set[str] = set()
    on_merge_groups: set[str] = set()
    named: dict[str, str] = {}
    for path, content in workflows.known.items():
        try:
            derived = workflow_checks(content, branch)
            workflow = load_workflow(content)
        except WorkflowError as error:
            named.setdefault(path, f"{path} is not a workflow: {error}")
            continue
        on_pull_requests.update(derived.checks)
        if merge_queue:
            on_merge_groups.update(workflow_merge_group_checks(content, branch).checks)
        jobs = workflow.get("jobs")
        for job_id, job in jobs.items() if isinstance(jobs, Mapping) else ():
            if not isinstance(job, Mapping):
                continue
            try:
                names = job_checks(str(job_id), job)
            except WorkflowError:
                continue
            for name in names:
                named.setdefault(
                    name,
                    f"job '{job_id}' of {path} reports it, but not on every pull request to "
                    f"{branch} (a job-level if, continue-on-error, a need that may be skipped, "
                    "or the workflow's branch or path filter)",
                )
    return on_pull_requests, on_merge_groups, named


def _unsatisfiable(
    required: Sequence[Required], workflows: _Workflows, branch: str, merge_queue: bool
) -> list[Finding]:
    findings: list[Finding] = []
    produced, grouped, named = _producers(workflows, branch, merge_queue)
    if any(check.context not in produced for check in required) and (
        set(workflows.listed) - set(workflows.known)
    ):
        workflows.read_all()  # a check no file read so far reports: read the others
        produced, grouped, named = _producers(workflows, branch, merge_queue)
    for check in required:
        where = f'"{check.context}" (required by {check.source})'
        if check.context not in produced:
            why = named.get(check.context, f"no workflow on {branch} has a job that reports it")
            findings.append(
                Finding("unsatisfiable", f"{where} is never reported: {why}", check.source)
            )
        elif check.integration_id not in (None, GITHUB_ACTIONS_APP_ID):
            findings.append(
                Finding(
                    "unsatisfiable",
                    f"{where} is pinned to app {check.integration_id}, but its producer is a "
                    f"workflow job, reported by GitHub Actions (app {GITHUB_ACTIONS_APP_ID})",
                    check.source,
                )
            )
        elif merge_queue and check.context not in grouped:
            findings.append(
                Finding(
                    "unsatisfiable",
                    f"{where} is not reported on merge groups, and a merge queue rule is in "
                    "force: no workflow runs it on merge_group",
                    check.source,
                )
            )
    return findings


def _weaker(
    config: RepositoryConfig,
    rendered: RenderedPipeline,
    rules: Sequence[Mapping[str, Any]],
    required: Sequence[Required],
) -> list[Finding]:
    """Where the protection in force is weaker than the stack config."""
    findings: list[Finding] = []
    pinned = {c.context for c in required if c.integration_id in (None, GITHUB_ACTIONS_APP_ID)}
    if config.pipeline.delivery == "central":
        findings.extend(_central_findings(config, rendered, rules))
    else:
        for check in rendered.required_checks:
            if check not in pinned:
                findings.append(
                    Finding("drifted", f'"{check}" is not required (the pipeline reports it)')
                )
    protection = config.protection
    if protection.kind == "classic":
        return findings  # classic protection's reviews and pushes: the refreshed preview reads
    types = {str(rule.get("type")) for rule in rules}
    for rule_type, what in (
        ("non_fast_forward", "force pushes are not blocked"),
        ("deletion", "deleting the branch is not blocked"),
    ):
        if rule_type not in types:
            findings.append(Finding("drifted", what))
    approvals = max(
        (
            int((rule.get("parameters") or {}).get("required_approving_review_count") or 0)
            for rule in rules
            if rule.get("type") == "pull_request"
        ),
        default=None,
    )
    if approvals is None:
        findings.append(Finding("drifted", "no pull request rule: changes need no review"))
    elif approvals < protection.required_approvals:
        findings.append(
            Finding(
                "drifted",
                f"{approvals} approving reviews required, the stack asks for "
                f"{protection.required_approvals}",
            )
        )
    return findings


def _central_findings(
    config: RepositoryConfig, rendered: RenderedPipeline, rules: Sequence[Mapping[str, Any]]
) -> list[Finding]:
    """Drift when no `workflows` rule in force requires the central workflow at its pinned ref
    (`pipeline.delivery: central`; the repository id is the rule's to know, not compared)."""
    ref = pinned_ref(rendered)
    for rule in rules:
        for workflow in (rule.get("parameters") or {}).get("workflows") or ():
            if (
                rule.get("type") == "workflows"
                and workflow.get("path") == rendered.path
                and workflow.get("ref") in (ref, ref.removeprefix("refs/heads/"))
            ):
                return []
    return [
        Finding(
            "drifted",
            f"no workflows rule requires {rendered.path} of "
            f"{config.pipeline.central_repository} at {ref}",
        )
    ]


def _lock_findings(api: _Api, repo_path: str, rendered: RenderedPipeline) -> list[Finding]:
    """Drift when no active push ruleset of the repository restricts the workflow file
    (`protection.lock_workflow`)."""
    listed = api.get(f"{repo_path}/rulesets?targets=push&includes_parents=true&per_page={PER_PAGE}")
    for summary in listed or ():
        if not isinstance(summary, Mapping) or summary.get("enforcement") != "active":
            continue
        ruleset = api.get(f"{repo_path}/rulesets/{summary['id']}")
        if not isinstance(ruleset, Mapping) or ruleset.get("target") != "push":
            continue
        for rule in ruleset.get("rules") or ():
            paths = (rule.get("parameters") or {}).get("restricted_file_paths") or ()
            if rule.get("type") == "file_path_restriction" and rendered.path in paths:
                return []
    return [
        Finding(
            "drifted",
            f"{rendered.path} is not locked: no active push ruleset restricts it, so anyone who "
            "can push can change what the required checks run",
        )
    ]


def _evaluation(api: _Api, repo_path: str, branch: str) -> str:
    """What the rulesets in evaluate mode would have blocked on `branch` in the last month, in
    GitHub's rule insights: how many of the pushes and merges evaluated, and why for the
    latest few."""
    ref = urllib.parse.quote(f"refs/heads/{branch}", safe="")
    suites = api.get(
        f"{repo_path}/rulesets/rule-suites?ref={ref}&time_period=month"
        f"&evaluate_status=evaluate&per_page={PER_PAGE}"
    )
    suites = [suite for suite in suites or () if isinstance(suite, Mapping)]
    # Failed once evaluate rules count, not by the active ones alone: what switching to active
    # would add.
    blocked = [
        suite
        for suite in suites
        if suite.get("evaluation_result") == "fail" and suite.get("result") != "fail"
    ]
    more = "+" if len(suites) == PER_PAGE else ""
    said = (
        f"evaluate mode: {len(blocked)}{more} of the {len(suites)}{more} pushes and merges to "
        f"{branch} evaluated in the last month would have been blocked"
    )
    reasons = []
    for suite in blocked[:SUITES_EXPLAINED]:
        detail = api.get(f"{repo_path}/rulesets/rule-suites/{suite['id']}")
        failed = [
            f"{rule.get('rule_type')}: {rule.get('details') or 'failed'}"
            for rule in (detail or {}).get("rule_evaluations") or ()
            if rule.get("result") == "fail" and rule.get("enforcement") == "evaluate"
        ]
        reasons.append(
            f"{suite.get('actor_name')} at {suite.get('pushed_at')} "
            f"({str(suite.get('after_sha'))[:7]}): {'; '.join(failed) or 'no detail'}"
        )
    return said + (": " + " | ".join(reasons) if reasons else "")


def verify_repository(api: _Api, owner: str, config: RepositoryConfig) -> RepositoryReport:
    """The report of one repository; its requests are counted on `api`."""
    start = api.requests
    rendered = rendered_pipeline(config.pipeline.template, config.pipeline.options)
    branch = config.pipeline.options.default_branch
    repo_path = f"repos/{urllib.parse.quote(owner, safe='')}/{urllib.parse.quote(config.name)}"
    quoted = urllib.parse.quote(branch, safe="")
    rules = api.get(f"{repo_path}/rules/branches/{quoted}?per_page={PER_PAGE}")
    branch_info = api.get(f"{repo_path}/branches/{quoted}")
    listing = api.get(f"{repo_path}/contents/{WORKFLOWS_DIRECTORY}?ref={quoted}")
    if branch_info is None:
        finding = Finding("drifted", f"the repository or its branch {branch} does not exist")
        return RepositoryReport(config.name, branch, (finding,), api.requests - start)
    rules = [rule for rule in rules or () if isinstance(rule, Mapping)]
    listed = {
        str(item["path"]): str(item["sha"])
        for item in listing or ()
        if isinstance(item, Mapping)
        and item.get("type") == "file"
        and str(item.get("name", "")).endswith((".yml", ".yaml"))
    }
    workflows = _Workflows(api, repo_path, branch, listed)
    findings: list[Finding] = []
    own = listed.get(rendered.path)
    if config.pipeline.delivery == "central":
        pass  # nothing in the repository: its ruleset requires the central workflow (`_weaker`)
    elif own is None:
        findings.append(Finding("drifted", f"{rendered.path} is not on {branch}"))
    elif own == blob_sha(rendered.content):
        workflows.known[rendered.path] = rendered.content
    else:
        findings.append(Finding("drifted", f"{rendered.path} differs from the render"))
        workflows.read(rendered.path)
    required = required_checks(rules, branch_info)
    merge_queue = any(rule.get("type") == "merge_queue" for rule in rules)
    evaluating = config.protection.enforcement == "evaluate"
    if evaluating:
        # Not in GitHub's branch rules: what the ruleset would require once active.
        source = "the stack's ruleset in evaluate mode"
        required = [
            *required,
            *(Required(c, GITHUB_ACTIONS_APP_ID, source) for c in rendered.required_checks),
        ]
    findings.extend(_unsatisfiable(required, workflows, branch, merge_queue))
    if not evaluating:
        findings.extend(_weaker(config, rendered, rules, required))
    if config.locks_workflow:
        findings.extend(_lock_findings(api, repo_path, rendered))
    evaluation = _evaluation(api, repo_path, branch) if evaluating else None
    return RepositoryReport(config.name, branch, tuple(findings), api.requests - start, evaluation)


def verify(
    repositories: Sequence[RepositoryConfig], owner: str, root: str, token: str
) -> list[RepositoryReport]:
    """Every repository's report, one after the other (GitHub asks for serial requests)."""
    api = _Api(root, token)
    return [verify_repository(api, owner, config) for config in repositories]


# --- Reports ---------------------------------------------------------------------------------


def text_report(reports: Sequence[RepositoryReport]) -> str:
    lines = []
    for report in reports:
        lines.append(f"{report.repository} ({report.branch}): {report.status}")
        lines.extend(f"  - {finding.verdict}: {finding.reason}" for finding in report.findings)
        if report.evaluation:
            lines.append(f"  - {report.evaluation}")
    lines.append(_totals(reports))
    return "\n".join(lines) + "\n"


def markdown_report(reports: Sequence[RepositoryReport], title: str) -> str:
    """One table for the organization, a row per repository: fits a job summary or an issue."""
    lines = [f"## {title}", "", _totals(reports), "", "| repository | status | why |"]
    lines.append("| --- | --- | --- |")
    for report in reports:
        said = [f"{f.verdict}: {f.reason}" for f in report.findings]
        said += [report.evaluation] if report.evaluation else []
        why = "<br>".join(_cell(text) for text in said)
        lines.append(f"| {_cell(report.repository)} | {report.status} | {why} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _totals(reports: Sequence[RepositoryReport]) -> str:
    counts = {status: 0 for status in ("compliant", "drifted", "unsatisfiable")}
    for report in reports:
        counts[report.status] += 1
    requests = sum(report.requests for report in reports)
    per = requests / len(reports) if reports else 0.0
    return (
        f"{len(reports)} repositories: {counts['compliant']} compliant, {counts['drifted']} "
        f"drifted, {counts['unsatisfiable']} unsatisfiable ({requests} requests, {per:.1f} a "
        "repository)"
    )


# --- The command -----------------------------------------------------------------------------

DESCRIPTION = """\
Read what GitHub enforces on each repository's default branch (every ruleset layer, classic
protection) and the workflow files there, and prove that every required status check can be
reported; also find drift from the stack config. Read-only (GITHUB_TOKEN needs read access to
the repositories' contents and administration, or metadata for public ones). Three requests a
repository, more only for a workflow file that differs from the render, a locked workflow file
(2 or more) and a ruleset in evaluate mode (its rule insights: 1, and 1 for each of the latest
blocked pushes explained, at most 3). Exit status: 0 all
compliant, 1 some drifted or unsatisfiable, 2 the config or GitHub could not be read.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the stack file (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="text (default), JSON, or one Markdown table for the whole organization",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="github:baseUrl (default: the stack's, else github.com)"
    )


def main(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    import os

    out = stdout or sys.stdout
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        print("repo-baseline verify: set GITHUB_TOKEN (read-only is enough)", file=sys.stderr)
        return 2
    try:
        stack_file, settings = load_settings_file(args.config)
    except ConfigErrors as errors:
        for error in errors.errors:
            print(f"{args.config}: {error}", file=sys.stderr)
        return 2
    owner = str(stack_file.owner)
    base_url = args.base_url or stack_file.config.get("github:baseUrl")
    root = inventory.api_root(str(base_url) if base_url else None)
    try:
        # The listing only where the program needs it too, and its properties only for rules
        # that select by them (as `baseline.resources.program` reads it).
        properties = settings.selection is not None and settings.selection.uses_properties
        listing = (
            inventory.fetch(
                owner, token, str(base_url) if base_url else None, properties=properties
            )
            if needs_listing(settings)
            else None
        )
        repositories = resolve(settings, listing).repositories
        reports = verify(repositories, owner, root, token)
    except (inventory.InventoryError, VerifyError, ListingError, EmptyRuleError) as error:
        print(f"repo-baseline verify: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        out.write(json.dumps([report.to_json() for report in reports], indent=2) + "\n")
    elif args.format == "markdown":
        out.write(markdown_report(reports, f"repo-baseline verify: {stack_file.stack}"))
    else:
        out.write(text_report(reports))
    return 0 if all(report.status == "compliant" for report in reports) else 1
