"""Readers built from config sections; the simulated one feeds the parser."""

from __future__ import annotations

import sys

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import ConfigError, ReaderSection, parse_config
from kiosk.devices.parsing import DEFAULT_RULES
from kiosk.devices.readers import IdentificationSource, ReaderState, create_reader
from kiosk.devices.readers.command import CommandReader
from kiosk.devices.readers.keyboard import KeyboardWedgeReader
from kiosk.devices.readers.pcsc import PcscReader
from kiosk.devices.readers.serial import SerialReader
from kiosk.devices.readers.simulated import SimulatedReader


def test_keyboard_section(qtbot: QtBot) -> None:
    reader = create_reader(
        ReaderSection(kind="keyboard", name="front", max_key_interval_ms=30), DEFAULT_RULES
    )
    assert isinstance(reader, KeyboardWedgeReader)
    assert reader.name == "front"


def test_simulated_reader(qtbot: QtBot) -> None:
    reader = create_reader(ReaderSection(kind="simulated"), DEFAULT_RULES)
    assert isinstance(reader, SimulatedReader)
    with qtbot.waitSignal(reader.state_changed) as changed:
        reader.start()
    assert changed.args == ["ready"]
    with qtbot.waitSignal(reader.identifier_read) as read:
        reader.present("EHC:demo-0001-7f3a9c")
    assert read.args[0].value == "EHC:demo-0001-7f3a9c"
    with qtbot.waitSignal(reader.input_rejected) as rejected:
        reader.present("\x00garbage")
    assert rejected.args == ["unreadable"]
    reader.stop()
    assert reader.state == ReaderState.stopped


def test_serial_section(qtbot: QtBot) -> None:
    reader = create_reader(
        ReaderSection(kind="serial", device="/dev/ttyUSB9", baudrate=115200), DEFAULT_RULES
    )
    assert isinstance(reader, SerialReader)
    assert (reader.name, reader.kind, reader.device) == ("serial", "serial", "/dev/ttyUSB9")
    assert reader.state == ReaderState.stopped  # nothing is opened before start()


def test_bad_frame_pattern_is_refused_with_the_config(qtbot: QtBot) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "kiosk": {"id": "k1"},
                "backend": {"url": "http://127.0.0.1:9", "token": "t"},
                "readers": [{"kind": "serial", "device": "/dev/ttyUSB9", "frame_pattern": "(x"}],
            }
        )
    assert caught.value.problems[0].startswith("readers[0].frame_pattern: not a valid regular")


def test_command_section(qtbot: QtBot) -> None:
    section = ReaderSection(kind="command", name="sdk", command=("idcard-helper", "--json"))
    reader = create_reader(section, DEFAULT_RULES)
    assert isinstance(reader, CommandReader)
    assert reader.command == ("idcard-helper", "--json")


def test_pcsc_section_does_not_import_pyscard(qtbot: QtBot) -> None:
    reader = create_reader(ReaderSection(kind="pcsc", reader_name="ACR122U"), DEFAULT_RULES)
    assert isinstance(reader, PcscReader)
    assert reader.reader_name == "ACR122U"
    assert "smartcard" not in sys.modules


def test_every_reader_is_an_identification_source(qtbot: QtBot) -> None:
    source: IdentificationSource = create_reader(ReaderSection(kind="simulated"), DEFAULT_RULES)
    assert source.state == ReaderState.stopped


def test_simulated_reader_can_be_unplugged(qtbot: QtBot) -> None:
    reader = SimulatedReader("demo", DEFAULT_RULES)
    reader.start()
    with qtbot.waitSignal(reader.state_changed) as changed:
        reader.unplug()
    assert changed.args == ["disconnected"]
    with qtbot.assertNotEmitted(reader.identifier_read):
        reader.present("HC10000001")
    with qtbot.waitSignal(reader.state_changed) as changed:
        reader.plug_back()
    assert changed.args == ["ready"]
