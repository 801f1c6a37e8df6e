"""The technician's screens: the PIN keypad and the diagnostics pages.

Technicians read English and Chinese; the pages are translated like the rest, but facts
(states, paths, log lines) are shown as the system reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.diagnostics.cards import DeviceCard
from kiosk.ui.screens.base import Screen, scrolling
from kiosk.ui.screens.device_cards import DeviceCardView
from kiosk.ui.widgets.basics import button, label, named
from kiosk.ui.widgets.card_grid import CardGrid
from kiosk.ui.widgets.keypad import Keypad

CHART_HEIGHT_PX = 140


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


class LatencyChart(QWidget):
    """The last hour of the heartbeat's round trips as bars, newest on the right; a failed
    one is a pale red bar the full height. ``slots`` bars fill the width (an hour of beats)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnostics.latency_chart")
        self.setMinimumHeight(CHART_HEIGHT_PX)
        self.samples: list[float | None] = []
        self.slots = 120

    def set_samples(self, samples: Sequence[float | None], slots: int) -> None:
        self.samples, self.slots = list(samples)[-slots:], slots
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QColor("#8d9aa3"))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        known = [sample for sample in self.samples if sample is not None]
        if known:
            top = max(max(known), 1.0)
            step = self.width() / max(self.slots, 1)
            first_slot = self.slots - len(self.samples)
            for index, sample in enumerate(self.samples):
                left = round((first_slot + index) * step) + 1
                width = max(1, round(step) - 2)
                if sample is None:
                    painter.fillRect(left, 2, width, self.height() - 4, QColor("#f4c7c3"))
                    continue
                height = max(2, round((self.height() - 8) * sample / top))
                painter.fillRect(left, self.height() - 2 - height, width, height, QColor("#0b5a6b"))
        painter.end()


class DiagnosticsScreen(Screen):
    """Pages for devices, backend and network, configuration, touch, system, logs and actions.

    The pages are chosen with a row of 60 px buttons (a tab bar's tabs are too small to
    touch); in portrait they wrap to two rows.

    Signals:
        device_action: a device's name and the action tapped on its card.
        backend_check_requested, logs_refresh_requested, export_requested (folder path),
        restart_requested, exit_requested, resume_requested.
    """

    device_action = Signal(str, str)
    backend_check_requested = Signal()
    logs_refresh_requested = Signal()
    export_requested = Signal(str)
    restart_requested = Signal()
    exit_requested = Signal()
    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("diagnostics", parent)
        self.pages = named(QStackedWidget(), "diagnostics.pages")
        self.device_grid = CardGrid("diagnostics.devices", max_columns=3)
        self.device_cards: dict[str, DeviceCardView] = {}
        self.backend_facts = label("diagnostics.backend_facts", "hint", wrap=True)
        self.latency_heading = label("diagnostics.latency_heading", "item-name", wrap=True)
        self.latency_chart = LatencyChart()
        self.latency_summary = label("diagnostics.latency_summary", "small", wrap=True)
        self.backend_errors = label("diagnostics.backend_errors", "small", wrap=True)
        self.backend_check = button("diagnostics.backend_check", "primary")
        self.backend_check.clicked.connect(self.backend_check_requested)
        self.backend_result = label("diagnostics.backend_result", "hint", wrap=True)
        self.config_text = self._text("diagnostics.config")
        self.touch = TouchTest()
        self.touch_reset = button("diagnostics.touch_reset")
        self.touch_reset.clicked.connect(self.touch.reset)
        self.system_facts = label("diagnostics.system_facts", "hint", wrap=True)
        self.config_check = label("diagnostics.config_check", "small", wrap=True)
        self.crashes = label("diagnostics.crashes", "small", wrap=True)
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

        backend_check_row = QHBoxLayout()
        backend_check_row.addWidget(self.backend_check)
        backend_check_row.addStretch(1)
        self._pages: dict[str, QWidget] = {
            "devices": scrolling(self.device_grid),
            "backend": self._page(
                self.backend_facts,
                self.latency_heading,
                self.latency_chart,
                self.latency_summary,
                backend_check_row,
                self.backend_result,
                self.backend_errors,
                scroll=True,
            ),
            "config": self._page(self.config_text, stretch_first=True),
            "touch": self._page(self.touch, self.touch_reset, stretch_first=True),
            "system": self._page(self.system_facts, self.config_check, self.crashes, scroll=True),
            "logs": self._page(self.logs_text, self.logs_refresh, stretch_first=True),
        }
        actions = QWidget()
        actions_layout = QVBoxLayout(actions)
        self.export_heading = label("diagnostics.export_heading", "heading", wrap=True)
        actions_layout.addWidget(self.export_heading)
        actions_layout.addLayout(self.export_box)
        actions_layout.addWidget(self.export_result)
        actions_layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.restart)
        row.addWidget(self.exit)
        actions_layout.addLayout(row)
        self._pages["actions"] = actions
        self.page_buttons: dict[str, QPushButton] = {}
        for name, page in self._pages.items():
            self.pages.addWidget(page)
            choice = button(f"diagnostics.page.{name}", "chip")
            choice.setCheckable(True)
            choice.setAutoExclusive(True)
            choice.clicked.connect(lambda _=False, name=name: self.show_page(name))
            self.page_buttons[name] = choice
        self._nav = QGridLayout()
        self._nav.setSpacing(8)
        self._nav_columns = 0
        self._arrange_nav(len(self._pages))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        header = QHBoxLayout()
        self.heading = label("diagnostics.heading", "heading")
        header.addWidget(self.heading, 1)
        header.addWidget(self.resume)
        layout.addLayout(header)
        layout.addLayout(self._nav)
        layout.addWidget(self.pages, 1)
        self.retranslate()

    def set_devices(self, cards: Sequence[tuple[DeviceCard, tuple[str, ...]]]) -> None:
        """One card per device, with the names of its action buttons."""
        self.device_cards = {}
        for card, actions in cards:
            view = DeviceCardView(card, actions)
            view.action.connect(
                lambda name, device=card.name: self.device_action.emit(device, name)
            )
            self.device_cards[card.name] = view
            self._label_actions(view)
        self.device_grid.set_cards(list(self.device_cards.values()))

    def set_export_targets(self, folders: Sequence[str]) -> None:
        for old in self.export_buttons:
            old.setParent(None)
            old.deleteLater()
        self.export_buttons = []
        for index, folder in enumerate(folders):
            target = button(f"diagnostics.export.{index}")
            target.setText(_short_folder(folder))
            target.setAccessibleName(folder)
            target.clicked.connect(lambda _=False, f=folder: self.export_requested.emit(f))
            self.export_box.addWidget(target)
            target.show()  # added to a page that may already be on screen
            self.export_buttons.append(target)

    def show_page(self, name: str) -> None:
        self.pages.setCurrentWidget(self._pages[name])
        self.page_buttons[name].setChecked(True)

    def current_page(self) -> str:
        current = self.pages.currentWidget()
        return next(name for name, page in self._pages.items() if page is current)

    def resizeEvent(self, event: QResizeEvent) -> None:
        window = self.window()
        portrait = window.height() > window.width()
        self._arrange_nav(4 if portrait else len(self._pages))
        super().resizeEvent(event)

    def _arrange_nav(self, columns: int) -> None:
        if columns == self._nav_columns:
            return
        self._nav_columns = columns
        for index, choice in enumerate(self.page_buttons.values()):
            self._nav.removeWidget(choice)
            self._nav.addWidget(choice, index // columns, index % columns)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Diagnostics"))
        titles = {
            "devices": self.tr("Devices"),
            "backend": self.tr("Backend and network"),
            "config": self.tr("Configuration"),
            "touch": self.tr("Touch test"),
            "system": self.tr("System"),
            "logs": self.tr("Logs"),
            "actions": self.tr("Actions"),
        }
        for name, choice in self.page_buttons.items():
            choice.setText(titles[name])
            choice.setAccessibleName(titles[name])
        self.latency_heading.setText(self.tr("Heartbeat round trips in the last hour"))
        self.backend_check.setText(self.tr("Check the backend now"))
        self.touch_reset.setText(self.tr("Clear"))
        self.logs_refresh.setText(self.tr("Refresh"))
        self.export_heading.setText(self.tr("Export a diagnostics bundle to:"))
        self.restart.setText(self.tr("Restart the kiosk"))
        self.exit.setText(self.tr("Exit to the desktop"))
        self.resume.setText(self.tr("Back to service"))
        for view in self.device_cards.values():
            self._label_actions(view)
            view.retranslate()
        for widget in self.findChildren(QPushButton):
            if not widget.accessibleName():
                widget.setAccessibleName(widget.text())

    def _label_actions(self, view: DeviceCardView) -> None:
        words = {
            "test_page": self.tr("Test page"),
            "cut": self.tr("Cut"),
            "status": self.tr("Status now"),
            "read": self.tr("Read a card now"),
            "sound_test": self.tr("Play the sounds"),
            "speak_zh": self.tr("Speak Chinese"),
            "speak_en": self.tr("Speak English"),
        }
        for name in view.buttons:
            view.set_action_text(name, words[name])

    @staticmethod
    def _text(name: str) -> QPlainTextEdit:
        text = named(QPlainTextEdit(), name)
        text.setReadOnly(True)
        text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        return text

    @staticmethod
    def _page(
        *parts: QWidget | QHBoxLayout, stretch_first: bool = False, scroll: bool = False
    ) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(12)
        for index, part in enumerate(parts):
            if isinstance(part, QHBoxLayout):
                layout.addLayout(part)
            else:
                layout.addWidget(part, 1 if stretch_first and index == 0 else 0)
        if not stretch_first:
            layout.addStretch(1)
        return scrolling(page) if scroll else page


SHORT_FOLDER_CHARS = 40


def _short_folder(folder: str) -> str:
    """A folder as a button can show it in portrait: its last two parts after an ellipsis when
    the whole path is long (the full path is the button's accessible name and the result)."""
    if len(folder) <= SHORT_FOLDER_CHARS:
        return folder
    parts = Path(folder).parts
    return str(Path("…", *parts[-2:])) if len(parts) > 2 else folder
