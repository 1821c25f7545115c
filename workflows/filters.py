"""GitHub's branch filter patterns (`on.<event>.branches`), as GitHub matches them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache


@cache
def _compile(pattern: str) -> re.Pattern[str]:
    """GitHub's filter pattern cheat sheet: `*` any characters but `/`, `**` any characters,
    `?` zero or one and `+` one or more of the previous character, `[...]` a set of
    characters, `\\` makes the next character literal; everything else literal. The cases it
    is tested against: tests/github_facts/branch_filters.py."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char in "?+" and out:
            out.append(char)
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append(pattern[i : end + 1])
                i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def branch_matches(patterns: Iterable[str], branch: str) -> bool:
    """Whether a branch filter admits `branch`: later patterns win, `!` excludes."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _compile(pattern[1:] if negated else pattern).match(branch):
            matched = not negated
    return matched
