"""A plain message when a journey cannot go on: what happened and what to do next."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QVBoxLayout, QWidget

from kiosk.flows.notices import Notice, NoticeKind
from kiosk.ui.messages import notice_text
from kiosk.ui.screens.base import Screen, label_home_button
from kiosk.ui.widgets.appointment_card import doctor_text, location_text, time_range_text
from kiosk.ui.widgets.basics import button, in_language, label, named


class NoticeScreen(Screen):
    """Signals:
    retry_requested: try identifying again.
    back_requested: back to the list of appointments.
    pay_bills_requested: use the wait to pay the patient's unpaid bills.
    enrol_requested: make a record and a patient card for an ID card without one (建档).
    home_requested: finish.
    """

    retry_requested = Signal()
    back_requested = Signal()
    pay_bills_requested = Signal()
    enrol_requested = Signal()
    home_requested = Signal()

    def __init__(self, service_window: str, parent: QWidget | None = None) -> None:
        super().__init__("notice", parent)
        self._service_window = service_window
        self._notice: Notice | None = None
        self._may_go_back = False
        card = named(QFrame(), "notice.card", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 40, 48, 40)
        inner.setSpacing(24)
        self.title = label("notice.title", "title", wrap=True)
        self.body = label("notice.body", wrap=True)
        # Which appointment a too-early notice is about, and where it will be.
        self.appointment = label("notice.appointment", "heading", wrap=True)
        self.location = label("notice.location", wrap=True)
        self.next_step = label("notice.next_step", "heading", wrap=True)
        for widget in (self.title, self.body, self.appointment, self.location, self.next_step):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        self.retry = button("notice.retry", "primary")
        self.retry.clicked.connect(self.retry_requested)
        self.back = button("notice.back")
        self.back.clicked.connect(self.back_requested)
        self.pay_bills = button("notice.pay_bills", "primary")
        self.pay_bills.clicked.connect(self.pay_bills_requested)
        self.enrol = button("notice.enrol", "primary")
        self.enrol.clicked.connect(self.enrol_requested)
        self.home = button("notice.home")
        self.home.clicked.connect(self.home_requested)
        # A row in landscape; in portrait a column with the main action on top and the way
        # home at the bottom, so long labels never squeeze each other.
        self._actions = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._actions.addWidget(self.home)
        self._actions.addStretch(1)
        self._actions.addWidget(self.back)
        self._actions.addWidget(self.retry)
        self._actions.addWidget(self.pay_bills)
        self._actions.addWidget(self.enrol)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 48, 64, 32)
        layout.addStretch(1)
        layout.addWidget(card)
        layout.addStretch(1)
        layout.addLayout(self._actions)
        self.retranslate()

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self._actions.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.BottomToTop
        )
        super().resizeEvent(event)

    def show_notice(self, notice: Notice, *, may_go_back: bool) -> None:
        self._notice = notice
        self._may_go_back = may_go_back
        self.retranslate()

    def instruction(self) -> str:
        texts = (self.title, self.body, self.appointment, self.location, self.next_step)
        return " ".join(t.text() for t in texts if t.text() and not t.isHidden())

    def wipe(self) -> None:
        self._notice = None
        self.retranslate()

    def retranslate(self) -> None:
        self.retry.setText(self.tr("Try again"))
        self.back.setText(self.tr("Back to my appointments"))
        self.pay_bills.setText(self.tr("Pay bills now"))
        self.enrol.setText(self.tr("Make a record"))
        label_home_button(self.home)
        for widget in (self.retry, self.back, self.pay_bills, self.enrol, self.home):
            widget.setAccessibleName(widget.text())
        notice = self._notice
        if notice is None:
            for text in (self.title, self.body, self.appointment, self.location, self.next_step):
                text.clear()
            return
        words = notice_text(notice, service_window=self._service_window)
        self.title.setText(words.title)
        self.body.setText(words.body)
        self.next_step.setText(words.next_step)
        self.retry.setVisible(words.may_retry_identify)
        self.back.setVisible(self._may_go_back)
        self.pay_bills.setVisible(notice.has_unpaid_bills)
        self.enrol.setVisible(notice.can_enrol)
        appointment = notice.appointment if notice.kind == NoticeKind.too_early else None
        self.appointment.setVisible(appointment is not None)
        self.location.setVisible(appointment is not None)
        self.body.setVisible(appointment is None)
        if appointment is None:
            return
        # Too early: the time it opens is the one fact to take away, so it is the title (it
        # says all the usual title would), followed by which appointment and where.
        self.title.setText(words.body)
        self.body.setText(words.title)
        doctor = appointment.doctor
        times = time_range_text(appointment.starts_at, appointment.ends_at, with_date=False)
        department = in_language(appointment.department.name, appointment.department.name_en)
        self.appointment.setText(  # two lines that never break inside a name or a time
            f"{times} {department}\n"
            + doctor_text(doctor.name, doctor.name_en, doctor.title, doctor.title_en)
        )
        self.location.setText(
            self.tr("Where: {place}").format(place=location_text(appointment.location))
        )
        self.next_step.setText(
            self.tr("Meanwhile you can pay your bills here, or come back to the kiosk then.")
            if notice.has_unpaid_bills
            else words.next_step
        )
