"""How GitHub Actions matches a branch against `on.<push|pull_request>.branches`.

Source: GitHub Docs, "Workflow syntax for GitHub Actions", "Filter pattern cheat sheet" and
`on.<push|pull_request|pull_request_target>.<branches|branches-ignore>`:
- `*` matches zero or more characters but not `/`; `**` matches zero or more of any character;
- `?` matches zero or one, and `+` one or more, of the preceding character;
- `[]` matches one character listed or in a range (`a-z`, `A-Z`, `0-9`);
- `!` at the start of a pattern negates the positive patterns before it; the last pattern that
  matches decides;
- "If a name contains any of these characters and you want a literal match, you need to escape
  each of these special characters with `\\`."
The cheat sheet's own examples are among the cases (`feature/*`, `feature/**`, `v2*`,
`'*feature'`, `v[12].[0-9]+.[0-9]+`, `[CB]at`).

Tested against: `workflows/filters.py` and the policy pack (`pipeline.branch_matches`). Not the
GitHub double (it runs no workflows, so it never matches a workflow's branch filter) nor the
pipeline runner (it runs the workflow it is given, whatever the event's branch; the caller
decides which events start it).
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    patterns: tuple[str, ...]
    branch: str
    matches: bool


CASES: tuple[Case, ...] = (
    Case(("main",), "main", True),
    Case(("main",), "main2", False),
    Case(("main", "bau/**"), "bau/a/b", True),  # the pipeline's own pull-request branches
    Case(("v[0-9]+",), "v12", True),
    Case(("feature/*",), "feature/my-branch", True),
    Case(("feature/*",), "feature/your/branch", False),
    Case(("feature/**",), "feature/your/branch", True),
    Case(("*",), "releases", True),
    Case(("*",), "feature/x", False),
    Case(("**",), "all/the/branches", True),
    Case(("v2*",), "v2.0", True),
    Case(("v2*",), "v2", True),
    Case(("*feature",), "mona-feature", True),
    Case(("*feature",), "feature", True),
    Case(("v[12].[0-9]+.[0-9]+",), "v1.10.1", True),
    Case(("v[12].[0-9]+.[0-9]+",), "v2.0.0", True),
    Case(("v[12].[0-9]+.[0-9]+",), "v3.0.0", False),
    Case(("[CB]at",), "Cat", True),
    Case(("[CB]at",), "Rat", False),
    Case(("releases?",), "release", True),
    Case(("releases?",), "releases", True),
    Case(("ma+in",), "maaain", True),
    Case(("ma.n",), "main", False),  # `.` is literal
    Case(("**", "!main"), "main", False),
    Case(("!main", "main"), "main", True),  # the last pattern that matches decides
    Case(("**", "!ma*", "main"), "main", True),
    Case(("releases/**", "!releases/**-alpha"), "releases/v1-alpha", False),
    Case(("releases/**", "!releases/**-alpha"), "releases/v1", True),
    # Escapes: `\` makes the next character literal.
    Case(("release\\*",), "release*", True),
    Case(("release\\*",), "release-1", False),
    Case(("feat\\+x",), "feat+x", True),
    Case(("feat\\+x",), "feattx", False),
    Case(("v1\\.0",), "v1.0", True),
    Case(("feat\\x",), "featx", True),  # a character that is not special: itself
)
