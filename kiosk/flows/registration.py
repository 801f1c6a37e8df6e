"""Registration (挂号): department, then a day and a doctor's session, confirm, ticket.

The doctors list opens on today; a day chooser offers the next ``BOOKING_DAYS`` days. A
session of a later day is booked ahead (预约挂号): once confirmed (free, or its fee paid) the
patient gets an appointment to check in for on the day and a printed confirmation slip, not
a queue number (the ``booked`` step; a paid one's slip comes with the payment's receipt).

A session touched on the hospital guide's schedule (:meth:`RegistrationFlow.begin_for`) goes
straight to confirm, after the visit has identified the patient.

A free session is confirmed with a queue ticket at once (the visit's ticket screen prints it);
a session with a fee leaves an unpaid registration bill, paid by QR through the payment flow,
whose receipt comes with the queue ticket. A full session offers the department's next
sessions with places. One Idempotency-Key per (visit, session): a repeated tap or a retry
after a lost answer never takes a second place.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError
from PySide6.QtCore import QObject

from kiosk.api.models import (
    Appointment,
    Department,
    DoctorSummary,
    ErrorCode,
    Patient,
    Registration,
    RegistrationResult,
    Schedule,
    ScheduleSession,
    SessionSuggestion,
)
from kiosk.backend.client import new_idempotency_key
from kiosk.backend.errors import (
    BackendRejectedError,
    BackendServerError,
    BackendTimeoutError,
    BackendUnreachableError,
    BadResponseError,
)
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, NoticeKind, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.runner import Runner

log = logging.getLogger(__name__)

SUGGESTION_DAYS = 7
MAX_SUGGESTIONS = 3
BOOKING_DAYS = 7  # today and the six days after it: the days the chooser offers


class RegStep(StrEnum):
    idle = "idle"
    departments = "departments"
    doctors = "doctors"  # today's sessions of the chosen department
    confirm = "confirm"
    full = "full"  # the chosen session is full: later sessions with places
    booked = "booked"  # booked ahead: the appointment and its printed confirmation
    error = "error"  # a notice is shown


_ALLOWED: dict[RegStep, frozenset[RegStep]] = {
    RegStep.idle: frozenset(
        {RegStep.departments, RegStep.doctors, RegStep.confirm, RegStep.full, RegStep.error}
    ),
    RegStep.departments: frozenset({RegStep.doctors, RegStep.error}),
    RegStep.doctors: frozenset({RegStep.departments, RegStep.confirm, RegStep.full, RegStep.error}),
    RegStep.confirm: frozenset({RegStep.doctors, RegStep.full, RegStep.booked, RegStep.error}),
    RegStep.full: frozenset({RegStep.doctors, RegStep.confirm, RegStep.error}),
    RegStep.booked: frozenset(),
    RegStep.error: frozenset(),
}


class RegistrationApi(Protocol):
    def departments(self) -> list[Department]: ...

    def schedule(self, department_id: str, date: dt.date | None = None) -> Schedule: ...

    def register(
        self, patient_id: str, session_id: str, *, idempotency_key: str
    ) -> RegistrationResult: ...


class FeePayment(Protocol):
    def pay_bills(self, patient: Patient, bill_ids: Sequence[str]) -> None: ...


class BookingPrinter(Protocol):
    """Prints the confirmation of an appointment booked ahead; failures come back later."""

    def print_booking(
        self, appointment: Appointment, patient_name: str, hospital_name: str
    ) -> None: ...


# The answer to a registration may have been lost (or nothing reached the server): the same
# key is sent again on "Try again", so the server answers with the place it took, if any.
_OUTCOME_UNKNOWN = (
    BackendUnreachableError,
    BackendTimeoutError,
    BackendServerError,
    BadResponseError,
)


def open_sessions(
    schedules: Sequence[Schedule], now: dt.datetime, exclude: str = "", fee_cents: int = 0
) -> list[SessionSuggestion]:
    """Sessions with places that have not ended, earliest first (the server's rule too);
    among those starting together, the ones with the fee the patient chose come first (who
    chose the free general clinic sees the free one)."""
    found = [
        SessionSuggestion(session=session, doctor=doctor.doctor)
        for schedule in schedules
        for doctor in schedule.doctors
        for session in doctor.sessions
        if session.id != exclude and session.slots_left > 0 and session.ends_at > now
    ]
    return sorted(
        found,
        key=lambda s: (s.session.starts_at, s.session.fee_cents != fee_cents, s.session.id),
    )


def sessions_in_order(schedule: Schedule, now: dt.datetime) -> list[SessionSuggestion]:
    """Today's doctor-sessions as the patient sees them: what can be booked now first
    (earliest, free before paid), then full ones, then the ones that have ended."""
    choices = [
        SessionSuggestion(session=session, doctor=doctor.doctor)
        for doctor in schedule.doctors
        for session in doctor.sessions
    ]
    return sorted(
        choices,
        key=lambda c: (
            c.session.ends_at <= now,
            c.session.slots_left <= 0,
            c.session.starts_at,
            c.session.fee_cents,
            c.session.id,
        ),
    )


class RegistrationFlow(Flow[RegStep]):
    """``problem`` is a message shown on the current screen rather than instead of it: a
    session that ended meanwhile (on the doctors list) or a registration whose answer did not
    arrive (on the confirm screen, where Confirm tries again with the same key).
    """

    def __init__(
        self,
        api: RegistrationApi,
        runner: Runner,
        visit: VisitFlow,
        payment: FeePayment,
        printer: BookingPrinter,
        *,
        clock: Callable[[], dt.datetime],
        service_name: str,
        hospital_name: str,
        parent: QObject | None = None,
    ) -> None:
        """``service_name``: this service's name in the registry, by which the visit opens it."""
        super().__init__(RegStep.idle, _ALLOWED, runner, parent)
        self._api = api
        self._visit = visit
        self._service_name = service_name
        self._payment = payment
        self._printer = printer
        self._hospital_name = hospital_name
        self._clock = clock
        self._clear()
        visit.visit_wiped.connect(self._on_visit_wiped)

    def _clear(self) -> None:
        self.patient: Patient | None = None
        self.departments: list[Department] = []
        self.department: Department | None = None
        self.schedule: Schedule | None = None
        self.doctor: DoctorSummary | None = None
        self.session: ScheduleSession | None = None
        self.suggestions: list[SessionSuggestion] = []
        self.day: dt.date | None = None  # the day of the doctors list; None: today
        self.booked: Appointment | None = None  # booked ahead, once confirmed
        self.print_failure = ""
        self.notice: Notice | None = None
        self.problem: Notice | None = None
        self._keys: dict[str, str] = {}
        # A session chosen before identification (on the guide's schedule), taken once the
        # visit knows the patient.
        self._wanted: tuple[Department, SessionSuggestion] | None = None

    # -- patient actions ---------------------------------------------------------------------

    def begin(self, patient: Patient | None) -> None:
        """The identified patient chose to register: show the departments, or confirm the
        session chosen on the guide's schedule (with its places as they are now)."""
        if patient is None:
            return
        wanted = self._wanted
        self._clear()
        self.patient = patient
        if wanted is None:
            self._ask(self._api.departments, self._on_departments, "departments")
            return
        department, choice = wanted
        self.department = department
        day = choice.session.starts_at.astimezone(self._clock().tzinfo).date()
        self.day = day
        self._ask(
            lambda: self._api.schedule(department.id, day),
            lambda schedule: self._on_wanted_schedule(schedule, choice.session.id),
            "schedule",
        )

    def begin_for(self, department: Department, choice: SessionSuggestion) -> None:
        """A session touched outside registration (the guide's schedule): register for it
        like a session chosen here, asking who the patient is first when nobody is known."""
        if self.step != RegStep.idle or self.busy:
            return
        self._wanted = (department, choice)
        self._visit.choose(self._service_name)

    def choose_department(self, department_id: str) -> None:
        department = next((d for d in self.departments if d.id == department_id), None)
        if department is None or self.busy or self.step != RegStep.departments:
            return
        self.department = department
        self.day = None
        self._load_schedule()

    def days(self) -> list[dt.date]:
        """The days the chooser offers: today first."""
        today = self._clock().date()
        return [today + dt.timedelta(days=n) for n in range(BOOKING_DAYS)]

    def choose_day(self, day: dt.date) -> None:
        """Another day of the chooser: that day's doctors and sessions."""
        if self.busy or self.step != RegStep.doctors or day not in self.days():
            return
        self.day = day
        self.problem = None
        self._load_schedule()

    def choose_session(self, session_id: str) -> None:
        """A session on the doctors list, or one of the suggestions."""
        if self.busy or self.step not in (RegStep.doctors, RegStep.full):
            return
        choice = next((s for s in self.choices() if s.session.id == session_id), None)
        if choice is None or choice.session.ends_at <= self._clock():
            return
        self._take(choice)

    def confirm(self) -> None:
        patient, session = self.patient, self.session
        if self.busy or self.step != RegStep.confirm or patient is None or session is None:
            return
        key = self._keys.setdefault(session.id, new_idempotency_key())
        self._call(
            lambda: self._api.register(patient.id, session.id, idempotency_key=key),
            lambda result: self._on_registered(result.registration),
            self._on_register_failed,
            "registration",
        )

    def back(self) -> None:
        if self.busy:
            return
        self.problem = None
        if self.step == RegStep.doctors:
            self.schedule = None
            if self.departments:
                self._move(RegStep.departments)
            else:  # came from the guide's schedule: the list was never loaded
                self._ask(self._api.departments, self._on_departments, "departments")
        elif self.step in (RegStep.confirm, RegStep.full) and self.schedule is not None:
            self.session = None
            self._move(RegStep.doctors)

    def finish(self) -> None:
        self._visit.go_home()

    def printer_failed(self, reason: str) -> None:
        """The confirmation slip did not print: the booked screen says so and offers it again
        (the booking itself stands)."""
        if self.step == RegStep.booked:
            self.print_failure = reason
            self._show_again()

    def reprint(self) -> None:
        if self.step == RegStep.booked and self.booked is not None and self.patient is not None:
            self.print_failure = ""
            self._printer.print_booking(self.booked, self.patient.display_name, self._hospital_name)
            self._show_again()

    # -- internals ---------------------------------------------------------------------------

    def choices(self) -> list[SessionSuggestion]:
        """The sessions on screen: the suggestions, or today's in the order shown."""
        if self.step == RegStep.full:
            return self.suggestions
        if self.schedule is None:
            return []
        return sessions_in_order(self.schedule, self._clock())

    def _load_schedule(self) -> None:
        department = self.department
        if department is None:
            return
        day = self.day or self._clock().date()
        self._ask(lambda: self._api.schedule(department.id, day), self._on_schedule, "schedule")

    def _on_departments(self, departments: list[Department]) -> None:
        self.departments = departments
        self._move(RegStep.departments)

    def _on_schedule(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self._move(RegStep.doctors)

    def _on_wanted_schedule(self, schedule: Schedule, session_id: str) -> None:
        """The chosen session's day as it is now: confirm it, or say why not."""
        self.schedule = schedule
        now = self._clock()
        choice = next(
            (c for c in sessions_in_order(schedule, now) if c.session.id == session_id), None
        )
        if choice is None or choice.session.ends_at <= now:
            self.problem = Notice(NoticeKind.session_over)  # the day's list, with the reason
            self._move(RegStep.doctors)
            return
        self._take(choice)

    def _take(self, choice: SessionSuggestion) -> None:
        """Confirm a session with places; for a full one, offer other times."""
        self.doctor, self.session = choice.doctor, choice.session
        self.problem = None
        if choice.session.slots_left > 0:
            self._move(RegStep.confirm)
        else:
            self._suggest_instead(choice.session)

    def _suggest_instead(self, full: ScheduleSession) -> None:
        """The department's next sessions with places over the coming week."""
        department = self.department
        if department is None:
            return
        now = self._clock()
        days = [now.date() + dt.timedelta(days=n) for n in range(SUGGESTION_DAYS)]
        self._ask(
            lambda: [self._api.schedule(department.id, day) for day in days],
            lambda schedules: self._show_suggestions(
                open_sessions(schedules, self._clock(), exclude=full.id, fee_cents=full.fee_cents)
            ),
            "suggestions",
        )

    def _show_suggestions(self, suggestions: Sequence[SessionSuggestion]) -> None:
        self.suggestions = list(suggestions)[:MAX_SUGGESTIONS]
        if self.suggestions:
            self._move(RegStep.full)
        else:
            self._show_notice(Notice(NoticeKind.session_full))

    def _on_registered(self, registration: Registration) -> None:
        self.problem = None
        if registration.ticket is not None:
            self._visit.show_ticket(registration.ticket, existing=False)
        elif registration.appointment is not None and self.patient is not None:
            self.booked = registration.appointment
            self.print_failure = ""
            self._move(RegStep.booked)
            self._printer.print_booking(
                registration.appointment, self.patient.display_name, self._hospital_name
            )
        elif registration.bill_id is not None and self.patient is not None:
            self._payment.pay_bills(self.patient, [registration.bill_id])
        else:
            log.error("registration %s has neither a ticket nor a bill", registration.id)
            self._show_notice(Notice(NoticeKind.backend_failed))

    def _on_register_failed(self, error: Exception) -> None:
        if isinstance(error, BackendRejectedError):
            if error.code == ErrorCode.already_registered:
                self._on_already_registered(error)
                return
            if error.code == ErrorCode.session_full:
                self._show_suggestions(_suggestions_of(error))
                return
            if (
                error.code == ErrorCode.session_over
            ):  # back to today's list, which no longer offers it
                log.info("registration refused: the session has ended")
                self.session = None
                self.problem = Notice(NoticeKind.session_over)
                self._load_schedule()
                return
        notice = notice_for_error(error, context="registration")
        if isinstance(error, _OUTCOME_UNKNOWN) and self.step == RegStep.confirm:
            self.problem = notice  # the same screen, Confirm now tries again with the same key
            self._show_again()
            return
        self._show_notice(notice)

    def _on_already_registered(self, error: BackendRejectedError) -> None:
        if error.ticket is not None:
            self._visit.show_ticket(error.ticket, existing=True)
            return
        try:
            earlier = Registration.model_validate((error.details or {}).get("registration"))
        except (ValidationError, AttributeError):
            self._show_notice(notice_for_error(error, context="registration"))
            return
        self._on_registered(earlier)  # waiting for its fee: pay it now

    def _show_notice(self, notice: Notice) -> None:
        self.notice = notice
        self._move(RegStep.error)

    def _on_visit_wiped(self) -> None:
        self._clear()
        self._return_to_rest()

    def _ask(self, call: Callable[[], object], on_success: Callable[..., None], what: str) -> None:
        """A backend call whose failure is shown as a notice."""
        self._call(
            call,
            on_success,
            lambda error: self._show_notice(notice_for_error(error, context=what)),
            what,
        )


def _suggestions_of(error: BackendRejectedError) -> list[SessionSuggestion]:
    details = error.details if isinstance(error.details, dict) else {}
    found = []
    for raw in details.get("suggestions") or []:
        try:
            found.append(SessionSuggestion.model_validate(raw))
        except ValidationError:
            log.warning("ignoring a malformed session suggestion from the server")
    return found
