"""Finding 13: a client dripping its request body (or its headers) is cut off, and the
server keeps serving.

Raw sockets on loopback against the real server; its body deadline is set to 1 s here (the
default is 10 s) to keep the test short.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES

# Deadlines on the HTTP connection, before any database work: once is enough.
pytestmark = pytest.mark.engines("sqlite")

DEADLINE_S = 1.0
DRIP_EVERY_S = 0.25
SLOW_CLIENTS = 10


@pytest.fixture
def strict_server(demo_db: Path) -> Iterator[EmbeddedServer]:
    with EmbeddedServer.start(demo_db, seed_demo=False, read_timeout_s=DEADLINE_S) as server:
        yield server


def _start_slow_post(server: EmbeddedServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        b"POST /api/v1/patients/identify HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\n"
        b"Authorization: Bearer demo-token\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    sock.setblocking(False)
    return sock


def _start_slow_headers(server: EmbeddedServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    sock.setblocking(False)
    return sock


def _drip_until_answered(
    socks: list[socket.socket], limit_s: float, drip: bytes = b" "
) -> dict[int, bytes]:
    """Send one byte per connection every ``DRIP_EVERY_S`` until each has its answer and was
    closed by the server (or ``limit_s`` passes); returns what each one received."""
    received: dict[int, bytes] = {i: b"" for i in range(len(socks))}
    closed: set[int] = set()
    deadline = time.monotonic() + limit_s
    while len(closed) < len(socks) and time.monotonic() < deadline:
        for i, sock in enumerate(socks):
            if i in closed:
                continue
            try:
                sock.send(drip)
            except OSError:
                pass  # the server closed its side; read what it said
            try:
                while chunk := sock.recv(65536):
                    received[i] += chunk
                closed.add(i)  # b"": end of stream
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(DRIP_EVERY_S)
    for sock in socks:
        sock.close()
    assert closed == set(range(len(socks))), "the server kept a dripping connection open"
    return received


def test_dripping_bodies_are_cut_off_and_others_are_served(
    strict_server: EmbeddedServer,
) -> None:
    started = time.monotonic()
    socks = [_start_slow_post(strict_server) for _ in range(SLOW_CLIENTS)]
    # While they drip, everyone else is served at once.
    health = requests.get(f"{strict_server.url}/api/v1/health", timeout=5)
    assert health.status_code == 200
    received = _drip_until_answered(socks, limit_s=DEADLINE_S + 4)
    elapsed = time.monotonic() - started
    for answer in received.values():
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b'"bad_request"' in answer
    assert elapsed < DEADLINE_S + 3, elapsed
    # And afterwards.
    assert requests.get(f"{strict_server.url}/api/v1/health", timeout=5).status_code == 200


def test_dripping_headers_are_cut_off_too(strict_server: EmbeddedServer) -> None:
    started = time.monotonic()
    socks = [_start_slow_headers(strict_server) for _ in range(SLOW_CLIENTS)]
    assert requests.get(f"{strict_server.url}/api/v1/health", timeout=5).status_code == 200
    received = _drip_until_answered(socks, limit_s=DEADLINE_S + 4, drip=b"x")
    assert time.monotonic() - started < DEADLINE_S + 3
    for answer in received.values():
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]


def test_keep_alive_connections_still_serve_several_requests(
    strict_server: EmbeddedServer,
) -> None:
    with requests.Session() as session:
        for _ in range(3):
            response = session.get(f"{strict_server.url}/api/v1/health", timeout=5)
            assert response.status_code == 200
            time.sleep(DEADLINE_S / 2)


def test_a_body_sent_at_once_is_not_affected(strict_server: EmbeddedServer) -> None:
    ident = DEMO_IDENTITIES["rare_name"]
    response = requests.post(
        f"{strict_server.url}/api/v1/patients/identify",
        json={"kind": ident.kind, "value": ident.value},
        headers={"Authorization": "Bearer demo-token"},
        timeout=5,
    )
    assert response.status_code == 200, response.text


def test_default_deadline_is_ten_seconds() -> None:
    from kiosk.server.security import READ_TIMEOUT_S

    assert READ_TIMEOUT_S == 10
