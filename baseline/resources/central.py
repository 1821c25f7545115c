"""`pipeline.delivery: central`: the pipeline lives once, in the organization's central repository,
and the organization ruleset of the repositories it serves requires it with a `workflows` rule.
Nothing is committed to those repositories.

Why each choice (GitHub Docs, "Available rules for rulesets", "Require workflows to pass before
merging"):
- The rule is an organization ruleset's ("Ruleset workflows can be configured at the
  organization level"), so central delivery needs `protection.scope: organization`; GitHub
  documents it for Enterprise Cloud, and the program stops on another plan when it can read the
  organization's (`baseline.resources.program`).
- Pinned: each rendered pipeline is committed to a branch of its own in the central repository,
  named by a digest of its content (`repo-baseline/<8 hex digits>`, as a proposal branch is,
  `baseline.resources.delivery.proposal_branch`), and the rule names that branch as its `ref`.
  A new pipeline is a new branch and the ruleset's ref moves to it in the same run; a
  repository never runs a workflow nobody committed for it. (The rule also takes a commit `sha`,
  which pulumi-github 6.15 does not send: terraform-provider-github v6.13.0's
  `required_workflow` has `repository_id`, `path` and `ref` only.)
- "The workflow file needs to be in a repository that matches the visibility of the repositories
  you want to run it in": the central repository's visibility is the user's to choose; the
  GitHub double refuses a pairing GitHub refuses.
- The branch and the file are kept when they leave the program (`retain_on_delete`): a ruleset
  may still name the branch until the same run moves it, and history is never deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_github as github

from baseline.resources.delivery import pinned_ref, proposal_branch
from baseline.stack.settings import RepositoryConfig
from workflows.templates import RenderedPipeline

COMMIT_MESSAGE = "ci: the backend CI pipeline, required by the organization (repo-baseline)"


@dataclass(frozen=True)
class CentralWorkflow:
    """One rendered pipeline in one central repository, at the branch that pins it."""

    repository: str
    pipeline: RenderedPipeline

    @property
    def branch(self) -> str:
        return proposal_branch(self.pipeline)

    @property
    def ref(self) -> str:
        return pinned_ref(self.pipeline)

    @property
    def key(self) -> str:
        return f"{self.repository}-{self.branch.rsplit('/', 1)[-1]}"


def central_workflows(
    repositories: Sequence[RepositoryConfig], pipelines: Mapping[str, RenderedPipeline]
) -> dict[str, CentralWorkflow]:
    """Per repository delivered centrally (by name), the central workflow that serves it."""
    return {
        repo.name: CentralWorkflow(repo.pipeline.central_repository, pipelines[repo.name])
        for repo in repositories
        if repo.pipeline.delivery == "central"
    }


@dataclass(frozen=True)
class Committed:
    """A central workflow in GitHub: its file (what a ruleset depends on) and its repository's
    id (what the `workflows` rule names)."""

    file: github.RepositoryFile
    repository_id: pulumi.Output[int]


def commit(workflows: Sequence[CentralWorkflow]) -> dict[str, Committed]:
    """The branch and the file of each distinct central workflow, by its key; the central
    repository read once (`github.get_repository`: its id and default branch)."""
    found: dict[str, pulumi.Output[github.GetRepositoryResult]] = {}
    committed: dict[str, Committed] = {}
    kept = pulumi.ResourceOptions(retain_on_delete=True)
    for workflow in workflows:
        if workflow.key in committed:
            continue
        if workflow.repository not in found:
            found[workflow.repository] = github.get_repository_output(name=workflow.repository)
        central = found[workflow.repository]
        branch = github.Branch(
            f"central-{workflow.key}-branch",
            repository=workflow.repository,
            branch=workflow.branch,
            source_branch=central.apply(lambda r: r.default_branch),
            opts=kept,
        )
        file = github.RepositoryFile(
            f"central-{workflow.key}-workflow",
            repository=workflow.repository,
            file=workflow.pipeline.path,
            content=workflow.pipeline.content,
            branch=branch.branch,
            commit_message=COMMIT_MESSAGE,
            overwrite_on_create=True,
            opts=kept,
        )
        committed[workflow.key] = Committed(file, central.apply(lambda r: r.repo_id))
    return committed
