"""Readers built from config sections; the simulated one feeds the parser."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import ReaderSection
from kiosk.devices.parsing import DEFAULT_RULES
from kiosk.devices.readers import ReaderError, ReaderState, create_reader
from kiosk.devices.readers.keyboard import KeyboardWedgeReader
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


def test_unsupported_kind_is_a_clear_error(qtbot: QtBot) -> None:
    with pytest.raises(ReaderError, match="serial"):
        create_reader(ReaderSection(kind="serial", device="/dev/ttyUSB9"), DEFAULT_RULES)
