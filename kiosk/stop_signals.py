"""Ctrl+C in a terminal and ``systemctl stop`` end the kiosk cleanly, at once.

Python runs a signal handler only when the interpreter next gets control, and it does not
while Qt's event loop waits in C++. What does happen at once is the C-level part: with
``signal.set_wakeup_fd`` it writes the signal's number to a socket. The other end of that
socket pair is watched by a ``QSocketNotifier``, so the event loop wakes, reads the number and
ends the application (MusicBrainz Picard handles signals the same way). No timer wakes the
interpreter a few times a second just in case.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class StopSignals(QObject):
    """Ends its application with exit code 0 when SIGINT or SIGTERM arrives.

    A child of the application, so it lives as long as the application does. Made and
    installed by :func:`quit_on_signals`.
    """

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self._app = app
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)  # a signal handler must never block
        self._notifier = QSocketNotifier(
            self._wake_reader.fileno(), QSocketNotifier.Type.Read, self
        )
        self._notifier.activated.connect(self._on_woken)
        self._previous_handlers: dict[signal.Signals, _Handler] = {}
        self._previous_wakeup_fd = -1

    def install(self) -> None:
        """Take over SIGINT and SIGTERM. Call on the main thread."""
        self._previous_wakeup_fd = signal.set_wakeup_fd(
            self._wake_writer.fileno(), warn_on_full_buffer=False
        )
        for number in STOP_SIGNALS:
            self._previous_handlers[number] = signal.signal(number, _leave_to_the_event_loop)

    def uninstall(self) -> None:
        """Give the signals back to their previous handlers and close the socket pair."""
        for number, handler in self._previous_handlers.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        self._previous_handlers.clear()
        signal.set_wakeup_fd(self._previous_wakeup_fd)
        self._notifier.setEnabled(False)
        self._wake_reader.close()
        self._wake_writer.close()

    def _on_woken(self) -> None:
        try:
            numbers = self._wake_reader.recv(64)
        except BlockingIOError:  # woken, but the bytes were read already
            return
        for number in numbers:
            if number in STOP_SIGNALS:
                log.info("stopping on signal %d", number)
                self._app.exit(0)  # not quit(): Qt lets a window refuse that; the kiosk's does
                return


def _leave_to_the_event_loop(signal_number: int, frame: FrameType | None) -> None:
    """Python's own handler: not the default (which kills or raises), the socket does the work."""


def quit_on_signals(app: QCoreApplication) -> StopSignals:
    """Make SIGINT and SIGTERM end ``app`` with exit code 0; call on the main thread."""
    stop = StopSignals(app)
    stop.install()
    return stop
