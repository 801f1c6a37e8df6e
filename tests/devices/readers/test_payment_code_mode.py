"""While the payment code is asked for, a scanner hands on what it read as a payment code:
real key events through a keyboard-wedge scanner, and the simulated reader of the demo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.api.payment_codes import EXAMPLE_CODES, ChargeOutcome
from kiosk.devices.parsing import DEFAULT_RULES
from kiosk.devices.readers.keyboard import KeyboardWedgeReader
from kiosk.devices.readers.simulated import SimulatedReader
from tests.devices.readers.test_keyboard_wedge import SCANNER_MS_PER_KEY, type_keys

# A resident ID: an identifier outside the mode, handed on untouched within it (18-digit IDs
# starting 11–15 have the shape of a WeChat payment code, so only the mode tells them apart).
LOOKS_LIKE_AN_ID = "11010519491231002X"


@pytest.fixture
def wedge(qtbot: QtBot) -> Iterator[KeyboardWedgeReader]:
    reader = KeyboardWedgeReader("scanner", DEFAULT_RULES, max_key_interval_ms=50)
    reader.start()
    yield reader
    reader.stop()


def test_a_scanned_payment_code_is_handed_on_not_parsed(
    qtbot: QtBot, wedge: KeyboardWedgeReader
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    identifiers: list[object] = []
    wedge.identifier_read.connect(identifiers.append)
    wedge.read_payment_codes(True)
    code = EXAMPLE_CODES[ChargeOutcome.charged]
    with qtbot.waitSignal(wedge.payment_code_read, timeout=3000) as scanned:
        type_keys(qtbot, window, code, SCANNER_MS_PER_KEY, enter=True)
    assert scanned.args == [code]
    # Back to identifiers: the same kind of burst is an ID card again.
    wedge.read_payment_codes(False)
    with qtbot.waitSignal(wedge.identifier_read, timeout=3000):
        type_keys(qtbot, window, LOOKS_LIKE_AN_ID, SCANNER_MS_PER_KEY, enter=True)
    assert len(identifiers) == 1


def test_the_simulated_reader_presents_payment_codes(qtbot: QtBot) -> None:
    reader = SimulatedReader("demo", DEFAULT_RULES)
    reader.start()
    codes: list[str] = []
    identifiers: list[object] = []
    reader.payment_code_read.connect(codes.append)
    reader.identifier_read.connect(identifiers.append)
    reader.read_payment_codes(True)
    reader.present(f" {LOOKS_LIKE_AN_ID}\r\n")
    reader.present("not a code")  # handed on as well: the payment flow explains it
    assert codes == [LOOKS_LIKE_AN_ID, "not a code"]
    assert identifiers == []
