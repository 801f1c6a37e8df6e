from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.config import PrinterSection
from kiosk.devices.printing.drivers import (
    FileConnection,
    NetworkConnection,
    PrinterError,
    PrinterStatus,
    SimulatedConnection,
    SpoolerConnection,
    create_connection,
    interpret_status,
)
from kiosk.devices.printing.layout import PAPER_58
from kiosk.devices.printing.preview import preview_png, render_image
from kiosk.devices.printing.samples import sample_layout
from tests.helpers.printing import LoopbackPrinter


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ((0x12, 0x12, 0x12), PrinterStatus.ok),
        ((0x12, 0x12, 0x1E), PrinterStatus.near_end),
        ((0x12, 0x12, 0x16), PrinterStatus.near_end),
        ((0x1A, 0x32, 0x72), PrinterStatus.paper_out),
        ((0x12, 0x12, 0x72), PrinterStatus.paper_out),
        ((0x1A, 0x16, 0x12), PrinterStatus.cover_open),
        ((0x1A, 0x12, 0x12), PrinterStatus.offline),
        ((None, None, None), PrinterStatus.unknown),
        ((0x12, None, None), PrinterStatus.unknown),
        ((0xFF, 0x12, 0x12), PrinterStatus.unknown),
    ],
)
def test_interpret_dle_eot(
    answers: tuple[int | None, int | None, int | None], expected: PrinterStatus
) -> None:
    assert interpret_status(*answers) is expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("ok", PrinterStatus.ok),
        ("near_end", PrinterStatus.near_end),
        ("paper_out", PrinterStatus.paper_out),
        ("cover_open", PrinterStatus.cover_open),
        ("offline", PrinterStatus.offline),
        ("silent", PrinterStatus.unknown),
    ],
)
def test_network_status_from_a_loopback_printer(
    loopback_printer: LoopbackPrinter, state: str, expected: PrinterStatus
) -> None:
    loopback_printer.state = state
    connection = NetworkConnection("127.0.0.1", loopback_printer.port, timeout_s=0.5)
    started = time.monotonic()
    try:
        assert connection.read_status() is expected
    finally:
        connection.close()
    assert time.monotonic() - started < 2


def test_network_write_reaches_the_printer(loopback_printer: LoopbackPrinter) -> None:
    connection = NetworkConnection("127.0.0.1", loopback_printer.port, timeout_s=1)
    connection.write(b"\x1b@hello\n")
    assert connection.read_status() is PrinterStatus.ok  # the same connection is kept
    connection.close()
    deadline = time.monotonic() + 2
    while bytes(loopback_printer.received) != b"\x1b@hello\n" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(loopback_printer.received) == b"\x1b@hello\n"
    assert loopback_printer.connections == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_network_unreachable_is_offline_and_write_raises() -> None:
    connection = NetworkConnection("127.0.0.1", closed_port(), timeout_s=1)
    assert connection.read_status() is PrinterStatus.offline
    with pytest.raises(PrinterError) as caught:
        connection.write(b"x")
    assert caught.value.reason == "unreachable"
    assert isinstance(caught.value.__cause__, OSError)
    assert "\n" not in str(caught.value)


def test_simulated_printer_spools_bin_and_png(tmp_path: Path) -> None:
    connection = SimulatedConnection(tmp_path / "spool")
    layout = sample_layout("checkin", hospital_name="医院", language="zh_CN")
    connection.write_with_preview(b"job-1", preview_png(layout, PAPER_58))
    connection.write(b"job-2")
    assert (tmp_path / "spool" / "1.bin").read_bytes() == b"job-1"
    assert (tmp_path / "spool" / "1.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "spool" / "2.bin").read_bytes() == b"job-2"
    assert connection.read_status() is PrinterStatus.ok


@pytest.mark.parametrize(
    "status", [PrinterStatus.paper_out, PrinterStatus.cover_open, PrinterStatus.offline]
)
def test_simulated_printer_can_fail(tmp_path: Path, status: PrinterStatus) -> None:
    connection = SimulatedConnection(tmp_path)
    connection.set_status(status)
    assert connection.read_status() is status
    with pytest.raises(PrinterError) as caught:
        connection.write(b"x")
    assert caught.value.reason == status.value
    assert list(tmp_path.iterdir()) == []


def test_simulated_printer_can_be_slow(tmp_path: Path) -> None:
    connection = SimulatedConnection(tmp_path)
    connection.set_delay(0.2)
    started = time.monotonic()
    connection.write(b"x")
    assert time.monotonic() - started >= 0.2


def test_file_connection(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    connection = FileConnection(str(device))
    assert connection.read_status() is PrinterStatus.offline
    device.touch()
    assert connection.read_status() is PrinterStatus.unknown
    connection.write(b"abc")
    assert device.read_bytes() == b"abc"
    with pytest.raises(PrinterError, match="io_error"):
        FileConnection(str(tmp_path / "missing" / "lp0")).write(b"x")


def test_create_connection_by_kind(tmp_path: Path) -> None:
    network = create_connection(
        PrinterSection(kind="network", host="printer.hospital.example", timeout_s=20)
    )
    assert isinstance(network, NetworkConnection)
    assert network.timeout_s == 20
    assert network.status_timeout_s <= 1
    short = create_connection(PrinterSection(kind="network", host="h"), timeout_s=2)
    assert isinstance(short, NetworkConnection)
    assert short.timeout_s == 2
    simulated = create_connection(PrinterSection(kind="simulated", spool_dir=str(tmp_path)))
    assert isinstance(simulated, SimulatedConnection)
    assert isinstance(create_connection(PrinterSection(kind="file", path="/x")), FileConnection)
    cups = create_connection(PrinterSection(kind="cups", name="tm"))
    assert isinstance(cups, SpoolerConnection)
    assert cups.read_status() is PrinterStatus.unknown


def test_missing_optional_driver_is_a_clear_printer_error() -> None:
    # pyserial is not installed here: the serial connector must say so, not crash.
    connection = create_connection(PrinterSection(kind="serial", device="/dev/ttyUSB9"))
    try:
        import serial  # noqa: F401
    except ImportError:
        with pytest.raises(PrinterError) as caught:
            connection.write(b"x")
        assert caught.value.reason == "unavailable"
        assert connection.read_status() is PrinterStatus.offline
    else:
        with pytest.raises(PrinterError):
            connection.write(b"x")


def test_preview_is_paper_wide() -> None:
    layout = sample_layout("receipt", hospital_name="医院", language="zh_CN")
    assert render_image(layout, PAPER_58).width == 384
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(preview_png(layout, PAPER_58))) as image:
        assert image.width == 384
        assert image.height > 300


def test_escpos_import_keeps_logging_and_caches_in_app_cache_dir(tmp_path: Path) -> None:
    code = (
        "import logging, os\n"
        "from kiosk.devices.printing.escpos_import import import_escpos\n"
        "import_escpos()\n"
        "from kiosk.config import app_cache_dir\n"
        "print(logging.getLogger().handlers)\n"
        "print(sorted(os.listdir(app_cache_dir() / 'escpos')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    handlers, files = result.stdout.splitlines()
    assert handlers == "[]"
    assert files.endswith(".capabilities.pickle']")
    assert result.stderr == ""
