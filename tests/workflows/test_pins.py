"""Pins: where they live, that every file agrees, and that a bot's update needs no re-render."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows.conftest import VARIANTS
from workflows.backend_ci import backend_ci
from workflows.options import SERVICES
from workflows.pins import PINS_FILE, parse_pins, pins, uses_lines
from workflows.render import render
from workflows.services import IMAGES_FILE, service_image

ROOT = Path(__file__).resolve().parents[2]
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
RENDERED = ROOT / "workflows" / "rendered" / "backend-ci.yml"
# git's null object id: no commit has it, so a pin made of it can only be a stand-in (below).
NULL_SHA = "0" * 40


def _dependabot_actions() -> dict[str, Any]:
    return _dependabot_entry("github-actions")


def _dependabot_entry(ecosystem: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(DEPENDABOT.read_text(encoding="utf-8"))
    [entry] = [u for u in config["updates"] if u["package-ecosystem"] == ecosystem]
    found: dict[str, Any] = entry
    return found


def bot_files(root: Path) -> list[Path]:
    """The files Dependabot's github-actions ecosystem reads for the configured folders:
    `/` is `.github/workflows/*.y(a)ml` plus a root `action.y(a)ml`; any other folder is every
    `*.y(a)ml` in it (dependabot-core github_actions/file_fetcher.rb)."""
    files: list[Path] = []
    for directory in _dependabot_actions()["directories"]:
        if directory == "/":
            folder = root / ".github" / "workflows"
            files += [
                root / name for name in ("action.yml", "action.yaml") if (root / name).exists()
            ]
        else:
            folder = root / directory.strip("/")
        files += sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml"))
    return files


def bot_update(root: Path, action: str, old: tuple[str, str], new: tuple[str, str]) -> list[Path]:
    """What Dependabot's pull request does to one action's pin: in every file it reads, each
    `uses: ACTION@OLD_SHA # OLD_RELEASE` line gets the new SHA, and the release in its comment is
    replaced by the new one (dependabot-core workflow_updater.rb, version_commenter.rb)."""
    (old_sha, old_version), (new_sha, new_version) = old, new
    line = re.compile(
        rf"^(\s*(?:-\s+)?uses:\s*){re.escape(action)}@{old_sha}(\s+#.*)$", re.MULTILINE
    )

    def bump(match: re.Match[str]) -> str:
        comment = match.group(2).replace(old_version, new_version)
        return f"{match.group(1)}{action}@{new_sha}{comment}"

    changed = []
    for path in bot_files(root):
        text = path.read_text(encoding="utf-8")
        updated = line.sub(bump, text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed


# The pin file ------------------------------------------------------------------------------


def test_every_action_the_generator_uses_is_pinned_and_every_pin_is_used() -> None:
    used = {
        found.action
        for options in VARIANTS.values()
        for found in uses_lines(render(backend_ci(options)))
    }
    assert used == set(pins())


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("uses: actions/checkout@v7 # v7", "not a full commit SHA"),
        (f"uses: actions/checkout@{'a' * 40}", "needs its release"),
        (f"uses: actions/checkout@{'a' * 40} # pinned by hand", "needs its release"),
    ],
)
def test_a_pin_without_a_sha_and_its_release_is_refused(line: str, problem: str) -> None:
    text = f"runs:\n  using: composite\n  steps:\n    - {line}\n"
    with pytest.raises(ValueError, match=problem):
        parse_pins(text, "pins.yml")


def test_an_action_pinned_twice_is_refused() -> None:
    step = f"    - uses: actions/checkout@{'a' * 40} # v7.0.1\n"
    with pytest.raises(ValueError, match="pinned twice"):
        parse_pins(f"runs:\n  using: composite\n  steps:\n{step}{step}", "pins.yml")


def test_zizmor_pedantic_finds_nothing_in_the_pin_file() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    args = [str(zizmor), "--offline", "--no-progress", "--persona", "pedantic", str(PINS_FILE)]
    out = subprocess.run(args, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "No findings to report" in out.stdout


# Where the bot finds them -----------------------------------------------------------------


def test_dependabot_updates_every_file_that_holds_a_pin() -> None:
    entry = _dependabot_actions()
    assert entry["directories"] == ["/", "/workflows/action-pins", "/workflows/rendered"]
    # One group: a pin moves in every folder in one pull request.
    assert [group["patterns"] for group in entry["groups"].values()] == [["*"]]
    holders = {path.resolve() for path in bot_files(ROOT)}
    assert PINS_FILE.resolve() in holders
    assert RENDERED.resolve() in holders
    assert set((ROOT / ".github" / "workflows").glob("*.yml")) <= holders


def test_every_file_the_bot_updates_pins_each_action_alike() -> None:
    # A half-applied bump (one folder moved, another not) fails here, before anything renders.
    seen: dict[str, set[tuple[str, str | None]]] = {}
    for path in bot_files(ROOT):
        for found in uses_lines(path.read_text(encoding="utf-8")):
            seen.setdefault(found.action, set()).add((found.ref, found.comment))
    for action, refs in seen.items():
        assert len(refs) == 1, f"{action} is pinned differently across files: {refs}"
    for action, pin in pins().items():
        assert seen[action] == {(pin.sha, pin.version)}


def test_service_images_are_pinned_by_digest_where_dependabot_updates_them() -> None:
    entry = _dependabot_entry("docker-compose")
    assert entry["directory"] == f"/{IMAGES_FILE.parent.relative_to(ROOT).as_posix()}"
    assert IMAGES_FILE.name == "compose.yml"  # a name Dependabot's docker-compose fetcher takes
    rendered = render(backend_ci(VARIANTS["adopted-backend"]))
    for name in SERVICES:
        image = service_image(name)
        assert re.fullmatch(r"[a-z]+:\d+@sha256:[0-9a-f]{64}", image), image
        assert f"image: {image}" in rendered
    # A digest moves with its tag's rebuilds; a new major version waits for a person.
    assert entry["ignore"] == [
        {"dependency-name": "*", "update-types": ["version-update:semver-major"]}
    ]


# A bot's pull request --------------------------------------------------------------------


def _copy_of_the_repository(tmp_path: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    copy = tmp_path / "repo"
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


def _python(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=copy, capture_output=True, text=True)


def _renders(copy: Path) -> str:
    """Every variant's workflow, rendered by the copy's own code from the copy's pin file."""
    code = (
        "from tests.workflows.conftest import VARIANTS\n"
        "from workflows.backend_ci import backend_ci\n"
        "from workflows.render import render\n"
        "for options in VARIANTS.values(): print(render(backend_ci(options)))\n"
    )
    done = _python(copy, "-c", code)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_bot_update_of_one_pin_needs_no_re_render(tmp_path: Path) -> None:
    """Dependabot bumps actions/checkout. The facts this project pins from list one verified
    release per action, so there is no second real SHA to bump to; rather than invent one, the
    tree before the bump is made by moving the pin back to git's null id (a stand-in no commit
    can have), and the bump brings it to the verified pin, exactly as the bot would."""
    action = "actions/checkout"
    real = (pins()[action].sha, pins()[action].version)
    stand_in = (NULL_SHA, "v0.0.0")
    copy = _copy_of_the_repository(tmp_path)
    originals = {path: path.read_bytes() for path in bot_files(copy)}

    # Before: the stand-in everywhere, and consistent (the drift check passes there too).
    bot_update(copy, action, real, stand_in)
    assert _python(copy, "-m", "workflows", "check").returncode == 0
    assert f"{action}@{NULL_SHA} # v0.0.0" in _renders(copy)

    # The bot's pull request: the same line edit, in every file it reads, nothing else.
    changed = bot_update(copy, action, stand_in, real)
    names = {path.relative_to(copy).as_posix() for path in changed}
    assert {"workflows/action-pins/action.yml", "workflows/rendered/backend-ci.yml"} <= names
    assert any(name.startswith(".github/workflows/") for name in names)
    # It gives exactly the files a person would get by editing the pin and re-rendering.
    assert {path: path.read_bytes() for path in bot_files(copy)} == originals

    # `make test`'s checks of pins, renders and workflows pass on it, with no re-render.
    check = _python(copy, "-m", "workflows", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    renders = _renders(copy)
    assert NULL_SHA not in renders
    assert renders.count(f"{action}@{real[0]} # {real[1]}") >= len(VARIANTS)
    tests = _python(
        copy,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/workflows/test_render.py",
        "tests/workflows/test_pins.py",
        "tests/test_repository_workflows.py",
        "-k",
        "not bot_update",
    )
    assert tests.returncode == 0, tests.stdout[-4000:]
