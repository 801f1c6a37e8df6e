"""Shows the payment flow: bills, the QR code, and the outcome on the kiosk window."""

from __future__ import annotations

from PySide6.QtCore import QObject

from kiosk.flows.payment import OUTCOMES, PaymentFlow, PayStep
from kiosk.ui.screens.payment import BillsScreen, PaymentQrScreen, PaymentResultScreen
from kiosk.ui.visit_view import VisitView


class PaymentView(QObject):
    def __init__(self, visit: VisitView, flow: PaymentFlow, *, service_window: str) -> None:
        super().__init__(visit)
        self.visit = visit
        self.flow = flow
        self.bills = BillsScreen()
        self.qr = PaymentQrScreen()
        self.result = PaymentResultScreen(service_window)
        visit.add_service_screens(self.bills, self.qr, self.result)
        self.bills.bill_toggled.connect(flow.toggle_bill)
        self.bills.pay_requested.connect(flow.pay)
        self.bills.home_requested.connect(flow.finish)
        self.qr.cancel_requested.connect(flow.cancel)
        self.result.retry_requested.connect(flow.pay)
        self.result.reprint_requested.connect(flow.reprint)
        self.result.home_requested.connect(flow.finish)
        flow.busy_changed.connect(visit.busy.set_busy)
        flow.countdown.connect(self.qr.set_seconds_left)
        flow.step_changed.connect(self._on_step_changed)

    def _on_step_changed(self, step: PayStep) -> None:
        flow, window = self.flow, self.visit.window
        if step in (PayStep.bills, PayStep.no_bills) and flow.patient is not None:
            self.bills.show_bills(flow.patient, flow.bills, flow.selected, flow.amount_cents)
            window.show_screen(self.bills)
        elif step == PayStep.qr and flow.payment is not None:
            self.qr.show_payment(flow.payment)
            window.show_screen(self.qr)
        elif step in OUTCOMES:
            self.result.show_outcome(step, flow.payment, print_failed=flow.print_failed)
            window.show_screen(self.result)
        elif step == PayStep.error and flow.notice is not None:
            self.visit.show_notice(flow.notice)
