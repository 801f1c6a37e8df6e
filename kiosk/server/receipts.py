"""Past receipts (票据补打): a patient's paid payments, and the reprints kiosks count.

Payments are the server's own whatever the clinical source, so this works alike for the
built-in store and a hospital's FHIR server. A reprint is counted *before* the kiosk prints
it, inside the idempotent write of ``reprintReceipt``: a kiosk that lost the answer, or
stopped before its printer finished, sends the same Idempotency-Key again and is given the
same copy (same number, same time) instead of a second one. The policy
(``Limits.free_receipt_reprints``) therefore holds across every kiosk of the hospital.
"""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import ReceiptRecord, ReceiptReprint
from kiosk.server.db import (
    Connection,
    Row,
    from_db_time,
    lock_rows,
    require_transaction,
    to_db_time,
)
from kiosk.server.payments import paid_receipt, payment_bill_ids


def _reprints(conn: Connection, payment_id: str) -> int:
    row = conn.execute(
        "SELECT count(*) FROM receipt_reprints WHERE payment_id = ?", (payment_id,)
    ).fetchone()
    return int(row[0]) if row is not None else 0


def _record(
    conn: Connection, row: Row, now: dt.datetime, base_url: str, free_reprints: int
) -> ReceiptRecord:
    reprints = _reprints(conn, row["id"])
    return ReceiptRecord(
        payment_id=row["id"],
        receipt=paid_receipt(conn, row, payment_bill_ids(conn, row["id"]), now, base_url),
        reprints=reprints,
        reprints_left=max(free_reprints - reprints, 0),
    )


def patient_receipts(
    conn: Connection,
    patient_id: str,
    now: dt.datetime,
    base_url: str,
    *,
    days: int,
    free_reprints: int,
) -> list[ReceiptRecord]:
    """The patient's paid payments decided in the last ``days`` days, newest first.

    Pending, failed, expired and cancelled payments have no receipt and are left out. Times
    are compared after parsing (stored text with an offset does not sort as time)."""
    since = now - dt.timedelta(days=days)
    rows = conn.execute(
        "SELECT * FROM payments WHERE patient_id = ? AND status = 'paid' "
        "AND receipt_number IS NOT NULL AND decided_at IS NOT NULL",
        (patient_id,),
    ).fetchall()
    recent = [row for row in rows if since <= from_db_time(row["decided_at"]) <= now]
    recent.sort(key=lambda row: (from_db_time(row["decided_at"]), row["receipt_number"]))
    return [_record(conn, row, now, base_url, free_reprints) for row in reversed(recent)]


def paid_row_by_receipt(conn: Connection, receipt_number: str) -> Row | None:
    """The paid payment with this receipt number, or None."""
    row: Row | None = conn.execute(
        "SELECT * FROM payments WHERE receipt_number = ? AND status = 'paid'",
        (receipt_number,),
    ).fetchone()
    return row


def within_window(row: Row, now: dt.datetime, days: int) -> bool:
    return now - dt.timedelta(days=days) <= from_db_time(row["decided_at"]) <= now


def count_reprint(
    conn: Connection,
    row: Row,
    kiosk_id: str,
    now: dt.datetime,
    base_url: str,
    free_reprints: int,
) -> ReceiptReprint | None:
    """Count one more reprint of the receipt and return it to print; None when every free
    reprint is used. Runs inside the idempotent write: the payment's row is locked so two
    kiosks reprinting one receipt at once are counted one after the other."""
    require_transaction(conn)
    lock_rows(conn, "payments", [row["id"]])
    done = _reprints(conn, row["id"])
    if done >= free_reprints:
        return None
    conn.execute(
        "INSERT INTO receipt_reprints (payment_id, kiosk_id, reprint_number, reprinted_at) "
        "VALUES (?, ?, ?, ?)",
        (row["id"], kiosk_id, done + 1, to_db_time(now)),
    )
    record = _record(conn, row, now, base_url, free_reprints)
    return ReceiptReprint(
        payment_id=record.payment_id,
        receipt=record.receipt,
        reprints=record.reprints,
        reprints_left=record.reprints_left,
        reprint_number=done + 1,
        reprinted_at=now,
    )
