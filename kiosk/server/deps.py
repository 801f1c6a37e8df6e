"""FastAPI dependencies shared by the routers: connection, kiosk, clock, base URL, headers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator

from kiosk.api.models import IDEMPOTENCY_HEADER, VISIT_TOKEN_HEADER, ErrorCode
from kiosk.server.builtin_source import BuiltinClinicalSource
from kiosk.server.clinical import ClinicalSource, RemoteClinicalSource
from kiosk.server.db import Connection, Database, kiosk_for_token
from kiosk.server.errors import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_KEY_PATTERN,
    ApiError,
    documented_error,
)
from kiosk.server.visits import Limits

ERRORS: dict[int | str, dict[str, Any]] = {
    400: documented_error("Malformed request", ErrorCode.bad_request),
    401: documented_error("Missing or unknown bearer token", ErrorCode.unauthorized),
    404: documented_error("Not found", ErrorCode.not_found),
    408: documented_error("The body did not arrive in time", ErrorCode.bad_request),
    413: documented_error("Body larger than 64 KiB", ErrorCode.payload_too_large),
    415: documented_error("Body is not JSON", ErrorCode.unsupported_media_type),
    422: documented_error("Request does not match the schema", ErrorCode.validation_failed),
    503: documented_error("The database is unavailable", ErrorCode.database_unavailable),
}
"""What any call may answer besides its own errors."""
# Patient-scoped calls also answer these.
VISIT_ERRORS: dict[int | str, dict[str, Any]] = {
    403: documented_error(
        "The visit token is missing, unknown, ended or expired, or another patient's",
        ErrorCode.visit_token_required,
        ErrorCode.wrong_patient,
    ),
}
# Calls with an Idempotency-Key also answer these.
IDEMPOTENT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: documented_error("Malformed request or Idempotency-Key", ErrorCode.bad_request),
    422: documented_error(
        "The request does not match the schema, or its key was used for another request",
        ErrorCode.validation_failed,
        ErrorCode.idempotency_conflict,
    ),
}

PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": response["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status, response in ERRORS.items()
}
"""``ERRORS`` for routes answering HTML: FastAPI would document a ``model`` as HTML there."""

_bearer = HTTPBearer(auto_error=False, description="The kiosk's own token")


# --- dependencies ---------------------------------------------------------------------------


async def _get_conn(request: Request) -> AsyncIterator[Connection]:
    database: Database = request.app.state.database
    async with database.borrowed() as conn:
        yield conn


Conn = Annotated[Connection, Depends(_get_conn)]


_P = ParamSpec("_P")
_T = TypeVar("_T")


async def read_by_key(
    conn: Connection, read: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """A dependency's read of one row by a unique key (a token's hash).

    SQLite answers it from its page cache in tens of microseconds and a WAL reader never waits
    for the writer, so it runs right here on the event loop: the hop to a worker thread and
    back would cost the request more than the read. PostgreSQL's answer is a round trip to
    another process, which a worker thread waits for.
    """
    if conn.dialect == "sqlite":
        return read(*args, **kwargs)
    return await anyio.to_thread.run_sync(lambda: read(*args, **kwargs))


async def _authenticated_kiosk(
    conn: Conn,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    kiosk_id = (
        await read_by_key(conn, kiosk_for_token, conn, credentials.credentials)
        if credentials
        else None
    )
    if kiosk_id is None:
        raise ApiError(
            401, ErrorCode.unauthorized, headers={"WWW-Authenticate": 'Bearer realm="kiosk"'}
        )
    return kiosk_id


KioskId = Annotated[str, Depends(_authenticated_kiosk)]


async def _now(request: Request) -> dt.datetime:
    clock: Callable[[], dt.datetime] = request.app.state.clock
    now = clock()
    if now.tzinfo is None:
        now = now.astimezone()
    return now


Now = Annotated[dt.datetime, Depends(_now)]


async def _base_url(request: Request) -> str:
    public_url: str | None = request.app.state.public_url
    return (public_url or str(request.base_url)).rstrip("/")


BaseUrl = Annotated[str, Depends(_base_url)]


async def _clinical(request: Request, conn: Conn, base_url: BaseUrl, now: Now) -> ClinicalSource:
    """The source chosen at start (``create_app(clinical=...)``), else the built-in store on
    this request's connection."""
    remote: RemoteClinicalSource | None = request.app.state.clinical
    return remote if remote is not None else BuiltinClinicalSource(conn, base_url, now)


Clinical = Annotated[ClinicalSource, Depends(_clinical)]


async def _remote_clinical(request: Request) -> RemoteClinicalSource | None:
    remote: RemoteClinicalSource | None = request.app.state.clinical
    return remote


RemoteClinical = Annotated[RemoteClinicalSource | None, Depends(_remote_clinical)]
"""The hospital's system chosen at start, None with the built-in store."""


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, ErrorCode.not_found, f"No {what} {ident!r}.")


IdempotencyKeyHeader = Annotated[
    str,
    Header(
        alias=IDEMPOTENCY_HEADER,
        description="Retrying with the same key replays the first answer.",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=IDEMPOTENCY_KEY_PATTERN,
    ),
]
"""Required: without it, or with an unusable key, the answer is a 400 ``bad_request``."""

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: object) -> object:
    # pydantic alone reads ``0`` or ``1741564800`` as a Unix time (1970-01-01, …).
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]
"""A date query parameter: ``YYYY-MM-DD`` only, else 422 ``validation_failed``."""


async def _limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


ServerLimits = Annotated[Limits, Depends(_limits)]

VISIT_TOKEN_MAX_LENGTH = 256
VisitTokenHeader = Annotated[
    str,
    Header(
        alias=VISIT_TOKEN_HEADER,
        max_length=VISIT_TOKEN_MAX_LENGTH,
        description="The visit token from identify (the patient's live visit at this kiosk).",
    ),
]
"""Required: without it the answer is a 403 ``visit_token_required``."""
OptionalVisitTokenHeader = Annotated[
    str | None,
    Header(
        alias=VISIT_TOKEN_HEADER,
        max_length=VISIT_TOKEN_MAX_LENGTH,
        description="A visit token sent anyway must be this kiosk's live visit of the "
        "payment's patient; a kiosk reconciling after a restart has none.",
    ),
]
