""" "Scroll down for more": a hint over the bottom edge of a scrolling area while content is
hidden below it, so a patient knows a list goes on."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel

from kiosk.ui.widgets.basics import named

EDGE_GAP_PX = 12


class ScrollHint(QLabel):
    """Floats at the bottom centre of ``area``; shown only while the area can scroll down.

    It ignores touches, so a list item under it can still be pressed, and it hides itself once
    the patient has reached the end.
    """

    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__(area)
        named(self, f"{area.objectName() or 'scroll'}.more", "scroll-hint")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._area = area
        bar = area.verticalScrollBar()
        bar.rangeChanged.connect(lambda _low, _high: self.refresh())
        bar.valueChanged.connect(lambda _value: self.refresh())
        area.installEventFilter(self)
        self._retranslate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._area and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.refresh()
        return False

    def refresh(self) -> None:
        bar = self._area.verticalScrollBar()
        more_below = bar.value() < bar.maximum()
        if more_below:
            self.adjustSize()
            viewport = self._area.viewport().geometry()
            self.move(
                viewport.center().x() - self.width() // 2,
                viewport.bottom() - self.height() - EDGE_GAP_PX,
            )
            self.raise_()
        self.setVisible(more_below)

    def _retranslate(self) -> None:
        self.setText("↓ " + self.tr("Scroll down for more"))
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
