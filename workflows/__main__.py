"""`python -m workflows render | check | checks`: the committed render and its drift check."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from workflows.options import BackendCiOptions
from workflows.templates import rendered_pipeline

RENDERED = Path(__file__).parent / "rendered" / "backend-ci.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflows", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("render", help=f"write {RENDERED.name} for the default options")
    sub.add_parser("check", help="fail with a diff when the committed render is out of date")
    sub.add_parser("checks", help="print the required checks of the default pipeline")
    args = parser.parse_args(argv)

    pipeline = rendered_pipeline("backend-ci", BackendCiOptions())
    if args.command == "render":
        RENDERED.parent.mkdir(parents=True, exist_ok=True)
        RENDERED.write_text(pipeline.content, encoding="utf-8")
        print(f"wrote {RENDERED}")
        return 0
    if args.command == "check":
        committed = RENDERED.read_text(encoding="utf-8") if RENDERED.exists() else ""
        if committed == pipeline.content:
            print(f"{RENDERED.name} is up to date")
            return 0
        diff = difflib.unified_diff(
            committed.splitlines(keepends=True),
            pipeline.content.splitlines(keepends=True),
            fromfile=f"committed/{RENDERED.name}",
            tofile=f"rendered/{RENDERED.name}",
        )
        sys.stdout.writelines(diff)
        print(
            f"\n{RENDERED.name} is out of date: run `python -m workflows render`", file=sys.stderr
        )
        return 1
    for check in pipeline.required_checks:
        print(check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
