"""An exception inside a slot: logged, "out of order" shown, and the kiosk comes back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.api.models import IdentifierKind
from kiosk.app import Kiosk
from kiosk.config import demo_config
from kiosk.crash import EXIT_CRASHED, CrashGuard
from kiosk.flows.visit import Step
from kiosk.server.embedded import EmbeddedServer


class Emitter(QObject):
    fired = Signal()


def broken_slot() -> None:
    raise RuntimeError("a bug in a slot")


@pytest.fixture
def kiosk(
    qapp: QApplication, qtbot: QtBot, live_server: EmbeddedServer, tmp_path: Path
) -> Iterator[Kiosk]:
    built = Kiosk(demo_config(live_server.url, tmp_path / "spool"), qapp, clock=live_server.clock)
    qtbot.addWidget(built.window)
    built.window.show()
    built.start()
    yield built
    built.shutdown()


def test_exception_in_a_slot_shows_out_of_order_then_recovers(kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk.view._recovery.setInterval(200)  # not 8 s in a test
    kiosk.flow.choose(kiosk.flow.intent)
    emitter = Emitter()
    emitter.fired.connect(broken_slot)
    with qtbot.waitSignal(kiosk.crash_guard.crashed, timeout=2000) as crashed:
        emitter.fired.emit()
    assert crashed.args[0].startswith("RuntimeError in broken_slot:")
    assert kiosk.window.current_screen() is kiosk.view.out_of_order
    assert kiosk.flow.step == Step.home, "the visit was wiped"
    assert kiosk.flow.paused
    qtbot.waitUntil(lambda: kiosk.window.current_screen() is kiosk.view.home, timeout=2000)
    assert not kiosk.flow.paused


def test_exception_on_a_worker_thread(kiosk: Kiosk, qtbot: QtBot) -> None:
    with qtbot.waitSignal(kiosk.crash_guard.crashed, timeout=2000):
        worker = threading.Thread(target=broken_slot, name="worker")
        worker.start()
        worker.join()
    assert kiosk.window.current_screen() is kiosk.view.out_of_order


def test_repeated_crashes_keep_the_screen(kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk.view._recovery.setInterval(100)
    for _ in range(3):
        QTimer.singleShot(0, broken_slot)
        qtbot.waitSignal(kiosk.crash_guard.crashed, timeout=2000).wait()
    assert kiosk.crash_guard.out_of_order
    qtbot.wait(300)
    assert kiosk.window.current_screen() is kiosk.view.out_of_order
    kiosk.flow.identifier_read(IdentifierKind.phone, "13800138000")
    assert kiosk.flow.step == Step.home, "scans are ignored while out of order"
    kiosk.crash_guard.reset()
    assert kiosk.window.current_screen() is kiosk.view.home


def test_too_many_crashes_ask_for_a_restart(qtbot: QtBot) -> None:
    guard = CrashGuard(repeat_limit=2, restart_limit=3)
    codes: list[int] = []
    guard.restart_requested.connect(codes.append)
    for index in range(3):
        guard.report_failure(f"failure {index}")
    assert codes == [EXIT_CRASHED]
    assert guard.out_of_order
