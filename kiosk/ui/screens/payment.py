"""Payment screens: the itemized bills, the QR code with its countdown, and the outcome."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.api.models import Bill, BillItem, ItemCategory, Patient, Payment
from kiosk.api.money import format_money
from kiosk.flows.payment import ENDED, PayStep
from kiosk.ui.screens.base import Screen, clear_layout, scrolling
from kiosk.ui.widgets.basics import button, in_language, label, named
from kiosk.ui.widgets.qr import QrCode


def category_name(category: ItemCategory) -> str:
    names = {
        ItemCategory.registration: QCoreApplication.translate("Payment", "Registration"),
        ItemCategory.consultation: QCoreApplication.translate("Payment", "Consultation"),
        ItemCategory.lab: QCoreApplication.translate("Payment", "Laboratory test"),
        ItemCategory.imaging: QCoreApplication.translate("Payment", "Imaging"),
        ItemCategory.drug: QCoreApplication.translate("Payment", "Medicine"),
        ItemCategory.treatment: QCoreApplication.translate("Payment", "Treatment"),
        ItemCategory.material: QCoreApplication.translate("Payment", "Materials"),
    }
    return names[category]


def _lifetime_minutes(payment: Payment) -> int:
    """How long the payment's code could be paid, in whole minutes, as the server set it."""
    return round((payment.expires_at - payment.created_at).total_seconds() / 60)


def _quantity(item: BillItem) -> str:
    unit = in_language(item.unit, item.unit_en)
    return f"{item.quantity:g} {unit}".strip()


def _item_cells(item: BillItem) -> tuple[str, str, str, str]:
    """Name, category, quantity × unit price, amount: in the patient's language."""
    return (
        in_language(item.name, item.name_en),
        category_name(item.category),
        f"{_quantity(item)} × {format_money(item.unit_price_cents)}",
        format_money(item.amount_cents),
    )


class BillsScreen(Screen):
    """Every unpaid bill with all its items; each bill can be left out of the payment.

    Signals:
        bill_toggled: a bill id.
        pay_requested: pay the selected bills.
        home_requested: finish.
    """

    bill_toggled = Signal(str)
    pay_requested = Signal()
    home_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("bills", parent)
        self._patient: Patient | None = None
        self._bills: list[Bill] = []
        self._selected: list[str] = []
        self._amount = 0
        self._toggles: list[QPushButton] = []
        self.heading = label("bills.heading", "heading", wrap=True)
        self.empty = label("bills.empty", "hint", wrap=True)
        self._list_widget = QWidget()
        self._list = QVBoxLayout(self._list_widget)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(20)
        self.total = label("bills.total", "heading")
        self.finish = button("bills.finish")
        self.finish.clicked.connect(self.home_requested)
        self.pay = button("bills.pay", "primary")
        self.pay.clicked.connect(self.pay_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.finish)
        footer.addStretch(1)
        footer.addWidget(self.total)
        footer.addWidget(self.pay)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(scrolling(self._list_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_bills(
        self, patient: Patient, bills: Sequence[Bill], selected: Sequence[str], amount: int
    ) -> None:
        rebuild = [b.id for b in bills] != [b.id for b in self._bills]
        self._patient, self._bills = patient, list(bills)
        self._selected, self._amount = list(selected), amount
        if rebuild:
            self._rebuild()
        self.retranslate()

    def wipe(self) -> None:
        self._patient, self._bills, self._selected, self._amount = None, [], [], 0
        self._rebuild()
        self.retranslate()

    def instruction(self) -> str:
        return " ".join(t for t in (self.heading.text(), self.total.text()) if t)

    def _rebuild(self) -> None:
        clear_layout(self._list)
        self._toggles = []
        for index, bill in enumerate(self._bills):
            self._list.addWidget(self._bill_card(index, bill))
        self._list.addStretch(1)

    def _bill_card(self, index: int, bill: Bill) -> QFrame:
        card = named(QFrame(), f"bills.bill.{index}", "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 20, 28, 20)
        layout.setSpacing(12)
        top = QHBoxLayout()
        title = label(f"bills.bill.{index}.title", "heading", wrap=True)
        title.setProperty("bill", bill.id)
        top.addWidget(title, 1)
        toggle = button(f"bills.toggle.{index}")
        toggle.setCheckable(True)
        toggle.clicked.connect(lambda _=False, bill_id=bill.id: self.bill_toggled.emit(bill_id))
        top.addWidget(toggle)
        self._toggles.append(toggle)
        layout.addLayout(top)
        items = QGridLayout()
        items.setHorizontalSpacing(24)
        items.setVerticalSpacing(6)
        items.setColumnStretch(0, 1)
        for row, item in enumerate(bill.items):
            for column, text in enumerate(_item_cells(item)):
                cell = label(f"bills.bill.{index}.item.{row}.{column}", wrap=column == 0)
                cell.setText(text)  # and again in retranslate: names, units, categories
                if column >= 2:
                    cell.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                items.addWidget(cell, row, column)
        layout.addLayout(items)
        summary = label(f"bills.bill.{index}.summary", "hint", wrap=True)
        summary.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(summary)
        return card

    def retranslate(self) -> None:
        patient = self._patient
        self.heading.setText(
            self.tr("Unpaid bills of {name}").format(name=patient.display_name) if patient else ""
        )
        self.empty.setText(self.tr("You have no unpaid bills."))
        self.empty.setVisible(patient is not None and not self._bills)
        self.finish.setText(self.tr("Finish"))
        self.finish.setAccessibleName(self.finish.text())
        self.pay.setText(self.tr("Pay {amount}").format(amount=format_money(self._amount)))
        self.pay.setAccessibleName(self.pay.text())
        self.pay.setVisible(bool(self._bills))
        self.pay.setEnabled(bool(self._selected))
        self.total.setVisible(bool(self._bills))
        self.total.setText(
            self.tr("{count} of {total} bills selected").format(
                count=len(self._selected), total=len(self._bills)
            )
        )
        for index, bill in enumerate(self._bills):
            title = self.findChild(QLabel, f"bills.bill.{index}.title")
            if title is not None:  # the title names the department ("Prescription, Surgery")
                title.setText(in_language(bill.title, bill.title_en))
            for row, item in enumerate(bill.items):
                for column, text in enumerate(_item_cells(item)):
                    cell = self.findChild(QLabel, f"bills.bill.{index}.item.{row}.{column}")
                    if cell is not None:
                        cell.setText(text)
            summary = self.findChild(QLabel, f"bills.bill.{index}.summary")
            if summary is not None:
                summary.setText(
                    self.tr("Total {total}, insurance pays {insurance}, you pay {self_pay}").format(
                        total=format_money(bill.total_cents),
                        insurance=format_money(bill.insurance_cents),
                        self_pay=format_money(bill.self_pay_cents),
                    )
                )
            if index < len(self._toggles):
                toggle = self._toggles[index]
                chosen = bill.id in self._selected
                toggle.setChecked(chosen)
                toggle.setText(self.tr("✓ Paying") if chosen else self.tr("Not paying"))
                toggle.setAccessibleName(
                    self.tr("Pay this bill: yes") if chosen else self.tr("Pay this bill: no")
                )


class PaymentQrScreen(Screen):
    """Signals:
    cancel_requested: the patient does not want to pay.
    """

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("payment_qr", parent)
        self._payment: Payment | None = None
        self._seconds = 0
        self.heading = label("payment_qr.heading", "title", wrap=True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.amount = label("payment_qr.amount", "huge")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr = named(QrCode(360), "payment_qr.qr")
        self.hint = label("payment_qr.hint", "hint", wrap=True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown = label("payment_qr.countdown", "heading")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cancel = button("payment_qr.cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.cancel)
        footer.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(self.amount)
        layout.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.countdown)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.retranslate()

    def show_payment(self, payment: Payment) -> None:
        if self._payment is None or self._payment.qr_payload != payment.qr_payload:
            self.qr.set_data(payment.qr_payload)
        self._payment = payment
        self.retranslate()

    def set_seconds_left(self, seconds: int) -> None:
        self._seconds = seconds
        self.countdown.setText(
            self.tr("This code is valid for {time}").format(
                time=f"{seconds // 60}:{seconds % 60:02d}"
            )
        )

    def wipe(self) -> None:
        self._payment = None
        self.qr.set_data("")
        self.retranslate()

    def instruction(self) -> str:
        return " ".join(t for t in (self.heading.text(), self.amount.text(), self.hint.text()) if t)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Scan with your phone to pay"))
        self.amount.setText(format_money(self._payment.amount_cents) if self._payment else "")
        self.hint.setText(
            self.tr(
                "Use your phone's camera or payment app. Keep this screen open until the "
                "kiosk says the payment is done."
            )
        )
        self.cancel.setText(self.tr("Cancel payment"))
        self.cancel.setAccessibleName(self.cancel.text())
        self.set_seconds_left(self._seconds)


class PaymentResultScreen(Screen):
    """Paid (receipt, pharmacy and queue numbers) or not (nothing was charged).

    Signals:
        retry_requested: a new payment for the same bills.
        reprint_requested: print the receipt again.
        home_requested: finish.
    """

    retry_requested = Signal()
    reprint_requested = Signal()
    home_requested = Signal()

    def __init__(self, service_window: str, parent: QWidget | None = None) -> None:
        super().__init__("payment_result", parent)
        self._service_window = service_window
        self._outcome: PayStep | None = None
        self._payment: Payment | None = None
        self._print_failed = False
        card = named(QFrame(), "payment_result.card", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 32, 48, 32)
        inner.setSpacing(16)
        self.title = label("payment_result.title", "title", wrap=True)
        self.body = label("payment_result.body", wrap=True)
        self.details = label("payment_result.details", "heading", wrap=True)
        self.print_state = label("payment_result.print_state", "hint", wrap=True)
        for widget in (self.title, self.body, self.details, self.print_state):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        self.reprint = button("payment_result.reprint")
        self.reprint.clicked.connect(self.reprint_requested)
        self.retry = button("payment_result.retry")
        self.retry.clicked.connect(self.retry_requested)
        self.finish = button("payment_result.finish", "primary")
        self.finish.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.reprint)
        footer.addWidget(self.retry)
        footer.addStretch(1)
        footer.addWidget(self.finish)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(64, 32, 64, 32)
        layout.addStretch(1)
        layout.addWidget(card)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.retranslate()

    def show_outcome(
        self, outcome: PayStep, payment: Payment | None, *, print_failed: bool
    ) -> None:
        """``outcome``: one of :data:`kiosk.flows.payment.OUTCOMES`."""
        self._outcome, self._payment, self._print_failed = outcome, payment, print_failed
        self.retranslate()

    def wipe(self) -> None:
        self._outcome, self._payment, self._print_failed = None, None, False
        self.retranslate()

    def instruction(self) -> str:
        parts = (self.title, self.body, self.details, self.print_state)
        return " ".join(t.text() for t in parts if t.text())

    def _paid_details(self, payment: Payment) -> str:
        lines = []
        if payment.receipt is not None:
            lines.append(
                self.tr("Paid {amount} · receipt {number}").format(
                    amount=format_money(payment.receipt.self_pay_cents),
                    number=payment.receipt.receipt_number,
                )
            )
        for pickup in payment.pharmacy_tickets:
            lines.append(
                self.tr("Medicine pickup number {number}: {window}, {place}").format(
                    number=pickup.number,
                    window=in_language(pickup.window, pickup.window_en),
                    place=in_language(pickup.location, pickup.location_en),
                )
            )
        for ticket in payment.registration_tickets:
            lines.append(
                self.tr("Queue number {number}: {department}").format(
                    number=ticket.number,
                    department=in_language(ticket.department.name, ticket.department.name_en),
                )
            )
        return "\n".join(lines)

    def retranslate(self) -> None:
        window = self.tr("If you need help, please go to service window {window}.").format(
            window=self._service_window
        )
        nothing_charged = self.tr("Nothing was charged.")
        not_paid_in_time = nothing_charged
        if self._payment is not None:
            not_paid_in_time = (
                self.tr("The code was not paid within {minutes} minutes.").format(
                    minutes=_lifetime_minutes(self._payment)
                )
                + " "
                + nothing_charged
            )
        texts: dict[PayStep, tuple[str, str, str]] = {
            PayStep.paid: (
                self.tr("Payment complete"),
                self.tr("Thank you. Please take your receipt from the printer below."),
                self._paid_details(self._payment) if self._payment else "",
            ),
            PayStep.failed: (
                self.tr("The payment was declined"),
                self.tr("The payment was not completed on the phone.") + " " + nothing_charged,
                window,
            ),
            PayStep.expired: (
                self.tr("The payment code has expired"),
                not_paid_in_time,
                window,
            ),
            PayStep.cancelled: (
                self.tr("The payment was cancelled"),
                nothing_charged,
                window,
            ),
            PayStep.unconfirmed: (
                self.tr("We could not confirm the payment"),
                self.tr(
                    "The hospital system did not answer. If you paid, your receipt is printed "
                    "here as soon as it answers; you are never charged twice."
                ),
                window,
            ),
        }
        title, body, details = (
            texts.get(self._outcome, ("", "", "")) if self._outcome else ("", "", "")
        )
        self.title.setText(title)
        self.body.setText(body)
        self.details.setText(details)
        paid = self._outcome == PayStep.paid
        self.print_state.setText(
            self.tr("The receipt could not be printed. Touch “Print again” or ask at the window.")
            if paid and self._print_failed
            else ""
        )
        self.print_state.setVisible(bool(self.print_state.text()))
        self.reprint.setText(self.tr("Print again"))
        # Only after a failure: a second pickup slip on request would only confuse.
        self.reprint.setVisible(paid and self._print_failed)
        self.retry.setText(self.tr("Try again"))
        self.retry.setVisible(self._outcome in ENDED.values())
        self.finish.setText(self.tr("Finish"))
        for widget in (self.reprint, self.retry, self.finish):
            widget.setAccessibleName(widget.text())
