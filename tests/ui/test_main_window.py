"""The first window: hospital name, clock, locked against leaving."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import QApplication, QLabel
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
    moment = QDateTime(QDate(2026, 11, 23), QTime(9, 5))
    header = HeaderBar("示例医院", "Example Hospital", now=lambda: moment)
    qtbot.addWidget(header)
    header.refresh_clock()
    assert "09:05" in header.clock_label.text()


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
