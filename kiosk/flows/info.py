"""Information without identification: departments and schedules, prices, the floor guide.

Anyone may look; nothing is tied to a patient until a session on a department's schedule is
touched: then the registration service takes over (identification, confirm). The flow owns
the screen while :class:`~kiosk.flows.visit.VisitFlow` is in ``Step.service``; finishing goes
back through the visit's ``go_home`` so the idle wipe and the home screen work as everywhere
else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.api.models import (
    Building,
    Department,
    ItemCategory,
    Patient,
    PriceItem,
    Schedule,
    SessionSuggestion,
)
from kiosk.flows.base import Flow
from kiosk.flows.notices import Notice, notice_for_error
from kiosk.flows.visit import VisitFlow
from kiosk.runner import Runner

SCHEDULE_DAYS = 7
SEARCH_DELAY_MS = 300  # one search after the patient pauses typing, not one per letter
MAX_QUERY_LENGTH = 16


class InfoStep(StrEnum):
    idle = "idle"
    directory = "directory"
    department = "department"
    prices = "prices"
    floors = "floors"
    failed = "failed"


_ALLOWED: dict[InfoStep, frozenset[InfoStep]] = {
    InfoStep.idle: frozenset({InfoStep.directory, InfoStep.failed}),
    InfoStep.directory: frozenset(
        {InfoStep.department, InfoStep.prices, InfoStep.floors, InfoStep.failed}
    ),
    InfoStep.department: frozenset({InfoStep.directory, InfoStep.floors}),
    InfoStep.prices: frozenset({InfoStep.directory}),
    InfoStep.floors: frozenset({InfoStep.department, InfoStep.directory, InfoStep.failed}),
    InfoStep.failed: frozenset(),
}


class DirectoryApi(Protocol):
    def departments(self) -> list[Department]: ...

    def schedule(self, department_id: str, date: dt.date | None = None) -> Schedule: ...

    def prices(self, query: str = "", category: ItemCategory | None = None) -> list[PriceItem]: ...

    def buildings(self) -> list[Building]: ...


class SessionRegistration(Protocol):
    """Registration for a session chosen here (the registration flow)."""

    def begin_for(self, department: Department, choice: SessionSuggestion) -> None: ...


class InfoFlow(Flow[InfoStep]):
    """Signals (besides the base's; ``busy_changed`` is not sent while a price search runs):
    prices_changed: the price list's query, category, results or problem changed.
    """

    prices_changed = Signal()

    def __init__(
        self,
        api: DirectoryApi,
        runner: Runner,
        visit: VisitFlow,
        *,
        registration: SessionRegistration | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        search_delay_ms: int = SEARCH_DELAY_MS,
        parent: QObject | None = None,
    ) -> None:
        """``registration``: None when this kiosk does not register (sessions are only shown)."""
        super().__init__(InfoStep.idle, _ALLOWED, runner, parent)
        self._visit = visit
        self._registration = registration
        self._api = api
        self._today = today
        self.departments: list[Department] = []
        self.department: Department | None = None
        self.schedules: list[Schedule] = []
        self.notice: Notice | None = None
        # The price list: what was asked, what came back, and whether a search is under way.
        self.categories: list[ItemCategory] = []  # only those the hospital has items in
        self.category: ItemCategory | None = None
        self.query = ""
        self.prices: list[PriceItem] = []
        self.searching = False
        self.search_problem: Notice | None = None
        self._search_number = 0  # answers to an earlier search are stale and ignored
        self._search_delay = QTimer(self, singleShot=True, interval=search_delay_ms)
        self._search_delay.timeout.connect(self._search)
        # The floor guide.
        self.buildings: list[Building] = []
        self.building_index = 0
        self.department_from = InfoStep.directory
        visit.visit_wiped.connect(self._reset)

    def begin(self, patient: Patient | None) -> None:
        """The information tile (anyone may look): show the directory."""
        self._call(self._api.departments, self._on_departments, self._on_failed, "departments")

    def open_department(self, department_id: str) -> None:
        """A department's place and schedule, from the directory or the floor guide."""
        department = next((d for d in self.departments if d.id == department_id), None)
        if department is None or self.busy or self.step not in _DEPARTMENT_FROM:
            return
        self.department_from = self.step
        today = self._today()
        days = [today + dt.timedelta(days=offset) for offset in range(SCHEDULE_DAYS)]
        self.department = department
        self._call(
            lambda: [self._api.schedule(department_id, day) for day in days],
            self._on_schedules,
            self._on_failed,
            "schedules",
        )

    @property
    def can_register(self) -> bool:
        return self._registration is not None

    def register_for(self, session_id: str) -> None:
        """A session on the department's schedule: registration takes over from here."""
        department = self.department
        if (
            self._registration is None
            or department is None
            or self.busy
            or self.step != InfoStep.department
        ):
            return
        choice = next(
            (
                SessionSuggestion(session=session, doctor=doctor.doctor)
                for schedule in self.schedules
                for doctor in schedule.doctors
                for session in doctor.sessions
                if session.id == session_id
            ),
            None,
        )
        if choice is not None:
            self._registration.begin_for(department, choice)

    def back(self) -> None:
        """From a department back to where it was opened; from elsewhere to the directory."""
        if self.step == InfoStep.department and self.department_from == InfoStep.floors:
            self.department = None
            self.schedules = []
            self._move(InfoStep.floors)
        else:
            self.back_to_directory()

    def back_to_directory(self) -> None:
        if self.departments:
            self.department = None
            self.schedules = []
            self._stop_searching()
            self._move(InfoStep.directory)

    # --- the price list ---------------------------------------------------------------------

    def open_prices(self) -> None:
        """The whole list first: it also tells which categories to offer."""
        if self.busy or self.step != InfoStep.directory:
            return
        self._call(
            lambda: self._api.prices("", None), self._on_price_list, self._on_failed, "prices"
        )

    def set_query(self, text: str) -> None:
        """What the patient typed so far (pinyin initials, a name, a code); searched shortly."""
        query = text.strip().lower()[:MAX_QUERY_LENGTH]
        if self.step != InfoStep.prices or query == self.query:
            return
        self.query = query
        self._search_delay.start()  # restarted by every key: one search after a pause
        self.prices_changed.emit()

    def choose_category(self, category: str) -> None:
        """A category's value, or "" for all of them; searched at once."""
        if self.step != InfoStep.prices:
            return
        chosen = next((c for c in self.categories if c.value == category), None)
        if category and chosen is None:
            return
        self.category = chosen
        self._search()

    def _search(self) -> None:
        self._search_delay.stop()
        self._search_number += 1
        number, query, category = self._search_number, self.query, self.category
        self.searching = True
        self.prices_changed.emit()
        self._runner.run(
            lambda: self._api.prices(query, category),
            lambda items: self._on_search_answer(number, items),
            lambda error: self._on_search_failed(number, error),
            description="price search",
        )

    def _on_price_list(self, items: list[PriceItem]) -> None:
        present = {item.category for item in items}
        self.categories = [category for category in ItemCategory if category in present]
        self.category = None
        self.query = ""
        self.prices = items
        self.search_problem = None
        self.searching = False
        self._move(InfoStep.prices)
        self.prices_changed.emit()

    def _on_search_answer(self, number: int, items: list[PriceItem]) -> None:
        if number != self._search_number or self.step != InfoStep.prices:
            return  # a newer search is under way, or the patient has moved on
        self.searching = False
        self.search_problem = None
        self.prices = items
        self.prices_changed.emit()

    def _on_search_failed(self, number: int, error: Exception) -> None:
        if number != self._search_number or self.step != InfoStep.prices:
            return
        # The patient stays on the list and may try again; old results would not match.
        self.searching = False
        self.prices = []
        self.search_problem = notice_for_error(error, context="information")
        self.prices_changed.emit()

    def _stop_searching(self) -> None:
        self._search_delay.stop()
        self._search_number += 1
        self.searching = False

    # --- the floor guide --------------------------------------------------------------------

    def open_floors(self) -> None:
        if self.busy or self.step != InfoStep.directory:
            return
        self._call(self._api.buildings, self._on_buildings, self._on_failed, "buildings")

    def choose_building(self, index: int) -> None:
        if self.step == InfoStep.floors and 0 <= index < len(self.buildings):
            self.building_index = index
            self._show_again()

    def _on_buildings(self, buildings: list[Building]) -> None:
        self.buildings = buildings
        self.building_index = 0
        self._move(InfoStep.floors)

    def finish(self) -> None:
        self._visit.go_home()

    def _on_departments(self, departments: list[Department]) -> None:
        self.departments = departments
        self._move(InfoStep.directory)

    def _on_schedules(self, schedules: list[Schedule]) -> None:
        self.schedules = schedules
        self._move(InfoStep.department)

    def _on_failed(self, error: Exception) -> None:
        self.notice = notice_for_error(error, context="information")
        self._move(InfoStep.failed)

    def _reset(self) -> None:
        self.departments = []
        self.department = None
        self.schedules = []
        self.notice = None
        self._stop_searching()
        self.categories = []
        self.category = None
        self.query = ""
        self.prices = []
        self.search_problem = None
        self.buildings = []
        self.building_index = 0
        self.department_from = InfoStep.directory
        self._return_to_rest()


_DEPARTMENT_FROM = (InfoStep.directory, InfoStep.floors)
