"""The pipeline's per-repository options in the stack config: defaults, values, refusals."""

from __future__ import annotations

import pytest

from baseline.stack.errors import ConfigError, ConfigErrors
from baseline.stack.validation import parse_settings
from workflows.options import BackendCiOptions


def _options(pipeline: dict[str, object]) -> BackendCiOptions:
    settings = parse_settings(None, [{"name": "shop", "pipeline": pipeline}])
    return settings.repositories[0].pipeline.options


def _errors(pipeline: dict[str, object]) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as raised:
        parse_settings(None, [{"name": "shop", "pipeline": pipeline}])
    return list(raised.value.errors)


def test_defaults_are_the_seed_commands() -> None:
    options = _options({})
    assert (options.lint_command, options.type_check_command) == ("make lint", "make type-check")
    assert options.format_command is None  # the formatter's own check
    assert options.format_check == ("poetry run black --check .", "Format Check (Black)")
    assert options.pytest == "poetry run pytest"
    assert (options.coverage_source, options.services) == ((), ())
    assert (options.deploy_settings_module, options.deploy_fail_level) == (None, "ERROR")
    assert options.fail_on_changed_files is True


def test_every_option_is_read() -> None:
    options = _options(
        {
            "lint_command": "poetry run ruff check .",
            "format_command": "poetry run ruff format --check .",
            "type_check_command": " poetry run mypy src ",
            "test_command": "poetry run pytest -x",
            "coverage_source": ["src"],
            "services": ["postgres", "redis"],
            "deploy_settings_module": "config.settings.production",
            "deploy_fail_level": "WARNING",
            "fail_on_changed_files": False,
        }
    )
    assert options.type_check_command == "poetry run mypy src"
    assert options.services == ("postgres", "redis")
    assert options.coverage_source == ("src",)
    assert options.deploy_fail_level == "WARNING"
    assert options.fail_on_changed_files is False


def test_defaults_layer_sets_services_for_every_repository() -> None:
    settings = parse_settings(
        {"pipeline": {"services": ["postgres"]}}, [{"name": "a"}, {"name": "b"}]
    )
    assert [r.pipeline.options.services for r in settings.repositories] == [("postgres",)] * 2


@pytest.mark.parametrize(
    ("key", "value", "found", "allowed"),
    [
        ("lint_command", "", '""', "a shell command on one line"),
        ("lint_command", "make lint\nmake more", '"make lint\\nmake more"', "on one line"),
        # A trailing newline too: the schema's patterns match the whole string, as in an editor.
        ("lint_command", "make lint\n", '"make lint\\n"', "on one line"),
        ("test_command", "pytest ${{ github.head_ref }}", "${{", "without ${{ }} expressions"),
        ("services", ["mysql"], '"mysql"', "one of: postgres, redis"),
        ("services", "postgres", '"postgres"', "a list of service presets"),
        ("coverage_source", ["../other"], '"../other"', "relative to working_directory"),
        ("deploy_settings_module", "config/settings.py", "config/settings.py", "dotted Python"),
        ("deploy_fail_level", "WARN", '"WARN"', 'did you mean "WARNING"?'),
        ("fail_on_changed_files", "yes", '"yes"', "true or false"),
        ("secrets", ["GITHUB_TOKEN"], '"GITHUB_TOKEN"', "not starting with a digit or GITHUB_"),
        ("secrets", ["github_pat"], '"github_pat"', "not starting with a digit or GITHUB_"),
        ("secrets", ["1KEY"], '"1KEY"', "letters, digits and '_'"),
        ("secrets", ["SECRET-KEY"], '"SECRET-KEY"', "letters, digits and '_'"),
        ("secrets", "DJANGO_SECRET_KEY", '"DJANGO_SECRET_KEY"', "a list of secret names"),
        ("formatter", "Ruff", '"Ruff"', 'did you mean "ruff"?'),
        ("env", {"GITHUB_TOKEN": "x"}, '"GITHUB_TOKEN"', "not starting with a digit, GITHUB_"),
        ("env", {"DEBUG": "${{ secrets.X }}"}, "${{", "without ${{ }} expressions"),
        ("env", ["DEBUG=1"], "a list of 1", "a mapping of names to plain strings"),
    ],
)
def test_bad_values_name_the_path_the_value_and_what_is_allowed(
    key: str, value: object, found: str, allowed: str
) -> None:
    errors = _errors({key: value})
    assert len(errors) == 1
    error = errors[0]
    assert error.path.startswith(f"repositories[0].pipeline.{key}")
    assert found in error.found
    assert allowed in error.allowed


def test_duplicate_services_are_refused() -> None:
    (error,) = _errors({"services": ["postgres", "postgres"]})
    assert error.path == "repositories[0].pipeline.services[1]"


def test_secrets_are_read_as_named() -> None:
    assert _options({"secrets": ["DJANGO_SECRET_KEY", "SENTRY_DSN"]}).secrets == (
        "DJANGO_SECRET_KEY",
        "SENTRY_DSN",
    )


def test_a_secret_the_pipeline_sets_itself_is_refused() -> None:
    # The secret would replace the service's DATABASE_URL in the test step.
    (error,) = _errors({"services": ["postgres"], "secrets": ["DATABASE_URL", "API_KEY"]})
    assert error.path == "repositories[0].pipeline.secrets"
    assert error.found.startswith('["DATABASE_URL"], which the pipeline sets itself')
    assert "names other than DATABASE_URL, PGDATABASE" in error.allowed


def test_the_formatter_is_read_and_a_null_command_is_the_formatters() -> None:
    options = _options({"formatter": "ruff", "format_command": None})
    assert options.format_check == ("poetry run ruff format --check .", "Format Check (Ruff)")


def test_env_is_read_in_order_and_clashes_are_refused() -> None:
    options = _options({"env": {"DJANGO_DEBUG": "false", "TZ": "UTC"}})
    assert options.env == (("DJANGO_DEBUG", "false"), ("TZ", "UTC"))
    (error,) = _errors({"env": {"KEY": "x"}, "secrets": ["KEY"]})
    assert error.path == "repositories[0].pipeline.secrets"
    assert error.found == '["KEY"], also given a plain value in env'
    (error,) = _errors({"env": {"PYTHONPATH": "lib"}})
    assert error.path == "repositories[0].pipeline.env"
    assert error.found.startswith('["PYTHONPATH"], which the pipeline sets itself')
