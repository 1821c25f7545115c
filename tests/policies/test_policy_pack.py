"""The pack as the Pulumi CLI loads it: twelve named policies, self-contained, served over gRPC."""

from __future__ import annotations

import ast
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy import EnforcementLevel

from policies.guardrails import POLICIES, POLICY_NAMES

Plan = list[dict[str, Any]]
PACK = Path(__file__).resolve().parents[2] / "policies"
EXPECTED_NAMES = (
    "required-checks-match-pipeline",
    "required-checks-pinned-to-github-actions",
    "reviews-required",
    "no-human-bypass",
    "force-push-and-deletion-blocked",
    "every-repository-protected",
    "workflow-least-privilege",
    "actions-pinned-to-sha",
    "security-features-enabled",
    "merge-queue-checks-on-merge-group",
    "protection-enforced",
    "workflow-locked",
)


def test_pack_lists_all_twelve_policies() -> None:
    assert POLICY_NAMES == EXPECTED_NAMES


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_policy_is_documented(policy: Any) -> None:
    assert policy.description
    assert policy.remediation_steps
    advisory = ("security-features-enabled", "protection-enforced", "workflow-locked")
    level = EnforcementLevel.ADVISORY if policy.name in advisory else EnforcementLevel.MANDATORY
    assert policy.enforcement_level == level
    for key, schema in (policy.config_schema.properties if policy.config_schema else {}).items():
        assert {"type", "default", "description"} <= set(schema), key


def test_pulumi_policy_yaml() -> None:
    manifest = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert manifest["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}}
    assert manifest["version"]
    assert manifest["description"]


def test_pack_does_not_import_the_project() -> None:
    for source in PACK.rglob("*.py"):
        if "venv" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            for module in modules:
                assert module.split(".")[0] not in ("workflows", "baseline"), source


@pytest.fixture
def analyzer(tmp_path: Path) -> Iterator[Any]:
    """The pack started the way `pulumi preview --policy-pack policies` starts it.

    The CLI runs `runpy.run_path(<pack dir>, run_name="__main__")` (pulumi.policy's __main__),
    so policies/ itself is on sys.path; cwd is elsewhere so `policies` is not importable.
    """
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__')",
            str(PACK),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)
        port = process.stdout.readline().strip() if ready else ""
        if not port.isdigit():
            process.kill()
            pytest.fail(f"the pack did not start: {process.communicate()[1]}")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=30)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _analyze_stack(analyzer: Any, resources: Plan) -> list[tuple[str, str]]:
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r["type"], urn=r["urn"], name=r["name"], properties=_struct(r["inputs"])
            )
            for r in resources
        ]
    )
    response = analyzer.AnalyzeStack(request, timeout=60)
    return [(d.policyName, d.message) for d in response.diagnostics]


def test_served_pack_lists_and_enforces_the_policies(analyzer: Any, plan: Plan) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=60)
    assert info.name == "repo-baseline-guardrails"
    assert tuple(policy.name for policy in info.policies) == EXPECTED_NAMES

    # Through protobuf every number is a float: 1.0 approvals, 15368.0 for the app id.
    assert _analyze_stack(analyzer, plan) == []
    ruleset = next(r for r in plan if r["type"].endswith(":RepositoryRuleset"))
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=ruleset["type"],
            urn=ruleset["urn"],
            name=ruleset["name"],
            properties=_struct(ruleset["inputs"]),
        ),
        timeout=60,
    )
    assert [d.policyName for d in response.diagnostics] == []

    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                "required-checks-match-pipeline": analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY,
                    properties=_struct({"default_branch": "trunk"}),
                )
            }
        ),
        timeout=60,
    )
    workflow = next(r for r in plan if r["type"].endswith(":RepositoryFile"))
    del workflow["inputs"]["branch"]
    [(policy, message)] = _analyze_stack(analyzer, plan)
    assert policy == "required-checks-match-pipeline"
    assert "branch 'trunk'" in message
