"""An on-screen keypad for a resident ID (digits and X) or a phone number.

The typed value is shown in a label, not a text field: no system keyboard pops up, and a
keyboard-wedge scanner never mixes its keys into what the patient typed. In a public lobby the
middle of an ID number is hidden (1101**********002X) unless the patient holds "show".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.ui.widgets.basics import label, named

MAX_LENGTH = 18
KEPT_AT_EACH_END = 4  # as the privacy rule masks ID numbers on screen and on the ticket


def mask_middle(text: str) -> str:
    """``11010519491231002X`` → ``1101**********002X``: enough to check, too little to copy."""
    if len(text) <= 2 * KEPT_AT_EACH_END:
        return text
    hidden = len(text) - 2 * KEPT_AT_EACH_END
    return text[:KEPT_AT_EACH_END] + "*" * hidden + text[-KEPT_AT_EACH_END:]


class Keypad(QWidget):
    """Signals:
    text_changed: the value typed so far.
    """

    text_changed = Signal(str)

    def __init__(
        self,
        *,
        masked: bool = False,
        hide_middle: bool = False,
        digits_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``masked``: a PIN (digits only), every digit a dot. ``hide_middle``: an ID or phone
        number, shown with its middle hidden and a press-and-hold "show" key beside it.
        ``digits_only``: no X key (a phone number, a code)."""
        super().__init__(parent)
        self.setObjectName("keypad")
        self._masked = masked
        self._hide_middle = hide_middle
        self._revealed = False
        self._text = ""
        self.display = label("keypad.display", "heading")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMinimumHeight(80)
        # Shows the whole number only while held: it hides again the moment the finger lifts.
        self.reveal = named(QPushButton(), "keypad.reveal", "small")
        self.reveal.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.reveal.pressed.connect(lambda: self._set_revealed(True))
        self.reveal.released.connect(lambda: self._set_revealed(False))
        if not hide_middle:  # hidden, not "shown": shown without a parent, it would be a window
            self.reveal.hide()
        # Under the number, not beside it: a masked ID in large digits needs the full width.
        display_rows = QVBoxLayout()
        display_rows.addWidget(self.display)
        display_rows.addWidget(self.reveal, 0, Qt.AlignmentFlag.AlignHCenter)
        grid = QGridLayout()
        grid.setSpacing(12)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0"]
        for index, key in enumerate(keys):
            name = "keypad.x" if key == "X" else f"keypad.digit{key}"
            button = named(QPushButton(key), name)
            button.setAccessibleName(key)
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, index // 3, index % 3)
            if key == "X" and (digits_only or masked):
                button.hide()  # a phone number, a code or a PIN: digits only
        self.backspace_key = named(QPushButton("⌫"), "keypad.backspace")
        self.backspace_key.clicked.connect(self._backspace)
        grid.addWidget(self.backspace_key, 3, 2)
        for button in self.findChildren(QPushButton):
            button.setMinimumWidth(120)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(display_rows)
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

    def _set_revealed(self, revealed: bool) -> None:
        self._revealed = revealed
        self._show()

    def hideEvent(self, event: QHideEvent) -> None:
        self._revealed = False  # a screen change mid-hold must not leave the number shown
        self._show()
        super().hideEvent(event)

    def _set(self, text: str) -> None:
        self._text = text
        self._show()
        self.text_changed.emit(text)

    def _show(self) -> None:
        text = self._text
        if self._masked:
            shown = "●" * len(text)
        elif self._hide_middle and not self._revealed:
            shown = mask_middle(text)
        elif len(text) > 11:
            # Grouped so a patient can compare it with the card: 110105 19491231 002X.
            shown = " ".join(filter(None, (text[:6], text[6:14], text[14:])))
        else:
            shown = " ".join(filter(None, (text[:3], text[3:7], text[7:])))
        self.display.setText(shown or "—")
        self.reveal.setEnabled(mask_middle(text) != text)

    def _retranslate(self) -> None:
        self.reveal.setText(self.tr("Hold to show"))
        self.reveal.setAccessibleName(self.tr("Hold to show the whole number"))
        self.backspace_key.setAccessibleName(self.tr("Delete last digit"))
        self.display.setAccessibleName(self.tr("Number typed so far"))
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)
