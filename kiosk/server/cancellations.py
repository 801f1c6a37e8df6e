"""Cancelling an appointment (取消预约/退号) in the built-in store: the place goes back to its
session and a paid registration fee is refunded (simulated: a row in ``refunds``).

Runs inside the write transaction ``run_idempotent`` opens, so the checks and the changes are
one atomic step: two kiosks cancelling the same appointment at once refund it once (the second
finds it cancelled), and a resent request with the same key replays the first answer.
"""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import (
    AppointmentStatus,
    CancellationResult,
    ErrorCode,
    Refund,
    RegistrationStatus,
)
from kiosk.api.payment_codes import Wallet
from kiosk.server import queries
from kiosk.server.db import (
    Connection,
    lock_rows,
    new_id,
    require_transaction,
    to_db_time,
)
from kiosk.server.errors import ApiError


def refuse_cancel(
    status: AppointmentStatus, has_ticket: bool, starts_at: dt.datetime, now: dt.datetime
) -> None:
    """409 unless the appointment is booked, not checked in, and its session has not begun:
    after that the doctor may already be seeing the patients of the session."""
    if status is AppointmentStatus.cancelled:
        raise ApiError(409, ErrorCode.cancelled, "This appointment is already cancelled.")
    if has_ticket or status is not AppointmentStatus.booked:
        raise ApiError(
            409,
            ErrorCode.already_checked_in,
            "This appointment is checked in (or over); it can no longer be cancelled here.",
        )
    if now >= starts_at:
        raise ApiError(
            409,
            ErrorCode.too_late,
            "This appointment has started; it can no longer be cancelled.",
            details={"starts_at": starts_at.isoformat()},
        )


def cancel_appointment(
    conn: Connection,
    *,
    kiosk_id: str,
    patient_id: str,
    appointment_id: str,
    now: dt.datetime,
    base_url: str,
) -> CancellationResult:
    """Cancel the visit patient's appointment: booked → cancelled, its session's place freed,
    its registration cancelled and that registration's paid fee refunded once."""
    require_transaction(conn)
    lock_rows(conn, "appointments", [appointment_id])
    row = queries.get_appointment_row(conn, appointment_id)
    if row is None:
        raise ApiError(404, ErrorCode.not_found, f"No appointment {appointment_id!r}.")
    if row["patient_id"] != patient_id:
        raise ApiError(403, ErrorCode.wrong_patient, "The visit token is another patient's.")
    found = queries.appointment(conn, row, base_url)
    refuse_cancel(found.status, found.ticket is not None, found.starts_at, now)
    conn.execute(
        "UPDATE appointments SET status = ? WHERE id = ? AND status = ?",
        (AppointmentStatus.cancelled.value, appointment_id, AppointmentStatus.booked.value),
    )
    session = conn.execute(
        "SELECT session_id FROM appointments WHERE id = ?", (appointment_id,)
    ).fetchone()
    if session is not None and session["session_id"] is not None:
        conn.execute(
            "UPDATE sessions SET slots_left = slots_left + 1 "
            "WHERE id = ? AND slots_left < slots_total",
            (session["session_id"],),
        )
    refund = _cancel_registration(conn, kiosk_id, appointment_id, now)
    cancelled = queries.get_appointment_row(conn, appointment_id)
    assert cancelled is not None  # locked above
    return CancellationResult(
        appointment=queries.appointment(conn, cancelled, base_url), refund=refund
    )


def _cancel_registration(
    conn: Connection, kiosk_id: str, appointment_id: str, now: dt.datetime
) -> Refund | None:
    """The registration that booked the appointment is cancelled too; its fee, when a payment
    paid it, goes back to where it came from."""
    reg = conn.execute(
        "SELECT id, bill_id, fee_cents FROM registrations WHERE appointment_id = ? AND status = ?",
        (appointment_id, RegistrationStatus.confirmed.value),
    ).fetchone()
    if reg is None:
        return None
    conn.execute(
        "UPDATE registrations SET status = ? WHERE id = ?",
        (RegistrationStatus.cancelled.value, reg["id"]),
    )
    if reg["bill_id"] is None or int(reg["fee_cents"]) <= 0:
        return None
    paid = conn.execute(
        "SELECT p.id, p.receipt_number, p.wallet FROM bills b JOIN payments p "
        "ON p.id = b.payment_id WHERE b.id = ? AND b.status = 'paid'",
        (reg["bill_id"],),
    ).fetchone()
    if paid is None:
        return None
    refund = Refund(
        id=new_id("rf"),
        amount_cents=int(reg["fee_cents"]),
        payment_id=paid["id"],
        receipt_number=paid["receipt_number"] or "",
        wallet=Wallet(paid["wallet"]) if paid["wallet"] else None,
        refunded_at=now,
    )
    conn.execute(
        "INSERT INTO refunds (id, payment_id, registration_id, appointment_id, amount_cents, "
        "wallet, kiosk_id, refunded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            refund.id,
            refund.payment_id,
            reg["id"],
            appointment_id,
            refund.amount_cents,
            refund.wallet.value if refund.wallet else None,
            kiosk_id,
            to_db_time(now),
        ),
    )
    return refund
