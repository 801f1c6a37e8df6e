"""All devices of one kiosk, with one view of their health.

The manager owns the printer service and the readers it is given (``app.py`` builds them from
the config), starts and stops them together, and answers "how is every device?" for
diagnostics and the heartbeat. Readers reconnect by themselves with backoff; the printer is
polled by its service.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import DeviceCounterReading, DeviceState, IdentifierKind
from kiosk.devices.dispenser import DispenserStatus
from kiosk.devices.dispenser.service import DispenserService
from kiosk.devices.parsing import Identifier
from kiosk.devices.printing.drivers import PrinterStatus
from kiosk.devices.printing.layout import Cut, Feed, TicketLayout
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.readers import Reader
from kiosk.diagnostics.cards import COUNTERS, CounterReading, DeviceCard, DeviceRole
from kiosk.diagnostics.counters import Counter, CounterBook
from kiosk.report_printing import QueueState, ReportPrinter

PRINTER = "printer"
REPORT_PRINTER = "report_printer"
CARD_DISPENSER = "card_dispenser"
CUT_TEST = TicketLayout((Feed(3), Cut()), "cut-test")

log = logging.getLogger(__name__)


def mask_identifier(value: str) -> str:
    """Enough for a technician to recognise a test card, not enough to identify a patient."""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


@dataclass(frozen=True)
class ReaderInput:
    """The last thing a reader delivered, as a technician may see it: masked, never logged."""

    kind: IdentifierKind | None
    masked: str = ""
    rejection: str = ""


class DeviceManager(QObject):
    """Signals:
    health_changed: any device's state changed.
    input_seen: a reader's name; its :class:`ReaderInput` is in ``last_inputs``.

    ``reader_problems`` are the configured readers that could not be built, shown as faults.
    ``counters`` counts tickets, cuts, paper-near-end events, failed jobs and reads per device;
    ``since`` and ``last_errors`` say when each device's state began and what last went wrong.
    """

    health_changed = Signal()
    input_seen = Signal(str)

    def __init__(
        self,
        printer: PrinterService,
        printer_kind: str,
        readers: Sequence[Reader],
        reader_problems: Sequence[DeviceState] = (),
        *,
        counters: CounterBook | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone(),
        report_printer: ReportPrinter | None = None,
        dispenser: DispenserService | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._printer_kind = printer_kind
        self._now = now
        self.counters = counters or CounterBook(None, None)
        # The A4 report printer's queue as the reports flow last found it (it asks CUPS off
        # the GUI thread when a patient opens reports and at start).
        self.report_printer = report_printer
        self._report_printer_state = ("unknown", "not checked yet")
        self.printer = printer
        self.printer.setParent(self)
        self.printer.status_changed.connect(self._on_printer_status)
        self.printer.job_printed.connect(self._on_job_printed)
        self.last_printer_error = ""
        # For technicians watching a reader live: masked, never logged, never sent away.
        self.last_inputs: dict[str, ReaderInput] = {}
        self.printer.job_failed.connect(self._on_job_failed)
        self.readers = list(readers)
        self.reader_problems = list(reader_problems)
        started = now()
        self.since: dict[str, dt.datetime] = {PRINTER: started}
        self.last_errors: dict[str, str] = {}
        # The patient-card dispenser of first visits (None: none is configured).
        self.dispenser = dispenser
        if dispenser is not None:
            dispenser.setParent(self)
            self.since[CARD_DISPENSER] = started
            dispenser.status_changed.connect(self._on_dispenser_status)
            dispenser.card_dispensed.connect(
                lambda _card: self._count(CARD_DISPENSER, Counter.dispensed)
            )
            dispenser.dispense_failed.connect(self._on_dispense_failed)
        for problem in self.reader_problems:
            self.since[problem.name] = started
            self.last_errors[problem.name] = problem.detail
        for reader in self.readers:
            reader.setParent(self)
            self.since[reader.name] = started
            reader.state_changed.connect(
                lambda _state, reader=reader: self._on_reader_state(reader)
            )
            reader.identifier_read.connect(
                lambda identifier, name=reader.name: self._on_read(name, identifier)
            )
            reader.input_rejected.connect(
                lambda reason, name=reader.name: self._on_rejected(name, reason)
            )

    def start(self) -> None:
        for reader in self.readers:
            reader.start()
        self.printer.refresh_status()
        if self.dispenser is not None:
            self.dispenser.start()

    def stop(self) -> None:
        for reader in self.readers:
            reader.stop()
        self.printer.shutdown()
        if self.dispenser is not None:
            self.dispenser.shutdown()

    def cut(self) -> int:
        """Feed a little and cut, as a cutter test; counted as a cut, not a ticket."""
        return self.printer.print_layout(CUT_TEST)

    def device_cards(self) -> list[DeviceCard]:
        """The printer and every reader (also those that could not be built)."""
        cards = [
            DeviceCard(
                name=PRINTER,
                role=DeviceRole.printer,
                driver=self._printer_kind,
                state=self.printer.status.value,
                since=self.since[PRINTER],
                last_error=self.last_printer_error,
                counters=self._readings(PRINTER, DeviceRole.printer),
            )
        ]
        cards += [
            DeviceCard(
                name=reader.name,
                role=DeviceRole.reader,
                driver=reader.kind,
                state=reader.state.value,
                since=self.since[reader.name],
                last_error=self.last_errors.get(reader.name, ""),
                counters=self._readings(reader.name, DeviceRole.reader),
            )
            for reader in self.readers
        ]
        cards += [
            DeviceCard(
                name=problem.name,
                role=DeviceRole.reader,
                driver=problem.kind,
                state=problem.state,
                since=self.since[problem.name],
                last_error=problem.detail,
                counters=self._readings(problem.name, DeviceRole.reader),
            )
            for problem in self.reader_problems
        ]
        if self.report_printer is not None:
            state, detail = self._report_printer_state
            cards.append(
                DeviceCard(
                    name=REPORT_PRINTER,
                    role=DeviceRole.report_printer,
                    driver=self.report_printer.kind,
                    state=state,
                    since=self.since.get(REPORT_PRINTER),
                    last_error="" if state == QueueState.ready else detail,
                )
            )
        if self.dispenser is not None:
            cards.append(
                DeviceCard(
                    name=CARD_DISPENSER,
                    role=DeviceRole.card_dispenser,
                    driver=self.dispenser.kind,
                    state=self.dispenser.status.value,
                    since=self.since.get(CARD_DISPENSER),
                    last_error=self.last_errors.get(CARD_DISPENSER, ""),
                    counters=self._readings(CARD_DISPENSER, DeviceRole.card_dispenser),
                )
            )
        return cards

    def _readings(self, device: str, role: DeviceRole) -> tuple[CounterReading, ...]:
        return tuple(
            CounterReading(counter, *self.counters.counts(device, counter))
            for counter in COUNTERS[role]
        )

    def device_states(self) -> list[DeviceState]:
        """The cards as the heartbeat carries them to the fleet page."""
        details = {PRINTER: self.last_printer_error or self.printer.status.description}
        details |= {reader.name: reader.detail for reader in self.readers}
        details |= {problem.name: problem.detail for problem in self.reader_problems}
        details[REPORT_PRINTER] = self._report_printer_state[1]
        if self.dispenser is not None:
            details[CARD_DISPENSER] = self.dispenser.last_error or self.dispenser.status.value
        return [
            DeviceState(
                name=card.name,
                kind=card.driver,
                state=card.state,
                detail=details[card.name],
                light=card.light.value,
                since=card.since,
                last_error=card.last_error[:500],
                counters=[
                    DeviceCounterReading(name=r.counter.value, today=r.today, total=r.total)
                    for r in card.counters
                ],
            )
            for card in self.device_cards()
        ]

    def set_report_printer_state(self, state: str, detail: str) -> None:
        """The report queue's state (``QueueState`` value): ready, paused, rejecting, missing
        or unreachable, shown to technicians and sent with the heartbeat."""
        if (state, detail) != self._report_printer_state:
            log.info("report printer: %s %s", state, detail)
            if state != self._report_printer_state[0]:
                self.since[REPORT_PRINTER] = self._now()
            self._report_printer_state = (state, detail)
            self.health_changed.emit()

    @property
    def paper_warning(self) -> bool:
        return self.printer.status in (PrinterStatus.near_end, PrinterStatus.paper_out)

    def _on_printer_status(self, status: PrinterStatus) -> None:
        log.info("printer status: %s", status.value)
        self.since[PRINTER] = self._now()
        if status == PrinterStatus.near_end:
            self.counters.add(PRINTER, Counter.paper_near_end)
        self.health_changed.emit()

    def _on_job_printed(self, job_id: int) -> None:
        layout = self.printer.job_layout(job_id)
        if layout is not CUT_TEST:
            self.counters.add(PRINTER, Counter.printed)
        if layout is not None and any(isinstance(e, Cut) for e in layout.elements):
            self.counters.add(PRINTER, Counter.cut)
        self.health_changed.emit()

    def _on_reader_state(self, reader: Reader) -> None:
        self.since[reader.name] = self._now()
        if reader.detail:
            self.last_errors[reader.name] = reader.detail
        self.health_changed.emit()

    def _on_read(self, name: str, identifier: Identifier) -> None:
        self.counters.add(name, Counter.reads)
        self.last_inputs[name] = ReaderInput(identifier.kind, mask_identifier(identifier.value))
        self.input_seen.emit(name)

    def _on_rejected(self, name: str, reason: str) -> None:
        self.counters.add(name, Counter.rejected)
        self.last_inputs[name] = ReaderInput(None, rejection=reason)
        self.input_seen.emit(name)

    def _on_job_failed(self, job_id: int, reason: str) -> None:
        self.counters.add(PRINTER, Counter.failed)
        self.last_printer_error = f"job {job_id} failed: {reason}"
        self.health_changed.emit()

    def _count(self, device: str, counter: Counter) -> None:
        self.counters.add(device, counter)
        self.health_changed.emit()

    def _on_dispenser_status(self, status: DispenserStatus) -> None:
        self.since[CARD_DISPENSER] = self._now()
        self.health_changed.emit()

    def _on_dispense_failed(self, _card: str, reason: str) -> None:
        self.last_errors[CARD_DISPENSER] = f"dispensing failed: {reason}"
        self._count(CARD_DISPENSER, Counter.dispense_failed)
