"""All devices of one kiosk, with one view of their health.

The manager owns the printer service and the readers it is given (``app.py`` builds them from
the config), starts and stops them together, and answers "how is every device?" for
diagnostics and the heartbeat. Readers reconnect by themselves with backoff; the printer is
polled by its service.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import DeviceState
from kiosk.devices.parsing import Identifier
from kiosk.devices.printing.drivers import PrinterStatus
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.readers import Reader
from kiosk.report_printing import ReportPrinter

log = logging.getLogger(__name__)


def mask_identifier(value: str) -> str:
    """Enough for a technician to recognise a test card, not enough to identify a patient."""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


class DeviceManager(QObject):
    """Signals:
    health_changed: any device's state changed.

    ``reader_problems`` are the configured readers that could not be built, shown as faults.
    """

    health_changed = Signal()

    def __init__(
        self,
        printer: PrinterService,
        printer_kind: str,
        readers: Sequence[Reader],
        reader_problems: Sequence[DeviceState] = (),
        *,
        report_printer: ReportPrinter | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._printer_kind = printer_kind
        # The A4 report printer's queue as the reports flow last found it (it asks CUPS off
        # the GUI thread when a patient opens reports and at start).
        self.report_printer = report_printer
        self._report_printer_state = ("unknown", "not checked yet")
        self.printer = printer
        self.printer.setParent(self)
        self.printer.status_changed.connect(self._on_printer_status)
        self.last_printer_error = ""
        # For technicians watching a reader live: masked, never logged, never sent away.
        self.last_inputs: dict[str, str] = {}
        self.printer.job_failed.connect(self._on_job_failed)
        self.readers = list(readers)
        self.reader_problems = list(reader_problems)
        for reader in self.readers:
            reader.setParent(self)
            reader.state_changed.connect(lambda _state: self.health_changed.emit())
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

    def stop(self) -> None:
        for reader in self.readers:
            reader.stop()
        self.printer.shutdown()

    def device_states(self) -> list[DeviceState]:
        status = self.printer.status
        states = [
            DeviceState(
                name="printer",
                kind=self._printer_kind,
                state=status.value,
                detail=self.last_printer_error or status.description,
            )
        ]
        if self.report_printer is not None:
            state, detail = self._report_printer_state
            states.append(
                DeviceState(
                    name="report_printer", kind=self.report_printer.kind, state=state, detail=detail
                )
            )
        states += [
            DeviceState(name=r.name, kind=r.kind, state=r.state.value, detail=r.detail)
            for r in self.readers
        ]
        return states + self.reader_problems

    def set_report_printer_state(self, state: str, detail: str) -> None:
        """The report queue's state (``QueueState`` value): ready, paused, rejecting, missing
        or unreachable, shown to technicians and sent with the heartbeat."""
        if (state, detail) != self._report_printer_state:
            log.info("report printer: %s %s", state, detail)
            self._report_printer_state = (state, detail)
            self.health_changed.emit()

    @property
    def paper_warning(self) -> bool:
        return self.printer.status in (PrinterStatus.near_end, PrinterStatus.paper_out)

    def _on_printer_status(self, status: PrinterStatus) -> None:
        log.info("printer status: %s", status.value)
        self.health_changed.emit()

    def _on_read(self, name: str, identifier: Identifier) -> None:
        self.last_inputs[name] = f"read {identifier.kind.value} {mask_identifier(identifier.value)}"
        self.health_changed.emit()

    def _on_rejected(self, name: str, reason: str) -> None:
        self.last_inputs[name] = f"rejected: {reason}"
        self.health_changed.emit()

    def _on_job_failed(self, job_id: int, reason: str) -> None:
        self.last_printer_error = f"job {job_id} failed: {reason}"
        self.health_changed.emit()
