"""The heartbeat: every 30 s the kiosk tells the server it is alive and how its devices are.

IT staff see the whole fleet at the server's ``/admin/kiosks``. A heartbeat that fails is
simply tried again at the next beat; it never disturbs a patient.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk import __version__
from kiosk.api.models import DeviceState, HeartbeatAck, HeartbeatRequest
from kiosk.runner import Runner

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_S = 30.0
HISTORY_S = 3600.0  # the technician's latency chart shows the last hour


@dataclass(frozen=True)
class BeatSample:
    """One heartbeat as measured by the kiosk: when (monotonic), how long, or why it failed."""

    at: float
    round_trip_s: float | None
    error: str = ""


@dataclass(frozen=True)
class _Timed:
    ack: HeartbeatAck
    round_trip_s: float
    clock_offset_s: float


class HeartbeatSender(QObject):
    """Signals:
    beat_sent: the server acknowledged a heartbeat.
    beat_failed: a heartbeat could not be delivered; carries the error type name.
    """

    beat_sent = Signal(object)
    beat_failed = Signal(str)

    def __init__(
        self,
        send: Callable[[HeartbeatRequest], HeartbeatAck],
        runner: Runner,
        devices: Callable[[], list[DeviceState]],
        last_error: Callable[[], str],
        *,
        interval_s: float = HEARTBEAT_INTERVAL_S,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._send = send
        self._runner = runner
        self._devices = devices
        self._last_error = last_error
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.interval_s = interval_s
        self._started = time.monotonic()
        self._in_flight = False
        self._timer = QTimer(self, interval=round(interval_s * 1000))
        self._timer.timeout.connect(self.beat)
        self._history: deque[BeatSample] = deque()
        # The server's clock minus the kiosk's (``clock``, what check-in windows are judged
        # by), from the last answer: a wrong clock breaks check-in.
        self.clock_offset_s: float | None = None

    def history(self) -> list[BeatSample]:
        """The last hour's heartbeats, oldest first."""
        self._forget_old()
        return list(self._history)

    def _record(self, sample: BeatSample) -> None:
        self._history.append(sample)
        self._forget_old()

    def _forget_old(self) -> None:
        while self._history and self._history[0].at < time.monotonic() - HISTORY_S:
            self._history.popleft()

    def start(self) -> None:
        self._timer.start()
        self.beat()

    def stop(self) -> None:
        self._timer.stop()

    def report(self) -> HeartbeatRequest:
        return HeartbeatRequest(
            version=__version__,
            uptime_s=round(time.monotonic() - self._started, 1),
            devices=self._devices()[:32],
            last_error=self._last_error()[:2000],
        )

    def beat(self) -> None:
        if self._in_flight:
            return  # the previous one is still waiting for a slow backend
        self._in_flight = True
        report = self.report()

        def timed() -> _Timed:
            started, ours = time.perf_counter(), self._clock()
            ack = self._send(report)
            round_trip = time.perf_counter() - started
            midway = ours + dt.timedelta(seconds=round_trip / 2)
            return _Timed(ack, round_trip, (ack.server_time - midway).total_seconds())

        self._runner.run(
            timed,
            self._on_sent,
            self._on_failed,
            description="heartbeat",
            per_visit=False,
        )

    def _on_sent(self, timed: _Timed) -> None:
        self._in_flight = False
        self._record(BeatSample(time.monotonic(), timed.round_trip_s))
        self.clock_offset_s = timed.clock_offset_s
        self.beat_sent.emit(timed.ack)

    def _on_failed(self, error: Exception) -> None:
        self._in_flight = False
        self._record(BeatSample(time.monotonic(), None, type(error).__name__))
        log.warning("heartbeat failed: %s", type(error).__name__)
        self.beat_failed.emit(type(error).__name__)
