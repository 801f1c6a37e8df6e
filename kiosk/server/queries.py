"""Reading the database into the shared API models."""

from __future__ import annotations

import datetime as dt
import json

from kiosk.api.models import (
    API_PREFIX,
    Appointment,
    AppointmentStatus,
    ClinicLevel,
    Department,
    DepartmentSummary,
    DeviceState,
    DoctorSchedule,
    DoctorSummary,
    IdentifierKind,
    KioskStatus,
    Location,
    Patient,
    Schedule,
    ScheduleSession,
    SessionPeriod,
    Ticket,
    TicketPublicStatus,
    TicketStatus,
)
from kiosk.identity import mask_id_number, mask_name
from kiosk.server import holds, queue, visits
from kiosk.server.db import (
    CHECK_IN_CLOSES_AFTER,
    CHECK_IN_OPENS_BEFORE,
    Connection,
    Row,
    from_db_time,
)

DEPARTMENT_COLUMNS = (
    "d.id AS dep_id, d.code AS dep_code, d.name AS dep_name, d.name_en AS dep_name_en, "
    "d.description AS dep_description, d.description_en AS dep_description_en, "
    "d.hint AS dep_hint, d.hint_en AS dep_hint_en, "
    "d.building AS dep_building, d.building_en AS dep_building_en, d.floor AS dep_floor, "
    "d.room AS dep_room, d.directions AS dep_directions, d.directions_en AS dep_directions_en, "
    "d.minutes_per_patient AS dep_minutes"
)
DOCTOR_COLUMNS = (
    "doc.id AS doc_id, doc.name AS doc_name, doc.name_en AS doc_name_en, "
    "doc.title AS doc_title, doc.title_en AS doc_title_en, doc.clinic_level AS doc_clinic_level"
)


def department_summary(row: Row) -> DepartmentSummary:
    return DepartmentSummary(
        id=row["dep_id"],
        code=row["dep_code"],
        name=row["dep_name"],
        name_en=row["dep_name_en"],
        hint=row["dep_hint"],
        hint_en=row["dep_hint_en"],
    )


def location(row: Row) -> Location:
    return Location(
        building=row["dep_building"],
        building_en=row["dep_building_en"],
        floor=row["dep_floor"],
        room=row["dep_room"],
        directions=row["dep_directions"],
        directions_en=row["dep_directions_en"],
    )


def department(row: Row) -> Department:
    return Department(
        id=row["dep_id"],
        code=row["dep_code"],
        name=row["dep_name"],
        name_en=row["dep_name_en"],
        hint=row["dep_hint"],
        hint_en=row["dep_hint_en"],
        description=row["dep_description"],
        description_en=row["dep_description_en"],
        location=location(row),
    )


def doctor_summary(row: Row) -> DoctorSummary:
    return DoctorSummary(
        id=row["doc_id"],
        name=row["doc_name"],
        name_en=row["doc_name_en"],
        title=row["doc_title"],
        title_en=row["doc_title_en"],
        clinic_level=ClinicLevel(row["doc_clinic_level"]) if row["doc_clinic_level"] else None,
    )


def schedule_session(row: Row) -> ScheduleSession:
    """A session from a row that names its id ``s_id``."""
    return ScheduleSession(
        id=row["s_id"],
        period=SessionPeriod(row["period"]),
        starts_at=from_db_time(row["starts_at"]),
        ends_at=from_db_time(row["ends_at"]),
        slots_total=row["slots_total"],
        slots_left=row["slots_left"],
        fee_cents=row["fee_cents"],
    )


def list_departments(conn: Connection) -> list[Department]:
    rows = conn.execute(f"SELECT {DEPARTMENT_COLUMNS} FROM departments d ORDER BY d.sort, d.code")
    return [department(row) for row in rows]


def get_department_row(conn: Connection, department_id: str) -> Row | None:
    row: Row | None = conn.execute(
        f"SELECT {DEPARTMENT_COLUMNS} FROM departments d WHERE d.id = ?", (department_id,)
    ).fetchone()
    return row


def schedule(
    conn: Connection,
    dep_row: Row,
    date: dt.date,
    *,
    now: dt.datetime | None = None,
) -> Schedule:
    """The department's sessions of ``date``; with ``now``, places held by unpaid
    registrations whose hold has lapsed count as free (see ``holds``)."""
    rows = conn.execute(
        f"SELECT {DOCTOR_COLUMNS}, s.id AS s_id, s.period, s.starts_at, s.ends_at, "
        "s.slots_total, s.slots_left, s.fee_cents "
        "FROM sessions s JOIN doctors doc ON doc.id = s.doctor_id "
        "WHERE s.department_id = ? AND s.service_date = ? ORDER BY doc.id, s.starts_at",
        (dep_row["dep_id"], date.isoformat()),
    ).fetchall()
    released = holds.lapsed_per_session(conn, now) if now is not None else {}
    doctors: dict[str, tuple[DoctorSummary, list[ScheduleSession]]] = {}
    for row in rows:
        entry = doctors.setdefault(row["doc_id"], (doctor_summary(row), []))
        session = schedule_session(row)
        if released.get(session.id):
            left = min(session.slots_total, session.slots_left + released[session.id])
            session = session.model_copy(update={"slots_left": left})
        entry[1].append(session)
    return Schedule(
        department=department_summary(dep_row),
        date=date,
        doctors=[
            DoctorSchedule(doctor=doc, sessions=sessions) for doc, sessions in doctors.values()
        ],
    )


# --- patients -------------------------------------------------------------------------------

_IDENTIFIER_COLUMNS: dict[IdentifierKind, str] = {
    IdentifierKind.id_card: "id_number",
    IdentifierKind.insurance_card: "insurance_card",
    IdentifierKind.patient_card: "patient_card",
    IdentifierKind.health_qr: "health_qr",
    IdentifierKind.phone: "phone",
}


def normalize_identifier(kind: IdentifierKind, value: str) -> str:
    value = value.strip()
    if kind in (IdentifierKind.id_card, IdentifierKind.insurance_card, IdentifierKind.patient_card):
        return value.replace(" ", "").upper()
    if kind is IdentifierKind.phone:
        digits = "".join(c for c in value if c.isdigit())
        return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return value


def find_patient(conn: Connection, kind: IdentifierKind, value: str) -> Row | None:
    """The patient with this identifier (for a phone shared by several: the first by id)."""
    column = _IDENTIFIER_COLUMNS[kind]
    row: Row | None = conn.execute(
        f"SELECT * FROM patients WHERE {column} = ? ORDER BY id LIMIT 1",
        (normalize_identifier(kind, value),),
    ).fetchone()
    return row


def get_patient_row(conn: Connection, patient_id: str) -> Row | None:
    row: Row | None = conn.execute("SELECT * FROM patients WHERE id = ?", (patient_id,)).fetchone()
    return row


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def patient(row: Row, today: dt.date) -> Patient:
    birth = dt.date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
    return Patient(
        id=row["id"],
        display_name=mask_name(row["name"]),
        masked_id_number=mask_id_number(row["id_number"]) if row["id_number"] else "",
        gender=row["gender"],
        age=_age(birth, today) if birth else None,
    )


# --- tickets --------------------------------------------------------------------------------

_TICKET_SELECT = (
    f"SELECT t.id AS t_id, t.number, t.service_date, t.seq, t.status AS t_status, t.issued_at, "
    "t.track_token, "
    f"t.department_id, p.name AS patient_name, ap.starts_at AS appointment_at, "
    f"{DEPARTMENT_COLUMNS}, {DOCTOR_COLUMNS} "
    "FROM tickets t JOIN departments d ON d.id = t.department_id "
    "LEFT JOIN doctors doc ON doc.id = t.doctor_id "
    "LEFT JOIN patients p ON p.id = t.patient_id "
    "LEFT JOIN appointments ap ON ap.id = t.appointment_id "
)


def status_url(base_url: str, row: Row) -> str:
    """What the ticket's QR opens: the phone page of its queue entry (the JSON status of a
    ticket from before the queue existed)."""
    if row["track_token"]:
        return base_url.rstrip("/") + queue.TRACK_PAGE_PATH.format(token=row["track_token"])
    return (
        f"{base_url.rstrip('/')}{API_PREFIX}/tickets/{row['number']}/status"
        f"?date={row['service_date']}"
    )


def _ahead_and_wait(conn: Connection, row: Row) -> tuple[int, int]:
    """People ahead and the estimated wait, from the ticket's queue (the call order and the
    room's recent service times); a ticket without a queue counts the department's tickets."""
    if row["t_status"] != TicketStatus.waiting.value:
        return 0, 0
    if row["track_token"]:
        entry_id = queue.track_entry_id(conn, row["track_token"])
        if entry_id is not None:
            return queue.ahead_and_wait(conn, entry_id)
    count = conn.execute(
        "SELECT count(*) FROM tickets WHERE department_id = ? AND service_date = ? "
        "AND status = 'waiting' AND seq < ?",
        (row["department_id"], row["service_date"], row["seq"]),
    ).fetchone()[0]
    return int(count), int(count) * int(row["dep_minutes"])


def ticket_by_id(conn: Connection, ticket_id: int, base_url: str) -> Ticket:
    row = conn.execute(_TICKET_SELECT + "WHERE t.id = ?", (ticket_id,)).fetchone()
    if row is None:
        raise KeyError(ticket_id)
    return _ticket(conn, row, base_url)


def _ticket(conn: Connection, row: Row, base_url: str) -> Ticket:
    ahead, wait = _ahead_and_wait(conn, row)
    return Ticket(
        number=row["number"],
        service_date=dt.date.fromisoformat(row["service_date"]),
        department=department_summary(row),
        location=location(row),
        people_ahead=ahead,
        estimated_wait_minutes=wait,
        status=TicketStatus(row["t_status"]),
        status_url=status_url(base_url, row),
        issued_at=from_db_time(row["issued_at"]),
        patient_display_name=mask_name(row["patient_name"]) if row["patient_name"] else "",
        doctor=doctor_summary(row) if row["doc_id"] else None,
        appointment_at=from_db_time(row["appointment_at"]) if row["appointment_at"] else None,
    )


def public_ticket_status(
    conn: Connection, number: str, service_date: dt.date
) -> TicketPublicStatus | None:
    row = conn.execute(
        _TICKET_SELECT + "WHERE t.number = ? AND t.service_date = ?",
        (number.strip().upper(), service_date.isoformat()),
    ).fetchone()
    if row is None:
        return None
    ahead, wait = _ahead_and_wait(conn, row)
    return TicketPublicStatus(
        number=row["number"],
        service_date=dt.date.fromisoformat(row["service_date"]),
        department=department_summary(row),
        location=location(row),
        status=TicketStatus(row["t_status"]),
        people_ahead=ahead,
        estimated_wait_minutes=wait,
    )


# --- appointments ---------------------------------------------------------------------------

_APPOINTMENT_SELECT = (
    "SELECT a.id AS a_id, a.patient_id, a.starts_at, a.ends_at, a.status AS a_status, "
    f"a.ticket_id, {DEPARTMENT_COLUMNS}, {DOCTOR_COLUMNS} "
    "FROM appointments a JOIN departments d ON d.id = a.department_id "
    "JOIN doctors doc ON doc.id = a.doctor_id "
)


def get_appointment_row(conn: Connection, appointment_id: str) -> Row | None:
    row: Row | None = conn.execute(
        _APPOINTMENT_SELECT + "WHERE a.id = ?", (appointment_id,)
    ).fetchone()
    return row


def appointment(conn: Connection, row: Row, base_url: str) -> Appointment:
    starts_at = from_db_time(row["starts_at"])
    return Appointment(
        id=row["a_id"],
        patient_id=row["patient_id"],
        department=department_summary(row),
        doctor=doctor_summary(row),
        starts_at=starts_at,
        ends_at=from_db_time(row["ends_at"]),
        location=location(row),
        check_in_opens_at=starts_at - CHECK_IN_OPENS_BEFORE,
        check_in_closes_at=starts_at + CHECK_IN_CLOSES_AFTER,
        status=AppointmentStatus(row["a_status"]),
        ticket=(
            ticket_by_id(conn, int(row["ticket_id"]), base_url)
            if row["ticket_id"] is not None
            else None
        ),
    )


def patient_appointments(
    conn: Connection, patient_id: str, first: dt.date, last: dt.date, base_url: str
) -> list[Appointment]:
    rows = conn.execute(
        _APPOINTMENT_SELECT + "WHERE a.patient_id = ? AND a.service_date BETWEEN ? AND ? "
        "ORDER BY a.starts_at, a.id",
        (patient_id, first.isoformat(), last.isoformat()),
    ).fetchall()
    return [appointment(conn, row, base_url) for row in rows]


# --- kiosks ---------------------------------------------------------------------------------


def kiosk_statuses(
    conn: Connection, now: dt.datetime, online_after: dt.timedelta
) -> list[KioskStatus]:
    statuses: list[KioskStatus] = []
    for row in conn.execute("SELECT * FROM kiosks ORDER BY id"):
        last = from_db_time(row["last_heartbeat_at"]) if row["last_heartbeat_at"] else None
        online = last is not None and now - last <= online_after
        devices = [DeviceState.model_validate(d) for d in json.loads(row["devices_json"])]
        warnings = (
            []
            if online
            else ["never seen" if last is None else f"not seen for {_minutes(now - last)} min"]
        )
        warnings += [
            f"{device.name}: {_DEVICE_WARNINGS[device.state]}"
            for device in devices
            if device.state in _DEVICE_WARNINGS
        ]
        if row["last_error"]:
            warnings.append(f"last error: {row['last_error']}")
        rate_limited = visits.rate_limited_recently(conn, row["id"], now)
        if rate_limited >= visits.RATE_LIMIT_FLAG_AFTER:
            warnings.append(
                f"identify rate limit hit {rate_limited} times in the last hour "
                "(a misused kiosk token?)"
            )
        statuses.append(
            KioskStatus(
                kiosk_id=row["id"],
                online=online,
                last_heartbeat_at=last,
                version=row["version"],
                uptime_s=row["uptime_s"],
                devices=devices,
                last_error=row["last_error"],
                warnings=warnings,
                identify_rate_limited=rate_limited,
            )
        )
    return statuses


# Device states IT must act on, as the fleet page words them.
_DEVICE_WARNINGS = {
    "near_end": "paper nearly used up",
    "paper_out": "out of paper",
    "cover_open": "cover open",
    "offline": "offline",
    "disconnected": "disconnected",
    "unavailable": "unavailable",
    "error": "error",
}


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)
