"""One patient's visit at the kiosk: identify, then check in, look at appointments, or hand
the identified patient to another service (registration, payment).

A plain state machine: :class:`Step` lists where the patient can be, ``_ALLOWED`` which moves
are legal, and the window shows the screen for the current step. Backend calls go through the
runner; an answer that arrives after the visit was wiped is dropped there.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import (
    Appointment,
    AppointmentStatus,
    CheckInResult,
    IdentifierKind,
    Patient,
    Ticket,
)
from kiosk.backend.errors import BackendRejectedError
from kiosk.flows.notices import Notice, NoticeKind, notice_for_error
from kiosk.identity import is_mobile_phone, is_valid_resident_id
from kiosk.runner import Runner

log = logging.getLogger(__name__)

UPCOMING_DAYS = 30


class Step(StrEnum):
    home = "home"
    identify = "identify"
    looking_up = "looking_up"
    appointments = "appointments"
    upcoming = "upcoming"
    checking_in = "checking_in"
    ticket = "ticket"
    notice = "notice"
    service = "service"  # another service's flow (information, feedback...) has the screen


class Intent(StrEnum):
    """What the patient chose on the home screen."""

    checkin = "checkin"
    appointments = "appointments"
    registration = "registration"
    payment = "payment"


# Intents whose journey after identification belongs to another service's flow.
SERVICE_INTENTS = frozenset({Intent.registration, Intent.payment})


_ALLOWED: dict[Step, frozenset[Step]] = {
    Step.home: frozenset({Step.identify, Step.looking_up, Step.service, Step.notice}),
    Step.service: frozenset({Step.ticket}),
    Step.identify: frozenset({Step.looking_up, Step.notice}),
    Step.looking_up: frozenset({Step.appointments, Step.upcoming, Step.service, Step.notice}),
    Step.appointments: frozenset({Step.checking_in, Step.ticket}),
    Step.upcoming: frozenset(),
    Step.checking_in: frozenset({Step.ticket, Step.notice}),
    Step.ticket: frozenset(),
    Step.notice: frozenset({Step.identify, Step.appointments}),
}


class TicketPrinter(Protocol):
    """What the visit needs from the printer: the ticket goes out, failures come back later."""

    def print_ticket(self, ticket: Ticket, hospital_name: str) -> None: ...


class AppointmentsApi(Protocol):
    """The part of the Kiosk API client this journey uses (a real client in every test)."""

    def identify(self, kind: IdentifierKind, value: str) -> Patient: ...

    def appointments(
        self, patient_id: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[Appointment]: ...

    def check_in(self, appointment_id: str, *, idempotency_key: str) -> CheckInResult: ...


class VisitFlow(QObject):
    """The check-in and my-appointments journeys of one patient.

    Signals:
        step_changed: the new :class:`Step`.
        busy_changed: True while a backend call is running (the UI shows a spinner later).
        visit_wiped: the previous patient's data is gone; screens must clear themselves.
        patient_handed_over: the :class:`Intent` of a service that now has the identified
            patient (``self.patient``) and the screen.
    """

    step_changed = Signal(object)
    busy_changed = Signal(bool)
    visit_wiped = Signal()
    patient_handed_over = Signal(object)

    def __init__(
        self,
        api: AppointmentsApi,
        runner: Runner,
        printer: TicketPrinter,
        *,
        hospital_name: str,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._runner = runner
        self._printer = printer
        self._hospital_name = hospital_name
        self._today = today
        self.step = Step.home
        self.busy = False
        self.paused = False  # out of order: nothing starts until this is cleared
        self._clear()

    def _clear(self) -> None:
        self.intent = Intent.checkin
        self.patient: Patient | None = None
        self.appointments: list[Appointment] = []
        self.ticket: Ticket | None = None
        self.ticket_was_existing = False
        self.notice: Notice | None = None
        self.print_failure = ""
        # One key per appointment for the whole visit: a repeated tap or a retry after a lost
        # answer returns the same ticket instead of a second one.
        self._check_in_keys: dict[str, str] = {}

    # -- patient actions ---------------------------------------------------------------------

    def choose(self, intent: Intent) -> None:
        """A tile on the home screen: ask who the patient is."""
        if self.paused:
            return
        self.intent = intent
        self._move(Step.identify)

    def enter_service(self) -> bool:
        """Another service takes the screen (from home); False when that is not possible now."""
        if self.paused or self.step != Step.home:
            return False
        self._move(Step.service)
        return True

    def identifier_read(self, kind: IdentifierKind, value: str) -> None:
        """A card, code or scan arrived (on home, identify, or a notice about identifying)."""
        if self.paused or self.step not in (Step.home, Step.identify, Step.notice) or self.busy:
            log.info("identifier ignored during step %s", self.step)
            return
        if self.step == Step.notice:
            self.step = Step.identify  # a new attempt after "not found"
        self._look_up(kind, value)

    def identifier_rejected(self) -> None:
        """The reader got something that is not a usable identifier."""
        if not self.paused and self.step in (Step.home, Step.identify):
            self._show_notice(Notice(NoticeKind.unreadable_card))

    def submit_typed(self, text: str) -> None:
        """The keypad's OK: a resident ID (checked before any backend call) or a phone."""
        value = text.strip().upper()
        if len(value) == 18:
            if not is_valid_resident_id(value):
                self._show_notice(Notice(NoticeKind.invalid_resident_id))
                return
            self._look_up(IdentifierKind.id_card, value)
        elif is_mobile_phone(value):
            self._look_up(IdentifierKind.phone, value)
        elif value.isdigit() and len(value) == 11:
            self._show_notice(Notice(NoticeKind.invalid_phone))
        else:
            self._show_notice(Notice(NoticeKind.invalid_resident_id))

    def check_in(self, appointment_id: str) -> None:
        appointment = next((a for a in self.appointments if a.id == appointment_id), None)
        if appointment is None or self.busy:
            return
        if appointment.status == AppointmentStatus.checked_in and appointment.ticket:
            self._show_ticket(appointment.ticket, existing=True)
            return
        key = self._check_in_keys.setdefault(appointment_id, uuid.uuid4().hex)
        self._move(Step.checking_in)
        self._call(
            lambda: self._api.check_in(appointment_id, idempotency_key=key),
            lambda result: self._show_ticket(result.ticket, existing=False),
            lambda error: self._on_check_in_failed(appointment, error),
            "check-in",
        )

    def reprint(self) -> None:
        if self.step == Step.ticket and self.ticket is not None:
            self.print_failure = ""
            self.ticket_was_existing = False  # the screen now says "take your ticket"
            self._printer.print_ticket(self.ticket, self._hospital_name)
            self.step_changed.emit(Step.ticket)

    def retry_identify(self) -> None:
        """From a notice: try another way in."""
        self._move(Step.identify)

    def back_to_appointments(self) -> None:
        self._move(Step.appointments)

    def go_home(self) -> None:
        """Finish or abandon the visit: wipe everything and drop late answers."""
        self._runner.start_new_visit()
        self._clear()
        self._set_busy(False)
        self.step = Step.home
        self.visit_wiped.emit()
        self.step_changed.emit(Step.home)

    def printer_failed(self, reason: str) -> None:
        """The printer could not print the ticket; it stays on screen with its QR."""
        if self.step == Step.ticket:
            self.print_failure = reason
            self.step_changed.emit(Step.ticket)

    # -- internals ---------------------------------------------------------------------------

    def _look_up(self, kind: IdentifierKind, value: str) -> None:
        self._move(Step.looking_up)
        self._call(
            lambda: self._api.identify(kind, value),
            self._on_identified,
            lambda error: self._show_notice(notice_for_error(error, context="identify")),
            "identify",
        )

    def show_ticket(self, ticket: Ticket, *, existing: bool) -> None:
        """A service got the patient a queue ticket: the usual ticket screen prints it."""
        if self.step == Step.service:
            self._show_ticket(ticket, existing=existing)

    def _on_identified(self, patient: Patient) -> None:
        self.patient = patient
        if self.intent in SERVICE_INTENTS:
            self._move(Step.service)
            self.patient_handed_over.emit(self.intent)
            return
        today = self._today()
        end = today + dt.timedelta(days=UPCOMING_DAYS if self.intent == Intent.appointments else 0)
        self._call(
            lambda: self._api.appointments(patient.id, today, end),
            self._on_appointments,
            lambda error: self._show_notice(notice_for_error(error, context="appointments")),
            "appointments",
        )

    def _on_appointments(self, appointments: list[Appointment]) -> None:
        self.appointments = sorted(appointments, key=lambda a: a.starts_at)
        if self.intent == Intent.appointments:
            self._move(Step.upcoming)
        elif not self.appointments:
            self._show_notice(Notice(NoticeKind.no_appointment_today))
        elif all(a.status == AppointmentStatus.cancelled for a in self.appointments):
            self._show_notice(Notice(NoticeKind.cancelled))
        else:
            self._move(Step.appointments)

    def _on_check_in_failed(self, appointment: Appointment, error: Exception) -> None:
        if (
            isinstance(error, BackendRejectedError)
            and error.code == "already_checked_in"
            and error.ticket is not None
        ):
            self._show_ticket(error.ticket, existing=True)
            return
        notice = notice_for_error(error, context="check-in")
        if notice.kind == NoticeKind.too_early:
            notice = Notice(NoticeKind.too_early, at=appointment.check_in_opens_at)
        self._show_notice(notice)

    def _show_ticket(self, ticket: Ticket, *, existing: bool) -> None:
        self.ticket = ticket
        self.ticket_was_existing = existing
        self.print_failure = ""
        self._move(Step.ticket)
        if not existing:
            self._printer.print_ticket(ticket, self._hospital_name)

    def _show_notice(self, notice: Notice) -> None:
        self.notice = notice
        self._move(Step.notice)

    def _call(
        self,
        call: Callable[[], object],
        on_success: Callable[..., None],
        on_error: Callable[[Exception], None],
        description: str,
    ) -> None:
        self._set_busy(True)

        def succeeded(result: object) -> None:
            self._set_busy(False)
            on_success(result)

        def failed(error: Exception) -> None:
            self._set_busy(False)
            on_error(error)

        self._runner.run(call, succeeded, failed, description=description)

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def _move(self, step: Step) -> None:
        if step != Step.home and step not in _ALLOWED[self.step] and step != self.step:
            raise RuntimeError(f"a visit cannot go from {self.step} to {step}")
        self.step = step
        self.step_changed.emit(step)
