"""Home: "place your card" first and largest, then the service tiles with their pictograms,
then the language and large-text switches."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.assets import assets_dir
from kiosk.services import TRANSLATION_CONTEXT, Service
from kiosk.ui.screens.base import Screen, illustration
from kiosk.ui.widgets.basics import LayoutSizedButton, button, label, named


def tinted_icon(path: str, size: int, colour: QColor, ratio: float) -> QPixmap:
    """A one-colour SVG pictogram drawn in ``colour``, so it follows the theme's text colour."""
    return _tinted_icon(path, size, colour.rgba(), ratio)


# Drawn once per size and colour: switching large text on and off redraws no pictogram.
@functools.lru_cache(maxsize=64)
def _tinted_icon(path: str, size: int, rgba: int, ratio: float) -> QPixmap:
    colour = QColor.fromRgba(rgba)
    pixels = round(size * ratio)
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(path).render(painter, QRectF(0, 0, pixels, pixels))
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(image.rect(), colour)
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


class ServiceTile(LayoutSizedButton):
    """A service's tile: its pictogram, its name and what it is for.

    On a wide tile the pictogram stands left of both lines; on a narrow one (portrait, large
    text) it stands beside the name only and the second line takes the tile's whole width, so
    its words do not break inside a term.
    """

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.setObjectName(f"home.{service.name}")
        self.setProperty("role", "card-button")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)  # grows to fit its wrapped lines
        self.setSizePolicy(policy)
        self.service = service
        icon_file = assets_dir() / "icons" / f"{service.name}.svg"
        self._icon_path = str(icon_file) if icon_file.exists() else ""
        self.pictogram = named(QLabel(), f"home.{service.name}.pictogram")
        self.pictogram.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if not self._icon_path:  # hidden, not "shown": shown without a parent, it is a window
            self.pictogram.hide()
        self.title = label(f"home.{service.name}.title", "heading", wrap=True)
        self.detail = label(f"home.{service.name}.detail", "small", wrap=True)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(20, 14, 20, 14)
        self._grid.setHorizontalSpacing(16)
        self._grid.setVerticalSpacing(4)
        self._grid.setColumnStretch(1, 1)
        for part in (self.pictogram, self.title, self.detail):
            part.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self._narrow: bool | None = None
        self._drawn_icon: tuple[int, int, float] | None = None  # size, colour, pixel ratio
        self.set_narrow(narrow=False)

    def set_narrow(self, *, narrow: bool) -> None:
        if narrow == self._narrow:
            return
        self._narrow = narrow
        for part in (self.pictogram, self.title, self.detail):
            self._grid.removeWidget(part)
        self._grid.addWidget(self.pictogram, 0, 0, 1 if narrow else 2, 1)
        self._grid.addWidget(self.title, 0, 1)
        self._grid.addWidget(self.detail, 1, 0 if narrow else 1, 1, 2 if narrow else 1)
        # Narrow tiles keep their side margins small: every pixel keeps a term whole.
        self._grid.setContentsMargins(*((10, 12, 10, 12) if narrow else (20, 14, 20, 14)))

    def retranslate(self) -> None:
        title = QCoreApplication.translate(TRANSLATION_CONTEXT, self.service.title)
        detail = QCoreApplication.translate(TRANSLATION_CONTEXT, self.service.subtitle)
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)

    def refresh_icon(self) -> None:
        """Draw the pictogram in the title's colour and at a size that follows the text."""
        if not self._icon_path:
            return
        self.title.ensurePolished()
        colour = self.title.palette().color(QPalette.ColorRole.WindowText)
        size = round(1.5 * max(self.title.font().pixelSize(), 40))
        ratio = self.devicePixelRatioF()
        if self._drawn_icon == (size, colour.rgba(), ratio):
            return
        self._drawn_icon = (size, colour.rgba(), ratio)
        self.pictogram.setFixedSize(size, size)
        self.pictogram.setPixmap(tinted_icon(self._icon_path, size, colour, ratio))

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh_icon()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            self.refresh_icon()
        super().changeEvent(event)


THREE_COLUMNS_FROM_PX = 1600  # below it (1280×1024) a long English tile name would not fit


class HomeScreen(Screen):
    """Signals:
    service_chosen: the service name of the tile the patient touched.
    language_toggled: the patient asked for the other language.
    large_text_toggled: the patient switched large text on or off.
    """

    service_chosen = Signal(str)
    language_toggled = Signal()
    large_text_toggled = Signal()

    def __init__(self, services: Sequence[Service], parent: QWidget | None = None) -> None:
        super().__init__("home", parent)
        self.title = label("home.title", "title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # Most patients have a card: placing it is all they need to do, so this comes first
        # and largest; the tiles are for everyone else.
        self.prompt = named(QFrame(), "home.scan", "prompt")
        self._prompt_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.prompt)
        self._prompt_layout.setContentsMargins(32, 24, 32, 24)
        self._prompt_layout.setSpacing(24)
        self._picture = illustration("card.svg", 150)
        self._prompt_layout.addWidget(self._picture, 0, Qt.AlignmentFlag.AlignCenter)
        self.prompt_title = label("home.scan.title", "title", wrap=True)
        self.hint = label("home.hint", "hint", wrap=True)
        self.codes = label("home.scan.codes", "hint", wrap=True)
        words = QVBoxLayout()
        words.setSpacing(8)
        for line in (self.prompt_title, self.hint, self.codes):
            words.addWidget(line)
        self._prompt_layout.addLayout(words, 1)

        self.choose = label("home.choose", "hint", wrap=True)
        self._services = list(services)
        self.tiles: dict[str, ServiceTile] = {}
        self._tile_grid = QGridLayout()
        self._tile_grid.setSpacing(24)
        self._columns = 0
        for service in self._services:
            tile = ServiceTile(service)
            tile.setMinimumHeight(130 if len(self._services) > 4 else 220)
            tile.clicked.connect(lambda _=False, name=service.name: self.service_chosen.emit(name))
            self.tiles[service.name] = tile
        self._arrange(portrait=False, width=1920)

        self.language = button("home.language")
        self.language.clicked.connect(self.language_toggled)
        self.large_text = button("home.large_text")
        self.large_text.setCheckable(True)
        self.large_text.clicked.connect(self.large_text_toggled)
        switches = QHBoxLayout()
        switches.addWidget(self.language)
        switches.addStretch(1)
        switches.addWidget(self.large_text)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 16, 48, 16)
        layout.setSpacing(16)
        layout.addWidget(self.title)
        layout.addWidget(self.prompt)
        layout.addStretch(1)
        layout.addWidget(self.choose)
        layout.addLayout(self._tile_grid)
        layout.addStretch(1)
        layout.addLayout(switches)
        self.retranslate()

    def _arrange(self, *, portrait: bool, width: int) -> None:
        """Portrait: the card picture above its words, two columns of narrow tiles. Landscape:
        side by side, and three columns once there are more than four tiles and the screen is
        wide enough for them (1920×1080: six tiles and the switches fit without scrolling)."""
        three = not portrait and width >= THREE_COLUMNS_FROM_PX and len(self.tiles) > 4
        columns = 3 if three else 2
        self._prompt_layout.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        centred = Qt.AlignmentFlag.AlignHCenter if portrait else Qt.AlignmentFlag.AlignLeft
        for line in (self.prompt_title, self.hint, self.codes, self.choose):
            line.setAlignment(centred | Qt.AlignmentFlag.AlignVCenter)
        for tile in self.tiles.values():
            tile.set_narrow(narrow=portrait)
        if columns == self._columns:
            return
        self._columns = columns
        for tile in self.tiles.values():
            self._tile_grid.removeWidget(tile)
        for column in range(3):
            self._tile_grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, tile in enumerate(self.tiles.values()):
            self._tile_grid.addWidget(tile, index // columns, index % columns)

    def resizeEvent(self, event: QResizeEvent) -> None:
        window = self.window()
        self._arrange(portrait=window.height() > window.width(), width=window.width())
        super().resizeEvent(event)

    def instruction(self) -> str:
        return self.tr(
            "Welcome. Place your card on the reader below the screen, or show your code to the "
            "scanner, or choose a service. "
            "Use the arrow keys and Enter if you cannot see the screen."
        )

    def retranslate(self) -> None:
        self.title.setText(self.tr("Welcome"))
        self.prompt_title.setText(self.tr("Place your card on the reader"))
        self.hint.setText(self.tr("ID card, medical insurance card or hospital card"))
        self.codes.setText(
            self.tr("Or show your e-health card or medical insurance e-voucher QR code")
        )
        self.choose.setText(self.tr("No card? Choose a service:"))
        for tile in self.tiles.values():
            tile.retranslate()
        # The switch is labelled in the language it switches to, so anyone can find it.
        chinese = QLocale().language() == QLocale.Language.Chinese
        self.language.setText("English" if chinese else "中文")
        self.language.setAccessibleName(self.language.text())
        self.large_text.setText(self.tr("Large text"))
        self.large_text.setAccessibleName(self.large_text.text())
