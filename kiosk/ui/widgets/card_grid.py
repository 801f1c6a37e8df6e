"""Cards in as many columns as leave every line of text room to read.

A fixed two-column grid squeezes a portrait screen in large text to a few characters a line
("门诊楼 2/楼 221室/外伤处/理…"). This grid counts how wide its cards' largest text is and
uses fewer columns when a column would be narrower than ``MIN_CHARACTERS`` of it; each card
keeps the height of its own content instead of stretching to its row's tallest.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractScrollArea, QGridLayout, QLabel, QWidget

MIN_CHARACTERS = 10  # the narrowest text column, in characters of its own font
WIDE_CHARACTER = "中"  # a full-width character: its advance is the font's em


def text_width_needed(card: QWidget, characters: int = MIN_CHARACTERS) -> int:
    """The width ``card`` needs so each of its labels gets ``characters`` of its own font."""
    labels = card.findChildren(QLabel)
    widest = 0
    for text in labels:
        text.ensurePolished()  # the stylesheet's font (large text) is known only then
        widest = max(widest, text.fontMetrics().horizontalAdvance(WIDE_CHARACTER))
    margins = card.contentsMargins()
    layout = card.layout()
    inner = layout.contentsMargins() if layout is not None else None
    frame = margins.left() + margins.right()
    if inner is not None:
        frame += inner.left() + inner.right()
    return characters * widest + frame


class CardGrid(QWidget):
    """Up to ``max_columns`` columns of cards, filled row by row."""

    def __init__(
        self,
        name: str,
        *,
        max_columns: int = 2,
        spacing: int = 16,
        characters: int = MIN_CHARACTERS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._max_columns = max_columns
        self._characters = characters
        self._cards: list[QWidget] = []
        self._columns = 0
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(spacing)
        # Measured again once the event loop has run: a style change (large text, or moving
        # into a screen with its own stylesheet) reaches this widget before its cards' labels.
        self._remeasure = QTimer(self, singleShot=True, interval=0)
        self._remeasure.timeout.connect(self._arrange)

    @property
    def columns(self) -> int:
        return self._columns

    def cards(self) -> list[QWidget]:
        return list(self._cards)

    def set_max_columns(self, columns: int) -> None:
        self._max_columns = columns
        self._arrange()

    def set_cards(self, cards: Sequence[QWidget]) -> None:
        """Show ``cards`` (the old ones are deleted)."""
        for card in self._cards:
            self._grid.removeWidget(card)
            card.setParent(None)
            card.deleteLater()
        self._cards = list(cards)
        for card in self._cards:
            card.setParent(self)
        self._arrange(force=True)
        for card in self._cards:
            card.show()  # now, not on the layout's queued event: a touch may come first

    def columns_for(self, width: int) -> int:
        if not self._cards:
            return 1
        # Room for the text (the cards are alike) and for the widest card's unwrappable parts.
        needed = max(
            text_width_needed(self._cards[0], self._characters),
            *(card.minimumSizeHint().width() for card in self._cards),
        )
        spacing = self._grid.horizontalSpacing()
        fitting = (width + spacing) // (needed + spacing)
        return max(1, min(self._max_columns, len(self._cards), fitting))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._remeasure.start()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (
            QEvent.Type.StyleChange,
            QEvent.Type.FontChange,
            QEvent.Type.ParentChange,
        ):
            self._remeasure.start()  # large text on or off: a width holds fewer characters

    def _arrange(self, *, force: bool = False) -> None:
        width = self._available_width()
        columns = self.columns_for(width)
        if columns == self._columns and not force:
            return
        self._columns = columns
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 0)
        for card in self._cards:
            self._grid.removeWidget(card)
        for index, card in enumerate(self._cards):
            # Top-aligned: a card is as tall as its own content, not its row's tallest.
            self._grid.addWidget(card, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
        for column in range(columns):
            self._grid.setColumnStretch(column, 1)
        rows = -(-len(self._cards) // columns)
        self._grid.setRowStretch(rows, 1)  # spare height below the last row, not between rows

    def _available_width(self) -> int:
        """Own width; inside a scroll area at most its viewport's (too many columns widen us)."""
        parent = self.parentWidget()
        if parent is None:
            return self.width()
        if self.width() <= 0:
            return parent.width()
        if isinstance(parent.parentWidget(), QAbstractScrollArea):
            return min(self.width(), parent.width())
        return self.width()
