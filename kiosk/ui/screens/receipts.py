"""Receipt reprint screens (票据补打): the patient's past receipts, and one to print again."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.api.models import ReceiptRecord, ReceiptReprint
from kiosk.api.money import format_money
from kiosk.flows.receipts import ReceiptProblem
from kiosk.ui.screens.base import Screen, clear_layout, label_home_button, scrolling
from kiosk.ui.widgets.basics import button, in_language, label, named

ITEMS_SHOWN = 3  # a card names this many items, then "and N more"


def items_summary(record: ReceiptRecord) -> str:
    """The receipt's first items by name, and how many more: what the patient recognises."""
    names = [in_language(item.name, item.name_en) for item in record.receipt.items]
    shown = in_language("、", ", ").join(names[:ITEMS_SHOWN])
    more = len(names) - ITEMS_SHOWN
    if more < 1:
        return shown
    return QCoreApplication.translate("Receipts", "{items} and {more} more").format(
        items=shown, more=more, total=len(names)
    )


def paid_text(record: ReceiptRecord) -> str:
    at = record.receipt.paid_at.astimezone()
    return QCoreApplication.translate("Receipts", "Paid {date} {time}").format(
        date=f"{at:%Y-%m-%d}", time=f"{at:%H:%M}"
    )


def reprints_text(record: ReceiptRecord) -> str:
    if record.reprints_left < 1:
        return QCoreApplication.translate("Receipts", "No free reprint left")
    return QCoreApplication.translate("Receipts", "Free reprints left: {count}").format(
        count=record.reprints_left
    )


def fault_text(fault: str) -> str:
    """The printer's reason code in the patient's words."""
    if fault == "paper_out":
        return QCoreApplication.translate("Receipts", "The printer is out of paper.")
    if fault == "cover_open":
        return QCoreApplication.translate("Receipts", "The printer cover is open.")
    return QCoreApplication.translate("Receipts", "The printer is not working.")


def problem_text(problem: ReceiptProblem | None, fault: str, cashier: str) -> str:
    if problem is ReceiptProblem.limit_reached:
        return QCoreApplication.translate(
            "Receipts",
            "This receipt has been reprinted as often as the kiosks may. Please ask at "
            "cashier window {window} for another copy.",
        ).format(window=cashier)
    if problem is ReceiptProblem.gone:
        return QCoreApplication.translate(
            "Receipts",
            "That receipt can no longer be reprinted here. Please ask at cashier window {window}.",
        ).format(window=cashier)
    if problem is ReceiptProblem.printer_failed:
        advice = QCoreApplication.translate(
            "Receipts",
            "Nothing more was counted: touch “Try again” once it is fixed, or ask at "
            "cashier window {window}.",
        ).format(window=cashier)
        return in_language("", " ").join((fault_text(fault), advice))
    return ""


class ReceiptsScreen(Screen):
    """The patient's past receipts, newest first; an empty list says so.

    Signals:
        receipt_chosen: a receipt number.
        home_requested: back to the home screen.
    """

    receipt_chosen = Signal(str)
    home_requested = Signal()

    def __init__(self, cashier_window: str, parent: QWidget | None = None) -> None:
        super().__init__("receipts", parent)
        self._cashier = cashier_window
        self._records: list[ReceiptRecord] = []
        self._days = 0
        self._problem: ReceiptProblem | None = None
        self.heading = label("receipts.heading", "heading", wrap=True)
        self.hint = label("receipts.hint", "hint", wrap=True)
        self.problem = label("receipts.problem", "banner-error", wrap=True)
        self.empty = label("receipts.empty", "prompt", wrap=True)
        self._list_widget = QWidget()
        self._list = QVBoxLayout(self._list_widget)
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(20)
        self.finish = button("receipts.finish")
        self.finish.clicked.connect(self.home_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.finish)
        footer.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(20)
        layout.addWidget(self.heading)
        layout.addWidget(self.hint)
        layout.addWidget(self.problem)
        layout.addWidget(self.empty)
        layout.addWidget(scrolling(self._list_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_receipts(
        self, records: Sequence[ReceiptRecord], days: int, problem: ReceiptProblem | None
    ) -> None:
        self._records, self._days, self._problem = list(records), days, problem
        self._rebuild()
        self.retranslate()

    def wipe(self) -> None:
        self._records, self._days, self._problem = [], 0, None
        self._rebuild()
        self.retranslate()

    def instruction(self) -> str:
        texts = [self.heading.text(), self.problem.text()]
        texts.append(self.hint.text() if self._records else self.empty.text())
        return " ".join(t for t in texts if t)

    def _rebuild(self) -> None:
        clear_layout(self._list)
        for index, record in enumerate(self._records):
            self._list.addWidget(self._card(index, record))
        self._list.addStretch(1)

    def _card(self, index: int, record: ReceiptRecord) -> QFrame:
        card = named(QFrame(), f"receipts.receipt.{index}", "card")
        card.setProperty("receipt", record.receipt.receipt_number)
        layout = QHBoxLayout(card)
        layout.setContentsMargins(28, 20, 28, 20)
        layout.setSpacing(20)
        texts = QVBoxLayout()
        texts.setSpacing(6)
        texts.addWidget(label(f"receipts.receipt.{index}.amount", "heading", wrap=True))
        texts.addWidget(label(f"receipts.receipt.{index}.items", "body", wrap=True))
        texts.addWidget(label(f"receipts.receipt.{index}.detail", "small", wrap=True))
        layout.addLayout(texts, 1)
        choose = button(f"receipts.choose.{index}", "primary")
        number = record.receipt.receipt_number
        choose.clicked.connect(lambda _=False, n=number: self.receipt_chosen.emit(n))
        layout.addWidget(choose, 0, Qt.AlignmentFlag.AlignVCenter)
        return card

    def retranslate(self) -> None:
        self.heading.setText(self.tr("Reprint a receipt"))
        self.hint.setText(
            self.tr("Your payments of the last {days} days. Choose one to print it again.").format(
                days=self._days
            )
        )
        self.hint.setVisible(bool(self._records))
        text = problem_text(self._problem, "", self._cashier)
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.empty.setText(
            self.tr(
                "You have no payments in the last {days} days. For an older receipt, please "
                "ask at cashier window {window}."
            ).format(days=self._days, window=self._cashier)
        )
        self.empty.setVisible(not self._records)
        for index, record in enumerate(self._records):
            amount = self.findChild(QLabel, f"receipts.receipt.{index}.amount")
            items = self.findChild(QLabel, f"receipts.receipt.{index}.items")
            detail = self.findChild(QLabel, f"receipts.receipt.{index}.detail")
            choose = self.findChild(QPushButton, f"receipts.choose.{index}")
            if amount is None or items is None or detail is None or choose is None:
                continue
            receipt = record.receipt
            amount.setText(
                self.tr("{amount} paid · {date}").format(
                    amount=format_money(receipt.self_pay_cents),
                    date=f"{receipt.paid_at.astimezone():%Y-%m-%d}",
                )
            )
            items.setText(items_summary(record))
            detail.setText(
                self.tr("Receipt {number} · {paid} · {reprints}").format(
                    number=receipt.receipt_number,
                    paid=paid_text(record),
                    reprints=reprints_text(record),
                )
            )
            choose.setText(self.tr("Reprint"))
            choose.setAccessibleName(
                self.tr("Reprint receipt {number}").format(number=receipt.receipt_number)
            )
        label_home_button(self.finish)


class ReceiptConfirmScreen(Screen):
    """One past receipt: what it holds, and printing a copy of it (or why not).

    Signals:
        print_requested: print a copy (again, after a printer fault).
        back_requested: back to the list.
        home_requested: back to the home screen.
    """

    print_requested = Signal()
    back_requested = Signal()
    home_requested = Signal()

    def __init__(self, cashier_window: str, parent: QWidget | None = None) -> None:
        super().__init__("receipt", parent)
        self._cashier = cashier_window
        self._record: ReceiptRecord | None = None
        self._problem: ReceiptProblem | None = None
        self._fault = ""
        self._printing = False
        self._printed = False
        self.heading = label("receipt.heading", "heading", wrap=True)
        self.status = label("receipt.status", "prompt", wrap=True)
        self.problem = label("receipt.problem", "banner-error", wrap=True)
        self._details_widget = QWidget()
        self._details = QVBoxLayout(self._details_widget)
        self._details.setContentsMargins(0, 0, 0, 0)
        self._details.setSpacing(10)
        self.back = button("receipt.back")
        self.back.clicked.connect(self.back_requested)
        self.finish = button("receipt.finish")
        self.finish.clicked.connect(self.home_requested)
        self.print = button("receipt.print", "primary")
        self.print.clicked.connect(self.print_requested)
        footer = QHBoxLayout()
        footer.addWidget(self.back)
        footer.addWidget(self.finish)
        footer.addStretch(1)
        footer.addWidget(self.print)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 24, 48, 24)
        layout.setSpacing(16)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addWidget(scrolling(self._details_widget), 1)
        layout.addLayout(footer)
        self.retranslate()

    def show_receipt(
        self,
        record: ReceiptRecord,
        problem: ReceiptProblem | None,
        fault: str,
        *,
        printing: bool,
        printed: bool,
    ) -> None:
        changed = self._record is None or self._record.receipt != record.receipt
        self._record, self._problem, self._fault = record, problem, fault
        self._printing, self._printed = printing, printed
        if changed:
            self._rebuild()
        self.retranslate()

    def wipe(self) -> None:
        self._record, self._problem, self._fault = None, None, ""
        self._printing = self._printed = False
        self._rebuild()
        self.retranslate()

    def instruction(self) -> str:
        texts = (self.heading.text(), self.status.text(), self.problem.text())
        return " ".join(t for t in texts if t)

    def _rebuild(self) -> None:
        clear_layout(self._details)
        record = self._record
        if record is None:
            return
        for index, _item in enumerate(record.receipt.items):
            row = QHBoxLayout()
            row.addWidget(label(f"receipt.item.{index}", "body", wrap=True), 1)
            row.addWidget(label(f"receipt.item.{index}.amount", "body"))
            holder = named(QWidget(), f"receipt.item_row.{index}")
            holder.setLayout(row)
            row.setContentsMargins(0, 0, 0, 0)
            self._details.addWidget(holder)
        for name in ("total", "fund", "account", "self_pay"):
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(label(f"receipt.{name}", "body", wrap=True), 1)
            row.addWidget(
                label(f"receipt.{name}.amount", "heading" if name == "self_pay" else "body")
            )
            holder = named(QWidget(), f"receipt.{name}_row")
            holder.setLayout(row)
            self._details.addWidget(holder)
        self._details.addWidget(label("receipt.copies", "small", wrap=True))
        self._details.addStretch(1)

    def _set(self, name: str, text: str) -> None:
        found = self.findChild(QLabel, name)
        if found is not None:
            found.setText(text)

    def retranslate(self) -> None:
        record = self._record
        receipt = record.receipt if record is not None else None
        self.heading.setText(
            self.tr("Receipt {number}").format(number=receipt.receipt_number) if receipt else ""
        )
        status = ""
        if self._printing:
            status = self.tr("Printing a copy of your receipt… Please wait by the printer.")
        elif self._printed:
            status = self.tr(
                "Printed. Please take the copy, marked “补打 / COPY”, from the ticket printer."
            )
        elif record is not None:
            status = paid_text(record)
        self.status.setText(status)
        self.status.setVisible(bool(status))
        retry = self._problem is ReceiptProblem.printer_failed
        none_left = record is not None and record.reprints_left < 1 and not retry
        shown = ReceiptProblem.limit_reached if none_left and not self._printed else self._problem
        problem = problem_text(shown, self._fault, self._cashier)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        if receipt is not None and record is not None:
            for index, item in enumerate(receipt.items):
                self._set(f"receipt.item.{index}", in_language(item.name, item.name_en))
                self._set(f"receipt.item.{index}.amount", format_money(item.amount_cents))
            fund = receipt.insurance_fund_cents
            self._set("receipt.total", self.tr("Total"))
            self._set("receipt.total.amount", format_money(receipt.total_cents))
            self._set("receipt.fund", self.tr("Insurance fund"))
            self._set("receipt.fund.amount", format_money(fund))
            self._set("receipt.account", self.tr("Personal account"))
            self._set("receipt.account.amount", format_money(receipt.personal_account_cents))
            self._set("receipt.self_pay", self.tr("You paid"))
            self._set("receipt.self_pay.amount", format_money(receipt.self_pay_cents))
            copies = reprints_text(record)
            if isinstance(record, ReceiptReprint):
                copies = self.tr("Reprint {number} of this receipt. {left}").format(
                    number=record.reprint_number, left=copies
                )
            self._set("receipt.copies", copies)
        self.back.setText(self.tr("All receipts"))
        self.back.setAccessibleName(self.tr("Back to all your receipts"))
        self.print.setText(self.tr("Try again") if retry else self.tr("Print a copy"))
        self.print.setAccessibleName(self.tr("Print a copy of this receipt"))
        # None left: the banner says where to go instead; no button that cannot work.
        self.print.setVisible(not self._printed and not none_left)
        self.print.setEnabled(not self._printing)
        label_home_button(self.finish)
