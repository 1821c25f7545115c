"""Runs that heal (issue 21), with the real engine against the double: a repository that exists in
GitHub but not in the stack's last run (a run that died after GitHub created it) is adopted, not
created again, so it is protected, and the stack's next run changes nothing."""

from __future__ import annotations

from typing import Any

from testing.github_double import Fault, GitHubDouble, User
from tests.e2e.conftest import ProjectFactory
from tests.e2e.harness import Project
from tests.e2e.test_adoption_safety import messages, protected
from tests.e2e.test_drift import READ_TOKEN
from tests.e2e.test_github_double import call
from tests.e2e.test_github_double_faults import rename
from tests.e2e.test_organization import CONFIG as SELECTED
from tests.e2e.test_organization import org_rulesets
from tests.e2e.test_organization import seed as seed_selected
from tests.test_repository_workflows import deploy_script, drift_script


def repository_creates(github: GitHubDouble) -> list[dict[str, Any]]:
    return [
        e
        for e in github.log_json()
        if e["method"] == "POST" and e["template"] == "/orgs/{org}/repos"
    ]


def config(*names: str) -> dict[str, Any]:
    return {
        "repo-baseline:defaults": {"settings": {"sha_pinning_required": False}},
        "repo-baseline:repositories": [{"name": name} for name in names],
    }


def test_a_repository_github_has_but_the_last_run_did_not_baseline_is_adopted(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(config("shop"))
    stack.up().check()
    # What a run killed after GitHub answered the create leaves: the repository exists, and the
    # stack's last outputs do not name it (creating it again: 422 "name already exists").
    github.seed_repository("ledger", {"README.md": "# ledger\n"}, visibility="private")
    stack.reconfigure(config("shop", "ledger"))

    preview = stack.preview().check()
    (warning,) = [m for m in messages(preview, "warning") if "not created" in m]
    assert "ledger: example-org already has it, but the stack's last run" in warning
    ops = [
        s["op"]
        for s in preview.json()["steps"]
        if s["newState"]["urn"].endswith("::ledger-repository")
    ]
    # Imported, then set as the baseline says (what changes is in the preview's diff).
    assert ops[0] == "import"
    assert "create" not in ops

    stack.up().check()
    assert [e["path"] for e in repository_creates(github)] == ["/api/v3/orgs/example-org/repos"]
    assert protected(github, "ledger")
    assert protected(github, "shop")
    # Now it is the stack's own: the next run neither warns nor changes anything.
    again = stack.preview(expect_no_changes=True).check()
    assert not [m for m in messages(again, "warning") if "not created" in m]
    outputs = stack.run(["stack", "output", "--json", "--stack", stack.stack]).check().json()
    assert outputs["repositories"]["ledger"]["adopted"] is True


def test_a_create_whose_answer_was_lost_is_adopted_by_the_next_run(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    # GitHub creates the repository, and the answer never reaches the provider (a connection
    # reset): the run fails, and the state has no repository. Created again, GitHub would answer
    # 422 "name already exists on this account".
    lost = github.inject(Fault.lost_answer("POST", "/orgs/{org}/repos"))
    stack = project(config("ledger"))
    assert stack.up().returncode != 0
    assert lost.fired == 1
    assert "ledger" in github.state()["repositories"]

    stack.up().check()
    assert protected(github, "ledger")
    assert len(repository_creates(github)) == 1
    stack.preview(expect_no_changes=True).check()


def deploy(stack: Project, *, fails: bool = False, **env: str) -> str:
    """deploy.yml's heal-then-up script, as its job runs it (hourly: no refresh); its log."""
    done = stack.step(deploy_script(), {"PULUMI_STACK": stack.stack, "REFRESH": "false", **env})
    log = done.stdout + done.stderr
    assert (done.returncode != 0) is fails, log
    return log


def rulesets(github: GitHubDouble, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = github.state()["repositories"][name]["rulesets"]
    return found


def growing(project: ProjectFactory) -> Project:
    """A stack whose `shop` is baselined, and whose config now adds `ledger` and `orders`."""
    stack = project(config("shop"))
    stack.up().check()
    stack.reconfigure(config("shop", "ledger", "orders"))
    return stack


def test_an_up_killed_while_github_made_a_ruleset_is_finished_by_the_next_deploy(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = growing(project)
    # The runner dies (SIGKILL) while GitHub is answering a ruleset's create, after it made it.
    slow = github.inject(Fault.delay("POST", "/repos/{owner}/{repo}/rulesets", 60))
    stack.up_killed(lambda: slow.fired >= 1)
    pending = stack.export()["deployment"].get("pending_operations") or []
    assert "creating" in [op["type"] for op in pending]
    [made] = [e for e in github.log_json() if e["fault"]]
    orphan = made["path"].split("/")[-2]  # the repository whose ruleset the state never got
    assert len(rulesets(github, orphan)) == 1
    # What the dead run left stops every later run: the lock.
    locked = stack.up()
    assert locked.returncode != 0
    assert "the stack is currently locked by 1 lock(s)" in locked.stdout + locked.stderr

    log = deploy(stack)
    assert "was locked by a run that is no longer alive" in log
    assert f'orphan: ruleset 1000002 "repo-baseline: default branch" of {orphan}' in log
    # Finished: every repository protected by exactly one ruleset, none created twice.
    for name in ("shop", "ledger", "orders"):
        assert protected(github, name), name
        assert len(rulesets(github, name)) == 1, name
    assert [e["status"] for e in repository_creates(github)] == [201, 201, 201]
    assert not stack.export()["deployment"].get("pending_operations")
    stack.preview(expect_no_changes=True).check()


# A self-managed backend saves the whole state after every step unless told to save it once, at
# the end (docs/scale.md): what the deploy job sets for one, and what a run killed then leaves.
SKIP_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}


def test_an_up_killed_with_checkpoints_skipped_is_finished_by_the_next_deploy(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = growing(project)
    stack.env.update(SKIP_CHECKPOINTS)
    before = stack.export()["deployment"]
    # The runner dies (SIGKILL) once GitHub has made a ruleset: the state saved nothing of it.
    slow = github.inject(Fault.delay("POST", "/repos/{owner}/{repo}/rulesets", 60))
    stack.up_killed(lambda: slow.fired >= 1)
    after = stack.export()["deployment"]
    assert not after.get("pending_operations")
    assert [r["urn"] for r in after["resources"]] == [r["urn"] for r in before["resources"]]
    [made] = [e for e in github.log_json() if e["fault"]]
    orphan = made["path"].split("/")[-2]  # the repository whose ruleset the state never got
    [unrecorded] = rulesets(github, orphan)

    log = deploy(stack, PULUMI_SKIP_CHECKPOINTS="true")
    # heal found it by name (made after the state's last save) and deleted it; up made it again.
    line = f'orphan: ruleset {unrecorded["id"]} "repo-baseline: default branch" of {orphan}'
    assert line in log
    [again] = rulesets(github, orphan)
    assert again["id"] != unrecorded["id"]
    # The repositories the dead run created were adopted, not created again (422).
    assert [e["status"] for e in repository_creates(github)] == [201, 201, 201]
    for name in ("shop", "ledger", "orders"):
        assert protected(github, name), name
        assert len(rulesets(github, name)) == 1, name
    stack.preview(expect_no_changes=True).check()


def test_an_organization_ruleset_made_by_an_up_killed_with_checkpoints_skipped(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    seed_selected(github)
    stack = project(SELECTED)
    stack.env.update(SKIP_CHECKPOINTS)
    # Killed once GitHub has made the organization ruleset, the last of the run's creates.
    slow = github.inject(Fault.delay("POST", "/orgs/{org}/rulesets", 60))
    stack.up_killed(lambda: slow.fired >= 1)
    assert not stack.resources()  # No state saved at all: the stack's first run.
    [unrecorded] = org_rulesets(github)

    log = deploy(stack, PULUMI_SKIP_CHECKPOINTS="true")
    assert f'orphan: ruleset {unrecorded["id"]} "{unrecorded["name"]}" of {github.org}' in log
    [again] = org_rulesets(github)
    assert (again["name"], again["id"] != unrecorded["id"]) == (unrecorded["name"], True)
    stack.preview(expect_no_changes=True).check()


def drift(stack: Project, github: GitHubDouble) -> tuple[str, str]:
    """drift.yml's nightly script with a read-only token: its result and its report."""
    github.add_token(READ_TOKEN, User("octo-reader"), read_only=True)
    output = stack.folder / "github-output"
    output.unlink(missing_ok=True)
    done = stack.step(drift_script(), {"PULUMI_STACK": stack.stack, "GITHUB_TOKEN": READ_TOKEN})
    assert done.returncode == 0, done.stdout + done.stderr
    report = (stack.folder / "preview.txt").read_text(encoding="utf-8")
    return output.read_text(encoding="utf-8").strip(), report


def test_a_repository_deleted_or_renamed_by_hand_is_reported_and_never_created_again(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(config("shop", "payroll", "billing"))
    stack.up().check()
    assert drift(stack, github)[0] == "result=clean"
    # By hand, in GitHub: one deleted, one renamed (its old name now redirects).
    assert call(github, "DELETE", "/repos/example-org/payroll").status == 204
    rename(github, "billing", "invoicing")

    # The nightly drift job reports them as drift, not as an error.
    result, report = drift(stack, github)
    assert result == "result=drift"
    assert "gone: billing (renamed to invoicing)" in report
    assert "gone: payroll (deleted or transferred)" in report

    # The deploy forgets them (nothing left to delete or refresh) and creates neither again.
    log = deploy(stack, REFRESH="true")
    assert "gone: payroll (deleted or transferred): its 8 resources leave the state" in log
    assert "2 repositories (payroll, billing): the stack baselined them, and example-org" in log
    assert len(repository_creates(github)) == 3
    assert sorted(github.state()["repositories"]) == ["invoicing", "shop"]
    assert protected(github, "invoicing")  # what a rename keeps, the baseline does not undo
    outputs = stack.run(["stack", "output", "--json", "--stack", stack.stack]).check().json()
    assert outputs["repositories"]["payroll"] == {"gone": True}
    assert [r for r in stack.resources() if "payroll" in r["urn"]] == []

    # Hours later, still gone: nothing is created, nothing changes.
    deploy(stack)
    assert len(repository_creates(github)) == 3
    stack.preview(expect_no_changes=True).check()
    # Restored (here: created again by hand): adopted, not created.
    github.seed_repository("payroll", {"README.md": "# payroll\n"}, visibility="private")
    deploy(stack)
    assert len(repository_creates(github)) == 3
    assert protected(github, "payroll")
    stack.preview(expect_no_changes=True).check()


def test_one_repository_that_fails_stops_only_itself(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = growing(project)
    # GitHub fails one repository's create (a 502, past the provider's retries): the first
    # step of the run, before any other repository has its workflow file or ruleset.
    boom = github.inject(Fault.server_error("POST", "/orgs/{org}/repos", 502))
    log = deploy(stack, fails=True)
    assert boom.fired == 1
    [failed] = {"ledger", "orders"} - set(github.state()["repositories"])
    # The run fails, and says which; every other repository got (or kept) its protection.
    assert f"{failed}-repository" in log
    for name in {"shop", "ledger", "orders"} - {failed}:
        assert protected(github, name), name
    # The next run finishes it, and nothing is left to do.
    deploy(stack)
    assert protected(github, failed)
    assert len(repository_creates(github)) == 4  # shop, the two, the failed one again
    stack.preview(expect_no_changes=True).check()


def test_an_up_killed_while_github_opened_the_pipelines_pull_request_is_finished(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(
        {
            "repo-baseline:defaults": {
                "settings": {"sha_pinning_required": False},
                "pipeline": {"delivery": "pull_request"},
            },
            "repo-baseline:repositories": [{"name": "shop"}],
        }
    )
    slow = github.inject(Fault.delay("POST", "/repos/{owner}/{repo}/pulls", 60))
    stack.up_killed(lambda: slow.fired >= 1)
    log = deploy(stack)
    assert "orphan: pull request #1" in log
    assert "closed, the next up makes it again" in log
    # One pull request open (the dead run's closed), in the state; nothing left to do.
    pulls = call(github, "GET", "/repos/example-org/shop/pulls?state=all").body
    assert sorted((p["number"], p["state"]) for p in pulls) == [(1, "closed"), (2, "open")]
    stack.preview(expect_no_changes=True).check()


def test_a_lock_left_before_any_change_is_cleared_by_the_next_deploy_which_says_so(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project(config("shop"))
    # Killed while the program lists the organization: the lock, nothing pending, no change.
    slow = github.inject(Fault.delay("GET", "/orgs/{org}/repos", 60))
    stack.up_killed(lambda: slow.fired >= 1)
    assert not stack.export()["deployment"].get("pending_operations")
    log = deploy(stack)
    assert "nothing to heal" in log
    assert "::warning::stack e2e was locked by a run that is no longer alive" in log
    assert protected(github, "shop")
    stack.preview(expect_no_changes=True).check()
