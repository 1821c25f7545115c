"""How a ruleset's patterns match a ref or a repository name, as GitHub documents it.

GitHub Docs, "Creating rulesets for a repository" and "Creating rulesets for repositories in
your organization", "Using `fnmatch` syntax": patterns for branches, tags and repositories are
Ruby's `File.fnmatch` with `File::FNM_PATHNAME`; "Unsupported `fnmatch` syntax": a backslash is
no quoting character, a set cannot be complemented with `^`, no `FNM_EXTGLOB` (no `{a,b}`). So,
after Ruby's documentation of those flags:

- `*` is any run of characters but `/`, `?` one character but `/`, `[set]` one of a set (`[!set]`
  negated; ranges `a-z`), never `/`;
- a path segment `**` followed by `/` is zero or more directories; any other `**` is `*`;
- a wildcard does not match a leading `.` of the name or of a segment (no `FNM_DOTMATCH`);
- matching is case-sensitive (no `FNM_CASEFOLD`); `\\`, `{` and `}` are ordinary characters.

GitHub does not say what a set starting with `^` does (refused, or a literal `^`): such a
pattern is read as matching nothing, so a ruleset is never taken to protect more than it surely
does. The cases this is tested against: tests/github_facts/ruleset_targets.py.

Patterns become regular expressions, so that a thousand of them can be tried as one.
"""

from __future__ import annotations

import functools
import re

_RECURSIVE = "**"
# Zero or more whole directories, none starting with a period (`**/` under FNM_PATHNAME).
_DIRECTORIES = r"(?:(?!\.)[^/]*/)*"


class _UnsupportedPatternError(ValueError):
    """The pattern uses a construct GitHub does not support; it selects nothing."""


def translate(pattern: str) -> str | None:
    """A regular expression (anchored at both ends with `re.match`) that matches exactly what
    `pattern` does; None when the pattern matches nothing."""
    segments = _segments(pattern)
    parts: list[str] = []
    index = 0
    try:
        while index < len(segments):
            if segments[index] == _RECURSIVE and index < len(segments) - 1:
                while segments[index] == _RECURSIVE and index < len(segments) - 1:
                    index += 1
                parts.append(_DIRECTORIES)
                continue
            parts.append(_segment(segments[index]))
            if index < len(segments) - 1:
                parts.append("/")
            index += 1
    except _UnsupportedPatternError:
        return None
    return "".join(parts) + r"\Z"


def _segments(pattern: str) -> list[str]:
    """The pattern split at each `/` outside a set: Ruby reads a set past a `/` (`[a/b]` is one
    set, which never matches the `/` itself)."""
    segments: list[str] = []
    start = index = 0
    while index < len(pattern):
        if pattern[index] == "[":
            first = index + 1
            if pattern[first : first + 1] in ("!", "^"):
                first += 1
            close = pattern.find("]", first)
            if close != -1:
                index = close + 1
                continue
        if pattern[index] == "/":
            segments.append(pattern[start:index])
            start = index + 1
        index += 1
    segments.append(pattern[start:])
    return segments


def _segment(segment: str) -> str:
    """One path segment: a leading period only if the pattern starts with one."""
    out = [] if segment.startswith(".") else [r"(?!\.)"]
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            while index < len(segment) and segment[index] == "*":
                index += 1
            out.append("[^/]*")
            continue
        if char == "?":
            out.append("[^/]")
        elif char == "[":
            expression, index = _bracket(segment, index)
            out.append(expression)
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _bracket(segment: str, start: int) -> tuple[str, int]:
    """The set opening at `start` as a character class, and the index after its `]`.

    As Ruby reads it: `!` after `[` negates, the first `]` closes, `a-z` is a range (its two ends
    alone when reversed); an unclosed set matches nothing.
    """
    index = start + 1
    negated = index < len(segment) and segment[index] == "!"
    if index < len(segment) and segment[index] == "^":
        raise _UnsupportedPatternError(segment)
    if negated:
        index += 1
    members: list[str] = []
    while index < len(segment) and segment[index] != "]":
        low = segment[index]
        if index + 2 < len(segment) and segment[index + 1] == "-" and segment[index + 2] != "]":
            high = segment[index + 2]
            if low <= high:
                members.append(f"{re.escape(low)}-{re.escape(high)}")
            else:
                members.append(re.escape(low) + re.escape(high))
            index += 3
        else:
            members.append(re.escape(low))
            index += 1
    if index >= len(segment):
        raise _UnsupportedPatternError(segment)
    if negated:
        return f"[^/{''.join(members)}]", index + 1
    # A range may span `/` (`.-[`), which no set matches under FNM_PATHNAME.
    return (f"(?!/)[{''.join(members)}]" if members else "(?!)"), index + 1


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    source = translate(pattern)
    return None if source is None else re.compile(source)


def pattern_matches(pattern: str, name: str) -> bool:
    """Whether a ruleset pattern matches `name` (a full ref, or a repository's name)."""
    compiled = _compiled(pattern)
    return compiled is not None and compiled.match(name) is not None
