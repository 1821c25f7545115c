"""`python -m baseline plan`: JSON shape, options, files, summary, and exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from baseline.plan.offline import main
from workflows.backend_ci import backend_ci
from workflows.options import BackendCiOptions
from workflows.render import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "Pulumi.example.yaml")
# The example stacks adopt a repository: their plan reads the organization's listing.
LISTING = ("--inventory", str(ROOT / "examples" / "inventory.json"))


def _plan(*args: str) -> tuple[int, str]:
    stream = io.StringIO()
    code = main(["--config", EXAMPLE, *LISTING, *args], stdout=stream)
    return code, stream.getvalue()


@pytest.fixture(scope="module")
def plan_json() -> dict[str, Any]:
    code, out = _plan("--json")
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    return document


def _by_name(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in plan["resources"]}


def test_json_plan_has_the_documented_shape(plan_json: dict[str, Any]) -> None:
    assert set(plan_json) == {
        "project",
        "stack",
        "organization",
        "resources",
        "invokes",
        "policy_violations",
        "warnings",
    }
    assert (plan_json["project"], plan_json["stack"]) == ("repo-baseline", "example")
    assert plan_json["organization"] == "example-org"
    for resource in plan_json["resources"]:
        assert set(resource) == {"urn", "type", "name", "parent", "inputs", "options"}
        assert set(resource["options"]) == {
            "protect",
            "retain_on_delete",
            "import_id",
            "depends_on",
        }
    assert plan_json["invokes"] == []
    assert plan_json["policy_violations"] == []


def test_json_plan_lists_every_resource_with_its_options(plan_json: dict[str, Any]) -> None:
    resources = _by_name(plan_json)
    assert len(resources) == 25
    stack = resources["repo-baseline-example"]
    assert stack["type"] == "pulumi:pulumi:Stack"
    assert stack["parent"] is None
    assert resources["billing-service"]["parent"] == stack["urn"]
    repo = resources["billing-service-repository"]
    assert repo["options"]["import_id"] == "billing-service"
    assert repo["options"]["retain_on_delete"] is True
    assert resources["shop-frontend-api-repository"]["options"]["import_id"] is None
    ruleset = resources["billing-service-ruleset"]
    assert resources["billing-service-workflow"]["urn"] in ruleset["options"]["depends_on"]
    assert ruleset["options"]["retain_on_delete"] is False


def test_inputs_are_camel_case_with_integer_numbers(plan_json: dict[str, Any]) -> None:
    rules = _by_name(plan_json)["shop-frontend-api-ruleset"]["inputs"]["rules"]
    check = rules["requiredStatusChecks"]["requiredChecks"][0]
    assert check == {"context": "Lint Check (Ruff)", "integrationId": 15368}
    assert isinstance(check["integrationId"], int)
    assert rules["pullRequest"]["requiredApprovingReviewCount"] == 1


def test_secrets_are_masked(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(
        "config:\n"
        "  github:owner: example-org\n"
        "  github:token:\n    secure: AAABAKm1c2VjcmV0\n"
        "  repo-baseline:repositories:\n    - name: svc\n",
        encoding="utf-8",
    )
    stream = io.StringIO()
    assert main(["--config", str(stack), "--json"], stdout=stream) == 0
    assert "AAABAKm1c2VjcmV0" not in stream.getvalue()
    assert json.loads(stream.getvalue())["stack"] == "dev"


def test_out_writes_each_rendered_workflow(tmp_path: Path) -> None:
    code, _ = _plan("--out", str(tmp_path))
    assert code == 0
    written = tmp_path / "billing-service" / ".github" / "workflows" / "backend-ci.yml"
    options = BackendCiOptions(
        working_directory="services/billing",
        coverage_threshold=90,
        python_versions=("3.11", "3.12"),
    )
    assert written.read_text(encoding="utf-8") == render(backend_ci(options))
    default = tmp_path / "shop-frontend-api" / ".github" / "workflows" / "backend-ci.yml"
    assert default.read_text(encoding="utf-8") == render(backend_ci())


def test_summary_shows_every_repository_and_its_required_checks() -> None:
    code, out = _plan()
    assert code == 0
    for name in ("shop-frontend-api", "billing-service", "legacy-portal"):
        assert name in out
    assert "Test Suite (Pytest) (3.12)" in out
    assert "(each pinned to app 15368)" in out
    assert "adopt (import)" in out
    assert "\x1b[" not in out  # not a terminal: no color codes
    assert "3 repositories (2 created, 1 adopted), 25 resources" in out
    assert out.startswith("Plan of stack example (project repo-baseline, organization example-org)")
    # The two names GitHub's UI does not show, explained once.
    assert out.count("app 15368 is GitHub Actions: only a workflow run can report") == 1
    assert out.count("~DEFAULT_BRANCH is a ruleset's name for the repository's default") == 1


def test_a_warning_shared_by_many_repositories_is_printed_once(tmp_path: Path) -> None:
    entries = "".join(f"    - name: svc-{index:02d}\n" for index in range(30))
    stack = tmp_path / "Pulumi.many.yaml"
    stack.write_text(
        f"config:\n  github:owner: example-org\n  repo-baseline:repositories:\n{entries}",
        encoding="utf-8",
    )
    stream = io.StringIO()
    assert main(["--config", str(stack)], stdout=stream) == 0
    out = stream.getvalue()
    (warning,) = [line for line in out.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: 30 repositories (svc-00, svc-01, svc-02, svc-03, svc-04")
    assert "and 25 more): the ruleset has no bypass_actors" in warning
    assert "svc-05" not in warning
    assert "30 repositories (30 created, 0 adopted)" in out


def test_broken_config_exits_2_with_every_problem_and_nothing_on_stdout(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.broken.yaml"
    stack.write_text(
        "config:\n"
        "  repo-baseline:repositories:\n"
        "    - name: bad name\n"
        "      protection: {required_approvals: 11}\n"
        "    - name: ok\n"
        "      pipeline: {python_version: 3.10}\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "baseline", "plan", "--config", str(stack)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    # Each named by its entry's repository, not only its index.
    assert any("repositories[0] (bad name).name" in line for line in lines)
    assert any("repositories[0] (bad name).protection.required_approvals" in line for line in lines)
    assert any("repositories[1] (ok).pipeline.python_version" in line for line in lines)
    # And where the stack file has it.
    assert any("(bad name).protection.required_approvals, line 4: found 11" in x for x in lines)
    assert any("(ok).pipeline.python_version, line 6: found" in line for line in lines)


def test_mandatory_violation_exits_1_and_still_prints_the_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import baseline.resources.component as component

    # A protection that no longer pins its checks to GitHub Actions, as a hand edit might do.
    monkeypatch.setattr(component, "GITHUB_ACTIONS_APP_ID", 1)
    code, out = _plan("--json")
    assert code == 1
    document = json.loads(out)
    assert len(document["resources"]) == 25
    assert any(v["enforcement"] == "mandatory" for v in document["policy_violations"])


def test_json_plan_is_the_same_on_every_run() -> None:
    # Registrations reach the engine concurrently and the SDK collects dependencies in sets,
    # whose order follows the process's hash seed: the plan must depend on neither.
    outputs = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-m", "baseline", "plan", "--json", "--config", EXAMPLE, *LISTING],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.add(out.stdout)
    assert len(outputs) == 1


ORG = str(ROOT / "examples" / "Pulumi.org.yaml")


def test_fifteen_repositories_every_choice_visible_and_nothing_repeated() -> None:
    stream = io.StringIO()
    assert main(["--config", ORG, *LISTING], stdout=stream) == 0
    out = stream.getvalue()
    lines = out.splitlines()
    assert not [line for line in lines if line != line.rstrip()]
    assert len(lines) < 60
    # Said once for all: the defaults' choices.
    shared = out.split("\n\n")[1]
    assert "code owners must approve" in shared
    assert "bypass: app 123456 (always)" in shared
    assert "actions pinned to SHAs required" in shared
    # Classic protection's 409, secret scanning without Secret Protection, and the adopted
    # repository's own CI next to the baseline's.
    assert out.count("warning: ") == 3
    assert "warning: billing-service: existing workflows also run on every pull request" in out
    assert "resources        Repository, RepositoryFile, RepositoryRuleset" in shared
    assert out.count("RepositoryRuleset") == 1
    # Each repository's own choices, under its name.
    for choice in (
        "services/billing",
        "coverage at least 90%",
        "tests on 3.11, 3.12",
        "actions by tag allowed",
        'services ["postgres", "redis"]',
        "Python 3.13",
        "last push approved by someone else",
        "public;",
        "secret scanning, push protection",
        "homepage https://docs.example.com/sdk",
        "classic branch protection on main",
        "merge methods: squash/rebase",
    ):
        assert out.count(choice) == 1, choice
    assert "auth: settings.secret_scanning on a private repository" in out


def test_json_plan_carries_the_warnings(plan_json: dict[str, Any]) -> None:
    assert len(plan_json["warnings"]) == 4
    assert plan_json["warnings"][0].startswith("2 repositories (shop-frontend-api, billing")


def test_policy_violations_name_their_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    import baseline.resources.component as component

    monkeypatch.setattr(component, "GITHUB_ACTIONS_APP_ID", 1)
    code, out = _plan()
    assert code == 1
    assert "policy required-checks-pinned-to-github-actions (mandatory) on legacy-portal:" in out
    _, document = _plan("--json")
    assert {v["repository"] for v in json.loads(document)["policy_violations"]} == {
        "shop-frontend-api",
        "billing-service",
        "legacy-portal",
    }
