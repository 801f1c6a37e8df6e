"""Small constructors so every widget gets its stable objectName and style role in one line."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QLocale, QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, role: str = "") -> W:
    """Give ``widget`` the objectName tests and automation find it by, and its style role."""
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    return widget


def button(name: str, role: str = "") -> QPushButton:
    """A touch target that the physical keypad can reach too.

    Tab focus only: the keypad's arrow keys move focus onto it and Enter presses it (see
    ``KioskWindow.keyPressEvent``), while a tap leaves keyboard focus where it was.
    """
    widget = named(QPushButton(), name, role)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return widget


def label(name: str, role: str = "", *, wrap: bool = False) -> QLabel:
    widget = named(QLabel(), name, role)
    widget.setWordWrap(wrap)
    return widget


def in_language(chinese: str, english: str) -> str:
    """Pick the server's Chinese or English text for the current language."""
    if QLocale().language() == QLocale.Language.Chinese or not english:
        return chinese
    return english


class LayoutSizedButton(QPushButton):
    """A button sized by the labels in its layout, growing in height as they wrap."""

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        needed = layout.totalHeightForWidth(width) if layout is not None else -1
        return max(needed, self.minimumHeight())


class CardButton(LayoutSizedButton):
    """A big touch target whose lines wrap (a plain QPushButton never wraps its text)."""

    def __init__(self, name: str, *, centred: bool = False) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setProperty("role", "card-button")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)  # grows to fit its wrapped lines
        self.setSizePolicy(policy)
        self.title = label(f"{name}.title", "heading", wrap=True)
        self.detail = label(f"{name}.detail", "small", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        for line in (self.title, self.detail):
            line.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
            if centred:
                line.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(line)

    def set_lines(self, title: str, detail: str = "") -> None:
        self.title.setText(title)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self.setAccessibleName(title)
        self.setAccessibleDescription(detail)
