"""The reference server in a background thread on a loopback port (``kiosk --demo``, tests).

>>> with EmbeddedServer.start(path, seed_demo=True) as server:  # doctest: +SKIP
...     requests.get(server.url + "/api/v1/health")

With ``simulated_clinic`` (``kiosk --demo``) a simulated clinic works the queues meanwhile.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn

from kiosk.server.app import create_app
from kiosk.server.clinical import RemoteClinicalSource
from kiosk.server.db import Database, Target, is_empty, open_database, system_clock
from kiosk.server.hospital_writes import HospitalWriter
from kiosk.server.loopback import listening_socket
from kiosk.server.queue_bus import QueueBus
from kiosk.server.security import (
    KEEP_ALIVE_TIMEOUT_S,
    READ_TIMEOUT_S,
    header_deadline_protocol,
)
from kiosk.server.seed import seed_demo as _seed_demo
from kiosk.server.simulation import ClinicPace, SimulatedClinic
from kiosk.server.visits import Limits

_STARTUP_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


class EmbeddedServer:
    """uvicorn serving ``create_app(db_path)`` on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(
        self,
        *,
        db_path: Target,
        database: Database,
        clock: Callable[[], dt.datetime],
        sock: socket.socket,
        server: uvicorn.Server,
        thread: threading.Thread,
        queue_bus: QueueBus,
        clinic: SimulatedClinic | None,
        hospital_writer: HospitalWriter | None = None,
    ) -> None:
        self.db_path = db_path
        self._database = database
        self.clock = clock
        self._sock = sock
        self._server = server
        self._thread = thread
        self._queue_bus = queue_bus
        self.clinic = clinic
        self.hospital_writer = hospital_writer
        self.port: int = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        db_path: Target,
        *,
        seed_demo: bool,
        clock: Callable[[], dt.datetime] | None = None,
        public_url: str | None = None,
        admin_token: str | None = None,
        docs: bool = True,
        read_timeout_s: float = READ_TIMEOUT_S,
        limits: Limits | None = None,
        startup_timeout_s: float = _STARTUP_TIMEOUT_S,
        port: int = 0,
        simulated_clinic: ClinicPace | None = None,
        clinical: RemoteClinicalSource | None = None,
        history_days: int = 0,
        sock: socket.socket | None = None,
    ) -> EmbeddedServer:
        """Create/open the database (seeding the demo hospital when asked and it is empty),
        then serve it; returns once the server accepts connections. ``port`` 0 takes a free
        one; a given port may be a stopped server's (its clients come back, as to a restart).
        With ``simulated_clinic`` a simulated clinic at that pace starts working the queues;
        ``clinical``: the hospital's system to read clinical data from (``create_app``).
        ``history_days`` seeds that many past days for the insight pages. ``sock``: a
        loopback socket already listening (``listening_socket``), served instead of a new one.

        Raises ``RuntimeError`` when the server does not come up within the timeout.
        """
        clock = clock or system_clock
        conn = open_database(db_path, migrate=True)  # the demo's own database: kept current
        try:
            if seed_demo and is_empty(conn):
                _seed_demo(conn, clock(), history_days=history_days)
        finally:
            conn.close()
        app = create_app(
            db_path,
            clock=clock,
            public_url=public_url,
            admin_token=admin_token,
            docs=docs,
            read_timeout_s=read_timeout_s,
            limits=limits,
            clinical=clinical,
        )

        sock = sock or listening_socket(port)
        try:
            config = uvicorn.Config(
                app,
                log_config=None,
                access_log=False,
                loop="asyncio",  # as kiosk-server (cli._serve)
                lifespan="off",
                timeout_graceful_shutdown=2,
                timeout_keep_alive=KEEP_ALIVE_TIMEOUT_S,
                http=header_deadline_protocol(read_timeout_s),
                # Only loopback clients connect: no proxy in front whose headers to trust.
                proxy_headers=False,
            )
            server = uvicorn.Server(config)
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    server.run(sockets=[sock])
                except BaseException as exc:  # reported by start(), not lost in the thread
                    errors.append(exc)

            thread = threading.Thread(target=run, name="kiosk-embedded-server", daemon=True)
            thread.start()
            deadline = time.monotonic() + startup_timeout_s
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    server.should_exit = True
                    thread.join(_STOP_TIMEOUT_S)
                    detail = f": {errors[0]!r}" if errors else ""
                    raise RuntimeError(f"the embedded Kiosk API server did not start{detail}")
                time.sleep(0.005)
        except BaseException:
            sock.close()
            raise
        clinic = None
        if simulated_clinic is not None:
            clinic = SimulatedClinic(
                db_path, clock, app.state.queue_bus.publish, pace=simulated_clinic
            )
            clinic.start()
        writer: HospitalWriter | None = app.state.hospital_writer
        if writer is not None:  # uvicorn runs no lifespan here
            writer.start()
        return cls(
            db_path=db_path,
            database=app.state.database,
            clock=clock,
            sock=sock,
            server=server,
            thread=thread,
            queue_bus=app.state.queue_bus,
            clinic=clinic,
            hospital_writer=writer,
        )

    def stop(self) -> None:
        """Stop the simulated clinic, end the event streams, ask uvicorn to exit, wait for
        its thread, close the socket (idempotent)."""
        if self.clinic is not None:
            self.clinic.stop()
        if self.hospital_writer is not None:
            self.hospital_writer.stop()
        self._queue_bus.close()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT_S)
        self._sock.close()
        self._database.close()

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
