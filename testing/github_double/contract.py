"""GitHub's OpenAPI description (npm @octokit/openapi, api.github.com.json) as a contract checker.

The double serves GitHub Enterprise Server's URL layout (`/api/v3/...`); the description's server
is `https://api.github.com` with no prefix, so every path is checked with `/api/v3` taken off.
The description is parsed once per process (`Contract.load`), and each double reuses it.

Where GitHub's answers and its description disagree, the double answers as GitHub does and this
module accepts the difference only in the narrow cases listed in `SPEC_GAPS`; each accepted case
is reported back as a note so it stays visible in the request log.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_schema_validator import OAS30ReadValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

PACKAGE_DIR = Path(__file__).resolve().parent
SPEC_VERSION = "23.0.2"
SPEC_PATH = PACKAGE_DIR / "node_modules/@octokit/openapi/generated/api.github.com.json"
SPEC_SERVER = "https://api.github.com"
INSTALL_HINT = (
    "GitHub's OpenAPI description is not installed: run `npm ci --prefix testing/github_double` "
    f"(it installs @octokit/openapi {SPEC_VERSION}, pinned in its package-lock.json)"
)

# Where GitHub answers differently from its own description; the double follows GitHub.
SPEC_GAPS: Mapping[str, str] = {
    "read-only-write": (
        "403 'Resource not accessible by personal access token' (or 'by integration') to a write "
        "made with a token granted read access only: GitHub answers it to every write the "
        "token's permissions do not cover (docs: 'Permissions required for fine-grained personal "
        "access tokens'), but the description lists 403 for only some operations (not for "
        "repos/create-or-update-file-contents)."
    ),
    "conditional-get": (
        "304 Not Modified to a GET whose If-None-Match matches the ETag: GitHub answers it on "
        "every GET (docs: 'Best practices for using the REST API', conditional requests), but "
        "the description lists 304 for only a few operations (not for repos/get)."
    ),
    "ambiguous-one-of": (
        "a body valid under more than one branch of a `oneOf` (e.g. the 409 of "
        "repos/create-or-update-file-contents: basic-error or repository-rule-violation-error, "
        "neither with required fields, so every object matches both): valid under `anyOf`."
    ),
    "nullable-one-of": (
        "null for a property marked `nullable` whose schema is a `oneOf` (e.g. a commit's "
        "`author` when no account has the git author's e-mail, which GitHub answers as null): "
        "OpenAPI 3.0's `nullable` does not reach into `oneOf`, so validators refuse the null."
    ),
    "array-discriminator": (
        "a directory listing (an array) answered by repos/get-content: the description's `oneOf` "
        "for it carries a `discriminator` on `type` whose mapping names `array` for "
        "content-directory, but an array has no `type` property, so a validator that follows the "
        "discriminator refuses every listing. The contract checks an array against the schema "
        "the mapping names for `array` instead, and reports that schema's violations."
    ),
    "string-validation-error": (
        "422 Validation Failed whose `errors` entry is a string, to a ruleset whose ref_name "
        "names a pattern that is neither ~DEFAULT_BRANCH, ~ALL nor a full ref: GitHub answers "
        "{message: 'Validation Failed', errors: [\"Invalid target patterns: 'main'\"]} "
        "(integrations/terraform-provider-github#2660, as go-github prints it: an entry with "
        "only a message; a ruleset create's answer quoted with the entry a string in "
        "tinyhumansai/opencompany#2299), but the rulesets operations' 422 is validation-error, "
        "whose entries are objects with a required `code`. Accepted only for that message."
    ),
    "status-checks-without-contexts": (
        "PUT branch protection whose required_status_checks carries `checks` but not the "
        "deprecated `contexts` the description marks required: GitHub accepts it, and "
        "terraform-provider-github (v6.13.0, expandRequiredStatusChecks) sends exactly that."
    ),
    # The next three are established by the server (it knows the state), never guessed here
    # from an answer's shape: see `check_response(unlisted=...)`.
    "missing-repository": (
        "404 Not Found (GitHub's basic-error body) to a /repos/{owner}/{repo}/... operation "
        "whose repository does not exist (never made, deleted, another owner): GitHub answers "
        "it on every such operation (docs: 'Troubleshooting the REST API', 404 Not Found), but "
        "the description lists 404 for only some (not for actions/get-github-actions-"
        "permissions-repository). Accepted only when the repository itself is missing, never "
        "for a missing pull request or ruleset of an existing one."
    ),
    "moved-repository": (
        "301 (GET) or 307 (other methods) to a /repos/{owner}/{repo}/... operation named by a "
        "renamed repository's old name, with GitHub's body {message: 'Moved Permanently', url, "
        "documentation_url} and a Location to /repositories/{id}/... (recorded from GitHub: "
        "octokit/fixtures scenarios/api.github.com/rename-repository, a GET answered 301 and a "
        "PATCH 307; 18F/charlie#85, a POST .../issues answered 307 to /repositories/ID/issues). "
        "Docs: 'Best practices for using the REST API', Follow redirects ('You should assume "
        "that any request may result in a redirection'). The description lists 301 for only a "
        "few GETs (repos/get, repos/get-branch) and 307 only for repos/update and repos/delete."
    ),
    "repository-by-id": (
        "/repositories/{repository_id}/...: where those redirects point; GitHub serves a "
        "repository's operations there too (octokit/fixtures rename-repository: GET and PATCH "
        "/repositories/ID answer 200 with the repository), but the description has no such "
        "path. The double checks the request and its answer as the /repos/{owner}/{repo}/... "
        "operation it stands for."
    ),
}


# The start of the one 422 `errors` entry GitHub words as a string where the description wants
# an object (`string-validation-error`).
INVALID_TARGET_PATTERNS = "Invalid target patterns: "


class SpecNotInstalledError(RuntimeError):
    """The npm package holding the description is missing; the message says how to install it."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    template: str
    statuses: frozenset[str]
    documentation_url: str


@dataclass(frozen=True)
class Outcome:
    """What a check found: violations make the test fail, notes name accepted SPEC_GAPS."""

    violations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


class _Request:
    """openapi-core's Request protocol over one request to the double."""

    def __init__(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> None:
        self.host_url = SPEC_SERVER
        self.path = path
        self.method = method.lower()
        self.body = body
        self.content_type = headers.get("Content-Type", "application/json" if body else "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in query.items() for v in vs]),
            header=Headers(list(headers.items())),
            cookie=ImmutableMultiDict(),
            path={},
        )


class _Response:
    """openapi-core's Response protocol over one answer of the double."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status
        self.headers = Headers(list(headers.items()))
        self.content_type = headers.get("Content-Type", "")
        self.data = body or None


def _spec_gap(error: Any, body: Any) -> str | None:
    """`error` is a jsonschema ValidationError (jsonschema ships no type stubs)."""
    """The SPEC_GAPS entry that accepts this schema error, if one does."""
    if error.validator == "oneOf":
        # jsonschema reports "valid under each of" as a oneOf error with no sub-errors (a
        # discriminator's refusal has no sub-errors either: only the wording tells them apart).
        if not error.context and " is valid under each of " in error.message:
            return "ambiguous-one-of"
        if error.instance is None and error.schema.get("nullable") is True:
            return "nullable-one-of"
    if (
        error.validator == "type"
        and len(error.absolute_path) == 2
        and error.absolute_path[0] == "errors"
        and isinstance(error.instance, str)
        and error.instance.startswith(INVALID_TARGET_PATTERNS)
        and isinstance(body, dict)
        and body.get("message") == "Validation Failed"
    ):
        return "string-validation-error"
    if (
        error.validator == "required"
        and list(error.absolute_path) == ["required_status_checks"]
        and error.message == "'contexts' is a required property"
        and isinstance(body, dict)
        and "checks" in (body.get("required_status_checks") or {})
    ):
        return "status-checks-without-contexts"
    return None


def _array_branch(error: Any) -> str | None:
    """The schema a discriminated `oneOf` maps `array` to, when `error` is that discriminator
    refusing an array (`array-discriminator` in SPEC_GAPS)."""
    discriminator = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if error.validator != "oneOf" or not isinstance(error.instance, list) or not discriminator:
        return None
    branch = (discriminator.get("mapping") or {}).get("array")
    return branch if isinstance(branch, str) else None


# Checks an instance against the schema at a `#/components/...` reference: its violations.
BranchCheck = Callable[[str, Any], list[Any]]


def _describe(
    error: Exception, body: Any, branch_check: BranchCheck | None = None
) -> tuple[list[str], list[str]]:
    """Readable violations of one openapi-core error, and the SPEC_GAPS that excused the rest."""
    causes: list[BaseException] = [error]
    if error.__cause__ is not None:
        causes.append(error.__cause__)
    for cause in causes:
        if isinstance(cause, InvalidSchemaValue):
            violations: list[str] = []
            gaps: list[str] = []
            schema_errors: list[Any] = list(cause.schema_errors)
            branch = _array_branch(schema_errors[0]) if len(schema_errors) == 1 else None
            if branch is not None and branch_check is not None:
                # The discriminator cannot apply to an array: check the branch it maps to.
                gaps.append("array-discriminator")
                schema_errors = branch_check(branch, schema_errors[0].instance)
            schema_error: Any
            for schema_error in schema_errors:
                gap = _spec_gap(schema_error, body)
                if gap is not None:
                    gaps.append(gap)
                    continue
                at = "/".join(map(str, schema_error.absolute_path)) or "(root)"
                violations.append(f"{type(error).__name__}: at {at}: {schema_error.message}")
            return violations, gaps
    detail = f"{type(error).__name__}: {error}"
    if error.__cause__ is not None:
        detail += f" ({error.__cause__})"
    return [detail], []


def _json_or_none(body: bytes | None) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


class Contract:
    """The parsed description and the checks the double runs on every request and answer."""

    def __init__(self, document: Mapping[str, Any], load_seconds: float) -> None:
        self.document = document
        self.load_seconds = load_seconds
        self.api = OpenAPI.from_dict(
            dict(document),
            # The description is GitHub's own and 13 MB; validating the document itself is
            # upstream's job and would cost minutes on every start.
            config=Config(spec_validator_cls=None),
        )
        self._operations: dict[tuple[str, str], Operation] = {}
        self._branch_validators: dict[str, Any] = {}
        for template, item in document["paths"].items():
            for method, op in item.items():
                if method == "parameters":
                    continue
                self._operations[(method.upper(), template)] = Operation(
                    op["operationId"],
                    template,
                    frozenset(op["responses"]),
                    op.get("externalDocs", {}).get("url", "https://docs.github.com/rest"),
                )

    @staticmethod
    def load(path: Path = SPEC_PATH) -> Contract:
        """The description at `path`, parsed once per process."""
        return _load(path.resolve())

    def _branch_errors(self, ref: str, instance: Any) -> list[Any]:
        """jsonschema errors of `instance` against the schema at `ref` (an answer, so read
        rules: OAS 3.0, `nullable`, the same formats openapi-core checks)."""
        validator = self._branch_validators.get(ref)
        if validator is None:
            root = {"components": self.document["components"], "$ref": ref}
            validator = OAS30ReadValidator(root, format_checker=OAS30ReadValidator.FORMAT_CHECKER)
            self._branch_validators[ref] = validator
        return list(validator.iter_errors(instance))

    def operation(self, method: str, template: str) -> Operation | None:
        return self._operations.get((method.upper(), template))

    def describe_unknown(self, method: str, path: str) -> str:
        """For a route the double does not serve: does GitHub's description know it?"""
        request = _Request(method, path, {}, {}, None)
        try:
            self.api.validate_request(request)
        except PathNotFound:
            return "GitHub's description has no such path"
        except OperationNotFound:
            return f"GitHub's description has this path but no {method} on it"
        except Exception:  # any other finding means the operation exists
            pass
        return "the operation is in GitHub's description but the double does not model it"

    def check_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> Outcome:
        request = _Request(method, path, query, headers, body)
        violations: list[str] = []
        notes: list[str] = []
        for error in self.api.iter_request_errors(request):
            found, gaps = _describe(error, _json_or_none(body))
            violations += found
            notes += gaps
        return Outcome(tuple(violations), tuple(notes))

    def check_response(
        self,
        method: str,
        path: str,
        request_headers: Mapping[str, str],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        *,
        unlisted: str | None = None,
        injected: bool = False,
    ) -> Outcome:
        """The answer's violations of the operation's documented responses, and the SPEC_GAPS
        that excused others. A status the operation does not list is accepted only when the
        server says why: `unlisted`, a SPEC_GAPS entry it established from the state (noted), or
        `injected`, an answer a test asked for (faults.py; not a gap, so not noted). Either way
        a listed status is checked against its schema as always."""
        if unlisted is not None and unlisted not in SPEC_GAPS:
            raise ValueError(f"{unlisted!r} is not a SPEC_GAPS entry")
        request = _Request(method, path, {}, request_headers, None)
        response = _Response(status, headers, body)
        violations: list[str] = []
        notes: list[str] = []
        for error in self.api.iter_response_errors(request, response):
            if type(error).__name__ == "ResponseNotFound" and (unlisted or injected):
                notes += [unlisted] if unlisted else []
                continue
            if (
                status == 304
                and method == "GET"
                and "If-None-Match" in request_headers
                and not body
                and type(error).__name__ == "ResponseNotFound"
            ):
                notes.append("conditional-get")
                continue
            if (
                status == 403
                and method not in ("GET", "HEAD")
                and type(error).__name__ == "ResponseNotFound"
                and _is_read_only_refusal(_json_or_none(body))
            ):
                notes.append("read-only-write")
                continue
            found, gaps = _describe(error, _json_or_none(body), self._branch_errors)
            violations += found
            notes += gaps
        return Outcome(tuple(violations), tuple(notes))


def _is_read_only_refusal(body: Any) -> bool:
    """GitHub's basic-error body of a write refused for lack of permission."""
    return (
        isinstance(body, dict)
        and set(body) == {"message", "documentation_url", "status"}
        and str(body["message"]).startswith("Resource not accessible by ")
        and body["status"] == "403"
    )


@functools.cache
def _load(path: Path) -> Contract:
    if not path.is_file():
        raise SpecNotInstalledError(f"{INSTALL_HINT}; looked for {path}")
    started = time.perf_counter()
    document = json.loads(path.read_bytes())
    contract = Contract(document, 0.0)
    contract.load_seconds = time.perf_counter() - started
    return contract
