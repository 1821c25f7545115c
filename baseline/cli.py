"""`repo-baseline`, the command (installed by `make setup`): `repo-baseline plan ...`.

Works from any directory; each subcommand has its own `--help`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from baseline import plan

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
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    plan_command = commands.add_parser(
        "plan",
        help="what `pulumi up` would do, offline (no token, no Pulumi CLI)",
        description=plan.DESCRIPTION,
        epilog=plan.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_arguments(plan_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command of `argv`; its exit code."""
    args = build_parser().parse_args(argv)
    return plan.execute(args)


def entry() -> None:
    """The console script: run, then exit without tearing the interpreter down (the plan's
    objects of 1,000 repositories took seconds to free; README, "Scale")."""
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
