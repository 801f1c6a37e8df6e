"""Executors for tests: answer at once, answer when the test says so, or answer too fast.

``ImmediateExecutor`` and ``ManualExecutor`` complete their futures on the calling (GUI)
thread, so they declare ``runs_inline`` and the runner delivers their answers at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from typing import Any, ClassVar, TypeVar

T = TypeVar("T")


class ImmediateExecutor(Executor):
    """Runs each call at once on the calling thread."""

    runs_inline: ClassVar[bool] = True

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future


class ManualExecutor(Executor):
    """Holds calls until a test says "the network answers now" with :meth:`run_next`."""

    runs_inline: ClassVar[bool] = True

    def __init__(self) -> None:
        self._queue: deque[tuple[Future[Any], Callable[[], Any]]] = deque()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.append((future, lambda: fn(*args, **kwargs)))
        return future

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def run_next(self) -> None:
        future, call = self._queue.popleft()
        try:
            future.set_result(call())
        except Exception as error:
            future.set_exception(error)

    def run_all(self) -> None:
        while self._queue:
            self.run_next()


class FinishesBeforeSubmitReturns(ThreadPoolExecutor):
    """A real worker thread, and a GUI thread that loses the CPU right after submitting."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        wait([future])
        return future
