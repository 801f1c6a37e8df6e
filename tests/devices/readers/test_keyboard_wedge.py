"""A keyboard-wedge scanner recognised by key timing, with real key events through Qt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind
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


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def send_keys(field: QWidget, clock: FakeClock, text: str, seconds_per_key: float) -> None:
    """Real QKeyEvents through the application, with time decided by the test."""
    for char in text:
        clock.now += seconds_per_key
        key = Qt.Key(ord(char.upper())) if char.isalnum() else Qt.Key.Key_unknown
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QCoreApplication.sendEvent(
                field, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, char)
            )


def send_enter(field: QWidget, clock: FakeClock, seconds: float) -> None:
    clock.now += seconds
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QCoreApplication.sendEvent(
            field, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
        )


@pytest.fixture
def clocked(qtbot: QtBot) -> Iterator[tuple[KeyboardWedgeReader, FakeClock]]:
    clock = FakeClock()
    wedge = KeyboardWedgeReader("scanner", DEFAULT_RULES, max_key_interval_ms=30, clock=clock)
    wedge.start()
    yield wedge, clock
    wedge.stop()


def test_fake_clock_scan_swallows_every_key(
    qtbot: QtBot, clocked: tuple[KeyboardWedgeReader, FakeClock], form: tuple[QWidget, QLineEdit]
) -> None:
    reader, clock = clocked
    _, field = form
    field.setFocus()
    with qtbot.waitSignal(reader.identifier_read, timeout=1000) as scanned:
        send_keys(field, clock, "HC10000001", 0.008)
        send_enter(field, clock, 0.008)
    assert scanned.args == [Identifier(IdentifierKind.patient_card, "HC10000001")]
    assert field.text() == ""


def test_fake_clock_person_then_scan_keeps_the_person_s_keys_once_and_in_order(
    qtbot: QtBot, clocked: tuple[KeyboardWedgeReader, FakeClock], form: tuple[QWidget, QLineEdit]
) -> None:
    reader, clock = clocked
    _, field = form
    field.setFocus()
    send_keys(field, clock, "ab", 0.005)  # two quick keys: held while undecided
    assert field.text() == ""
    send_keys(field, clock, "c", 0.2)  # the gap shows a person: a and b are given back first
    assert field.text() == "ab"
    with qtbot.waitSignal(reader.identifier_read, timeout=1000) as scanned:
        clock.now += 0.2
        send_keys(field, clock, "13800138000", 0.008)
        send_enter(field, clock, 0.008)
    assert scanned.args == [Identifier(IdentifierKind.phone, "13800138000")]
    assert field.text() == "abc"


def test_fake_clock_slow_burst_is_typing_and_enter_reaches_the_field(
    qtbot: QtBot, clocked: tuple[KeyboardWedgeReader, FakeClock], form: tuple[QWidget, QLineEdit]
) -> None:
    reader, clock = clocked
    _, field = form
    field.setFocus()
    returned: list[bool] = []
    field.returnPressed.connect(lambda: returned.append(True))
    with qtbot.assertNotEmitted(reader.identifier_read, wait=60):
        send_keys(field, clock, "HC10000001", 0.05)
        send_enter(field, clock, 0.05)
    assert field.text() == "HC10000001"
    assert returned == [True]


def test_fake_clock_short_fast_run_with_enter_is_given_back(
    qtbot: QtBot, clocked: tuple[KeyboardWedgeReader, FakeClock], form: tuple[QWidget, QLineEdit]
) -> None:
    reader, clock = clocked
    _, field = form
    field.setFocus()
    with qtbot.assertNotEmitted(reader.identifier_read, wait=60):
        send_keys(field, clock, "12", 0.005)
        send_enter(field, clock, 0.005)
    assert field.text() == "12"


def test_fake_clock_control_characters_in_a_burst_are_rejected(
    qtbot: QtBot, clocked: tuple[KeyboardWedgeReader, FakeClock], form: tuple[QWidget, QLineEdit]
) -> None:
    reader, clock = clocked
    _, field = form
    field.setFocus()
    with qtbot.waitSignal(reader.input_rejected, timeout=1000) as rejected:
        send_keys(field, clock, "EHC:" + "x" * 200, 0.004)
        send_enter(field, clock, 0.004)
    assert rejected.args == ["too_long"]
    assert field.text() == ""
