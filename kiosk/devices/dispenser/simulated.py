"""A dispenser with no hardware, for the demo, the walkthrough and the journey tests.

It can be told to fail (``fault``: jammed or offline) and runs out of cards like a real one.
A dispensed card waits at the gate until :meth:`take_card` (the patient took it); the next
dispense captures a card left there first, as the serial driver does.
"""

from __future__ import annotations

import threading

from kiosk.devices.dispenser import DispenserError, DispenserStatus

NEAR_EMPTY_AT = 5


class SimulatedDispenser:
    kind = "simulated"

    def __init__(self, cards: int = 100, *, near_empty_at: int = NEAR_EMPTY_AT) -> None:
        self._lock = threading.Lock()
        self._cards = cards
        self._near_empty_at = near_empty_at
        self._at_gate = False
        self._fault: DispenserStatus | None = None
        self.dispensed = 0
        self.captured = 0

    def set_cards(self, cards: int) -> None:
        """Refill (or empty) the stack."""
        with self._lock:
            self._cards = cards

    def set_fault(self, fault: DispenserStatus | None) -> None:
        """``jammed`` or ``offline`` until set back to None."""
        with self._lock:
            self._fault = fault

    def take_card(self) -> None:
        with self._lock:
            self._at_gate = False

    def status(self) -> DispenserStatus:
        with self._lock:
            return self._status()

    def _status(self) -> DispenserStatus:
        if self._fault is not None:
            return self._fault
        if self._at_gate:
            return DispenserStatus.card_at_gate
        if self._cards <= 0:
            return DispenserStatus.empty
        if self._cards <= self._near_empty_at:
            return DispenserStatus.near_empty
        return DispenserStatus.ready

    def dispense(self) -> None:
        with self._lock:
            if self._at_gate and self._fault is None:
                self._at_gate = False
                self.captured += 1
            status = self._status()
            if not status.can_dispense:
                raise DispenserError(status, "simulated")
            self._cards -= 1
            self._at_gate = True
            self.dispensed += 1

    def capture(self) -> None:
        with self._lock:
            if self._fault is not None:
                raise DispenserError(self._fault, "simulated")
            if self._at_gate:
                self._at_gate = False
                self.captured += 1

    def close(self) -> None:
        pass
