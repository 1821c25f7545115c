"""`python -m baseline plan`: what `pulumi up` would do, offline, from the real program.

The program runs under Pulumi's mock engine (`baseline.plan.mock_engine`) with the config of a stack
file; the plan is every registration the engine received, checked by the policy pack.
Exit codes: 0 planned; 1 planned, but a mandatory policy is violated; 2 the config (or the
listing) cannot be used; 3 refused: the run would take the baseline away from more repositories
than `repo-baseline:removals` allows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from pulumi import RunError

from baseline.plan import summary
from baseline.plan.mock_engine import Record, Registration, run
from baseline.resources import program
from baseline.resources.resource_types import (
    COMPONENT,
    ORGANIZATION_RULESET,
    REPOSITORY_ORDER,
    WORKFLOW_FILE,
)
from baseline.stack import adoption, inventory
from baseline.stack.errors import ConfigErrors
from baseline.stack.removals import gone_outputs, last_outputs
from baseline.stack.selection import (
    EmptyRuleError,
    ListingError,
    check_organization,
    needs_listing,
    resolve,
)
from baseline.stack.settings import RepositoryConfig
from baseline.stack.validation import load_settings_file
from policies.evaluate import Violation, evaluate_resources

PROJECT = "repo-baseline"


def resource_json(registration: Registration) -> dict[str, Any]:
    """One resource in the plan's JSON shape."""
    return {
        "urn": registration.urn,
        "type": registration.type,
        "name": registration.name,
        "parent": registration.parent,
        "inputs": registration.inputs,
        "options": {
            "protect": registration.protect,
            "retain_on_delete": registration.retain_on_delete,
            "import_id": registration.import_id,
            "depends_on": list(registration.depends_on),
        },
    }


def ordered(record: Record, repositories: Sequence[RepositoryConfig]) -> list[Registration]:
    """Registrations in a stable order: the stack, then each repository in the stack's order,
    then the organization rulesets.

    The engine receives registrations concurrently; this order does not depend on timing.
    """
    position = {repo.name: index for index, repo in enumerate(repositories)}
    components = {r.urn: r.name for r in record.of_type(COMPONENT)}
    rank_of = {type_token: rank for rank, type_token in enumerate(REPOSITORY_ORDER)}

    def key(registration: Registration) -> tuple[int, int, str]:
        owner = components.get(registration.urn) or components.get(registration.parent or "")
        rank = rank_of.get(registration.type, len(REPOSITORY_ORDER))
        if registration.type == ORGANIZATION_RULESET:
            return (len(position), rank, registration.name)
        return (position.get(owner, -1) if owner else -1, rank, registration.name)

    return sorted(record.resources, key=key)


def plan_document(
    stack: str, organization: str, resources: Sequence[Registration], record: Record
) -> dict[str, Any]:
    """The plan's JSON document (its shape is read by other tools: add keys, never change one);
    its policy violations are added by `add_violations`."""
    document = {
        "project": PROJECT,
        "stack": stack,
        "organization": organization,
        "resources": [resource_json(r) for r in resources],
        "invokes": [{"token": i.token, "args": i.args} for i in record.invokes],
        "policy_violations": [],
        "warnings": list(record.warnings),
    }
    return document


def add_violations(document: dict[str, Any], violations: Sequence[Violation]) -> None:
    """Each violation with the repository it is about (None for the stack as a whole)."""
    owners = summary.repository_of(document)
    document["policy_violations"] = [
        {**v.to_json(), "repository": owners.get(v.urn or "")} for v in violations
    ]


def write_files(resources: Sequence[Registration], out: Path) -> list[Path]:
    """Every `RepositoryFile`'s content at `out/<repository>/<file path>`."""
    written = []
    for r in resources:
        if r.type != WORKFLOW_FILE:
            continue
        target = out / str(r.inputs["repository"]) / str(r.inputs["file"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(str(r.inputs["content"]), encoding="utf-8")
        written.append(target)
    return written


DESCRIPTION = """\
What `pulumi up` would do to each repository of a stack, offline: no token, no Pulumi CLI. The
real program runs under Pulumi's mock engine with the stack file's config, and the policy pack
checks every resource it registers. Prints what every repository shares once, then what each
one does differently, then policy violations, warnings and totals.
"""

EPILOG = """\
exit codes: 0 planned; 1 planned, but a mandatory policy is violated; 2 the config or the
listing cannot be used (every problem on stderr, one a line, nothing on stdout); 3 refused: it
would take the baseline away from more repositories than repo-baseline:removals allows.

examples:
  repo-baseline plan                                   the one Pulumi.<stack>.yaml here
  repo-baseline plan --config ~/infra/Pulumi.prod.yaml
  repo-baseline plan --json > plan.json                then: python -m policies.evaluate plan.json
  repo-baseline plan --out rendered/                   the workflow file of each repository
  repo-baseline plan --inventory org.json              select rules against a saved listing
  pulumi stack output --json > last.json; repo-baseline plan --previous last.json
                                                       what the run would remove, guarded
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The plan's options, on `parser` (the `plan` subcommand, or `python -m baseline plan`)."""
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the stack file, Pulumi.<stack>.yaml (default: the only one in this directory); "
        "another name with --stack",
    )
    parser.add_argument(
        "--stack",
        metavar="NAME",
        help="the stack's name (default: the <stack> of Pulumi.<stack>.yaml)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document instead: every resource with its inputs and options, the "
        "data-source calls, the policy violations (each with its repository), the warnings",
    )
    parser.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="the organization's repositories, as `repo-baseline inventory` saved them: needed "
        "when the stack selects repositories by rule (the plan never calls GitHub)",
    )
    parser.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help="the stack's outputs after its last `pulumi up` (`pulumi stack output --json`): "
        "the plan then says which repositories leave the stack, and refuses as `pulumi up` "
        "would when more leave than repo-baseline:removals allows",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write each repository's workflow file to DIR/<repository>/<path>",
    )


def plan_parser(prog: str = "repo-baseline plan") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return parser


def default_stack_file(directory: Path) -> Path | str:
    """The only `Pulumi.<stack>.yaml` in `directory`; an explanation when there is not one."""
    found = sorted(directory.glob("Pulumi.*.yaml"))
    if len(found) == 1:
        return Path(found[0].name)
    if found:
        names = ", ".join(path.name for path in found)
        return f"{len(found)} stack files in {directory} ({names}); choose one with --config"
    return f"no Pulumi.<stack>.yaml in {directory}; give one with --config"


def _previous_repositories(path: Path) -> dict[str, Any] | str:
    """The `repositories` output of `pulumi stack output --json`; a problem as a string."""
    try:
        outputs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return f"{path}: cannot be read as JSON ({error})"
    repositories = outputs.get("repositories", {}) if isinstance(outputs, dict) else None
    if not isinstance(repositories, dict):
        return f"{path}: not the output of `pulumi stack output --json` of this project"
    return repositories


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    return execute(plan_parser().parse_args(argv), stdout)


def execute(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    """Plan with parsed `args`; the exit code."""
    out_stream = stdout or sys.stdout
    if args.config is None:
        found = default_stack_file(Path.cwd())
        if isinstance(found, str):
            print(f"repo-baseline plan: {found}", file=sys.stderr)
            return 2
        args.config = str(found)

    try:
        stack_file, settings = load_settings_file(args.config, args.stack)
    except ConfigErrors as errors:
        for error in errors.errors:
            # A problem of the file itself already starts with its path.
            where = "" if error.path == str(args.config) else f"{args.config}: "
            print(f"{where}{error}", file=sys.stderr)
        return 2

    listing = None
    if needs_listing(settings) or args.inventory is not None:
        if args.inventory is None:
            why = (
                "selects repositories by rule (repo-baseline:select)"
                if settings.selection is not None
                else "adopts existing repositories (what they keep, and what changes, comes "
                "from GitHub)"
            )
            print(
                f"repo-baseline plan: {args.config} {why}: give the organization's listing "
                "with --inventory FILE (save it with `repo-baseline inventory`)",
                file=sys.stderr,
            )
            return 2
        try:
            listing = inventory.load(args.inventory)
            # The stack file was read whole, so its owner is there.
            check_organization(listing, str(stack_file.owner))
        except (inventory.InventoryError, ListingError) as error:
            print(f"repo-baseline plan: --inventory {error}", file=sys.stderr)
            return 2
    previous = None
    if args.previous is not None:
        read = _previous_repositories(args.previous)
        if isinstance(read, str):
            print(f"repo-baseline plan: --previous {read}", file=sys.stderr)
            return 2
        previous = read
    try:
        resolution = resolve(settings, listing, last_outputs(previous), gone_outputs(previous))
    except EmptyRuleError as error:
        print(f"repo-baseline plan: {args.config}: {error}", file=sys.stderr)
        return 2
    # The listing's saved workflows stand for those `pulumi up` reads of the repositories it
    # adopts.
    settled = adoption.settle(
        resolution, listing, previous, adoption.adopting(resolution, previous)
    )
    repositories = settled.repositories

    # The program builds what was parsed and chosen here, rather than parsing the same config
    # and choosing the same repositories again.
    try:
        record = run(
            stack_file.config,
            project=PROJECT,
            stack=stack_file.stack,
            # A partial, not a lambda: no frame of its own under each resource's recorded stack.
            program=partial(
                program.deploy,
                settled,
                previous,
                settings.removals,
                owner=str(stack_file.owner),
                replacing=program.replacing_known(settled),
            ),
        )
    except RunError as refused:
        # The removal guard: the program stopped before registering anything.
        print(f"repo-baseline plan: {refused}", file=sys.stderr)
        return 3
    resources = ordered(record, repositories)
    document = plan_document(stack_file.stack, str(stack_file.owner), resources, record)
    violations = evaluate_resources(document["resources"])
    add_violations(document, violations)
    written = write_files(resources, args.out) if args.out else []

    if args.json:
        # One write: json.dump's thousands of small ones to sys.stdout took 0.8 s of a plan of
        # 1,000 repositories, this 0.2 s (docs/scale.md).
        out_stream.write(json.dumps(document, indent=2) + "\n")
    else:
        summary.print_summary(
            document, settings, record.warnings, written, out_stream, repositories
        )
    mandatory = [v for v in violations if v.enforcement_level == "mandatory"]
    return 1 if mandatory else 0
