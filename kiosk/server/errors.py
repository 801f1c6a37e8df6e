"""Uniform error answers: every 4xx/5xx body is an ``ErrorBody``.

- ``ApiError``: raised by handlers for business and lookup errors.
- Exception handlers turn FastAPI/Starlette errors into ``ErrorBody``: malformed JSON → 400
  ``bad_request``, schema errors → 422 ``validation_failed``, unknown path → 404 ``not_found``,
  wrong method → 405 ``method_not_allowed``, anything unhandled → 500 ``internal_error`` (no
  traceback in the body; the exception is logged by the server).
- ``BodyGuardMiddleware`` (pure ASGI): bodies over ``MAX_BODY_BYTES`` → 413
  ``payload_too_large`` (counted as received, so chunked bodies without Content-Length are
  caught too), a non-empty body that is not JSON → 415 ``unsupported_media_type``. PostgreSQL
  cannot hold a NUL character in text, so on both engines alike a path holding one → 404
  ``not_found`` (no such thing can exist) and a JSON string or form field holding one → 422
  ``validation_failed``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.api.models import (
    IDEMPOTENCY_HEADER,
    VISIT_TOKEN_HEADER,
    ErrorBody,
    ErrorCode,
    ErrorDetail,
    Ticket,
)

MAX_BODY_BYTES = 64 * 1024
# An Idempotency-Key: printable ASCII without surrounding spaces, at most this long.
IDEMPOTENCY_KEY_MAX_LENGTH = 200
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
# After the limit is passed, this much more is read and dropped before answering 413, so that
# a client still sending its body reads the answer instead of a connection reset.
_DRAIN_LIMIT_BYTES = 4 * 1024 * 1024

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# ``\u0000`` in JSON text, unless its backslash is itself escaped (``\\u0000`` is text).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")

_CODES_BY_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.bad_request,
    401: ErrorCode.unauthorized,
    403: ErrorCode.forbidden,
    404: ErrorCode.not_found,
    405: ErrorCode.method_not_allowed,
    413: ErrorCode.payload_too_large,
    415: ErrorCode.unsupported_media_type,
    422: ErrorCode.validation_failed,
}

_MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.bad_request: "The request is malformed.",
    ErrorCode.unauthorized: "A valid bearer token is required.",
    ErrorCode.forbidden: "This kiosk may not do that.",
    ErrorCode.not_found: "Not found.",
    ErrorCode.method_not_allowed: "Method not allowed.",
    ErrorCode.payload_too_large: f"The request body is larger than {MAX_BODY_BYTES} bytes.",
    ErrorCode.unsupported_media_type: "The request body must be JSON (application/json).",
    ErrorCode.validation_failed: "The request does not match the schema.",
    ErrorCode.internal_error: "Internal server error.",
}

VISIT_TOKEN_MISSING_MESSAGE = (
    f"This call needs the visit token from identify ({VISIT_TOKEN_HEADER})."
)

ERROR_CODES: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.bad_request: (
        400,
        "Malformed: bad JSON, a missing or unusable Idempotency-Key (408: the body came late).",
    ),
    ErrorCode.unauthorized: (401, "No bearer token, or one the server does not know."),
    ErrorCode.bad_credentials: (401, "Station sign-in: unknown station or wrong password."),
    ErrorCode.forbidden: (403, "The token may not do this (another kiosk's id, an admin page)."),
    ErrorCode.visit_token_required: (
        403,
        "X-Visit-Token is missing, unknown, ended or expired: identify the patient again.",
    ),
    ErrorCode.wrong_patient: (403, "The visit token belongs to another patient."),
    ErrorCode.not_your_queue: (403, "The station does not call this queue."),
    ErrorCode.not_found: (404, "No such path, patient, appointment, payment, queue..."),
    ErrorCode.patient_not_found: (404, "Identify: no patient with this identifier."),
    ErrorCode.method_not_allowed: (405, "The path exists, the method does not."),
    ErrorCode.too_early: (409, "Check-in is not open yet (details: the window)."),
    ErrorCode.too_late: (
        409,
        "Check-in has closed (details: the window), or a cancellation came after the start.",
    ),
    ErrorCode.already_checked_in: (
        409,
        "The appointment has a ticket already; it is in the body's `ticket`.",
    ),
    ErrorCode.cancelled: (409, "The appointment was cancelled."),
    ErrorCode.session_full: (
        409,
        "Registration: no place left (details.suggestions: later sessions with places).",
    ),
    ErrorCode.session_over: (409, "Registration: the session has ended."),
    ErrorCode.already_registered: (
        409,
        "Registration: the patient holds one for this session (details.registration).",
    ),
    ErrorCode.bill_unavailable: (
        409,
        "Payment: a bill is paid, held by another payment, or its registration lapsed.",
    ),
    ErrorCode.already_paid: (409, "Cancel: the payment is paid (details.payment)."),
    ErrorCode.report_not_ready: (409, "The report is pending (details.expected_at)."),
    ErrorCode.print_limit_reached: (
        409,
        "Kiosks printed every copy of the report the reprint policy allows: the window prints.",
    ),
    ErrorCode.reprint_limit_reached: (
        409,
        "Kiosks reprinted the receipt as often as the reprint policy allows: the cashier "
        "window prints another.",
    ),
    ErrorCode.cancellation_unavailable: (
        409,
        "The hospital's system holds the appointment: it is cancelled at a service window.",
    ),
    ErrorCode.patient_exists: (
        409,
        "Create patient: the ID number has a record already; identify the patient with it.",
    ),
    ErrorCode.enrolment_unavailable: (
        409,
        "Create patient: the hospital's system (FHIR source) takes no new records from kiosks.",
    ),
    ErrorCode.queue_empty: (409, "Call-next: nobody is waiting."),
    ErrorCode.stale_action: (409, "The queue entry is no longer in a state that allows this."),
    ErrorCode.recall_limit: (409, "Recalled as often as the queue's rules allow."),
    ErrorCode.payload_too_large: (413, f"The body is larger than {MAX_BODY_BYTES} bytes."),
    ErrorCode.unsupported_media_type: (415, "A body that is not application/json."),
    ErrorCode.validation_failed: (
        422,
        "The request does not match the schema (details: loc, msg, type per problem).",
    ),
    ErrorCode.idempotency_conflict: (
        422,
        "The Idempotency-Key was used before with another request.",
    ),
    ErrorCode.payment_code_invalid: (422, "No known wallet issued this payment code."),
    ErrorCode.insurance_voucher_invalid: (
        422,
        "Identify: not a medical insurance e-voucher code, or one the insurance platform does "
        "not know (details.reason: malformed, unknown).",
    ),
    ErrorCode.insurance_voucher_expired: (
        422,
        "Identify: the medical insurance e-voucher code expired; the patient refreshes it.",
    ),
    ErrorCode.invalid_id_number: (
        422,
        "Not a resident ID number: format, birth date or check character is wrong.",
    ),
    ErrorCode.invalid_phone: (422, "Not a mainland mobile number (11 digits from 13 to 19)."),
    ErrorCode.phone_code_wrong: (422, "The phone code is wrong (details.attempts_left)."),
    ErrorCode.phone_code_expired: (
        422,
        "No phone code is usable: none sent, expired, used or tried too often; send another.",
    ),
    ErrorCode.phone_code_cooldown: (
        429,
        "A phone code was sent to this number moments ago (Retry-After).",
    ),
    ErrorCode.too_many_identifications: (
        429,
        "Too many identifications from this kiosk, or failed station sign-ins (Retry-After).",
    ),
    ErrorCode.too_many_pending_registrations: (
        429,
        "This kiosk holds the most unpaid registrations it may (Retry-After).",
    ),
    ErrorCode.internal_error: (500, "A fault of the server; nothing in the body but this."),
    ErrorCode.database_unavailable: (
        503,
        "The database did not answer (Retry-After); retry with the same Idempotency-Key.",
    ),
    ErrorCode.speech_unavailable: (503, "No speech engine: the call is shown, not spoken."),
}
"""Every code's HTTP status and meaning: the OpenAPI examples and the guide's table."""


def documented_error(description: str, *codes: ErrorCode) -> dict[str, Any]:
    """An OpenAPI response: an ``ErrorBody`` with an example of each code it may carry."""
    return {
        "model": ErrorBody,
        "description": f"{description}: " + ", ".join(f"`{code.value}`" for code in codes),
        "content": {
            "application/json": {
                "examples": {
                    code.value: {
                        "summary": ERROR_CODES[code][1],
                        "value": error_body(code, _MESSAGES.get(code, ERROR_CODES[code][1])),
                    }
                    for code in codes
                }
            }
        },
    }


class ApiError(Exception):
    """An error answer: HTTP status, machine code, human message, optional details/ticket."""

    def __init__(
        self,
        status_code: int,
        code: ErrorCode,
        message: str | None = None,
        *,
        details: Any = None,
        ticket: Ticket | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or _MESSAGES.get(code, code.value))
        self.status_code = status_code
        self.code = code
        self.message = message or _MESSAGES.get(code, code.value)
        self.details = details
        self.ticket = ticket
        self.headers = headers


def error_body(
    code: ErrorCode,
    message: str,
    *,
    details: Any = None,
    ticket: Ticket | None = None,
) -> dict[str, Any]:
    body = ErrorBody(
        error=ErrorDetail(code=code.value, message=message, details=jsonable_encoder(details)),
        ticket=ticket,
    )
    return body.model_dump(mode="json")


def error_response(
    status_code: int,
    code: ErrorCode,
    message: str | None = None,
    *,
    details: Any = None,
    ticket: Ticket | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    if message is None:
        message = _MESSAGES.get(code, code.value)
    return JSONResponse(
        error_body(code, message, details=details, ticket=ticket),
        status_code=status_code,
        headers=headers,
    )


def _api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(
        exc.status_code,
        exc.code,
        exc.message,
        details=exc.details,
        ticket=exc.ticket,
        headers=exc.headers,
    )


def _http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _CODES_BY_STATUS.get(
        status, ErrorCode.internal_error if status >= 500 else ErrorCode.bad_request
    )
    message = _MESSAGES[code]
    if isinstance(exc.detail, str) and exc.detail and status not in (404, 405):
        message = exc.detail
    return error_response(status, code, message, headers=exc.headers)


def _clean_validation_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for error in errors:
        cleaned.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return cleaned


def _validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _clean_validation_errors(exc.errors())
    if errors and all(
        e["loc"] == ["header", VISIT_TOKEN_HEADER] and e["type"] == "missing" for e in errors
    ):  # what the route itself answers for an empty one
        return error_response(403, ErrorCode.visit_token_required, VISIT_TOKEN_MISSING_MESSAGE)
    key_errors = [e for e in errors if e["loc"] == ["header", IDEMPOTENCY_HEADER]]
    if key_errors:  # the answer it had as an optional header checked by the route
        missing = any(e["type"] == "missing" for e in key_errors)
        return error_response(
            400,
            ErrorCode.bad_request,
            f"The {IDEMPOTENCY_HEADER} header is required for this call."
            if missing
            else f"The {IDEMPOTENCY_HEADER} header must be at most "
            f"{IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters.",
            details={"header": IDEMPOTENCY_HEADER},
        )
    if any(error["type"] == "json_invalid" for error in errors):
        return error_response(
            400, ErrorCode.bad_request, "The request body is not valid JSON.", details=errors
        )
    return error_response(422, ErrorCode.validation_failed, details=errors)


def _unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # Starlette's ServerErrorMiddleware logs and re-raises after this answer is sent.
    return error_response(500, ErrorCode.internal_error)


DATABASE_RETRY_AFTER_S = 5


def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer (restarting, failing over, a dropped connection): 503 with
    Retry-After, which the kiosk retries with the same Idempotency-Key, so a write that did
    commit before the connection dropped is replayed, not repeated."""
    return error_response(
        503,
        ErrorCode.database_unavailable,
        "The database cannot be reached just now; try again shortly.",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(Exception, _unhandled_error_handler)


def _is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not media_type.startswith("application/"):
        return False
    subtype = media_type.removeprefix("application/")
    return subtype == "json" or subtype.endswith("+json")


def _holds_nul(body: bytes, content_type: str) -> bool:
    """Whether a JSON or form body carries a NUL character in its text."""
    if _is_json_media_type(content_type):
        return _JSON_NUL.search(body) is not None
    return b"%00" in body or b"\x00" in body


class BodyGuardMiddleware:
    """Reads a request body fully (up to the limit) before the app sees it.

    Over the limit (or the larger one of a path ending in a suffix of ``larger_bodies``, as a
    kiosk's batch of usage events) → 413; non-empty body with a non-JSON content type on
    POST/PUT/PATCH → 415, except an HTML form post (``application/x-www-form-urlencoded``)
    to a path under one of ``form_path_prefixes`` (the payment page). Otherwise the buffered
    body is replayed to the app as a single message.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        form_path_prefixes: tuple[str, ...] = (),
        larger_bodies: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.larger_bodies = dict(larger_bodies or {})
        self.form_path_prefixes = form_path_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await self._send_error(send, 404, ErrorCode.not_found)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length")
        path = str(scope.get("path", ""))
        limit = next(
            (size for suffix, size in self.larger_bodies.items() if path.endswith(suffix)),
            self.max_body_bytes,
        )
        too_large = False
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await self._send_error(send, 400, ErrorCode.bad_request, "Bad Content-Length.")
                return

        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                too_large = True
            if not too_large:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
            if received > limit + _DRAIN_LIMIT_BYTES:
                break
        if too_large:
            await self._send_error(
                send,
                413,
                ErrorCode.payload_too_large,
                f"The request body is larger than {limit} bytes.",
            )
            return

        body = b"".join(chunks)
        if (
            scope.get("method") in _BODY_METHODS
            and body
            and not _is_json_media_type(headers.get("content-type", ""))
            and not self._is_form_post(str(scope.get("path", "")), headers)
        ):
            await self._send_error(send, 415, ErrorCode.unsupported_media_type)
            return
        if _holds_nul(body, headers.get("content-type", "")):
            await self._send_error(
                send, 422, ErrorCode.validation_failed, "Text may not contain NUL characters."
            )
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _is_form_post(self, path: str, headers: Mapping[str, str]) -> bool:
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return media_type == "application/x-www-form-urlencoded" and path.startswith(
            self.form_path_prefixes
        )

    @staticmethod
    async def _send_error(
        send: Send, status: int, code: ErrorCode, message: str | None = None
    ) -> None:
        payload = json.dumps(
            error_body(code, message or _MESSAGES[code]), ensure_ascii=False
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
