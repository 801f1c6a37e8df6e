"""Registration screens: departments with what they treat, sessions with places, confirm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.api.models import (
    Department,
    DoctorSummary,
    Patient,
    ScheduleSession,
    SessionPeriod,
    SessionSuggestion,
)
from kiosk.api.money import format_money
from kiosk.flows.notices import Notice
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import Screen, clear_layout, scrolling
from kiosk.ui.widgets.basics import CardButton, button, in_language, label, named


def period_name(period: SessionPeriod) -> str:
    names = {
        SessionPeriod.morning: QCoreApplication.translate("Registration", "Morning"),
        SessionPeriod.afternoon: QCoreApplication.translate("Registration", "Afternoon"),
        SessionPeriod.evening: QCoreApplication.translate("Registration", "Evening"),
    }
    return names[period]


def session_text(session: ScheduleSession, now: dt.datetime) -> str:
    """ "Morning 08:00–12:00" in the kiosk's time zone, with the date when it is not today."""
    starts, ends = session.starts_at.astimezone(now.tzinfo), session.ends_at.astimezone(now.tzinfo)
    text = f"{period_name(session.period)} {starts:%H:%M}–{ends:%H:%M}"
    if starts.date() != now.date():
        text = f"{starts:%m-%d} {text}"
    return text


def fee_text(cents: int) -> str:
    return QCoreApplication.translate("Registration", "Free") if cents == 0 else format_money(cents)


def doctor_text(doctor: DoctorSummary) -> str:
    return (
        f"{in_language(doctor.name, doctor.name_en)} · {in_language(doctor.title, doctor.title_en)}"
    )


class _ProblemBanner(QFrame):
    """What went wrong just now, above the choices it concerns (hidden when all is well)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        named(self, name, "banner-error")
        self.text = label(f"{name}.text", "hint", wrap=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addWidget(self.text)
        self.hide()

    def show_problem(self, problem: Notice | None, extra: str = "") -> None:
        if problem is None:
            self.text.clear()
            self.hide()
            return
        words = notice_text(problem, service_window="")
        lines = [words.title, words.body, extra or words.next_step]
        self.text.setText("\n".join(line for line in lines if line))
        self.show()


class _Footer(QHBoxLayout):
    def __init__(self, screen: str, back: SignalInstance | None, finish: SignalInstance) -> None:
        super().__init__()
        self.back = button(f"{screen}.back")
        self.finish = button(f"{screen}.finish")
        if back is not None:
            self.back.clicked.connect(back)
        else:
            self.back.hide()
        self.finish.clicked.connect(finish)
        self.addWidget(self.back)
        self.addStretch(1)
        self.addWidget(self.finish)

    def retranslate(self) -> None:
        self.back.setText(QCoreApplication.translate("Registration", "Back"))
        self.finish.setText(QCoreApplication.translate("Registration", "Finish"))
        for widget in (self.back, self.finish):
            widget.setAccessibleName(widget.text())


class DepartmentsScreen(Screen):
    """Signals:
    department_chosen: a department id.
    home_requested: finish.
    """

    department_chosen = Signal(str)
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("registration_departments", parent)
        self._departments: list[Department] = []
        self._tiles: list[tuple[CardButton, Department]] = []
        self.heading = label("registration.departments.heading", "heading", wrap=True)
        self._grid_widget = QWidget()
        self._grid = QGridLayout(self._grid_widget)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(20)
        for column in (0, 1):
            self._grid.setColumnStretch(column, 1)
        self.footer = _Footer("registration", None, self.home_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(scrolling(self._grid_widget), 1)
        layout.addLayout(self.footer)
        self.retranslate()

    def show_departments(self, departments: Sequence[Department]) -> None:
        self._departments = list(departments)
        clear_layout(self._grid)
        self._tiles = []
        for index, department in enumerate(self._departments):
            tile = CardButton(f"registration.department.{department.code}")
            tile.clicked.connect(lambda _=False, d=department.id: self.department_chosen.emit(d))
            self._grid.addWidget(tile, index // 2, index % 2)
            tile.show()  # now, not on the layout's queued event: a touch may come first
            self._tiles.append((tile, department))
        self.retranslate()

    def wipe(self) -> None:
        self.show_departments([])

    def instruction(self) -> str:
        return self.heading.text()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Which department do you need?"))
        for tile, department in self._tiles:
            tile.set_lines(
                in_language(department.name, department.name_en),
                in_language(department.hint, department.hint_en),
            )
        self.footer.retranslate()


class SessionsScreen(Screen):
    """Today's sessions of a department, or the suggestions when a session is full.

    Signals:
        session_chosen: a session id.
        back_requested: back to the departments (or to today's sessions).
        home_requested: finish.
    """

    session_chosen = Signal(str)
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, now: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__("registration_sessions", parent)
        self._now = now
        self._department: Department | None = None
        self._choices: list[SessionSuggestion] = []
        self._full = False
        self._problem: Notice | None = None
        self._cards: list[tuple[CardButton, SessionSuggestion]] = []
        self.heading = label("registration.sessions.heading", "heading", wrap=True)
        self.explanation = label("registration.sessions.explanation", "hint", wrap=True)
        self.problem = _ProblemBanner("registration.sessions.problem")
        self._list_widget = QWidget()
        # Two columns: a department's whole day fits a landscape screen without scrolling.
        self._list = QGridLayout(self._list_widget)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(16)
        for column in (0, 1):
            self._list.setColumnStretch(column, 1)
        self.footer = _Footer("registration", self.back_requested, self.home_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.problem)
        layout.addWidget(self.explanation)
        layout.addWidget(scrolling(self._list_widget), 1)
        layout.addLayout(self.footer)
        self.retranslate()

    def show_sessions(
        self,
        department: Department,
        choices: Sequence[SessionSuggestion],
        *,
        full: bool,
        problem: Notice | None = None,
    ) -> None:
        """``choices`` in the order shown; ``problem`` says why the patient is back here."""
        self._department, self._choices, self._full = department, list(choices), full
        self._problem = problem
        clear_layout(self._list)
        for row in range(self._list.rowCount()):
            self._list.setRowStretch(row, 0)
        self._cards = []
        now = self._now()
        for index, choice in enumerate(self._choices):
            session = choice.session
            card = CardButton(f"registration.session.{session.id}")
            ended = session.ends_at <= now
            card.setEnabled(not ended)
            # A full session stays touchable (it leads to other times) but looks different.
            card.setProperty(
                "state", "ended" if ended else "full" if session.slots_left <= 0 else ""
            )
            card.clicked.connect(lambda _=False, s=session.id: self.session_chosen.emit(s))
            self._list.addWidget(card, index // 2, index % 2)
            card.show()
            self._cards.append((card, choice))
        self._list.setRowStretch(len(self._choices) // 2 + 1, 1)
        self.retranslate()

    def wipe(self) -> None:
        self._department, self._problem = None, None
        self._choices, self._cards = [], []
        clear_layout(self._list)
        self.retranslate()

    def instruction(self) -> str:
        return " ".join(t for t in (self.heading.text(), self.explanation.text()) if t)

    def retranslate(self) -> None:
        department = self._department
        name = in_language(department.name, department.name_en) if department else ""
        if self._full:
            self.heading.setText(self.tr("That session is full"))
            self.explanation.setText(
                self.tr("These sessions of {department} have places:").format(department=name)
            )
        else:
            self.heading.setText(self.tr("{department}: doctors today").format(department=name))
            self.explanation.setText(
                self.tr("Choose a session. Full sessions show other times.")
                if self._choices
                else self.tr("No doctor of this department works today.")
            )
        self.problem.show_problem(self._problem)
        now = self._now()
        for card, choice in self._cards:
            session = choice.session
            if session.ends_at <= now:
                places = self.tr("Ended")
            elif session.slots_left <= 0:
                places = self.tr("Full – touch for other times")
            else:
                places = self.tr("{count} places left").format(count=session.slots_left)
            card.set_lines(
                doctor_text(choice.doctor),
                f"{session_text(session, now)} · {places} · {fee_text(session.fee_cents)}",
            )
        self.footer.retranslate()


class ConfirmScreen(Screen):
    """Signals:
    confirmed: register.
    back_requested: choose another session.
    home_requested: finish.
    """

    confirmed = Signal()
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, now: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__("registration_confirm", parent)
        self._now = now
        self._facts: tuple[Patient, Department, SessionSuggestion] | None = None
        self._problem: Notice | None = None
        self.heading = label("registration.confirm.heading", "title", wrap=True)
        self.problem = _ProblemBanner("registration.confirm.problem")
        card = named(QFrame(), "registration.confirm.card", "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(40, 28, 40, 28)
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(14)
        self._rows: list[tuple[QLabel, QLabel]] = []
        for row, key in enumerate(("patient", "department", "doctor", "session", "fee")):
            name = label(f"registration.confirm.{key}.label", "small")
            value = label(f"registration.confirm.{key}", "heading", wrap=True)
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self._rows.append((name, value))
        grid.setColumnStretch(1, 1)
        self.note = label("registration.confirm.note", "hint", wrap=True)
        self.confirm = button("registration.confirm", "primary")
        self.confirm.clicked.connect(self.confirmed)
        self.footer = _Footer("registration", self.back_requested, self.home_requested)
        self.footer.insertWidget(2, self.confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addWidget(self.problem)
        layout.addWidget(card)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addLayout(self.footer)
        self.retranslate()

    def show_choice(
        self,
        patient: Patient,
        department: Department,
        choice: SessionSuggestion,
        *,
        problem: Notice | None = None,
    ) -> None:
        """``problem``: the last try got no answer; Confirm becomes "Try again"."""
        self._facts = (patient, department, choice)
        self._problem = problem
        self.retranslate()

    def wipe(self) -> None:
        self._facts, self._problem = None, None
        self.retranslate()

    def instruction(self) -> str:
        texts = [self.heading.text(), self.problem.text.text()]
        return " ".join(t for t in texts + [v.text() for _, v in self._rows] if t)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Please check and confirm"))
        labels = (
            self.tr("Patient"),
            self.tr("Department"),
            self.tr("Doctor"),
            self.tr("Session"),
            self.tr("Fee"),
        )
        values: tuple[str, ...] = ("",) * 5
        fee = 0
        if self._facts is not None:
            patient, department, choice = self._facts
            fee = choice.session.fee_cents
            values = (
                patient.display_name,
                in_language(department.name, department.name_en),
                doctor_text(choice.doctor),
                session_text(choice.session, self._now()),
                fee_text(fee),
            )
        for (name, value), text, shown in zip(self._rows, labels, values, strict=True):
            name.setText(text)
            value.setText(shown)
        self.note.setText(
            self.tr("You pay the fee by QR code on the next screen; then you get your number.")
            if fee
            else self.tr("Your queue number is printed at once.")
        )
        self.problem.show_problem(
            self._problem,
            self.tr(
                "Touch Try again: you will not be registered twice. If it keeps failing, "
                "please ask at a service window."
            ),
        )
        self.confirm.setText(self.tr("Try again") if self._problem else self.tr("Confirm"))
        self.confirm.setAccessibleName(self.confirm.text())
        self.footer.retranslate()
