"""The scripts the pipeline embeds: valid as embedded, on every Python version and in bash."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.interpreters import find_python, missing_python
from workflows.backend_ci import backend_ci
from workflows.options import TESTED_PYTHON_VERSIONS, BackendCiOptions
from workflows.render import render
from workflows.scripts import script

BIN = Path(sys.executable).parent
SCRIPTS = Path(__file__).resolve().parents[2] / "workflows" / "scripts"
SHELL_SCRIPTS = sorted(path.name for path in SCRIPTS.glob("*.sh"))
PYTHON_SCRIPTS = sorted(path.name for path in SCRIPTS.glob("*.py") if path.name != "__init__.py")


def _steps(options: BackendCiOptions) -> dict[str, dict[str, Any]]:
    """Every step of the rendered workflow, by `job id/step name`."""
    data = yaml.safe_load(render(backend_ci(options)))
    return {
        f"{job_id}/{step['name']}": step
        for job_id, job in data["jobs"].items()
        for step in job["steps"]
    }


def _embedded_python(options: BackendCiOptions) -> dict[str, str]:
    """Python source the rendered workflow carries in a step's env, by `step/VARIABLE`."""
    return {
        f"{where}/{name}": value
        for where, step in _steps(options).items()
        for name, value in step.get("env", {}).items()
        if f'python3 -c "${name}"' in step.get("run", "")
    }


def test_every_embedded_python_comes_from_a_script_file() -> None:
    embedded = _embedded_python(BackendCiOptions())
    assert embedded == {
        "security-audit/Audit dependencies/AUDIT_SUMMARY": script("audit_summary.py"),
        "deploy-readiness/Write the deployment summary/COVERAGE_SUMMARY": script(
            "coverage_summary.py"
        ),
    }


@pytest.mark.parametrize("version", TESTED_PYTHON_VERSIONS)
@pytest.mark.parametrize("name", PYTHON_SCRIPTS)
def test_embedded_python_compiles_on_every_supported_version(name: str, version: str) -> None:
    python = find_python(version)
    if python is None:
        pytest.fail(missing_python(version))
    source = script(name)
    out = subprocess.run(
        [str(python), "-c", "import sys; compile(sys.stdin.read(), sys.argv[1], 'exec')", name],
        input=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, f"{name} on Python {version}:\n{out.stderr}"


@pytest.mark.parametrize("name", SHELL_SCRIPTS)
def test_shell_scripts_pass_shellcheck(name: str) -> None:
    out = subprocess.run(
        [str(BIN / "shellcheck"), "--shell=bash", "--severity=style", str(SCRIPTS / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_bug_logger_script_is_valid_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: install Node.js (Debian: apt-get install nodejs)")
    # actions/github-script runs the script as the body of an async function.
    wrapped = tmp_path / "bug_logger.js"
    wrapped.write_text(
        f"(async (github, context, core) => {{\n{script('bug_logger.js')}\n}});\n",
        encoding="utf-8",
    )
    out = subprocess.run([node, "--check", str(wrapped)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def _coverage_report(path: Path, percent: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"totals": {"percent_covered": percent}}), encoding="utf-8")


def test_deployment_summary_step_writes_the_coverage_line(tmp_path: Path) -> None:
    """Runs the rendered step as a runner does (bash -e, the step's env). The render before this
    test existed failed here: its inline `python3 -c` was a SyntaxError on every version."""
    step = _steps(BackendCiOptions())["deploy-readiness/Write the deployment summary"]
    _coverage_report(tmp_path / "coverage" / "coverage-report" / "coverage.json", 87.456)
    summary = tmp_path / "summary.md"
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_STEP_SUMMARY": str(summary),
        **{key: str(value) for key, value in step.get("env", {}).items()},
    }
    out = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    text = summary.read_text(encoding="utf-8")
    assert "- coverage/coverage-report/coverage.json: 87.5% covered" in text
    assert f"All required checks passed for commit {'0' * 40}." in text


def test_deployment_summary_without_a_report_says_so(tmp_path: Path) -> None:
    step = _steps(BackendCiOptions())["deploy-readiness/Write the deployment summary"]
    summary = tmp_path / "summary.md"
    env = {"PATH": "/usr/bin:/bin", "GITHUB_SHA": "abc", "GITHUB_STEP_SUMMARY": str(summary)}
    out = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "- No coverage report was downloaded." in summary.read_text(encoding="utf-8")


def test_actionlint_runs_shellcheck_on_run_scripts(tmp_path: Path) -> None:
    """actionlint only checks `run:` scripts when it finds shellcheck: prove that it does."""
    workflow = tmp_path / "bad.yml"
    workflow.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo $UNQUOTED_VARIABLE\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", f"-shellcheck={BIN / 'shellcheck'}", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "SC2086" in out.stdout
