"""Card dispensers (发卡机): the patient card for a first visit, pushed out to the gate.

A :class:`CardDispenser` is a blocking driver (simulated or serial) that only ever runs on its
service's one worker thread (:class:`~kiosk.devices.dispenser.service.DispenserService`), so
two commands never interleave on the wire. Every failure is a :class:`DispenserError` with
the :class:`DispenserStatus` that explains it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kiosk.config import CardDispenserSection


class DispenserStatus(StrEnum):
    """What the dispenser's sensors say (values shared with the diagnostics' lights)."""

    ready = "ready"
    near_empty = "near_empty"  # cards left, but few: a technician should refill soon
    empty = "empty"
    jammed = "jammed"
    card_at_gate = "card_at_gate"  # a card waits in the gate (not taken yet)
    offline = "offline"  # no answer, or the port cannot be opened
    unknown = "unknown"

    @property
    def can_dispense(self) -> bool:
        return self in (DispenserStatus.ready, DispenserStatus.near_empty)


class DispenserError(Exception):
    """A command failed; ``status`` says why (empty, jammed, offline)."""

    def __init__(self, status: DispenserStatus, detail: str = "") -> None:
        super().__init__(f"{status.value}: {detail}" if detail else status.value)
        self.status = status
        self.detail = detail


class CardDispenser(Protocol):
    """The narrow interface the service uses. Blocking; called on one worker thread only."""

    kind: str

    def status(self) -> DispenserStatus:
        """The sensors now; ``offline`` rather than an error when the device does not answer."""

    def dispense(self) -> None:
        """Move one card from the stack to the gate; raises :class:`DispenserError`."""

    def capture(self) -> None:
        """Take a card waiting in the gate back into the bin; raises :class:`DispenserError`."""

    def close(self) -> None: ...


def create_dispenser(section: CardDispenserSection) -> CardDispenser | None:
    """The configured dispenser, or None for ``kind = "none"``; imports the chosen driver."""
    if section.kind == "simulated":
        from kiosk.devices.dispenser.simulated import SimulatedDispenser

        return SimulatedDispenser()
    if section.kind == "serial":
        from kiosk.devices.dispenser.serial import SerialDispenser

        return SerialDispenser(section.port, section.baud, address=section.address)
    return None
