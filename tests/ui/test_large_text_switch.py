"""The large-text switch redraws no pictogram it drew before: switching back shows the very
pixmaps of the first drawing, and large text shows larger ones (``kiosk.ui.screens.home``)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from tests.helpers.ui import Touch


def pictograms(kiosk: Kiosk) -> dict[str, tuple[int, int]]:
    """Each tile's pictogram: its pixmap's identity and its width."""
    found = {}
    for label in kiosk.view.home.findChildren(QLabel):
        if label.objectName().endswith(".pictogram") and label.isVisible():
            pixmap = label.pixmap()
            found[label.objectName()] = (pixmap.cacheKey(), label.width())
    return found


def test_large_text_switched_off_shows_the_first_drawn_pictograms(
    kiosk: Kiosk, touch: Touch, qtbot: QtBot
) -> None:
    standard = pictograms(kiosk)
    assert len(standard) >= 4

    touch("home.large_text")
    qtbot.waitUntil(lambda: kiosk.view.large_text, timeout=5000)
    large = pictograms(kiosk)
    assert large.keys() == standard.keys()
    for name, (key, width) in large.items():
        assert key != standard[name][0], name
        assert width > standard[name][1], name

    touch("home.large_text")
    qtbot.waitUntil(lambda: not kiosk.view.large_text, timeout=5000)
    assert pictograms(kiosk) == standard
    touch("home.large_text")
    qtbot.waitUntil(lambda: kiosk.view.large_text, timeout=5000)
    assert pictograms(kiosk) == large
