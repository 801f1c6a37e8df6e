"""An on-screen A–Z keyboard for searching by pinyin initials ("AMXL" for 阿莫西林).

Letters in alphabetical order, seven to a row, so the keys stay big in portrait and in large
text, and a patient who never learnt a QWERTY layout finds them. What was typed shows in a
label, not a text field: no system keyboard pops up and a keyboard-wedge scanner's keys never
mix into it.
"""

from __future__ import annotations

import string

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.widgets.basics import label, named

COLUMNS = 7
MAX_LETTERS = 16


class LetterKeyboard(QWidget):
    """Signals:
    text_changed: the letters typed so far (lower case).
    """

    text_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letters")
        self._text = ""
        self._placeholder = ""
        self.display = label("letters.display", "letters-display")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(72)
        self.display.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        grid = QGridLayout()
        grid.setSpacing(8)
        letters = string.ascii_lowercase
        for index, letter in enumerate(letters):
            key = self._key(f"letters.{letter}", letter.upper())
            key.setAccessibleName(letter.upper())
            key.clicked.connect(lambda _=False, k=letter: self.press(k))
            grid.addWidget(key, index // COLUMNS, index % COLUMNS)
        self.backspace_key = self._key("letters.backspace", "⌫")
        self.backspace_key.clicked.connect(self.backspace)
        self.clear_key = named(QPushButton(), "letters.clear")  # a word: beside what was typed
        self.clear_key.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.clear_key.clicked.connect(self.clear)
        last = len(letters)  # 26: the last row has five letters, then a wide ⌫
        grid.addWidget(self.backspace_key, last // COLUMNS, last % COLUMNS, 1, 2)
        typed = QHBoxLayout()
        typed.setSpacing(8)
        typed.addWidget(self.display, 1)
        typed.addWidget(self.clear_key)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addStretch(1)  # beside a list (landscape) the keys sit low, within reach
        layout.addLayout(typed)
        layout.addLayout(grid)
        self._retranslate()

    @property
    def text(self) -> str:
        return self._text

    def press(self, letter: str) -> None:
        if len(self._text) < MAX_LETTERS:
            self._set(self._text + letter.lower())

    def backspace(self) -> None:
        self._set(self._text[:-1])

    def clear(self) -> None:
        self._set("")

    def set_placeholder(self, text: str) -> None:
        """Shown while nothing is typed: what to type."""
        self._placeholder = text
        self._show()

    def _key(self, name: str, text: str) -> QPushButton:
        key = named(QPushButton(text), name, "key")
        key.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return key

    def _set(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._show()
        self.text_changed.emit(text)

    def _show(self) -> None:
        self.display.setProperty("empty", not self._text)
        self.display.setText(self._text.upper() or self._placeholder)
        self.display.setAccessibleName(self._text.upper() or self._placeholder)
        self.display.style().unpolish(self.display)
        self.display.style().polish(self.display)

    def _retranslate(self) -> None:
        self.backspace_key.setAccessibleName(self.tr("Delete last letter"))
        self.clear_key.setText(self.tr("Clear"))
        self.clear_key.setAccessibleName(self.tr("Clear all letters"))
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
