"""`pulumi preview --policy-pack` of the example stack, with the real engine and provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baseline.resources.program import PREVIOUS
from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory, example_config
from tests.e2e.expect import expected, offline_plan, saved_listing, seed_matching


def _as_sent(value: Any) -> Any:
    """Inputs as the program sent them: without what the provider's Check filled in."""
    if isinstance(value, dict):
        filled = set(value.get("__defaults", ()))
        return {k: _as_sent(v) for k, v in value.items() if k != "__defaults" and k not in filled}
    if isinstance(value, list):
        return [_as_sent(item) for item in value]
    return value


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[1]


def test_preview_of_the_example_matches_the_offline_plan(
    project: ProjectFactory, github: GitHubDouble, tmp_path: Path
) -> None:
    stack = project(example_config())
    adopted = expected(stack.stack_file)["billing-service"]
    seed_matching(github, adopted.config, {"README.md": "# billing-service\n"})

    preview = stack.preview().check().json()
    listing = saved_listing(github, tmp_path, "--workflows")
    plan = offline_plan(stack.stack_file, "--inventory", str(listing))

    steps: dict[str, list[dict[str, Any]]] = {}
    for step in preview["steps"]:
        steps.setdefault(_name(step["urn"]), []).append(step)
    # The program reads its own last outputs (the removal guard): a read, no GitHub resource.
    (read,) = steps.pop(PREVIOUS)
    assert (read["op"], read["newState"]["type"]) == ("read", "pulumi:pulumi:StackReference")
    planned = {r["name"]: r for r in plan["resources"]}
    assert {(n, s[0]["newState"]["type"]) for n, s in steps.items()} == {
        (n, r["type"]) for n, r in planned.items()
    }
    for name, resource in planned.items():
        if resource["type"].startswith("github:"):
            assert _as_sent(steps[name][-1]["newState"]["inputs"]) == resource["inputs"], name

    # The adopted repository is imported, not created or replaced. The import is followed by an
    # update that changes none of the inputs: the provider's own fields (has_downloads, which
    # it sends as false, and its read options) are all it touches.
    import_, update = steps.pop("billing-service-repository")
    assert (import_["op"], update["op"]) == ("import", "update")
    assert not any(diff["inputDiff"] for diff in update["detailedDiff"].values())
    assert {step["op"] for repo in steps.values() for step in repo} == {"create"}
    assert plan["policy_violations"] == []
    # Nothing was written while previewing.
    assert [e for e in github.log_json() if e["method"] != "GET"] == []
