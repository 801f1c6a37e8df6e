"""Receipts printed again (票据补打): the patient's past receipts, one chosen, a copy printed.

The server counts a reprint *before* the kiosk prints it (its policy of free reprints holds
across every kiosk), so a copy must never be counted twice for one slip in the patient's hand:

1. the receipt's Idempotency-Key is taken from the journal, or made and kept there,
2. ``reprintReceipt`` is sent with it: the server counts the copy, or replays the one it
   counted for that key,
3. the copy goes to the ticket printer, and only once the printer finished it is the key
   forgotten.

A printer fault, a lost answer or a kiosk stopped anywhere in between leaves the key in the
journal: asking again for that receipt (the retry button, or the patient back after a
restart) gets the same copy, same number and time, and counts nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import ErrorCode, Patient, ReceiptList, ReceiptRecord, ReceiptReprint
from kiosk.backend.client import new_idempotency_key
from kiosk.backend.errors import BackendRejectedError
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.runner import Runner

log = logging.getLogger(__name__)


class ReceiptStep(StrEnum):
    idle = "idle"
    receipts = "receipts"  # the list, maybe empty (announced again with a problem)
    confirm = "confirm"  # one receipt: print a copy? (announced again with a problem)
    printing = "printing"
    printed = "printed"
    error = "error"  # a backend failure: ``notice``


class ReceiptProblem(StrEnum):
    """Why the patient's last wish did not work, shown on the list or the confirm screen."""

    limit_reached = "limit_reached"  # the reprint policy: ask at the cashier window
    gone = "gone"  # no longer listed (older than the server's days) since the list was read
    printer_failed = "printer_failed"  # paper out, cover open...: the same copy, once more


_ALLOWED: dict[ReceiptStep, frozenset[ReceiptStep]] = {
    ReceiptStep.idle: frozenset({ReceiptStep.receipts, ReceiptStep.error}),
    ReceiptStep.receipts: frozenset({ReceiptStep.confirm, ReceiptStep.error}),
    ReceiptStep.confirm: frozenset({ReceiptStep.receipts, ReceiptStep.printing, ReceiptStep.error}),
    ReceiptStep.printing: frozenset(
        {ReceiptStep.printed, ReceiptStep.confirm, ReceiptStep.receipts, ReceiptStep.error}
    ),
    ReceiptStep.printed: frozenset({ReceiptStep.receipts}),
    ReceiptStep.error: frozenset(),
}


class ReceiptApi(Protocol):
    def receipts(self, patient_id: str) -> ReceiptList: ...

    def reprint_receipt(self, receipt_number: str, *, idempotency_key: str) -> ReceiptReprint: ...


class ReprintJournal(Protocol):
    def reprint_key(self, receipt_number: str, new_key: str) -> str: ...

    def reprint_done(self, receipt_number: str) -> None: ...


class ReceiptCopyPrinting(Protocol):
    def print_receipt_copy(
        self,
        copy: ReceiptReprint,
        patient_name: str,
        hospital_name: str,
        on_done: Callable[[str], None],
    ) -> None: ...


class ReceiptsFlow(Flow[ReceiptStep]):
    """Signals:
    copy_printed: the receipt number of a copy the printer finished.
    """

    copy_printed = Signal(str)

    def __init__(
        self,
        api: ReceiptApi,
        runner: Runner,
        visit: VisitFlow,
        journal: ReprintJournal,
        printing: ReceiptCopyPrinting,
        *,
        hospital_name: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(ReceiptStep.idle, _ALLOWED, runner, parent)
        self._api = api
        self._visit = visit
        self._journal = journal
        self._printing = printing
        self._hospital_name = hospital_name
        self.patient: Patient | None = None
        self.receipts: list[ReceiptRecord] = []
        self.days = 0
        self.chosen: ReceiptRecord | None = None
        self.copy: ReceiptReprint | None = None
        self.problem: ReceiptProblem | None = None
        self.printer_fault = ""  # the printer's reason code with ``printer_failed``
        self.notice: Notice | None = None
        visit.visit_wiped.connect(self._reset)

    def begin(self, patient: Patient | None) -> None:
        if patient is None:
            raise ValueError("receipt reprints need an identified patient")
        self._reset()
        self.patient = patient
        self._load()

    def _load(self) -> None:
        patient = self.patient
        if patient is None:
            return
        self._call(
            lambda: self._api.receipts(patient.id), self._on_loaded, self._on_failed, "receipts"
        )

    def _on_loaded(self, listed: ReceiptList) -> None:
        self.receipts, self.days = listed.receipts, listed.days
        self._move(ReceiptStep.receipts)

    def _on_failed(self, error: Exception) -> None:
        self.notice = notice_for_error(error, context="receipts")
        self._move(ReceiptStep.error)

    def choose(self, receipt_number: str) -> None:
        """The patient touched a receipt of the list: ask before printing it."""
        chosen = next(
            (r for r in self.receipts if r.receipt.receipt_number == receipt_number), None
        )
        if self.step != ReceiptStep.receipts or self.busy or chosen is None:
            return
        self.chosen = chosen
        self.problem = None
        self.printer_fault = ""
        self._move(ReceiptStep.confirm)

    def back_to_list(self) -> None:
        if self.step in (ReceiptStep.confirm, ReceiptStep.printed) and not self.busy:
            self.chosen = None
            self.copy = None
            self.problem = None
            self._move(ReceiptStep.receipts)

    def print_copy(self) -> None:
        """Count the reprint on the server (or replay the one counted) and print it."""
        chosen = self.chosen
        if self.step != ReceiptStep.confirm or self.busy or chosen is None:
            return
        if chosen.reprints_left < 1 and self.problem is not ReceiptProblem.printer_failed:
            # The list said none is left; the server decides all the same (another kiosk's
            # count may be newer than the list, either way), so this only spares a call.
            self.problem = ReceiptProblem.limit_reached
            self._show_again()
            return
        number = chosen.receipt.receipt_number
        self.problem = None
        self.printer_fault = ""
        self._move(ReceiptStep.printing)

        def count() -> ReceiptReprint:
            key = self._journal.reprint_key(number, new_idempotency_key())
            return self._api.reprint_receipt(number, idempotency_key=key)

        self._call(count, self._on_counted, self._on_count_failed, "receipt reprint")

    def _on_counted(self, copy: ReceiptReprint) -> None:
        self.copy = copy
        self.chosen = copy
        self.receipts = [
            copy if r.receipt.receipt_number == copy.receipt.receipt_number else r
            for r in self.receipts
        ]
        patient = self.patient
        name = patient.display_name if patient is not None else ""
        self._set_busy(True)  # until the printer answers
        self._printing.print_receipt_copy(
            copy, name, self._hospital_name, lambda fault: self._on_print_done(copy, fault)
        )

    def _on_print_done(self, copy: ReceiptReprint, fault: str) -> None:
        if self.copy is not copy or self.step != ReceiptStep.printing:
            return  # the visit ended meanwhile; the key stays for the next time
        self._set_busy(False)
        number = copy.receipt.receipt_number
        if fault:
            log.warning("receipt copy %s not printed: %s", number, fault)
            self.problem = ReceiptProblem.printer_failed
            self.printer_fault = fault
            self._move(ReceiptStep.confirm)
            return
        self._forget_key(copy)
        self.copy_printed.emit(number)
        self._move(ReceiptStep.printed)

    def _on_count_failed(self, error: Exception) -> None:
        if isinstance(error, BackendRejectedError):
            if error.code == ErrorCode.reprint_limit_reached or error.status == 404:
                # Refused: nothing was counted with the key (a counted one replays its copy).
                self._forget_key(self.chosen)
            if error.code == ErrorCode.reprint_limit_reached and self.chosen is not None:
                self.problem = ReceiptProblem.limit_reached
                self.chosen = self.chosen.model_copy(update={"reprints_left": 0})
                self._move(ReceiptStep.confirm)
                return
            if error.status == 404:
                log.info("receipt reprint: no longer listed")
                self.problem = ReceiptProblem.gone
                self.chosen = None
                self._call(
                    lambda: self._api.receipts(self.patient.id if self.patient else ""),
                    self._on_reloaded,
                    self._on_failed,
                    "receipts",
                )
                return
        self._on_failed(error)

    def _forget_key(self, record: ReceiptRecord | None) -> None:
        """The receipt's next reprint is a new one: its journalled key goes (off the GUI
        thread, whatever happens to the visit meanwhile)."""
        if record is None:
            return
        number = record.receipt.receipt_number
        self._runner.run(
            lambda: self._journal.reprint_done(number),
            lambda _none: None,
            lambda error: log.error("journal: %s", error),
            description="journal",
            per_visit=False,
        )

    def _on_reloaded(self, listed: ReceiptList) -> None:
        self.receipts, self.days = listed.receipts, listed.days
        self._move(ReceiptStep.receipts)

    def finish(self) -> None:
        self._visit.go_home()

    def _reset(self) -> None:
        self.patient = None
        self.receipts = []
        self.days = 0
        self.chosen = None
        self.copy = None
        self.problem = None
        self.printer_fault = ""
        self.notice = None
        self._return_to_rest()
