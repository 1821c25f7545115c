"""The plan for a person: what every repository shares, said once, then what each one does
differently; then policy violations (naming the repository), warnings and totals.

Each fact line is stated in full (on and off alike), so the shared block shows every choice,
and a repository lists only the lines in which it differs. Color only on a terminal.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape

from baseline.resources.component import GITHUB_ACTIONS_APP_ID
from baseline.resources.resource_types import (
    CLASSIC,
    COMPONENT,
    ORGANIZATION_RULESET,
    PULL_REQUEST,
    REPOSITORY,
    RULESET,
    WORKFLOW_FILE,
    WORKFLOW_LOCK,
    WORKFLOW_REMOVAL,
    plan_key,
)
from baseline.stack import adoption
from baseline.stack.adoption import existing_ci
from baseline.stack.settings import (
    FEATURES,
    MERGE_METHODS,
    PROTECTION,
    REVIEWS,
    SECURITY,
    SETTINGS,
    RepositoryConfig,
    StackSettings,
)
from workflows.declared import Shown, declared
from workflows.options import BackendCiOptions
from workflows.templates import rendered_pipeline

LABEL_WIDTH = 17
# Shown in the pipeline line in their own words; every other option only when not the default.
_PIPELINE_SHOWN = {"working_directory", "python_version", "python_versions", "coverage_threshold"}


def _short_type(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _on(flag: object, what: str, off: str | None = None) -> str:
    return what if flag else (off if off is not None else f"no {what}")


def _pipeline(config: RepositoryConfig) -> str:
    options = config.pipeline.options
    tested = options.python_versions or (options.python_version,)
    parts = [
        f"{config.pipeline.template} in {options.working_directory}",
        f"Python {options.python_version}, tests on {', '.join(tested)}",
        f"coverage at least {options.coverage_threshold}%",
    ]
    default = BackendCiOptions()
    for field in fields(BackendCiOptions):
        value = getattr(options, field.name)
        if field.name in _PIPELINE_SHOWN or value == getattr(default, field.name):
            continue
        mapping = field.metadata["declared"].schema.get("type") == "object"
        shown = dict(value) if mapping else list(value) if isinstance(value, tuple) else value
        parts.append(f"{field.name} {json.dumps(shown)}")
    return ", ".join(parts)


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


# Said once under the repositories: the two names the plan uses that GitHub's UI does not show.
LEGEND = (
    f"(app {GITHUB_ACTIONS_APP_ID} is GitHub Actions: only a workflow run can report a check "
    "pinned to it. ~DEFAULT_BRANCH is a ruleset's name for the repository's default branch, "
    "whatever it is called.)"
)


def _checks(contexts: Sequence[str], apps: Sequence[object]) -> str:
    pinned = {str(app) for app in apps}
    where = (
        f"each pinned to app {pinned.pop()}"
        if len(pinned) == 1
        else "apps " + ", ".join(sorted(pinned))
    )
    return f"{', '.join(contexts)} ({where})"


def _protection_lines(
    config: RepositoryConfig,
    children: dict[str, dict[str, Any]],
    shared_ruleset: dict[str, Any] | None = None,
) -> dict[str, str]:
    """required checks and protection, from the protection resource's inputs (the organization
    ruleset that names the repository, in organization scope); reviews, and what the protection
    line says of the settings, from the settings the protection is made of."""
    ruleset = children.get(RULESET) or shared_ruleset
    if ruleset is None and CLASSIC not in children:
        return {
            "required checks": "none yet: its pipeline waits in its pull request",
            "protection": "none from the baseline until that pull request has merged",
        }
    if ruleset is not None:
        inputs = ruleset["inputs"]
        rules = inputs.get("rules", {})
        status = rules.get("requiredStatusChecks", {})
        required = status.get("requiredChecks", [])
        bypass = inputs.get("bypassActors") or []
        includes = inputs.get("conditions", {}).get("refName", {}).get("includes", [])
        kind = (
            f"organization ruleset {json.dumps(inputs.get('name'))}"
            if ruleset["type"] == ORGANIZATION_RULESET
            else "ruleset"
        )
        enforcement = inputs.get("enforcement")
        if enforcement == "evaluate":
            enforcement = "EVALUATE: a dry run, it blocks nothing"
        protection = [
            f"{kind} on {', '.join(includes)} ({enforcement})",
            *shown_parts(config.protection, PROTECTION),
            _on(
                rules.get("nonFastForward") and rules.get("deletion"),
                "force push and deletion blocked",
                "force push or deletion ALLOWED",
            ),
            *_merge_queue(rules.get("mergeQueue")),
            *_more_rules(rules),
            "bypass: "
            + (", ".join(f"app {a['actorId']} ({a['bypassMode']})" for a in bypass) or "nobody"),
        ]
        central = _required_workflow(ruleset)
        return {
            "required checks": (
                _checks(
                    [c["context"] for c in required], [c.get("integrationId") for c in required]
                )
                if required or central is None
                else "the central workflow must pass (its jobs: "
                f"{', '.join(_pipeline_checks(config))})"
            ),
            REVIEWS: shown_line(config.protection, REVIEWS),
            PROTECTION: ", ".join(protection),
        }
    inputs = children[CLASSIC]["inputs"]
    status = inputs.get("requiredStatusChecks", {})
    pairs = [str(check).rpartition(":") for check in status.get("checks", [])]
    protection = [
        f"classic branch protection on {inputs.get('branch')}",
        *shown_parts(config.protection, PROTECTION),
        _on(inputs.get("enforceAdmins"), "administrators included", "administrators EXEMPT"),
        "force push and deletion blocked",
        "bypass: nobody",
    ]
    return {
        "required checks": _checks([c for c, _, _ in pairs], [app for _, _, app in pairs]),
        REVIEWS: shown_line(config.protection, REVIEWS),
        PROTECTION: ", ".join(protection),
    }


def _more_rules(rules: dict[str, Any]) -> list[str]:
    """The rules a ruleset has only when the protection asks for them: the merge methods it
    allows, Copilot code review, code scanning results."""
    said = []
    methods = rules.get("pullRequest", {}).get("allowedMergeMethods")
    if methods:
        said.append(f"ruleset allows merge methods {'/'.join(methods)} only")
    copilot = rules.get("copilotCodeReview")
    if copilot is not None:
        when = "each push" if copilot.get("reviewOnPush") else "each new pull request"
        said.append(f"Copilot review requested on {when}")
    scanning = rules.get("requiredCodeScanning")
    if scanning is not None:
        tools = [
            f"{t.get('tool')} (alerts {t.get('alertsThreshold')}, security alerts "
            f"{t.get('securityAlertsThreshold')})"
            for t in scanning.get("requiredCodeScanningTools", [])
        ]
        said.append(f"code scanning must pass: {', '.join(tools)}")
    return said


def _pipeline_checks(config: RepositoryConfig) -> tuple[str, ...]:
    return rendered_pipeline(config.pipeline.template, config.pipeline.options).required_checks


def _merge_queue(queue: dict[str, Any] | None) -> list[str]:
    """The ruleset's merge queue (`pipeline.merge_queue`) in the words of GitHub's settings
    page; nothing when it has none."""
    if queue is None:
        return []
    return [
        f"merge queue (merge method {queue.get('mergeMethod')}, build concurrency "
        f"{queue.get('maxEntriesToBuild')}, merges of {queue.get('minEntriesToMerge')} to "
        f"{queue.get('maxEntriesToMerge')} pull requests (up to "
        f"{queue.get('minEntriesToMergeWaitMinutes')} min waiting for "
        f"{queue.get('minEntriesToMerge')}), grouping "
        f"{queue.get('groupingStrategy')}, status check timeout "
        f"{queue.get('checkResponseTimeoutMinutes')} min)"
    ]


# How the settings of one group read together (`workflows.declared.Shown.group`).
def _merge_methods(members: list[tuple[Shown, object]]) -> list[str]:
    return ["merge methods: " + "/".join(str(shown.on) for shown, on in members if on)]


def _features(members: list[tuple[Shown, object]]) -> list[str]:
    on = [str(shown.on) for shown, value in members if value]
    off = [str(shown.on) for shown, value in members if not value]
    return ([f"on: {', '.join(on)}"] if on else []) + ([f"off: {', '.join(off)}"] if off else [])


_GROUPS = {MERGE_METHODS: _merge_methods, FEATURES: _features}
_SEPARATORS = {SETTINGS: "; "}


def shown_parts(values: object, line: str) -> list[str]:
    """What the declared settings of `values` (a settings dataclass) say on one of the plan's
    lines, in the order they are declared; a group is said where its first setting is."""
    # A text, or a group's name with its settings (filled in as the loop meets them).
    parts: list[str | tuple[str, list[tuple[Shown, object]]]] = []
    groups: dict[str, list[tuple[Shown, object]]] = {}
    for each, declaration in declared(type(values)):
        shown = declaration.shown
        if shown is None or shown.line != line:
            continue
        value = getattr(values, each.name)
        if shown.group is None:
            parts.append(shown.text(value))
            continue
        if shown.group not in groups:
            groups[shown.group] = []
            parts.append((shown.group, groups[shown.group]))
        groups[shown.group].append((shown, value))
    return [
        text
        for part in parts
        for text in ([part] if isinstance(part, str) else _GROUPS[part[0]](part[1]))
    ]


def shown_line(values: object, line: str) -> str:
    return _SEPARATORS.get(line, ", ").join(shown_parts(values, line))


def repository_lines(
    config: RepositoryConfig,
    children: dict[str, dict[str, Any]],
    shared_ruleset: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Every fact of one repository's plan, label -> text, in reading order."""
    if config.pipeline.delivery == "central":
        where = _central(config, shared_ruleset)
    else:
        workflow = children[WORKFLOW_FILE]["inputs"]
        where = f"{workflow['file']} on {workflow['branch']}"
    if PULL_REQUEST in children:
        request = children[PULL_REQUEST]["inputs"]
        where = (
            f"{workflow['file']} on {request['baseRef']} through a pull request from "
            f"{request['headRef']} (offline, the plan takes it as not merged)"
        )
    replacing = _replaces(config, children)
    lock = _lock(config, children)
    return {
        "workflow": where,
        **({"workflow lock": lock} if lock else {}),
        "pipeline": _pipeline(config),
        **({"replaces": replacing} if replacing else {}),
        **_protection_lines(config, children, shared_ruleset),
        SECURITY: shown_line(config.settings, SECURITY),
        SETTINGS: shown_line(config.settings, SETTINGS),
        "resources": ", ".join(_short_type(t) for t in children),
    }


def _required_workflow(ruleset: dict[str, Any] | None) -> dict[str, Any] | None:
    """The workflow an organization ruleset's `workflows` rule requires (central delivery)."""
    rules = (ruleset or {}).get("inputs", {}).get("rules", {})
    required = rules.get("requiredWorkflows", {}).get("requiredWorkflows") or []
    return required[0] if required else None


def _central(config: RepositoryConfig, ruleset: dict[str, Any] | None) -> str:
    """Where a centrally delivered pipeline is: nothing in the repository."""
    workflow = _required_workflow(ruleset)
    if workflow is None:
        return f"none in the repository; central in {config.pipeline.central_repository}"
    return (
        f"none in the repository: {workflow.get('path')} of {config.pipeline.central_repository} "
        f"at {workflow.get('ref')}, required by its organization ruleset"
    )


def _lock(config: RepositoryConfig, children: dict[str, dict[str, Any]]) -> str | None:
    """Who may change the workflow file (`protection.lock_workflow`), from the push ruleset's
    inputs; why it is unlocked where the lock was asked for and cannot apply."""
    lock = children.get(WORKFLOW_LOCK)
    if lock is not None:
        inputs = lock["inputs"]
        paths = inputs.get("rules", {}).get("filePathRestriction", {})
        apps = ", ".join(f"app {a['actorId']}" for a in inputs.get("bypassActors") or [])
        return (
            f"{', '.join(paths.get('restrictedFilePaths', []))} locked by push ruleset "
            f"{json.dumps(inputs.get('name'))}: only {apps or 'nobody'} may change it"
        )
    if config.protection.lock_workflow:
        return (
            f"NOT locked: a {config.settings.visibility} repository (push rulesets need a "
            "private or internal one)"
        )
    return None


def _replaces(config: RepositoryConfig, children: dict[str, dict[str, Any]]) -> str | None:
    """What `pipeline.replaces` does to the repository's own workflows this run."""
    if not config.pipeline.replaces:
        return None
    removal = children.get(WORKFLOW_REMOVAL)
    if removal is not None:
        inputs = removal["inputs"]
        return (
            f"{', '.join(inputs['removing'])}: deleted by a pull request from {inputs['head']} "
            f"into {inputs['base']}, once the pipeline is on {inputs['base']}"
        )
    named = ", ".join(config.pipeline.replaces)
    if config.pipeline.delivery == "pull_request" and PULL_REQUEST in children:
        return f"{named}: kept until the pipeline's pull request has merged"
    if config.existing_workflows is None:
        return f"{named}: {_NOT_READ}"
    return f"{named}: not in .github/workflows, nothing to delete"


# Why the plan cannot say whether `pipeline.replaces` finds its files.
_NOT_READ = (
    "the repository's workflows are not in the listing (new, already baselined, or saved "
    "without --workflows); `pulumi preview` reads them"
)


def _line(label: str, text: str) -> str:
    return f"  [bold]{label:<{LABEL_WIDTH}}[/bold]{escape(text)}".rstrip()


def repository_of(document: dict[str, Any]) -> dict[str, str]:
    """urn -> the name of the repository (component) it belongs to."""
    components = {r["urn"]: r["name"] for r in document["resources"] if r["type"] == COMPONENT}
    owners = {}
    for r in document["resources"]:
        owner = components.get(r["urn"]) or components.get(r["parent"] or "")
        if owner is not None:
            owners[r["urn"]] = owner
    return owners


def organization_rulesets(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """repository name -> the organization ruleset whose name list includes it."""
    return {
        name: r
        for r in document["resources"]
        if r["type"] == ORGANIZATION_RULESET
        for name in r["inputs"].get("conditions", {}).get("repositoryName", {}).get("includes", [])
    }


def _selection_line(settings: StackSettings, repositories: Sequence[RepositoryConfig]) -> str:
    """How the stack's repositories were chosen: by rule (with counts), listed, and the shard."""
    by_rule = Counter(repo.selected_by for repo in repositories if repo.selected_by)
    listed = sum(1 for repo in repositories if not repo.selected_by)
    parts = []
    if settings.selection is not None:
        rules = ", ".join(f"{rule.name} {by_rule[rule.name]}" for rule in settings.selection.rules)
        parts.append(f"chosen by rule: {rules}")
    if listed:
        parts.append(f"listed in repositories: {listed}")
    if settings.shard is not None:
        parts.append(f"shard {settings.shard.index} of {settings.shard.count} (by name hash)")
    return "; ".join(parts)


def print_summary(
    document: dict[str, Any],
    settings: StackSettings,
    warnings: Sequence[str],
    written: Sequence[Path],
    stream: TextIO,
    repositories: Sequence[RepositoryConfig],
) -> None:
    """Print the human-readable plan to `stream` (`repositories`: the stack's, as `select` and
    `shard` chose them)."""
    console = Console(file=stream, highlight=False, soft_wrap=True)
    console.print(
        f"[bold]Plan of stack {document['stack']}[/bold] (project {document['project']}, "
        f"organization {document['organization']}), offline: the real program under Pulumi's "
        "mock engine"
    )
    if settings.selection is not None or settings.shard is not None:
        console.print(f"Repositories {escape(_selection_line(settings, repositories))}")
    components = {r["name"]: r for r in document["resources"] if r["type"] == COMPONENT}
    children_of: dict[str, dict[str, Any]] = {}
    for r in document["resources"]:
        if r["parent"] is not None:
            children_of.setdefault(r["parent"], {})[plan_key(r["type"], r["inputs"])] = r
    shared_rulesets = organization_rulesets(document)
    facts: list[tuple[RepositoryConfig, dict[str, Any], dict[str, str]]] = []
    for repo in repositories:
        children = children_of.get(components[repo.name]["urn"], {})
        ruleset = shared_rulesets.get(repo.name)
        facts.append((repo, children, repository_lines(repo, children, ruleset)))

    shared: dict[str, str] = {}
    if len(facts) > 1:
        for label in facts[0][2]:
            counts = Counter(lines[label] for _, _, lines in facts if label in lines)
            text, count = counts.most_common(1)[0]
            if count > 1:
                shared[label] = text
        console.print()
        console.print(f"Every repository, unless it says otherwise below ({len(facts)}):")
        for label, text in shared.items():
            console.print(_line(label, text))

    adopted = 0
    console.print()
    for index, (repo, children, lines) in enumerate(facts):
        imported = children[REPOSITORY]["options"]["import_id"]
        adopted += bool(imported)
        action = "adopt (import)" if imported else "create"
        if repo.selected_by:
            action += f", chosen by rule {json.dumps(repo.selected_by)}"
        described = f" {escape(json.dumps(repo.description))}" if repo.description else ""
        own = [(label, text) for label, text in lines.items() if shared.get(label) != text]
        if own and index > 0:
            console.print()
        console.print(f"[bold cyan]{repo.name}[/bold cyan]: {action}{described}")
        for label, text in own:
            console.print(_line(label, text))
        if imported:
            console.print(_line("live changes", adoption.live_changes(repo)))
            running = existing_ci(repo)
            if running:
                console.print(_line("existing CI", f"{running}: also run on pull requests"))

    if facts:
        console.print()
        console.print(LEGEND)
    violations = document["policy_violations"]
    if violations or warnings or written:
        console.print()
    for violation in violations:
        style = "red" if violation["enforcement"] == "mandatory" else "yellow"
        where = violation.get("repository") or "the stack"  # plan.add_violations
        console.print(
            f"[{style}]policy {violation['policy']} ({violation['enforcement']})[/{style}] "
            f"on {where}: {escape(violation['message'])}"
        )
    for warning in warnings:
        console.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    for path in written:
        console.print(f"wrote {path}")
    total = len(repositories)
    mandatory = sum(v["enforcement"] == "mandatory" for v in violations)
    console.print()
    console.print(
        f"[bold]{_count(total, 'repository', 'repositories')}[/bold] "
        f"({total - adopted} created, {adopted} adopted), "
        f"{_count(len(document['resources']), 'resource', 'resources')}, "
        f"{_count(len(document['invokes']), 'data-source call', 'data-source calls')}, "
        f"{_count(len(violations), 'policy violation', 'policy violations')} ({mandatory} "
        f"mandatory), {_count(len(warnings), 'warning', 'warnings')}"
    )
