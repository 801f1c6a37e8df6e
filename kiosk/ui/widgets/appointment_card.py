"""One appointment as a card: department, doctor, time, place, status, and its action."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QFrame, QGridLayout, QPushButton, QWidget

from kiosk.api.models import Appointment, AppointmentStatus, Location
from kiosk.ui.widgets.basics import in_language, label, named


def location_text(location: Location) -> str:
    building = in_language(location.building, location.building_en)
    if QLocale().language() == QLocale.Language.Chinese:
        floor = f"{location.floor}楼" if location.floor.isdigit() else location.floor
        room = f"{location.room}室" if location.room.isdigit() else location.room
        return f"{building} {floor} {room}"
    return f"{building}, floor {location.floor}, room {location.room}"


def time_range_text(start: dt.datetime, end: dt.datetime, *, with_date: bool) -> str:
    start, end = start.astimezone(), end.astimezone()
    times = f"{start:%H:%M}–{end:%H:%M}"
    if not with_date:
        return times
    locale = QLocale()
    if locale.language() == QLocale.Language.Chinese:
        weekday = locale.dayName(start.isoweekday())
        return f"{start.month}月{start.day}日 {weekday} {times}"
    return (
        f"{locale.dayName(start.isoweekday())} {start.day} {locale.monthName(start.month)} {times}"
    )


def status_text(appointment: Appointment, now: dt.datetime) -> str:
    if appointment.status == AppointmentStatus.cancelled:
        return QCoreApplication.translate("AppointmentCard", "Cancelled")
    if appointment.status == AppointmentStatus.checked_in:
        return QCoreApplication.translate("AppointmentCard", "Checked in")
    if appointment.status == AppointmentStatus.completed:
        return QCoreApplication.translate("AppointmentCard", "Completed")
    if now < appointment.check_in_opens_at:
        opens = appointment.check_in_opens_at.astimezone().strftime("%H:%M")
        if appointment.check_in_opens_at.date() == now.date():
            return QCoreApplication.translate("AppointmentCard", "Check-in opens at {time}").format(
                time=opens
            )
        return QCoreApplication.translate("AppointmentCard", "Booked")
    if now > appointment.check_in_closes_at:
        return QCoreApplication.translate("AppointmentCard", "Check-in closed")
    return QCoreApplication.translate("AppointmentCard", "Ready to check in")


class AppointmentCard(QFrame):
    def __init__(
        self,
        appointment: Appointment,
        index: int,
        *,
        now: dt.datetime,
        with_date: bool,
        action: QPushButton | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, f"appointment.{index}", "card")
        department = in_language(appointment.department.name, appointment.department.name_en)
        doctor = appointment.doctor
        grid = QGridLayout(self)
        grid.setContentsMargins(28, 20, 28, 20)
        grid.setHorizontalSpacing(24)
        heading = label(f"appointment.{index}.department", "heading", wrap=True)
        heading.setText(department)
        who = label(f"appointment.{index}.doctor", wrap=True)
        doctor_name = in_language(doctor.name, doctor.name_en)
        who.setText(f"{doctor_name} · {in_language(doctor.title, doctor.title_en)}")
        when = label(f"appointment.{index}.time", wrap=True)
        when.setText(
            time_range_text(appointment.starts_at, appointment.ends_at, with_date=with_date)
        )
        where = label(f"appointment.{index}.location", wrap=True)
        where.setText(location_text(appointment.location))
        status = label(f"appointment.{index}.status", "small", wrap=True)
        status.setText(status_text(appointment, now))
        grid.addWidget(heading, 0, 0)
        grid.addWidget(who, 1, 0)
        grid.addWidget(when, 2, 0)
        grid.addWidget(where, 3, 0)
        grid.addWidget(status, 4, 0)
        if action is not None:
            grid.addWidget(action, 0, 1, 5, 1)
        grid.setColumnStretch(0, 1)
