"""`python -m baseline plan`: what `pulumi up` would do, offline, from the real program.

The program runs under Pulumi's mock engine (`baseline.mock_engine`) with the config of a stack
file; the plan is every registration the engine received, checked by the policy pack.
Exit codes: 0 planned; 1 planned, but a mandatory policy is violated; 2 the config is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from baseline import summary
from baseline.config import load_settings_file
from baseline.errors import ConfigErrors
from baseline.mock_engine import Record, Registration, run
from baseline.resource_types import COMPONENT, REPOSITORY_ORDER, WORKFLOW_FILE
from baseline.settings import StackSettings
from policies.evaluate import Violation, evaluate_resources

PROJECT = "repo-baseline"
DEFAULT_STACK_FILE = "Pulumi.example.yaml"


def resource_json(registration: Registration) -> dict[str, Any]:
    """One resource in the plan's JSON shape."""
    return {
        "urn": registration.urn,
        "type": registration.type,
        "name": registration.name,
        "parent": registration.parent,
        "inputs": registration.inputs,
        "options": {
            "protect": registration.protect,
            "retain_on_delete": registration.retain_on_delete,
            "import_id": registration.import_id,
            "depends_on": list(registration.depends_on),
        },
    }


def ordered(record: Record, settings: StackSettings) -> list[Registration]:
    """Registrations in a stable order: the stack, then each repository as the config lists them.

    The engine receives registrations concurrently; this order does not depend on timing.
    """
    position = {repo.name: index for index, repo in enumerate(settings.repositories)}
    components = {r.urn: r.name for r in record.of_type(COMPONENT)}

    def key(registration: Registration) -> tuple[int, int, str]:
        owner = components.get(registration.urn) or components.get(registration.parent or "")
        known = registration.type in REPOSITORY_ORDER
        rank = REPOSITORY_ORDER.index(registration.type) if known else len(REPOSITORY_ORDER)
        return (position.get(owner, -1) if owner else -1, rank, registration.name)

    return sorted(record.resources, key=key)


def plan_document(
    stack: str, resources: Sequence[Registration], record: Record, violations: list[Violation]
) -> dict[str, Any]:
    """The plan's JSON document (its shape is read by other tools: add keys, never change one)."""
    document = {
        "project": PROJECT,
        "stack": stack,
        "resources": [resource_json(r) for r in resources],
        "invokes": [{"token": i.token, "args": i.args} for i in record.invokes],
        "policy_violations": [],
        "warnings": list(record.warnings),
    }
    add_violations(document, violations)
    return document


def add_violations(document: dict[str, Any], violations: Sequence[Violation]) -> None:
    """Each violation with the repository it is about (None for the stack as a whole)."""
    owners = summary.repository_of(document)
    document["policy_violations"] = [
        {**v.to_json(), "repository": owners.get(v.urn or "")} for v in violations
    ]


def write_files(resources: Sequence[Registration], out: Path) -> list[Path]:
    """Every `RepositoryFile`'s content at `out/<repository>/<file path>`."""
    written = []
    for r in resources:
        if r.type != WORKFLOW_FILE:
            continue
        target = out / str(r.inputs["repository"]) / str(r.inputs["file"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(str(r.inputs["content"]), encoding="utf-8")
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    out_stream = stdout or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m baseline plan", description=__doc__)
    parser.add_argument("--config", default=DEFAULT_STACK_FILE, help="a Pulumi.<stack>.yaml file")
    parser.add_argument("--json", action="store_true", help="print the plan as one JSON document")
    parser.add_argument("--out", type=Path, help="write every workflow file under this folder")
    args = parser.parse_args(argv)

    try:
        stack_file, settings = load_settings_file(args.config)
    except ConfigErrors as errors:
        for error in errors.errors:
            print(f"{args.config}: {error}", file=sys.stderr)
        return 2

    record = run(stack_file.config, project=PROJECT, stack=stack_file.stack)
    resources = ordered(record, settings)
    document = plan_document(stack_file.stack, resources, record, [])
    violations = evaluate_resources(document["resources"])
    add_violations(document, violations)
    written = write_files(resources, args.out) if args.out else []

    if args.json:
        json.dump(document, out_stream, indent=2)
        out_stream.write("\n")
    else:
        summary.print_summary(document, settings, record.warnings, written, out_stream)
    mandatory = [v for v in violations if v.enforcement_level == "mandatory"]
    return 1 if mandatory else 0
