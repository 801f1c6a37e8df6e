"""Small constructors so every widget gets its stable objectName and style role in one line."""

from __future__ import annotations

from typing import TypeVar

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
