"""The kiosk's one window: full screen, frameless, impossible to close from the touchscreen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.widgets.basics import named
from kiosk.ui.widgets.header import HeaderBar
from kiosk.ui.widgets.scroll_hint import ScrollHint

# The top of a portrait (floor-standing) kiosk is above the reach range (ADA 707: 1,220 mm):
# that share of the height holds the header and no control.
REACH_TOP_SHARE = 0.15

# Shortcuts a patient (or a keyboard-wedge scanner gone wrong) could use to leave the kiosk.
_BLOCKED_KEYS = {
    QKeySequence(Qt.Key.Key_Escape),
    QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_F4),
    QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Q),
    QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_W),
}


class KioskWindow(QMainWindow):
    """A header above a stack of screens. Holds no journey logic: flows decide what shows.

    In portrait (taller than wide, a floor-standing kiosk) the header's controls move to a bar
    at the bottom and the header fills the top ``REACH_TOP_SHARE`` of the height: that part of
    the screen is above the reach range of a seated or short patient.

    A physical keypad works everywhere: arrows move the focus frame through the controls of
    the screen, Enter presses the focused one, Back goes back, Help repeats the instruction,
    and digits reach the on-screen keypad.

    Signals:
        screen_shown: the screen now on display.
        back_pressed: the keypad's Back key.
        help_pressed: the keypad's Help key.
        digit_typed: a digit or X typed on a physical keypad (not by a scanner).
    """

    screen_shown = Signal(object)
    back_pressed = Signal()
    help_pressed = Signal()
    digit_typed = Signal(str)

    def __init__(self, header: HeaderBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("window")
        self.setWindowTitle("Hospital kiosk")
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self._may_close = False
        # Shown only once someone uses the physical keypad: touch users never see it.
        self.focus_frame = named(QFrame(self), "focus_frame")
        self.focus_frame.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.focus_frame.hide()
        self.keypad_mode = False
        self._holders: dict[QWidget, QScrollArea] = {}
        self._screen_style = ""
        self.header = header
        self.screens = named(QStackedWidget(), "screens")
        central = named(QWidget(), "central")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.screens, 1)
        self.bottom_bar = named(QWidget(), "bottom_bar", "bar")
        self.bottom_bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._bar_layout = QHBoxLayout(self.bottom_bar)
        self._bar_layout.setContentsMargins(16, 12, 16, 12)
        self._bar_layout.addStretch(1)
        self.bottom_bar.hide()
        layout.addWidget(self.bottom_bar)
        self.setCentralWidget(central)
        self.portrait = False

    def add_screen(self, screen: QWidget) -> None:
        # Each screen scrolls rather than clips when it is taller than the display (large
        # text on a 1280×1024 monitor), and no screen can force the window beyond the display.
        holder = named(QScrollArea(), f"{screen.objectName()}.scroll")
        holder.setWidgetResizable(True)
        holder.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrow keys move between controls
        holder.setFrameShape(QScrollArea.Shape.NoFrame)
        holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder.setWidget(screen)
        ScrollHint(holder)
        self.screens.addWidget(holder)
        self._holders[screen] = holder

    def show_screen(self, screen: QWidget) -> None:
        holder = self._holders[screen]
        holder.verticalScrollBar().setValue(0)
        focused = self.focusWidget()
        if focused is not None and not screen.isAncestorOf(focused):
            focused.clearFocus()  # the frame must not linger on a screen that is gone
        if holder.styleSheet() != self._screen_style:
            holder.setStyleSheet(self._screen_style)
        self.screens.setCurrentWidget(holder)
        self.screen_shown.emit(screen)

    def set_screen_style(self, sheet: str) -> None:
        """A stylesheet over the application's (large text), for everything in this window.

        Restyling all screens at once takes about 250 ms on a 2-core kiosk; what is on show
        (header, overlays, the current screen) takes about 20 ms. So those get it now and
        every other screen just before it is next shown.
        """
        self._screen_style = sheet
        pages = {self.screens.widget(index) for index in range(self.screens.count())}
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        on_show = [
            self.header,
            self.bottom_bar,
            *(
                w
                for w in self.findChildren(QWidget, options=direct)
                if w is not self.centralWidget()
            ),
            *(w for w in self.screens.findChildren(QWidget, options=direct) if w not in pages),
        ]
        current = self.screens.currentWidget()
        if current is not None:
            on_show.append(current)
        for widget in on_show:
            widget.setStyleSheet(sheet)
        self._fit_bar(self.width())  # large text: the same words are wider

    def resizeEvent(self, event: QResizeEvent) -> None:
        portrait = event.size().height() > event.size().width()
        self._place_controls(portrait=portrait)
        self.header.setMinimumHeight(
            round(REACH_TOP_SHARE * event.size().height()) if portrait else 0
        )
        self._fit_bar(event.size().width())
        super().resizeEvent(event)

    def _fit_bar(self, width: int) -> None:
        """In the bottom bar the controls take two rows when one would squeeze them."""
        if self.portrait:
            margins = self._bar_layout.contentsMargins()
            self.header.fit_controls(width - margins.left() - margins.right())

    def _place_controls(self, *, portrait: bool) -> None:
        """The header's controls (all of them, whatever was added) at the bottom in portrait."""
        if portrait == self.portrait:
            return
        self.portrait = portrait
        if portrait:
            self._bar_layout.addWidget(self.header.undock_controls())
            self.header.controls.show()
        else:
            self._bar_layout.removeWidget(self.header.controls)
            self.header.dock_controls()
        self.bottom_bar.setVisible(portrait)

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

    def set_keypad_mode(self, on: bool) -> None:
        self.keypad_mode = on
        self.show_focus(self.focusWidget())

    def show_focus(self, widget: QWidget | None) -> None:
        """Draw the frame around ``widget`` in keypad mode; hide it otherwise."""
        if not self.keypad_mode or widget is None or not self.isAncestorOf(widget):
            self.focus_frame.hide()
            return
        top_left = widget.mapTo(self, QPoint(0, 0))
        self.focus_frame.setGeometry(
            top_left.x() - 6, top_left.y() - 6, widget.width() + 12, widget.height() + 12
        )
        self.focus_frame.show()
        self.focus_frame.raise_()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _sequence(event) in _BLOCKED_KEYS:
            event.accept()
            return
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Right):
            self.focusNextChild()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Left):
            self.focusPreviousChild()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select):
            focused = self.focusWidget()
            if isinstance(focused, QAbstractButton) and focused.isEnabled():
                focused.click()
        elif key in (Qt.Key.Key_Back, Qt.Key.Key_Backspace):
            self.back_pressed.emit()
        elif key in (Qt.Key.Key_Help, Qt.Key.Key_F1):
            self.help_pressed.emit()
        elif event.text() and event.text().upper() in "0123456789X":
            self.digit_typed.emit(event.text().upper())
        else:
            super().keyPressEvent(event)
            return
        event.accept()


# Keys that mean "someone is using the physical keypad". Not Enter: scanners end with it.
NAVIGATION_KEYS = {
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Help,
    Qt.Key.Key_F1,
}


def _sequence(event: QKeyEvent) -> QKeySequence:
    return QKeySequence(event.keyCombination())
