"""`pipeline.package_manager` and `pipeline.requirements` in the stack config."""

from __future__ import annotations

import pytest

from baseline.stack.errors import ConfigErrors
from baseline.stack.validation import parse_settings


def _parse(defaults: dict[str, object] | None, pipeline: dict[str, object]) -> object:
    return parse_settings(defaults, [{"name": "shop", "pipeline": pipeline}])


@pytest.mark.parametrize(
    ("manager", "pytest_command", "format_command"),
    [
        ("poetry", "poetry run pytest", "poetry run black --check ."),
        ("uv", "uv run pytest", "uv run black --check ."),
        ("pip", "python -m pytest", "black --check ."),
    ],
)
def test_the_default_commands_follow_the_package_manager(
    manager: str, pytest_command: str, format_command: str
) -> None:
    settings = parse_settings(None, [{"name": "shop", "pipeline": {"package_manager": manager}}])
    options = settings.repositories[0].pipeline.options
    assert options.pytest == pytest_command
    assert options.format_check == (format_command, "Format Check (Black)")


def test_an_unknown_package_manager_is_refused_naming_the_three() -> None:
    with pytest.raises(ConfigErrors) as raised:
        _parse(None, {"package_manager": "pipenv"})
    (error,) = raised.value.errors
    assert error.path == "repositories[0].pipeline.package_manager"
    assert '"pipenv"' in error.found
    assert all(name in error.allowed for name in ("poetry", "uv", "pip"))


def test_requirement_files_are_read_with_pip() -> None:
    settings = parse_settings(
        None,
        [{"name": "shop", "pipeline": {"package_manager": "pip", "requirements": ["req/ci.txt"]}}],
    )
    assert settings.repositories[0].pipeline.options.requirements == ("req/ci.txt",)


def test_requirement_files_with_another_manager_are_refused() -> None:
    with pytest.raises(ConfigErrors) as raised:
        _parse(None, {"package_manager": "uv", "requirements": ["requirements.txt"]})
    (error,) = raised.value.errors
    assert error.path == "repositories[0].pipeline.requirements"
    assert '["requirements.txt"] with package_manager "uv"' in error.found
    assert 'package_manager "pip" only' in error.allowed


def test_a_repository_may_switch_away_from_pip_under_defaults_that_name_requirement_files() -> None:
    settings = parse_settings(
        {"pipeline": {"package_manager": "pip", "requirements": ["requirements/ci.txt"]}},
        [{"name": "shop", "pipeline": {"package_manager": "uv"}}],
    )
    assert settings.repositories[0].pipeline.options.package_manager == "uv"


@pytest.mark.parametrize(
    "path", ["/etc/requirements.txt", "../requirements.txt", "req/../../x.txt", "a b.txt"]
)
def test_a_requirement_file_outside_the_backend_or_with_spaces_is_refused(path: str) -> None:
    with pytest.raises(ConfigErrors) as raised:
        _parse(None, {"package_manager": "pip", "requirements": [path]})
    (error,) = raised.value.errors
    assert error.path == "repositories[0].pipeline.requirements[0]"
    assert "relative to working_directory" in error.allowed
