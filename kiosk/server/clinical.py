"""Where the server's clinical data comes from: its own tables or the hospital's FHIR server.

``ClinicalSource`` is what the routes ask for patients, appointments, schedules and bills. It
answers in the Kiosk API's own domain values (``kiosk.api.models``), so the API does not change
with the source. What stays in the server's own database whatever the source (the queue and
its tickets, payments, visits, feedback, the fleet) is not here: an ``Appointment`` comes back
without its ``ticket`` and a ``Bill`` as ``unpaid`` or ``paid``; the server adds the ticket and
a payment's lock itself.

Every call may raise a ``ClinicalError``; the server words each kind for the patient as it does
its own database's failures.

Two implementations: ``builtin_source.BuiltinClinicalSource`` (the server's own tables, the demo
default) and ``fhir.source.FhirClinicalSource``. The built-in store answers inside the request's
own transaction (``local``); a remote source is asked before the server's write transaction
opens, never inside it, and what the queue needs of its answer is kept locally
(``clinical_copies``). Booking a session and paying a bill are one transaction with the queue
and the bills in the built-in store (``registrations``, ``payments``), so only a remote source
offers them here (``RemoteClinicalSource``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from kiosk.api.models import (
    Appointment,
    Bill,
    Department,
    DepartmentSummary,
    DoctorSummary,
    IdentifierKind,
    Patient,
    Schedule,
    ScheduleSession,
)


class ClinicalError(Exception):
    """The clinical source could not answer; ``str()`` says why, for the server's log."""


class SourceUnavailableError(ClinicalError):
    """Down, unreachable, refusing our credentials or failing: try again later."""


class SourceTimeoutError(SourceUnavailableError):
    """No answer within the configured time; the request may or may not have been applied."""


class RecordNotFoundError(ClinicalError):
    """No such patient, appointment, session or bill (any more)."""


class RecordConflictError(ClinicalError):
    """The record changed under us (someone else wrote it first) or is in a state that does
    not allow the change (a cancelled appointment, a cancelled bill)."""


class SessionFullError(RecordConflictError):
    """The session has no free slot left: the same answer as the built-in store's
    ``session_full``. ``department_id``: the session's department, whose later sessions the
    patient is offered instead."""

    def __init__(self, message: str, department_id: str = "") -> None:
        super().__init__(message)
        self.department_id = department_id


class SessionOverError(RecordConflictError):
    """The session has ended: the built-in store's ``session_over``."""

    def __init__(self, message: str, ends_at: dt.datetime) -> None:
        super().__init__(message)
        self.ends_at = ends_at


class RecordRejectedError(ClinicalError):
    """The source refused the request as invalid; the message is its own explanation."""


class UnsupportedIdentifierError(ClinicalError):
    """The source has no identifier system configured for this kind of card."""


@dataclass(frozen=True)
class Booking:
    """A slot of a session booked for a patient: the appointment the source now holds."""

    appointment_id: str
    patient_id: str
    department: DepartmentSummary
    doctor: DoctorSummary
    session: ScheduleSession
    starts_at: dt.datetime
    ends_at: dt.datetime


class ClinicalSource(Protocol):
    """The clinical half of the Kiosk API's data. Dates are the hospital's calendar days."""

    @property
    def local(self) -> bool:
        """True: answers from the server's own database, inside the request's transaction."""
        ...

    def find_patient(self, kind: IdentifierKind, value: str, today: dt.date) -> Patient | None:
        """The patient with this card number or phone (the first one for a shared phone)."""
        ...

    def patient(self, patient_id: str, today: dt.date) -> Patient | None: ...

    def patient_appointments(
        self, patient_id: str, first: dt.date, last: dt.date
    ) -> list[Appointment]:
        """Appointments starting from ``first`` to ``last`` inclusive, earliest first."""
        ...

    def appointment(self, appointment_id: str) -> Appointment | None: ...

    def check_in(self, appointment_id: str) -> Appointment:
        """Mark a booked appointment as arrived; one already arrived is returned unchanged
        (a retried check-in), a cancelled one raises ``RecordConflictError``."""
        ...

    def departments(self) -> list[Department]: ...

    def schedule(self, department_id: str, date: dt.date) -> Schedule:
        """The department's doctors and their sessions of ``date`` with free-slot counts."""
        ...


@dataclass(frozen=True)
class NewRecord:
    """A first visit's record (建档): the ID card's data, the checked phone and the patient
    card number the server gave it."""

    id_number: str
    name: str
    sex: str  # "male" or "female", from the ID number
    birth_date: dt.date
    address: str
    phone: str
    card_number: str


@dataclass(frozen=True)
class LinkState:
    """How the last exchange with a remote source went, for the fleet page."""

    up: bool
    latency_s: float
    at: dt.datetime
    problem: str = ""


class RemoteClinicalSource(ClinicalSource, Protocol):
    """A source outside the server's database: it also books sessions and settles bills."""

    def link(self) -> LinkState:
        """The link's state: the last request's outcome, or a fresh probe when it is old."""
        ...

    def book(self, patient_id: str, session_id: str, booking_key: str) -> Booking:
        """Book one free slot of the session for the patient under ``booking_key``;
        ``SessionFullError`` when none is left. A key booked already (a retry, or the same
        request twice at once) answers its booking again instead of taking a second slot."""
        ...

    def cancel_booking(self, booking_key: str) -> bool:
        """Cancel the booking made under ``booking_key`` and free its slot; False when there is
        none left to cancel."""
        ...

    def open_bills(self, patient_id: str) -> list[Bill]:
        """The patient's bills still to pay (status ``unpaid``), oldest first."""
        ...

    def mark_bill_paid(self, bill_id: str) -> None:
        """Record that the server's payment provider was paid for the bill; idempotent."""
        ...

    def card_number_taken(self, card_number: str) -> bool:
        """True when a record already holds this patient card number."""
        ...

    def create_patient(self, record: NewRecord, today: dt.date) -> Patient:
        """Make the record, at most one per ID number: ``RecordConflictError`` when the ID
        number has one already (made meanwhile, or by an earlier try of the same request).
        ``RecordRejectedError`` when the source does not take new records."""
        ...
