"""Pure ASGI middleware every answer passes through: security headers and a body deadline.

- ``SecurityHeadersMiddleware`` adds ``X-Content-Type-Options``, ``X-Frame-Options``,
  ``Referrer-Policy``, a ``Content-Security-Policy`` the server's pages satisfy (inline
  ``<style>`` only, no script, forms posting to the server itself) and ``Cache-Control:
  no-store`` (answers hold patient data; pages show payments and the fleet) unless the
  route set its own. Swagger UI at ``/docs`` (off unless asked for) gets the policy it needs.
- ``BodyDeadlineMiddleware`` bounds the time to receive a whole request body: a client
  dripping its body gets a 408 (code ``bad_request``) and the connection is closed, so slow
  clients cannot hold the server's connections.
- ``header_deadline_protocol`` does the same for the request line and headers, which uvicorn
  reads without a time limit (its ``timeout_keep_alive`` only closes idle connections between
  requests, and any byte received cancels it): uvicorn's h11 protocol with a timer per request.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from kiosk.api.models import ErrorCode
from kiosk.server.errors import error_body, error_response

# The pages use inline <style> and plain forms; nothing else is allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The queue's web pages (staff, display, phone): their own scripts, styles (``/web/``), sounds
# and event streams; nothing inline. (A second ``style-src`` after the one above would be
# ignored: the first of a directive counts.)
WEB_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "media-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# Swagger UI (``--docs``, see ``docs_page``): its script, style and start script are this
# server's own files; it sets inline styles on the elements it draws.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)

# The request line and headers, and then the body, must each arrive within this many seconds.
READ_TIMEOUT_S = 10.0
# uvicorn closes an idle keep-alive connection after this many seconds (its default, said).
KEEP_ALIVE_TIMEOUT_S = 5


def security_headers(policy: str = CONTENT_SECURITY_POLICY) -> dict[str, str]:
    """Every header the middleware adds, for answers sent outside it (a 500)."""
    headers = {name.decode(): value.decode() for name, value in _HEADERS}
    return {**headers, "content-security-policy": policy, "cache-control": "no-store"}


def same_origin(request: Request) -> bool:
    """A form post or cookie-authenticated write from this server's own pages: no Origin
    header (an old browser) or one naming this host."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def _unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # Starlette answers a 500 from its outermost middleware, outside SecurityHeadersMiddleware.
    return error_response(500, ErrorCode.internal_error, headers=security_headers())


def install_security_headers_on_server_errors(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unhandled_error_handler)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, docs_path: str | None = None) -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (
            DOCS_CONTENT_SECURITY_POLICY
            if self.docs_path is not None and scope.get("path") == self.docs_path
            else CONTENT_SECURITY_POLICY
        ).encode("ascii")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in _HEADERS if n not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", policy))
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTimeoutError(Exception):
    pass


class BodyDeadlineMiddleware:
    """The whole request body must arrive within ``timeout_s`` of the request's start."""

    def __init__(self, app: ASGIApp, *, timeout_s: float = READ_TIMEOUT_S) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.timeout_s
        body_done = False
        response_started = False

        async def bounded_receive() -> Message:
            nonlocal body_done
            if body_done:
                return await receive()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _BodyTimeoutError
            try:
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                raise _BodyTimeoutError from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except _BodyTimeoutError:
            if response_started:
                raise
            await _send_timeout(send, self.timeout_s)


async def _send_timeout(send: Send, timeout_s: float) -> None:
    payload = json.dumps(
        error_body(
            ErrorCode.bad_request,
            f"The request body did not arrive within {timeout_s:g} s.",
        )
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 408,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


_HEADER_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose next request line and headers have
    not fully arrived ``timeout_s`` after it opened or after its previous response.

    A module-level class so that uvicorn's worker processes can import it (``--workers``); a
    worker sets ``timeout_s`` from its settings before it serves."""

    timeout_s: float = READ_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        # A new request (its headers complete) replaces ``cycle``; until then it is this.
        self._header_timer = self.loop.call_later(
            self.timeout_s, self._header_timer_fired, self.cycle
        )

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timer_fired(self, cycle_when_armed: object) -> None:
        self._header_timer = None
        if self.cycle is cycle_when_armed and not self.transport.is_closing():
            self.transport.write(_HEADER_TIMEOUT_RESPONSE)
            self.transport.close()


def header_deadline_protocol(timeout_s: float = READ_TIMEOUT_S) -> type[H11Protocol]:
    """``HeaderDeadlineProtocol`` with this deadline (pass it as ``uvicorn.Config(http=...)``)."""
    if timeout_s == HeaderDeadlineProtocol.timeout_s:
        return HeaderDeadlineProtocol
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"timeout_s": timeout_s})
