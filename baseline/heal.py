"""`repo-baseline heal`: before `pulumi up`, put right what the stack's state cannot explain by
itself: what a run that died left pending, and repositories gone from the organization.

Plain Python (no Pulumi SDK): it reads the state with `pulumi stack export`, GitHub with the
token, and writes the state back with `pulumi stack import` (docs/operations.md, "When a run
dies or a repository disappears").

- **Pending creates.** A run killed while GitHub was creating something (a runner that died, a
  SIGKILL) leaves the create pending in the state; the next `up` creates it again. A repository
  is then adopted by the program (it is in the organization's listing, `selection.resolve`).
  A ruleset is not (GitHub answers 422 "Name must be unique", and the program cannot tell a
  ruleset its state holds from one it does not): the ruleset the dead run made, which its
  state never recorded, is deleted, and the `up` that follows creates it. It protected nothing
  before that run started, so no repository loses a protection it had (a replaced protection's
  old ruleset or classic protection is in the state, and untouched). Every pending operation
  is then dropped from the state (an update or delete is redone by the next `up`).
- **Unrecorded creates.** A run killed with `PULUMI_SKIP_CHECKPOINTS=true` (which saves the
  state once, at the end: docs/scale.md) leaves the state of before it and nothing pending.
  The rulesets it made are found by name instead: a
  ruleset named as the baseline names its own, made after the state was last saved, on a
  repository of the stack whose state holds no ruleset (or, in organization scope, an
  organization ruleset named for this stack that the state does not hold). They are deleted for
  the same reason as above. One `GET` of its rulesets per such repository (none once `up` has
  recorded its ruleset), one of the organization's in organization scope.
- **Gone repositories.** A repository of the state that the organization no longer lists, and
  whose own URL answers 404 (deleted or transferred) or another name (renamed), is forgotten:
  its resources leave the state, so no `up` deletes its ruleset (404) or creates it again
  empty. More gone at once than `repo-baseline:removals` allows (a token that cannot see them,
  say) stops here and changes nothing, as the removal guard does.

`--apply` does it; without it nothing is changed and the findings are printed (and with
`--gone-urns`, what the drift job's preview leaves out, reporting them as drift). Exit codes: 0
done or nothing to do, 1 GitHub or the CLI failed, 2 the stack file cannot be used, 3 refused
(too many gone).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from baseline.resources.replaces import ProposalError, send
from baseline.resources.resource_types import (
    ORGANIZATION_RULESET,
    PULL_REQUEST,
    REPOSITORY,
    RULESET,
    RULESET_NAME,
    STACK,
    WORKFLOW_LOCK_NAME,
    organization_ruleset_prefix,
)
from baseline.stack import inventory, removals, selection
from baseline.stack.errors import ConfigErrors
from baseline.stack.settings import Removals, RepositoryConfig, StackSettings
from baseline.stack.validation import load_settings_file

DESCRIPTION = """\
Before `pulumi up`: drop the operations a run that died left pending (deleting the rulesets it
made that the state never recorded, which the next up creates again), and forget the
repositories the organization no longer has (deleted, transferred or renamed by hand), so that
no up recreates them empty. Reads GITHUB_TOKEN; runs `pulumi` (stack export, stack import,
cancel). Without --apply it only says what it would do.
"""

# What the CLI says when a stack is locked: a file backend (diy/lock.go, checkForLock) and
# Pulumi Cloud (a 409 on creating an update).
LOCKED = ("the stack is currently locked", "Another update is currently in progress")


class HealError(Exception):
    """GitHub or the CLI failed; nothing after it was done."""


@dataclass(frozen=True)
class Orphan:
    """What a pending create made in GitHub that the state does not have."""

    urn: str
    label: str  # e.g. `ruleset 1000001 "repo-baseline: default branch" of shop`
    path: str  # the API path, under the REST root, of what undoes it
    method: str = "DELETE"  # or PATCH `payload` (a pull request cannot be deleted: closed)
    payload: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Gone:
    """A repository of the state the organization no longer has."""

    name: str
    urns: tuple[str, ...]  # every resource of its baseline, the component first
    renamed_to: str | None = None

    def describe(self) -> str:
        how = f"renamed to {self.renamed_to}" if self.renamed_to else "deleted or transferred"
        return f"{self.name} ({how})"


@dataclass(frozen=True)
class Findings:
    pending: tuple[tuple[str, str], ...] = ()  # (operation, URN)
    orphans: tuple[Orphan, ...] = ()
    gone: tuple[Gone, ...] = ()
    refused: str | None = None  # why nothing is done

    @property
    def edits(self) -> bool:
        return bool(self.pending or self.gone)


# GitHub, as heal reads it: GET answers (None for a 404) by path under the REST root.
Get = Callable[[str], Any]


def resources_of(deployment: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(deployment.get("resources") or [])


def subtree(resources: Sequence[Mapping[str, Any]], root: str) -> tuple[str, ...]:
    """`root` and every resource whose parent chain reaches it, in state order."""
    inside = {root}
    ordered = [root]
    for resource in resources:  # the state lists a parent before its children
        if resource.get("parent") in inside and resource["urn"] not in inside:
            inside.add(resource["urn"])
            ordered.append(resource["urn"])
    return tuple(ordered)


def state_repositories(resources: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """Each repository of the state by lower-cased name: (its name, its component's URN)."""
    found = {}
    for resource in resources:
        if resource.get("type") == REPOSITORY and not resource.get("delete"):
            outputs = resource.get("outputs") or {}
            name = str(outputs.get("name") or (resource.get("inputs") or {}).get("name") or "")
            if name:
                found[name.lower()] = (name, str(resource.get("parent") or resource["urn"]))
    return found


def find_orphans(deployment: Mapping[str, Any], owner: str, get: Get) -> tuple[Orphan, ...]:
    """What the state's pending creates made in GitHub and the state does not hold, which a
    create would not take as it is: rulesets (422 "Name must be unique") and pull requests (422
    "A pull request already exists"). A branch's create takes an existing one; the workflow
    file's overwrites it; the settings' are puts; a repository is imported by the program."""
    held = {
        str(r.get("id"))
        for r in resources_of(deployment)
        if r.get("type") in (RULESET, ORGANIZATION_RULESET, PULL_REQUEST)
    }
    orphans: list[Orphan] = []
    for operation in deployment.get("pending_operations") or []:
        resource = operation.get("resource") or {}
        kind = resource.get("type")
        if operation.get("type") != "creating":
            continue
        if kind == PULL_REQUEST:
            orphans += _orphan_pulls(resource, owner, held, get)
            continue
        if kind not in (RULESET, ORGANIZATION_RULESET):
            continue
        inputs = resource.get("inputs") or {}
        name = inputs.get("name")
        if kind == RULESET:
            repository = str(inputs.get("repository") or "")
            base = f"repos/{_quoted(owner)}/{_quoted(repository)}/rulesets"
            answer = get(f"{base}?includes_parents=false&per_page=100")
            where = f"of {repository}"
        else:
            base = f"orgs/{_quoted(owner)}/rulesets"
            answer = get(f"{base}?per_page=100")
            where = f"of {owner}"
        for ruleset in answer or []:
            if ruleset.get("name") == name and str(ruleset.get("id")) not in held:
                orphans.append(
                    Orphan(
                        str(resource.get("urn")),
                        f"ruleset {ruleset['id']} {json.dumps(name)} {where}",
                        f"{base}/{ruleset['id']}",
                    )
                )
    return tuple(orphans)


def saved_at(deployment: Mapping[str, Any]) -> datetime | None:
    """When the state was last saved (its manifest's time, which the CLI writes with every save,
    in Go's RFC 3339 with nanoseconds); None for a state never saved."""
    text = str((deployment.get("manifest") or {}).get("time") or "")
    # Python reads at most microseconds: drop the rest of the fraction.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _made_since(ruleset: Mapping[str, Any], since: datetime | None) -> bool:
    if since is None:
        return True
    try:
        made = datetime.fromisoformat(str(ruleset.get("created_at")).replace("Z", "+00:00"))
    except ValueError:
        return False  # No time to go by: not provably the dead run's.
    return made > since


def find_unrecorded(
    deployment: Mapping[str, Any],
    repositories: Sequence[RepositoryConfig],
    owner: str,
    get: Get,
    stack: str,
) -> tuple[Orphan, ...]:
    """The rulesets a run killed with checkpoints skipped made: its state was never saved, so
    nothing is pending (module docstring). Only rulesets made after the state's last save: a
    run that went on saved it after them. `repositories`: the stack's repositories that the
    organization has."""
    resources = resources_of(deployment)
    since = saved_at(deployment)
    kinds = (RULESET, ORGANIZATION_RULESET)
    held = {str(r.get("id")) for r in resources if r.get("type") in kinds}
    # (repository, ruleset name) of each repository ruleset the state holds.
    recorded = {
        (
            str((r.get("inputs") or {}).get("repository") or "").lower(),
            (r.get("inputs") or {}).get("name"),
        )
        for r in resources
        if r.get("type") == RULESET
    }
    orphans: list[Orphan] = []
    for repo in repositories:
        expected = []
        if (
            repo.protection.scope == "repository"
            and repo.protection.kind == "ruleset"
            and repo.pipeline.delivery == "commit"  # its ruleset waits for the merge: no guess
        ):
            expected.append(RULESET_NAME)
        if repo.locks_workflow:
            expected.append(WORKFLOW_LOCK_NAME)
        missing = [name for name in expected if (repo.name.lower(), name) not in recorded]
        if not missing:
            continue
        base = f"repos/{_quoted(owner)}/{_quoted(repo.name)}/rulesets"
        for ruleset in get(f"{base}?includes_parents=false&per_page=100") or []:
            name = ruleset.get("name")
            if (
                name in missing
                and str(ruleset.get("id")) not in held
                and _made_since(ruleset, since)
            ):
                label = f"ruleset {ruleset['id']} {json.dumps(name)} of {repo.name}"
                orphans.append(Orphan("", label, f"{base}/{ruleset['id']}"))
    if any(repo.protection.scope == "organization" for repo in repositories):
        base = f"orgs/{_quoted(owner)}/rulesets"
        prefix = organization_ruleset_prefix(stack)
        for ruleset in get(f"{base}?per_page=100") or []:
            name = str(ruleset.get("name"))
            if (
                name.startswith(prefix)
                and str(ruleset.get("id")) not in held
                and _made_since(ruleset, since)
            ):
                label = f"ruleset {ruleset['id']} {json.dumps(name)} of {owner}"
                orphans.append(Orphan("", label, f"{base}/{ruleset['id']}"))
    return tuple(orphans)


def stack_repositories(
    deployment: Mapping[str, Any], settings: StackSettings, listing: inventory.Inventory
) -> tuple[RepositoryConfig, ...]:
    """The repositories the stack's config names or selects that the organization has, as the
    program resolves them (`selection.resolve`, with the last run's outputs from the state);
    none when the config cannot be resolved (the `up` that follows says why)."""
    previous: dict[str, Any] = {}
    for resource in resources_of(deployment):
        if resource.get("type") == STACK:
            outputs = (resource.get("outputs") or {}).get("repositories")
            previous = outputs if isinstance(outputs, dict) else {}
    try:
        resolution = selection.resolve(
            settings, listing, removals.last_outputs(previous), removals.gone_outputs(previous)
        )
    except (ValueError, selection.EmptyRuleError):
        return ()
    return tuple(
        repo for repo in resolution.repositories if repo.name.lower() in resolution.listing_names
    )


def _orphan_pulls(
    resource: Mapping[str, Any], owner: str, held: set[str], get: Get
) -> list[Orphan]:
    """The open pull request a pending create opened: closed, and opened again by the next up
    (the provider's id of one is `owner:repository:number`)."""
    inputs = resource.get("inputs") or {}
    repository = str(inputs.get("baseRepository") or "")
    head, base = str(inputs.get("headRef") or ""), str(inputs.get("baseRef") or "")
    query = urllib.parse.urlencode({"head": f"{owner}:{head}", "base": base, "state": "open"})
    pulls = f"repos/{_quoted(owner)}/{_quoted(repository)}/pulls"
    return [
        Orphan(
            str(resource.get("urn")),
            f"pull request #{pull['number']} {json.dumps(pull.get('title'))} of {repository}",
            f"{pulls}/{pull['number']}",
            "PATCH",
            {"state": "closed"},
        )
        for pull in get(f"{pulls}?{query}") or []
        if f"{owner}:{repository}:{pull['number']}" not in held
    ]


def find_gone(
    resources: Sequence[Mapping[str, Any]],
    repositories: Mapping[str, tuple[str, str]],
    listed: set[str],
    owner: str,
    get: Get,
) -> tuple[Gone, ...]:
    """The state's repositories (`state_repositories`) that the organization no longer lists
    and whose own URL says so: 404, or an answer under another name (GitHub redirects a
    renamed repository)."""
    gone = []
    for key, (name, component) in sorted(repositories.items()):
        if key in listed:
            continue
        answer = get(f"repos/{_quoted(owner)}/{_quoted(name)}")
        renamed = None
        if answer is not None:
            now = str(answer.get("name") or "")
            if now.lower() == key:
                continue  # there after all (the listing lags behind)
            renamed = now
        gone.append(Gone(name, subtree(resources, component), renamed))
    return tuple(gone)


def refusal(gone: Sequence[Gone], total: int, limits: Removals, stack: str) -> str | None:
    """Why forgetting `gone` is refused (more than `repo-baseline:removals` allows, and not
    allowed for this run), or None."""
    count = len(gone)
    reasons = removals.over_limit(count, total, limits) if count else None
    if reasons is None:
        return None
    names = removals.Removal(tuple(g.name for g in gone), total).describe()
    return (
        f"{count:,} of the {total:,} repositories of stack {stack}'s state are gone from the "
        f"organization ({names}): {'; '.join(reasons)}. Nothing was changed. So many at once "
        "is more often a token that cannot see them than repositories deleted: check the "
        "token's access. If they are gone, allow it for one run with "
        f"{removals.ALLOW_ENV}={count} (a scheduled run never allows it)."
    )


def healed(deployment: Mapping[str, Any], findings: Findings) -> dict[str, Any]:
    """The deployment without pending operations, and without the gone repositories'
    resources nor any reference to them (their outputs say they are gone)."""
    dropped = {urn for gone in findings.gone for urn in gone.urns}
    kept = []
    for resource in resources_of(deployment):
        if resource["urn"] in dropped:
            continue
        resource = dict(resource)
        if resource.get("dependencies"):
            resource["dependencies"] = [d for d in resource["dependencies"] if d not in dropped]
        if resource.get("propertyDependencies"):
            resource["propertyDependencies"] = {
                key: [d for d in urns if d not in dropped]
                for key, urns in resource["propertyDependencies"].items()
            }
        if resource.get("deletedWith") in dropped:
            del resource["deletedWith"]
        kept.append(resource)
    result = {**deployment, "resources": [_marked(r, findings.gone) for r in kept]}
    result.pop("pending_operations", None)
    return result


def _marked(resource: dict[str, Any], gone: Sequence[Gone]) -> dict[str, Any]:
    """The stack's own resource with each gone repository's output `{"gone": true}`: the
    program then knows it is gone (`selection.resolve`), and creates it on no later run,
    although the state no longer has it. Any other resource as it is."""
    outputs = resource.get("outputs") or {}
    repositories = outputs.get("repositories")
    if resource.get("type") != STACK or not gone or not isinstance(repositories, dict):
        return resource
    marked = dict(repositories)
    for repository in gone:
        named = [key for key in marked if key.lower() == repository.name.lower()]
        for key in named or [repository.name]:
            marked[key] = {removals.GONE: True}
    return {**resource, "outputs": {**outputs, "repositories": marked}}


def diagnose(
    deployment: Mapping[str, Any],
    listed: set[str],
    owner: str,
    get: Get,
    limits: Removals,
    stack: str,
    configured: Sequence[RepositoryConfig] = (),
) -> Findings:
    """What heal finds (`configured`: `stack_repositories`)."""
    resources = resources_of(deployment)
    pending = tuple(
        (str(op.get("type")), str((op.get("resource") or {}).get("urn")))
        for op in deployment.get("pending_operations") or []
    )
    repositories = state_repositories(resources)
    gone = find_gone(resources, repositories, listed, owner, get)
    orphans = find_orphans(deployment, owner, get)
    paths = {orphan.path for orphan in orphans}
    for orphan in find_unrecorded(deployment, configured, owner, get, stack):
        if orphan.path not in paths:  # A pending create's, found both ways.
            paths.add(orphan.path)
            orphans += (orphan,)
    return Findings(
        pending=pending,
        orphans=orphans,
        gone=gone,
        refused=refusal(gone, len(repositories), limits, stack),
    )


def report(findings: Findings) -> list[str]:
    """What was found, a line each, as the log says it."""
    lines = []
    for operation, urn in findings.pending:
        lines.append(f"pending: {urn} (interrupted while {operation}): dropped from the state")
    for orphan in findings.orphans:
        done = "deleted" if orphan.method == "DELETE" else "closed"
        lines.append(
            f"orphan: {orphan.label}, made by the run that died and never recorded: {done}, "
            "the next up makes it again"
        )
    for gone in findings.gone:
        lines.append(
            f"gone: {gone.describe()}: its {len(gone.urns)} resources leave the state; not "
            "created again (restore it to have it adopted, or remove its entry)"
        )
    if findings.refused:
        lines.append(f"refused: {findings.refused}")
    if not lines:
        lines.append("nothing to heal: no pending operation, no repository gone")
    return lines


# The CLI -----------------------------------------------------------------------------------


def _quoted(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _pulumi(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pulumi", *args, "--non-interactive"],
        capture_output=True,
        text=True,
        check=False,
    )


def export(stack: str) -> dict[str, Any]:
    done = _pulumi(["stack", "export", "--stack", stack])
    if done.returncode != 0:
        raise HealError(f"`pulumi stack export --stack {stack}` failed: {done.stderr.strip()}")
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def locked(output: str) -> bool:
    return any(message in output for message in LOCKED)


def import_state(stack: str, document: Mapping[str, Any], clear_stale_lock: bool) -> list[str]:
    """`pulumi stack import` of `document`; a lock left by a dead run cleared first when
    allowed. The lines the log should show."""
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        command = ["stack", "import", "--stack", stack, "--file", str(path)]
        done = _pulumi(command)
        if done.returncode != 0 and clear_stale_lock and locked(done.stdout + done.stderr):
            lines.append(clear_lock(stack))
            done = _pulumi(command)
        if done.returncode != 0:
            raise HealError(f"`pulumi stack import` failed: {(done.stdout + done.stderr).strip()}")
    return lines


def clear_lock(stack: str) -> str:
    """`pulumi cancel` of a lock that only a dead run can hold (see `--clear-stale-lock`)."""
    done = _pulumi(["cancel", "--yes", "--stack", stack])
    if done.returncode != 0:
        raise HealError(f"`pulumi cancel` failed: {(done.stdout + done.stderr).strip()}")
    return (
        f"lock: stack {stack} was locked by a run that is no longer alive (no other up of it "
        "can be running: --clear-stale-lock); cleared with `pulumi cancel`"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack", required=True, help="the stack (its Pulumi.<stack>.yaml is here)"
    )
    parser.add_argument("--apply", action="store_true", help="do it (default: only say what)")
    parser.add_argument(
        "--clear-stale-lock",
        action="store_true",
        help="clear a lock the stack has (`pulumi cancel`): only where no other run of the "
        "stack can be alive, as in deploy.yml's job (one per stack at a time)",
    )
    parser.add_argument(
        "--gone-urns",
        metavar="FILE",
        help="write the URNs of the gone repositories' resources there, one a line (what the "
        "drift job's preview excludes: their refresh would fail)",
    )


def main(args: argparse.Namespace) -> int:
    try:
        stack_file, settings = load_settings_file(f"Pulumi.{args.stack}.yaml")
    except ConfigErrors as invalid:
        print(f"repo-baseline heal: {invalid}", file=sys.stderr)
        return 2
    owner = stack_file.owner or ""
    configured = stack_file.config.get("github:baseUrl")
    base_url = str(configured) if configured else os.environ.get("GITHUB_BASE_URL")
    token = os.environ.get("GITHUB_TOKEN", "")
    root = inventory.api_root(base_url)

    def get(path: str) -> Any:
        return inventory.get_json(root + path, token, missing_ok=True)

    try:
        document = export(args.stack)
        deployment = document.get("deployment") or {}
        properties = settings.selection is not None and settings.selection.uses_properties
        listing = inventory.fetch(owner, token, base_url, properties=properties)
        listed = {repository.name.lower() for repository in listing.repositories}
        configured = stack_repositories(deployment, settings, listing)
        findings = diagnose(
            deployment, listed, owner, get, settings.removals, args.stack, configured
        )
        lines = report(findings)
        # Refused: nothing at all is changed (the pending operations wait for the next run).
        if args.apply and findings.refused is None:
            for orphan in findings.orphans:
                send(orphan.method, root + orphan.path, token, orphan.payload, missing_ok=True)
            if findings.edits:
                lines += import_state(
                    args.stack,
                    {**document, "deployment": healed(deployment, findings)},
                    args.clear_stale_lock,
                )
    except (HealError, inventory.InventoryError, ProposalError) as error:
        print(f"repo-baseline heal: {error}", file=sys.stderr)
        return 1
    verb = "" if args.apply else "(not applied: --apply) "
    for line in lines:
        print(f"repo-baseline heal: {verb if not line.startswith('nothing') else ''}{line}")
    if args.gone_urns:
        urns = [urn for gone in findings.gone for urn in gone.urns]
        Path(args.gone_urns).write_text("".join(f"{urn}\n" for urn in urns), encoding="utf-8")
    return 3 if findings.refused else 0
