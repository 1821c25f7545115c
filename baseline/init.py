"""`repo-baseline init`: a starter stack file for an organization, which the plan accepts as it is.

Without a listing it names one new repository to create; with one (`repo-baseline inventory`),
every repository that is neither archived nor a fork, each adopted (`adopt: true`), for the user
to thin out before the first `pulumi up`. The file is checked the way the plan checks it
before it is written, and an existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from baseline.stack import inventory
from baseline.stack.errors import ConfigErrors
from baseline.stack.selection import ListingError, check_organization, resolve
from baseline.stack.validation import load_settings_file

DESCRIPTION = """\
Write Pulumi.<stack>.yaml, a starter stack config for an organization: its owner, the default
protection, and its repositories (with --inventory: every one that is neither archived nor a
fork, each adopted; without: one new repository to create). Then check it offline with
`repo-baseline plan`, and edit it (docs/configuration.md has every key).
"""

NEW_REPOSITORY = "my-service"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--owner", required=True, help="the organization (github:owner)")
    parser.add_argument(
        "--stack", help="the stack's name (default: the organization's, in lower case)"
    )
    parser.add_argument(
        "--inventory",
        type=Path,
        metavar="FILE",
        help="the organization's repositories, as `repo-baseline inventory` saved them",
    )
    parser.add_argument(
        "--directory", type=Path, default=Path(), help="where to write it (default: here)"
    )


def plan_command(stack: str, listing: Path | None) -> str:
    """The command that plans the stack file offline."""
    inventory_file = f" --inventory {listing}" if listing else ""
    return f"repo-baseline plan --config Pulumi.{stack}.yaml{inventory_file}"


def stack_text(owner: str, stack: str, repositories: list[str], listing: Path | None) -> str:
    """The stack file: YAML with comments, every value as `pulumi config` would write it."""
    lines = [
        "# yaml-language-server: $schema=./schema/stack.schema.json",
        f"# A repo-baseline stack of {owner}; docs/configuration.md has every key. Check it",
        "# offline before the first `pulumi up`:",
        f"#   {plan_command(stack, listing)}",
        "config:",
        f"  github:owner: {json.dumps(owner)}",
        "  repo-baseline:defaults:",
        "    protection:",
        "      required_approvals: 1",
        "  repo-baseline:repositories:",
    ]
    if listing is None:
        lines.append("    # A new repository, created by the first `pulumi up`.")
        lines.append(f"    - name: {NEW_REPOSITORY}")
    else:
        lines.append(
            "    # Every repository the listing has (not archived, not a fork), each adopted by the"
        )
        lines.append("    # first `pulumi up`: remove those to leave alone.")
        for name in repositories:
            lines.append(f"    - name: {json.dumps(name)}")
            lines.append("      adopt: true")
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    stack = args.stack or args.owner.lower()
    path = args.directory / f"Pulumi.{stack}.yaml"
    if path.exists():
        print(f"repo-baseline init: {path} exists; it is left as it is", file=sys.stderr)
        return 2
    names: list[str] = []
    listing = None
    if args.inventory is not None:
        try:
            listing = inventory.load(args.inventory)
            check_organization(listing, args.owner)
        except (inventory.InventoryError, ListingError) as error:
            print(f"repo-baseline init: --inventory {error}", file=sys.stderr)
            return 2
        names = sorted(
            (r.name for r in listing.repositories if not r.archived and not r.fork),
            key=str.lower,
        )
        if not names:
            print(
                f"repo-baseline init: {args.inventory} lists no repository of {args.owner} that "
                "is neither archived nor a fork",
                file=sys.stderr,
            )
            return 2
    text = stack_text(args.owner, stack, names, args.inventory)
    # Checked as the plan reads it, before anything is written.
    draft = path.with_name(f".{path.name}.draft")
    draft.write_text(text, encoding="utf-8")
    try:
        _, settings = load_settings_file(draft, stack)
        resolve(settings, listing)
    except (ConfigErrors, ValueError) as invalid:
        print(f"repo-baseline init: the starter file would not plan: {invalid}", file=sys.stderr)
        return 1
    finally:
        draft.unlink()
    path.write_text(text, encoding="utf-8")
    count = len(names) or 1
    print(
        f"repo-baseline init: wrote {path} ({count} repositor{'y' if count == 1 else 'ies'}); "
        f"check it with `{plan_command(stack, args.inventory)}`",
        file=sys.stderr,
    )
    return 0
