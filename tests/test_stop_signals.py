"""SIGINT and SIGTERM end a waiting event loop at once, with exit code 0."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.stop_signals import STOP_SIGNALS, StopSignals, quit_on_signals

GIVE_UP_MS = 5000


def current_wakeup_fd() -> int:
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd)
    return fd


@pytest.fixture
def stop_signals(qapp: QApplication) -> Iterator[StopSignals]:
    """``quit_on_signals`` on the test's application; the signals are given back afterwards."""
    handlers = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    wakeup_fd = current_wakeup_fd()
    stop = quit_on_signals(qapp)
    yield stop
    stop.uninstall()
    stop.deleteLater()
    assert {number: signal.getsignal(number) for number in STOP_SIGNALS} == handlers
    assert current_wakeup_fd() == wakeup_fd


@pytest.mark.parametrize("number", STOP_SIGNALS, ids=[number.name for number in STOP_SIGNALS])
def test_a_signal_ends_the_event_loop_with_exit_code_0(
    number: signal.Signals,
    qapp: QApplication,
    stop_signals: StopSignals,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Sent from another thread while the GUI thread waits inside Qt, running no Python at all:
    # only the socket can wake it before the give-up timer does.
    sender = threading.Timer(0.2, os.kill, (os.getpid(), number))
    QTimer.singleShot(0, sender.start)
    give_up = QTimer(singleShot=True, interval=GIVE_UP_MS)
    give_up.timeout.connect(lambda: qapp.exit(1))
    give_up.start()
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="kiosk.stop_signals"):
        exit_code = qapp.exec()
    waited_s = time.monotonic() - started
    give_up.stop()
    sender.join()
    assert exit_code == 0
    assert waited_s < GIVE_UP_MS / 1000 / 2
    assert f"stopping on signal {number:d}" in caplog.text
