"""A patient asks for a person: the kiosk's staff call, from the kiosk to the fleet page.

The kiosk sends only its screen's name; the kiosk is known from its token and the time from
the server's clock, so a call holds nothing about the patient. The kiosk follows its call
(``GET``) until a staff member acknowledges it on ``/admin/kiosks``, or cancels it when the
patient no longer needs help. Acknowledging and cancelling are idempotent: the first answer
wins and a repeat changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from kiosk.api.models import (
    API_PREFIX,
    StaffCall,
    StaffCallRequest,
    StaffCallStatus,
)
from kiosk.server.db import Connection, Row, from_db_time, new_id, require_transaction, to_db_time
from kiosk.server.deps import (
    ERRORS,
    IDEMPOTENT_ERRORS,
    Conn,
    IdempotencyKeyHeader,
    KioskId,
    Now,
    not_found,
)
from kiosk.server.idempotency import idempotent_response

router = APIRouter(prefix=API_PREFIX, tags=["staff calls"], responses=ERRORS)

CallId = Annotated[str, PathParam(max_length=64)]

_SELECT = "SELECT c.*, k.location FROM staff_calls c JOIN kiosks k ON k.id = c.kiosk_id "


# --- storage --------------------------------------------------------------------------------


def _call(row: Row) -> StaffCall:
    def when(column: str) -> dt.datetime | None:
        value = row[column]
        return from_db_time(value) if value else None

    return StaffCall(
        id=row["id"],
        kiosk_id=row["kiosk_id"],
        location=row["location"],
        screen=row["screen"],
        status=StaffCallStatus(row["status"]),
        called_at=from_db_time(row["called_at"]),
        acknowledged_at=when("acknowledged_at"),
        cancelled_at=when("cancelled_at"),
    )


def get_call(conn: Connection, call_id: str) -> StaffCall | None:
    row = conn.execute(_SELECT + "WHERE c.id = ?", (call_id,)).fetchone()
    return None if row is None else _call(row)


def open_calls(conn: Connection) -> list[StaffCall]:
    """The calls no one has answered yet, oldest first (the one waiting longest on top)."""
    rows = conn.execute(
        _SELECT + "WHERE c.status = ? ORDER BY c.called_at, c.id", (StaffCallStatus.open.value,)
    )
    return [_call(row) for row in rows]


def create_call(conn: Connection, kiosk_id: str, screen: str, now: dt.datetime) -> StaffCall:
    require_transaction(conn)
    call_id = new_id("call")
    conn.execute(
        "INSERT INTO staff_calls (id, kiosk_id, screen, called_at) VALUES (?, ?, ?, ?)",
        (call_id, kiosk_id, screen, to_db_time(now)),
    )
    created = get_call(conn, call_id)
    assert created is not None
    return created


def acknowledge_call(conn: Connection, call_id: str, now: dt.datetime) -> StaffCall | None:
    """Mark an open call answered; an answered or cancelled one stays as it is."""
    require_transaction(conn)
    conn.execute(
        "UPDATE staff_calls SET status = ?, acknowledged_at = ? WHERE id = ? AND status = ?",
        (StaffCallStatus.acknowledged.value, to_db_time(now), call_id, StaffCallStatus.open.value),
    )
    return get_call(conn, call_id)


def cancel_call(conn: Connection, call_id: str, now: dt.datetime) -> None:
    """The patient no longer waits; a call staff already answered keeps its answer."""
    require_transaction(conn)
    conn.execute(
        "UPDATE staff_calls SET status = ?, cancelled_at = ? WHERE id = ? AND status = ?",
        (StaffCallStatus.cancelled.value, to_db_time(now), call_id, StaffCallStatus.open.value),
    )


def _own_call(conn: Connection, kiosk_id: str, call_id: str) -> StaffCall:
    call = get_call(conn, call_id)
    if call is None or call.kiosk_id != kiosk_id:
        raise not_found("staff call", call_id)  # another kiosk's call is none of its business
    return call


# --- the kiosks' calls ----------------------------------------------------------------------


@router.post(
    "/staff-calls",
    response_model=StaffCall,
    status_code=201,
    responses=IDEMPOTENT_ERRORS,
    operation_id="callStaff",
    summary="Ask for a member of staff at this kiosk (呼叫工作人员)",
)
def call_staff(
    body: StaffCallRequest,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """A patient at this kiosk asks for a person; a retry with the same key is the same call."""

    def action() -> tuple[int, Any]:
        return 201, create_call(conn, kiosk_id, body.screen, now).model_dump(mode="json")

    return idempotent_response(
        request, conn, kiosk_id, idempotency_key, body.model_dump(mode="json"), now, action
    )


@router.get(
    "/staff-calls/{call_id}",
    response_model=StaffCall,
    operation_id="getStaffCall",
    summary="A staff call and whether staff are on the way",
)
def staff_call(call_id: CallId, kiosk_id: KioskId, conn: Conn) -> StaffCall:
    """This kiosk's call as it stands: the kiosk asks until staff acknowledge it."""
    return _own_call(conn, kiosk_id, call_id)


@router.post(
    "/staff-calls/{call_id}/cancel",
    response_model=StaffCall,
    responses=IDEMPOTENT_ERRORS,
    operation_id="cancelStaffCall",
    summary="Cancel a staff call",
)
def cancel_staff_call(
    call_id: CallId,
    request: Request,
    kiosk_id: KioskId,
    conn: Conn,
    now: Now,
    idempotency_key: IdempotencyKeyHeader,
) -> Response:
    """The patient cancelled the call (or left): it leaves the fleet page's list."""
    _own_call(conn, kiosk_id, call_id)

    def action() -> tuple[int, Any]:
        cancel_call(conn, call_id, now)
        return 200, _own_call(conn, kiosk_id, call_id).model_dump(mode="json")

    return idempotent_response(request, conn, kiosk_id, idempotency_key, {}, now, action)
