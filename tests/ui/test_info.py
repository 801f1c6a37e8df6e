"""Information without identification: directory, a department's place and schedule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.flows.info import SCHEDULE_DAYS, InfoStep
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer


@pytest.fixture
def kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> Iterator[Kiosk]:
    built = Kiosk(demo_config(live_server.url, tmp_path / "spool"), qapp, clock=live_server.clock)
    qtbot.addWidget(built.window)
    built.window.resize(1080, 1920)
    built.window.show()
    yield built
    built.shutdown()


def tap(kiosk: Kiosk, qtbot: QtBot, name: str) -> None:
    target = kiosk.window.find_button(name)
    assert target is not None, name
    assert target.isVisible(), name
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


def test_directory_department_and_schedule(kiosk: Kiosk, qtbot: QtBot) -> None:
    tap(kiosk, qtbot, "home.info")
    qtbot.waitUntil(lambda: kiosk.info.step == InfoStep.directory, timeout=5000)
    assert kiosk.flow.step == Step.service
    assert kiosk.window.current_screen() is kiosk.info_view.directory
    assert len(kiosk.info.departments) >= 10
    tap(kiosk, qtbot, "directory.department.0")
    qtbot.waitUntil(lambda: kiosk.info.step == InfoStep.department, timeout=5000)
    screen = kiosk.info_view.department
    assert kiosk.window.current_screen() is screen
    assert len(kiosk.info.schedules) == SCHEDULE_DAYS
    assert "楼" in screen.location.text()
    assert screen.directions.text()
    days = screen.findChildren(QLabel, "department.day.0.sessions")
    assert days
    assert "·" in days[0].text()
    tap(kiosk, qtbot, "department.back")
    assert kiosk.window.current_screen() is kiosk.info_view.directory
    tap(kiosk, qtbot, "directory.home")
    assert kiosk.flow.step == Step.home
    assert kiosk.window.current_screen() is kiosk.view.home
    tiles = [
        b
        for b in kiosk.info_view.directory.findChildren(QPushButton)
        if b.objectName().startswith("directory.department")
    ]
    assert tiles == [], "the directory is wiped with the visit"


def test_idle_in_information_returns_home(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> None:
    from kiosk.flows.idle import IdleWatcher

    kiosk = Kiosk(
        demo_config(live_server.url, tmp_path / "spool"),
        qapp,
        idle=IdleWatcher(0.05, 1),
        clock=live_server.clock,
    )
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    try:
        tap(kiosk, qtbot, "home.info")
        qtbot.waitUntil(lambda: kiosk.info.step == InfoStep.directory, timeout=5000)
        qtbot.waitUntil(lambda: kiosk.flow.step == Step.home, timeout=5000)
        assert kiosk.info.departments == []
        assert kiosk.window.current_screen() is kiosk.view.home
    finally:
        kiosk.shutdown()


def test_backend_down_says_so(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    kiosk = Kiosk(demo_config("http://127.0.0.1:9", tmp_path / "spool"), qapp)
    qtbot.addWidget(kiosk.window)
    kiosk.window.show()
    try:
        tap(kiosk, qtbot, "home.info")
        qtbot.waitUntil(lambda: kiosk.info.step == InfoStep.failed, timeout=10000)
        assert kiosk.window.current_screen() is kiosk.view.notice
        tap(kiosk, qtbot, "notice.home")
        assert kiosk.window.current_screen() is kiosk.view.home
    finally:
        kiosk.shutdown()
