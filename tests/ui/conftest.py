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
def unshown_kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, spool: Path
) -> Iterator[Kiosk]:
    """A started kiosk whose window has not been shown (nor painted) yet."""
    built = build_kiosk(qapp, live_server, spool)
    qtbot.addWidget(built.window)
    built.window.resize(1920, 1080)
    yield built
    built.shutdown()
    built.translations.switch_to("en")


@pytest.fixture
def kiosk(unshown_kiosk: Kiosk, qtbot: QtBot) -> Kiosk:
    unshown_kiosk.window.show()
    qtbot.waitExposed(unshown_kiosk.window)
    # Up, as a patient finds it: the services' screens are built after the first frame.
    qtbot.waitUntil(lambda: len(unshown_kiosk.views) == len(unshown_kiosk.journeys), timeout=10000)
    return unshown_kiosk


@pytest.fixture
def touch(kiosk: Kiosk, qtbot: QtBot) -> Touch:
    return Touch(kiosk, qtbot)
