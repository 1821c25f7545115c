"""`repo-baseline`, the command (installed by `make setup`): `repo-baseline plan ...`.

Works from any directory; each subcommand has its own `--help`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata

from baseline import heal, init, verify
from baseline.plan import offline as plan
from baseline.stack import inventory

DESCRIPTION = """\
CI pipeline, branch protection and settings for GitHub repositories, from one Pulumi stack
config. `pulumi preview` and `pulumi up` apply it; this command checks it offline.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="repo-baseline",
        description=DESCRIPTION,
        epilog="Run `repo-baseline COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"repo-baseline {metadata.version('repo-baseline')}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan.add_arguments(
        commands.add_parser(
            "plan",
            help="what `pulumi up` would do, offline (no token, no Pulumi CLI)",
            description=plan.DESCRIPTION,
            epilog=plan.EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    inventory_command = commands.add_parser(
        "inventory",
        help="save the organization's repositories for `plan --inventory` (reads GITHUB_TOKEN)",
        description="Print the organization's repositories as select rules see them (name, "
        "visibility, topics, archived, fork, default branch, custom properties, and the settings "
        "a selected repository keeps), as JSON: the listing `repo-baseline plan --inventory` and "
        f"{inventory.INVENTORY_ENV} read. Lists with GitHub's paginated organization listing "
        "(100 a page), not one request per repository (except with --workflows).",
    )
    inventory_command.add_argument("--owner", required=True, help="the organization")
    inventory_command.add_argument(
        "--base-url",
        metavar="URL",
        help="github:baseUrl of GitHub Enterprise Server or a local GitHub (default: github.com)",
    )
    inventory_command.add_argument(
        "--no-properties",
        action="store_true",
        help="skip custom property values (one paginated listing fewer)",
    )
    inventory_command.add_argument(
        "--workflows",
        action="store_true",
        help="also read every repository's existing workflows (.github/workflows on its default "
        "branch), for the plan of an adopted one: which run on pull requests, and whether all "
        "are pinned to full commit SHAs. 1 + (number of workflow files) requests a repository",
    )
    for name, module, summary in (
        (
            "heal",
            heal,
            "before `pulumi up`: finish what a run that died left, forget repositories gone "
            "by hand (reads GITHUB_TOKEN, runs pulumi)",
        ),
        (
            "init",
            init,
            "write a starter stack file for an organization (from its listing when given)",
        ),
        (
            "verify",
            verify,
            "prove that every required check in force can be reported, and find drift "
            "(reads GITHUB_TOKEN, read-only)",
        ),
    ):
        module.add_arguments(
            commands.add_parser(
                name,
                help=summary,
                description=module.DESCRIPTION,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser


def save_inventory(args: argparse.Namespace) -> int:
    token = os.environ.get("GITHUB_TOKEN")
    if not token:
        print(
            "repo-baseline inventory: set GITHUB_TOKEN (read access to the organization's "
            "repositories)",
            file=sys.stderr,
        )
        return 2
    try:
        listing = inventory.fetch(
            args.owner, token, args.base_url, properties=not args.no_properties
        )
        listed = listing.requests
        if args.workflows:
            names = [repository.name for repository in listing.repositories]
            listing = inventory.read_workflows(listing, token, args.base_url, names)
    except inventory.InventoryError as error:
        print(f"repo-baseline inventory: {error}", file=sys.stderr)
        return 1
    sys.stdout.write(inventory.dump(listing))
    workflows = (
        f", and their workflows in {listing.requests - listed} more" if args.workflows else ""
    )
    print(
        f"repo-baseline inventory: {len(listing.repositories)} repositories of {args.owner} in "
        f"{listed} request(s){workflows}",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command of `argv`; its exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "inventory":
        return save_inventory(args)
    if args.command == "heal":
        return heal.main(args)
    if args.command == "init":
        return init.main(args)
    if args.command == "verify":
        return verify.main(args)
    return plan.execute(args)


def entry() -> None:
    """The console script: run, then exit without tearing the interpreter down (the plan's
    objects of 1,000 repositories took seconds to free; docs/scale.md)."""
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
