"""The double's request handlers, one module per GitHub resource, as GitHub's REST docs group them.

Each handler reads a `common.Call`, acts on the backend (`models.py`, and `pulls.py` for pull
requests and what satisfies their merge, `issues.py` for issues) and returns a `common.Reply`
holding GitHub's REST shape; GitHub's own refusals come from the backend as `GitHubError`.
`urls.ROUTES` names the handler of each operation; the server checks every answer against
GitHub's description.

- `repos`: repository create (in the organization), get, update, delete; the organization's
  repository listing; topics; vulnerability alerts; automated security fixes
- `branches`: branches, rename, classic branch protection and its sub-resources
- `contents`: files and directory listings, commits, git refs
- `rulesets`: repository and organization rulesets, the rules that apply to a branch
- `pulls`: pull requests, reviews, merge
- `issues`: issues (the list holds pull requests too), comments on issues and pull requests,
  assignees
- `checks`: check runs, commit statuses
- `actions`: Actions permissions, workflow permissions
- `properties`: custom properties, the organization's schema and the repositories' values
- `orgs`, `users`: the organization, the authenticated user
- `common`: `Call`, `Reply`, paging, node ids, and the renderers several of them embed (an
  account, a repository, a commit); a handler module imports from `common`, never from another
"""
