"""Which branches a ruleset's `ref_name` condition selects, and which repositories an
organization ruleset's `repository_name` condition selects.

Sources:
- GitHub Docs, "Creating rulesets for a repository" and "Creating rulesets for repositories in
  your organization", section "Using `fnmatch` syntax": patterns target "the names of branches,
  tags, and repositories"; "Because GitHub uses the `File::FNM_PATHNAME` flag for the
  `File.fnmatch` syntax, the `*` wildcard does not match directory separators (`/`). For
  example, `qa/*` will match all branches beginning with `qa/` and containing a single slash,
  but will not match `qa/foo/bar`. You can include any number of slashes after `qa` with
  `qa/**/*` [...]. You can also extend the `qa` string with `qa**/**/*`"; the section links
  Ruby's `File.fnmatch` documentation for the syntax.
- The same page, "Unsupported `fnmatch` syntax": "You cannot use the backslash (`\\`) character
  as a quoting character"; "you cannot currently complement a set with the `^` operator (e.g.,
  `[^charset]`)"; "`File::FNM_EXTGLOB` is not supported" (so `{a,b}` is no alternation).
- The same pages, "Choosing which branches or tags to target" and "Targeting repositories by
  naming convention in your organization": include `*feature*` and exclude `not-a-feature`;
  include `*cat*` and exclude `not-a-cat`.
- GitHub's REST API description (`repository-ruleset-conditions`,
  `repository-ruleset-conditions-repository-name-target`): `include` is an "Array of ref names
  or patterns to include. One of these patterns must match for the condition to pass. Also
  accepts `~DEFAULT_BRANCH` to include the default branch or `~ALL` to include all branches";
  for repository names, "Also accepts `~ALL` to include all repositories"; `exclude`: "The
  condition will not pass if any of these patterns match." So an exclude wins, and an empty
  `include` selects nothing.
- Ruby's `File.fnmatch` documentation (the flags and examples): `*` any characters, `?` one,
  `[set]` one of a set (`[!a-z]` negated), `**/` directories recursively (only before a `/`,
  with `FNM_PATHNAME`; otherwise `**` is `*`); "case sensitive" without `File::FNM_CASEFOLD`
  (`File.fnmatch('cat', 'CAT') #=> false`); a wildcard "doesn't match leading period by
  default" (`File.fnmatch('*', '.profile') #=> false`) without `File::FNM_DOTMATCH`.
- Observed: a ref pattern is matched against the full ref, `refs/heads/<branch>`: GitHub
  answers `422 Validation Failed ... Invalid target patterns: 'main'` to a bare branch name
  (integrations/terraform-provider-github#2660, whose documented pattern is `refs/heads/main`);
  `otelbot/**` does not match `otelbot/one/two` (open-telemetry/community#2569, a branch
  ruleset made in the UI, which prefixes `refs/heads/`), as Ruby's rule for `**` says.

Where the docs are silent, and what the cases assume:
- Which flags besides `FNM_PATHNAME` GitHub passes: none is documented, so none is assumed. A
  repository-name pattern is therefore case-sensitive (no `FNM_CASEFOLD`; the REST API's `repo`
  parameter, "not case sensitive", is a URL's lookup, not a ruleset's match), and a wildcard
  does not match a leading `.`
  (no `FNM_DOTMATCH`: `*` does not select `.github`; `.*` does). For a policy this is the
  cautious reading: a ruleset is never taken to protect more than it surely does. Branch names
  never start a component with `.` (git-check-ref-format), so the period rule matters only for
  repositories.
- What a pattern using an unsupported construct (`\\`, `[^...]`) does: GitHub may refuse it or
  read it literally; the cases hold only what both readings agree on (no branch or repository
  name contains `\\`, and `[^x]*` does not select `main`).
- The REST description names `~DEFAULT_BRANCH` and `~ALL` under `include` only; the cases take
  them to mean the same under `exclude` (as both implementations read them; the docs do not
  say).

Tested against: the policy pack (`policies/guardrails/protection.py`, `targeting.py`, through
`ruleset_patterns.py`; tests/policies/test_policy_ruleset_targets.py) and the GitHub double
(`testing/github_double/models.py`: `Ruleset.applies_to`, `GitHubBackend.targets`;
tests/e2e/test_github_double_facts.py, with the double's other tests). Not the program: it writes
`~DEFAULT_BRANCH` and literal repository names into rulesets and matches no ruleset pattern (its
`select` patterns are its own configuration's, not GitHub's).
"""

from __future__ import annotations

from typing import NamedTuple

DEFAULT_BRANCH = "main"


class RefCase(NamedTuple):
    """Whether a ruleset with this `ref_name` condition applies to `branch`."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]
    branch: str
    targeted: bool
    default_branch: str = DEFAULT_BRANCH


class RepositoryCase(NamedTuple):
    """Whether an organization ruleset with this `repository_name` condition targets a
    repository named `repository`."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]
    repository: str
    targeted: bool


REF_CASES: tuple[RefCase, ...] = (
    RefCase(("~DEFAULT_BRANCH",), (), "main", True),
    RefCase(("~DEFAULT_BRANCH",), (), "develop", False),
    RefCase(("~DEFAULT_BRANCH",), (), "master", True, default_branch="master"),
    RefCase(("~DEFAULT_BRANCH",), (), "main", False, default_branch="master"),
    RefCase(("~ALL",), (), "feature/a/b", True),
    RefCase(("~ALL",), ("~DEFAULT_BRANCH",), "main", False),  # an exclude wins
    RefCase(("~ALL",), ("~DEFAULT_BRANCH",), "develop", True),
    RefCase((), (), "main", False),  # one include must match
    RefCase(("refs/heads/main",), (), "main", True),
    RefCase(("refs/heads/main",), (), "main2", False),
    RefCase(("refs/heads/Main",), (), "main", False),  # case-sensitive
    RefCase(("main",), (), "main", False),  # the full ref is matched; GitHub refuses `main`
    RefCase(("refs/heads/*",), (), "main", True),
    RefCase(("refs/heads/*",), (), "feature/x", False),  # `*` does not match `/`
    RefCase(("refs/heads/*",), ("refs/heads/main",), "main", False),
    RefCase(("refs/heads/qa/*",), (), "qa/foo", True),
    RefCase(("refs/heads/qa/*",), (), "qa/foo/bar", False),
    RefCase(("refs/heads/qa/**/*",), (), "qa/foo/bar/foobar/hello-world", True),
    RefCase(("refs/heads/qa/**/*",), (), "qa/foo", True),  # `**/` is zero or more directories
    RefCase(("refs/heads/qa**/**/*",), (), "qa-x/foo", True),  # `qa**` is `qa*`
    RefCase(("refs/heads/qa**/**/*",), (), "qa/foo/bar", True),
    RefCase(("refs/heads/otelbot/**",), (), "otelbot/one", True),
    RefCase(("refs/heads/otelbot/**",), (), "otelbot/one/two", False),  # `**` not before `/`
    RefCase(("refs/heads/*feature*",), ("refs/heads/not-a-feature",), "my-feature-x", True),
    RefCase(("refs/heads/*feature*",), ("refs/heads/not-a-feature",), "not-a-feature", False),
    RefCase(("refs/heads/v?",), (), "v1", True),
    RefCase(("refs/heads/v?",), (), "v12", False),
    RefCase(("refs/heads/release-[0-9]*",), (), "release-1.2", True),
    RefCase(("refs/heads/release-[0-9]*",), (), "release-x", False),
    RefCase(("refs/heads/[!x]*",), (), "main", True),
    RefCase(("refs/heads/[!m]*",), (), "main", False),
    RefCase(("refs/heads/[^x]*",), (), "main", False),  # `^` complements no set
    RefCase(("refs/heads/ma\\in",), (), "main", False),  # a backslash quotes nothing
    RefCase(("refs/heads/{main,dev}",), (), "main", False),  # no FNM_EXTGLOB
)

REPOSITORY_CASES: tuple[RepositoryCase, ...] = (
    RepositoryCase(("~ALL",), (), "shop", True),
    RepositoryCase(("~ALL",), ("shop",), "shop", False),  # an exclude wins
    RepositoryCase((), (), "shop", False),  # one include must match
    RepositoryCase(("shop",), (), "shop", True),
    RepositoryCase(("shop",), (), "shop-api", False),
    RepositoryCase(("SHOP",), (), "shop", False),  # case-sensitive
    RepositoryCase(("shop",), (), "Shop", False),
    RepositoryCase(("Shop*",), (), "Shop-API", True),
    RepositoryCase(("sh*",), ("shipping",), "shop", True),
    RepositoryCase(("sh*",), ("shipping",), "shipping", False),
    RepositoryCase(("*cat*",), ("not-a-cat",), "my-cat-api", True),
    RepositoryCase(("*cat*",), ("not-a-cat",), "not-a-cat", False),
    RepositoryCase(("svc-?",), (), "svc-1", True),
    RepositoryCase(("svc-?",), (), "svc-12", False),
    RepositoryCase(("[aw]*",), (), "web", True),
    RepositoryCase(("[!aw]*",), (), "web", False),
    RepositoryCase(("*",), (), "shop.api", True),
    RepositoryCase(("*",), (), ".github", False),  # a wildcard skips a leading period
    RepositoryCase(("?github",), (), ".github", False),
    RepositoryCase((".*",), (), ".github", True),
    RepositoryCase((".github",), (), ".github", True),
    RepositoryCase(("sh\\op",), (), "shop", False),  # a backslash quotes nothing
    RepositoryCase(("{shop,cart}",), (), "shop", False),  # no FNM_EXTGLOB
)
