"""Fault injection: which requests fail, how, and how often (README, "Faults").

A test names the requests a fault applies to by HTTP method and GitHub's path template, exactly
as the route table (`urls.ROUTES`) and each log entry's `template` spell it:

    boom = gh.inject(Fault.server_error("POST", "/orgs/{org}/repos", 502, times=2))
    lost = gh.inject(Fault.lost_answer("PUT", "/repos/{owner}/{repo}/topics", skip=1))
    ...
    assert boom.fired == 2 and lost.done

A fault lets its first `skip` matching requests through, then fails the next `times` ones, then
the double behaves normally again. Only requests the double would serve count: one the route
table, the token check or the request contract refuses is never matched (and stays a violation).

Before GitHub acts (nothing changes): `server-error` (500, 502 or 503 with GitHub's body),
`rate-limit` (GitHub's secondary rate limit 403, with `retry-after`), `reset` (the connection is
reset, no answer). After GitHub acts (the state changes, the log records GitHub's own answer):
`lost-answer` (the client never gets it: the connection is reset, or a proxy's 502 answers
instead) and `delay` (the answer is sent `seconds` later).

Where each answer's words come from:

- 500 and 502: `{"message": "Server Error"}`. A 502 of api.github.com, as PyGithub parsed it:
  "GithubException: 502 {'message': 'Server Error'}" (gitcoinco/web#2824); a 500 of GitHub
  Enterprise Server: `{"message":"Server Error","documentation_url":...}` (google/go-github#818,
  its `documentation_url` its own docs root, left out here); "Server Error" is also the message
  GitHub's docs give for a request it timed out ("Troubleshooting the REST API", Timeouts).
- 503: "No server is currently available to service your request. Sorry about that. Please try
  resubmitting your request and contact us if the problem persists." (a 503 of api.github.com:
  taskcluster/taskcluster-github#96; Octokit's "GET https://api.github.com/repos/…/branches/main:
  503 - No server is currently …", osunyorg/admin#3779).
- Secondary rate limit: 403, "You have exceeded a secondary rate limit. Please wait a few
  minutes before you try again." (apache/devlake#1322, app-sre/github-mirror#62) with
  `documentation_url` …/rate-limits-for-the-rest-api#about-secondary-rate-limits and `status`
  "403" as GitHub answers now, and a `retry-after` header in seconds. GitHub's docs ("Rate limits
  for the REST API", Exceeding the rate limit): "If you exceed a secondary rate limit, you will
  receive a 403 or 429 response and an error message that indicates that you exceeded a
  secondary rate limit. If the retry-after response header is present, you should not retry your
  request until after that many seconds has elapsed." go-github (which the provider uses) knows
  it by `documentation_url` ending in "secondary-rate-limits" and reads `Retry-After` as seconds
  (github.go, CheckResponse and parseSecondaryRate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["server-error", "rate-limit", "reset", "lost-answer", "delay"]

# The kinds after which GitHub has acted: the request is served in full first.
ACTING_KINDS: frozenset[FaultKind] = frozenset({"lost-answer", "delay"})

SERVER_ERRORS: dict[int, str] = {
    500: "Server Error",
    502: "Server Error",
    503: (
        "No server is currently available to service your request. Sorry about that. Please "
        "try resubmitting your request and contact us if the problem persists."
    ),
}
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
SECONDARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


@dataclass(frozen=True)
class Fault:
    """Which requests fail (`method` and GitHub's path `template`), how (`kind`), how often
    (`times` after letting `skip` through). Make one with the constructors below."""

    method: str
    template: str
    kind: FaultKind
    times: int = 1
    skip: int = 0
    # server-error: 500, 502 or 503. lost-answer: None (the connection is reset) or 502.
    status: int | None = None
    retry_after: int = 60  # rate-limit: the retry-after header, in seconds
    seconds: float = 0.0  # delay: how long the answer is held

    def __post_init__(self) -> None:
        if self.method != self.method.upper() or not self.template.startswith("/"):
            raise ValueError(f"a fault names METHOD /template, not {self.method} {self.template}")
        if self.times < 1 or self.skip < 0:
            raise ValueError(f"times must be at least 1 and skip at least 0: {self}")
        if self.kind == "server-error" and self.status not in SERVER_ERRORS:
            raise ValueError(f"a server error is one of {sorted(SERVER_ERRORS)}, not {self.status}")
        if self.kind == "lost-answer" and self.status not in (None, 502):
            raise ValueError(f"a lost answer is a reset (None) or a proxy's 502, not {self.status}")
        if self.kind not in ("server-error", "lost-answer") and self.status is not None:
            raise ValueError(f"a {self.kind} fault has no status")
        if self.retry_after < 0 or self.seconds < 0:
            raise ValueError(f"retry_after and seconds are never negative: {self}")

    @classmethod
    def server_error(
        cls, method: str, template: str, status: int = 502, *, times: int = 1, skip: int = 0
    ) -> Fault:
        """GitHub fails before acting: 500, 502 or 503 with GitHub's body; nothing changes."""
        return cls(method, template, "server-error", times, skip, status=status)

    @classmethod
    def rate_limit(
        cls, method: str, template: str, *, retry_after: int = 60, times: int = 1, skip: int = 0
    ) -> Fault:
        """GitHub's secondary rate limit: 403 with its message, `documentation_url` and a
        `retry-after` header; nothing changes."""
        return cls(method, template, "rate-limit", times, skip, retry_after=retry_after)

    @classmethod
    def reset(cls, method: str, template: str, *, times: int = 1, skip: int = 0) -> Fault:
        """The connection is reset before GitHub acts: no answer, nothing changes."""
        return cls(method, template, "reset", times, skip)

    @classmethod
    def lost_answer(
        cls,
        method: str,
        template: str,
        *,
        status: int | None = None,
        times: int = 1,
        skip: int = 0,
    ) -> Fault:
        """GitHub acts in full (the state changes, the log records its answer) and the client
        never gets the answer: the connection is reset, or (`status=502`) a proxy answers 502."""
        return cls(method, template, "lost-answer", times, skip, status=status)

    @classmethod
    def delay(
        cls, method: str, template: str, seconds: float, *, times: int = 1, skip: int = 0
    ) -> Fault:
        """GitHub acts at once and its answer is sent `seconds` later."""
        return cls(method, template, "delay", times, skip, seconds=seconds)

    @property
    def acts(self) -> bool:
        """Whether GitHub has acted on the request when the fault strikes."""
        return self.kind in ACTING_KINDS

    @property
    def label(self) -> str:
        """How the log names it, e.g. `lost-answer (reset) POST /orgs/{org}/repos`."""
        how = {
            "server-error": f" {self.status}",
            "rate-limit": f" (retry-after {self.retry_after})",
            "lost-answer": f" ({'reset' if self.status is None else self.status})",
            "delay": f" ({self.seconds:g}s)",
        }.get(self.kind, "")
        return f"{self.kind}{how} {self.method} {self.template}"


@dataclass
class Injection:
    """A fault in force, as `GitHubDouble.inject` answers it: what it matched, where it fired
    (the `seq` of each log entry it shaped). Read it under the double's lock or after the
    requests have been answered."""

    fault: Fault
    matched: int = 0  # matching requests seen, the skipped ones included
    fired_at: list[int] = field(default_factory=list)
    cleared: bool = False

    @property
    def fired(self) -> int:
        return len(self.fired_at)

    @property
    def done(self) -> bool:
        """Fired `times` times, or cleared: it matches nothing any more."""
        return self.cleared or self.fired >= self.fault.times

    def strikes(self, method: str, template: str) -> bool:
        """Count one request; True when the fault fails it."""
        if self.done or (method, template) != (self.fault.method, self.fault.template):
            return False
        self.matched += 1
        return self.matched > self.fault.skip


@dataclass(frozen=True)
class FiredFault:
    """One request a fault failed: the log entry's `seq`, the request, the fault."""

    seq: int
    method: str
    path: str
    fault: Fault


def error_body(status: int) -> dict[str, Any]:
    """GitHub's body of a 500, 502 or 503 (sources in this module's docstring)."""
    return {"message": SERVER_ERRORS[status]}


def rate_limit_body() -> dict[str, Any]:
    """GitHub's body of a secondary rate limit (sources in this module's docstring)."""
    return {
        "message": SECONDARY_RATE_LIMIT_MESSAGE,
        "documentation_url": SECONDARY_RATE_LIMIT_DOCS,
        "status": "403",
    }
