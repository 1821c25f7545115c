"""The HTTP server: one `ThreadingHTTPServer` on 127.0.0.1, a free port, started in one line.

    with GitHubDouble(org="example-org", tokens={"t-admin": User("octo-admin")}) as gh:
        ...  # point the provider at gh.url (github:baseUrl); REST lives under gh.api_url

Every request passes, in order: the route table (unknown: 501), the token (unknown: 401), the
request contract (violation: 400), a read-only token's write (403, as GitHub), the handler
(GitHub's own errors as GitHub words them), the response contract (violation: 500). Each refusal
made on the double's behalf is recorded in `violations`; `assert_no_violations()` fails the test
that caused one.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from tests.github_double import urls
from tests.github_double.contract import Contract, Operation
from tests.github_double.models import (
    Actor,
    App,
    Clock,
    CustomProperty,
    GitHubBackend,
    GitHubError,
    Repository,
    UnmodelledError,
    User,
    checked_topics,
    utc_now,
)
from tests.github_double.responses import Call, Reply

ViolationKind = Literal["unknown-route", "request", "response", "auth", "unmodelled"]
DOUBLE_PREFIX = "/_double/"
README = "tests/github_double/README.md"
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
    status: int
    actor: str | None
    operation: str | None
    violation: bool
    # The route's path template, as in GitHub's description (e.g. /repos/{owner}/{repo}):
    # count requests per route with `f"{e.method} {e.template}"`. None for unknown routes.
    template: str | None = None
    # SPEC_GAPS the contract accepted for this exchange (see contract.py).
    spec_gaps: tuple[str, ...] = ()
    validation_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["spec_gaps"] = list(self.spec_gaps)
        return data


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


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
    ) -> None:
        self.contract = contract or Contract.load()
        self.backend = GitHubBackend(org, clock)
        self.tokens: dict[str, Actor] = dict(tokens)
        self.read_only_tokens: set[str] = set()
        self.violations: list[Violation] = []
        self.log: list[LogEntry] = []
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

    def state(self) -> dict[str, Any]:
        """Repositories, branches, files with their history, rulesets, protection, settings."""
        with self._lock:
            return self.backend.state()

    def log_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [entry.to_json() for entry in self.log]

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

    # Seeding -------------------------------------------------------------------------------

    def add_token(self, token: str, actor: Actor, *, read_only: bool = False) -> Actor:
        """A token acting as `actor`. `read_only`: a fine-grained token (or an App installation)
        granted read access only: every read answers as for `actor`, every write is refused
        with GitHub's 403 "Resource not accessible by personal access token" (by integration,
        for an App)."""
        with self._lock:
            self.tokens[token] = actor
            if read_only:
                self.read_only_tokens.add(token)
            else:
                self.read_only_tokens.discard(token)
        return actor

    def add_app_token(
        self, token: str, app_id: int, slug: str = "automation", *, read_only: bool = False
    ) -> App:
        app = App(app_id=app_id, slug=slug)
        self.add_token(token, app, read_only=read_only)
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
        """Answer one HTTP request (the server calls this; tests may too)."""
        with self._lock:
            return self._handle(method, target, headers, body)

    def _handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        split = urlsplit(target)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        if path.startswith(DOUBLE_PREFIX):
            return self._introspect(method, path)

        context = _Exchange(self, method, path, query, headers)
        if path != urls.API_PREFIX and not path.startswith(urls.API_PREFIX + "/"):
            return context.refuse("unknown-route", f"not under {urls.API_PREFIX}")
        api_path = path.removeprefix(urls.API_PREFIX) or "/"
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

        if method not in ("GET", "HEAD") and self._token(headers) in self.read_only_tokens:
            refused = GitHubError(403, f"Resource not accessible by {_GRANTEE[actor.kind]}")
            return context.answer(spec_path, Reply(403, _error_body(refused, operation)))

        call = Call(
            self.backend, actor, method, params, query, data, self.url.rstrip("/"), api_path
        )
        try:
            reply = route.handler(call)
        except GitHubError as error:
            reply = Reply(error.status, _error_body(error, operation))
        except UnmodelledError as error:
            return context.refuse("unmodelled", str(error))
        return context.answer(spec_path, reply)

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

    def _record(self, answer: _Answer, violation: bool) -> _Answer:
        self.double.log.append(
            LogEntry(
                seq=len(self.double.log) + 1,
                time=datetime.now(UTC).isoformat(timespec="milliseconds"),
                method=self.method,
                path=self.path,
                query=self.query,
                status=answer.status,
                actor=_actor_name(self.actor),
                operation=self.operation.operation_id if self.operation else None,
                violation=violation,
                template=self.operation.template if self.operation else None,
                spec_gaps=tuple(dict.fromkeys(self.spec_gaps)),
                validation_ms=round(self.validation_seconds * 1000, 3),
            )
        )
        return answer

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

    def answer(self, spec_path: str, reply: Reply) -> _Answer:
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
        return self._finish(spec_path, _Answer(reply.status, body, headers))

    def _finish(self, spec_path: str, answer: _Answer) -> _Answer:
        started = time.perf_counter()
        checked = self.double.contract.check_response(
            self.method, spec_path, self.headers, answer.status, answer.headers, answer.body
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
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body and self.command != "HEAD":
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the double keeps its own log."""


# BaseHTTPRequestHandler calls do_<METHOD>; every method goes through the route table.
for _method in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
    setattr(_Handler, f"do_{_method}", _Handler._serve)
