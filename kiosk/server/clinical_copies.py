"""Local copies of a remote clinical source's records: what the queue's tables point at.

Tickets and queue entries name their patient, appointment, doctor and department by foreign key,
so a check-in through FHIR first keeps a copy of those rows here, under the FHIR ids (the ids the
kiosk sees). A copy holds only what the queue shows: the masked name, never an identifier. A
department that the mapping names after a local one (``dep-a``) keeps the local row and its
queue; one seen for the first time is added with a code fit for ticket numbers.
"""

from __future__ import annotations

import string

from kiosk.api.models import (
    Appointment,
    AppointmentStatus,
    Bill,
    DepartmentSummary,
    Location,
    Patient,
    Ticket,
)
from kiosk.server import hospital_writes, queries
from kiosk.server.db import Connection, require_transaction, to_db_time

UNKNOWN_DOCTOR = "unassigned"  # the doctor id of an appointment without a practitioner


def keep_patient(conn: Connection, patient: Patient) -> None:
    """The patient's row, added once (the name as the kiosk shows it: masked)."""
    require_transaction(conn)
    conn.execute(
        "INSERT INTO patients (id, name, gender) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
        (patient.id, patient.display_name, patient.gender),
    )


def keep_department(
    conn: Connection, department: DepartmentSummary, location: Location | None = None
) -> None:
    """The department's row, added once with a ticket prefix no other department has: its
    own code where it fits the table's rule (one or two capitals or digits), else a free one."""
    if conn.execute("SELECT 1 FROM departments WHERE id = ?", (department.id,)).fetchone():
        return
    taken = {str(row[0]) for row in conn.execute("SELECT code FROM departments")}
    own = "".join(c for c in department.code.upper() if c.isascii() and c.isalnum())[:2]
    spare = (a + b for a in string.ascii_uppercase for b in ("", *string.ascii_uppercase))
    code = own if own and own not in taken else next(c for c in spare if c not in taken)
    place = location or Location(building="", floor="", room="")
    conn.execute(
        "INSERT INTO departments (id, code, name, name_en, building, building_en, floor, room) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            department.id,
            code,
            department.name,
            department.name_en,
            place.building,
            place.building_en,
            place.floor,
            place.room,
        ),
    )


def keep_appointment(conn: Connection, appointment: Appointment) -> None:
    """The appointment's rows (patient, department, doctor, appointment), added or brought up
    to date; a local status or ticket is kept."""
    require_transaction(conn)
    department = appointment.department
    conn.execute(
        "INSERT INTO patients (id, name) VALUES (?, '') ON CONFLICT (id) DO NOTHING",
        (appointment.patient_id,),
    )
    keep_department(conn, department, appointment.location)
    doctor_id = appointment.doctor.id or UNKNOWN_DOCTOR
    conn.execute(
        "INSERT INTO doctors (id, department_id, name, title) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name, title = excluded.title",
        (doctor_id, department.id, appointment.doctor.name, appointment.doctor.title),
    )
    conn.execute(
        "INSERT INTO appointments (id, patient_id, department_id, doctor_id, service_date, "
        "starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
        "SET service_date = excluded.service_date, starts_at = excluded.starts_at, "
        "ends_at = excluded.ends_at",
        (
            appointment.id,
            appointment.patient_id,
            department.id,
            doctor_id,
            appointment.starts_at.date().isoformat(),
            to_db_time(appointment.starts_at),
            to_db_time(appointment.ends_at),
            AppointmentStatus.booked.value,
        ),
    )


def with_tickets(
    conn: Connection, appointments: list[Appointment], base_url: str
) -> list[Appointment]:
    """The source's checked-in appointments with the tickets this server issued for them."""
    checked_in = AppointmentStatus.checked_in
    wanted = [a.id for a in appointments if a.ticket is None and a.status is checked_in]
    if not wanted:
        return appointments
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(
        f"SELECT id, ticket_id FROM appointments WHERE ticket_id IS NOT NULL AND id IN ({marks})",
        wanted,
    ).fetchall()
    tickets: dict[str, Ticket] = {
        str(row["id"]): queries.ticket_by_id(conn, int(row["ticket_id"]), base_url) for row in rows
    }
    return [
        a.model_copy(update={"ticket": tickets[a.id]}) if a.id in tickets else a
        for a in appointments
    ]


def local_ticket(conn: Connection, appointment_id: str, base_url: str) -> Ticket | None:
    """The ticket this server issued for the appointment, if any."""
    row = conn.execute(
        "SELECT ticket_id FROM appointments WHERE id = ?", (appointment_id,)
    ).fetchone()
    if row is None or row["ticket_id"] is None:
        return None
    return queries.ticket_by_id(conn, int(row["ticket_id"]), base_url)


def keep_bills(conn: Connection, patient_id: str, bills: list[Bill]) -> None:
    """The source's open bills as local ones, added once (the payments' tables point at
    them), each owing its settlement there once paid here; one paid here meanwhile stays
    paid."""
    require_transaction(conn)
    conn.execute(
        "INSERT INTO patients (id, name) VALUES (?, '') ON CONFLICT (id) DO NOTHING",
        (patient_id,),
    )
    for bill in bills:
        if conn.execute("SELECT 1 FROM bills WHERE id = ?", (bill.id,)).fetchone():
            continue
        keep_department(conn, bill.department)
        hospital_writes.bill_copied(conn, bill.id)
        conn.execute(
            "INSERT INTO bills (id, patient_id, department_id, title, title_en, status, "
            "insurance_cents, created_at) VALUES (?, ?, ?, ?, ?, 'unpaid', ?, ?)",
            (
                bill.id,
                patient_id,
                bill.department.id,
                bill.title,
                bill.title_en,
                bill.insurance_cents,
                to_db_time(bill.created_at),
            ),
        )
        conn.executemany(
            "INSERT INTO bill_items (bill_id, seq, name, name_en, category, quantity, unit, "
            "unit_en, unit_price_cents, amount_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    bill.id,
                    seq,
                    item.name,
                    item.name_en,
                    item.category.value,
                    item.quantity,
                    item.unit,
                    item.unit_en,
                    item.unit_price_cents,
                    item.amount_cents,
                )
                for seq, item in enumerate(bill.items, start=1)
            ],
        )
