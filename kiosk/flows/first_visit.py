"""First visit (建档/办卡): an ID card without a record becomes a patient with a card.

The visit offers this on its "no record" notice when the card reader sent the holder's data
(:class:`~kiosk.identity.CardHolder`). The form shows what the card says (read-only); the
patient types a mobile number, gets a code by SMS (simulated by the reference server), types
it; the server makes the record and the patient card number. The kiosk then prints the
number on a slip and, where a dispenser is configured, dispenses a card; either may fail
without losing anything (the number is on the screen, the slip, and the server). "Register"
goes on into same-day registration with the new patient identified.

One Idempotency-Key per visit for the creation: a retry after a lost answer, or a second
tap, gets the same patient and card number. The card is dispensed once per card number.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QTimer

from kiosk.api.models import (
    ErrorCode,
    IdentifierKind,
    NewPatientRequest,
    Patient,
    PhoneCodeSent,
)
from kiosk.backend.client import new_idempotency_key
from kiosk.backend.errors import BackendRejectedError
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.identity import CardHolder, is_mobile_phone
from kiosk.runner import Runner

log = logging.getLogger(__name__)

REGISTRATION = "registration"  # the service "Register now" continues into
CODE_LENGTH = 6


class FirstVisitStep(StrEnum):
    rest = "rest"
    form = "form"  # the card's data and the phone number
    code = "code"  # the SMS code
    done = "done"  # the record and card number (slip and card on their way)
    existing = "existing"  # the ID number had a record after all: identified
    notice = "notice"  # the server could not be asked; the visit's notice screen shows


_ALLOWED: dict[FirstVisitStep, frozenset[FirstVisitStep]] = {
    FirstVisitStep.rest: frozenset({FirstVisitStep.form}),
    FirstVisitStep.form: frozenset(
        {FirstVisitStep.code, FirstVisitStep.existing, FirstVisitStep.notice}
    ),
    FirstVisitStep.code: frozenset(
        {
            FirstVisitStep.form,
            FirstVisitStep.done,
            FirstVisitStep.existing,
            FirstVisitStep.notice,
        }
    ),
    FirstVisitStep.done: frozenset(),
    FirstVisitStep.existing: frozenset(),
    FirstVisitStep.notice: frozenset(),
}


class Problem(StrEnum):
    """What the form or code screen says in place (the patient fixes it there)."""

    invalid_phone = "invalid_phone"
    code_wrong = "code_wrong"  # with the tries left
    code_expired = "code_expired"  # expired, used, tried out: ask for a new one
    code_cooldown = "code_cooldown"  # a code went out moments ago: wait
    not_sure = "not_sure"  # the answer was lost: try again (the same key: nothing doubles)


class Output(StrEnum):
    """How far the slip or the card got."""

    none = "none"  # no dispenser configured: the card is given at the window
    working = "working"
    done = "done"
    failed = "failed"


class FirstVisitApi(Protocol):
    def request_phone_code(self, phone: str) -> PhoneCodeSent: ...

    def create_patient(
        self, request: NewPatientRequest, *, idempotency_key: str
    ) -> tuple[Patient, str]: ...

    def identify(self, kind: IdentifierKind, value: str) -> Patient: ...


class SlipPrinter(Protocol):
    def print_card_slip(
        self,
        card_number: str,
        patient_display_name: str,
        masked_id_number: str,
        issued_at: dt.datetime,
        hospital_name: str,
        on_done: Callable[[str], None],
    ) -> None:
        """Queue the slip; ``on_done`` gets "" once printed, or the failure's reason."""


class FirstVisitFlow(Flow[FirstVisitStep]):
    """Signals (besides the base's): none of its own; ``step_changed`` says it all."""

    def __init__(
        self,
        api: FirstVisitApi,
        runner: Runner,
        visit: VisitFlow,
        printer: SlipPrinter,
        *,
        hospital_name: str,
        clock: Callable[[], dt.datetime],
        dispense: Callable[[str], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``dispense``: start dispensing a card for a card number (the dispenser service);
        None where no dispenser is configured. Its outcome comes back through
        :meth:`card_dispensed` and :meth:`dispense_failed`."""
        super().__init__(FirstVisitStep.rest, _ALLOWED, runner, parent)
        self._api = api
        self._visit = visit
        self._printer = printer
        self._hospital_name = hospital_name
        self._clock = clock
        self._dispense = dispense
        self._resend_timer = QTimer(self, singleShot=True)
        self._resend_timer.timeout.connect(self._on_resend_ready)
        self._clear()
        visit.visit_wiped.connect(self._reset)
        visit.set_enrolment(self)

    def _clear(self) -> None:
        self.holder: CardHolder | None = None
        self.phone = ""
        self.sent: PhoneCodeSent | None = None
        self.resend_ready = False
        self.problem: Problem | None = None
        self.attempts_left = 0
        self.wait_s = 0
        self.patient: Patient | None = None
        self.card_number = ""
        self.slip = Output.none
        self.slip_failure = ""
        self.card = Output.none
        self.card_failure = ""
        self.notice: Notice | None = None
        self._key = ""
        self._dispensed_for = ""

    @property
    def creation_key(self) -> str:
        """The Idempotency-Key every try of this visit's creation sends."""
        return self._key

    # -- patient actions ---------------------------------------------------------------------

    def begin_with(self, holder: CardHolder) -> None:
        """The visit's "no record" notice: make one for this card's holder."""
        self._reset()
        self.holder = holder
        self._key = new_idempotency_key()
        self._move(FirstVisitStep.form)

    def submit_phone(self, text: str) -> None:
        """The phone number typed on the form: checked here, then a code is asked for."""
        if self.step != FirstVisitStep.form or self.busy:
            return
        phone = text.strip()
        if not is_mobile_phone(phone):
            self._show_problem(Problem.invalid_phone)
            return
        self.phone = phone
        self._ask_for_code(then=FirstVisitStep.code)

    def resend_code(self) -> None:
        if self.step == FirstVisitStep.code and self.resend_ready and not self.busy:
            self._ask_for_code(then=FirstVisitStep.code)

    def change_phone(self) -> None:
        """Back to the form (a mistyped number)."""
        if self.step == FirstVisitStep.code and not self.busy:
            self.problem = None
            self._move(FirstVisitStep.form)

    def submit_code(self, text: str) -> None:
        holder = self.holder
        code = text.strip()
        if self.step != FirstVisitStep.code or self.busy or holder is None:
            return
        if len(code) != CODE_LENGTH or not code.isdigit():
            return
        request = NewPatientRequest(
            id_number=holder.id_number,
            name=holder.name,
            address=holder.address,
            phone=self.phone,
            phone_code=code,
        )
        key = self._key
        self._call(
            lambda: self._api.create_patient(request, idempotency_key=key),
            self._on_created,
            self._on_create_failed,
            "create patient",
        )

    def register_now(self) -> None:
        """ "Register": same-day registration for the patient just identified."""
        patient = self.patient
        if self.step in (FirstVisitStep.done, FirstVisitStep.existing) and patient is not None:
            self._visit.enrolled(patient, REGISTRATION)

    def finish(self) -> None:
        self._visit.go_home()

    # -- device outcomes ---------------------------------------------------------------------

    def card_dispensed(self, card_number: str) -> None:
        if card_number == self.card_number and self.step == FirstVisitStep.done:
            self.card = Output.done
            self._show_again()

    def dispense_failed(self, card_number: str, reason: str) -> None:
        if card_number == self.card_number and self.step == FirstVisitStep.done:
            self.card = Output.failed
            self.card_failure = reason
            self._show_again()

    # -- internals ---------------------------------------------------------------------------

    def _ask_for_code(self, *, then: FirstVisitStep) -> None:
        phone = self.phone
        self._call(
            lambda: self._api.request_phone_code(phone),
            lambda sent: self._on_code_sent(sent, then),
            self._on_code_failed,
            "phone code",
        )

    def _on_code_sent(self, sent: PhoneCodeSent, then: FirstVisitStep) -> None:
        self.sent = sent
        self.problem = None
        self._hold_resend(max(1, sent.resend_after_s))
        self._move(then)

    def _hold_resend(self, seconds: int) -> None:
        """ "Send again" is offered after the server's cooldown (``resend_at``), counted here."""
        self.resend_ready = False
        self.wait_s = seconds
        self._resend_timer.start(seconds * 1000)

    def _on_resend_ready(self) -> None:
        self.resend_ready = True
        if self.step == FirstVisitStep.code:
            self._show_again()

    def _on_code_failed(self, error: Exception) -> None:
        if isinstance(error, BackendRejectedError):
            if error.code == ErrorCode.invalid_phone:
                self._show_problem(Problem.invalid_phone)
                return
            if error.code == ErrorCode.phone_code_cooldown:
                # A code went to this number moments ago (a second try, or the number typed
                # again after "change the number"): that code is the one to type.
                self._hold_resend(_retry_after(error.details))
                self.problem = Problem.code_cooldown
                self._move(FirstVisitStep.code)
                return
        self._show_notice(notice_for_error(error, context="phone code"))

    def _on_created(self, created: tuple[Patient, str]) -> None:
        patient, card_number = created
        self.patient = patient
        self.card_number = card_number
        self.problem = None
        self._resend_timer.stop()
        self._move(FirstVisitStep.done)
        self._hand_out()

    def _hand_out(self) -> None:
        """The slip, and the card once per card number (a replayed answer dispenses none)."""
        patient = self.patient
        if patient is None:
            return
        self._print_slip(patient)
        number = self.card_number
        if self._dispense is not None and self._dispensed_for != number:
            self._dispensed_for = number
            self.card = Output.working
            self._dispense(number)
        self._show_again()

    def _on_slip_done(self, card_number: str, reason: str) -> None:
        if card_number != self.card_number or self.step != FirstVisitStep.done:
            return
        self.slip = Output.failed if reason else Output.done
        self.slip_failure = reason
        self._show_again()

    def reprint_slip(self) -> None:
        if self.step == FirstVisitStep.done and self.slip == Output.failed:
            patient = self.patient
            if patient is None:
                return
            self._print_slip(patient)
            self._show_again()

    def _print_slip(self, patient: Patient) -> None:
        self.slip = Output.working
        number = self.card_number
        self._printer.print_card_slip(
            number,
            patient.display_name,
            patient.masked_id_number,
            self._clock(),
            self._hospital_name,
            lambda reason: self._on_slip_done(number, reason),
        )

    def _on_create_failed(self, error: Exception) -> None:
        if isinstance(error, BackendRejectedError):
            if error.code == ErrorCode.patient_exists:
                self._identify_existing()
                return
            if error.code == ErrorCode.phone_code_wrong:
                self.attempts_left = _attempts_left(error.details)
                self._show_problem(Problem.code_wrong)
                return
            if error.code == ErrorCode.phone_code_expired:
                self.resend_ready = True  # a new code may be asked for at once
                self._resend_timer.stop()
                self._show_problem(Problem.code_expired)
                return
        notice = notice_for_error(error, context="create patient")
        if isinstance(error, BackendRejectedError):
            self._show_notice(notice)
            return
        # Unreachable, slow or a server fault: the record may or may not exist. "Try again"
        # sends the same key, so the server answers with the record it made, if any.
        self._show_problem(Problem.not_sure)

    def _identify_existing(self) -> None:
        holder = self.holder
        if holder is None:
            return
        self._call(
            lambda: self._api.identify(IdentifierKind.id_card, holder.id_number),
            self._on_existing,
            lambda error: self._show_notice(notice_for_error(error, context="identify")),
            "identify",
        )

    def _on_existing(self, patient: Patient) -> None:
        self.patient = patient
        self._resend_timer.stop()
        self._move(FirstVisitStep.existing)

    def _show_problem(self, problem: Problem) -> None:
        self.problem = problem
        self._show_again()

    def _show_notice(self, notice: Notice) -> None:
        self.notice = notice
        self._resend_timer.stop()
        self._move(FirstVisitStep.notice)

    def _reset(self) -> None:
        self._resend_timer.stop()
        self._clear()
        self._return_to_rest()


def _attempts_left(details: object) -> int:
    if isinstance(details, dict):
        left = details.get("attempts_left")
        if isinstance(left, int) and 0 <= left < 100:
            return left
    return 0


def _retry_after(details: object) -> int:
    if isinstance(details, dict):
        seconds = details.get("retry_after_s")
        if isinstance(seconds, int) and 0 < seconds <= 600:
            return seconds
    return 60
