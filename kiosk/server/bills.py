"""Bills: what a patient owes, item by item, and whether a payment holds them.

A bill is locked while a payment holding it is pending and not expired, so an abandoned QR code
frees its bills by itself.
"""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import Bill, BillItem, BillStatus, ItemCategory
from kiosk.server import holds, queries
from kiosk.server.db import Connection, Row, from_db_time

BILL_SELECT = (
    f"SELECT b.*, {queries.DEPARTMENT_COLUMNS} "
    "FROM bills b JOIN departments d ON d.id = b.department_id "
)


def bill_items(conn: Connection, bill_id: str) -> list[BillItem]:
    rows = conn.execute(
        "SELECT * FROM bill_items WHERE bill_id = ? ORDER BY seq", (bill_id,)
    ).fetchall()
    return [
        BillItem(
            name=row["name"],
            name_en=row["name_en"],
            category=ItemCategory(row["category"]),
            quantity=row["quantity"],
            unit=row["unit"],
            unit_en=row["unit_en"],
            unit_price_cents=row["unit_price_cents"],
            amount_cents=row["amount_cents"],
        )
        for row in rows
    ]


def locking_payment(conn: Connection, bill_id: str, now: dt.datetime) -> str | None:
    """The id of the pending, unexpired payment that holds the bill, if any."""
    rows = conn.execute(
        "SELECT p.id, p.expires_at FROM payment_bills pb JOIN payments p ON p.id = pb.payment_id "
        "WHERE pb.bill_id = ? AND p.status = 'pending'",
        (bill_id,),
    ).fetchall()
    for row in rows:
        if from_db_time(row["expires_at"]) > now:
            return str(row["id"])
    return None


def bill_from_row(conn: Connection, row: Row, now: dt.datetime) -> Bill:
    items = bill_items(conn, row["id"])
    total = sum(item.amount_cents for item in items)
    insurance = min(int(row["insurance_cents"]), total)
    if row["status"] == "paid":
        status = BillStatus.paid
    elif locking_payment(conn, row["id"], now) is not None:
        status = BillStatus.pending_payment
    else:
        status = BillStatus.unpaid
    return Bill(
        id=row["id"],
        created_at=from_db_time(row["created_at"]),
        department=queries.department_summary(row),
        title=row["title"],
        title_en=row["title_en"],
        status=status,
        items=items,
        total_cents=total,
        insurance_cents=insurance,
        self_pay_cents=total - insurance,
    )


def patient_bills(
    conn: Connection, patient_id: str, now: dt.datetime, *, include_paid: bool
) -> list[Bill]:
    where = "" if include_paid else "AND b.status = 'unpaid' "
    rows = conn.execute(
        BILL_SELECT + f"WHERE b.patient_id = ? {where}ORDER BY b.created_at, b.id",
        (patient_id,),
    ).fetchall()
    return [
        bill_from_row(conn, row, now)
        for row in rows
        if row["status"] == "paid" or not holds.void_bill(conn, row["id"], now)
    ]


def bill_by_id(conn: Connection, bill_id: str, now: dt.datetime) -> Bill:
    row = conn.execute(BILL_SELECT + "WHERE b.id = ?", (bill_id,)).fetchone()
    if row is None:
        raise KeyError(bill_id)
    return bill_from_row(conn, row, now)
