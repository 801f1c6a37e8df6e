"""First visit (建档/办卡): the ID card's data and the phone, the SMS code, the new card.

The card's data is shown read-only and masked as every screen masks names and numbers (the
patient checks it is their card; nobody behind them reads it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from kiosk.flows.first_visit import Output, Problem
from kiosk.identity import CardHolder, mask_id_number, mask_name, mask_phone
from kiosk.ui.screens.base import Screen, label_home_button
from kiosk.ui.widgets.basics import button, label, named
from kiosk.ui.widgets.keypad import Keypad

ADDRESS_SHOWN = 6  # characters of the address shown before it is masked


def masked_address(address: str) -> str:
    """北京市朝阳区建国路1号 → 北京市朝阳区****: enough to recognise, too little to find."""
    if len(address) <= ADDRESS_SHOWN:
        return address
    return address[:ADDRESS_SHOWN] + "****"


class _KeypadScreen(Screen):
    """The shared frame: a heading, something on the left, a keypad on the right (stacked in
    portrait or large text), a problem line, and the actions at the bottom."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(name, parent)
        self.heading = label(f"{name}.heading", "heading", wrap=True)
        self.side = QVBoxLayout()
        self.side.setSpacing(16)
        self.keypad_heading = label(f"{name}.keypad.text", "hint", wrap=True)
        self.problem = label(f"{name}.problem", "hint", wrap=True)
        self.problem.setProperty("tone", "warning")
        self.keypad_column = QVBoxLayout()
        self.keypad_column.addWidget(self.keypad_heading)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(48)
        self.body.addLayout(self.side, 1)
        self.body.addLayout(self.keypad_column, 1)
        self.action_row = QHBoxLayout()
        self.action_row.setSpacing(24)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.problem)
        layout.addLayout(self.action_row)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._arrange()
        super().resizeEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        self._arrange()
        super().showEvent(event)

    def _arrange(self) -> None:
        window = self.window()
        wide_enough = window.width() >= 40 * self.font().pixelSize()
        stacked = window.height() > window.width() or not wide_enough
        self.body.setDirection(
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )


class FirstVisitFormScreen(_KeypadScreen):
    """Signals:
    phone_submitted: the typed mobile number (send the code).
    home_requested: give up.
    """

    phone_submitted = Signal(str)
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("first_visit.form", parent)
        self._holder: CardHolder | None = None
        self._problem: Problem | None = None
        self.intro = label("first_visit.form.intro", "hint", wrap=True)
        card = named(QFrame(), "first_visit.form.card", "card")
        grid = QGridLayout(card)
        grid.setContentsMargins(32, 24, 32, 24)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(12)
        self.field_names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for row, name in enumerate(("name", "id_number", "sex", "birth_date", "address")):
            title = label(f"first_visit.form.{name}.label", "small")
            value = label(f"first_visit.form.{name}", wrap=True)
            grid.addWidget(title, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.field_names[name] = title
            self.values[name] = value
        grid.setColumnStretch(1, 1)
        self.side.addWidget(self.intro)
        self.side.addWidget(card)
        self.side.addStretch(1)
        self.keypad = Keypad(hide_middle=True, digits_only=True)
        self.keypad.text_changed.connect(self._on_typed)
        self.keypad_column.addWidget(self.keypad)
        self.back = button("first_visit.form.back")
        self.back.clicked.connect(self.home_requested)
        self.send = button("first_visit.form.send", "primary")
        self.send.clicked.connect(lambda: self.phone_submitted.emit(self.keypad.text))
        self.action_row.addWidget(self.back)
        self.action_row.addStretch(1)
        self.action_row.addWidget(self.send)
        self.retranslate()

    def show_form(self, holder: CardHolder, problem: Problem | None) -> None:
        if holder is not self._holder:
            self.keypad.clear()
        self._holder = holder
        self._problem = problem
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Make a record and a patient card"))
        self.intro.setText(self.tr("Your ID card says (please check it is yours):"))
        words = {
            "name": self.tr("Name"),
            "id_number": self.tr("ID number"),
            "sex": self.tr("Sex"),
            "birth_date": self.tr("Born"),
            "address": self.tr("Address"),
        }
        for name, title in self.field_names.items():
            title.setText(words[name])
        holder = self._holder
        if holder is None:
            for value in self.values.values():
                value.clear()
        else:
            self.values["name"].setText(mask_name(holder.name))
            self.values["id_number"].setText(mask_id_number(holder.id_number))
            self.values["sex"].setText(
                self.tr("Male") if holder.sex == "male" else self.tr("Female")
            )
            self.values["birth_date"].setText(holder.birth_date.isoformat())
            self.values["address"].setText(masked_address(holder.address) or "—")
        self.keypad_heading.setText(
            self.tr("Type your mobile number; we send a 6-digit code to it by text message:")
        )
        self.problem.setText(
            self.tr("This is not a mobile number. It has 11 digits and starts with 1.")
            if self._problem == Problem.invalid_phone
            else ""
        )
        self.problem.setVisible(bool(self.problem.text()))
        self.send.setText(self.tr("Send the code"))
        label_home_button(self.back)
        for widget in (self.send, self.back):
            widget.setAccessibleName(widget.text())
        self._on_typed(self.keypad.text)

    def instruction(self) -> str:
        return self.tr(
            "Check that the card's details are yours, type your mobile number, then press "
            "Send the code."
        )

    def wipe(self) -> None:
        self._holder = None
        self._problem = None
        self.keypad.clear()
        self.retranslate()

    def _on_typed(self, text: str) -> None:
        self.send.setEnabled(len(text) == 11)


class FirstVisitCodeScreen(_KeypadScreen):
    """Signals:
    code_submitted: the 6 digits typed.
    resend_requested: send another code.
    change_phone_requested: back to the number.
    home_requested: give up.
    """

    code_submitted = Signal(str)
    resend_requested = Signal()
    change_phone_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("first_visit.code", parent)
        self._phone = ""
        self._problem: Problem | None = None
        self._attempts_left = 0
        self._wait_s = 0
        self._resend_ready = False
        self.sent_to = label("first_visit.code.sent_to", "title", wrap=True)
        self.validity = label("first_visit.code.validity", "hint", wrap=True)
        self.resend_hint = label("first_visit.code.resend_hint", "hint", wrap=True)
        self.resend = button("first_visit.code.resend")
        self.resend.clicked.connect(self.resend_requested)
        self.change_phone = button("first_visit.code.change_phone")
        self.change_phone.clicked.connect(self.change_phone_requested)
        for widget in (self.sent_to, self.validity, self.resend_hint):
            self.side.addWidget(widget)
        self.side.addWidget(self.resend, 0, Qt.AlignmentFlag.AlignLeft)
        self.side.addWidget(self.change_phone, 0, Qt.AlignmentFlag.AlignLeft)
        self.side.addStretch(1)
        self.keypad = Keypad(digits_only=True)
        self.keypad.text_changed.connect(self._on_typed)
        self.keypad_column.addWidget(self.keypad)
        self.back = button("first_visit.code.back")
        self.back.clicked.connect(self.home_requested)
        self.confirm = button("first_visit.code.confirm", "primary")
        self.confirm.clicked.connect(lambda: self.code_submitted.emit(self.keypad.text))
        self.action_row.addWidget(self.back)
        self.action_row.addStretch(1)
        self.action_row.addWidget(self.confirm)
        self.retranslate()

    def show_code(
        self,
        phone: str,
        *,
        problem: Problem | None,
        attempts_left: int,
        resend_ready: bool,
        wait_s: int,
    ) -> None:
        if problem is not None and problem != Problem.not_sure:
            self.keypad.clear()  # a wrong or dead code is typed afresh
        self._phone = phone
        self._problem = problem
        self._attempts_left = attempts_left
        self._resend_ready = resend_ready
        self._wait_s = wait_s
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Type the code from the text message"))
        self.sent_to.setText(
            self.tr("Sent to {phone}").format(phone=mask_phone(self._phone)) if self._phone else ""
        )
        self.validity.setText(self.tr("The code is good for 5 minutes."))
        self.keypad_heading.setText(self.tr("The 6-digit code:"))
        self.resend.setText(self.tr("Send a new code"))
        self.resend.setEnabled(self._resend_ready)
        self.resend_hint.setText(
            ""
            if self._resend_ready
            else self.tr("No message? You can ask for a new code after {seconds} seconds.").format(
                seconds=self._wait_s
            )
        )
        self.resend_hint.setVisible(bool(self.resend_hint.text()))
        self.change_phone.setText(self.tr("Change the number"))
        self.confirm.setText(self.tr("Confirm"))
        label_home_button(self.back)
        for widget in (self.resend, self.change_phone, self.confirm, self.back):
            widget.setAccessibleName(widget.text())
        self.problem.setText(self._problem_text())
        self.problem.setVisible(bool(self.problem.text()))
        self._on_typed(self.keypad.text)

    def _problem_text(self) -> str:
        problem = self._problem
        if problem == Problem.code_wrong:
            return self.tr("The code is wrong. {count} tries left.").format(
                count=self._attempts_left
            )
        if problem == Problem.code_expired:
            return self.tr("This code can no longer be used. Please ask for a new code.")
        if problem == Problem.code_cooldown:
            return self.tr("A code was sent moments ago. Please wait for the message.")
        if problem == Problem.not_sure:
            return self.tr(
                "We are not sure your record was made. Press Confirm again: "
                "nothing will be made twice."
            )
        return ""

    def instruction(self) -> str:
        return self.tr("Type the 6-digit code from the text message, then press Confirm.")

    def wipe(self) -> None:
        self._phone = ""
        self._problem = None
        self.keypad.clear()
        self.retranslate()

    def _on_typed(self, text: str) -> None:
        self.confirm.setEnabled(len(text) == 6 and text.isdigit())


class FirstVisitDoneScreen(Screen):
    """Signals:
    register_requested: go on into same-day registration.
    reprint_requested: print the slip again.
    home_requested: finished.
    """

    register_requested = Signal()
    reprint_requested = Signal()
    home_requested = Signal()

    def __init__(self, service_window: str, parent: QWidget | None = None) -> None:
        super().__init__("first_visit.done", parent)
        self._service_window = service_window
        self._existing = False
        self._card_number = ""
        self._slip = Output.none
        self._card = Output.none
        self._card_failure = ""
        self.heading = label("first_visit.done.heading", "heading", wrap=True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number_label = label("first_visit.done.number.label", "small")
        self.number_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.number = label("first_visit.done.number", "huge")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        card = named(QFrame(), "first_visit.done.card", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 24, 32, 24)
        inner.setSpacing(16)
        self.slip_state = label("first_visit.done.slip", wrap=True)
        self.card_state = label("first_visit.done.card_state", wrap=True)
        self.next_step = label("first_visit.done.next_step", "heading", wrap=True)
        for widget in (self.slip_state, self.card_state, self.next_step):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        self.reprint = button("first_visit.done.reprint")
        self.reprint.clicked.connect(self.reprint_requested)
        self.home = button("first_visit.done.home")
        self.home.clicked.connect(self.home_requested)
        self.register = button("first_visit.done.register", "primary")
        self.register.clicked.connect(self.register_requested)
        self._actions = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self._actions.setSpacing(24)
        self._actions.addWidget(self.home)
        self._actions.addStretch(1)
        self._actions.addWidget(self.reprint)
        self._actions.addWidget(self.register)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(self.number_label)
        layout.addWidget(self.number)
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

    def show_result(
        self,
        *,
        existing: bool,
        card_number: str,
        slip: Output,
        card: Output,
        card_failure: str,
    ) -> None:
        self._existing = existing
        self._card_number = card_number
        self._slip = slip
        self._card = card
        self._card_failure = card_failure
        self.retranslate()

    def retranslate(self) -> None:
        window = self.tr("service window {window}").format(window=self._service_window)
        self.heading.setText(
            self.tr("You already have a record here. Your ID card identifies you.")
            if self._existing
            else self.tr("Your record is made.")
        )
        self.number_label.setText(self.tr("Your patient card number"))
        self.number.setText(self._card_number)
        self.number.setAccessibleName(" ".join(self._card_number))
        for widget in (self.number_label, self.number, self.slip_state, self.card_state):
            widget.setVisible(not self._existing and bool(self._card_number))
        self.slip_state.setText(
            {
                Output.none: "",
                Output.working: self.tr("Printing your slip with the card number…"),
                Output.done: self.tr("Please take your slip from the printer below."),
                Output.failed: self.tr(
                    "The slip could not be printed. Please note your card number, or touch "
                    "Print again."
                ),
            }[self._slip]
        )
        self.card_state.setText(self._card_text(window))
        self.next_step.setText(self.tr("You can register for a doctor today now."))
        self.reprint.setText(self.tr("Print again"))
        self.reprint.setVisible(self._slip == Output.failed and not self._existing)
        self.register.setText(self.tr("Register now"))
        label_home_button(self.home)
        for action in (self.reprint, self.register, self.home):
            action.setAccessibleName(action.text())

    def _card_text(self, window: str) -> str:
        if self._card == Output.none:
            return self.tr("Collect your patient card at {window} with this number.").format(
                window=window
            )
        if self._card == Output.working:
            return self.tr("Your patient card is coming out of the card slot…")
        if self._card == Output.done:
            return self.tr("Please take your patient card from the card slot.")
        reason = {
            "empty": self.tr("The kiosk has run out of cards."),
            "jammed": self.tr("The card dispenser is jammed."),
        }.get(self._card_failure, self.tr("The card dispenser is not working."))
        return self.tr(
            "{reason} Your record is made: {window} gives you the card with this number."
        ).format(reason=reason, window=window)

    def instruction(self) -> str:
        texts = (self.heading, self.number_label, self.slip_state, self.card_state, self.next_step)
        spoken = []
        for text in texts:
            if text.text() and not text.isHidden():
                spoken.append(text.text())
                if text is self.number_label:
                    spoken.append(" ".join(self._card_number))
        return " ".join(spoken)

    def wipe(self) -> None:
        self._existing = False
        self._card_number = ""
        self._slip = Output.none
        self._card = Output.none
        self._card_failure = ""
        self.retranslate()
