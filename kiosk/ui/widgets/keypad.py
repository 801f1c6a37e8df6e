"""An on-screen keypad for a resident ID (digits and X) or a phone number.

The typed value is shown in a label, not a text field: no system keyboard pops up, and a
keyboard-wedge scanner never mixes its keys into what the patient typed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.ui.widgets.basics import label, named

MAX_LENGTH = 18


class Keypad(QWidget):
    """Signals:
    text_changed: the value typed so far.
    """

    text_changed = Signal(str)

    def __init__(self, *, masked: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        self._masked = masked
        self._text = ""
        self.display = label("keypad.display", "heading")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(80)
        grid = QGridLayout()
        grid.setSpacing(12)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"]
        for index, key in enumerate(keys):
            name = "keypad.x" if key == "X" else f"keypad.digit{key}"
            button = named(QPushButton(key), name)
            button.setAccessibleName(key)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, index // 3, index % 3)
        x_key = self.findChild(QPushButton, "keypad.x")
        if masked and x_key is not None:
            x_key.hide()  # PINs are digits only
        self.backspace_key = named(QPushButton("⌫"), "keypad.backspace")
        self.backspace_key.clicked.connect(self._backspace)
        grid.addWidget(self.backspace_key, 3, 2)
        for button in self.findChildren(QPushButton):
            button.setMinimumWidth(120)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.display)
        layout.addLayout(grid)
        self._retranslate()

    @property
    def text(self) -> str:
        return self._text

    def clear(self) -> None:
        self._set("")

    def press(self, key: str) -> None:
        """A digit or X from a physical keypad, as if its on-screen key were touched."""
        self._press(key)

    def backspace(self) -> None:
        self._backspace()

    def _press(self, key: str) -> None:
        if len(self._text) < MAX_LENGTH:
            self._set(self._text + key)

    def _backspace(self) -> None:
        self._set(self._text[:-1])

    def _set(self, text: str) -> None:
        self._text = text
        if self._masked:
            self.display.setText("●" * len(text) or "—")
            self.text_changed.emit(text)
            return
        # Group digits so a patient can compare them with the card: 110105 19491231 002X.
        if len(text) > 11:
            shown = " ".join(filter(None, (text[:6], text[6:14], text[14:])))
        else:
            shown = " ".join(filter(None, (text[:3], text[3:7], text[7:])))
        self.display.setText(shown or "—")
        self.text_changed.emit(text)

    def _retranslate(self) -> None:
        self.backspace_key.setAccessibleName(self.tr("Delete last digit"))
        self.display.setAccessibleName(self.tr("Number typed so far"))
        self._set(self._text)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
