"""A throwaway PostgreSQL cluster for tests and benchmarks: Debian's PostgreSQL, no network.

``initdb`` into a fresh directory, ``pg_ctl start`` listening on a Unix socket in that
directory only (``listen_addresses = ''``), databases made from a template in a few tens of
milliseconds, everything removed by ``stop``. PostgreSQL refuses to run as root, and CI runs
as root: then the server programs run as the ``postgres`` user (``runuser``), in a directory
that user owns.

Durability is switched off (``fsync``, ``synchronous_commit``): these clusters hold test data
only, and what the tests kill is the kiosk server, not the machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

_SERVER_USER = "postgres"

# What a refused statement raises, on either engine.
DATABASE_ERRORS = (sqlite3.DatabaseError, psycopg.Error)
INTEGRITY_ERRORS = (sqlite3.IntegrityError, psycopg.IntegrityError)


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server programs on this machine (scripts/ensure-system-deps.sh installs
    them)."""


def _bin_dir() -> Path:
    on_path = shutil.which("pg_ctl")
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major_version)
    found = candidates[-1] if candidates else on_path
    if found is None:
        raise PostgresUnavailableError("PostgreSQL's pg_ctl was not found")
    return Path(found).parent


def _major_version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


class TempCluster:
    """One running cluster; ``url(name)`` is what ``kiosk-server --db`` takes."""

    def __init__(self, root: Path, bin_dir: Path, as_root: bool) -> None:
        self.root = root
        self.data = root / "data"
        self.socket_dir = root
        self._bin = bin_dir
        self._as_root = as_root

    @classmethod
    def start(cls, *, durable: bool = False) -> TempCluster:
        """``durable``: keep PostgreSQL's fsync and synchronous commits (the benchmarks compare
        it with a SQLite that syncs every commit)."""
        bin_dir = _bin_dir()
        as_root = os.geteuid() == 0
        root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        cluster = cls(root, bin_dir, as_root)
        if as_root:
            shutil.chown(root, _SERVER_USER, _SERVER_USER)
        try:
            cluster._run(
                "initdb",
                "-D",
                str(cluster.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            options = f"-k {root} -c listen_addresses='' -c max_connections=300"
            if not durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            cluster._run(
                "pg_ctl", "start", "-w", "-D", str(cluster.data), "-l", str(root / "log"),
                "-o", options,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [str(self._bin / program), *args]
        if self._as_root:
            command = ["runuser", "-u", _SERVER_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url("postgres"), autocommit=True)

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its URL."""
        name = name or f"kiosk_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            copy = f" TEMPLATE {template}" if template else ""
            conn.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def database_name(url: str) -> str:
    """The database a ``TempCluster.url`` names."""
    return url.split("?", 1)[0].rsplit("/", 1)[1]
