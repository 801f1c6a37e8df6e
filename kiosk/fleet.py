"""The heartbeat: every 30 s the kiosk tells the server it is alive and how its devices are.

IT staff see the whole fleet at the server's ``/admin/kiosks``. A heartbeat that fails is
simply tried again at the next beat; it never disturbs a patient. When an admin asked for
this kiosk's diagnostics bundle, the heartbeat's answer says so and :class:`BundleUploader`
makes and sends it.
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
from kiosk.api.models import DeviceState, DiagnosticsBundleStatus, HeartbeatAck, HeartbeatRequest
from kiosk.backend.errors import BackendRejectedError
from kiosk.diagnostics.bundle import BundleParts, BundleTooLargeError, build_bundle
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

    def uptime_s(self) -> float:
        return time.monotonic() - self._started

    def start(self) -> None:
        self._timer.start()
        self.beat()

    def stop(self) -> None:
        self._timer.stop()

    def report(self) -> HeartbeatRequest:
        return HeartbeatRequest(
            version=__version__,
            uptime_s=round(self.uptime_s(), 1),
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


class BundleUploader(QObject):
    """Makes and sends the diagnostics bundle a heartbeat's answer asks for.

    What the bundle holds from memory is taken on the GUI thread (``gather``); the zip is made
    (``build``) and sent (``upload``) on ``runner``'s executor, never on the GUI thread. Each
    request is sent at most once: after a failed upload the same zip is sent again at the next
    heartbeat that still asks for it (the server keeps the first it receives); one the server
    refused (4xx) is not sent again.

    Signals:
        bundle_sent: the server stored the bundle; carries its receipt.
        bundle_failed: a bundle could not be made or sent; carries the request id and the
            error's type name.
    """

    bundle_sent = Signal(object)
    bundle_failed = Signal(str, str)

    def __init__(
        self,
        upload: Callable[[str, bytes], DiagnosticsBundleStatus],
        runner: Runner,
        gather: Callable[[str], BundleParts],
        *,
        build: Callable[[BundleParts], bytes] = build_bundle,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._upload = upload
        self._runner = runner
        self._gather = gather
        self._build = build
        self._in_flight = False
        self._built: dict[str, bytes] = {}  # request id -> its zip, until the server has it
        self.finished: set[str] = set()  # request ids sent (or refused): never sent again

    def on_heartbeat(self, ack: HeartbeatAck) -> None:
        request_id = ack.diagnostics_request_id
        if not request_id or request_id in self.finished or self._in_flight:
            return
        self._in_flight = True
        upload, built = self._upload, self._built.get(request_id)
        if built is None:
            parts, build = self._gather(request_id), self._build

            def make() -> bytes:
                return build(parts)
        else:

            def make() -> bytes:
                return built

        def make_and_send() -> tuple[bytes, DiagnosticsBundleStatus | Exception]:
            data = make()
            try:
                return data, upload(request_id, data)
            except Exception as error:  # the zip is kept for the next heartbeat's try
                return data, error

        log.info("diagnostics bundle %s asked for", request_id)
        self._runner.run(
            make_and_send,
            lambda answer: self._on_done(request_id, *answer),
            lambda error: self._on_failed(request_id, error),
            description="diagnostics bundle",
            per_visit=False,
        )

    def _on_done(
        self, request_id: str, data: bytes, answer: DiagnosticsBundleStatus | Exception
    ) -> None:
        if isinstance(answer, Exception):
            self._built[request_id] = data
            self._on_failed(request_id, answer)
            return
        self._in_flight = False
        self._built.pop(request_id, None)
        self.finished.add(request_id)
        log.info("diagnostics bundle %s sent: %d bytes", request_id, len(data))
        self.bundle_sent.emit(answer)

    def _on_failed(self, request_id: str, error: Exception) -> None:
        self._in_flight = False
        if isinstance(error, (BackendRejectedError, BundleTooLargeError)):
            self.finished.add(request_id)  # trying again would fail the same way
            self._built.pop(request_id, None)
            log.warning("diagnostics bundle %s given up: %s", request_id, error)
        else:
            log.warning("diagnostics bundle %s not sent: %s", request_id, type(error).__name__)
        self.bundle_failed.emit(request_id, type(error).__name__)
