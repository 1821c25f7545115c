"""`python -m baseline plan ...`: the offline plan (see `baseline.plan`)."""

from __future__ import annotations

import sys

from baseline.plan import main

USAGE = "usage: python -m baseline plan [--config PATH] [--json] [--out DIR]"

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "plan":
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:]))
