"""The fleet page's diagnostics bundle from the admin's side, and a loopback proxy that loses
chosen requests or answers on the way between a kiosk and the server."""

from __future__ import annotations

import re
import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_KIOSK_ID

TIMEOUT_S = 10


def press_request_button(server: EmbeddedServer, kiosk_id: str = DEMO_KIOSK_ID) -> None:
    """What an admin's browser sends when the fleet page's 请求诊断包 button is pressed (the
    server serves its fleet page to loopback without an admin token)."""
    page = requests.get(f"{server.url}/admin/kiosks", timeout=TIMEOUT_S).text
    cell = page[page.index(f'id="bundle-{kiosk_id}"') :]
    action = re.search(r'<form method="post" action="([^"]+/diagnostics-request)">', cell)
    assert action is not None, cell[:500]
    pressed = requests.post(
        f"{server.url}{action.group(1)}",
        data={"from": "fleet-page"},
        headers={"Origin": server.url},
        timeout=TIMEOUT_S,
        allow_redirects=False,
    )
    assert pressed.status_code == 303, pressed.text


def stored_bundle(server: EmbeddedServer, kiosk_id: str = DEMO_KIOSK_ID) -> bytes:
    """The zip the server kept, downloaded as an admin does."""
    answer = requests.get(
        f"{server.url}/admin/kiosks/{kiosk_id}/diagnostics-bundle", timeout=TIMEOUT_S
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    return answer.content


class LossyProxy:
    """A TCP proxy on loopback in front of ``upstream`` (host, port). For connections whose
    first request line contains ``lose_path``: ``lose_requests`` of them are closed before
    anything reaches the server, then ``lose_answers`` are forwarded but their answer is
    dropped (the server acted, the client never hears). Everything else passes untouched."""

    def __init__(self, upstream: tuple[str, int], lose_path: str) -> None:
        self.upstream = upstream
        self.lose_path = lose_path.encode()
        self.lose_requests = 0
        self.lose_answers = 0
        self.lost: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._relay(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[LossyProxy]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()

    def _decide(self, first_line: bytes) -> str:
        if self.lose_path not in first_line:
            return "pass"
        with self._lock:
            if self.lose_requests:
                self.lose_requests -= 1
                self.lost.append("request")
                return "lose request"
            if self.lose_answers:
                self.lose_answers -= 1
                self.lost.append("answer")
                return "lose answer"
        return "pass"

    def _relay(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                return
            head += chunk
        decision = self._decide(head.split(b"\r\n", 1)[0])
        if decision == "lose request":
            client.close()
            return
        with socket.create_connection(self.upstream, timeout=TIMEOUT_S) as server:
            server.sendall(head)
            if decision == "lose answer":
                self._forward_then_drop(client, server)
            else:
                self._pipe(client, server)

    @staticmethod
    def _pipe(client: socket.socket, server: socket.socket) -> None:
        sockets = [client, server]
        while True:
            readable, _, _ = select.select(sockets, [], [], TIMEOUT_S)
            if not readable:
                return
            for source in readable:
                data = source.recv(65536)
                if not data:
                    return
                (server if source is client else client).sendall(data)

    @staticmethod
    def _forward_then_drop(client: socket.socket, server: socket.socket) -> None:
        """The request goes to the server; its answer is read and thrown away."""
        while True:
            readable, _, _ = select.select([client, server], [], [], TIMEOUT_S)
            if not readable:
                break
            if server in readable:
                server.recv(65536)  # the first bytes of the answer: the server has acted
                break
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
        client.close()
