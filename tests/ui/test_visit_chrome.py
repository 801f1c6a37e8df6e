"""What every screen of a visit shares: the idle countdown, "take your card" at the end of a
card visit, and the masked ID number on the identify screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.devices.readers.simulated import SimulatedReader
from kiosk.flows.idle import IdleWatcher
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.ui import Touch, build_kiosk, type_on_keypad, visible_texts

RESIDENT_ID = "11010519491231002X"  # 王*英 of the demo hospital, one appointment now


@pytest.fixture
def slow_idle_kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> Iterator[Kiosk]:
    """A kiosk whose countdown comes after 0.2 quiet seconds and lasts three."""
    built = build_kiosk(qapp, live_server, spool, idle=IdleWatcher(0.2, 3))
    qtbot.addWidget(built.window)
    built.window.resize(1080, 1920)
    built.window.show()
    qtbot.waitExposed(built.window)
    yield built
    built.shutdown()
    built.translations.switch_to("en")


def test_the_countdown_shows_the_seconds_left_and_a_touch_anywhere_removes_it(
    slow_idle_kiosk: Kiosk, qtbot: QtBot
) -> None:
    kiosk = slow_idle_kiosk
    touch = Touch(kiosk, qtbot)
    touch("home.checkin")
    touch("identify.demo.one_in_window")
    touch.wait_for(Step.appointments)
    overlay = kiosk.view.countdown
    assert not overlay.isVisible(), "nothing counts down while the patient is reading"
    qtbot.waitUntil(overlay.isVisible, timeout=3000)
    assert touch.text("idle.seconds") == "3 秒后返回首页"
    qtbot.waitUntil(lambda: touch.text("idle.seconds") == "2 秒后返回首页", timeout=3000)
    # A touch on the dimmed screen, away from the card and its buttons.
    qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=QPoint(20, overlay.height() - 20))
    assert not overlay.isVisible()
    assert kiosk.flow.step == Step.appointments
    qtbot.waitUntil(overlay.isVisible, timeout=3000)
    assert touch.text("idle.seconds") == "3 秒后返回首页", "the full countdown again"


def test_a_scan_at_the_reader_is_the_patient_too_and_removes_the_countdown(
    slow_idle_kiosk: Kiosk, qtbot: QtBot
) -> None:
    kiosk = slow_idle_kiosk
    touch = Touch(kiosk, qtbot)
    touch("home.checkin")
    touch("identify.demo.one_in_window")
    touch.wait_for(Step.appointments)
    overlay = kiosk.view.countdown
    qtbot.waitUntil(overlay.isVisible, timeout=3000)
    reader = next(r for r in kiosk.devices.readers if isinstance(r, SimulatedReader))
    reader.present("not a card")  # refused, and ignored on this screen, but someone is here
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=2000)
    assert kiosk.flow.step == Step.appointments


def test_home_on_the_countdown_ends_the_visit_at_once(slow_idle_kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk = slow_idle_kiosk
    touch = Touch(kiosk, qtbot)
    touch("home.checkin")
    type_on_keypad(touch, RESIDENT_ID)
    touch("identify.submit")
    touch.wait_for(Step.appointments)
    qtbot.waitUntil(kiosk.view.countdown.isVisible, timeout=3000)
    assert kiosk.window.find_button("idle.finish").text() == "返回首页"  # type: ignore[union-attr]
    touch("idle.finish")
    assert kiosk.flow.step == Step.home
    assert not kiosk.view.countdown.isVisible()
    assert not kiosk.view.take_card.isVisible(), "a typed number leaves no card behind"


def test_a_card_visit_ends_with_take_your_card(touch: Touch, kiosk: Kiosk, qtbot: QtBot) -> None:
    touch("home.checkin")
    touch("identify.demo.one_in_window")  # the demo's stand-in for an ID card on the reader
    touch.wait_for(Step.appointments)
    touch("appointments.home")
    touch.wait_for(Step.home)
    reminder = kiosk.view.take_card
    assert reminder.isVisible()
    assert touch.text("take_card.message") == "请取回您的卡片"
    # The next patient's first touch is not swallowed by it: the tile still opens.
    touch("home.checkin")
    assert not reminder.isVisible()
    assert kiosk.flow.step == Step.identify


def test_the_reminder_also_follows_an_idle_timeout_and_leaves_by_itself(
    slow_idle_kiosk: Kiosk, qtbot: QtBot
) -> None:
    kiosk = slow_idle_kiosk
    touch = Touch(kiosk, qtbot)
    kiosk.view.take_card._timer.setInterval(300)  # not ten seconds in a test
    touch("home.checkin")
    touch("identify.demo.one_in_window")
    touch.wait_for(Step.appointments)
    qtbot.waitUntil(lambda: kiosk.flow.step == Step.home, timeout=8000)
    assert kiosk.view.take_card.isVisible()
    qtbot.waitUntil(lambda: not kiosk.view.take_card.isVisible(), timeout=3000)


def test_a_typed_number_visit_ends_without_the_card_reminder(touch: Touch, kiosk: Kiosk) -> None:
    touch("home.checkin")
    type_on_keypad(touch, RESIDENT_ID)
    touch("identify.submit")
    touch.wait_for(Step.appointments)
    touch("appointments.home")
    touch.wait_for(Step.home)
    assert not kiosk.view.take_card.isVisible()


def test_the_typed_id_is_masked_and_shown_whole_only_while_held(
    touch: Touch, kiosk: Kiosk, qtbot: QtBot
) -> None:
    touch("home.checkin")
    type_on_keypad(touch, "1101051949")
    assert touch.text("keypad.display") == "1101**1949", "the last digits typed stay checkable"
    type_on_keypad(touch, "1231002X")
    assert touch.text("keypad.display") == "1101**********002X"
    assert not [text for text in visible_texts(kiosk.window) if "19491231" in text]
    reveal = kiosk.window.find_button("keypad.reveal")
    assert reveal is not None
    assert reveal.isVisible()
    qtbot.mousePress(reveal, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert touch.text("keypad.display") == "110105 19491231 002X"
    qtbot.mouseRelease(reveal, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert touch.text("keypad.display") == "1101**********002X"
    touch("identify.submit")  # the flow gets the whole number, not what the screen shows
    touch.wait_for(Step.appointments)
    assert "王*英" in touch.text("appointments.heading")
