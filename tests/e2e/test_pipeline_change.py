"""A pipeline change after the first `up`: the file and the protection move together, file first.

Under protection, the direct commit of the new workflow file lands only for a GitHub App on the
ruleset's bypass list; for anyone else GitHub answers 409, which the program warned about.
"""

from __future__ import annotations

from typing import Any

from testing.github_double import GitHubDouble
from tests.e2e.conftest import ProjectFactory
from tests.e2e.expect import expected, first, repo_path, writes

APP_ID = 4242  # the automation's GitHub App in these tests (the double knows no other)
APP_TOKEN = "automation-app-token"
WORKFLOW = "/contents/.github/workflows/backend-ci.yml"


def _config(versions: list[str], bypass: bool) -> dict[str, Any]:
    protection: dict[str, Any] = {"required_approvals": 1}
    if bypass:
        protection["bypass_actors"] = [{"app_id": APP_ID}]
    return {
        "repo-baseline:defaults": {"protection": protection},
        "repo-baseline:repositories": [{"name": "svc", "pipeline": {"python_versions": versions}}],
    }


def _ops(preview: dict[str, Any]) -> dict[str, str]:
    """What the preview changes (not the read of the stack's own outputs: no change)."""
    steps = preview["steps"]
    return {s["urn"].rsplit("::", 1)[1]: s["op"] for s in steps if s["op"] not in ("same", "read")}


def test_with_the_bypass_app_the_file_then_the_protection_are_updated(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    github.add_app_token(APP_TOKEN, APP_ID, slug="repo-baseline-automation")
    stack = project(_config(["3.12"], bypass=True), token=APP_TOKEN)
    stack.up().check()
    before = len(writes(github))

    stack.reconfigure(_config(["3.12", "3.13"], bypass=True))
    assert _ops(stack.preview().check().json()) == {
        "svc-workflow": "update",
        "svc-ruleset": "update",
    }
    stack.up().check()

    update = writes(github)[before:]
    ruleset_id = github.state()["repositories"]["svc"]["rulesets"][0]["id"]
    committed = first(update, "PUT", repo_path(github, "svc", WORKFLOW))
    protected = first(update, "PUT", repo_path(github, "svc", f"/rulesets/{ruleset_id}"))
    assert committed < protected

    want = expected(stack.stack_file)["svc"]
    repo = github.state()["repositories"]["svc"]
    assert repo["branches"]["main"]["files"][".github/workflows/backend-ci.yml"]["content"] == (
        want.pipeline.content
    )
    [rule] = [r for r in repo["rulesets"][0]["rules"] if r["type"] == "required_status_checks"]
    checks = {c["context"] for c in rule["parameters"]["required_status_checks"]}
    assert checks == want.checks
    assert any("3.13" in check for check in checks)


def test_without_a_bypass_app_github_refuses_the_update_as_warned(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(_config(["3.12"], bypass=False))
    stack.up().check()
    old = github.state()["repositories"]["svc"]

    stack.reconfigure(_config(["3.12", "3.13"], bypass=False))
    preview = stack.preview().check().json()
    warnings = [d["message"] for d in preview["diagnostics"] if d["severity"] == "warning"]
    assert any("svc: the ruleset has no bypass_actors" in w and "409" in w for w in warnings)

    failed = stack.up()
    assert failed.returncode != 0
    assert "Changes must be made through a pull request" in failed.stdout + failed.stderr
    # Neither the file nor the protection moved: the checks still match the file on the branch.
    assert github.state()["repositories"]["svc"]["rulesets"] == old["rulesets"]
    assert github.state()["repositories"]["svc"]["branches"] == old["branches"]
