"""The reports flow against the live reference server and a real cupsd with the cups-pdf
printer: a report printed once and counted once, a paused or rejecting queue, a withdrawn
report, the reprint policy, and a kiosk stopped at the worst moments."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind, Patient, Report
from kiosk.backend.client import KioskApiClient
from kiosk.devices.report_printer import CupsReportPrinter
from kiosk.flows.reports import OUTBOX_KIND, ReportProblem, ReportsFlow, ReportStep
from kiosk.journal import Journal
from kiosk.outbox import OutboxSender
from kiosk.report_printing import JobState, QueueState
from kiosk.runner import Runner
from kiosk.server.db import connect, write_transaction
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.cups import CupsServer
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.flows import Rig, build_rig

PDF_READ_TIMEOUT_S = 14.0  # within the client's 15 s deadline


@dataclass
class ReportsRig:
    flow: ReportsFlow
    client: KioskApiClient
    journal: Journal
    printer: CupsReportPrinter
    cups: CupsServer
    server: EmbeddedServer
    states: list[str]

    def identify(self, scenario: str = "unpaid_bills") -> Patient:
        identity = DEMO_IDENTITIES[scenario]
        return self.client.identify(IdentifierKind(identity.kind), identity.value)

    def report(self, title_en: str) -> Report:
        return next(r for r in self.flow.reports if r.title_en == title_en)

    def server_report(self, patient: Patient, title_en: str) -> Report:
        return next(r for r in self.client.reports(patient.id) if r.title_en == title_en)

    def printed_texts(self) -> list[list[str]]:
        return [
            [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(p.read_bytes())).pages]
            for p in self.cups.printed_pdfs()
        ]


@contextmanager
def reports_rig(
    rig: Rig, cups: CupsServer, server: EmbeddedServer, journal_path: Path
) -> Iterator[ReportsRig]:
    """A reports flow on its own journal: one per kiosk start."""
    owner = QObject()
    runner = Runner(ImmediateExecutor(), parent=owner)
    journal = Journal(journal_path)
    outbox = OutboxSender(journal, runner, parent=owner)
    printer = CupsReportPrinter(cups.server, cups.queue, duplex=True, job_timeout_s=30, poll_s=0.2)
    flow = ReportsFlow(rig.client, runner, rig.flow, journal, outbox, printer, parent=owner)
    states: list[str] = []
    flow.printer_state_changed.connect(lambda state, _detail: states.append(state))
    yield ReportsRig(flow, rig.client, journal, printer, cups, server, states)
    journal.close()
    shiboken6.delete(owner)


@pytest.fixture
def rig(live_server: EmbeddedServer, tmp_path: Path, qtbot: QtBot) -> Iterator[Rig]:
    """The flows' rig with a patient read timeout: the server makes a report's PDF in a few
    seconds (it subsets a 14 MB font), longer on this shared machine."""
    yield from build_rig(
        live_server.url,
        tmp_path / "spool",
        ImmediateExecutor(),
        lambda: live_server.clock().date(),
        clock=live_server.clock,
        read_timeout_s=PDF_READ_TIMEOUT_S,
    )


@pytest.fixture
def reports(
    rig: Rig, cups: CupsServer, live_server: EmbeddedServer, tmp_path: Path
) -> Iterator[ReportsRig]:
    with reports_rig(rig, cups, live_server, tmp_path / "journal.sqlite3") as made:
        yield made


def test_a_ready_report_is_previewed_printed_once_and_counted_once(reports: ReportsRig) -> None:
    patient = reports.identify()
    reports.flow.begin(patient)
    assert reports.flow.step == ReportStep.reports
    assert {r.title_en for r in reports.flow.reports} == {
        "Complete blood count", "Biochemistry panel", "Urinalysis",
    }  # fmt: skip
    assert reports.flow.can_print
    blood = reports.report("Complete blood count")
    reports.flow.open_report(blood.id)
    assert reports.flow.step == ReportStep.preview
    assert reports.flow.pdf.startswith(b"%PDF-")
    reports.flow.print_report()
    assert reports.flow.step == ReportStep.printed
    [pages] = reports.printed_texts()
    assert len(pages) == 1
    assert f"Report {blood.id} - page 1/1" in pages[0]
    counted = reports.server_report(patient, "Complete blood count")
    assert (counted.prints, counted.prints_left) == (1, 1)
    assert reports.journal.report_jobs() == []
    assert reports.journal.outbox(kind=OUTBOX_KIND) == []


def test_a_two_page_report_comes_out_with_both_pages(reports: ReportsRig) -> None:
    reports.flow.begin(reports.identify())
    panel = reports.report("Biochemistry panel")
    reports.flow.open_report(panel.id)
    reports.flow.print_report()
    assert reports.flow.step == ReportStep.printed
    [pages] = reports.printed_texts()
    assert [f"page {n}/2" in text for n, text in enumerate(pages, start=1)] == [True, True]


def test_a_paused_queue_is_told_to_the_patient_and_the_technician(reports: ReportsRig) -> None:
    reports.cups.command("cupsdisable", reports.cups.queue)
    patient = reports.identify()
    reports.flow.begin(patient)
    assert not reports.flow.can_print
    assert reports.states[-1] == QueueState.paused.value
    reports.flow.open_report(reports.report("Complete blood count").id)
    reports.flow.print_report()
    assert reports.flow.step == ReportStep.preview
    assert reports.flow.problem is ReportProblem.printer_unavailable
    assert reports.cups.printed_pdfs() == []
    assert reports.server_report(patient, "Complete blood count").prints == 0


def test_a_queue_paused_after_the_list_fails_the_print_and_counts_nothing(
    reports: ReportsRig,
) -> None:
    patient = reports.identify()
    reports.flow.begin(patient)
    reports.flow.open_report(reports.report("Complete blood count").id)
    reports.cups.command("cupsdisable", reports.cups.queue)
    reports.flow.print_report()
    assert reports.flow.problem is ReportProblem.printer_unavailable
    assert reports.states[-1] == QueueState.paused.value
    assert reports.journal.report_jobs() == []
    reports.cups.command("cupsenable", reports.cups.queue)
    assert reports.cups.printed_pdfs() == []
    assert reports.server_report(patient, "Complete blood count").prints == 0


def test_a_queue_rejecting_jobs_is_reported(reports: ReportsRig) -> None:
    reports.cups.command("cupsreject", reports.cups.queue)
    reports.flow.begin(reports.identify())
    assert reports.states[-1] == QueueState.rejecting.value
    assert not reports.flow.can_print


def test_a_report_withdrawn_between_list_and_print_gets_a_clear_message(
    reports: ReportsRig,
) -> None:
    reports.flow.begin(reports.identify())
    blood = reports.report("Complete blood count")
    conn = connect(reports.server.db_path)
    try:
        with write_transaction(conn):
            conn.execute("DELETE FROM reports WHERE id = ?", (blood.id,))
    finally:
        conn.close()
    reports.flow.open_report(blood.id)
    assert reports.flow.step == ReportStep.reports
    assert reports.flow.problem is ReportProblem.withdrawn
    assert blood.id not in {r.id for r in reports.flow.reports}
    assert reports.cups.printed_pdfs() == []


def test_no_copy_left_sends_the_patient_to_the_window(reports: ReportsRig) -> None:
    patient = reports.identify()
    reports.flow.begin(patient)
    blood = reports.report("Complete blood count")
    for copy in ("first copy", "free reprint"):  # printed at this kiosk before
        reports.client.mark_report_printed(blood.id, 1, idempotency_key=copy)
    reports.flow.begin(patient)
    reports.flow.open_report(blood.id)
    reports.flow.print_report()
    assert reports.flow.problem is ReportProblem.no_copies_left
    assert reports.cups.printed_pdfs() == []


def test_a_pending_report_cannot_be_opened(reports: ReportsRig) -> None:
    reports.flow.begin(reports.identify())
    pending = reports.report("Urinalysis")
    assert pending.expected_at is not None
    reports.flow.open_report(pending.id)
    assert reports.flow.step == ReportStep.reports
    assert reports.flow.problem is ReportProblem.not_ready


def test_a_kiosk_stopped_after_cups_took_the_job_counts_it_once_at_restart(
    rig: Rig, cups: CupsServer, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    with reports_rig(rig, cups, live_server, journal_path) as first:
        patient = first.identify()
        first.flow.begin(patient)
        blood = first.report("Complete blood count")
        pdf = first.client.report_pdf(blood.id)
        # What print_report does up to the moment the kiosk dies: journalled, sent, job id.
        first.journal.record_report_job("killed-after-submit", blood.id, 1)
        job = first.printer.submit(pdf, f"report {blood.id}")
        first.journal.set_report_job_id("killed-after-submit", job)
        first.printer.follow(job)  # the printer finishes while the kiosk is down
    for _start in range(2):  # started again, twice: still one copy, counted once
        with reports_rig(rig, cups, live_server, journal_path) as again:
            again.flow.reconcile()
            assert again.journal.report_jobs() == []
            assert again.journal.outbox(kind=OUTBOX_KIND) == []
            assert again.server_report(patient, "Complete blood count").prints == 1
    assert len(cups.printed_pdfs()) == 1


def test_a_kiosk_stopped_before_cups_answered_prints_nothing_more(
    rig: Rig, cups: CupsServer, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    journal = Journal(journal_path)
    journal.record_report_job("killed-before-answer", "rep-0001", 1)
    journal.close()
    with reports_rig(rig, cups, live_server, journal_path) as again:
        patient = again.identify()
        again.flow.reconcile()
        assert again.journal.report_jobs() == []
        assert again.server_report(patient, "Complete blood count").prints == 0
    assert cups.printed_pdfs() == []


def test_a_job_still_waiting_at_restart_is_cancelled_not_counted(
    rig: Rig, cups: CupsServer, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    with reports_rig(rig, cups, live_server, journal_path) as first:
        patient = first.identify()
        document = tmp_path / "report.pdf"
        document.write_bytes(first.client.report_pdf("rep-0001"))
        cups.command("cupsdisable", cups.queue)  # the job waits in the paused queue
        answer = cups.command("lp", "-d", cups.queue, str(document))  # request id is Q-7 (...)
        job = int(answer.split()[3].rsplit("-", 1)[1])
        first.journal.record_report_job("killed-while-waiting", "rep-0001", 1)
        first.journal.set_report_job_id("killed-while-waiting", job)
    with reports_rig(rig, cups, live_server, journal_path) as again:
        again.flow.reconcile()
        assert again.journal.report_jobs() == []
        cups.command("cupsenable", cups.queue)
        assert again.printer.job_state(job) is JobState.canceled
        assert again.server_report(patient, "Complete blood count").prints == 0
    assert cups.printed_pdfs() == []
