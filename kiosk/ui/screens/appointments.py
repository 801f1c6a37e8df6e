"""Appointments: today's and the next 30 days; every card open for check-in has its button,
every checked-in card its live queue position."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.api.models import Appointment, Patient, TrackStatus
from kiosk.ui.screens.base import Screen, label_home_button
from kiosk.ui.widgets.appointment_card import AppointmentCard, CheckInState, check_in_state
from kiosk.ui.widgets.basics import button, label


class _AppointmentList(Screen):
    """A heading with the patient's masked name, a scrolling list of cards, a home button.

    Signals:
        check_in_requested: the appointment id of a card's 签到 (or "show ticket") button.
        home_requested: finish.
    """

    check_in_requested = Signal(str)
    cancel_requested = Signal(str)
    home_requested = Signal()

    def __init__(
        self,
        name: str,
        now: Callable[[], dt.datetime],
        *,
        with_date: bool,
        cancellable: bool = False,
    ) -> None:
        super().__init__(name)
        self._now = now
        self._with_date = with_date  # cards show the day when the list is more than today
        self._cancellable = cancellable
        self._patient: Patient | None = None
        self._appointments: list[Appointment] = []
        self._positions: Mapping[str, TrackStatus | None] = {}
        self._cards: list[AppointmentCard] = []
        self.heading = label(f"{name}.heading", "heading", wrap=True)
        self.empty = label(f"{name}.empty", "hint", wrap=True)
        self._list_widget = QWidget()
        self._list_widget.setProperty("role", "screen")
        self._list_widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._list = QVBoxLayout(self._list_widget)
        self._list.setSpacing(20)
        self._list.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self._list_widget)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.home = button(f"{name}.home")
        self.home.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addLayout(footer)

    def show_appointments(self, patient: Patient, appointments: Sequence[Appointment]) -> None:
        self._patient = patient
        self._appointments = list(appointments)
        self.retranslate()

    def show_positions(self, positions: Mapping[str, TrackStatus | None]) -> None:
        """Queue positions by appointment id; the cards change in place (scroll and keypad
        focus stay where the patient left them)."""
        self._positions = dict(positions)
        for card in self._cards:
            if card.appointment_id in self._positions:
                card.show_position(self._positions[card.appointment_id])

    def wipe(self) -> None:
        self._patient = None
        self._appointments = []
        self._positions = {}
        self._rebuild()
        self.heading.clear()

    def _rebuild(self) -> None:
        while self._list.count():
            item = self._list.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)  # gone from the screen's children at once
                widget.deleteLater()
        now = self._now()
        self._cards = []
        for index, appointment in enumerate(self._appointments):
            card = AppointmentCard(
                appointment,
                index,
                now=now,
                with_date=self._with_date,
                cancellable=self._cancellable,
            )
            card.check_in_requested.connect(self.check_in_requested)
            card.cancel_requested.connect(self.cancel_requested)
            self._list.addWidget(card)
            self._cards.append(card)
        self._list.addStretch(1)
        self.show_positions(self._positions)
        self.empty.setVisible(self._patient is not None and not self._appointments)


class TodayScreen(_AppointmentList):
    """Today's appointments; each one that can be checked in has a big button."""

    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        super().__init__("appointments", now, with_date=False)
        self.retranslate()

    def retranslate(self) -> None:
        name = self._patient.display_name if self._patient else ""
        self.heading.setText(self.tr("{name}, your appointments today").format(name=name))
        self.empty.setText(self.tr("You have no appointments today."))
        label_home_button(self.home)
        self._rebuild()

    def instruction(self) -> str:
        if not self._appointments:
            return self.empty.text()
        return self.tr(
            "You have {count} appointments today. Choose Check in to get your queue number."
        ).format(count=len(self._appointments))


class UpcomingScreen(_AppointmentList):
    """The next 30 days; a card whose check-in is open checks in from here in one tap.

    Cancelling (取消预约) lives here, on each card not begun yet, rather than in registration:
    a patient who wants to undo a booking looks for it among his appointments, where he
    sees the booking itself (day, doctor, place) before giving it up; registration is for
    taking a new place. Today's check-in list (``TodayScreen``) stays without it, so the
    check-in journey remains one tap.
    """

    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        super().__init__("upcoming", now, with_date=True, cancellable=True)
        self.retranslate()

    def retranslate(self) -> None:
        name = self._patient.display_name if self._patient else ""
        self.heading.setText(self.tr("{name}, your appointments").format(name=name))
        self.empty.setText(self.tr("You have no appointments in the next 30 days."))
        label_home_button(self.home)
        self._rebuild()

    def instruction(self) -> str:
        now = self._now()
        if any(check_in_state(a, now) == CheckInState.open for a in self._appointments):
            return " ".join(
                (self.heading.text(), self.tr("Choose Check in to get your queue number."))
            )
        return self.heading.text()
