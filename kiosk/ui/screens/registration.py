"""Registration screens: departments with what they treat, sessions with places, confirm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.api.models import (
    Appointment,
    ClinicLevel,
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
from kiosk.ui.screens.base import Screen, label_home_button, scrolling
from kiosk.ui.widgets.basics import CardButton, button, in_language, label, named
from kiosk.ui.widgets.card_grid import CardGrid


def period_name(period: SessionPeriod) -> str:
    names = {
        SessionPeriod.morning: QCoreApplication.translate("Registration", "Morning"),
        SessionPeriod.afternoon: QCoreApplication.translate("Registration", "Afternoon"),
        SessionPeriod.evening: QCoreApplication.translate("Registration", "Evening"),
    }
    return names[period]


def hours_text(session: ScheduleSession, now: dt.datetime) -> str:
    """ "Morning 08:00–12:00" in the kiosk's time zone."""
    starts, ends = session.starts_at.astimezone(now.tzinfo), session.ends_at.astimezone(now.tzinfo)
    return f"{period_name(session.period)} {starts:%H:%M}–{ends:%H:%M}"


def session_text(session: ScheduleSession, now: dt.datetime) -> str:
    """:func:`hours_text`, with the date when it is not today."""
    starts = session.starts_at.astimezone(now.tzinfo)
    text = hours_text(session, now)
    if starts.date() != now.date():
        text = f"{starts:%m-%d} {text}"
    return text


def day_text(day: dt.date) -> str:
    """ "12月3日 星期四" / "Thursday 3 December"."""
    locale = QLocale()
    weekday = locale.dayName(day.isoweekday())
    if locale.language() == QLocale.Language.Chinese:
        return f"{day.month}月{day.day}日 {weekday}"
    return f"{weekday} {day.day} {locale.monthName(day.month)}"


def fee_text(cents: int) -> str:
    """The same words wherever a fee is shown: "Free" (免费), never ¥0.00."""
    return QCoreApplication.translate("Registration", "Free") if cents == 0 else format_money(cents)


def places_text(session: ScheduleSession, now: dt.datetime) -> str:
    """The same words wherever places are shown: "7 places left" (余号 7), "Full", "Ended"."""
    if session.ends_at <= now:
        return QCoreApplication.translate("Registration", "Ended")
    if session.slots_left <= 0:
        return QCoreApplication.translate("Registration", "Full")
    return QCoreApplication.translate("Registration", "{count} places left").format(
        count=session.slots_left
    )


def clinic_text(doctor: DoctorSummary) -> str:
    """号别 (General / Specialist clinic); the doctor's title from a server that does not say."""
    if doctor.clinic_level == ClinicLevel.specialist:
        return QCoreApplication.translate("Registration", "Specialist")
    if doctor.clinic_level == ClinicLevel.general:
        return QCoreApplication.translate("Registration", "General")
    return in_language(doctor.title, doctor.title_en)


def doctor_text(doctor: DoctorSummary) -> str:
    return f"{in_language(doctor.name, doctor.name_en)} · {clinic_text(doctor)}"


def session_button(name: str, session: ScheduleSession, now: dt.datetime) -> CardButton:
    """A session as a touch target: its time, then places and fee (ended ones are disabled;
    full ones look different)."""
    card = CardButton(name)
    # Body-sized bold time (not a heading): two sessions fit side by side in a doctor's card.
    card.title.setProperty("role", "item-name")
    ended = session.ends_at <= now
    card.setEnabled(not ended)
    card.setProperty("state", "ended" if ended else "full" if session.slots_left <= 0 else "")
    return card


def session_lines(session: ScheduleSession, now: dt.datetime) -> tuple[str, str]:
    return session_text(
        session, now
    ), f"{places_text(session, now)} · {fee_text(session.fee_cents)}"


class DoctorCard(QFrame):
    """One doctor: name and 号别 on top, their sessions as buttons inside."""

    def __init__(self, name: str, doctor: DoctorSummary) -> None:
        super().__init__()
        named(self, name, "card")
        self.doctor = doctor
        self.name = label(f"{name}.name", "heading", wrap=True)
        self.clinic = label(f"{name}.clinic", "badge")
        self.clinic.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sessions = CardGrid(f"{name}.sessions", spacing=12)
        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(self.name, 1)
        top.addWidget(self.clinic, 0, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 18)
        layout.setSpacing(12)
        layout.addLayout(top)
        layout.addWidget(self.sessions)

    def retranslate(self) -> None:
        self.name.setText(in_language(self.doctor.name, self.doctor.name_en))
        self.clinic.setText(clinic_text(self.doctor))
        self.setAccessibleName(doctor_text(self.doctor))


def doctor_cards(
    prefix: str,
    choices: Sequence[SessionSuggestion],
    session_name: Callable[[ScheduleSession], str],
    now: dt.datetime,
) -> list[tuple[DoctorCard, list[tuple[CardButton, ScheduleSession]]]]:
    """One card per doctor, in the order of their first session in ``choices``, each holding
    that doctor's sessions by time."""
    by_doctor: dict[str, list[SessionSuggestion]] = {}
    for choice in choices:
        by_doctor.setdefault(choice.doctor.id, []).append(choice)
    cards = []
    for doctor_id, own in by_doctor.items():
        card = DoctorCard(f"{prefix}.{doctor_id}", own[0].doctor)
        buttons = [
            (session_button(session_name(c.session), c.session, now), c.session)
            for c in sorted(own, key=lambda c: c.session.starts_at)
        ]
        card.sessions.set_cards([b for b, _ in buttons])
        cards.append((card, buttons))
    return cards


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
    """Home on the left, Back on the right: the same places on every registration screen."""

    def __init__(self, screen: str, back: SignalInstance | None, finish: SignalInstance) -> None:
        super().__init__()
        self.back = button(f"{screen}.back")
        self.finish = button(f"{screen}.finish")
        if back is not None:
            self.back.clicked.connect(back)
        else:
            self.back.hide()
        self.finish.clicked.connect(finish)
        self.addWidget(self.finish)
        self.addStretch(1)
        self.addWidget(self.back)

    def retranslate(self) -> None:
        self.back.setText(QCoreApplication.translate("Registration", "Back"))
        self.back.setAccessibleName(self.back.text())
        self.finish.setText(QCoreApplication.translate("Registration", "Home"))
        self.finish.setAccessibleName(
            QCoreApplication.translate("Registration", "Return to the home screen")
        )


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
        self.grid = CardGrid("registration.departments.grid", spacing=20)
        self.footer = _Footer("registration", None, self.home_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(scrolling(self.grid), 1)
        layout.addLayout(self.footer)
        self.retranslate()

    def show_departments(self, departments: Sequence[Department]) -> None:
        self._departments = list(departments)
        self._tiles = []
        for department in self._departments:
            tile = CardButton(f"registration.department.{department.code}")
            tile.clicked.connect(lambda _=False, d=department.id: self.department_chosen.emit(d))
            self._tiles.append((tile, department))
        self.grid.set_cards([tile for tile, _ in self._tiles])
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


def sentences(*parts: str) -> str:
    """Sentences one after the other: a space between English ones, none between Chinese."""
    chinese = QLocale().language() == QLocale.Language.Chinese
    return ("" if chinese else " ").join(part for part in parts if part)


def short_day_text(day: dt.date, today: dt.date) -> tuple[str, str]:
    """A day of the chooser as two short lines: "今天"/"12月4日", then the weekday (dates
    after today: a "Tomorrow" is too long for seven on a landscape row in large text)."""
    locale = QLocale()
    weekday = locale.dayName(day.isoweekday(), QLocale.FormatType.ShortFormat)
    if day == today:
        return QCoreApplication.translate("Registration", "Today"), weekday
    if locale.language() == QLocale.Language.Chinese:
        return f"{day.month}月{day.day}日", weekday
    return f"{day.day} {locale.monthName(day.month, QLocale.FormatType.ShortFormat)}", weekday


class SessionsScreen(Screen):
    """A day's sessions of a department, or the suggestions when a session is full.

    Above the doctors, a day chooser (today and the next days): a later day's session is
    booked ahead (预约), the chooser being where patients of Chinese hospitals look for it
    (the schedule they already see, one day at a time).

    Signals:
        session_chosen: a session id.
        day_chosen: an ISO date of the chooser.
        back_requested: back to the departments (or to today's sessions).
        home_requested: finish.
    """

    session_chosen = Signal(str)
    day_chosen = Signal(str)
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, now: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__("registration_sessions", parent)
        self._now = now
        self._department: Department | None = None
        self._day: dt.date | None = None
        self._choices: list[SessionSuggestion] = []
        self._full = False
        self._problem: Notice | None = None
        self._doctors: list[tuple[DoctorCard, list[tuple[CardButton, ScheduleSession]]]] = []
        self._days: list[tuple[CardButton, dt.date]] = []
        self.heading = label("registration.sessions.heading", "heading", wrap=True)
        self.explanation = label("registration.sessions.explanation", "hint", wrap=True)
        self.problem = _ProblemBanner("registration.sessions.problem")
        # Short lines (今天 / 周四): as many days on a row as fit, the rest below.
        self.day_grid = CardGrid("registration.days", max_columns=7, spacing=12, characters=4)
        # One card per doctor; two columns where they fit, so a day fits a landscape screen.
        self.doctors = CardGrid("registration.doctors")
        self.footer = _Footer("registration", self.back_requested, self.home_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.day_grid)
        layout.addWidget(self.problem)
        layout.addWidget(self.explanation)
        layout.addWidget(scrolling(self.doctors), 1)
        layout.addLayout(self.footer)
        self.retranslate()

    def show_sessions(
        self,
        department: Department,
        choices: Sequence[SessionSuggestion],
        *,
        full: bool,
        problem: Notice | None = None,
        day: dt.date | None = None,
        days: Sequence[dt.date] = (),
    ) -> None:
        """``choices`` in the order shown (a doctor's card comes where their first session
        is); ``problem`` says why the patient is back here; ``day`` when it is not today;
        ``days`` the chooser's days (none: no chooser, as for the suggestions)."""
        self._department, self._choices, self._full = department, list(choices), full
        self._problem, self._day = problem, day
        shown = day or self._now().date()
        self._days = []
        for offered in days:
            tile = CardButton(f"registration.day.{offered.isoformat()}", centred=True)
            # Body-sized bold (not a heading): seven days fit a landscape row. A date never
            # breaks ("12月/10日"): the grid takes fewer columns for it instead.
            tile.title.setProperty("role", "item-name")
            tile.title.setWordWrap(False)
            tile.setCheckable(True)
            tile.setChecked(offered == shown)
            tile.clicked.connect(lambda _=False, d=offered: self._on_day(d))
            self._days.append((tile, offered))
        self.day_grid.set_cards([tile for tile, _ in self._days])
        self.day_grid.setVisible(bool(self._days))
        self._doctors = doctor_cards(
            "registration.doctor",
            self._choices,
            lambda s: f"registration.session.{s.id}",
            self._now(),
        )
        for _, buttons in self._doctors:
            for card, session in buttons:
                # A full session stays touchable (it leads to other times).
                card.clicked.connect(lambda _=False, s=session.id: self.session_chosen.emit(s))
        self.doctors.set_cards([card for card, _ in self._doctors])
        self.retranslate()

    def _on_day(self, day: dt.date) -> None:
        for tile, offered in self._days:  # the chosen day stays the checked one
            tile.setChecked(offered == (self._day or self._now().date()))
        self.day_chosen.emit(day.isoformat())

    def wipe(self) -> None:
        self._department, self._problem, self._day = None, None, None
        self._choices, self._doctors, self._days = [], [], []
        self.doctors.set_cards([])
        self.day_grid.set_cards([])
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
            now = self._now()
            if self._day is None or self._day == now.date():
                heading = self.tr("{department}: doctors today").format(department=name)
            else:
                heading = self.tr("{department}: doctors on {day}").format(
                    department=name, day=day_text(self._day)
                )
            self.heading.setText(heading)
            today = self._day is None or self._day == now.date()
            if self._choices:
                explanation = self.tr("Choose a session. Full sessions show other times.")
            elif today:
                explanation = self.tr("No doctor of this department works today.")
            else:
                explanation = self.tr("No doctor of this department works that day.")
            if self._days and not today:
                explanation = sentences(
                    explanation,
                    self.tr("You get your queue number when you check in on the day."),
                )
            self.explanation.setText(explanation)
        self.problem.show_problem(self._problem)
        now = self._now()
        for tile, offered in self._days:
            tile.set_lines(*short_day_text(offered, now.date()))
            tile.setAccessibleName(day_text(offered))
        for doctor, buttons in self._doctors:
            doctor.retranslate()
            for card, session in buttons:
                time, details = session_lines(session, now)
                if session.slots_left <= 0 and session.ends_at > now:
                    details = self.tr("Full – touch for other times")
                card.set_lines(time, details)
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
        # Confirm on a row of its own, well above and across from Home: one slip of the
        # finger must not lose the registration.
        action = QHBoxLayout()
        action.addStretch(1)
        action.addWidget(self.confirm, 2)
        self.footer = _Footer("registration", self.back_requested, self.home_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addWidget(self.problem)
        layout.addWidget(card)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addLayout(action)
        layout.addSpacing(48)
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
        ahead = self._facts is not None and (
            self._facts[2].session.starts_at.astimezone(self._now().tzinfo).date()
            > self._now().date()
        )
        if ahead:
            self.note.setText(
                self.tr(
                    "You pay the fee by QR code on the next screen; then your appointment "
                    "confirmation is printed. Check in on the day to get your number."
                )
                if fee
                else self.tr(
                    "Your appointment confirmation is printed at once. Check in on the day "
                    "to get your number."
                )
            )
        else:
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


class BookedScreen(Screen):
    """An appointment booked ahead (预约成功): when and where, when to come and check in, and
    the confirmation slip (printing, or Print again after a printer failure).

    Signals:
        reprint_requested: print the confirmation again.
        home_requested: finish.
    """

    reprint_requested = Signal()
    home_requested = Signal()

    def __init__(self, now: Callable[[], dt.datetime], parent: QWidget | None = None) -> None:
        super().__init__("registration_booked", parent)
        self._now = now
        self._booked: tuple[Patient, Appointment] | None = None
        self._print_failure = ""
        self.heading = label("registration.booked.heading", "title", wrap=True)
        card = named(QFrame(), "registration.booked.card", "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(40, 28, 40, 28)
        grid.setHorizontalSpacing(32)
        grid.setVerticalSpacing(14)
        self._rows: list[tuple[QLabel, QLabel]] = []
        for row, key in enumerate(("patient", "time", "department", "doctor", "place")):
            name = label(f"registration.booked.{key}.label", "small")
            value = label(f"registration.booked.{key}", "heading", wrap=True)
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self._rows.append((name, value))
        grid.setColumnStretch(1, 1)
        self.check_in = label("registration.booked.check_in", "heading", wrap=True)
        self.slip = label("registration.booked.slip", "hint", wrap=True)
        self.reprint = button("registration.booked.reprint")
        self.reprint.clicked.connect(self.reprint_requested)
        self.finish = button("registration.booked.finish", "primary")
        self.finish.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.finish)
        footer.addStretch(1)
        footer.addWidget(self.reprint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addWidget(card)
        layout.addWidget(self.check_in)
        layout.addWidget(self.slip)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.retranslate()

    def show_booking(
        self, patient: Patient, appointment: Appointment, *, print_failure: str = ""
    ) -> None:
        self._booked = (patient, appointment)
        self._print_failure = print_failure
        self.retranslate()

    def wipe(self) -> None:
        self._booked, self._print_failure = None, ""
        self.retranslate()

    def instruction(self) -> str:
        return " ".join(t for t in (self.heading.text(), self.check_in.text()) if t)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Your appointment is booked"))
        labels = (
            self.tr("Patient"),
            self.tr("Time"),
            self.tr("Department"),
            self.tr("Doctor"),
            self.tr("Place"),
        )
        values: tuple[str, ...] = ("",) * 5
        check_in = ""
        if self._booked is not None:
            patient, appointment = self._booked
            tz = self._now().tzinfo
            starts = appointment.starts_at.astimezone(tz)
            ends = appointment.ends_at.astimezone(tz)
            doctor = appointment.doctor
            values = (
                patient.display_name,
                f"{day_text(starts.date())} {starts:%H:%M}–{ends:%H:%M}",
                in_language(appointment.department.name, appointment.department.name_en),
                f"{in_language(doctor.name, doctor.name_en)} · "
                f"{in_language(doctor.title, doctor.title_en)}",
                appointment.location.describe(
                    chinese=QLocale().language() == QLocale.Language.Chinese
                ),
            )
            opens = appointment.check_in_opens_at.astimezone(tz)
            closes = appointment.check_in_closes_at.astimezone(tz)
            check_in = self.tr(
                "On {day}, check in at a kiosk from {opens} to {closes} to get your queue number."
            ).format(day=day_text(opens.date()), opens=f"{opens:%H:%M}", closes=f"{closes:%H:%M}")
        for (name, value), text, shown in zip(self._rows, labels, values, strict=True):
            name.setText(text)
            value.setText(shown)
        self.check_in.setText(check_in)
        if self._print_failure:
            self.slip.setText(
                self.tr(
                    "The confirmation could not be printed. Your appointment is booked all the "
                    "same; touch Print again, or note the time and place."
                )
            )
        else:
            self.slip.setText(
                self.tr(
                    "Please take your confirmation slip. To cancel, use My appointments "
                    "before it starts: the fee is refunded."
                )
            )
        self.reprint.setVisible(bool(self._print_failure))
        self.reprint.setText(self.tr("Print again"))
        self.reprint.setAccessibleName(self.reprint.text())
        label_home_button(self.finish)
