"""One card per device for the technician: its light, state, since when, last error, counters.

Plain data, no widgets: the diagnostics screen draws these and words them in the technician's
language; the state values stay the devices' own (``near_end``, ``disconnected``) so the
words and the advice are looked up in one place (``kiosk.ui.screens.device_cards``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from kiosk.devices.dispenser import DispenserStatus
from kiosk.devices.printing.drivers import PrinterStatus
from kiosk.devices.readers.base import ReaderState
from kiosk.diagnostics.counters import Counter
from kiosk.report_printing import QueueState


class Light(StrEnum):
    ok = "ok"
    warning = "warning"
    fault = "fault"
    unknown = "unknown"


class DeviceRole(StrEnum):
    printer = "printer"
    reader = "reader"
    sound = "sound"
    speech = "speech"
    report_printer = "report_printer"  # the A4 printer of reports, a CUPS queue
    card_dispenser = "card_dispenser"  # the patient cards of first visits


class OutputState(StrEnum):
    """Sound and speech: the platform has them or not."""

    ready = "ready"
    unavailable = "unavailable"


_LIGHTS: dict[str, Light] = {
    PrinterStatus.ok: Light.ok,
    PrinterStatus.near_end: Light.warning,
    PrinterStatus.paper_out: Light.fault,
    PrinterStatus.cover_open: Light.fault,
    PrinterStatus.offline: Light.fault,
    PrinterStatus.unknown: Light.unknown,
    ReaderState.ready: Light.ok,
    ReaderState.disconnected: Light.fault,
    ReaderState.unavailable: Light.fault,
    ReaderState.error: Light.fault,
    ReaderState.stopped: Light.unknown,
    OutputState.ready: Light.ok,
    OutputState.unavailable: Light.warning,
    QueueState.paused: Light.fault,
    QueueState.rejecting: Light.fault,
    QueueState.missing: Light.fault,
    QueueState.unreachable: Light.fault,
    DispenserStatus.near_empty: Light.warning,
    DispenserStatus.empty: Light.fault,
    DispenserStatus.jammed: Light.fault,
    DispenserStatus.card_at_gate: Light.warning,
}

COUNTERS: dict[DeviceRole, tuple[Counter, ...]] = {
    DeviceRole.printer: (Counter.printed, Counter.cut, Counter.paper_near_end, Counter.failed),
    DeviceRole.reader: (Counter.reads, Counter.rejected),
    DeviceRole.sound: (),
    DeviceRole.speech: (),
    DeviceRole.report_printer: (),
    DeviceRole.card_dispenser: (Counter.dispensed, Counter.dispense_failed),
}


def light_for(state: str) -> Light:
    return _LIGHTS.get(state, Light.unknown)


@dataclass(frozen=True)
class CounterReading:
    counter: Counter
    today: int
    total: int


@dataclass(frozen=True)
class DeviceCard:
    name: str
    role: DeviceRole
    driver: str
    state: str
    since: dt.datetime | None = None
    last_error: str = ""
    counters: tuple[CounterReading, ...] = ()

    @property
    def light(self) -> Light:
        return light_for(self.state)
