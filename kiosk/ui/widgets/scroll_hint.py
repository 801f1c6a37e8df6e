""" "Scroll down for more": a hint under a scrolling area while content is hidden below it, so
a patient knows a list goes on."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel

from kiosk.ui.widgets.basics import named

GAP_PX = 6
MARGIN_ONLY_PX = 40  # hidden but only a screen's bottom margin: nothing to scroll for


class ScrollHint(QLabel):
    """Sits in a band below ``area``'s viewport, shown only while the area can scroll down.

    The band is taken from the viewport (its bottom margin) while the hint shows, so the hint
    never covers a control; once the patient reaches the end, hint and band are gone.
    """

    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__(area)
        named(self, f"{area.objectName() or 'scroll'}.more", "scroll-hint")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._area = area
        self._refreshing = False
        bar = area.verticalScrollBar()
        bar.rangeChanged.connect(lambda _low, _high: self.refresh())
        bar.valueChanged.connect(lambda _value: self.refresh())
        area.installEventFilter(self)
        self.hide()
        self._retranslate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._area and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.refresh()
        return False

    def refresh(self) -> None:
        # Taking or giving back the band changes the scroll range, which calls this again:
        # those nested calls are skipped and the placing repeats here until it holds (the
        # range can also jump while a layout settles).
        if self._refreshing:
            return
        self._refreshing = True
        try:
            for _ in range(3):
                if not self._place():
                    break
        finally:
            self._refreshing = False

    def _place(self) -> bool:
        """Show or hide the hint and its band; whether anything changed."""
        bar = self._area.verticalScrollBar()
        margins = self._area.viewportMargins()
        # Judged as if there were no band, so taking it cannot change the verdict.
        hidden_below = bar.maximum() - bar.value() - margins.bottom()
        more_below = hidden_below > MARGIN_ONLY_PX
        self.adjustSize()
        band = self.height() + 2 * GAP_PX if more_below else 0
        changed = margins.bottom() != band
        if changed:
            margins.setBottom(band)
            self._area.setViewportMargins(margins)
        if more_below:
            area = self._area.rect()
            self.move(area.center().x() - self.width() // 2, area.bottom() - self.height() - GAP_PX)
            self.raise_()
        self.setVisible(more_below)
        return changed

    def _retranslate(self) -> None:
        self.setText("↓ " + self.tr("Scroll down for more"))
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
