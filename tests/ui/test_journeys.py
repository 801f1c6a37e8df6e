"""The patient journeys through the real window: real clicks, the real server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.flows.idle import IdleWatcher
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.executors import ManualExecutor
from tests.helpers.ui import Touch, build_kiosk, type_on_keypad, visible_texts


def test_keypad_check_in_prints_a_ticket(touch: Touch, kiosk: Kiosk, spool: Path) -> None:
    touch("home.checkin")
    type_on_keypad(touch, "11010519491231002X")
    assert touch.text("keypad.display") == "1101**********002X"
    touch("identify.submit")
    touch.wait_for(Step.appointments)
    assert "王*英" in touch.text("appointments.heading")
    taps_before_ticket = touch.taps
    touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)
    assert touch.taps - taps_before_ticket == 1
    assert kiosk.flow.ticket is not None
    assert touch.text("ticket.number") == kiosk.flow.ticket.number
    assert touch.text("ticket.ahead") == str(kiosk.flow.ticket.people_ahead)
    touch.qtbot.waitUntil(lambda: any(spool.glob("*.bin")), timeout=5000)
    touch("ticket.done")
    touch.wait_for(Step.home)


def test_demo_card_to_ticket_in_two_taps(touch: Touch) -> None:
    touch("home.checkin")
    touch.taps = 0
    touch("identify.demo.one_in_window")  # stands in for the card scan
    touch.wait_for(Step.appointments)
    touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)
    assert touch.taps == 2


@pytest.mark.parametrize(
    ("scenario", "title"),
    [
        ("too_early", "签到时间未到"),
        ("too_late", "签到已截止"),
        ("cancelled", "预约已取消"),
    ],
)
def test_refusals_have_their_own_message(touch: Touch, scenario: str, title: str) -> None:
    """Nothing can be checked in now: the message comes at once, without a tap."""
    touch("home.checkin")
    touch(f"identify.demo.{scenario}")
    touch.wait_for(Step.notice)
    if scenario == "too_early":  # the time it opens is the title, and says it all
        assert touch.text("notice.body") == title
        assert touch.text("notice.title").endswith("起可签到。")
    else:
        assert touch.text("notice.title") == title
    assert touch.text("notice.next_step")
    touch("notice.back")
    touch.wait_for(Step.appointments)
    assert touch.kiosk.window.find_button("appointments.checkin.0") is None


def test_already_checked_in_offers_a_reprint(touch: Touch, spool: Path) -> None:
    touch("home.checkin")
    touch("identify.demo.already_checked_in")
    touch.wait_for(Step.appointments)
    touch("appointments.ticket.0")
    touch.wait_for(Step.ticket)
    assert touch.text("ticket.heading") == "您已签到，您的排队号是"
    assert list(spool.glob("*.bin")) == []
    touch("ticket.reprint")
    touch.qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)


def test_two_appointments_the_same_day(touch: Touch) -> None:
    touch("home.checkin")
    touch("identify.demo.two_today")
    touch.wait_for(Step.appointments)
    for index in (0, 1):
        button = touch.kiosk.window.findChild(QPushButton, f"appointments.checkin.{index}")
        assert button is not None
        assert button.isVisible()


def test_not_found_then_try_again(touch: Touch) -> None:
    touch("home.checkin")
    type_on_keypad(touch, "13000000000")
    touch("identify.submit")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "未找到您的信息"
    touch("notice.retry")
    touch.wait_for(Step.identify)


def test_bad_checksum_is_caught_on_the_kiosk(touch: Touch) -> None:
    touch("home.checkin")
    type_on_keypad(touch, "110105194912310021")
    touch("identify.submit")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "请核对号码"


def test_language_switch_is_live_mid_visit(touch: Touch) -> None:
    touch("home.language")
    assert touch.text("home.title") == "Welcome"
    touch("home.checkin")
    touch("identify.demo.too_late")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "Check-in has closed"
    touch("notice.home")
    touch.wait_for(Step.home)
    assert touch.text("home.title") == "欢迎", "the next patient starts in the default language"


def test_idle_countdown_more_time_and_wipe(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    kiosk = build_kiosk(qapp, live_server, spool, idle=IdleWatcher(0.05, 1))
    qtbot.addWidget(kiosk.window)
    kiosk.window.resize(1080, 1920)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        touch("home.checkin")
        touch("identify.demo.one_in_window")
        touch.wait_for(Step.appointments)
        overlay = kiosk.view.countdown
        for _ in range(10):
            qtbot.waitUntil(overlay.isVisible, timeout=3000)
            touch("idle.more_time")
            assert not overlay.isVisible()
        assert kiosk.flow.step == Step.appointments
        qtbot.waitUntil(lambda: kiosk.flow.step == Step.home, timeout=5000)
        assert not overlay.isVisible()
        leftovers = [t for t in visible_texts(kiosk.window) if "王" in t or "1101" in t]
        assert leftovers == []
        assert kiosk.view.today.findChildren(QLabel, "appointment.0.department") == []
    finally:
        kiosk.shutdown()
        kiosk.translations.switch_to("en")


def test_late_answer_after_wipe_is_dropped(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    network = ManualExecutor()
    kiosk = build_kiosk(qapp, live_server, spool, executor=network)
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        touch("home.checkin")
        touch("identify.demo.one_in_window")
        assert kiosk.flow.step == Step.looking_up
        kiosk.flow.go_home()  # as the idle timeout or "stop waiting" would
        network.run_all()
        assert kiosk.flow.step == Step.home
        assert kiosk.flow.patient is None
        assert not kiosk.view.busy.isVisible()
    finally:
        kiosk.shutdown()
        kiosk.translations.switch_to("en")


def test_busy_overlay_appears_after_300_ms_and_offers_a_way_out(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    network = ManualExecutor()
    kiosk = build_kiosk(qapp, live_server, spool, executor=network)
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        touch("home.checkin")
        touch("identify.demo.one_in_window")
        busy = kiosk.view.busy
        assert not busy.isVisible()
        qtbot.waitUntil(busy.isVisible, timeout=2000)
        assert not busy.cancel.isVisible()
        busy._cancel_timer.setInterval(0)  # do not wait 10 s in a test
        busy._cancel_timer.start()
        qtbot.waitUntil(busy.cancel.isVisible, timeout=2000)
        touch("busy.cancel")
        assert kiosk.flow.step == Step.home
        network.run_all()
        assert kiosk.flow.step == Step.home
    finally:
        kiosk.shutdown()
        kiosk.translations.switch_to("en")


def test_every_touch_target_is_named_and_big_enough(kiosk: Kiosk, touch: Touch) -> None:
    """Automation finds every button by objectName; screen readers by accessibleName."""
    touch("home.checkin")
    touch("identify.demo.two_today")
    touch.wait_for(Step.appointments)
    for button in kiosk.window.findChildren(QPushButton):
        assert button.objectName(), button.text()
        assert button.accessibleName(), button.objectName()
        if button.isVisible():
            assert button.height() >= 60, button.objectName()
            assert button.width() >= 60, button.objectName()


def test_large_text_makes_targets_at_least_96_px(kiosk: Kiosk, touch: Touch) -> None:
    touch("home.large_text")
    touch("home.checkin")
    touch.qtbot.wait(50)
    for button in kiosk.view.identify.findChildren(QPushButton):
        if button.isVisible():
            assert button.height() >= 96, button.objectName()
    body = kiosk.view.identify.way_labels[0].font().pixelSize()
    assert body >= 28 * 1.5


def test_large_text_reaches_later_screens_and_ends_with_the_visit(
    kiosk: Kiosk, touch: Touch
) -> None:
    """Screens are restyled when shown, not all at once: each must still get the mode."""
    header = kiosk.window.header
    touch("home.large_text")
    touch.qtbot.wait(20)
    assert header.repeat.height() >= 96  # what is on show changes at once
    touch("home.checkin")
    touch("identify.back")
    touch.wait_for(Step.home)
    touch.qtbot.wait(20)
    assert not kiosk.view.large_text
    assert header.repeat.height() < 96
    touch("home.checkin")  # the identify screen was restyled large; now it is shown normal
    touch.qtbot.wait(20)
    assert kiosk.view.identify.way_labels[0].font().pixelSize() == 28
    digit = kiosk.view.identify.findChild(QPushButton, "keypad.digit1")
    assert digit is not None
    assert digit.height() < 96


def test_touch_events_work_like_clicks(kiosk: Kiosk, qtbot: QtBot) -> None:
    from PySide6.QtGui import QPointingDevice
    from PySide6.QtTest import QTest

    device = QTest.createTouchDevice(QPointingDevice.DeviceType.TouchScreen)
    tile = kiosk.window.findChild(QPushButton, "home.checkin")
    assert tile is not None
    centre = tile.mapTo(kiosk.window, tile.rect().center())
    QTest.touchEvent(kiosk.window, device).press(0, centre).commit()
    QTest.touchEvent(kiosk.window, device).release(0, centre).commit()
    qtbot.waitUntil(lambda: kiosk.flow.step == Step.identify, timeout=2000)


def scan(qtbot: QtBot, window: QWidget, text: str) -> None:
    """A keyboard-wedge scanner: its keys back to back, then Enter (as a USB scanner's
    reports arrive). Not 8 ms apart with the event loop running in between: on a loaded
    machine one such wait can outlast the reader's 50 ms gap, and the scan is taken for a
    person typing (the reader's timing itself is tested with its injectable clock)."""
    for char in text:
        qtbot.keyClick(window, char)
    qtbot.keyClick(window, Qt.Key.Key_Return)


def test_scanner_burst_on_home_starts_identification(kiosk: Kiosk, touch: Touch) -> None:
    scan(touch.qtbot, kiosk.window, "11010519491231002X")
    touch.wait_for(Step.appointments)
    touch("appointments.checkin.0")
    touch.wait_for(Step.ticket)


def test_scanner_burst_on_identify_with_digits_typed(kiosk: Kiosk, touch: Touch) -> None:
    touch("home.checkin")
    type_on_keypad(touch, "1380")
    scan(touch.qtbot, kiosk.window, "EHC:demo-0002-2b8e41")
    touch.wait_for(Step.appointments)
    assert len(kiosk.flow.appointments) == 2


def test_unreadable_scan_says_so(kiosk: Kiosk, touch: Touch) -> None:
    touch("home.checkin")
    scan(touch.qtbot, kiosk.window, "110105194912310021")
    touch.wait_for(Step.notice)
    assert touch.text("notice.title") == "无法读取卡片"


@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline"])
def test_printer_fault_keeps_the_ticket_on_screen_and_allows_a_reprint(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path, fault: str
) -> None:
    from kiosk.devices.printing.drivers import PrinterStatus

    connection = SimulatedConnection(spool)
    connection.set_status(PrinterStatus(fault))
    kiosk = build_kiosk(qapp, live_server, spool, printer_connection=connection)
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    touch = Touch(kiosk, qtbot)
    try:
        touch("home.checkin")
        touch("identify.demo.one_in_window")
        touch.wait_for(Step.appointments)
        touch("appointments.checkin.0")
        touch.wait_for(Step.ticket)
        qtbot.waitUntil(lambda: kiosk.flow.print_failure == fault, timeout=5000)
        assert "凭条未能打印" in touch.text("ticket.print_state")
        assert kiosk.flow.ticket is not None
        assert touch.text("ticket.number") == kiosk.flow.ticket.number
        assert kiosk.view.ticket.qr.data == kiosk.flow.ticket.status_url
        assert list(spool.glob("*.bin")) == []
        connection.set_status(PrinterStatus.ok)  # a technician refilled the paper
        touch("ticket.reprint")
        qtbot.waitUntil(lambda: len(list(spool.glob("*.bin"))) == 1, timeout=5000)
    finally:
        kiosk.shutdown()
