"""What every screen shares: a stable name, live retranslation, and wiping patient data."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.assets import assets_dir
from kiosk.ui.widgets.basics import named


class Screen(QWidget):
    """A full screen below the header. Subclasses fill in :meth:`retranslate`."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def retranslate(self) -> None:
        """Set every visible text in the current language."""

    def wipe(self) -> None:
        """Forget the patient: called when a visit ends, before the next one starts."""

    def instruction(self) -> str:
        """What voice guidance says when this screen appears (translated, short)."""
        return ""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def button(name: str, role: str = "") -> QPushButton:
    """A touch target that never takes keyboard focus (the scanner's keys go elsewhere)."""
    widget = named(QPushButton(), name, role)
    widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return widget


def illustration(file_name: str, height: int) -> QSvgWidget:
    widget = QSvgWidget(str(assets_dir() / "illustrations" / file_name))
    widget.setFixedSize(round(height * 1.5), height)
    return widget
