"""``kiosk self-check``: build everything from the config, try each part, report in a few lines.

IT staff run it after installing a kiosk. It contacts the backend with the kiosk's token, asks
the printer for its status, loads the sound cues, paints the home screen off screen and reports
how long the process took from start to that first painted frame. Exit 0 only when every check
passed; a kiosk with no audio output is reported but passes (the cues are a help, not a need).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import KioskConfig


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere: since import)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
        return uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED_AT


_IMPORTED_AT = time.monotonic()


def _timed(name: str, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as error:
        return Check(name, False, f"{type(error).__name__}: {error}")
    return Check(name, True, f"{detail} ({(time.perf_counter() - started) * 1000:.0f} ms)")


def run_checks(
    config: KioskConfig, *, first_frame: Callable[[], None] | None = None
) -> tuple[list[Check], float]:
    """All checks, and the seconds from process start to the first painted home screen;
    ``first_frame`` is called once that frame is painted (the demo starts its server then)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from kiosk.app import Kiosk
    from kiosk.devices.printing.drivers import PrinterStatus, create_connection
    from kiosk.report_printing import QueueState

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    painted: list[float] = []

    class PaintWatcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(process_age_s())
            return False

    kiosk = Kiosk(config, app)
    kiosk.start()
    watcher = PaintWatcher()
    kiosk.view.home.installEventFilter(watcher)
    kiosk.window.resize(1920, 1080)
    kiosk.window.show()
    deadline = time.monotonic() + 10
    while not painted and time.monotonic() < deadline:
        app.processEvents()
    first_frame_s = painted[0] if painted else float("nan")
    if first_frame is not None:
        first_frame()

    checks = [Check("configuration", True, config.source or "(built in)")]
    checks.append(
        _timed(
            "backend",
            lambda: f"{config.backend.url}: {len(kiosk.client.departments())} departments",
        )
    )

    def printer_status() -> str:
        connection = create_connection(config.printer, timeout_s=2.0)
        try:
            status = connection.read_status()
        finally:
            connection.close()
        if status in (PrinterStatus.paper_out, PrinterStatus.cover_open, PrinterStatus.offline):
            raise RuntimeError(f"{config.printer.kind} printer reports {status.value}")
        return f"{config.printer.kind} printer: {status.value}"

    checks.append(_timed("printer", printer_status))
    report_printer = kiosk.devices.report_printer
    if report_printer is not None:

        def report_printer_status() -> str:
            state = report_printer.queue_state()
            if state is not QueueState.ready:
                raise RuntimeError(f"{report_printer.kind} report printer is {state.value}")
            return f"{report_printer.kind} report printer: {state.value}"

        checks.append(_timed("report printer", report_printer_status))
    sounds = kiosk.sounds
    sound = sounds.reason or "success and error cues ready"
    if sounds.loaded and sounds.reason:
        sound = f"Qt Multimedia loaded; {sounds.reason}: the cues stay silent"
    checks.append(Check("sound", sounds.loaded, sound))
    checks.append(
        Check(
            "home screen",
            bool(painted),
            f"first frame {first_frame_s:.2f} s after start" if painted else "never painted",
        )
    )
    kiosk.shutdown()
    kiosk.window.close()
    return checks, first_frame_s


def report(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    return "\n".join(
        f"{'ok  ' if check.ok else 'FAIL'}  {check.name.ljust(width)}  {check.detail}"
        for check in checks
    )
