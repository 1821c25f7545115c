"""A real PostgreSQL server on this machine, standing in for a job's `postgres` service container.

One server per test session (initdb takes seconds); each job that asks for the service gets its
role and database created afresh, as a new container would have them, from the service's
`POSTGRES_USER`, `POSTGRES_PASSWORD` and `POSTGRES_DB`. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from testing.pipeline_runner.runner import NotEmulatedError

INSTALL_HINT = "install PostgreSQL's server: apt-get update && apt-get install -y postgresql"


def server_bin_dir() -> Path:
    """The directory of `initdb`, `pg_ctl`, `postgres` and `psql` (the newest installed)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(os.path.realpath(on_path))
    for candidate in candidates:
        directory = Path(candidate).parent
        if (directory / "pg_ctl").exists() and (directory / "postgres").exists():
            return directory
    raise RuntimeError(f"no PostgreSQL server found (initdb, pg_ctl, postgres): {INSTALL_HINT}")


def _major(path: str) -> int:
    try:
        return int(Path(path).parent.parent.name)
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class LocalPostgres:
    """`start()` once, `service()` per job, `stop()` at the end of the session."""

    def __init__(self) -> None:
        self.bin = server_bin_dir()
        # initdb refuses to run as root; the server then runs as Debian's `postgres` user.
        self.as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.root = Path(tempfile.mkdtemp(prefix="pipeline-e2e-postgres-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.started = False

    def _run(self, *args: str) -> str:
        out = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, check=False, timeout=120
        )
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{out.stdout}{out.stderr}")
        return out.stdout

    def start(self) -> None:
        if self.as_user:
            shutil.chown(self.root, user="postgres", group="postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-sync",
            "-E",
            "UTF8",
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l",
            str(self.root / "server.log"), "start",
        )  # fmt: skip
        self.started = True

    def stop(self) -> None:
        if self.started:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> str:
        return self._run(
            str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port), "-U", "postgres",
            "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", statement,
        )  # fmt: skip

    def start_service(self, service_id: str, service: Mapping[str, Any]) -> dict[str, str]:
        """A fresh role and database as the service's env asks; its port map."""
        image = str(service.get("image", ""))
        if not image.startswith("postgres"):
            raise NotEmulatedError(f"service {service_id} ({image}) has no local stand-in")
        env = {key: str(value) for key, value in (service.get("env") or {}).items()}
        user = env.get("POSTGRES_USER", "postgres")
        password = env.get("POSTGRES_PASSWORD", "")
        database = env.get("POSTGRES_DB", user)
        if user != "postgres":
            self.sql(f"DROP ROLE IF EXISTS {_identifier(user)}")
            self.sql(f"CREATE ROLE {_identifier(user)} LOGIN SUPERUSER")
        self.sql(f"ALTER ROLE {_identifier(user)} PASSWORD {_literal(password)}")
        for name in (database, f"test_{database}"):
            if name != "postgres":
                self.sql(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")
        if database != "postgres":
            self.sql(f"CREATE DATABASE {_identifier(database)} OWNER {_identifier(user)}")
        ports = [str(port).split("/")[0].split(":")[-1] for port in service.get("ports", [])]
        return {port: str(self.port) for port in ports}


class PostgresServices:
    """The runner's `ServiceHost`: PostgreSQL images run on the local server; others refused."""

    def __init__(self, server: LocalPostgres) -> None:
        self.server = server

    def start(self, service_id: str, service: Mapping[str, Any]) -> dict[str, str]:
        return self.server.start_service(service_id, service)
