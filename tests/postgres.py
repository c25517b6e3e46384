"""A throwaway PostgreSQL server for the PostgreSQL suite (and `make bench --destination postgres`).

Debian's server binaries are installed by `.ci/install-postgres` when missing (as root). The
cluster lives in a temporary directory, listens on a free loopback port and runs as an
unprivileged user, because PostgreSQL refuses to run as root. Authentication is `trust` on
loopback only: the cluster holds nothing but test data and dies with the test session.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNPRIVILEGED_USER = "postgres"  # created by Debian's postgresql-common


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here and no way to install them."""


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def server_binaries() -> Path:
    """The directory of initdb/pg_ctl, installing Debian's package first when missing."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        result = subprocess.run(
            ["bash", str(REPO / ".ci" / "install-postgres")], capture_output=True, text=True
        )
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise PostgresUnavailable(result.stderr.strip() or "PostgreSQL is not installed")
    return bin_dir


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """One running server: `dsn(database)` connects as the superuser `postgres`."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: str | None

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {result.stderr.strip()}")
        return result

    def start(self) -> Cluster:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data_dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir / "data"),
            "-o",
            options,
            "-l",
            str(self.data_dir / "server.log"),
            "-w",
            "start",
        )
        return self

    def create_database(self, name: str) -> str:
        """A new empty database; returns its DSN."""
        self._run(
            str(self.bin_dir / "psql"),
            self.dsn(),
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            f'drop database if exists "{name}" with (force)',
            "-qc",
            f'create database "{name}"',
        )
        return self.dsn(name)

    def stop(self) -> None:
        try:
            data = str(self.data_dir / "data")
            self._run(str(self.bin_dir / "pg_ctl"), "-D", data, "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_cluster() -> Cluster:
    """Start a fresh server on a free port (raises PostgresUnavailable when there is none)."""
    bin_dir = server_binaries()
    run_as = None
    data_dir = Path(tempfile.mkdtemp(prefix="github-billing-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam(UNPRIVILEGED_USER)
        except KeyError as exc:
            raise PostgresUnavailable(
                f"PostgreSQL refuses to run as root and there is no {UNPRIVILEGED_USER!r} user"
            ) from exc
        run_as = UNPRIVILEGED_USER
        os.chown(data_dir, user.pw_uid, user.pw_gid)
    return Cluster(bin_dir, data_dir, _free_port(), run_as).start()
