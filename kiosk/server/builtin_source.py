"""``ClinicalSource`` on the server's own tables: the demo default.

It reads through the request's own connection, so an identify's lookup stays inside the write
transaction that counts the attempt and starts the visit, and a check-in's read and change are
one transaction with its ticket. Its appointments come with their tickets (the same tables).
"""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import (
    Appointment,
    AppointmentStatus,
    Department,
    IdentifierKind,
    Patient,
    Schedule,
)
from kiosk.server import queries
from kiosk.server.clinical import RecordConflictError, RecordNotFoundError
from kiosk.server.db import Connection, require_transaction


class BuiltinClinicalSource:
    """The built-in implementation of ``kiosk.server.clinical.ClinicalSource``, for one
    request: ``conn`` is its connection, ``base_url`` the base of its tickets' status URLs."""

    local = True

    def __init__(self, conn: Connection, base_url: str, now: dt.datetime) -> None:
        """``now``: the request's time (a lapsed registration hold frees its place)."""
        self._conn = conn
        self._base_url = base_url
        self._now = now

    def find_patient(self, kind: IdentifierKind, value: str, today: dt.date) -> Patient | None:
        row = queries.find_patient(self._conn, kind, value)
        return None if row is None else queries.patient(row, today)

    def patient(self, patient_id: str, today: dt.date) -> Patient | None:
        row = queries.get_patient_row(self._conn, patient_id)
        return None if row is None else queries.patient(row, today)

    def patient_appointments(
        self, patient_id: str, first: dt.date, last: dt.date
    ) -> list[Appointment]:
        return queries.patient_appointments(self._conn, patient_id, first, last, self._base_url)

    def appointment(self, appointment_id: str) -> Appointment | None:
        row = queries.get_appointment_row(self._conn, appointment_id)
        return None if row is None else queries.appointment(self._conn, row, self._base_url)

    def check_in(self, appointment_id: str) -> Appointment:
        """Booked → checked in, inside the caller's write transaction (which issues the ticket
        that goes with it)."""
        require_transaction(self._conn)
        self._conn.execute(
            "UPDATE appointments SET status = ? WHERE id = ? AND status = ?",
            (
                AppointmentStatus.checked_in.value,
                appointment_id,
                AppointmentStatus.booked.value,
            ),
        )
        found = self.appointment(appointment_id)
        if found is None:
            raise RecordNotFoundError(f"no appointment {appointment_id!r}")
        if found.status is AppointmentStatus.cancelled:
            raise RecordConflictError(f"appointment {appointment_id!r} is cancelled")
        return found

    def departments(self) -> list[Department]:
        return queries.list_departments(self._conn)

    def schedule(self, department_id: str, date: dt.date) -> Schedule:
        row = queries.get_department_row(self._conn, department_id)
        if row is None:
            raise RecordNotFoundError(f"no department {department_id!r}")
        return queries.schedule(self._conn, row, date, now=self._now)
