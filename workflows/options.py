"""Options of the backend CI pipeline: what a repository may change about it.

Each option is declared once (`workflows.declared.setting`): its type and default are the
field's, and its declaration says what it means and what values it allows. The stack config's
schema, its validation and the configuration reference are read from these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from workflows.declared import array, refused, setting, string

DEFAULT_PYTHON_VERSION = "3.12"

# The Python versions the scripts embedded in the pipeline are compiled on by the tests (real
# interpreters of each): the versions a repository can be expected to configure.
TESTED_PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")

ServiceName = Literal["postgres", "redis"]
SERVICES: tuple[ServiceName, ...] = ("postgres", "redis")

PackageManager = Literal["poetry", "uv", "pip"]
PACKAGE_MANAGERS: tuple[PackageManager, ...] = ("poetry", "uv", "pip")
# How each package manager runs a command in the backend's environment: pip installs into the
# job's Python itself, so its commands run as they are.
RUN_PREFIX: dict[PackageManager, str] = {"poetry": "poetry run ", "uv": "uv run ", "pip": ""}
# pytest as each package manager runs it (pip: the interpreter's module, so `src` need not be
# importable from the pytest script's own directory).
TEST_COMMANDS: dict[PackageManager, str] = {
    "poetry": "poetry run pytest",
    "uv": "uv run pytest",
    "pip": "python -m pytest",
}
# What builds the package's sdist and wheel into dist/ (pip has no build command; `pip wheel`
# builds the wheel through the project's build backend, as `python -m build` would).
BUILD_COMMANDS: dict[PackageManager, str] = {
    "poetry": "poetry build",
    "uv": "uv build",
    "pip": "python -m pip wheel --no-deps --wheel-dir dist .",
}

Formatter = Literal["black", "ruff"]
# What each formatter's check runs (after the package manager's prefix), and the Format Check
# job's name (its required check).
FORMAT_CHECKS: dict[Formatter, tuple[str, str]] = {
    "black": ("black --check .", "Format Check (Black)"),
    "ruff": ("ruff format --check .", "Format Check (Ruff)"),
}

# The lint and type-check tools a team names: only the jobs' names (their required checks) follow
# them; the commands stay the team's own (`lint_command`, `type_check_command`).
Linter = Literal["ruff", "flake8", "pylint"]
LINT_CHECKS: dict[Linter, str] = {
    "ruff": "Lint Check (Ruff)",
    "flake8": "Lint Check (Flake8)",
    "pylint": "Lint Check (Pylint)",
}
TypeChecker = Literal["mypy", "pyright"]
TYPE_CHECKS: dict[TypeChecker, str] = {
    "mypy": "Type Check (MyPy)",
    "pyright": "Type Check (Pyright)",
}

# What the Bug Logger job does when a run fails: keep one open issue per workflow and branch
# (a new failure comments on it), comment on the failing pull request only, or nothing (no job).
BugLogger = Literal["issue", "comment", "off"]

# Django's `check --fail-level` values, least severe first.
FailLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
FAIL_LEVELS: tuple[FailLevel, ...] = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

PYTHON_VERSION = string(r"3\.\d{1,2}", 'a quoted Python version like "3.12"')
# Said when YAML read a version as a number (`3.10` is 3.1).
PYTHON_VERSION_AS_NUMBER = ' (YAML reads an unquoted 3.10 as 3.1; quote it: "3.10")'
# git check-ref-format, for a branch: no control characters, spaces or ~^:?*[\, no `..`, `@{`,
# `//` or `/.`, no component ending in `.lock`; not starting with `.`, `/` or `-`, not ending
# with `/` or `.`, and not `@` alone.
_BRANCH_NAME = (
    r"(?![./-])(?!@$)(?!.*(?:\.\.|@\{|//|/\.|\.lock/|\.lock$))[^\x00-\x20\x7f~^:?*\[\\]+(?<![/.])"
)
# One line, not blank, no `${{ }}` (a workflow expression inside a script is an injection risk).
_COMMAND = string(
    r"(?![\s\S]*(?:\n|\$\{\{))\s*\S[\s\S]*",
    'a shell command on one line, like "make lint", without ${{ }} expressions (a workflow '
    "expression inside a script is a code injection risk)",
)
WORKING_DIRECTORY_ALLOWED = (
    "a relative path inside the repository of letters, digits, '.', '_', '-' and '/' "
    "('.' is the root)"
)
# GitHub Docs, "Using secrets in GitHub Actions", "Naming your secrets": letters, digits and
# underscores, not starting with a digit nor with the GITHUB_ prefix (in any case).
_SECRET_NAME = string(
    r"(?![Gg][Ii][Tt][Hh][Uu][Bb]_)[A-Za-z_][A-Za-z0-9_]*",
    "a secret name: letters, digits and '_', not starting with a digit or GITHUB_",
)


# An environment variable the pipeline sets for the project: what a secret's name may be, and
# not GitHub's own prefixes (GitHub Docs, "Store information in variables", "Naming conventions
# for environment variables": GITHUB_ is reserved; RUNNER_ is the runner's).
_ENV_NAME = string(
    r"(?![Gg][Ii][Tt][Hh][Uu][Bb]_|[Rr][Uu][Nn][Nn][Ee][Rr]_)[A-Za-z_][A-Za-z0-9_]*",
    "a variable name: letters, digits and '_', not starting with a digit, GITHUB_ or RUNNER_",
)


@dataclass(frozen=True)
class BackendCiOptions:
    """Per-repository knobs of `backend_ci`; every field has the seed's value as default.

    `python_versions` empty means "just `python_version`"; use `versions` to read the effective
    list. Validation of user input lives in `baseline.stack.validation`; this class trusts its
    caller.
    """

    working_directory: str = setting(
        "backend",
        description="where the backend lives, relative to the repository root (`.` for the root)",
        schema={
            **string(r"[A-Za-z0-9._/-]+", WORKING_DIRECTORY_ALLOWED),
            "allOf": [
                refused("^/", "an absolute path", WORKING_DIRECTORY_ALLOWED),
                refused(r"^\.\.(/|$)", "it leaves the repository", WORKING_DIRECTORY_ALLOWED),
            ],
        },
    )
    python_version: str = setting(
        DEFAULT_PYTHON_VERSION,
        description="Python for every job; quote it (YAML reads `3.10` as 3.1). A CPython line "
        "supported on the day of the run (3.11 to 3.15 in December 2026): a line past its end of "
        "life is refused, with the supported ones named",
        schema=PYTHON_VERSION,
        shown_default=f'`"{DEFAULT_PYTHON_VERSION}"`',
    )
    python_versions: tuple[str, ...] = setting(
        (),
        description="Python versions of the test job, each a supported CPython line; more than "
        "one makes it a matrix, with one required check per version",
        schema=array(
            PYTHON_VERSION,
            'a non-empty list of quoted Python versions like ["3.12", "3.13"] (leave it out to '
            "test on python_version only)",
            minItems=1,
            uniqueItems=True,
        ),
        shown_default="`[python_version]`",
    )
    coverage_threshold: int = setting(
        80,
        description="minimum coverage in percent (0-100), enforced by the workflow "
        "(`--cov-fail-under`)",
        schema={"minimum": 0, "maximum": 100, "errorMessage": "an integer from 0 to 100 (percent)"},
    )
    pr_branches: tuple[str, ...] = setting(
        ("main", "bau/**"),
        description="branch filters of the `pull_request` trigger; one must match `default_branch`",
        schema=array(
            string(r"!?[^\s!]\S*", 'a branch pattern without spaces, like "main" or "bau/**"'),
            'a non-empty list of branch patterns like ["main", "bau/**"]',
            minItems=1,
        ),
    )
    default_branch: str = setting(
        "main",
        description="the repository's default branch: the workflow is committed there, and "
        "pushes to it trigger deployment readiness. A new repository must use `main` (GitHub's "
        "`auto_init` makes its first commit there, and the workflow file can only be committed "
        "to a branch that exists); for another branch, create the repository with it and adopt "
        "it (`adopt: true`)",
        schema=string(
            _BRANCH_NAME,
            "a git branch name like main (no spaces or ~ ^ : ? * [ \\, no '..' or '@{', not "
            "starting with '.', '/' or '-', not ending with '/', '.' or '.lock')",
        ),
    )
    package_manager: PackageManager = setting(
        "poetry",
        description="how the backend's dependencies are installed and its commands run: `poetry` "
        "(`poetry install` and `poetry run`, the virtualenv cached on `poetry.lock`), `uv` "
        "(astral-sh/setup-uv, `uv sync --locked` and `uv run`, uv's cache keyed on `uv.lock`) "
        "or `pip` (`pip install -r` each of `requirements`, pip's cache keyed on them, commands "
        "run as they are)",
    )
    requirements: tuple[str, ...] = setting(
        ("requirements.txt", "requirements-dev.txt"),
        description="with `package_manager: pip`, the requirement files installed (`pip install "
        "-r` each, in order), relative to `working_directory`; they must bring the test and "
        "check tools (pytest, pytest-cov, the formatter)",
        schema=array(
            string(
                r"(?!/)(?!.*\.\.)[A-Za-z0-9._/-]+",
                'a file relative to working_directory, like "requirements-dev.txt"',
            ),
            'a non-empty list of requirement files like ["requirements.txt", '
            '"requirements-dev.txt"]',
            minItems=1,
            uniqueItems=True,
        ),
    )
    # The commands of the check jobs, run in `working_directory` after the install.
    lint_command: str = setting(
        "make lint",
        description="the command of the Lint Check job (one line, no `${{ }}`)",
        schema=_COMMAND,
    )
    linter: Linter = setting(
        "ruff",
        description="the linter `lint_command` runs, which names the Lint Check job and its "
        "required check: `ruff` (`Lint Check (Ruff)`), `flake8` or `pylint`; the command stays "
        "`lint_command`",
    )
    formatter: Formatter = setting(
        "black",
        description="the formatter the Format Check job runs, and names: `black` (`Format Check "
        "(Black)`, `black --check .`) or `ruff` (`Format Check (Ruff)`, `ruff format --check .`); "
        "the required check follows the name",
    )
    format_command: str | None = setting(
        None,
        description="the command of the Format Check job; none: the formatter's own check, run "
        "by the package manager (`poetry run black --check .`)",
        schema={**_COMMAND, "type": ["string", "null"]},
    )
    type_check_command: str = setting(
        "make type-check",
        description="the command of the Type Check job",
        schema=_COMMAND,
    )
    type_checker: TypeChecker = setting(
        "mypy",
        description="the type checker `type_check_command` runs, which names the Type Check job "
        "and its required check: `mypy` (`Type Check (MyPy)`) or `pyright` (`Type Check "
        "(Pyright)`); the command stays `type_check_command`",
    )
    # pytest itself: the pipeline appends the coverage arguments (`--cov...`) to it.
    test_command: str | None = setting(
        None,
        description="pytest as the backend runs it; the pipeline appends `--cov…`, the reports "
        "and `--cov-fail-under`; none: the package manager's (`poetry run pytest`, `uv run "
        "pytest`, `python -m pytest`)",
        schema={**_COMMAND, "type": ["string", "null"]},
    )
    coverage_source: tuple[str, ...] = setting(
        (),
        description='what coverage measures, one `--cov=<source>` each (e.g. `["src"]`); '
        "empty: a bare `--cov`, so `[tool.coverage.run] source` decides, and without it the "
        "tests count too",
        schema=array(
            string(
                r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._/-]*",
                'a package or a directory relative to working_directory, like "src"',
            ),
            'a list of packages or directories like ["src"] (empty: coverage\'s own config)',
            uniqueItems=True,
        ),
    )
    # Presets in `workflows.services`.
    services: tuple[ServiceName, ...] = setting(
        (),
        description="service containers of the test job: `postgres` (sets `DATABASE_URL` and "
        "`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`), `redis` (sets `REDIS_URL`)",
        schema={
            "uniqueItems": True,
            "errorMessage": f"a list of service presets, each one of: {', '.join(SERVICES)} "
            "(empty for none)",
        },
    )
    env: tuple[tuple[str, str], ...] = setting(
        (),
        description="plain environment values the project's code needs (e.g. "
        '`{DJANGO_ALLOWED_HOSTS: "localhost"}`), set where `secrets` are and nowhere else; '
        "never a secret (the workflow file shows them); a mapping given in a layer replaces "
        "the one before, like a list",
        schema={
            "type": "object",
            "propertyNames": _ENV_NAME,
            "additionalProperties": string(
                r"(?![\s\S]*\$\{\{)[\s\S]*",
                "a plain string, without ${{ }} expressions (a secret goes in secrets)",
            ),
            "errorMessage": 'a mapping of names to plain strings, like {DJANGO_DEBUG: "false"}',
        },
        shown_default="`{}`",
    )
    secrets: tuple[str, ...] = setting(
        (),
        description="repository or organization secrets the project's code needs (e.g. "
        '`["DJANGO_SECRET_KEY"]`): each is set, under its own name, in the environment of the '
        "steps that run it (the tests, the migrations check, the deployment checks and "
        "collectstatic), never in lint, "
        "format, type check or the audit. They are the repository's or the organization's "
        "secrets, not an environment's (a job with an environment makes a deployment on every "
        "pull request). A pull request from a fork gets them empty",
        schema=array(
            _SECRET_NAME,
            'a list of secret names like ["DJANGO_SECRET_KEY"] (empty for none)',
            uniqueItems=True,
        ),
    )
    deploy_settings_module: str | None = setting(
        None,
        description="`DJANGO_SETTINGS_MODULE` of `manage.py check --deploy` and `collectstatic` "
        "(e.g. `config.settings.production`); none: what `manage.py` sets",
        schema=string(
            r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*",
            'a dotted Python module like "config.settings.production" (or null)',
            type=["string", "null"],
        ),
    )
    deploy_fail_level: FailLevel = setting(
        "ERROR",
        description="`check --deploy --fail-level`: `DEBUG`, `INFO`, `WARNING`, `ERROR` or "
        "`CRITICAL`; `ERROR` (Django's default) lets every security warning through, `WARNING` "
        "blocks on them",
    )
    fail_on_changed_files: bool = setting(
        True,
        description="after the lint, format and type-check commands, `git diff --exit-code` "
        "fails the job if the command changed tracked files (a fixer run as a check)",
    )
    migrations_check: bool = setting(
        False,
        description="before the tests, `manage.py makemigrations --check --dry-run` fails the "
        "test job when a model change has no migration (with the test job's services and "
        "secrets, so against its database when there is one)",
    )
    build: bool = setting(
        True,
        description="the Build Verification job (`poetry build`, then the deployment checks); "
        "`false` for an application that is not a package (`package-mode = false`): the job and "
        "its required check go, and `check --deploy` and `collectstatic` run in the test job, "
        "after the tests",
    )
    bug_logger: BugLogger = setting(
        "issue",
        description="what a failed run files: `issue` (one open issue per workflow and branch: "
        "the first failure opens it, later ones comment on it; on a pull request it also "
        "comments there), `comment` (a comment on the failing pull request only, nothing for "
        "other events) or `off` (no Bug Logger job, and no `issues: write` or `pull-requests: "
        "write` permission anywhere in the workflow)",
    )
    merge_queue: bool = setting(
        False,
        description="the repository uses a merge queue: the workflow also runs on `merge_group` "
        "(without a path filter), so every required check reports on the queue's groups, and "
        "the repository ruleset gets the merge queue rule. Repository rulesets only "
        "(`protection.scope: repository`, `kind: ruleset`): an organization ruleset cannot hold "
        "that rule in pulumi-github 6.15",
    )
    # `workflows.gate` says why the bug logger does not need it.
    gate: bool = setting(
        False,
        description="add the `Gate` job, which needs every required job and fails unless all "
        "succeeded; the protection then requires `Gate` alone",
    )

    @property
    def run_prefix(self) -> str:
        """What runs a command in the backend's environment (`poetry run `, `uv run `, or
        nothing for pip)."""
        return RUN_PREFIX[self.package_manager]

    @property
    def format_check(self) -> tuple[str, str]:
        """The Format Check job's command and name."""
        command, name = FORMAT_CHECKS[self.formatter]
        return (self.format_command or f"{self.run_prefix}{command}"), name

    @property
    def pytest(self) -> str:
        """pytest as the test job runs it, before the coverage arguments."""
        return self.test_command or TEST_COMMANDS[self.package_manager]

    @property
    def versions(self) -> tuple[str, ...]:
        """The Python versions the test job runs on (more than one makes it a matrix)."""
        return self.python_versions or (self.python_version,)
