"""Same-day registrations, bills and payments: the rules and their reads, over the database.

Every writer here must run inside ``write_transaction`` (``BEGIN IMMEDIATE``), usually the one
``run_idempotent`` opens, so a check and the change that depends on it are one atomic step:
two kiosks can never both take the last slot of a session or both lock the same bill.

A payment's stored status is ``pending`` until it is decided; it *reads* as ``expired`` once
the clock passes ``expires_at``. A bill is locked while a payment holding it is pending and not
expired, so an abandoned QR code frees its bills by itself.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid

from kiosk.api.models import (
    Bill,
    BillItem,
    BillStatus,
    ErrorCode,
    ItemCategory,
    Payment,
    PaymentStatus,
    PharmacyTicket,
    Receipt,
    Registration,
    RegistrationStatus,
    ScheduleSession,
    SessionPeriod,
    SessionSuggestion,
    Ticket,
)
from kiosk.server import queries
from kiosk.server.db import (
    from_db_time,
    insert_appointment,
    issue_ticket,
    next_counter,
    to_db_time,
)
from kiosk.server.errors import ApiError

PAYMENT_LIFETIME = dt.timedelta(minutes=5)
MAX_SUGGESTIONS = 3
SUGGESTION_HORIZON = dt.timedelta(days=7)

# Where paid drugs are collected; a pharmacy ticket is called at one of these windows.
PHARMACY_LOCATION = ("门诊楼1楼 西药房", "Pharmacy, floor 1, Outpatient Building")
PHARMACY_WINDOWS = 4
PHARMACY_PREFIX = "Y"  # 药


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def _require_transaction(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        raise RuntimeError("needs an open write transaction")


# --- sessions -------------------------------------------------------------------------------

_SESSION_SELECT = (
    f"SELECT s.id AS s_id, s.period, s.service_date, s.starts_at, s.ends_at, s.slots_total, "
    f"s.slots_left, s.fee_cents, {queries.DEPARTMENT_COLUMNS}, {queries.DOCTOR_COLUMNS} "
    "FROM sessions s JOIN departments d ON d.id = s.department_id "
    "JOIN doctors doc ON doc.id = s.doctor_id "
)


def _session(row: sqlite3.Row) -> ScheduleSession:
    return ScheduleSession(
        id=row["s_id"],
        period=SessionPeriod(row["period"]),
        starts_at=from_db_time(row["starts_at"]),
        ends_at=from_db_time(row["ends_at"]),
        slots_total=row["slots_total"],
        slots_left=row["slots_left"],
        fee_cents=row["fee_cents"],
    )


def get_session_row(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        _SESSION_SELECT + "WHERE s.id = ?", (session_id,)
    ).fetchone()
    return row


def suggestions(
    conn: sqlite3.Connection, department_id: str, exclude: str, now: dt.datetime
) -> list[SessionSuggestion]:
    """The next sessions of the department that have not ended and still have slots."""
    first = now.date().isoformat()
    last = (now + SUGGESTION_HORIZON).date().isoformat()
    rows = conn.execute(
        _SESSION_SELECT + "WHERE s.department_id = ? AND s.id != ? AND s.slots_left > 0 "
        "AND s.service_date BETWEEN ? AND ?",
        (department_id, exclude, first, last),
    ).fetchall()
    open_rows = [row for row in rows if from_db_time(row["ends_at"]) > now]
    open_rows.sort(key=lambda row: (from_db_time(row["starts_at"]), row["s_id"]))
    return [
        SessionSuggestion(session=_session(row), doctor=queries.doctor_summary(row))
        for row in open_rows[:MAX_SUGGESTIONS]
    ]


# --- registrations --------------------------------------------------------------------------


def registration_by_id(
    conn: sqlite3.Connection, registration_id: str, base_url: str
) -> Registration:
    reg = conn.execute("SELECT * FROM registrations WHERE id = ?", (registration_id,)).fetchone()
    if reg is None:
        raise KeyError(registration_id)
    session_row = get_session_row(conn, reg["session_id"])
    assert session_row is not None
    ticket: Ticket | None = None
    if reg["appointment_id"] is not None:
        apt = conn.execute(
            "SELECT ticket_id FROM appointments WHERE id = ?", (reg["appointment_id"],)
        ).fetchone()
        if apt is not None and apt["ticket_id"] is not None:
            ticket = queries.ticket_by_id(conn, int(apt["ticket_id"]), base_url)
    return Registration(
        id=reg["id"],
        status=RegistrationStatus(reg["status"]),
        patient_id=reg["patient_id"],
        department=queries.department_summary(session_row),
        doctor=queries.doctor_summary(session_row),
        session=_session(session_row),
        fee_cents=reg["fee_cents"],
        bill_id=reg["bill_id"],
        ticket=ticket,
        created_at=from_db_time(reg["created_at"]),
    )


def register(
    conn: sqlite3.Connection,
    *,
    kiosk_id: str,
    patient_id: str,
    session_id: str,
    now: dt.datetime,
    base_url: str,
) -> Registration:
    """Take one slot of the session for the patient (409 session_over / already_registered /
    session_full). Free: confirmed with a ticket at once; a fee: pending with an unpaid bill."""
    _require_transaction(conn)
    if queries.get_patient_row(conn, patient_id) is None:
        raise ApiError(404, ErrorCode.not_found, f"No patient {patient_id!r}.")
    row = get_session_row(conn, session_id)
    if row is None:
        raise ApiError(404, ErrorCode.not_found, f"No session {session_id!r}.")
    ends_at = from_db_time(row["ends_at"])
    if now >= ends_at:
        raise ApiError(
            409,
            ErrorCode.session_over,
            "This session has ended.",
            details={"ends_at": ends_at.isoformat()},
        )
    existing = conn.execute(
        "SELECT id FROM registrations WHERE patient_id = ? AND session_id = ? "
        "AND status != 'cancelled'",
        (patient_id, session_id),
    ).fetchone()
    if existing is not None:
        registration = registration_by_id(conn, existing["id"], base_url)
        raise ApiError(
            409,
            ErrorCode.already_registered,
            "This patient is already registered for this session.",
            details={"registration": registration.model_dump(mode="json")},
            ticket=registration.ticket,
        )
    taken = conn.execute(
        "UPDATE sessions SET slots_left = slots_left - 1 WHERE id = ? AND slots_left > 0",
        (session_id,),
    ).rowcount
    if taken != 1:
        found = suggestions(conn, row["dep_id"], session_id, now)
        raise ApiError(
            409,
            ErrorCode.session_full,
            "This session has no slots left.",
            details={"suggestions": [s.model_dump(mode="json") for s in found]},
        )
    registration_id = _new_id("reg")
    fee = int(row["fee_cents"])
    bill_id: str | None = None
    if fee > 0:
        bill_id = _new_id("bill")
        _insert_registration_bill(conn, bill_id, patient_id, row, now)
    conn.execute(
        "INSERT INTO registrations (id, patient_id, session_id, status, fee_cents, bill_id, "
        "kiosk_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            registration_id,
            patient_id,
            session_id,
            (RegistrationStatus.pending_payment if fee else RegistrationStatus.confirmed).value,
            fee,
            bill_id,
            kiosk_id,
            to_db_time(now),
        ),
    )
    if fee == 0:
        confirm_registration(conn, registration_id, now)
    return registration_by_id(conn, registration_id, base_url)


def _insert_registration_bill(
    conn: sqlite3.Connection, bill_id: str, patient_id: str, row: sqlite3.Row, now: dt.datetime
) -> None:
    fee = int(row["fee_cents"])
    conn.execute(
        "INSERT INTO bills (id, patient_id, department_id, title, title_en, status, "
        "insurance_cents, created_at) VALUES (?, ?, ?, ?, ?, 'unpaid', 0, ?)",
        (
            bill_id,
            patient_id,
            row["dep_id"],
            f"挂号费 {row['dep_name']}",
            f"Registration fee, {row['dep_name_en']}",
            to_db_time(now),
        ),
    )
    conn.execute(
        "INSERT INTO bill_items (bill_id, seq, name, name_en, category, quantity, unit, unit_en, "
        "unit_price_cents, amount_cents) VALUES (?, 1, ?, ?, ?, 1, '次', 'visit', ?, ?)",
        (
            bill_id,
            f"挂号费（{row['doc_title']}）",
            f"Registration fee ({row['doc_title_en']})",
            ItemCategory.registration.value,
            fee,
            fee,
        ),
    )


def confirm_registration(conn: sqlite3.Connection, registration_id: str, now: dt.datetime) -> None:
    """Confirm a registration: its visit becomes an appointment, checked in with a ticket from
    the department's counter of the session's day."""
    _require_transaction(conn)
    reg = conn.execute("SELECT * FROM registrations WHERE id = ?", (registration_id,)).fetchone()
    if reg is None:
        raise KeyError(registration_id)
    if reg["appointment_id"] is not None:
        return
    session = conn.execute("SELECT * FROM sessions WHERE id = ?", (reg["session_id"],)).fetchone()
    starts_at = from_db_time(session["starts_at"])
    appointment_id = f"apt-{registration_id}"
    insert_appointment(
        conn,
        appointment_id=appointment_id,
        patient_id=reg["patient_id"],
        doctor_id=session["doctor_id"],
        starts_at=starts_at,
        duration=from_db_time(session["ends_at"]) - starts_at,
        session_id=session["id"],
    )
    issue_ticket(conn, appointment_id, now)
    conn.execute(
        "UPDATE registrations SET status = 'confirmed', appointment_id = ? WHERE id = ?",
        (appointment_id, registration_id),
    )


# --- bills ----------------------------------------------------------------------------------

_BILL_SELECT = (
    f"SELECT b.*, {queries.DEPARTMENT_COLUMNS} "
    "FROM bills b JOIN departments d ON d.id = b.department_id "
)


def _items(conn: sqlite3.Connection, bill_id: str) -> list[BillItem]:
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


def locking_payment(conn: sqlite3.Connection, bill_id: str, now: dt.datetime) -> str | None:
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


def _bill(conn: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> Bill:
    items = _items(conn, row["id"])
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
    conn: sqlite3.Connection, patient_id: str, now: dt.datetime, *, include_paid: bool
) -> list[Bill]:
    where = "" if include_paid else "AND b.status = 'unpaid' "
    rows = conn.execute(
        _BILL_SELECT + f"WHERE b.patient_id = ? {where}ORDER BY b.created_at, b.id",
        (patient_id,),
    ).fetchall()
    return [_bill(conn, row, now) for row in rows]


def bill_by_id(conn: sqlite3.Connection, bill_id: str, now: dt.datetime) -> Bill:
    row = conn.execute(_BILL_SELECT + "WHERE b.id = ?", (bill_id,)).fetchone()
    if row is None:
        raise KeyError(bill_id)
    return _bill(conn, row, now)


# --- payments -------------------------------------------------------------------------------


def pay_url(base_url: str, payment_id: str) -> str:
    return f"{base_url.rstrip('/')}/pay/{payment_id}"


def effective_status(row: sqlite3.Row, now: dt.datetime) -> PaymentStatus:
    status = PaymentStatus(row["status"])
    if status is PaymentStatus.pending and now >= from_db_time(row["expires_at"]):
        return PaymentStatus.expired
    return status


def payment_bill_ids(conn: sqlite3.Connection, payment_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT bill_id FROM payment_bills WHERE payment_id = ? ORDER BY sort", (payment_id,)
    )
    return [str(row[0]) for row in rows]


def get_payment_row(conn: sqlite3.Connection, payment_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM payments WHERE id = ?", (payment_id,)
    ).fetchone()
    return row


def payment_by_id(
    conn: sqlite3.Connection, payment_id: str, now: dt.datetime, base_url: str
) -> Payment:
    row = get_payment_row(conn, payment_id)
    if row is None:
        raise KeyError(payment_id)
    status = effective_status(row, now)
    bill_ids = payment_bill_ids(conn, payment_id)
    receipt: Receipt | None = None
    pharmacy: list[PharmacyTicket] = []
    tickets: list[Ticket] = []
    if status is PaymentStatus.paid:
        bills = [bill_by_id(conn, bill_id, now) for bill_id in bill_ids]
        receipt = Receipt(
            receipt_number=row["receipt_number"],
            paid_at=from_db_time(row["decided_at"]),
            items=[item for bill in bills for item in bill.items],
            total_cents=sum(bill.total_cents for bill in bills),
            insurance_cents=sum(bill.insurance_cents for bill in bills),
            self_pay_cents=sum(bill.self_pay_cents for bill in bills),
        )
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
    return Payment(
        id=row["id"],
        status=status,
        patient_id=row["patient_id"],
        amount_cents=row["amount_cents"],
        bill_ids=bill_ids,
        qr_payload=pay_url(base_url, row["id"]),
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
        receipt=receipt,
        pharmacy_tickets=pharmacy,
        registration_tickets=tickets,
    )


def create_payment(
    conn: sqlite3.Connection,
    *,
    kiosk_id: str,
    patient_id: str,
    bill_ids: list[str],
    now: dt.datetime,
    base_url: str,
) -> Payment:
    """A pending payment of the bills' self-pay share; locks them until paid or expired."""
    _require_transaction(conn)
    if queries.get_patient_row(conn, patient_id) is None:
        raise ApiError(404, ErrorCode.not_found, f"No patient {patient_id!r}.")
    unique_ids = list(dict.fromkeys(bill_ids))
    amount = 0
    for bill_id in unique_ids:
        row = conn.execute(
            _BILL_SELECT + "WHERE b.id = ? AND b.patient_id = ?", (bill_id, patient_id)
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
        holder = locking_payment(conn, bill_id, now)
        if holder is not None:
            raise ApiError(
                409,
                ErrorCode.bill_unavailable,
                "This bill is being paid by another payment.",
                details={"bill_id": bill_id, "reason": "pending_payment", "payment_id": holder},
            )
        amount += _bill(conn, row, now).self_pay_cents
    payment_id = _new_id("pay")
    conn.execute(
        "INSERT INTO payments (id, patient_id, kiosk_id, status, amount_cents, created_at, "
        "expires_at) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
        (
            payment_id,
            patient_id,
            kiosk_id,
            amount,
            to_db_time(now),
            to_db_time(now + PAYMENT_LIFETIME),
        ),
    )
    conn.executemany(
        "INSERT INTO payment_bills (payment_id, bill_id, sort) VALUES (?, ?, ?)",
        [(payment_id, bill_id, sort) for sort, bill_id in enumerate(unique_ids)],
    )
    return payment_by_id(conn, payment_id, now, base_url)


def confirm_payment(conn: sqlite3.Connection, payment_id: str, now: dt.datetime) -> PaymentStatus:
    """The payer confirmed: if still pending, everything it pays for happens now, atomically
    (bills paid, registrations confirmed with tickets, a pharmacy ticket for drugs, a receipt
    number). Returns the payment's status afterwards; a decided or expired payment is unchanged.
    """
    _require_transaction(conn)
    row = get_payment_row(conn, payment_id)
    if row is None:
        raise KeyError(payment_id)
    status = effective_status(row, now)
    if status is not PaymentStatus.pending:
        return status
    bill_ids = payment_bill_ids(conn, payment_id)
    day = now.date()
    drugs: list[BillItem] = []
    for bill_id in bill_ids:
        conn.execute(
            "UPDATE bills SET status = 'paid', paid_at = ?, payment_id = ? WHERE id = ?",
            (to_db_time(now), payment_id, bill_id),
        )
        drugs += [item for item in _items(conn, bill_id) if item.category is ItemCategory.drug]
        for reg in conn.execute(
            "SELECT id FROM registrations WHERE bill_id = ? AND status = 'pending_payment'",
            (bill_id,),
        ).fetchall():
            confirm_registration(conn, reg["id"], now)
    if drugs:
        seq = next_counter(conn, f"pharmacy:{day.isoformat()}")
        window = (seq - 1) % PHARMACY_WINDOWS + 1
        conn.execute(
            "INSERT INTO pharmacy_tickets (payment_id, service_date, number, window_name, "
            "window_name_en, location, location_en, items_json, issued_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
        )
    receipt_seq = next_counter(conn, f"receipt:{day.isoformat()}")
    conn.execute(
        "UPDATE payments SET status = 'paid', decided_at = ?, receipt_number = ? WHERE id = ?",
        (to_db_time(now), f"R{day:%Y%m%d}{receipt_seq:05d}", payment_id),
    )
    return PaymentStatus.paid


def end_payment(
    conn: sqlite3.Connection, payment_id: str, now: dt.datetime, outcome: PaymentStatus
) -> PaymentStatus:
    """Decline (``failed``) or cancel (``cancelled``) a pending payment, freeing its bills.
    Returns the status afterwards; a decided or expired payment is unchanged."""
    _require_transaction(conn)
    if outcome not in (PaymentStatus.failed, PaymentStatus.cancelled):
        raise ValueError(outcome)
    row = get_payment_row(conn, payment_id)
    if row is None:
        raise KeyError(payment_id)
    status = effective_status(row, now)
    if status is not PaymentStatus.pending:
        return status
    conn.execute(
        "UPDATE payments SET status = ?, decided_at = ? WHERE id = ?",
        (outcome.value, to_db_time(now), payment_id),
    )
    return outcome
