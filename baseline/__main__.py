"""`python -m baseline ...`: the `repo-baseline` command (see `baseline.cli`), also without the
installed entry point."""

from __future__ import annotations

from baseline.cli import entry

if __name__ == "__main__":
    entry()
