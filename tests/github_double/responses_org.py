"""Handlers for what spans the organization: its repository listing, topics, custom properties,
organization rulesets and the rules that apply to a branch.

Same contract as `responses.py`: read a `Call`, act on the backend, render GitHub's REST shape;
GitHub's own refusals come from the backend as `GitHubError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from tests.github_double.models import CustomProperty, GitHubError, Repository, UnmodelledError
from tests.github_double.responses import (
    JSON,
    Call,
    Reply,
    render_repository,
    render_ruleset,
    render_ruleset_summary,
    ruleset_source,
)

T = TypeVar("T")

# GitHub's page size: 30 unless asked, at most 100 ("The number of results per page (max
# 100)"); a larger per_page is served as 100.
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100

# What a repository in GitHub's list answers lacks beside its GET answer (the description's
# example of repos/list-for-org has neither the merge settings nor the network counts).
GET_ONLY_KEYS = frozenset(
    {
        "allow_squash_merge",
        "allow_merge_commit",
        "allow_rebase_merge",
        "allow_auto_merge",
        "allow_update_branch",
        "delete_branch_on_merge",
        "use_squash_pr_title_as_default",
        "squash_merge_commit_title",
        "squash_merge_commit_message",
        "merge_commit_title",
        "merge_commit_message",
        "network_count",
        "subscribers_count",
    }
)


# --- Paging ---------------------------------------------------------------------------------


def _positive(call: Call, name: str, default: int) -> int:
    value = call.arg(name)
    number = default if value is None else int(value)  # the contract checked it is an integer
    if number < 1:
        raise UnmodelledError(f"{name}={number} (GitHub's answer to a page below 1 is not known)")
    return number


def paginate(call: Call, items: Sequence[T]) -> tuple[list[T], dict[str, str]]:
    """One page of `items` and GitHub's `Link` header for it (none when one page holds all).

    The links name this request's own URL with its other query parameters kept and `page`
    last, in GitHub's order: prev, next, last, first (next and last only before the last page,
    prev and first only after the first).
    """
    per_page = min(_positive(call, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    page = _positive(call, "page", 1)
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    if last == 1 and page == 1:
        return chunk, {}

    def link(number: int, rel: str) -> str:
        query = [(k, v) for k, vs in call.query.items() if k != "page" for v in vs]
        query.append(("page", str(number)))
        return f'<{call.api}{call.path}?{urlencode(query)}>; rel="{rel}"'

    links = []
    if page > 1:
        links.append(link(min(page - 1, last), "prev"))
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links.append(link(1, "first"))
    return chunk, {"Link": ", ".join(links)}


# --- Repositories -----------------------------------------------------------------------------


def _org(call: Call) -> None:
    if call.params["org"].lower() != call.backend.org.lower():
        raise GitHubError(404, "Not Found")


def render_listed_repository(call: Call, repo: Repository) -> dict[str, JSON]:
    return {k: v for k, v in render_repository(call, repo).items() if k not in GET_ONLY_KEYS}


def list_org_repos(call: Call) -> Reply:
    _org(call)
    repos = call.backend.list_repositories(
        call.arg("type") or "all", call.arg("sort") or "created", call.arg("direction")
    )
    page, headers = paginate(call, repos)
    return Reply(200, [render_listed_repository(call, r) for r in page], headers)


def get_topics(call: Call) -> Reply:
    page, headers = paginate(call, call.repo().topics)
    return Reply(200, {"names": page}, headers)


def replace_topics(call: Call) -> Reply:
    return Reply(200, {"names": call.backend.set_topics(call.repo(), call.body["names"])})


# --- Custom properties ------------------------------------------------------------------------


def render_property(call: Call, prop: CustomProperty) -> dict[str, JSON]:
    return {
        "property_name": prop.name,
        "url": f"{call.api}/orgs/{call.backend.org}/properties/schema/{quote(prop.name)}",
        "source_type": "organization",
        "value_type": prop.value_type,
        "required": prop.required,
        "default_value": prop.default_value,
        "description": prop.description,
        "allowed_values": prop.allowed_values,
        "values_editable_by": prop.values_editable_by,
    }


def _values(values: dict[str, Any]) -> list[dict[str, JSON]]:
    return [{"property_name": name, "value": value} for name, value in values.items()]


def list_properties(call: Call) -> Reply:
    _org(call)
    return Reply(200, [render_property(call, p) for p in call.backend.properties.values()])


def get_property(call: Call) -> Reply:
    _org(call)
    prop = call.backend.custom_property(call.params["custom_property_name"])
    return Reply(200, render_property(call, prop))


def put_property(call: Call) -> Reply:
    _org(call)
    prop = call.backend.define_property(call.params["custom_property_name"], call.body)
    return Reply(200, render_property(call, prop))


def delete_property(call: Call) -> Reply:
    _org(call)
    call.backend.delete_property(call.params["custom_property_name"])
    return Reply(204)


def list_org_property_values(call: Call) -> Reply:
    _org(call)
    if call.arg("repository_query") is not None:
        raise UnmodelledError("repository_query (GitHub's repository search syntax)")
    repos = sorted(call.backend.repositories.values(), key=lambda r: r.id)
    page, headers = paginate(call, repos)
    body = [
        {
            "repository_id": repo.id,
            "repository_name": repo.name,
            "repository_full_name": repo.full_name,
            "properties": _values(call.backend.property_values(repo)),
        }
        for repo in page
    ]
    return Reply(200, body, headers)


def _value_changes(call: Call) -> dict[str, Any]:
    return {entry["property_name"]: entry["value"] for entry in call.body["properties"]}


def set_org_property_values(call: Call) -> Reply:
    _org(call)
    backend = call.backend
    repos = [backend.repository(backend.org, name) for name in call.body["repository_names"]]
    backend.set_property_values(repos, _value_changes(call))
    return Reply(204)


def get_repo_property_values(call: Call) -> Reply:
    return Reply(200, _values(call.backend.property_values(call.repo())))


def set_repo_property_values(call: Call) -> Reply:
    call.backend.set_property_values([call.repo()], _value_changes(call))
    return Reply(204)


# --- Organization rulesets --------------------------------------------------------------------


def _ruleset_id(call: Call) -> int:
    return int(call.params["ruleset_id"])  # the contract checked it is an integer


def list_org_rulesets(call: Call) -> Reply:
    _org(call)
    wanted = call.arg("targets")
    rulesets = [
        r
        for r in call.backend.org_rulesets.values()
        if wanted is None or r.target in wanted.split(",")
    ]
    page, headers = paginate(call, rulesets)
    return Reply(200, [render_ruleset_summary(call, r) for r in page], headers)


def create_org_ruleset(call: Call) -> Reply:
    _org(call)
    ruleset = call.backend.save_org_ruleset(call.body)
    return Reply(201, render_ruleset(call, None, ruleset, can_bypass=False))


def get_org_ruleset(call: Call) -> Reply:
    _org(call)
    ruleset = call.backend.org_ruleset(_ruleset_id(call))
    return Reply(200, render_ruleset(call, None, ruleset, can_bypass=False))


def update_org_ruleset(call: Call) -> Reply:
    _org(call)
    ruleset_id = call.backend.org_ruleset(_ruleset_id(call)).id
    ruleset = call.backend.save_org_ruleset(call.body or {}, ruleset_id)
    return Reply(200, render_ruleset(call, None, ruleset, can_bypass=False))


def delete_org_ruleset(call: Call) -> Reply:
    _org(call)
    del call.backend.org_rulesets[call.backend.org_ruleset(_ruleset_id(call)).id]
    return Reply(204)


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
