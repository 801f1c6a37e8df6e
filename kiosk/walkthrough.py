"""``kiosk walkthrough``: drive the real UI through a patient's journey and save each screen.

Runs against the embedded demo hospital with the simulated printer, clicking the same buttons a
patient would (by their objectNames), and writes one PNG per screen plus the printed ticket's
preview. Used for the README's screenshots and for looking at every screen in each language,
size and text mode.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.flows.info import InfoStep
from kiosk.flows.visit import Step

STEP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Shot:
    name: str
    path: Path


class Walkthrough:
    """Clicks through a :class:`Kiosk` and grabs its window after each step."""

    def __init__(self, kiosk: Kiosk, out_dir: Path, prefix: str, *, large_text: bool) -> None:
        self.kiosk = kiosk
        self.large_text = large_text
        self.out_dir = out_dir
        self.prefix = prefix
        self.shots: list[Shot] = []
        self.taps = 0

    def start(self, service: str) -> None:
        """From home: large text if asked (it resets with every visit), then a service tile."""
        if self.large_text and not self.kiosk.view.large_text:
            self.click("home.large_text")
        self.click(f"home.{service}")

    def click(self, name: str) -> None:
        target = self.kiosk.window.find_button(name)
        if target is None or not target.isVisible():
            raise RuntimeError(f"no visible button {name!r} on the current screen")
        QTest.mouseClick(
            target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint()
        )
        self.taps += 1
        settle()

    def wait_for(self, step: Step) -> None:
        wait_until(lambda: self.kiosk.flow.step == step and not self.kiosk.flow.busy)

    def shoot(self, name: str) -> None:
        settle()
        path = self.out_dir / f"{self.prefix}{len(self.shots) + 1:02d}-{name}.png"
        if not self.kiosk.window.grab().save(str(path)):
            raise RuntimeError(f"could not write {path}")
        self.shots.append(Shot(name, path))

    def journey(self) -> None:
        """Home, identify, appointments, ticket; then a notice; then my appointments."""
        if self.large_text:
            self.click("home.large_text")
        self.shoot("home")
        self.click("home.checkin")
        self.wait_for(Step.identify)
        for key in "11010519491231002X":
            self.click("keypad.x" if key == "X" else f"keypad.digit{key}")
        self.shoot("identify")
        self.click("identify.submit")
        self.wait_for(Step.appointments)
        self.shoot("appointments")
        self.click("appointments.checkin.0")
        self.wait_for(Step.ticket)
        self.shoot("ticket")
        self.click("ticket.done")
        self.wait_for(Step.home)
        self.start("checkin")
        self.click("identify.demo.too_early")
        self.wait_for(Step.appointments)
        self.click("appointments.checkin.0")
        self.wait_for(Step.notice)
        self.shoot("notice-too-early")
        self.click("notice.home")
        self.start("appointments")
        self.click("identify.demo.two_today")
        self.wait_for(Step.upcoming)
        self.shoot("my-appointments")
        self.click("upcoming.home")
        self.wait_for(Step.home)
        self.start("info")
        wait_until(lambda: self.kiosk.info.step == InfoStep.directory)
        self.shoot("directory")
        self.click("directory.department.0")
        wait_until(lambda: self.kiosk.info.step == InfoStep.department)
        self.shoot("department")
        self.click("department.home")
        self.wait_for(Step.home)


def settle(ms: int = 50) -> None:
    """Let queued events (layouts, paints, signals from workers) run for a moment."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], bool], timeout_s: float = STEP_TIMEOUT_S) -> None:
    """Run the event loop (never sleep: the GUI thread keeps serving events) until ``condition``."""
    loop = QEventLoop()
    poll = QTimer(interval=5)
    poll.timeout.connect(lambda: loop.quit() if condition() else None)
    deadline = time.monotonic() + timeout_s
    poll.start()
    try:
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the kiosk did not reach the expected screen in time")
            loop.exec()
    finally:
        poll.stop()


def run(
    out_dir: Path,
    *,
    size: tuple[int, int],
    language: str,
    large_text: bool,
    theme: str = "standard",
    walker: type[Walkthrough] = Walkthrough,
) -> Walkthrough:
    """The whole walkthrough on a fresh demo hospital; the walker holds the screenshots."""
    from kiosk.server.embedded import EmbeddedServer

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-walkthrough-") as scratch:
        spool = Path(scratch) / "spool"
        with EmbeddedServer.start(Path(scratch) / "demo.sqlite3", seed_demo=True) as server:
            config = demo_config(server.url, spool)
            config = config.model_copy(
                update={
                    "kiosk": config.kiosk.model_copy(update={"language": language, "theme": theme})
                }
            )
            kiosk = Kiosk(config, app)
            try:
                kiosk.window.resize(*size)
                kiosk.window.show()
                tag = f"{language}-{size[0]}x{size[1]}{'-large' if large_text else ''}-"
                if theme != "standard":
                    tag = f"{theme}-{tag}"
                walk = walker(kiosk, out_dir, tag, large_text=large_text)
                walk.journey()
                wait_until(lambda: any(spool.glob("*.png")))
                previews = sorted(spool.glob("*.png"))
                if previews and walker is Walkthrough:
                    target = out_dir / f"{tag}ticket-print-preview.png"
                    shutil.copyfile(previews[0], target)
                    walk.shots.append(Shot("ticket-print-preview", target))
                return walk
            finally:
                kiosk.shutdown()
                kiosk.window.close()
