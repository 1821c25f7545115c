"""Service containers a backend's tests can ask for, with the variables its settings read.

Each container publishes its port on a random host port (safe on shared runners); the test step
reads it from `job.services.<id>.ports[...]` in its `env:`, which is where GitHub evaluates it,
never inside a script.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from workflows.model import Service
from workflows.options import ServiceName

# Throwaway credentials of a container that lives for one job and is reachable only from it.
POSTGRES_USER: Final = "postgres"
POSTGRES_PASSWORD: Final = "postgres"
POSTGRES_DB: Final = "test"

# Images pinned to the digest of their multi-platform index, as the official images' own record
# lists it (docker-library/repo-info, repos/postgres/remote/17.md and repos/redis/remote/7.md,
# builds of 2026-09-19). A tag can be moved to other content; a digest cannot. The tag stays for
# the reader; Docker pulls by the digest.
POSTGRES_IMAGE: Final = (
    "postgres:17@sha256:f4c66b820c6f974249089d3d16d86a3698eae11e8746eb6644b2271031e91232"
)
REDIS_IMAGE: Final = (
    "redis:7@sha256:c6eabf748fc7a61dbb5a705c78bcf3d6377b1127a97d0ce965c11c44ba46896f"
)


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
            image=POSTGRES_IMAGE,
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
            image=REDIS_IMAGE,
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
