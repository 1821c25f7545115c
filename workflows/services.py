"""Service containers a backend's tests can ask for, with the variables its settings read.

Each container publishes its port on a random host port (safe on shared runners); the test step
reads it from `job.services.<id>.ports[...]` in its `env:`, which is where GitHub evaluates it,
never inside a script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml

from workflows.model import Service
from workflows.options import ServiceName

# Throwaway credentials of a container that lives for one job and is reachable only from it.
POSTGRES_USER: Final = "postgres"
POSTGRES_PASSWORD: Final = "postgres"
POSTGRES_DB: Final = "test"

# The images, each `name:tag@sha256:<digest>`: a tag can be moved to other content, a digest
# cannot. Dependabot updates them in this Compose file (the tag stays for the reader).
IMAGES_FILE: Final = Path(__file__).parent / "service-images" / "compose.yml"
_PINNED_IMAGE = re.compile(r"[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}")


@cache
def service_image(name: ServiceName) -> str:
    """The pinned image of a service; ValueError for one without a digest."""
    services = yaml.safe_load(IMAGES_FILE.read_text(encoding="utf-8"))["services"]
    image = str(services[name]["image"])
    if not _PINNED_IMAGE.fullmatch(image):
        raise ValueError(f"{IMAGES_FILE.name}: {name} image {image!r} is not name:tag@sha256:…")
    return image


@dataclass(frozen=True)
class ServicePreset:
    """A service container and the environment variables that point a backend at it."""

    service: Service
    env: MappingProxyType[str, str]


def _port(service: str, port: int) -> str:
    return f"${{{{ job.services.{service}.ports['{port}'] }}}}"


def _postgres() -> ServicePreset:
    port = _port("postgres", 5432)
    return ServicePreset(
        service=Service(
            id="postgres",
            image=service_image("postgres"),
            env={
                "POSTGRES_USER": POSTGRES_USER,
                "POSTGRES_PASSWORD": POSTGRES_PASSWORD,
                "POSTGRES_DB": POSTGRES_DB,
            },
            ports=("5432/tcp",),
            options=(
                "--health-cmd pg_isready --health-interval 5s --health-timeout 5s "
                "--health-retries 10"
            ),
        ),
        env=MappingProxyType(
            {
                # dj-database-url and django-environ read DATABASE_URL; libpq reads PG*.
                "DATABASE_URL": (
                    f"postgres://{POSTGRES_USER}:{POSTGRES_PASSWORD}@localhost:{port}/{POSTGRES_DB}"
                ),
                "PGHOST": "localhost",
                "PGPORT": port,
                "PGUSER": POSTGRES_USER,
                "PGPASSWORD": POSTGRES_PASSWORD,
                "PGDATABASE": POSTGRES_DB,
            }
        ),
    )


def _redis() -> ServicePreset:
    port = _port("redis", 6379)
    return ServicePreset(
        service=Service(
            id="redis",
            image=service_image("redis"),
            ports=("6379/tcp",),
            options=(
                '--health-cmd "redis-cli ping" --health-interval 5s --health-timeout 5s '
                "--health-retries 10"
            ),
        ),
        env=MappingProxyType({"REDIS_URL": f"redis://localhost:{port}/0"}),
    )


def service_preset(name: ServiceName) -> ServicePreset:
    """The preset named in `pipeline.services`."""
    return {"postgres": _postgres, "redis": _redis}[name]()
