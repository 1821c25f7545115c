"""The HTTP server: one `ThreadingHTTPServer` on 127.0.0.1, a free port, started in one line.

    with GitHubDouble(org="example-org", tokens={"t-admin": User("octo-admin")}) as gh:
        ...  # point the provider at gh.url (github:baseUrl); REST lives under gh.api_url

Every request passes, in order: the route table (unknown: 501), the token (unknown: 401), the
request contract (violation: 400), a fault a test injected (faults.py), the repository the path
names (a renamed one's old name: GitHub's redirect; a missing one: GitHub's 404), a read-only
token's write (403, as GitHub), a token scoped to permissions on a route that does not model
them (501), the handler (GitHub's own errors as GitHub words them), the
response contract (violation: 500). Each refusal made on the double's behalf is recorded in
`violations`; `assert_no_violations()` fails the test that caused one.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from testing.github_double import faults, urls
from testing.github_double.contract import Contract, Operation
from testing.github_double.faults import Fault, FiredFault, Injection
from testing.github_double.handlers.common import Call, Reply
from testing.github_double.models import (
    Actor,
    App,
    Clock,
    CustomProperty,
    GitHubBackend,
    GitHubError,
    Plan,
    Repository,
    UnmodelledError,
    User,
    checked_topics,
    utc_now,
)

ViolationKind = Literal["unknown-route", "request", "response", "auth", "unmodelled"]
DOUBLE_PREFIX = "/_double/"
README = "testing/github_double/README.md"
# The status the double answers with when it refuses on its own behalf (README, "Refusals").
REFUSAL_STATUS: Mapping[ViolationKind, int] = {
    "unknown-route": 501,
    "unmodelled": 501,
    "request": 400,
    "response": 500,
    "auth": 401,
}


@dataclass(frozen=True)
class Violation:
    """A request the double can not answer as GitHub would, or an answer its contract refuses."""

    kind: ViolationKind
    method: str
    path: str
    detail: str
    operation: str | None = None

    def __str__(self) -> str:
        where = f" ({self.operation})" if self.operation else ""
        return f"{self.method} {self.path}{where}: {self.kind}: {self.detail}"


@dataclass(frozen=True)
class LogEntry:
    seq: int
    time: str
    method: str
    path: str
    query: dict[str, list[str]]
    # GitHub's answer: what it did. None only when a fault reset the connection before GitHub
    # acted. What reached the client is `sent` (they differ only under a fault).
    status: int | None
    actor: str | None
    operation: str | None
    violation: bool
    # The route's path template, as in GitHub's description (e.g. /repos/{owner}/{repo}):
    # count requests per route with `f"{e.method} {e.template}"`. None for unknown routes.
    template: str | None = None
    # SPEC_GAPS the contract accepted for this exchange (see contract.py).
    spec_gaps: tuple[str, ...] = ()
    validation_ms: float = 0.0
    # The injected fault that shaped this exchange (`Fault.label`), None for none.
    fault: str | None = None
    # The status the client received: None when the connection was reset without an answer.
    sent: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["spec_gaps"] = list(self.spec_gaps)
        return data


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # reset the connection instead of answering (a fault)
    delay: float = 0.0  # seconds to hold the answer, the double unlocked (a fault)


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, indent=2, sort_keys=False).encode()


def _etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def _etag_matches(header: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison: W/ does not matter.
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in wanted or etag.removeprefix("W/") in wanted


def _actor_name(actor: Actor | None) -> str | None:
    return None if actor is None else actor.name


class GitHubDouble:
    """A local GitHub for one organization: start it, point the provider at `url`, inspect it."""

    def __init__(
        self,
        org: str,
        tokens: Mapping[str, Actor],
        *,
        contract: Contract | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock = utc_now,
        plan: Plan = "enterprise",
    ) -> None:
        """`plan`: the organization's GitHub plan ("free", "team" or "enterprise", the default),
        which decides the rulesets it may have (push rulesets need team or enterprise, evaluate
        mode enterprise; `GitHubBackend.check_offered`)."""
        self.contract = contract or Contract.load()
        self.backend = GitHubBackend(org, clock, plan)
        self.tokens: dict[str, Actor] = dict(tokens)
        self.read_only_tokens: set[str] = set()
        # Tokens scoped to permissions, as a job's GITHUB_TOKEN is (`add_token(permissions=)`).
        self.token_permissions: dict[str, dict[str, str]] = {}
        self.violations: list[Violation] = []
        self.log: list[LogEntry] = []
        self.injections: list[Injection] = []  # in the order injected, done ones included
        self.fired: list[FiredFault] = []
        # Seconds spent answering requests (routing, contract checks, the handler), added up
        # under the lock, so no two intervals overlap; an injected delay is not counted.
        self.busy_seconds = 0.0
        self._lock = threading.RLock()
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> GitHubDouble:
        double = self

        class Handler(_Handler):
            owner = double

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        # A short poll keeps stop() quick: each test starts and stops a double.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="github-double", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> GitHubDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give the provider as github:baseUrl (REST is under `api/v3/`)."""
        if self._server is None:
            raise RuntimeError("the GitHub double is not running: call start() or use `with`")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/v3"

    # Tests' view ---------------------------------------------------------------------------

    @property
    def org(self) -> str:
        return self.backend.org

    @property
    def plan(self) -> Plan:
        """The organization's GitHub plan (`GitHubDouble(plan=...)`)."""
        return self.backend.plan

    def state(self) -> dict[str, Any]:
        """Repositories, branches, files with their history, rulesets, protection, settings."""
        with self._lock:
            return self.backend.state()

    def log_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [entry.to_json() for entry in self.log]

    @staticmethod
    def routes() -> list[tuple[str, str]]:
        """Every route the double serves, as (method, path template in GitHub's description)."""
        return [(route.method, route.template) for route in urls.ROUTES]

    def requests_by_route(self) -> dict[str, int]:
        """How many requests each route served so far, keyed `METHOD /template` (GitHub's path
        template, e.g. `GET /orgs/{org}/repos`), in order of first use; requests to no known
        route are counted under `METHOD (unknown route)`."""
        counts: dict[str, int] = {}
        with self._lock:
            for entry in self.log:
                key = f"{entry.method} {entry.template or '(unknown route)'}"
                counts[key] = counts.get(key, 0) + 1
        return counts

    def assert_no_violations(self) -> None:
        """Fail with every violation recorded so far: unknown routes, contract breaches."""
        with self._lock:
            found = list(self.violations)
        if found:
            lines = "\n".join(f"  - {v}" for v in found)
            raise AssertionError(f"the GitHub double recorded {len(found)} violation(s):\n{lines}")

    def take_violations(self) -> list[Violation]:
        """The violations so far, forgotten: for a test that provokes them on purpose."""
        with self._lock:
            found, self.violations = self.violations, []
        return found

    # Faults ---------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> Injection:
        """Put `fault` in force (faults.py): the requests it names fail as it says, `times`
        times after `skip`. Faults are tried in the order injected; the first that strikes a
        request fails it. Refused (ValueError) unless the route table serves the fault's method
        and template, so a misspelt template cannot quietly never fire."""
        if not any((r.method, r.template) == (fault.method, fault.template) for r in urls.ROUTES):
            raise ValueError(
                f"the double serves no {fault.method} {fault.template}: name a route of "
                "urls.ROUTES by GitHub's path template, as each log entry's `template`"
            )
        injection = Injection(fault)
        with self._lock:
            self.injections.append(injection)
        return injection

    def clear_faults(self) -> None:
        """Every fault in force stops matching; their counts stay readable."""
        with self._lock:
            for injection in self.injections:
                injection.cleared = True

    def fired_faults(self) -> list[FiredFault]:
        """Each request a fault failed, in order: the log entry's seq, method, path, fault."""
        with self._lock:
            return list(self.fired)

    def _strike(self, method: str, template: str) -> Injection | None:
        """The fault that fails this request, if one does; every fault in force counts it."""
        struck = [i for i in self.injections if i.strikes(method, template)]
        return struck[0] if struck else None

    # Seeding -------------------------------------------------------------------------------

    def add_token(
        self,
        token: str,
        actor: Actor,
        *,
        read_only: bool = False,
        permissions: Mapping[str, str] | None = None,
    ) -> Actor:
        """A token acting as `actor`. `read_only`: a fine-grained token (or an App installation)
        granted read access only: every read answers as for `actor`, every write is refused
        with GitHub's 403 "Resource not accessible by personal access token" (by integration,
        for an App). `permissions`: a token scoped as a job's `permissions:` scope its
        GITHUB_TOKEN (e.g. `{"issues": "write", "pull-requests": "write"}`): the routes that
        model permissions check it, every other route refuses it as `unmodelled`."""
        with self._lock:
            self.tokens[token] = actor
            if read_only:
                self.read_only_tokens.add(token)
            else:
                self.read_only_tokens.discard(token)
            if permissions is not None:
                self.token_permissions[token] = dict(permissions)
            else:
                self.token_permissions.pop(token, None)
        return actor

    def add_app_token(
        self,
        token: str,
        app_id: int,
        slug: str = "automation",
        *,
        read_only: bool = False,
        permissions: Mapping[str, str] | None = None,
    ) -> App:
        app = App(app_id=app_id, slug=slug)
        self.add_token(token, app, read_only=read_only, permissions=permissions)
        return app

    def seed_repository(
        self,
        name: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        default_branch: str = "main",
        message: str = "Initial commit",
        fork: bool = False,
        topics: Sequence[str] = (),
        custom_properties: Mapping[str, str | list[str] | None] | None = None,
        **settings: Any,
    ) -> Repository:
        """An existing organization repository (as if made before the test), with its files.

        Not an API call and not logged. `settings` are the REST fields of a repository
        (`archived=True`, `visibility="private"`, `has_wiki=False`, ...); `fork=True` makes a
        fork, which only seeding can (the double models no upstream); `topics` and
        `custom_properties` are checked as GitHub checks them over the API (properties must be
        defined first: `seed_custom_property`)."""
        seeder = User("github-double-seed")
        with self._lock:
            body: dict[str, Any] = {"name": name, **settings}
            if custom_properties:
                body["custom_properties"] = dict(custom_properties)
            checked = checked_topics(list(topics))  # before anything is made
            repo = self.backend.create_repository(seeder, body)
            repo.default_branch = default_branch
            repo.fork = fork
            repo.topics = checked
            if files:
                contents = {
                    path: text.encode() if isinstance(text, str) else text
                    for path, text in files.items()
                }
                self.backend.seed_commit(repo, seeder, default_branch, contents, message)
            return repo

    def seed_branch(
        self,
        repo_name: str,
        branch: str,
        files: Mapping[str, str | bytes | None] | None = None,
        *,
        source: str | None = None,
        message: str = "Seeded change",
        actor: Actor | None = None,
    ) -> str:
        """A branch made from `source` (the default branch if not named), with one commit of
        `files` on it if given (None deletes a file), as a `git push` would make it: not an API
        call, not logged, no protection checked. Answers the branch's head SHA."""
        with self._lock:
            repo = self.backend.repository(self.org, repo_name)
            start = repo.branches[source or repo.default_branch]
            if branch not in repo.branches:
                self.backend.advance(repo, branch, start)
            if files:
                contents = {
                    path: text.encode() if isinstance(text, str) else text
                    for path, text in files.items()
                }
                pusher = actor or User("github-double-seed")
                self.backend.seed_commit(repo, pusher, branch, contents, message)
            return repo.branches[branch]

    def seed_custom_property(
        self,
        name: str,
        value_type: str = "string",
        *,
        allowed_values: Sequence[str] | None = None,
        default_value: str | list[str] | None = None,
        required: bool = False,
        description: str | None = None,
    ) -> CustomProperty:
        """A custom property of the organization's schema, as `PUT
        /orgs/{org}/properties/schema/{name}` would define it (not logged)."""
        body: dict[str, Any] = {"value_type": value_type, "required": required}
        if allowed_values is not None:
            body["allowed_values"] = list(allowed_values)
        if default_value is not None:
            body["default_value"] = default_value
        if description is not None:
            body["description"] = description
        with self._lock:
            return self.backend.define_property(name, body)

    # Dispatch ------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        """Answer one HTTP request (the server calls this; tests may too); the time it takes is
        added to `busy_seconds`."""
        with self._lock:
            started = time.perf_counter()
            try:
                return self._handle(method, target, headers, body)
            finally:
                self.busy_seconds += time.perf_counter() - started

    def _handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        if path.startswith(DOUBLE_PREFIX):
            return self._introspect(method, path)

        context = _Exchange(self, method, path, query, headers)
        if path != urls.API_PREFIX and not path.startswith(urls.API_PREFIX + "/"):
            return context.refuse("unknown-route", f"not under {urls.API_PREFIX}")
        api_path = path.removeprefix(urls.API_PREFIX) or "/"
        by_id = self._by_id(api_path)
        if by_id is not None:  # GitHub's /repositories/{id}/...: served as /repos/{owner}/{repo}
            api_path = by_id.path
            context.spec_gaps += ("repository-by-id",)
        found = urls.match(method, api_path)
        if found is None:
            return context.refuse("unknown-route", self.contract.describe_unknown(method, api_path))
        route, params = found
        operation = self.contract.operation(method, route.template)
        if operation is None:  # urls.py names only templates of the description; a test checks
            return context.refuse("unknown-route", f"{route.template} is not in the description")
        context.operation = operation
        spec_path = route.spec_path(params)

        actor = self._authenticate(headers)
        if actor is None:
            return context.unauthenticated(spec_path, "Authorization" in headers)
        context.actor = actor

        started = time.perf_counter()
        checked = self.contract.check_request(method, spec_path, query, headers, body or None)
        context.validation_seconds += time.perf_counter() - started
        context.spec_gaps += checked.notes
        if checked.violations:
            return context.refuse("request", "; ".join(checked.violations))
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return context.refuse("request", "Problems parsing JSON")

        context.injection = self._strike(method, route.template)
        if context.injection is not None and not context.injection.fault.acts:
            return context.inject(spec_path)

        located = self._locate(params, by_id, api_path, split.query, method, operation)
        if located is not None:
            reply, gap = located
            return context.answer(spec_path, reply, unlisted=gap)

        if method not in ("GET", "HEAD") and self._token(headers) in self.read_only_tokens:
            refused = GitHubError(403, f"Resource not accessible by {_GRANTEE[actor.kind]}")
            return context.answer(spec_path, Reply(403, _error_body(refused, operation)))

        granted = self.token_permissions.get(self._token(headers) or "")
        if granted is not None and not route.scoped:
            return context.refuse(
                "unmodelled",
                f"a token scoped to {granted}: the double models permissions only on the issues "
                "routes (urls.Route.scoped)",
            )
        call = Call(
            self.backend,
            actor,
            method,
            params,
            query,
            data,
            self.url.rstrip("/"),
            api_path,
            granted,
        )
        try:
            reply = route.handler(call)
        except GitHubError as error:
            reply = Reply(error.status, _error_body(error, operation))
        except UnmodelledError as error:
            return context.refuse("unmodelled", str(error))
        return context.answer(spec_path, reply)

    def _by_id(self, api_path: str) -> _ById | None:
        """`/repositories/{id}/rest` as the `/repos/{owner}/{name}/rest` it stands for (the
        repository's current name; the id itself when no repository has it)."""
        found = _BY_ID.match(api_path)
        if found is None:
            return None
        repo = self.backend.repository_by_id(int(found["id"]))
        name = repo.name if repo is not None else found["id"]
        rest = found["rest"] or ""
        path = f"/repos/{quote(self.org, safe='')}/{quote(name, safe='')}{rest}"
        return _ById(path, repo is None)

    def _locate(
        self,
        params: Mapping[str, str],
        by_id: _ById | None,
        api_path: str,
        query: str,
        method: str,
        operation: Operation,
    ) -> tuple[Reply, str] | None:
        """GitHub's answer, and the SPEC_GAPS entry that lets it through where the description
        lists no such status, when the path names a repository that is not there: a renamed
        one's old name redirects (`moved-repository`), any other is 404 (`missing-repository`).
        None when the repository is there, or the route names none."""
        if "owner" not in params or "repo" not in params:
            return None
        owner, name = params["owner"], params["repo"]
        if by_id is None or not by_id.missing:
            moved = self.backend.moved_repository(owner, name)
            if moved is not None:
                rest = api_path.split("/", 4)[4:]  # what follows /repos/{owner}/{repo}
                target = f"{self.api_url}/repositories/{moved.id}" + "".join(f"/{r}" for r in rest)
                return _moved(method, target + (f"?{query}" if query else "")), "moved-repository"
            try:
                self.backend.repository(owner, name)
                return None
            except GitHubError:
                pass
        not_found = GitHubError(404, "Not Found")
        return Reply(404, _error_body(not_found, operation)), "missing-repository"

    def _token(self, headers: Mapping[str, str]) -> str | None:
        scheme, _, token = headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("token", "bearer"):
            return None
        return token.strip()

    def _authenticate(self, headers: Mapping[str, str]) -> Actor | None:
        token = self._token(headers)
        return None if token is None else self.tokens.get(token)

    def _introspect(self, method: str, path: str) -> _Answer:
        # Not GitHub routes: neither validated nor logged.
        views = {"/_double/state": self.backend.state, "/_double/log": self._log_data}
        view = views.get(path)
        if method != "GET" or view is None:
            message = f"{method} {path}: the double serves only GET {', GET '.join(views)}"
            return _Answer(404, _json_bytes({"message": message}), _json_headers())
        return _Answer(200, _json_bytes(view()), _json_headers())

    def _log_data(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.log]


# Who GitHub says lacks the permission when a read-only token writes.
_GRANTEE: Mapping[str, str] = {"user": "personal access token", "app": "integration"}

_BY_ID = re.compile(r"^/repositories/(?P<id>[0-9]+)(?P<rest>/.*)?$")


@dataclass(frozen=True)
class _ById:
    path: str  # the /repos/{owner}/{repo}/... path it stands for
    missing: bool  # no repository has the id


# GitHub's answer to a renamed repository's old name, as recorded from GitHub by octokit/fixtures
# (scenarios/api.github.com/rename-repository): GET is 301, PATCH 307, both with this body and a
# Location equal to `url`; 18F/charlie#85 quotes a POST .../issues answered 307 with `url`
# /repositories/ID/issues (the rest of the path kept). 307 keeps a client's method and body
# ("Best practices for using the REST API", Follow redirects).
_MOVED_DOCS = "https://docs.github.com/v3/#http-redirects"


def _moved(method: str, target: str) -> Reply:
    status = 301 if method in ("GET", "HEAD") else 307
    body = {"message": "Moved Permanently", "url": target, "documentation_url": _MOVED_DOCS}
    return Reply(status, body, {"Location": target})


def _json_headers() -> dict[str, str]:
    return {"Content-Type": "application/json; charset=utf-8"}


def _error_body(error: GitHubError, operation: Operation) -> dict[str, Any]:
    body: dict[str, Any] = {"message": error.message}
    if error.errors:
        body["errors"] = error.errors
    body["documentation_url"] = operation.documentation_url
    body["status"] = str(error.status)
    return body


class _Exchange:
    """One request on its way through the double: builds the answer and its log entry."""

    def __init__(
        self,
        double: GitHubDouble,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Mapping[str, str],
    ) -> None:
        self.double = double
        self.method, self.path, self.query, self.headers = method, path, query, headers
        self.operation: Operation | None = None
        self.actor: Actor | None = None
        self.validation_seconds = 0.0
        self.spec_gaps: tuple[str, ...] = ()
        self.injection: Injection | None = None  # the fault striking this request, if any

    def _record(self, answer: _Answer | None, violation: bool) -> _Answer:
        """Log the exchange (`answer` None: GitHub never answered) and answer what goes on the
        wire, which the fault striking the request, if any, decides."""
        wire = self._on_wire(answer)
        seq = len(self.double.log) + 1
        fault = self.injection.fault if self.injection else None
        self.double.log.append(
            LogEntry(
                seq=seq,
                time=datetime.now(UTC).isoformat(timespec="milliseconds"),
                method=self.method,
                path=self.path,
                query=self.query,
                status=None if answer is None else answer.status,
                actor=_actor_name(self.actor),
                operation=self.operation.operation_id if self.operation else None,
                violation=violation,
                template=self.operation.template if self.operation else None,
                spec_gaps=tuple(dict.fromkeys(self.spec_gaps)),
                validation_ms=round(self.validation_seconds * 1000, 3),
                fault=fault.label if fault else None,
                sent=None if wire.drop else wire.status,
            )
        )
        if self.injection is not None and fault is not None:
            self.injection.fired_at.append(seq)
            self.double.fired.append(FiredFault(seq, self.method, self.path, fault))
        return wire

    def _on_wire(self, answer: _Answer | None) -> _Answer:
        """What the client gets: GitHub's answer, unless a fault that strikes after GitHub
        acted loses it (a reset, or a proxy's 502) or holds it."""
        fault = self.injection.fault if self.injection else None
        if answer is None or (fault and fault.kind == "lost-answer" and fault.status is None):
            return _Answer(0, drop=True)  # the connection reset, no answer
        if fault and fault.kind == "lost-answer":
            return _Answer(502, _json_bytes(faults.error_body(502)), _json_headers())
        if fault and fault.kind == "delay":
            return replace(answer, delay=fault.seconds)
        return answer

    def inject(self, spec_path: str) -> _Answer:
        """The answer of a fault that strikes before GitHub acts; nothing changes. An injected
        status the operation does not list is no violation (a test asked for it), but a listed
        one is checked against its schema as any answer."""
        assert self.injection is not None
        fault = self.injection.fault
        if fault.kind == "reset":
            return self._record(None, False)
        if fault.kind == "rate-limit":
            retry_after = {"Retry-After": str(fault.retry_after)}
            return self.answer(spec_path, Reply(403, faults.rate_limit_body(), retry_after))
        assert fault.status is not None  # a server error's status: faults.Fault checks it
        return self.answer(spec_path, Reply(fault.status, faults.error_body(fault.status)))

    def refuse(self, kind: ViolationKind, detail: str) -> _Answer:
        operation = self.operation.operation_id if self.operation else None
        violation = Violation(kind, self.method, self.path, detail, operation)
        self.double.violations.append(violation)
        status = REFUSAL_STATUS[kind]
        body = {
            "message": f"github-double: {violation}",
            "documentation_url": README,
            "status": str(status),
        }
        return self._record(_Answer(status, _json_bytes(body), _json_headers()), True)

    def unauthenticated(self, spec_path: str, had_header: bool) -> _Answer:
        """GitHub's 401; a violation too where the description lists no 401 for the operation."""
        assert self.operation is not None
        message = "Bad credentials" if had_header else "Requires authentication"
        body = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        }
        answer = _Answer(401, _json_bytes(body), _json_headers())
        if "401" not in self.operation.statuses:
            detail = (
                f"no known token ({message}); GitHub answers 401, which its description does not "
                f"list for {self.operation.operation_id}: a double limitation, so the test fails"
            )
            self.double.violations.append(
                Violation("auth", self.method, self.path, detail, self.operation.operation_id)
            )
            return self._record(answer, True)
        return self._finish(spec_path, answer)

    def answer(self, spec_path: str, reply: Reply, *, unlisted: str | None = None) -> _Answer:
        """GitHub's `reply`, checked against the description; `unlisted`: the SPEC_GAPS entry
        the server established that lets a status the operation does not list through."""
        headers = dict(reply.headers)
        body = b""
        if reply.body is not None:
            body = _json_bytes(reply.body)
            headers.update(_json_headers())
        if self.method == "GET" and reply.status == 200:
            etag = _etag(body)
            headers["ETag"] = etag
            if _etag_matches(self.headers.get("If-None-Match", ""), etag):
                return self._finish(spec_path, _Answer(304, b"", {"ETag": etag}))
        return self._finish(spec_path, _Answer(reply.status, body, headers), unlisted)

    def _finish(self, spec_path: str, answer: _Answer, unlisted: str | None = None) -> _Answer:
        started = time.perf_counter()
        injected = self.injection is not None and not self.injection.fault.acts
        checked = self.double.contract.check_response(
            self.method,
            spec_path,
            self.headers,
            answer.status,
            answer.headers,
            answer.body,
            unlisted=unlisted,
            injected=injected,
        )
        self.validation_seconds += time.perf_counter() - started
        self.spec_gaps += checked.notes
        if checked.violations:
            return self.refuse(
                "response",
                f"the double's {answer.status} answer breaks GitHub's description: "
                + "; ".join(checked.violations),
            )
        return self._record(answer, False)


def _canonical(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


class _Handler(BaseHTTPRequestHandler):
    owner: GitHubDouble
    protocol_version = "HTTP/1.1"  # keep-alive, as Go's HTTP client expects
    server_version = "github-double"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        # Header names as Go sends them (canonical), whatever case the client used.
        headers = {_canonical(key): value for key, value in self.headers.items()}
        answer = self.owner.handle(self.command, self.path, headers, body)
        if answer.delay:
            time.sleep(answer.delay)  # outside the double's lock: other requests go on
        if answer.drop:
            self._reset()
            return
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body and self.command != "HEAD":
            self.wfile.write(answer.body)

    def _reset(self) -> None:
        """Close the connection unanswered, with a TCP reset (SO_LINGER 0): the client reads
        "connection reset by peer" or an end of stream before any status line."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the double keeps its own log."""


# BaseHTTPRequestHandler calls do_<METHOD>; every method goes through the route table.
for _method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
    setattr(_Handler, f"do_{_method}", _Handler._serve)
