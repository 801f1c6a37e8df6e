"""Bills: what a patient owes, item by item, and whether a payment holds them.

A bill is locked while a payment holding it is pending and not expired, so an abandoned QR code
frees its bills by itself. Its insurance split (统筹/个人账户/自付) comes from
``kiosk.server.settlement``: fixed by its payment once held or paid, else pre-settled.
"""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import Bill, BillItem, BillStatus, ItemCategory
from kiosk.server import holds, queries
from kiosk.server.db import Connection, Row, from_db_time
from kiosk.server.settlement import Split, settle_unpaid, stored_split

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


def bill_from_row(conn: Connection, row: Row, now: dt.datetime, split: Split | None = None) -> Bill:
    """The bill with its settlement: the one its payment fixed when paid or held, else
    ``split`` (the caller's pre-settlement of all the patient's unpaid bills) or this bill's
    place in that pre-settlement."""
    items = bill_items(conn, row["id"])
    total = sum(item.amount_cents for item in items)
    holder = None if row["status"] == "paid" else locking_payment(conn, row["id"], now)
    if row["status"] == "paid":
        status = BillStatus.paid
        fixed = stored_split(conn, row["payment_id"] or "", row["id"])
    elif holder is not None:
        status = BillStatus.pending_payment
        fixed = stored_split(conn, holder, row["id"])
    else:
        status = BillStatus.unpaid
        fixed = split or unpaid_splits(conn, row["patient_id"], now).get(row["id"])
    if fixed is None:  # paid before settlements were stored: the stored share was the fund
        fund = min(int(row["insurance_cents"]), total)
        fixed = Split(fund, 0, total - fund)
    return Bill(
        id=row["id"],
        created_at=from_db_time(row["created_at"]),
        department=queries.department_summary(row),
        title=row["title"],
        title_en=row["title_en"],
        status=status,
        items=items,
        total_cents=total,
        insurance_cents=fixed.insurance_cents,
        self_pay_cents=fixed.self_pay_cents,
        insurance_fund_cents=fixed.fund_cents,
        personal_account_cents=fixed.account_cents,
    )


def unpaid_splits(conn: Connection, patient_id: str, now: dt.datetime) -> dict[str, Split]:
    """The pre-settlement of the patient's unpaid bills that no payment holds, in the order
    the patient sees them (``kiosk.server.settlement``)."""
    rows = conn.execute(
        "SELECT id, insurance_cents FROM bills WHERE patient_id = ? AND status = 'unpaid' "
        "ORDER BY created_at, id",
        (patient_id,),
    ).fetchall()
    open_bills = [
        (str(row["id"]), int(row["insurance_cents"]))
        for row in rows
        if locking_payment(conn, row["id"], now) is None
        and not holds.void_bill(conn, row["id"], now)
    ]
    return settle_unpaid(conn, patient_id, open_bills, now)


def patient_bills(
    conn: Connection, patient_id: str, now: dt.datetime, *, include_paid: bool
) -> list[Bill]:
    where = "" if include_paid else "AND b.status = 'unpaid' "
    rows = conn.execute(
        BILL_SELECT + f"WHERE b.patient_id = ? {where}ORDER BY b.created_at, b.id",
        (patient_id,),
    ).fetchall()
    splits = unpaid_splits(conn, patient_id, now)
    return [
        bill_from_row(conn, row, now, splits.get(row["id"]))
        for row in rows
        if row["status"] == "paid" or not holds.void_bill(conn, row["id"], now)
    ]


def bill_by_id(conn: Connection, bill_id: str, now: dt.datetime) -> Bill:
    row = conn.execute(BILL_SELECT + "WHERE b.id = ?", (bill_id,)).fetchone()
    if row is None:
        raise KeyError(bill_id)
    return bill_from_row(conn, row, now)
