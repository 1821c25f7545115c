"""The Pulumi program: read the stack config, validate it whole, then build one component each.

Validation happens before the first resource is registered, so a config with a mistake changes
nothing; its problems are reported together, without a traceback.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi

from baseline.resources import central, delivery, organization, replaces
from baseline.resources.component import RepositoryBaseline, RepositoryBaselineArgs
from baseline.resources.delivery import Delivered
from baseline.stack import adoption, existing_workflows, inventory, removals, stack_yaml
from baseline.stack.errors import ConfigError, ConfigErrors
from baseline.stack.selection import (
    ADOPTED,
    EmptyRuleError,
    ListingError,
    Resolution,
    check_organization,
    needs_listing,
    resolve,
)
from baseline.stack.settings import Removals, RepositoryConfig, StackSettings
from baseline.stack.validation import (
    CONFIG_NAMESPACE,
    MISSING_KEY,
    OWNER_ALLOWED,
    OWNER_KEY,
    parse_settings,
    repositories_named,
    with_lines,
)
from workflows.templates import rendered_pipeline


def load_settings() -> tuple[str, StackSettings]:
    """The organization (`github:owner`) and the stack's settings from Pulumi config; a
    `pulumi.RunError` listing every problem."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    errors: list[ConfigError] = []
    # Required: without it the provider falls back to the token's own account, and `pulumi up`
    # would create the repositories there (POST /user/repos).
    owner = pulumi.Config("github").get("owner")
    if not owner:
        errors.append(ConfigError(f"config.{OWNER_KEY}", MISSING_KEY, OWNER_ALLOWED))
    try:
        settings = parse_settings(
            _raw(config, "defaults"),
            _raw(config, "repositories"),
            _raw(config, "select"),
            _raw(config, "shard"),
            _raw(config, "removals"),
        )
    except ConfigErrors as invalid:
        errors = [*errors, *invalid.errors]
    if errors or not owner:
        # RunError makes the CLI print the message alone, with no Python traceback.
        raise pulumi.RunError(str(ConfigErrors(_with_stack_file_lines(errors)))) from None
    return owner, settings


def _with_stack_file_lines(errors: list[ConfigError]) -> list[ConfigError]:
    """The problems with their lines in the project's `Pulumi.<stack>.yaml`, where it is (the
    CLI hands the program values, not where they were written)."""
    root = pulumi.get_root_directory()
    if not root:
        return errors
    try:
        text = (Path(root) / f"Pulumi.{pulumi.get_stack()}.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return errors
    return with_lines(errors, text)


def load_inventory(owner: str, settings: StackSettings) -> inventory.Inventory | None:
    """The organization's listing: the file `REPO_BASELINE_INVENTORY` names, else GitHub's, with
    the provider's own owner, endpoint and token. Read on every run: rules choose from it, an
    adopted repository keeps what GitHub has, and it says which of the stack's repositories
    exist (`selection.resolve`: adopted rather than created again after a run that did not
    finish). Without a token, and with nothing that needs it, there is none."""
    try:
        path = os.environ.get(inventory.INVENTORY_ENV)
        if path:
            listing = inventory.load(path)
            check_organization(listing, owner)
            return listing
        token, base_url = _github_access()
        if not token and not needs_listing(settings):
            return None
        if not token:
            raise inventory.InventoryError(
                "the stack lists the organization's repositories: set a token "
                "(github:token or GITHUB_TOKEN), or name a saved listing in "
                f"{inventory.INVENTORY_ENV}"
            )
        properties = settings.selection is not None and settings.selection.uses_properties
        return inventory.fetch(owner, token, base_url, properties=properties)
    except (inventory.InventoryError, ListingError) as error:
        raise pulumi.RunError(f"repo-baseline: the organization's listing: {error}") from None


def load_workflows(
    listing: inventory.Inventory | None, names: Sequence[str]
) -> inventory.Inventory | None:
    """`listing` with the existing workflows of the repositories this run adopts, read from
    GitHub (a saved listing is taken as saved: `repo-baseline inventory --workflows`)."""
    if listing is None or not names or listing.source != "GitHub":
        return listing
    token, base_url = _github_access()
    try:
        return inventory.read_workflows(listing, token, base_url, names)
    except inventory.InventoryError as error:
        raise pulumi.RunError(
            f"repo-baseline: the adopted repositories' workflows: {error}"
        ) from None


def load_landed(owner: str, resolution: Resolution) -> set[str]:
    """The repositories delivered by pull request whose default branch has the rendered
    pipeline: one read of the file each (`baseline.resources.delivery`)."""
    proposed = [r for r in resolution.repositories if r.pipeline.delivery == "pull_request"]
    if not proposed:
        return set()
    token, base_url = _github_access()
    root = inventory.api_root(base_url)
    landed = set()
    try:
        for repo in proposed:
            pipeline = rendered_pipeline(repo.pipeline.template, repo.pipeline.options)
            text = existing_workflows.file_text(
                root, token, owner, repo.name, repo.pipeline.options.default_branch, pipeline.path
            )
            if text == pipeline.content:
                landed.add(repo.name)
    except inventory.InventoryError as error:
        raise pulumi.RunError(f"repo-baseline: pull-request delivery: {error}") from None
    return landed


def replacing_known(resolution: Resolution) -> dict[str, tuple[str, ...]]:
    """Per repository with `pipeline.replaces`, the named workflows its existing workflows, as
    read for adopting it, include (the offline plan's, from a listing saved with them)."""
    found = {}
    for repo in resolution.repositories:
        if repo.pipeline.replaces and repo.existing_workflows is not None:
            names = {w.path.rpartition("/")[2] for w in repo.existing_workflows}
            found[repo.name] = replaces.present(repo.pipeline.replaces, names)
    return found


def load_replacing(
    owner: str, resolution: Resolution, previous: Mapping[str, object] | None
) -> dict[str, tuple[str, ...]]:
    """Per existing repository with `pipeline.replaces`, the named workflows its default branch
    has: read for adopting it, else one listing of `.github/workflows`
    (`baseline.resources.replaces`)."""
    known = removals.last_outputs(previous)
    found = replacing_known(resolution)
    wanted = [
        repo
        for repo in resolution.repositories
        if repo.pipeline.replaces
        and repo.name not in found
        and (repo.adopt or repo.name.lower() in known)
    ]
    if not wanted:
        return found
    token, base_url = _github_access()
    root = inventory.api_root(base_url)
    try:
        for repo in wanted:
            names = replaces.names_on(
                root, token, owner, repo.name, repo.pipeline.options.default_branch
            )
            found[repo.name] = replaces.present(repo.pipeline.replaces, names)
    except inventory.InventoryError as error:
        raise pulumi.RunError(f"repo-baseline: pipeline.replaces: {error}") from None
    return found


def _github_access() -> tuple[str, str | None]:
    """The token and endpoint the provider uses (its config, else its environment variables)."""
    provider = pulumi.Config("github")
    token = provider.get("token") or os.environ.get("GITHUB_TOKEN") or ""
    return token, provider.get("baseUrl") or os.environ.get("GITHUB_BASE_URL")


def _raw(config: pulumi.Config, key: str) -> object:
    """A config value as the stack file had it: objects arrive as JSON, scalars as their text.

    Not `get_object`, which fails on a plain string with a message of its own; here every
    problem is reported by `parse_settings`, in one format.
    """
    text = config.get(key)
    return None if text is None else stack_yaml.decode(text)


def build(
    repositories: Sequence[RepositoryConfig],
    warnings: Sequence[str] = (),
    delivered: Mapping[str, Delivered] | None = None,
    owner: str = "",
    replacing: Mapping[str, tuple[str, ...]] | None = None,
) -> dict[str, RepositoryBaseline]:
    """One `RepositoryBaseline` per repository of the stack, by repository name (`delivered`:
    where each pull-request delivery stands; `replacing`: the workflows of `owner`'s
    repositories that `pipeline.replaces` names and their default branch has)."""
    for warning in warnings:
        pulumi.log.warn(warning)
    # A loop, not a comprehension: the SDK records the call stack of every resource it
    # registers, and a comprehension is one more frame each time (about 0.07 s a frame at 1,000
    # repositories, `make bench`).
    baselines = {}
    for repo in repositories:
        baselines[repo.name] = RepositoryBaseline(
            repo.name,
            RepositoryBaselineArgs(
                config=repo,
                # Cached per distinct (template, options): rendered once, shared by repositories.
                pipeline=rendered_pipeline(repo.pipeline.template, repo.pipeline.options),
                delivered=(delivered or {}).get(repo.name, Delivered()),
                owner=owner,
                replacing=(replacing or {}).get(repo.name, ()),
            ),
        )
    return baselines


def build_organization_rulesets(
    repositories: Sequence[RepositoryConfig], baselines: dict[str, RepositoryBaseline]
) -> list[organization.RulesetGroup]:
    """The organization rulesets of the repositories in organization scope (but those whose
    pipeline waits in its pull request, which no ruleset of the baseline targets yet)."""
    protected = [repo for repo in repositories if baselines[repo.name].protected_checks is not None]
    central_of = central.central_workflows(
        protected,
        {
            repo.name: rendered_pipeline(repo.pipeline.template, repo.pipeline.options)
            for repo in protected
            if repo.pipeline.delivery == "central"
        },
    )
    groups = organization.groups(
        protected, {name: b.required_checks for name, b in baselines.items()}, central_of
    )
    if len(groups) > organization.MAX_ORGANIZATION_RULESETS:
        pulumi.log.warn(
            f"organization scope needs {len(groups)} organization rulesets, and GitHub allows "
            f"at most {organization.MAX_ORGANIZATION_RULESETS} per organization: give more "
            "repositories the same protection (pipeline.gate makes their checks the same)"
        )
    files = {name: b.workflow_file for name, b in baselines.items() if b.workflow_file}
    committed = central.commit(list(central_of.values()))
    organization.organization_rulesets(groups, files, pulumi.get_stack(), committed)
    return groups


def export(
    baselines: dict[str, RepositoryBaseline],
    resolution: Resolution,
    groups: Sequence[organization.RulesetGroup] = (),
    owner: str = "",
) -> None:
    """Per repository: its URL, the checks its protection requires, the protection kind (and
    for organization scope the ruleset), the rule that selected it, and whether the
    organization's listing had it (`removals.LISTED`); per entry whose repository is gone,
    `{"gone": true}` (so that no later run creates it again).

    Only values the program knows, never a resource's output: one that does not resolve (its
    create failed in a run that went on) would make the whole output unknown to the next
    preview, and the removal guard and healing blind (`removals.created`)."""
    configs = {repo.name: repo for repo in resolution.repositories}
    selected_by = {repo.name: repo.selected_by for repo in resolution.repositories}
    adopted = {repo.name: repo.adopt for repo in resolution.repositories}
    ruleset_of = {name: group for group in groups for name in group.repositories}
    root = inventory.web_root(_github_access()[1])
    outputs: dict[str, Any] = {}
    for name, baseline in baselines.items():
        output: dict[str, Any] = {
            "url": f"{root}{owner}/{name}",
            "required_checks": list(baseline.required_checks),
            "protection_kind": baseline.protection_kind,
            # What adoption decided, so that a later run keeps it (baseline.stack.adoption).
            "sha_pinning_required": baseline.sha_pinning_required,
        }
        if baseline.protected_checks is not None:
            output.update(removals.protection_outputs(configs[name]))
        if name.lower() in resolution.listing_names:
            output[removals.LISTED] = True
        if adopted.get(name):
            # A repository adopted because it existed stays adopted (selection.resolve).
            output[ADOPTED] = True
        if name in ruleset_of:
            output["organization_ruleset"] = ruleset_of[name].ruleset_name(pulumi.get_stack())
        if selected_by.get(name):
            output["selected_by"] = selected_by[name]
        outputs[name] = output
    for name in resolution.gone:
        outputs[name] = {removals.GONE: True}
    pulumi.export("repositories", outputs)


@contextmanager
def tuned_garbage_collector() -> Iterator[None]:
    """Build the resources with the garbage collector paused, then keep it off what was built.

    Why: each resource's Outputs, futures and tasks stay alive until the engine answers (about
    3,500 objects per repository), so with Python's defaults (700, 10, 10) the collector keeps
    rescanning a heap that is nearly all live, its full collections ever more of it. Measured by
    `make bench` at 1,000 repositories: 28.4 s, 19.3 s of them in collections (22 full ones),
    14.5x the time of 100 repositories. So: no collection while the resources are built (none
    of it is garbage yet); `gc.freeze()` then moves what was built out of every later collection
    (it lives until the program ends anyway), and the young generation is collected every
    million new objects rather than 700. With this: 9.3 s, no collection, 9.8x.

    Safe for a real `pulumi up`: reference counting still frees whatever dies; the collector is
    back on for the rest of the run (also when the build raises), where cyclic garbage waits for
    at most a million new objects; peak memory is unchanged (about 600 MiB either way). A
    program's process runs one preview or update; a second run in the same process (tests)
    unfreezes and collects the first one's objects before it starts.
    """
    gc.unfreeze()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(1_000_000)
        gc.enable()


def resolve_repositories(
    settings: StackSettings,
    listing: inventory.Inventory | None,
    previous: Mapping[str, object] | None = None,
) -> Resolution:
    """The stack's repositories, knowing what the last run baselined (`previous`, its
    `repositories` output); with `select`, the rule that chose each one is logged."""
    try:
        resolution = resolve(
            settings, listing, removals.last_outputs(previous), removals.gone_outputs(previous)
        )
    except EmptyRuleError as error:
        raise pulumi.RunError(f"repo-baseline:select: {error}") from None
    if settings.selection is not None and listing is not None:
        chosen: dict[str, list[str]] = {rule.name: [] for rule in settings.selection.rules}
        for repo in resolution.repositories:
            if repo.selected_by:
                chosen[repo.selected_by].append(repo.name)
        rules = "; ".join(
            f"rule {name}: {len(names)}" + (f" ({_first(names)})" if names else "")
            for name, names in chosen.items()
        )
        pulumi.log.info(
            f"repo-baseline:select: {sum(map(len, chosen.values()))} of {resolution.in_listing} "
            f"repositories of {listing.source} chosen, listed in {resolution.requests} "
            f"request(s); {rules}"
        )
    return resolution


def _first(names: Sequence[str], shown: int = 5) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")


# The read of the stack's own outputs (a `StackReference`, so no GitHub request).
PREVIOUS = "previous-outputs"


# The plan central delivery needs: GitHub documents the workflows rule for Enterprise Cloud.
CENTRAL_PLAN = "enterprise"


def check_central_plan(owner: str, repositories: Sequence[RepositoryConfig]) -> None:
    """Stop (a `pulumi.RunError`) before anything is registered when repositories are delivered
    centrally and the organization's plan, which the token can see, is not Enterprise; say so
    when it cannot see it. One request, only when a repository is delivered centrally."""
    central = [repo.name for repo in repositories if repo.pipeline.delivery == "central"]
    token, base_url = _github_access()
    if not central or not token:
        return
    try:
        plan = inventory.organization_plan(owner, token, base_url)
    except inventory.InventoryError as error:
        raise pulumi.RunError(f"repo-baseline: the organization's plan: {error}") from None
    if plan is None:
        pulumi.log.warn(
            f"{repositories_named(central)}: pipeline.delivery central needs GitHub Enterprise "
            f"Cloud, and the token cannot see {owner}'s plan (an organization owner's token, or "
            "a GitHub App with the Organization plan permission, can): if it is another plan, "
            "GitHub refuses the organization ruleset"
        )
    elif plan != CENTRAL_PLAN:
        raise pulumi.RunError(
            f"repo-baseline: {repositories_named(central)}: pipeline.delivery central needs "
            f"GitHub Enterprise Cloud (the organization ruleset's workflows rule), and {owner} "
            f"is on the {plan} plan. Nothing was changed. Deliver the pipeline to each "
            'repository instead: pipeline.delivery "commit" (with protection.lock_workflow on '
            'GitHub Team, so that only the stack\'s app may change it) or "pull_request".'
        )


def previous_outputs() -> pulumi.StackReference:
    """This stack itself, read through the engine: its outputs are those of the last `up` until
    this run ends (the engine updates a stack's outputs only when the program has finished)."""
    name = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    return pulumi.StackReference(PREVIOUS, stack_name=name)


def main() -> None:
    """The program: the settings from the stack's config, the repositories they choose from
    the organization's listing, what the last `up` baselined, then `deploy`."""
    owner, settings = load_settings()
    listing = load_inventory(owner, settings)
    reference = previous_outputs()

    async def guarded() -> None:
        # Awaited before any other resource is registered: a refused run changes nothing.
        details = await reference.get_output_details("repositories")
        value = details.value if details.value is not None else details.secret_value
        previous = value if isinstance(value, dict) else {}
        resolution = resolve_repositories(settings, listing, previous)
        # The guard before any request of the run's own: a refused run reads nothing more.
        check_removals(resolution, previous, settings.removals)
        check_central_plan(owner, resolution.repositories)
        adopting = adoption.adopting(resolution, previous)
        read = load_workflows(listing, adopting)
        settled = adoption.settle(resolution, read, previous, adopting)
        deploy(
            settled,
            previous,
            None,
            load_landed(owner, settled),
            owner=owner,
            replacing=load_replacing(owner, settled, previous),
        )

    pulumi.run(guarded)


def check_removals(
    resolution: Resolution, previous: dict[str, Any] | None, limits: Removals
) -> None:
    """Stop (a `pulumi.RunError`) before anything is registered when the run would take the
    baseline away from more repositories than `limits` allow; log the ones it does remove."""
    found = removals.removal(
        previous,
        [*(repo.name for repo in resolution.repositories), *resolution.gone],
        resolution.repositories,
    )
    try:
        line = removals.check(found, limits, pulumi.get_stack())
    except removals.RemovalRefusedError as error:
        raise pulumi.RunError(f"repo-baseline:removals: {error}") from None
    if line is not None:
        pulumi.log.warn(line)


def deploy(
    resolution: Resolution,
    previous: dict[str, Any] | None = None,
    limits: Removals | None = None,
    landed: Collection[str] = (),
    *,
    owner: str = "",
    replacing: Mapping[str, tuple[str, ...]] | None = None,
) -> None:
    """Every resource of the stack's repositories, after the removal guard with `limits` against
    `previous`, the last run's `repositories` output (`limits` None: the caller has checked; the
    offline plan calls it with the resolution it made from the same stack file, so nothing is
    parsed or chosen twice). `landed`: the repositories delivered by pull request whose default
    branch already has their pipeline. `replacing`: per repository, the workflows named in its
    `pipeline.replaces` that its default branch has (`owner` their organization)."""
    if limits is not None:
        check_removals(resolution, previous, limits)
    known = removals.last_outputs(previous)
    delivered: dict[str, Delivered] = {}
    for repo in resolution.repositories:
        if repo.adopt and repo.name.lower() not in known:
            pulumi.log.info(f"{repo.name}: adopted; {adoption.live_changes(repo)}")
        if repo.pipeline.delivery == "pull_request":
            delivered[repo.name] = Delivered(
                landed=repo.name in landed,
                protected=delivery.protected_checks(known.get(repo.name.lower())),
            )
    with tuned_garbage_collector():
        baselines = build(resolution.repositories, resolution.warnings, delivered, owner, replacing)
        groups = build_organization_rulesets(resolution.repositories, baselines)
        export(baselines, resolution, groups, owner)
