"""The route table: each REST operation the double serves, under GitHub's own path template.

Paths are matched on the raw request path below `/api/v3`. A template's `{name}` matches one
path segment, except `{path}` (a file path) which may span segments; the values are
percent-decoded before a handler sees them. Every template here must exist, with its method, in
GitHub's OpenAPI description (a test checks it), so the double cannot invent an endpoint.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from testing.github_double.handlers import (
    actions,
    branches,
    checks,
    contents,
    issues,
    orgs,
    properties,
    pulls,
    repos,
    rulesets,
    users,
)
from testing.github_double.handlers.common import Call, Reply

Handler = Callable[[Call], Reply]

API_PREFIX = "/api/v3"


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # exactly as in GitHub's OpenAPI description
    handler: Handler
    # Parameters whose values may hold unencoded slashes (file paths, git refs).
    spans: tuple[str, ...] = ("path",)
    # Parameters that may be empty (`contents/`: the repository's root directory).
    empty: tuple[str, ...] = ()
    # The handler checks what a token scoped to permissions may do (`Call.granted`); the server
    # refuses such a token on every other route, whose permissions the double does not model.
    scoped: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.template, self.spans, self.empty)

    def spec_path(self, params: dict[str, str]) -> str:
        """The concrete path to check against the description, each value %2F-encoded."""
        return re.sub(r"\{(\w+)\}", lambda m: quote(params[m.group(1)], safe=""), self.template)


@functools.cache
def _compile(template: str, spans: tuple[str, ...], empty: tuple[str, ...]) -> re.Pattern[str]:
    def group(match: re.Match[str]) -> str:
        name = match.group(1)
        repeat = "*" if name in empty else "+"
        return f"(?P<{name}>.{repeat})" if name in spans else f"(?P<{name}>[^/]{repeat})"

    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", group, re.escape(template)) + "$")


ORG = "/orgs/{org}"
REPO = "/repos/{owner}/{repo}"
PROTECTION = REPO + "/branches/{branch}/protection"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/orgs/{org}", orgs.get_org),
    Route("GET", ORG + "/repos", repos.list_org_repos),
    Route("POST", ORG + "/repos", repos.create_org_repo),
    Route("GET", ORG + "/properties/schema", properties.list_properties),
    Route("GET", ORG + "/properties/schema/{custom_property_name}", properties.get_property),
    Route("PUT", ORG + "/properties/schema/{custom_property_name}", properties.put_property),
    Route("DELETE", ORG + "/properties/schema/{custom_property_name}", properties.delete_property),
    Route("GET", ORG + "/properties/values", properties.list_org_property_values),
    Route("PATCH", ORG + "/properties/values", properties.set_org_property_values),
    Route("GET", ORG + "/rulesets", rulesets.list_org_rulesets),
    Route("POST", ORG + "/rulesets", rulesets.create_org_ruleset),
    Route("GET", ORG + "/rulesets/{ruleset_id}", rulesets.get_org_ruleset),
    Route("PUT", ORG + "/rulesets/{ruleset_id}", rulesets.update_org_ruleset),
    Route("DELETE", ORG + "/rulesets/{ruleset_id}", rulesets.delete_org_ruleset),
    Route("GET", "/user", users.get_user),
    Route("GET", REPO, repos.get_repo),
    Route("PATCH", REPO, repos.update_repo),
    Route("DELETE", REPO, repos.delete_repo),
    Route("GET", REPO + "/topics", repos.get_topics),
    Route("PUT", REPO + "/topics", repos.replace_topics),
    Route("GET", REPO + "/properties/values", properties.get_repo_property_values),
    Route("PATCH", REPO + "/properties/values", properties.set_repo_property_values),
    Route("GET", REPO + "/rules/branches/{branch}", rulesets.get_branch_rules),
    Route("GET", REPO + "/branches", branches.list_branches),
    Route("GET", REPO + "/branches/{branch}", branches.get_branch),
    Route("GET", PROTECTION, branches.get_protection),
    Route("PUT", PROTECTION, branches.put_protection),
    Route("DELETE", PROTECTION, branches.delete_protection),
    Route("GET", PROTECTION + "/required_signatures", branches.get_signatures),
    Route("POST", PROTECTION + "/required_signatures", branches.create_signatures),
    Route("DELETE", PROTECTION + "/required_signatures", branches.delete_signatures),
    Route(
        "DELETE", PROTECTION + "/required_pull_request_reviews", branches.delete_review_requirement
    ),
    # GitHub's description has no route of its own for the root: it is `contents/`, the path
    # empty ("If you omit the `path` parameter, you will receive the contents of the
    # repository's root directory"). `contents` with no slash is not in the description.
    Route("GET", REPO + "/contents/{path}", contents.get_content, empty=("path",)),
    Route("PUT", REPO + "/contents/{path}", contents.put_content),
    Route("DELETE", REPO + "/contents/{path}", contents.delete_content),
    Route("GET", REPO + "/commits", contents.list_commits),
    Route("GET", REPO + "/commits/{ref}", contents.get_commit),
    Route("GET", REPO + "/git/ref/{ref}", contents.get_git_ref, spans=("ref",)),
    Route("POST", REPO + "/git/refs", contents.create_git_ref),
    Route("DELETE", REPO + "/git/refs/{ref}", contents.delete_git_ref, spans=("ref",)),
    Route("POST", REPO + "/branches/{branch}/rename", branches.rename_branch),
    Route("GET", REPO + "/pulls", pulls.list_pulls),
    Route("POST", REPO + "/pulls", pulls.create_pull),
    Route("GET", REPO + "/pulls/{pull_number}", pulls.get_pull),
    Route("PATCH", REPO + "/pulls/{pull_number}", pulls.update_pull),
    Route("GET", REPO + "/pulls/{pull_number}/merge", pulls.check_if_merged),
    Route("PUT", REPO + "/pulls/{pull_number}/merge", pulls.merge_pull),
    Route("GET", REPO + "/pulls/{pull_number}/reviews", pulls.list_reviews),
    Route("POST", REPO + "/pulls/{pull_number}/reviews", pulls.create_review),
    Route("GET", REPO + "/issues", issues.list_issues, scoped=True),
    Route("POST", REPO + "/issues", issues.create_issue, scoped=True),
    Route("POST", REPO + "/issues/{issue_number}/comments", issues.create_comment, scoped=True),
    Route("POST", REPO + "/issues/{issue_number}/assignees", issues.add_assignees, scoped=True),
    Route("POST", REPO + "/check-runs", checks.create_check_run),
    Route("POST", REPO + "/statuses/{sha}", checks.create_status),
    Route("GET", REPO + "/rulesets", rulesets.list_rulesets),
    Route("POST", REPO + "/rulesets", rulesets.create_ruleset),
    # Before `rulesets/{ruleset_id}`, whose one segment `rule-suites` would match too.
    Route("GET", REPO + "/rulesets/rule-suites", rulesets.list_rule_suites),
    Route("GET", REPO + "/rulesets/rule-suites/{rule_suite_id}", rulesets.get_rule_suite),
    Route("GET", REPO + "/rulesets/{ruleset_id}", rulesets.get_ruleset),
    Route("PUT", REPO + "/rulesets/{ruleset_id}", rulesets.update_ruleset),
    Route("DELETE", REPO + "/rulesets/{ruleset_id}", rulesets.delete_ruleset),
    Route("GET", REPO + "/vulnerability-alerts", repos.get_vulnerability_alerts),
    Route("PUT", REPO + "/vulnerability-alerts", repos.enable_vulnerability_alerts),
    Route("DELETE", REPO + "/vulnerability-alerts", repos.disable_vulnerability_alerts),
    Route("GET", REPO + "/automated-security-fixes", repos.get_security_fixes),
    Route("PUT", REPO + "/automated-security-fixes", repos.enable_security_fixes),
    Route("DELETE", REPO + "/automated-security-fixes", repos.disable_security_fixes),
    Route("GET", REPO + "/actions/permissions", actions.get_actions_permissions),
    Route("PUT", REPO + "/actions/permissions", actions.set_actions_permissions),
    Route("GET", REPO + "/actions/permissions/workflow", actions.get_workflow_permissions),
    Route("PUT", REPO + "/actions/permissions/workflow", actions.set_workflow_permissions),
)


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving `method path` (the path below /api/v3, still percent-encoded)."""
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {name: unquote(value) for name, value in found.groupdict().items()}
    return None
