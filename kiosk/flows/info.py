"""Information without identification: the department directory and doctors' schedules.

Anyone may look; nothing is tied to a patient. The flow owns the screen while
:class:`~kiosk.flows.visit.VisitFlow` is in ``Step.service``; finishing goes back through
the visit's ``go_home`` so the idle wipe and the home screen work as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from kiosk.api.models import Department, Schedule
from kiosk.flows.notices import Notice, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.runner import Runner

SCHEDULE_DAYS = 7


class InfoStep(StrEnum):
    idle = "idle"
    directory = "directory"
    department = "department"
    failed = "failed"


class DirectoryApi(Protocol):
    def departments(self) -> list[Department]: ...

    def schedule(self, department_id: str, date: dt.date | None = None) -> Schedule: ...


class InfoFlow(QObject):
    """Signals:
    step_changed: the new :class:`InfoStep`.
    busy_changed: True while the backend is asked.
    """

    step_changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(
        self,
        api: DirectoryApi,
        runner: Runner,
        visit: VisitFlow,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._runner = runner
        self._visit = visit
        self._today = today
        self.step = InfoStep.idle
        self.busy = False
        self.departments: list[Department] = []
        self.department: Department | None = None
        self.schedules: list[Schedule] = []
        self.notice: Notice | None = None
        visit.visit_wiped.connect(self._reset)

    def start(self) -> None:
        """The information tile: show the directory."""
        if not self._visit.enter_service():
            return
        self._set_busy(True)
        self._runner.run(self._api.departments, self._on_departments, self._on_failed)

    def open_department(self, department_id: str) -> None:
        department = next((d for d in self.departments if d.id == department_id), None)
        if department is None or self.busy:
            return
        today = self._today()
        days = [today + dt.timedelta(days=offset) for offset in range(SCHEDULE_DAYS)]
        self.department = department
        self._set_busy(True)
        self._runner.run(
            lambda: [self._api.schedule(department_id, day) for day in days],
            self._on_schedules,
            self._on_failed,
        )

    def back_to_directory(self) -> None:
        if self.departments:
            self.department = None
            self.schedules = []
            self._move(InfoStep.directory)

    def finish(self) -> None:
        self._visit.go_home()

    def _on_departments(self, departments: list[Department]) -> None:
        self._set_busy(False)
        self.departments = departments
        self._move(InfoStep.directory)

    def _on_schedules(self, schedules: list[Schedule]) -> None:
        self._set_busy(False)
        self.schedules = schedules
        self._move(InfoStep.department)

    def _on_failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.notice = notice_for_error(error, context="information")
        self._move(InfoStep.failed)

    def _reset(self) -> None:
        self.departments = []
        self.department = None
        self.schedules = []
        self.notice = None
        self._set_busy(False)
        self.step = InfoStep.idle

    def _set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.busy_changed.emit(busy)

    def _move(self, step: InfoStep) -> None:
        self.step = step
        self.step_changed.emit(step)
