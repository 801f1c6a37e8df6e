"""Queue tickets for the visit flow: a ticket model in, a printed check-in slip out.

Adapts :class:`PrinterService` (layouts and job ids) to what a journey needs: "print this
ticket" now, and a ``print_failed`` signal later if the printer could not do it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import Ticket
from kiosk.devices.printing.layout import Language, checkin_ticket
from kiosk.devices.printing.service import PrinterService


class TicketPrinting(QObject):
    """Signals:
    print_failed: the reason code of a failed ticket job (paper_out, cover_open, offline...).
    ticket_printed: the ticket's job finished.
    """

    print_failed = Signal(str)
    ticket_printed = Signal()

    def __init__(
        self,
        service: PrinterService,
        language: Callable[[], Language],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._language = language
        self._jobs: set[int] = set()
        service.job_printed.connect(self._on_job_printed)
        service.job_failed.connect(self._on_job_failed)

    def print_ticket(self, ticket: Ticket, hospital_name: str) -> None:
        layout = checkin_ticket(ticket, hospital_name=hospital_name, language=self._language())
        self._jobs.add(self._service.print_layout(layout))

    def _on_job_printed(self, job_id: int) -> None:
        if job_id in self._jobs:
            self._jobs.discard(job_id)
            self.ticket_printed.emit()

    def _on_job_failed(self, job_id: int, reason: str) -> None:
        if job_id in self._jobs:
            self._jobs.discard(job_id)
            self.print_failed.emit(reason)
