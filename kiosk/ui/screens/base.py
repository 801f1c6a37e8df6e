"""What every screen shares: a stable name, live retranslation, and wiping patient data."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import QAbstractButton, QGridLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.assets import assets_dir
from kiosk.ui.widgets.scroll_hint import ScrollHint


def label_home_button(widget: QAbstractButton) -> None:
    """The words of every button that ends the visit and returns to the home screen; call it
    from ``retranslate``.

    "Finish" or "Done" (结束/完成) read as "cancel" to older patients: every way back to the
    start says where it goes, in the same words on every screen.
    """
    widget.setText(QCoreApplication.translate("Navigation", "Home"))
    widget.setAccessibleName(QCoreApplication.translate("Navigation", "Return to the home screen"))


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


def illustration(file_name: str, height: int) -> QSvgWidget:
    widget = QSvgWidget(str(assets_dir() / "illustrations" / file_name))
    widget.setFixedSize(round(height * 1.5), height)
    return widget


def clear_layout(layout: QVBoxLayout | QGridLayout) -> None:
    """Remove and delete every widget of a list that is rebuilt for each patient."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.setParent(None)  # gone from the screen's children at once
            widget.deleteLater()


def scrolling(inner: QWidget) -> QScrollArea:
    """A list that scrolls inside a screen, on the screen's background."""
    inner.setProperty("role", "screen")
    inner.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(inner)
    ScrollHint(scroll)
    return scroll
