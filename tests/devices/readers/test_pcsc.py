"""The PC/SC reader: unavailable without pyscard or pcscd, and the card path.

pyscard and pcscd cannot run here, so beyond the real "not installed" path a small stand-in for
the three pyscard names the reader uses plays the library; its card monitor calls the observer
from its own thread, as pyscard's does.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind
from kiosk.config import IdentifiersSection
from kiosk.devices.parsing import DEFAULT_RULES, Identifier, ParsingRules
from kiosk.devices.readers.base import ReaderState
from kiosk.devices.readers.pcsc import GET_UID, PcscReader

UID_RULES = ParsingRules.from_section(IdentifiersSection(patient_card_pattern=r"^[0-9A-F]{8}$"))


def test_without_pyscard_it_is_unavailable(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "smartcard", None)  # as on a kiosk without the extra
    reader = PcscReader("nfc", DEFAULT_RULES)
    with qtbot.waitSignal(reader.state_changed) as changed:
        reader.start()
    assert changed.args == ["unavailable"]
    assert "pyscard is not installed" in reader.detail
    reader.stop()
    assert reader.state == ReaderState.stopped


class FakeCard:
    def __init__(self, reader: str, uid: list[int] | None, fail: bool = False) -> None:
        self.reader = reader
        self._uid = uid
        self._fail = fail

    def createConnection(self) -> FakeCard:
        return self

    def connect(self) -> None:
        if self._fail:
            raise OSError("card removed")

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        assert apdu == GET_UID
        return (self._uid, 0x90, 0x00) if self._uid else ([], 0x6A, 0x81)

    def getATR(self) -> list[int]:
        return [0x3B, 0x8F, 0x80, 0x01]

    def disconnect(self) -> None:
        pass


class FakePyscard:
    def __init__(self) -> None:
        self.reader_names: list[str] = ["ACS ACR122U PICC Interface 00 00"]
        self.pcscd_running = True
        self.observers: list[Any] = []

    def readers(self) -> list[str]:
        if not self.pcscd_running:
            raise RuntimeError("Failed to establish context: Service not available.")
        return list(self.reader_names)

    def present(self, card: FakeCard) -> None:
        thread = threading.Thread(
            target=lambda: [observer.update(None, ([card], [])) for observer in self.observers]
        )
        thread.start()
        thread.join()


@pytest.fixture
def pyscard(monkeypatch: pytest.MonkeyPatch) -> FakePyscard:
    fake = FakePyscard()
    package = types.ModuleType("smartcard")
    system = types.ModuleType("smartcard.System")
    system.readers = fake.readers  # type: ignore[attr-defined]
    monitoring = types.ModuleType("smartcard.CardMonitoring")

    class CardObserver:
        pass

    class CardMonitor:
        def addObserver(self, observer: Any) -> None:
            fake.observers.append(observer)

        def deleteObserver(self, observer: Any) -> None:
            fake.observers.remove(observer)

    monitoring.CardObserver = CardObserver  # type: ignore[attr-defined]
    monitoring.CardMonitor = CardMonitor  # type: ignore[attr-defined]
    package.System = system  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "smartcard", package)
    monkeypatch.setitem(sys.modules, "smartcard.System", system)
    monkeypatch.setitem(sys.modules, "smartcard.CardMonitoring", monitoring)
    return fake


def test_without_pcscd_it_is_unavailable(qtbot: QtBot, pyscard: FakePyscard) -> None:
    pyscard.pcscd_running = False
    reader = PcscReader("nfc", DEFAULT_RULES, retry_first_ms=20)
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        reader.start()
    assert changed.args == ["unavailable"]
    assert "pcscd" in reader.detail
    pyscard.pcscd_running = True  # the service comes up: the retry finds it
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        pass
    assert changed.args == ["ready"]
    reader.stop()


def test_card_uid_becomes_a_patient_card(qtbot: QtBot, pyscard: FakePyscard) -> None:
    reader = PcscReader("nfc", UID_RULES, reader_name="ACR122U")
    with qtbot.waitSignal(reader.state_changed, timeout=2000):
        reader.start()
    assert reader.state == ReaderState.ready
    with qtbot.waitSignal(reader.identifier_read, timeout=2000) as read:
        pyscard.present(FakeCard("ACS ACR122U PICC Interface 00 00", [0x04, 0xA1, 0xB2, 0xC3]))
    assert read.args == [Identifier(IdentifierKind.patient_card, "04A1B2C3")]
    assert reader.last_atr == "3B8F8001"
    reader.stop()
    assert pyscard.observers == []


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        (FakeCard("ACS ACR122U", None), "unreadable"),  # no UID: a contact card
        (FakeCard("ACS ACR122U", [0x01, 0x02, 0x03, 0x04], fail=True), "unreadable"),
        (FakeCard("ACS ACR122U", [0x01, 0x02]), "unreadable"),
        (FakeCard("ACS ACR122U", [0x01, 0x02, 0x03, 0x04, 0x05]), "unknown_format"),
    ],
)
def test_unusable_cards_are_rejected(
    qtbot: QtBot, pyscard: FakePyscard, card: FakeCard, reason: str
) -> None:
    reader = PcscReader("nfc", UID_RULES)
    with qtbot.waitSignal(reader.state_changed, timeout=2000):
        reader.start()
    with qtbot.waitSignal(reader.input_rejected, timeout=2000) as rejected:
        pyscard.present(card)
    assert rejected.args == [reason]
    reader.stop()


def test_reader_unplugged_and_back(qtbot: QtBot, pyscard: FakePyscard) -> None:
    reader = PcscReader("nfc", UID_RULES, check_interval_ms=20, retry_first_ms=20)
    with qtbot.waitSignal(reader.state_changed, timeout=2000):
        reader.start()
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        pyscard.reader_names = []
    assert changed.args == ["disconnected"]
    assert "no PC/SC reader" in reader.detail
    with qtbot.waitSignal(reader.state_changed, timeout=2000) as changed:
        pyscard.reader_names = ["Identiv uTrust 3700 F"]
    assert changed.args == ["ready"]
    reader.stop()
