"""How long an unpaid registration holds its place in a session.

A fee registration is ``pending_payment`` with an unpaid bill. It holds its place only while
its fee can still be paid:

- while a payment of its bill is pending and not expired, or
- before any payment of its bill was made, for ``REGISTRATION_HOLD`` after it was created (the
  kiosk creates the payment right away; this covers a slow network, not a patient's
  hesitation).

Once neither is true the hold has **lapsed**: like an expired payment, a lapsed hold is worked
out on read (``lapsed``, ``lapsed_per_session``), and written down (the registration
cancelled, the place back in its session, its bill no longer payable) by the next writer that
touches registrations or payments, in the same transaction (``release_lapsed``): cancelling or
declining a payment releases its registration at once.
"""

from __future__ import annotations

import datetime as dt

from kiosk.server import hospital_writes
from kiosk.server.db import Connection, Row, from_db_time, require_transaction

REGISTRATION_HOLD = dt.timedelta(minutes=5)

_PENDING = (
    "SELECT id, session_id, bill_id, kiosk_id, created_at FROM registrations "
    "WHERE status = 'pending_payment' "
)


def hold_ends_at(conn: Connection, reg: Row, now: dt.datetime) -> dt.datetime:
    """When the registration's hold lapses (in the past when it has lapsed already)."""
    payments = conn.execute(
        "SELECT p.status, p.expires_at, p.decided_at FROM payment_bills pb "
        "JOIN payments p ON p.id = pb.payment_id WHERE pb.bill_id = ?",
        (reg["bill_id"],),
    ).fetchall()
    created = from_db_time(reg["created_at"])
    if not payments:
        return created + REGISTRATION_HOLD
    ends = created
    for payment in payments:
        if payment["status"] == "pending":
            ends = max(ends, from_db_time(payment["expires_at"]))
        elif payment["status"] == "paid":
            return dt.datetime.max.replace(tzinfo=now.tzinfo)
    return ends


def lapsed(conn: Connection, reg: Row, now: dt.datetime) -> bool:
    """True when a ``pending_payment`` registration no longer holds its place."""
    return now >= hold_ends_at(conn, reg, now)


def pending_rows(conn: Connection, *, kiosk_id: str | None = None) -> list[Row]:
    if kiosk_id is None:
        return conn.execute(_PENDING).fetchall()
    return conn.execute(_PENDING + "AND kiosk_id = ?", (kiosk_id,)).fetchall()


def lapsed_per_session(conn: Connection, now: dt.datetime) -> dict[str, int]:
    """Places held by lapsed registrations not yet released, per session id (for readers)."""
    counts: dict[str, int] = {}
    for reg in pending_rows(conn):
        if lapsed(conn, reg, now):
            counts[reg["session_id"]] = counts.get(reg["session_id"], 0) + 1
    return counts


def release_lapsed(conn: Connection, now: dt.datetime) -> int:
    """Cancel every lapsed pending registration and give its place back; returns how many."""
    require_transaction(conn)
    released = 0
    for reg in pending_rows(conn):
        if not lapsed(conn, reg, now):
            continue
        changed = conn.execute(
            "UPDATE registrations SET status = 'cancelled' "
            "WHERE id = ? AND status = 'pending_payment'",
            (reg["id"],),
        ).rowcount
        if changed:
            hospital_writes.registration_cancelled(conn, reg["id"], now)
            conn.execute(
                "UPDATE sessions SET slots_left = slots_left + 1"
                " WHERE id = ? AND slots_left < slots_total",
                (reg["session_id"],),
            )
            released += 1
    return released


def void_bill(conn: Connection, bill_id: str, now: dt.datetime) -> bool:
    """True when the bill is the fee of a registration that no longer holds a place: it can no
    longer be paid (the place is gone) and is not shown as owed."""
    for reg in conn.execute(
        "SELECT id, session_id, bill_id, kiosk_id, created_at, status FROM registrations "
        "WHERE bill_id = ?",
        (bill_id,),
    ).fetchall():
        if reg["status"] == "cancelled":
            return True
        if reg["status"] == "pending_payment" and lapsed(conn, reg, now):
            return True
    return False
