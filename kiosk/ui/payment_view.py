"""Shows the payment flow: bills, the QR code or payment code, and the outcome."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.payment import OUTCOMES, PaymentFlow, PayStep
from kiosk.ui.screens.payment import (
    BillsScreen,
    PaymentCodeScreen,
    PaymentQrScreen,
    PaymentResultScreen,
)
from kiosk.ui.visit_view import VisitView


class PaymentView(QObject):
    def __init__(
        self, visit: VisitView, flow: PaymentFlow, *, service_window: str, demo: bool = False
    ) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.bills = BillsScreen()
        self.qr = PaymentQrScreen()
        self.code = PaymentCodeScreen(demo=demo)
        self.result = PaymentResultScreen(service_window)
        visit.add_service_screens(self.bills, self.qr, self.code, self.result)
        self.bills.bill_toggled.connect(flow.toggle_bill)
        self.bills.pay_requested.connect(flow.pay)
        self.bills.home_requested.connect(flow.finish)
        self.qr.cancel_requested.connect(flow.cancel)
        self.qr.payment_code_requested.connect(flow.use_payment_code)
        self.code.cancel_requested.connect(flow.cancel)
        self.code.qr_requested.connect(flow.use_qr_code)
        self.code.demo_code_presented.connect(flow.payment_code_scanned)
        self.result.retry_requested.connect(flow.pay)
        self.result.reprint_requested.connect(flow.reprint)
        self.result.home_requested.connect(flow.finish)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.countdown.connect(self.qr.set_seconds_left)
        flow.countdown.connect(self.code.set_seconds_left)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: PayStep) -> None:
        flow, window = self.flow, self.visit.window
        if step in (PayStep.bills, PayStep.no_bills) and flow.patient is not None:
            self.bills.show_bills(flow.patient, flow.bills, flow.selected, flow.amount_cents)
            window.show_screen(self.bills)
        elif step == PayStep.qr and flow.payment is not None:
            self.qr.show_payment(flow.payment, flow.patient, flow.bills)
            window.show_screen(self.qr)
        elif step in (PayStep.code, PayStep.confirming) and flow.payment is not None:
            self.code.show_code(
                flow.payment,
                flow.patient,
                flow.bills,
                refused=flow.code_refused,
                confirming=flow.wallet if step == PayStep.confirming else None,
            )
            window.show_screen(self.code)
        elif step in OUTCOMES:
            self.result.show_outcome(
                step, flow.payment, print_failed=flow.print_failed, by_code=flow.by_code
            )
            window.show_screen(self.result)
        elif step == PayStep.error and flow.notice is not None:
            self.visit.show_notice(flow.notice)
