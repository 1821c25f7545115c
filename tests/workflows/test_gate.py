"""The gate (`pipeline.gate`): one job that needs every required job, and the one check required."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows.conftest import VARIANTS
from workflows.backend_ci import backend_ci
from workflows.checks import required_checks, required_job_ids
from workflows.gate import GATE_JOB_ID, gate_job, with_gate
from workflows.model import Job, Step, Workflow
from workflows.options import BackendCiOptions
from workflows.render import render
from workflows.scripts import script

GATED = {name: options for name, options in VARIANTS.items() if options.gate}
REQUIRED = ("lint", "format", "type-check", "test", "build")


def _jobs(workflow: Workflow) -> dict[str, Any]:
    jobs: dict[str, Any] = yaml.safe_load(render(workflow))["jobs"]
    return jobs


def _without_gate(options: BackendCiOptions) -> Workflow:
    return backend_ci(dataclasses.replace(options, gate=False))


def _rename(workflow: Workflow, job_id: str, name: str) -> Workflow:
    jobs = tuple(
        dataclasses.replace(job, name=name) if job.id == job_id else job for job in workflow.jobs
    )
    return dataclasses.replace(workflow, jobs=jobs)


def _job(job_id: str, name: str, needs: tuple[str, ...] = ()) -> Job:
    return Job(
        id=job_id,
        name=name,
        needs=needs,
        timeout_minutes=5,
        steps=(Step(name=name, run="true"),),
    )


def test_the_variants_with_a_gate_cover_a_matrix_and_services() -> None:
    assert set(GATED) == {
        "gate",
        "gate-matrix-services",
        "no-bug-logger-gate",
        "no-build-gate-matrix",
    }
    assert GATED["gate-matrix-services"].python_versions == ("3.11", "3.12")
    assert GATED["gate-matrix-services"].services == ("postgres", "redis")


@pytest.mark.parametrize("name", sorted(GATED))
def test_the_gate_needs_every_required_job_in_file_order(name: str) -> None:
    workflow = backend_ci(GATED[name])
    ungated = _without_gate(GATED[name])
    # Without Build Verification (`build: false`) the gate needs one job fewer.
    required = REQUIRED if GATED[name].build else REQUIRED[:-1]
    assert workflow.job(GATE_JOB_ID).needs == required
    assert required_job_ids(ungated, "main") == required
    assert required_job_ids(workflow, "main") == (*required, GATE_JOB_ID)
    assert _jobs(workflow)[GATE_JOB_ID]["needs"] == list(required)


@pytest.mark.parametrize("name", sorted(GATED))
def test_required_checks_collapse_to_the_gate(name: str) -> None:
    assert required_checks(backend_ci(GATED[name]), "main") == ("Gate",)
    assert required_checks(backend_ci(GATED[name]), "bau/hotfix") == ("Gate",)
    # The checks it stands for: one per matrix version, as without the gate.
    ungated = required_checks(_without_gate(GATED[name]), "main")
    jobs = 5 if GATED[name].build else 4
    assert len(ungated) == jobs + len(GATED[name].python_versions[1:])


@pytest.mark.parametrize("name", sorted(GATED))
def test_the_gate_is_the_last_job_and_runs_always_with_nothing(name: str) -> None:
    jobs = _jobs(backend_ci(GATED[name]))
    assert list(jobs)[-1] == GATE_JOB_ID
    gate = jobs[GATE_JOB_ID]
    assert gate["name"] == "Gate"
    assert gate["if"] == "${{ always() }}"
    assert gate["runs-on"] == "ubuntu-latest"
    assert gate["permissions"] == {}
    assert gate["timeout-minutes"] <= 10
    assert "continue-on-error" not in gate
    assert "strategy" not in gate
    assert "services" not in gate
    # No checkout, no action at all: one step, and the results reach it as data.
    assert [step.get("uses") for step in gate["steps"]] == [None]
    step = gate["steps"][0]
    assert step["env"]["NEEDS"] == "${{ toJSON(needs) }}"
    assert "${{" not in step["run"]
    assert "${{" not in step["env"]["GATE"]
    assert step["env"]["GATE"] == script("gate.py")
    assert "\n  gate:\n    name: Gate\n" in render(backend_ci(GATED[name]))


def test_the_default_pipeline_has_no_gate() -> None:
    workflow = backend_ci()
    assert workflow.gate is None
    assert GATE_JOB_ID not in _jobs(workflow)
    assert "Gate" not in required_checks(workflow, "main")


def test_the_gate_changes_nothing_else_in_the_workflow() -> None:
    """Push-only deployment readiness and the bug logger keep their needs: neither needs the
    gate (why: `workflows.gate`), and the gate needs neither."""
    options = GATED["gate-matrix-services"]
    gated = _jobs(backend_ci(options))
    ungated = _jobs(_without_gate(options))
    del gated[GATE_JOB_ID]
    assert gated == ungated
    gate = backend_ci(options).job(GATE_JOB_ID)
    for job_id in ("security-audit", "deploy-readiness", "bug-logger"):
        assert job_id not in gate.needs
    assert GATE_JOB_ID not in backend_ci(options).job("bug-logger").needs


def test_renaming_a_job_changes_neither_the_gate_nor_the_required_checks() -> None:
    workflow = backend_ci(GATED["gate"])
    renamed = _rename(_rename(workflow, "lint", "Lint (Ruff)"), "test", "Tests on ${{ matrix.x }}")
    assert required_checks(renamed, "main") == ("Gate",)
    assert _jobs(renamed)[GATE_JOB_ID] == _jobs(workflow)[GATE_JOB_ID]
    assert _jobs(renamed)["lint"]["name"] == "Lint (Ruff)"


def test_an_added_job_is_needed_by_the_gate_and_the_checks_stay() -> None:
    ungated = _without_gate(GATED["gate"])
    added = dataclasses.replace(
        ungated,
        jobs=(*ungated.jobs, _job("migrations", "Migrations Check", needs=("lint",))),
    )
    workflow = with_gate(added, "main")
    assert workflow.job(GATE_JOB_ID).needs == (*REQUIRED, "migrations")
    assert required_checks(workflow, "main") == ("Gate",)
    assert "Migrations Check" in required_checks(added, "main")


def test_a_gate_that_misses_a_required_job_is_refused() -> None:
    workflow = backend_ci(GATED["gate"])
    *jobs, gate = workflow.jobs
    missed = dataclasses.replace(workflow, jobs=(*jobs, _job("migrations", "Migrations"), gate))
    with pytest.raises(ValueError, match=r"does not need the required jobs \['migrations'\]"):
        required_checks(missed, "main")


@pytest.mark.parametrize(
    "change",
    [
        {"if_": None},  # skipped after a failure: green
        {"if_": "${{ !cancelled() }}"},  # skipped after a cancel: green
        {"continue_on_error": True},
    ],
)
def test_a_gate_that_could_be_green_after_a_failure_is_refused(change: dict[str, Any]) -> None:
    workflow = backend_ci(GATED["gate"])
    *jobs, gate = workflow.jobs
    weak = dataclasses.replace(workflow, jobs=(*jobs, dataclasses.replace(gate, **change)))
    with pytest.raises(ValueError, match="must run on every pull request, also after a failure"):
        required_checks(weak, "main")


def test_no_checks_where_pull_requests_do_not_trigger_the_workflow() -> None:
    assert required_checks(backend_ci(GATED["gate"]), "develop") == ()
    with pytest.raises(ValueError, match="a gate needs at least one job"):
        with_gate(_without_gate(GATED["gate"]), "develop")


def test_a_gate_is_added_once_and_must_be_a_job() -> None:
    with pytest.raises(ValueError, match="already has a gate"):
        with_gate(backend_ci(GATED["gate"]), "main")
    with pytest.raises(ValueError, match="is not a job"):
        dataclasses.replace(backend_ci(), gate="sentinel")
    with pytest.raises(ValueError, match="a gate needs at least one job"):
        gate_job(())


# --- The gate's step, run as a runner runs it (bash -e, the step's env) -------------------------


def _gate_step() -> dict[str, Any]:
    step: dict[str, Any] = _jobs(backend_ci(GATED["gate"]))[GATE_JOB_ID]["steps"][0]
    return step


def _run_gate(needs: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The step with `toJSON(needs)` as GitHub writes it: pretty-printed, with outputs."""
    step = _gate_step()
    context = {job: {"result": result, "outputs": {}} for job, result in needs.items()}
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "GATE": step["env"]["GATE"],
        "NEEDS": json.dumps(context, indent=2),
    }
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )


def test_the_gate_step_passes_when_every_job_succeeded(tmp_path: Path) -> None:
    out = _run_gate(dict.fromkeys(REQUIRED, "success"), tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Every required job succeeded (5)." in out.stdout
    assert "::error" not in out.stdout


@pytest.mark.parametrize("result", ["failure", "cancelled", "skipped"])
def test_the_gate_step_fails_and_names_each_job_that_did_not_succeed(
    result: str, tmp_path: Path
) -> None:
    needs = dict.fromkeys(REQUIRED, "success") | {"test": result, "build": "skipped"}
    out = _run_gate(needs, tmp_path)
    assert out.returncode == 1, out.stdout + out.stderr
    errors = [line for line in out.stdout.splitlines() if line.startswith("::error")]
    assert errors == [
        f"::error title=Gate::test did not succeed: {result}",
        "::error title=Gate::build did not succeed: skipped",
    ]
    assert "lint: success" in out.stdout


def test_the_gate_step_fails_when_it_needs_nothing(tmp_path: Path) -> None:
    out = _run_gate({}, tmp_path)
    assert out.returncode == 1
    assert "::error title=Gate::the gate needs no job" in out.stdout
