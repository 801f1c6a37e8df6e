"""Same-day registrations: a slot of a doctor's session, the fee's bill, the queue ticket.

Writers run inside ``write_transaction`` (``BEGIN IMMEDIATE``), usually the one
``run_idempotent`` opens, so the check and the change that depends on it are one atomic step:
two kiosks can never both take the last slot of a session.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from kiosk.api.models import (
    Appointment,
    ErrorCode,
    ItemCategory,
    Registration,
    RegistrationStatus,
    Schedule,
    SessionSuggestion,
    Ticket,
)
from kiosk.server import clinical_copies, holds, queries
from kiosk.server.clinical import Booking
from kiosk.server.db import (
    Connection,
    Row,
    from_db_time,
    insert_appointment,
    lock_rows,
    new_id,
    require_transaction,
    to_db_time,
)
from kiosk.server.errors import ApiError
from kiosk.server.queue import issue_ticket

MAX_SUGGESTIONS = 3
SUGGESTION_HORIZON = dt.timedelta(days=7)


# --- sessions -------------------------------------------------------------------------------

_SESSION_SELECT = (
    f"SELECT s.id AS s_id, s.period, s.service_date, s.starts_at, s.ends_at, s.slots_total, "
    f"s.slots_left, s.fee_cents, {queries.DEPARTMENT_COLUMNS}, {queries.DOCTOR_COLUMNS} "
    "FROM sessions s JOIN departments d ON d.id = s.department_id "
    "JOIN doctors doc ON doc.id = s.doctor_id "
)


def get_session_row(conn: Connection, session_id: str) -> Row | None:
    row: Row | None = conn.execute(_SESSION_SELECT + "WHERE s.id = ?", (session_id,)).fetchone()
    return row


def suggestions(
    conn: Connection, department_id: str, exclude: str, now: dt.datetime
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
        SessionSuggestion(session=queries.schedule_session(row), doctor=queries.doctor_summary(row))
        for row in open_rows[:MAX_SUGGESTIONS]
    ]


def suggestions_in(
    schedule_of: Callable[[dt.date], Schedule], exclude: str, now: dt.datetime
) -> list[SessionSuggestion]:
    """As ``suggestions``, from a remote source's schedules of the department, day by day."""
    found: list[SessionSuggestion] = []
    day, last = now.date(), (now + SUGGESTION_HORIZON).date()
    while day <= last and len(found) < MAX_SUGGESTIONS:
        for doctor in schedule_of(day).doctors:
            found += [
                SessionSuggestion(session=session, doctor=doctor.doctor)
                for session in doctor.sessions
                if session.id != exclude and session.slots_left > 0 and session.ends_at > now
            ]
        day += dt.timedelta(days=1)
    found.sort(key=lambda s: (s.session.starts_at, s.session.id))
    return found[:MAX_SUGGESTIONS]


# --- registrations --------------------------------------------------------------------------


def registration_by_id(conn: Connection, registration_id: str, base_url: str) -> Registration:
    reg = conn.execute("SELECT * FROM registrations WHERE id = ?", (registration_id,)).fetchone()
    if reg is None:
        raise KeyError(registration_id)
    session_row = get_session_row(conn, reg["session_id"])
    assert session_row is not None
    ticket: Ticket | None = None
    booked: Appointment | None = None
    if reg["appointment_id"] is not None:
        apt = queries.get_appointment_row(conn, reg["appointment_id"])
        if apt is not None and apt["ticket_id"] is not None:
            ticket = queries.ticket_by_id(conn, int(apt["ticket_id"]), base_url)
        elif apt is not None:
            booked = queries.appointment(conn, apt, base_url)
    return Registration(
        id=reg["id"],
        status=RegistrationStatus(reg["status"]),
        patient_id=reg["patient_id"],
        department=queries.department_summary(session_row),
        doctor=queries.doctor_summary(session_row),
        session=queries.schedule_session(session_row),
        fee_cents=reg["fee_cents"],
        bill_id=reg["bill_id"],
        ticket=ticket,
        created_at=from_db_time(reg["created_at"]),
        appointment=booked,
    )


def register(
    conn: Connection,
    *,
    kiosk_id: str,
    patient_id: str,
    session_id: str,
    now: dt.datetime,
    base_url: str,
    max_pending: int = 3,
) -> Registration:
    """Take one slot of the session for the patient (409 session_over / already_registered /
    session_full). Free: confirmed with a ticket at once; a fee: pending with an unpaid bill,
    holding its place only while its fee can be paid (``holds``); a kiosk holding
    ``max_pending`` of those already is refused (429 too_many_pending_registrations)."""
    # One patient's registrations one at a time (already_registered), and one kiosk's
    # (max_pending); the slot itself is taken by a single conditional UPDATE.
    lock_rows(conn, "patients", [patient_id])
    lock_rows(conn, "kiosks", [kiosk_id])
    holds.release_lapsed(conn, now)
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
    _refuse_registered_again(conn, patient_id, session_id, base_url)
    if int(row["fee_cents"]) > 0:
        _refuse_too_many_pending(conn, kiosk_id, now, max_pending)
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
    return _record(conn, kiosk_id, patient_id, row, now, base_url)


def _record(
    conn: Connection, kiosk_id: str, patient_id: str, row: Row, now: dt.datetime, base_url: str
) -> Registration:
    """The registration of a slot taken: a fee makes it pending with its bill, a free one is
    confirmed with its ticket at once."""
    session_id = str(row["s_id"])
    registration_id = new_id("reg")
    fee = int(row["fee_cents"])
    bill_id: str | None = None
    if fee > 0:
        bill_id = new_id("bill")
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


def refuse_before_booking(
    conn: Connection,
    *,
    kiosk_id: str,
    patient_id: str,
    session_id: str,
    now: dt.datetime,
    base_url: str,
    max_pending: int,
) -> None:
    """What ``register`` refuses that is known before a remote source books the slot: already
    registered, and a kiosk holding ``max_pending`` unpaid registrations (whatever the fee,
    which only the booking tells)."""
    _refuse_registered_again(conn, patient_id, session_id, base_url)
    _refuse_too_many_pending(conn, kiosk_id, now, max_pending)


def record_booking(
    conn: Connection, *, kiosk_id: str, booking: Booking, now: dt.datetime, base_url: str
) -> Registration:
    """A registration for a slot a remote source booked: its session kept locally (the
    registration and the queue point at it), then as ``register`` from the slot taken on."""
    require_transaction(conn)
    session = booking.session
    conn.execute(
        "INSERT INTO patients (id, name) VALUES (?, '') ON CONFLICT (id) DO NOTHING",
        (booking.patient_id,),
    )
    clinical_copies.keep_department(conn, booking.department)
    doctor_id = booking.doctor.id or clinical_copies.UNKNOWN_DOCTOR
    conn.execute(
        "INSERT INTO doctors (id, department_id, name, title) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title",
        (doctor_id, booking.department.id, booking.doctor.name, booking.doctor.title),
    )
    conn.execute(
        "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, starts_at, "
        "ends_at, slots_total, slots_left, fee_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET slots_total = excluded.slots_total, "
        "slots_left = excluded.slots_left, fee_cents = excluded.fee_cents",
        (
            session.id,
            doctor_id,
            booking.department.id,
            session.starts_at.date().isoformat(),
            session.period.value,
            to_db_time(session.starts_at),
            to_db_time(session.ends_at),
            session.slots_total,
            session.slots_left,
            session.fee_cents,
        ),
    )
    row = get_session_row(conn, session.id)
    assert row is not None  # kept just above
    return _record(conn, kiosk_id, booking.patient_id, row, now, base_url)


def _refuse_registered_again(
    conn: Connection, patient_id: str, session_id: str, base_url: str
) -> None:
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


def _refuse_too_many_pending(
    conn: Connection, kiosk_id: str, now: dt.datetime, max_pending: int
) -> None:
    pending = holds.pending_rows(conn, kiosk_id=kiosk_id)
    if len(pending) < max_pending:
        return
    first_free = min(holds.hold_ends_at(conn, reg, now) for reg in pending)
    retry_after = max(1, math.ceil((first_free - now).total_seconds()))
    raise ApiError(
        429,
        ErrorCode.too_many_pending_registrations,
        f"This kiosk already holds {len(pending)} registrations waiting for payment.",
        details={"pending": len(pending), "limit": max_pending, "retry_after_s": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def _insert_registration_bill(
    conn: Connection, bill_id: str, patient_id: str, row: Row, now: dt.datetime
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


def booked_ahead(session_day: str, now: dt.datetime) -> bool:
    """A session on a later day than ``now``'s is booked ahead (预约): confirmed as an
    appointment the patient checks in for on the day, not with a ticket at once."""
    return session_day > now.date().isoformat()


def confirm_registration(conn: Connection, registration_id: str, now: dt.datetime) -> None:
    """Confirm a registration: its visit becomes an appointment, checked in with a ticket from
    the department's counter of the session's day; booked ahead (``booked_ahead``), it stays
    booked until the patient checks in on the day."""
    require_transaction(conn)
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
    if not booked_ahead(str(session["service_date"]), now):
        issue_ticket(conn, appointment_id, now)
    conn.execute(
        "UPDATE registrations SET status = 'confirmed', appointment_id = ? WHERE id = ?",
        (appointment_id, registration_id),
    )
