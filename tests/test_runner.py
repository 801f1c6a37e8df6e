"""The runner hops threads once and drops answers that belong to an earlier visit."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import shiboken6
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from kiosk.runner import Runner
from tests.helpers.executors import FinishesBeforeSubmitReturns, ImmediateExecutor, ManualExecutor


class Recorder:
    def __init__(self) -> None:
        self.results: list[object] = []
        self.errors: list[Exception] = []
        self.threads: list[threading.Thread] = []

    def success(self, value: object) -> None:
        self.threads.append(threading.current_thread())
        self.results.append(value)

    def error(self, error: Exception) -> None:
        self.threads.append(threading.current_thread())
        self.errors.append(error)


def boom() -> int:
    raise ValueError("backend said no")


def test_immediate_executor_delivers_success_and_error() -> None:
    runner = Runner(ImmediateExecutor())
    seen = Recorder()
    runner.run(lambda: 42, seen.success, seen.error)
    runner.run(boom, seen.success, seen.error)
    assert seen.results == [42]
    assert [str(e) for e in seen.errors] == ["backend said no"]
    assert runner.pending_count == 0


def test_manual_executor_lets_the_test_decide_when_the_network_answers() -> None:
    executor = ManualExecutor()
    runner = Runner(executor)
    seen = Recorder()
    runner.run(lambda: "ticket", seen.success, seen.error)
    assert seen.results == []
    assert runner.pending_count == 1
    executor.run_next()
    assert seen.results == ["ticket"]


def test_answer_from_an_earlier_visit_is_dropped() -> None:
    executor = ManualExecutor()
    runner = Runner(executor)
    seen = Recorder()
    runner.run(lambda: "old patient", seen.success, seen.error)
    runner.start_new_visit()
    runner.run(lambda: "new patient", seen.success, seen.error)
    executor.run_all()
    assert seen.results == ["new patient"]
    assert runner.pending_count == 0


def test_kiosk_level_work_survives_a_new_visit() -> None:
    executor = ManualExecutor()
    runner = Runner(executor)
    seen = Recorder()
    runner.run(lambda: "heartbeat ack", seen.success, seen.error, per_visit=False)
    runner.start_new_visit()
    executor.run_all()
    assert seen.results == ["heartbeat ack"]


def test_real_threads_deliver_on_the_gui_thread(qtbot: QtBot) -> None:
    executor = ThreadPoolExecutor(max_workers=2)
    runner = Runner(executor)
    seen = Recorder()
    worker_threads: list[threading.Thread] = []

    def slow_call() -> str:
        worker_threads.append(threading.current_thread())
        return "done"

    runner.run(slow_call, seen.success, seen.error)
    runner.run(boom, seen.success, seen.error)
    qtbot.waitUntil(lambda: len(seen.threads) == 2, timeout=5000)
    executor.shutdown()
    assert worker_threads[0] is not threading.main_thread()
    assert all(thread is threading.main_thread() for thread in seen.threads)
    assert seen.results == ["done"]
    assert len(seen.errors) == 1


def test_an_answer_faster_than_submit_still_comes_after_run_returns(qtbot: QtBot) -> None:
    executor = FinishesBeforeSubmitReturns(max_workers=1)
    runner = Runner(executor)
    seen = Recorder()
    runner.run(lambda: "fast", seen.success, seen.error)
    assert seen.results == []  # not inside run(): the caller has not kept the task id yet
    qtbot.waitUntil(lambda: seen.results == ["fast"], timeout=5000)
    executor.shutdown()


def test_a_failing_callback_is_reported_not_raised(qtbot: QtBot) -> None:
    runner = Runner(ImmediateExecutor())

    def broken_callback(value: object) -> None:
        raise RuntimeError("bug in a screen")

    with qtbot.waitSignal(runner.task_failed_unexpectedly) as blocker:
        runner.run(lambda: 1, broken_callback, lambda e: None, description="identify")
    assert blocker.args == ["identify"]


@pytest.mark.parametrize("visits", [1, 3])
def test_visit_numbers_increase(visits: int) -> None:
    runner = Runner(ImmediateExecutor())
    for _ in range(visits):
        runner.start_new_visit()
    assert runner.visit == visits


def test_an_answer_after_the_runner_was_deleted_is_dropped_without_a_crash(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A backend call still running when the runner's parent goes (shutdown, a test's end):
    its answer must not be emitted on the deleted Qt object, which crashes the process."""
    executor = ThreadPoolExecutor(max_workers=1)
    owner = QObject()
    runner = Runner(executor, parent=owner)
    seen = Recorder()
    answer = threading.Event()
    runner.run(lambda: answer.wait(5) and "late", seen.success, seen.error)
    shiboken6.delete(owner)
    answer.set()
    executor.shutdown(wait=True)
    qtbot.wait(50)
    assert not shiboken6.isValid(runner)
    assert seen.threads == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_work_asked_for_after_shutdown_is_not_run_and_raises_nothing(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A late callback (a printout finishing as the kiosk stops) may ask for more work once
    the executor is shut down: nothing runs, no callback comes, and the log says why."""
    executor = ThreadPoolExecutor(max_workers=1)
    runner = Runner(executor)
    executor.shutdown(wait=True)
    seen = Recorder()
    ran: list[bool] = []
    runner.run(lambda: ran.append(True), seen.success, seen.error, description="record printed")
    qtbot.wait(50)
    assert ran == []
    assert seen.threads == []
    assert runner.pending_count == 0
    assert "record printed not run: the kiosk is stopping" in caplog.text
