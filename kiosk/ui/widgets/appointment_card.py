"""One appointment as a card: department, doctor, time, place, and what the patient can do.

A card whose check-in window is open holds its own 签到 button (one tap to the ticket) and
says so in its ``promisesAction`` property, which the audit checks against a visible, enabled
button. A card not open yet says from when; a past or cancelled one says so, greyed, with no
button. A checked-in card shows the live queue position when the screen is given one.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.api.models import Appointment, AppointmentStatus, EntryState, Location, TrackStatus
from kiosk.ui.widgets.basics import button, in_language, label, named

PROMISES_ACTION = "promisesAction"  # the dynamic property the audit reads
CHECK_IN_ACTION = "checkin"


class CheckInState(Enum):
    """Where an appointment stands for check-in at a given moment."""

    open = "open"
    not_yet = "not_yet"
    expired = "expired"
    cancelled = "cancelled"
    checked_in = "checked_in"
    completed = "completed"


def check_in_state(appointment: Appointment, now: dt.datetime) -> CheckInState:
    if appointment.status == AppointmentStatus.cancelled:
        return CheckInState.cancelled
    if appointment.status == AppointmentStatus.checked_in:
        return CheckInState.checked_in
    if appointment.status == AppointmentStatus.completed:
        return CheckInState.completed
    if now < appointment.check_in_opens_at:
        return CheckInState.not_yet
    if now > appointment.check_in_closes_at:
        return CheckInState.expired
    return CheckInState.open


def can_cancel(appointment: Appointment, now: dt.datetime) -> bool:
    """Booked, not checked in, and its session not begun: the server's rule too."""
    return (
        appointment.status == AppointmentStatus.booked
        and appointment.ticket is None
        and now < appointment.starts_at
    )


def location_text(location: Location) -> str:
    return location.describe(chinese=QLocale().language() == QLocale.Language.Chinese)


def doctor_text(name: str, name_en: str, title: str, title_en: str) -> str:
    return f"{in_language(name, name_en)} · {in_language(title, title_en)}"


def day_text(moment: dt.datetime) -> str:
    """ "6月7日 周六" / "Saturday 7 June" in the kiosk's language."""
    moment = moment.astimezone()
    locale = QLocale()
    weekday = locale.dayName(moment.isoweekday())
    if locale.language() == QLocale.Language.Chinese:
        return f"{moment.month}月{moment.day}日 {weekday}"
    return f"{weekday} {moment.day} {locale.monthName(moment.month)}"


def time_range_text(start: dt.datetime, end: dt.datetime, *, with_date: bool) -> str:
    start, end = start.astimezone(), end.astimezone()
    times = f"{start:%H:%M}–{end:%H:%M}"
    return f"{day_text(start)} {times}" if with_date else times


def opens_text(opens_at: dt.datetime, now: dt.datetime) -> str:
    """ "12:15 起可签到", with the day when it is not today."""
    opens = opens_at.astimezone()
    when = f"{opens:%H:%M}"
    if opens.date() != now.astimezone().date():
        when = f"{day_text(opens)} {when}"
    return QCoreApplication.translate("AppointmentCard", "Check-in opens at {time}").format(
        time=when
    )


def status_text(appointment: Appointment, now: dt.datetime) -> str:
    state = check_in_state(appointment, now)
    if state == CheckInState.cancelled:
        return QCoreApplication.translate("AppointmentCard", "Cancelled")
    if state == CheckInState.checked_in:
        return QCoreApplication.translate("AppointmentCard", "Checked in")
    if state == CheckInState.completed:
        return QCoreApplication.translate("AppointmentCard", "Completed")
    if state == CheckInState.not_yet:
        return opens_text(appointment.check_in_opens_at, now)
    if state == CheckInState.expired:
        return QCoreApplication.translate("AppointmentCard", "Expired")
    return QCoreApplication.translate("AppointmentCard", "Ready to check in")


def position_text(position: TrackStatus | None) -> str:
    """Where a checked-in patient stands: people ahead and the wait, or where to go now.
    ``None`` when it could not be read (no old figures instead)."""
    translate = QCoreApplication.translate
    if position is None:
        return translate("AppointmentCard", "The queue position cannot be shown right now.")
    room = in_language(position.room, position.room_en)
    number = position.number
    match position.state:
        case EntryState.called:
            return translate("AppointmentCard", "Please go to {room} now").format(room=room)
        case EntryState.serving:
            return translate("AppointmentCard", "Being seen in {room}").format(room=room)
        case EntryState.done:
            return translate("AppointmentCard", "Your visit in {room} is finished").format(
                room=room
            )
        case EntryState.no_show:
            return translate(
                "AppointmentCard",
                "Number {number} was called and missed: please ask at the service desk",
            ).format(number=number)
        case EntryState.cancelled:
            return translate("AppointmentCard", "Number {number} is no longer in the queue").format(
                number=number
            )
    if position.people_ahead == 0:
        return translate("AppointmentCard", "Number {number}: you are next").format(number=number)
    return translate(
        "AppointmentCard", "Number {number}: {ahead} people ahead, about {minutes} min"
    ).format(number=number, ahead=position.people_ahead, minutes=position.estimated_wait_minutes)


class AppointmentCard(QFrame):
    """Signals:
    check_in_requested: the appointment id (check in, or show the ticket already issued).
    cancel_requested: the appointment id (only a card made ``cancellable`` has the button).
    """

    check_in_requested = Signal(str)
    cancel_requested = Signal(str)

    def __init__(
        self,
        appointment: Appointment,
        index: int,
        *,
        now: dt.datetime,
        with_date: bool,
        cancellable: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``cancellable``: offer Cancel when the appointment can be (my appointments)."""
        super().__init__(parent)
        named(self, f"appointment.{index}", "card")
        self.appointment_id = appointment.id
        state = check_in_state(appointment, now)
        inactive = state in (CheckInState.expired, CheckInState.cancelled, CheckInState.completed)
        self.setProperty("state", "inactive" if inactive else "")
        self.setProperty(PROMISES_ACTION, CHECK_IN_ACTION if state == CheckInState.open else "")
        doctor = appointment.doctor
        grid = QGridLayout(self)
        grid.setContentsMargins(28, 20, 28, 20)
        grid.setHorizontalSpacing(24)
        heading = label(f"appointment.{index}.department", "heading", wrap=True)
        heading.setText(in_language(appointment.department.name, appointment.department.name_en))
        who = label(f"appointment.{index}.doctor", wrap=True)
        who.setText(doctor_text(doctor.name, doctor.name_en, doctor.title, doctor.title_en))
        when = label(f"appointment.{index}.time", wrap=True)
        when.setText(
            time_range_text(appointment.starts_at, appointment.ends_at, with_date=with_date)
        )
        where = label(f"appointment.{index}.location", wrap=True)
        where.setText(location_text(appointment.location))
        status = label(
            f"appointment.{index}.status", "muted-badge" if inactive else "small", wrap=not inactive
        )
        status.setText(status_text(appointment, now))
        grid.addWidget(heading, 0, 0)
        grid.addWidget(who, 1, 0)
        grid.addWidget(when, 2, 0)
        grid.addWidget(where, 3, 0)
        if inactive:
            grid.addWidget(status, 4, 0, Qt.AlignmentFlag.AlignLeft)  # a badge hugs its text
        else:
            grid.addWidget(status, 4, 0)
        self.action = self._action(appointment, index, state)
        self.cancel: QPushButton | None = None
        if cancellable and can_cancel(appointment, now):
            self.cancel = button(f"appointments.cancel.{index}")
            self.cancel.setText(QCoreApplication.translate("AppointmentCard", "Cancel"))
            self.cancel.setAccessibleName(
                QCoreApplication.translate("AppointmentCard", "Cancel this appointment")
            )
            self.cancel.setMinimumWidth(200)
            self.cancel.clicked.connect(lambda _=False: self.cancel_requested.emit(appointment.id))
        buttons = [b for b in (self.action, self.cancel) if b is not None]
        if buttons:
            column = QVBoxLayout()
            column.setSpacing(16)
            column.addStretch(1)
            for each in buttons:
                column.addWidget(each)
            column.addStretch(1)
            grid.addLayout(column, 0, 1, 5, 1)
        # Shown once the queue position is known (see show_position).
        self.position = label(f"appointment.{index}.position", "heading", wrap=True)
        self.position.hide()
        grid.addWidget(self.position, 5, 0, 1, 2)
        grid.setColumnStretch(0, 1)

    def show_position(self, position: TrackStatus | None) -> None:
        """The live queue position of this checked-in appointment (None: unknown now)."""
        self.position.setText(position_text(position))
        self.position.show()

    def _action(
        self, appointment: Appointment, index: int, state: CheckInState
    ) -> QPushButton | None:
        if state == CheckInState.open:
            action = button(f"appointments.checkin.{index}", "primary")
            action.setText(QCoreApplication.translate("AppointmentCard", "Check in"))
        elif state == CheckInState.checked_in and appointment.ticket is not None:
            action = button(f"appointments.ticket.{index}")
            action.setText(QCoreApplication.translate("AppointmentCard", "Show ticket"))
        else:
            return None
        action.setAccessibleName(action.text())
        action.setMinimumWidth(200)
        action.clicked.connect(lambda _=False: self.check_in_requested.emit(appointment.id))
        return action
