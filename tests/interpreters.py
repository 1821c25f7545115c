"""Find the real CPython interpreter of a version (`3.12`): on PATH, else in pyenv's versions."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path


def _runs(candidate: str, version: str) -> bool:
    # A pyenv shim is on PATH for every installed version but runs only the selected ones.
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    try:
        out = subprocess.run(
            [candidate, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == version


@cache
def find_python(version: str) -> Path | None:
    """The interpreter of `version`, or None when this machine has none."""
    candidates: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for found in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}")):
        candidates.append(str(found))
    candidates.append(f"/usr/bin/python{version}")
    for candidate in candidates:
        if Path(candidate).exists() and _runs(candidate, version):
            return Path(candidate)
    return None


def missing_python(version: str) -> str:
    """What to say when `version` has no interpreter here: how to get one."""
    return (
        f"no Python {version} interpreter on this machine (looked on PATH and in pyenv's "
        f"versions): install it, e.g. `pyenv install {version}`, or Debian's python{version}"
    )
