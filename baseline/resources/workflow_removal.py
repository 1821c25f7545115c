"""The Pulumi resource behind `pipeline.replaces` (`baseline.resources.replaces` says what and why).

A dynamic resource (Pulumi's own `pulumi.dynamic`: its provider runs in the Python SDK's
`pulumi-resource-pulumi-python` plugin, which ships with the CLI): pulumi-github has no resource
that proposes deleting a file it did not create. The preview shows it as a create, and only
`pulumi up` writes. Its token and endpoint are the GitHub provider's (`github:token`,
`github:baseUrl`, else `GITHUB_TOKEN`, `GITHUB_BASE_URL`); neither is kept in the state.

- create: `replaces.propose`: a branch that deletes the files and a pull request.
- diff: a change of the repository, its default branch or the files is a new proposal (a
  replacement); the wording and the endpoint are not.
- delete: nothing. The pull request and its branch are the people's (merged, closed, or open),
  and the files' history is the repository's.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi
from pulumi.dynamic import (
    ConfigureRequest,
    CreateResult,
    DiffResult,
    Resource,
    ResourceProvider,
)

from baseline.resources import replaces

# What identifies a proposal: any change of these is a new one.
IDENTITY = ("owner", "repository", "base", "head", "removing")


class WorkflowRemovalProvider(ResourceProvider):
    """Proposes the removal once; never touches it again."""

    root = ""
    token = ""

    def configure(self, req: ConfigureRequest) -> None:
        from baseline.stack.inventory import api_root

        self.token = req.config.get("github:token") or os.environ.get("GITHUB_TOKEN") or ""
        self.root = api_root(
            req.config.get("github:baseUrl") or os.environ.get("GITHUB_BASE_URL") or None
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        proposal = replaces.propose(
            self.root,
            self.token,
            owner=props["owner"],
            repository=props["repository"],
            base=props["base"],
            head=props["head"],
            removing=list(props["removing"]),
            title=props["title"],
            description=props["description"],
            commit_message=props["commit_message"],
        )
        outs = {
            **props,
            "number": proposal.number,
            "url": proposal.url,
            "removed": list(proposal.removed),
        }
        identity = f"{props['owner']}/{props['repository']}:{props['head']}"
        return CreateResult(id_=identity, outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [key for key in IDENTITY if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(changed), replaces=changed, delete_before_replace=False)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class WorkflowRemoval(Resource, module="", name="WorkflowRemoval"):
    """A pull request that deletes a repository's workflows the baseline pipeline replaces."""

    number: pulumi.Output[int | None]
    url: pulumi.Output[str | None]
    removed: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        *,
        owner: str,
        repository: pulumi.Input[str],
        base: str,
        removing: tuple[str, ...],
        replacement: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        head = replaces.branch(removing)
        props = {
            "owner": owner,
            "repository": repository,
            "base": base,
            "head": head,
            "removing": list(removing),
            "title": replaces.TITLE,
            "description": replaces.body(removing, replacement),
            "commit_message": replaces.message(removing, replacement),
            "number": None,
            "url": None,
            "removed": None,
        }
        super().__init__(WorkflowRemovalProvider(), name, props, opts)
