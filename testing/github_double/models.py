"""The double's state: one organization, its repositories, their git history and their settings.

Everything GitHub decides (who may commit where, which branch exists, what a SHA is) is decided
here, as plain Python; `handlers/` only renders it. Object ids are real git object ids: a
blob, tree or commit SHA is the SHA-1 that git itself would compute for the same content, so
nothing here is a constant invented to look like GitHub's.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
        self, status: int, message: str, errors: list[dict[str, str]] | list[str] | None = None
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

    def order(name: str) -> bytes:
        return git_tree_order(name, entries[name][0] == "40000")

    body = b"".join(
        f"{entries[name][0]} {name}".encode() + b"\0" + bytes.fromhex(entries[name][1])
        for name in sorted(entries, key=order)
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body, usedforsecurity=False).hexdigest()


def git_tree_order(name: str, is_dir: bool) -> bytes:
    """git's order of tree entries: bytewise by name, a directory's name as if it ended in "/"
    (so `docs-x` comes before the directory `docs`, and `README.md` before `auth`)."""
    return (name + "/" if is_dir else name).encode()


@dataclass(frozen=True)
class TreeEntry:
    """One item of a directory at a commit: a file (blob) or a directory (tree)."""

    name: str
    path: str
    type: Literal["file", "dir"]
    sha: str  # the blob's or the (sub)tree's git object id
    size: int  # a file's length in bytes; 0 for a directory, as GitHub answers


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
# The keys of an organization ruleset's conditions that select repositories.
REPOSITORY_TARGETS = ("repository_name", "repository_id", "repository_property")
SECURITY_FEATURES = ("secret_scanning", "secret_scanning_push_protection")


# GitHub's rule for a topic (docs, "Classifying your repository with topics"; the message is the
# one GitHub answers, quoted in terraform-provider-github#951 with the older limit of 35).
TOPIC = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
TOPIC_RULE = (
    "Topics must start with a lowercase letter or number, consist of 50 characters or less, "
    "and can include hyphens."
)
MAX_TOPICS = 20  # docs: "Each repository can have up to 20 topics."


def checked_topics(names: list[str]) -> list[str]:
    """Topics as GitHub saves them (lowercased, each once), or GitHub's 422."""
    topics = list(dict.fromkeys(name.lower() for name in names))
    if any(not TOPIC.match(topic) for topic in topics):
        raise GitHubError(422, "Validation Failed", [TOPIC_RULE])
    if len(topics) > MAX_TOPICS:
        raise GitHubError(
            422,
            "Validation Failed",
            [f"A repository cannot have more than {MAX_TOPICS} topics."],
        )
    return topics


PROPERTY_TYPES = ("string", "single_select", "multi_select", "true_false", "url")
# docs, "Managing custom properties for repositories in your organization": up to 75
# characters, no spaces; letters, digits and _ - $ #.
PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_$#-]{1,75}$")

PropertyValue = str | list[str]


@dataclass
class CustomProperty:
    """One property of the organization's schema (`PUT /orgs/{org}/properties/schema/{name}`)."""

    name: str
    value_type: str
    required: bool = False
    default_value: PropertyValue | None = None
    description: str | None = None
    allowed_values: list[str] | None = None
    values_editable_by: str = "org_actors"

    def refusal(self, value: Any) -> str | None:
        """Why `value` (not None) is not a value of this property, if it is not."""
        if self.value_type == "multi_select":
            if not isinstance(value, list):
                return f"Property '{self.name}' expects a list of values"
            outside = [v for v in value if v not in (self.allowed_values or [])]
            if outside:
                return f"Value '{outside[0]}' is not allowed for property '{self.name}'"
            return None
        if not isinstance(value, str):
            return f"Property '{self.name}' expects a single value"
        if self.value_type == "single_select" and value not in (self.allowed_values or []):
            return f"Value '{value}' is not allowed for property '{self.name}'"
        if self.value_type == "true_false" and value not in ("true", "false"):
            return f"Value '{value}' is not allowed for property '{self.name}'"
        if self.value_type == "url" and not re.match(r"^https?://\S+$", value):
            return f"Value '{value}' is not a valid URL for property '{self.name}'"
        return None


# --- Ruleset patterns ----------------------------------------------------------------------------

# The organization's GitHub plan: it decides which rulesets GitHub lets it have
# (`GitHubBackend.check_offered`).
Plan = Literal["free", "team", "enterprise"]
PLANS: tuple[Plan, ...] = ("free", "team", "enterprise")

# The enforcement statuses under which GitHub evaluates a ruleset: `active` enforces it,
# `evaluate` only records what it would have done (rule insights); `disabled` does neither.
EVALUATED = ("active", "evaluate")

# The rules of a push ruleset (the description's `repository-rule-file-path-restriction`,
# `…-max-file-path-length`, `…-file-extension-restriction`, `…-max-file-size`): about the files
# a push changes, whatever ref it updates. Only file_path_restriction is applied here.
PUSH_RULES = frozenset(
    {"file_path_restriction", "max_file_path_length", "file_extension_restriction", "max_file_size"}
)

# The ref a branch or tag ruleset's `ref_name` pattern must name, unless it is `~DEFAULT_BRANCH`
# or `~ALL`: GitHub matches a pattern against the full ref and refuses any other (422 "Invalid
# target patterns: 'main'", integrations/terraform-provider-github#2660). A push ruleset takes
# no `ref_name` at all (`check_push_conditions`).
REF_PREFIXES: Mapping[str, str] = {"branch": "refs/heads/", "tag": "refs/tags/"}
SPECIAL_REF_PATTERNS = ("~DEFAULT_BRANCH", "~ALL")


def invalid_ref_patterns(target: str, conditions: Mapping[str, Any] | None) -> list[str]:
    """The `ref_name` include and exclude patterns GitHub refuses for a ruleset of `target`."""
    prefix = REF_PREFIXES.get(target)
    if prefix is None:
        return []
    ref_name = (conditions or {}).get("ref_name") or {}
    patterns = [*(ref_name.get("include") or []), *(ref_name.get("exclude") or [])]
    return [
        str(p) for p in patterns if p not in SPECIAL_REF_PATTERNS and not str(p).startswith(prefix)
    ]


def check_merge_queue(target: str, rules: Any) -> None:
    """Refuse, loudly, a `merge_queue` rule GitHub's description lets through but whose answer
    is not known: one without `parameters` (optional in `repository-rule-merge-queue`; what
    GitHub fills in, or whether it answers 422, is not documented) or on a ruleset for anything
    but branches. With its seven parameters (which the description then requires, in its
    ranges) a branch ruleset stores it as sent and reads it back so."""
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, Mapping) or rule.get("type") != "merge_queue":
            continue
        if "parameters" not in rule:
            raise UnmodelledError("a merge_queue rule without parameters")
        if target != "branch":
            raise UnmodelledError(f"a merge_queue rule in a {target} ruleset")


def check_push_rules(target: str, rules: Any) -> None:
    """Refuse, loudly, a push rule in a branch or tag ruleset, or any other rule in a push
    ruleset: the description's `repository-rule` lets both through, GitHub's answer to them is
    not known (terraform-provider-github#2958 made the provider stop sending them). So is a
    push rule without `parameters` (optional in the description, as for merge_queue)."""
    for rule in rules if isinstance(rules, list) else []:
        kind = rule.get("type") if isinstance(rule, Mapping) else None
        if (kind in PUSH_RULES) != (target == "push"):
            raise UnmodelledError(f"a {kind} rule in a {target} ruleset")
        if kind in PUSH_RULES and "parameters" not in rule:
            raise UnmodelledError(f"a {kind} rule without parameters")


def check_push_conditions(conditions: Mapping[str, Any] | None, *, organization: bool) -> None:
    """Refuse, loudly, branch targeting on a push ruleset, which applies to every push to the
    repository ("Push rules do not require any branch targeting because they apply to every
    push to the repository", GitHub Docs, "About rulesets"): an organization's names only its
    repositories, a repository's has no conditions at all (terraform-provider-github v6.13.0
    sends none). GitHub refuses a `ref_name` with 422 "Target ref_name is not supported for
    push rulesets" (integrations/terraform-provider-github#2929, an organization ruleset, as
    go-github prints it: an `errors` entry with only a message), a shape outside the rulesets
    operations' `validation-error` that contract.SPEC_GAPS does not accept; what it does with
    other conditions on a repository's push ruleset (even `{}`) is not known."""
    if conditions is None:
        return
    if "ref_name" in conditions:
        raise UnmodelledError(
            'a push ruleset with a ref_name condition: GitHub answers 422 "Target ref_name is '
            'not supported for push rulesets", whose errors entry the description does not allow'
        )
    if not organization:
        raise UnmodelledError(f"a repository's push ruleset with conditions {dict(conditions)!r}")


# The repositories a ruleset workflow may run in, by the visibility of the repository holding
# it. GitHub Docs, "Available rules for rulesets", "Require workflows to pass before merging":
# "The workflow file needs to be in a repository that matches the visibility of the
# repositories you want to run it in. Specifically, a public workflow can run on any repository
# in your organization, an internal workflow can only run on internal and private repositories,
# and a private workflow can only run on private repositories."
WORKFLOW_RUNS_IN: Mapping[str, frozenset[str]] = {
    "public": frozenset({"public", "internal", "private"}),
    "internal": frozenset({"internal", "private"}),
    "private": frozenset({"private"}),
}


def workflows_rules(rules: Any) -> list[Mapping[str, Any]]:
    """The `workflows` rules (the description's `repository-rule-workflows`) of a ruleset's
    rules, as sent."""
    return [
        rule
        for rule in (rules if isinstance(rules, list) else [])
        if isinstance(rule, Mapping) and rule.get("type") == "workflows"
    ]


def path_restricted(pattern: str, path: str) -> bool:
    """Whether one `restricted_file_paths` entry of a file_path_restriction names `path` (a
    file's path from the repository's root).

    Known, from GitHub's description (`repository-rule-file-path-restriction`): "Prevent commits
    that include changes in specified file and folder paths from being pushed to the commit
    graph. This includes absolute paths that contain file names." Not known: how GitHub matches
    an entry. Here an entry without wildcards names exactly that file (case-sensitive); one
    with `*`, `?` or `[` is matched as ruleset patterns are (`ruleset_fnmatch`: Ruby's
    `File.fnmatch` with `FNM_PATHNAME`, GitHub's documented syntax for ref and repository
    patterns; that push rules use it too is an assumption, which github/ruleset-recipes'
    `.github/workflows/**/*` fits). An entry naming a folder above `path`, or starting with
    `/`, is refused loudly: whether it restricts the files below it is not known.
    """
    if pattern.startswith("/"):
        raise UnmodelledError(
            f"a file_path_restriction entry {pattern!r}: how GitHub matches a leading '/' is "
            "not known"
        )
    if any(char in pattern for char in "*?["):
        return ruleset_fnmatch(pattern, path)
    if path.startswith(pattern.rstrip("/") + "/"):
        raise UnmodelledError(
            f"a file_path_restriction entry {pattern!r}, a folder of {path!r}: whether a folder "
            "restricts the files below it is not known"
        )
    return pattern == path


def restricted(rule: Mapping[str, Any], paths: Iterable[str]) -> list[str]:
    """The paths a file_path_restriction rule restricts, in order."""
    patterns = (rule.get("parameters") or {}).get("restricted_file_paths") or []
    return sorted(p for p in set(paths) if any(path_restricted(pat, p) for pat in patterns))


def push_failure(rule: Mapping[str, Any], paths: Iterable[str]) -> Failure | None:
    """What one rule of a push ruleset finds of a push changing `paths`: a file_path_restriction
    naming one of them fails, in words that are not known (`GitHubBackend.check_push` refuses
    every other push rule before this is asked)."""
    if rule["type"] != "file_path_restriction":
        raise UnmodelledError(f"a push ruleset's {rule['type']} rule")
    return Failure(None) if restricted(rule, paths) else None


def ruleset_fnmatch(pattern: str, name: str) -> bool:
    """Whether a ruleset's pattern matches `name` (a full ref, or a repository's name).

    GitHub Docs, "Creating rulesets for a repository", "Using `fnmatch` syntax": Ruby's
    `File.fnmatch` with `File::FNM_PATHNAME`; "Unsupported `fnmatch` syntax": no backslash
    quoting, no `[^...]` complement, no `FNM_EXTGLOB`. Without `FNM_CASEFOLD` or `FNM_DOTMATCH`
    (none documented) it is case-sensitive and a wildcard skips a leading period. Ported from
    Ruby's `fnmatch` (dir.c) one path segment at a time; a `[^...]` set, whose meaning GitHub
    leaves open, matches nothing. The cases: tests/github_facts/ruleset_targets.py.
    """
    return _segments_match(_pattern_segments(pattern), name.split("/"))


def _pattern_segments(pattern: str) -> list[str]:
    """Split at each `/` that is not inside a set (Ruby's set may hold a `/`, never matched)."""
    segments: list[str] = []
    current, index = "", 0
    while index < len(pattern):
        char = pattern[index]
        if char == "[":
            body = index + 2 if pattern.startswith(("!", "^"), index + 1) else index + 1
            end = pattern.find("]", body)
            if end != -1:
                current += pattern[index : end + 1]
                index = end + 1
                continue
        if char == "/":
            segments.append(current)
            current = ""
        else:
            current += char
        index += 1
    return [*segments, current]


def _segments_match(patterns: list[str], names: list[str]) -> bool:
    if not patterns:
        return not names
    if patterns[0] == "**" and len(patterns) > 1:
        # `**/`: zero or more directories, none of them starting with a period.
        for skipped in range(len(names) + 1):
            if _segments_match(patterns[1:], names[skipped:]):
                return True
            if skipped < len(names) and names[skipped].startswith("."):
                return False
        return False
    return (
        bool(names)
        and _segment_matches(patterns[0], names[0])
        and _segments_match(patterns[1:], names[1:])
    )


def _segment_matches(pattern: str, name: str) -> bool:
    """One segment, as Ruby's `fnmatch_helper`: `*` (backtracking), `?`, `[set]`, literals."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    p = s = 0
    star: tuple[int, int] | None = None  # (pattern index after the `*`, name index it took)
    while True:
        if p < len(pattern) and pattern[p] == "*":
            while p < len(pattern) and pattern[p] == "*":
                p += 1
            if p == len(pattern):
                return True
            star = (p, s)
            continue
        if s == len(name):
            if p == len(pattern):
                return True
        elif p < len(pattern):
            step = _one_char(pattern, p, name[s])
            if step is not None:
                p, s = step, s + 1
                continue
        if star is None or star[1] >= len(name):
            return False
        star = (star[0], star[1] + 1)
        p, s = star


def _one_char(pattern: str, p: int, char: str) -> int | None:
    """The pattern index after the element at `p` if it matches `char`, else None."""
    if pattern[p] == "?":
        return p + 1
    if pattern[p] != "[":
        return p + 1 if pattern[p] == char else None
    negated = pattern.startswith("!", p + 1)
    end = pattern.find("]", p + (2 if negated else 1))
    if end == -1 or pattern.startswith("^", p + 1):
        return None
    members = pattern[p + (2 if negated else 1) : end]
    found, index = False, 0
    while index < len(members):
        if index + 2 < len(members) and members[index + 1] == "-":
            low, high = members[index], members[index + 2]
            found = found or low <= char <= high or char in (low, high)
            index += 3
        else:
            found = found or members[index] == char
            index += 1
    return end + 1 if found != negated else None


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
    # "Repository" (kept on one repository) or "Organization" (kept on the organization, it
    # targets repositories by its repository_name, repository_id or repository_property).
    source_type: Literal["Repository", "Organization"] = "Repository"

    def ref_patterns(self) -> tuple[list[str], list[str]]:
        ref_name = (self.conditions or {}).get("ref_name") or {}
        return list(ref_name.get("include", [])), list(ref_name.get("exclude", []))

    def applies_to(self, branch: str, default_branch: str) -> bool:
        """Whether this is an active branch ruleset whose conditions select `branch`: what
        decides a direct commit, a merge, the branch's rules and its `protected`."""
        return self.enforcement == "active" and self.matches_branch(branch, default_branch)

    def matches_branch(self, branch: str, default_branch: str) -> bool:
        """Whether this is a branch ruleset whose `ref_name` selects `branch`, whatever its
        enforcement. A push ruleset selects no branch by name: it judges every push to any ref
        of the repository (and its fork network), `GitHubBackend.push_rulesets`."""
        if self.target != "branch":
            return False
        includes, excludes = self.ref_patterns()

        def matches(pattern: str) -> bool:
            if pattern == "~ALL":
                return True
            if pattern == "~DEFAULT_BRANCH":
                return branch == default_branch
            # The full ref: GitHub refuses a bare branch name, and so does the double
            # (`invalid_ref_patterns`); a Ruleset made directly may still hold one.
            return ruleset_fnmatch(pattern, f"refs/heads/{branch}")

        return any(map(matches, includes)) and not any(map(matches, excludes))

    def bypasses(self, actor: Actor, modes: tuple[str, ...] = ("always",)) -> bool:
        """Whether `actor` is a bypass actor in one of `modes`: `always` lets a direct commit
        through; a pull request's merge is let through by `always` and `pull_request`."""
        for entry in self.bypass_actors:
            if entry.get("bypass_mode", "always") not in modes:
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


SuiteResult = Literal["pass", "fail", "bypass"]


@dataclass(frozen=True)
class Failure:
    """A rule that fails a ref update: GitHub's words for it (the double's refusal reason), or
    None where they are not known."""

    details: str | None


# Judges one rule of a ruleset that applies to an update: its Failure, or None when it passes
# (it may raise UnmodelledError where the double does not know).
Judge = Callable[[Ruleset, Mapping[str, Any]], Failure | None]


@dataclass(frozen=True)
class RuleEvaluation:
    """One rule of one ruleset as a rule suite records it (GitHub's `rule_evaluations` item)."""

    ruleset_id: int
    ruleset_name: str
    enforcement: str  # "active" or "evaluate", when it was evaluated
    rule_type: str
    result: Literal["pass", "fail"]
    details: str | None  # why it failed; None when it passed (or when the words are not known)


@dataclass(frozen=True)
class Verdict:
    """What the active and evaluate rulesets that apply to one ref update found, each rule
    judged whoever the actor is (a bypass actor's failing rule still fails, as GitHub's
    example of a bypassed suite shows)."""

    rulesets: tuple[Ruleset, ...]
    evaluations: tuple[RuleEvaluation, ...]
    bypassed: frozenset[int]  # the rulesets (ids) the actor may bypass
    failing: frozenset[int]  # the rulesets (ids) with a failing rule
    unknown: str | None = None  # a rule the double cannot judge
    unknown_details: str | None = None  # a failing rule whose words are not known


def judge_rulesets(
    rulesets: Iterable[Ruleset], actor: Actor, modes: tuple[str, ...], judge: Judge
) -> Verdict:
    """Each rule of each ruleset judged by `judge`; what GitHub answers at once (a 405) counts
    as the rule's failure, what the double cannot judge is kept as `unknown`."""
    found = tuple(rulesets)
    evaluations: list[RuleEvaluation] = []
    failing: set[int] = set()
    unknown: str | None = None
    unknown_details: str | None = None
    for ruleset in found:
        for rule in ruleset.rules:
            try:
                failure = judge(ruleset, rule)
            except GitHubError as error:
                failure = Failure(error.message)
            except UnmodelledError as error:
                unknown = unknown or str(error)
                continue
            if failure is not None:
                failing.add(ruleset.id)
                if failure.details is None:
                    unknown_details = unknown_details or (
                        f"the details of the failing {rule['type']} rule of {ruleset.name!r}"
                    )
            evaluations.append(
                RuleEvaluation(
                    ruleset.id,
                    ruleset.name,
                    ruleset.enforcement,
                    str(rule["type"]),
                    "fail" if failure is not None else "pass",
                    failure.details if failure is not None else None,
                )
            )
    return Verdict(
        found,
        tuple(evaluations),
        frozenset(r.id for r in found if r.bypasses(actor, modes)),
        frozenset(failing),
        unknown,
        unknown_details,
    )


@dataclass(frozen=True)
class RuleSuite:
    """One ref update as GitHub's rule insights record it (`rule-suite`): who moved which ref
    from where to where, and what the rulesets that applied found."""

    id: int
    actor: Actor
    before_sha: str
    after_sha: str
    ref: str  # refs/heads/BRANCH
    repository_id: int
    repository_name: str
    pushed_at: datetime
    # Over the active rulesets: fail when the update was refused, bypass when the actor may
    # bypass one of them, else pass.
    result: SuiteResult
    # Over the active and evaluate rulesets as if all were active; None when none evaluated.
    evaluation_result: SuiteResult | None
    rule_evaluations: tuple[RuleEvaluation, ...]
    active: bool  # an active ruleset applied (`evaluate_status=active`)
    # Why GitHub's record of this update is not known: every read of it is refused.
    unmodelled: str | None = None
    # Why its rule_evaluations are not known: the suite's own GET is refused.
    evaluations_unmodelled: str | None = None


@dataclass
class Review:
    """A submitted review of a pull request (only APPROVE is modelled)."""

    id: int
    user: Actor
    state: Literal["APPROVED"]
    body: str
    commit_id: str  # the head the review was given on
    submitted_at: datetime


@dataclass
class PullRequest:
    id: int
    number: int
    title: str
    body: str | None
    head: str  # a branch of the same repository
    base: str
    user: Actor
    created_at: datetime
    updated_at: datetime
    head_sha: str  # follows the head branch while open; kept when closed
    base_sha: str  # the base branch's head, while open; kept when closed
    draft: bool = False
    maintainer_can_modify: bool = False
    state: Literal["open", "closed"] = "open"
    merged: bool = False
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merged_by: Actor | None = None
    merge_commit_sha: str | None = None
    reviews: list[Review] = field(default_factory=list)


@dataclass(frozen=True)
class CheckRun:
    """A check run a GitHub App reported on a commit (GitHub Actions is app 15368)."""

    id: int
    name: str
    head_sha: str
    app: App
    status: str
    conclusion: str | None
    started_at: datetime | None
    completed_at: datetime | None
    external_id: str | None
    details_url: str | None
    output: Mapping[str, str | None]  # title, summary, text


@dataclass(frozen=True)
class CommitStatus:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: Actor
    created_at: datetime


@dataclass(frozen=True)
class Label:
    """A repository's label (GitHub's defaults, or one an issue's labels created)."""

    id: int
    name: str
    color: str
    description: str | None
    default: bool


@dataclass
class Issue:
    """An issue (not a pull request: those are `PullRequest`s, numbered in the same sequence)."""

    id: int
    number: int
    title: str
    body: str | None
    user: Actor
    created_at: datetime
    updated_at: datetime
    labels: list[str] = field(default_factory=list)  # label names, in the order given
    assignees: list[Actor] = field(default_factory=list)
    state: Literal["open", "closed"] = "open"
    closed_at: datetime | None = None


@dataclass(frozen=True)
class IssueComment:
    """A comment on an issue or a pull request (GitHub's issue comments serve both)."""

    id: int
    number: int  # the issue's or the pull request's
    body: str
    user: Actor
    created_at: datetime


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
    topics: list[str] = field(default_factory=list)
    # Only seeding makes a fork (the double models no upstream to fork from).
    fork: bool = False
    # Custom property values set on the repository (a property's default is not stored here).
    property_values: dict[str, str | list[str]] = field(default_factory=dict)
    pulls: dict[int, PullRequest] = field(default_factory=dict)  # by number
    check_runs: list[CheckRun] = field(default_factory=list)  # in the order reported
    statuses: list[CommitStatus] = field(default_factory=list)  # in the order reported
    issues: dict[int, Issue] = field(default_factory=dict)  # by number
    issue_comments: list[IssueComment] = field(default_factory=list)  # in the order made
    # By lower-cased name (GitHub's label names are case-insensitive); GitHub's default labels
    # are added by `issues.labels` on first use.
    labels: dict[str, Label] = field(default_factory=dict)
    rule_suites: list[RuleSuite] = field(default_factory=list)  # in the order recorded

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def next_number(self) -> int:
        """The number of the next issue or pull request: GitHub numbers both in one sequence."""
        return max((*self.pulls, *self.issues), default=0) + 1

    def resolve(self, ref: str) -> Commit:
        """A branch name, `heads/NAME`, `refs/heads/NAME` or a (full) commit SHA."""
        name = ref.removeprefix("refs/").removeprefix("heads/")
        if name in self.branches:
            return self.commits[self.branches[name]]
        if ref in self.commits:
            return self.commits[ref]
        raise GitHubError(404, f"No commit found for the ref {ref}")

    def ancestors(self, head: str) -> set[str]:
        """Every commit reachable from `head` (itself included), along all parents."""
        seen: set[str] = set()
        todo = [head]
        while todo:
            sha = todo.pop()
            if sha not in seen:
                seen.add(sha)
                todo.extend(self.commits[sha].parents)
        return seen

    def history(self, head: str) -> Iterator[Commit]:
        """First-parent history, newest first."""
        sha: str | None = head
        while sha is not None:
            commit = self.commits[sha]
            yield commit
            sha = commit.parents[0] if commit.parents else None


# --- The backend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequiredWorkflow:
    """One entry of a `workflows` rule, read where it says: the repository holding the workflow
    file, its path, the ref or commit it was read at, and its text there."""

    source: Repository
    path: str
    at: str
    content: bytes

    @property
    def where(self) -> str:
        return f"{self.source.name}/{self.path}@{self.at}"


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


def direct_commit_reason(rule: Mapping[str, Any]) -> str | None:
    """Why one rule of a branch ruleset that applies to a branch refuses a direct commit to it
    (the reason GitHub's 409 lists), if it does."""
    kind = rule["type"]
    if kind == "pull_request":
        return "Changes must be made through a pull request."
    if kind == "required_status_checks":
        checks = rule["parameters"]["required_status_checks"]
        return _checks_reason([c["context"] for c in checks]) if checks else None
    if kind == "update":
        return "Cannot update this protected ref."
    if kind == "merge_queue":
        # The contents API's words for it are not known (a pull request merged past the queue
        # is refused 405 "... Changes must be made through the merge queue", rue-language/
        # rue#2053; pulls.merge_refusal leaves that unmodelled).
        raise UnmodelledError("a direct commit to a branch under a merge_queue rule")
    if kind == "workflows":
        # GitHub Docs, "Available rules for rulesets", "Require workflows to pass before
        # merging": "Applying this rule will block direct pushes because the ruleset workflows
        # run as part of the pull request and merge queue experience." GitHub's words for the
        # contents API are not known.
        raise UnmodelledError(
            "a direct commit to a branch under a workflows rule: GitHub blocks it, in words "
            "that are not known"
        )
    return None


# How far back `time_period` reaches (the description: "`day` will filter for rule suites that
# occurred in the past 24 hours, and `week` ... in the past 7 days (168 hours)"). A month's
# length is not given: 28 days surely are in it, a suite 28 to 31 days old is refused loudly.
TIME_PERIODS: Mapping[str, timedelta] = {
    "hour": timedelta(hours=1),
    "day": timedelta(hours=24),
    "week": timedelta(hours=168),
    "month": timedelta(days=28),
}
LONGEST_MONTH = timedelta(days=31)


class GitHubBackend:
    """One organization on one GitHub; all state the double serves."""

    def __init__(self, org: str, clock: Clock = utc_now, plan: Plan = "enterprise") -> None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
        self.org = org
        # GitHub Enterprise (Cloud) by default, which offers every ruleset the double models.
        self.plan: Plan = plan
        self.org_id = 1_000_000 + int.from_bytes(hashlib.sha256(org.encode()).digest()[:2], "big")
        self.created_at = clock()
        self.clock = clock
        self.repositories: dict[str, Repository] = {}
        self.properties: dict[str, CustomProperty] = {}  # the custom property schema
        self.org_rulesets: dict[int, Ruleset] = {}
        # A renamed repository's old names (lower-cased) -> its id: GitHub redirects them.
        self.moved: dict[str, int] = {}
        self._repo_ids = itertools.count(500_000_001)
        self._ruleset_ids = itertools.count(1_000_001)
        # Pull requests, reviews, check runs and statuses: ids unique on this GitHub.
        self.ids = itertools.count(2_000_001)

    # Repositories --------------------------------------------------------------------------

    def repository(self, owner: str, name: str) -> Repository:
        repo = self.repositories.get(name.lower())
        if owner.lower() != self.org.lower() or repo is None:
            raise GitHubError(404, "Not Found")
        return repo

    def repository_by_id(self, repo_id: int) -> Repository | None:
        """The repository with this id (GitHub's /repositories/{id}), if it still exists."""
        return next((r for r in self.repositories.values() if r.id == repo_id), None)

    def moved_repository(self, owner: str, name: str) -> Repository | None:
        """The repository an old name now redirects to, after a rename: None when the name is
        a repository's own, or never was one's (or the repository was since deleted)."""
        if owner.lower() != self.org.lower() or name.lower() in self.repositories:
            return None
        repo_id = self.moved.get(name.lower())
        return None if repo_id is None else self.repository_by_id(repo_id)

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
        properties = dict(body.get("custom_properties") or {})
        for prop, value in properties.items():
            self._check_value(prop, value)
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
        self.moved.pop(name.lower(), None)  # a new repository takes an old name over for good
        self.set_property_values([repo], properties)
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
            if any(
                (r.conditions or {}).get("repository_name", {}).get("protected")
                and r.enforcement == "active"
                and self.targets(r, repo)
                for r in self.org_rulesets.values()
            ):
                raise UnmodelledError(
                    "renaming a repository that an organization ruleset protects from renaming"
                )
            del self.repositories[repo.name.lower()]
            self.moved[repo.name.lower()] = repo.id
            repo.name = str(body["name"])
            self.repositories[repo.name.lower()] = repo
            self.moved.pop(repo.name.lower(), None)
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
        self.moved = {name: ident for name, ident in self.moved.items() if ident != repo.id}

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
        # A new branch at a commit the repository has brings no new commit, so no push rule
        # has a file to judge (`check_push`); the double has no ref update that does (no PATCH
        # of a ref), only contents writes and merges.
        repo.branches[name] = sha
        return name

    def delete_ref(self, repo: Repository, ref: str) -> None:
        name = ref.removeprefix("heads/")
        if not ref.startswith("heads/") or name not in repo.branches:
            raise GitHubError(422, "Reference does not exist")
        self.delete_branch(repo, name)

    def delete_branch(self, repo: Repository, name: str) -> None:
        """GitHub closes the open pull requests whose head or base branch is deleted."""
        del repo.branches[name]
        now = self.clock()
        for pull in repo.pulls.values():
            if pull.state == "open" and name in (pull.head, pull.base):
                pull.state, pull.closed_at, pull.updated_at = "closed", now, now

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

    def list_directory(
        self, repo: Repository, path: str, ref: str | None
    ) -> tuple[list[TreeEntry], str] | None:
        """The items of directory `path` ("" for the root) at `ref`, in git's tree order, and
        the ref it was read at; None when `path` is not a directory there (a file, or nothing)."""
        if not repo.branches:
            raise GitHubError(404, "This repository is empty.")
        ref = ref or repo.default_branch
        commit = repo.resolve(ref)
        path = path.strip("/")
        prefix = f"{path}/" if path else ""
        files: dict[str, str] = {}  # file path -> blob, for each file below `path`
        for file_path, blob in commit.files.items():
            if file_path.startswith(prefix):
                files[file_path.removeprefix(prefix)] = blob
        if not files:
            return None
        subtrees: dict[str, dict[str, str]] = {}
        entries: list[TreeEntry] = []
        for rest, blob in files.items():
            head, _, below = rest.partition("/")
            if below:
                subtrees.setdefault(head, {})[below] = blob
            else:
                size = len(repo.blobs[blob])
                entries.append(TreeEntry(head, prefix + head, "file", blob, size))
        for name, below_files in subtrees.items():
            entries.append(TreeEntry(name, prefix + name, "dir", git_tree_sha(below_files), 0))
        entries.sort(key=lambda e: git_tree_order(e.name, e.type == "dir"))
        return entries, ref

    def refusal(self, repo: Repository, actor: Actor, branch: str) -> Refusal | None:
        """Why GitHub would refuse `actor`'s direct commit to `branch`, if it would."""
        reasons: list[str] = []
        # The organization's rulesets that target the repository count like its own, each
        # with its own bypass actors.
        for ruleset in self.rulesets_for(repo):
            if not ruleset.applies_to(branch, repo.default_branch) or ruleset.bypasses(actor):
                continue
            for rule in ruleset.rules:
                reason = direct_commit_reason(rule)
                if reason is not None:
                    reasons.append(reason)
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
            if self.judging_rulesets(repo, branch):
                raise UnmodelledError(
                    "the first write to an empty repository, which creates its default branch, "
                    "under a ruleset: how GitHub judges (and records) a branch's creation is not "
                    "modelled"
                )
            commit = self._commit(repo, actor, branch, {path: content}, message, author, committer)
            return commit, True
        if branch not in repo.branches:
            raise GitHubError(404, f"Branch {branch} not found")
        if repo.settings["archived"]:
            # GitHub answers 403 "Repository was archived so is read-only.", a status the
            # description does not list for the contents operations.
            raise UnmodelledError("a contents write to an archived repository")
        current = repo.commits[repo.branches[branch]].files.get(path)
        if current is not None and sha is None:
            raise GitHubError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if current is None and content is None:
            raise GitHubError(404, "Not Found")
        if sha is not None and sha != current:
            raise GitHubError(409, f"{path} does not match {sha}")
        # The commit GitHub would make, kept only if the rules let it through: a refused one is
        # still the `after_sha` of its rule suite.
        commit, blobs = self._build_commit(
            repo, actor, branch, {path: content}, message, author, committer
        )
        self.check_push(repo, actor, {path}, f"a contents write to {path}")
        refusal = self.refusal(repo, actor, branch)
        self.record_rule_suite(
            repo,
            actor,
            branch,
            repo.branches[branch],
            commit.sha,
            self.direct_commit_verdict(repo, actor, branch, {path}),
            refused=refusal is not None,
        )
        if refusal is not None:
            raise GitHubError(409, refusal.message)
        self._store_commit(repo, branch, commit, blobs)
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
        commit, blobs = self._build_commit(repo, actor, branch, writes, message, author, committer)
        self._store_commit(repo, branch, commit, blobs)
        return commit

    def _build_commit(
        self,
        repo: Repository,
        actor: Actor,
        branch: str,
        writes: Mapping[str, bytes | None],
        message: str,
        author: Mapping[str, str] | None = None,
        committer: Mapping[str, str] | None = None,
    ) -> tuple[Commit, dict[str, bytes]]:
        """The commit `writes` make on the branch's head, and its new blobs: nothing is kept."""
        now = self.clock()
        parent = repo.branches.get(branch)
        files = dict(repo.commits[parent].files) if parent else {}
        changes: list[FileChange] = []
        blobs: dict[str, bytes] = {}
        for path, content in writes.items():
            before = files.get(path)
            if content is None:
                files.pop(path)
                changes.append(FileChange(path, "removed", None, before))
                continue
            blob = git_blob_sha(content)
            blobs[blob] = content
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
        return commit, blobs

    def _store_commit(
        self, repo: Repository, branch: str, commit: Commit, blobs: Mapping[str, bytes]
    ) -> None:
        repo.blobs.update(blobs)
        repo.commits[commit.sha] = commit
        self.advance(repo, branch, commit.sha)

    def advance(self, repo: Repository, branch: str, sha: str) -> None:
        """Move `branch` to `sha` (a commit of the repository); open pull requests follow."""
        repo.branches[branch] = sha
        repo.pushed_at = self.clock()
        for pull in repo.pulls.values():
            if pull.state == "open" and pull.head == branch:
                pull.head_sha, pull.updated_at = sha, repo.pushed_at
            if pull.state == "open" and pull.base == branch:
                pull.base_sha = sha

    # Push rulesets and rule insights ------------------------------------------------------

    def push_rulesets(self, repo: Repository) -> list[Ruleset]:
        """The active and evaluate push rulesets that judge every push to `repo`, whatever ref
        it updates (GitHub Docs, "About rulesets": push rulesets "block pushes to a private or
        internal repository and the repository's entire fork network"). On a public repository
        (one made public since, or one an organization's push ruleset targets) GitHub's
        behaviour is not known: refused loudly."""
        found = [
            r for r in self.rulesets_for(repo) if r.target == "push" and r.enforcement in EVALUATED
        ]
        if found and repo.settings["visibility"] == "public":
            raise UnmodelledError(
                f"a push to the public repository {repo.name} under the push ruleset "
                f"{found[0].name!r}: push rulesets exist only for private and internal "
                "repositories, what GitHub does here is not known"
            )
        return found

    def check_push(
        self,
        repo: Repository,
        actor: Actor,
        paths: Iterable[str],
        what: str,
        modes: tuple[str, ...] = ("always",),
    ) -> None:
        """Refuse, loudly, a push (`what`, changing `paths` in its new commits) that an active
        push ruleset blocks for `actor`, who does not bypass it: GitHub refuses it, but its words
        for a contents write or a merge are not known (no published example). A push ruleset
        holding another rule than file_path_restriction is refused whoever pushes: the double
        applies no other, and would otherwise let through quietly what GitHub may block."""
        for ruleset in self.push_rulesets(repo):
            for rule in ruleset.rules:
                if rule["type"] != "file_path_restriction":
                    raise UnmodelledError(
                        f"{what}, which the push ruleset {ruleset.name!r} judges by its "
                        f"{rule['type']} rule: the double applies only file_path_restriction"
                    )
                if ruleset.enforcement != "active" or ruleset.bypasses(actor, modes):
                    continue
                hit = restricted(rule, paths)
                if hit:
                    raise UnmodelledError(
                        f"{what}, changing {', '.join(hit)}, which the file_path_restriction "
                        f"of the push ruleset {ruleset.name!r} restricts: GitHub's refusal is "
                        "not known"
                    )

    def judging_rulesets(self, repo: Repository, branch: str) -> list[Ruleset]:
        """The active and evaluate rulesets an update of `branch` is judged by: the branch
        rulesets whose ref_name selects it, then every push ruleset of the repository."""
        return [
            *(
                r
                for r in self.rulesets_for(repo)
                if r.enforcement in EVALUATED and r.matches_branch(branch, repo.default_branch)
            ),
            *self.push_rulesets(repo),
        ]

    def direct_commit_verdict(
        self, repo: Repository, actor: Actor, branch: str, paths: Iterable[str]
    ) -> Verdict:
        """What each rule that applies finds of `actor`'s direct commit to `branch`, changing
        `paths`: a branch rule as `refusal` decides it, a push rule as `check_push` does. A
        workflows rule blocks every direct push (`direct_commit_reason`), in words that are not
        known: it fails without details (its workflows read first, so that what GitHub's answer
        is not known for, e.g. a workflow that may not run in this repository, stays unknown)."""
        changed = set(paths)

        def judge(ruleset: Ruleset, rule: Mapping[str, Any]) -> Failure | None:
            if ruleset.target == "push":
                return push_failure(rule, changed)
            if rule["type"] == "workflows":
                self.required_workflows(repo, rule)
                return Failure(None)
            reason = direct_commit_reason(rule)
            return None if reason is None else Failure(reason)

        return judge_rulesets(self.judging_rulesets(repo, branch), actor, ("always",), judge)

    def record_rule_suite(
        self,
        repo: Repository,
        actor: Actor,
        branch: str,
        before_sha: str,
        after_sha: str,
        verdict: Verdict,
        *,
        refused: bool,
        unmodelled: str | None = None,
    ) -> RuleSuite | None:
        """Record the update of `branch` as a rule suite when a ruleset judged it (GitHub records
        refused updates too: its description's `result` "fail"). `refused`: the update was
        refused (by a ruleset or by classic protection)."""
        if not verdict.rulesets:
            return None
        active = [r for r in verdict.rulesets if r.enforcement == "active"]
        evaluated = [r for r in verdict.rulesets if r.enforcement == "evaluate"]
        result: SuiteResult = "pass"
        if refused:
            result = "fail"
        elif any(r.id in verdict.bypassed for r in active):
            result = "bypass"
        evaluation: SuiteResult | None = None
        if evaluated:
            # "whether rules would pass or fail if all rules in the rule suite were active"
            blocked = verdict.failing - verdict.bypassed
            evaluation = "fail" if refused or blocked else "bypass" if verdict.bypassed else "pass"
        classic = None
        if branch in repo.protections:
            # GitHub's rule insights list classic protection as rule source "protected_branch"
            # (the description's example), which the double does not model.
            classic = "the protected_branch (classic protection) rules of a rule suite"
        suite = RuleSuite(
            id=next(self.ids),
            actor=actor,
            before_sha=before_sha,
            after_sha=after_sha,
            ref=f"refs/heads/{branch}",
            repository_id=repo.id,
            repository_name=repo.name,
            pushed_at=self.clock(),
            result=result,
            evaluation_result=evaluation,
            rule_evaluations=verdict.evaluations,
            active=bool(active),
            unmodelled=unmodelled or verdict.unknown,
            evaluations_unmodelled=classic or verdict.unknown_details,
        )
        repo.rule_suites.append(suite)
        return suite

    def rule_suites(
        self,
        repo: Repository,
        actor: Actor,
        *,
        ref: str | None = None,
        time_period: str = "day",
        actor_name: str | None = None,
        result: str = "all",
        evaluate_status: str = "all",
    ) -> list[RuleSuite]:
        """GET …/rulesets/rule-suites before paging: the suites the filters keep, newest first."""
        self._check_insights_reader(actor)
        now = self.clock()

        def recent(suite: RuleSuite) -> bool:
            age = now - suite.pushed_at
            if time_period == "month" and TIME_PERIODS["month"] < age <= LONGEST_MONTH:
                raise UnmodelledError(
                    f"time_period=month and a rule suite {age.days} days old: how long GitHub's "
                    "month is is not known"
                )
            return age <= TIME_PERIODS[time_period]

        def on_ref(suite: RuleSuite) -> bool:
            # The description: "Optionally prefix with `refs/heads/` to limit to branches or
            # `refs/tags/` to limit to tags. Omit the prefix to search across all refs."
            if ref is None:
                return True
            if ref.startswith("refs/"):
                return suite.ref == ref
            return suite.ref in (f"refs/heads/{ref}", f"refs/tags/{ref}")

        statuses: Mapping[str, Callable[[RuleSuite], bool]] = {
            "all": lambda s: True,
            "active": lambda s: s.active,
            "evaluate": lambda s: s.evaluation_result is not None,
        }
        found = [
            suite
            for suite in repo.rule_suites
            if recent(suite)
            and on_ref(suite)
            and (actor_name is None or suite.actor.name.lower() == actor_name.lower())
            and result in ("all", suite.result)
            and statuses[evaluate_status](suite)
        ]
        for suite in found:
            if suite.unmodelled is not None:
                raise UnmodelledError(f"a rule suite GitHub records for {suite.unmodelled}")
        return sorted(found, key=lambda s: (s.pushed_at, s.id), reverse=True)

    def rule_suite(self, repo: Repository, actor: Actor, suite_id: int) -> RuleSuite:
        """GET …/rulesets/rule-suites/{rule_suite_id}: one suite with its rule evaluations."""
        self._check_insights_reader(actor)
        suite = next((s for s in repo.rule_suites if s.id == suite_id), None)
        if suite is None:
            raise GitHubError(404, "Not Found")
        if suite.unmodelled is not None:
            raise UnmodelledError(f"a rule suite GitHub records for {suite.unmodelled}")
        if suite.evaluations_unmodelled is not None:
            raise UnmodelledError(
                f"{suite.evaluations_unmodelled}: GitHub's rule evaluations are not known"
            )
        gone = [
            e.ruleset_name
            for e in suite.rule_evaluations
            if e.ruleset_id not in repo.rulesets and e.ruleset_id not in self.org_rulesets
        ]
        if gone:
            # The description's enforcement enum has "deleted ruleset"; whether GitHub keeps the
            # rule source's id and name then is not known.
            raise UnmodelledError(f"a rule suite of the since deleted ruleset {gone[0]!r}")
        return suite

    def _check_insights_reader(self, actor: Actor) -> None:
        """GitHub Docs, "About rulesets": people with admin access to a repository (or a custom
        role with "edit repository rules") "can create, edit, and delete rulesets for a
        repository and view ruleset insights"; GitHub's answer to anyone else is not known."""
        if isinstance(actor, User) and actor.role != "admin":
            raise UnmodelledError(
                f"rule insights read by {actor.login}, who has {actor.role} access only"
            )

    # Rulesets -----------------------------------------------------------------------------

    def ruleset(self, repo: Repository, ruleset_id: int) -> Ruleset:
        if ruleset_id not in repo.rulesets:
            raise GitHubError(404, "Not Found")
        return repo.rulesets[ruleset_id]

    def save_ruleset(
        self, repo: Repository, body: Mapping[str, Any], ruleset_id: int | None = None
    ) -> Ruleset:
        existing = repo.rulesets.get(ruleset_id) if ruleset_id is not None else None
        target = str(body.get("target", existing.target if existing else "branch"))
        enforcement = str(body.get("enforcement", existing.enforcement if existing else ""))
        self.check_offered(target, enforcement, repo)
        if target == "push":
            conditions = body.get("conditions", existing.conditions if existing else None)
            check_push_conditions(conditions, organization=False)
        return self._save_ruleset(repo.rulesets, body, ruleset_id, "Repository")

    def check_offered(self, target: str, enforcement: str, repo: Repository | None) -> None:
        """Refuse, loudly, a ruleset (of `repo`, or of the organization when None) that the
        organization's plan or the repository's visibility does not offer: GitHub refuses it,
        in words the double does not know.

        GitHub Docs, "About rulesets": "Rulesets are available in public repositories with
        GitHub Free and GitHub Free for organizations, and in public and private repositories
        with GitHub Pro, GitHub Team, and GitHub Enterprise Cloud." and "Push rulesets are
        available for the GitHub Team plan in internal and private repositories, and forks of
        repositories that have push rulesets enabled." (a public fork is refused too: the
        double models no upstream). GitHub's description, `repository-rule-enforcement`:
        "`evaluate` allows admins to test rules before enforcing them. Admins can view insights
        on the Rule Insights page (`evaluate` is only available with GitHub Enterprise)."
        """
        visibility = None if repo is None else repo.settings["visibility"]
        owner = "the organization" if repo is None else f"the {visibility} repository {repo.name}"
        if enforcement == "evaluate" and self.plan != "enterprise":
            raise UnmodelledError(
                f"a ruleset of {owner} in evaluate mode on the {self.plan} plan: evaluate is "
                "only available with GitHub Enterprise, GitHub's refusal is not known"
            )
        if target == "push" and (self.plan == "free" or visibility == "public"):
            raise UnmodelledError(
                f"a push ruleset of {owner} on the {self.plan} plan: push rulesets are "
                "available on GitHub Team and Enterprise, in private and internal "
                "repositories; GitHub's refusal is not known"
            )
        if self.plan == "free" and visibility != "public":
            raise UnmodelledError(
                f"a ruleset of {owner} on the free plan, which offers rulesets only in public "
                "repositories; GitHub's refusal is not known"
            )

    def org_ruleset(self, ruleset_id: int) -> Ruleset:
        if ruleset_id not in self.org_rulesets:
            raise GitHubError(404, "Not Found")
        return self.org_rulesets[ruleset_id]

    def save_org_ruleset(self, body: Mapping[str, Any], ruleset_id: int | None = None) -> Ruleset:
        existing = self.org_rulesets.get(ruleset_id) if ruleset_id is not None else None
        target = str(body.get("target", existing.target if existing else "branch"))
        enforcement = str(body.get("enforcement", existing.enforcement if existing else ""))
        conditions = body.get("conditions", existing.conditions if existing else None)
        self.check_offered(target, enforcement, None)
        self._check_org_conditions(target, conditions)
        return self._save_ruleset(self.org_rulesets, body, ruleset_id, "Organization")

    def _check_org_conditions(self, target: str, conditions: Mapping[str, Any] | None) -> None:
        """Refuse, loudly, the organization conditions GitHub refuses in words we do not know."""
        if target not in ("branch", "tag", "push"):
            raise UnmodelledError(f"an organization ruleset with target {target!r}")
        targeting = [key for key in REPOSITORY_TARGETS if key in (conditions or {})]
        if len(targeting) != 1:
            # The description's org-ruleset-conditions is a oneOf of exactly these shapes;
            # GitHub answers 422 to the others, with wording the double does not know.
            raise UnmodelledError(
                "organization ruleset conditions must name exactly one of "
                f"{', '.join(REPOSITORY_TARGETS)} (found: {', '.join(targeting) or 'none'})"
            )
        if target != "push" and "ref_name" not in (conditions or {}):
            raise UnmodelledError(f"a {target} ruleset of the organization without ref_name")
        if target == "push":
            check_push_conditions(conditions, organization=True)
        by_property = (conditions or {}).get("repository_property") or {}
        for spec in [*by_property.get("include", []), *by_property.get("exclude", [])]:
            if spec.get("source", "custom") != "custom":
                raise UnmodelledError(f"repository_property with source {spec['source']!r}")
            if spec["name"] not in self.properties:
                raise UnmodelledError(
                    f"repository_property naming {spec['name']!r}, a custom property the "
                    "organization does not define"
                )

    def _save_ruleset(
        self,
        store: dict[int, Ruleset],
        body: Mapping[str, Any],
        ruleset_id: int | None,
        source_type: Literal["Repository", "Organization"],
    ) -> Ruleset:
        existing = store.get(ruleset_id) if ruleset_id is not None else None
        name = str(body.get("name", existing.name if existing else ""))
        if any(r.name == name and r.id != ruleset_id for r in store.values()):
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
        target = str(body.get("target", existing.target if existing else "branch"))
        invalid = invalid_ref_patterns(
            target, body.get("conditions", existing.conditions if existing else None)
        )
        if invalid:
            # GitHub's words and shape: `errors` holds a string, as for topics
            # (string-validation-error in contract.SPEC_GAPS). Several patterns: a guess.
            listed = ", ".join(f"'{pattern}'" for pattern in invalid)
            raise GitHubError(422, "Validation Failed", [f"Invalid target patterns: {listed}"])
        check_merge_queue(target, body.get("rules", existing.rules if existing else []))
        check_push_rules(target, body.get("rules", existing.rules if existing else []))
        self.check_workflows(
            target,
            body.get("conditions", existing.conditions if existing else None),
            body.get("rules", existing.rules if existing else []),
            organization=source_type == "Organization",
        )
        now = self.clock()
        if existing is None:
            existing = Ruleset(
                # One id space for every ruleset of this GitHub, as on GitHub.
                id=next(self._ruleset_ids),
                name=name,
                target="branch",
                enforcement=str(body["enforcement"]),
                bypass_actors=[],
                conditions=None,
                rules=[],
                created_at=now,
                updated_at=now,
                source_type=source_type,
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
        store[existing.id] = existing
        return existing

    def targets(self, ruleset: Ruleset, repo: Repository) -> bool:
        """Whether an organization ruleset's repository conditions select `repo`."""
        return self.conditions_target(ruleset.conditions, repo)

    def conditions_target(self, conditions: Mapping[str, Any] | None, repo: Repository) -> bool:
        """Whether an organization ruleset's repository conditions (saved, or about to be)
        select `repo`."""
        conditions = conditions or {}
        if "repository_name" in conditions:
            by_name = conditions["repository_name"] or {}

            def matches(pattern: str) -> bool:
                # Case-sensitive: fnmatch without FNM_CASEFOLD (`ruleset_fnmatch`), although
                # GitHub finds a repository by its name in any case.
                return pattern == "~ALL" or ruleset_fnmatch(pattern, repo.name)

            return any(map(matches, by_name.get("include", []))) and not any(
                map(matches, by_name.get("exclude", []))
            )
        if "repository_id" in conditions:
            return repo.id in ((conditions["repository_id"] or {}).get("repository_ids") or [])
        if "repository_property" in conditions:
            by_property = conditions["repository_property"] or {}
            values = self.property_values(repo)

            def has(spec: Mapping[str, Any]) -> bool:
                value = values.get(spec["name"])
                held = value if isinstance(value, list) else [] if value is None else [value]
                return any(v in spec["property_values"] for v in held)

            # "All of these properties must match" / "not if any of these properties match".
            return all(map(has, by_property.get("include", []))) and not any(
                map(has, by_property.get("exclude", []))
            )
        return False

    def rulesets_for(self, repo: Repository, *, includes_parents: bool = True) -> list[Ruleset]:
        """The repository's own rulesets, then the organization's that target it (id order)."""
        found = list(repo.rulesets.values())
        if includes_parents:
            found += [r for r in self.org_rulesets.values() if self.targets(r, repo)]
        return found

    def branch_rules(self, repo: Repository, branch: str) -> list[tuple[Ruleset, dict[str, Any]]]:
        """Each rule of an active branch ruleset that applies to `branch` (which need not exist)."""
        return [
            (ruleset, rule)
            for ruleset in self.rulesets_for(repo)
            if ruleset.target == "branch" and ruleset.applies_to(branch, repo.default_branch)
            for rule in ruleset.rules
        ]

    # Ruleset workflows (the `workflows` rule) ------------------------------------------------

    def check_workflows(
        self,
        target: str,
        conditions: Mapping[str, Any] | None,
        rules: Any,
        *,
        organization: bool,
    ) -> None:
        """Refuse, loudly, a `workflows` rule (the description's `repository-rule-workflows`)
        GitHub's answer to which is not known; one that passes is stored as sent and read back
        so (terraform-provider-github v6.13.0, `expandRules`/`flattenRules`, sends and reads
        back `do_not_enforce_on_create` and each entry's `repository_id`, `path`, `ref`; never
        `sha`).

        GitHub Docs, "Available rules for rulesets", "Require workflows to pass before merging":
        "Ruleset workflows can be configured at the organization level", a rule documented for
        GitHub Enterprise Cloud; so it is taken in an organization's branch ruleset on the
        enterprise plan only (a repository's ruleset, a tag ruleset, another plan: GitHub's
        answer is not known). Each entry must name a repository of the organization holding
        `path` at its `ref` (or `sha`), and every repository the ruleset targets now must be one
        the workflow may run in (`WORKFLOW_RUNS_IN`): GitHub refuses the others, with a 422
        whose words are not known. `do_not_enforce_on_create` changes nothing here: the double
        judges no branch's creation."""
        found = workflows_rules(rules)
        if not found:
            return
        if not organization:
            raise UnmodelledError(
                "a workflows rule in a repository ruleset: GitHub documents ruleset workflows "
                "at the organization level, its answer here is not known"
            )
        if target != "branch":
            raise UnmodelledError(f"a workflows rule in a {target} ruleset")
        if self.plan != "enterprise":
            raise UnmodelledError(
                f"a workflows rule on the {self.plan} plan: GitHub documents ruleset workflows "
                "for GitHub Enterprise Cloud, its answer here is not known"
            )
        targeted = [r for r in self.repositories.values() if self.conditions_target(conditions, r)]
        for rule in found:
            entries = (rule.get("parameters") or {}).get("workflows")
            if not entries:
                # `parameters` is optional in the description, `workflows` then required.
                raise UnmodelledError("a workflows rule naming no workflow")
            for entry in entries:
                workflow = self.ruleset_workflow(entry)
                for repo in targeted:
                    self.check_runs_in(workflow, repo)

    def ruleset_workflow(self, entry: Mapping[str, Any]) -> RequiredWorkflow:
        """One entry of a workflows rule (`repository-rule-params-workflow-file-reference`),
        its file read where it says: at `sha` when given (a commit of the repository), else at
        `ref`, a branch (`NAME` or `refs/heads/NAME`; the double has no tags). Refused loudly
        when the repository, the ref, the commit or the file is missing (GitHub's 422 words are
        not known, and what it does when they go missing later is not either), or when neither
        `ref` nor `sha` is given (`ref` "" included, as the provider sends an unset one): which
        ref GitHub reads then is not documented."""
        source = self.repository_by_id(int(entry["repository_id"]))
        if source is None:
            raise UnmodelledError(
                f"a workflows rule naming repository id {entry['repository_id']}, no "
                "repository of the organization: GitHub's refusal is not known"
            )
        path, ref, sha = str(entry["path"]), entry.get("ref") or None, entry.get("sha")
        if ref is None and sha is None:
            raise UnmodelledError(
                f"a workflows rule naming {source.name}/{path} with neither ref nor sha: which "
                "ref GitHub reads the workflow at is not documented"
            )
        branch = None
        if ref is not None:
            branch = str(ref).removeprefix("refs/heads/")
            if str(ref).startswith("refs/tags/") or branch not in source.branches:
                raise UnmodelledError(
                    f"a workflows rule naming {source.name}/{path} at {ref!r}, no branch of "
                    f"{source.name} (the double has no tags): GitHub's refusal is not known"
                )
        at = str(sha) if sha is not None else str(branch)
        commit = source.commits.get(at) if sha is not None else source.resolve(at)
        if commit is None:
            raise UnmodelledError(
                f"a workflows rule naming {source.name}/{path} at {sha!r}, no commit of "
                f"{source.name}: GitHub's refusal is not known"
            )
        blob = commit.files.get(path)
        if blob is None:
            raise UnmodelledError(
                f"a workflows rule naming {source.name}/{path}, a file {source.name} does not "
                f"have at {at}: GitHub's refusal is not known"
            )
        return RequiredWorkflow(source, path, at, source.blobs[blob])

    def check_runs_in(self, workflow: RequiredWorkflow, repo: Repository) -> None:
        """Refuse, loudly, a ruleset workflow required in a repository it may not run in
        (`WORKFLOW_RUNS_IN`): what GitHub does then (refuse the ruleset, skip the workflow,
        block every merge) is not known."""
        source = workflow.source.settings["visibility"]
        visibility = repo.settings["visibility"]
        if visibility not in WORKFLOW_RUNS_IN.get(source, frozenset()):
            raise UnmodelledError(
                f"the {source} workflow {workflow.where} required in the {visibility} "
                f"repository {repo.name}: a {source} workflow can run only in "
                f"{', '.join(sorted(WORKFLOW_RUNS_IN.get(source, ())))} repositories, what "
                "GitHub does here is not known"
            )

    def required_workflows(
        self, repo: Repository, rule: Mapping[str, Any]
    ) -> list[RequiredWorkflow]:
        """The workflows a `workflows` rule requires of a change to `repo`, read now (a branch
        `ref` at its current head), each one that may run there (else refused loudly: the
        repository's visibility, or the source's, may have changed since the ruleset was
        saved, or the repository come under it since)."""
        found = [
            self.ruleset_workflow(entry)
            for entry in (rule.get("parameters") or {}).get("workflows") or []
        ]
        for workflow in found:
            self.check_runs_in(workflow, repo)
        return found

    # Topics ---------------------------------------------------------------------------------

    def set_topics(self, repo: Repository, names: list[str]) -> list[str]:
        """Replace the topics; GitHub saves them lowercased."""
        repo.topics = checked_topics(names)
        return repo.topics

    # Custom properties ------------------------------------------------------------------------

    def custom_property(self, name: str) -> CustomProperty:
        if name not in self.properties:
            raise GitHubError(404, "Not Found")
        return self.properties[name]

    def define_property(self, name: str, body: Mapping[str, Any]) -> CustomProperty:
        """Create or replace one property; what GitHub refuses with an undocumented 422 is
        refused loudly (the schema operations list no 422)."""
        value_type = str(body["value_type"])
        allowed = body.get("allowed_values")
        default = body.get("default_value")
        problem = None
        if not PROPERTY_NAME.match(name):
            problem = f"the property name {name!r} breaks GitHub's naming rule"
        elif value_type in ("single_select", "multi_select") and not allowed:
            problem = f"a {value_type} property without allowed_values"
        elif value_type not in ("single_select", "multi_select") and allowed is not None:
            # GitHub: "Validation failed: Allowed values must be nil if value_type is string"
            # (eclipse-csi/otterdog#648).
            problem = f"allowed_values on a {value_type} property"
        elif body.get("required") and default is None:
            problem = "a required property without a default_value"
        if problem is None:
            prop = CustomProperty(
                name,
                value_type,
                bool(body.get("required", False)),
                copy.deepcopy(default),
                body.get("description"),
                list(allowed) if allowed is not None else None,
                str(body.get("values_editable_by") or "org_actors"),
            )
            if default is not None:
                problem = prop.refusal(default)
        if problem is not None:
            raise UnmodelledError(
                f"{problem}: GitHub answers 422, which its description does not list for "
                "the custom property schema operations"
            )
        self.properties[name] = prop
        return prop

    def delete_property(self, name: str) -> None:
        self.custom_property(name)
        del self.properties[name]
        for repo in self.repositories.values():
            repo.property_values.pop(name, None)

    def property_values(self, repo: Repository) -> dict[str, PropertyValue]:
        """The repository's value of each property that has one, in schema order; a required
        property's default counts where no value was set."""
        values: dict[str, PropertyValue] = {}
        for name, prop in self.properties.items():
            value = repo.property_values.get(name)
            if value is None and prop.required:
                value = prop.default_value
            if value is not None:
                values[name] = copy.deepcopy(value)
        return values

    def set_property_values(
        self, repos: list[Repository], values: Mapping[str, PropertyValue | None]
    ) -> None:
        """Set (or, with None, unset) values on every repository, all or nothing."""
        for name, value in values.items():
            self._check_value(name, value)
        for repo in repos:
            for name, value in values.items():
                if value is None:
                    repo.property_values.pop(name, None)
                else:
                    repo.property_values[name] = copy.deepcopy(value)

    def _check_value(self, name: str, value: PropertyValue | None) -> None:
        prop = self.properties.get(name)
        if prop is None:
            # GitHub's wording, quoted in eclipse-csi/otterdog#648.
            raise GitHubError(422, f"Unexpected property '{name}'")
        problem = None if value is None else prop.refusal(value)
        if problem is not None:
            raise GitHubError(422, problem)

    # Listing ----------------------------------------------------------------------------------

    def list_repositories(self, kind: str, sort: str, direction: str | None) -> list[Repository]:
        """GET /orgs/{org}/repos before paging: filtered by `type`, ordered by `sort`."""
        if kind == "member":
            raise UnmodelledError("type=member (the double models no repository membership)")
        keep: Mapping[str, Callable[[Repository], bool]] = {
            "all": lambda r: True,
            "public": lambda r: r.settings["visibility"] == "public",
            # GitHub's `private` field is true for internal repositories too.
            "private": lambda r: r.settings["visibility"] != "public",
            "forks": lambda r: r.fork,
            "sources": lambda r: not r.fork,
        }
        keys: Mapping[str, Callable[[Repository], Any]] = {
            "created": lambda r: r.created_at,
            "updated": lambda r: r.updated_at,
            "pushed": lambda r: r.pushed_at or r.created_at,
            "full_name": lambda r: r.full_name.lower(),
        }
        # The description: "Default: asc when using full_name, otherwise desc"; ties by id.
        descending = (direction or ("asc" if sort == "full_name" else "desc")) == "desc"
        order = keys[sort]
        return sorted(
            filter(keep[kind], self.repositories.values()),
            key=lambda r: (order(r), r.id),
            reverse=descending,
        )

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
        self,
        repo: Repository,
        actor: Actor,
        branch: str,
        files: Mapping[str, bytes | None],
        message: str,
    ) -> Commit:
        """A commit made outside the API (as a `git push` would), for setting up a test."""
        return self._commit(repo, actor, branch, files, message)

    def state(self) -> dict[str, Any]:
        """Everything the double holds, as JSON-ready data."""
        return {
            "org": self.org,
            "plan": self.plan,
            "repositories": {
                repo.name: _repository_state(repo, self.property_values(repo))
                for repo in sorted(self.repositories.values(), key=lambda r: r.name.lower())
            },
            "custom_properties": {
                name: {
                    "value_type": p.value_type,
                    "required": p.required,
                    "default_value": copy.deepcopy(p.default_value),
                    "description": p.description,
                    "allowed_values": copy.deepcopy(p.allowed_values),
                    "values_editable_by": p.values_editable_by,
                }
                for name, p in self.properties.items()
            },
            "org_rulesets": [_ruleset_state(r) for r in self.org_rulesets.values()],
        }


def _signature_state(signature: Signature) -> dict[str, str]:
    return {"name": signature.name, "email": signature.email, "date": iso(signature.date)}


def _text(content: bytes) -> dict[str, str]:
    try:
        return {"content": content.decode()}
    except UnicodeDecodeError:
        return {"content_base64": base64.b64encode(content).decode()}


def _ruleset_state(ruleset: Ruleset) -> dict[str, Any]:
    return {
        "id": ruleset.id,
        "name": ruleset.name,
        "source_type": ruleset.source_type,
        "target": ruleset.target,
        "enforcement": ruleset.enforcement,
        "bypass_actors": copy.deepcopy(ruleset.bypass_actors),
        "conditions": copy.deepcopy(ruleset.conditions),
        "rules": copy.deepcopy(ruleset.rules),
        "created_at": iso(ruleset.created_at),
        "updated_at": iso(ruleset.updated_at),
    }


def _repository_state(
    repo: Repository, property_values: Mapping[str, PropertyValue]
) -> dict[str, Any]:
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
        "fork": repo.fork,
        "topics": list(repo.topics),
        # The effective values: set ones, and required properties' defaults.
        "custom_properties": dict(property_values),
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
        "rulesets": [_ruleset_state(r) for r in repo.rulesets.values()],
        "classic_protection": copy.deepcopy(repo.protections),
        "pulls": {str(number): _pull_state(pull) for number, pull in repo.pulls.items()},
        "issues": {
            str(number): {
                "number": issue.number,
                "title": issue.title,
                "body": issue.body,
                "user": issue.user.name,
                "state": issue.state,
                "labels": list(issue.labels),
                "assignees": [actor.name for actor in issue.assignees],
            }
            for number, issue in repo.issues.items()
        },
        # On issues and pull requests alike, in the order made.
        "issue_comments": [
            {"id": c.id, "number": c.number, "user": c.user.name, "body": c.body}
            for c in repo.issue_comments
        ],
        # In the order recorded (the rule-suites GET answers them newest first).
        "rule_suites": [_rule_suite_state(suite) for suite in repo.rule_suites],
        "check_runs": [
            {
                "id": run.id,
                "name": run.name,
                "head_sha": run.head_sha,
                "app_id": run.app.app_id,
                "status": run.status,
                "conclusion": run.conclusion,
            }
            for run in repo.check_runs
        ],
        "statuses": [
            {
                "id": status.id,
                "sha": status.sha,
                "context": status.context,
                "state": status.state,
                "creator": status.creator.name,
            }
            for status in repo.statuses
        ],
    }


def _rule_suite_state(suite: RuleSuite) -> dict[str, Any]:
    return {
        "id": suite.id,
        "actor": suite.actor.name,
        "before_sha": suite.before_sha,
        "after_sha": suite.after_sha,
        "ref": suite.ref,
        "repository_id": suite.repository_id,
        "repository_name": suite.repository_name,
        "pushed_at": iso(suite.pushed_at),
        "result": suite.result,
        "evaluation_result": suite.evaluation_result,
        "rule_evaluations": [
            {
                "ruleset_id": e.ruleset_id,
                "ruleset_name": e.ruleset_name,
                "enforcement": e.enforcement,
                "rule_type": e.rule_type,
                "result": e.result,
                "details": e.details,
            }
            for e in suite.rule_evaluations
        ],
        "unmodelled": suite.unmodelled,
        "evaluations_unmodelled": suite.evaluations_unmodelled,
    }


def _pull_state(pull: PullRequest) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return iso(moment) if moment is not None else None

    return {
        "number": pull.number,
        "title": pull.title,
        "body": pull.body,
        "head": pull.head,
        "base": pull.base,
        "head_sha": pull.head_sha,
        "base_sha": pull.base_sha,
        "user": pull.user.name,
        "state": pull.state,
        "draft": pull.draft,
        "merged": pull.merged,
        "merged_by": pull.merged_by.name if pull.merged_by is not None else None,
        "merge_commit_sha": pull.merge_commit_sha,
        "created_at": iso(pull.created_at),
        "closed_at": when(pull.closed_at),
        "merged_at": when(pull.merged_at),
        "reviews": [
            {"id": r.id, "user": r.user.name, "state": r.state, "commit_id": r.commit_id}
            for r in pull.reviews
        ],
    }
