"""An HTTP proxy on loopback that forwards everything and can swallow one answer.

The kill tests put it between a kiosk process and a real server (the reference server, or
cupsd's IPP port): :meth:`HoldingProxy.hold` picks the next request by method and path; that
request reaches the server, the server answers (and has committed whatever it did), and the
answer is never passed on. The test learns it from :attr:`HoldingProxy.held` and kills the
kiosk while it still waits: the worst moment, exactly.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# Headers of one hop, not of the message: the proxy sets its own.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "te", "trailer"}
)
UPSTREAM_TIMEOUT_S = 60.0


class HoldingProxy:
    """Forwards HTTP/1.1 requests to ``upstream`` (``http://host:port``), keep-alive kept.

    Attributes:
        held: set once a held request was answered by the server and swallowed here.
        held_status: the status code the server gave the swallowed answer.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._rule: tuple[str, re.Pattern[str], Callable[[bytes], bool] | None] | None = None
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.held = threading.Event()
        self.held_status = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """``host:port``, as CUPS settings want it."""
        return f"127.0.0.1:{self.port}"

    def hold(
        self, method: str, path_pattern: str, body_test: Callable[[bytes], bool] | None = None
    ) -> None:
        """Swallow the answer to the next ``method`` request whose path matches (re.search)
        and whose body passes ``body_test`` if given (an IPP operation, say)."""
        with self._lock:
            self.held.clear()
            self._rule = (method, re.compile(path_pattern), body_test)

    def close(self) -> None:
        self._closing.set()  # a held handler stops waiting
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _take_rule(self, method: str, path: str, body: bytes) -> bool:
        with self._lock:
            rule = self._rule
            if rule is None or rule[0] != method or not rule[1].search(path):
                return False
            if rule[2] is not None and not rule[2](body):
                return False
            self._rule = None
            return True

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self._upstream, timeout=UPSTREAM_TIMEOUT_S)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", f"{self._upstream[0]}:{self._upstream[1]}")
            for name, value in headers:
                conn.putheader(name, value)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.reason, response.getheaders(), data
        finally:
            conn.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = [
                    (name, value)
                    for name, value in self.headers.items()
                    if name.lower() not in _HOP_BY_HOP
                ]
                hold = proxy._take_rule(self.command, self.path, body)
                status, reason, answer_headers, data = proxy._forward(
                    self.command, self.path, headers, body
                )
                if hold:
                    proxy.held_status = status
                    proxy.held.set()
                    proxy._closing.wait()  # the answer never leaves: the client waits on
                    self.close_connection = True
                    return
                self.send_response_only(status, reason)
                for name, value in answer_headers:
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _relay  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test's output stays the test's

        return Handler
