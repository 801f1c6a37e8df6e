"""Payment screens: the itemized bills, the QR code or the payment code, and the outcome."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
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
from kiosk.api.payment_codes import EXAMPLE_CODES, ChargeOutcome, Wallet
from kiosk.flows.payment import ENDED, PayStep
from kiosk.ui.screens.base import Screen, clear_layout, label_home_button, scrolling
from kiosk.ui.widgets.appointment_card import location_text
from kiosk.ui.widgets.basics import button, in_language, label, named
from kiosk.ui.widgets.qr import QrCode

# Kept on one line wherever it appears: "个人支付 ¥34.00" must never break before the amount.
NO_BREAK_SPACE = "\u00a0"
WORD_JOINER = "\u2060"  # forbids a line break between its neighbours ("1" and "楼")
# Wider than this (relative to the height) is landscape: the screens use two columns.
LANDSCAPE_RATIO = 1.2
QR_SIDE = 360
QR_SIDE_SHORT = 240
TALL_SCREEN = 1080  # window height from which the full-size QR code fits


def wallet_name(wallet: Wallet) -> str:
    """The app's own name, as patients know it (a text badge, not its logo)."""
    names = {
        Wallet.wechat: QCoreApplication.translate("Payment", "WeChat Pay"),
        Wallet.alipay: QCoreApplication.translate("Payment", "Alipay"),
        Wallet.unionpay: QCoreApplication.translate("Payment", "UnionPay"),
    }
    return names[wallet]


def _lifetime_minutes(payment: Payment) -> int:
    """How long the payment's code could be paid, in whole minutes, as the server set it."""
    return round((payment.expires_at - payment.created_at).total_seconds() / 60)


def _english_plural(unit: str) -> str:
    return unit + ("es" if unit.endswith(("s", "x", "ch", "sh")) else "s")


def quantity_text(item: BillItem) -> str:
    """ "2盒" in Chinese, "2 boxes" in English (the server's units are singular)."""
    number = f"{item.quantity:g}"
    if QLocale().language() == QLocale.Language.Chinese or not item.unit_en:
        return f"{number}{item.unit}"
    unit = item.unit_en if item.quantity == 1 else _english_plural(item.unit_en)
    return f"{number} {unit}"


def labelled_amount(caption: str, cents: int) -> str:
    """ "个人支付 ¥34.00", joined so that it never breaks between the words and the amount."""
    return f"{caption}{NO_BREAK_SPACE}{format_money(cents)}".replace(" ", NO_BREAK_SPACE)


# The insurance settlement's lines under each bill and for the selected bills, in this order.
SPLIT_PARTS = ("fund", "account", "self_pay")


def fund_caption() -> str:
    return QCoreApplication.translate("Insurance", "Insurance fund pays")  # 统筹支付


def account_caption() -> str:
    return QCoreApplication.translate("Insurance", "Personal account pays")  # 个人账户支付


def self_pay_caption() -> str:
    return QCoreApplication.translate("Insurance", "You pay")  # 个人自付


def kept_together(text: str) -> str:
    """A place that never breaks between a number and its unit: a short Chinese one
    ("医技楼 1楼 101室") stays whole; in English only "floor 1", "room 101" stay together."""
    if QLocale().language() == QLocale.Language.Chinese:
        return WORD_JOINER.join(text.replace(" ", NO_BREAK_SPACE))
    return re.sub(r" (?=\d)", NO_BREAK_SPACE, text)


def bill_titles(payment: Payment, bills: Sequence[Bill]) -> str:
    """What is being paid: the titles of its bills, or "" when they are not all known (a
    registration's fee is paid without the bill list)."""
    titles = [in_language(b.title, b.title_en) for b in bills if b.id in payment.bill_ids]
    if len(titles) != len(payment.bill_ids):
        return ""
    separator = "、" if QLocale().language() == QLocale.Language.Chinese else "; "
    return separator.join(titles)


def wallet_badges(name: str) -> tuple[QWidget, list[QLabel]]:
    """The three apps that can pay, as coloured text badges in a row."""
    row = named(QWidget(), name)
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(16)
    layout.addStretch(1)
    badges = []
    for wallet in Wallet:
        badge = label(f"{name}.{wallet.value}", f"wallet-{wallet.value}")
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(badge)
        badges.append(badge)
    layout.addStretch(1)
    return row, badges


def _retranslate_badges(badges: Sequence[QLabel]) -> None:
    for badge, wallet in zip(badges, Wallet, strict=True):
        badge.setText(wallet_name(wallet))


class _TwoColumns(QBoxLayout):
    """Side by side in landscape, one above the other in portrait."""

    def __init__(self) -> None:
        super().__init__(QBoxLayout.Direction.LeftToRight)
        self.setSpacing(32)

    def follow(self, width: int, height: int) -> None:
        landscape = width > height * LANDSCAPE_RATIO
        self.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )


class BillsScreen(Screen):
    """Every unpaid bill as a compact table, what the patient pays as the largest figure; each
    bill can be left out of the payment.

    Signals:
        bill_toggled: a bill id.
        pay_requested: pay the selected bills.
        home_requested: back to the home screen.
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
        self._columns: list[_TwoColumns] = []
        self.heading = label("bills.heading", "heading", wrap=True)
        self.empty = label("bills.empty", "hint", wrap=True)
        self._list_widget = QWidget()
        self._list = QVBoxLayout(self._list_widget)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(20)
        self.total = label("bills.total", "small", wrap=True)
        self.amount_due = label("bills.amount_due", "amount-due")
        self.amount_due.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.finish = button("bills.finish")
        self.finish.clicked.connect(self.home_requested)
        self.pay = button("bills.pay", "primary")
        self.pay.clicked.connect(self.pay_requested)
        # The selected bills' split above what is due: the fund's and the account's lines side
        # by side in landscape (the list keeps its height), one above the other in portrait.
        self.fund_total = label("bills.fund_total", "small")
        self.account_total = label("bills.account_total", "small")
        self._split = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        for line in (self.fund_total, self.account_total):
            line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._split.addWidget(line, 0, Qt.AlignmentFlag.AlignRight)
        summary = QHBoxLayout()
        summary.addWidget(self.total, 1, Qt.AlignmentFlag.AlignBottom)
        summary.addLayout(self._split)
        # What is due: its own row in portrait, beside the pay button in landscape.
        self._due = QHBoxLayout()
        self._due.addStretch(1)
        self._due.addWidget(self.amount_due)
        self._footer = footer = QHBoxLayout()
        footer.setSpacing(32)
        footer.addWidget(self.finish)
        footer.addStretch(1)
        footer.addWidget(self.pay)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(scrolling(self._list_widget), 1)
        layout.addLayout(summary)
        layout.addLayout(self._due)
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
        texts = (self.heading.text(), self.amount_due.text().replace(NO_BREAK_SPACE, " "))
        return " ".join(t for t in texts if t)

    def resizeEvent(self, event: QResizeEvent) -> None:
        for columns in self._columns:
            columns.follow(self.width(), self.window().height())
        landscape = self.width() > self.window().height() * LANDSCAPE_RATIO
        self._split.setDirection(
            QBoxLayout.Direction.LeftToRight if landscape else QBoxLayout.Direction.TopToBottom
        )
        self._split.setSpacing(32 if landscape else 0)
        beside_pay = self._footer.indexOf(self.amount_due) >= 0
        if landscape and not beside_pay:
            self._due.removeWidget(self.amount_due)
            self._footer.insertWidget(self._footer.indexOf(self.pay), self.amount_due)
        elif not landscape and beside_pay:
            self._footer.removeWidget(self.amount_due)
            self._due.addWidget(self.amount_due)
        super().resizeEvent(event)

    def _rebuild(self) -> None:
        clear_layout(self._list)
        self._toggles, self._columns = [], []
        for index, bill in enumerate(self._bills):
            self._list.addWidget(self._bill_card(index, bill))
        self._list.addStretch(1)

    def _bill_card(self, index: int, bill: Bill) -> QFrame:
        """The bill's title and toggle, its items as a table with row guides, and its sums
        (beside the table in landscape, so names stay near their prices)."""
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
        columns = _TwoColumns()
        self._columns.append(columns)
        columns.addWidget(self._item_table(index, bill), 3)
        sums = QVBoxLayout()
        sums.setSpacing(4)
        for part in ("total", *SPLIT_PARTS):
            line = label(f"bills.bill.{index}.{part}", "bill-due" if part == "self_pay" else "")
            line.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
            sums.addWidget(line)
        sums.addStretch(1)
        columns.addLayout(sums, 1)
        layout.addLayout(columns)
        columns.follow(self.width(), self.window().height())
        return card

    def _item_table(self, index: int, bill: Bill) -> QWidget:
        table = named(QWidget(), f"bills.bill.{index}.items")
        grid = QGridLayout(table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0)
        grid.setColumnStretch(0, 1)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for column in range(4):
            header = label(f"bills.bill.{index}.header.{column}", "table-header")
            header.setIndent(0)  # its border would otherwise indent it from the cells below
            if column:
                header.setAlignment(right)
            grid.addWidget(header, 0, column)
        for row, _item in enumerate(bill.items, start=1):
            guide = named(QFrame(), f"bills.bill.{index}.row.{row - 1}", "bill-row")
            grid.addWidget(guide, row, 0, 1, 4)  # under the row's cells: a line below each
            for column in range(4):
                cell = label(f"bills.bill.{index}.item.{row - 1}.{column}", "", wrap=column == 0)
                cell.setContentsMargins(0, 10, 0, 10)
                if column:
                    cell.setAlignment(right)
                grid.addWidget(cell, row, column)
        return table

    def retranslate(self) -> None:
        patient = self._patient
        self.heading.setText(
            self.tr("Unpaid bills of {name}").format(name=patient.display_name) if patient else ""
        )
        self.empty.setText(self.tr("You have no unpaid bills."))
        self.empty.setVisible(patient is not None and not self._bills)
        label_home_button(self.finish)
        self.pay.setText(self.tr("Pay {amount}").format(amount=format_money(self._amount)))
        self.pay.setAccessibleName(self.pay.text())
        self.pay.setVisible(bool(self._bills))
        self.pay.setEnabled(bool(self._selected))
        for summary in (self.total, self.amount_due, self.fund_total, self.account_total):
            summary.setVisible(bool(self._bills))
        chosen = [bill for bill in self._bills if bill.id in self._selected]
        self.fund_total.setText(
            labelled_amount(fund_caption(), sum(b.insurance_fund_cents for b in chosen))
        )
        self.account_total.setText(
            labelled_amount(account_caption(), sum(b.personal_account_cents for b in chosen))
        )
        self.total.setText(
            self.tr("{count} of {total} bills selected").format(
                count=len(self._selected), total=len(self._bills)
            )
        )
        self.amount_due.setText(labelled_amount(self_pay_caption(), self._amount))
        for index, bill in enumerate(self._bills):
            self._retranslate_bill(index, bill)

    def _retranslate_bill(self, index: int, bill: Bill) -> None:
        def set_text(name: str, text: str) -> None:
            found = self.findChild(QLabel, f"bills.bill.{index}.{name}")
            if found is not None:
                found.setText(text)

        # The title names the department ("Prescription, Internal Medicine").
        set_text("title", in_language(bill.title, bill.title_en))
        headers = (self.tr("Item"), self.tr("Quantity"), self.tr("Unit price"), self.tr("Amount"))
        for column, text in enumerate(headers):
            set_text(f"header.{column}", text)
        for row, item in enumerate(bill.items):
            cells = (
                in_language(item.name, item.name_en),
                quantity_text(item),
                format_money(item.unit_price_cents),
                format_money(item.amount_cents),
            )
            for column, text in enumerate(cells):
                set_text(f"item.{row}.{column}", text)
        set_text("total", labelled_amount(self.tr("Total"), bill.total_cents))
        set_text("fund", labelled_amount(fund_caption(), bill.insurance_fund_cents))
        set_text("account", labelled_amount(account_caption(), bill.personal_account_cents))
        set_text("self_pay", labelled_amount(self_pay_caption(), bill.self_pay_cents))
        if index < len(self._toggles):
            toggle = self._toggles[index]
            chosen = bill.id in self._selected
            toggle.setChecked(chosen)
            toggle.setText(self.tr("Included") if chosen else self.tr("Not included"))
            toggle.setAccessibleName(
                self.tr("Pay this bill: yes") if chosen else self.tr("Pay this bill: no")
            )


class PaymentSummary(QWidget):
    """What is being paid and for whom, and the amount: on the QR and payment-code screens."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.patient = label(f"{name}.patient", "heading", wrap=True)
        self.bills = label(f"{name}.bills", "hint", wrap=True)
        self.caption = label(f"{name}.caption", "hint")
        self.amount = label(f"{name}.amount", "huge")
        for line in (self.patient, self.bills, self.caption, self.amount):
            line.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(line)
        layout.addStretch(1)  # the lines stay together beside a taller column

    def set_payment(
        self, payment: Payment | None, patient: Patient | None, bills: Sequence[Bill]
    ) -> None:
        self.patient.setText(
            self.tr("Patient: {name}").format(name=patient.display_name) if patient else ""
        )
        titles = bill_titles(payment, bills) if payment else ""
        if payment and not titles:
            count = len(payment.bill_ids)
            titles = (
                self.tr("1 bill") if count == 1 else self.tr("{count} bills").format(count=count)
            )
        self.bills.setText(titles)
        self.caption.setText(self.tr("Amount to pay") if payment else "")
        self.amount.setText(format_money(payment.amount_cents) if payment else "")

    def texts(self) -> list[str]:
        return [w.text() for w in (self.patient, self.bills, self.caption, self.amount)]


class PaymentQrScreen(Screen):
    """The QR code to scan with a wallet app, what it pays, and the way to the payment code.

    Signals:
        cancel_requested: the patient does not want to pay.
        payment_code_requested: the patient will show their payment code instead.
    """

    cancel_requested = Signal()
    payment_code_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("payment_qr", parent)
        self._payment: Payment | None = None
        self._patient: Patient | None = None
        self._bills: list[Bill] = []
        self._seconds = 0
        self.heading = label("payment_qr.heading", "title", wrap=True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = PaymentSummary("payment_qr.summary")
        self.qr = named(QrCode(QR_SIDE), "payment_qr.qr")
        self.apps_hint = label("payment_qr.apps_hint", "hint", wrap=True)
        self.apps_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badges, self._badges = wallet_badges("payment_qr.apps")
        self.countdown = label("payment_qr.countdown", "heading")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = label("payment_qr.hint", "hint", wrap=True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cancel = button("payment_qr.cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self.payment_code = button("payment_qr.payment_code", "primary")
        self.payment_code.clicked.connect(self.payment_code_requested)
        code_side = QVBoxLayout()
        code_side.setSpacing(16)
        code_side.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        code_side.addWidget(self.apps_hint)
        code_side.addWidget(badges)
        code_side.addWidget(self.countdown)
        code_side.addWidget(self.hint)
        self._columns = _TwoColumns()
        self._columns.addWidget(self.summary, 1)
        self._columns.addLayout(code_side, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.cancel)
        footer.addStretch(1)
        footer.addWidget(self.payment_code)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addLayout(self._columns)
        layout.addStretch(1)
        layout.addLayout(footer)
        self.retranslate()

    def show_payment(
        self, payment: Payment, patient: Patient | None, bills: Sequence[Bill]
    ) -> None:
        if self._payment is None or self._payment.qr_payload != payment.qr_payload:
            self.qr.set_data(payment.qr_payload)
        self._payment, self._patient, self._bills = payment, patient, list(bills)
        self.retranslate()

    def set_seconds_left(self, seconds: int) -> None:
        self._seconds = seconds
        self.countdown.setText(
            self.tr("This code is valid for {time}").format(
                time=f"{seconds // 60}:{seconds % 60:02d}"
            )
        )

    def wipe(self) -> None:
        self._payment, self._patient, self._bills = None, None, []
        self.qr.set_data("")
        self.retranslate()

    def instruction(self) -> str:
        texts = (self.heading.text(), self.summary.amount.text(), self.apps_hint.text())
        return " ".join(t for t in texts if t)

    def resizeEvent(self, event: QResizeEvent) -> None:
        height = self.window().height()
        self._columns.follow(self.width(), height)
        # Smaller on short screens (1280×1024) so that the whole screen fits without scrolling.
        side = QR_SIDE if height >= TALL_SCREEN else QR_SIDE_SHORT
        self.qr.setFixedSize(side, side)
        super().resizeEvent(event)

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Scan the code with your phone to pay"))
        self.summary.set_payment(self._payment, self._patient, self._bills)
        self.apps_hint.setText(self.tr("Open one of these apps and use its scanner:"))
        _retranslate_badges(self._badges)
        self.hint.setText(
            self.tr("Keep this screen open until the kiosk says the payment is done.")
        )
        self.cancel.setText(self.tr("Cancel payment"))
        self.cancel.setAccessibleName(self.cancel.text())
        self.payment_code.setText(self.tr("Show my payment code instead"))
        self.payment_code.setAccessibleName(self.payment_code.text())
        self.set_seconds_left(self._seconds)


class PaymentCodeScreen(Screen):
    """The patient shows their wallet's payment code (付款码) to the kiosk's scanner; then,
    if the wallet asks for it, confirms on their phone.

    In the demo, buttons stand in for a phone at the scanner (one code of each outcome and
    one that is not a payment code), as the demo cards do for the card reader.

    Signals:
        cancel_requested: the patient does not want to pay.
        qr_requested: back to the QR code.
        demo_code_presented: the code of a demo button, as the scanner would hand it on.
    """

    cancel_requested = Signal()
    qr_requested = Signal()
    demo_code_presented = Signal(str)

    # What each demo button shows; "" is the one that is not a payment code.
    DEMO_CODES: tuple[tuple[str, str], ...] = (
        ("charged", EXAMPLE_CODES[ChargeOutcome.charged]),
        ("declined", EXAMPLE_CODES[ChargeOutcome.declined]),
        ("held", EXAMPLE_CODES[ChargeOutcome.held]),
        ("invalid", "12345"),
    )

    def __init__(self, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__("payment_code", parent)
        self._payment: Payment | None = None
        self._patient: Patient | None = None
        self._bills: list[Bill] = []
        self._refused = False
        self._confirming: Wallet | None = None
        self._seconds = 0
        self.heading = label("payment_code.heading", "title", wrap=True)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary = PaymentSummary("payment_code.summary")
        self.problem = named(QFrame(), "payment_code.problem", "banner-error")
        self.problem_text = label("payment_code.problem.text", "", wrap=True)
        problem_layout = QVBoxLayout(self.problem)
        problem_layout.setContentsMargins(24, 16, 24, 16)
        problem_layout.addWidget(self.problem_text)
        self.step_open = label("payment_code.step_open", "heading", wrap=True)
        badges, self._badges = wallet_badges("payment_code.apps")
        self._badge_row = badges
        self.step_show = label("payment_code.step_show", "heading", wrap=True)
        self.countdown = label("payment_code.countdown", "hint")
        for line in (self.step_open, self.step_show, self.countdown):
            line.setAlignment(Qt.AlignmentFlag.AlignCenter)
        steps = QVBoxLayout()
        steps.setSpacing(16)
        steps.addWidget(self.step_open)
        steps.addWidget(badges)
        steps.addWidget(self.step_show)
        steps.addWidget(self.countdown)
        steps.addStretch(1)
        self._columns = _TwoColumns()
        self._columns.addWidget(self.summary, 1)
        self._columns.addLayout(steps, 1)
        self.cancel = button("payment_code.cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self.use_qr = button("payment_code.use_qr")
        self.use_qr.clicked.connect(self.qr_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.cancel)
        footer.addStretch(1)
        footer.addWidget(self.use_qr)
        self.demo_title = label("payment_code.demo.title", "small")
        if not demo:  # hidden, not "shown": shown without a parent, it would be a window
            self.demo_title.hide()
        self._demo_buttons: list[QPushButton] = []
        demo_grid = QGridLayout()  # two by two: fits portrait with large text too
        for index, (name, code) in enumerate(self.DEMO_CODES if demo else ()):
            demo_button = button(f"payment_code.demo.{name}", "small")
            demo_button.clicked.connect(lambda _=False, c=code: self.demo_code_presented.emit(c))
            demo_grid.addWidget(demo_button, index // 2, index % 2)
            self._demo_buttons.append(demo_button)
        for column in (0, 1):
            demo_grid.setColumnStretch(column, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.problem)
        layout.addLayout(self._columns)
        layout.addStretch(1)
        layout.addWidget(self.demo_title)
        layout.addLayout(demo_grid)
        layout.addLayout(footer)
        self.retranslate()

    def show_code(
        self,
        payment: Payment,
        patient: Patient | None,
        bills: Sequence[Bill],
        *,
        refused: bool,
        confirming: Wallet | None,
    ) -> None:
        """``confirming``: the wallet holding the charge until the payer confirms, if any."""
        self._payment, self._patient, self._bills = payment, patient, list(bills)
        self._refused, self._confirming = refused, confirming
        self.retranslate()

    def set_seconds_left(self, seconds: int) -> None:
        self._seconds = seconds
        self.countdown.setText(
            self.tr("Time left to pay: {time}").format(time=f"{seconds // 60}:{seconds % 60:02d}")
        )

    def wipe(self) -> None:
        self._payment, self._patient, self._bills = None, None, []
        self._refused, self._confirming = False, None
        self.retranslate()

    def instruction(self) -> str:
        texts = (
            self.heading.text(),
            self.problem_text.text() if self._refused else "",
            self.step_open.text(),
            self.step_show.text(),
        )
        return " ".join(t for t in texts if t)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._columns.follow(self.width(), self.window().height())
        super().resizeEvent(event)

    def retranslate(self) -> None:
        self.summary.set_payment(self._payment, self._patient, self._bills)
        _retranslate_badges(self._badges)
        confirming = self._confirming
        if confirming is None:
            self.heading.setText(self.tr("Pay with your payment code"))
            self.step_open.setText(self.tr("1. Open the payment code in one of these apps:"))
            self.step_show.setText(
                self.tr("2. Hold your phone's screen under the scanner below this screen.")
            )
        else:
            self.heading.setText(self.tr("Please confirm the payment on your phone"))
            self.step_open.setText(
                self.tr("{app} asks you to confirm this payment.").format(
                    app=wallet_name(confirming)
                )
            )
            self.step_show.setText(
                self.tr("Enter your password in the app. This screen changes by itself.")
            )
        self._badge_row.setVisible(confirming is None)
        self.countdown.setVisible(confirming is None)
        self.problem_text.setText(
            self.tr(
                "That was not a payment code. In WeChat, Alipay or UnionPay open the "
                "payment code and show it again. Nothing was charged."
            )
        )
        self.problem.setVisible(self._refused and confirming is None)
        self.cancel.setText(self.tr("Cancel payment"))
        self.use_qr.setText(self.tr("Scan a QR code instead"))
        self.use_qr.setVisible(confirming is None)
        self.demo_title.setText(self.tr("Demo: a phone at the scanner"))
        demo_labels = {
            "charged": self.tr("WeChat: paid"),
            "declined": self.tr("Alipay: declined"),
            "held": self.tr("UnionPay: confirm on phone"),
            "invalid": self.tr("Not a payment code"),
        }
        for demo_button, (name, _code) in zip(self._demo_buttons, self.DEMO_CODES, strict=False):
            demo_button.setText(demo_labels[name])
            demo_button.setVisible(confirming is None)
        self.demo_title.setVisible(bool(self._demo_buttons) and confirming is None)
        for widget in (self.cancel, self.use_qr, *self._demo_buttons):
            widget.setAccessibleName(widget.text())
        self.set_seconds_left(self._seconds)


RECEIPT_QR_PX = 160  # beside its caption, so the paid screen still fits 1920×1080


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
        self._by_code = False
        card = named(QFrame(), "payment_result.card", "card")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 32, 48, 32)
        inner.setSpacing(16)
        self.title = label("payment_result.title", "title", wrap=True)
        self.body = label("payment_result.body", wrap=True)
        # After paying for medicine the pickup number is what the patient needs most.
        self.pickup_caption = label("payment_result.pickup_caption", "hint", wrap=True)
        self.pickup_number = label("payment_result.pickup_number", "huge")
        self.pickup_place = label("payment_result.pickup_place", "heading", wrap=True)
        self.directions = label("payment_result.directions", "heading", wrap=True)
        self.details = label("payment_result.details", "hint", wrap=True)
        self.print_state = label("payment_result.print_state", "hint", wrap=True)
        # The electronic receipt (电子票据) on the patient's phone: the same QR as on the slip.
        self.receipt_qr = named(QrCode(RECEIPT_QR_PX), "payment_result.receipt_qr")
        self.receipt_caption = label("payment_result.receipt_caption", "small", wrap=True)
        receipt_row = QHBoxLayout()
        receipt_row.addStretch(1)
        receipt_row.addWidget(self.receipt_qr)
        receipt_row.addWidget(self.receipt_caption)
        receipt_row.addStretch(1)
        for widget in (
            self.title,
            self.body,
            self.pickup_caption,
            self.pickup_number,
            self.pickup_place,
            self.directions,
            self.details,
            self.print_state,
        ):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(widget)
        inner.addLayout(receipt_row)
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
        self,
        outcome: PayStep,
        payment: Payment | None,
        *,
        print_failed: bool,
        by_code: bool = False,
    ) -> None:
        """``outcome``: one of :data:`kiosk.flows.payment.OUTCOMES`; ``by_code``: the patient
        paid (or tried to) with their payment code."""
        self._outcome, self._payment, self._print_failed = outcome, payment, print_failed
        self._by_code = by_code
        self.retranslate()

    def wipe(self) -> None:
        self._outcome, self._payment, self._print_failed, self._by_code = None, None, False, False
        self.retranslate()

    def instruction(self) -> str:
        parts = (
            self.title,
            self.body,
            self.pickup_caption,
            self.pickup_number,
            self.pickup_place,
            self.directions,
            self.print_state,
        )
        return " ".join(t.text() for t in parts if t.text())

    def _show_pickup(self, payment: Payment | None) -> None:
        pickups = payment.pharmacy_tickets if payment is not None else []
        first = pickups[0] if pickups else None
        self.pickup_caption.setText(self.tr("Your medicine pickup number") if first else "")
        self.pickup_number.setText(first.number if first else "")
        self.pickup_place.setText(
            self.tr("{window}, {place}").format(
                window=kept_together(in_language(first.window, first.window_en)),
                place=kept_together(in_language(first.location, first.location_en)),
            )
            if first
            else ""
        )
        lab = [d for d in payment.directions if d.category is ItemCategory.lab] if payment else []
        self.directions.setText(
            "\n".join(
                self.tr("For your blood test, please go to {place}:").format(
                    place=in_language(d.place, d.place_en)
                )
                + "\n"
                + kept_together(location_text(d.location))
                for d in lab
            )
        )
        for widget in (
            self.pickup_caption,
            self.pickup_number,
            self.pickup_place,
            self.directions,
        ):
            widget.setVisible(bool(widget.text()))

    def _paid_details(self, payment: Payment) -> str:
        lines = []
        receipt = payment.receipt
        if receipt is not None:
            lines.append(
                self.tr("Paid {amount} · receipt {number}").format(
                    amount=format_money(receipt.self_pay_cents),
                    number=receipt.receipt_number,
                )
            )
            # What insurance paid beside the patient, as the bills screen showed it.
            insurance = [
                # Each part kept on one line; the lines break between them.
                text.format(amount=format_money(cents)).replace(" ", NO_BREAK_SPACE)
                for text, cents in (
                    (self.tr("Insurance fund paid {amount}"), receipt.insurance_fund_cents),
                    (self.tr("Personal account paid {amount}"), receipt.personal_account_cents),
                )
                if cents
            ]
            if insurance:
                lines.append(" · ".join(insurance))
        for pickup in payment.pharmacy_tickets[1:]:
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
        for booked in payment.booked_appointments:
            opens = booked.check_in_opens_at.astimezone()
            lines.append(
                self.tr(
                    "Appointment booked: {department}, {time}. Check in on the day from {opens}."
                ).format(
                    department=in_language(booked.department.name, booked.department.name_en),
                    time=f"{booked.starts_at.astimezone():%m-%d %H:%M}",
                    opens=f"{opens:%H:%M}",
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
                (
                    self.tr("Your payment app declined the payment.")
                    if self._by_code
                    else self.tr("The payment was not completed on the phone.")
                )
                + " "
                + nothing_charged,
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
                    "The payment was not confirmed in time. If you paid, your receipt is "
                    "printed here; if not, nothing is charged. You are never charged twice."
                )
                if self._by_code
                else self.tr(
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
        self._show_pickup(self._payment if paid else None)
        receipt = self._payment.receipt if paid and self._payment is not None else None
        receipt_url = receipt.receipt_url if receipt is not None else ""
        if receipt_url != self.receipt_qr.data:
            self.receipt_qr.set_data(receipt_url)
        # The amount and the receipt number are on the line above.
        self.receipt_caption.setText(
            self.tr("Scan for your electronic receipt") if receipt_url else ""
        )
        self.receipt_qr.setVisible(bool(receipt_url))
        self.receipt_caption.setVisible(bool(receipt_url))
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
        label_home_button(self.finish)
        for widget in (self.reprint, self.retry, self.finish):
            widget.setAccessibleName(widget.text())
