"""What the reports flow and the report printers share: the queue's and a job's states, the
one error, and the printer's interface (``kiosk.devices.report_printer`` implements it).

Its own module so the flow needs no device code (nor ``requests``) to speak of a printer.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Protocol


class QueueState(StrEnum):
    """The report queue as the patient and the technician are told."""

    ready = "ready"
    paused = "paused"  # stopped or disabled at the CUPS server (cupsdisable)
    rejecting = "rejecting"  # not accepting jobs (cupsreject)
    missing = "missing"  # no such queue on the server
    unreachable = "unreachable"  # the CUPS server did not answer


class JobState(IntEnum):
    """IPP ``job-state`` (RFC 8011 5.3.7)."""

    pending = 3
    held = 4
    processing = 5
    stopped = 6
    canceled = 7
    aborted = 8
    completed = 9

    @property
    def ended(self) -> bool:
        return self >= JobState.canceled


class ReportPrintError(Exception):
    """A report did not print; ``state`` says why in the queue's words."""

    def __init__(self, state: QueueState | JobState, detail: str) -> None:
        super().__init__(detail)
        self.state = state


class ReportPrinter(Protocol):
    """What the reports flow needs of an A4 printer; every call blocks."""

    kind: str

    def queue_state(self) -> QueueState: ...

    def submit(self, pdf: bytes, title: str) -> int:
        """Queue the PDF; its job id. Raises ``ReportPrintError`` unless the queue is ready."""
        ...

    def follow(self, job_id: int) -> None:
        """Return when the job completed; raise ``ReportPrintError`` if it ended otherwise."""
        ...

    def job_state(self, job_id: int) -> JobState: ...

    def find_job(self, title: str) -> int | None:
        """The job named ``title`` (any state), or None: how a job whose id never reached
        the kiosk is found again."""
        ...

    def cancel(self, job_id: int) -> None: ...
