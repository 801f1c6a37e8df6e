"""The idle watcher decides when the countdown starts, how many seconds are left, and when the
visit is wiped; the UI only shows what it says."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.flows.idle import IdleWatcher


def test_the_countdown_starts_after_the_quiet_time_and_counts_to_the_timeout(
    qapp: QApplication, qtbot: QtBot
) -> None:
    idle = IdleWatcher(0.05, 2)
    started: list[int] = []
    ticked: list[int] = []
    idle.countdown_started.connect(started.append)
    idle.countdown_ticked.connect(ticked.append)
    idle.start()
    with qtbot.waitSignal(idle.timed_out, timeout=5000):
        pass
    assert started == [2]
    assert ticked == [1]
    assert not idle.active
    assert not idle.counting_down


def test_a_touch_during_the_countdown_cancels_it_and_the_quiet_time_starts_again(
    qapp: QApplication, qtbot: QtBot
) -> None:
    idle = IdleWatcher(0.05, 20)
    idle.start()
    qtbot.waitUntil(lambda: idle.counting_down, timeout=3000)
    with qtbot.waitSignal(idle.countdown_cancelled, timeout=1000):
        idle.touch()
    assert not idle.counting_down
    assert idle.active
    with qtbot.waitSignal(idle.countdown_started, timeout=3000) as again:
        pass
    assert again.args == [20], "the full countdown again, not what was left"
    idle.stop()


def test_warn_now_skips_the_quiet_time_only_during_a_visit(
    qapp: QApplication, qtbot: QtBot
) -> None:
    idle = IdleWatcher(600, 20)
    with qtbot.assertNotEmitted(idle.countdown_started, wait=50):
        idle.warn_now()  # on the home screen there is nothing to count down
    idle.start()
    with qtbot.waitSignal(idle.countdown_started, timeout=1000) as started:
        idle.warn_now()
    assert started.args == [20]
    with qtbot.waitSignal(idle.countdown_cancelled, timeout=1000):
        idle.stop()
