"""A keyboard-wedge scanner recognised by key timing, with real key events through Qt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.devices.parsing import DEFAULT_RULES, Identifier
from kiosk.devices.readers.keyboard import KeyboardWedgeReader

SCANNER_MS_PER_KEY = 8
PERSON_MS_PER_KEY = 120


@pytest.fixture
def reader(qtbot: QtBot) -> Iterator[KeyboardWedgeReader]:
    wedge = KeyboardWedgeReader("scanner", DEFAULT_RULES, max_key_interval_ms=50)
    wedge.start()
    yield wedge
    wedge.stop()


@pytest.fixture
def form(qtbot: QtBot) -> tuple[QWidget, QLineEdit]:
    window = QWidget()
    field = QLineEdit()
    layout = QVBoxLayout(window)
    layout.addWidget(field)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, field


def type_keys(qtbot: QtBot, target: QWidget, text: str, ms_per_key: int, enter: bool) -> None:
    for char in text:
        qtbot.keyClick(target, char)
        qtbot.wait(ms_per_key)
    if enter:
        qtbot.keyClick(target, Qt.Key.Key_Return)


def test_burst_into_a_text_field_is_a_scan_and_leaves_the_field_alone(
    qtbot: QtBot, reader: KeyboardWedgeReader, form: tuple[QWidget, QLineEdit]
) -> None:
    _, field = form
    field.setFocus()
    with qtbot.waitSignal(reader.identifier_read, timeout=3000) as scanned:
        type_keys(qtbot, field, "11010519491231002X", SCANNER_MS_PER_KEY, enter=True)
    assert scanned.args == [Identifier(scanned.args[0].kind, "11010519491231002X")]
    qtbot.wait(100)
    assert field.text() == ""


def test_burst_outside_a_field(qtbot: QtBot, reader: KeyboardWedgeReader) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(reader.identifier_read, timeout=3000) as scanned:
        type_keys(qtbot, window, "HC10000001", SCANNER_MS_PER_KEY, enter=True)
    assert scanned.args[0].value == "HC10000001"


def test_a_person_typing_in_a_field_keeps_every_key_once(
    qtbot: QtBot, reader: KeyboardWedgeReader, form: tuple[QWidget, QLineEdit]
) -> None:
    _, field = form
    field.setFocus()
    with qtbot.assertNotEmitted(reader.identifier_read, wait=100):
        type_keys(qtbot, field, "hello 123", PERSON_MS_PER_KEY, enter=True)
    assert field.text() == "hello 123"


def test_short_fast_run_is_given_back(
    qtbot: QtBot, reader: KeyboardWedgeReader, form: tuple[QWidget, QLineEdit]
) -> None:
    _, field = form
    field.setFocus()
    with qtbot.assertNotEmitted(reader.identifier_read, wait=100):
        type_keys(qtbot, field, "ab", SCANNER_MS_PER_KEY, enter=False)
    qtbot.waitUntil(lambda: field.text() == "ab", timeout=1000)


def test_garbage_burst_is_rejected_politely(
    qtbot: QtBot, reader: KeyboardWedgeReader, form: tuple[QWidget, QLineEdit]
) -> None:
    _, field = form
    field.setFocus()
    with qtbot.waitSignal(reader.input_rejected, timeout=3000) as rejected:
        type_keys(qtbot, field, "!!??##**", SCANNER_MS_PER_KEY, enter=True)
    assert rejected.args == ["unknown_format"]
    assert field.text() == ""


def test_bad_checksum_burst(qtbot: QtBot, reader: KeyboardWedgeReader) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(reader.input_rejected, timeout=3000) as rejected:
        type_keys(qtbot, window, "110105194912310021", SCANNER_MS_PER_KEY, enter=True)
    assert rejected.args == ["bad_checksum"]


def test_stopped_reader_lets_keys_through(qtbot: QtBot, form: tuple[QWidget, QLineEdit]) -> None:
    wedge = KeyboardWedgeReader("scanner", DEFAULT_RULES)
    wedge.start()
    wedge.stop()
    _, field = form
    field.setFocus()
    type_keys(qtbot, field, "HC10000001", SCANNER_MS_PER_KEY, enter=True)
    assert field.text() == "HC10000001"
