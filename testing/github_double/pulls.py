"""Pull requests, reviews, check runs, commit statuses, merging and branch renames.

What GitHub decides about a pull request is decided here, on the state `models.py` keeps: whether
it may be opened, who may approve it, whether the base branch's protection (the repository's and
the organization's rulesets, classic protection) and the repository's push rulesets let it
merge (a ruleset's required workflows included: their checks, reported by GitHub Actions on the
head, must have passed), what the merge commit is, and the rule suite GitHub's rule insights
record of the merge, refused or not. Merge commits are real git objects (`models.make_commit`).
Where GitHub's answer is not known, the request is refused loudly (`UnmodelledError`), never
guessed.

GitHub's words, and where they were read (none is confirmed against GitHub by this double):

- 405 "At least 1 approving review is required by reviewers with write access." for classic
  protection (Reviewable/Reviewable#561, `GitHub error 405 on PUT …/pulls/1/merge`); under a
  ruleset the same reason after "Repository rule violations found" (quoted from
  `PUT …/pulls/12/merge → 405` in a project's notes, and as Prow Tide's merge failure in
  openstack-k8s-operators' ruleset.sh). The blank lines between them follow the double's
  direct-commit wording (a guess); "At least N approving reviews are required …" for N > 1 is
  a guess.
- 405 `Required status check "X" is expected.` (mergify-engine's REQUIRED_STATUS_RE, matched
  against GitHub's merge answers); "N of M required status checks are expected." is a guess.
- 405 "Merge commits are not allowed on this repository." and the squash/rebase forms
  (mergify-engine's FORBIDDEN_*_MSG constants; also a ruleset's allowed_merge_methods).
- 405 "Pull Request is not mergeable" to merging a merged pull request (lindell/multi-gitter#268:
  `PUT …/pulls/40/merge: 405 Pull Request is not mergeable []`); the same to a closed one is a
  guess.
- 409 "Head branch was modified. Review and try the merge again." when `sha` is not the head
  (widely quoted; the GraphQL merge answers the same words).
- 422 `{"message": "Unprocessable Entity", "errors": ["Can not approve your own pull request"]}`
  (hubtty/hubtty#33); 422 "GitHub Actions is not permitted to approve pull requests." for app
  15368 while the workflow permission `can_approve_pull_request_reviews` is off (quoted in many
  workflows' logs; put in `errors` like the previous one: the shape is a guess).
- 422 "Validation Failed" for a pull request: `{"resource": "PullRequest", "field": "head",
  "code": "invalid"}` for a missing head (base alike), "No commits between BASE and HEAD",
  "A pull request already exists for OWNER:HEAD.", `missing_field` for a missing title (the
  provider's comment on `title`); the entries' exact fields are a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from testing.github_double.models import (
    Actor,
    App,
    CheckRun,
    Commit,
    CommitStatus,
    Failure,
    FileChange,
    GitHubBackend,
    GitHubError,
    PullRequest,
    Refusal,
    Repository,
    RequiredWorkflow,
    Review,
    Ruleset,
    Signature,
    UnmodelledError,
    User,
    Verdict,
    actor_email,
    judge_rulesets,
    make_commit,
    push_failure,
)

GITHUB_ACTIONS_APP_ID = 15368  # the app GitHub Actions reports check runs as
METHOD_SETTINGS = {
    "merge": "allow_merge_commit",
    "squash": "allow_squash_merge",
    "rebase": "allow_rebase_merge",
}
METHOD_REFUSALS = {
    "merge": "Merge commits are not allowed on this repository.",
    "squash": "Squash merges are not allowed on this repository.",
    "rebase": "Rebase merges are not allowed on this repository.",
}
# A check run with one of these conclusions satisfies a required check (GitHub docs, "About
# protected branches": successful, skipped or neutral).
PASSING = ("success", "neutral", "skipped")
# Rules that do not stand in a pull request's way when it merges: signatures (the merge commit
# is GitHub's own, signed), deletion and force-push rules (a merge moves the base forward),
# creation (the base exists).
HARMLESS_AT_MERGE = frozenset({"deletion", "non_fast_forward", "creation", "required_signatures"})
# Who may bypass a ruleset at a merge: bypass actors in either mode.
MERGE_BYPASS = ("always", "pull_request")
# The events a ruleset workflow runs on for a pull request (GitHub Docs, "Available rules for
# rulesets", "Require workflows to pass before merging": "Ruleset workflows support using the
# `pull_request`, `pull_request_target` and `merge_group` events"; the last is a merge queue's).
RULESET_WORKFLOW_EVENTS = frozenset({"pull_request", "pull_request_target"})


def _validation(entry: Mapping[str, str]) -> GitHubError:
    return GitHubError(422, "Validation Failed", [dict(entry)])


def _pull_entry(message: str) -> GitHubError:
    return _validation({"resource": "PullRequest", "code": "custom", "message": message})


# --- Opening and editing -----------------------------------------------------------------------


def pull(repo: Repository, number: int) -> PullRequest:
    found = repo.pulls.get(number)
    if found is None:
        raise GitHubError(404, "Not Found")
    return found


def _head_branch(backend: GitHubBackend, head: str) -> str:
    """`head` as GitHub takes it: a branch, or `OWNER:branch` (only this organization's)."""
    owner, colon, branch = head.rpartition(":")
    if colon and owner.lower() != backend.org.lower():
        raise UnmodelledError(f"a pull request from another owner's fork ({head!r})")
    return branch if colon else head


def commits_between(repo: Repository, base_sha: str, head_sha: str) -> list[Commit]:
    """The commits on the head that the base lacks, oldest first (`git log base..head`)."""
    on_base = repo.ancestors(base_sha)
    found = [c for c in repo.history(head_sha) if c.sha not in on_base]
    missing = repo.ancestors(head_sha) - on_base - {c.sha for c in found}
    if missing:  # commits reached only through a second parent
        found += [repo.commits[sha] for sha in sorted(missing)]
    return list(reversed(found))


def open_pull(
    backend: GitHubBackend, repo: Repository, actor: Actor, body: Mapping[str, Any]
) -> PullRequest:
    for unmodelled in ("issue", "head_repo"):
        if unmodelled in body:
            raise UnmodelledError(f"opening a pull request with {unmodelled!r}")
    if not body.get("title"):
        raise _validation({"resource": "PullRequest", "code": "missing_field", "field": "title"})
    head = _head_branch(backend, str(body.get("head") or ""))
    base = str(body.get("base") or "")
    for name, field in ((base, "base"), (head, "head")):
        if name not in repo.branches:
            raise _validation({"resource": "PullRequest", "field": field, "code": "invalid"})
    head_sha, base_sha = repo.branches[head], repo.branches[base]
    if not commits_between(repo, base_sha, head_sha):
        raise _pull_entry(f"No commits between {base} and {head}")
    if any(p.state == "open" and p.head == head and p.base == base for p in repo.pulls.values()):
        raise _pull_entry(f"A pull request already exists for {repo.owner}:{head}.")
    now = backend.clock()
    # GitHub numbers issues and pull requests in one sequence.
    number = repo.next_number()
    created = PullRequest(
        id=next(backend.ids),
        number=number,
        title=str(body["title"]),
        body=body.get("body"),
        head=head,
        base=base,
        user=actor,
        created_at=now,
        updated_at=now,
        head_sha=head_sha,
        base_sha=base_sha,
        draft=bool(body.get("draft", False)),
        maintainer_can_modify=bool(body.get("maintainer_can_modify", False)),
    )
    repo.pulls[number] = created
    return created


def update_pull(
    backend: GitHubBackend, repo: Repository, found: PullRequest, body: Mapping[str, Any]
) -> PullRequest:
    if found.merged and set(body) & {"state", "base"}:
        raise UnmodelledError("reopening or retargeting a merged pull request")
    if "base" in body and body["base"] != found.base:
        if found.state != "open":
            # go-github quotes GitHub's 422 "Cannot change base branch of closed pull
            # request"; the shape of its `errors` is not known.
            raise UnmodelledError("changing the base branch of a closed pull request")
        if body["base"] not in repo.branches:
            raise _validation({"resource": "PullRequest", "field": "base", "code": "invalid"})
        found.base = str(body["base"])
        found.base_sha = repo.branches[found.base]
    if body.get("state") == "open" and found.state == "closed":
        if found.head not in repo.branches or found.base not in repo.branches:
            raise UnmodelledError("reopening a pull request whose branch was deleted")
        if any(
            p.state == "open" and (p.head, p.base) == (found.head, found.base)
            for p in repo.pulls.values()
        ):
            raise UnmodelledError("reopening a pull request another open one duplicates")
        found.state, found.closed_at = "open", None
        found.head_sha, found.base_sha = repo.branches[found.head], repo.branches[found.base]
    elif body.get("state") == "closed" and found.state == "open":
        found.state, found.closed_at = "closed", backend.clock()
    if "title" in body:
        found.title = str(body["title"])
    if "body" in body:
        found.body = body["body"]
    if "maintainer_can_modify" in body:
        found.maintainer_can_modify = bool(body["maintainer_can_modify"])
    found.updated_at = backend.clock()
    return found


def list_pulls(
    repo: Repository,
    state: str,
    head: str | None,
    base: str | None,
    sort: str,
    direction: str | None,
    org: str,
) -> list[PullRequest]:
    if sort not in ("created", "updated"):
        raise UnmodelledError(f"sort={sort} (the double keeps no comments or activity)")
    if head is not None:
        owner, colon, branch = head.rpartition(":")
        if not colon:
            raise UnmodelledError(
                f"head={head!r}: GitHub documents only `user:ref-name` or `organization:ref-name`"
            )
        if owner.lower() != org.lower():
            return []
        head = branch
    found = [
        p
        for p in repo.pulls.values()
        if state in ("all", p.state)
        and (head is None or p.head == head)
        and (base is None or p.base == base)
    ]
    # The description: "Default: desc when sort is created or sort is not specified, otherwise
    # asc"; ties by number.
    descending = (direction or ("desc" if sort == "created" else "asc")) == "desc"
    key = (
        (lambda p: (p.created_at, p.number))
        if sort == "created"
        else (lambda p: (p.updated_at, p.number))
    )
    return sorted(found, key=key, reverse=descending)


# --- Reviews, check runs, statuses ------------------------------------------------------------


def review(
    backend: GitHubBackend,
    repo: Repository,
    found: PullRequest,
    actor: Actor,
    body: Mapping[str, Any],
) -> Review:
    event = body.get("event")
    if event != "APPROVE":
        raise UnmodelledError(
            f"a review with event {event!r} (only APPROVE is modelled: pending reviews, "
            "comments and requested changes are not)"
        )
    if body.get("comments"):
        raise UnmodelledError("review comments")
    if found.state != "open":
        raise UnmodelledError("reviewing a closed pull request")
    commit_id = body.get("commit_id") or found.head_sha
    if commit_id != found.head_sha:
        raise UnmodelledError("a review of a commit other than the pull request's head")
    if actor == found.user:
        raise GitHubError(422, "Unprocessable Entity", ["Can not approve your own pull request"])
    if (
        isinstance(actor, App)
        and actor.app_id == GITHUB_ACTIONS_APP_ID
        and not repo.workflow_permissions.get("can_approve_pull_request_reviews")
    ):
        raise GitHubError(
            422,
            "Unprocessable Entity",
            ["GitHub Actions is not permitted to approve pull requests."],
        )
    given = Review(
        id=next(backend.ids),
        user=actor,
        state="APPROVED",
        body=str(body.get("body") or ""),
        commit_id=commit_id,
        submitted_at=backend.clock(),
    )
    found.reviews.append(given)
    return given


def report_check_run(
    backend: GitHubBackend, repo: Repository, actor: Actor, body: Mapping[str, Any]
) -> CheckRun:
    if not isinstance(actor, App):
        # GitHub answers 403 "You must authenticate via a GitHub App.", a status the
        # description does not list for checks/create.
        raise UnmodelledError("a check run created with a user's token (only GitHub Apps can)")
    head_sha = str(body["head_sha"])
    if head_sha not in repo.commits:
        raise UnmodelledError(
            f"a check run on {head_sha!r}, no commit of the repository "
            "(GitHub's 422 is not in the description)"
        )
    output = body.get("output") or {}
    if output.get("annotations") or output.get("images") or body.get("actions"):
        raise UnmodelledError("check run annotations, images or actions")
    conclusion = body.get("conclusion")
    status = "completed" if conclusion is not None else str(body.get("status", "queued"))
    if status == "completed" and conclusion is None:
        raise UnmodelledError(
            "a completed check run without a conclusion (GitHub's 422 is not in the description)"
        )
    now = backend.clock()
    run = CheckRun(
        id=next(backend.ids),
        name=str(body["name"]),
        head_sha=head_sha,
        app=actor,
        status=status,
        conclusion=conclusion,
        started_at=now,
        completed_at=now if status == "completed" else None,
        external_id=body.get("external_id"),
        details_url=body.get("details_url"),
        output={key: output.get(key) for key in ("title", "summary", "text")},
    )
    repo.check_runs.append(run)
    return run


def report_status(
    backend: GitHubBackend, repo: Repository, actor: Actor, sha: str, body: Mapping[str, Any]
) -> CommitStatus:
    if sha not in repo.commits:
        raise UnmodelledError(
            f"a status on {sha!r}, no commit of the repository "
            "(GitHub's 422 is not in the description)"
        )
    status = CommitStatus(
        id=next(backend.ids),
        sha=sha,
        state=str(body["state"]),
        context=str(body.get("context") or "default"),
        description=body.get("description"),
        target_url=body.get("target_url"),
        creator=actor,
        created_at=backend.clock(),
    )
    repo.statuses.append(status)
    return status


# --- What stands in a merge's way ------------------------------------------------------------


@dataclass(frozen=True)
class RequiredCheck:
    context: str
    app_id: int | None  # only a check from this app satisfies it (None: any source)


def latest_check_run(repo: Repository, sha: str, name: str, app_id: int | None) -> CheckRun | None:
    """The check run that counts for a check named `name` on `sha`: the latest reported of that
    name (from the app `app_id`, unless None)."""
    runs = [
        run
        for run in repo.check_runs
        if run.head_sha == sha and run.name == name and (app_id is None or run.app.app_id == app_id)
    ]
    return runs[-1] if runs else None


def _satisfied(repo: Repository, sha: str, check: RequiredCheck) -> bool:
    """Whether `check` passed on `sha`: the latest check run of its name (from its app, if it
    names one), else the latest commit status of its context. A check that was reported but did
    not pass is refused loudly: GitHub's wording for a failing or pending check is not known."""
    latest = latest_check_run(repo, sha, check.context, check.app_id)
    if latest is not None:
        if latest.status == "completed" and latest.conclusion in PASSING:
            return True
        raise UnmodelledError(
            f"required check {check.context!r} is {latest.conclusion or latest.status} "
            "(GitHub's words for a failing or pending check are not known)"
        )
    statuses = [
        status
        for status in repo.statuses
        if status.sha == sha
        and status.context.lower() == check.context.lower()
        and (
            check.app_id is None
            or (isinstance(status.creator, App) and status.creator.app_id == check.app_id)
        )
    ]
    if statuses:
        if statuses[-1].state == "success":
            return True
        raise UnmodelledError(
            f"required status {check.context!r} is {statuses[-1].state} "
            "(GitHub's words for a failing or pending status are not known)"
        )
    return False


def _missing_checks(repo: Repository, sha: str, checks: list[RequiredCheck]) -> str | None:
    missing = [c.context for c in checks if not _satisfied(repo, sha, c)]
    if not missing:
        return None
    if len(missing) == 1:
        return f'Required status check "{missing[0]}" is expected.'
    return f"{len(missing)} of {len(checks)} required status checks are expected."


def _approvals(pull_request: PullRequest, *, current_head_only: bool) -> int:
    """Approving reviewers with write access (apps count), the author never; with stale
    reviews dismissed on push, only approvals of the current head."""
    latest: dict[str, Review] = {}
    for given in pull_request.reviews:
        latest[given.user.name] = given
    return sum(
        1
        for given in latest.values()
        if given.state == "APPROVED"
        and (not current_head_only or given.commit_id == pull_request.head_sha)
        and (isinstance(given.user, App) or given.user.role in ("write", "maintain", "admin"))
    )


def _approvals_reason(count: int) -> str:
    if count == 1:
        return "At least 1 approving review is required by reviewers with write access."
    return f"At least {count} approving reviews are required by reviewers with write access."


def _up_to_date(repo: Repository, pull_request: PullRequest) -> bool:
    return pull_request.base_sha in repo.ancestors(pull_request.head_sha)


def ruleset_workflow_checks(workflow: RequiredWorkflow) -> tuple[list[str], list[str]]:
    """The checks a ruleset workflow's jobs report: (those of the jobs that run whenever it
    runs, those of the others). The double runs no workflow, so a required workflow has passed
    when each of the first has passed (`unpassed_workflow_checks`).

    The checks are named as GitHub names them by the project's shared, tested fact: the policy
    pack's `job_checks` (tested against tests/github_facts/check_names.py), which the double
    imports rather than derive again; which jobs run whenever the workflow does is the pack's
    `unconditional_job_ids` too (an always-true `if`, no `continue-on-error`, needing only
    such jobs). GitHub ignores a ruleset workflow's event filters ("Any filters you specify for
    the supported events are ignored", GitHub Docs, "Require workflows to pass before
    merging"), so a workflow triggered on pull requests runs on every one. A job that may be
    skipped (`if:`), or whose failure does not fail the run (`continue-on-error`), is not
    waited for: GitHub judges the workflow run's conclusion, which such a job does not decide
    the double's way (a guess, in the README). A workflow that triggers on neither
    `pull_request` nor `pull_request_target`, or whose checks cannot be derived (a reusable
    workflow's job, a matrix from an expression, not YAML), is refused loudly: whether and how
    GitHub runs it on a pull request is not known."""
    # The policy pack's derivation, imported when used (as baseline/verify.py does): the pack's
    # package loads Pulumi's policy SDK, which only a double judging this rule needs.
    from policies.guardrails.pipeline import (
        WorkflowError,
        job_checks,
        load_workflow,
        triggers,
        unconditional_job_ids,
    )

    try:
        parsed = load_workflow(workflow.content.decode())
        if not RULESET_WORKFLOW_EVENTS & set(triggers(parsed)):
            raise UnmodelledError(
                f"the ruleset workflow {workflow.where}, which triggers on neither "
                "pull_request nor pull_request_target: whether GitHub runs it on a pull "
                "request is not known"
            )
        jobs = parsed.get("jobs")
        if not isinstance(jobs, Mapping) or not jobs:
            raise UnmodelledError(f"the ruleset workflow {workflow.where}, which has no jobs")
        always = set(unconditional_job_ids(parsed))
        awaited: list[str] = []
        others: list[str] = []
        for job_id, job in jobs.items():
            if not isinstance(job, Mapping):
                raise UnmodelledError(f"the ruleset workflow {workflow.where}'s job {job_id!r}")
            (awaited if str(job_id) in always else others).extend(job_checks(str(job_id), job))
    except (UnicodeDecodeError, WorkflowError) as error:
        raise UnmodelledError(f"the ruleset workflow {workflow.where}: {error}") from error
    return awaited, others


def unpassed_workflow_checks(
    backend: GitHubBackend, repo: Repository, pull_request: PullRequest, rule: Mapping[str, Any]
) -> list[str]:
    """The checks of a `workflows` rule's workflows that have not passed on the pull request's
    head, each with why: a workflow has passed when every check of its jobs that run whenever
    it does (`ruleset_workflow_checks`) has a check run on the head in this repository from
    GitHub Actions (app 15368) whose latest (`latest_check_run`) concluded `success` (only
    success: `neutral` or `skipped` of such a job is counted as not passed, the simplest
    reading), and no other job's check concluded `failure`, `cancelled` or `timed_out`."""
    unpassed: list[str] = []
    for workflow in backend.required_workflows(repo, rule):
        awaited, others = ruleset_workflow_checks(workflow)
        for check in awaited:
            run = latest_check_run(repo, pull_request.head_sha, check, GITHUB_ACTIONS_APP_ID)
            if run is None:
                unpassed.append(f'"{check}" of {workflow.where} (no check run)')
            elif run.conclusion != "success":
                unpassed.append(f'"{check}" of {workflow.where} ({run.conclusion or run.status})')
        for check in others:
            run = latest_check_run(repo, pull_request.head_sha, check, GITHUB_ACTIONS_APP_ID)
            if run is not None and run.conclusion in FAILED_CONCLUSIONS:
                unpassed.append(f'"{check}" of {workflow.where} ({run.conclusion})')
    return unpassed


# The conclusions of a job that fail its workflow run (GitHub's check run conclusions).
FAILED_CONCLUSIONS = frozenset({"failure", "cancelled", "timed_out"})


def merge_reason(
    backend: GitHubBackend,
    repo: Repository,
    pull_request: PullRequest,
    rule: Mapping[str, Any],
    method: str,
) -> str | None:
    """Why one rule of a branch ruleset that applies to the base stands in the merge's way (the
    reason GitHub's 405 lists), if it does; a merge method the rule disallows is GitHub's 405
    at once (raised). A workflows rule whose workflows have not passed on the head is refused
    loudly, naming the checks: GitHub refuses the merge, in words that are not known."""
    kind, parameters = rule["type"], rule.get("parameters") or {}
    if kind in HARMLESS_AT_MERGE:
        return None
    if kind == "workflows":
        unpassed = unpassed_workflow_checks(backend, repo, pull_request, rule)
        if unpassed:
            raise UnmodelledError(
                f"merging pull request #{pull_request.number} into {pull_request.base} before "
                f"its ruleset workflows passed on {pull_request.head_sha}: "
                f"{', '.join(unpassed)}; GitHub refuses it, in words that are not known"
            )
        return None
    if kind == "pull_request":
        allowed = parameters.get("allowed_merge_methods")
        if allowed is not None and method not in allowed:
            raise GitHubError(405, METHOD_REFUSALS[method])
        for unmodelled in ("require_code_owner_review", "require_last_push_approval"):
            if parameters.get(unmodelled):
                raise UnmodelledError(f"a pull_request rule with {unmodelled}")
        required = int(parameters.get("required_approving_review_count") or 0)
        stale = bool(parameters.get("dismiss_stale_reviews_on_push"))
        if _approvals(pull_request, current_head_only=stale) < required:
            return _approvals_reason(required)
        return None
    if kind == "required_status_checks":
        if parameters.get("strict_required_status_checks_policy") and not _up_to_date(
            repo, pull_request
        ):
            raise UnmodelledError("a head behind its base under a strict checks policy")
        checks = [
            RequiredCheck(c["context"], c.get("integration_id"))
            for c in parameters.get("required_status_checks") or []
        ]
        return _missing_checks(repo, pull_request.head_sha, checks)
    if kind == "required_linear_history":
        if method == "merge":
            raise UnmodelledError("a merge commit into a branch requiring linear history")
        return None
    raise UnmodelledError(f"merging into a branch under a {kind!r} rule")


def merge_refusal(
    backend: GitHubBackend, repo: Repository, pull_request: PullRequest, actor: Actor, method: str
) -> Refusal | None:
    """Why GitHub would refuse `actor`'s merge of the pull request into its base branch, if it
    would: the base branch's rulesets first (the repository's and the organization's that
    target it), then its classic protection."""
    reasons: list[str] = []
    head_sha = pull_request.head_sha
    for ruleset in backend.rulesets_for(repo):
        if ruleset.target != "branch" or not ruleset.applies_to(
            pull_request.base, repo.default_branch
        ):
            continue
        if ruleset.bypasses(actor, MERGE_BYPASS):
            continue
        for rule in ruleset.rules:
            reason = merge_reason(backend, repo, pull_request, rule, method)
            if reason is not None:
                reasons.append(reason)
    if reasons:
        return Refusal("ruleset", tuple(dict.fromkeys(reasons)))
    classic = repo.protections.get(pull_request.base)
    if classic is None:
        return None
    admin = isinstance(actor, User) and actor.role == "admin"
    if admin and not classic["enforce_admins"]:
        return None  # admins merge past classic protection unless it is enforced on them
    if classic.get("lock_branch"):
        raise UnmodelledError("merging into a locked branch")
    if classic.get("required_linear_history") and method == "merge":
        raise UnmodelledError("a merge commit into a branch requiring linear history")
    reviews = classic["required_pull_request_reviews"]
    if reviews is not None:
        for unmodelled in ("require_code_owner_reviews", "require_last_push_approval"):
            if reviews.get(unmodelled):
                raise UnmodelledError(f"required_pull_request_reviews.{unmodelled}")
        required = reviews["required_approving_review_count"]
        if _approvals(pull_request, current_head_only=reviews["dismiss_stale_reviews"]) < required:
            return Refusal("classic", (_approvals_reason(required),))
    checks = classic["required_status_checks"]
    if checks is not None and checks["checks"]:
        if checks["strict"] and not _up_to_date(repo, pull_request):
            raise UnmodelledError("a head behind its base under strict required status checks")
        reason = _missing_checks(
            repo, head_sha, [RequiredCheck(c["context"], c["app_id"]) for c in checks["checks"]]
        )
        if reason is not None:
            return Refusal("classic", (reason,))
    return None


def merge_verdict(
    backend: GitHubBackend,
    repo: Repository,
    pull_request: PullRequest,
    actor: Actor,
    method: str,
    paths: set[str] | None,
) -> Verdict:
    """What each rule that applies finds of `actor`'s merge into the base: a branch rule as
    `merge_refusal` decides it, a push rule as `GitHubBackend.check_push` does of the files the
    merge's new commits change (`paths`; None for a refused merge, whose commit the double never
    makes: its push rules stay unjudged)."""

    def judge(ruleset: Ruleset, rule: Mapping[str, Any]) -> Failure | None:
        if ruleset.target == "push":
            if paths is None:
                raise UnmodelledError("the push rules of a merge refused before its commit")
            return push_failure(rule, paths)
        if rule["type"] == "workflows":
            # Failing, its details are not known (`merge_reason` refuses loudly).
            unpassed = unpassed_workflow_checks(backend, repo, pull_request, rule)
            return Failure(None) if unpassed else None
        reason = merge_reason(backend, repo, pull_request, rule, method)
        return None if reason is None else Failure(reason)

    rulesets = backend.judging_rulesets(repo, pull_request.base)
    return judge_rulesets(rulesets, actor, MERGE_BYPASS, judge)


def new_paths(repo: Repository, pull_request: PullRequest, merge_commit: Commit) -> set[str]:
    """The files the commits a merge brings to the base change: the head's commits the base
    lacks, and the merge commit itself (its changes from the base)."""
    brought = commits_between(repo, pull_request.base_sha, pull_request.head_sha)
    return {change.path for c in (*brought, merge_commit) for change in c.changes}


# --- Merging -----------------------------------------------------------------------------------


def merge_base(repo: Repository, one: str, other: str) -> str:
    """The nearest common ancestor of two commits (breadth first from `other`)."""
    reachable = repo.ancestors(one)
    seen: set[str] = set()
    todo = [other]
    while todo:
        sha = todo.pop(0)
        if sha in reachable:
            return sha
        if sha not in seen:
            seen.add(sha)
            todo.extend(repo.commits[sha].parents)
    raise UnmodelledError("a pull request whose head and base share no history")


def merged_files(repo: Repository, pull_request: PullRequest) -> dict[str, str]:
    """The base's files with the head's changes since their merge base (a file-level
    three-way merge); a file changed differently on both sides is a conflict."""
    ours = repo.commits[pull_request.base_sha].files
    theirs = repo.commits[pull_request.head_sha].files
    ancestor = repo.commits[merge_base(repo, pull_request.base_sha, pull_request.head_sha)].files
    result: dict[str, str] = {}
    for path in sorted(set(ours) | set(theirs) | set(ancestor)):
        mine, yours, old = ours.get(path), theirs.get(path), ancestor.get(path)
        if yours == old or mine == yours:
            chosen = mine
        elif mine == old:
            chosen = yours
        else:
            # GitHub's answer to merging a conflicted pull request is not known for sure.
            raise UnmodelledError(f"a merge conflict on {path}")
        if chosen is not None:
            result[path] = chosen
    return result


def _changes(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[FileChange, ...]:
    changes: list[FileChange] = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        status: Literal["added", "modified", "removed"] = (
            "added" if old is None else "removed" if new is None else "modified"
        )
        changes.append(FileChange(path, status, new, old))
    return tuple(changes)


def _message(
    repo: Repository, pull_request: PullRequest, method: str, body: Mapping[str, Any]
) -> str:
    """The commit message GitHub writes, from the repository's merge message settings (the
    squash defaults are GitHub's documented ones; the exact layout is a guess)."""
    s, number = repo.settings, pull_request.number
    commits = commits_between(repo, pull_request.base_sha, pull_request.head_sha)
    if method == "merge":
        title = f"Merge pull request #{number} from {repo.owner}/{pull_request.head}"
        if s["merge_commit_title"] == "PR_TITLE":
            title = f"{pull_request.title} (#{number})"
        detail = {
            "PR_TITLE": pull_request.title,
            "PR_BODY": pull_request.body or "",
            "BLANK": "",
        }.get(s["merge_commit_message"], pull_request.title)
    else:
        title = f"{pull_request.title} (#{number})"
        if s["squash_merge_commit_title"] == "COMMIT_OR_PR_TITLE" and len(commits) == 1:
            title = f"{commits[0].message.splitlines()[0]} (#{number})"
        detail = {
            "PR_BODY": pull_request.body or "",
            "BLANK": "",
            "COMMIT_MESSAGES": "\n\n".join(f"* {c.message}" for c in commits)
            if len(commits) > 1
            else "\n".join(commits[0].message.splitlines()[1:]).strip()
            if commits
            else "",
        }.get(s["squash_merge_commit_message"], "")
    title = str(body.get("commit_title") or title)
    detail = str(body["commit_message"]) if "commit_message" in body else detail
    return f"{title}\n\n{detail}" if detail else title


def merge(
    backend: GitHubBackend,
    repo: Repository,
    pull_request: PullRequest,
    actor: Actor,
    body: Mapping[str, Any],
) -> Commit:
    """PUT …/pulls/{n}/merge: refusals in GitHub's order as far as it is known (state, head,
    method, protection), then a merge or squash commit on the base with the head's changes."""
    if pull_request.state != "open":
        raise GitHubError(405, "Pull Request is not mergeable")
    if pull_request.draft:
        raise UnmodelledError("merging a draft pull request")
    if isinstance(actor, User) and actor.role in ("read", "triage"):
        raise UnmodelledError(f"a merge by {actor.login}, who has {actor.role} access only")
    if pull_request.head_sha in repo.ancestors(pull_request.base_sha):
        raise UnmodelledError("merging a pull request whose head the base already contains")
    if body.get("sha") is not None and body["sha"] != pull_request.head_sha:
        raise GitHubError(409, "Head branch was modified. Review and try the merge again.")
    method = str(body.get("merge_method") or "merge")
    if not repo.settings[METHOD_SETTINGS[method]]:
        raise GitHubError(405, METHOD_REFUSALS[method])
    if method == "rebase":
        raise UnmodelledError("rebase merges (the double makes merge and squash commits only)")
    try:
        refusal = merge_refusal(backend, repo, pull_request, actor, method)
    except GitHubError:  # a merge method a ruleset disallows
        _record_refused(backend, repo, pull_request, actor, method)
        raise
    if refusal is not None:
        _record_refused(backend, repo, pull_request, actor, method)
        raise GitHubError(405, refusal.message)
    files = merged_files(repo, pull_request)
    base_files = repo.commits[pull_request.base_sha].files
    changes = _changes(base_files, files)
    now = backend.clock()
    # GitHub commits a merge as "GitHub <noreply@github.com>"; the author is the one who merged
    # (a merge commit) or who opened the pull request (a squash).
    committer = Signature("GitHub", "noreply@github.com", now)
    by = actor if method == "merge" else pull_request.user
    author = Signature(by.name, actor_email(by), now)
    parents = (
        (pull_request.base_sha, pull_request.head_sha)
        if method == "merge"
        else (pull_request.base_sha,)
    )
    commit = make_commit(
        files,
        parents,
        _message(repo, pull_request, method, body),
        author,
        committer,
        changes,
        actor,
    )
    paths = new_paths(repo, pull_request, commit)
    backend.check_push(
        repo, actor, paths, f"merging pull request #{pull_request.number}", MERGE_BYPASS
    )
    backend.record_rule_suite(
        repo,
        actor,
        pull_request.base,
        pull_request.base_sha,
        commit.sha,
        merge_verdict(backend, repo, pull_request, actor, method, paths),
        refused=False,
    )
    repo.commits[commit.sha] = commit
    # Closed first: a merged pull request keeps the base and head it was merged from.
    pull_request.state, pull_request.merged = "closed", True
    pull_request.closed_at = pull_request.merged_at = pull_request.updated_at = now
    pull_request.merged_by, pull_request.merge_commit_sha = actor, commit.sha
    backend.advance(repo, pull_request.base, commit.sha)
    if repo.settings["delete_branch_on_merge"]:
        _delete_merged_head(backend, repo, pull_request)
    return commit


def _record_refused(
    backend: GitHubBackend, repo: Repository, pull_request: PullRequest, actor: Actor, method: str
) -> None:
    """The rule suite of a refused merge. Its after_sha is the pull request's head: GitHub's
    would be the merge commit it did not make, which the double does not compute for a merge
    it refuses (computing it can fail on its own, e.g. a conflict)."""
    backend.record_rule_suite(
        repo,
        actor,
        pull_request.base,
        pull_request.base_sha,
        pull_request.head_sha,
        merge_verdict(backend, repo, pull_request, actor, method, None),
        refused=True,
    )


def _delete_merged_head(backend: GitHubBackend, repo: Repository, merged: PullRequest) -> None:
    """ "Automatically delete head branches": not the default branch nor a protected one; pull
    requests into the deleted branch are retargeted to the merged one's base (GitHub docs)."""
    head = merged.head
    protected = head in repo.protections or any(
        r.applies_to(head, repo.default_branch) for r in backend.rulesets_for(repo)
    )
    if head == repo.default_branch or protected or head not in repo.branches:
        return
    for other in repo.pulls.values():
        if other.state == "open" and other.base == head:
            other.base, other.base_sha = merged.base, repo.branches[merged.base]
    backend.delete_branch(repo, head)


# --- Renaming a branch -------------------------------------------------------------------------


def rename_branch(
    backend: GitHubBackend, repo: Repository, actor: Actor, old: str, new: str
) -> None:
    """POST …/branches/{branch}/rename: the branch, its classic protection, the default branch
    and the base of open pull requests follow the new name (GitHub docs, "Renaming a
    branch")."""
    backend.branch(repo, old)
    if new in repo.branches:
        raise UnmodelledError(f"renaming {old!r} to {new!r}, a branch that exists")
    if old == repo.default_branch and not (isinstance(actor, User) and actor.role == "admin"):
        raise UnmodelledError("renaming the default branch without admin access")
    if any(
        r.applies_to(old, repo.default_branch) or r.applies_to(new, repo.default_branch)
        for r in backend.rulesets_for(repo)
    ):
        raise UnmodelledError("renaming a branch a ruleset applies to")
    if any(p.state == "open" and p.head == old for p in repo.pulls.values()):
        raise UnmodelledError("renaming the head branch of an open pull request")
    repo.branches[new] = repo.branches.pop(old)
    if old in repo.protections:
        repo.protections[new] = repo.protections.pop(old)
    if repo.default_branch == old:
        repo.default_branch = new
    for other in repo.pulls.values():
        if other.state == "open" and other.base == old:
            other.base = new
