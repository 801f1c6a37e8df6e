"""The dispenser's worker: one thread, so a status poll never cuts into a dispense.

:class:`DispenserService` lives on the GUI thread and never blocks it; the driver's blocking
commands run on a one-thread executor and their outcomes come back through a
:class:`~kiosk.runner.Runner` (kiosk-level, not dropped when the visit ends: a card that
came out is counted whoever is at the screen).
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from kiosk.devices.dispenser import CardDispenser, DispenserError, DispenserStatus
from kiosk.runner import Runner

log = logging.getLogger(__name__)


class DispenserService(QObject):
    """Signals:
    status_changed: the :class:`DispenserStatus` changed (checked around every dispense and
        by :meth:`refresh_status`).
    card_dispensed: the card number a card was dispensed for (it waits at the gate).
    dispense_failed: the card number and the :class:`DispenserStatus` value that stopped it.
    """

    status_changed = Signal(object)
    card_dispensed = Signal(str)
    dispense_failed = Signal(str, str)

    def __init__(
        self,
        dispenser: CardDispenser,
        *,
        executor: Executor | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._dispenser = dispenser
        self._owned_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="dispenser")
        self._runner = Runner(self._executor, self)
        self._status = DispenserStatus.unknown
        self._closed = False
        self.last_error = ""

    @property
    def kind(self) -> str:
        return self._dispenser.kind

    @property
    def dispenser(self) -> CardDispenser:
        """For demos and the walkthrough, which set a simulated dispenser's faults."""
        return self._dispenser

    @property
    def status(self) -> DispenserStatus:
        return self._status

    def refresh_status(self) -> None:
        if self._closed:
            return
        self._runner.run(
            self._dispenser.status,
            self._set_status,
            lambda error: self._set_status(DispenserStatus.offline),
            description="dispenser status",
            per_visit=False,
        )

    def start(self) -> None:
        """At the kiosk's start: the status, and a card found waiting in the gate is captured
        into the reject bin. Nobody at the screen is waiting for it (the kiosk that dispensed
        it stopped, or its patient walked away), and a card left in the mouth would go to
        whoever passes by next."""
        if self._closed:
            return

        def work() -> DispenserStatus:
            status = self._dispenser.status()
            if status == DispenserStatus.card_at_gate:
                log.warning("a card was left in the gate: captured into the reject bin")
                self._dispenser.capture()
                status = self._dispenser.status()
            return status

        def failed(error: Exception) -> None:
            self.last_error = str(error)
            log.warning("the card left in the gate was not captured: %s", error)
            self._set_status(
                error.status if isinstance(error, DispenserError) else DispenserStatus.offline
            )

        self._runner.run(
            work, self._set_status, failed, description="dispenser start", per_visit=False
        )

    def dispense(self, card_number: str) -> None:
        """One card to the gate for ``card_number``; exactly one of ``card_dispensed`` or
        ``dispense_failed`` follows."""
        if self._closed:
            self.dispense_failed.emit(card_number, DispenserStatus.offline.value)
            return

        def work() -> DispenserStatus:
            self._dispenser.dispense()
            return self._dispenser.status()

        self._runner.run(
            work,
            lambda status: self._on_dispensed(card_number, status),
            lambda error: self._on_failed(card_number, error),
            description="dispense a card",
            per_visit=False,
        )

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._executor.submit(self._dispenser.close)
        if self._owned_executor:
            self._executor.shutdown(wait=False, cancel_futures=False)

    def _on_dispensed(self, card_number: str, status: DispenserStatus) -> None:
        log.info("card dispensed")
        self._set_status(status)
        self.card_dispensed.emit(card_number)

    def _on_failed(self, card_number: str, error: Exception) -> None:
        status = error.status if isinstance(error, DispenserError) else DispenserStatus.offline
        if not isinstance(error, DispenserError):
            log.error("the dispenser failed unexpectedly", exc_info=error)
        log.warning("dispensing failed: %s", error)
        self.last_error = str(error)
        self._set_status(status)
        self.dispense_failed.emit(card_number, status.value)

    def _set_status(self, status: DispenserStatus) -> None:
        if status != self._status:
            log.info("dispenser status: %s", status.value)
            self._status = status
            self.status_changed.emit(status)
