"""The sample backend the pipeline runs on: a Django + Poetry project under the working directory.

Built for real: `django-admin startproject` and `startapp`, an app with a model, a view and
tests, migrations from `makemigrations`, a Poetry project whose lock file `poetry lock` writes,
and the Makefile the README documents. Poetry's source is the index pip is configured with,
read at run time (`pip_index_url`): Poetry's default source needs the index's JSON API.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from workflows.options import RUN_PREFIX, PackageManager

# Exact pins, so the lock (and what the runs install) only changes when this file does.
DEPENDENCIES = {"django": "5.2.19", "psycopg[binary]": "3.3.9"}
DEV_DEPENDENCIES = {
    "pytest": "9.2.0",
    "pytest-django": "4.14.0",
    "pytest-cov": "7.1.0",
    "black": "26.10.1",
    "ruff": "0.17.5",
    "mypy": "2.4.1",
}

# The targets the pipeline's default commands call (docs/pipeline.md, "What a backend must
# provide"), each run by the package manager (`{run}`: `poetry run `, `uv run ` or nothing).
MAKEFILE = """\
.PHONY: lint format type-check test

lint:
\t{run}ruff check .

format:
\t{run}black .

type-check:
\t{run}mypy src tests

test:
\t{run}pytest
"""

PROJECT = """\
[project]
name = "shop"
version = "0.1.0"
description = "A sample Django backend, built by repo-baseline's pipeline tests."
requires-python = ">=3.10,<4"
dependencies = [{dependencies}]
"""

POETRY = """
[tool.poetry]
packages = [{{ include = "config", from = "src" }}, {{ include = "shop", from = "src" }}]

[tool.poetry.group.dev.dependencies]
{dev_dependencies}

[[tool.poetry.source]]
name = "index"
url = "{index_url}"
priority = "primary"

[build-system]
requires = ["poetry-core>=2.0,<3.0"]
build-backend = "poetry.core.masonry.api"
"""

# The same project for uv and pip: PEP 735's dev group (uv installs it by default) and a build
# backend that packs the two `src/` packages.
STANDARD = """
[dependency-groups]
dev = [{dev_dependencies}]

[build-system]
requires = ["hatchling==1.33.0"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/config", "src/shop"]
"""

TOOLS = """
[tool.black]
line-length = 100

[tool.ruff]
line-length = 100
extend-exclude = ["src/*/migrations"]

[tool.ruff.lint]
select = ["E", "F", "I"]

[tool.mypy]
mypy_path = "src"
ignore_missing_imports = true
exclude = ["/migrations/"]

[tool.pytest.ini_options]
DJANGO_SETTINGS_MODULE = "config.settings.test"
pythonpath = ["src"]
testpaths = ["tests"]

[tool.coverage.run]
source = ["src"]
# Entry points the tests never import; the settings they do import count.
omit = [
    "src/config/asgi.py",
    "src/config/wsgi.py",
    "src/config/settings/dev.py",
    "src/config/settings/production.py",
]
"""

GITIGNORE = """\
.venv/
__pycache__/
.pytest_cache/
.mypy_cache/
.ruff_cache/
.coverage
coverage.xml
coverage.json
htmlcov/
dist/
staticfiles/
audit.json
"""

FILES: Mapping[str, str] = {
    "src/config/settings/__init__.py": "",
    "src/config/settings/base.py": '''\
        """Settings shared by every environment."""

        import os
        from pathlib import Path
        from urllib.parse import urlsplit

        BASE_DIR = Path(__file__).resolve().parents[3]

        # `or`, not a default: a secret the run lacks (a fork's pull request) is set, but empty.
        SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-local-development-only"
        DEBUG = False
        ALLOWED_HOSTS: list[str] = []

        INSTALLED_APPS = [
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "shop",
        ]

        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ]

        ROOT_URLCONF = "config.urls"
        WSGI_APPLICATION = "config.wsgi.application"

        TEMPLATES = [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ],
                },
            },
        ]

        DATABASES = {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
        }
        # The CI test job's PostgreSQL service (pipeline.services: [postgres]) sets DATABASE_URL.
        url = urlsplit(os.environ.get("DATABASE_URL", ""))
        if url.scheme == "postgres":
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "NAME": url.path.lstrip("/"),
                    "USER": url.username,
                    "PASSWORD": url.password,
                    "HOST": url.hostname,
                    "PORT": url.port,
                }
            }

        LANGUAGE_CODE = "en-us"
        TIME_ZONE = "UTC"
        USE_I18N = True
        USE_TZ = True

        STATIC_URL = "static/"
        STATIC_ROOT = BASE_DIR / "staticfiles"

        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        ''',
    "src/config/settings/dev.py": '''\
        """Local development."""

        from config.settings.base import *  # noqa: F403

        DEBUG = True
        ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
        ''',
    "src/config/settings/test.py": '''\
        """The test suite (pytest-django)."""

        from config.settings.base import *  # noqa: F403

        PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        ''',
    "src/config/settings/production.py": '''\
        """Production: what `manage.py check --deploy --fail-level WARNING` accepts."""

        import os

        from django.core.management.utils import get_random_secret_key

        from config.settings.base import *  # noqa: F403

        DEBUG = False
        # Set DJANGO_SECRET_KEY in production; the random fallback only serves checks and builds.
        SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or get_random_secret_key()
        ALLOWED_HOSTS = ["shop.example.com"]
        SECURE_SSL_REDIRECT = True
        SECURE_HSTS_SECONDS = 31536000
        SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        SECURE_HSTS_PRELOAD = True
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        ''',
    "src/config/urls.py": '''\
        """The project's URLs."""

        from django.contrib import admin
        from django.urls import include, path

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("", include("shop.urls")),
        ]
        ''',
    "src/shop/models.py": """\
        from django.db import models


        class Product(models.Model):
            name = models.CharField(max_length=100, unique=True)
            price = models.DecimalField(max_digits=8, decimal_places=2)

            def __str__(self) -> str:
                return str(self.name)
        """,
    "src/shop/pricing.py": '''\
        """Prices as customers see them."""

        from decimal import Decimal

        VAT = Decimal("0.20")


        def with_vat(price: Decimal, rate: Decimal = VAT) -> Decimal:
            return (price * (1 + rate)).quantize(Decimal("0.01"))
        ''',
    "src/shop/views.py": """\
        from django.http import HttpRequest, JsonResponse

        from shop.models import Product
        from shop.pricing import with_vat


        def product_list(request: HttpRequest) -> JsonResponse:
            products = [
                {"name": product.name, "price": str(with_vat(product.price))}
                for product in Product.objects.order_by("name")
            ]
            return JsonResponse({"products": products})
        """,
    "src/shop/urls.py": """\
        from django.urls import path

        from shop.views import product_list

        urlpatterns = [path("products/", product_list, name="product-list")]
        """,
    "src/shop/admin.py": """\
        from django.contrib import admin

        from shop.models import Product

        admin.site.register(Product)
        """,
    "tests/__init__.py": "",
    "tests/test_shop.py": """\
        import os
        from decimal import Decimal

        import pytest
        from django.db import connection
        from django.test import Client

        from shop.models import Product
        from shop.pricing import with_vat


        def test_vat_is_added_and_rounded() -> None:
            assert with_vat(Decimal("9.99")) == Decimal("11.99")


        @pytest.mark.django_db
        def test_products_are_listed_by_name_with_vat(client: Client) -> None:
            Product.objects.create(name="tea", price=Decimal("2.50"))
            Product.objects.create(name="coffee", price=Decimal("3.00"))
            response = client.get("/products/")
            assert response.status_code == 200
            assert response.json() == {
                "products": [
                    {"name": "coffee", "price": "3.60"},
                    {"name": "tea", "price": "3.00"},
                ]
            }
            assert str(Product.objects.get(name="tea")) == "tea"


        @pytest.mark.django_db
        def test_the_database_is_the_one_ci_provides() -> None:
            expected = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
            assert connection.vendor == expected
        """,
}


def pip_index_url() -> str:
    """The index pip uses here: PIP_INDEX_URL, else pip's config, else pip's own default."""
    from_env = os.environ.get("PIP_INDEX_URL")
    if from_env:
        return from_env
    for key in ("install.index-url", "global.index-url"):
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", key],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    from pip._internal.models.index import PyPI  # pip's default, not written anywhere here

    return str(PyPI.simple_url)


def pyproject(index_url: str) -> str:
    dependencies = ", ".join(f'"{name} (=={version})"' for name, version in DEPENDENCIES.items())
    dev = "\n".join(f'{name} = "=={version}"' for name, version in DEV_DEPENDENCIES.items())
    project = PROJECT.format(dependencies=dependencies)
    return project + POETRY.format(dev_dependencies=dev, index_url=index_url) + TOOLS


def definition_key(python_version: str, index_url: str) -> str:
    """Changes whenever what `build` would produce changes: this file, Python, the index."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{python_version}\n{index_url}".encode())
    return digest.hexdigest()[:16]


def _run(args: list[str], cwd: Path, env: Mapping[str, str], timeout: int = 900) -> None:
    out = subprocess.run(
        args, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {cwd}:\n{out.stdout}\n{out.stderr}")


def git(repository: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=repository, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout.strip()


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Sample",
    "GIT_AUTHOR_EMAIL": "sample@example.com",
    "GIT_COMMITTER_NAME": "Sample",
    "GIT_COMMITTER_EMAIL": "sample@example.com",
}


def build(repository: Path, working_directory: str, env: Mapping[str, str]) -> None:
    """Create the sample repository at `repository`: the backend under `working_directory`,
    committed on `main`. `env` runs Poetry (on PATH) with the project's Python first on PATH."""
    backend = repository / working_directory
    backend.mkdir(parents=True)
    (backend / "pyproject.toml").write_text(pyproject(pip_index_url()), encoding="utf-8")
    (backend / "Makefile").write_text(MAKEFILE.format(run="poetry run "), encoding="utf-8")
    (backend / "README.md").write_text("# shop\n\nThe sample backend.\n", encoding="utf-8")
    (repository / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    _run(["poetry", "lock"], backend, env)
    _run(["poetry", "install", "--no-interaction", "--no-root"], backend, env)
    venv_bin = backend / ".venv" / "bin"
    (backend / "src").mkdir()
    _run([str(venv_bin / "django-admin"), "startproject", "config", "."], backend, env)
    shutil.move(str(backend / "config"), str(backend / "src" / "config"))
    (backend / "src" / "config" / "settings.py").unlink()
    (backend / "src" / "shop").mkdir()
    _run([str(venv_bin / "django-admin"), "startapp", "shop", "src/shop"], backend, env)
    (backend / "src" / "shop" / "tests.py").unlink()
    (backend / "src" / "shop" / "views.py").unlink()
    # settings.py became a package: manage.py runs the dev settings, the servers production.
    for name, module in (
        ("manage.py", "config.settings.dev"),
        ("src/config/wsgi.py", "config.settings.production"),
        ("src/config/asgi.py", "config.settings.production"),
    ):
        _set_settings_module(backend / name, module)
    for name, text in FILES.items():
        path = backend / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    django_env = {**env, "PYTHONPATH": "src"}
    _run([str(venv_bin / "python"), "manage.py", "makemigrations", "shop"], backend, django_env)
    # The generated code as the team would commit it: formatted and lint-clean.
    _run([str(venv_bin / "black"), "--quiet", "."], backend, env)
    _run([str(venv_bin / "ruff"), "check", "--fix", "--quiet", "."], backend, env)
    git(repository, "init", "--quiet", "--initial-branch=main")
    git(repository, "add", "--all")
    commit(repository, "The sample backend")


def _set_settings_module(path: Path, module: str) -> None:
    text, count = re.subn(r"(['\"])config\.settings\1", f'"{module}"', path.read_text("utf-8"))
    if count != 1:
        raise RuntimeError(f"{path}: expected one 'config.settings' from startproject")
    path.write_text(text, encoding="utf-8")


def commit(repository: Path, message: str) -> str:
    """Commit everything; the new commit's sha."""
    git(repository, "add", "--all")
    out = subprocess.run(
        ["git", "commit", "--quiet", "--allow-empty", "-m", message],
        cwd=repository,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"git commit failed:\n{out.stdout}{out.stderr}")
    return git(repository, "rev-parse", "HEAD")


def convert(
    repository: Path, working_directory: str, manager: PackageManager, env: Mapping[str, str]
) -> None:
    """Turn a clone of the Poetry sample into the same backend managed by `manager` (uv or
    pip): its own pyproject.toml and Makefile, and `uv lock`'s lock file or pinned requirement
    files instead of Poetry's lock. `env` has uv on PATH."""
    backend = repository / working_directory
    (backend / "poetry.lock").unlink()
    project = PROJECT.format(
        dependencies=", ".join(f'"{name}=={version}"' for name, version in DEPENDENCIES.items())
    )
    dev = ", ".join(f'"{name}=={version}"' for name, version in DEV_DEPENDENCIES.items())
    (backend / "pyproject.toml").write_text(
        project + STANDARD.format(dev_dependencies=dev) + TOOLS, encoding="utf-8"
    )
    makefile = MAKEFILE.format(run=RUN_PREFIX[manager])
    (backend / "Makefile").write_text(makefile, encoding="utf-8")
    if manager == "uv":
        _run(["uv", "lock"], backend, env)
    else:
        pins = [f"{name}=={version}" for name, version in DEPENDENCIES.items()]
        dev_pins = [f"{name}=={version}" for name, version in DEV_DEPENDENCIES.items()]
        (backend / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
        (backend / "requirements-dev.txt").write_text(
            "\n".join(["-r requirements.txt", *dev_pins]) + "\n", encoding="utf-8"
        )
    commit(repository, f"The sample backend, managed by {manager}")
