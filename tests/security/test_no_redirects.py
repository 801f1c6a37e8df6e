"""Finding 7: the client never follows a redirect, so a body holding a resident ID is sent once,
to the configured origin only; a 3xx answer is a clear backend error."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from kiosk.api.models import IdentifierKind
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BadResponseError


@dataclass
class Origin:
    """A local HTTP server answering every request with ``status`` (and ``location``)."""

    status: int
    location: str = ""
    received: list[tuple[str, str, bytes]] = field(default_factory=list)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                origin.received.append((self.command, self.path, self.rfile.read(length)))
                body = json.dumps({"departments": []}).encode()
                self.send_response(origin.status)
                if origin.location:
                    self.send_header("Location", origin.location + self.path)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origins() -> Iterator[tuple[Origin, Origin]]:
    other = Origin(200)
    other.start()
    redirecting = Origin(307, location=other.url)
    redirecting.start()
    yield redirecting, other
    redirecting.stop()
    other.stop()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_identify_is_not_resent_elsewhere(
    origins: tuple[Origin, Origin], status: int
) -> None:
    redirecting, other = origins
    redirecting.status = status
    client = KioskApiClient(redirecting.url, "token", "kiosk-1", retries=0)
    try:
        with pytest.raises(BadResponseError, match=f"HTTP {status}.*redirect"):
            client.identify(IdentifierKind.id_card, "11010519491231002X")
    finally:
        client.close()
    assert len(redirecting.received) == 1
    assert b"11010519491231002X" in redirecting.received[0][2]
    assert other.received == []


def test_a_redirected_get_is_not_followed(origins: tuple[Origin, Origin]) -> None:
    redirecting, other = origins
    client = KioskApiClient(redirecting.url, "token", "kiosk-1", retries=2, backoff_s=0)
    try:
        with pytest.raises(BadResponseError, match="redirect"):
            client.departments()
    finally:
        client.close()
    assert len(redirecting.received) == 1  # not retried either: a redirect stays a redirect
    assert other.received == []
