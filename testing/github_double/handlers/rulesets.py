"""Rulesets: the repository's and the organization's, the rules that apply to a branch, and the
rule suites GitHub's rule insights record of each ref update they judged (GitHub's REST docs,
"Rules", "Rule suites")."""

from __future__ import annotations

from testing.github_double.handlers.common import (
    JSON,
    Call,
    Reply,
    check_org,
    node_id,
    paginate,
)
from testing.github_double.models import (
    GitHubError,
    Repository,
    Ruleset,
    RuleSuite,
    actor_id,
    iso,
)


def ruleset_source(call: Call, ruleset: Ruleset, repo: Repository | None) -> str:
    """`source`: the organization's login, or the repository's full name."""
    if ruleset.source_type == "Organization" or repo is None:
        return call.backend.org
    return repo.full_name


def render_ruleset_summary(
    call: Call, ruleset: Ruleset, repo: Repository | None = None
) -> dict[str, JSON]:
    """A ruleset as the list operations' examples show it: no conditions, rules or actors."""
    if ruleset.source_type == "Organization":
        url = f"{call.api}/orgs/{call.backend.org}/rulesets/{ruleset.id}"
        html = f"{call.base_url}/organizations/{call.backend.org}/settings/rules/{ruleset.id}"
    else:
        assert repo is not None
        url = f"{call.api}/repos/{repo.full_name}/rulesets/{ruleset.id}"
        html = f"{call.base_url}/{repo.full_name}/rules/{ruleset.id}"
    return {
        "id": ruleset.id,
        "name": ruleset.name,
        "source_type": ruleset.source_type,
        "source": ruleset_source(call, ruleset, repo),
        "enforcement": ruleset.enforcement,
        "node_id": node_id("RRS", ruleset.id),
        "_links": {"self": {"href": url}, "html": {"href": html}},
        "created_at": iso(ruleset.created_at),
        "updated_at": iso(ruleset.updated_at),
    }


def render_ruleset(
    call: Call, repo: Repository | None, ruleset: Ruleset, *, can_bypass: bool = True
) -> dict[str, JSON]:
    """The full ruleset. `current_user_can_bypass` is "only returned when querying the
    repository-level endpoint" (the description): `can_bypass=False` at the organization's."""
    summary = render_ruleset_summary(call, ruleset, repo)
    rendered: dict[str, JSON] = {
        "id": ruleset.id,
        "name": ruleset.name,
        "target": ruleset.target,
        "source_type": ruleset.source_type,
        "source": summary["source"],
        "enforcement": ruleset.enforcement,
        "bypass_actors": [dict(a) for a in ruleset.bypass_actors],
    }
    if can_bypass:
        rendered["current_user_can_bypass"] = "always" if ruleset.bypasses(call.actor) else "never"
    rendered.update({"node_id": summary["node_id"], "_links": summary["_links"]})
    if ruleset.conditions is not None or ruleset.target != "push":
        rendered["conditions"] = ruleset.conditions
    # else a push ruleset made without conditions (as terraform-provider-github v6.13.0 sends
    # it): GitHub answers `"conditions": null` (github/ruleset-recipes' exported repository push
    # ruleset, push-rulesets/keep-it-secret-keep-it-safe.json), and `repository-ruleset` marks
    # it `nullable`, but that `nullable` sits beside an `anyOf`, which OpenAPI 3.0 validators do
    # not carry it into (contract.SPEC_GAPS' `nullable-one-of` covers only `oneOf`), so null is
    # refused. The key is optional: leaving it out is the narrowest answer the description
    # accepts, and go-github (`Conditions *RulesetConditions`, omitempty) reads both as nil.
    rendered.update(
        {
            "rules": [dict(r) for r in ruleset.rules],
            "created_at": summary["created_at"],
            "updated_at": summary["updated_at"],
        }
    )
    return rendered


def _ruleset_id(call: Call) -> int:
    try:
        return int(call.params["ruleset_id"])
    except ValueError as error:  # the contract check refuses it first; kept for safety
        raise GitHubError(404, "Not Found") from error


# --- Repository rulesets ----------------------------------------------------------------------


def _includes_parents(call: Call) -> bool:
    return call.arg("includes_parents") != "false"  # the description's default is true


def _targeted(call: Call, rulesets: list[Ruleset]) -> list[Ruleset]:
    """`targets`: "A comma-separated list of rule targets to filter by" (the description);
    every ruleset without it."""
    wanted = call.arg("targets")
    return [r for r in rulesets if wanted is None or r.target in wanted.split(",")]


def list_rulesets(call: Call) -> Reply:
    repo = call.repo()
    rulesets = call.backend.rulesets_for(repo, includes_parents=_includes_parents(call))
    return Reply(200, [render_ruleset(call, repo, r) for r in _targeted(call, rulesets)])


def create_ruleset(call: Call) -> Reply:
    repo = call.repo()
    ruleset = call.backend.save_ruleset(repo, call.body)
    return Reply(201, render_ruleset(call, repo, ruleset))


def get_ruleset(call: Call) -> Reply:
    repo, ruleset_id = call.repo(), _ruleset_id(call)
    # With includes_parents (the default), an organization ruleset that targets the
    # repository is read here too; it is changed only at the organization's endpoint.
    for ruleset in call.backend.rulesets_for(repo, includes_parents=_includes_parents(call)):
        if ruleset.id == ruleset_id:
            return Reply(200, render_ruleset(call, repo, ruleset))
    raise GitHubError(404, "Not Found")


def update_ruleset(call: Call) -> Reply:
    repo = call.repo()
    ruleset_id = call.backend.ruleset(repo, _ruleset_id(call)).id
    ruleset = call.backend.save_ruleset(repo, call.body or {}, ruleset_id)
    return Reply(200, render_ruleset(call, repo, ruleset))


def delete_ruleset(call: Call) -> Reply:
    repo = call.repo()
    del repo.rulesets[call.backend.ruleset(repo, _ruleset_id(call)).id]
    return Reply(204)


# --- Organization rulesets --------------------------------------------------------------------


def list_org_rulesets(call: Call) -> Reply:
    check_org(call)
    rulesets = _targeted(call, list(call.backend.org_rulesets.values()))
    page, headers = paginate(call, rulesets)
    return Reply(200, [render_ruleset_summary(call, r) for r in page], headers)


def create_org_ruleset(call: Call) -> Reply:
    check_org(call)
    ruleset = call.backend.save_org_ruleset(call.body)
    return Reply(201, render_ruleset(call, None, ruleset, can_bypass=False))


def get_org_ruleset(call: Call) -> Reply:
    check_org(call)
    ruleset = call.backend.org_ruleset(_ruleset_id(call))
    return Reply(200, render_ruleset(call, None, ruleset, can_bypass=False))


def update_org_ruleset(call: Call) -> Reply:
    check_org(call)
    ruleset_id = call.backend.org_ruleset(_ruleset_id(call)).id
    ruleset = call.backend.save_org_ruleset(call.body or {}, ruleset_id)
    return Reply(200, render_ruleset(call, None, ruleset, can_bypass=False))


def delete_org_ruleset(call: Call) -> Reply:
    check_org(call)
    del call.backend.org_rulesets[call.backend.org_ruleset(_ruleset_id(call)).id]
    return Reply(204)


# --- Branch rules -----------------------------------------------------------------------------


def get_branch_rules(call: Call) -> Reply:
    repo = call.repo()
    rules = [
        {
            "type": rule["type"],
            "ruleset_source_type": ruleset.source_type,
            "ruleset_source": ruleset_source(call, ruleset, repo),
            "ruleset_id": ruleset.id,
            **{key: value for key, value in rule.items() if key != "type"},
        }
        for ruleset, rule in call.backend.branch_rules(repo, call.params["branch"])
    ]
    page, headers = paginate(call, rules)
    return Reply(200, page, headers)


# --- Rule suites (rule insights) --------------------------------------------------------------


def render_rule_suite(suite: RuleSuite, *, evaluations: bool = False) -> dict[str, JSON]:
    """A rule suite as the list answers it (`rule-suites` items), or with its rule evaluations
    (`rule-suite`). `evaluation_result` is left out when no evaluate ruleset ran: the list's is
    not nullable, and the description's example of the list leaves it out; the suite's own is
    null then ("Null if no rules with `evaluate` enforcement status were run"), but its
    nullable enum refuses null (OpenAPI 3.0 validators check the enum first), as for an
    issue's `state_reason`, which the double leaves out too."""
    rendered: dict[str, JSON] = {
        "id": suite.id,
        "actor_id": actor_id(suite.actor),
        "actor_name": suite.actor.name,
        "before_sha": suite.before_sha,
        "after_sha": suite.after_sha,
        "ref": suite.ref,
        "repository_id": suite.repository_id,
        "repository_name": suite.repository_name,
        "pushed_at": iso(suite.pushed_at),
        "result": suite.result,
    }
    if suite.evaluation_result is not None:
        rendered["evaluation_result"] = suite.evaluation_result
    if evaluations:
        rendered["rule_evaluations"] = [
            {
                "rule_source": {"type": "ruleset", "id": e.ruleset_id, "name": e.ruleset_name},
                "enforcement": e.enforcement,
                "result": e.result,
                "rule_type": e.rule_type,
                "details": e.details,
            }
            for e in suite.rule_evaluations
        ]
    return rendered


def list_rule_suites(call: Call) -> Reply:
    repo = call.repo()
    suites = call.backend.rule_suites(
        repo,
        call.actor,
        ref=call.arg("ref"),
        # The description's defaults: day, all, all.
        time_period=call.arg("time_period") or "day",
        actor_name=call.arg("actor_name"),
        result=call.arg("rule_suite_result") or "all",
        evaluate_status=call.arg("evaluate_status") or "all",
    )
    page, headers = paginate(call, suites)
    return Reply(200, [render_rule_suite(suite) for suite in page], headers)


def get_rule_suite(call: Call) -> Reply:
    repo = call.repo()
    suite_id = int(call.params["rule_suite_id"])  # the contract checked it is an integer
    suite = call.backend.rule_suite(repo, call.actor, suite_id)
    return Reply(200, render_rule_suite(suite, evaluations=True))
