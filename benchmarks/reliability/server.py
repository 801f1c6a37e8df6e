"""The reference server as deployed: ``kiosk-server`` in its own process on loopback.

Each harness part gets a fresh database (a SQLite file in a scratch directory, or a database of
a throwaway PostgreSQL cluster), seeded with the demo hospital (as ``kiosk-server --seed-demo``
does) plus the part's own workload, and kiosks registered with ``kiosk-server add-kiosk``. The
server runs in its own process group, so a ``kill -9`` reaches all of it (every worker) and
nothing outlives the harness.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import requests

from kiosk.api.models import API_PREFIX
from kiosk.server import db
from kiosk.server.db import Connection, Target
from kiosk.server.seed import seed_demo

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0
SERVER = [sys.executable, "-m", "kiosk.server.cli"]  # the `kiosk-server` entry point


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_environment() -> dict[str, str]:
    """The environment a ``kiosk-server`` process runs in: this checkout first, no admin token."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.pop("KIOSK_SERVER_ADMIN_TOKEN", None)
    return env


def seeded_database(target: Target) -> Connection:
    """A new database holding the demo hospital; the caller adds its workload and closes it."""
    conn = db.open_database(target)
    seed_demo(conn, db.system_clock())
    return conn


def add_kiosk_cli(target: Target, kiosk_id: str) -> str:
    """Register a kiosk the deployed way (``kiosk-server add-kiosk ID``); its printed token."""
    result = subprocess.run(
        [*SERVER, "add-kiosk", kiosk_id, "--db", str(target)],
        capture_output=True,
        text=True,
        env=server_environment(),
        cwd=REPO,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def add_kiosks(conn: Connection, prefix: str, count: int) -> list[tuple[str, str]]:
    """Many kiosks at once, ids and tokens, stored as ``add-kiosk`` stores them (its own
    ``db.add_kiosk`` and a random token), without a process per kiosk."""
    kiosks = [(f"{prefix}-{n:02d}", secrets.token_urlsafe(32)) for n in range(count)]
    for kiosk_id, token in kiosks:
        db.add_kiosk(conn, kiosk_id, token)
    return kiosks


def add_patients(conn: Connection, prefix: str, count: int) -> list[tuple[str, str]]:
    """Patients known by a patient card: (patient id, card)."""
    patients = [(f"{prefix}-{n:03d}", f"{prefix.upper()}{n:06d}") for n in range(count)]
    with db.write_transaction(conn):
        conn.executemany(
            "INSERT INTO patients (id, name, gender, patient_card) VALUES (?, '测试', '', ?)",
            patients,
        )
    return patients


class ServerProcess:
    """``kiosk-server --db TARGET --host 127.0.0.1 --port P [--workers N] [--seed-demo] …``;
    ``kill()`` is ``kill -9`` of its process group, ``start()`` brings it back on the same
    database and port."""

    def __init__(
        self,
        target: Target,
        log_path: Path,
        *,
        workers: int = 1,
        seed_demo: bool = False,
        arguments: Sequence[str] = (),
    ) -> None:
        self.target = target
        self.workers = workers
        self.seed_demo = seed_demo
        self.arguments = list(arguments)  # more ``kiosk-server`` flags
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.starts = 0
        self._log: IO[bytes] = log_path.open("ab")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The process (and process group) id of the running server."""
        assert self._process is not None, "the server is not running"
        return self._process.pid

    def start(self) -> None:
        """Start it and wait until it answers ``/health`` (with several workers: one of them)."""
        command = [*SERVER, "--db", str(self.target), "--host", HOST, "--port", str(self.port)]
        command += ["--workers", str(self.workers)] + (["--seed-demo"] if self.seed_demo else [])
        self._process = subprocess.Popen(
            [*command, *self.arguments],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=server_environment(),
            cwd=REPO,
            start_new_session=True,
        )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"kiosk-server exited with {self._process.returncode}")
            try:
                if requests.get(f"{self.url}{API_PREFIX}/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"kiosk-server did not answer within {START_TIMEOUT_S:.0f} s")

    def kill(self) -> None:
        """``kill -9`` the whole process group, as a power switch or the OOM killer would."""
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._process.wait()
        self._process = None

    def stop(self) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def __enter__(self) -> ServerProcess:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self._log.close()
