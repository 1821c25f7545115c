"""Session fixtures of the pipeline end-to-end tests: the machine, PostgreSQL, the sample.

Collected only under `make pipeline-e2e` (PIPELINE_E2E=1), which installs Poetry and PostgreSQL
first; `make test` leaves these tests out. The prepared sample (its lock file, Poetry's download
cache) lives in PIPELINE_E2E_HOME and is shared by every run of a session and by later sessions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testing.pipeline_runner import LocalPostgres, Machine, PostgresServices
from tests.interpreters import find_python, missing_python
from tests.pipeline_e2e import sample
from workflows.options import PackageManager

ENABLED = os.environ.get("PIPELINE_E2E") == "1"
if not ENABLED:
    collect_ignore = [
        "test_pipeline.py",
        "test_bug_logger.py",
        "test_package_managers.py",
        "test_merge_queue.py",
    ]

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# Variables of this machine that a job keeps (how to reach the package index, certificates).
PASSED_THROUGH = ("PIP_", "SSL_CERT_", "REQUESTS_CA_BUNDLE", "LANG", "LC_ALL", "TZ")


def interpreter(version: str) -> Path:
    found = find_python(version)
    if found is None:
        raise RuntimeError(missing_python(version))
    return found


@pytest.fixture(scope="session")
def home() -> Path:
    path = Path(os.environ.get("PIPELINE_E2E_HOME", ROOT / ".venv" / "pipeline-e2e")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def poetry() -> Path:
    configured = os.environ.get("PIPELINE_E2E_POETRY") or shutil.which("poetry")
    if not configured or not Path(configured).exists():
        pytest.fail("no Poetry: run `make pipeline-e2e`, which installs the pinned one")
    return Path(configured)


@pytest.fixture(scope="session")
def uv() -> Path:
    configured = os.environ.get("PIPELINE_E2E_UV") or shutil.which("uv")
    if not configured or not Path(configured).exists():
        pytest.fail("no uv: run `make pipeline-e2e`, which installs the pinned one")
    return Path(configured)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    server = LocalPostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def machine_env(home: Path) -> dict[str, str]:
    """The environment every job starts from: a system PATH, shared download caches."""
    env = {
        key: value
        for key, value in os.environ.items()
        if any(key.startswith(prefix) for prefix in PASSED_THROUGH)
    }
    (home / "poetry-config").mkdir(exist_ok=True)
    env.update(
        {
            "PATH": SYSTEM_PATH,
            "POETRY_CACHE_DIR": str(home / "poetry-cache"),
            "POETRY_CONFIG_DIR": str(home / "poetry-config"),
            "PIP_CACHE_DIR": str(home / "pip-cache"),
            "UV_CACHE_DIR": str(home / "uv-cache"),
            # A runner's Python comes from setup-python: uv must use it, never download one.
            "UV_PYTHON_DOWNLOADS": "never",
            # No desktop keyring on a runner: Poetry must not wait for one.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "LANG": env.get("LANG", "C.UTF-8"),
        }
    )
    return env


@pytest.fixture(scope="session")
def machine(
    poetry: Path, uv: Path, postgres: LocalPostgres, machine_env: dict[str, str]
) -> Machine:
    return Machine(
        python=interpreter,
        poetry=poetry,
        uv=uv,
        env=machine_env,
        services=PostgresServices(postgres),
    )


@pytest.fixture(scope="session")
def sample_template(
    home: Path, poetry: Path, machine_env: dict[str, str], pipeline_options: object
) -> Path:
    """The sample repository, built once per definition and kept in PIPELINE_E2E_HOME."""
    from workflows.options import BackendCiOptions

    assert isinstance(pipeline_options, BackendCiOptions)
    version = pipeline_options.python_version
    index_url = sample.pip_index_url()
    target = home / f"sample-{sample.definition_key(version, index_url)}"
    if (target / ".git").is_dir():
        return target
    building = Path(tempfile.mkdtemp(prefix="sample-", dir=home))
    python_bin = Path(tempfile.mkdtemp(prefix="python-", dir=home))
    (python_bin / "python").symlink_to(interpreter(version))
    (python_bin / "python3").symlink_to(interpreter(version))
    env = {
        **machine_env,
        "PATH": f"{python_bin}:{poetry.parent}:{machine_env['PATH']}",
        "POETRY_VIRTUALENVS_IN_PROJECT": "true",
    }
    sample.build(building, pipeline_options.working_directory, env)
    shutil.rmtree(python_bin)
    building.rename(target)
    return target


@pytest.fixture(scope="session")
def managed_template(
    sample_template: Path, home: Path, uv: Path, machine_env: dict[str, str]
) -> Callable[[PackageManager, str], Path]:
    """`(manager, working_directory)` -> the sample managed by uv or pip (`sample.convert`),
    built once per definition of the Poetry sample and kept beside it."""

    def build(manager: PackageManager, working_directory: str) -> Path:
        target = sample_template.with_name(f"{sample_template.name}-{manager}")
        if (target / ".git").is_dir():
            return target
        building = Path(tempfile.mkdtemp(prefix=f"sample-{manager}-", dir=home))
        building.rmdir()
        clone(sample_template, building)
        env = {**machine_env, "PATH": f"{uv.parent}:{machine_env['PATH']}"}
        sample.convert(building, working_directory, manager, env)
        building.rename(target)
        return target

    return build


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="pipeline-e2e-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def clone(template: Path, destination: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(template), str(destination)], check=True)
    return destination
