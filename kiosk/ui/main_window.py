"""The kiosk's one window: full screen, frameless, impossible to close from the touchscreen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.widgets.basics import named
from kiosk.ui.widgets.header import HeaderBar

# Shortcuts a patient (or a keyboard-wedge scanner gone wrong) could use to leave the kiosk.
_BLOCKED_KEYS = {
    QKeySequence(Qt.Key.Key_Escape),
    QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_F4),
    QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q),
    QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_W),
}


class KioskWindow(QMainWindow):
    """A header above a stack of screens. Holds no journey logic: flows decide what shows."""

    def __init__(self, header: HeaderBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("window")
        self.setWindowTitle("Hospital kiosk")
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self._may_close = False
        self._holders: dict[QWidget, QScrollArea] = {}
        self.header = header
        self.screens = named(QStackedWidget(), "screens")
        central = named(QWidget(), "central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.screens, 1)
        self.setCentralWidget(central)

    def add_screen(self, screen: QWidget) -> None:
        # Each screen scrolls rather than clips when it is taller than the display (large
        # text on a 1280×1024 monitor), and no screen can force the window beyond the display.
        holder = named(QScrollArea(), f"{screen.objectName()}.scroll")
        holder.setWidgetResizable(True)
        holder.setFrameShape(QScrollArea.Shape.NoFrame)
        holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder.setWidget(screen)
        self.screens.addWidget(holder)
        self._holders[screen] = holder

    def show_screen(self, screen: QWidget) -> None:
        holder = self._holders[screen]
        holder.verticalScrollBar().setValue(0)
        self.screens.setCurrentWidget(holder)

    def current_screen(self) -> QWidget | None:
        holder = self.screens.currentWidget()
        return holder.widget() if isinstance(holder, QScrollArea) else None

    def find_button(self, name: str) -> QPushButton | None:
        """The button called ``name`` on the current screen, else anywhere (overlays).

        Several screens share names (two keypads), so automation asks the screen it sees.
        """
        screen = self.current_screen()
        found = screen.findChild(QPushButton, name) if screen is not None else None
        return found or self.findChild(QPushButton, name)

    def allow_close(self) -> None:
        """Only the technician exit (after the PIN) and a clean shutdown call this."""
        self._may_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        # Alt+F4 from the window manager and other close requests arrive here.
        if self._may_close:
            event.accept()
        else:
            event.ignore()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if _sequence(event) in _BLOCKED_KEYS:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _sequence(event) in _BLOCKED_KEYS:
            event.accept()
            return
        super().keyPressEvent(event)


def _sequence(event: QKeyEvent) -> QKeySequence:
    return QKeySequence(event.keyCombination())
