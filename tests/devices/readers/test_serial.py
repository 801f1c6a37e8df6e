"""The serial reader against a real pseudo-terminal: reads, garbage, unplug and plug back.

The kiosk opens a symlink (as udev's ``/dev/serial/by-id/…`` names are); unplugging removes the
link and hangs up the terminal, plugging back makes a new terminal and points the link at it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind
from kiosk.devices.parsing import DEFAULT_RULES, Identifier
from kiosk.devices.readers.base import Backoff, ReaderState
from kiosk.devices.readers.serial import SerialReader


class PseudoSerialDevice:
    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
        self.slave = -1
        self.plug_in()

    def plug_in(self) -> None:
        self.master, self.slave = os.openpty()
        self.link.symlink_to(os.ttyname(self.slave))

    def unplug(self) -> None:
        self.link.unlink()
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.master >= 0:
            self.unplug()


@pytest.fixture
def device(tmp_path: Path) -> Iterator[PseudoSerialDevice]:
    pty = PseudoSerialDevice(tmp_path / "ttyKIOSK")
    yield pty
    pty.close()


def make_reader(device: PseudoSerialDevice, frame_pattern: str = "") -> SerialReader:
    return SerialReader(
        "serial",
        DEFAULT_RULES,
        device=str(device.link),
        baudrate=115200,
        frame_pattern=frame_pattern,
        retry_first_ms=20,
        retry_max_ms=80,
    )


@pytest.fixture
def reader(qtbot: QtBot, device: PseudoSerialDevice) -> Iterator[SerialReader]:
    serial = make_reader(device)
    with qtbot.waitSignal(serial.state_changed, timeout=1000) as changed:
        serial.start()
    assert changed.args == ["ready"]
    yield serial
    serial.stop()


def test_reads_a_line(qtbot: QtBot, reader: SerialReader, device: PseudoSerialDevice) -> None:
    with qtbot.waitSignal(reader.identifier_read, timeout=2000) as read:
        device.write(b"HC10000001\r\n")
    assert read.args == [Identifier(IdentifierKind.patient_card, "HC10000001")]


def test_frames_split_and_joined_across_writes(
    qtbot: QtBot, reader: SerialReader, device: PseudoSerialDevice
) -> None:
    values: list[str] = []
    reader.identifier_read.connect(lambda identifier: values.append(identifier.value))
    device.write(b"11010519491231")
    qtbot.wait(30)
    device.write(b"002x\r\nHC10000001\nSI11010500000001\r")
    qtbot.waitUntil(lambda: len(values) == 3, timeout=2000)
    assert values == ["11010519491231002X", "HC10000001", "SI11010500000001"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe\x80garbage\r\n", "unreadable"),
        (b"\x1b[2J\x07\r\n", "unreadable"),
        (b"hello world\n", "unknown_format"),
        (b"110105194912310021\r\n", "bad_checksum"),
        (b"7" * 600, "too_long"),
    ],
)
def test_garbage_is_rejected(
    qtbot: QtBot, reader: SerialReader, device: PseudoSerialDevice, data: bytes, reason: str
) -> None:
    with qtbot.waitSignal(reader.input_rejected, timeout=2000) as rejected:
        device.write(data)
    assert rejected.args == [reason]
    with qtbot.waitSignal(reader.identifier_read, timeout=2000):
        device.write(b"\nHC10000001\n")  # and the reader goes on reading


def test_regular_expression_framing(qtbot: QtBot, device: PseudoSerialDevice) -> None:
    reader = make_reader(device, frame_pattern=r"\x02(.*?)\x03")
    reader.start()
    values: list[str] = []
    rejections: list[str] = []
    reader.identifier_read.connect(lambda identifier: values.append(identifier.value))
    reader.input_rejected.connect(rejections.append)
    device.write(b"\x02HC1000")
    qtbot.wait(30)
    device.write(b"0001\x03noise\x02EHC:abc\x03\x02\x03")
    qtbot.waitUntil(lambda: len(values) == 2 and len(rejections) == 2, timeout=2000)
    assert values == ["HC10000001", "EHC:abc"]
    assert rejections == ["unknown_format", "unreadable"]
    reader.stop()


def test_unplugged_and_plugged_back(
    qtbot: QtBot, reader: SerialReader, device: PseudoSerialDevice
) -> None:
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        device.unplug()
    assert changed.args == ["disconnected"]
    assert reader.state == ReaderState.disconnected
    assert "ttyKIOSK" in reader.detail
    qtbot.wait(150)  # several attempts fail while it is gone
    assert reader.state == ReaderState.disconnected
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        device.plug_in()
    assert changed.args == ["ready"]
    with qtbot.waitSignal(reader.identifier_read, timeout=2000) as read:
        device.write(b"13800138000\r\n")
    assert read.args[0].value == "13800138000"


def test_absent_at_start_then_plugged_in(qtbot: QtBot, device: PseudoSerialDevice) -> None:
    device.unplug()
    reader = make_reader(device)
    with qtbot.waitSignal(reader.state_changed, timeout=1000) as changed:
        reader.start()
    assert changed.args == ["disconnected"]
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        device.plug_in()
    assert changed.args == ["ready"]
    reader.stop()


def test_stopped_reader_stops_retrying(qtbot: QtBot, device: PseudoSerialDevice) -> None:
    device.unplug()
    reader = make_reader(device)
    reader.start()
    reader.stop()
    assert reader.state == ReaderState.stopped
    device.plug_in()
    with qtbot.assertNotEmitted(reader.state_changed, wait=200):
        pass


def test_backoff_doubles_up_to_the_cap(qtbot: QtBot) -> None:
    backoff = Backoff(lambda: None)
    delays = []
    for _ in range(7):
        delays.append(backoff.next_delay_ms)
        backoff.schedule()
    assert delays == [500, 1000, 2000, 4000, 8000, 10_000, 10_000]
    backoff.reset()
    assert backoff.next_delay_ms == 500
    assert not backoff.is_pending()
