"""The client against servers that misbehave: each failure becomes the right typed error."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk.api.models import IdentifierKind
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import (
    BackendRejectedError,
    BackendServerError,
    BackendTimeoutError,
    BackendUnreachableError,
    BadResponseError,
)

PATIENT_JSON = b'{"id": "p1", "display_name": "\xe5\xbc\xa0*", "masked_id_number": ""}'


@dataclass
class Script:
    """What the scripted server answers, and what it saw."""

    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    delay_s: float = 0.0
    declared_length: int | None = None
    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script

    def handle_error(self, request: object, client_address: object) -> None:
        """A client giving up mid-answer is what these tests provoke: nothing to report."""


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def _answer(self) -> None:
        script = self.server.script
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        script.requests.append((self.command, self.path, dict(self.headers)))
        time.sleep(script.delay_s)
        status = script.statuses.pop(0) if script.statuses else script.status
        self.send_response(status)
        self.send_header("Content-Type", script.content_type)
        declared = script.declared_length or len(script.body)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(script.body)
        self.close_connection = True

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def server_url(script: Script) -> Iterator[str]:
    server = ScriptedServer(script)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def client(server_url: str) -> Iterator[KioskApiClient]:
    api = KioskApiClient(
        server_url, "token", "k1", connect_timeout_s=1, read_timeout_s=0.5, sleep=lambda _: None
    )
    yield api
    api.close()


def free_port_nobody_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_server_down_is_unreachable_after_retries() -> None:
    sleeps: list[float] = []
    api = KioskApiClient(
        f"http://127.0.0.1:{free_port_nobody_listens_on()}", "t", "k1", sleep=sleeps.append
    )
    with pytest.raises(BackendUnreachableError):
        api.departments()
    api.close()
    assert sleeps == [0.25, 0.5], "a safe call is retried twice with growing backoff"


def test_state_changing_call_is_not_retried_when_unreachable() -> None:
    sleeps: list[float] = []
    api = KioskApiClient(
        f"http://127.0.0.1:{free_port_nobody_listens_on()}", "t", "k1", sleep=sleeps.append
    )
    with pytest.raises(BackendUnreachableError):
        api.check_in("a1", idempotency_key="key-1")
    api.close()
    assert sleeps == []


def test_slower_than_read_timeout(client: KioskApiClient, script: Script) -> None:
    script.delay_s = 1.5
    script.body = PATIENT_JSON
    started = time.monotonic()
    with pytest.raises(BackendTimeoutError):
        client.identify(IdentifierKind.phone, "13800138000")
    assert time.monotonic() - started < 1.4, "a read timeout is not retried"


def test_internal_server_error(client: KioskApiClient, script: Script) -> None:
    script.status = 500
    script.body = b'{"error": {"code": "internal_error", "message": "boom"}}'
    with pytest.raises(BackendServerError) as caught:
        client.departments()
    assert caught.value.status == 500


def test_gateway_error_is_retried_then_succeeds(client: KioskApiClient, script: Script) -> None:
    script.statuses = [503, 502]
    script.body = b'{"departments": []}'
    assert client.departments() == []
    assert len(script.requests) == 3


def test_html_instead_of_json(client: KioskApiClient, script: Script) -> None:
    script.content_type = "text/html; charset=utf-8"
    script.body = b"<html><body>Captive portal</body></html>"
    with pytest.raises(BadResponseError, match="expected JSON"):
        client.departments()


def test_html_error_page(client: KioskApiClient, script: Script) -> None:
    script.status = 404
    script.content_type = "text/html"
    script.body = b"<html>Not Found</html>"
    with pytest.raises(BadResponseError):
        client.departments()


def test_truncated_json(client: KioskApiClient, script: Script) -> None:
    script.body = PATIENT_JSON[:25]
    with pytest.raises(BadResponseError):
        client.identify(IdentifierKind.phone, "13800138000")


def test_body_cut_off_before_declared_length(client: KioskApiClient, script: Script) -> None:
    script.body = PATIENT_JSON[:25]
    script.declared_length = len(PATIENT_JSON)
    with pytest.raises(BadResponseError):
        client.identify(IdentifierKind.phone, "13800138000")


def test_missing_field(client: KioskApiClient, script: Script) -> None:
    script.body = b'{"id": "p1"}'
    with pytest.raises(BadResponseError, match="display_name"):
        client.identify(IdentifierKind.phone, "13800138000")


def test_wrong_shape(client: KioskApiClient, script: Script) -> None:
    script.body = b"[1, 2, 3]"
    with pytest.raises(BadResponseError):
        client.departments()


def test_rejection_carries_reason_code(client: KioskApiClient, script: Script) -> None:
    script.status = 409
    script.body = b'{"error": {"code": "too_early", "message": "window opens at 09:00"}}'
    with pytest.raises(BackendRejectedError) as caught:
        client.check_in("a1", idempotency_key="key-1")
    assert (caught.value.status, caught.value.code, caught.value.ticket) == (409, "too_early", None)


def test_rejection_with_unreadable_body_is_bad_response(
    client: KioskApiClient, script: Script
) -> None:
    script.status = 409
    script.body = b'{"detail": "conflict"}'
    with pytest.raises(BadResponseError):
        client.check_in("a1", idempotency_key="key-1")


def test_headers_sent(client: KioskApiClient, script: Script) -> None:
    script.status = 409
    script.body = b'{"error": {"code": "cancelled", "message": "x"}}'
    with pytest.raises(BackendRejectedError):
        client.check_in("a/1", idempotency_key="key-1")
    method, path, headers = script.requests[0]
    assert (method, path) == ("POST", "/api/v1/appointments/a%2F1/check-in")
    assert headers["Authorization"] == "Bearer token"
    assert headers["Idempotency-Key"] == "key-1"


def test_oversized_answer(client: KioskApiClient, script: Script) -> None:
    script.body = b'{"departments": [' + b"0," * (3 * 1024 * 1024) + b"0]}"
    with pytest.raises(BadResponseError, match="larger than"):
        client.departments()
