"""Cancelling an appointment (取消预约/退号) from my appointments: confirm, then the refund.

Reached from a card's Cancel on my appointments (see ``UpcomingScreen`` for why it lives
there). The confirm screen shows the appointment and what happens to a paid fee; a refusal
from the server (begun, checked in, cancelled already, cancelled at the window only) replaces
the button with the reason; a lost answer keeps the button as "Try again" (the same key: one
cancellation, one refund). The result screen says how much goes back and where.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.api.models import Appointment, CancellationResult, Refund
from kiosk.api.money import format_money
from kiosk.flows.notices import Notice
from kiosk.flows.visit import CancelRefusal
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import Screen, label_home_button
from kiosk.ui.screens.payment import wallet_name
from kiosk.ui.screens.registration import sentences
from kiosk.ui.widgets.appointment_card import location_text, time_range_text
from kiosk.ui.widgets.basics import button, in_language, label, named


def _facts_card(name: str) -> tuple[QFrame, list[tuple[QLabel, QLabel]]]:
    """A card of label/value rows: department, doctor, time, place."""
    card = named(QFrame(), f"{name}.card", "card")
    grid = QGridLayout(card)
    grid.setContentsMargins(40, 28, 40, 28)
    grid.setHorizontalSpacing(32)
    grid.setVerticalSpacing(14)
    rows = []
    for row, key in enumerate(("department", "doctor", "time", "place")):
        caption = label(f"{name}.{key}.label", "small")
        value = label(f"{name}.{key}", "heading", wrap=True)
        grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(value, row, 1)
        rows.append((caption, value))
    grid.setColumnStretch(1, 1)
    return card, rows


def _fill_facts(rows: list[tuple[QLabel, QLabel]], appointment: Appointment | None) -> None:
    translate = QCoreApplication.translate
    captions = (
        translate("Cancellation", "Department"),
        translate("Cancellation", "Doctor"),
        translate("Cancellation", "Time"),
        translate("Cancellation", "Place"),
    )
    values: tuple[str, ...] = ("",) * 4
    if appointment is not None:
        doctor = appointment.doctor
        values = (
            in_language(appointment.department.name, appointment.department.name_en),
            f"{in_language(doctor.name, doctor.name_en)} · "
            f"{in_language(doctor.title, doctor.title_en)}",
            time_range_text(appointment.starts_at, appointment.ends_at, with_date=True),
            location_text(appointment.location),
        )
    for (caption, value), text, shown in zip(rows, captions, values, strict=True):
        caption.setText(text)
        value.setText(shown)


class CancelScreen(Screen):
    """Signals:
    confirmed: cancel it (or try again after a lost answer).
    back_requested: keep it, back to my appointments.
    home_requested: finish.
    """

    confirmed = Signal()
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("cancel", parent)
        self._appointment: Appointment | None = None
        self._refusal: CancelRefusal | None = None
        self._problem: Notice | None = None
        self.heading = label("cancel.heading", "title", wrap=True)
        self.banner = named(QFrame(), "cancel.problem", "banner-error")
        self.reason = label("cancel.problem.text", "hint", wrap=True)
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.setContentsMargins(24, 16, 24, 16)
        banner_layout.addWidget(self.reason)
        self.banner.hide()
        card, self._rows = _facts_card("cancel")
        self.note = label("cancel.note", "hint", wrap=True)
        self.confirm = button("cancel.confirm", "primary")
        self.confirm.clicked.connect(self.confirmed)
        # The irreversible button on a row of its own, away from Back and Home, as wide as
        # the row: its words stay whole in portrait with large text.
        action = QHBoxLayout()
        action.addWidget(self.confirm, 1)
        self.back = button("cancel.back")
        self.back.clicked.connect(self.back_requested)
        self.home = button("cancel.home")
        self.home.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addWidget(card)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addLayout(action)
        layout.addSpacing(48)
        layout.addLayout(footer)
        self.retranslate()

    def show_appointment(
        self,
        appointment: Appointment,
        *,
        refusal: CancelRefusal | None = None,
        problem: Notice | None = None,
    ) -> None:
        """``refusal``: why it cannot be cancelled (no button); ``problem``: the last try got
        no answer (the button says Try again)."""
        self._appointment, self._refusal, self._problem = appointment, refusal, problem
        self.retranslate()

    def wipe(self) -> None:
        self._appointment, self._refusal, self._problem = None, None, None
        self.retranslate()

    def instruction(self) -> str:
        texts = [self.heading.text(), self.reason.text() if self.banner.isVisible() else ""]
        return " ".join(t for t in [*texts, self.note.text()] if t)

    def refusal_text(self, refusal: CancelRefusal) -> str:
        texts = {
            CancelRefusal.started: self.tr(
                "This appointment has started, so it can no longer be cancelled here. "
                "Please ask at a service window."
            ),
            CancelRefusal.checked_in: self.tr(
                "You have checked in for this appointment, so it can no longer be cancelled "
                "here. Please ask at a service window."
            ),
            CancelRefusal.already_cancelled: self.tr(
                "This appointment is already cancelled. A fee you paid for it has been refunded."
            ),
            CancelRefusal.at_window: self.tr(
                "In this hospital, appointments are cancelled at a service window. "
                "Please ask there."
            ),
        }
        return texts[refusal]

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Cancel this appointment?"))
        _fill_facts(self._rows, self._appointment)
        self.note.setText(
            self.tr(
                "Its place is given to other patients. A registration fee you paid is "
                "refunded to where you paid it."
            )
        )
        if self._refusal is not None:
            self.reason.setText(self.refusal_text(self._refusal))
            self.banner.show()
        elif self._problem is not None:
            words = notice_text(self._problem, service_window="")
            lines = [
                words.title,
                words.body,
                self.tr(
                    "Touch Try again: it will not be cancelled or refunded twice. If it keeps "
                    "failing, please ask at a service window."
                ),
            ]
            self.reason.setText("\n".join(line for line in lines if line))
            self.banner.show()
        else:
            self.reason.clear()
            self.banner.hide()
        self.confirm.setVisible(self._refusal is None)
        self.confirm.setText(
            self.tr("Try again") if self._problem else self.tr("Cancel the appointment")
        )
        self.confirm.setAccessibleName(self.confirm.text())
        self.back.setText(self.tr("Keep it"))
        self.back.setAccessibleName(self.tr("Keep the appointment: back to my appointments"))
        label_home_button(self.home)


def refund_destination(refund: Refund) -> str:
    """Where the money goes back, as the patient paid."""
    if refund.wallet is not None:
        return wallet_name(refund.wallet)
    return QCoreApplication.translate(
        "CancelledScreen", "the account that paid by scanning the QR code"
    )


class CancelledScreen(Screen):
    """Signals:
    back_requested: back to my appointments.
    home_requested: finish.
    """

    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("cancelled", parent)
        self._result: CancellationResult | None = None
        self.heading = label("cancelled.heading", "title", wrap=True)
        card, self._rows = _facts_card("cancelled")
        self.refund = label("cancelled.refund", "heading", wrap=True)
        self.refund_note = label("cancelled.refund_note", "hint", wrap=True)
        self.back = button("cancelled.back", "primary")
        self.back.clicked.connect(self.back_requested)
        self.home = button("cancelled.home")
        self.home.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.home)
        footer.addStretch(1)
        footer.addWidget(self.back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.setSpacing(24)
        layout.addWidget(self.heading)
        layout.addWidget(card)
        layout.addWidget(self.refund)
        layout.addWidget(self.refund_note)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.retranslate()

    def show_result(self, result: CancellationResult) -> None:
        self._result = result
        self.retranslate()

    def wipe(self) -> None:
        self._result = None
        self.retranslate()

    def instruction(self) -> str:
        return " ".join(t for t in (self.heading.text(), self.refund.text()) if t)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Your appointment is cancelled"))
        result = self._result
        _fill_facts(self._rows, result.appointment if result else None)
        refund = result.refund if result else None
        if refund is not None:
            self.refund.setText(
                self.tr("{amount} is refunded to {destination}.").format(
                    amount=format_money(refund.amount_cents),
                    destination=refund_destination(refund),
                )
            )
            receipt = (
                self.tr("Receipt number: {number}").format(number=refund.receipt_number)
                if refund.receipt_number
                else ""
            )
            self.refund_note.setText(
                sentences(self.tr("Refunds usually arrive within 1 to 3 working days."), receipt)
            )
        else:
            self.refund.setText(
                self.tr("No fee was paid for it here, so there is nothing to refund.")
                if result
                else ""
            )
            self.refund_note.setText(self.tr("Its place is free for other patients now."))
        self.back.setText(self.tr("My appointments"))
        self.back.setAccessibleName(self.tr("Back to my appointments"))
        label_home_button(self.home)
