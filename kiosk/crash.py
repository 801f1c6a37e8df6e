"""What happens when the code itself fails: log it, tell the patient plainly, recover.

Uncaught exceptions (in a slot, on the GUI thread, or on a worker thread) are logged with
their traceback and reported through :attr:`CrashGuard.crashed` on the GUI thread. The kiosk
shows "out of order" and returns home. When crashes repeat, the guard declares the kiosk
out of order for good (the screen stays, the heartbeat says so); past a hard limit it asks
the application to exit with :data:`EXIT_CRASHED` so a service manager restarts it.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

EXIT_CRASHED = 70  # EX_SOFTWARE: "internal software error"; systemd Restart=on-failure
RECENT_REPORTS = 5


class CrashGuard(QObject):
    """Signals:
    crashed: a one-line summary of an uncaught exception (type and where).
    out_of_order_changed: True once crashes repeat within the window.
    restart_requested: the exit code the application should quit with.
    """

    crashed = Signal(str)
    out_of_order_changed = Signal(bool)
    restart_requested = Signal(int)
    _report = Signal(str)  # from any thread to the GUI thread

    def __init__(
        self,
        *,
        repeat_limit: int = 3,
        restart_limit: int = 6,
        window_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._repeat_limit = repeat_limit
        self._restart_limit = restart_limit
        self._window_s = window_s
        self._clock = clock
        self._times: deque[float] = deque()
        self.out_of_order = False
        self.last_error = ""
        # The last few summaries with their local time, for the technician's system page.
        self.recent: deque[tuple[dt.datetime, str]] = deque(maxlen=RECENT_REPORTS)
        self._previous_hooks: tuple[object, object] | None = None
        self._report.connect(self._on_report)

    def install(self) -> None:
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks  # type: ignore[assignment]
            self._previous_hooks = None

    def report_failure(self, summary: str) -> None:
        """A failure caught elsewhere (a callback that raised) counts like an uncaught one."""
        self._report.emit(summary)

    def reset(self) -> None:
        """A technician cleared the fault."""
        self._times.clear()
        if self.out_of_order:
            self.out_of_order = False
            self.out_of_order_changed.emit(False)

    def _excepthook(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        self._record(kind, error, trace, "main thread")

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or isinstance(args.exc_value, SystemExit):
            return
        where = args.thread.name if args.thread is not None else "a thread"
        self._record(args.exc_type, args.exc_value, args.exc_traceback, where)

    def _record(
        self,
        kind: type[BaseException],
        error: BaseException,
        trace: TracebackType | None,
        where: str,
    ) -> None:
        # The traceback names code and lines; exception messages may hold data, so only the
        # type goes into the summary that leaves the machine in the heartbeat.
        log.critical(
            "uncaught %s in %s\n%s",
            kind.__name__,
            where,
            "".join(traceback.format_exception(kind, error, trace)),
        )
        frames = traceback.extract_tb(trace)
        place = f"{frames[-1].name}:{frames[-1].lineno}" if frames else where
        self._report.emit(f"{kind.__name__} in {place}")

    def _on_report(self, summary: str) -> None:
        now = self._clock()
        self._times.append(now)
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()
        self.last_error = summary
        self.recent.append((dt.datetime.now().astimezone(), summary))
        self.crashed.emit(summary)
        if len(self._times) >= self._repeat_limit and not self.out_of_order:
            self.out_of_order = True
            self.out_of_order_changed.emit(True)
        if len(self._times) >= self._restart_limit:
            log.critical(
                "%d crashes in %.0f s: asking to be restarted", len(self._times), self._window_s
            )
            self.restart_requested.emit(EXIT_CRASHED)
