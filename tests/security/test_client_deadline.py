"""Finding 3: every client call has an overall deadline, kept even while bytes trickle in.

A "drip" backend on loopback sends its answer one byte every 0.5 s: each byte arrives well within
the read timeout, so only a wall-clock deadline ends the call.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendTimeoutError
from kiosk.config import ConfigError, parse_config

BODY = b'{"departments": []}'
HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n"
)


class DripServer:
    """Answers every request correctly, but ``drip`` bytes arrive one every ``interval_s``."""

    def __init__(self, drip_headers: bool, interval_s: float = 0.5) -> None:
        self.drip_headers = drip_headers
        self.interval_s = interval_s
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            answer = HEAD + BODY
            fast = 0 if self.drip_headers else len(HEAD)
            try:
                conn.sendall(answer[:fast])
                for i in range(fast, len(answer)):
                    if self.stopped.wait(self.interval_s):
                        return
                    conn.sendall(answer[i : i + 1])
            except OSError:
                return  # the client gave up and closed the connection

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


@pytest.fixture(params=[False, True], ids=["body", "headers"])
def drip(request: pytest.FixtureRequest) -> Iterator[DripServer]:
    server = DripServer(drip_headers=request.param)
    yield server
    server.close()


def test_a_trickling_answer_ends_at_the_deadline(drip: DripServer) -> None:
    # Each byte comes after 0.5 s, far inside the 2 s read timeout; the whole answer would take
    # ~9 s (body only) or ~45 s (headers too).
    client = KioskApiClient(
        drip.url, "token", "kiosk-1", read_timeout_s=2.0, deadline_s=3.0, retries=2, backoff_s=0
    )
    started = time.monotonic()
    try:
        with pytest.raises(BackendTimeoutError):
            client.departments()
    finally:
        client.close()
    elapsed = time.monotonic() - started
    assert 2.5 < elapsed < 4.5, elapsed


def test_a_fast_answer_is_untouched_by_the_deadline() -> None:
    server = DripServer(drip_headers=False, interval_s=0.001)
    client = KioskApiClient(server.url, "token", "kiosk-1", read_timeout_s=2.0, deadline_s=3.0)
    try:
        assert client.departments() == []
        assert client.departments() == []  # the pooled connection is still usable
    finally:
        client.close()
        server.close()


def minimal(backend: dict[str, object]) -> dict[str, object]:
    return {
        "kiosk": {"id": "k1"},
        "backend": {"url": "http://127.0.0.1:8080", "token": "t"} | backend,
    }


def test_the_deadline_is_configurable_and_not_shorter_than_the_read_timeout() -> None:
    assert parse_config(minimal({})).backend.deadline_s == 15.0
    assert parse_config(minimal({"deadline_s": 30})).backend.deadline_s == 30.0
    with pytest.raises(ConfigError) as caught:
        parse_config(minimal({"read_timeout_s": 20, "deadline_s": 10}))
    [problem] = caught.value.problems
    assert problem.startswith("backend.deadline_s: ")
    assert "read_timeout_s" in problem
