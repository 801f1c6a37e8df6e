"""The print worker: one thread per printer, status before every job, polling while idle.

:class:`PrinterService` lives on the GUI thread and never blocks it: rendering, the status
check and the write run on a one-thread executor (so jobs never interleave), and outcomes
come back through :class:`kiosk.runner.Runner`'s queued signal. A job is refused, with
nothing written, when the printer reports paper out, cover open or offline; "unknown" still
prints because many connectors cannot read back.

:func:`print_within` is the blocking, bounded version for ``kiosk print-sample``.
"""

from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.devices.printing.drivers import (
    FailureReason,
    PreviewSink,
    PrinterConnection,
    PrinterError,
    PrinterStatus,
)
from kiosk.devices.printing.escpos_render import EscposRenderer, RenderOptions
from kiosk.devices.printing.layout import TicketLayout
from kiosk.runner import Runner

log = logging.getLogger(__name__)

KEPT_JOBS = 20


@dataclass(frozen=True)
class _Job:
    job_id: int
    layout: TicketLayout
    data: bytes | None = None


@dataclass(frozen=True)
class _Outcome:
    job_id: int
    status: PrinterStatus
    data: bytes
    failure: str | None


def run_job(
    connection: PrinterConnection,
    renderer: EscposRenderer,
    layout: TicketLayout,
    data: bytes | None = None,
) -> tuple[PrinterStatus, bytes]:
    """Render (unless ``data`` is given), check the status, write. Blocking; raises PrinterError."""
    if data is None:
        try:
            data = renderer.render(layout)
        except Exception as error:
            raise PrinterError(FailureReason.render_error, str(error)) from error
    status = connection.read_status()
    if not status.can_print:
        raise PrinterError.refused(status)
    if isinstance(connection, PreviewSink):
        from kiosk.devices.printing.preview import preview_png  # Pillow: not before a print

        connection.write_with_preview(data, preview_png(layout, renderer.options.paper))
    else:
        connection.write(data)
    return status, data


class PrinterService(QObject):
    """Prints ticket layouts on one printer without ever blocking the GUI thread.

    Signals:
        status_changed: the printer's :class:`PrinterStatus` changed (checked before each
            job and every ``poll_interval_s`` while idle).
        job_printed: a job id whose bytes were all handed to the printer.
        job_failed: a job id and the reason (a :class:`PrinterStatus` or
            :class:`FailureReason` value); the job can be reprinted.
    """

    status_changed = Signal(object)
    job_printed = Signal(int)
    job_failed = Signal(int, str)

    def __init__(
        self,
        connection: PrinterConnection,
        options: RenderOptions,
        *,
        poll_interval_s: float = 10.0,
        executor: Executor | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._connection = connection
        self._renderer = EscposRenderer(options)
        self._owned_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(1, thread_name_prefix="printer")
        self._runner = Runner(self._executor, self)
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._in_flight = 0
        self._polling = False
        self._closed = False
        self._status = PrinterStatus.unknown
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(int(poll_interval_s * 1000))
        self._poll_timer.timeout.connect(self._on_poll_timer)
        self._poll_timer.start()

    @property
    def status(self) -> PrinterStatus:
        return self._status

    @property
    def connection(self) -> PrinterConnection:
        """For demos and the walkthrough, which set a simulated printer's status."""
        return self._connection

    @property
    def options(self) -> RenderOptions:
        return self._renderer.options

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    def print_layout(self, layout: TicketLayout) -> int:
        """Queue a ticket; exactly one of job_printed or job_failed follows with the id."""
        return self._submit(_Job(next(self._ids), layout))

    def job_layout(self, job_id: int) -> TicketLayout | None:
        """The layout of one of the last ``KEPT_JOBS`` jobs (for counting what it printed)."""
        job = self._jobs.get(job_id)
        return job.layout if job is not None else None

    def reprint(self, job_id: int) -> int:
        """Print the same bytes as an earlier job again, as a new job."""
        job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id} to reprint")
        return self._submit(_Job(next(self._ids), job.layout, job.data))

    def refresh_status(self) -> None:
        """Ask the printer now (when idle); status_changed follows if it changed."""
        if self._closed or self._polling or self._in_flight:
            return
        self._polling = True
        self._runner.run(
            self._connection.read_status,
            self._on_polled,
            self._on_poll_error,
            description="printer status",
            per_visit=False,
        )

    def shutdown(self) -> None:
        """Stop polling, refuse new jobs, close the connection on the worker."""
        if self._closed:
            return
        self._closed = True
        self._poll_timer.stop()
        self._executor.submit(self._connection.close)
        if self._owned_executor:
            # Not waiting: a job in progress ends within its connection's timeouts.
            self._executor.shutdown(wait=False, cancel_futures=False)

    def _submit(self, job: _Job) -> int:
        self._jobs[job.job_id] = job
        while len(self._jobs) > KEPT_JOBS:
            del self._jobs[min(self._jobs)]
        if self._closed:
            QTimer.singleShot(0, lambda: self.job_failed.emit(job.job_id, FailureReason.offline))
            return job.job_id
        self._in_flight += 1
        self._runner.run(
            lambda: self._work(job),
            self._on_job_done,
            lambda error: self._on_job_error(job.job_id, error),
            description=f"print job {job.job_id}",
            per_visit=False,
        )
        return job.job_id

    def _work(self, job: _Job) -> _Outcome:
        # Runs on the printer thread.
        try:
            status, data = run_job(self._connection, self._renderer, job.layout, job.data)
        except PrinterError as error:
            if error.reason.value in PrinterStatus.__members__:
                status = PrinterStatus(error.reason.value)
            else:  # the write failed part-way: ask why (paper ran out, cover opened...)
                status = self._connection.read_status()
            reason = status.value if not status.can_print else error.reason.value
            log.warning("print job %d failed: %s", job.job_id, error)
            return _Outcome(job.job_id, status, job.data or b"", reason)
        return _Outcome(job.job_id, status, data, None)

    def _on_job_done(self, outcome: _Outcome) -> None:
        self._in_flight -= 1
        job = self._jobs.get(outcome.job_id)
        if job is not None and outcome.data:
            self._jobs[outcome.job_id] = _Job(job.job_id, job.layout, outcome.data)
        self._set_status(outcome.status)
        if outcome.failure is None:
            self.job_printed.emit(outcome.job_id)
        else:
            self.job_failed.emit(outcome.job_id, outcome.failure)

    def _on_job_error(self, job_id: int, error: Exception) -> None:
        self._in_flight -= 1
        log.error("print job %d failed unexpectedly: %r", job_id, error)
        self.job_failed.emit(job_id, FailureReason.io_error)

    def _on_poll_timer(self) -> None:
        self.refresh_status()

    def _on_polled(self, status: PrinterStatus) -> None:
        self._polling = False
        self._set_status(status)

    def _on_poll_error(self, error: Exception) -> None:
        self._polling = False
        log.warning("printer status failed: %r", error)
        self._set_status(PrinterStatus.unknown)

    def _set_status(self, status: PrinterStatus) -> None:
        if status is not self._status:
            self._status = status
            self.status_changed.emit(status)


def print_within(
    connection: PrinterConnection,
    options: RenderOptions,
    layout: TicketLayout,
    *,
    timeout_s: float,
) -> None:
    """Print now; raises PrinterError with a one-line reason within ``timeout_s``.

    Runs the job on a daemon thread so even a connector stuck in a driver call cannot hold
    the command past its deadline. Closes ``connection``.
    """
    renderer = EscposRenderer(options)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            status, _ = run_job(connection, renderer, layout)
            if status is PrinterStatus.unknown:
                log.warning("printed without knowing the printer's status")
        except BaseException as error:
            failure.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=work, name="print-sample", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise PrinterError(
            FailureReason.timeout, f"the printer did not finish within {timeout_s:g} s"
        )
    if failure:
        error = failure[0]
        if isinstance(error, PrinterError):
            raise error
        raise PrinterError(FailureReason.io_error, str(error)) from error
