"""The queue's REST API and event streams: stations call, displays and phones follow.

Stations authenticate with their session token (``Authorization: Bearer``) or the staff
page's ``kiosk_station`` cookie; a cookie-authenticated write must come from this server's
own origin. Every write takes an ``Idempotency-Key`` (scoped to the station) and publishes the
queues it changed to the bus once committed. The board, the phone's status and the event
streams need no sign-in and carry no name beyond the masked one on the board.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from kiosk.api.models import (
    API_PREFIX,
    DisplayBoard,
    ErrorCode,
    PriorityRequest,
    QueueEntry,
    QueueEventList,
    QueueList,
    QueueView,
    Station,
    StationLogin,
    StationSession,
    TrackStatus,
    TransferRequest,
    WaitingArea,
)
from kiosk.server import queue, stations
from kiosk.server.db import Connection, Database
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    Conn,
    IdempotencyKeyHeader,
    Now,
    not_found,
    read_by_key,
)
from kiosk.server.errors import ApiError, documented_error
from kiosk.server.idempotency import idempotent_response
from kiosk.server.queue_bus import QueueBus, SharedReads
from kiosk.server.security import same_origin

KEEPALIVE_S = 15.0  # a comment line this often keeps proxies and the display's watchdog happy
RECONNECT_MS = 2000  # EventSource's retry after a dropped stream
STREAM_LIFETIME_S = 600.0  # a stream ends after this; the browser reconnects at once

router = APIRouter(prefix=API_PREFIX, tags=["queue"], responses=ERRORS)
_bearer = HTTPBearer(auto_error=False, description="A station's session token")

EntryId = Annotated[int, PathParam(ge=1, le=2**53)]
QueueIdPath = Annotated[str, PathParam(max_length=64)]
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **IDEMPOTENT_ERRORS,
    403: documented_error(
        "The station does not call this queue, or a cookie write came from another origin",
        ErrorCode.not_your_queue,
        ErrorCode.forbidden,
    ),
    409: documented_error(
        "The queue or entry does not allow this now",
        ErrorCode.queue_empty,
        ErrorCode.stale_action,
        ErrorCode.recall_limit,
    ),
}


class AreaList(BaseModel):
    areas: list[WaitingArea]


# --- station authentication -----------------------------------------------------------------


def _station_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> str | None:
    if credentials is not None:
        return credentials.credentials
    return request.cookies.get(stations.STATION_COOKIE)


async def _authenticated_station(
    request: Request,
    conn: Conn,
    now: Now,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Station:
    token = _station_token(request, credentials)
    station = (
        await read_by_key(conn, stations.station_for_token, conn, token, now) if token else None
    )
    if station is None:
        raise ApiError(
            401, ErrorCode.unauthorized, headers={"WWW-Authenticate": 'Bearer realm="station"'}
        )
    if credentials is None and request.method != "GET" and not same_origin(request):
        raise ApiError(403, ErrorCode.forbidden, "Use this server's own staff page.")
    return station


SignedInStation = Annotated[Station, Depends(_authenticated_station)]


def _require_queue(station: Station, queue_id: str) -> None:
    if queue_id not in station.queues:
        raise ApiError(
            403, ErrorCode.not_your_queue, f"Station {station.id!r} does not call {queue_id!r}."
        )


def _bus(request: Request) -> QueueBus:
    bus: QueueBus = request.app.state.queue_bus
    return bus


@router.post(
    "/stations/session",
    response_model=StationSession,
    operation_id="signInStation",
    summary="Sign a calling station in: its session token",
    responses={
        401: documented_error("Unknown station or wrong password", ErrorCode.bad_credentials),
        429: documented_error(
            "Too many failed sign-ins for this station (Retry-After)",
            ErrorCode.too_many_identifications,
        ),
    },
)
def station_sign_in(body: StationLogin, request: Request, conn: Conn, now: Now) -> StationSession:
    """A session token for a station (12 hours); the staff page signs in through this too."""
    return sign_in(request, conn, body.station, body.password, now)


def sign_in(
    request: Request, conn: Connection, station_id: str, password: str, now: dt.datetime
) -> StationSession:
    """The shared sign-in of the API and the staff page's form (rate limited per station)."""
    limiter: stations.SignInLimiter = request.app.state.station_sign_ins
    retry_after = limiter.retry_after(station_id)
    if retry_after is not None:
        raise ApiError(
            429,
            ErrorCode.too_many_identifications,
            "Too many failed sign-ins for this station; wait a minute.",
            details={"retry_after_s": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
    signed_in = stations.sign_in(conn, station_id, password, now)
    if signed_in is None:
        limiter.failed(station_id)
        raise ApiError(401, ErrorCode.bad_credentials, "Unknown station or wrong password.")
    token, expires_at, station = signed_in
    return StationSession(token=token, expires_at=expires_at, station=station)


@router.delete(
    "/stations/session",
    status_code=204,
    operation_id="signOutStation",
    summary="Sign the station out (its token stops working)",
)
def station_sign_out(
    request: Request,
    conn: Conn,
    now: Now,
    station: SignedInStation,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Response:
    """The session ends at once (the staff page's 退出 does the same)."""
    token = _station_token(request, credentials)
    assert token is not None
    stations.sign_out(conn, token, now)
    return Response(status_code=204)


@router.get(
    "/stations/me",
    response_model=Station,
    operation_id="getCurrentStation",
    summary="The signed-in station and the queues it calls",
)
def station_me(station: SignedInStation) -> Station:
    """Who the token belongs to: its name, room and ``queues``."""
    return station


# --- stations: reading and calling ----------------------------------------------------------


@router.get(
    "/queues",
    response_model=QueueList,
    operation_id="listQueues",
    summary="Every queue of the day with its counts",
)
def queues(station: SignedInStation, conn: Conn, now: Now) -> QueueList:
    """Every queue (a station transfers to any of them); ``Station.queues`` are its own."""
    return queue.list_queues(conn, now.date())


@router.get(
    "/queues/{queue_id}",
    response_model=QueueView,
    responses={403: _WRITE_ERRORS[403]},
    operation_id="getQueue",
    summary="One of the station's queues: who is waiting, called and served",
)
def queue_detail(
    queue_id: QueueIdPath, station: SignedInStation, conn: Conn, now: Now
) -> QueueView:
    """The waiting list in call order, with the current calls and the estimated wait."""
    _require_queue(station, queue_id)
    return queue.queue_view(queue.snapshot(conn, queue_id, now.date()), now)


@router.get(
    "/queues/{queue_id}/events",
    response_model=QueueEventList,
    responses={403: _WRITE_ERRORS[403]},
    operation_id="listQueueEvents",
    summary="A queue's event log",
)
def queue_events(
    queue_id: QueueIdPath,
    station: SignedInStation,
    conn: Conn,
    after: Annotated[int, Query(ge=0, le=2**53, description="Events after this id")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> QueueEventList:
    """The queue's event log, oldest first (a HIS or the insight pages read the figures here)."""
    _require_queue(station, queue_id)
    if not queue.queue_exists(conn, queue_id):
        raise not_found("queue", queue_id)
    return QueueEventList(events=queue.events(conn, queue_id, after, limit))


def _station_write(
    request: Request,
    conn: Connection,
    station: Station,
    key: str,
    body: Any,
    now: dt.datetime,
    change: Callable[[], int],
) -> Response:
    """Run a station's change once per key, answer the entry, and publish the queues touched."""
    touched: set[str] = set()

    def action() -> tuple[int, Any]:
        entry_id = change()
        entry = queue.entry_view(conn, entry_id)
        touched.add(entry.queue_id)
        if entry.transferred_from:
            touched.add(entry.transferred_from)
        return 200, entry.model_dump(mode="json")

    response = idempotent_response(request, conn, f"station:{station.id}", key, body, now, action)
    _bus(request).publish(touched)
    return response


@router.post(
    "/queues/{queue_id}/call-next",
    response_model=QueueEntry,
    responses={**_WRITE_ERRORS, 404: documented_error("Unknown queue", ErrorCode.not_found)},
    operation_id="callNext",
    summary="Call the next patient of a queue (叫号)",
)
def call_next(
    queue_id: QueueIdPath,
    request: Request,
    station: SignedInStation,
    conn: Conn,
    now: Now,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """Call the next patient (priority interleaved); 409 queue_empty when nobody waits."""
    _require_queue(station, queue_id)
    return _station_write(
        request,
        conn,
        station,
        idempotency_key,
        {},
        now,
        lambda: queue.call_next(conn, queue_id, station.id, now),
    )


def _entry_action(
    action: queue.Action,
    entry_id: int,
    request: Request,
    station: Station,
    conn: Connection,
    now: dt.datetime,
    key: str,
    body: dict[str, Any],
    **options: Any,
) -> Response:
    _require_queue(station, queue.entry_queue_id(conn, entry_id))

    def change() -> int:
        # The entry may have moved between the check above and this transaction.
        _require_queue(station, queue.entry_queue_id(conn, entry_id))
        return queue.act(conn, entry_id, action, station.id, now, **options)

    return _station_write(request, conn, station, key, body, now, change)


def _simple_action(action: queue.Action, operation_id: str, summary: str) -> None:
    def route(
        entry_id: EntryId,
        request: Request,
        station: SignedInStation,
        conn: Conn,
        now: Now,
        idempotency_key: IdempotencyKeyHeader,
    ) -> Response:
        return _entry_action(action, entry_id, request, station, conn, now, idempotency_key, {})

    route.__name__ = f"{action.value}_entry"
    router.post(
        f"/queue-entries/{{entry_id}}/{action.value}",
        response_model=QueueEntry,
        responses=_WRITE_ERRORS,
        operation_id=operation_id,
        summary=summary,
        description="Answers the entry as it is now; a retry with the same Idempotency-Key "
        "answers the same.",
    )(route)


_simple_action(queue.Action.call, "callEntry", "Call this waiting entry now, out of turn")
_simple_action(
    queue.Action.recall, "recallEntry", "Call the entry again (重呼), up to the rules' count"
)
_simple_action(
    queue.Action.miss, "missEntry", "The patient did not come (过号): a few places back, or no-show"
)
_simple_action(queue.Action.serve, "serveEntry", "The consultation starts (开始就诊)")
_simple_action(queue.Action.finish, "finishEntry", "The consultation is over (完成)")
_simple_action(queue.Action.cancel, "cancelEntry", "Take the entry out of the queue")


@router.post(
    "/queue-entries/{entry_id}/transfer",
    response_model=QueueEntry,
    responses=_WRITE_ERRORS,
    operation_id="transferEntry",
    summary="Send the patient to another queue with the same number (转诊, 回诊)",
)
def transfer_entry(
    entry_id: EntryId,
    body: TransferRequest,
    request: Request,
    station: SignedInStation,
    conn: Conn,
    now: Now,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """The entry leaves its queue and waits in ``to_queue`` (any queue) under its number."""
    if not queue.queue_exists(conn, body.to_queue):
        raise not_found("queue", body.to_queue)
    return _entry_action(
        queue.Action.transfer,
        entry_id,
        request,
        station,
        conn,
        now,
        idempotency_key,
        body.model_dump(mode="json"),
        to_queue=body.to_queue,
    )


@router.post(
    "/queue-entries/{entry_id}/priority",
    response_model=QueueEntry,
    responses=_WRITE_ERRORS,
    operation_id="setEntryPriority",
    summary="Mark the entry as priority (disabled, military, elderly) or normal",
)
def set_priority(
    entry_id: EntryId,
    body: PriorityRequest,
    request: Request,
    station: SignedInStation,
    conn: Conn,
    now: Now,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """A priority entry is called before others in turn, interleaved by the queue's rules."""
    return _entry_action(
        queue.Action.priority,
        entry_id,
        request,
        station,
        conn,
        now,
        idempotency_key,
        body.model_dump(mode="json"),
        priority=body.priority,
    )


# --- public: the waiting-room display and the patient's phone -------------------------------


@router.get(
    "/areas",
    response_model=AreaList,
    tags=["public"],
    operation_id="listAreas",
    summary="The waiting areas (one display each)",
)
def list_areas(conn: Conn) -> AreaList:
    """Waiting areas and their queues: what ``/display/{area}`` shows."""
    return AreaList(areas=queue.areas(conn))


@router.get(
    "/areas/{area_id}/board",
    response_model=DisplayBoard,
    tags=["public"],
    operation_id="getAreaBoard",
    summary="A waiting area's board: now calling, last calls, next per room",
)
def area_board(
    area_id: Annotated[str, PathParam(max_length=64)], conn: Conn, now: Now
) -> DisplayBoard:
    """What the waiting-room display shows; names masked."""
    board = queue.area_board(conn, area_id, now)
    if board is None:
        raise not_found("waiting area", area_id)
    return board


TrackToken = Annotated[str, PathParam(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get(
    "/track/{token}",
    response_model=TrackStatus,
    tags=["public"],
    operation_id="getTrackStatus",
    summary="A ticket's place in its queue, by the phone page's token",
)
def track(token: TrackToken, conn: Conn, now: Now) -> TrackStatus:
    """The ticket behind a phone page's token: where it stands, no name, no ID."""
    status = queue.track(conn, token, now)
    if status is None:
        raise not_found("ticket", "for this link")
    return status


async def _read(request: Request, read: Callable[[Connection, dt.datetime], Any]) -> Any:
    """One read on a pooled connection, in a worker thread (streams run on the event loop)."""
    database: Database = request.app.state.database
    async with database.borrowed() as conn:
        return await anyio.to_thread.run_sync(read, conn, request.app.state.clock())


async def _stream(
    request: Request,
    event: str,
    first: BaseModel,
    next_value: Callable[[set[str]], Awaitable[BaseModel | None]],
    queue_ids: set[str],
) -> AsyncIterator[str]:
    """An SSE stream: the first value at once, then each new value after a change of one of
    ``queue_ids`` (the same value again, but for its server time, is not sent). Once
    subscribed, the value is read again as if they had all changed: a change made between
    the first read and the subscription would otherwise be lost."""
    bus = _bus(request)
    loop_deadline = asyncio.get_running_loop().time() + STREAM_LIFETIME_S
    yield f"retry: {RECONNECT_MS}\n\n"
    yield _sse(event, first)
    last = first.model_dump_json(exclude={"server_time"})
    async with bus.subscribe() as subscription:
        changed = set(queue_ids)
        while not subscription.closed and not bus.closed:
            if asyncio.get_running_loop().time() > loop_deadline:
                return
            if not changed:
                changed = await subscription.wait(KEEPALIVE_S)
                if subscription.closed:
                    return
                if not changed:
                    yield ": keepalive\n\n"
                    continue
            value = await next_value(changed)
            changed = set()
            if value is None:
                continue
            text = value.model_dump_json(exclude={"server_time"})
            if text != last:
                last = text
                yield _sse(event, value)


def _sse(event: str, value: BaseModel) -> str:
    return f"event: {event}\ndata: {value.model_dump_json()}\n\n"


def _stream_response(body: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


@router.get(
    "/areas/{area_id}/events",
    tags=["public"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "board events"}},
    operation_id="streamAreaBoard",
    summary="A waiting area's board as server-sent events",
)
async def area_events(
    area_id: Annotated[str, PathParam(max_length=64)], request: Request
) -> Response:
    """Server-sent events: ``board`` with the whole ``DisplayBoard`` at once and on change."""
    board: DisplayBoard | None = await _read(
        request, lambda conn, now: queue.area_board(conn, area_id, now)
    )
    if board is None:
        raise not_found("waiting area", area_id)
    queue_ids = {item.queue_id for item in board.queues}
    boards: SharedReads[DisplayBoard | None] = request.app.state.board_reads
    bus = _bus(request)

    async def next_board(changed: set[str]) -> DisplayBoard | None:
        if not changed & queue_ids:
            return None

        async def compute() -> tuple[int, DisplayBoard | None]:
            generation = bus.generation
            value = await _read(request, lambda conn, now: queue.area_board(conn, area_id, now))
            return generation, value

        return await boards.get(area_id, bus.generation, compute)

    return _stream_response(_stream(request, "board", board, next_board, queue_ids))


@router.get(
    "/track/{token}/events",
    tags=["public"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "status events"}},
    operation_id="streamTrackStatus",
    summary="A ticket's place as server-sent events",
)
async def track_events(token: TrackToken, request: Request) -> Response:
    """Server-sent events: ``status`` with the ``TrackStatus`` at once and on change."""
    status: TrackStatus | None = await _read(
        request, lambda conn, now: queue.track(conn, token, now)
    )
    if status is None:
        raise not_found("ticket", "for this link")
    statuses: SharedReads[dict[str, TrackStatus]] = request.app.state.track_reads
    bus = _bus(request)
    current = {"queue": status.queue_id}

    async def next_status(changed: set[str]) -> TrackStatus | None:
        if current["queue"] not in changed:
            return None
        queue_id = current["queue"]

        async def compute() -> tuple[int, dict[str, TrackStatus]]:
            generation = bus.generation
            value = await _read(request, lambda conn, now: queue.track_all(conn, queue_id, now))
            return generation, value

        found = (await statuses.get(queue_id, bus.generation, compute)).get(token)
        if found is None or found.state.value == "transferred":
            found = await _read(request, lambda conn, now: queue.track(conn, token, now))
        if found is not None:
            current["queue"] = found.queue_id
        return found

    return _stream_response(_stream(request, "status", status, next_status, {status.queue_id}))


def install(app: Any) -> None:
    """The queue's shared state on the app: the bus, the shared reads, the sign-in limiter."""
    app.state.queue_bus = QueueBus(app.state.database)
    app.state.board_reads = SharedReads()
    app.state.track_reads = SharedReads()
    app.state.station_sign_ins = stations.SignInLimiter()
    app.include_router(router)
