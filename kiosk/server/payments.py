"""Payments of bills: created pending, decided on the payment page or by a payment code, or
expired.

A payment's stored status is ``pending`` until it is decided; it *reads* as ``expired`` once
the clock passes ``expires_at``. Writers run inside ``write_transaction`` (``BEGIN
IMMEDIATE``), usually the one ``run_idempotent`` opens, so two kiosks can never both lock the
same bill. Paying confirms what the bills paid for: registrations get their queue tickets and
drugs a pharmacy ticket, in the same transaction.

A payment code (付款码) shown to the kiosk's scanner charges a pending payment by the simulation
rules of ``kiosk.api.payment_codes``: charged at once, declined, or held until the payer
confirms on the (simulated) payment page. The code itself is never stored.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

from kiosk.api.models import (
    Appointment,
    BillItem,
    Directions,
    ErrorCode,
    ItemCategory,
    Location,
    Payment,
    PaymentStatus,
    PharmacyTicket,
    Receipt,
    Ticket,
)
from kiosk.api.payment_codes import ChargeOutcome, Wallet, simulated_outcome, wallet_of
from kiosk.server import holds, hospital_writes, queries, queue, settlement
from kiosk.server.bills import (
    BILL_SELECT,
    bill_by_id,
    bill_items,
    locking_payment,
    unpaid_splits,
)
from kiosk.server.db import (
    Connection,
    Row,
    from_db_time,
    lock_key,
    lock_rows,
    new_id,
    next_counter,
    require_transaction,
    to_db_time,
)
from kiosk.server.errors import ApiError
from kiosk.server.registrations import confirm_registration

PAYMENT_LIFETIME = dt.timedelta(minutes=5)

# Where paid drugs are collected; a pharmacy ticket is called at one of these windows.
PHARMACY_LOCATION = ("门诊楼1楼 西药房", "Pharmacy, floor 1, Outpatient Building")
PHARMACY_WINDOWS = 4
PHARMACY_PREFIX = "Y"  # 药
# The facility (see the facilities table) where blood is drawn for paid lab tests.
LAB_FACILITY_ID = "fac-lab"


def pay_url(base_url: str, pay_token: str) -> str:
    """The payment page: its own unguessable token, never the payment id."""
    return f"{base_url.rstrip('/')}/pay/{pay_token}"


def receipt_url(base_url: str, pay_token: str) -> str:
    """The paid payment's electronic receipt: the payment page's secret, a page of its own."""
    return f"{pay_url(base_url, pay_token)}/receipt"


def new_pay_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


def payment_id_for_pay_token(conn: Connection, pay_token: str) -> str | None:
    if not pay_token:
        return None
    row = conn.execute("SELECT id FROM payments WHERE pay_token = ?", (pay_token,)).fetchone()
    return None if row is None else str(row["id"])


def effective_status(row: Row, now: dt.datetime) -> PaymentStatus:
    status = PaymentStatus(row["status"])
    if status is PaymentStatus.pending and now >= from_db_time(row["expires_at"]):
        return PaymentStatus.expired
    return status


def payment_bill_ids(conn: Connection, payment_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT bill_id FROM payment_bills WHERE payment_id = ? ORDER BY sort", (payment_id,)
    )
    return [str(row[0]) for row in rows]


def get_payment_row(conn: Connection, payment_id: str) -> Row | None:
    row: Row | None = conn.execute("SELECT * FROM payments WHERE id = ?", (payment_id,)).fetchone()
    return row


def lab_directions(conn: Connection) -> Directions | None:
    """Where patients go for paid lab tests, from the hospital's facilities (None if unknown)."""
    row = conn.execute("SELECT * FROM facilities WHERE id = ?", (LAB_FACILITY_ID,)).fetchone()
    if row is None:
        return None
    return Directions(
        category=ItemCategory.lab,
        place=row["name"],
        place_en=row["name_en"],
        location=Location(
            building=row["building"],
            building_en=row["building_en"],
            floor=row["floor"],
            room=row["room"],
        ),
    )


def paid_receipt(
    conn: Connection, row: Row, bill_ids: list[str], now: dt.datetime, base_url: str
) -> Receipt:
    """The receipt of a paid payment's row: what the slip, the e-receipt and a reprint show."""
    bills = [bill_by_id(conn, bill_id, now) for bill_id in bill_ids]
    return Receipt(
        receipt_number=row["receipt_number"],
        paid_at=from_db_time(row["decided_at"]),
        items=[item for bill in bills for item in bill.items],
        total_cents=sum(bill.total_cents for bill in bills),
        insurance_cents=sum(bill.insurance_cents for bill in bills),
        self_pay_cents=sum(bill.self_pay_cents for bill in bills),
        insurance_fund_cents=sum(bill.insurance_fund_cents for bill in bills),
        personal_account_cents=sum(bill.personal_account_cents for bill in bills),
        wallet=Wallet(row["wallet"]) if row["wallet"] else None,
        receipt_url=receipt_url(base_url, row["pay_token"]) if row["pay_token"] else "",
    )


def payment_by_id(
    conn: Connection,
    payment_id: str,
    now: dt.datetime,
    base_url: str,
    *,
    kiosk_id: str | None = None,
) -> Payment:
    """The payment; ``KeyError`` when there is none (or, with ``kiosk_id``, when another
    kiosk made it: a payment is only its own kiosk's business)."""
    row = get_payment_row(conn, payment_id)
    if row is None or (kiosk_id is not None and row["kiosk_id"] != kiosk_id):
        raise KeyError(payment_id)
    status = effective_status(row, now)
    bill_ids = payment_bill_ids(conn, payment_id)
    receipt: Receipt | None = None
    pharmacy: list[PharmacyTicket] = []
    tickets: list[Ticket] = []
    directions: list[Directions] = []
    booked: list[Appointment] = []
    if status is PaymentStatus.paid:
        receipt = paid_receipt(conn, row, bill_ids, now, base_url)
        for ticket_row in conn.execute(
            "SELECT * FROM pharmacy_tickets WHERE payment_id = ? ORDER BY id", (payment_id,)
        ):
            pharmacy.append(
                PharmacyTicket(
                    number=ticket_row["number"],
                    window=ticket_row["window_name"],
                    window_en=ticket_row["window_name_en"],
                    location=ticket_row["location"],
                    location_en=ticket_row["location_en"],
                    items=[
                        BillItem.model_validate(i) for i in json.loads(ticket_row["items_json"])
                    ],
                    issued_at=from_db_time(ticket_row["issued_at"]),
                )
            )
        placeholders = ",".join("?" * len(bill_ids))
        for reg in conn.execute(
            "SELECT a.ticket_id FROM registrations r "
            "JOIN appointments a ON a.id = r.appointment_id "
            f"WHERE r.bill_id IN ({placeholders}) AND a.ticket_id IS NOT NULL "
            "ORDER BY r.created_at",
            bill_ids,
        ):
            tickets.append(queries.ticket_by_id(conn, int(reg["ticket_id"]), base_url))
        for reg in conn.execute(
            "SELECT r.appointment_id FROM registrations r "
            "JOIN appointments a ON a.id = r.appointment_id "
            f"WHERE r.bill_id IN ({placeholders}) AND a.ticket_id IS NULL "
            "ORDER BY r.created_at",
            bill_ids,
        ):
            apt = queries.get_appointment_row(conn, reg["appointment_id"])
            if apt is not None:
                booked.append(queries.appointment(conn, apt, base_url))
        if any(item.category is ItemCategory.lab for item in receipt.items):
            lab = lab_directions(conn)
            directions += [lab] if lab is not None else []
    page = pay_url(base_url, row["pay_token"]) if row["pay_token"] else ""
    return Payment(
        id=row["id"],
        status=status,
        patient_id=row["patient_id"],
        amount_cents=row["amount_cents"],
        bill_ids=bill_ids,
        qr_payload=page,
        pay_url=page,
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
        receipt=receipt,
        pharmacy_tickets=pharmacy,
        registration_tickets=tickets,
        directions=directions,
        booked_appointments=booked,
    )


def create_payment(
    conn: Connection,
    *,
    kiosk_id: str,
    patient_id: str,
    bill_ids: list[str],
    now: dt.datetime,
    base_url: str,
) -> Payment:
    """A pending payment of the bills' self-pay share; locks them until paid or expired.

    The insurance settlement of each bill is fixed here (stored with the payment, its
    personal-account share held from the balance until the payment ends). A payment with
    nothing left to pay (the insurance paid all) is settled at once: paid, with no wallet.
    """
    unique_ids = list(dict.fromkeys(bill_ids))
    lock_rows(conn, "bills", unique_ids)  # two kiosks paying one bill: one payment holds it
    if queries.get_patient_row(conn, patient_id) is None:
        raise ApiError(404, ErrorCode.not_found, f"No patient {patient_id!r}.")
    holds.release_lapsed(conn, now)
    for bill_id in unique_ids:
        row = conn.execute(
            BILL_SELECT + "WHERE b.id = ? AND b.patient_id = ?", (bill_id, patient_id)
        ).fetchone()
        if row is None:
            raise ApiError(404, ErrorCode.not_found, f"No bill {bill_id!r} for this patient.")
        if row["status"] == "paid":
            raise ApiError(
                409,
                ErrorCode.bill_unavailable,
                "This bill is already paid.",
                details={"bill_id": bill_id, "reason": "paid"},
            )
        if holds.void_bill(conn, bill_id, now):
            raise ApiError(
                409,
                ErrorCode.bill_unavailable,
                "The registration of this fee lapsed unpaid; register again.",
                details={"bill_id": bill_id, "reason": "registration_released"},
            )
        holder = locking_payment(conn, bill_id, now)
        if holder is not None:
            # Which payment holds it is the holding kiosk's business: no id here.
            raise ApiError(
                409,
                ErrorCode.bill_unavailable,
                "This bill is being paid by another payment.",
                details={"bill_id": bill_id, "reason": "pending_payment"},
            )
    # Two kiosks paying different bills of one patient: one at a time decides what the
    # personal account holds for its payment.
    lock_key(conn, "insurance-account", patient_id)
    splits = unpaid_splits(conn, patient_id, now)
    settled = [(bill_id, splits[bill_id]) for bill_id in unique_ids]
    amount = sum(split.self_pay_cents for _bill_id, split in settled)
    payment_id = new_id("pay")
    conn.execute(
        "INSERT INTO payments (id, patient_id, kiosk_id, status, amount_cents, created_at, "
        "expires_at, pay_token, pay_csrf) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
        (
            payment_id,
            patient_id,
            kiosk_id,
            amount,
            to_db_time(now),
            to_db_time(now + PAYMENT_LIFETIME),
            new_pay_token(),
            secrets.token_urlsafe(24),
        ),
    )
    conn.executemany(
        "INSERT INTO payment_bills (payment_id, bill_id, sort, fund_cents, account_cents, "
        "self_pay_cents) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (payment_id, bill_id, sort, split.fund_cents, split.account_cents, split.self_pay_cents)
            for sort, (bill_id, split) in enumerate(settled)
        ],
    )
    if amount == 0:
        confirm_payment(conn, payment_id, now)
    return payment_by_id(conn, payment_id, now, base_url)


def _payment_patient(conn: Connection, payment_id: str) -> str:
    row = get_payment_row(conn, payment_id)
    if row is None:
        raise KeyError(payment_id)
    return str(row["patient_id"])


def _status_now(conn: Connection, payment_id: str, now: dt.datetime) -> PaymentStatus:
    row = get_payment_row(conn, payment_id)
    if row is None:
        raise KeyError(payment_id)
    return effective_status(row, now)


def confirm_payment(conn: Connection, payment_id: str, now: dt.datetime) -> PaymentStatus:
    """The payer confirmed: if still pending, everything it pays for happens now, atomically
    (bills paid, registrations confirmed with tickets, a pharmacy ticket for drugs, a receipt
    number). Returns the payment's status afterwards; a decided or expired payment is unchanged.
    """
    lock_rows(conn, "payments", [payment_id])  # the phone's answer and an expiry: one wins
    status = _status_now(conn, payment_id, now)
    if status is not PaymentStatus.pending:
        return status
    bill_ids = payment_bill_ids(conn, payment_id)
    hospital_writes.bills_paid(conn, bill_ids, now)
    day = now.date()
    drugs: list[BillItem] = []
    for bill_id in bill_ids:
        conn.execute(
            "UPDATE bills SET status = 'paid', paid_at = ?, payment_id = ? WHERE id = ?",
            (to_db_time(now), payment_id, bill_id),
        )
        drugs += [item for item in bill_items(conn, bill_id) if item.category is ItemCategory.drug]
        for reg in conn.execute(
            "SELECT id FROM registrations WHERE bill_id = ? AND status = 'pending_payment'",
            (bill_id,),
        ).fetchall():
            confirm_registration(conn, reg["id"], now)
    if drugs:
        seq = next_counter(conn, f"pharmacy:{day.isoformat()}")
        window = (seq - 1) % PHARMACY_WINDOWS + 1
        cursor = conn.execute(
            "INSERT INTO pharmacy_tickets (payment_id, service_date, number, window_name, "
            "window_name_en, location, location_en, items_json, issued_at, track_token) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                payment_id,
                day.isoformat(),
                f"{PHARMACY_PREFIX}{seq:03d}",
                f"{window}号窗口",
                f"Window {window}",
                PHARMACY_LOCATION[0],
                PHARMACY_LOCATION[1],
                json.dumps([d.model_dump(mode="json") for d in drugs], ensure_ascii=False),
                to_db_time(now),
                queue.new_track_token(),
            ),
        )
        pharmacy_ticket_id = int(cursor.fetchone()[0])
        if queue.queue_exists(conn, queue.pharmacy_queue_id(window)):
            queue.enqueue_pharmacy_ticket(
                conn, pharmacy_ticket_id, queue.pharmacy_queue_id(window), now, "system"
            )
    settlement.spend_account(conn, payment_id, _payment_patient(conn, payment_id))
    receipt_seq = next_counter(conn, f"receipt:{day.isoformat()}")
    conn.execute(
        "UPDATE payments SET status = 'paid', decided_at = ?, receipt_number = ? WHERE id = ?",
        (to_db_time(now), f"R{day:%Y%m%d}{receipt_seq:05d}", payment_id),
    )
    return PaymentStatus.paid


def end_payment(
    conn: Connection, payment_id: str, now: dt.datetime, outcome: PaymentStatus
) -> PaymentStatus:
    """Decline (``failed``) or cancel (``cancelled``) a pending payment, freeing its bills and
    the places of the registrations whose fees it was paying, in the same transaction.
    Returns the status afterwards; a decided or expired payment is unchanged."""
    if outcome not in (PaymentStatus.failed, PaymentStatus.cancelled):
        raise ValueError(outcome)
    lock_rows(conn, "payments", [payment_id])
    status = _status_now(conn, payment_id, now)
    if status is not PaymentStatus.pending:
        return status
    conn.execute(
        "UPDATE payments SET status = ?, decided_at = ? WHERE id = ?",
        (outcome.value, to_db_time(now), payment_id),
    )
    holds.release_lapsed(conn, now)  # a registration whose fee this was gives its place back
    return outcome


def charge_payment_code(
    conn: Connection, payment_id: str, code: str, now: dt.datetime
) -> PaymentStatus:
    """Charge a pending payment with a payment code, as the simulated wallet decides.

    Returns the status afterwards: ``paid``, ``failed`` (declined; its bills are free again) or
    ``pending`` (held for the payer's confirmation). A payment no longer pending is unchanged.

    Raises:
        ApiError: 422 ``payment_code_invalid`` for a code no known wallet issued.
    """
    require_transaction(conn)
    wallet = wallet_of(code)
    if wallet is None:
        raise ApiError(
            422,
            ErrorCode.payment_code_invalid,
            "This is not a payment code of WeChat Pay, Alipay or UnionPay.",
        )
    status = _status_now(conn, payment_id, now)
    if status is not PaymentStatus.pending:
        return status
    # Held or charged, this wallet pays it: the receipt says which.
    conn.execute("UPDATE payments SET wallet = ? WHERE id = ?", (wallet.value, payment_id))
    outcome = simulated_outcome(code)
    if outcome is ChargeOutcome.charged:
        return confirm_payment(conn, payment_id, now)
    if outcome is ChargeOutcome.declined:
        return end_payment(conn, payment_id, now, PaymentStatus.failed)
    return PaymentStatus.pending
