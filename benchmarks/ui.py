"""The touchscreen: start-up, screen transitions, GUI-thread stalls, taps to a ticket.

- Start-up: ``kiosk self-check --demo`` in a fresh process, five times in turn with a bare
  PySide6 window; each reports the seconds from process start to its first painted frame.
- Transitions: from the flow's step change to the first paint of the new screen.
- Stall: the longest gap between two runs of a 1 ms timer on the GUI thread during a whole
  journey while every backend answer arrives 2 s late and the printer takes 1 s per job.
- Taps: touches after the card scan until the ticket shows, with one appointment in its window.
- Large text: from the tap on the large-text switch to the home screen's first paint in the
  new size, the first switch on after start (its glyphs were never drawn) and the median of
  more, on and off.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import paper_for
from kiosk.devices.printing.service import PrinterService
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer
from kiosk.walkthrough import Walkthrough, settle

Figure = tuple[str, float, str]

STARTS = 5
LARGE_TEXT_SWITCHES = 8
BACKEND_DELAY_S = 2.0
PRINTER_DELAY_S = 1.0


class SlowNetwork(Executor):
    """Every backend call answers ``delay_s`` late, as from an overloaded HIS."""

    def __init__(self, delay_s: float) -> None:
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slow-backend")
        self._delay_s = delay_s

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def late() -> Any:
            time.sleep(self._delay_s)
            return fn(*args, **kwargs)

        return self._pool.submit(late)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class StallMeter(QObject):
    """The longest time the GUI thread went without running a 1 ms timer."""

    def __init__(self) -> None:
        super().__init__()
        self.longest_s = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer(self, interval=1)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest_s = max(self.longest_s, now - self._last)
        self._last = now


class TransitionMeter(QObject):
    """Step change → first paint of the screen that step shows."""

    def __init__(self, kiosk: Kiosk) -> None:
        super().__init__()
        self.durations_s: list[float] = []
        self._changed_at: float | None = None
        self._target: QObject | None = None
        self._kiosk = kiosk
        kiosk.flow.step_changed.connect(self._on_step)
        for screen in set(kiosk.view.screens.values()):
            screen.installEventFilter(self)

    def _on_step(self, step: Step) -> None:
        self._changed_at = time.perf_counter()
        self._target = self._kiosk.view.screens[step]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Paint
            and watched is self._target
            and self._changed_at is not None
        ):
            self.durations_s.append(time.perf_counter() - self._changed_at)
            self._changed_at = None
        return False


def large_text_switches(app: QApplication) -> list[float]:
    """Seconds from each tap on the large-text switch to the home screen's next paint."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-large-") as scratch:
        spool = Path(scratch) / "spool"
        with EmbeddedServer.start(Path(scratch) / "demo.sqlite3", seed_demo=True) as server:
            kiosk = Kiosk(demo_config(server.url, spool), app)
            try:
                kiosk.start()
                kiosk.window.resize(1920, 1080)
                kiosk.window.show()
                settle(1000)  # started and idle, as when the first patient walks up
                switch = kiosk.window.find_button("home.large_text")
                assert switch is not None
                times = []
                for _ in range(LARGE_TEXT_SWITCHES):
                    tapped = time.perf_counter()
                    QTest.mouseClick(switch, Qt.MouseButton.LeftButton)  # restyles, in here
                    painted = PaintWatch(kiosk.view.home)  # the paint in the new size
                    while painted.at is None:
                        app.processEvents()
                    times.append(painted.at - tapped)
                    settle(300)
                return times
            finally:
                kiosk.shutdown()
                kiosk.window.close()
                kiosk.window.deleteLater()


class PaintWatch(QObject):
    """When ``widget`` is next painted."""

    def __init__(self, widget: QObject) -> None:
        super().__init__()
        self.at: float | None = None
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.at is None:
            self.at = time.perf_counter()
            self._widget.removeEventFilter(self)
        return False


# The reference: a bare PySide6 window, timed to its first paint with the same clock.
BARE_WINDOW = """
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget
from kiosk.selfcheck import process_age_s
app = QApplication([])
window = QWidget()
painted = []
class Watch(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not painted:
            painted.append(process_age_s())
        return False
watch = Watch()
window.installEventFilter(watch)
window.resize(1920, 1080)
window.show()
while not painted:
    app.processEvents()
print(f"first frame {painted[0]:.3f} s")
"""


def _first_frame_s(*, bare: bool) -> float:
    """Seconds to the first painted frame of ``self-check --demo``, or of a bare window.

    With bytecode written and read, as on a deployed kiosk (pip and the package ship it):
    a shell that sets PYTHONDONTWRITEBYTECODE would otherwise make the kiosk compile its
    hundred modules on every start, and the bare window almost none.
    """
    command = ["-c", BARE_WINDOW] if bare else ["-m", "kiosk.cli", "self-check", "--demo"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    finished = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, env=env, timeout=120, check=True
    )
    found = re.search(r"first frame ([0-9.]+) s", finished.stdout)
    if found is None:
        raise RuntimeError(f"self-check said: {finished.stdout}{finished.stderr}")
    return float(found.group(1))


def start_up_times() -> tuple[list[float], list[float]]:
    """The kiosk's and a bare window's start-ups, in turn (a drifting load hits both alike),
    after one start of each that is not counted (it writes the bytecode)."""
    _first_frame_s(bare=False)
    _first_frame_s(bare=True)
    kiosk, bare = [], []
    for _ in range(STARTS):
        kiosk.append(_first_frame_s(bare=False))
        bare.append(_first_frame_s(bare=True))
    return kiosk, bare


def journey(walk: Walkthrough) -> int:
    """Check in by card, look at a refusal, list appointments; the taps from scan to ticket.

    In large-text mode each visit starts by switching it on (it ends with the visit).
    """
    walk.start("checkin")
    walk.wait_for(Step.identify)
    walk.click("identify.demo.one_in_window")  # stands in for the card scan
    scanned_at = walk.taps
    walk.wait_for(Step.appointments)
    walk.click("appointments.checkin.0")
    walk.wait_for(Step.ticket)
    taps = walk.taps - scanned_at
    walk.click("ticket.done")
    walk.wait_for(Step.home)
    walk.start("checkin")
    for key in "11010519491231002X":
        walk.click("keypad.x" if key == "X" else f"keypad.digit{key}")
    walk.click("identify.submit")
    walk.wait_for(Step.appointments)
    walk.click("appointments.ticket.0")
    walk.wait_for(Step.ticket)
    walk.click("ticket.done")
    walk.start("appointments")
    walk.click("identify.demo.two_today")
    walk.wait_for(Step.upcoming)
    walk.click("upcoming.home")
    walk.wait_for(Step.home)
    return taps


def run_journey(
    app: QApplication, *, slow: bool, large_text: bool = False
) -> tuple[float, list[float], int]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-ui-") as scratch:
        spool = Path(scratch) / "spool"
        spool.mkdir()
        with EmbeddedServer.start(Path(scratch) / "demo.sqlite3", seed_demo=True) as server:
            connection = SimulatedConnection(spool)
            if slow:
                connection.set_delay(PRINTER_DELAY_S)
            printer = PrinterService(
                connection, RenderOptions(paper=paper_for(80)), poll_interval_s=600
            )
            network = SlowNetwork(BACKEND_DELAY_S if slow else 0.0)
            kiosk = Kiosk(demo_config(server.url, spool), app, printer=printer, executor=network)
            try:
                kiosk.start()
                kiosk.window.resize(1920, 1080)
                kiosk.window.show()
                settle(200)
                transitions = TransitionMeter(kiosk)
                stalls = StallMeter()
                stalls.start()
                taps = journey(Walkthrough(kiosk, Path(scratch), "", large_text=large_text))
                stalls.stop()
                return stalls.longest_s, transitions.durations_s, taps
            finally:
                kiosk.shutdown()
                kiosk.window.close()
                kiosk.window.deleteLater()
                network.shutdown(wait=True)


def collect() -> list[Figure]:
    starts, bare_starts = start_up_times()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    _, transitions, taps = run_journey(app, slow=False)
    longest_stall, _, _ = run_journey(app, slow=True)
    longest_large_stall, _, _ = run_journey(app, slow=True, large_text=True)
    switches = large_text_switches(app)
    return [
        ("start-up to first painted home, demo (median of 5)", statistics.median(starts), "s"),
        ("start-up, slowest of 5", max(starts), "s"),
        (
            "reference: bare PySide6 window to first paint (median of 5)",
            statistics.median(bare_starts),
            "s",
        ),
        (
            "start-up ÷ bare window (the figure that counts)",
            statistics.median(starts) / statistics.median(bare_starts),
            "×",
        ),
        ("screen transition, median", statistics.median(transitions) * 1000, "ms"),
        ("screen transition, max", max(transitions) * 1000, "ms"),
        (
            f"longest GUI stall, backend {BACKEND_DELAY_S:g} s late, printer {PRINTER_DELAY_S:g} s",
            longest_stall * 1000,
            "ms",
        ),
        ("same, large-text mode switched on and off each visit", longest_large_stall * 1000, "ms"),
        ("taps from card scan to ticket (one appointment)", taps, "taps"),
        ("large-text switch on, tap to first paint, first time", switches[0] * 1000, "ms"),
        (
            f"large-text switch, tap to first paint, median of {LARGE_TEXT_SWITCHES} on and off",
            statistics.median(switches) * 1000,
            "ms",
        ),
    ]
