"""Mistakes reach the user of `pulumi preview` as they reach the user of `baseline plan`.

A config mistake: the same problem lines, no Python traceback, nothing written. A mandatory
policy: the preview fails and names it. A stack file: read by the offline plan exactly as the CLI
reads it (YAML 1.2-style scalars, numbers as JSON doubles).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from baseline.stack import stack_yaml
from testing.github_double import GitHubDouble
from tests.baseline.test_stack_yaml import TRICKY_OBJECT, TRICKY_SCALARS
from tests.e2e.conftest import ProjectFactory, provider_config
from tests.e2e.expect import run_plan
from tests.e2e.harness import Result

MISTAKES = """\
config:
  repo-baseline:defaults:
    protection:
      kindd: ruleset
  repo-baseline:repositories:
    - name: shop
      adopt: yes
      pipeline:
        python_version: 3.10
    - name: portal
      pipeline:
        default_branch: develop
        pr_branches: [develop]
      protection:
        required_approvals: two
"""


def _plan_problems(stack_file: Path) -> list[str]:
    done = run_plan(stack_file)
    assert done.returncode == 2, done.stderr
    return [line.removeprefix(f"{stack_file}: ") for line in done.stderr.splitlines()]


def _preview_problems(result: Result) -> list[str]:
    """The problem lines of a failed preview: the program's error, one line a problem.

    The SDK's language server (tests/e2e/program_host.py) also returns the error to the CLI,
    which repeats it as "an unhandled error occurred"; the program's own message comes first.
    """
    assert result.returncode != 0
    errors = [d["message"] for d in result.json()["diagnostics"] if d["severity"] == "error"]
    assert not any("Traceback" in message for message in errors), errors
    head, *problems = errors[0].splitlines()
    assert head.startswith("error: the stack config has")
    return [line.strip() for line in problems]


def test_a_config_mistake_fails_the_preview_with_the_plans_problem_lines(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project()
    stack.write_stack_text(MISTAKES + _provider_keys(github))

    problems = _preview_problems(stack.preview())

    assert problems == _plan_problems(stack.stack_file)
    assert len(problems) == 5
    assert any(re.search(r'adopt, line \d+: found "yes"', p) for p in problems)
    assert any(
        re.search(r'default_branch, line \d+: found "develop" for a new repository', p)
        for p in problems
    )
    assert [e for e in github.log_json() if e["method"] != "GET"] == []


def test_a_mandatory_policy_fails_the_preview_and_is_named(
    project: ProjectFactory, github: GitHubDouble, tmp_path: Path
) -> None:
    """An organization that requires two approvals (the pack's own config) and a stack that
    asks for one: the preview fails, naming the policy, the resource and the reason."""
    stack = project(
        {"repo-baseline:repositories": [{"name": "lax", "protection": {"required_approvals": 1}}]}
    )
    policy_config = tmp_path / "policy-config.json"
    policy_config.write_text(json.dumps({"reviews-required": {"min_approvals": 2}}))

    result = stack.preview(as_json=False, extra=["--policy-pack-config", str(policy_config)])

    assert result.returncode != 0
    policies = result.stdout[result.stdout.index("Policies:") :]
    assert (
        "[mandatory]  reviews-required  (github:index:RepositoryRuleset: lax-ruleset)" in policies
    )
    assert "requiredApprovingReviewCount is 1, at least 2 required" in policies


def test_the_offline_plan_reads_a_stack_file_as_the_cli_does(
    project: ProjectFactory, github: GitHubDouble
) -> None:
    stack = project()
    body = TRICKY_OBJECT.removeprefix("config:\n") + TRICKY_SCALARS.removeprefix("config:\n")
    stack.write_stack_text("config:\n" + body)

    shown = stack.run(["config", "--json", "--show-secrets"]).check().json()
    read = stack_yaml.load(stack.stack_file.read_text(encoding="utf-8"))["config"]

    for key, value in read.items():
        ours = stack_yaml.config_string(value)
        if isinstance(value, dict | list):
            assert json.loads(ours) == json.loads(shown[key]["value"]), key
        else:
            assert ours == shown[key]["value"], key


def _provider_keys(github: GitHubDouble) -> str:
    """The provider's settings for the double, as lines under `config:`."""
    return "".join(f"  {key}: {value}\n" for key, value in provider_config(github).items())
