"""The scripts the pipeline embeds, kept as files so that each one is linted as what it is.

`script("deploy_summary.sh")` is the file's text, written into the workflow unchanged: shell
scripts go into `run:` (checked by shellcheck, directly and through actionlint), Python and
JavaScript travel as data (a step's `env:` or an action's `with:`), so no escaping is ever
written by hand. Each file must stay valid as embedded: tests compile the Python on every
version in `workflows.options.TESTED_PYTHON_VERSIONS` and run shellcheck on the shell.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def script(name: str) -> str:
    """The text of `workflows/scripts/<name>` (FileNotFoundError for an unknown name)."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
