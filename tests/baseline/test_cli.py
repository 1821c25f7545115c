"""`repo-baseline`, the command: full help, any directory, each problem once."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from baseline.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "Pulumi.example.yaml"
COMMAND = Path(sys.executable).with_name("repo-baseline")


def test_help_of_the_command_lists_its_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "usage: repo-baseline [-h] [--version] COMMAND" in out
    assert "plan      what `pulumi up` would do, offline" in out
    assert "heal      before `pulumi up`: finish what a run that died left" in out


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert capsys.readouterr().out == f"repo-baseline {project['version']}\n"


def test_help_of_plan_says_every_option_and_the_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    out = capsys.readouterr().out
    for text in ("--config PATH", "--json", "--out DIR", "exit codes: 0 planned", "examples:"):
        assert text in out


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert COMMAND.exists(), f"{COMMAND} is missing: `make setup` installs it"
    return subprocess.run(
        [str(COMMAND), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_installed_command_plans_from_another_directory(tmp_path: Path) -> None:
    listing = ROOT / "examples" / "inventory.json"
    done = _command("plan", "--config", str(EXAMPLE), "--inventory", str(listing), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 repositories (2 created, 1 adopted)" in done.stdout


def test_a_stack_file_of_any_name_is_planned_with_its_stack_name(tmp_path: Path) -> None:
    (tmp_path / "solo.yaml").write_text(
        "config:\n  github:owner: example-org\n  repo-baseline:repositories:\n    - name: solo\n",
        encoding="utf-8",
    )
    refused = _command("plan", "--config", "solo.yaml", cwd=tmp_path)
    assert refused.returncode == 2
    assert "(--stack NAME)" in refused.stderr
    done = _command("plan", "--config", "solo.yaml", "--stack", "prod", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Plan of stack prod" in done.stdout


def test_without_config_the_only_stack_file_here_is_planned(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.solo.yaml").write_text(
        "config:\n  github:owner: example-org\n  repo-baseline:repositories:\n    - name: solo\n",
        encoding="utf-8",
    )
    done = _command("plan", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Plan of stack solo" in done.stdout
    assert "1 repository (1 created, 0 adopted)" in done.stdout
    (tmp_path / "Pulumi.other.yaml").write_text("config: {}\n", encoding="utf-8")
    done = _command("plan", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"repo-baseline plan: 2 stack files in {tmp_path} (Pulumi.other.yaml, "
        "Pulumi.solo.yaml); choose one with --config\n"
    )


def test_a_file_problem_names_the_file_once(tmp_path: Path) -> None:
    missing = tmp_path / "Pulumi.gone.yaml"
    done = _command("plan", "--config", str(missing), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"{missing}: found a file that cannot be read (No such file or directory); "
        "allowed: a readable stack file\n"
    )
