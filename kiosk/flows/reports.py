"""Reports (报告查询与打印): the patient's lab and imaging reports, one on screen, printed on A4.

A copy is counted on the server only after CUPS *completed* its job, and never sent twice:

1. the job is written to the journal (with the Idempotency-Key of its "printed" message),
2. sent to the report printer, its CUPS job id written next to it,
3. followed until it ends; if it completed, the "printed" message goes into the outbox in the
   same journal transaction that forgets the job (the outbox delivers it, now or later).

A kiosk stopped anywhere in between finds the job at its next start (:meth:`reconcile`), by
its id or, when CUPS's answer never arrived, by its name (which carries the key): a completed
one is recorded once, one still waiting is cancelled, none is sent again. The report
stays on the server either way, so nothing is lost: an uncounted copy can be printed again.
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import ErrorCode, Patient, Report, ReportStatus
from kiosk.backend.client import KioskApiClient, new_idempotency_key
from kiosk.backend.errors import BackendRejectedError
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.journal import Journal, ReportJob
from kiosk.outbox import OutboxSender
from kiosk.report_printing import JobState, QueueState, ReportPrinter, ReportPrintError
from kiosk.runner import Runner

log = logging.getLogger(__name__)

OUTBOX_KIND = "report_printed"
# The server's PDFs (fpdf2) keep each page's dictionary uncompressed: "/Type /Page".
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdf_page_count(data: bytes) -> int:
    return max(len(_PAGE.findall(data)), 1)


def job_title(report_id: str, idempotency_key: str) -> str:
    """The print job's name: with the journalled key, so a job whose id never reached the
    kiosk (stopped while CUPS answered) is found again at the next start."""
    return f"report {report_id} {idempotency_key}"


class ReportStep(StrEnum):
    idle = "idle"
    reports = "reports"  # the list (announced again with a problem)
    preview = "preview"  # one report's pages on screen
    printing = "printing"
    printed = "printed"
    error = "error"  # a backend failure: ``notice``


class ReportProblem(StrEnum):
    """Why the patient's last wish did not work, shown on the list or the preview."""

    withdrawn = "withdrawn"  # gone from the server since the list was read
    not_ready = "not_ready"
    no_copies_left = "no_copies_left"  # the reprint policy: ask at the window
    printer_unavailable = "printer_unavailable"  # paused, rejecting, missing, unreachable
    print_failed = "print_failed"  # the job was cancelled or aborted: nothing counted


_ALLOWED: dict[ReportStep, frozenset[ReportStep]] = {
    ReportStep.idle: frozenset({ReportStep.reports, ReportStep.error}),
    ReportStep.reports: frozenset({ReportStep.preview, ReportStep.error}),
    ReportStep.preview: frozenset({ReportStep.reports, ReportStep.printing, ReportStep.error}),
    ReportStep.printing: frozenset({ReportStep.printed, ReportStep.preview}),
    ReportStep.printed: frozenset({ReportStep.reports}),
    ReportStep.error: frozenset(),
}


class ReportsFlow(Flow[ReportStep]):
    """Signals:
    printer_state_changed: the report printer's ``QueueState`` value and a detail, for the
        technician's device view.
    """

    printer_state_changed = Signal(str, str)

    def __init__(
        self,
        client: KioskApiClient,
        runner: Runner,
        visit: VisitFlow,
        journal: Journal,
        outbox: OutboxSender,
        printer: ReportPrinter | None,
        *,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(ReportStep.idle, _ALLOWED, runner, parent)
        self._client = client
        self._visit = visit
        self._journal = journal
        self._outbox = outbox
        self._printer = printer
        self.patient: Patient | None = None
        self.reports: list[Report] = []
        self.report: Report | None = None
        self.pdf = b""
        self.problem: ReportProblem | None = None
        self.notice: Notice | None = None
        self.printer_state = QueueState.ready if printer is not None else QueueState.missing
        outbox.register(
            OUTBOX_KIND,
            lambda body, key: client.mark_report_printed(
                str(body["report_id"]), int(body["pages"]), idempotency_key=key
            ),
        )
        visit.visit_wiped.connect(self._reset)

    @property
    def can_print(self) -> bool:
        return self._printer is not None and self.printer_state is QueueState.ready

    def begin(self, patient: Patient | None) -> None:
        if patient is None:
            raise ValueError("reports need an identified patient")
        self._reset()
        self.patient = patient
        self._load()

    def _load(self) -> None:
        patient, printer = self.patient, self._printer
        if patient is None:
            return

        def load() -> tuple[list[Report], QueueState | None]:
            return self._client.reports(patient.id), (printer.queue_state() if printer else None)

        self._call(load, self._on_loaded, self._on_failed, "reports")

    def _on_loaded(self, loaded: tuple[list[Report], QueueState | None]) -> None:
        self.reports, state = loaded
        if state is not None:
            self._set_printer_state(state, "")
        if self.report is not None:  # back from a preview or a print: its copies changed
            self.report = next((r for r in self.reports if r.id == self.report.id), None)
        self._move(ReportStep.reports)

    def _on_failed(self, error: Exception) -> None:
        self.notice = notice_for_error(error, context="reports")
        self._move(ReportStep.error)

    def open_report(self, report_id: str) -> None:
        """Show a ready report; a pending one has nothing to show yet."""
        report = next((r for r in self.reports if r.id == report_id), None)
        if self.step != ReportStep.reports or self.busy or report is None:
            return
        if report.status is not ReportStatus.ready:
            self.problem = ReportProblem.not_ready
            self._show_again()
            return
        self.problem = None
        self.report = report
        self._call(
            lambda: self._client.report_pdf(report.id),
            self._on_pdf,
            self._on_pdf_failed,
            "report pdf",
        )

    def _on_pdf(self, pdf: bytes) -> None:
        self.pdf = pdf
        self._move(ReportStep.preview)

    def _on_pdf_failed(self, error: Exception) -> None:
        problem = _problem_of(error)
        if problem is None:
            self._on_failed(error)
            return
        self.problem = problem
        self.report = None
        self._load()  # the list as it is now: a withdrawn report is gone from it

    def back_to_list(self) -> None:
        if self.step in (ReportStep.preview, ReportStep.printed) and not self.busy:
            self.pdf = b""
            self.problem = None
            self._move(ReportStep.reports)

    def print_report(self) -> None:
        report, printer, pdf = self.report, self._printer, self.pdf
        if self.step != ReportStep.preview or self.busy or report is None or not pdf:
            return
        if printer is None or self.printer_state is not QueueState.ready:
            self.problem = ReportProblem.printer_unavailable
            self._show_again()
            return
        if report.prints_left < 1:
            self.problem = ReportProblem.no_copies_left
            self._show_again()
            return
        self.problem = None
        self._move(ReportStep.printing)
        self._call(
            lambda: self._print(printer, report, pdf),
            self._on_printed,
            self._on_print_failed,
            "report print",
        )

    def _print(self, printer: ReportPrinter, report: Report, pdf: bytes) -> None:
        """Blocking: journal, send, follow, then the "printed" message in the outbox."""
        key = new_idempotency_key()
        pages = pdf_page_count(pdf)
        self._journal.record_report_job(key, report.id, pages)
        try:
            job_id = printer.submit(pdf, job_title(report.id, key))
        except ReportPrintError:
            self._journal.finish_report_job(key, None)
            raise
        self._journal.set_report_job_id(key, job_id)
        try:
            printer.follow(job_id)
        except ReportPrintError:
            self._journal.finish_report_job(key, None)  # cancelled or failed: not a copy
            raise
        self._journal.finish_report_job(
            key, (OUTBOX_KIND, {"report_id": report.id, "pages": pages})
        )

    def _on_printed(self, _none: None) -> None:
        self._outbox.send_now()
        self._set_printer_state(QueueState.ready, "")
        if self.report is not None:
            left = max(self.report.prints_left - 1, 0)
            self.report = self.report.model_copy(
                update={"prints": self.report.prints + 1, "prints_left": left}
            )
            self.reports = [self.report if r.id == self.report.id else r for r in self.reports]
        self._move(ReportStep.printed)

    def _on_print_failed(self, error: Exception) -> None:
        if isinstance(error, ReportPrintError):
            if isinstance(error.state, QueueState):
                self._set_printer_state(error.state, str(error))
                self.problem = ReportProblem.printer_unavailable
            else:
                self._set_printer_state(QueueState.ready, f"last job {error.state.name}")
                self.problem = ReportProblem.print_failed
        else:
            log.error("report print failed unexpectedly", exc_info=error)
            self.problem = ReportProblem.print_failed
        self._move(ReportStep.preview)

    def finish(self) -> None:
        self._visit.go_home()

    def reconcile(self) -> None:
        """At start: settle the report jobs a stopped kiosk left in the journal."""
        printer = self._printer
        if printer is None:
            return

        def settle() -> QueueState:
            for job in self._journal.report_jobs():
                self._settle(printer, job)
            return printer.queue_state()

        def settled(state: QueueState) -> None:
            self._set_printer_state(state, "")
            self._outbox.send_now()

        def failed(error: Exception) -> None:
            log.warning("report jobs not settled now: %s", error)

        self._runner.run(settle, settled, failed, description="report jobs", per_visit=False)

    def _settle(self, printer: ReportPrinter, job: ReportJob) -> None:
        key, report_id, job_id = job.idempotency_key, job.report_id, job.job_id
        if job_id is None:
            # Stopped before CUPS answered: CUPS may have taken the job all the same; its name
            # carries the key. None there: it is not sent again (never a second copy) and not
            # counted (the report can be printed again).
            job_id = printer.find_job(job_title(report_id, key))
        if job_id is None:
            log.warning("report %s: the kiosk stopped while sending it; not counted", report_id)
            self._journal.finish_report_job(key, None)
            return
        state = printer.job_state(job_id)
        if state is JobState.completed:
            body = {"report_id": report_id, "pages": job.pages}
            self._journal.finish_report_job(key, (OUTBOX_KIND, body))
            log.info("report %s: job %d completed while the kiosk was stopped", report_id, job_id)
            return
        if not state.ended:
            printer.cancel(job_id)  # its patient left long ago
        log.info("report %s: job %d %s; not counted", report_id, job_id, state.name)
        self._journal.finish_report_job(key, None)

    def _set_printer_state(self, state: QueueState, detail: str) -> None:
        self.printer_state = state
        self.printer_state_changed.emit(state.value, detail)

    def _reset(self) -> None:
        self.patient = None
        self.reports = []
        self.report = None
        self.pdf = b""
        self.problem = None
        self.notice = None
        self._return_to_rest()


def _problem_of(error: Exception) -> ReportProblem | None:
    if isinstance(error, BackendRejectedError):
        if error.status == 404:
            return ReportProblem.withdrawn
        if error.code == ErrorCode.report_not_ready:
            return ReportProblem.not_ready
        if error.code == ErrorCode.print_limit_reached:
            return ReportProblem.no_copies_left
    return None
