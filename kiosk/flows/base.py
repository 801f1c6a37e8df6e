"""The one state-machine discipline every journey follows.

A flow is an enum of steps, a table of the moves allowed between them, and a QObject that
emits ``step_changed`` after each move and ``busy_changed`` while the backend is asked. Views
show what a flow decided and never set its state; a move the table does not allow is a bug
and raises at once instead of showing a screen that does not fit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from kiosk.runner import Runner

StepT = TypeVar("StepT", bound=StrEnum)


class Flow(QObject, Generic[StepT]):
    """Steps, allowed moves, ``busy`` and pause/resume for one journey.

    ``rest`` is where the flow waits between visits; the wipe returns it there without a
    screen change (the visit's home screen is already showing). Staying on the same step and
    re-announcing it (the content changed) is always allowed.

    Signals:
        step_changed: the new step (also re-sent when what the step shows changed).
        busy_changed: True while a backend call is running (the window shows a spinner).
    """

    step_changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(
        self,
        rest: StepT,
        allowed: Mapping[StepT, frozenset[StepT]],
        runner: Runner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._rest = rest
        self._allowed = allowed
        self._runner = runner
        self.step: StepT = rest
        self.busy = False
        self._paused = False

    @property
    def paused(self) -> bool:
        """Out of order or in diagnostics: nothing starts until :meth:`resume`."""
        return self._paused

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False

    def _move(self, step: StepT) -> None:
        if step != self.step and step not in self._allowed.get(self.step, frozenset()):
            raise RuntimeError(f"{type(self).__name__} cannot go from {self.step} to {step}")
        self.step = step
        self.step_changed.emit(step)

    def _show_again(self) -> None:
        """The current step's content changed (a choice, a problem, a print failure)."""
        self.step_changed.emit(self.step)

    def _return_to_rest(self) -> None:
        """The visit was wiped: back to the resting step, not busy, nothing shown."""
        self._set_busy(False)
        self.step = self._rest

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def _call(
        self,
        call: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        description: str,
    ) -> None:
        """Ask the backend off the GUI thread, busy until the answer (dropped after a wipe)."""
        self._set_busy(True)

        def succeeded(result: object) -> None:
            self._set_busy(False)
            on_success(result)

        def failed(error: Exception) -> None:
            self._set_busy(False)
            on_error(error)

        self._runner.run(call, succeeded, failed, description=description)
