"""Fonts and stylesheets: one .qss per theme in ``assets/themes``, scaled for large text."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from string import Template

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QImage, QPainter
from PySide6.QtWidgets import QApplication

from kiosk.assets import assets_dir, cjk_font_path

log = logging.getLogger(__name__)

BODY_PX = 28
LARGE_TEXT_SCALE = 1.6
THEMES = ("standard", "high_contrast")
# The bundled CJK font has one weight, so Qt draws bold by thickening glyphs; from 64 px up it
# draws glyphs as outlines, which are not thickened. Bold roles stay below that size.
SYNTHETIC_BOLD_MAX_PX = 63
BOLD_ROLES = ("title", "heading")
GLYPHS_PER_TURN = 8  # characters drawn at once while warming the glyphs: a few milliseconds
WARM_TURN_MS = 20


def register_fonts() -> str:
    """Register the bundled CJK font so Chinese renders on machines without one; its family."""
    font_id = QFontDatabase.addApplicationFont(str(cjk_font_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.error("could not load the bundled font %s", cjk_font_path())
        return QFont().family()
    return families[0]


def stylesheet(theme: str, *, large_text: bool) -> str:
    """The theme's stylesheet with sizes filled in (``$body``, ``$title``, ``$target``...)."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}")
    values = {name: str(px) for name, px in role_sizes(large_text=large_text).items()}
    text = (assets_dir() / "themes" / f"{theme}.qss").read_text(encoding="utf-8")
    return Template(text).substitute(values)


def role_sizes(*, large_text: bool) -> dict[str, int]:
    """The stylesheet's sizes in pixels: text roles and the touch target."""
    # Reading text and touch targets grow most; headings are already large and grow less, so
    # a screen still fits without scrolling.
    sizes = {
        "small": (BODY_PX, LARGE_TEXT_SCALE),  # secondary text: lighter colour, same size
        "body": (BODY_PX, LARGE_TEXT_SCALE),
        "button": (34, LARGE_TEXT_SCALE),
        "heading": (44, 1.2),
        "title": (56, 1.2),
        "huge": (140, 1.1),
        "target": (64, 1.5),
    }
    values = {
        name: round(px * (scale if large_text else 1.0)) for name, (px, scale) in sizes.items()
    }
    for role in BOLD_ROLES:
        values[role] = min(values[role], SYNTHETIC_BOLD_MAX_PX)
    return values


def large_text_fonts(family: str) -> list[QFont]:
    """The fonts of the large-text stylesheet's text roles (not ``huge``: a ticket number's
    digits, drawn on the ticket screen only)."""
    sizes = role_sizes(large_text=True)
    fonts = []
    for role, px in sizes.items():
        if role in ("target", "huge"):
            continue
        for bold in (False, True) if role in BOLD_ROLES else (False,):
            font = QFont(family)
            font.setPixelSize(px)
            font.setBold(bold)
            fonts.append(font)
    return fonts


class GlyphWarmer(QObject):
    """Draws characters in fonts off screen (``draw_glyphs``), a few at a time and only while
    ``idle()`` says nobody is using the kiosk, so no tap ever waits behind it."""

    def __init__(
        self,
        fonts: Sequence[QFont],
        characters: str,
        idle: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pieces = [
            (font, characters[start : start + GLYPHS_PER_TURN])
            for font in fonts
            for start in range(0, len(characters), GLYPHS_PER_TURN)
        ]
        self._idle = idle
        self._timer = QTimer(self, interval=WARM_TURN_MS)
        self._timer.timeout.connect(self._turn)

    @property
    def done(self) -> bool:
        return not self._pieces

    def start(self) -> None:
        self._timer.start()

    def _turn(self) -> None:
        if not self._idle():
            return
        if self._pieces:
            draw_glyphs(*self._pieces.pop(0))
        if not self._pieces:
            self._timer.stop()


def draw_glyphs(font: QFont, characters: str) -> None:
    """Draw ``characters`` once off screen in ``font``: Qt keeps the rasterized glyphs, so
    the next drawing of them on screen (the large-text switch) does not wait for it."""
    width = 1024
    rows = 1 + len(characters) * font.pixelSize() // width
    # Opaque like a window's backing store, so the glyphs are kept in the format it uses.
    image = QImage(width, 2 * font.pixelSize() * rows, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setFont(font)
    painter.drawText(image.rect(), Qt.TextFlag.TextWrapAnywhere, characters)
    painter.end()


def body_font(family: str, *, large_text: bool) -> QFont:
    font = QFont(family)
    font.setPixelSize(round(BODY_PX * (LARGE_TEXT_SCALE if large_text else 1.0)))
    return font


def apply_theme(app: QApplication, family: str, theme: str) -> None:
    """The theme for the whole application at standard sizes; set once, before any widget.

    Large text is a per-screen stylesheet instead (see ``KioskWindow.set_screen_style``):
    restyling the whole application stalls the GUI thread for about 250 ms.
    """
    app.setFont(body_font(family, large_text=False))
    app.setStyleSheet(stylesheet(theme, large_text=False))
