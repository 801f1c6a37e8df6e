"""The ticket: big number, then where to go (the largest text after it), the department, doctor
and appointment time, how long, a QR to follow the queue, printing state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.api.models import Ticket
from kiosk.ui.screens.base import Screen, label_home_button
from kiosk.ui.widgets.appointment_card import doctor_text, location_text
from kiosk.ui.widgets.basics import button, in_language, label, named
from kiosk.ui.widgets.qr import QrCode


class TicketScreen(Screen):
    """Signals:
    reprint_requested: print the same ticket again.
    done: the patient is finished.
    """

    reprint_requested = Signal()
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("ticket", parent)
        self._ticket: Ticket | None = None
        self._existing = False
        self._print_failure = ""
        self.heading = label("ticket.heading", "heading", wrap=True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = label("ticket.number", "huge")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Where to go comes right after the number, larger than anything but the number.
        self.where_label = label("ticket.where.label", "small")
        self.where_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.where = label("ticket.where", "title", wrap=True)
        self.where.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.directions = label("ticket.directions", "hint", wrap=True)
        self.directions.setAlignment(Qt.AlignmentFlag.AlignCenter)

        card = named(QFrame(), "ticket.card", "card")
        facts = QGridLayout(card)
        facts.setContentsMargins(32, 24, 32, 24)
        facts.setHorizontalSpacing(24)
        self.department = label("ticket.department", "heading", wrap=True)
        self.visit = label("ticket.visit", wrap=True)  # doctor and appointment time
        self.ahead_label = label("ticket.ahead.label", "small")
        self.ahead = label("ticket.ahead", "heading")
        self.wait_label = label("ticket.wait.label", "small")
        self.wait = label("ticket.wait", "heading")
        facts.addWidget(self.department, 0, 0, 1, 2)
        facts.addWidget(self.visit, 1, 0, 1, 2)
        facts.addWidget(self.ahead_label, 2, 0)
        facts.addWidget(self.wait_label, 2, 1)
        facts.addWidget(self.ahead, 3, 0)
        facts.addWidget(self.wait, 3, 1)

        self.qr = named(QrCode(220), "ticket.qr")
        self.qr_hint = label("ticket.qr.hint", "small", wrap=True)
        self.qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        qr_column = QVBoxLayout()
        qr_column.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_column.addWidget(self.qr_hint)

        # The QR beside the facts in landscape, under them in portrait (the card keeps its
        # width there, so no line of it breaks inside a name or a time).
        self._middle = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._middle.setSpacing(32)
        self._middle.addWidget(card, 1)
        self._middle.addLayout(qr_column)

        self.print_state = label("ticket.print_state", "hint", wrap=True)
        self.print_state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reprint = button("ticket.reprint")
        self.reprint.clicked.connect(self.reprint_requested)
        self.finish = button("ticket.done", "primary")
        self.finish.clicked.connect(self.done)
        footer = QHBoxLayout()
        footer.setSpacing(24)
        footer.addWidget(self.reprint)
        footer.addStretch(1)
        footer.addWidget(self.finish)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.number)
        layout.addWidget(self.where_label)
        layout.addWidget(self.where)
        layout.addWidget(self.directions)
        layout.addLayout(self._middle)
        layout.addStretch(1)
        layout.addWidget(self.print_state)  # its own line: between the buttons it was squeezed
        layout.addLayout(footer)
        self.retranslate()

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self._middle.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        super().resizeEvent(event)

    def show_ticket(self, ticket: Ticket, *, existing: bool, print_failure: str) -> None:
        self._ticket = ticket
        self._existing = existing
        self._print_failure = print_failure
        self.qr.set_data(ticket.status_url)
        self.retranslate()

    def instruction(self) -> str:
        if self._ticket is None:
            return ""
        return " ".join(
            text
            for text in (
                self.heading.text(),
                " ".join(self._ticket.number),  # letter by letter: "A 0 0 5"
                self.where_label.text(),
                self.where.text(),
                self.directions.text(),
                self.department.text(),
                self.visit.text(),
                self.print_state.text(),
            )
            if text
        )

    def wipe(self) -> None:
        self._ticket = None
        self._print_failure = ""
        self.qr.set_data("")
        self.retranslate()

    def retranslate(self) -> None:
        ticket = self._ticket
        self.where_label.setText(self.tr("Please go to"))
        self.ahead_label.setText(self.tr("People ahead of you"))
        self.wait_label.setText(self.tr("Estimated wait"))
        self.qr_hint.setText(self.tr("Scan to follow the queue on your phone"))
        self.reprint.setText(self.tr("Print again"))
        self.reprint.setAccessibleName(self.reprint.text())
        label_home_button(self.finish)
        if ticket is None:
            for widget in (self.heading, self.number, self.department, self.where):
                widget.clear()
            for widget in (self.directions, self.visit, self.ahead, self.wait, self.print_state):
                widget.clear()
            return
        self.heading.setText(
            self.tr("You were already checked in. Your number is")
            if self._existing
            else self.tr("You are checked in. Your number is")
        )
        self.number.setText(ticket.number)
        self.number.setAccessibleName(ticket.number)
        self.department.setText(in_language(ticket.department.name, ticket.department.name_en))
        self.visit.setText(self._visit_text(ticket))
        self.where.setText(location_text(ticket.location))
        self.directions.setText(
            in_language(ticket.location.directions, ticket.location.directions_en)
        )
        self.ahead.setText(str(ticket.people_ahead))
        self.wait.setText(
            self.tr("about {minutes} min").format(minutes=ticket.estimated_wait_minutes)
        )
        if self._print_failure:
            self.print_state.setText(
                self.tr(
                    "The ticket could not be printed. Please remember your number "
                    "or photograph the QR code."
                )
            )
        elif self._existing:
            self.print_state.setText(self.tr("Touch “Print again” if you need a paper ticket."))
        else:
            self.print_state.setText(self.tr("Please take your ticket from the printer below."))

    def _visit_text(self, ticket: Ticket) -> str:
        """ "李明 · 主任医师 · 预约 10:30"; empty when the ticket names neither."""
        parts = []
        if ticket.doctor is not None:
            doctor = ticket.doctor
            parts.append(doctor_text(doctor.name, doctor.name_en, doctor.title, doctor.title_en))
        if ticket.appointment_at is not None:
            parts.append(
                self.tr("appointment at {time}").format(
                    time=f"{ticket.appointment_at.astimezone():%H:%M}"
                )
            )
        return " · ".join(parts)
