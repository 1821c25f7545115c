"""Issues, their comments, labels and assignees: GitHub's decisions, on the state `models.py`
keeps (the calls of the pipeline's Bug Logger script, `workflows/scripts/bug_logger.js`).

GitHub numbers issues and pull requests in one sequence, and its issues API serves both: every
pull request is also an issue (listed with a `pull_request` key, commented on through the same
endpoint). Where GitHub's answer is not known, the request is refused loudly
(`UnmodelledError`), never guessed.

What a token scoped to a job's `permissions:` (a workflow's GITHUB_TOKEN, the GitHub Actions
app's installation token) needs for each call is read from GitHub Docs, "Permissions required
for GitHub Apps" (github/docs, src/github-apps/data/fpt-2022-11-28/
server-to-server-permissions.json): `GET /repos/{owner}/{repo}/issues` needs "Issues" read and
`POST /repos/{owner}/{repo}/issues` "Issues" write, listed under nothing else; `POST
…/issues/{issue_number}/comments` and `POST …/issues/{issue_number}/assignees` are listed under
both "Issues" and "Pull requests" (write), each marked as an endpoint where "a different
permission may be used". Which one a target needs is modelled as: a pull request, either; an
issue, "Issues" (that "Pull requests" alone is refused on an issue is not documented, so the
double refuses that request loudly instead of guessing).

GitHub's words, and where they were read:

- 410 "Issues are disabled for this repo" to creating an issue or commenting on one when the
  repository's issues are off (the description: "If issues are disabled in the repository, the
  API returns a `410 Gone` status"; the message is the one GitHub's clients quote, e.g.
  PyGithub's and octokit's issue trackers).
- 403 "Resource not accessible by integration" ("… by personal access token" for a user's
  token) to a write its token's permissions do not cover (the message every workflow log of a
  GITHUB_TOKEN without the permission shows).
- Labels a caller without push access sends are "silently dropped", and assignees "silently
  ignored" (the description of issues/create and issues/add-assignees). A label that does not
  exist is created, with color `ededed` and no description (github/docs#35718, "Add labels to
  an issue"; the same on create: ballerina-attic/ballerina-extended-library#453).
- GitHub's default labels of a new repository (names, colors, descriptions as GitHub's label
  page shows them, copied in many label-sync configurations, e.g. valeratrades/.github
  labels.nix); a guess in detail (`help wanted` is also quoted as `008672`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from testing.github_double.models import (
    Actor,
    App,
    GitHubBackend,
    GitHubError,
    Issue,
    IssueComment,
    Label,
    PullRequest,
    Repository,
    UnmodelledError,
    User,
)

DISABLED = "Issues are disabled for this repo"
# name, color, description
DEFAULT_LABELS: tuple[tuple[str, str, str], ...] = (
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
)
NEW_LABEL_COLOR = "ededed"
MAX_ASSIGNEES = 10  # "Adds up to 10 assignees to an issue"
ACCESS_RANK: Mapping[str, int] = {"none": 0, "read": 1, "write": 2}
# Create parameters the Bug Logger does not send and the double does not model.
UNMODELLED_CREATE = ("assignee", "assignees", "milestone", "type", "issue_field_values")
# List filters the double does not model (it serves state, labels, sort, direction, paging).
UNMODELLED_FILTERS = (
    "milestone",
    "assignee",
    "type",
    "creator",
    "mentioned",
    "issue_field_values",
    "since",
)

Found = Issue | PullRequest


# --- Who may ------------------------------------------------------------------------------------


def _grantee(actor: Actor) -> str:
    return "integration" if isinstance(actor, App) else "personal access token"


def _has(granted: Mapping[str, str], scope: str, access: str) -> bool:
    return ACCESS_RANK.get(granted.get(scope, "none"), 0) >= ACCESS_RANK[access]


def _pushes(actor: Actor) -> bool:
    """Push access: a user with write, maintain or admin, or an app (the double's apps write)."""
    return isinstance(actor, App) or actor.role in ("write", "maintain", "admin")


def require_write(granted: Mapping[str, str] | None, actor: Actor, target: Found | None) -> None:
    """A scoped token's permission for a write on the issues API: `target` None is creating an
    issue ("Issues" write), an issue needs "Issues" write, a pull request either "Issues" or
    "Pull requests" write. None: a token with its actor's whole access."""
    if granted is None:
        return
    if isinstance(target, PullRequest):
        if _has(granted, "pull-requests", "write") or _has(granted, "issues", "write"):
            return
    elif _has(granted, "issues", "write"):
        return
    elif target is not None and _has(granted, "pull-requests", "write"):
        raise UnmodelledError(
            f"a write on issue #{target.number} with `pull-requests: write` but not `issues: "
            "write` (GitHub's docs list both for the endpoint; which one an issue needs is not "
            "documented)"
        )
    raise GitHubError(403, f"Resource not accessible by {_grantee(actor)}")


def require_read(granted: Mapping[str, str] | None) -> None:
    if granted is not None and not _has(granted, "issues", "read"):
        raise UnmodelledError(
            f"listing issues with a token scoped to {dict(granted)} (no `issues: read`): "
            "GitHub's 403 to a GET is not in the description"
        )


# --- Labels -------------------------------------------------------------------------------------


def labels(backend: GitHubBackend, repo: Repository) -> dict[str, Label]:
    """The repository's labels by lower-cased name; GitHub's defaults on first use."""
    if not repo.labels:
        for name, color, description in DEFAULT_LABELS:
            repo.labels[name] = Label(next(backend.ids), name, color, description, True)
    return repo.labels


def _apply_labels(backend: GitHubBackend, repo: Repository, names: Sequence[Any]) -> list[str]:
    """The labels' names as the repository spells them; a missing one is created."""
    known = labels(backend, repo)
    applied: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise UnmodelledError("labels given as objects (the double takes names)")
        label = known.get(name.lower())
        if label is None:
            label = Label(next(backend.ids), name, NEW_LABEL_COLOR, None, False)
            known[name.lower()] = label
        if label.name not in applied:
            applied.append(label.name)
    return applied


# --- Issues -------------------------------------------------------------------------------------


def target(repo: Repository, number: int) -> Found:
    """The issue or pull request of that number: GitHub's 404 when neither exists."""
    found: Found | None = repo.issues.get(number) or repo.pulls.get(number)
    if found is None:
        raise GitHubError(404, "Not Found")
    return found


def create_issue(
    backend: GitHubBackend,
    repo: Repository,
    actor: Actor,
    body: Mapping[str, Any],
    granted: Mapping[str, str] | None,
) -> Issue:
    require_write(granted, actor, None)
    if not repo.settings["has_issues"]:
        raise GitHubError(410, DISABLED)
    for unmodelled in UNMODELLED_CREATE:
        if body.get(unmodelled):
            raise UnmodelledError(f"creating an issue with {unmodelled!r}")
    now = backend.clock()
    created = Issue(
        id=next(backend.ids),
        number=repo.next_number(),
        title=str(body["title"]),  # the contract checked it is there (a string or an integer)
        body=body.get("body"),
        user=actor,
        created_at=now,
        updated_at=now,
    )
    # "Labels are silently dropped" for a caller without push access.
    if _pushes(actor):
        created.labels = _apply_labels(backend, repo, body.get("labels") or [])
    repo.issues[created.number] = created
    return created


def list_issues(
    repo: Repository,
    query: Mapping[str, list[str]],
    state: str,
    wanted_labels: str | None,
    sort: str,
    direction: str,
) -> list[Found]:
    """Issues and pull requests (GitHub lists both) in `state` carrying every label of
    `wanted_labels` (comma-separated, case-insensitive), sorted as asked."""
    if not repo.settings["has_issues"]:
        raise UnmodelledError("listing the issues of a repository whose issues are off")
    for unmodelled in UNMODELLED_FILTERS:
        if unmodelled in query:
            raise UnmodelledError(f"listing issues by {unmodelled!r}")
    if sort not in ("created", "updated"):
        raise UnmodelledError(f"sort={sort} (the double does not sort by comments)")
    wanted = {name.strip().lower() for name in (wanted_labels or "").split(",") if name.strip()}
    candidates: list[Found] = [*repo.issues.values(), *repo.pulls.values()]
    found = [
        item
        for item in candidates
        if state in ("all", item.state)
        # A pull request carries no labels in the double.
        and wanted <= {name.lower() for name in (item.labels if isinstance(item, Issue) else ())}
    ]

    def key(item: Found) -> tuple[Any, int]:
        return (item.created_at if sort == "created" else item.updated_at), item.number

    return sorted(found, key=key, reverse=direction == "desc")


def comment(
    backend: GitHubBackend,
    repo: Repository,
    actor: Actor,
    number: int,
    text: str,
    granted: Mapping[str, str] | None,
) -> IssueComment:
    found = target(repo, number)
    require_write(granted, actor, found)
    if isinstance(found, Issue) and not repo.settings["has_issues"]:
        raise GitHubError(410, DISABLED)
    made = IssueComment(next(backend.ids), number, text, actor, backend.clock())
    repo.issue_comments.append(made)
    found.updated_at = made.created_at
    return made


def comments_on(repo: Repository, number: int) -> int:
    return sum(1 for made in repo.issue_comments if made.number == number)


def _accounts(repo: Repository) -> dict[str, User]:
    """The users this repository has seen (authors, commenters, pushers, reviewers), by
    lower-cased login: every user of the double is a member of the organization, whom GitHub
    lets be assigned."""
    seen: list[Actor] = [
        *(issue.user for issue in repo.issues.values()),
        *(pull.user for pull in repo.pulls.values()),
        *(review.user for pull in repo.pulls.values() for review in pull.reviews),
        *(made.user for made in repo.issue_comments),
        *(commit.pusher for commit in repo.commits.values()),
    ]
    return {actor.login.lower(): actor for actor in seen if isinstance(actor, User)}


def add_assignees(
    backend: GitHubBackend,
    repo: Repository,
    actor: Actor,
    number: int,
    body: Mapping[str, Any],
    granted: Mapping[str, str] | None,
) -> Issue:
    found = repo.issues.get(number)
    if found is None:
        # A missing number's 404 and a pull request's assignees are not in the description.
        raise UnmodelledError(f"assignees for #{number}, which is no issue of the repository")
    require_write(granted, actor, found)
    if not repo.settings["has_issues"]:
        raise UnmodelledError("assigning an issue of a repository whose issues are off")
    if not _pushes(actor):
        return found  # "Assignees are silently ignored" for a caller without push access
    accounts = _accounts(repo)
    assignees = list(found.assignees)
    for login in body.get("assignees") or []:
        if not isinstance(login, str):
            raise UnmodelledError("assignees given as objects (the double takes logins)")
        account = accounts.get(login.lower())
        if account is None:
            raise UnmodelledError(
                f"assigning {login!r}, an account the double has not seen in this repository "
                "(GitHub's answer for one it cannot assign is not known)"
            )
        if account not in assignees:
            assignees.append(account)
    if len(assignees) > MAX_ASSIGNEES:
        raise UnmodelledError(f"more than {MAX_ASSIGNEES} assignees on one issue")
    if assignees != found.assignees:
        found.assignees, found.updated_at = assignees, backend.clock()
    return found
