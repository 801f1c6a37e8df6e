"""The heartbeat: every 30 s the kiosk tells the server it is alive and how its devices are.

IT staff see the whole fleet at the server's ``/admin/kiosks``. A heartbeat that fails is
simply tried again at the next beat; it never disturbs a patient.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk import __version__
from kiosk.api.models import DeviceState, HeartbeatAck, HeartbeatRequest
from kiosk.runner import Runner

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL_S = 30.0


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
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._send = send
        self._runner = runner
        self._devices = devices
        self._last_error = last_error
        self._started = time.monotonic()
        self._in_flight = False
        self._timer = QTimer(self, interval=round(interval_s * 1000))
        self._timer.timeout.connect(self.beat)

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
        self._runner.run(
            lambda: self._send(report),
            self._on_sent,
            self._on_failed,
            description="heartbeat",
            per_visit=False,
        )

    def _on_sent(self, ack: HeartbeatAck) -> None:
        self._in_flight = False
        self.beat_sent.emit(ack)

    def _on_failed(self, error: Exception) -> None:
        self._in_flight = False
        log.warning("heartbeat failed: %s", type(error).__name__)
        self.beat_failed.emit(type(error).__name__)
