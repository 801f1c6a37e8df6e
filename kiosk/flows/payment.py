"""Bills and payment, and the reconciliation that makes a payment survive a crash.

The patient sees their unpaid bills item by item, picks all or some, and pays either by
scanning the kiosk's QR code with their phone, or by showing their wallet's payment code
(付款码) to the kiosk's scanner. Both pay the same pending payment. Nothing may be lost or
paid twice:

- one Idempotency-Key per (visit, set of bills): a repeated tap or a retry after a lost answer
  returns the same payment;
- the payment is written to the journal (kiosk/journal.py) *before* its QR code is shown,
  so also before any payment code is sent for it;
- a payment code is checked here first (a malformed one is never sent) and sent with its own
  Idempotency-Key; a charge the wallet holds for the payer's confirmation is polled until it is
  decided, or for ``CODE_CONFIRM_TIMEOUT``, after which reconciliation settles it;
- a payment the patient walks away from is cancelled in the background, and whatever the
  journal still holds is reconciled with the server on start and after a failure: paid ones
  whose receipt was not printed get it printed, pending ones are cancelled, the rest are settled;
- a receipt is marked printed in the journal only once the printer has finished its jobs, so a
  crash before that prints it on the next start; within one run each receipt is sent to the
  printer by one path only (the live payment or reconciliation, see ``ReceiptClaims``).

No widgets: the payment screens show what this flow decides.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.api.models import Bill, ErrorCode, Patient, Payment, PaymentStatus
from kiosk.api.payment_codes import Wallet, wallet_of
from kiosk.backend.client import new_idempotency_key
from kiosk.backend.errors import BackendError, BackendRejectedError
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, NoticeKind, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.journal import Journal
from kiosk.runner import Runner

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 2_000
RECONCILE_RETRY_MS = 60_000
# After the QR expires, how long polling may keep failing before the patient is told that the
# outcome will be settled later.
UNCONFIRMED_AFTER = dt.timedelta(seconds=10)
# How long the patient may take to confirm a held payment-code charge on their phone before the
# kiosk stops waiting (the charge is then settled by reconciliation: cancelled, or printed).
CODE_CONFIRM_TIMEOUT = dt.timedelta(seconds=60)


class PayStep(StrEnum):
    idle = "idle"
    loading = "loading"
    bills = "bills"
    no_bills = "no_bills"
    creating = "creating"
    qr = "qr"  # the QR code is on screen; polling
    code = "code"  # waiting for the patient's payment code at the scanner; polling
    confirming = "confirming"  # the wallet holds the code's charge for the payer; polling
    paid = "paid"
    failed = "failed"  # declined on the phone
    expired = "expired"
    cancelled = "cancelled"
    unconfirmed = "unconfirmed"  # the server could not be asked; settled later
    error = "error"  # a notice is shown


ENDED = {
    PaymentStatus.failed: PayStep.failed,
    PaymentStatus.expired: PayStep.expired,
    PaymentStatus.cancelled: PayStep.cancelled,
}
# The outcomes the result screen shows; from the unpaid ones the patient may try again.
OUTCOMES = frozenset({PayStep.paid, *ENDED.values(), PayStep.unconfirmed})
_RETRYABLE = frozenset(ENDED.values())
# Where the answer about a pending payment may lead.
_SETTLING = frozenset({PayStep.qr, PayStep.code, PayStep.confirming, PayStep.paid, *ENDED.values()})
# The pending payment is on screen: polled, and cancelled when the patient walks away.
_PENDING = frozenset({PayStep.qr, PayStep.code, PayStep.confirming})

_ALLOWED: dict[PayStep, frozenset[PayStep]] = {
    PayStep.idle: frozenset({PayStep.loading, PayStep.creating}),
    PayStep.loading: frozenset({PayStep.bills, PayStep.no_bills, PayStep.error}),
    PayStep.bills: frozenset({PayStep.creating}),
    PayStep.no_bills: frozenset(),
    # A create that is answered with an earlier attempt's payment may be settled already.
    PayStep.creating: _SETTLING | {PayStep.error},
    PayStep.qr: _SETTLING | {PayStep.unconfirmed},
    PayStep.code: _SETTLING | {PayStep.unconfirmed, PayStep.error},
    PayStep.confirming: _SETTLING | {PayStep.unconfirmed},
    **{ended: frozenset({PayStep.creating}) for ended in ENDED.values()},
    PayStep.paid: frozenset(),
    PayStep.unconfirmed: frozenset(),
    PayStep.error: frozenset(),
}


class PaymentApi(Protocol):
    def bills(self, patient_id: str, *, include_paid: bool = False) -> list[Bill]: ...

    def create_payment(
        self, patient_id: str, bill_ids: Sequence[str], *, idempotency_key: str
    ) -> Payment: ...

    def payment(self, payment_id: str) -> Payment: ...

    def cancel_payment(self, payment_id: str, *, idempotency_key: str) -> Payment: ...

    def pay_by_payment_code(
        self, payment_id: str, code: str, *, idempotency_key: str
    ) -> Payment: ...


class PaymentPrinting(Protocol):
    def print_payment(
        self,
        payment: Payment,
        patient_name: str,
        hospital_name: str,
        on_printed: Callable[[], None] | None = None,
    ) -> None:
        """Print the receipt and slips; ``on_printed`` once the printer finished all of them."""
        ...


class ReceiptClaims:
    """The receipts this run has sent to the printer, so each is sent by one path only.

    Thread-safe (reconciliation claims on a worker thread). Kept in memory on purpose: after a
    crash nothing is claimed, and the journal's unmarked receipts are printed again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claimed: set[str] = set()

    def claim(self, payment_id: str) -> bool:
        """True for the first claim of this payment's receipt in this run."""
        with self._lock:
            if payment_id in self._claimed:
                return False
            self._claimed.add(payment_id)
            return True


def cancel_key(payment_key: str) -> str:
    """The cancel of a payment always carries the same key, whoever sends it and how often."""
    return f"{payment_key}:cancel"


class PaymentFlow(Flow[PayStep]):
    """Signals (besides the base's; ``busy_changed`` is not sent while polling):
    countdown: seconds left on the QR code.
    payment_code_wanted: True while the scanner should read payment codes, not identifiers.
    """

    countdown = Signal(int)
    payment_code_wanted = Signal(bool)

    def __init__(
        self,
        api: PaymentApi,
        runner: Runner,
        visit: VisitFlow,
        journal: Journal,
        printing: PaymentPrinting,
        *,
        hospital_name: str,
        clock: Callable[[], dt.datetime],
        poll_interval_ms: int = POLL_INTERVAL_MS,
        code_confirm_timeout: dt.timedelta = CODE_CONFIRM_TIMEOUT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(PayStep.idle, _ALLOWED, runner, parent)
        self._api = api
        self._visit = visit
        self._journal = journal
        self._printing = printing
        self._hospital_name = hospital_name
        self._clock = clock
        self._code_confirm_timeout = code_confirm_timeout
        self._code_wanted = False
        self._poll = QTimer(self, interval=poll_interval_ms)
        self._poll.timeout.connect(self._poll_once)
        self._ticker = QTimer(self, interval=1_000)
        self._ticker.timeout.connect(self._tick)
        self._reconcile_retry = QTimer(self, singleShot=True, interval=RECONCILE_RETRY_MS)
        self._reconcile_retry.timeout.connect(self.reconcile)
        self._reconciling = False
        self._reconcile_again = False
        self._claims = ReceiptClaims()
        self._clear()
        visit.visit_wiped.connect(self._on_visit_wiped)
        self.step_changed.connect(lambda step: self._want_code(step == PayStep.code))

    def _clear(self) -> None:
        self.patient: Patient | None = None
        self.bills: list[Bill] = []
        self.selected: list[str] = []
        self.payment: Payment | None = None
        self.notice: Notice | None = None
        self.print_failed = False
        self._key = ""
        self._keys: dict[tuple[str, ...], str] = {}
        self._polling = False
        self._poll_failed_since: dt.datetime | None = None
        # The patient chose the payment code (kept for a retry after a decline).
        self.by_code = False
        self.code_refused = False  # the last scan was not a payment code; nothing was sent
        self.wallet: Wallet | None = None
        self._confirm_deadline: dt.datetime | None = None

    # -- patient actions ---------------------------------------------------------------------

    @property
    def amount_cents(self) -> int:
        """The self-pay total of the selected bills."""
        return sum(b.self_pay_cents for b in self.bills if b.id in self.selected)

    def toggle_bill(self, bill_id: str) -> None:
        if self.step != PayStep.bills or not any(b.id == bill_id for b in self.bills):
            return
        if bill_id in self.selected:
            self.selected.remove(bill_id)
        else:
            self.selected = [b.id for b in self.bills if b.id in self.selected or b.id == bill_id]
        self._show_again()

    def begin(self, patient: Patient | None) -> None:
        """The identified patient chose to pay: load their bills."""
        if patient is None:
            return
        self._clear()
        self.patient = patient
        self._move(PayStep.loading)
        self._call(lambda: self._api.bills(patient.id), self._on_bills, self._on_failed, "bills")

    def pay(self) -> None:
        """Pay the selected bills (from the bill list, or again after a failed attempt)."""
        if self.step == PayStep.bills or self.step in _RETRYABLE:
            self._create_payment()

    def pay_bills(self, patient: Patient, bill_ids: Sequence[str]) -> None:
        """Another service (a registration with a fee) sends the patient straight to the QR."""
        self._clear()
        self.patient = patient
        self.selected = list(bill_ids)
        self._create_payment()

    def _create_payment(self) -> None:
        if self.busy or self.patient is None or not self.selected:
            return
        patient, bill_ids = self.patient, tuple(self.selected)
        key = self._keys.setdefault(bill_ids, new_idempotency_key())
        self._key = key
        self.payment = None
        self._move(PayStep.creating)

        def create_and_record() -> Payment:
            payment = _create_payment(self._api, patient.id, bill_ids, key)
            # On disk before the QR code can be scanned: a crash from here on is reconciled.
            self._journal.record_payment(
                payment.id,
                key,
                patient.id,
                tuple(payment.bill_ids),
                payment.amount_cents,
                patient.display_name,
            )
            return payment

        self._call(create_and_record, self._on_created, self._on_failed, "pay")

    def use_payment_code(self) -> None:
        """The patient will show their wallet's payment code instead of scanning the QR."""
        if self.step == PayStep.qr and not self.busy:
            self.by_code, self.code_refused = True, False
            self._move(PayStep.code)

    def use_qr_code(self) -> None:
        """Back from the payment code to the QR code (the same pending payment)."""
        if self.step == PayStep.code and not self.busy:
            self.by_code, self.code_refused = False, False
            self._move(PayStep.qr)

    def payment_code_scanned(self, raw: str) -> None:
        """The scanner read something while the payment code was asked for.

        A code no wallet issued is refused here and never sent; a valid one charges the
        payment on screen (one Idempotency-Key per scan, asked again once if the answer is lost).
        """
        payment = self.payment
        if self.step != PayStep.code or self.busy or payment is None:
            return
        code = raw.strip()
        wallet = wallet_of(code)
        if wallet is None:
            self.code_refused = True
            self._show_again()
            return
        self.code_refused, self.wallet = False, wallet
        key = new_idempotency_key()
        self._call(
            lambda: _charge_with_code(self._api, payment.id, code, key),
            self._on_charged,
            self._on_charge_failed,
            "payment code",
        )

    def cancel(self) -> None:
        """The patient does not want to pay after all (QR, payment code or confirming)."""
        payment = self.payment
        if self.step not in _PENDING or payment is None or self.busy:
            return
        self._stop_polling()
        key = cancel_key(self._key)
        self._call(
            lambda: _cancel_or_paid(self._api, payment.id, key),
            self._on_status,
            self._on_cancel_failed,
            "cancel payment",
        )

    def reprint(self) -> None:
        """The patient asks again for the receipt after the printer failed to print it."""
        if (
            self.step == PayStep.paid
            and self.print_failed
            and self.payment is not None
            and self.patient is not None
        ):
            self.print_failed = False
            self._print_receipt(self.payment, self.patient.display_name)
            self._show_again()

    def printer_failed(self, _reason: str) -> None:
        if self.step == PayStep.paid:
            self.print_failed = True
            self._show_again()

    def finish(self) -> None:
        self._visit.go_home()

    # -- reconciliation ----------------------------------------------------------------------

    def reconcile(self) -> None:
        """Settle every payment the journal still holds, except the one on screen."""
        if self._reconciling:
            # The running pass may have started before the payment that needs settling now.
            self._reconcile_again = True
            return
        self._reconciling = True
        self._reconcile_again = False
        self._reconcile_retry.stop()
        skip = self.payment.id if self.payment is not None and self._is_open() else ""
        cutoff = dt.datetime.now().astimezone()  # the journal's clock; later ones are live

        def settle() -> tuple[list[tuple[Payment, str]], bool]:
            return reconcile_journal(
                self._api, self._journal, skip=skip, cutoff=cutoff, claim=self._claims.claim
            )

        self._runner.run(
            settle,
            self._on_reconciled,
            self._on_reconcile_failed,
            description="reconcile payments",
            per_visit=False,
        )

    def _on_reconciled(self, outcome: tuple[list[tuple[Payment, str]], bool]) -> None:
        self._reconciling = False
        to_print, retry = outcome
        for payment, patient_name in to_print:
            log.info("printing the receipt of payment %s after reconciliation", payment.id)
            self._print_receipt(payment, patient_name)
        if self._reconcile_again:
            self.reconcile()
        elif retry:
            self._reconcile_retry.start()

    def _on_reconcile_failed(self, error: Exception) -> None:
        self._reconciling = False
        log.error("reconciling payments failed: %s", error, exc_info=error)
        if self._reconcile_again:
            self.reconcile()
        else:
            self._reconcile_retry.start()

    # -- internals ---------------------------------------------------------------------------

    def _on_bills(self, bills: list[Bill]) -> None:
        self.bills = [b for b in bills if b.self_pay_cents > 0 or b.total_cents > 0]
        self.selected = [b.id for b in self.bills]
        self._move(PayStep.bills if self.bills else PayStep.no_bills)

    def _on_created(self, payment: Payment) -> None:
        self.payment = payment
        if payment.status != PaymentStatus.pending:  # a replay of an earlier attempt
            self._on_status(payment)
            return
        self._poll_failed_since = None
        self._move(PayStep.code if self.by_code else PayStep.qr)
        self._tick()
        self._poll.start()
        self._ticker.start()

    def _on_failed(self, error: Exception) -> None:
        if isinstance(error, BackendRejectedError) and error.code == ErrorCode.bill_unavailable:
            self.notice = Notice(NoticeKind.bills_unavailable)
        else:
            self.notice = notice_for_error(error, context="payment")
        self._move(PayStep.error)

    def _seconds_left(self) -> int:
        if self.payment is None:
            return 0
        return max(0, int((self.payment.expires_at - self._clock()).total_seconds()))

    def _on_charged(self, payment: Payment) -> None:
        if self.step != PayStep.code:
            return  # polling settled it meanwhile
        self.payment = payment
        if payment.status != PaymentStatus.pending:
            self._on_status(payment)
            return
        self._confirm_deadline = self._clock() + self._code_confirm_timeout
        self._move(PayStep.confirming)
        self._resume_polling()

    def _on_charge_failed(self, error: Exception) -> None:
        if self.step != PayStep.code:
            return
        if isinstance(error, BackendRejectedError) and error.status == 422:
            self.code_refused = True  # refused by the server: nothing was charged
            self._show_again()
        elif isinstance(error, BackendRejectedError):
            self._stop_polling()
            self._on_failed(error)
            self._reconcile_retry.start()  # the pending payment left on the server is cancelled
        else:
            # Unknown whether the wallet charged: the journal keeps the payment, and
            # reconciliation settles it (cancelled, or paid with its receipt printed).
            log.warning("charging the payment code failed: %s", error)
            self._stop_polling()
            self._move(PayStep.unconfirmed)
            self._reconcile_retry.start()

    def _tick(self) -> None:
        if self.step in (PayStep.qr, PayStep.code):
            self.countdown.emit(self._seconds_left())
        elif (
            self.step == PayStep.confirming
            and self._confirm_deadline is not None
            and self._clock() >= self._confirm_deadline
        ):
            # Not confirmed in time: settled when the patient leaves (or by the retry timer).
            self._stop_polling()
            self._move(PayStep.unconfirmed)
            self._reconcile_retry.start()

    def _poll_once(self) -> None:
        payment = self.payment
        if self._polling or payment is None or self.step not in _PENDING:
            return
        self._polling = True
        self._runner.run(
            lambda: self._api.payment(payment.id),
            self._on_polled,
            self._on_poll_failed,
            description="payment status",
        )

    def _on_polled(self, payment: Payment) -> None:
        self._polling = False
        self._poll_failed_since = None
        if self.step in _PENDING and self.payment is not None and payment.id == self.payment.id:
            self._on_status(payment)

    def _on_poll_failed(self, error: Exception) -> None:
        self._polling = False
        log.warning("asking for the payment's status failed: %s", error)
        payment = self.payment
        if self.step not in _PENDING or payment is None:
            return
        now = self._clock()
        self._poll_failed_since = self._poll_failed_since or now
        if now >= payment.expires_at + UNCONFIRMED_AFTER:
            # The journal keeps it; reconciliation settles it once the server answers.
            self._stop_polling()
            self._move(PayStep.unconfirmed)
            self._reconcile_retry.start()

    def _on_status(self, payment: Payment) -> None:
        """The server's word on the current payment (poll, cancel, or a replayed create)."""
        self.payment = payment
        if payment.status == PaymentStatus.pending:
            if self.step not in _PENDING:
                self._move(PayStep.code if self.by_code else PayStep.qr)
            self._resume_polling()
            return
        self._stop_polling()
        if payment.status == PaymentStatus.paid:
            self._on_paid(payment)
            return
        self._keys.pop(tuple(self.selected), None)  # trying again is a new payment
        self._runner.run(
            lambda: self._journal.settle_payment(payment.id, payment.status.value),
            lambda _none: None,
            lambda error: log.error("journal: %s", error),
            description="journal",
            per_visit=False,
        )
        self._move(ENDED[payment.status])

    def _on_cancel_failed(self, error: Exception) -> None:
        """Not cancelled (server unreachable): the QR stays, polling resumes."""
        log.warning("cancelling the payment failed: %s", error)
        if self.step in _PENDING:
            self._resume_polling()

    def _on_paid(self, payment: Payment) -> None:
        patient_name = self.patient.display_name if self.patient is not None else ""
        self.print_failed = False
        self._move(PayStep.paid)

        def settle() -> bool:
            self._journal.settle_payment(payment.id, PaymentStatus.paid.value)
            # A replayed payment may have had its receipt printed already.
            return self._journal.receipt_due(payment.id) and self._claims.claim(payment.id)

        def print_once(due: bool) -> None:
            if due:
                self._print_receipt(payment, patient_name)

        self._runner.run(
            settle,
            print_once,
            lambda error: log.error("journal: %s", error),
            description="receipt",
            per_visit=False,
        )

    def _print_receipt(self, payment: Payment, patient_name: str) -> None:
        """Print; the journal marks the receipt printed once the printer has finished it."""
        payment_id = payment.id

        def printed() -> None:
            self._runner.run(
                lambda: self._journal.mark_receipt_printed(payment_id),
                lambda _first: None,
                lambda error: log.error("journal: %s", error),
                description="journal",
                per_visit=False,
            )

        self._printing.print_payment(payment, patient_name, self._hospital_name, printed)

    def _is_open(self) -> bool:
        return self.step in _PENDING or self.step in (PayStep.creating, PayStep.unconfirmed)

    def _want_code(self, wanted: bool) -> None:
        if wanted != self._code_wanted:
            self._code_wanted = wanted
            self.payment_code_wanted.emit(wanted)

    def _on_visit_wiped(self) -> None:
        left_open = self._is_open()
        self._stop_polling()
        self._clear()
        self._return_to_rest()
        self._want_code(False)
        if left_open:
            self.reconcile()  # cancels what the patient walked away from

    def _resume_polling(self) -> None:
        # Restarting a running timer would postpone its next timeout: the countdown would
        # stall whenever a poll answered faster than the ticker's second.
        for timer in (self._poll, self._ticker):
            if not timer.isActive():
                timer.start()

    def _stop_polling(self) -> None:
        self._poll.stop()
        self._ticker.stop()


def _create_payment(api: PaymentApi, patient_id: str, bill_ids: Sequence[str], key: str) -> Payment:
    """Create, asking once more with the same key when the answer was lost.

    A timeout or a garbled answer leaves it unknown whether the server created the payment;
    the same Idempotency-Key makes the second request return that payment rather than a new one.
    """
    try:
        return api.create_payment(patient_id, bill_ids, idempotency_key=key)
    except BackendRejectedError:
        raise
    except BackendError as error:
        log.warning("creating the payment failed (%s); asking again with the same key", error)
        return api.create_payment(patient_id, bill_ids, idempotency_key=key)


def _charge_with_code(api: PaymentApi, payment_id: str, code: str, key: str) -> Payment:
    """Send the payment code, asking once more with the same key when the answer was lost."""
    try:
        return api.pay_by_payment_code(payment_id, code, idempotency_key=key)
    except BackendRejectedError:
        raise
    except BackendError as error:
        log.warning(
            "the payment code's answer was lost (%s); asking again with the same key", error
        )
        return api.pay_by_payment_code(payment_id, code, idempotency_key=key)


def _cancel_or_paid(api: PaymentApi, payment_id: str, key: str) -> Payment:
    """Cancel; a payment that was paid in the meantime comes back as paid."""
    try:
        return api.cancel_payment(payment_id, idempotency_key=key)
    except BackendRejectedError as error:
        if error.code == ErrorCode.already_paid and isinstance(error.details, dict):
            try:
                return Payment.model_validate(error.details.get("payment"))
            except ValidationError:
                pass
        if error.code == ErrorCode.already_paid:
            return api.payment(payment_id)
        raise


def reconcile_journal(
    api: PaymentApi,
    journal: Journal,
    *,
    skip: str,
    cutoff: dt.datetime,
    claim: Callable[[str], bool] = lambda _payment_id: True,
) -> tuple[list[tuple[Payment, str]], bool]:
    """Blocking: settle the journal's unfinished payments recorded before ``cutoff``.

    Returns the paid payments whose receipt is not printed yet and that ``claim`` gave to this
    call (print each, and mark it printed when the printer is done), and whether some could not
    be settled now (try again later).
    """
    to_print: list[tuple[Payment, str]] = []
    retry = False
    for entry in journal.unfinished_payments():
        if entry.payment_id == skip or entry.created_at >= cutoff:
            continue
        try:
            payment = api.payment(entry.payment_id)
            if payment.status == PaymentStatus.pending:
                payment = _cancel_or_paid(api, entry.payment_id, cancel_key(entry.idempotency_key))
        except BackendRejectedError as error:
            if error.status == 404:
                log.warning("payment %s is unknown to the server; dropped", entry.payment_id)
                journal.settle_payment(entry.payment_id, "unknown")
            else:
                log.warning("payment %s not settled: %s", entry.payment_id, error)
                retry = True
            continue
        except BackendError as error:
            log.warning("payment %s not settled now: %s", entry.payment_id, error)
            retry = True
            continue
        if payment.status == PaymentStatus.paid:
            journal.settle_payment(payment.id, PaymentStatus.paid.value)
            if not entry.receipt_printed and claim(payment.id):
                to_print.append((payment, entry.patient_name))
        elif payment.status == PaymentStatus.pending:
            retry = True  # the cancel did not take; ask again later
        else:
            journal.settle_payment(payment.id, payment.status.value)
    return to_print, retry
