"""Information screens: the department directory and one department with its schedule.

The price list and the floor guide, reached from the directory, are in ``prices`` and ``floors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.api.models import Department, Schedule, SessionSuggestion
from kiosk.ui.screens.base import Screen, label_home_button, scrolling
from kiosk.ui.screens.registration import (
    day_text,
    doctor_cards,
    fee_text,
    hours_text,
    places_text,
)
from kiosk.ui.widgets.appointment_card import location_text
from kiosk.ui.widgets.basics import CardButton, button, in_language, label, named
from kiosk.ui.widgets.card_grid import CardGrid


class DirectoryScreen(Screen):
    """Every department as a big button with where it is.

    Signals:
        department_chosen: a department id.
        prices_requested: the price list.
        floors_requested: the floor guide.
        home_requested: finish.
    """

    department_chosen = Signal(str)
    prices_requested = Signal()
    floors_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("directory", parent)
        self._departments: list[Department] = []
        self.heading = label("directory.heading", "heading", wrap=True)
        self.grid = CardGrid("directory.grid")
        self.home = button("directory.home")
        self.home.clicked.connect(self.home_requested)
        self.prices = button("directory.prices")
        self.prices.clicked.connect(self.prices_requested)
        self.floors = button("directory.floors")
        self.floors.clicked.connect(self.floors_requested)
        # The guides sit in the footer, within reach on a floor-standing kiosk (not at the top).
        footer = QHBoxLayout()
        footer.setSpacing(16)
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.floors)
        footer.addWidget(self.prices)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addWidget(self.heading)
        layout.addWidget(scrolling(self.grid), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_departments(self, departments: Sequence[Department]) -> None:
        self._departments = list(departments)
        self.retranslate()

    def wipe(self) -> None:
        self._departments = []
        self.grid.set_cards([])

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Departments: touch one for where it is and who works when"))
        label_home_button(self.home)
        self.floors.setText(self.tr("Floor guide"))
        self.floors.setAccessibleName(self.tr("Floor guide: what is on each floor"))
        self.prices.setText(self.tr("Price list"))
        self.prices.setAccessibleName(self.tr("Price list: search prices of tests, drugs, care"))
        tiles = []
        for index, department in enumerate(self._departments):
            name = in_language(department.name, department.name_en)
            tile = CardButton(f"directory.department.{index}")
            hint = in_language(department.description, department.description_en)
            tile.set_lines(name, f"{location_text(department.location)}\n{hint}")
            tile.clicked.connect(lambda _=False, d=department.id: self.department_chosen.emit(d))
            tiles.append(tile)
        self.grid.set_cards(tiles)


class DepartmentScreen(Screen):
    """Where a department is, how to get there, and its doctors' sessions for 7 days; a
    session with places is a button that registers for it.

    Signals:
        session_chosen: a session id, to register for.
        back_requested: back to the directory.
        home_requested: finish.
    """

    session_chosen = Signal(str)
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, now: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__("department", parent)
        self._now = now
        self._department: Department | None = None
        self._schedules: list[Schedule] = []
        self._back_to_floors = False
        self._can_register = False
        self.heading = label("department.heading", "title", wrap=True)
        card = named(QFrame(), "department.card", "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 20, 28, 20)
        self.description = label("department.description", wrap=True)
        self.location = label("department.location", "heading", wrap=True)
        self.directions = label("department.directions", wrap=True)
        for widget in (self.description, self.location, self.directions):
            card_layout.addWidget(widget)
        self.schedule_heading = label("department.schedule_heading", "heading", wrap=True)
        self._days_widget = QWidget()
        self._days = QVBoxLayout(self._days_widget)
        self._days.setContentsMargins(0, 0, 0, 0)
        self._days.setSpacing(16)
        self._day_cards: list[QFrame] = []
        self.back = button("department.back")
        self.back.clicked.connect(self.back_requested)
        self.home = button("department.home")
        self.home.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.back)
        # Where it is and the schedule scroll together: on a short screen the schedule gets
        # the whole height once the patient scrolls past the address.
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(16)
        content_layout.addWidget(card)
        content_layout.addWidget(self.schedule_heading)
        content_layout.addWidget(self._days_widget, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(scrolling(content), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_department(
        self,
        department: Department,
        schedules: Sequence[Schedule],
        *,
        back_to_floors: bool = False,
        can_register: bool = False,
    ) -> None:
        """``can_register``: sessions with places are buttons (this kiosk registers)."""
        self._department = department
        self._schedules = list(schedules)
        self._back_to_floors = back_to_floors
        self._can_register = can_register
        self.retranslate()

    def wipe(self) -> None:
        self._department = None
        self._schedules = []
        self._back_to_floors = False
        self.retranslate()

    def instruction(self) -> str:
        return self.schedule_heading.text()

    def retranslate(self) -> None:
        self.schedule_heading.setText(
            self.tr("Doctors' sessions in the next 7 days: touch one to register")
            if self._can_register
            else self.tr("Doctors' sessions in the next 7 days")
        )
        self.back.setText(
            self.tr("Floor guide") if self._back_to_floors else self.tr("All departments")
        )
        self.back.setAccessibleName(self.back.text())
        label_home_button(self.home)
        self._clear_days()
        department = self._department
        if department is None:
            for widget in (self.heading, self.description, self.location, self.directions):
                widget.clear()
            return
        self.heading.setText(in_language(department.name, department.name_en))
        self.description.setText(in_language(department.description, department.description_en))
        self.location.setText(location_text(department.location))
        self.directions.setText(
            in_language(department.location.directions, department.location.directions_en)
        )
        for index, schedule in enumerate(self._schedules):
            day = self._day_card(index, schedule)
            self._days.insertWidget(self._days.count() - 1, day)
            self._day_cards.append(day)

    def _clear_days(self) -> None:
        for day in self._day_cards:
            self._days.removeWidget(day)
            day.setParent(None)
            day.deleteLater()
        self._day_cards = []
        if self._days.count() == 0:
            self._days.addStretch(1)

    def _day_card(self, index: int, schedule: Schedule) -> QFrame:
        """One day: its date, then one card per doctor with their sessions as buttons."""
        now = self._now()
        name = f"department.day.{index}"
        day = named(QFrame(), name, "card")
        layout = QVBoxLayout(day)
        layout.setContentsMargins(24, 14, 24, 18)
        layout.setSpacing(12)
        date_label = label(f"{name}.date", "heading")
        date_label.setText(day_text(schedule.date))
        layout.addWidget(date_label)
        choices = [
            SessionSuggestion(session=session, doctor=doctor.doctor)
            for doctor in schedule.doctors
            for session in doctor.sessions
        ]
        if not choices:
            none = label(f"{name}.none", "hint", wrap=True)
            none.setText(self.tr("No sessions"))
            layout.addWidget(none)
            return day
        doctors = doctor_cards(
            f"{name}.doctor", choices, lambda s: f"department.session.{s.id}", now
        )
        for doctor, buttons in doctors:
            doctor.retranslate()
            for card, session in buttons:
                open_ = session.ends_at > now and session.slots_left > 0
                card.setEnabled(open_ and self._can_register)
                card.set_lines(
                    hours_text(session, now),
                    f"{places_text(session, now)} · {fee_text(session.fee_cents)}",
                )
                card.clicked.connect(lambda _=False, s=session.id: self.session_chosen.emit(s))
        grid = CardGrid(f"{name}.doctors", spacing=12)
        grid.set_cards([doctor for doctor, _ in doctors])
        layout.addWidget(grid)
        return day
