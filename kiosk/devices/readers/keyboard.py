"""A barcode/QR scanner or card reader that types like a keyboard ("keyboard wedge").

An application-wide event filter watches key presses. Scanners type much faster than people
(a few ms per key) and end with Enter, so a run of keys closer together than
``max_key_interval_ms`` that ends in the terminator and is at least ``min_burst_length`` long
is a scan: its keys are swallowed and the text is parsed. Keys are held only while that is
undecided; when a gap shows a person is typing, the held keys are replayed, in order and once
each, to the widget they were meant for, so nobody's typing is lost or doubled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent

from kiosk.devices.parsing import ParsingRules
from kiosk.devices.readers.base import Reader

_TERMINATOR_KEYS = {
    "enter": (Qt.Key.Key_Return, Qt.Key.Key_Enter),
    "tab": (Qt.Key.Key_Tab,),
}


@dataclass(frozen=True)
class _HeldKey:
    receiver: QObject
    event: QKeyEvent
    at: float


class KeyboardWedgeReader(Reader):
    """Scans typed by a keyboard-wedge scanner, recognised among ordinary key presses.

    ``clock`` (monotonic seconds) is injectable so tests can decide the timing exactly.
    """

    kind = "keyboard"

    def __init__(
        self,
        name: str,
        rules: ParsingRules,
        *,
        max_key_interval_ms: int = 50,
        min_burst_length: int = 6,
        terminator: str = "enter",
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(name, rules, parent)
        self._interval_s = max_key_interval_ms / 1000
        self._min_length = min_burst_length
        self._terminators = _TERMINATOR_KEYS[terminator]
        self._clock = clock
        self._held: list[_HeldKey] = []
        self._replaying = False
        self._decide = QTimer(self, singleShot=True)
        self._decide.setInterval(max_key_interval_ms)
        self._decide.timeout.connect(self._replay_held)

    def start(self) -> None:
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication before starting the keyboard reader")
        app.installEventFilter(self)
        super().start()

    def stop(self) -> None:
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._replay_held()
        super().stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        if not isinstance(event, QKeyEvent) or not watched.isWidgetType():
            return False  # the same key also reaches the window; count it once
        now = self._clock()
        if self._held and now - self._held[-1].at > self._interval_s:
            self._replay_held()  # too slow for a scanner: a person was typing
        key = event.key()
        if key in self._terminators:
            if len(self._held) >= self._min_length:
                raw = "".join(held.event.text() for held in self._held)
                self._held.clear()
                self._decide.stop()
                self._deliver(raw)
                return True
            self._replay_held()
            return False
        text = event.text()
        if (
            not text
            or event.isAutoRepeat()  # a key held down: a person, not a scanner
            or not text.isprintable()
            or event.modifiers()
            & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        ):
            self._replay_held()
            return False
        self._held.append(_HeldKey(watched, _copy(event), now))
        self._decide.start()
        return True

    def _replay_held(self) -> None:
        self._decide.stop()
        held, self._held = self._held, []
        if not held:
            return
        self._replaying = True
        try:
            for key in held:
                if shiboken6.isValid(key.receiver):  # the widget may be gone by now
                    QCoreApplication.sendEvent(key.receiver, key.event)
        finally:
            self._replaying = False


def _copy(event: QKeyEvent) -> QKeyEvent:
    return QKeyEvent(
        event.type(),
        event.key(),
        event.modifiers(),
        event.text(),
        event.isAutoRepeat(),
        event.count(),
    )
