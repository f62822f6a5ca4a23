"""A throwaway PostgreSQL cluster (Debian's server, `initdb` as the postgres user when run as root) on a free
loopback port, for the e2e tests and the load benchmark that need a real server with many sessions."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def postgres_bin() -> Path:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise NoPostgres("no PostgreSQL server (initdb, pg_ctl); scripts/bootstrap installs Debian's postgresql as root")


class Postgres:
    def __init__(self, url: str, psql: Path) -> None:
        self.url = url
        self._psql = psql

    def value(self, sql: str) -> str:
        result = subprocess.run(
            [str(self._psql), self.url, "-X", "-A", "-t", "-c", sql], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"psql: {result.stderr}")
        return result.stdout.strip()

    def count(self, table: str, where: str = "true") -> int:
        return int(self.value(f"SELECT count(*) FROM {table} WHERE {where}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_postgres(max_connections: int = 100) -> Iterator[Postgres]:
    """A fresh cluster for the block (fsync off: nothing here must survive), stopped and deleted after it."""
    folder = postgres_bin()
    data = Path(tempfile.mkdtemp(prefix="scaffold-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(data, "postgres", "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    cluster, port = data / "cluster", _free_port()

    def run(*command: str) -> None:
        result = subprocess.run([*as_postgres, *command], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise AssertionError(f"{command[0]}: {result.stdout}{result.stderr}")

    try:
        run(str(folder / "initdb"), "-D", str(cluster), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off -c max_connections={max_connections}"
        run(str(folder / "pg_ctl"), "-D", str(cluster), "-l", str(data / "server.log"), "-w", "-o", options, "start")
        psql = folder / "psql" if (folder / "psql").is_file() else Path(shutil.which("psql") or "psql")
        yield Postgres(f"postgresql://postgres@127.0.0.1:{port}/postgres", psql)
    finally:
        if (cluster / "postmaster.pid").exists():
            stop = [*as_postgres, str(folder / "pg_ctl"), "-D", str(cluster), "-m", "immediate", "stop"]
            subprocess.run(stop, capture_output=True, check=False)
        shutil.rmtree(data, ignore_errors=True)
