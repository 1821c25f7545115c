"""The double's state: one organization, its repositories, their git history and their settings.

Everything GitHub decides (who may commit where, which branch exists, what a SHA is) is decided
here, as plain Python; `responses.py` only renders it. Object ids are real git object ids: a
blob, tree or commit SHA is the SHA-1 that git itself would compute for the same content, so
nothing here is a constant invented to look like GitHub's.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

# GitHub's repository role ids, as ruleset bypass actors name them (RepositoryRole).
ROLE_IDS: Mapping[str, int] = {"maintain": 2, "write": 4, "admin": 5}
# A role includes every role below it.
ROLE_RANK: Mapping[str, int] = {"read": 0, "triage": 1, "write": 2, "maintain": 3, "admin": 4}

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class GitHubError(Exception):
    """An answer GitHub itself gives: a status and its message (plus `errors` for 422s)."""

    def __init__(
        self, status: int, message: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


class UnmodelledError(Exception):
    """A request the double cannot answer the way GitHub would: refused loudly, never guessed."""


# --- Actors ----------------------------------------------------------------------------------


# Classic protection's on/off settings: booleans in a PUT, {"enabled": ...} in a GET.
PROTECTION_FLAGS = (
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
    "block_creations",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
)


@dataclass(frozen=True)
class User:
    """A person's token. `role` is their role on every repository of the organization."""

    login: str
    role: Literal["read", "triage", "write", "maintain", "admin"] = "admin"
    org_admin: bool = True

    @property
    def kind(self) -> str:
        return "user"

    @property
    def name(self) -> str:
        return self.login


@dataclass(frozen=True)
class App:
    """A GitHub App's token; a ruleset names the app as actor_type Integration, actor_id app_id."""

    app_id: int
    slug: str = "automation"

    @property
    def kind(self) -> str:
        return "app"

    @property
    def name(self) -> str:
        return f"{self.slug}[bot]"


Actor = User | App


def actor_id(actor: Actor) -> int:
    """A stable numeric account id derived from the actor's name (not GitHub's real numbering)."""
    return int.from_bytes(hashlib.sha256(actor.name.encode()).digest()[:3], "big") + 1000


def actor_email(actor: Actor) -> str:
    return f"{actor_id(actor)}+{actor.name}@users.noreply.github.com"


# --- Git objects -----------------------------------------------------------------------------


def git_blob_sha(content: bytes) -> str:
    """`git hash-object` of a file's content."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def git_tree_sha(files: Mapping[str, str]) -> str:
    """The root tree id of a snapshot {path: blob sha}, built as git builds nested trees."""
    entries: dict[str, tuple[str, str]] = {}
    subtrees: dict[str, dict[str, str]] = {}
    for path, blob in files.items():
        head, _, rest = path.partition("/")
        if rest:
            subtrees.setdefault(head, {})[rest] = blob
        else:
            entries[head] = ("100644", blob)
    for name, sub in subtrees.items():
        entries[name] = ("40000", git_tree_sha(sub))

    # git orders tree entries by name, a directory's name compared as if it ended in "/".
    def order(name: str) -> bytes:
        return (name + "/" if entries[name][0] == "40000" else name).encode()

    body = b"".join(
        f"{entries[name][0]} {name}".encode() + b"\0" + bytes.fromhex(entries[name][1])
        for name in sorted(entries, key=order)
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Signature:
    name: str
    email: str
    date: datetime

    def git_line(self) -> str:
        return f"{self.name} <{self.email}> {int(self.date.timestamp())} +0000"


@dataclass(frozen=True)
class FileChange:
    path: str
    status: Literal["added", "modified", "removed"]
    blob: str | None
    previous_blob: str | None


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: Signature
    committer: Signature
    files: Mapping[str, str]  # the whole snapshot: path -> blob sha
    changes: tuple[FileChange, ...]
    pusher: Actor  # whose token made the commit


def make_commit(
    files: Mapping[str, str],
    parents: tuple[str, ...],
    message: str,
    author: Signature,
    committer: Signature,
    changes: tuple[FileChange, ...],
    pusher: Actor,
) -> Commit:
    tree = git_tree_sha(files)
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
    lines += [f"author {author.git_line()}", f"committer {committer.git_line()}", "", message]
    raw = "\n".join(lines).encode()
    sha = hashlib.sha1(b"commit %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()
    return Commit(sha, tree, parents, message, author, committer, dict(files), changes, pusher)


# --- Repository ------------------------------------------------------------------------------

# What a new organization repository gets when the create request does not say (GitHub's
# documented defaults for POST /orgs/{org}/repos).
REPOSITORY_DEFAULTS: Mapping[str, Any] = {
    "description": None,
    "homepage": None,
    "visibility": "public",
    "has_issues": True,
    "has_projects": True,
    "has_wiki": True,
    "has_downloads": True,
    "has_discussions": False,
    "is_template": False,
    "allow_squash_merge": True,
    "allow_merge_commit": True,
    "allow_rebase_merge": True,
    "allow_auto_merge": False,
    "delete_branch_on_merge": False,
    "allow_update_branch": False,
    "use_squash_pr_title_as_default": False,
    "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
    "squash_merge_commit_message": "COMMIT_MESSAGES",
    "merge_commit_title": "MERGE_MESSAGE",
    "merge_commit_message": "PR_TITLE",
    "allow_forking": False,
    "web_commit_signoff_required": False,
    "archived": False,
}
SETTABLE = frozenset(REPOSITORY_DEFAULTS)
SECURITY_FEATURES = ("secret_scanning", "secret_scanning_push_protection")


@dataclass
class Ruleset:
    id: int
    name: str
    target: str
    enforcement: str
    bypass_actors: list[dict[str, Any]]
    conditions: dict[str, Any] | None
    rules: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    def ref_patterns(self) -> tuple[list[str], list[str]]:
        ref_name = (self.conditions or {}).get("ref_name") or {}
        return list(ref_name.get("include", [])), list(ref_name.get("exclude", []))

    def applies_to(self, branch: str, default_branch: str) -> bool:
        if self.target not in ("branch", "push") or self.enforcement != "active":
            return False
        includes, excludes = self.ref_patterns()

        def matches(pattern: str) -> bool:
            if pattern == "~ALL":
                return True
            if pattern == "~DEFAULT_BRANCH":
                return branch == default_branch
            return fnmatch.fnmatchcase(f"refs/heads/{branch}", pattern)

        return any(map(matches, includes)) and not any(map(matches, excludes))

    def bypasses(self, actor: Actor) -> bool:
        """Whether `actor` may commit directly; `pull_request` mode only lets PRs through."""
        for entry in self.bypass_actors:
            if entry.get("bypass_mode", "always") != "always":
                continue
            kind, ident = entry.get("actor_type"), entry.get("actor_id")
            if kind == "Integration" and isinstance(actor, App) and actor.app_id == ident:
                return True
            if kind == "RepositoryRole" and isinstance(actor, User):
                roles = [role for role, number in ROLE_IDS.items() if number == ident]
                if roles and ROLE_RANK[actor.role] >= ROLE_RANK[roles[0]]:
                    return True
            if kind == "OrganizationAdmin" and isinstance(actor, User) and actor.org_admin:
                return True
        return False


@dataclass
class Repository:
    id: int
    name: str
    owner: str
    settings: dict[str, Any]
    default_branch: str
    created_at: datetime
    updated_at: datetime
    pushed_at: datetime | None = None
    branches: dict[str, str] = field(default_factory=dict)  # name -> head commit sha
    commits: dict[str, Commit] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    rulesets: dict[int, Ruleset] = field(default_factory=dict)
    protections: dict[str, dict[str, Any]] = field(default_factory=dict)  # branch -> classic
    security: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(SECURITY_FEATURES, "disabled")
    )
    vulnerability_alerts: bool = False
    automated_security_fixes: bool = False
    actions_permissions: dict[str, Any] = field(
        default_factory=lambda: {
            "enabled": True,
            "allowed_actions": "all",
            "sha_pinning_required": False,
        }
    )
    workflow_permissions: dict[str, Any] = field(
        default_factory=lambda: {
            "default_workflow_permissions": "read",
            "can_approve_pull_request_reviews": False,
        }
    )

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def resolve(self, ref: str) -> Commit:
        """A branch name, `heads/NAME`, `refs/heads/NAME` or a (full) commit SHA."""
        name = ref.removeprefix("refs/").removeprefix("heads/")
        if name in self.branches:
            return self.commits[self.branches[name]]
        if ref in self.commits:
            return self.commits[ref]
        raise GitHubError(404, f"No commit found for the ref {ref}")

    def history(self, head: str) -> Iterator[Commit]:
        """First-parent history, newest first."""
        sha: str | None = head
        while sha is not None:
            commit = self.commits[sha]
            yield commit
            sha = commit.parents[0] if commit.parents else None


# --- The backend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """Why a direct commit to a branch is refused, and by which protection."""

    source: Literal["ruleset", "classic"]
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        if self.source == "ruleset":
            return "Repository rule violations found\n\n" + "".join(
                f"{reason}\n\n" for reason in self.reasons
            )
        return self.reasons[0]


def _checks_reason(contexts: list[str]) -> str:
    if len(contexts) == 1:
        return f'Required status check "{contexts[0]}" is expected.'
    return f"{len(contexts)} of {len(contexts)} required status checks are expected."


class GitHubBackend:
    """One organization on one GitHub; all state the double serves."""

    def __init__(self, org: str, clock: Clock = utc_now) -> None:
        self.org = org
        self.org_id = 1_000_000 + int.from_bytes(hashlib.sha256(org.encode()).digest()[:2], "big")
        self.created_at = clock()
        self.clock = clock
        self.repositories: dict[str, Repository] = {}
        self._repo_ids = itertools.count(500_000_001)
        self._ruleset_ids = itertools.count(1_000_001)

    # Repositories --------------------------------------------------------------------------

    def repository(self, owner: str, name: str) -> Repository:
        repo = self.repositories.get(name.lower())
        if owner.lower() != self.org.lower() or repo is None:
            raise GitHubError(404, "Not Found")
        return repo

    def create_repository(self, actor: Actor, body: Mapping[str, Any]) -> Repository:
        name = str(body["name"])
        if name.lower() in self.repositories:
            raise GitHubError(
                422,
                "Repository creation failed.",
                [
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "name",
                        "message": "name already exists on this account",
                    }
                ],
            )
        for unmodelled in ("gitignore_template", "license_template", "team_id"):
            # The provider sends "" for an unset template; GitHub reads that as none.
            if body.get(unmodelled):
                raise UnmodelledError(f"creating a repository with {unmodelled!r}")
        settings = dict(REPOSITORY_DEFAULTS)
        settings.update({key: body[key] for key in SETTABLE if key in body})
        if "visibility" not in body and "private" in body:
            settings["visibility"] = "private" if body["private"] else "public"
        now = self.clock()
        repo = Repository(
            id=next(self._repo_ids),
            name=name,
            owner=self.org,
            settings=settings,
            default_branch="main",
            created_at=now,
            updated_at=now,
        )
        self.repositories[name.lower()] = repo
        if body.get("auto_init"):
            # GitHub's first commit: a README holding the name (and description) on `main`.
            description = settings["description"]
            readme = f"# {name}\n" + (f"{description}\n" if description else "")
            self._commit(repo, actor, "main", {"README.md": readme.encode()}, "Initial commit")
        return repo

    def update_repository(self, repo: Repository, body: Mapping[str, Any]) -> Repository:
        if "default_branch" in body and body["default_branch"] != repo.default_branch:
            branch = str(body["default_branch"])
            if repo.branches and branch not in repo.branches:
                raise GitHubError(
                    422,
                    "Validation Failed",
                    [
                        {
                            "resource": "Repository",
                            "code": "invalid",
                            "field": "default_branch",
                            "message": f"The branch {branch} was not found.",
                        }
                    ],
                )
            repo.default_branch = branch
        if "name" in body and body["name"] != repo.name:
            del self.repositories[repo.name.lower()]
            repo.name = str(body["name"])
            self.repositories[repo.name.lower()] = repo
        if "private" in body and "visibility" not in body:
            repo.settings["visibility"] = "private" if body["private"] else "public"
        for key in SETTABLE & body.keys():
            repo.settings[key] = body[key]
        for feature, value in (body.get("security_and_analysis") or {}).items():
            if feature not in SECURITY_FEATURES:
                raise UnmodelledError(f"security_and_analysis.{feature} is not modelled")
            repo.security[feature] = value["status"]
        repo.updated_at = self.clock()
        return repo

    def delete_repository(self, repo: Repository) -> None:
        del self.repositories[repo.name.lower()]

    # Branches and files -------------------------------------------------------------------

    def branch(self, repo: Repository, name: str) -> Commit:
        if name not in repo.branches:
            raise GitHubError(404, "Branch not found")
        return repo.commits[repo.branches[name]]

    def create_ref(self, repo: Repository, ref: str, sha: str) -> str:
        if not ref.startswith("refs/heads/") or ref.count("/") < 2:
            raise UnmodelledError(f"creating {ref!r}: only branches (refs/heads/...) are modelled")
        name = ref.removeprefix("refs/heads/")
        if name in repo.branches:
            raise GitHubError(422, "Reference already exists")
        if sha not in repo.commits:
            raise GitHubError(422, "Object does not exist")
        repo.branches[name] = sha
        return name

    def delete_ref(self, repo: Repository, ref: str) -> None:
        name = ref.removeprefix("heads/")
        if not ref.startswith("heads/") or name not in repo.branches:
            raise GitHubError(422, "Reference does not exist")
        del repo.branches[name]

    def read_file(self, repo: Repository, path: str, ref: str | None) -> tuple[str, bytes, str]:
        """(blob sha, content, the ref it was read at)."""
        if not repo.branches:
            raise GitHubError(404, "This repository is empty.")
        ref = ref or repo.default_branch
        commit = repo.resolve(ref)
        blob = commit.files.get(path.strip("/"))
        if blob is None:
            raise GitHubError(404, "Not Found")
        return blob, repo.blobs[blob], ref

    def refusal(self, repo: Repository, actor: Actor, branch: str) -> Refusal | None:
        """Why GitHub would refuse `actor`'s direct commit to `branch`, if it would."""
        reasons: list[str] = []
        for ruleset in repo.rulesets.values():
            if not ruleset.applies_to(branch, repo.default_branch) or ruleset.bypasses(actor):
                continue
            for rule in ruleset.rules:
                if rule["type"] == "pull_request":
                    reasons.append("Changes must be made through a pull request.")
                elif rule["type"] == "required_status_checks":
                    checks = rule["parameters"]["required_status_checks"]
                    if checks:
                        reasons.append(_checks_reason([c["context"] for c in checks]))
                elif rule["type"] == "update":
                    reasons.append("Cannot update this protected ref.")
        if reasons:
            return Refusal("ruleset", tuple(dict.fromkeys(reasons)))
        classic = repo.protections.get(branch)
        if classic is None:
            return None
        admin = isinstance(actor, User) and actor.role == "admin"
        if admin and not classic["enforce_admins"]:
            return None
        if classic["required_pull_request_reviews"] is not None:
            return Refusal("classic", ("Changes must be made through a pull request.",))
        checks = classic["required_status_checks"]
        if checks is not None and checks["contexts"]:
            return Refusal("classic", (_checks_reason(checks["contexts"]),))
        return None

    def write_file(
        self,
        repo: Repository,
        actor: Actor,
        path: str,
        content: bytes | None,
        message: str,
        branch: str | None,
        sha: str | None,
        author: Mapping[str, str] | None = None,
        committer: Mapping[str, str] | None = None,
    ) -> tuple[Commit, bool]:
        """Create, update (content) or delete (content None) one file: (the commit, created?)."""
        path = path.strip("/")
        if branch is None:
            branch = repo.default_branch
        if not repo.branches and content is not None and branch == repo.default_branch:
            # An empty repository: the first contents write creates its default branch.
            commit = self._commit(repo, actor, branch, {path: content}, message, author, committer)
            return commit, True
        if branch not in repo.branches:
            raise GitHubError(404, f"Branch {branch} not found")
        current = repo.commits[repo.branches[branch]].files.get(path)
        if current is not None and sha is None:
            raise GitHubError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if current is None and content is None:
            raise GitHubError(404, "Not Found")
        if sha is not None and sha != current:
            raise GitHubError(409, f"{path} does not match {sha}")
        refusal = self.refusal(repo, actor, branch)
        if refusal is not None:
            raise GitHubError(409, refusal.message)
        commit = self._commit(repo, actor, branch, {path: content}, message, author, committer)
        return commit, current is None

    def _commit(
        self,
        repo: Repository,
        actor: Actor,
        branch: str,
        writes: Mapping[str, bytes | None],
        message: str,
        author: Mapping[str, str] | None = None,
        committer: Mapping[str, str] | None = None,
    ) -> Commit:
        now = self.clock()
        parent = repo.branches.get(branch)
        files = dict(repo.commits[parent].files) if parent else {}
        changes: list[FileChange] = []
        for path, content in writes.items():
            before = files.get(path)
            if content is None:
                files.pop(path)
                changes.append(FileChange(path, "removed", None, before))
                continue
            blob = git_blob_sha(content)
            repo.blobs[blob] = content
            files[path] = blob
            changes.append(FileChange(path, "modified" if before else "added", blob, before))

        def signature(given: Mapping[str, str] | None) -> Signature:
            if given is None:
                return Signature(actor.name, actor_email(actor), now)
            return Signature(given["name"], given["email"], now)

        # GitHub's defaults: the committer is the caller, the author the committer.
        committed_by = signature(committer)
        authored_by = signature(author) if author is not None else committed_by
        commit = make_commit(
            files,
            (parent,) if parent else (),
            message,
            authored_by,
            committed_by,
            tuple(changes),
            actor,
        )
        repo.commits[commit.sha] = commit
        repo.branches[branch] = commit.sha
        repo.pushed_at = now
        return commit

    # Rulesets -----------------------------------------------------------------------------

    def ruleset(self, repo: Repository, ruleset_id: int) -> Ruleset:
        if ruleset_id not in repo.rulesets:
            raise GitHubError(404, "Not Found")
        return repo.rulesets[ruleset_id]

    def save_ruleset(
        self, repo: Repository, body: Mapping[str, Any], ruleset_id: int | None = None
    ) -> Ruleset:
        existing = repo.rulesets.get(ruleset_id) if ruleset_id is not None else None
        name = str(body.get("name", existing.name if existing else ""))
        if any(r.name == name and r.id != ruleset_id for r in repo.rulesets.values()):
            raise GitHubError(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "Ruleset",
                        "code": "custom",
                        "field": "name",
                        "message": "Name must be unique",
                    }
                ],
            )
        now = self.clock()
        if existing is None:
            existing = Ruleset(
                id=next(self._ruleset_ids),
                name=name,
                target="branch",
                enforcement=str(body["enforcement"]),
                bypass_actors=[],
                conditions=None,
                rules=[],
                created_at=now,
                updated_at=now,
            )
        existing.name = name
        existing.target = str(body.get("target", existing.target))
        existing.enforcement = str(body.get("enforcement", existing.enforcement))
        for key in ("bypass_actors", "conditions", "rules"):
            if key in body:
                setattr(existing, key, copy.deepcopy(body[key]))
        for entry in existing.bypass_actors:
            entry.setdefault("bypass_mode", "always")
        existing.updated_at = now
        repo.rulesets[existing.id] = existing
        return existing

    # Classic branch protection ------------------------------------------------------------

    def protection(self, repo: Repository, branch: str) -> dict[str, Any]:
        if branch not in repo.branches:
            raise GitHubError(404, "Branch not found")
        if branch not in repo.protections:
            raise GitHubError(404, "Branch not protected")
        return repo.protections[branch]

    def protect(self, repo: Repository, branch: str, body: Mapping[str, Any]) -> dict[str, Any]:
        if branch not in repo.branches:
            raise GitHubError(404, "Branch not found")
        checks_in = body["required_status_checks"]
        checks = None
        if checks_in is not None:
            if "checks" in checks_in:
                pinned = [
                    {"context": c["context"], "app_id": c.get("app_id")}
                    for c in checks_in["checks"]
                ]
            else:
                pinned = [{"context": c, "app_id": None} for c in checks_in.get("contexts", [])]
            checks = {
                "strict": bool(checks_in["strict"]),
                "checks": pinned,
                "contexts": [c["context"] for c in pinned],
            }
        reviews_in = body["required_pull_request_reviews"]
        reviews = None
        if reviews_in is not None:
            for unmodelled in ("dismissal_restrictions", "bypass_pull_request_allowances"):
                if any((reviews_in.get(unmodelled) or {}).values()):
                    raise UnmodelledError(f"required_pull_request_reviews.{unmodelled}")
            reviews = {
                "dismiss_stale_reviews": bool(reviews_in.get("dismiss_stale_reviews", False)),
                "require_code_owner_reviews": bool(
                    reviews_in.get("require_code_owner_reviews", False)
                ),
                "required_approving_review_count": int(
                    reviews_in.get("required_approving_review_count", 0) or 0
                ),
                "require_last_push_approval": bool(
                    reviews_in.get("require_last_push_approval", False)
                ),
            }
        restrictions = body["restrictions"]
        if restrictions is not None and any(map(restrictions.get, ("users", "teams", "apps"))):
            raise UnmodelledError("branch protection restrictions naming users, teams or apps")
        previous = repo.protections.get(branch, {})
        protection: dict[str, Any] = {
            "required_status_checks": checks,
            "enforce_admins": bool(body["enforce_admins"]),
            "required_pull_request_reviews": reviews,
            "restrictions": None
            if restrictions is None
            else {"users": [], "teams": [], "apps": []},
            "required_signatures": previous.get("required_signatures", False),
        }
        for flag in PROTECTION_FLAGS:
            protection[flag] = bool(body.get(flag) or False)
        repo.protections[branch] = protection
        return protection

    # Seeding and state ----------------------------------------------------------------------

    def seed_commit(
        self, repo: Repository, actor: Actor, branch: str, files: Mapping[str, bytes], message: str
    ) -> Commit:
        """A commit made outside the API (as a `git push` would), for setting up a test."""
        return self._commit(repo, actor, branch, files, message)

    def state(self) -> dict[str, Any]:
        """Everything the double holds, as JSON-ready data."""
        return {
            "org": self.org,
            "repositories": {
                repo.name: _repository_state(repo)
                for repo in sorted(self.repositories.values(), key=lambda r: r.name.lower())
            },
        }


def _signature_state(signature: Signature) -> dict[str, str]:
    return {"name": signature.name, "email": signature.email, "date": iso(signature.date)}


def _text(content: bytes) -> dict[str, str]:
    try:
        return {"content": content.decode()}
    except UnicodeDecodeError:
        return {"content_base64": base64.b64encode(content).decode()}


def _repository_state(repo: Repository) -> dict[str, Any]:
    branches: dict[str, Any] = {}
    for name, head in sorted(repo.branches.items()):
        history = list(repo.history(head))
        files: dict[str, Any] = {}
        for path, blob in sorted(repo.commits[head].files.items()):
            files[path] = {
                "sha": blob,
                **_text(repo.blobs[blob]),
                # Newest first, along the branch's first parents, as `git log --first-parent`.
                "history": [
                    {
                        "commit": commit.sha,
                        "parents": list(commit.parents),
                        "message": commit.message,
                        "author": commit.author.name,
                        "pusher": commit.pusher.name,
                        "date": iso(commit.committer.date),
                        "status": change.status,
                        "blob": change.blob,
                    }
                    for commit in history
                    for change in commit.changes
                    if change.path == path
                ],
            }
        branches[name] = {"head": head, "files": files}
    return {
        "id": repo.id,
        "name": repo.name,
        "full_name": repo.full_name,
        "default_branch": repo.default_branch,
        "settings": dict(repo.settings),
        "security_and_analysis": dict(repo.security),
        "vulnerability_alerts": repo.vulnerability_alerts,
        "automated_security_fixes": repo.automated_security_fixes,
        "actions_permissions": dict(repo.actions_permissions),
        "workflow_permissions": dict(repo.workflow_permissions),
        "branches": branches,
        # In the order they were made.
        "commits": [
            {
                "sha": commit.sha,
                "tree": commit.tree,
                "parents": list(commit.parents),
                "message": commit.message,
                "author": _signature_state(commit.author),
                "committer": _signature_state(commit.committer),
                "pusher": commit.pusher.name,
                "changes": [
                    {"path": c.path, "status": c.status, "blob": c.blob} for c in commit.changes
                ],
            }
            for commit in repo.commits.values()
        ],
        "rulesets": [
            {
                "id": r.id,
                "name": r.name,
                "target": r.target,
                "enforcement": r.enforcement,
                "bypass_actors": copy.deepcopy(r.bypass_actors),
                "conditions": copy.deepcopy(r.conditions),
                "rules": copy.deepcopy(r.rules),
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
            }
            for r in repo.rulesets.values()
        ],
        "classic_protection": copy.deepcopy(repo.protections),
    }
