"""The services' screens are built after the home screen's first frame (issue 20's start-up),
or as soon as the visit leaves the home screen when a patient is quicker than that; building
them shows no window of their own (a widget shown before it has a parent is one)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.ui.feedback_view import FeedbackView
from kiosk.ui.first_visit_view import FirstVisitView
from kiosk.ui.screens.base import Screen
from tests.helpers.ui import build_kiosk


class WindowsShown(QObject):
    """Every top-level widget shown while installed on the application."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            if watched.isWindow():
                self.names.append(watched.objectName() or type(watched).__name__)
        return False


def screens(kiosk: Kiosk) -> list[QWidget]:
    return kiosk.window.findChildren(Screen)


def test_the_service_screens_come_after_the_first_frame(unshown_kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk = unshown_kiosk
    before = len(screens(kiosk))
    assert kiosk.views == {}

    kiosk.window.show()
    qtbot.waitUntil(lambda: len(kiosk.views) == len(kiosk.journeys), timeout=10000)

    assert set(kiosk.views) == set(kiosk.journeys) == {
        "registration", "payment", "reports", "receipts", "info", "feedback",
    }  # fmt: skip
    assert isinstance(kiosk.first_visit_view, FirstVisitView)
    assert len(screens(kiosk)) >= before + 12
    assert kiosk.flow.step == Step.home


def test_a_tile_chosen_before_the_first_frame_opens_its_screen(
    unshown_kiosk: Kiosk, qtbot: QtBot
) -> None:
    kiosk = unshown_kiosk
    assert kiosk.views == {}

    kiosk.flow.choose("feedback")  # what the tile's tap does

    view = kiosk.views["feedback"]
    assert isinstance(view, FeedbackView)
    assert kiosk.flow.step == Step.service
    assert kiosk.window.current_screen() is view.feedback
    kiosk.window.show()
    qtbot.waitExposed(kiosk.window)
    assert kiosk.window.current_screen() is view.feedback
    assert view.feedback.isVisible()


def test_views_are_built_once(unshown_kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk = unshown_kiosk
    kiosk.build_views()
    built = dict(kiosk.views)
    count = len(screens(kiosk))

    kiosk.window.show()
    qtbot.waitExposed(kiosk.window)
    qtbot.wait(50)  # the first frame's call has run
    kiosk.flow.choose("feedback")

    assert kiosk.views == built
    assert len(screens(kiosk)) == count


def test_building_the_views_shows_no_window_and_keeps_the_kiosk_active(
    unshown_kiosk: Kiosk, qtbot: QtBot, qapp: QApplication
) -> None:
    """A screen that showed a child before adding it to a layout flashed a window of its own
    and took the focus from the kiosk's window: the staff call's Cancel lost the keypad."""
    kiosk = unshown_kiosk
    spy = WindowsShown()
    qapp.installEventFilter(spy)
    try:
        kiosk.window.show()
        qtbot.waitExposed(kiosk.window)
        kiosk.window.activateWindow()
        qtbot.waitUntil(lambda: len(kiosk.views) == len(kiosk.journeys), timeout=10000)
        qtbot.wait(50)
    finally:
        qapp.removeEventFilter(spy)
    assert spy.names == ["window"]
    assert qapp.activeWindow() is kiosk.window


def test_building_the_kiosk_shows_no_window(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> None:
    spy = WindowsShown()
    qapp.installEventFilter(spy)
    try:
        built = build_kiosk(qapp, live_server, spool)
        qtbot.addWidget(built.window)
        built.build_views()
    finally:
        qapp.removeEventFilter(spy)
    built.shutdown()
    assert spy.names == [], spy.names
