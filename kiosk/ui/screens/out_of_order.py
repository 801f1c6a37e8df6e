"""Shown after an internal error: the kiosk cannot help right now, here is where to go."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets.basics import label, named


class OutOfOrderScreen(Screen):
    def __init__(self, service_window: str, parent: QWidget | None = None) -> None:
        super().__init__("out_of_order", parent)
        self._service_window = service_window
        card = named(QFrame(), "out_of_order.card", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 40, 48, 40)
        inner.setSpacing(24)
        self.title = label("out_of_order.title", "title", wrap=True)
        self.body = label("out_of_order.body", wrap=True)
        self.next_step = label("out_of_order.next_step", "heading", wrap=True)
        for widget in (self.title, self.body, self.next_step):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 48)
        layout.addStretch(1)
        layout.addWidget(card)
        layout.addStretch(1)
        self.retranslate()

    def instruction(self) -> str:
        return f"{self.title.text()} {self.next_step.text()}"

    def retranslate(self) -> None:
        self.title.setText(self.tr("Out of order"))
        self.body.setText(self.tr("Sorry, this kiosk has a problem and cannot help you now."))
        self.next_step.setText(
            self.tr("Please go to service window {window}.").format(window=self._service_window)
        )
