"""The A4 report printer against a real cupsd with the cups-pdf printer (tests/helpers/cups.py):
the printed PDF's pages and text, duplex, and a paused, stopped, rejecting or missing queue."""

from __future__ import annotations

import io
import time

import pypdf
import pytest
from fpdf import FPDF

from kiosk.devices.report_printer import CupsReportPrinter
from kiosk.report_printing import JobState, QueueState, ReportPrintError
from tests.helpers.cups import CupsServer


def two_page_pdf(label: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=12)
    for page in (1, 2):
        pdf.add_page()
        pdf.cell(0, 10, f"{label} page {page}/2")
    return bytes(pdf.output())


class QueuedWhilePaused(CupsReportPrinter):
    """Sends a job without looking at the queue first, as another program may have: the
    kiosk must still not count it, nor leave it to print later."""

    def submit_anyway(self, pdf: bytes, title: str) -> int:
        self.queue_state = lambda: QueueState.ready  # type: ignore[method-assign]
        try:
            return self.submit(pdf, title)
        finally:
            del self.queue_state


def printer(cups: CupsServer) -> QueuedWhilePaused:
    return QueuedWhilePaused(cups.server, cups.queue, duplex=True, job_timeout_s=30, poll_s=0.2)


def test_a_report_prints_to_completion_and_comes_out_whole(cups: CupsServer) -> None:
    device = printer(cups)
    assert device.queue_state() is QueueState.ready
    job = device.submit(two_page_pdf("LAB-0001"), "report LAB-0001")
    device.follow(job)
    assert device.job_state(job) is JobState.completed
    [printed] = cups.printed_pdfs()
    reader = pypdf.PdfReader(io.BytesIO(printed.read_bytes()))
    assert len(reader.pages) == 2
    assert "LAB-0001 page 1/2" in reader.pages[0].extract_text()
    assert "LAB-0001 page 2/2" in reader.pages[1].extract_text()


def test_duplex_is_asked_of_cups(cups: CupsServer) -> None:
    device = printer(cups)
    job = device.submit(two_page_pdf("DUPLEX"), "report duplex")
    device.follow(job)
    # CUPS's page log ends each line with the job's media and sides.
    lines = (cups.root / "log" / "page_log").read_text(encoding="utf-8").splitlines()
    [line, *_] = [line for line in lines if f" {job} " in line and "report duplex" in line]
    assert line.endswith("iso_a4_210x297mm two-sided-long-edge"), line


def test_a_paused_queue_is_found_before_anything_is_sent(cups: CupsServer) -> None:
    cups.command("cupsdisable", cups.queue)
    device = printer(cups)
    assert device.queue_state() is QueueState.paused
    with pytest.raises(ReportPrintError) as raised:
        device.submit(two_page_pdf("PAUSED"), "report paused")
    assert raised.value.state is QueueState.paused
    assert cups.command("lpstat", "-W", "not-completed", "-o", cups.queue) == ""
    assert cups.printed_pdfs() == []


def test_a_job_held_in_a_stopped_queue_is_cancelled_not_printed_later(cups: CupsServer) -> None:
    device = printer(cups)
    cups.command("cupsdisable", cups.queue)
    job = device.submit_anyway(two_page_pdf("HELD"), "report held")
    with pytest.raises(ReportPrintError) as raised:
        device.follow(job)
    assert raised.value.state is QueueState.paused
    cups.command("cupsenable", cups.queue)
    assert device.job_state(job) is JobState.canceled
    assert cups.printed_pdfs() == []


def test_a_queue_rejecting_jobs_is_reported(cups: CupsServer) -> None:
    cups.command("cupsreject", cups.queue)
    device = printer(cups)
    assert device.queue_state() is QueueState.rejecting
    with pytest.raises(ReportPrintError) as raised:
        device.submit(two_page_pdf("REJECT"), "report rejected")
    assert raised.value.state is QueueState.rejecting


def test_a_missing_queue_and_an_unreachable_server(cups: CupsServer) -> None:
    assert CupsReportPrinter(cups.server, "no-such-queue", duplex=False).queue_state() is (
        QueueState.missing
    )
    gone = CupsReportPrinter("127.0.0.1:9", cups.queue, duplex=False, timeout_s=1)
    assert gone.queue_state() is QueueState.unreachable
    with pytest.raises(ReportPrintError) as raised:
        gone.submit(two_page_pdf("GONE"), "report gone")
    assert raised.value.state is QueueState.unreachable


def test_a_job_is_found_again_by_its_name(cups: CupsServer) -> None:
    device = printer(cups)
    earlier = device.submit(two_page_pdf("EARLIER"), "report EARLIER key-0")
    device.follow(earlier)
    # Nobody asks about this one (its sender stopped): CUPS prints it and, soon after, lists
    # it without its name; it is found all the same.
    job = device.submit(two_page_pdf("FOUND"), "report FOUND key-1")
    deadline = time.monotonic() + 30
    while len(cups.printed_pdfs()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    assert device.find_job("report FOUND key-1") == job
    assert device.find_job("report EARLIER key-0") == earlier
    assert device.find_job("report FOUND key-2") is None
