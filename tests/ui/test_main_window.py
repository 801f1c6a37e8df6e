"""The first window: hospital name, clock, locked against leaving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.config import KioskConfig, parse_config
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.widgets.header import HeaderBar


def make_config(language: str = "zh_CN") -> KioskConfig:
    return parse_config(
        {
            "kiosk": {"id": "k1", "language": language, "hospital_name_en": "First Hospital"},
            "backend": {"url": "http://127.0.0.1:9", "token": "t"},
        }
    )


@pytest.fixture
def kiosk(qapp: QApplication, qtbot: QtBot) -> Iterator[Kiosk]:
    built = Kiosk(make_config(), qapp)
    qtbot.addWidget(built.window)
    built.start()
    yield built
    built.shutdown()
    built.translations.switch_to("en")


def text_of(window: KioskWindow, name: str) -> str:
    found = window.findChild(QLabel, name)
    assert found is not None, name
    return found.text()


def test_a_kiosk_builds_without_showing(qapp: QApplication, qtbot: QtBot) -> None:
    built = Kiosk(make_config("en"), qapp)
    window = built.window
    qtbot.addWidget(window)
    try:
        assert not window.isVisible()
        assert text_of(window, "header.hospital") == "First Hospital"
    finally:
        built.shutdown()


def test_header_shows_hospital_and_time(kiosk: Kiosk) -> None:
    assert text_of(kiosk.window, "header.hospital") == "示例市第一人民医院"
    assert text_of(kiosk.window, "home.title") == "欢迎"


def test_clock_formats_per_language(qapp: QApplication, qtbot: QtBot) -> None:
    moment = dt.datetime(2026, 11, 23, 9, 5, tzinfo=dt.UTC)
    header = HeaderBar("示例医院", "Example Hospital", clock=lambda: moment)
    qtbot.addWidget(header)
    header.refresh_clock()
    assert "09:05" in header.clock_label.text()


def test_the_header_shows_the_kiosks_clock_not_the_wall_clock(
    qapp: QApplication, qtbot: QtBot
) -> None:
    demo_time = dt.datetime(2031, 5, 6, 8, 42, tzinfo=dt.UTC)
    built = Kiosk(make_config(), qapp, clock=lambda: demo_time)
    qtbot.addWidget(built.window)
    try:
        assert text_of(built.window, "header.clock") == "08:42\n2031年5月6日 星期二"
    finally:
        built.shutdown()
        built.translations.switch_to("en")


def test_in_portrait_every_control_is_within_reach(kiosk: Kiosk, qtbot: QtBot) -> None:
    """ADA 707: nothing to press in the top 15% of a floor-standing 1080×1920 screen, including
    controls added to the header later (call staff)."""
    added = kiosk.window.header.add_control("header.added")
    added.setText("+")
    window = kiosk.window
    window.resize(1080, 1920)
    window.show()
    qtbot.waitExposed(window)
    reach_line = round(0.15 * 1920)

    def tops_of_visible_controls() -> dict[str, int]:
        return {
            control.objectName(): control.mapTo(window, QPoint(0, 0)).y()
            for control in window.findChildren(QAbstractButton)
            if control.isVisible()
        }

    for step in ("home", "identify"):
        if step == "identify":
            kiosk.flow.choose("checkin")
        qtbot.waitUntil(lambda: window.bottom_bar.isVisible(), timeout=3000)
        tops = tops_of_visible_controls()
        assert {"header.repeat", "header.mute", "header.volume", "header.added"} <= set(tops)
        too_high = {name: top for name, top in tops.items() if top < reach_line}
        assert too_high == {}, step
        assert tops["header.added"] >= 1920 - window.bottom_bar.height()
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: not window.bottom_bar.isVisible(), timeout=3000)
    assert window.header.isAncestorOf(added), "landscape: the controls are back in the header"
    assert added.isVisible()


def test_a_scrolling_screen_says_there_is_more_below(qtbot: QtBot) -> None:
    window = KioskWindow(HeaderBar("示例医院", "Hospital"))
    qtbot.addWidget(window)
    tall, short = QLabel("tall"), QLabel("short")
    tall.setObjectName("tall")
    short.setObjectName("short")
    tall.setMinimumHeight(3000)
    window.add_screen(tall)
    window.add_screen(short)
    window.resize(1080, 1000)
    window.show_screen(tall)
    window.show()
    qtbot.waitExposed(window)
    hint = window.findChild(QLabel, "tall.scroll.more")
    assert hint is not None
    qtbot.waitUntil(hint.isVisible, timeout=2000)
    assert hint.text() == "↓ Scroll down for more"
    holder = window.screens.currentWidget()
    assert isinstance(holder, QScrollArea)
    holder.verticalScrollBar().setValue(holder.verticalScrollBar().maximum())
    assert not hint.isVisible(), "at the end there is nothing more"
    window.show_screen(short)
    short_hint = window.findChild(QLabel, "short.scroll.more")
    assert short_hint is not None
    assert not short_hint.isVisible()


def test_language_switch_is_live(kiosk: Kiosk) -> None:
    kiosk.translations.switch_to("en")
    assert text_of(kiosk.window, "home.title") == "Welcome"
    assert text_of(kiosk.window, "header.hospital") == "First Hospital"
    assert "Monday" in text_of(kiosk.window, "header.clock") or any(
        day in text_of(kiosk.window, "header.clock")
        for day in ("Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    )
    kiosk.translations.switch_to("zh_CN")
    assert text_of(kiosk.window, "home.title") == "欢迎"


@pytest.mark.parametrize(
    ("key", "modifier"),
    [
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    ],
)
def test_escape_keys_do_nothing(
    kiosk: Kiosk, qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier
) -> None:
    kiosk.window.show()
    qtbot.waitExposed(kiosk.window)
    qtbot.keyClick(kiosk.window, key, modifier)
    assert kiosk.window.isVisible()


def test_close_is_refused_until_allowed(kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk.window.show()
    qtbot.waitExposed(kiosk.window)
    assert kiosk.window.close() is False
    assert kiosk.window.isVisible()
    kiosk.window.allow_close()
    assert kiosk.window.close() is True


def test_a_screen_style_reaches_each_screen_when_it_is_shown(qtbot: QtBot) -> None:
    window = KioskWindow(HeaderBar("示例医院", "Hospital"))
    qtbot.addWidget(window)
    first, second = QLabel("first"), QLabel("second")
    window.add_screen(first)
    window.add_screen(second)
    window.show_screen(first)
    window.show()
    large = "QLabel { font-size: 50px; }"

    def size(label: QLabel) -> int:
        label.ensurePolished()
        return label.font().pixelSize()

    window.set_screen_style(large)
    assert size(first) == 50
    assert window.header.styleSheet() == large  # on show everywhere: at once
    assert size(second) != 50  # not restyled while out of sight...
    window.show_screen(second)
    assert size(second) == 50  # ...but before it is seen
    window.show_screen(first)
    window.set_screen_style("")
    assert size(first) != 50
    assert size(second) == 50
    window.show_screen(second)
    assert size(second) != 50
