"""Home: hospital welcome, service tiles, how to identify, language and large-text switches."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.services import TRANSLATION_CONTEXT, Service
from kiosk.ui.screens.base import Screen, illustration
from kiosk.ui.widgets.basics import CardButton, button, label, named


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
        self._services = list(services)
        self.tiles: dict[str, CardButton] = {}
        self._tile_grid = QGridLayout()
        self._tile_grid.setSpacing(24)
        self._columns = 0
        for service in self._services:
            tile = CardButton(f"home.{service.name}", centred=True)
            tile.setMinimumHeight(150 if len(self._services) > 4 else 220)
            tile.clicked.connect(lambda _=False, name=service.name: self.service_chosen.emit(name))
            self.tiles[service.name] = tile
        self._arrange_tiles(2)

        hint_card = named(QFrame(), "home.scan", "card")
        hint_layout = QHBoxLayout(hint_card)
        hint_layout.setContentsMargins(32, 24, 32, 24)
        hint_layout.addWidget(illustration("card.svg", 120))
        self.hint = label("home.hint", "hint", wrap=True)
        hint_layout.addWidget(self.hint, 1)

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
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(24)
        layout.addWidget(self.title)
        layout.addStretch(1)
        layout.addLayout(self._tile_grid)
        layout.addStretch(1)
        layout.addWidget(hint_card)
        layout.addLayout(switches)
        self.retranslate()

    def _arrange_tiles(self, columns: int) -> None:
        """Two columns in portrait; three in landscape once there are more than four tiles, so
        six tiles and the switches below them fit a 1920×1080 screen even in large text."""
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
        landscape = event.size().width() > event.size().height()
        self._arrange_tiles(3 if landscape and len(self.tiles) > 4 else 2)
        super().resizeEvent(event)

    def instruction(self) -> str:
        return self.tr(
            "Welcome. Scan your card or code below the screen, or choose a service. "
            "Use the arrow keys and Enter if you cannot see the screen."
        )

    def retranslate(self) -> None:
        self.title.setText(self.tr("Welcome"))
        for service in self._services:
            self.tiles[service.name].set_lines(
                QCoreApplication.translate(TRANSLATION_CONTEXT, service.title),
                QCoreApplication.translate(TRANSLATION_CONTEXT, service.subtitle),
            )
        self.hint.setText(
            self.tr(
                "Scan your ID card, medical insurance card, hospital card or e-health code "
                "at the reader below the screen to begin."
            )
        )
        # The switch is labelled in the language it switches to, so anyone can find it.
        chinese = QLocale().language() == QLocale.Language.Chinese
        self.language.setText("English" if chinese else "中文")
        self.language.setAccessibleName(self.language.text())
        self.large_text.setText(self.tr("Large text"))
        self.large_text.setAccessibleName(self.large_text.text())
