"""Inactivity: warn, count down with a "more time" button, then wipe the visit.

WCAG 2.2.1 asks for at least 20 seconds to extend a time limit and at least ten extensions;
"more time" here works without limit. The UI reports every touch and key with :meth:`touch`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal


class IdleWatcher(QObject):
    """Counts quiet seconds while a visit is active.

    Signals:
        countdown_started: the warning is showing; carries the seconds left.
        countdown_ticked: seconds left, once a second.
        countdown_cancelled: the patient touched the screen or asked for more time.
        timed_out: the countdown reached zero; the visit must be wiped.
    """

    countdown_started = Signal(int)
    countdown_ticked = Signal(int)
    countdown_cancelled = Signal()
    timed_out = Signal()

    def __init__(
        self, warn_after_s: float, countdown_s: float, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._warn_after_ms = round(warn_after_s * 1000)
        self._countdown_s = round(countdown_s)
        self._scale = 1.0
        self._quiet = QTimer(self, singleShot=True)
        self._quiet.timeout.connect(self._on_quiet)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick)
        self._left = 0
        self.active = False

    @property
    def counting_down(self) -> bool:
        return self._tick.isActive()

    def set_slow_mode(self, slow: bool) -> None:
        """Large-text mode doubles the quiet time: reading takes longer."""
        self._scale = 2.0 if slow else 1.0
        if self.active and not self.counting_down:
            self._restart_quiet()

    def start(self) -> None:
        """A visit began: start watching."""
        self.active = True
        self._restart_quiet()

    def stop(self) -> None:
        """Back on the home screen: nothing to protect."""
        self.active = False
        self._quiet.stop()
        if self._tick.isActive():
            self._tick.stop()
            self.countdown_cancelled.emit()

    def touch(self) -> None:
        """Any input from the patient, including the "more time" button."""
        if not self.active:
            return
        if self._tick.isActive():
            self._tick.stop()
            self.countdown_cancelled.emit()
        self._restart_quiet()

    def warn_now(self) -> None:
        """Skip the rest of the quiet time: the countdown starts at once (the walkthrough's
        shot of it; a technician checking the warning)."""
        if self.active and not self.counting_down:
            self._quiet.stop()
            self._on_quiet()

    def _restart_quiet(self) -> None:
        self._quiet.start(round(self._warn_after_ms * self._scale))

    def _on_quiet(self) -> None:
        self._left = self._countdown_s
        self._tick.start()
        self.countdown_started.emit(self._left)

    def _on_tick(self) -> None:
        self._left -= 1
        if self._left > 0:
            self.countdown_ticked.emit(self._left)
            return
        self._tick.stop()
        self.active = False
        self.timed_out.emit()
