"""The technician's screens: the PIN keypad and the diagnostics pages.

Technicians read English and Chinese; the pages are translated like the rest, but facts
(states, paths, log lines) are shown as the system reports them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.screens.base import Screen
from kiosk.ui.widgets.basics import button, label, named
from kiosk.ui.widgets.keypad import Keypad


class PinScreen(Screen):
    """Signals:
    pin_entered: the digits typed.
    cancelled: back to service.
    """

    pin_entered = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("pin", parent)
        self.heading = label("pin.heading", "heading", wrap=True)
        self.message = label("pin.message", "hint", wrap=True)
        self.keypad = Keypad(masked=True)
        self.submit = button("pin.submit", "primary")
        self.submit.clicked.connect(lambda: self.pin_entered.emit(self.keypad.text))
        self.cancel = button("pin.cancel")
        self.cancel.clicked.connect(self.cancelled)
        actions = QHBoxLayout()
        actions.addWidget(self.cancel)
        actions.addStretch(1)
        actions.addWidget(self.submit)
        column = QVBoxLayout()
        column.addWidget(self.heading)
        column.addWidget(self.message)
        column.addWidget(self.keypad)
        column.addLayout(actions)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addStretch(1)
        layout.addLayout(column, 2)
        layout.addStretch(1)
        self.retranslate()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def wipe(self) -> None:
        self.keypad.clear()
        self.message.clear()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Technician PIN"))
        self.submit.setText(self.tr("OK"))
        self.cancel.setText(self.tr("Cancel"))
        for widget in (self.submit, self.cancel):
            widget.setAccessibleName(widget.text())


class TouchTest(QWidget):
    """A grid of cells that light up where the screen registers a touch."""

    def __init__(self, columns: int = 8, rows: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnostics.touch")
        grid = QGridLayout(self)
        grid.setSpacing(4)
        self.cells: list[QFrame] = []
        for row in range(rows):
            for column in range(columns):
                cell = named(QFrame(), f"diagnostics.touch.{row}.{column}")
                cell.setMinimumSize(60, 60)
                cell.setStyleSheet("background: #c8d6dc;")
                cell.installEventFilter(self)
                self.cells.append(cell)
                grid.addWidget(cell, row, column)

    @property
    def touched(self) -> int:
        return sum(1 for cell in self.cells if cell.property("touched"))

    def reset(self) -> None:
        for cell in self.cells:
            cell.setProperty("touched", False)
            cell.setStyleSheet("background: #c8d6dc;")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QMouseEvent) and event.type() == QEvent.Type.MouseButtonPress:
            if isinstance(watched, QFrame):
                watched.setProperty("touched", True)
                watched.setStyleSheet("background: #2e7d32;")
        return False


class DiagnosticsScreen(Screen):
    """Pages for devices, backend, configuration, touch, system, logs and actions.

    Signals:
        test_print_requested, backend_check_requested, logs_refresh_requested,
        export_requested (folder path), restart_requested, exit_requested, resume_requested.
    """

    test_print_requested = Signal()
    voice_test_requested = Signal()
    backend_check_requested = Signal()
    logs_refresh_requested = Signal()
    export_requested = Signal(str)
    restart_requested = Signal()
    exit_requested = Signal()
    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("diagnostics", parent)
        self.tabs = named(QTabWidget(), "diagnostics.tabs")
        self.devices_text = self._text("diagnostics.devices")
        self.test_print = button("diagnostics.test_print", "primary")
        self.test_print.clicked.connect(self.test_print_requested)
        self.print_result = label("diagnostics.print_result", "small", wrap=True)
        self.voice_test = button("diagnostics.voice_test")
        self.voice_test.clicked.connect(self.voice_test_requested)
        self.backend_text = self._text("diagnostics.backend")
        self.backend_check = button("diagnostics.backend_check", "primary")
        self.backend_check.clicked.connect(self.backend_check_requested)
        self.config_text = self._text("diagnostics.config")
        self.touch = TouchTest()
        self.touch_reset = button("diagnostics.touch_reset")
        self.touch_reset.clicked.connect(self.touch.reset)
        self.system_text = self._text("diagnostics.system")
        self.logs_text = self._text("diagnostics.logs")
        self.logs_refresh = button("diagnostics.logs_refresh")
        self.logs_refresh.clicked.connect(self.logs_refresh_requested)
        self.export_buttons: list[QPushButton] = []
        self.export_box = QVBoxLayout()
        self.export_result = label("diagnostics.export_result", "small", wrap=True)
        self.restart = button("diagnostics.restart")
        self.restart.clicked.connect(self.restart_requested)
        self.exit = button("diagnostics.exit")
        self.exit.clicked.connect(self.exit_requested)
        self.resume = button("diagnostics.resume", "primary")
        self.resume.clicked.connect(self.resume_requested)

        self._pages = {
            "devices": self._page(
                self.devices_text, self.test_print, self.print_result, self.voice_test
            ),
            "backend": self._page(self.backend_text, self.backend_check),
            "config": self._page(self.config_text),
            "touch": self._page(self.touch, self.touch_reset),
            "system": self._page(self.system_text),
            "logs": self._page(self.logs_text, self.logs_refresh),
        }
        actions = QWidget()
        actions_layout = QVBoxLayout(actions)
        self.export_heading = label("diagnostics.export_heading", "heading")
        actions_layout.addWidget(self.export_heading)
        actions_layout.addLayout(self.export_box)
        actions_layout.addWidget(self.export_result)
        actions_layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.restart)
        row.addWidget(self.exit)
        actions_layout.addLayout(row)
        self._pages["actions"] = actions
        for page in self._pages.values():
            self.tabs.addTab(page, "")
        self.tabs.tabBar().setObjectName("diagnostics.tabbar")
        self.tabs.tabBar().setUsesScrollButtons(False)  # arrows too small to touch

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        header = QHBoxLayout()
        self.heading = label("diagnostics.heading", "heading")
        header.addWidget(self.heading, 1)
        header.addWidget(self.resume)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        self.retranslate()

    def set_export_targets(self, folders: Sequence[str]) -> None:
        for old in self.export_buttons:
            old.setParent(None)
            old.deleteLater()
        self.export_buttons = []
        for index, folder in enumerate(folders):
            target = button(f"diagnostics.export.{index}")
            target.setText(folder)
            target.setAccessibleName(folder)
            target.clicked.connect(lambda _=False, f=folder: self.export_requested.emit(f))
            self.export_box.addWidget(target)
            target.show()  # added to a page that may already be on screen
            self.export_buttons.append(target)

    def show_page(self, name: str) -> None:
        self.tabs.setCurrentWidget(self._pages[name])

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Diagnostics"))
        titles = {
            "devices": self.tr("Devices"),
            "backend": self.tr("Backend"),
            "config": self.tr("Configuration"),
            "touch": self.tr("Touch test"),
            "system": self.tr("System"),
            "logs": self.tr("Logs"),
            "actions": self.tr("Actions"),
        }
        for name, page in self._pages.items():
            self.tabs.setTabText(self.tabs.indexOf(page), titles[name])
        self.test_print.setText(self.tr("Print a test page"))
        self.voice_test.setText(self.tr("Test the voice and sounds"))
        self.backend_check.setText(self.tr("Check the backend now"))
        self.touch_reset.setText(self.tr("Clear"))
        self.logs_refresh.setText(self.tr("Refresh"))
        self.export_heading.setText(self.tr("Export a diagnostics bundle to:"))
        self.restart.setText(self.tr("Restart the kiosk"))
        self.exit.setText(self.tr("Exit to the desktop"))
        self.resume.setText(self.tr("Back to service"))
        for widget in self.findChildren(QPushButton):
            if not widget.accessibleName():
                widget.setAccessibleName(widget.text())

    @staticmethod
    def _text(name: str) -> QPlainTextEdit:
        text = named(QPlainTextEdit(), name)
        text.setReadOnly(True)
        text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        return text

    @staticmethod
    def _page(*widgets: QWidget) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        for index, widget in enumerate(widgets):
            layout.addWidget(widget, 1 if index == 0 else 0)
        return page
