"""Small constructors so every widget gets its stable objectName and style role in one line."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QLabel, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, role: str = "") -> W:
    """Give ``widget`` the objectName tests and automation find it by, and its style role."""
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
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
