"""The home screen: a welcome and how to begin."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.ui.widgets.basics import label


class HomeScreen(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("home")
        self.title = label("home.title", "title")
        self.hint = label("home.hint", "hint", wrap=True)
        for text in (self.title, self.hint):
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 48, 48, 48)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addSpacing(24)
        layout.addWidget(self.hint)
        layout.addStretch(2)
        self._retranslate()

    def _retranslate(self) -> None:
        self.title.setText(self.tr("Welcome"))
        self.hint.setText(
            self.tr("Scan your ID card, medical insurance card or e-health code to begin.")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
