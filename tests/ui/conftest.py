"""A real kiosk on the live demo server, and a finger to tap it (see ``tests.helpers.ui``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.server.embedded import EmbeddedServer
from tests.helpers.ui import Touch, build_kiosk


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    path = tmp_path / "spool"
    path.mkdir()
    return path


@pytest.fixture
def kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> Iterator[Kiosk]:
    built = build_kiosk(qapp, live_server, spool)
    qtbot.addWidget(built.window)
    built.window.resize(1920, 1080)
    built.window.show()
    qtbot.waitExposed(built.window)
    # Up, as a patient finds it: the services' screens are built after the first frame.
    qtbot.waitUntil(lambda: len(built.views) == len(built.journeys), timeout=10000)
    yield built
    built.shutdown()
    built.translations.switch_to("en")


@pytest.fixture
def touch(kiosk: Kiosk, qtbot: QtBot) -> Touch:
    return Touch(kiosk, qtbot)
