"""One patient's visit at the kiosk: identify, then check in, look at appointments, or hand
the identified patient to another service (registration, payment).

A plain state machine: :class:`Step` lists where the patient can be, ``_ALLOWED`` which moves
are legal, and the window shows the screen for the current step. Backend calls go through the
runner; an answer that arrives after the visit was wiped is dropped there.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.api.models import (
    Appointment,
    AppointmentStatus,
    Bill,
    BillStatus,
    CancellationResult,
    CheckInResult,
    ErrorCode,
    IdentifierKind,
    Patient,
    Ticket,
    TrackStatus,
)
from kiosk.backend.client import new_idempotency_key, track_token
from kiosk.backend.errors import BackendRejectedError
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, NoticeKind, notice_for_error
from kiosk.identity import CardHolder, is_mobile_phone, is_valid_resident_id
from kiosk.runner import Runner

log = logging.getLogger(__name__)

UPCOMING_DAYS = 30
# How often my appointments asks where a checked-in patient stands in the queue.
POSITION_REFRESH_S = 15.0
PAY_BILLS_SERVICE = "payment"  # the registry name of the service a too-early patient may use

TYPED = "typed"  # how a patient identified on the keypad (usage events)

# Identifiers read from a card lying on the reader (not a code shown, not a typed number).
CARD_KINDS = frozenset(
    {IdentifierKind.id_card, IdentifierKind.insurance_card, IdentifierKind.patient_card}
)


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
    cancel = "cancel"  # my appointments: confirm cancelling one (or why it cannot be)
    cancelled = "cancelled"  # my appointments: cancelled, with the refund


class CancelRefusal(StrEnum):
    """Why the server would not cancel an appointment: said on the cancel screen."""

    started = "started"  # its session has begun
    checked_in = "checked_in"  # checked in (a queue number) or over
    already_cancelled = "already_cancelled"
    at_window = "at_window"  # the hospital's system holds it: cancelled at a service window


_CANCEL_REFUSALS = {
    ErrorCode.too_late.value: CancelRefusal.started,
    ErrorCode.already_checked_in.value: CancelRefusal.checked_in,
    ErrorCode.cancelled.value: CancelRefusal.already_cancelled,
    ErrorCode.cancellation_unavailable.value: CancelRefusal.at_window,
}


class VisitJourney(StrEnum):
    """The services this flow carries through itself after identification."""

    checkin = "checkin"
    appointments = "appointments"


_ALLOWED: dict[Step, frozenset[Step]] = {
    Step.home: frozenset({Step.identify, Step.looking_up, Step.service, Step.notice}),
    Step.service: frozenset({Step.ticket, Step.identify}),  # a service leads to another
    Step.identify: frozenset({Step.looking_up, Step.notice}),
    Step.looking_up: frozenset({Step.appointments, Step.upcoming, Step.service, Step.notice}),
    Step.appointments: frozenset({Step.checking_in, Step.ticket}),
    # My appointments checks in like the check-in journey: one tap on an open card; and
    # cancels one booked ahead before it starts.
    Step.upcoming: frozenset({Step.checking_in, Step.ticket, Step.cancel}),
    Step.cancel: frozenset({Step.upcoming, Step.cancelled}),
    Step.cancelled: frozenset({Step.upcoming}),
    Step.checking_in: frozenset({Step.ticket, Step.notice}),
    Step.ticket: frozenset(),
    Step.notice: frozenset(
        {Step.identify, Step.looking_up, Step.appointments, Step.upcoming, Step.service}
    ),
}


class ServiceFlow(Protocol):
    """A service that takes over the screen from the visit (registration, payment, info...)."""

    def begin(self, patient: Patient | None) -> None:
        """Show the service's first step; ``patient`` is None for a service open to anyone."""


@dataclass(frozen=True)
class _OfferedService:
    flow: ServiceFlow
    needs_identification: bool


class Enrolment(Protocol):
    """First visits (建档): a record for an ID card's holder who has none."""

    def begin_with(self, holder: CardHolder) -> None: ...


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

    def cancel_appointment(
        self, appointment_id: str, *, idempotency_key: str
    ) -> CancellationResult: ...

    def bills(self, patient_id: str) -> list[Bill]: ...

    def take_visit_token(self) -> str | None:
        """Forget the patient's visit token (no I/O) and return it."""

    def end_visit(self, token: str) -> object:
        """Blocking: end that visit on the server."""

    def track(self, token: str) -> TrackStatus:
        """Blocking: where the ticket with this phone-page token stands in its queue."""


class VisitFlow(Flow[Step]):
    """The check-in and my-appointments journeys of one patient, and the door to the others.

    Every service the kiosk offers is reached through :meth:`choose`: the visit's own journeys
    (:class:`VisitJourney`) go on here; an offered service (see :meth:`offer`) gets the screen,
    after identification when it needs a patient.

    While my appointments is shown, the queue position of each checked-in appointment is
    asked every ``position_refresh_s`` in the background (no spinner) and kept in
    :attr:`positions`.

    Signals (besides the base's ``step_changed`` and ``busy_changed``):
        visit_wiped: the previous patient's data is gone; screens must clear themselves.
        card_left_on_reader: the visit that just ended read a card (it may still lie there).
        positions_changed: :attr:`positions` has a newer answer.
        service_chosen: the registry name of the service the patient chose (usage events).
        identification_started: how the patient says who they are: the identifier's kind
            from a reader, or ``typed`` (usage events).
    """

    visit_wiped = Signal()
    card_left_on_reader = Signal()
    positions_changed = Signal()
    service_chosen = Signal(str)
    identification_started = Signal(str)

    def __init__(
        self,
        api: AppointmentsApi,
        runner: Runner,
        printer: TicketPrinter,
        *,
        hospital_name: str,
        today: Callable[[], dt.date] = dt.date.today,
        clock: Callable[[], dt.datetime] | None = None,
        position_refresh_s: float = POSITION_REFRESH_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(Step.home, _ALLOWED, runner, parent)
        self._api = api
        self._printer = printer
        self._hospital_name = hospital_name
        self._today = today
        # Judges which check-in windows are open, as the cards show them; without one the
        # list is always shown and the server judges each check-in.
        self._clock = clock
        self._services: dict[str, _OfferedService] = {}
        self._enrolment: Enrolment | None = None
        self._clear()
        self._position_timer = QTimer(self, interval=round(position_refresh_s * 1000))
        self._position_timer.timeout.connect(self._refresh_positions)
        self.step_changed.connect(self._follow_positions)

    def _clear(self) -> None:
        self.intent: str = VisitJourney.checkin
        self.patient: Patient | None = None
        self.appointments: list[Appointment] = []
        self.ticket: Ticket | None = None
        self.ticket_was_existing = False
        self.notice: Notice | None = None
        self.print_failure = ""
        self.card_was_read = False
        # The ID card's holder as its chip says (name, address), for a record when it has none.
        self._holder: CardHolder | None = None
        # By appointment id; None where the position could not be read: the screen says so
        # rather than show a number that may be stale.
        self.positions: dict[str, TrackStatus | None] = {}
        self._positions_asked = 0
        # One key per appointment for the whole visit: a repeated tap or a retry after a lost
        # answer returns the same ticket instead of a second one.
        self._check_in_keys: dict[str, str] = {}
        # Cancelling (my appointments): the appointment asked about, why the server refused
        # (a ``CancelRefusal``) or that its answer was lost, and the answer once cancelled.
        self.cancelling: Appointment | None = None
        self.cancel_refusal: CancelRefusal | None = None
        self.cancel_problem: Notice | None = None
        self.cancellation: CancellationResult | None = None
        self._cancel_keys: dict[str, str] = {}

    def offer(self, name: str, flow: ServiceFlow, *, needs_identification: bool) -> None:
        """Make a service reachable by its registry name (the wiring does this once)."""
        self._services[name] = _OfferedService(flow, needs_identification)

    def set_enrolment(self, enrolment: Enrolment) -> None:
        """First visits: offered on the "no record" notice of an ID card read with its
        holder's data (not a home tile)."""
        self._enrolment = enrolment

    # -- patient actions ---------------------------------------------------------------------

    def choose(self, service: str) -> None:
        """A tile on the home screen, or a service leading to another (the guide's schedule to
        registration): ask who the patient is, or open the service at once."""
        offered = self._services.get(service)
        if self.paused or (offered is None and service not in tuple(VisitJourney)):
            return
        if offered is not None and not offered.needs_identification:
            if self.step == Step.home:
                self.service_chosen.emit(service)
                self._move(Step.service)
                offered.flow.begin(None)
            return
        self.intent = service
        self.service_chosen.emit(service)
        self._move(Step.identify)

    def identifier_read(
        self, kind: IdentifierKind, value: str, holder: CardHolder | None = None
    ) -> None:
        """A card, code or scan arrived (on home, identify, or a notice about identifying);
        ``holder``: an ID card's holder as its chip says, when the reader sent it."""
        if self.paused or self.step not in (Step.home, Step.identify, Step.notice) or self.busy:
            log.info("identifier ignored during step %s", self.step)
            return
        self.card_was_read = self.card_was_read or kind in CARD_KINDS
        self._holder = holder if kind is IdentifierKind.id_card else None
        if self.step == Step.home:  # a card on the reader at home chooses check-in
            self.service_chosen.emit(self.intent)
        self._look_up(kind, value, how=kind.value)

    def identifier_rejected(self) -> None:
        """The reader got something that is not a usable identifier."""
        if not self.paused and self.step in (Step.home, Step.identify):
            self._show_notice(Notice(NoticeKind.unreadable_card))

    def submit_typed(self, text: str) -> None:
        """The keypad's OK: a resident ID (checked before any backend call) or a phone."""
        value = text.strip().upper()
        self._holder = None  # a typed number brings no name or address for a record
        if len(value) == 18:
            if not is_valid_resident_id(value):
                self._show_notice(Notice(NoticeKind.invalid_resident_id))
                return
            self._look_up(IdentifierKind.id_card, value, how=TYPED)
        elif is_mobile_phone(value):
            self._look_up(IdentifierKind.phone, value, how=TYPED)
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
        key = self._check_in_keys.setdefault(appointment_id, new_idempotency_key())
        self._move(Step.checking_in)
        self._call(
            lambda: self._api.check_in(appointment_id, idempotency_key=key),
            lambda result: self._show_ticket(result.ticket, existing=False),
            lambda error: self._on_check_in_failed(appointment, error),
            "check-in",
        )

    def ask_cancel(self, appointment_id: str) -> None:
        """A card's Cancel on my appointments: show what would be cancelled and refunded."""
        appointment = next((a for a in self.appointments if a.id == appointment_id), None)
        if appointment is None or self.busy or self.step != Step.upcoming:
            return
        self.cancelling = appointment
        self.cancel_refusal, self.cancel_problem, self.cancellation = None, None, None
        self._move(Step.cancel)

    def confirm_cancel(self) -> None:
        """Cancel it. One key per appointment for the whole visit: Try again after a lost
        answer (or a second tap) cancels and refunds once, the server replaying its answer."""
        appointment = self.cancelling
        if appointment is None or self.busy or self.step != Step.cancel or self.cancel_refusal:
            return
        key = self._cancel_keys.setdefault(appointment.id, new_idempotency_key())
        self._call(
            lambda: self._api.cancel_appointment(appointment.id, idempotency_key=key),
            self._on_cancelled,
            self._on_cancel_failed,
            "cancellation",
        )

    def back_to_upcoming(self) -> None:
        """From the cancel screens: the list, with a cancelled card shown as such."""
        if not self.busy and self.step in (Step.cancel, Step.cancelled):
            self.cancelling = None
            self._move(Step.upcoming)

    def reprint(self) -> None:
        if self.step == Step.ticket and self.ticket is not None:
            self.print_failure = ""
            self.ticket_was_existing = False  # the screen now says "take your ticket"
            self._printer.print_ticket(self.ticket, self._hospital_name)
            self._show_again()

    def retry_identify(self) -> None:
        """From a notice: try another way in."""
        self._move(Step.identify)

    def back_to_appointments(self) -> None:
        """From a notice: back to the list the patient came from."""
        upcoming = self.intent == VisitJourney.appointments
        self._move(Step.upcoming if upcoming else Step.appointments)

    def continue_with(self, service: str) -> None:
        """From a notice: hand the identified patient to another service (pay bills while
        the appointment's check-in is not open yet)."""
        offered = self._services.get(service)
        if self.paused or self.busy or offered is None or self.patient is None:
            return
        if self.step != Step.notice:
            return
        self.intent = service
        self.service_chosen.emit(service)
        self._move(Step.service)
        offered.flow.begin(self.patient)

    def enrol(self) -> None:
        """From the "no record" notice: make a record and a card (建档/办卡) for the holder of
        the ID card just read."""
        holder, enrolment, notice = self._holder, self._enrolment, self.notice
        if self.paused or self.busy or holder is None or enrolment is None:
            return
        if self.step != Step.notice or notice is None or not notice.can_enrol:
            return
        self._move(Step.service)
        enrolment.begin_with(holder)

    def enrolled(self, patient: Patient, service: str) -> None:
        """A first visit made the patient's record (or found it): go on into ``service``
        (registration) with them identified."""
        offered = self._services.get(service)
        if self.paused or self.step != Step.service or offered is None:
            return
        self.patient = patient
        self.intent = service
        self.service_chosen.emit(service)
        offered.flow.begin(patient)

    def go_home(self) -> None:
        """Finish or abandon the visit: wipe everything, drop late answers, and end the visit
        on the server so its token opens nothing any more."""
        card_was_read = self.card_was_read
        self._runner.start_new_visit()
        self._end_server_visit()
        self._clear()
        self._return_to_rest()
        self.visit_wiped.emit()
        self._show_again()
        if card_was_read:
            self.card_left_on_reader.emit()

    def printer_failed(self, reason: str) -> None:
        """The printer could not print the ticket; it stays on screen with its QR."""
        if self.step == Step.ticket:
            self.print_failure = reason
            self._show_again()

    def show_ticket(self, ticket: Ticket, *, existing: bool) -> None:
        """A service got the patient a queue ticket: the usual ticket screen prints it."""
        if self.step == Step.service:
            self._show_ticket(ticket, existing=existing)

    # -- internals ---------------------------------------------------------------------------

    def _follow_positions(self, step: Step) -> None:
        """Live positions while my appointments is on screen, and only then."""
        if step == Step.upcoming:
            if not self._position_timer.isActive():
                self._position_timer.start()
                self._refresh_positions()
        else:
            self._position_timer.stop()

    def _refresh_positions(self) -> None:
        if self.paused or self._positions_asked:
            return  # the previous round is still out: a slow server gets no pile of requests
        for appointment in self.appointments:
            ticket = appointment.ticket
            token = track_token(ticket) if ticket is not None else None
            if appointment.status != AppointmentStatus.checked_in or token is None:
                continue
            self._ask_position(appointment.id, token)

    def _ask_position(self, appointment_id: str, token: str) -> None:
        self._positions_asked += 1
        self._runner.run(
            lambda: self._api.track(token),
            lambda status: self._on_position(appointment_id, status),
            lambda error: self._on_position_failed(appointment_id, error),
            description="queue position",
        )

    def _on_position(self, appointment_id: str, status: TrackStatus) -> None:
        self._positions_asked -= 1
        self.positions[appointment_id] = status
        self.positions_changed.emit()

    def _on_position_failed(self, appointment_id: str, error: Exception) -> None:
        log.info("queue position unknown: %s", type(error).__name__)
        self._positions_asked -= 1
        self.positions[appointment_id] = None
        self.positions_changed.emit()

    def _end_server_visit(self) -> None:
        token = self._api.take_visit_token()
        if not token:
            return
        self._runner.run(
            lambda: self._api.end_visit(token),
            lambda _ended: None,
            lambda error: log.warning("ending the visit on the server failed: %s", error),
            description="end visit",
            per_visit=False,
        )

    def _look_up(self, kind: IdentifierKind, value: str, *, how: str) -> None:
        self.identification_started.emit(how)
        self._move(Step.looking_up)
        self._call(
            lambda: self._api.identify(kind, value),
            self._on_identified,
            self._on_identify_failed,
            "identify",
        )

    def _on_identify_failed(self, error: Exception) -> None:
        notice = notice_for_error(error, context="identify")
        if (
            notice.kind == NoticeKind.patient_not_found
            and self._holder is not None
            and self._enrolment is not None
        ):
            notice = replace(notice, can_enrol=True)  # an ID card without a record: 建档
        self._show_notice(notice)

    def _on_identified(self, patient: Patient) -> None:
        self.patient = patient
        offered = self._services.get(self.intent)
        if offered is not None:
            self._move(Step.service)
            offered.flow.begin(patient)
            return
        today = self._today()
        upcoming = self.intent == VisitJourney.appointments
        end = today + dt.timedelta(days=UPCOMING_DAYS if upcoming else 0)
        self._call(
            lambda: self._api.appointments(patient.id, today, end),
            self._on_appointments,
            lambda error: self._show_notice(notice_for_error(error, context="appointments")),
            "appointments",
        )

    def _on_appointments(self, appointments: list[Appointment]) -> None:
        self.appointments = sorted(appointments, key=lambda a: a.starts_at)
        if self.intent == VisitJourney.appointments:
            self._move(Step.upcoming)
        elif not self.appointments:
            self._show_notice(Notice(NoticeKind.no_appointment_today))
        elif all(a.status == AppointmentStatus.cancelled for a in self.appointments):
            self._show_notice(Notice(NoticeKind.cancelled))
        else:
            self._show_list_or_why_not()

    def _show_list_or_why_not(self) -> None:
        """The list when there is something to tap on it; else say why at once: when check-in
        opens (and what to do meanwhile), or that it has closed."""
        if self._clock is None:
            self._move(Step.appointments)
            return
        now = self._clock()
        usable = [a for a in self.appointments if a.status != AppointmentStatus.cancelled]
        if any(a.status != AppointmentStatus.booked for a in usable) or any(
            a.check_in_opens_at <= now <= a.check_in_closes_at for a in usable
        ):
            self._move(Step.appointments)
            return
        early = next((a for a in usable if now < a.check_in_opens_at), None)
        if early is not None:
            self._explain_too_early(early)
        else:
            self._show_notice(Notice(NoticeKind.too_late))

    def _on_check_in_failed(self, appointment: Appointment, error: Exception) -> None:
        if (
            isinstance(error, BackendRejectedError)
            and error.code == ErrorCode.already_checked_in
            and error.ticket is not None
        ):
            self._show_ticket(error.ticket, existing=True)
            return
        notice = notice_for_error(error, context="check-in")
        if notice.kind == NoticeKind.too_early:
            self._explain_too_early(appointment)
            return
        self._show_notice(notice)

    def _explain_too_early(self, appointment: Appointment) -> None:
        """Say when and where, and whether the wait can be used to pay a bill."""
        notice = Notice(
            NoticeKind.too_early, at=appointment.check_in_opens_at, appointment=appointment
        )
        patient = self.patient
        if patient is None or PAY_BILLS_SERVICE not in self._services:
            self._show_notice(notice)
            return

        def on_bills(bills: list[Bill]) -> None:
            unpaid = any(bill.status == BillStatus.unpaid for bill in bills)
            self._show_notice(replace(notice, has_unpaid_bills=unpaid))

        def on_failed(error: Exception) -> None:
            log.info("bills unknown for the too-early notice: %s", type(error).__name__)
            self._show_notice(notice)  # the offer is a convenience: the notice still stands

        self._call(lambda: self._api.bills(patient.id), on_bills, on_failed, "bills")

    def _on_cancelled(self, result: CancellationResult) -> None:
        self.cancellation = result
        self.cancel_problem = None
        self.appointments = [
            result.appointment if a.id == result.appointment.id else a for a in self.appointments
        ]
        self._move(Step.cancelled)

    def _on_cancel_failed(self, error: Exception) -> None:
        """A refusal is said on the cancel screen (no button to try again); a lost answer
        keeps the screen with Try again, which resends the same key."""
        refusal = (
            _CANCEL_REFUSALS.get(str(error.code))
            if isinstance(error, BackendRejectedError)
            else None
        )
        if refusal is not None:
            log.info("cancellation refused: %s", refusal)
            self.cancel_refusal = refusal
            self.cancel_problem = None
        else:
            self.cancel_problem = notice_for_error(error, context="cancellation")
        self._show_again()

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
