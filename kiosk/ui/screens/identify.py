"""Identify: how to identify (card, code, typed number), an on-screen keypad, demo cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.api.models import IdentifierKind
from kiosk.identity import CardHolder
from kiosk.ui.screens.base import Screen, illustration, label_home_button
from kiosk.ui.widgets.basics import button, label
from kiosk.ui.widgets.keypad import Keypad


@dataclass(frozen=True)
class DemoCard:
    """A button that stands in for the card reader in the demo."""

    name: str
    label: str  # English source text in the "DemoCards" translation context
    kind: IdentifierKind
    value: str
    holder: CardHolder | None = None  # an ID card's chip data (a first visit's record)


class IdentifyScreen(Screen):
    """Signals:
    typed_submitted: the keypad's value, when the patient touches OK.
    demo_card_presented: (kind, value) of a demo card.
    back_requested: the patient wants the home screen.
    """

    typed_submitted = Signal(str)
    demo_card_presented = Signal(object, str)
    back_requested = Signal()

    def __init__(self, demo_cards: Sequence[DemoCard] = (), parent: QWidget | None = None) -> None:
        super().__init__("identify", parent)
        self.heading = label("identify.heading", "heading", wrap=True)
        # Instructions, not buttons: a card or a code needs no touch at all. No frames either,
        # so nothing here looks like something to press.
        ways = QVBoxLayout()
        ways.setSpacing(20)
        self.way_labels = []
        for name, picture in (("card", "card.svg"), ("qr", "qr.svg")):
            row = QHBoxLayout()
            row.setSpacing(20)
            row.addWidget(illustration(picture, 72))
            text = label(f"identify.way.{name}.text", "hint", wrap=True)
            row.addWidget(text, 1)
            self.way_labels.append(text)
            ways.addLayout(row)
        ways.addStretch(1)

        self.keypad_heading = label("identify.way.keypad.text", "hint", wrap=True)
        self.keypad = Keypad(hide_middle=True)
        self.keypad.text_changed.connect(self._on_typed)
        self.submit = button("identify.submit", "primary")
        self.submit.clicked.connect(lambda: self.typed_submitted.emit(self.keypad.text))
        self.back = button("identify.back")
        self.back.clicked.connect(self.back_requested)
        keypad_actions = QHBoxLayout()
        keypad_actions.addWidget(self.back)
        keypad_actions.addStretch(1)
        keypad_actions.addWidget(self.submit)
        keypad_column = QVBoxLayout()
        keypad_column.addWidget(self.keypad_heading)
        keypad_column.addWidget(self.keypad)
        keypad_column.addLayout(keypad_actions)

        self.demo_title = label("identify.demo.title", "small")
        self.demo_buttons = []
        self.demo_grid = QGridLayout()
        for index, card in enumerate(demo_cards):
            demo = button(f"identify.demo.{card.name}", "small")
            demo.clicked.connect(
                lambda _=False, c=card: self.demo_card_presented.emit(c.kind, c.value)
            )
            self.demo_buttons.append((demo, card))
            self.demo_grid.addWidget(demo, index // 5, index % 5)
        if not demo_cards:  # hidden, not "shown": shown without a parent, it is a window
            self.demo_title.hide()

        # Side by side on a landscape screen, stacked on a portrait one.
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(48)
        self.body.addLayout(ways, 1)
        self.body.addLayout(keypad_column, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.demo_title)
        layout.addLayout(self.demo_grid)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Place your card, show your code, or type your number"))
        texts = (
            self.tr("Place your ID card, medical insurance card or hospital card on the reader"),
            self.tr(
                "Show the QR code of your e-health card or medical insurance e-voucher "
                "to the scanner"
            ),
        )
        for widget, text in zip(self.way_labels, texts, strict=True):
            widget.setText(text)
        self.keypad_heading.setText(self.tr("Or type your resident ID or mobile number:"))
        self.submit.setText(self.tr("OK"))
        self.submit.setAccessibleName(self.tr("Confirm the number"))
        label_home_button(self.back)
        self.demo_title.setText(self.tr("Demo cards (stand in for the card reader):"))
        for demo, card in self.demo_buttons:
            demo.setText(QCoreApplication.translate("DemoCards", card.label))
            demo.setAccessibleName(demo.text())
        self._on_typed(self.keypad.text)

    def wipe(self) -> None:
        self.keypad.clear()

    def instruction(self) -> str:
        return self.tr(
            "Place your card on the reader, show your code to the scanner, or type your ID "
            "number or mobile number, then press OK."
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange()
        super().resizeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self._arrange()  # the text size may have changed while another screen showed
        super().showEvent(event)

    def _demo_columns(self, width: int) -> int:
        """As many columns as the longest demo card label allows, up to five."""
        if not self.demo_buttons:
            return 1
        metrics = self.demo_buttons[0][0].fontMetrics()
        widest = max(metrics.horizontalAdvance(demo.text()) for demo, _ in self.demo_buttons)
        return max(1, min(5, (width - 96) // (widest + 64)))

    def _arrange(self) -> None:
        """Side by side when the window is wide enough for the text size, else stacked.

        The window decides, not this screen, whose own height grows with its content.
        """
        window = self.window()
        wide_enough = window.width() >= 40 * self.font().pixelSize()
        stacked = window.height() > window.width() or not wide_enough
        self.body.setDirection(
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )
        columns = self._demo_columns(window.width())
        for index, (demo, _) in enumerate(self.demo_buttons):
            self.demo_grid.removeWidget(demo)
            self.demo_grid.addWidget(demo, index // columns, index % columns)

    def _on_typed(self, text: str) -> None:
        self.submit.setEnabled(len(text) in (11, 18))
