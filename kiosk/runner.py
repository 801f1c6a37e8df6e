"""The one place that hops threads: run a blocking call on an executor, answer on the GUI thread.

Flows hand the runner a plain callable (a backend call, a printer job) with success and error
callbacks. The callable runs on the injected executor; the outcome comes back through a queued
signal of a relay object that lives on the GUI thread, so callbacks may touch Qt objects.

Each patient visit has a number. When the kiosk resets (idle timeout, "back to home"), the
visit number moves on and answers that belong to the previous patient are dropped instead of
popping up on the next patient's screen.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class _Task(Generic[T]):
    task_id: int
    visit: int | None
    on_success: Callable[[T], None]
    on_error: Callable[[Exception], None]
    description: str


class _DeliveryGate:
    """Whether the runner still exists, checked by the worker threads under a lock.

    Answers arrive on worker threads; emitting on a runner whose Qt object was deleted (its
    parent went, e.g. at shutdown) crashes the process. The gate is closed by ``destroyed``,
    which waits for an emit in progress, so no emit can start on a deleted runner.
    """

    def __init__(self) -> None:
        # Reentrant: with an inline executor the callbacks run inside the emit, on the thread
        # that may delete the runner.
        self.lock = threading.RLock()
        self.open = True

    def close(self) -> None:
        with self.lock:
            self.open = False


class Runner(QObject):
    """Runs callables off the GUI thread and delivers their outcome on it.

    An executor that completes its futures on the GUI thread (the tests' immediate and manual
    executors) says so with a class attribute ``runs_inline = True``; its answers are then
    delivered at once, inside the call that completed the future, not through the event loop.

    Signals:
        task_failed_unexpectedly: an error callback itself raised; carries the description.
    """

    _finished = Signal(int, object, object)
    task_failed_unexpectedly = Signal(str)

    def __init__(self, executor: Executor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = executor
        self._ids = itertools.count(1)
        self._pending: dict[int, _Task[Any]] = {}
        self._lock = threading.Lock()
        self._visit = 0
        self._gate = _DeliveryGate()
        self.destroyed.connect(self._gate.close)
        # A thread pool's answer always comes through the event loop, even one that finished
        # before run() returned (then add_done_callback runs on this thread): callers keep the
        # task's id, or a printer job's, only after run() returns.
        inline: bool = getattr(executor, "runs_inline", False)
        self._finished.connect(
            self._on_finished,
            Qt.ConnectionType.DirectConnection if inline else Qt.ConnectionType.QueuedConnection,
        )

    @property
    def visit(self) -> int:
        """The number of the current patient visit."""
        return self._visit

    def start_new_visit(self) -> int:
        """Forget the previous patient: their pending answers will be dropped."""
        self._visit += 1
        return self._visit

    @property
    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def run(
        self,
        call: Callable[[], T],
        on_success: Callable[[T], None],
        on_error: Callable[[Exception], None],
        *,
        description: str = "",
        per_visit: bool = True,
    ) -> int:
        """Run ``call`` on the executor; exactly one callback runs later on the GUI thread.

        With ``per_visit`` (the default) the callbacks are skipped when the visit has moved
        on by the time the answer arrives. Kiosk-level work (heartbeats, printer status)
        passes ``per_visit=False``.
        """
        task_id = next(self._ids)
        task: _Task[T] = _Task(
            task_id,
            self._visit if per_visit else None,
            on_success,
            on_error,
            description or getattr(call, "__name__", "task"),
        )
        try:
            future = self._executor.submit(call)
        except RuntimeError:  # the executor was shut down: the kiosk is stopping
            log.warning("%s not run: the kiosk is stopping", task.description)
            return task_id
        with self._lock:
            self._pending[task_id] = task
        future.add_done_callback(lambda done: self._deliver(task_id, done))
        return task_id

    def _deliver(self, task_id: int, future: Future[Any]) -> None:
        # Runs on the worker thread (or inline for an immediate executor); the signal is
        # queued to the GUI thread when emitted from elsewhere.
        error = future.exception()
        result = None if error is not None else future.result()
        with self._gate.lock:
            if not self._gate.open:
                log.debug("dropped an answer: the runner is gone")
                return
            self._finished.emit(task_id, result, error)

    def _on_finished(self, task_id: int, result: object, error: object) -> None:
        with self._lock:
            task = self._pending.pop(task_id, None)
        if task is None:
            return
        if task.visit is not None and task.visit != self._visit:
            log.info("dropped the answer to %s from an earlier visit", task.description)
            return
        try:
            if isinstance(error, Exception):
                task.on_error(error)
            elif isinstance(error, BaseException):  # KeyboardInterrupt and the like
                raise error
            else:
                task.on_success(result)
        except Exception:
            log.exception("callback for %s raised", task.description)
            self.task_failed_unexpectedly.emit(task.description)


def background_executor(name: str, workers: int = 4) -> ThreadPoolExecutor:
    """The executor for backend calls. Printers get their own one-thread executor."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
