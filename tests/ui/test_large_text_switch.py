"""The large-text switch redraws no pictogram it drew before: switching back shows the very
pixmaps of the first drawing, and large text shows larger ones (``kiosk.ui.screens.home``).
Its glyphs are drawn beforehand, while nobody uses the kiosk (``kiosk.ui.theme.GlyphWarmer``)."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.app import Kiosk
from kiosk.ui.theme import GlyphWarmer, large_text_fonts
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


def test_the_large_text_glyphs_are_drawn_while_the_kiosk_waits_on_home(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    qtbot.waitUntil(lambda: getattr(kiosk, "glyph_warmer", None) is not None, timeout=10000)
    qtbot.waitUntil(lambda: kiosk.glyph_warmer.done, timeout=30000)


def test_glyphs_wait_while_someone_uses_the_kiosk(qtbot: QtBot) -> None:
    in_use = [True]
    warmer = GlyphWarmer(large_text_fonts(QFont().family()), "签到取号", idle=lambda: not in_use[0])
    warmer.start()
    qtbot.wait(300)  # many turns of its timer
    assert not warmer.done
    in_use[0] = False
    qtbot.waitUntil(lambda: warmer.done, timeout=10000)
