"""Information screens: the department directory and one department with its schedule.

The price list and the floor guide, reached from the directory, are in ``prices`` and ``floors``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.api.models import Department, Schedule, SessionPeriod
from kiosk.api.money import format_money
from kiosk.ui.screens.base import Screen, clear_layout, scrolling
from kiosk.ui.widgets.appointment_card import location_text
from kiosk.ui.widgets.basics import CardButton, button, in_language, label, named


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
        self._grid_widget = QWidget()
        self._grid = QGridLayout(self._grid_widget)
        self._grid.setSpacing(16)
        self.home = button("directory.home")
        self.home.clicked.connect(self.home_requested)
        self.prices = button("directory.prices")
        self.prices.clicked.connect(self.prices_requested)
        self.floors = button("directory.floors")
        self.floors.clicked.connect(self.floors_requested)
        guides = QHBoxLayout()
        guides.setSpacing(16)
        guides.addWidget(self.floors)
        guides.addWidget(self.prices)
        guides.addStretch(1)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.addLayout(guides)
        layout.addWidget(self.heading)
        layout.addWidget(scrolling(self._grid_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_departments(self, departments: Sequence[Department]) -> None:
        self._departments = list(departments)
        self.retranslate()

    def wipe(self) -> None:
        self._departments = []
        clear_layout(self._grid)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Departments: touch one for where it is and who works when"))
        self.home.setText(self.tr("Finish"))
        self.home.setAccessibleName(self.tr("Finish and return to the home screen"))
        self.floors.setText(self.tr("Floor guide"))
        self.floors.setAccessibleName(self.tr("Floor guide: what is on each floor"))
        self.prices.setText(self.tr("Price list"))
        self.prices.setAccessibleName(self.tr("Price list: search prices of tests, drugs, care"))
        clear_layout(self._grid)
        columns = 2
        for index, department in enumerate(self._departments):
            name = in_language(department.name, department.name_en)
            tile = CardButton(f"directory.department.{index}")
            hint = in_language(department.description, department.description_en)
            tile.set_lines(name, f"{location_text(department.location)}\n{hint}")
            tile.clicked.connect(lambda _=False, d=department.id: self.department_chosen.emit(d))
            self._grid.addWidget(tile, index // columns, index % columns)


class DepartmentScreen(Screen):
    """Where a department is, how to get there, and its doctors' sessions for 7 days.

    Signals:
        back_requested: back to the directory.
        home_requested: finish.
    """

    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("department", parent)
        self._department: Department | None = None
        self._schedules: list[Schedule] = []
        self._back_to_floors = False
        self.heading = label("department.heading", "title", wrap=True)
        card = named(QFrame(), "department.card", "card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 20, 28, 20)
        self.description = label("department.description", wrap=True)
        self.location = label("department.location", "heading", wrap=True)
        self.directions = label("department.directions", wrap=True)
        for widget in (self.description, self.location, self.directions):
            card_layout.addWidget(widget)
        self.schedule_heading = label("department.schedule_heading", "heading")
        self._days_widget = QWidget()
        self._days = QVBoxLayout(self._days_widget)
        self._days.setSpacing(12)
        self.back = button("department.back")
        self.back.clicked.connect(self.back_requested)
        self.home = button("department.home")
        self.home.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(card)
        layout.addWidget(self.schedule_heading)
        layout.addWidget(scrolling(self._days_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_department(
        self,
        department: Department,
        schedules: Sequence[Schedule],
        *,
        back_to_floors: bool = False,
    ) -> None:
        self._department = department
        self._schedules = list(schedules)
        self._back_to_floors = back_to_floors
        self.retranslate()

    def wipe(self) -> None:
        self._department = None
        self._schedules = []
        self._back_to_floors = False
        self.retranslate()

    def retranslate(self) -> None:
        self.schedule_heading.setText(self.tr("Doctors' sessions in the next 7 days"))
        self.back.setText(
            self.tr("Floor guide") if self._back_to_floors else self.tr("All departments")
        )
        self.home.setText(self.tr("Finish"))
        for action in (self.back, self.home):
            action.setAccessibleName(action.text())
        clear_layout(self._days)
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
        periods = {
            SessionPeriod.morning: self.tr("morning"),
            SessionPeriod.afternoon: self.tr("afternoon"),
            SessionPeriod.evening: self.tr("evening"),
        }
        for index, schedule in enumerate(self._schedules):
            lines = []
            for doctor_schedule in schedule.doctors:
                doctor = doctor_schedule.doctor
                for session in doctor_schedule.sessions:
                    slots = (
                        self.tr("{left} of {total} places left").format(
                            left=session.slots_left, total=session.slots_total
                        )
                        if session.slots_left
                        else self.tr("full")
                    )
                    lines.append(
                        f"{in_language(doctor.name, doctor.name_en)} · "
                        f"{in_language(doctor.title, doctor.title_en)} · "
                        f"{periods[session.period]} {session.starts_at.astimezone():%H:%M} · "
                        f"{format_money(session.fee_cents)} · {slots}"
                    )
            day = named(QFrame(), f"department.day.{index}", "card")
            day_layout = QVBoxLayout(day)
            day_layout.setContentsMargins(24, 12, 24, 12)
            date_label = label(f"department.day.{index}.date", "heading")
            date_label.setText(_date_text(schedule))
            body = label(f"department.day.{index}.sessions", "small", wrap=True)
            body.setText("\n".join(lines) or self.tr("No sessions"))
            day_layout.addWidget(date_label)
            day_layout.addWidget(body)
            self._days.addWidget(day)
        self._days.addStretch(1)


def _date_text(schedule: Schedule) -> str:
    locale = QLocale()
    day = schedule.date
    weekday = locale.dayName(day.isoweekday())
    if locale.language() == QLocale.Language.Chinese:
        return f"{day.month}月{day.day}日 {weekday}"
    return f"{weekday} {day.day} {locale.monthName(day.month)}"
