from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import print_sample
from kiosk.config import PrinterSection
from kiosk.devices.printing.drivers import (
    NetworkConnection,
    PrinterError,
    PrinterStatus,
    SimulatedConnection,
)
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import PAPER_80
from kiosk.devices.printing.samples import sample_layout, sample_ticket
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.printing.tickets import TicketPrinting
from tests.helpers.executors import FinishesBeforeSubmitReturns, ImmediateExecutor
from tests.helpers.printing import LoopbackPrinter, parse_escpos

LAYOUT = sample_layout("checkin", hospital_name="示例市第一人民医院", language="zh_CN")


def network_service(port: int) -> PrinterService:
    service = PrinterService(
        NetworkConnection("127.0.0.1", port, timeout_s=0.5), RenderOptions(PAPER_80)
    )
    return service


def wait_received(printer: LoopbackPrinter, size: int) -> None:
    deadline = time.monotonic() + 3
    while len(printer.received) < size and time.monotonic() < deadline:
        time.sleep(0.01)


def test_prints_over_a_real_thread_and_socket(
    qtbot: QtBot, loopback_printer: LoopbackPrinter
) -> None:
    service = network_service(loopback_printer.port)
    try:
        with qtbot.waitSignal(service.job_printed, timeout=3000) as printed:
            job_id = service.print_layout(LAYOUT)
        assert printed.args == [job_id]
        assert service.status is PrinterStatus.ok
        wait_received(loopback_printer, 600)
        parsed = parse_escpos(bytes(loopback_printer.received))
        assert parsed.qr_data == [sample_ticket().status_url]
    finally:
        service.shutdown()


@pytest.mark.parametrize("state", ["paper_out", "cover_open", "offline"])
def test_refuses_to_print_when_the_printer_cannot(
    qtbot: QtBot, loopback_printer: LoopbackPrinter, state: str
) -> None:
    loopback_printer.state = state
    service = network_service(loopback_printer.port)
    try:
        with (
            qtbot.waitSignal(service.status_changed, timeout=3000) as changed,
            qtbot.waitSignal(service.job_failed, timeout=3000) as failed,
        ):
            job_id = service.print_layout(LAYOUT)
        assert failed.args == [job_id, state]
        assert changed.args == [PrinterStatus(state)]
        time.sleep(0.1)
        assert bytes(loopback_printer.received) == b""  # nothing written
    finally:
        service.shutdown()


@pytest.mark.parametrize(
    ("state", "expected"),
    [("near_end", PrinterStatus.near_end), ("silent", PrinterStatus.unknown)],
)
def test_near_end_and_silence_still_print(
    qtbot: QtBot, loopback_printer: LoopbackPrinter, state: str, expected: PrinterStatus
) -> None:
    loopback_printer.state = state
    service = network_service(loopback_printer.port)
    try:
        with qtbot.waitSignal(service.job_printed, timeout=5000):
            service.print_layout(LAYOUT)
        assert service.status is expected
    finally:
        service.shutdown()


def test_polls_status_while_idle(qtbot: QtBot, loopback_printer: LoopbackPrinter) -> None:
    service = PrinterService(
        NetworkConnection("127.0.0.1", loopback_printer.port, timeout_s=0.5),
        RenderOptions(PAPER_80),
        poll_interval_s=0.05,
    )
    try:
        with qtbot.waitSignal(service.status_changed, timeout=3000) as changed:
            pass
        assert changed.args == [PrinterStatus.ok]
        loopback_printer.state = "cover_open"
        with qtbot.waitSignal(
            service.status_changed,
            timeout=3000,
            check_params_cb=lambda status: status is PrinterStatus.cover_open,
        ):
            pass
    finally:
        service.shutdown()


def test_print_never_blocks_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    connection = SimulatedConnection(tmp_path)
    connection.set_delay(0.5)
    service = PrinterService(connection, RenderOptions(PAPER_80))
    try:
        started = time.monotonic()
        service.print_layout(LAYOUT)
        service.refresh_status()
        assert time.monotonic() - started < 0.05
        with qtbot.waitSignal(service.job_printed, timeout=5000):
            pass
    finally:
        service.shutdown()


def test_failed_job_can_be_reprinted(qtbot: QtBot, tmp_path: Path) -> None:
    connection = SimulatedConnection(tmp_path)
    connection.set_status(PrinterStatus.paper_out)
    service = PrinterService(connection, RenderOptions(PAPER_80), executor=ImmediateExecutor())
    with qtbot.waitSignal(service.job_failed) as failed:
        job_id = service.print_layout(LAYOUT)
    assert failed.args == [job_id, "paper_out"]
    connection.set_status(PrinterStatus.ok)
    with qtbot.waitSignal(service.job_printed) as printed:
        again = service.reprint(job_id)
    assert printed.args == [again]
    assert again != job_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.bin", "1.png"]
    with qtbot.waitSignal(service.job_printed):
        third = service.reprint(again)
    assert (tmp_path / "2.bin").read_bytes() == (tmp_path / "1.bin").read_bytes()
    assert third > again
    with pytest.raises(KeyError):
        service.reprint(999)
    service.shutdown()


def test_jobs_after_shutdown_fail(qtbot: QtBot, tmp_path: Path) -> None:
    service = PrinterService(
        SimulatedConnection(tmp_path), RenderOptions(PAPER_80), executor=ImmediateExecutor()
    )
    service.shutdown()
    with qtbot.waitSignal(service.job_failed):
        service.print_layout(LAYOUT)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_print_sample_on_a_closed_port_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        print_sample(PrinterSection(kind="network", host="127.0.0.1", port=closed_port()), "test")
    assert time.monotonic() - started < 5
    assert caught.value.reason == "offline"
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("state", ["paper_out", "cover_open"])
def test_print_sample_reports_paper_out_and_cover_open(
    loopback_printer: LoopbackPrinter, state: str
) -> None:
    loopback_printer.state = state
    section = PrinterSection(kind="network", host="127.0.0.1", port=loopback_printer.port)
    with pytest.raises(PrinterError, match=state):
        print_sample(section, "checkin")


def test_print_sample_on_a_silent_port_returns_within_5_s(
    loopback_printer: LoopbackPrinter,
) -> None:
    loopback_printer.state = "silent"
    section = PrinterSection(kind="network", host="127.0.0.1", port=loopback_printer.port)
    started = time.monotonic()
    print_sample(section, "receipt")
    assert time.monotonic() - started < 5
    wait_received(loopback_printer, 300)
    assert parse_escpos(bytes(loopback_printer.received)).text_lines


def test_print_sample_to_the_simulated_printer(tmp_path: Path) -> None:
    section = PrinterSection(kind="simulated", spool_dir=str(tmp_path), paper_width_mm=58)
    for template in ["checkin", "registration", "receipt", "pharmacy", "test"]:
        print_sample(section, template)
    assert len(list(tmp_path.glob("*.bin"))) == 5
    assert len(list(tmp_path.glob("*.png"))) == 5


def test_a_job_that_fails_at_once_is_still_reported_to_the_journey(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The printer thread can refuse a paper-out job before print_layout has returned its id
    (the GUI thread lost the CPU): the failure must still reach the journey, once per job."""
    executor = FinishesBeforeSubmitReturns(max_workers=1)
    connection = SimulatedConnection(tmp_path)
    connection.set_status(PrinterStatus.paper_out)
    service = PrinterService(connection, RenderOptions(PAPER_80), executor=executor)
    printing = TicketPrinting(service, lambda: "zh_CN")
    failures: list[str] = []
    printing.print_failed.connect(failures.append)
    try:
        printing.print_ticket(sample_ticket(), "示例市第一人民医院")
        printing.print_ticket(sample_ticket(), "示例市第一人民医院")
        qtbot.waitUntil(lambda: len(failures) == 2, timeout=3000)
        qtbot.wait(50)
        assert failures == ["paper_out", "paper_out"]
    finally:
        service.shutdown()
        executor.shutdown()
